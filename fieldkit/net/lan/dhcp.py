"""DHCP probe (RFC 2131) from a separate, locally administered MAC on a raw socket.

The DISCOVER carries a made-up client hardware address, so the machine's own lease
is never touched; the BROADCAST flag asks servers to broadcast their answer (the NIC
would drop frames sent to the made-up MAC). Every OFFER within the window is kept:
two servers answering is what a rogue (or a forgotten backup) DHCP server looks like.
With ``full=True`` the first offer is REQUESTed, the ACK timed, and the lease RELEASEd
at once.
"""

from __future__ import annotations

import ipaddress
import os
import select
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Callable

from fieldkit.net.lan.raw import (BROADCAST, ETH_P_IP, PACKET_OUTGOING, RawUnavailable, checksum, mac_str, open_raw,
                                  random_local_mac)

MAGIC = b"\x63\x82\x53\x63"
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE = 1, 2, 3, 4, 5, 6, 7
TYPE_NAMES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}


@dataclass
class DhcpMessage:
    """A parsed BOOTP/DHCP reply."""

    op: int
    xid: int
    yiaddr: str
    siaddr: str
    chaddr: str
    message_type: int | None = None
    server_id: str | None = None
    subnet_mask: str | None = None
    routers: list[str] = field(default_factory=list)
    dns: list[str] = field(default_factory=list)
    lease_s: int | None = None
    domain: str | None = None


@dataclass
class Offer:
    server_id: str | None            # option 54
    source_ip: str                   # IP source of the frame
    source_mac: str                  # Ethernet source (the server, or a relay)
    address: str                     # offered address (yiaddr)
    subnet_mask: str | None
    routers: list[str]
    dns: list[str]
    lease_s: int | None
    domain: str | None
    after_ms: float                  # time from DISCOVER to this OFFER

    @property
    def server(self) -> str:
        return self.server_id or self.source_ip


@dataclass
class DhcpResult:
    interface: str
    client_mac: str = ""
    window_s: float = 0.0
    offers: list[Offer] = field(default_factory=list)
    ack_ms: float | None = None      # full exchange: REQUEST -> ACK
    acked_address: str | None = None
    nak_from: str | None = None
    released: bool = False
    full: bool = False
    error: str | None = None

    @property
    def servers(self) -> list[str]:
        seen: list[str] = []
        for offer in self.offers:
            if offer.server not in seen:
                seen.append(offer.server)
        return seen


def _ip(raw: bytes) -> str:
    return socket.inet_ntoa(raw)


def parse_options(raw: bytes) -> dict[int, bytes]:
    """DHCP options (RFC 2132) as code -> value; pads skipped, stops at END or at a truncated option.

    Repeated codes are concatenated (RFC 3396 long options).
    """
    out: dict[int, bytes] = {}
    pos = 0
    while pos < len(raw):
        code = raw[pos]
        if code == 0:
            pos += 1
            continue
        if code == 255 or pos + 1 >= len(raw):
            break
        length = raw[pos + 1]
        value = raw[pos + 2:pos + 2 + length]
        if len(value) < length:
            break
        out[code] = out.get(code, b"") + value
        pos += 2 + length
    return out


def _addresses(raw: bytes | None) -> list[str]:
    if not raw:
        return []
    return [_ip(raw[i:i + 4]) for i in range(0, len(raw) - len(raw) % 4, 4)]


def parse_bootp(payload: bytes) -> DhcpMessage | None:
    """A BOOTP/DHCP message from a UDP payload; None when it is not one."""
    if len(payload) < 240 or payload[236:240] != MAGIC:
        return None
    op, htype, hlen = payload[0], payload[1], payload[2]
    xid = struct.unpack("!I", payload[4:8])[0]
    msg = DhcpMessage(op=op, xid=xid, yiaddr=_ip(payload[16:20]), siaddr=_ip(payload[20:24]),
                      chaddr=mac_str(payload[28:28 + min(hlen, 16)]) if htype == 1 and hlen == 6 else payload[28:44].hex())
    opts = parse_options(payload[240:])
    if 53 in opts and len(opts[53]) == 1:
        msg.message_type = opts[53][0]
    if 54 in opts and len(opts[54]) == 4:
        msg.server_id = _ip(opts[54])
    if 1 in opts and len(opts[1]) == 4:
        msg.subnet_mask = _ip(opts[1])
    msg.routers = _addresses(opts.get(3))
    msg.dns = _addresses(opts.get(6))
    if 51 in opts and len(opts[51]) == 4:
        msg.lease_s = struct.unpack("!I", opts[51])[0]
    if 15 in opts:
        msg.domain = opts[15].decode("ascii", "replace").strip("\x00") or None
    return msg


def parse_frame(frame: bytes) -> tuple[str, str, DhcpMessage] | None:
    """(source MAC, source IP, message) from an Ethernet/IPv4/UDP frame to port 68, else None."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x00":
        return None
    ihl = (frame[14] & 0x0F) * 4
    if frame[14] >> 4 != 4 or ihl < 20 or frame[23] != 17 or len(frame) < 14 + ihl + 8:
        return None
    udp = 14 + ihl
    sport, dport, ulen = struct.unpack("!HHH", frame[udp:udp + 6])
    if sport != 67 or dport != 68:
        return None
    payload = frame[udp + 8:udp + max(8, ulen)] if ulen >= 8 else frame[udp + 8:]
    msg = parse_bootp(payload)
    if msg is None:
        return None
    return mac_str(frame[6:12]), _ip(frame[26:30]), msg


def build_request(client_mac: bytes, xid: int, message_type: int, *, requested: str | None = None,
                  server_id: str | None = None, ciaddr: str = "0.0.0.0", broadcast: bool = True,
                  src_ip: str = "0.0.0.0", dst_ip: str = "255.255.255.255", dst_mac: bytes = BROADCAST) -> bytes:
    """An Ethernet frame carrying a client DHCP message."""
    options = bytes([53, 1, message_type])
    options += bytes([61, 7, 1]) + client_mac                       # client identifier: hwtype 1 + MAC
    if requested:
        options += bytes([50, 4]) + socket.inet_aton(requested)
    if server_id:
        options += bytes([54, 4]) + socket.inet_aton(server_id)
    if message_type in (DISCOVER, REQUEST):
        options += bytes([55, 4, 1, 3, 6, 15])                      # ask for mask, router, DNS, domain
    options += bytes([12]) + bytes([len(b"fieldkit-probe")]) + b"fieldkit-probe"
    options += b"\xff"
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000 if broadcast else 0,
                        socket.inet_aton(ciaddr), b"\x00" * 4, b"\x00" * 4, b"\x00" * 4,
                        client_mac + b"\x00" * 10, b"", b"") + MAGIC + options
    bootp += b"\x00" * max(0, 300 - len(bootp))                     # BOOTP minimum size (RFC 1542)
    udp_len = 8 + len(bootp)
    src, dst = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp_nock = struct.pack("!HHHH", 68, 67, udp_len, 0) + bootp
    udp_sum = checksum(pseudo + udp_nock) or 0xFFFF
    udp = struct.pack("!HHHH", 68, 67, udp_len, udp_sum) + bootp
    ip_nock = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, checksum(ip_nock), src, dst)
    return dst_mac + client_mac + struct.pack("!H", ETH_P_IP) + ip + udp


def _receive(sock: socket.socket, xid: int, until: float, clock: Callable[[], float],
             want: tuple[int, ...], stop_first: bool, sink: list[tuple[float, str, str, DhcpMessage]]) -> None:
    while True:
        left = until - clock()
        if left <= 0:
            return
        ready, _, _ = select.select([sock], [], [], min(left, 0.1))
        if not ready:
            continue
        frame, addr = sock.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING:
            continue
        parsed = parse_frame(frame)
        if parsed is None:
            continue
        src_mac, src_ip, msg = parsed
        if msg.op != 2 or msg.xid != xid or msg.message_type not in want:
            continue
        sink.append((clock(), src_mac, src_ip, msg))
        if stop_first:
            return


def probe(iface: str, window_s: float = 3.0, *, full: bool = False,
          clock: Callable[[], float] = time.monotonic) -> DhcpResult:
    """DISCOVER, collect every OFFER for ``window_s``; with ``full`` also REQUEST/ACK and RELEASE."""
    result = DhcpResult(iface, window_s=window_s, full=full)
    client = random_local_mac()
    result.client_mac = mac_str(client)
    try:
        sock = open_raw(iface, ETH_P_IP)
    except RawUnavailable as exc:
        result.error = str(exc)
        return result
    xid = struct.unpack("!I", os.urandom(4))[0]
    with sock:
        start = clock()
        try:
            sock.send(build_request(client, xid, DISCOVER))
        except OSError as exc:
            result.error = f"could not send on {iface}: {exc.strerror or exc}"
            return result
        got: list[tuple[float, str, str, DhcpMessage]] = []
        # One retransmission (RFC 2131 4.1) after 4 s, as clients do; a server that pings the
        # address first (dnsmasq: 3 s) answers the first DISCOVER only after that.
        _receive(sock, xid, start + min(4.0, window_s * 0.8), clock, (OFFER,), False, got)
        if not got:
            sock.send(build_request(client, xid, DISCOVER))
        _receive(sock, xid, start + window_s, clock, (OFFER,), False, got)
        seen: set[tuple[str, str]] = set()
        for when, src_mac, src_ip, msg in got:
            key = (msg.server_id or src_ip, src_mac)
            if key in seen:       # the same server answering the retransmitted DISCOVER
                continue
            seen.add(key)
            result.offers.append(Offer(msg.server_id, src_ip, src_mac, msg.yiaddr, msg.subnet_mask, msg.routers,
                                       msg.dns, msg.lease_s, msg.domain, round((when - start) * 1000, 1)))
        if full and result.offers:
            _complete(sock, client, xid, result, clock)
    return result


def _complete(sock: socket.socket, client: bytes, xid: int, result: DhcpResult, clock: Callable[[], float]) -> None:
    offer = result.offers[0]
    sent = clock()
    sock.send(build_request(client, xid, REQUEST, requested=offer.address, server_id=offer.server_id))
    got: list[tuple[float, str, str, DhcpMessage]] = []
    _receive(sock, xid, sent + 3.0, clock, (ACK, NAK), True, got)
    if not got:
        return
    when, src_mac, src_ip, msg = got[0]
    if msg.message_type == NAK:
        result.nak_from = msg.server_id or src_ip
        return
    result.ack_ms = round((when - sent) * 1000, 1)
    result.acked_address = msg.yiaddr
    # RELEASE at once (RFC 2131 4.4.6): unicast to the server, from the leased address.
    server = msg.server_id or offer.server
    try:
        ipaddress.IPv4Address(server)
        sock.send(build_request(client, struct.unpack("!I", os.urandom(4))[0], RELEASE, server_id=server,
                                ciaddr=msg.yiaddr, broadcast=False, src_ip=msg.yiaddr, dst_ip=server,
                                dst_mac=bytes.fromhex(src_mac.replace(":", ""))))
        result.released = True
    except (OSError, ValueError):
        result.released = False
