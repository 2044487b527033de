"""lan: the local segment as a network tester's AutoTest sees it.

Link (carrier, speed, duplex, auto-negotiation, error counters), the switch and port
(LLDP/CDP), DHCP (every server that answers, from a made-up MAC so the machine's own
lease is untouched), duplicate addresses (RFC 5227 ARP probe) and the gateway's MACs,
and the Wi-Fi association. The measuring lives in :mod:`fieldkit.net.lan`; this
package plans the parts, runs them concurrently inside the budget and classifies
(:mod:`fieldkit.checks.lan.classify`).

LLDP/CDP, DHCP and ARP use raw frames (root or CAP_NET_RAW); without them those parts
are UNKNOWN with the reason and the rest still runs.
"""

from __future__ import annotations

from fieldkit.checks.lan.plan import run
from fieldkit.options import Option

NAME = "lan"
DESCRIPTION = "Local network: link speed/duplex, switch and port (LLDP/CDP), VLAN, DHCP servers, duplicate addresses, Wi-Fi"
AREA = "network"
TIMEOUT_S = 45

OPTIONS = [
    Option("interface", "str", [], "Interface to examine (default: every wired port with a link, and Wi-Fi)",
           multiple=True, metavar="IF"),
    Option("link", "bool", True, "Check carrier, speed, duplex, auto-negotiation and error counters"),
    Option("discovery", "bool", True, "Listen for LLDP and CDP (switch name, port, VLAN, PoE)"),
    Option("dhcp", "bool", True, "Send a DHCP DISCOVER from a separate MAC and collect every OFFER"),
    Option("dhcp_full", "bool", False, "Also complete the DHCP exchange (REQUEST/ACK, timed) and RELEASE at once"),
    Option("arp", "bool", True, "ARP-probe each own IPv4 address for duplicates (RFC 5227) and ask for the gateway"),
    Option("wifi", "bool", True, "Read the Wi-Fi association and cached scan results (iw)"),
    Option("listen_s", "float", 35.0, "Longest LLDP/CDP listening time (LLDP sends every 30 s, CDP every 60 s)",
           min=0.5, max=300, metavar="S"),
    Option("dhcp_wait_s", "float", 5.0, "How long to collect DHCP OFFERs (dnsmasq pings an address for 3 s "
           "before offering it)", min=0.2, max=30, metavar="S"),
    Option("arp_wait_s", "float", 1.0, "How long to wait for ARP answers", min=0.1, max=10, metavar="S"),
    Option("expect_speed_mbps", "int", 0, "Link speed the wired port should reach (0: no expectation)", min=0,
           max=400000),
    Option("drops_warn_per_s", "float", 1.0, "Dropped frames per second (receive + send) that are a warning; any "
           "error growth always is", min=0),
    Option("expect_vlan", "int", None, "VLAN the socket should be on (data / native VLAN)", min=1, max=4094),
    Option("expect_voice_vlan", "int", None, "Voice VLAN the phones expect", min=1, max=4094),
    Option("wifi_signal_warn_dbm", "float", -67.0, "Wi-Fi signal (dBm) below which it is a warning", min=-120, max=0),
    Option("wifi_signal_crit_dbm", "float", -75.0, "Wi-Fi signal (dBm) below which it is critical", min=-120, max=0),
]
