"""The lan check: classification of measured facts, profiles, history and report, and the real lab.

The lab tests (``@pytest.mark.real``) build namespaces with tests/lanlab.py: lldpd as the
switch, dnsmasq DHCP servers on one bridge, a namespace holding the client's address.
"""

from __future__ import annotations

import subprocess
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

import lanlab
from conftest import ROOT, need
from fieldkit import checks, profiles
from fieldkit.checks.lan import classify
from fieldkit.checks.lan.plan import Measurements
from fieldkit.findings import Finding, Status
from fieldkit.net.lan.arp import AddressCheck, ArpResult
from fieldkit.net.lan.dhcp import DhcpResult, Offer
from fieldkit.net.lan.discovery import DiscoveryResult, Neighbor
from fieldkit.net.lan.link import LinkInfo, read_link
from fieldkit.net.lan.wifi import Bss, WifiLink, WifiResult


def _one(findings: list[Finding], subject: str) -> Finding:
    found = [f for f in findings if f.subject == subject]
    assert len(found) == 1, [f.subject for f in findings]
    return found[0]


def _link(**kw) -> LinkInfo:
    base = dict(interface="eth0", carrier=True, operstate="up", speed_mbps=1000, duplex="full", autoneg=True,
                counters={"rx_errors": 0, "tx_errors": 0, "rx_dropped": 5, "tx_dropped": 0})
    base.update(kw)
    return LinkInfo(**base)


def _m(*links: LinkInfo, **kw) -> Measurements:
    m = Measurements(wired=list(links), elapsed_s=2.0, gateways={"eth0": "192.168.1.1"}, resolvers=["192.168.1.1"])
    m.counters_after = {i.interface: dict(i.counters) for i in links}
    for key, value in kw.items():
        setattr(m, key, value)
    return m


def _offer(server: str, address: str, routers: list[str], dns: list[str], ms: float = 12.0) -> Offer:
    return Offer(server, server, "02:00:00:00:00:" + server.split(".")[-1].zfill(2)[-2:], address, "255.255.255.0",
                 routers, dns, 3600, None, ms)


# ---------------------------------------------------------------------------- registry and profiles
def test_registered_in_the_network_area() -> None:
    spec = checks.load("lan")
    assert "lan" in checks.REGISTRY and spec.area == "network"
    for name in ("interface", "listen_s", "dhcp_full", "expect_speed_mbps", "expect_voice_vlan",
                 "wifi_signal_warn_dbm", "wifi_signal_crit_dbm"):
        assert spec.option(name) is not None, name
    assert spec.defaults()["wifi_signal_warn_dbm"] == -67 and spec.defaults()["wifi_signal_crit_dbm"] == -75


def test_quick_profile_runs_link_and_duplicate_address_only() -> None:
    options = profiles.load("quick").checks["lan"].options
    assert options["discovery"] is False and options["dhcp"] is False and options["wifi"] is False
    assert options.get("link", True) and options.get("arp", True)


@pytest.mark.parametrize("profile", ["full", "voip-site"])
def test_full_profiles_listen_for_the_switch_inside_the_budget(profile: str) -> None:
    table = tomllib.loads((ROOT / "profiles" / f"{profile}.toml").read_text())["checks"]["lan"]
    loaded = profiles.load(profile).checks["lan"]
    for part in ("discovery", "dhcp", "arp", "wifi"):
        assert table.get(part, True), part
    # DHCP runs while listening; the budget must hold the listening time plus the classification.
    assert loaded.timeout_s >= table["listen_s"] + 3


# ---------------------------------------------------------------------------- link
def test_link_ok_reads_speed_and_duplex() -> None:
    f = _one(classify.findings_for(_m(_link())), "eth0 link")
    assert f.status is Status.OK and "1 Gb/s, full duplex" in f.summary
    assert f.data["connection"]["speed_mbps"] == 1000


def test_half_duplex_is_a_warning() -> None:
    f = _one(classify.findings_for(_m(_link(duplex="half", speed_mbps=100))), "eth0 link")
    assert f.status is Status.WARNING and f.rule == "lan-half-duplex" and "half duplex" in f.summary


def test_slower_than_expected_is_a_warning_with_both_speeds() -> None:
    f = _one(classify.findings_for(_m(_link(speed_mbps=100)), expect_speed_mbps=1000), "eth0 link")
    assert f.status is Status.WARNING and "100 Mb/s" in f.summary and "1 Gb/s" in f.summary
    assert f.metric("speed").warn == 1000
    same = _one(classify.findings_for(_m(_link(speed_mbps=100))), "eth0 link")
    assert same.status is Status.OK   # no expectation: 100 Mb/s is not judged


def test_growing_error_counters_are_a_warning_with_the_rate() -> None:
    m = _m(_link())
    m.counters_after["eth0"]["rx_errors"] = 8
    f = _one(classify.findings_for(m), "eth0 link")
    assert f.status is Status.WARNING and "8 receive errors in 2 s" in f.summary and "rx_errors +8" in f.detail
    assert f.metric("rx_errors_per_s").value == 4.0


def test_a_few_drops_are_normal_but_a_drop_rate_is_not() -> None:
    m = _m(_link())
    m.counters_after["eth0"]["rx_dropped"] += 1
    assert _one(classify.findings_for(m), "eth0 link").status is Status.OK
    m.counters_after["eth0"]["rx_dropped"] += 10
    assert _one(classify.findings_for(m), "eth0 link").status is Status.WARNING


def test_virtual_interface_speed_is_unknown_not_a_failure() -> None:
    f = _one(classify.findings_for(_m(_link(interface="veth0", virtual=True, speed_mbps=10000))), "veth0 link")
    assert f.status is Status.UNKNOWN and f.rule == "lan-virtual-link" and "virtual" in f.summary


def test_no_carrier_on_a_named_port_is_critical() -> None:
    f = _one(classify.findings_for(_m(_link(carrier=False, speed_mbps=None), explicit=True)), "eth0 link")
    assert f.status is Status.CRITICAL and f.advice.action


def test_read_link_from_sysfs(tmp_path: Path) -> None:
    base = tmp_path / "sys/class/net/eth0"
    (base / "statistics").mkdir(parents=True)
    (base / "device").mkdir()
    for name, value in {"carrier": "1", "operstate": "up", "speed": "100", "duplex": "half", "type": "1",
                        "address": "3c:52:82:aa:bb:cc", "mtu": "1500"}.items():
        (base / name).write_text(value + "\n")
    (base / "statistics" / "rx_crc_errors").write_text("17\n")
    info = read_link("eth0", tmp_path)
    assert (info.carrier, info.speed_mbps, info.duplex, info.virtual) == (True, 100, "half", False)
    assert info.counters == {"rx_crc_errors": 17}
    (base / "speed").write_text("-1\n")     # what drivers report without a link
    assert read_link("eth0", tmp_path).speed_mbps is None


# ---------------------------------------------------------------------------- switch port
def _neighbor(**kw) -> Neighbor:
    base = dict(protocol="lldp", source_mac="00:11:22:33:44:55", system_name="sw-core-2", port_id="Gi1/0/12",
                native_vlan=20, voice_vlan=30, heard_after_s=0.4)
    base.update(kw)
    return Neighbor(**base)


def test_switch_port_and_vlans_reported_and_kept_for_the_history() -> None:
    m = _m(_link(), discovery={"eth0": DiscoveryResult("eth0", 1.0, lldp=_neighbor())})
    f = _one(classify.findings_for(m), "eth0 switch port")
    assert f.status is Status.OK
    assert f.summary == "Connected to port Gi1/0/12 of switch sw-core-2, VLAN 20, voice VLAN 30"
    assert f.data["compare"] == {"switch": "sw-core-2", "port": "Gi1/0/12", "VLAN": 20, "voice VLAN": 30}


def test_wrong_voice_vlan_names_the_port_in_the_advice() -> None:
    m = _m(_link(), discovery={"eth0": DiscoveryResult("eth0", 1.0, lldp=_neighbor(voice_vlan=20))})
    f = _one(classify.findings_for(m, expect_voice_vlan=30), "eth0 switch port")
    assert f.status is Status.WARNING and "voice VLAN is 20" in f.summary and "VLAN 30" in f.summary
    assert "port Gi1/0/12 of sw-core-2" in f.advice.action


@pytest.mark.parametrize("lang", ["it", "es", "ru"])
def test_a_vlan_number_is_a_name_never_grouped_like_a_quantity(lang: str) -> None:
    """VLAN 1020 in Italian is "VLAN 1020": grouping it ("1.020") would send the switch admin to a VLAN
    that does not exist."""
    from fieldkit.i18n import Translator

    m = _m(_link(), discovery={"eth0": DiscoveryResult("eth0", 1.0, lldp=_neighbor(native_vlan=1020,
                                                                                    voice_vlan=1030))})
    f = _one(classify.findings_for(m, expect_voice_vlan=2040), "eth0 switch port")
    tr = Translator(lang)
    texts = tr.text(f.summary, "lan") + " " + tr.text(f.advice.action, "lan")
    assert "1030" in texts and "2040" in texts, texts
    assert not any(grouped in texts for grouped in ("1.030", "2.040", "1 030", "2 040", "1\u00a0030", "2\u202f040"))


def test_nothing_heard_is_unknown_never_an_error() -> None:
    m = _m(_link(), discovery={"eth0": DiscoveryResult("eth0", 35.0)})
    f = _one(classify.findings_for(m), "eth0 switch port")
    assert f.status is Status.UNKNOWN and f.summary == "No LLDP or CDP frames in 35 s (unmanaged switch, or disabled)"


def test_lldp_mac_port_id_gives_way_to_the_cdp_port_name() -> None:
    lldp = _neighbor(port_id="56:a6:d4:93:67:c1", port_id_is_mac=True, port_description=None)
    cdp = _neighbor(protocol="cdp", port_id="GigabitEthernet1/0/12")
    m = _m(_link(), discovery={"eth0": DiscoveryResult("eth0", 1.0, lldp=lldp, cdp=cdp)})
    assert "port GigabitEthernet1/0/12 of" in _one(classify.findings_for(m), "eth0 switch port").summary


# ---------------------------------------------------------------------------- DHCP
def test_no_offer_is_critical() -> None:
    m = _m(_link(), dhcp={"eth0": DhcpResult("eth0", "02:aa:00:00:00:01", 5.0)})
    f = _one(classify.findings_for(m), "eth0 DHCP")
    assert f.status is Status.CRITICAL and "No DHCP server answered within 5 s" == f.summary


def test_two_servers_are_named_with_address_gateway_and_dns() -> None:
    result = DhcpResult("eth0", "02:aa:00:00:00:01", 5.0, offers=[
        _offer("192.168.1.1", "192.168.1.50", ["192.168.1.1"], ["192.168.1.1"]),
        _offer("192.168.0.1", "192.168.0.23", ["192.168.0.1"], ["8.8.8.8"], ms=40)])
    f = _one(classify.findings_for(_m(_link(), dhcp={"eth0": result})), "eth0 DHCP")
    assert f.status is Status.WARNING and f.rule == "lan-dhcp-several"
    assert "192.168.0.1 offers 192.168.0.23, gateway 192.168.0.1, DNS 8.8.8.8" in f.summary
    assert "192.168.1.1 offers 192.168.1.50" in f.summary and f.data["connection"]["dhcp_servers"] == [
        "192.168.1.1", "192.168.0.1"]


def test_offered_gateway_other_than_the_current_one_is_a_warning() -> None:
    result = DhcpResult("eth0", "02:aa:00:00:00:01", 5.0,
                        offers=[_offer("192.168.1.1", "192.168.1.50", ["192.168.1.254"], ["192.168.1.1"])])
    f = _one(classify.findings_for(_m(_link(), dhcp={"eth0": result})), "eth0 DHCP")
    assert f.status is Status.WARNING and "gateway 192.168.1.254 (this computer uses 192.168.1.1)" in f.summary


def test_one_matching_server_is_ok_with_the_offer_time() -> None:
    result = DhcpResult("eth0", "02:aa:00:00:00:01", 5.0,
                        offers=[_offer("192.168.1.1", "192.168.1.50", ["192.168.1.1"], ["192.168.1.1"], ms=3012)])
    f = _one(classify.findings_for(_m(_link(), dhcp={"eth0": result})), "eth0 DHCP")
    assert f.status is Status.OK and f.metric("offer_time").value == 3012 and "192.168.1.50" in f.summary


# ---------------------------------------------------------------------------- ARP
def test_duplicate_address_is_critical_with_both_macs() -> None:
    result = ArpResult("eth0", "3c:52:82:aa:bb:cc", [AddressCheck("192.168.1.23", ["00:0c:29:12:34:56"])],
                       "192.168.1.1", ["00:11:22:33:44:55"], 0.8, 1.0)
    findings = classify.findings_for(_m(_link(), arp={"eth0": result}))
    f = _one(findings, "eth0 address 192.168.1.23")
    assert f.status is Status.CRITICAL and "00:0c:29:12:34:56" in f.summary and "3c:52:82:aa:bb:cc" in f.summary
    assert _one(findings, "eth0 gateway 192.168.1.1").status is Status.OK


def test_gateway_answering_from_two_macs_is_a_warning_naming_both() -> None:
    result = ArpResult("eth0", "3c:52:82:aa:bb:cc", [AddressCheck("192.168.1.23")], "192.168.1.1",
                       ["00:11:22:33:44:55", "00:11:22:33:44:66"], 0.8, 1.0)
    f = _one(classify.findings_for(_m(_link(), arp={"eth0": result})), "eth0 gateway 192.168.1.1")
    assert f.status is Status.WARNING and "00:11:22:33:44:55, 00:11:22:33:44:66" in f.summary
    assert "failover pair" in f.advice.meaning


def test_without_raw_sockets_the_raw_parts_are_unknown_and_the_link_still_judged() -> None:
    findings = classify.findings_for(_m(_link(), raw_error="raw frames need root or the CAP_NET_RAW capability"))
    assert _one(findings, "eth0 link").status is Status.OK
    f = _one(findings, "eth0 switch, DHCP and addresses")
    assert f.status is Status.UNKNOWN and "CAP_NET_RAW" in f.detail


# ---------------------------------------------------------------------------- Wi-Fi
@pytest.mark.parametrize("signal,status", [(-55, Status.OK), (-70, Status.WARNING), (-80, Status.CRITICAL)])
def test_wifi_signal_thresholds(signal: float, status: Status) -> None:
    link = WifiLink("wlan0", True, "office", "aa:bb:cc:dd:ee:ff", 2412.0, signal, 72.2)
    result = WifiResult("wlan0", link, [Bss("11:22:33:44:55:66", "neighbour", 2422.0, -70.0, 3)], True)
    f = _one(classify.findings_for(Measurements(wifi=[result])), "wlan0 Wi-Fi")
    assert f.status is status and f.metric("overlapping_networks").value == 1
    assert "neighbour" in f.detail


# ---------------------------------------------------------------------------- history and report
def test_a_changed_switch_port_shows_as_a_change_since_the_last_visit() -> None:
    from fieldkit.history.compare import compare

    def scan(port: str, vlan: int) -> list[Finding]:
        m = _m(_link(), discovery={"eth0": DiscoveryResult("eth0", 1.0, lldp=_neighbor(port_id=port, native_vlan=vlan))})
        return [f for f in classify.findings_for(m) if f.subject == "eth0 switch port"]

    changes = compare(scan("Gi1/0/12", 20), scan("Gi1/0/14", 30), {"lan"})
    assert len(changes) == 1 and changes[0].kind == "changed"
    assert changes[0].summary == "Changed: port Gi1/0/12 -> Gi1/0/14; VLAN 20 -> 30"
    assert compare(scan("Gi1/0/12", 20), scan("Gi1/0/12", 20), {"lan"}) == []


def test_an_unadvertised_vlan_is_not_called_wrong() -> None:
    m = _m(_link(), discovery={"eth0": DiscoveryResult("eth0", 1.0, lldp=_neighbor(native_vlan=None))})
    assert _one(classify.findings_for(m, expect_vlan=20), "eth0 switch port").status is Status.OK
    m = _m(_link(), discovery={"eth0": DiscoveryResult("eth0", 1.0, lldp=_neighbor(native_vlan=10))})
    f = _one(classify.findings_for(m, expect_vlan=20), "eth0 switch port")
    assert f.status is Status.WARNING and "change port Gi1/0/12 of sw-core-2 to VLAN 20" in f.advice.action


def test_a_switched_off_interface_has_no_link(tmp_path: Path) -> None:
    base = tmp_path / "sys/class/net/eth1"
    base.mkdir(parents=True)
    (base / "operstate").write_text("down\n")     # carrier unreadable (EINVAL) when switched off
    assert read_link("eth1", tmp_path).carrier is False
