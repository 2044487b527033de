"""Statistics of a reflected stream: RFC 3550 jitter, IPDV/PDV percentiles, loss split,
duplicates, reordering and RFC 3611 burst metrics.  Pure functions of recorded packets, so
they are tested with generated sequences as well as real streams.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

GMIN = 16  # RFC 3611 §4.7.2: the recommended gap threshold


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method) without importing numpy."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * pct / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class JitterResult:
    final_ms: float | None
    max_ms: float | None
    mean_abs_d_ms: float | None
    ipdv_p50_ms: float | None
    ipdv_p95_ms: float | None
    ipdv_p99_ms: float | None
    pdv_p99_ms: float | None       # p99(delay) - min(delay), RFC 5481 PDV
    running_ms: list[float] = field(default_factory=list)  # J after each packet (arrival order)
    # The running J averaged over the whole stream: the final J reflects only the last ~200 ms
    # (its EWMA half-life is ~11 packets), so two runs over the same path can differ by a third.
    mean_ms: float | None = None


def rfc3550_jitter(transits_ms: Sequence[float]) -> JitterResult:
    """RFC 3550 §6.4.1 / A.8 interarrival jitter over relative transit times in *arrival order*.

    ``transits_ms[i]`` = arrival time - send time of the i-th arrival (any constant clock offset
    cancels).  The previous transit is initialised from the first packet, so the first D is not
    the whole clock offset (the iperf3 start-up bug, esnet/iperf#1212).
    """
    if not transits_ms:
        return JitterResult(None, None, None, None, None, None, None)
    jitter, peak = 0.0, 0.0
    running, abs_d = [0.0], []
    previous = transits_ms[0]
    for transit in transits_ms[1:]:
        d = abs(transit - previous)
        previous = transit
        jitter += (d - jitter) / 16.0
        peak = max(peak, jitter)
        running.append(jitter)
        abs_d.append(d)
    base = min(transits_ms)
    return JitterResult(
        final_ms=jitter if abs_d else None, max_ms=peak if abs_d else None,
        mean_abs_d_ms=(sum(abs_d) / len(abs_d)) if abs_d else None,
        ipdv_p50_ms=percentile(abs_d, 50), ipdv_p95_ms=percentile(abs_d, 95), ipdv_p99_ms=percentile(abs_d, 99),
        pdv_p99_ms=(percentile(transits_ms, 99) or 0.0) - base, running_ms=running,
        mean_ms=(sum(running[1:]) / len(abs_d)) if abs_d else None)


@dataclass
class BurstMetrics:
    """RFC 3611 §4.7.2 burst/gap metrics (Appendix A.2 state machine) plus the Markov BurstR."""

    burst_density: float      # fraction of packets lost/discarded inside bursts (0..1)
    gap_density: float
    burst_duration_ms: float
    gap_duration_ms: float
    max_consecutive_lost: int
    burst_ratio: float        # G.107 BurstR = 1 / (p + q); 1 = random loss


def burst_metrics(lost: Sequence[bool], packet_ms: float, gmin: int = GMIN) -> BurstMetrics:
    """``lost[i]`` True when packet i (in sequence order) never arrived."""
    c11 = c13 = c14 = c22 = c23 = c33 = 0
    pkt = 0
    lost_run = 0
    for is_lost in lost:
        if not is_lost:
            pkt += 1
            continue
        # RFC 3611 A.2 (Jitsi BurstMetrics): a loss after >= gmin received packets starts a new gap
        if pkt >= gmin:
            if lost_run == 1:
                c14 += 1
            else:
                c13 += 1
            lost_run = 1
            c11 += pkt
        else:
            lost_run += 1
            if pkt == 0:
                c33 += 1
            else:
                c23 += 1
                c22 += pkt - 1
        pkt = 0
    # RFC 3611 A.2 end of period: c31 = c13, c32 = c23; p23 = 1 when there were no 2->3 transitions
    c31, c32 = c13, c23
    ctotal = c11 + c14 + c13 + c22 + c23 + c31 + c32 + c33
    p23 = 1.0 if (c22 + c23) < 1 else 1 - c22 / (c22 + c23)
    p32 = c32 / (c31 + c32 + c33) if (c31 + c32 + c33) else 0.0
    burst_density = p23 / (p23 + p32) if (c31 + c32 + c33) else 0.0
    gap_density = c14 / (c11 + c14) if (c11 + c14) else 0.0
    if c13:
        gap_duration = (c11 + c14 + c13) * packet_ms / c13
        burst_duration = ctotal * packet_ms / c13 - gap_duration
    else:
        gap_duration, burst_duration = len(lost) * packet_ms, 0.0
    return BurstMetrics(burst_density, gap_density, burst_duration, gap_duration,
                        max_consecutive(lost), burst_ratio(lost))


def max_consecutive(lost: Iterable[bool]) -> int:
    best = run = 0
    for is_lost in lost:
        run = run + 1 if is_lost else 0
        best = max(best, run)
    return best


def burst_ratio(lost: Sequence[bool]) -> float:
    """G.107 BurstR from a 2-state Markov fit: p = P(lost | previous received), q = P(received | previous lost)."""
    to_lost = from_received = to_received = from_lost = 0
    for prev, cur in zip(lost, lost[1:]):
        if prev:
            from_lost += 1
            to_received += not cur
        else:
            from_received += 1
            to_lost += cur
    if not to_lost or not from_lost:
        return 1.0
    p = to_lost / from_received if from_received else 0.0
    q = to_received / from_lost
    return 1.0 / (p + q) if (p + q) else 1.0


def count_reordered(order: Sequence[int]) -> int:
    """Packets arriving with a sequence number below the highest seen so far (RFC 4737 style)."""
    highest, reordered = -1, 0
    for seq in order:
        if seq < highest:
            reordered += 1
        else:
            highest = seq
    return reordered
