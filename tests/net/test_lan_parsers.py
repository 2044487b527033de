"""Parsers of bytes from the wire: LLDP, CDP, DHCP, ARP.

The fixtures ``tests/fixtures/lan/{lldp,cdp}.hex`` are frames lldpd 1.0.16 sent in the lan
lab (see their SOURCES.md). The property tests feed arbitrary and mutated bytes: a parser
of outside input must never raise, and what it builds must read back the same.
"""

from __future__ import annotations

import socket
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from fieldkit.net.lan import arp, dhcp, discovery
from fieldkit.net.lan.raw import checksum, mac_bytes, random_local_mac

LLDP_FRAME = bytes.fromhex((FIXTURES / "lan" / "lldp.hex").read_text().strip())
CDP_FRAME = bytes.fromhex((FIXTURES / "lan" / "cdp.hex").read_text().strip())


# ---------------------------------------------------------------------------- captured frames
def test_lldpd_lldp_frame_gives_switch_port_description_and_voice_vlan() -> None:
    n = discovery.parse_frame(LLDP_FRAME)
    assert n is not None and n.protocol == "lldp" and not n.malformed
    assert n.system_name == "sw-lab-1"
    assert n.port_id_is_mac and n.port_description == "Gi1/0/12" and n.port == "Gi1/0/12"
    assert (n.voice_vlan, n.voice_tagged, n.voice_dscp) == (30, True, 46)
    assert n.management_address == "10.77.0.1"
    assert n.capabilities == ["bridge"] and n.ttl_s == 8


def test_lldpd_cdp_frame_gives_device_port_and_address() -> None:
    n = discovery.parse_frame(CDP_FRAME)
    assert n is not None and n.protocol == "cdp" and not n.malformed
    assert (n.system_name, n.port_id, n.management_address) == ("sw-lab-1", "Gi1/0/12", "10.77.0.1")
    assert "switch" in n.capabilities and n.platform == "Linux"


def test_frames_of_other_protocols_are_not_neighbors() -> None:
    ip_frame = b"\xff" * 6 + b"\x02" * 6 + b"\x08\x00" + b"\x45" + b"\x00" * 40
    assert discovery.parse_frame(ip_frame) is None
    assert discovery.parse_lldp(CDP_FRAME) is None and discovery.parse_cdp(LLDP_FRAME) is None


def test_truncated_lldp_keeps_what_was_read_and_says_malformed() -> None:
    cut = LLDP_FRAME[:40]
    n = discovery.parse_lldp(cut)
    assert n is not None and n.malformed and n.chassis_id is not None


# ---------------------------------------------------------------------------- built LLDP/CDP
def _tlv(kind: int, value: bytes) -> bytes:
    return struct.pack("!H", kind << 9 | len(value)) + value


def lldp_frame(name: str, port: str, descr: str, pvid: int, voice: int, dscp: int, poe_class: int,
               deciwatts: int = 154) -> bytes:
    body = (_tlv(1, b"\x04" + b"\x00\x11\x22\x33\x44\x55") + _tlv(2, b"\x05" + port.encode())
            + _tlv(3, b"\x00\x78") + _tlv(4, descr.encode()) + _tlv(5, name.encode())
            + _tlv(7, b"\x00\x14\x00\x04")                                   # bridge + router; bridge enabled
            + _tlv(8, b"\x05\x01" + socket.inet_aton("192.0.2.7") + b"\x02\x00\x00\x00\x01\x00")
            + _tlv(127, b"\x00\x80\xc2\x01" + struct.pack("!H", pvid))
            + _tlv(127, b"\x00\x12\xbb\x02\x01" + (1 << 22 | voice << 9 | 5 << 6 | dscp).to_bytes(3, "big"))
            + _tlv(127, b"\x00\x12\x0f\x02\x07\x01" + bytes([poe_class + 1]))
            + _tlv(127, b"\x00\x12\xbb\x04\x51" + struct.pack("!H", deciwatts))   # LLDP-MED extended power
            + _tlv(0, b""))
    return discovery.LLDP_MAC + b"\x00\x11\x22\x33\x44\x55" + b"\x88\xcc" + body


_printable = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)


@settings(deadline=None, max_examples=60)
@given(name=_printable, port=_printable, descr=_printable, pvid=st.integers(1, 4094), voice=st.integers(1, 4094),
       dscp=st.integers(0, 63), poe_class=st.integers(0, 4))
def test_lldp_fields_read_back_as_built(name: str, port: str, descr: str, pvid: int, voice: int, dscp: int,
                                        poe_class: int) -> None:
    n = discovery.parse_lldp(lldp_frame(name, port, descr, pvid, voice, dscp, poe_class))
    assert n is not None and not n.malformed
    assert (n.system_name, n.port_id, n.port_description) == (name, port, descr)
    assert (n.native_vlan, n.voice_vlan, n.voice_dscp, n.voice_tagged) == (pvid, voice, dscp, True)
    assert n.poe_class == poe_class and n.management_address == "192.0.2.7" and n.capabilities == ["bridge"]
    assert n.poe_watts == 15.4
    assert n.port == port   # an ifName port ID is what a technician reads, not the description


def cdp_frame(device: str, port: str, native: int, voice: int, mw: int) -> bytes:
    def tlv(kind: int, value: bytes) -> bytes:
        return struct.pack("!HH", kind, 4 + len(value)) + value

    addr = struct.pack("!I", 1) + b"\x01\x01\xcc" + struct.pack("!H", 4) + socket.inet_aton("198.51.100.9")
    body = (b"\x02\xb4\x00\x00" + tlv(1, device.encode()) + tlv(2, addr) + tlv(3, port.encode())
            + tlv(4, struct.pack("!I", 0x08 | 0x01)) + tlv(0x0A, struct.pack("!H", native))
            + tlv(0x0E, b"\x01" + struct.pack("!H", voice)) + tlv(0x10, struct.pack("!H", mw)))
    llc = discovery.CDP_SNAP + body
    return discovery.CDP_MAC + b"\x00\x0c\x29\x00\x00\x01" + struct.pack("!H", len(llc)) + llc


@settings(deadline=None, max_examples=60)
@given(device=_printable, port=_printable, native=st.integers(1, 4094), voice=st.integers(1, 4094),
       mw=st.integers(0, 65535))
def test_cdp_fields_read_back_as_built(device: str, port: str, native: int, voice: int, mw: int) -> None:
    n = discovery.parse_cdp(cdp_frame(device, port, native, voice, mw) + b"\x00" * 20)   # Ethernet padding
    assert n is not None and not n.malformed
    assert (n.system_name, n.port_id, n.native_vlan, n.voice_vlan) == (device, port, native, voice)
    assert n.management_address == "198.51.100.9" and n.capabilities == ["router", "switch"]
    assert n.poe_watts == mw / 1000 and n.ttl_s == 180


@settings(deadline=None, max_examples=300)
@given(st.binary(max_size=400))
def test_discovery_parsers_never_raise_on_arbitrary_bytes(data: bytes) -> None:
    for prefix in (b"", discovery.LLDP_MAC + b"\x00" * 6 + b"\x88\xcc",
                   discovery.CDP_MAC + b"\x00" * 6 + b"\x01\x00" + discovery.CDP_SNAP):
        result = discovery.parse_frame(prefix + data)
        assert result is None or isinstance(result, discovery.Neighbor)


@settings(deadline=None, max_examples=300)
@given(st.data())
def test_mutated_real_frames_never_raise(data: st.DataObject) -> None:
    frame = bytearray(data.draw(st.sampled_from([LLDP_FRAME, CDP_FRAME])))
    for _ in range(data.draw(st.integers(1, 8))):
        frame[data.draw(st.integers(14, len(frame) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(14, len(frame)))
    result = discovery.parse_frame(bytes(frame[:cut]))
    assert result is None or isinstance(result.capabilities, list)


# ---------------------------------------------------------------------------- DHCP
def offer_frame(xid: int, client: bytes, server: str, yiaddr: str, routers: list[str], dns: list[str],
                lease: int, pad_options: bool = False) -> bytes:
    opts = bytes([53, 1, dhcp.OFFER, 54, 4]) + socket.inet_aton(server)
    if pad_options:
        opts += b"\x00\x00"
    opts += bytes([1, 4]) + socket.inet_aton("255.255.255.0")
    if routers:
        opts += bytes([3, 4 * len(routers)]) + b"".join(socket.inet_aton(r) for r in routers)
    if dns:
        opts += bytes([6, 4 * len(dns)]) + b"".join(socket.inet_aton(r) for r in dns)
    opts += bytes([51, 4]) + struct.pack("!I", lease) + b"\xff"
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4, socket.inet_aton(yiaddr),
                        socket.inet_aton(server), b"\0" * 4, client + b"\0" * 10, b"", b"") + dhcp.MAGIC + opts
    udp = struct.pack("!HHHH", 67, 68, 8 + len(bootp), 0) + bootp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, socket.inet_aton(server),
                     socket.inet_aton("255.255.255.255"))
    return b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x09" + b"\x08\x00" + ip + udp


_ipv4 = st.ip_addresses(v=4).map(str)


@settings(deadline=None, max_examples=60)
@given(xid=st.integers(0, 2**32 - 1), server=_ipv4, yiaddr=_ipv4, routers=st.lists(_ipv4, max_size=3),
       dns=st.lists(_ipv4, max_size=3), lease=st.integers(0, 2**32 - 1), pad=st.booleans())
def test_offer_fields_read_back_as_built(xid: int, server: str, yiaddr: str, routers: list[str], dns: list[str],
                                         lease: int, pad: bool) -> None:
    client = random_local_mac()
    parsed = dhcp.parse_frame(offer_frame(xid, client, server, yiaddr, routers, dns, lease, pad))
    assert parsed is not None
    src_mac, src_ip, msg = parsed
    assert (src_mac, src_ip) == ("02:00:00:00:00:09", server)
    assert (msg.op, msg.xid, msg.message_type, msg.server_id, msg.yiaddr) == (2, xid, dhcp.OFFER, server, yiaddr)
    assert (msg.routers, msg.dns, msg.lease_s, msg.subnet_mask) == (routers, dns, lease, "255.255.255.0")
    assert msg.chaddr == ":".join(f"{b:02x}" for b in client)


def test_discover_is_a_valid_broadcast_from_a_locally_administered_mac() -> None:
    client = random_local_mac()
    assert client[0] & 0x02 and not client[0] & 0x01          # locally administered, unicast
    frame = dhcp.build_request(client, 0x1234, dhcp.DISCOVER)
    assert frame[:6] == b"\xff" * 6 and frame[6:12] == client
    ip = frame[14:34]
    assert checksum(ip) == 0                                   # a correct header sums to zero
    udp_len = struct.unpack("!H", frame[38:40])[0]
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, udp_len)
    assert checksum(pseudo + frame[34:34 + udp_len]) == 0
    bootp = frame[42:]
    assert struct.unpack("!H", bootp[10:12])[0] == 0x8000      # BROADCAST flag: the NIC would drop a unicast reply
    opts = dhcp.parse_options(bootp[240:])
    assert opts[53] == bytes([dhcp.DISCOVER]) and opts[61] == b"\x01" + client


@settings(deadline=None, max_examples=300)
@given(st.binary(max_size=600))
def test_dhcp_parsers_never_raise(data: bytes) -> None:
    assert isinstance(dhcp.parse_options(data), dict)
    msg = dhcp.parse_bootp(data[:236] + dhcp.MAGIC + data[236:])
    assert msg is None or isinstance(msg.routers, list)
    frame = b"\xff" * 12 + b"\x08\x00" + data
    parsed = dhcp.parse_frame(frame)
    assert parsed is None or len(parsed) == 3


def test_truncated_option_stops_the_parse_without_inventing_values() -> None:
    assert dhcp.parse_options(bytes([53, 1, 2, 3, 8, 10, 0])) == {53: b"\x02"}
    assert dhcp.parse_options(bytes([0, 0, 53, 1, 5, 255, 3, 4, 1, 2, 3, 4])) == {53: b"\x05"}


# ---------------------------------------------------------------------------- ARP
@given(sender=st.binary(min_size=6, max_size=6), spa=_ipv4, tpa=_ipv4, op=st.sampled_from([1, 2]))
def test_arp_reads_back_as_built(sender: bytes, spa: str, tpa: str, op: int) -> None:
    packet = arp.parse_arp(arp.build_arp(op, sender, spa, tpa))
    assert packet is not None
    assert (packet.op, packet.sender_ip, packet.target_ip) == (op, spa, tpa)
    assert mac_bytes(packet.sender_mac) == sender and packet.frame_source == packet.sender_mac


def test_rfc5227_probe_has_a_zero_sender_address() -> None:
    packet = arp.parse_arp(arp.build_arp(1, b"\x02\x00\x00\x00\x00\x01", "0.0.0.0", "10.0.0.5"))
    assert packet is not None and packet.sender_ip == "0.0.0.0" and packet.target_mac == "00:00:00:00:00:00"


@settings(deadline=None, max_examples=200)
@given(st.binary(max_size=80))
def test_arp_parser_never_raises(data: bytes) -> None:
    result = arp.parse_arp(b"\xff" * 12 + b"\x08\x06" + data)
    assert result is None or result.op >= 0
