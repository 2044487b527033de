"""Unit tests of the probe helpers that need no network: statistics, /proc and resolv.conf parsing,
the traceroute rate-limiting caveat, method choice, and faults that must become results."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from fieldkit.net import RttStats, percentile, run_parallel
from fieldkit.net import icmp, local, traceroute
from fieldkit.net.traceroute import Hop, TraceResult, analyse

ROUTE = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
wlan0\t00000000\t FE01A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
"""
IPV6_ROUTE = (
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "fe800000000000000000000000000001 00000400 00000001 00000000 00450003     eth0\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
)


def test_rtt_stats_keep_send_order_and_count_loss() -> None:
    stats = RttStats([1.0, None, 3.0, 2.0, None])
    assert stats.loss_pct == 40.0
    assert (stats.min_ms, stats.median_ms, stats.max_ms) == (1.0, 2.0, 3.0)
    assert stats.p95_ms == pytest.approx(2.9)
    assert RttStats([]).loss_pct is None and RttStats([None]).median_ms is None


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([5], 95) == 5 and percentile([], 50) is None


def test_default_routes_from_proc(tmp_path: Path) -> None:
    (tmp_path / "proc/net").mkdir(parents=True)
    (tmp_path / "proc/net/route").write_text(ROUTE.replace("\t FE", "\tFE"))
    (tmp_path / "proc/net/ipv6_route").write_text(IPV6_ROUTE)
    routes = local.default_routes(tmp_path)
    assert [(r.interface, r.gateway, r.metric) for r in routes if r.family == socket.AF_INET] == [
        ("eth0", "192.168.1.1", 100), ("wlan0", "192.168.1.254", 600)]
    v6 = [r for r in routes if r.family == socket.AF_INET6]
    assert [(r.interface, r.gateway) for r in v6] == [("eth0", "fe80::1")]  # the reject route on lo is ignored


def test_no_route_files_means_no_routes(tmp_path: Path) -> None:
    assert local.default_routes(tmp_path) == []


def test_resolvers_read_upstream_behind_systemd_stub(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/resolv.conf").write_text("# stub\nnameserver 127.0.0.53\noptions edns0\nsearch corp.example\n")
    (tmp_path / "run/systemd/resolve").mkdir(parents=True)
    (tmp_path / "run/systemd/resolve/resolv.conf").write_text("nameserver 192.0.2.53\nnameserver fe80::1%eth0\n")
    config = local.resolvers(tmp_path)
    assert config.servers == ["127.0.0.53", "192.0.2.53", "fe80::1"]
    assert config.stub and config.search == ["corp.example"] and "systemd-resolved" in config.note


def test_resolvers_ignore_garbage_lines(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/resolv.conf").write_text("nameserver not-an-ip\nnameserver 192.0.2.1 # office\nnameserver 192.0.2.1\n")
    assert local.resolvers(tmp_path).servers == ["192.0.2.1"]
    assert local.resolvers(tmp_path / "missing").servers == []


def _hop(ttl: int, address: str | None, samples: list[float | None], final: bool = False) -> Hop:
    return Hop(ttl, address, samples, [address] if address else [], final)


def test_intermediate_loss_with_clean_destination_is_rate_limiting() -> None:
    result = TraceResult("d", "10.0.0.3", "icmp", [
        _hop(1, "10.0.0.1", [1.0, None, None, 1.0]), _hop(2, "10.0.0.2", [2.0] * 4),
        _hop(3, "10.0.0.3", [3.0] * 4, final=True)], reached=True)
    verdict = analyse(result)
    assert verdict.kind == "rate-limited" and verdict.loss_pct == 0 and verdict.first_ttl == 1
    assert verdict.lossy_ttls == [1]


def test_loss_persisting_to_destination_is_real_and_located() -> None:
    result = TraceResult("d", "10.0.0.3", "icmp", [
        _hop(1, "10.0.0.1", [1.0] * 4), _hop(2, "10.0.0.2", [2.0, None, 2.0, 2.0]),
        _hop(3, "10.0.0.3", [3.0, None, 3.0, 3.0], final=True)], reached=True)
    verdict = analyse(result)
    assert (verdict.kind, verdict.first_ttl, verdict.loss_pct) == ("loss", 2, 25.0)


def test_clean_and_unreached_paths() -> None:
    clean = TraceResult("d", "x", "udp", [_hop(1, "a", [1.0]), _hop(2, "x", [2.0], final=True)], reached=True)
    assert analyse(clean).kind == "clean"
    dead = TraceResult("d", "x", "udp", [_hop(1, "a", [1.0]), _hop(2, None, [None])], reached=False)
    verdict = analyse(dead)
    assert verdict.kind == "unreached" and verdict.first_ttl == 2 and verdict.silent_from == 2


def test_hop_dict_has_the_report_keys() -> None:
    hop = _hop(1, "10.0.0.1", [1.0, None, 3.0]).to_dict()
    assert {"ttl", "address", "rtt_ms", "loss_pct"} <= set(hop)
    assert hop["rtt_ms"] == 2.0 and hop["loss_pct"] == pytest.approx(33.33)


def test_method_choice_names_the_reason() -> None:
    assert icmp.choose_method("tcp", True) == ("tcp", "")
    method, note = icmp.choose_method("auto", is_root=False)
    assert method in ("dgram", "tcp") and "root" in note
    with pytest.raises(ValueError):
        icmp.choose_method("carrier-pigeon", True)


def test_tcp_ping_on_loopback_counts_refused_as_answer() -> None:
    with socket.socket() as closed:  # bind, never listen: the port refuses
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        result = icmp.ping("127.0.0.1", count=3, interval=0.01, timeout=0.5, method="tcp", tcp_port=port)
    assert result.method == "tcp" and result.stats.loss_pct == 0 and len(result.samples) == 3


def test_traceroute_without_root_falls_back_to_the_error_queue() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as closed:   # a closed UDP port on loopback
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = traceroute.traceroute("127.0.0.1", method="udp", port=port, probes=2, timeout=0.5, is_root=False)
    assert result.reached and [h.address for h in result.hops] == ["127.0.0.1"]
    assert "root" in result.note and "error queue" in result.note and result.error == ""


def test_run_parallel_returns_finished_and_exceptions_and_abandons_hangs() -> None:
    import threading

    never = threading.Event()
    results = run_parallel({"ok": lambda: 1, "boom": lambda: 1 / 0, "hang": lambda: never.wait(30)}, timeout=0.5)
    assert results["ok"] == 1 and isinstance(results["boom"], ZeroDivisionError) and "hang" not in results


def test_neighbour_mac_only_for_complete_entries(tmp_path: Path) -> None:
    (tmp_path / "proc/net").mkdir(parents=True)
    (tmp_path / "proc/net/arp").write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0\n"
        "192.0.2.9        0x1         0x0         00:00:00:00:00:00     *        eth0\n")
    assert local.neighbour_mac("192.0.2.1", tmp_path) == "02:fc:00:00:00:05"
    assert local.neighbour_mac("192.0.2.9", tmp_path) is None
    assert local.neighbour_mac("192.0.2.1", tmp_path / "nothing") is None
