"""Receiver emulation: what a phone's jitter buffer would have done with the stream.

A phone plays a packet at a fixed point after it was sent; a packet that arrives after its
playout point is thrown away and concealed like a lost one ("late loss").  Which packets
are late follows from each packet's delay variation: RFC 5481 PDV, the packet's one-way
delay minus the smallest one-way delay seen (the unknown clock offset cancels, so no clock
synchronisation is needed).  The emulation runs per direction on the packets in sequence
order (the order a receiver plays them, whatever order they arrived in).

Buffer models:

``fixed``     playout at ``fixed_ms`` after the fastest packet: a packet whose PDV exceeds the
              depth is late.  Desk phones use fixed buffers of 40-80 ms (or a configured one).
``adaptive``  the depth follows the recent PDV: the 95th percentile over the last 2 s of
              packets, raised at once when the delay grows and lowered slowly (about 1 s time
              constant) when it shrinks, between one packet (20 ms) and 300 ms.  This is the
              behaviour of common adaptive buffers (WebRTC NetEq aims its target delay at a
              high percentile of the recent delay histogram; PJSIP and Asterisk grow on late
              packets and shrink on steady ones).  It discards about the slowest 5 % when the
              delay variation is steady and more when it comes in bursts, and adds the depth
              it chose to the mouth-to-ear delay.

Pure functions of per-packet times, so they are tested with constructed sequences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from fieldkit.voip import metrics

MODELS = ("adaptive", "fixed")
ADAPTIVE_HISTORY = 100       # packets (2 s at 20 ms) the adaptive depth is computed from
ADAPTIVE_PERCENTILE = 95.0
ADAPTIVE_DECAY = 1 / 50      # per packet: the depth moves 2 % of the way down each packet (~1 s)
ADAPTIVE_START_MS = 40.0     # depth before any history exists (a common initial target)
ADAPTIVE_MAX_MS = 300.0
WINDOW_S = 5.0               # the window of the worst-window MOS
WINDOW_STEP_S = 1.0


@dataclass
class Window:
    """One sliding window of the stream (for the worst-window MOS)."""

    start_s: float
    effective_loss_pct: float
    burst_ratio: float
    buffer_ms: float


@dataclass
class Playout:
    """What the emulated receiver did with one direction of the stream."""

    model: str                   # "adaptive" or "fixed"
    slots: int                   # packets the far end sent in this direction
    network_lost: int
    late: int                    # arrived, but after their playout point
    buffer_ms: float             # mean depth of the buffer (added to the mouth-to-ear delay)
    buffer_max_ms: float
    pdv_p50_ms: float | None
    pdv_p95_ms: float | None
    pdv_p99_ms: float | None
    bursts: metrics.BurstMetrics  # RFC 3611 burst/gap structure of the effective loss
    windows: list[Window] = field(default_factory=list)
    effective_lost: list[bool] = field(default_factory=list, repr=False)

    @property
    def network_loss_pct(self) -> float:
        return 100.0 * self.network_lost / self.slots if self.slots else 0.0

    @property
    def late_loss_pct(self) -> float:
        return 100.0 * self.late / self.slots if self.slots else 0.0

    @property
    def effective_loss_pct(self) -> float:
        return self.network_loss_pct + self.late_loss_pct


def pdv(transits_ms: Sequence[float | None]) -> list[float | None]:
    """RFC 5481 PDV of each packet: its delay minus the minimum delay of the stream."""
    known = [t for t in transits_ms if t is not None]
    if not known:
        return [None] * len(transits_ms)
    base = min(known)
    return [None if t is None else t - base for t in transits_ms]


def emulate(transits_ms: Sequence[float | None], lost: Sequence[bool], *, interval_ms: float = 20.0,
            model: str = "adaptive", fixed_ms: float = 60.0) -> Playout:
    """Run one direction through the buffer model.

    ``transits_ms[i]`` is the one-way delay of packet i (sequence order) with any constant clock
    offset, None when it is not known; ``lost[i]`` is True when packet i never arrived.  A packet
    with an unknown delay that was not lost (it reached the far end, its answer was lost on the
    way back) counts as played on time.
    """
    if model not in MODELS:
        raise ValueError(f"unknown jitter-buffer model {model!r} (expected one of {', '.join(MODELS)})")
    n = len(transits_ms)
    variation = pdv(transits_ms)
    depths: list[float] = []
    late_flags: list[bool] = []
    if model == "fixed":
        depth = max(float(fixed_ms), 0.0)
        for i in range(n):
            v = variation[i]
            late_flags.append(not lost[i] and v is not None and v > depth)
            depths.append(depth)
    else:
        depth = ADAPTIVE_START_MS
        history: list[float] = []
        for i in range(n):
            t = transits_ms[i]
            # The playout point follows the recent fastest packet (the buffer re-anchors as it adapts).
            v = None if t is None or not history else max(0.0, t - min(history))
            late_flags.append(not lost[i] and v is not None and v > depth)
            depths.append(depth)
            if t is None or lost[i]:
                continue
            # The receiver learns the delay of a packet when it arrives, late or not.
            history.append(t)
            if len(history) > ADAPTIVE_HISTORY:
                del history[0]
            recent_floor = min(history)
            target = (metrics.percentile([h - recent_floor for h in history], ADAPTIVE_PERCENTILE) or 0.0)
            target = min(max(target, interval_ms), ADAPTIVE_MAX_MS)
            depth = target if target > depth else depth + (target - depth) * ADAPTIVE_DECAY
    effective = [bool(lost[i]) or late_flags[i] for i in range(n)]
    known_pdv = [v for v in variation if v is not None]
    return Playout(
        model=model, slots=n, network_lost=sum(1 for x in lost if x), late=sum(late_flags),
        buffer_ms=(sum(depths) / n) if n else 0.0, buffer_max_ms=max(depths) if depths else 0.0,
        pdv_p50_ms=metrics.percentile(known_pdv, 50), pdv_p95_ms=metrics.percentile(known_pdv, 95),
        pdv_p99_ms=metrics.percentile(known_pdv, 99),
        bursts=metrics.burst_metrics(effective, interval_ms),
        windows=windows(effective, depths, interval_ms), effective_lost=effective)


def windows(effective_lost: Sequence[bool], depths: Sequence[float], interval_ms: float,
            window_s: float = WINDOW_S, step_s: float = WINDOW_STEP_S) -> list[Window]:
    """Sliding windows over the stream; a stream shorter than one window is one window."""
    n = len(effective_lost)
    if n == 0:
        return []
    size = max(1, int(round(window_s * 1000 / interval_ms)))
    step = max(1, int(round(step_s * 1000 / interval_ms)))
    starts = list(range(0, max(1, n - size + 1), step)) if n > size else [0]
    if n > size and starts[-1] != n - size:
        starts.append(n - size)   # the tail of the stream is always covered
    out = []
    for start in starts:
        part = list(effective_lost[start:start + size])
        out.append(Window(round(start * interval_ms / 1000, 3), 100.0 * sum(part) / len(part),
                          metrics.burst_ratio(part), sum(depths[start:start + size]) / len(part)))
    return out


def worst_loss_in(lost: Sequence[bool], packets: int) -> float:
    """The highest loss (%) in any run of ``packets`` consecutive packets (the whole stream if shorter)."""
    n = len(lost)
    if n == 0:
        return 0.0
    size = min(packets, n)
    running = sum(1 for x in lost[:size] if x)
    best = running
    for i in range(size, n):
        running += (1 if lost[i] else 0) - (1 if lost[i - size] else 0)
        best = max(best, running)
    return 100.0 * best / size


def worst_mean_in(values: Sequence[float], packets: int) -> float | None:
    """The highest mean of any run of ``packets`` consecutive values (the whole series if shorter)."""
    n = len(values)
    if n == 0:
        return None
    size = min(packets, n)
    running = sum(values[:size])
    best = running
    for i in range(size, n):
        running += values[i] - values[i - size]
        best = max(best, running)
    return best / size
