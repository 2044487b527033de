"""Verdict codes of the acoustic check, from the measurements of ``fieldkit.audio.analysis``.

The audio package measures (a click train and its tests, impulses, tones); this module
decides what those measurements mean, and :mod:`fieldkit.checks.acoustic` turns each
verdict into a finding with the customer's sentences.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldkit.audio.analysis import Analysis
    from fieldkit.audio.clicks import ClickTrain
    from fieldkit.audio.thresholds import Thresholds

#: a quartz clock ticks once a second to parts per million; a disk's retry cycle is not tied to
#: the second. Both limits hold a clock (measured period 0.999-1.001 s, timing residual below
#: 0.1 %) and leave out the bench's trains, whose periods are spread over 0.2-5 s.
CLOCK_PERIOD_S = 1.0
CLOCK_PERIOD_TOL = 0.003
CLOCK_MAX_JITTER = 0.002
#: level difference (dB) of the clicks between the near and the far recording: at least this
#: much louder near the machine means the machine; less than ROOM_DB means the room
NEAR_DB = 6.0
ROOM_DB = 3.0
#: clicks in the exercise segment at least this much louder (dB) than at the same period while
#: idle, or absent while idle, appeared with the reads
GROW_DB = 6.0

#: verdict codes, most serious first; the check module turns them into findings
VERDICTS = ("click-of-death", "stall-beeps", "slow-periodic-clicks", "irregular-periodic-clicks", "beeps-while-spinning",
            "bearing-whine", "grinding", "clock-like-ticks", "faint-periodic-clicks", "room-clicks", "seek-activity",
            "isolated-clicks", "quiet")


def clock_like(train: ClickTrain) -> bool:
    """Ticks once a second with a quartz's timing: a clock as likely as a disk."""
    if abs(train.period_s - CLOCK_PERIOD_S) > CLOCK_PERIOD_TOL * CLOCK_PERIOD_S:
        return False
    timing = _timing_without_strays(train)
    return timing is not None and timing <= CLOCK_MAX_JITTER


def _timing_without_strays(train: ClickTrain) -> float | None:
    """The train's timing residual over its period, the worst tenth of the ticks left out: at a
    tick's level near the noise one slot's maximum can be a noise peak 20 ms off (a clock read
    0.45 % for one such stray, 0.1 % without it), which says nothing of the quartz."""
    times = train.times_s
    if len(times) < 5:
        return train.jitter
    cycles = [round((t - times[0]) / train.period_s) for t in times]
    misses = [abs(r) for r in _residuals(cycles, times)]
    worst_kept = sorted(misses)[int(0.9 * (len(misses) - 1))]
    kept = [(k, t) for k, t, miss in zip(cycles, times, misses) if miss <= worst_kept]
    if len({k for k, _ in kept}) < 3:
        return train.jitter
    return statistics.pstdev(_residuals([k for k, _ in kept], [t for _, t in kept])) / train.period_s


def _residuals(cycles: list[int], times: list[float]) -> list[float]:
    """Each tick's distance from the least-squares line through (cycle, time)."""
    fit = statistics.linear_regression(cycles, times)
    return [t - (fit.slope * k + fit.intercept) for k, t in zip(cycles, times)]


def room_activity(a: Analysis) -> str | None:
    """Benign impulsive activity among what is left once the train's clicks are taken out."""
    if a.other_rate_hz >= 3.0 and a.other_ioi_cv is not None and a.other_ioi_cv > 0.5:
        return "seek-activity"
    if a.other_events_s:
        return "isolated-clicks"
    return None



def classify(a: Analysis, th: Thresholds) -> list[str]:
    """Verdict codes for one analysis, most serious first (at least one)."""
    from fieldkit.audio.clicks import faint, suspicious

    out: list[str] = []
    beeps_explain_train = (a.beeps is not None and a.candidate is not None
                           and abs(a.candidate.period_s - a.beeps.period_s) <= 0.1 * a.beeps.period_s)
    if beeps_explain_train:
        pass  # the impulsive onsets of the stall beeps themselves: one condition, not two
    elif a.train is not None and clock_like(a.train):
        out.append("clock-like-ticks")   # by sound alone: a second recording tells (far, or with reads)
    elif a.train is not None:
        out.append("click-of-death" if a.train.period_s <= th.fast_period_s else "slow-periodic-clicks")
    elif a.candidate is not None and suspicious(a.candidate, th):
        out.append("irregular-periodic-clicks")
    elif a.candidate is not None and faint(a.candidate, th):
        out.append("faint-periodic-clicks")   # at the limit of detection: a closer recording tells
    if a.beeps is not None:
        # a stalled motor does not turn: with a clear spindle line (not mains hum) the beeps
        # come from something else, or the drive spins up in between: suspicious, not a verdict
        spinning = a.spindle is not None and not a.spindle_is_hum_harmonic
        out.append("beeps-while-spinning" if spinning else "stall-beeps")
    if a.whine is not None:
        out.append("bearing-whine")
    if a.grinding is not None:
        out.append("grinding")
    if not out:
        # no train: judge every impulse; with one, the finding names what is left (room_activity)
        out.append(room_activity(a) or "quiet")
    return out


@dataclass
class Comparison:
    """Where a click train comes from, from two recordings: near vs far, or idle vs reading."""

    source: str                 # "machine", "room" or "unclear" (positions); "drive", "room", "none" (exercise)
    level_db: float | None      # clicks' level in the second recording minus the first (near - far,
                                # reading - idle); None when the clicks are absent from one of them
    other_score: float          # the train's fold score in the other recording at the same period


def compare_positions(near: ClickTrain, far: ClickTrain | None, th: Thresholds) -> Comparison:
    """A train clearly louder near the machine comes from it; one as loud far away, from the room."""
    if far is None or far.score < th.click_score / 2 or far.click_level_db == float("-inf"):
        return Comparison("machine", None, far.score if far is not None else 0.0)   # gone far away
    diff = near.click_level_db - far.click_level_db
    source = "machine" if diff >= NEAR_DB else "room" if diff < ROOM_DB else "unclear"
    return Comparison(source, round(diff, 1), far.score)


def compare_exercise(busy: ClickTrain | None, idle: ClickTrain | None, th: Thresholds) -> Comparison:
    """Clicks that appear or grow while the drive is read come from the drive; clicks as loud
    without the reads come from the room (a clock, a fan) and make no failing-disk verdict."""
    if busy is None:
        return Comparison("none", None, idle.score if idle is not None else 0.0)
    if idle is None or idle.score < th.click_score / 2 or idle.click_level_db == float("-inf"):
        return Comparison("drive", None, idle.score if idle is not None else 0.0)
    diff = busy.click_level_db - idle.click_level_db
    return Comparison("drive" if diff >= GROW_DB else "room", round(diff, 1), idle.score)

