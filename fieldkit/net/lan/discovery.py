"""LLDP (IEEE 802.1AB, LLDP-MED ANSI/TIA-1057) and CDP listening and parsing.

The parsers take the whole Ethernet frame as bytes from the wire and never raise on
malformed input: a truncated or lying TLV ends the parse, what was read so far is kept
(``Neighbor.malformed`` says so).
"""

from __future__ import annotations

import ipaddress
import select
import struct
import time
from dataclasses import dataclass, field
from typing import Callable

from fieldkit.net.lan.raw import PACKET_OUTGOING, RawUnavailable, mac_str, open_raw

LLDP_MAC = bytes.fromhex("0180c200000e")
CDP_MAC = bytes.fromhex("01000ccccccc")
ETH_P_LLDP = 0x88CC
CDP_SNAP = bytes.fromhex("aaaa0300000c2000")   # LLC SNAP, Cisco OUI, protocol 0x2000

LLDP_CAPS = ("other", "repeater", "bridge", "wlan-ap", "router", "telephone", "docsis", "station",
             "c-vlan", "s-vlan", "tpmr")
CDP_CAPS = ("router", "trans-bridge", "source-route-bridge", "switch", "host", "igmp", "repeater",
            "phone", "remote", "cvta", "mac-relay")


@dataclass
class Neighbor:
    protocol: str                        # "lldp" or "cdp"
    source_mac: str
    chassis_id: str | None = None
    system_name: str | None = None
    system_description: str | None = None
    port_id: str | None = None
    port_id_is_mac: bool = False         # LLDP port ID subtype 3: a MAC says nothing to a technician
    port_description: str | None = None
    management_address: str | None = None
    native_vlan: int | None = None
    voice_vlan: int | None = None
    voice_dscp: int | None = None
    voice_tagged: bool | None = None
    capabilities: list[str] = field(default_factory=list)
    poe_class: int | None = None         # IEEE 802.3at class 0-4 (LLDP)
    poe_watts: float | None = None       # power the switch allocates/offers (LLDP-MED, CDP)
    platform: str | None = None          # CDP
    ttl_s: int | None = None
    malformed: bool = False
    heard_after_s: float | None = None

    @property
    def switch(self) -> str | None:
        return self.system_name or self.chassis_id

    @property
    def port(self) -> str | None:
        """The port as a technician names it: the description when the ID is only a MAC."""
        if self.port_id_is_mac:
            return self.port_description or self.port_id
        return self.port_id or self.port_description


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").strip("\x00").strip()


def _address(family: int, raw: bytes) -> str | None:
    try:
        if family == 1 and len(raw) == 4:
            return str(ipaddress.IPv4Address(raw))
        if family == 2 and len(raw) == 16:
            return str(ipaddress.IPv6Address(raw))
    except ValueError:
        return None
    if family == 6 and len(raw) == 6:
        return mac_str(raw)
    return None


def _caps(bits: int, names: tuple[str, ...]) -> list[str]:
    return [name for i, name in enumerate(names) if bits & (1 << i)]


def parse_lldp(frame: bytes) -> Neighbor | None:
    """A neighbor from an LLDP Ethernet frame, or None when the frame is not LLDP."""
    if len(frame) < 14 or struct.unpack("!H", frame[12:14])[0] != ETH_P_LLDP:
        return None
    n = Neighbor("lldp", mac_str(frame[6:12]))
    data, pos = frame[14:], 0
    while pos + 2 <= len(data):
        header = struct.unpack("!H", data[pos:pos + 2])[0]
        kind, length = header >> 9, header & 0x1FF
        pos += 2
        if kind == 0:
            return n
        if pos + length > len(data):
            n.malformed = True
            return n
        value = data[pos:pos + length]
        pos += length
        try:
            _lldp_tlv(n, kind, value)
        except (struct.error, IndexError, ValueError):
            n.malformed = True
    return n


def _chassis_or_port(subtype: int, raw: bytes, mac_subtype: int) -> str:
    if subtype == mac_subtype and len(raw) == 6:
        return mac_str(raw)
    if subtype == 5 and len(raw) >= 1 and mac_subtype == 4:       # chassis: network address
        return _address(raw[0], raw[1:]) or raw.hex()
    if subtype == 4 and len(raw) >= 1 and mac_subtype == 3:       # port: network address
        return _address(raw[0], raw[1:]) or raw.hex()
    return _text(raw)


def _lldp_tlv(n: Neighbor, kind: int, v: bytes) -> None:
    if kind == 1 and v:
        n.chassis_id = _chassis_or_port(v[0], v[1:], 4)
    elif kind == 2 and v:
        n.port_id = _chassis_or_port(v[0], v[1:], 3)
        n.port_id_is_mac = v[0] == 3 and len(v) == 7
    elif kind == 3 and len(v) >= 2:
        n.ttl_s = struct.unpack("!H", v[:2])[0]
    elif kind == 4:
        n.port_description = _text(v)
    elif kind == 5:
        n.system_name = _text(v)
    elif kind == 6:
        n.system_description = _text(v)
    elif kind == 7 and len(v) >= 4:
        _, enabled = struct.unpack("!HH", v[:4])
        n.capabilities = _caps(enabled, LLDP_CAPS)
    elif kind == 8 and len(v) >= 2:
        addr_len = v[0]                      # includes the subtype octet
        if addr_len >= 2 and len(v) >= 1 + addr_len and n.management_address is None:
            n.management_address = _address(v[1], v[2:1 + addr_len])
    elif kind == 127 and len(v) >= 4:
        oui, sub, body = v[:3], v[3], v[4:]
        if oui == b"\x00\x80\xc2" and sub == 1 and len(body) >= 2:          # 802.1: port VLAN ID
            vid = struct.unpack("!H", body[:2])[0]
            n.native_vlan = vid or None
        elif oui == b"\x00\x12\xbb" and sub == 2 and len(body) >= 4:        # LLDP-MED network policy
            app = body[0]
            bits = int.from_bytes(body[1:4], "big")
            unknown, tagged = bool(bits >> 23 & 1), bool(bits >> 22 & 1)
            vlan, dscp = bits >> 9 & 0xFFF, bits & 0x3F
            if app == 1 and not unknown:     # application type 1 = voice
                n.voice_vlan = vlan or None
                n.voice_tagged = tagged
                n.voice_dscp = dscp
        elif oui == b"\x00\x12\xbb" and sub == 4 and len(body) >= 3:        # LLDP-MED extended power via MDI
            n.poe_watts = struct.unpack("!H", body[1:3])[0] / 10.0
        elif oui == b"\x00\x12\x0f" and sub == 2 and len(body) >= 3:        # 802.3 power via MDI
            if 1 <= body[2] <= 5:
                n.poe_class = body[2] - 1


def parse_cdp(frame: bytes) -> Neighbor | None:
    """A neighbor from a CDP frame (802.3 length + LLC/SNAP), or None when the frame is not CDP."""
    if len(frame) < 26 or frame[:6] != CDP_MAC or frame[14:22] != CDP_SNAP:
        return None
    n = Neighbor("cdp", mac_str(frame[6:12]))
    data = frame[22:]
    length = struct.unpack("!H", frame[12:14])[0]
    if 8 <= length <= len(frame) - 14:     # the 802.3 length field bounds the LLC payload (pads follow)
        data = frame[22:14 + length]
    if len(data) < 4:
        n.malformed = True
        return n
    n.ttl_s = data[1]
    pos = 4
    while pos + 4 <= len(data):
        kind, tlen = struct.unpack("!HH", data[pos:pos + 4])
        if tlen < 4 or pos + tlen > len(data):
            n.malformed = True
            return n
        value = data[pos + 4:pos + tlen]
        pos += tlen
        try:
            _cdp_tlv(n, kind, value)
        except (struct.error, IndexError, ValueError):
            n.malformed = True
    return n


def _cdp_addresses(v: bytes) -> list[str]:
    count = struct.unpack("!I", v[:4])[0]
    pos, out = 4, []
    for _ in range(min(count, 16)):
        ptype, plen = v[pos], v[pos + 1]
        proto = v[pos + 2:pos + 2 + plen]
        pos += 2 + plen
        alen = struct.unpack("!H", v[pos:pos + 2])[0]
        addr = v[pos + 2:pos + 2 + alen]
        pos += 2 + alen
        if ptype == 1 and proto == b"\xcc" and len(addr) == 4:          # NLPID IP
            out.append(str(ipaddress.IPv4Address(addr)))
        elif ptype == 2 and len(addr) == 16:                             # 802.2, IPv6
            out.append(str(ipaddress.IPv6Address(addr)))
    return out


def _cdp_tlv(n: Neighbor, kind: int, v: bytes) -> None:
    if kind == 0x0001:
        n.chassis_id = _text(v)
        n.system_name = n.system_name or n.chassis_id
    elif kind == 0x0002 and len(v) >= 4 and n.management_address is None:
        addresses = _cdp_addresses(v)
        n.management_address = addresses[0] if addresses else None
    elif kind == 0x0003:
        n.port_id = _text(v)
    elif kind == 0x0004 and len(v) >= 4:
        n.capabilities = _caps(struct.unpack("!I", v[:4])[0], CDP_CAPS)
    elif kind == 0x0005:
        n.system_description = _text(v)
    elif kind == 0x0006:
        n.platform = _text(v)
    elif kind == 0x000A and len(v) >= 2:
        n.native_vlan = struct.unpack("!H", v[:2])[0] or None
    elif kind == 0x000E and len(v) >= 3:                                 # appliance (voice) VLAN
        n.voice_vlan = struct.unpack("!H", v[1:3])[0] or None
    elif kind == 0x0010 and len(v) >= 2:                                 # power consumption, mW
        n.poe_watts = struct.unpack("!H", v[:2])[0] / 1000.0
    elif kind == 0x0014 and n.system_name is None:                      # system name
        n.system_name = _text(v)
    elif kind == 0x0016 and len(v) >= 4 and n.management_address is None:
        addresses = _cdp_addresses(v)
        n.management_address = addresses[0] if addresses else None


@dataclass
class DiscoveryResult:
    interface: str
    listened_s: float = 0.0
    lldp: Neighbor | None = None
    cdp: Neighbor | None = None
    frames_seen: int = 0
    error: str | None = None             # why nothing could be heard (no raw socket...)

    @property
    def neighbors(self) -> list[Neighbor]:
        return [n for n in (self.lldp, self.cdp) if n is not None]


def parse_frame(frame: bytes) -> Neighbor | None:
    return parse_lldp(frame) or parse_cdp(frame)


def listen(iface: str, max_s: float, *, cancelled: Callable[[], bool] = lambda: False,
           clock: Callable[[], float] = time.monotonic) -> DiscoveryResult:
    """Listen for LLDP and CDP on ``iface`` until both were heard or ``max_s`` passed."""
    result = DiscoveryResult(iface)
    start = clock()
    try:
        sock = open_raw(iface, multicast=(LLDP_MAC, CDP_MAC))
    except RawUnavailable as exc:
        result.error = str(exc)
        return result
    with sock:
        while result.lldp is None or result.cdp is None:
            left = max_s - (clock() - start)
            if left <= 0 or cancelled():
                break
            ready, _, _ = select.select([sock], [], [], min(left, 0.2))
            if not ready:
                continue
            frame, addr = sock.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            neighbor = parse_frame(frame)
            if neighbor is None:
                continue
            result.frames_seen += 1
            neighbor.heard_after_s = round(clock() - start, 3)
            if neighbor.protocol == "lldp" and result.lldp is None:
                result.lldp = neighbor
            elif neighbor.protocol == "cdp" and result.cdp is None:
                result.cdp = neighbor
    result.listened_s = round(clock() - start, 3)
    return result
