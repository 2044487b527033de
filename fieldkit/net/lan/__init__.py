"""Local-segment measurements for the ``lan`` check: link, LLDP/CDP, DHCP, ARP, Wi-Fi.

Everything here measures and returns dataclasses; the check (``fieldkit.checks.lan``)
classifies. All frames stay on the local segment by nature (LLDP/CDP are never
forwarded by a switch, DHCP DISCOVER and ARP are link-local broadcasts).

Raw frames need an ``AF_PACKET`` socket, i.e. root or ``CAP_NET_RAW``; without it the
functions return a result whose ``error`` says so and the check reports UNKNOWN for
that part only.
"""

from __future__ import annotations

from fieldkit.net.lan.raw import RawUnavailable, mac_str, open_raw, raw_available

__all__ = ["RawUnavailable", "mac_str", "open_raw", "raw_available"]
