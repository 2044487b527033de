"""The paced RTP-like probe stream against a TWAMP-light reflector, and its analysis.

Pacing: absolute deadlines t0 + i * interval on ``perf_counter_ns`` (never a fixed sleep,
which drifts ~100 µs per packet on a loaded machine); the actual send time goes into the packet
(T1) and the difference from the schedule is reported as the sender's own timing error, so
a late sender is never mistaken for network jitter.  Receive times are kernel timestamps
(SO_TIMESTAMPNS) where the OS offers them.

Times: T1 client send, T2 reflector receive, T3 reflector send, T4 client receive (RFC 5357).
RTT = (T4 - T1) - (T3 - T2) is exact; per-direction jitter is exact without clock sync
(the constant offset cancels); one-way delay is only an estimate (RTT / 2).
"""

from __future__ import annotations

import ctypes
import os
import secrets
import select
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fieldkit.options import join_hostport
from fieldkit.voip import metrics, sockets, twamp

CODECS: dict[str, dict[str, Any]] = {
    # payload = RTP header 12 + codec bytes per 20 ms; G.729 would be 32 bytes, but a TWAMP-light
    # reflector never answers less than 42 (+4 for fieldkit's DSCP-report tag), so G.729 probes are 46.
    "g711": {"interval_ms": 20.0, "size": 172, "label": "G.711 (PCMU/PCMA) 20 ms, 50 packets/s"},
    "g729": {"interval_ms": 20.0, "size": 46, "label": "G.729 20 ms, 50 packets/s"},
}
PR_SET_TIMERSLACK = 29
GIVE_UP_S = 3.0  # no valid reflection after this long: stop sending (the budget is better spent elsewhere)


@dataclass
class Sent:
    seq: int
    scheduled_ns: int   # perf_counter domain
    actual_ns: int      # perf_counter domain
    t1_ns: int          # wall clock, the value in the packet


@dataclass
class Reply:
    seq: int
    t1_ns: int
    t2_ns: int
    t3_ns: int
    t4_ns: int
    reflector_seq: int
    tos_at_reflector: int | None
    tos_at_client: int | None
    ttl_at_reflector: int
    kernel_stamp: bool


@dataclass
class StreamRun:
    target: str
    address: tuple
    interval_ms: float
    size: int
    tos: int
    tos_set: bool
    sent: list[Sent] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)   # in client arrival order
    garbage: int = 0               # answers that are not valid reflections of our packets
    garbage_sample: bytes = b""
    icmp_refused: int = 0          # "port unreachable" seen on the socket
    send_errors: list[str] = field(default_factory=list)
    cancelled: bool = False
    realtime: bool = False         # the pacer ran with SCHED_FIFO
    gave_up: bool = False          # stopped early: no valid reflection at all after GIVE_UP_S
    # Sequence numbers on the wire start at a random base >= 2**20: a stateful reflector counts
    # from 0, so "reflector seq != sender seq" tells a stateful reflector from a stateless one
    # even when every loss is downstream.
    seq_base: int = 0


def _reduce_timer_slack() -> None:
    """The default 50 µs timer slack is added to every sleep; ask for 1 ns (Linux, best effort)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def resolve(host: str, port: int) -> tuple[int, tuple]:
    info = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    return info[0], info[4]


def run_stream(host: str, port: int, *, duration_s: float, codec: str = "g711", dscp: int = 46,
               cancel: threading.Event | None = None, linger_s: float = 1.5, realtime: bool = True) -> StreamRun:
    """Send ``duration_s`` of probes at the codec's rate and collect the reflections."""
    params = CODECS[codec]
    interval_ns = int(params["interval_ms"] * 1e6)
    count = max(1, int(round(duration_s * 1000 / params["interval_ms"])))
    family, address = resolve(host, port)
    sock = socket.socket(family, socket.SOCK_DGRAM)
    tos = (dscp & 0x3F) << 2
    run = StreamRun(join_hostport(host, port), address, params["interval_ms"], params["size"], tos, False,
                    seq_base=secrets.randbelow(1 << 30) + (1 << 20))
    cancel = cancel or threading.Event()
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        run.tos_set = sockets.set_tos(sock, tos)
        sockets.enable_receive_info(sock)
        sock.connect(address)  # only the reflector's answers reach us; ICMP errors become ECONNREFUSED
        sock.setblocking(False)
        sent_t1: dict[int, int] = {}
        done, stop_sending = threading.Event(), threading.Event()
        sender = threading.Thread(target=_send_loop, daemon=True, name="fieldkit-pacer",
                                  args=(sock, run, count, interval_ns, tos, sent_t1, done, cancel, realtime,
                                        stop_sending))
        sender.start()
        _receive_loop(sock, run, sent_t1, done, cancel, linger_s, stop_sending)
        sender.join(2)
    finally:
        sock.close()
    run.cancelled = cancel.is_set()
    return run


def _realtime_priority() -> bool:
    """SCHED_FIFO for the pacer thread when allowed (root / CAP_SYS_NICE): on a loaded machine a
    normal thread wakes milliseconds late.  It sleeps between packets, so it cannot starve others."""
    if not hasattr(os, "sched_setscheduler"):
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))  # 0 = the calling thread on Linux
        return True
    except (OSError, AttributeError):
        return False


def _send_loop(sock: socket.socket, run: StreamRun, count: int, interval_ns: int, tos: int,
               sent_t1: dict[int, int], done: threading.Event, cancel: threading.Event, realtime: bool,
               stop_sending: threading.Event) -> None:
    _reduce_timer_slack()
    run.realtime = realtime and _realtime_priority()
    start = time.perf_counter_ns() + 5_000_000  # 5 ms head start for the receiver
    try:
        for seq in range(count):
            if cancel.is_set() or stop_sending.is_set():
                break
            deadline = start + seq * interval_ns
            wait = deadline - time.perf_counter_ns()
            if wait > 0:
                time.sleep(wait / 1e9)   # 3.11+: clock_nanosleep(TIMER_ABSTIME) inside
            actual = time.perf_counter_ns()
            t1 = time.time_ns()
            packet = twamp.SenderPacket(run.seq_base + seq, t1, run.size, reply_tos=tos).pack()
            sent_t1[seq] = t1
            try:
                sock.send(packet)
            except ConnectionRefusedError:
                run.icmp_refused += 1
            except OSError as exc:
                if len(run.send_errors) < 5:
                    run.send_errors.append(f"packet {seq}: {exc.strerror or exc}")
            run.sent.append(Sent(seq, deadline, actual, t1))
    finally:
        done.set()


def _receive_loop(sock: socket.socket, run: StreamRun, sent_t1: dict[int, int], done: threading.Event,
                  cancel: threading.Event, linger_s: float, stop_sending: threading.Event) -> None:
    stop_at: float | None = None
    started = time.monotonic()
    while True:
        now = time.monotonic()
        if not run.replies and not stop_sending.is_set() and now - started > GIVE_UP_S:
            run.gave_up = True
            stop_sending.set()
        if done.is_set() and stop_at is None:
            stop_at = now + linger_s
        if stop_at is not None and (now >= stop_at or len(run.replies) >= len(run.sent)):
            return
        if cancel.is_set() and stop_at is None:
            stop_at = now + 0.2
        readable, _, _ = select.select([sock], [], [], 0.05)
        if not readable:
            continue
        while True:
            try:
                packet = sockets.receive(sock, 4096)
            except (BlockingIOError, InterruptedError):
                break
            except ConnectionRefusedError:
                run.icmp_refused += 1
                break
            except OSError:
                break
            _accept_reply(run, packet, sent_t1)


def _accept_reply(run: StreamRun, packet: sockets.Received, sent_t1: dict[int, int]) -> None:
    reflection = twamp.parse_reflection(packet.data)
    index = (reflection.sender_seq - run.seq_base) & 0xFFFFFFFF if reflection else -1
    t1 = sent_t1.get(index)
    # A genuine reflection echoes our own T1 for that sequence number (to the NTP resolution).
    if reflection is None or t1 is None or abs(twamp.ntp_to_ns(reflection.t1_ntp) - t1) > 1000 \
            or reflection.t2_ns == 0 or reflection.t3_ns == 0:
        run.garbage += 1
        if not run.garbage_sample:
            run.garbage_sample = packet.data[:64]
        return
    run.replies.append(Reply(index, t1, reflection.t2_ns, reflection.t3_ns, packet.rx_ns,
                             reflection.reflector_seq, reflection.received_tos, packet.tos,
                             reflection.sender_ttl, packet.kernel_stamp))


# ---------------------------------------------------------------------------------------- analysis

@dataclass
class DirectionStats:
    jitter: metrics.JitterResult
    lost: int | None
    loss_pct: float | None
    reordered: int | None
    one_way_median_ms: float | None  # estimate (clock offset from the minimum-RTT sample)
    # RFC 3550 jitter as an RTP receiver would compute it, from the *scheduled* send times: it
    # includes the sender's own lateness, which ``jitter`` (from actual send times) excludes.
    nominal_jitter_ms: float | None = None
    # Per packet of this direction in the far end's sending order: the one-way delay with an
    # unknown constant offset (None: not known) and whether it was lost in this direction.
    # Input of the receiver emulation (fieldkit.voip.playout).
    transits_ms: list[float | None] = field(default_factory=list, repr=False)
    lost_flags: list[bool] = field(default_factory=list, repr=False)


@dataclass
class StreamReport:
    sent: int
    received: int
    duplicates: int
    reordered: int
    lost: int
    loss_pct: float
    rtt_ms: dict[str, float | None]
    rtt_jitter: metrics.JitterResult
    upstream: DirectionStats | None
    downstream: DirectionStats | None
    split_loss: bool
    bursts: metrics.BurstMetrics
    pacing_ms: dict[str, float | None]
    dscp_at_reflector: int | None   # most common DSCP the reflector saw
    dscp_at_client: int | None      # most common DSCP on the replies
    kernel_timestamps: bool
    reflector_processing_ms: float | None
    series: dict[str, list]
    garbage: int
    icmp_refused: int


def analyse(run: StreamRun) -> StreamReport:
    sent = len(run.sent)
    first: dict[int, Reply] = {}
    duplicates = 0
    for reply in run.replies:
        if reply.seq in first:
            duplicates += 1
        else:
            first[reply.seq] = reply
    unique = list(first.values())                      # arrival order, duplicates removed
    received = len(unique)
    lost_flags = [s.seq not in first for s in run.sent]
    lost = sum(lost_flags)
    rtts = {r.seq: ((r.t4_ns - r.t1_ns) - (r.t3_ns - r.t2_ns)) / 1e6 for r in unique}
    rtt_values = list(rtts.values())
    rtt_summary = {
        "min": min(rtt_values) if rtt_values else None,
        "median": metrics.percentile(rtt_values, 50), "p95": metrics.percentile(rtt_values, 95),
        "p99": metrics.percentile(rtt_values, 99), "max": max(rtt_values) if rtt_values else None,
        "mean": sum(rtt_values) / len(rtt_values) if rtt_values else None,
    }
    rtt_jitter = metrics.rfc3550_jitter([rtts[r.seq] for r in unique])
    upstream, downstream, split = _directions(run, unique, sent, rtts)
    timer_err = [(s.actual_ns - s.scheduled_ns) / 1e6 for s in run.sent]
    pacing = {"p50": metrics.percentile(timer_err, 50), "p99": metrics.percentile(timer_err, 99),
              "max": max(timer_err) if timer_err else None}
    processing = [(r.t3_ns - r.t2_ns) / 1e6 for r in unique]
    return StreamReport(
        sent=sent, received=received, duplicates=duplicates,
        reordered=metrics.count_reordered([r.seq for r in unique]), lost=lost,
        loss_pct=100.0 * lost / sent if sent else 0.0, rtt_ms=rtt_summary, rtt_jitter=rtt_jitter,
        upstream=upstream, downstream=downstream, split_loss=split,
        bursts=metrics.burst_metrics(lost_flags, run.interval_ms), pacing_ms=pacing,
        dscp_at_reflector=_mode([r.tos_at_reflector >> 2 for r in unique if r.tos_at_reflector is not None]),
        dscp_at_client=_mode([r.tos_at_client >> 2 for r in unique if r.tos_at_client is not None]),
        kernel_timestamps=bool(unique) and all(r.kernel_stamp for r in unique),
        reflector_processing_ms=metrics.percentile(processing, 50),
        series=_series(run, rtts, rtt_jitter, unique), garbage=run.garbage, icmp_refused=run.icmp_refused)


def _directions(run: StreamRun, unique: list[Reply], sent: int,
                rtts: dict[int, float]) -> tuple[DirectionStats | None, DirectionStats | None, bool]:
    if not unique:
        return None, None, False
    # Offset estimate from the minimum-RTT sample (NTP-style): theta = ((T2-T1) + (T3-T4)) / 2.
    best = min(unique, key=lambda r: rtts[r.seq])
    theta = ((best.t2_ns - best.t1_ns) + (best.t3_ns - best.t4_ns)) / 2e6
    by_reflector = sorted(unique, key=lambda r: r.reflector_seq)   # arrival order at the reflector
    up_transit = [(r.t2_ns - r.t1_ns) / 1e6 for r in by_reflector]
    down_transit = [(r.t4_ns - r.t3_ns) / 1e6 for r in unique]     # arrival order at the client
    # A stateful reflector numbers what it received; a stateless one copies our numbers.
    stateful = any(r.reflector_seq != (r.seq + run.seq_base) & 0xFFFFFFFF for r in unique) or len(unique) == sent
    up_lost = down_lost = None
    if stateful:
        reached = max(r.reflector_seq for r in unique) + 1
        up_lost, down_lost = max(0, sent - reached), max(0, reached - len(unique))
    lateness = {s.seq: s.actual_ns - s.scheduled_ns for s in run.sent}
    nominal = [(r.t2_ns - (r.t1_ns - lateness.get(r.seq, 0))) / 1e6 for r in by_reflector]
    up_slots, down_slots = _slots(run, unique, sent, stateful)
    up = DirectionStats(metrics.rfc3550_jitter(up_transit), up_lost,
                        100.0 * up_lost / sent if up_lost is not None and sent else None,
                        metrics.count_reordered([r.seq for r in by_reflector]),
                        metrics.percentile(up_transit, 50) - theta,
                        metrics.rfc3550_jitter(nominal).final_ms, *up_slots)
    down = DirectionStats(metrics.rfc3550_jitter(down_transit), down_lost,
                          100.0 * down_lost / max(1, sent - (up_lost or 0)) if down_lost is not None else None,
                          metrics.count_reordered([r.reflector_seq for r in unique]),
                          metrics.percentile(down_transit, 50) + theta, None, *down_slots)
    return up, down, stateful


Slots = tuple[list[float | None], list[bool]]


def _slots(run: StreamRun, unique: list[Reply], sent: int, stateful: bool) -> tuple[Slots, Slots]:
    """Per-direction packet slots (delay, lost) for the receiver emulation.

    Upstream: one slot per packet we sent.  Downstream: one slot per packet the reflector sent.
    A stateful reflector numbers what it received, so between two answered packets the gap in
    our numbers minus the gap in its numbers is what was lost on the way there, the rest was
    lost on the way back.  A stateless reflector copies our numbers: each loss is then counted
    in both directions (the conservative reading: the directions cannot be told apart).
    """
    by_seq = sorted(unique, key=lambda r: r.seq)
    up_t: list[float | None] = [None] * sent
    up_lost = [True] * sent
    for r in by_seq:
        if 0 <= r.seq < sent:
            up_t[r.seq] = (r.t2_ns - r.t1_ns) / 1e6
            up_lost[r.seq] = False
    if not stateful:
        down_t: list[float | None] = [None] * sent
        for r in by_seq:
            if 0 <= r.seq < sent:
                down_t[r.seq] = (r.t4_ns - r.t3_ns) / 1e6
        return (up_t, up_lost), (down_t, list(up_lost))
    base = 0   # a stateful reflector counts from 0 per session (as the loss split above assumes)
    reached = max(r.reflector_seq for r in unique) - base + 1
    # Attribute each run of unanswered sequence numbers: reflector numbers skipped in it were
    # received there (lost downstream); the remaining ones never arrived (lost upstream).
    anchors = [(-1, -1)] + [(r.seq, r.reflector_seq - base) for r in by_seq] + [(sent, reached)]
    for (s_a, r_a), (s_b, r_b) in zip(anchors, anchors[1:]):
        gap_sent, gap_reflected = s_b - s_a - 1, max(0, r_b - r_a - 1)
        for k, seq in enumerate(range(s_a + 1, s_b)):
            if k >= max(0, gap_sent - gap_reflected):
                up_lost[seq] = False      # reached the reflector; its delay is unknown
    down_t = [None] * reached
    down_lost = [True] * reached
    for r in unique:
        index = r.reflector_seq - base
        if 0 <= index < reached:
            down_t[index] = (r.t4_ns - r.t3_ns) / 1e6
            down_lost[index] = False
    return (up_t, up_lost), (down_t, down_lost)


def _mode(values: list[int]) -> int | None:
    if not values:
        return None
    return max(set(values), key=values.count)


def _series(run: StreamRun, rtts: dict[int, float], jitter: metrics.JitterResult,
            unique: list[Reply], max_points: int = 1000) -> dict[str, list]:
    if not run.sent:
        return {"t_s": [], "rtt_ms": [], "jitter_ms": []}
    running = {r.seq: j for r, j in zip(unique, jitter.running_ms)}
    start = run.sent[0].scheduled_ns
    step = max(1, -(-len(run.sent) // max_points))
    picked = run.sent[::step]
    return {
        "t_s": [round((s.scheduled_ns - start) / 1e9, 3) for s in picked],
        "rtt_ms": [round(rtts[s.seq], 3) if s.seq in rtts else None for s in picked],
        "jitter_ms": [round(running[s.seq], 3) if s.seq in running else None for s in picked],
    }
