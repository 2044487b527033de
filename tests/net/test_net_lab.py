"""The probes against real hosts in a three-namespace lab (client, router with nftables, server).

Each probe runs inside the client namespace as a subprocess (scapy reads the routing
table of the namespace it starts in). Exact assertions come from deterministic
router rules (tests/netlab.py): every 5th echo to 10.201.2.3 is dropped, port 8081
is dropped, 8082 reset, 8084 admin-prohibited, nothing on 8083, a 1400-byte MTU hop.
"""

from __future__ import annotations


import pytest

import netlab
from netlab import lab, net  # noqa: F401  (fixtures)
from conftest import IS_ROOT, need

pytestmark = pytest.mark.real




def _lost_positions(samples: list) -> list[int]:
    return [i for i, s in enumerate(samples) if s is None]


def test_scapy_ping_measures_exact_deterministic_loss(net) -> None:
    result = net.call("icmp", "ping", netlab.LOSSY, count=10, interval=0.02, timeout=1.0)
    assert result["method"] == "scapy"
    lost = _lost_positions(result["samples"])
    assert len(lost) == 2 and lost[1] - lost[0] == 5          # numgen inc mod 5: one in five, five apart
    assert all(s is not None and s > 0 for i, s in enumerate(result["samples"]) if i not in lost)


def test_unprivileged_datagram_ping_when_the_group_range_allows_it(net) -> None:
    netlab.sh("ip", "netns", "exec", net.cli, "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647")
    try:
        result = net.call("icmp", "ping", netlab.LOSSY, count=10, interval=0.02, timeout=1.0, is_root=False)
    finally:
        netlab.sh("ip", "netns", "exec", net.cli, "sysctl", "-qw", "net.ipv4.ping_group_range=1 0")
    assert result["method"] == "dgram" and "root" in result["note"]
    assert len(_lost_positions(result["samples"])) == 2


def test_without_root_or_icmp_sockets_ping_falls_back_to_tcp_timing(net) -> None:
    result = net.call("icmp", "ping", netlab.SERVER, count=4, interval=0.02, timeout=1.0, is_root=False, tcp_port=80)
    assert result["method"] == "tcp" and result["port"] == 80
    assert "ping_group_range" in result["note"] and None not in result["samples"]


def test_ping_to_a_silent_address_loses_everything_quickly(net) -> None:
    result = net.call("icmp", "ping", netlab.NOHOST, count=3, interval=0.02, timeout=0.5)
    assert result["samples"] == [None, None, None] and result["error"] == ""


def test_ping_to_a_dead_on_link_host_is_quiet_and_lost(net) -> None:
    # scapy's own ARP resolution would print warnings and wait 2 s per probe; the kernel's doesn't.
    proc = net.py("import json; from fieldkit.net import icmp\n"
                  "print(json.dumps(icmp.ping('10.201.1.77', count=3, interval=0.05, timeout=0.5).samples))")
    assert proc.stdout.strip() == "[null, null, null]" and proc.stderr == ""


def test_unresolvable_name_is_reported_not_raised(net) -> None:
    result = net.call("icmp", "ping", f"no-such-host.{netlab.ZONE}", count=1, timeout=0.5)
    assert result["address"] is None and "could not be resolved" in result["error"]


@pytest.mark.parametrize("port, state", [(80, "open"), (8081, "filtered"), (8082, "refused"), (8083, "refused"),
                                         (8084, "unreachable")])
def test_tcp_tells_refused_from_filtered(net, port: int, state: str) -> None:
    result = net.call("tcp", "probe", netlab.SERVER, port, attempts=3, timeout=0.5)
    assert result["state"] == state
    if state == "open":
        assert len(result["samples"]) == 3 and None not in result["samples"]
    if state == "filtered":
        assert result["states"] == ["filtered", "filtered"]   # confirmed once, not attempts x timeout


def test_path_mtu_finds_the_1400_byte_hop_and_is_confirmed(net) -> None:
    result = net.call("pmtu", "discover", netlab.SERVER, timeout=1.0)
    assert result["pmtu_bytes"] == 1400 and result["confirmed"] is True and result["local_mtu"] == 1500
    assert result["steps"][0]["outcome"] in ("frag-needed", "local-emsgsize")


def test_path_mtu_toward_the_router_is_the_full_1500(net) -> None:
    result = net.call("pmtu", "discover", netlab.ROUTER, timeout=1.0)
    assert result["pmtu_bytes"] == 1500 and result["confirmed"] is True


@pytest.mark.parametrize("method", ["icmp", "udp", "tcp"])
def test_traceroute_lists_the_exact_hops(net, method: str) -> None:
    net.ratelimit(False)
    result = net.call("traceroute", "traceroute", netlab.SERVER, method=method, probes=3, timeout=1.0,
                      port=80 if method == "tcp" else None)
    assert result["reached"] is True
    assert [h["address"] for h in result["hops"]] == [netlab.ROUTER, netlab.SERVER]
    assert [h["ttl"] for h in result["hops"]] == [1, 2]
    assert all(s is not None for h in result["hops"] for s in h["samples"])


def test_unprivileged_traceroute_finds_the_same_hops(net) -> None:
    net.ratelimit(False)
    result = net.call("traceroute", "traceroute", netlab.SERVER, probes=3, timeout=1.0, is_root=False)
    assert result["reached"] is True and result["method"] == "udp" and "root" in result["note"]
    assert [h["address"] for h in result["hops"]] == [netlab.ROUTER, netlab.SERVER]
    assert all(s is not None for h in result["hops"] for s in h["samples"])


def test_unprivileged_traceroute_stops_at_an_unreachable_error(net) -> None:
    # 10.201.3.0/24 has no route at the router: it answers "network unreachable" at hop 1.
    # Linux rate-limits those errors per peer (ip_error: 1 per second, burst 5) with the token
    # bucket the previous traces emptied: give it a second to hold one token again.
    import time

    time.sleep(1.2)
    result = net.call("traceroute", "traceroute", "10.201.3.1", probes=1, timeout=1.0, is_root=False)
    assert result["reached"] is False and result["hops"][0]["address"] == netlab.ROUTER
    assert result["hops"][0]["unreachable"] == "network unreachable" and len(result["hops"]) == 1


def test_router_icmp_rate_limit_shows_as_intermediate_loss_only(net) -> None:
    code = ("import json; from fieldkit.net import traceroute as t\n"
            f"r = t.traceroute({netlab.SERVER!r}, probes=12, timeout=0.5, wave_interval=0.0)\n"
            "v = t.analyse(r)\n"
            "print(json.dumps([[h.loss_pct for h in r.hops], v.kind, v.loss_pct]))")
    import json

    net.ratelimit(True)
    try:
        limited = json.loads(net.py(code).stdout)
    finally:
        net.ratelimit(False)
    clean = json.loads(net.py(code).stdout)
    (hop1, final), kind, loss = limited
    assert hop1 > 0 and final == 0 and kind == "rate-limited" and loss == 0
    assert clean == [[0.0, 0.0], "clean", 0.0]


def test_dns_answers_and_srv_naptr(net) -> None:
    a = net.call("dns", "query", netlab.SERVER, f"www.{netlab.ZONE}", "A")
    assert a["status"] == "NOERROR" and a["answers"] == [netlab.SERVER] and a["latency_ms"] > 0
    records = net.call("dns", "sip_records", netlab.SERVER, netlab.SIP_DOMAIN)
    assert "NAPTR" in str(records[0]) and "SIP+D2U" in str(records[0])
    assert "10 10 5060 pbx.fieldkit.test." in str(records[1]) and "20 10 5060" in str(records[2])


def test_nxdomain_rewriting_is_detected_only_where_it_happens(net) -> None:
    honest = net.call("dns", "nxdomain_rewrite", netlab.SERVER, netlab.ZONE)
    liar = net.call("dns", "nxdomain_rewrite", netlab.LOSSY, netlab.ZONE)
    assert honest["rewritten"] is False and honest["answer"]["status"] == "NXDOMAIN"
    assert liar["rewritten"] is True and liar["answer"]["answers"] == ["10.201.2.99"]


def test_dns_to_a_dead_resolver_times_out_as_a_result(net) -> None:
    result = net.call("dns", "query", netlab.NOHOST, f"www.{netlab.ZONE}", "A", timeout=0.5)
    assert result["status"] == "TIMEOUT" and "0.5 s" in result["error"]


def test_https_certificate_trusted_with_the_ca_file(net) -> None:
    result = net.call("http", "fetch", f"https://{netlab.SERVER}/", ca_file=str(net.ca_file))
    assert result["status"] == 200 and result["tls"]["verified"] is True
    assert 364 <= result["tls"]["days_left"] <= 365


def test_https_untrusted_short_lived_certificate_still_described(net) -> None:
    result = net.call("http", "fetch", f"https://{netlab.SERVER}:8443/")
    tls = result["tls"]
    assert result["status"] == 200 and tls["verified"] is False and tls["self_signed"] is True
    assert "self-signed" in tls["verify_error"] and 2 <= tls["days_left"] <= 3


def test_captive_portal_detection(net) -> None:
    free = net.call("http", "captive_portal", f"http://{netlab.SERVER}/generate_204")
    portal = net.call("http", "captive_portal", f"http://{netlab.SERVER}/portal")
    replaced = net.call("http", "captive_portal", f"http://{netlab.SERVER}/")
    assert free["portal"] is False
    assert portal["portal"] is True and "/login" in portal["reason"]
    assert replaced["portal"] is True and "200" in replaced["reason"]


def test_http_to_a_filtered_port_times_out_as_a_result(net) -> None:
    result = net.call("http", "fetch", f"http://{netlab.SERVER}:8081/", timeout=1.0)
    assert result["status"] is None and result["error_kind"] == "timeout"
