"""ICMP echo ("ping") with three methods, best first.

1. ``scapy``: raw sockets, needs root or CAP_NET_RAW.
2. ``dgram``: the kernel's unprivileged ICMP datagram socket
   (``socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)``); Linux allows it only for groups
   in ``net.ipv4.ping_group_range`` (the kernel default ``1 0`` allows nobody, not
   even root); macOS allows it for everyone.
3. ``tcp``: time a TCP handshake to a port. A SYN-ACK or a RST both prove the host
   answered, so "connection refused" counts as a reply; only silence is loss.

The result names the method, because a TCP "ping" through a firewall measures
something else than ICMP.
"""

from __future__ import annotations

import errno
import os
import random
import select
import socket
import struct
import time
from dataclasses import dataclass, field

from fieldkit.net import RttStats, address_family, load_scapy, resolve, scapy_send_receive
from fieldkit.net.local import egress_source

METHODS = ("auto", "scapy", "dgram", "tcp")
_ICMP_ECHO_REQUEST = 8
_ICMP_ECHO_REPLY = 0
_ICMP6_ECHO_REQUEST = 128
_ICMP6_ECHO_REPLY = 129


@dataclass
class PingResult:
    host: str
    address: str | None
    method: str                            # scapy, dgram or tcp (the one actually used)
    samples: list[float | None] = field(default_factory=list)  # RTT ms in send order, None = lost
    error: str = ""                        # why nothing could be sent (no route, name unknown, ...)
    error_kind: str = ""                   # the same as a code: "dns", "no-route"; empty for other failures
    note: str = ""                         # why a weaker method was used
    port: int | None = None                # for the tcp method

    @property
    def stats(self) -> RttStats:
        return RttStats(self.samples)

    @property
    def method_label(self) -> str:
        return {"scapy": "ICMP echo (raw socket, scapy)", "dgram": "ICMP echo (unprivileged datagram socket)",
                "tcp": f"TCP connect timing to port {self.port}"}.get(self.method, self.method)


def ping(host: str, count: int = 5, interval: float = 0.2, timeout: float = 1.0,
         method: str = "auto", tcp_port: int = 80, is_root: bool | None = None) -> PingResult:
    """Send ``count`` echo requests ``interval`` s apart; wait ``timeout`` s for the last reply.

    Never raises for network faults; the total time is about
    ``count * interval + timeout`` (plus name resolution, bounded by ``timeout``).
    """
    address, why = resolve(host, timeout=max(timeout, 2.0))
    if address is None:
        return PingResult(host, None, method if method != "auto" else "none", error=why, error_kind="dns")
    if egress_source(address) is None:
        return PingResult(host, address, method if method != "auto" else "none",
                          error=f"no route to {address} (no interface or route leads there)", error_kind="no-route")
    if is_root is None:
        from fieldkit.privileges import is_root as running_as_root

        is_root = running_as_root()
    chosen, note = choose_method(method, is_root, address_family(address))
    if chosen == "scapy":
        result = _ping_scapy(host, address, count, interval, timeout)
    elif chosen == "dgram":
        result = _ping_dgram(host, address, count, interval, timeout)
    else:
        result = _ping_tcp(host, address, count, interval, timeout, tcp_port)
    result.note = note or result.note
    return result


def choose_method(method: str, is_root: bool, family: int = socket.AF_INET) -> tuple[str, str]:
    """Pick the best ping method available; the note says why a weaker one was chosen."""
    if method not in METHODS:
        raise ValueError(f"unknown ping method {method!r}")
    if method != "auto":
        return method, ""
    notes = []
    if is_root:
        try:
            import importlib.util

            if importlib.util.find_spec("scapy") is not None:  # installed? (importing it costs 0.4 s)
                return "scapy", ""
            raise ImportError("scapy")
        except ImportError:
            notes.append("scapy is not installed")
    else:
        notes.append("raw ICMP needs root")
    if dgram_allowed(family):
        return "dgram", "; ".join(notes)
    notes.append("unprivileged ICMP sockets are not allowed here (Linux: sysctl net.ipv4.ping_group_range)")
    return "tcp", "; ".join(notes)


def dgram_allowed(family: int = socket.AF_INET) -> bool:
    proto = socket.IPPROTO_ICMPV6 if family == socket.AF_INET6 else socket.IPPROTO_ICMP
    try:
        socket.socket(family, socket.SOCK_DGRAM, proto).close()
        return True
    except OSError:
        return False


def _ping_scapy(host: str, address: str, count: int, interval: float, timeout: float) -> PingResult:
    load_scapy()
    ident = random.randrange(1, 0xFFFF)
    payload = b"fieldkit" + bytes(48)  # 56 bytes like ping(8), so the packet is a normal 84-byte echo
    if address_family(address) == socket.AF_INET6:
        from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6

        packets = [IPv6(dst=address) / ICMPv6EchoRequest(id=ident, seq=i, data=payload) for i in range(count)]
    else:
        from scapy.layers.inet import ICMP, IP

        packets = [IP(dst=address) / ICMP(id=ident, seq=i) / payload for i in range(count)]
    try:
        answered, _ = scapy_send_receive(packets, interval, timeout, ipv6=address_family(address) == socket.AF_INET6)
    except PermissionError:
        fallback = _ping_dgram if dgram_allowed(address_family(address)) else _ping_tcp
        result = fallback(host, address, count, interval, timeout)
        result.note = "raw sockets refused (no CAP_NET_RAW)"
        return result
    except OSError as exc:
        return PingResult(host, address, "scapy", error=f"sending ICMP echo failed: {exc}")
    samples: list[float | None] = [None] * count
    for sent, received in answered:
        seq = int(sent.payload.seq)
        if 0 <= seq < count and getattr(received.payload, "type", None) in (_ICMP_ECHO_REPLY, _ICMP6_ECHO_REPLY):
            samples[seq] = round((received.time - sent.sent_time) * 1000.0, 3)
    return PingResult(host, address, "scapy", samples)


def _ping_dgram(host: str, address: str, count: int, interval: float, timeout: float) -> PingResult:
    """Unprivileged ICMP: the kernel sets the identifier and checksum, we match by sequence."""
    family = address_family(address)
    proto = socket.IPPROTO_ICMPV6 if family == socket.AF_INET6 else socket.IPPROTO_ICMP
    request = _ICMP6_ECHO_REQUEST if family == socket.AF_INET6 else _ICMP_ECHO_REQUEST
    reply = _ICMP6_ECHO_REPLY if family == socket.AF_INET6 else _ICMP_ECHO_REPLY
    samples: list[float | None] = [None] * count
    base_seq = random.randrange(0, 0xFFFF - count)
    sent_at: dict[int, float] = {}
    try:
        sock = socket.socket(family, socket.SOCK_DGRAM, proto)
    except OSError as exc:
        return PingResult(host, address, "dgram", error=f"cannot open an ICMP socket: {exc.strerror or exc}")
    with sock:
        sock.setblocking(False)
        start = time.monotonic()
        next_index = 0
        end = start + (count - 1) * interval + timeout
        while True:
            now = time.monotonic()
            if next_index < count and now >= start + next_index * interval:
                seq = base_seq + next_index
                packet = struct.pack("!BBHHH", request, 0, 0, 0, seq) + b"fieldkit" + bytes(48)
                try:
                    sock.sendto(packet, (address, 0))
                    sent_at[seq] = time.monotonic()
                except OSError as exc:
                    if next_index == 0 and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EACCES):
                        return PingResult(host, address, "dgram", error=f"sending to {address} failed: {exc.strerror}")
                next_index += 1
                continue
            if now >= end or (next_index >= count and len(sent_at) == sum(s is not None for s in samples)):
                break
            wake = min(end, start + next_index * interval) if next_index < count else end
            readable, _, _ = select.select([sock], [], [], max(0.0, wake - now))
            if not readable:
                continue
            try:
                data = sock.recv(2048)
            except OSError:
                continue
            arrived = time.monotonic()
            if len(data) < 8:
                continue
            kind, _, _, _, seq = struct.unpack("!BBHHH", data[:8])
            index = seq - base_seq
            if kind == reply and seq in sent_at and 0 <= index < count and samples[index] is None:
                samples[index] = round((arrived - sent_at[seq]) * 1000.0, 3)
    return PingResult(host, address, "dgram", samples)


def _ping_tcp(host: str, address: str, count: int, interval: float, timeout: float, port: int) -> PingResult:
    """Handshake timing, probes sent on schedule and awaited concurrently."""
    family = address_family(address)
    samples: list[float | None] = [None] * count
    pending: dict[socket.socket, tuple[int, float]] = {}
    start = time.monotonic()
    next_index = 0
    end = start + (count - 1) * interval + timeout
    error = ""
    try:
        while True:
            now = time.monotonic()
            if next_index < count and now >= start + next_index * interval:
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setblocking(False)
                sent = time.monotonic()
                code = sock.connect_ex((address, port))
                if code in (0, errno.EINPROGRESS):
                    pending[sock] = (next_index, sent)
                elif code == errno.ECONNREFUSED:
                    samples[next_index] = round((time.monotonic() - sent) * 1000.0, 3)
                    sock.close()
                else:
                    error = error or f"connect to {address}:{port} failed: {os.strerror(code)}"
                    sock.close()
                next_index += 1
                continue
            if now >= end or (next_index >= count and not pending):
                break
            wake = min(end, start + next_index * interval) if next_index < count else end
            _, writable, _ = select.select([], list(pending), [], max(0.0, wake - now))
            arrived = time.monotonic()
            for sock in writable:
                index, sent = pending.pop(sock)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code in (0, errno.ECONNREFUSED):  # SYN-ACK or RST: the host answered
                    samples[index] = round((arrived - sent) * 1000.0, 3)
                elif code in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                    error = error or f"{address} unreachable: {os.strerror(code)}"
                sock.close()
    finally:
        for sock in pending:
            sock.close()
    if error and not any(s is not None for s in samples):
        return PingResult(host, address, "tcp", samples, error=error, port=port)
    return PingResult(host, address, "tcp", samples, port=port)
