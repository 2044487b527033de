"""Traceroute with scapy (raw sockets, root): ICMP echo, UDP or TCP SYN probes.

Probes go out in *waves*: each wave sends one probe per TTL (1..limit); after the
first wave the limit shrinks to the TTL at which the destination answered, so later
waves send nothing past it. Per hop we keep every RTT sample and the loss.

Reading the result (mtr's caveat, traviscross/mtr PR #605): routers answer
TTL-expired probes from their slow path and rate-limit those ICMP messages (Linux:
``net.ipv4.icmp_ratelimit``, token bucket of 6 per peer, then 1 per second). Loss
shown at an intermediate hop while later hops and the destination answer every
probe is that rate limiting, not packet loss. Only loss that persists to the
destination is real.
"""

from __future__ import annotations

import random
import socket
import select
import statistics
import struct
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fieldkit.net import address_family, load_scapy, resolve, scapy_send_receive
from fieldkit.net.local import egress_source

METHODS = ("icmp", "udp", "tcp")
_UDP_BASE_PORT = 33434   # traditional traceroute destination ports (closed on most hosts)


@dataclass
class Hop:
    ttl: int
    address: str | None                    # the most frequent responder; None = no answer ("*")
    samples: list[float | None]            # RTT ms per wave, None = no answer
    addresses: list[str] = field(default_factory=list)  # all responders (ECMP shows several)
    final: bool = False                    # the destination itself answered at this TTL
    unreachable: str = ""                  # ICMP destination-unreachable code seen from this hop

    @property
    def loss_pct(self) -> float:
        return round(100.0 * sum(s is None for s in self.samples) / len(self.samples), 2) if self.samples else 100.0

    @property
    def rtt_ms(self) -> float | None:
        got = [s for s in self.samples if s is not None]
        return round(statistics.median(got), 3) if got else None

    def to_dict(self) -> dict[str, object]:
        return {"ttl": self.ttl, "address": self.address, "rtt_ms": self.rtt_ms, "loss_pct": self.loss_pct,
                "rtt_samples_ms": self.samples, "addresses": self.addresses, "final": self.final,
                "unreachable": self.unreachable}


@dataclass
class TraceResult:
    host: str
    address: str | None
    method: str
    hops: list[Hop] = field(default_factory=list)
    reached: bool = False
    error: str = ""                        # technician's words for why no trace was made
    error_kind: str = ""                   # ERROR_KINDS: the same, as a code the check words for the customer
    note: str = ""                         # why another method than the requested one was used

    @property
    def hop_count(self) -> int | None:
        return len(self.hops) if self.reached else None


#: why a trace could not be made: the name did not resolve, no route leads there, an IPv6 target,
#: raw sockets needed (not root, no scapy, no CAP_NET_RAW, not Linux)
ERROR_KINDS = ("dns", "no-route", "ipv6", "needs-root")


@dataclass
class LossVerdict:
    """What the hops say about loss, as facts (the check words them in the reader's language)."""

    kind: str          # "clean", "rate-limited", "loss", "unreached"
    first_ttl: int | None
    loss_pct: float
    lossy_ttls: list[int] = field(default_factory=list)   # rate-limited: the hops that dropped some probes
    silent_from: int | None = None                        # unreached: the first hop of the silent tail


def analyse(result: TraceResult) -> LossVerdict:
    """Apply the rate-limiting caveat: only loss that persists to the last hop counts."""
    if not result.hops:
        return LossVerdict("unreached", None, 100.0)
    last = result.hops[-1]
    if not result.reached:
        silent_from = next((h.ttl for h in result.hops if h.address is None and
                            all(x.address is None for x in result.hops if x.ttl >= h.ttl)), None)
        return LossVerdict("unreached", silent_from, 100.0, silent_from=silent_from)
    lossy = [h for h in result.hops[:-1] if h.loss_pct > 0]
    if last.loss_pct == 0:
        if lossy:
            # Hops that dropped probes while the destination answered all of them: ICMP rate
            # limiting on those routers, not packet loss.
            return LossVerdict("rate-limited", lossy[0].ttl, 0.0, lossy_ttls=[h.ttl for h in lossy])
        return LossVerdict("clean", None, 0.0)
    # Real loss starts at the first hop from which every later hop loses too.
    start = last.ttl
    for hop in reversed(result.hops[:-1]):
        if hop.loss_pct > 0:
            start = hop.ttl
        else:
            break
    return LossVerdict("loss", start, last.loss_pct)


def traceroute(host: str, method: str = "icmp", max_hops: int = 30, probes: int = 3, timeout: float = 1.0,
               port: int | None = None, wave_interval: float = 0.2, is_root: bool | None = None) -> TraceResult:
    """Trace the path to ``host``; needs raw sockets (root / CAP_NET_RAW)."""
    if method not in METHODS:
        raise ValueError(f"unknown traceroute method {method!r}")
    address, why = resolve(host, timeout=max(timeout, 2.0))
    if address is None:
        return TraceResult(host, None, method, error=why, error_kind="dns")
    if is_root is None:
        from fieldkit.privileges import is_root as running_as_root

        is_root = running_as_root()
    if egress_source(address) is None:
        return TraceResult(host, address, method, error=f"no route to {address}", error_kind="no-route")
    if address_family(address) == socket.AF_INET6:
        return TraceResult(host, address, method, error="IPv6 traceroute is not supported yet", error_kind="ipv6")
    why_not = "" if is_root else "raw sockets need root"
    if is_root:
        try:
            return _trace(host, address, method, max_hops, probes, timeout, port, wave_interval)
        except ImportError:
            why_not = "scapy is not installed"
        except PermissionError:
            why_not = "raw sockets refused (no CAP_NET_RAW)"
    if not sys.platform.startswith("linux"):
        return TraceResult(host, address, method, error=f"traceroute needs root ({why_not}): run fieldkit as root",
                           error_kind="needs-root")
    result = _trace_recverr(host, address, max_hops, probes, timeout, port if method == "udp" else None,
                            wave_interval)
    result.note = f"{why_not}: used unprivileged UDP probes with the kernel error queue instead of {method}"
    return result


def _trace(host: str, address: str, method: str, max_hops: int, probes: int, timeout: float,
           port: int | None, wave_interval: float) -> TraceResult:
    load_scapy()
    from scapy.layers.inet import ICMP, IP, TCP, UDP

    ident = random.randrange(1, 0xFFFF)
    sport_base = random.randrange(20000, 60000 - max_hops * probes)
    replies: dict[int, list[tuple[float | None, str | None, bool, str]]] = {t: [] for t in range(1, max_hops + 1)}
    limit = max_hops
    for wave in range(probes):
        if wave:
            time.sleep(wave_interval)
        packets = []
        for ttl in range(1, limit + 1):
            ip = IP(dst=address, ttl=ttl, id=random.randrange(0, 0xFFFF))
            if method == "icmp":
                packets.append(ip / ICMP(id=ident, seq=wave * 256 + ttl) / b"fieldkit-traceroute")
            elif method == "udp":
                packets.append(ip / UDP(sport=sport_base + wave * max_hops + ttl,
                                        dport=port or (_UDP_BASE_PORT + ttl - 1)) / b"fieldkit")
            else:
                packets.append(ip / TCP(sport=sport_base + wave * max_hops + ttl, dport=port or 80, flags="S",
                                        seq=random.randrange(0, 2**32)))
        answered, _ = scapy_send_receive(packets, 0, timeout)
        got: dict[int, tuple[float, str, bool, str]] = {}
        for sent, received in answered:
            final, code = _classify(received, address, ICMP, TCP)
            got[int(sent.ttl)] = (round((received.time - sent.sent_time) * 1000.0, 3), received.src, final, code)
        for ttl in range(1, limit + 1):
            rtt, src, final, code = got.get(ttl, (None, None, False, ""))
            replies[ttl].append((rtt, src, final, code))
        finals = [ttl for ttl, (_, _, final, _) in got.items() if final]
        stops = [ttl for ttl, (_, _, _, code) in got.items() if code]
        if finals or stops:
            limit = min(limit, min(finals + stops))
    return _build(host, address, method, replies, limit, probes)


def _classify(received: Any, address: str, icmp_layer: Any, tcp_layer: Any) -> tuple[bool, str]:
    """(destination answered?, unreachable code from a router)."""
    if received.haslayer(tcp_layer):
        return received.src == address, ""
    if received.haslayer(icmp_layer):
        icmp = received[icmp_layer]
        if icmp.type == 0:                       # echo reply
            return received.src == address, ""
        if icmp.type == 3:                       # destination unreachable
            if received.src == address and icmp.code in (3, 2):  # port / protocol unreachable: we got there
                return True, ""
            return False, {0: "network unreachable", 1: "host unreachable", 9: "network prohibited",
                           10: "host prohibited", 13: "administratively prohibited"}.get(int(icmp.code),
                                                                                         f"unreachable code {icmp.code}")
    return False, ""


def _build(host: str, address: str, method: str, replies: dict[int, list], limit: int, probes: int) -> TraceResult:
    result = TraceResult(host, address, method)
    last_answer = 0
    for ttl in range(1, limit + 1):
        samples = replies[ttl][:probes]
        # Waves sent before the limit shrank may be missing for high TTLs: pad as lost.
        samples += [(None, None, False, "")] * (probes - len(samples))
        sources = [src for _, src, _, _ in samples if src]
        final = any(f for _, _, f, _ in samples)
        codes = [c for _, _, _, c in samples if c]
        hop = Hop(ttl, Counter(sources).most_common(1)[0][0] if sources else None,
                  [rtt for rtt, _, _, _ in samples], sorted(set(sources)), final, codes[0] if codes else "")
        result.hops.append(hop)
        if sources:
            last_answer = ttl
        if final:
            result.reached = True
            break
        if hop.unreachable:
            break
    if not result.reached:
        # Keep the silent tail short: the last answering hop plus one "*" row says where it stops.
        result.hops = result.hops[:last_answer + 1]
    return result


# ---------------------------------------------------------------------------- unprivileged fallback
# Linux delivers ICMP errors for a UDP socket to its error queue when IP_RECVERR is set
# (tracepath's and mtr's unprivileged method, mtr PR #215): time-exceeded names the
# router in SO_EE_OFFENDER, port-unreachable from the target ends the trace. No root.
_IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
_MSG_ERRQUEUE = getattr(socket, "MSG_ERRQUEUE", 0x2000)


def _trace_recverr(host: str, address: str, max_hops: int, probes: int, timeout: float, port: int | None,
                   wave_interval: float) -> TraceResult:
    replies: dict[int, list[tuple[float | None, str | None, bool, str]]] = {t: [] for t in range(1, max_hops + 1)}
    limit = max_hops
    for wave in range(probes):
        if wave:
            time.sleep(wave_interval)
        got = _recverr_wave(address, limit, timeout, port, wave)
        for ttl in range(1, limit + 1):
            replies[ttl].append(got.get(ttl, (None, None, False, "")))
        finals = [ttl for ttl, (_, _, final, _) in got.items() if final]
        stops = [ttl for ttl, (_, _, _, code) in got.items() if code]
        if finals or stops:
            limit = min(limit, min(finals + stops))
    return _build(host, address, "udp", replies, limit, probes)


def _recverr_wave(address: str, limit: int, timeout: float, port: int | None,
                  wave: int) -> dict[int, tuple[float, str, bool, str]]:
    sockets: dict[socket.socket, tuple[int, float]] = {}
    got: dict[int, tuple[float, str, bool, str]] = {}
    try:
        for ttl in range(1, limit + 1):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
            sock.setsockopt(socket.IPPROTO_IP, _IP_RECVERR, 1)
            sock.setblocking(False)
            try:
                sock.connect((address, port or (_UDP_BASE_PORT + wave * limit + ttl - 1) % 65536 or 1))
                sock.send(b"fieldkit-traceroute")
            except OSError:
                sock.close()
                continue
            sockets[sock] = (ttl, time.monotonic())
        end = time.monotonic() + timeout
        while sockets and time.monotonic() < end:
            readable, _, errored = select.select(list(sockets), [], list(sockets), max(0.0, end - time.monotonic()))
            for sock in set(readable) | set(errored):
                if sock not in sockets:
                    continue
                ttl, sent = sockets[sock]
                answer = _read_offender(sock, address)
                if answer is None:
                    continue
                src, final, code = answer
                got[ttl] = (round((time.monotonic() - sent) * 1000.0, 3), src, final, code)
                del sockets[sock]
                sock.close()
    finally:
        for sock in sockets:
            sock.close()
    return got


def _read_offender(sock: socket.socket, address: str) -> tuple[str, bool, str] | None:
    try:
        _, ancdata, _, _ = sock.recvmsg(512, 512, _MSG_ERRQUEUE)
    except OSError:
        try:
            sock.recv(512)  # a real answer from a UDP service: the destination was reached
            return address, True, ""
        except OSError:
            return None
    for level, kind, data in ancdata:
        if level != socket.IPPROTO_IP or kind != _IP_RECVERR or len(data) < 16:
            continue
        _errno, origin, icmp_type, icmp_code, _pad, _info, _data = struct.unpack("=IBBBBII", data[:16])
        src = socket.inet_ntoa(data[20:24]) if len(data) >= 24 else "?"   # SO_EE_OFFENDER: sockaddr_in
        if origin != 2:          # not SO_EE_ORIGIN_ICMP (e.g. a local error)
            return None
        if icmp_type == 11:
            return src, False, ""
        if icmp_type == 3:
            if src == address and icmp_code in (2, 3):
                return src, True, ""
            return src, False, {0: "network unreachable", 1: "host unreachable", 9: "network prohibited",
                                10: "host prohibited", 13: "administratively prohibited"}.get(
                                    icmp_code, f"unreachable code {icmp_code}")
    return None
