"""Verdict codes of the acoustic check, from the measurements of ``fieldkit.audio.analysis``.

The audio package measures (a click train and its tests, impulses, tones); this module
decides what those measurements mean, and :mod:`fieldkit.checks.acoustic` turns each
verdict into a finding with the customer's sentences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldkit.audio.analysis import Analysis
    from fieldkit.audio.thresholds import Thresholds

#: verdict codes, most serious first; the check module turns them into findings
VERDICTS = ("click-of-death", "stall-beeps", "slow-periodic-clicks", "irregular-periodic-clicks", "beeps-while-spinning",
            "bearing-whine", "grinding", "seek-activity", "isolated-clicks", "quiet")



def classify(a: Analysis, th: Thresholds) -> list[str]:
    """Verdict codes for one analysis, most serious first (at least one)."""
    from fieldkit.audio.clicks import suspicious

    out: list[str] = []
    beeps_explain_train = (a.beeps is not None and a.candidate is not None
                           and abs(a.candidate.period_s - a.beeps.period_s) <= 0.1 * a.beeps.period_s)
    if beeps_explain_train:
        pass  # the impulsive onsets of the stall beeps themselves: one condition, not two
    elif a.train is not None:
        out.append("click-of-death" if a.train.period_s <= th.fast_period_s else "slow-periodic-clicks")
    elif a.candidate is not None and suspicious(a.candidate, th):
        out.append("irregular-periodic-clicks")
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
        if a.event_rate_hz >= 3.0 and a.event_ioi_cv is not None and a.event_ioi_cv > 0.5:
            out.append("seek-activity")
        elif a.events_s:
            out.append("isolated-clicks")
        else:
            out.append("quiet")
    return out

