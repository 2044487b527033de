"""STUN (RFC 5389) and NAT behaviour discovery (RFC 5780), hand-built on UDP sockets.

Every transaction has a hard time limit (pystun3 resends forever on error 420 and contacts
public servers by default: not used).  Only the servers the technician
configured are ever contacted.

Mapping (RFC 5780 §4.3): compare XOR-MAPPED-ADDRESS seen by the primary address, the
alternate IP and the alternate IP + port (from OTHER-ADDRESS); without OTHER-ADDRESS, compare
what several configured servers see.  Filtering (§4.4): CHANGE-REQUEST change-IP+port, then
change-port, and check that the reply really came from the other address (a server that
ignores CHANGE-REQUEST would otherwise read as "open").  Binding lifetime (§4.6): RESPONSE-PORT
from a second socket towards the first socket's mapped port after growing idle periods.
"""

from __future__ import annotations

import os
import socket
import struct
import time
from dataclasses import dataclass, field

MAGIC = 0x2112A442
BINDING_REQUEST, BINDING_SUCCESS, BINDING_ERROR = 0x0001, 0x0101, 0x0111
MAPPED_ADDRESS, CHANGE_REQUEST, CHANGED_ADDRESS, ERROR_CODE = 0x0001, 0x0003, 0x0005, 0x0009
XOR_MAPPED_ADDRESS, RESPONSE_PORT, SOFTWARE = 0x0020, 0x0027, 0x8022
RESPONSE_ORIGIN, OTHER_ADDRESS = 0x802B, 0x802C
CHANGE_IP, CHANGE_PORT = 0x4, 0x2
RETRANSMIT_AT = (0.0, 0.5, 1.5)  # RFC 5389 RTO 500 ms doubling, cut short by the caller's limit


def build_request(txid: bytes, attributes: list[tuple[int, bytes]] = ()) -> bytes:
    body = b"".join(struct.pack("!HH", kind, len(value)) + value + bytes(-len(value) % 4)
                    for kind, value in attributes)
    return struct.pack("!HHI", BINDING_REQUEST, len(body), MAGIC) + txid + body


def _address(value: bytes, txid: bytes, xor: bool) -> tuple[str, int] | None:
    if len(value) < 8:
        return None
    family, port = value[1], struct.unpack("!H", value[2:4])[0]
    raw = value[4:8] if family == 1 else value[4:20]
    if xor:
        port ^= MAGIC >> 16
        key = struct.pack("!I", MAGIC) + txid
        raw = bytes(b ^ key[i] for i, b in enumerate(raw))
    if family == 1:
        return socket.inet_ntop(socket.AF_INET, raw), port
    if family == 2 and len(raw) == 16:
        return socket.inet_ntop(socket.AF_INET6, raw), port
    return None


@dataclass
class StunResponse:
    kind: int
    source: tuple[str, int]
    rtt_ms: float
    mapped: tuple[str, int] | None = None
    other: tuple[str, int] | None = None
    origin: tuple[str, int] | None = None
    software: str | None = None
    error_code: int | None = None
    error_reason: str = ""


def parse_response(data: bytes, txid: bytes, source: tuple, rtt_ms: float) -> StunResponse | None:
    if len(data) < 20:
        return None
    kind, length, magic = struct.unpack("!HHI", data[:8])
    if magic != MAGIC or data[8:20] != txid or kind not in (BINDING_SUCCESS, BINDING_ERROR):
        return None
    out = StunResponse(kind, (source[0], source[1]), rtt_ms)
    pos, end = 20, min(len(data), 20 + length)
    while pos + 4 <= end:
        attr, alen = struct.unpack("!HH", data[pos:pos + 4])
        value = data[pos + 4:pos + 4 + alen]
        pos += 4 + alen + (-alen % 4)
        if attr == XOR_MAPPED_ADDRESS:
            out.mapped = _address(value, txid, True) or out.mapped
        elif attr == MAPPED_ADDRESS and out.mapped is None:
            out.mapped = _address(value, txid, False)
        elif attr in (OTHER_ADDRESS, CHANGED_ADDRESS):
            out.other = _address(value, txid, False)
        elif attr == RESPONSE_ORIGIN:
            out.origin = _address(value, txid, False)
        elif attr == SOFTWARE:
            out.software = value.decode("utf-8", errors="replace").rstrip("\x00")
        elif attr == ERROR_CODE and len(value) >= 4:
            out.error_code = (value[2] & 0x7) * 100 + value[3]
            out.error_reason = value[4:].decode("utf-8", errors="replace")
    return out


def transact(sock: socket.socket, server: tuple[str, int], *, change: int = 0, response_port: int | None = None,
             timeout_s: float = 2.5, expect_reply: bool = True) -> StunResponse | None:
    """One Binding transaction with a hard time limit; None when nothing (valid) came back."""
    txid = os.urandom(12)
    attributes: list[tuple[int, bytes]] = []
    if change:
        attributes.append((CHANGE_REQUEST, struct.pack("!I", change)))
    if response_port is not None:
        attributes.append((RESPONSE_PORT, struct.pack("!HH", response_port, 0)))
    request = build_request(txid, attributes)
    start = time.monotonic()
    deadline = start + timeout_s
    schedule = [start + at for at in RETRANSMIT_AT if at < timeout_s]
    while True:
        now = time.monotonic()
        if now >= deadline:
            return None
        if schedule and now >= schedule[0]:
            schedule.pop(0)
            try:
                sock.sendto(request, server)
            except OSError:
                return None
        if not expect_reply:
            return None
        wake = min([deadline] + schedule[:1])
        sock.settimeout(max(0.005, wake - time.monotonic()))
        try:
            data, source = sock.recvfrom(2048)
        except socket.timeout:
            continue
        except OSError:   # ICMP port unreachable from an earlier send
            continue
        reply = parse_response(data, txid, source, (time.monotonic() - start) * 1000)
        if reply is not None:
            return reply


def wait_for(sock: socket.socket, timeout_s: float) -> tuple[bytes, tuple] | None:
    sock.settimeout(timeout_s)
    try:
        return sock.recvfrom(2048)
    except (socket.timeout, OSError):
        return None


@dataclass
class NatReport:
    servers: list[str]
    local: tuple[str, int] | None = None
    mapped: tuple[str, int] | None = None
    nat_present: bool | None = None
    rfc5780: bool | None = None
    software: str | None = None
    mapping: str | None = None          # endpoint-independent / address-dependent / address-and-port-dependent
    mapping_method: str = ""
    filtering: str | None = None
    filtering_note: str = ""
    lifetime_s_min: float | None = None   # binding survived at least this idle time
    lifetime_s_max: float | None = None   # binding gone after this idle time
    lifetime_note: str = ""
    errors: list[str] = field(default_factory=list)
    observations: list[dict] = field(default_factory=list)


def _new_socket(family: int, bind_ip: str | None = None) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((bind_ip or ("::" if family == socket.AF_INET6 else "0.0.0.0"), 0))
    return sock


def _resolve(server: str, default_port: int = 3478) -> tuple[int, tuple[str, int]]:
    host, _, port = server.rpartition(":") if server.count(":") == 1 or server.startswith("[") else (server, "", "")
    host = host.strip("[]") or server
    info = socket.getaddrinfo(host, int(port) if port else default_port, type=socket.SOCK_DGRAM)[0]
    return info[0], info[4][:2]


def discover(servers: list[str], *, timeout_s: float = 2.5, lifetime_max_s: float = 0.0,
             time_left=lambda: 1e9, checkpoint=lambda: None) -> NatReport:
    """Run mapping, filtering and (optionally) lifetime discovery against ``servers``."""
    report = NatReport(list(servers))
    resolved = []
    for server in servers:
        try:
            resolved.append((server, *_resolve(server)))
        except (OSError, ValueError) as exc:
            report.errors.append(f"{server}: cannot resolve ({exc})")
    if not resolved:
        return report
    family = resolved[0][1]
    sock = _new_socket(family)
    try:
        first = None
        for server, fam, address in resolved:
            checkpoint()
            if fam != family:
                continue
            reply = transact(sock, address, timeout_s=min(timeout_s, max(0.2, time_left())))
            if reply is None:
                report.errors.append(f"{server}: no STUN answer within {timeout_s:g} s")
                continue
            if reply.kind == BINDING_ERROR or reply.mapped is None:
                report.errors.append(f"{server}: error {reply.error_code} {reply.error_reason}".strip())
                continue
            report.observations.append({"server": server, "mapped": list(reply.mapped), "rtt_ms": round(reply.rtt_ms, 2),
                                        "other_address": list(reply.other) if reply.other else None,
                                        "software": reply.software})
            if first is None:
                first = (server, address, reply)
        if first is None:
            return report
        server, address, reply = first
        report.mapped, report.software = reply.mapped, reply.software
        report.local = _local_for(family, address, sock)
        report.nat_present = reply.mapped != report.local
        report.rfc5780 = reply.other is not None
        _mapping(report, sock, address, reply, timeout_s, time_left)
    finally:
        sock.close()
    if report.rfc5780:
        _filtering(report, family, address, reply.other, timeout_s, time_left)
    else:
        _probe_change_support(report, family, address, timeout_s)
    if lifetime_max_s > 0:
        _lifetime(report, family, address, lifetime_max_s, timeout_s, time_left, checkpoint)
    return report


def _local_for(family: int, address: tuple, sock: socket.socket) -> tuple[str, int]:
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        probe.connect(address)
        ip = probe.getsockname()[0]
    return ip, sock.getsockname()[1]


def _mapping(report: NatReport, sock: socket.socket, primary: tuple, first: StunResponse, timeout_s: float,
             time_left) -> None:
    if not report.nat_present:
        report.mapping, report.mapping_method = "no NAT (mapped address = local address)", "test I"
        return
    m1 = first.mapped
    if first.other:
        alt_ip = first.other[0]
        t2 = transact(sock, (alt_ip, primary[1]), timeout_s=min(timeout_s, max(0.2, time_left())))
        if t2 is None or t2.mapped is None:
            report.errors.append(f"alternate address {alt_ip}:{primary[1]} did not answer (mapping test II)")
            return
        report.mapping_method = "RFC 5780 tests I-III (OTHER-ADDRESS)"
        if t2.mapped == m1:
            report.mapping = "endpoint-independent"
            return
        t3 = transact(sock, first.other, timeout_s=min(timeout_s, max(0.2, time_left())))
        if t3 is None or t3.mapped is None:
            report.errors.append("alternate address and port did not answer (mapping test III)")
            report.mapping = "address-dependent or address-and-port-dependent"
            return
        report.mapping = "address-dependent" if t3.mapped == t2.mapped else "address-and-port-dependent"
        return
    mapped = {tuple(o["mapped"]) for o in report.observations}
    if len(report.observations) >= 2:
        report.mapping_method = f"compared the mapped address seen by {len(report.observations)} servers"
        report.mapping = "endpoint-independent" if len(mapped) == 1 else "address-dependent or address-and-port-dependent (symmetric)"
    else:
        report.mapping_method = "one server without RFC 5780: mapping behaviour cannot be determined"


def _filtering(report: NatReport, family: int, primary: tuple, other: tuple, timeout_s: float, time_left) -> None:
    """RFC 5780 §4.4 on a fresh socket (a stray reply must not disturb the mapping tests)."""
    short = min(timeout_s, 1.5)
    with _new_socket(family) as sock:
        t1 = transact(sock, primary, timeout_s=min(timeout_s, max(0.2, time_left())))
        if t1 is None:
            report.errors.append("filtering test I got no answer")
            return
        t2 = transact(sock, primary, change=CHANGE_IP | CHANGE_PORT, timeout_s=min(short, max(0.2, time_left())))
        if t2 is not None and t2.kind == BINDING_ERROR:
            report.filtering_note = f"server refused CHANGE-REQUEST: error {t2.error_code} {t2.error_reason}"
            report.rfc5780 = False
            return
        if t2 is not None and t2.source[0] != primary[0] and t2.source[1] != primary[1]:
            report.filtering = "endpoint-independent"
            return
        t3 = transact(sock, primary, change=CHANGE_PORT, timeout_s=min(short, max(0.2, time_left())))
        if t3 is not None and t3.source[0] == primary[0] and t3.source[1] != primary[1]:
            report.filtering = "address-dependent"
        else:
            report.filtering = "address-and-port-dependent"
        if not report.nat_present:
            report.filtering_note = "no NAT: this is a firewall's filtering"


def _probe_change_support(report: NatReport, family: int, primary: tuple, timeout_s: float) -> None:
    """Ask for CHANGE-REQUEST once so the finding can say *why* filtering was not tested."""
    with _new_socket(family) as sock:
        reply = transact(sock, primary, change=CHANGE_PORT, timeout_s=min(timeout_s, 1.5))
    if reply is not None and reply.kind == BINDING_ERROR:
        report.filtering_note = (f"the STUN server does not support RFC 5780 (error {reply.error_code} "
                                 f"{reply.error_reason.strip()}): filtering behaviour not tested")
    else:
        report.filtering_note = ("the STUN server gives no OTHER-ADDRESS (no RFC 5780 support): filtering "
                                 "behaviour not tested; a server with two IP addresses is needed")


def _lifetime(report: NatReport, family: int, primary: tuple, max_s: float, timeout_s: float, time_left,
              checkpoint) -> None:
    """Idle a binding for growing periods, then ask the server (from another socket, RESPONSE-PORT)
    to answer to its mapped port: an answer means the binding is still there."""
    with _new_socket(family) as keeper, _new_socket(family) as asker:
        first = transact(keeper, primary, timeout_s=timeout_s)
        if first is None or first.mapped is None:
            report.lifetime_note = "no answer to start the binding-lifetime test"
            return
        port = first.mapped[1]
        if not _still_bound(keeper, asker, primary, port, timeout_s):
            report.lifetime_note = "the server does not honour RESPONSE-PORT (RFC 5780): lifetime not tested"
            return
        idle_total = 0.0
        for idle in (2.0, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0):
            if idle > max_s or idle + timeout_s + 1 > time_left() - 5:
                break
            end = time.monotonic() + idle
            while time.monotonic() < end:
                checkpoint()
                time.sleep(min(0.5, max(0.0, end - time.monotonic())))
            idle_total = idle
            if not _still_bound(keeper, asker, primary, port, timeout_s):
                report.lifetime_s_max = idle
                report.lifetime_note = f"binding gone after {idle:g} s idle"
                return
            report.lifetime_s_min = idle
        report.lifetime_note = (f"binding still open after {report.lifetime_s_min:g} s idle (tested up to "
                                f"{idle_total:g} s)" if report.lifetime_s_min else "lifetime not tested (no time left)")


def _still_bound(keeper: socket.socket, asker: socket.socket, primary: tuple, port: int, timeout_s: float) -> bool:
    for _ in range(2):
        transact(asker, primary, response_port=port, timeout_s=0.05, expect_reply=False)
        got = wait_for(keeper, min(timeout_s, 1.0))
        if got is not None and len(got[0]) >= 20 and struct.unpack("!I", got[0][4:8])[0] == MAGIC:
            return True
    return False
