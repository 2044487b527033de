"""The "Network connection" block: switch, port, VLAN, DHCP server and link speed from the lan check."""

from __future__ import annotations

from fieldkit import report
from fieldkit.checks.lan import classify
from fieldkit.checks.lan.plan import Measurements
from fieldkit.net.lan.dhcp import DhcpResult, Offer
from fieldkit.net.lan.discovery import DiscoveryResult, Neighbor
from fieldkit.net.lan.link import LinkInfo

from report_samples import sample_scan


def _lan_findings():
    link = LinkInfo("eth0", carrier=True, operstate="up", speed_mbps=1000, duplex="full")
    offer = Offer("192.168.1.1", "192.168.1.1", "02:00:00:00:00:01", "192.168.1.50", "255.255.255.0",
                  ["192.168.1.1"], ["192.168.1.1"], 3600, None, 12.0)
    m = Measurements(wired=[link], elapsed_s=1.0, gateways={"eth0": "192.168.1.1"}, resolvers=["192.168.1.1"],
                     counters_after={"eth0": {}},
                     discovery={"eth0": DiscoveryResult("eth0", 1.0, lldp=Neighbor(
                         "lldp", "00:11:22:33:44:55", system_name="sw-core-2", port_id="Gi1/0/12", native_vlan=20,
                         voice_vlan=30))},
                     dhcp={"eth0": DhcpResult("eth0", "02:aa:00:00:00:01", 5.0, offers=[offer])})
    return classify.findings_for(m)


def test_network_connection_block_in_markdown_and_html() -> None:
    scan = sample_scan()
    scan.findings += _lan_findings()
    text = report.render([scan], "md")
    assert "## Network connection" in text
    assert "| eth0 | sw-core-2 | Gi1/0/12 | 20 | 30 | 192.168.1.1 | 1 Gb/s |" in text
    assert text.index("## Network connection") < text.index("## Technical appendix")
    html = report.render([scan], "html")
    assert 'id="connection"' in html and "sw-core-2" in html and "Switch port" in html


def test_no_block_without_lan_findings() -> None:
    assert "Network connection" not in report.render([sample_scan()], "md")


def test_redaction_replaces_the_switch_name_everywhere() -> None:
    scan = sample_scan()
    scan.findings += _lan_findings()
    text = report.render([scan], "md", redact=True)
    assert "sw-core-2" not in text and "## Network connection" in text
