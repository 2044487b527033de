"""TWAMP-light test packets (RFC 5357 §4.1.2 / §4.2.1, unauthenticated mode, Appendix I).

Sender packet:   Sequence(32) Timestamp(64 NTP) ErrorEstimate(16) Padding...
Reflector packet: Sequence(32) Timestamp T3(64) ErrorEstimate(16) MBZ(16) ReceiveTimestamp T2(64)
                  SenderSequence(32) SenderTimestamp T1(64) SenderErrorEstimate(16) MBZ(16)
                  SenderTTL(8) | ReceivedTOS(8) | Padding...

The byte after Sender TTL carries the IP TOS byte the reflector received (the layout
domoslabs' twamp-light uses; RFC 7750 carries DSCP/ECN only in full TWAMP): it tells the
sender which DSCP survived the forward path.  A fieldkit sender also puts ``FKv1`` plus the
TOS it wants on the return leg into its padding, so the reflector can mark the reply with
the DSCP that was *requested*, not the one that survived (otherwise a bleached forward path
would make the return leg look bleached too).
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass

NTP_UNIX_OFFSET_S = 2_208_988_800  # seconds from 1900-01-01 (NTP era 0) to 1970-01-01
SENDER_FMT = struct.Struct("!IQH")
REFLECTOR_FMT = struct.Struct("!IQHHQIQHHBB")
SENDER_HEADER = SENDER_FMT.size        # 14
REFLECTOR_HEADER = REFLECTOR_FMT.size  # 42: the smallest request the reflector answers (no amplification)
FIELDKIT_TAG = b"FKv1"
# Error estimate (RFC 4656 §4.1.2): S=0 (clock not synchronised), Z=0 (NTP format),
# Scale=0, Multiplier=1 -> "error unknown but nonzero": honest for an unsynchronised host.
ERROR_ESTIMATE_UNSYNCED = 0x0001


def ns_to_ntp(unix_ns: int) -> int:
    """Unix nanoseconds -> 64-bit NTP timestamp (32.32 fixed point since 1900)."""
    seconds, rem = divmod(unix_ns, 1_000_000_000)
    fraction = (rem << 32) // 1_000_000_000
    return (((seconds + NTP_UNIX_OFFSET_S) & 0xFFFFFFFF) << 32) | fraction


def ntp_to_ns(ntp: int) -> int:
    """64-bit NTP timestamp -> Unix nanoseconds (rounded to the nearest ns)."""
    seconds = (ntp >> 32) - NTP_UNIX_OFFSET_S
    fraction = ntp & 0xFFFFFFFF
    return seconds * 1_000_000_000 + ((fraction * 1_000_000_000 + (1 << 31)) >> 32)


@dataclass(frozen=True)
class SenderPacket:
    seq: int
    t1_ns: int
    size: int
    reply_tos: int | None = None  # fieldkit extension: TOS wanted on the reply

    def pack(self) -> bytes:
        header = SENDER_FMT.pack(self.seq & 0xFFFFFFFF, ns_to_ntp(self.t1_ns), ERROR_ESTIMATE_UNSYNCED)
        tail = b""
        if self.reply_tos is not None:
            tail = FIELDKIT_TAG + bytes([self.reply_tos & 0xFF])
        body = header + tail
        return body + bytes(max(0, self.size - len(body)))


@dataclass(frozen=True)
class SenderView:
    """What a reflector reads from a test packet."""

    seq: int
    timestamp_ntp: int
    error_estimate: int
    reply_tos: int | None


def parse_sender(data: bytes) -> SenderView | None:
    if len(data) < SENDER_HEADER:
        return None
    seq, ts, err = SENDER_FMT.unpack_from(data)
    reply_tos = None
    if data[SENDER_HEADER:SENDER_HEADER + 4] == FIELDKIT_TAG and len(data) > SENDER_HEADER + 4:
        reply_tos = data[SENDER_HEADER + 4]
    return SenderView(seq, ts, err, reply_tos)


def build_reflection(request: bytes, *, reflector_seq: int, t2_ns: int, t3_ns: int, ttl: int, tos: int) -> bytes | None:
    """The reply to ``request``, exactly as long as the request (never larger: no amplification).

    Requests shorter than the 42-byte reflector header get no answer at all.  When the request
    leaves room, ``FKv1`` follows the header so the sender knows the TOS byte is a real report
    (a router's TWAMP-light reflector has zero padding there, which must not read as "DSCP 0").
    """
    sender = parse_sender(request)
    if sender is None or len(request) < REFLECTOR_HEADER:
        return None
    header = REFLECTOR_FMT.pack(reflector_seq & 0xFFFFFFFF, ns_to_ntp(t3_ns), ERROR_ESTIMATE_UNSYNCED, 0,
                                ns_to_ntp(t2_ns), sender.seq, sender.timestamp_ntp, sender.error_estimate, 0,
                                ttl & 0xFF, tos & 0xFF)
    tail = FIELDKIT_TAG if len(request) >= REFLECTOR_HEADER + len(FIELDKIT_TAG) else b""
    return header + tail + bytes(len(request) - REFLECTOR_HEADER - len(tail))


@dataclass(frozen=True)
class Reflection:
    reflector_seq: int
    t3_ns: int
    t2_ns: int
    sender_seq: int
    t1_ntp: int
    sender_ttl: int
    received_tos: int | None   # None: the reflector does not report it (not a fieldkit reflector)


def parse_reflection(data: bytes) -> Reflection | None:
    if len(data) < REFLECTOR_HEADER:
        return None
    (rseq, t3, _err, _mbz, t2, sseq, t1, _serr, _mbz2, ttl, tos) = REFLECTOR_FMT.unpack_from(data)
    reported = data[REFLECTOR_HEADER:REFLECTOR_HEADER + len(FIELDKIT_TAG)] == FIELDKIT_TAG
    return Reflection(rseq, ntp_to_ns(t3), ntp_to_ns(t2), sseq, t1, ttl, tos if reported else None)


def now_ns() -> int:
    return time.time_ns()
