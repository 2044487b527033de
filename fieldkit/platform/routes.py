"""Default routes: Linux reads the kernel's tables in ``/proc/net/route`` and ``/proc/net/ipv6_route``.

Windows (``GetIpForwardTable2``) and macOS (``route -n get default`` / sysctl
``NET_RT_DUMP``) are not implemented yet: they raise :class:`~fieldkit.platform.Unsupported`,
so the network check says UNKNOWN instead of "no default route".
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

from fieldkit.platform import LINUX, Unsupported


@dataclass
class Route:
    interface: str
    gateway: str | None
    family: int
    metric: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"interface": self.interface, "gateway": self.gateway,
                "family": "ipv6" if self.family == socket.AF_INET6 else "ipv4", "metric": self.metric}


def default_routes(root: Path = Path("/"), system: str = LINUX) -> list[Route]:
    """IPv4 and IPv6 default routes, lowest metric first within each family."""
    if system != LINUX:
        raise Unsupported("reading the default route", system)
    return _ipv4_defaults(root / "proc/net/route") + _ipv6_defaults(root / "proc/net/ipv6_route")


def _ipv4_defaults(path: Path) -> list[Route]:
    routes = []
    try:
        lines = path.read_text().splitlines()[1:]
    except OSError:
        return routes
    for line in lines:
        cols = line.split()
        if len(cols) < 8 or cols[1] != "00000000" or cols[7] != "00000000":
            continue
        try:
            flags = int(cols[3], 16)
            if not flags & 0x1:  # RTF_UP
                continue
            gw = socket.inet_ntoa(struct.pack("<L", int(cols[2], 16)))
            routes.append(Route(cols[0], gw if flags & 0x2 else None, socket.AF_INET, int(cols[6])))
        except (ValueError, struct.error):  # a damaged line is skipped, not fatal
            continue
    return sorted(routes, key=lambda r: r.metric)


def _ipv6_defaults(path: Path) -> list[Route]:
    routes = []
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return routes
    for line in lines:
        cols = line.split()
        # dest, dest_prefix, src, src_prefix, next_hop, metric, refcnt, use, flags, iface
        if len(cols) < 10 or cols[0] != "0" * 32 or cols[1] != "00" or cols[9] == "lo":
            continue
        try:
            flags = int(cols[8], 16)
            if not flags & 0x1 or flags & 0x200:  # not up, or RTF_REJECT (unreachable default on lo)
                continue
            hop = cols[4]
            gw = None if hop == "0" * 32 else str(ipaddress.IPv6Address(bytes.fromhex(hop)))
            routes.append(Route(cols[9], gw, socket.AF_INET6, int(cols[5], 16)))
        except ValueError:  # a damaged line is skipped, not fatal
            continue
    return sorted(routes, key=lambda r: r.metric)
