"""Duplicate-address detection (RFC 5227 ARP probe) and the gateway's MAC addresses."""

from __future__ import annotations

import select
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Callable

from fieldkit.net.lan.raw import (BROADCAST, ETH_P_ARP, PACKET_OUTGOING, RawUnavailable, interface_mac, mac_str,
                                  open_raw)


@dataclass
class ArpPacket:
    op: int
    sender_mac: str
    sender_ip: str
    target_mac: str
    target_ip: str
    frame_source: str


@dataclass
class AddressCheck:
    address: str
    others: list[str] = field(default_factory=list)   # MACs other than ours that claim the address


@dataclass
class ArpResult:
    interface: str
    own_mac: str | None = None
    addresses: list[AddressCheck] = field(default_factory=list)
    gateway: str | None = None
    gateway_macs: list[str] = field(default_factory=list)
    gateway_ms: float | None = None
    wait_s: float = 0.0
    error: str | None = None


def build_arp(op: int, sender_mac: bytes, sender_ip: str, target_ip: str, target_mac: bytes = b"\x00" * 6,
              dst: bytes = BROADCAST) -> bytes:
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sender_mac, socket.inet_aton(sender_ip), target_mac,
                       socket.inet_aton(target_ip))
    frame = dst + sender_mac + struct.pack("!H", ETH_P_ARP) + body
    return frame + b"\x00" * max(0, 60 - len(frame))


def parse_arp(frame: bytes) -> ArpPacket | None:
    """An Ethernet/IPv4 ARP packet, or None."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x06":
        return None
    htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", frame[14:22])
    if htype != 1 or ptype != 0x0800 or hlen != 6 or plen != 4:
        return None
    sha, spa, tha, tpa = struct.unpack("!6s4s6s4s", frame[22:42])
    return ArpPacket(op, mac_str(sha), socket.inet_ntoa(spa), mac_str(tha), socket.inet_ntoa(tpa), mac_str(frame[6:12]))


def check(iface: str, addresses: list[str], gateway: str | None, wait_s: float = 1.0, *,
          clock: Callable[[], float] = time.monotonic) -> ArpResult:
    """Probe each address (sender IP 0.0.0.0, RFC 5227 2.1.1) and ask for the gateway; collect every answer."""
    result = ArpResult(iface, gateway=gateway, wait_s=wait_s)
    own = interface_mac(iface)
    result.own_mac = mac_str(own) if own else None
    result.addresses = [AddressCheck(a) for a in addresses]
    if own is None:
        result.error = f"no MAC address readable for {iface}"
        return result
    try:
        sock = open_raw(iface, ETH_P_ARP)
    except RawUnavailable as exc:
        result.error = str(exc)
        return result
    own_text = mac_str(own)
    with sock:
        start = clock()
        sender_ip = addresses[0] if addresses else "0.0.0.0"

        def send_all() -> None:
            for check_ in result.addresses:
                sock.send(build_arp(1, own, "0.0.0.0", check_.address))
            if gateway:
                sock.send(build_arp(1, own, sender_ip, gateway))

        try:
            send_all()
        except OSError as exc:
            result.error = f"could not send on {iface}: {exc.strerror or exc}"
            return result
        resent = False
        deadline = start + wait_s
        while True:
            now = clock()
            if not resent and now - start >= min(0.2, wait_s / 3):
                send_all()       # RFC 5227 sends several probes; a second one covers a lost frame
                resent = True
            left = deadline - now
            if left <= 0:
                break
            ready, _, _ = select.select([sock], [], [], min(left, 0.05))
            if not ready:
                continue
            frame, addr = sock.recvfrom(2048)
            if addr[2] == PACKET_OUTGOING:
                continue
            packet = parse_arp(frame)
            if packet is None or packet.sender_mac == own_text:
                continue
            for item in result.addresses:
                # A reply for the address, or another host probing/announcing the same address.
                claims = packet.sender_ip == item.address or (
                    packet.op == 1 and packet.sender_ip == "0.0.0.0" and packet.target_ip == item.address)
                if claims and packet.sender_mac not in item.others:
                    item.others.append(packet.sender_mac)
            if gateway and packet.op == 2 and packet.sender_ip == gateway:
                if packet.sender_mac not in result.gateway_macs:
                    result.gateway_macs.append(packet.sender_mac)
                if result.gateway_ms is None:
                    result.gateway_ms = round((clock() - start) * 1000, 1)
    return result
