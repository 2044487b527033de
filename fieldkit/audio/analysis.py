"""The acoustic analysis of one recording: the entry point :func:`analyse`.

It runs the click-train search (:mod:`fieldkit.audio.clicks`), the tonal detectors
(:mod:`fieldkit.audio.tonal`) and the levels, and returns an :class:`Analysis` of
measurements. Verdicts and findings are the check's business (``fieldkit.checks.acoustic``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from fieldkit.audio.clicks import (ClickSpectrogram, ClickTrain, best_click_train, click_spectrogram, impulses,
                                   other_impulses, passes, train_at)
from fieldkit.audio.dsp import sound_levels
from fieldkit.audio.thresholds import MIN_SAMPLERATE, Thresholds
from fieldkit.audio.tonal import (Beeps, Line, TonalSpectrogram, grinding, spindle_and_hum, stall_beeps,
                                  tonal_spectrogram, whine)


@dataclass
class Analysis:
    samplerate: int
    duration_s: float
    noise_floor_dbfs: float
    level_dbfs: float
    peak_dbfs: float
    score: float                          # click-train score (continuous, for ROC curves)
    train: ClickTrain | None              # best periodic candidate that passed the grid tests
    candidate: ClickTrain | None          # best candidate whatever its tests (evidence for "inconclusive")
    events_s: list[float]                 # unmistakable impulses (any pattern)
    event_rate_hz: float
    event_ioi_cv: float | None
    beeps: Beeps | None
    whine: Line | None
    grinding: Line | None
    spindle: Line | None
    spindle_is_hum_harmonic: bool
    hum_hz: float | None
    max_period_s: float
    other_events_s: list[float] = field(default_factory=list)   # impulses that are not the train's clicks
    other_rate_hz: float = 0.0
    other_ioi_cv: float | None = None
    data: dict[str, Any] = field(default_factory=dict)


class Problem(NamedTuple):
    """Why a recording cannot be analysed: the finding's rule, the reason in English for the technician, and
    the measured values the check's customer sentence for that rule names."""

    rule: str
    reason: str
    params: dict[str, Any]


def capture_problem(samples: Any, samplerate: int, clip_fraction: float = 0.001) -> Problem | None:
    """The :class:`Problem` when the recording cannot be analysed, else None."""
    import numpy as np

    x = np.asarray(samples)
    if samplerate < MIN_SAMPLERATE:
        return Problem("audio-samplerate", f"sample rate {samplerate} Hz is too low (at least {MIN_SAMPLERATE} Hz "
                       "is needed)", {"rate": samplerate, "needed": MIN_SAMPLERATE})
    if x.size < samplerate * 2:
        return Problem("audio-too-short", f"the recording is {x.size / samplerate:.2f} s long; at least 2 s are needed",
                       {"seconds": x.size / samplerate})
    if not np.all(np.isfinite(x)):
        return Problem("audio-invalid", "the recording contains invalid (NaN or infinite) samples", {})
    if float(np.max(x) - np.min(x)) == 0.0:
        return Problem("audio-digital-silence", "the recording is digital silence (every sample "
                       f"{float(x[0]):g}): the microphone is muted, unplugged or access to it was denied "
                       "(operating-system privacy setting)", {})
    peak = float(np.max(np.abs(x)))
    clipped = float(np.mean(np.abs(x) >= min(0.999, peak))) if peak >= 0.999 else 0.0
    if clipped > clip_fraction:
        return Problem("audio-clipping", f"{100 * clipped:.2f}% of the samples are at full scale (clipping): lower "
                       "the microphone gain or move it further away and record again", {"pct": 100 * clipped})
    return None


def analyse(samples: Any, samplerate: int, thresholds: Thresholds | None = None,
            with_pictures: bool = True) -> Analysis:
    """Analyse a mono recording (float, full scale +-1). Call :func:`capture_problem` first."""
    import numpy as np

    th = thresholds or Thresholds()
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim > 1:
        x = x.mean(axis=1, dtype=np.float32)
    x = x - np.float32(x.mean())
    fs = int(samplerate)
    duration = x.size / fs

    clicks = click_spectrogram(x, fs, th)
    max_period = min(th.max_period_s, duration / (th.min_clicks - 0.5))
    candidate = best_click_train(clicks, th, max_period) if max_period > th.min_period_s else None
    clicks.samples = None   # the search's waveform views were its only reader (a 60 s window: 6 MB)
    train = candidate if candidate is not None and passes(candidate, th) else None
    events_s, rate, ioi_cv = impulses(clicks, th)

    spectrum = tonal_spectrogram(x, fs)
    spindle, hum_hz, is_hum = spindle_and_hum(x, fs)
    levels = sound_levels(x, fs)
    analysis = Analysis(
        samplerate=fs, duration_s=duration, noise_floor_dbfs=levels[0], level_dbfs=levels[1], peak_dbfs=levels[2],
        score=candidate.score if candidate is not None else 0.0, train=train, candidate=candidate,
        events_s=events_s, event_rate_hz=rate, event_ioi_cv=ioi_cv, beeps=stall_beeps(spectrum, th),
        whine=whine(spectrum, th, spindle, hum_hz), grinding=grinding(x, fs, th),
        spindle=spindle, spindle_is_hum_harmonic=is_hum, hum_hz=hum_hz, max_period_s=max_period)
    # what is left once the train's clicks are taken out (typing, seeks): judged on its own
    others = other_impulses(events_s, train)
    analysis.other_events_s = others
    analysis.other_rate_hz = len(others) / duration
    if len(others) >= 3:
        ioi = np.diff(np.asarray(others))
        analysis.other_ioi_cv = float(np.std(ioi) / max(float(np.mean(ioi)), 1e-9))
    if with_pictures:
        analysis.data = pictures(spectrum, clicks, train)
    return analysis


def measure_train(samples: Any, samplerate: int, period_s: float, thresholds: Thresholds | None = None) -> ClickTrain | None:
    """The click train at ``period_s`` (found in another recording) in this recording, measured
    whether or not it passes the tests: its score, its clicks' level (``click_level_db``)."""
    import numpy as np

    th = thresholds or Thresholds()
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim > 1:
        x = x.mean(axis=1, dtype=np.float32)
    x = x - np.float32(x.mean())
    return train_at(click_spectrogram(x, int(samplerate), th), th, period_s)


def pictures(tonal: TonalSpectrogram, clicks: ClickSpectrogram, train: ClickTrain | None) -> dict[str, Any]:
    """Arrays for the report (brief's convention): spectrogram <= 160 x 64, envelope <= 1000 points."""
    import numpy as np

    p, freqs = tonal.p, tonal.freqs
    # 64 equal bands from 0 to 12 kHz (the report draws a linear frequency axis); clicks sit at
    # 1-8 kHz, whine up to 12 kHz
    fmax = min(12000.0, tonal.fs / 2)
    edges = np.unique(np.searchsorted(freqs, np.linspace(0.0, fmax, 65)))
    edges = edges[edges < len(freqs)]
    tgroups = np.unique(np.linspace(0, p.shape[0], min(160, p.shape[0]) + 1).astype(int))
    by_time = np.add.reduceat(p[:, :edges[-1]], tgroups[:-1], axis=0) / np.diff(tgroups)[:, None]
    by_band = np.add.reduceat(by_time, edges[:-1], axis=1) / np.diff(edges)[None, :]
    db = np.round(np.maximum(10 * np.log10(by_band + 1e-20), -160.0), 1)
    times = (tgroups[:-1] + np.diff(tgroups) / 2) / tonal.rate + tonal.t0
    centres = (freqs[edges[:-1]] + freqs[edges[1:] - 1]) / 2

    z = clicks.z
    groups = np.unique(np.linspace(0, z.size, min(1000, z.size) + 1).astype(int))
    env = np.maximum.reduceat(z, groups[:-1])
    env_t = clicks.t0 + groups[:-1] / clicks.rate
    return {
        "spectrogram": {"times_s": np.round(times, 3).tolist(), "freqs_hz": np.round(centres, 1).tolist(),
                        "db": db.T.tolist()},
        "envelope": {"times_s": np.round(env_t, 3).tolist(), "values": np.round(env, 2).tolist(),
                     "unit": "onset strength, robust z (1-8 kHz)"},
        "clicks_s": list(train.times_s) if train is not None else [],
    }
