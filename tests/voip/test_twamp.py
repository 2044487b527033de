"""TWAMP-light packet format (RFC 5357) and the no-amplification rule."""

from fieldkit.voip import twamp


def test_ntp_round_trip_keeps_nanosecond_precision():
    for ns in (0, 1_700_000_000_123_456_789, 1_799_999_999_999_999_999):
        assert abs(twamp.ntp_to_ns(twamp.ns_to_ntp(ns)) - ns) <= 1


def test_ntp_epoch_is_1900():
    # 1970-01-01 in NTP seconds is 2208988800 (RFC 5905 figure 4)
    assert twamp.ns_to_ntp(0) >> 32 == 2_208_988_800


def test_sender_packet_layout_and_fieldkit_tag():
    packet = twamp.SenderPacket(7, 1_700_000_000_000_000_000, 172, reply_tos=184).pack()
    assert len(packet) == 172
    view = twamp.parse_sender(packet)
    assert view.seq == 7 and view.reply_tos == 184
    assert view.error_estimate & 0xFF != 0  # RFC 4656: multiplier must not be zero


def test_reflection_is_never_longer_than_the_request_and_carries_all_timestamps():
    request = twamp.SenderPacket(42, 1_700_000_000_000_000_000, 60).pack()
    reply = twamp.build_reflection(request, reflector_seq=3, t2_ns=1_700_000_000_010_000_000,
                                   t3_ns=1_700_000_000_010_050_000, ttl=63, tos=184)
    assert len(reply) == len(request)
    parsed = twamp.parse_reflection(reply)
    assert (parsed.reflector_seq, parsed.sender_seq, parsed.sender_ttl, parsed.received_tos) == (3, 42, 63, 184)
    assert abs(parsed.t2_ns - 1_700_000_000_010_000_000) <= 1
    assert abs(parsed.t3_ns - 1_700_000_000_010_050_000) <= 1
    assert abs(twamp.ntp_to_ns(parsed.t1_ntp) - 1_700_000_000_000_000_000) <= 1


def test_short_requests_get_no_reflection():
    # 14-byte RFC 5357 minimum sender packets would get a 42-byte answer: amplification
    assert twamp.build_reflection(bytes(14), reflector_seq=0, t2_ns=1, t3_ns=2, ttl=64, tos=0) is None
    assert twamp.build_reflection(bytes(41), reflector_seq=0, t2_ns=1, t3_ns=2, ttl=64, tos=0) is None
    assert len(twamp.build_reflection(bytes(42), reflector_seq=0, t2_ns=1, t3_ns=2, ttl=64, tos=0)) == 42
    assert len(twamp.build_reflection(bytes(46), reflector_seq=0, t2_ns=1, t3_ns=2, ttl=64, tos=0)) == 46


def test_dscp_report_needs_the_fieldkit_tag():
    short = twamp.build_reflection(bytes(42), reflector_seq=0, t2_ns=1, t3_ns=2, ttl=64, tos=184)
    assert twamp.parse_reflection(short).received_tos is None   # no room for the tag: not a report
    # a router's reflector: zero padding after the header must not read as "received DSCP 0"
    foreign = bytearray(twamp.build_reflection(bytes(60), reflector_seq=0, t2_ns=1, t3_ns=2, ttl=64, tos=0))
    foreign[42:46] = bytes(4)
    assert twamp.parse_reflection(bytes(foreign)).received_tos is None
