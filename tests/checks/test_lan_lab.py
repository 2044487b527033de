"""The lan check against real components in namespaces (tests/lanlab.py): lldpd, dnsmasq, a duplicate host."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest

import lanlab
from conftest import need
from lanlab import CLIENT, CLIENT_MAC, DUP_MAC, GATEWAY, by_subject

pytestmark = pytest.mark.real


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[lanlab.LanLab]:
    ok, why = lanlab.available()
    need(ok, why)
    built = lanlab.build(tmp_path)
    try:
        yield built
    finally:
        built.down()


def test_switch_port_voice_vlan_and_dhcp_full_exchange(lab: lanlab.LanLab) -> None:
    lab.lldpd()
    lab.dhcp(1)
    rc, result, wall = lab.fieldkit("--listen-s", "10", "--dhcp-full", "--dhcp-wait-s", "4")
    switch = by_subject(result, "lan0 switch port")
    assert switch["status"] == "OK", switch
    assert switch["summary"] == f"Connected to port {lanlab.PORT_DESCR} of switch {lanlab.SWITCH_NAME}, voice VLAN 30", \
        switch["detail"]   # the frames as heard, so a failure says which field differed
    assert switch["data"]["connection"]["protocols"] == "LLDP+CDP"
    assert switch["data"]["connection"]["management_address"] == GATEWAY
    dhcp = by_subject(result, "lan0 DHCP")
    assert dhcp["status"] == "OK" and dhcp["data"]["connection"]["dhcp_server"] == "10.77.0.2", dhcp
    ack = next(m for m in dhcp["metrics"] if m["name"] == "ack_time")
    assert ack["value"] is not None and ack["value"] < 1000
    # veth has no physical speed: UNKNOWN, never a failure
    assert by_subject(result, "lan0 link")["status"] == "UNKNOWN"
    assert by_subject(result, f"lan0 address {CLIENT}")["status"] == "OK"
    assert by_subject(result, f"lan0 gateway {GATEWAY}")["status"] == "OK"
    log = (lab.rundir / "dnsmasq-d1.log").read_text()
    assert "DHCPACK" in log and "DHCPRELEASE" in log           # the lease was given back at once
    assert CLIENT_MAC.lower() not in log                        # the machine's own MAC never asked for a lease
    # Both protocols heard within the first tx-interval: the check does not wait out listen_s.
    assert wall < 10


def test_two_dhcp_servers_and_a_duplicate_address(lab: lanlab.LanLab) -> None:
    lab.dhcp(1)
    lab.dhcp(2)
    lab.duplicate()
    rc, result, _ = lab.fieldkit("--no-discovery", "--dhcp-wait-s", "4")
    dhcp = by_subject(result, "lan0 DHCP")
    assert dhcp["status"] == "WARNING" and dhcp["rule"] == "lan-dhcp-several", dhcp
    assert "10.77.0.2 offers 10.77.0.1" in dhcp["summary"] and "gateway 10.77.0.1, DNS 10.77.0.2" in dhcp["summary"]
    assert "10.77.0.3 offers 10.77.0.2" in dhcp["summary"] and "gateway 10.77.0.254, DNS 192.0.2.53" in dhcp["summary"]
    dup = by_subject(result, f"lan0 address {CLIENT}")
    assert dup["status"] == "CRITICAL" and DUP_MAC in dup["summary"] and CLIENT_MAC in dup["summary"]
    assert rc == 2


def test_no_dhcp_server_and_no_switch(lab: lanlab.LanLab) -> None:
    rc, result, wall = lab.fieldkit("--listen-s", "1.5", "--dhcp-wait-s", "1.5")
    dhcp = by_subject(result, "lan0 DHCP")
    assert dhcp["status"] == "CRITICAL" and dhcp["summary"] == "No DHCP server answered within 1.5 s"
    switch = by_subject(result, "lan0 switch port")
    assert switch["status"] == "UNKNOWN" and "No LLDP or CDP frames in 1.5 s" in switch["summary"]


def test_quick_profile_is_link_and_duplicate_address_only(lab: lanlab.LanLab) -> None:
    lab.lldpd()
    lab.duplicate()
    rc, result, wall = lab.fieldkit("--profile", "quick")
    subjects = {f["subject"] for f in result["findings"]}
    assert subjects == {"lan0 link", f"lan0 address {CLIENT}", f"lan0 gateway {GATEWAY}"}
    assert by_subject(result, f"lan0 address {CLIENT}")["status"] == "CRITICAL"
    duration = next(c for c in result["checks"] if c["name"] == "lan")["duration_s"]
    assert duration < 2.0


def test_without_cap_net_raw_each_raw_part_says_so_and_the_link_is_still_read(lab: lanlab.LanLab) -> None:
    lab.dhcp(1)
    rc, result, _ = lab.fieldkit("--listen-s", "1", prefix=("setpriv", "--bounding-set", "-net_raw",
                                                            "--inh-caps", "-net_raw"))
    raw = by_subject(result, "lan0 switch, DHCP and addresses")
    assert raw["status"] == "UNKNOWN" and "CAP_NET_RAW" in raw["detail"]
    assert by_subject(result, "lan0 link")["status"] == "UNKNOWN"      # veth: virtual, but it was read
    assert "DHCPDISCOVER" not in (lab.rundir / "dnsmasq-d1.log").read_text()


def test_a_moved_switch_port_is_a_change_since_the_last_scan(lab: lanlab.LanLab) -> None:
    lab.lldpd()
    rc, first, _ = lab.fieldkit("--listen-s", "10", "--no-dhcp", history=True)
    assert by_subject(first, "lan0 switch port")["status"] == "OK"
    lab.lldpcli("configure", "ports", "swp12", "lldp", "portdescription", "Gi1/0/14")
    time.sleep(4.5)   # lldpd sends the new description within two tx-intervals (2 s each)
    rc, second, _ = lab.fieldkit("--listen-s", "10", "--no-dhcp", history=True)
    changes = [c for c in second["extra"]["changes_since_last"] if c["subject"] == "lan0 switch port"]
    assert len(changes) == 1 and changes[0]["kind"] == "changed", second["extra"]
    assert "port Gi1/0/12 -> Gi1/0/14" in changes[0]["summary"]


def test_ethtool_ioctl_reads_the_veth_driver_settings(lab: lanlab.LanLab) -> None:
    import subprocess
    import sys

    code = ("from fieldkit.net.lan import link; i = link.read_link('lan0'); "
            "print(link.ethtool_settings('lan0'), i.virtual, i.source)")
    out = subprocess.run(["ip", "netns", "exec", lab.cli, sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=60, cwd=str(lanlab.HERE.parent)).stdout
    # The veth driver answers ETHTOOL_GSET with a nominal 10 Gb/s, full duplex, no auto-negotiation:
    # the ioctl layout is right, and the value is why a virtual port's speed is not judged.
    assert out.startswith("(10000, 'full', False) True") and "ethtool ioctl" in out, out


def test_a_lone_server_offering_another_gateway_and_dns(lab: lanlab.LanLab) -> None:
    lab.dhcp(2)
    rc, result, _ = lab.fieldkit("--no-discovery", "--no-arp", "--dhcp-wait-s", "4")
    dhcp = by_subject(result, "lan0 DHCP")
    assert dhcp["status"] == "WARNING" and dhcp["rule"] == "lan-dhcp-differs", dhcp
    assert "gateway 10.77.0.254 (this computer uses 10.77.0.1)" in dhcp["summary"]
    assert "DNS 192.0.2.53 (this computer uses 10.77.0.2)" in dhcp["summary"]
