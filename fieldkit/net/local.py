"""Local network configuration: interfaces, addresses, default routes, DNS resolvers.

Reads only local state (psutil; the operating system's route table, neighbour cache and
resolver configuration through :mod:`fieldkit.platform`); sends nothing. Paths go
through a ``root`` prefix so tests can point them at fixture files.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from pathlib import Path

from fieldkit.platform import LINUX, Unsupported, neighbours, routes
from fieldkit.platform import resolvers as platform_resolvers
from fieldkit.platform.routes import Route

__all__ = ["Interface", "ResolverConfig", "Route", "default_routes", "egress_source", "interfaces",
           "neighbour_mac", "resolvers"]


@dataclass
class Interface:
    name: str
    up: bool                      # administratively up and carrier present (psutil isup)
    mtu: int | None
    speed_mbps: int | None
    ipv4: list[str] = field(default_factory=list)   # "address/prefixlen"
    ipv6: list[str] = field(default_factory=list)
    mac: str | None = None
    operstate: str = "unknown"    # /sys/class/net/IF/operstate: up, down (no carrier), dormant, unknown

    @property
    def connected(self) -> bool:
        """Enabled and with a link: "unknown" is what loopback and some virtual drivers report."""
        return self.up and self.operstate in ("up", "unknown")

    @property
    def loopback(self) -> bool:
        return self.name == "lo" or any(a.startswith("127.") for a in self.ipv4)

    @property
    def link_local_ipv4(self) -> list[str]:
        """169.254.0.0/16 (RFC 3927): the address a machine gives itself when DHCP got no answer."""
        return [a for a in self.ipv4 if a.startswith("169.254.")]

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "up": self.up, "link": self.operstate, "mtu": self.mtu, "speed_mbps": self.speed_mbps,
                "ipv4": self.ipv4, "ipv6": self.ipv6, "mac": self.mac}


def interfaces(root: Path = Path("/")) -> list[Interface]:
    """All interfaces with link state, MTU and addresses (psutil + /sys/class/net)."""
    import psutil

    stats = psutil.net_if_stats()
    result = []
    for name, addrs in sorted(psutil.net_if_addrs().items()):
        st = stats.get(name)
        iface = Interface(name=name, up=bool(st and st.isup), mtu=st.mtu if st else None,
                          speed_mbps=(st.speed or None) if st else None)
        for a in addrs:
            if a.family == socket.AF_INET:
                iface.ipv4.append(f"{a.address}/{_prefixlen(a.netmask)}")
            elif a.family == socket.AF_INET6:
                iface.ipv6.append(a.address.split("%")[0])
            elif a.family == psutil.AF_LINK:
                iface.mac = a.address
        result.append(iface)
    # Interfaces without any address still matter (a cable plugged in, no DHCP lease).
    for name, st in sorted(stats.items()):
        if not any(i.name == name for i in result):
            result.append(Interface(name=name, up=bool(st.isup), mtu=st.mtu, speed_mbps=st.speed or None))
    for iface in result:
        try:
            iface.operstate = (root / "sys/class/net" / iface.name / "operstate").read_text().strip() or "unknown"
        except OSError:
            iface.operstate = "up" if iface.up else "down"
    return result


def _prefixlen(netmask: str | None) -> int:
    if not netmask:
        return 32
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{netmask}").prefixlen
    except ValueError:
        return 32


def default_routes(root: Path = Path("/"), system: str = LINUX) -> list[Route]:
    """IPv4 and IPv6 default routes (:mod:`fieldkit.platform.routes`; raises ``Unsupported`` off Linux)."""
    return routes.default_routes(root, system)



@dataclass
class ResolverConfig:
    servers: list[str]
    source: str                   # the file the servers came from
    search: list[str] = field(default_factory=list)
    stub: bool = False            # only a local stub (systemd-resolved 127.0.0.53) is configured
    note: str = ""                # technician's words for the stub case below
    upstream_source: str = ""     # stub: the file the upstream servers were read from ("" = none found)
    unsupported: str = ""         # why this system's resolver configuration could not be read


def resolvers(root: Path = Path("/"), system: str = LINUX) -> ResolverConfig:
    """Configured DNS resolvers from /etc/resolv.conf.

    When it lists only systemd-resolved's stub (127.0.0.53), the upstream servers are
    read from /run/systemd/resolve/resolv.conf as well: the stub answering says
    nothing about whether the real resolvers work. (``ip netns exec`` bind-mounts
    /etc/netns/NAME/resolv.conf over /etc/resolv.conf, so this also works in a netns.)
    """
    if not platform_resolvers.uses_resolv_conf(system):
        try:
            servers, search, source = platform_resolvers.from_system(system)
        except Unsupported as exc:
            return ResolverConfig(servers=[], source="", unsupported=str(exc))
        return ResolverConfig(servers=servers, source=source, search=search)
    main = root / "etc/resolv.conf"
    servers, search = _parse_resolv_conf(main)
    config = ResolverConfig(servers=servers, source=str(main), search=search)
    if servers and all(s.startswith("127.0.0.53") or s.startswith("127.0.0.54") for s in servers):
        upstream_file = root / "run/systemd/resolve/resolv.conf"
        upstream, _ = _parse_resolv_conf(upstream_file)
        config.stub = True
        if upstream:
            config.servers = servers + [s for s in upstream if s not in servers]
            config.note = f"systemd-resolved stub; upstream servers from {upstream_file}"
            config.upstream_source = str(upstream_file)
        else:
            config.note = "systemd-resolved stub; upstream servers unknown"
    return config


def _parse_resolv_conf(path: Path) -> tuple[list[str], list[str]]:
    servers: list[str] = []
    search: list[str] = []
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return servers, search
    for line in text.splitlines():
        cols = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(cols) >= 2 and cols[0] == "nameserver":
            addr = cols[1].split("%")[0]
            try:
                ipaddress.ip_address(addr)
            except ValueError:
                continue
            if addr not in servers:
                servers.append(addr)
        elif cols and cols[0] in ("search", "domain"):
            search = cols[1:]
    return servers, search


def egress_source(destination: str) -> str | None:
    """The local address the kernel would use toward ``destination``.

    A connected UDP socket selects a route and a source address without sending a
    packet, so this is free and needs no privileges.
    """
    family = socket.AF_INET6 if ":" in destination else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((destination, 9))
            return sock.getsockname()[0]
    except OSError:
        return None


def neighbour_mac(address: str, root: Path = Path("/"), system: str = LINUX) -> str | None:
    """The MAC address the kernel resolved for ``address``; None if unresolved or unreadable on this system.

    A router that ignores ping still has to answer ARP to forward anything, so a
    complete entry right after the ping proves it is alive on the local network.
    """
    try:
        return neighbours.neighbour_mac(address, root, system)
    except Unsupported:
        return None
