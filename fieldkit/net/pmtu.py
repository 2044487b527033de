"""Path MTU discovery with DF-marked UDP probes and the kernel's error queue (Linux, no root).

How it works (tracepath's method, verified in a network-namespace lab with a smaller-MTU link):
``IP_MTU_DISCOVER = IP_PMTUDISC_DO`` sets DF on every datagram and forbids local
fragmentation; ``IP_RECVERR`` queues ICMP errors for the socket. A probe as large as
the local route MTU allows is sent to a (normally closed) UDP port:

- a router with a smaller next-hop MTU answers ICMP "fragmentation needed" with its
  MTU: ``recvmsg(MSG_ERRQUEUE)`` returns ``EMSGSIZE`` with ``ee_info`` = the MTU;
  the next, smaller probe is sent;
- the destination answers ICMP port-unreachable (``ECONNREFUSED``): a datagram of
  that size *arrived*, so the path MTU is confirmed;
- silence: nothing said otherwise, but nothing confirmed either (a firewall drops
  the probe or the ICMP; RFC 8899 "black hole"). The result says ``confirmed=False``.
"""

from __future__ import annotations

import errno
import select
import socket
import struct
import sys
import time
from dataclasses import dataclass, field

from fieldkit.net import resolve
from fieldkit.net.local import egress_source

# Python does not export these on Linux (values from <linux/in.h>, <linux/errqueue.h>).
IP_MTU_DISCOVER = getattr(socket, "IP_MTU_DISCOVER", 10)
IP_PMTUDISC_DO = getattr(socket, "IP_PMTUDISC_DO", 2)
IP_MTU = getattr(socket, "IP_MTU", 14)
IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
MSG_ERRQUEUE = getattr(socket, "MSG_ERRQUEUE", 0x2000)
SO_EE_ORIGIN_ICMP = 2
_IP_UDP_HEADERS = 28        # 20-byte IPv4 header + 8-byte UDP header
_MIN_MTU = 576              # RFC 791: every IPv4 host must accept 576-byte datagrams
PROBE_PORT = 33434


@dataclass
class PmtuResult:
    host: str
    address: str | None
    pmtu_bytes: int | None = None       # largest IP packet (headers included) that passes
    local_mtu: int | None = None        # MTU of the outgoing route before probing
    confirmed: bool = False             # the destination acknowledged a probe of that size
    steps: list[dict[str, object]] = field(default_factory=list)   # probe log: size, outcome, mtu
    error: str = ""                     # technician's words for why no path MTU was found
    error_kind: str = ""                # ERROR_KINDS: the same, as a code the check words for the customer


#: why no path MTU was found: the name did not resolve, not Linux, an IPv6 target, no route,
#: the probe could not be sent (socket, kernel), the destination is unreachable
ERROR_KINDS = ("dns", "needs-linux", "ipv6", "no-route", "probe-failed", "unreachable")


def discover(host: str, port: int = PROBE_PORT, timeout: float = 1.0, tries: int = 2,
             deadline_s: float = 8.0) -> PmtuResult:
    """Find the path MTU toward ``host`` (IPv4, Linux)."""
    address, why = resolve(host, timeout=max(timeout, 2.0))
    result = PmtuResult(host, address)
    if address is None:
        result.error, result.error_kind = why, "dns"
        return result
    if not sys.platform.startswith("linux"):
        result.error, result.error_kind = "path MTU discovery via the error queue needs Linux", "needs-linux"
        return result
    if ":" in address:
        result.error, result.error_kind = "IPv6 path MTU discovery is not supported yet", "ipv6"
        return result
    if egress_source(address) is None:
        result.error, result.error_kind = f"no route to {address}", "no-route"
        return result
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
            sock.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
            sock.connect((address, port))
            result.local_mtu = sock.getsockopt(socket.IPPROTO_IP, IP_MTU)
        except OSError as exc:
            result.error = f"cannot prepare the probe socket: {exc.strerror or exc}"
            result.error_kind = "probe-failed"
            return result
        _probe_loop(sock, result, timeout, tries, time.monotonic() + deadline_s)
    return result


def _probe_loop(sock: socket.socket, result: PmtuResult, timeout: float, tries: int, end: float) -> None:
    mtu = int(result.local_mtu or 1500)
    silent = 0
    while time.monotonic() < end:
        size = mtu - _IP_UDP_HEADERS
        try:
            sock.send(b"\x00" * max(0, size))
        except OSError as exc:
            if exc.errno == errno.EMSGSIZE:
                # The kernel already knows a smaller path MTU (cached from an earlier ICMP).
                known = sock.getsockopt(socket.IPPROTO_IP, IP_MTU)
                result.steps.append({"size": mtu, "outcome": "local-emsgsize", "mtu": known})
                if known >= mtu or known < _MIN_MTU:
                    result.error = f"kernel refused {mtu}-byte probe (reported MTU {known})"
                    result.error_kind = "probe-failed"
                    break
                mtu = known
                continue
            if exc.errno == errno.ECONNREFUSED:   # a queued port-unreachable from an earlier probe
                continue
            result.error, result.error_kind = f"sending the probe failed: {exc.strerror or exc}", "probe-failed"
            break
        outcome, info = _wait_error(sock, min(timeout, max(0.05, end - time.monotonic())))
        result.steps.append({"size": mtu, "outcome": outcome, "mtu": info})
        if outcome == "frag-needed" and info and _MIN_MTU <= info < mtu:
            mtu = info
            silent = 0
            continue
        if outcome == "port-unreachable":
            result.pmtu_bytes, result.confirmed = mtu, True
            return
        if outcome == "silent":
            silent += 1
            if silent < tries:
                continue
            result.pmtu_bytes = mtu
            return
        if outcome == "unreachable":
            result.error, result.error_kind = f"the destination is unreachable (ICMP code {info})", "unreachable"
            return
    if result.pmtu_bytes is None and not result.error:
        result.pmtu_bytes = mtu
        result.error = result.error or "probing ran out of time"


def _wait_error(sock: socket.socket, timeout: float) -> tuple[str, int | None]:
    """Read one ICMP error for this socket from the error queue, or time out."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return "silent", None
        # An error-queue entry shows up as POLLERR (select: exceptional condition).
        readable, _, errored = select.select([sock], [], [sock], left)
        if not readable and not errored:
            return "silent", None
        try:
            _, ancdata, _, _ = sock.recvmsg(2048, 512, MSG_ERRQUEUE)
        except BlockingIOError:
            continue
        except OSError:
            # No queued error but an ordinary datagram (a service answered): the size got through.
            try:
                sock.recv(4096, socket.MSG_DONTWAIT)
                return "port-unreachable", None
            except OSError:
                continue
        for level, kind, data in ancdata:
            if level == socket.IPPROTO_IP and kind == IP_RECVERR and len(data) >= 16:
                ee_errno, origin, icmp_type, icmp_code, _pad, ee_info, _ee_data = struct.unpack("=IBBBBII", data[:16])
                if ee_errno == errno.EMSGSIZE:
                    return "frag-needed", ee_info
                if ee_errno == errno.ECONNREFUSED:
                    return "port-unreachable", None
                if origin == SO_EE_ORIGIN_ICMP and icmp_type == 3:
                    return "unreachable", icmp_code
                return "unreachable", icmp_code
        return "silent", None
