"""AF_PACKET raw sockets and the byte helpers shared by the link-layer probes."""

from __future__ import annotations

import os
import socket
import struct

ETH_P_ALL = 0x0003
ETH_P_ARP = 0x0806
ETH_P_IP = 0x0800
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_MULTICAST = 0
PACKET_OUTGOING = 4          # sockaddr_ll.sll_pkttype of frames this host sent
BROADCAST = b"\xff" * 6

NEEDS = "raw frames need root or the CAP_NET_RAW capability"


class RawUnavailable(OSError):
    """No raw socket here; the message says why (permission, no such interface)."""


def mac_str(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def mac_bytes(text: str) -> bytes:
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError(f"not a MAC address: {text!r}")
    return bytes(int(p, 16) for p in parts)


def random_local_mac() -> bytes:
    """A unicast, locally administered MAC (IEEE 802: bit 1 of the first octet set, bit 0 clear)."""
    first = (os.urandom(1)[0] & 0xFC) | 0x02
    return bytes([first]) + os.urandom(5)


def interface_mac(iface: str) -> bytes | None:
    try:
        with open(f"/sys/class/net/{iface}/address") as fh:
            return mac_bytes(fh.read().strip())
    except (OSError, ValueError):
        return None


def open_raw(iface: str, proto: int = ETH_P_ALL, multicast: tuple[bytes, ...] = ()) -> socket.socket:
    """A raw socket bound to ``iface``; raises :class:`RawUnavailable` with the reason."""
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
    except PermissionError as exc:
        raise RawUnavailable(f"{NEEDS} ({exc.strerror})") from None
    except (OSError, AttributeError) as exc:  # AttributeError: no AF_PACKET on this platform
        raise RawUnavailable(f"no raw sockets here: {exc}") from None
    try:
        sock.bind((iface, 0))
        for group in multicast:
            # Ask the NIC to accept the group address (LLDP's 01:80:c2:00:00:0e is filtered by some NICs).
            ifindex = socket.if_nametoindex(iface)
            mreq = struct.pack("iHH8s", ifindex, PACKET_MR_MULTICAST, 6, group + b"\x00\x00")
            sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
    except OSError as exc:
        sock.close()
        raise RawUnavailable(f"cannot listen on {iface}: {exc.strerror or exc}") from None
    return sock


def raw_available() -> str | None:
    """None when a raw socket can be opened, else the reason."""
    try:
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL)).close()
    except PermissionError as exc:
        return f"{NEEDS} ({exc.strerror})"
    except (OSError, AttributeError) as exc:
        return f"no raw sockets here: {exc}"
    return None


def checksum(data: bytes) -> int:
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
