"""Wired link state from /sys/class/net and the ethtool ioctl: carrier, speed, duplex, auto-negotiation, counters."""

from __future__ import annotations

import array
import fcntl
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path

SIOCETHTOOL = 0x8946
ETHTOOL_GSET = 0x00000001           # struct ethtool_cmd (legacy, still answered by every driver with link settings)
SPEED_UNKNOWN = 0xFFFFFFFF          # (u32)-1 in ethtool_cmd.speed | speed_hi << 16
COUNTERS = ("rx_errors", "tx_errors", "rx_dropped", "tx_dropped", "rx_crc_errors", "collisions")


@dataclass
class LinkInfo:
    interface: str
    exists: bool = True
    virtual: bool = False            # veth, bridge, tun...: /sys/devices/virtual, no physical port
    wireless: bool = False
    carrier: bool | None = None
    operstate: str = "unknown"
    speed_mbps: int | None = None    # None: not reported (no link, or a driver without link settings)
    duplex: str | None = None        # "full", "half" or None
    autoneg: bool | None = None      # from the ethtool ioctl; None when it was not readable
    mac: str | None = None
    mtu: int | None = None
    counters: dict[str, int] = field(default_factory=dict)
    source: str = ""                 # what the values were read from (evidence)


def list_interfaces(root: Path = Path("/")) -> list[str]:
    try:
        return sorted(p.name for p in (root / "sys/class/net").iterdir())
    except OSError:
        return []


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:  # EINVAL when there is no carrier, ENOENT for missing attributes
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def is_wireless(name: str, root: Path = Path("/")) -> bool:
    base = root / "sys/class/net" / name
    return (base / "wireless").exists() or (base / "phy80211").exists()


def is_candidate(name: str, root: Path = Path("/")) -> bool:
    """A wired Ethernet port worth checking: ARPHRD_ETHER, a real device, not a bridge/bond/VLAN on top."""
    base = root / "sys/class/net" / name
    if _read(base / "type") != "1" or is_wireless(name, root):
        return False
    if (base / "bridge").exists() or (base / "bonding").exists():
        return False
    return (base / "device").exists()


def read_link(name: str, root: Path = Path("/")) -> LinkInfo:
    base = root / "sys/class/net" / name
    if not base.exists():
        return LinkInfo(name, exists=False, source=str(base))
    info = LinkInfo(name, source=str(base))
    try:
        info.virtual = "/devices/virtual/" in str(base.resolve())
    except OSError:
        info.virtual = False
    info.wireless = is_wireless(name, root)
    carrier = _read(base / "carrier")
    info.carrier = None if carrier is None else carrier == "1"
    info.operstate = _read(base / "operstate") or "unknown"
    if info.carrier is None and info.operstate == "down":
        info.carrier = False      # reading carrier fails with EINVAL on an interface that is switched off
    speed = _int(_read(base / "speed"))
    info.speed_mbps = speed if speed is not None and speed > 0 else None
    duplex = _read(base / "duplex")
    info.duplex = duplex if duplex in ("full", "half") else None
    info.mac = _read(base / "address")
    info.mtu = _int(_read(base / "mtu"))
    info.counters = read_counters(name, root)
    if root == Path("/"):
        ethtool = ethtool_settings(name)
        if ethtool is not None:
            speed_e, duplex_e, autoneg = ethtool
            info.autoneg = autoneg
            if info.speed_mbps is None and speed_e:
                info.speed_mbps = speed_e
            if info.duplex is None and duplex_e:
                info.duplex = duplex_e
            info.source += " + ethtool ioctl"
    return info


def read_counters(name: str, root: Path = Path("/")) -> dict[str, int]:
    stats = root / "sys/class/net" / name / "statistics"
    out: dict[str, int] = {}
    for key in COUNTERS:
        value = _int(_read(stats / key))
        if value is not None:
            out[key] = value
    return out


def ethtool_settings(name: str) -> tuple[int | None, str | None, bool] | None:
    """(speed Mb/s, duplex, autoneg) from ETHTOOL_GSET; None when the driver does not answer.

    ``struct ethtool_cmd`` (linux/ethtool.h): cmd, supported, advertising (u32), speed (u16),
    duplex, port, phy_address, transceiver, autoneg, mdio_support (u8), maxtxpkt, maxrxpkt
    (u32), speed_hi (u16), eth_tp_mdix, eth_tp_mdix_ctrl (u8), lp_advertising, reserved[2] (u32).
    Reading it needs no privilege.
    """
    fmt = "=IIIHBBBBBBIIHBBIII"
    buf = array.array("B", struct.pack(fmt, ETHTOOL_GSET, *([0] * 17)))
    addr, _ = buf.buffer_info()
    ifreq = struct.pack("16sP", name.encode()[:15], addr)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifreq)
    except OSError:
        return None
    fields = struct.unpack(fmt, buf.tobytes())
    speed = fields[3] | (fields[12] << 16)
    duplex = {0: "half", 1: "full"}.get(fields[4])
    autoneg = bool(fields[8])
    return (None if speed in (0, SPEED_UNKNOWN, 0xFFFF) else speed), duplex, autoneg


def counter_growth(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Counters that grew between two readings (a wrapped or reset counter is ignored)."""
    return {k: after[k] - before[k] for k in after if k in before and after[k] > before[k]}
