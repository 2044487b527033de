"""Socket options Python does not export on Linux, and receive with ancillary data.

Values are the Linux generic ones (verified on x86 and arm): Python 3.11
exports neither ``SO_TIMESTAMPNS`` nor ``IP_RECVTTL``.
"""

from __future__ import annotations

import socket
import struct
import sys
import time
from dataclasses import dataclass

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
IP_RECVTOS = getattr(socket, "IP_RECVTOS", 13)
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IP_TOS = getattr(socket, "IP_TOS", 1)
IP_TTL = getattr(socket, "IP_TTL", 2)
IPV6_RECVTCLASS = getattr(socket, "IPV6_RECVTCLASS", 66)
IPV6_TCLASS = getattr(socket, "IPV6_TCLASS", 67)
ANCILLARY_SPACE = socket.CMSG_SPACE(16) + socket.CMSG_SPACE(4) * 3 if hasattr(socket, "CMSG_SPACE") else 0


@dataclass
class Received:
    data: bytes
    address: tuple
    rx_ns: int             # kernel receive time (CLOCK_REALTIME) when available, else user space
    kernel_stamp: bool
    tos: int | None
    ttl: int | None


def enable_receive_info(sock: socket.socket) -> bool:
    """Ask for kernel receive timestamps, the received TOS/traffic class and TTL.

    Returns True when kernel timestamps are on (Linux); elsewhere receive times are taken
    in user space, after any scheduling delay.
    """
    kernel = False
    if sys.platform.startswith("linux"):
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            kernel = True
        except OSError:
            pass
    for level, opt in ((socket.IPPROTO_IP, IP_RECVTOS), (socket.IPPROTO_IP, IP_RECVTTL)):
        try:
            sock.setsockopt(level, opt, 1)
        except OSError:
            pass
    if sock.family == socket.AF_INET6:
        try:
            sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVTCLASS, 1)
        except OSError:
            pass
    return kernel


def set_tos(sock: socket.socket, tos: int) -> bool:
    """Mark outgoing packets (DSCP << 2). False when the OS refuses (Windows ignores it silently)."""
    try:
        if sock.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, IPV6_TCLASS, tos)
        else:
            sock.setsockopt(socket.IPPROTO_IP, IP_TOS, tos)
        return True
    except OSError:
        return False


def receive(sock: socket.socket, bufsize: int = 2048) -> Received:
    """One datagram with its receive timestamp, TOS and TTL (raises like ``recvfrom``)."""
    if not hasattr(sock, "recvmsg"):  # Windows
        data, address = sock.recvfrom(bufsize)
        return Received(data, address, time.time_ns(), False, None, None)
    data, ancdata, _flags, address = sock.recvmsg(bufsize, max(ANCILLARY_SPACE, 256))
    user_ns = time.time_ns()
    rx_ns, kernel, tos, ttl = user_ns, False, None, None
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
            sec, nsec = struct.unpack("@qq", payload[:16])
            rx_ns, kernel = sec * 1_000_000_000 + nsec, True
        elif level == socket.IPPROTO_IP and kind == IP_TOS and payload:
            tos = payload[0]
        elif level == socket.IPPROTO_IP and kind == IP_TTL and payload:
            ttl = struct.unpack("@i", payload[:4])[0] if len(payload) >= 4 else payload[0]
        elif level == socket.IPPROTO_IPV6 and kind == IPV6_TCLASS and len(payload) >= 4:
            tos = struct.unpack("@i", payload[:4])[0]
    return Received(data, address, rx_ns, kernel, tos, ttl)


def send_with_tos(sock: socket.socket, data: bytes, address: tuple, tos: int | None) -> int:
    """Send one datagram marked with ``tos`` (per-packet ancillary IP_TOS on Linux)."""
    if tos is not None and sock.family == socket.AF_INET and hasattr(sock, "sendmsg"):
        try:
            return sock.sendmsg([data], [(socket.IPPROTO_IP, IP_TOS, struct.pack("@i", tos))], 0, address)
        except OSError:
            set_tos(sock, tos)
    elif tos is not None:
        set_tos(sock, tos)
    return sock.sendto(data, address)
