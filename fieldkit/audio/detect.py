"""Signal processing of the acoustic disk check: hear a dying disk, ignore the room.

Method (see ``shared/notes/acoustic.md`` §2.4-2.7; classic DSP, no learned model, because
no training data of failing drives exists and learned anomaly detectors need minutes of
the same machine's normal sound):

* **Click of death** = sparse, *regular* train of short broadband impulses, period
  0.2-5 s, of similar shape. A 4 ms STFT (2 ms hop, about a click long) restricted to
  1-8 kHz (above the spindle tones, mains hum, HVAC and most speech energy) is whitened
  bin by bin against its own median (the stationary background), giving an onset function
  whose robust z score does not depend on the room level; the whole band and eight
  sub-bands of ~900 Hz each get one (a click ringing one resonance of the housing is
  diluted in a wider band: at -10 dB the best narrow band shows a click about 1.5 times as
  clearly as the whole band). Candidate periods come from each band's autocorrelation (a
  comb over multiples picks the fundamental, refined on high multiples) and, for slow
  trains of 1-5 s whose handful of clicks gives the autocorrelation few pairs per lag,
  from a phase histogram of the onset peaks over a fine grid of trial periods (as pulsar
  searches fold photon arrival times). Each candidate is scored by *epoch folding*: the
  onset function's per-cycle maximum within +-3 % (timing jitter) averaged over all
  cycles, so a train that is invisible click by click at -10 dB still stands out. The
  search runs on 4 ms steps, the final score on 2 ms. A click rings several resonances, so
  the sub-bands that show the winner at the same phase are then joined into one band when
  that folds higher. The winner is then
  checked slot by slot on a grid refitted to its clear clicks: it must stand out in each
  third of the recording (consistency), explain most loud impulses (on-grid), have most
  slots about as strong as the strongest (uniformity: head parking every 8 s seen on a
  4 s grid fails), not be carried by a few slots far stronger than the median one or by
  every k-th slot (contrast, subgrid: parking every 6-10 s on a 1-5 s grid whose other
  slots hold noise), keep its timing (jitter) and, when loud, look alike (similarity).
* **Head parking** is periodic but slow (every 5-10 s, single clicks): periods above
  5 s are never searched and a slow train (2-5 s) is only "suspicious" (WARNING, check
  SMART 193), never a verdict of failure.
* **Seeks / typing / speech** are dense or irregular: they fail the on-grid, consistency or
  uniformity tests; a high rate of irregular impulses is reported as seek activity.
* **Stall beeps**: tonal bursts (a narrow spectral peak recurring at one pitch) that
  switch on and off regularly, 0.15-2.5 s apart.
* **Bearing whine**: a persistent narrow line >= 1 kHz that is not a harmonic of the
  spindle, the mains or a lower (fan) line. **Grinding**: the 1+ kHz noise is amplitude
  modulated by a spindle-rate line (envelope spectrum, 60-260 Hz).

numpy and scipy are imported inside the functions (``import fieldkit`` stays light).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

#: nominal spindle rotation frequencies f_r = rpm / 60 (4200 ... 15000 rpm)
SPINDLE_HZ = (70.0, 90.0, 98.33, 120.0, 166.67, 250.0)
#: click analysis frame: about the length of a click, so a frame holds little noise besides it
FRAME_S = 0.004
MIN_SAMPLERATE = 8000
#: sub-bands of the click band, each with its own onset function (besides the whole band)
SUBBANDS = 8


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds; the defaults were tuned with ``bench/acoustic_eval.py``."""

    click_score: float = 6.0        # folded onset peak, robust z, to call a click train
    min_clicks: int = 4              # clicks on the grid needed for any periodic claim
    min_fill: float = 0.6            # share of grid slots that hold a click (reported)
    min_consistency: float = 1.5     # the train must stand out in each third of the recording
    max_jitter: float = 0.06         # timing residual / period
    min_similarity: float = 0.4      # cosine similarity of click spectra (loud clicks only)
    min_on_grid: float = 0.5         # share of unmistakable impulses the train must explain
    min_uniformity: float = 0.75     # share of slots near the strong ones' strength, when clicks are loud
    hit_z: float = 3.0               # onset z that counts as a click in a slot
    event_z: float = 8.0             # onset z of an unmistakable impulse (isolated clicks, seeks)
    fast_period_s: float = 2.05      # at or below: click of death; above: suspicious (head parking?)
    min_period_s: float = 0.2
    max_period_s: float = 5.0
    clip_fraction: float = 0.001     # share of samples at full scale that makes a recording unusable
    whine_db: float = 20.0           # prominence of a persistent line over the local spectrum
    grind_db: float = 15.0           # envelope-spectrum line over its neighbourhood
    grind_depth: float = 0.5         # and this amplitude-modulation depth
    beep_db: float = 18.0            # tonal frame: peak over the frame's median spectrum
    max_contrast: float = 3.5        # strongest slots over the median slot (trains measured <= 3.0)
    max_subgrid: float = 2.5         # every k-th slot over the others (trains measured <= 2.3)
    max_few_loud: float = 6.0        # their product: trains measured <= 4.6, parking 8+ (bench seeds)


@dataclass
class ClickTrain:
    period_s: float
    times_s: list[float]
    score: float
    fill: float
    jitter: float | None
    similarity: float | None
    snr_db: float
    band_hz: tuple[float, float]
    slots: int
    median_z: float
    on_grid: float | None = None
    consistency: float = 0.0
    slot_z_p90: float = 0.0         # strength of the strongest slots
    uniformity: float = 0.0         # share of slots at least a fifth as strong: near 1 for a train of
                                    # equal clicks, low when a few loud clicks (head parking every
                                    # 8 s seen on a 4 s grid, knocks) carry a grid of empty slots
    slot_median: float = 0.0        # median slot strength (onset z): above event_z every slot holds a click
    contrast: float = 0.0           # mean of the 3 strongest slots over the median slot: a few loud
                                    # clicks among noise-filled slots score high, a train of equal
                                    # clicks near 1-2 whatever its level
    subgrid: float = 0.0            # strongest ratio of every k-th slot's (k = 2-6) mean strength to the
                                    # other slots': high when a train k times slower (head parking
                                    # every 9 s on a 4.5 s grid) fills every k-th slot

    @property
    def rate_hz(self) -> float:
        return 1.0 / self.period_s

    @property
    def regularity(self) -> float | None:
        """1 = perfectly periodic; from the timing residual relative to the period."""
        return max(0.0, 1.0 - self.jitter) if self.jitter is not None else None


@dataclass
class Beeps:
    freq_hz: float
    period_s: float
    count: int
    burst_s: float
    times_s: list[float]


@dataclass
class Line:
    freq_hz: float
    prominence_db: float
    depth: float | None = None   # amplitude-modulation depth (grinding only)


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
    verdicts: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def capture_problem(samples: Any, samplerate: int, clip_fraction: float = 0.001) -> tuple[str, str] | None:
    """Return (rule, reason) when the recording cannot be analysed, else None."""
    import numpy as np

    x = np.asarray(samples)
    if samplerate < MIN_SAMPLERATE:
        return "audio-samplerate", f"sample rate {samplerate} Hz is too low (at least {MIN_SAMPLERATE} Hz is needed)"
    if x.size < samplerate * 2:
        return "audio-too-short", f"the recording is {x.size / samplerate:.2f} s long; at least 2 s are needed"
    if not np.all(np.isfinite(x)):
        return "audio-invalid", "the recording contains invalid (NaN or infinite) samples"
    if float(np.max(x) - np.min(x)) == 0.0:
        return "audio-digital-silence", ("the recording is digital silence (every sample "
                                         f"{float(x[0]):g}): the microphone is muted, unplugged or access "
                                         "to it was denied (operating-system privacy setting)")
    peak = float(np.max(np.abs(x)))
    clipped = float(np.mean(np.abs(x) >= min(0.999, peak))) if peak >= 0.999 else 0.0
    if clipped > clip_fraction:
        return "audio-clipping", (f"{100 * clipped:.2f}% of the samples are at full scale (clipping): lower the "
                                  "microphone gain or move it further away and record again")
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

    clicks = _click_spectrogram(x, fs)
    z = clicks["z"]
    max_period = min(th.max_period_s, duration / (th.min_clicks - 0.5))
    candidate = _best_click_train(clicks, th, max_period) if max_period > th.min_period_s else None
    train = candidate if candidate is not None and _passes(candidate, th) else None
    events_s, rate, ioi_cv = _impulses(clicks, th)

    tonal = _tonal_spectrogram(x, fs)
    spindle, hum_hz, is_hum = _spindle_and_hum(x, fs)
    beeps = _stall_beeps(tonal, th)
    whine = _whine(tonal, th, spindle, hum_hz)
    grinding = _grinding(x, fs, th)

    levels = _levels(x, fs)
    analysis = Analysis(
        samplerate=fs, duration_s=duration, noise_floor_dbfs=levels[0], level_dbfs=levels[1], peak_dbfs=levels[2],
        score=candidate.score if candidate is not None else 0.0, train=train, candidate=candidate,
        events_s=events_s, event_rate_hz=rate, event_ioi_cv=ioi_cv, beeps=beeps, whine=whine, grinding=grinding,
        spindle=spindle, spindle_is_hum_harmonic=is_hum, hum_hz=hum_hz, max_period_s=max_period)
    analysis.verdicts = classify(analysis, th)
    if with_pictures:
        analysis.data = pictures(tonal, clicks, train)
    return analysis


# --------------------------------------------------------------------------- verdicts

#: verdict codes, most serious first; the check module turns them into findings
VERDICTS = ("click-of-death", "stall-beeps", "slow-periodic-clicks", "irregular-periodic-clicks", "beeps-while-spinning",
            "bearing-whine", "grinding", "seek-activity", "isolated-clicks", "quiet")


def classify(a: Analysis, th: Thresholds) -> list[str]:
    out: list[str] = []
    beeps_explain_train = (a.beeps is not None and a.candidate is not None
                           and abs(a.candidate.period_s - a.beeps.period_s) <= 0.1 * a.beeps.period_s)
    if beeps_explain_train:
        pass  # the impulsive onsets of the stall beeps themselves: one condition, not two
    elif a.train is not None:
        out.append("click-of-death" if a.train.period_s <= th.fast_period_s else "slow-periodic-clicks")
    elif a.candidate is not None and _suspicious(a.candidate, th):
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


def _passes(c: ClickTrain, th: Thresholds) -> bool:
    if c.score < th.click_score or c.slots < th.min_clicks or c.consistency < th.min_consistency:
        return False
    if not _one_train_in_range(c, th):
        return False
    # Loud clicks are unmistakable: then most slots must hold one (a grid at half the period
    # of head parking, or through a few loud knocks, leaves most slots empty).
    if c.median_z >= th.event_z and c.fill < th.min_fill:
        return False
    if c.slot_z_p90 >= th.event_z and c.uniformity < th.min_uniformity:
        return False
    if c.jitter is not None and c.jitter > th.max_jitter:
        return False
    if c.on_grid is not None and c.on_grid < th.min_on_grid:
        return False
    # Similarity is only meaningful when the clicks clearly stand out of the noise.
    if c.similarity is not None and c.median_z >= th.event_z and c.similarity < th.min_similarity:
        return False
    return True


def _one_train_in_range(c: ClickTrain, th: Thresholds) -> bool:
    """False when the grid is a few loud clicks of a slower pattern (head parking every 6-10 s)
    filled out with noise: a train slower than the range, every k-th slot carrying the
    clicks, or a handful of slots far stronger than the rest."""
    if c.period_s > th.max_period_s * 1.02:
        return False
    if c.slot_median >= th.event_z:
        return True   # the median slot holds an unmistakable click: every slot does, whatever the spread
    return c.contrast <= th.max_contrast and c.subgrid <= th.max_subgrid and c.contrast * c.subgrid <= th.max_few_loud


def _suspicious(c: ClickTrain, th: Thresholds) -> bool:
    """A strong periodic pattern that failed only the shape test: neither OK nor a verdict."""
    return (c.score >= th.click_score * 1.5 and c.slots >= th.min_clicks and c.consistency >= th.min_consistency
            and _one_train_in_range(c, th)
            and (c.median_z < th.event_z or c.fill >= th.min_fill)
            and (c.slot_z_p90 < th.event_z or c.uniformity >= th.min_uniformity)
            and (c.jitter is None or c.jitter <= th.max_jitter)
            and (c.on_grid is None or c.on_grid >= th.min_on_grid))


# --------------------------------------------------------------------------- click trains

def _robust_z(v: Any) -> Any:
    import numpy as np

    # median and MAD of every 4th value: the same estimate of the background at a quarter of the cost
    sample = v[::4] if v.size >= 4000 else v
    med = np.median(sample)
    mad = 1.4826 * np.median(np.abs(sample - med))
    return (v - med) / max(float(mad), 1e-12)


def _frames(x: Any, win: int, hop: int) -> Any:
    import numpy as np

    n = 1 + (x.size - win) // hop
    return np.lib.stride_tricks.as_strided(x, shape=(n, win), strides=(x.strides[0] * hop, x.strides[0]),
                                           writeable=False)


def _power_stft(x: Any, fs: int, win: int, hop: int, fmin: float = 0.0, fmax: float | None = None) -> tuple[Any, Any]:
    """Power spectrogram (frames x bins) of the bins in [fmin, fmax] only (saves the rest's cost)."""
    import numpy as np
    import scipy.fft

    frames = _frames(x, win, hop)
    window = np.hanning(win).astype(np.float32)
    spec = scipy.fft.rfft(frames * window, axis=1, workers=1)
    freqs = np.fft.rfftfreq(win, 1.0 / fs)
    keep = np.flatnonzero((freqs >= fmin) & (freqs <= (fmax if fmax is not None else fs)))
    power = np.abs(spec[:, keep[0]:keep[-1] + 1])   # |X| then square: faster than re^2 + im^2 on a slice
    np.square(power, out=power)
    return power.astype(np.float32, copy=False), freqs[keep[0]:keep[-1] + 1]


def _click_spectrogram(x: Any, fs: int) -> dict[str, Any]:
    """4 ms frames, 2 ms hop, 1-8 kHz, whitened per bin by its median over time.

    Besides the whole band, eight sub-bands get their own onset function: a click whose
    energy sits in one region (a resonance of the housing) is diluted by the empty bins
    of a single broadband sum, so the train search picks the band where it is strongest.
    At 32 kHz and above the signal is first halved in rate by averaging sample pairs: the
    click band ends at 8 kHz, and half the samples halve the STFT's cost. The pair average
    passes 8 kHz at -1.2 dB (at 48 kHz) and folds 16-24 kHz onto 0-8 kHz at -6 dB and
    below, where a room's 1/f noise is already 3-5 dB under the band it lands in.
    """
    import numpy as np

    if fs >= 32000:
        n = x.size // 2
        x = (x[0:2 * n:2] + x[1:2 * n:2]) * np.float32(0.5)
        fs = fs / 2
    win = int(round(FRAME_S * fs)) // 2 * 2
    hop = win // 2
    p, freqs = _power_stft(x, fs, win, hop, 1000.0, min(8000.0, 0.45 * fs))
    # the median of every 4th frame is the same background estimate at a quarter of the cost
    ref = np.median(p[::4], axis=0) + np.float32(1e-20)
    w = p / ref
    nbins = w.shape[1]
    edges = np.unique(np.linspace(0, nbins, SUBBANDS + 1).astype(int))
    subbands = [(0, nbins)] + [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b - a >= 2]
    # band means from one cumulative sum over the bins (13 strided means cost more)
    means = w @ _band_matrix(nbins, subbands)   # every band's mean in one matrix product
    zs = [_robust_z(means[:, i]) for i in range(len(subbands))]
    return {"w": w, "ref": ref, "freqs": freqs, "z": zs[0], "zs": zs, "subbands": subbands,
            "band_power": p.sum(axis=1), "rate": fs / hop, "t0": win / 2 / fs, "fs": fs}


def _compressed(c: dict[str, Any], band: int) -> Any:
    """log(1 + z+) of a band's onset z, so a few loud keys cannot dominate a fold; computed
    once per band (the search, the grid and the consistency test all read it)."""
    import numpy as np

    cache = c.setdefault("compressed", {})
    if band not in cache:
        cache[band] = np.log1p(np.clip(c["zs"][band], 0.0, None)).astype(np.float32, copy=False)
    return cache[band]


def _band_matrix(nbins: int, bands: list[tuple[int, int]]) -> Any:
    """(bins x bands) weights whose product with a spectrogram gives each band's mean."""
    import numpy as np

    m = np.zeros((nbins, len(bands)), dtype=np.float32)
    for i, (a, b) in enumerate(bands):
        m[a:b, i] = 1.0 / (b - a)
    return m


def _best_click_train(c: dict[str, Any], th: Thresholds, max_period: float) -> ClickTrain | None:
    """Search every band's onset function for the strongest periodic train."""
    import numpy as np

    rate = c["rate"]
    # 8 % beyond the longest period: a jittered train at the limit still forms a peak
    lo, hi = th.min_period_s * rate, max_period * rate * 1.08
    if hi <= lo + 2 or hi >= c["z"].size:
        return None
    comps = [_compressed(c, i) for i in range(len(c["zs"]))]
    pooled = _pool(comps)
    found = _search_period(pooled, rate, lo, hi)
    if found is None:
        return None
    period, b = found
    score, phase = _fold(comps[b], period)
    if UNION_BANDS:
        b, score, phase = _union_band(c, pooled, period, b, score, phase)
    train = _grid(c, th, period, phase, score, b)
    # The comb can still settle on a multiple of the true period (every k-th click): a grid at
    # P/k whose slots are as full and as even is the same train at its real rate.
    if train.times_s:   # the grid's refitted period, anchored on its first click
        period = train.period_s * rate
        phase = int(round((train.times_s[0] - c["t0"]) * rate))
    for k in range(6, 1, -1):
        if period / k < lo:
            continue
        # cheap look first: does a grid k times as dense hold clicks in most slots?
        z = c["zs"][b]
        _hits, _z, slot_z = _scan_slots(z, period / k, phase % (period / k), max(3, int(0.05 * period / k)),
                                        th.hit_z)
        if not slot_z or len(_hits) / len(slot_z) < max(th.min_fill, 0.9 * train.fill):
            continue
        shorter = _grid(c, th, period / k, int(phase % (period / k)), score, b)
        if (shorter.fill >= max(th.min_fill, 0.9 * train.fill) and shorter.uniformity >= th.min_uniformity
                and (shorter.on_grid or 0) >= (train.on_grid or 0)):
            shorter.score = _fold(_compressed(c, b), shorter.period_s * rate)[0]
            return shorter
    return train


#: the phase search covers periods from here up (the autocorrelation is reliable below)
PHASE_MIN_S = 1.0
#: (band, period) pairs of the phase search that are folded, each with its multiples
PHASE_TOP = 3
#: fold score by which a phase candidate must beat the autocorrelation's best candidate
PHASE_MARGIN = 1.0
#: strongest onset peaks per band that enter the phase histogram (a slow train has <= 30 clicks)
PHASE_PEAKS = 40
#: the period search runs on 4 ms steps (the maximum of two 2 ms hops): half the cost, and
#: a click's peak survives the pooling
SEARCH_POOL = 2


#: join the sub-bands that show the train at the same phase (off: single best band only)
UNION_BANDS = True
#: fold score a sub-band must reach at the train's period to be joined
UNION_MIN_SCORE = 2.0


def _union_band(c: dict[str, Any], pooled: Any, period: float, b: int, score: float,
                phase: int) -> tuple[int, float, int]:
    """A click rings several resonances: join the sub-bands where the train shows at the same
    phase into one band and keep it when its fold beats the single best band's."""
    import numpy as np

    # which sub-bands show the train: folded on 4 ms steps (as in the search), phase within 3 %
    pperiod, pphase = period / SEARCH_POOL, phase / SEARCH_POOL
    tol = max(1.0, 0.03 * pperiod)
    chosen = []
    for i, (lo, hi) in enumerate(c["subbands"][1:], start=1):   # [0] is the whole band
        sc, ph = _Folder(pooled[i]).fold(pperiod)
        shift = abs(ph - pphase) % pperiod
        if sc >= UNION_MIN_SCORE and min(shift, pperiod - shift) <= tol:
            chosen.append((lo, hi))
    if len(chosen) < 2:
        return b, score, phase
    # mean whitened power over the joined bins
    weights = np.zeros(c["w"].shape[1], dtype=np.float32)
    for lo, hi in chosen:
        weights[lo:hi] = 1.0
    z = _robust_z(c["w"] @ (weights / weights.sum()))
    c["zs"].append(z)   # the joined band's onset z: _grid and the pictures read it by index
    joined = len(c["zs"]) - 1
    sc, ph = _fold(_compressed(c, joined), period)
    if sc <= score:
        c["zs"].pop()
        c["compressed"].pop(joined, None)
        return b, score, phase
    return joined, sc, ph


def _pool(comps: list[Any]) -> Any:
    """(bands x frames/SEARCH_POOL) maximum of each band's onset function over SEARCH_POOL hops."""
    import numpy as np

    m = comps[0].size // SEARCH_POOL
    stacked = np.stack(comps)
    pooled = stacked[:, 0:m * SEARCH_POOL:SEARCH_POOL]
    for k in range(1, SEARCH_POOL):
        pooled = np.maximum(pooled, stacked[:, k:m * SEARCH_POOL:SEARCH_POOL])
    return np.ascontiguousarray(pooled)


def _search_period(pooled: Any, rate: float, lo: float, hi: float) -> tuple[float, int] | None:
    """Period (full-rate frames) and band of the strongest periodic train, or None.

    ``pooled``: every band's onset function from :func:`_pool`. Candidates: each band's
    autocorrelation fundamental, and for slow trains (>= 1 s, a handful of clicks that give
    the autocorrelation few pairs per lag) the periods at which a band's onset peaks line up
    best. Every candidate is judged by folding."""
    m = pooled.shape[1]
    prate, plo, phi = rate / SEARCH_POOL, lo / SEARCH_POOL, hi / SEARCH_POOL
    acs = _autocorrelations(pooled, prate)
    widened = _widened(acs)
    folders = [_Folder(p) for p in pooled]
    scored: list[tuple[float, float, int]] = []
    for b, folder in enumerate(folders):
        p = _fundamental(acs[b], widened[:, b], m, plo, phi)
        if p is not None:
            scored.append((folder.score(p), p, b))
    # a phase candidate must beat the autocorrelation's best clearly: folding at a multiple of a
    # fast train's period, or at a chance alignment of its clicks, scores nearly as high
    lead = max((sc for sc, _p, _b in scored), default=0.0)
    for p, b in _phase_candidates(pooled, max(plo, PHASE_MIN_S * prate), phi, prate):
        score = folders[b].score(p)
        if score > lead + PHASE_MARGIN:
            scored.append((score, p, b))
    if not scored:
        return None
    _score, p, b = max(scored)
    return p * SEARCH_POOL, b


def _phase_candidates(comps: Any, lo: float, hi: float, rate: float) -> list[tuple[float, int]]:
    """(period, band) pairs at which a band's onset peaks line up best.

    A phase histogram over a fine grid of trial frequencies, every band at once (as pulsar
    searches fold photon arrival times): the few clicks of a slow train give the
    autocorrelation few pairs per lag, folding their times keeps all their weight. Each
    band's histogram peak is judged against that band's own spread over the trials."""
    import numpy as np
    from scipy.signal import find_peaks

    bands, n = comps.shape
    if hi <= lo:
        return []
    per_band = PHASE_PEAKS
    pos = np.zeros((bands, per_band), dtype=np.float64)
    weight = np.zeros((bands, per_band), dtype=np.float64)
    for b in range(bands):
        peaks, props = find_peaks(comps[b], height=math.log1p(3.0), distance=max(1, int(0.02 * rate)))
        keep = np.argsort(props["peak_heights"])[-per_band:]
        pos[b, :keep.size], weight[b, :keep.size] = peaks[keep], props["peak_heights"][keep]
    # trial frequencies 0.03 / n apart: a train drifts by at most 3 % of its period in the recording
    freqs = np.arange(1.0 / hi, 1.0 / lo, 0.03 / n)
    nb = 25
    # phase bin of every peak at every trial (float32: positions < 2^15 frames, 25 bins)
    bins = ((pos * nb).astype(np.float32)[:, None, :] * freqs.astype(np.float32)[None, :, None]).astype(np.int32)
    bins %= nb                                                                       # bands x trials x peaks
    bins += (np.arange(bands * freqs.size, dtype=np.int32) * nb).reshape(bands, freqs.size)[:, :, None]
    hist = np.zeros(bands * freqs.size * nb, dtype=np.float32)
    np.add.at(hist, bins.ravel(), np.broadcast_to(weight.astype(np.float32)[:, None, :], bins.shape).ravel())
    hist = hist.reshape(bands, freqs.size, nb)
    score = (hist + np.roll(hist, -1, axis=2)).max(axis=2)                       # bands x trials
    med = np.median(score, axis=1, keepdims=True)
    mad = np.median(np.abs(score - med), axis=1, keepdims=True) + 1e-9
    z = ((score - med) / mad).ravel()
    out: list[tuple[float, int]] = []
    for i in np.argsort(z)[::-1]:
        b, p = int(i // freqs.size), float(1.0 / freqs[i % freqs.size])
        if all(b != c or abs(p - q) > 0.03 * q for q, c in out):
            out.append((p, b))
        if len(out) >= PHASE_TOP:
            break
    # every click also lines up at P/2, P/3...: the histogram cannot tell a train from its
    # subharmonics, the fold can (empty cycles lower its average)
    return [(k * p, b) for p, b in out for k in range(1, 6) if k * p <= hi]


def _autocorrelations(comps: Any, rate: float) -> Any:
    """Normalised, unbiased autocorrelation of every band's onset function (one batched FFT)."""
    import numpy as np
    import scipy.fft
    from scipy.ndimage import maximum_filter1d

    n = comps[0].size
    size = 2 * max(1, int(round(0.008 * rate))) + 1   # +-8 ms timing tolerance
    tolerant = maximum_filter1d(np.asarray(comps), size=size, axis=1)
    tolerant -= tolerant.mean(axis=1, keepdims=True)
    spec = scipy.fft.rfft(tolerant, n=scipy.fft.next_fast_len(2 * n, real=True), axis=1, workers=1)
    ac = scipy.fft.irfft(spec.real * spec.real + spec.imag * spec.imag, axis=1, workers=1)[:, :n // 2 + 3]
    return ac / (ac[:, :1] + 1e-12) * (n / (n - np.arange(ac.shape[1])))


#: widths of the autocorrelation's tolerant reads (see _fundamental)
_WIDTHS = (5, 9, 17, 33, 65, 129)


def _widened(acs: Any) -> Any:
    """Every band's autocorrelation read as its maximum over each of ``_WIDTHS`` lags."""
    import numpy as np
    from scipy.ndimage import maximum_filter1d

    return np.stack([maximum_filter1d(acs, size=k, axis=-1) for k in _WIDTHS])


def _fundamental(ac: Any, widened: Any, n: int, lo: float, hi: float) -> float | None:
    """Period (frames, sub-frame precision) of the onset function's strongest periodicity.

    A train at P also correlates at 2P, 3P...: every divisor of the highest autocorrelation
    peaks is a candidate, scored by the mean autocorrelation over its multiples (a comb);
    the shortest period whose comb is nearly as good as the best one is the fundamental.
    Timing jitter splits the peak at lag L into spikes over a few % of L, so the
    autocorrelation is read as its maximum over +-1.5 % of the lag (``widened``: the
    band's rows of :func:`_widened`). The period is then refined on ever higher multiples,
    which divides the error of a frame by the multiple.
    """
    import numpy as np
    from scipy.signal import find_peaks

    last = n // 2
    sizes = np.asarray(_WIDTHS)

    def peak_value(lags: Any) -> Any:
        want = 2 * np.maximum(2, np.round(0.015 * lags)) + 1
        return widened[np.minimum(np.searchsorted(sizes, want), sizes.size - 1), lags]

    ilo, ihi = int(lo), min(int(hi), last - 3)
    if ihi <= ilo + 2:
        return None
    lags = np.arange(ilo, ihi + 1)
    widest = peak_value(lags)
    peaks, _ = find_peaks(widest, distance=3)
    if peaks.size == 0:
        return None
    top = lags[peaks[np.argsort(widest[peaks])[::-1][:3]]]
    # a dozen divisors per peak is plenty: the highest peaks of a jittered train are its first few
    candidates = np.array([lag / k for lag in top for k in range(1, min(12, int(lag // lo)) + 1)])
    candidates = candidates[candidates <= ihi]
    if candidates.size == 0:
        return None
    counts = (ihi // candidates).astype(int)
    multiples = np.round(candidates[:, None] * np.arange(1, counts.max() + 1)[None, :]).astype(int)
    valid = np.arange(1, counts.max() + 1)[None, :] <= counts[:, None]
    values = peak_value(np.where(valid, multiples, ilo))
    combs = (values * valid).sum(axis=1) / counts
    best = float(combs.max())
    period = float(candidates[combs >= best - 0.2 * abs(best)].min())
    j = 2
    while j * period <= last - 3:
        window = max(3, int(0.1 * period))
        centre = int(round(j * period))
        near = np.arange(max(1, centre - window), min(ac.size - 2, centre + window) + 1)
        values = ac[near]
        i = int(np.argmax(values))
        offset = 0.0
        if 0 < i < values.size - 1:
            denom = values[i - 1] - 2 * values[i] + values[i + 1]
            offset = 0.5 * (values[i - 1] - values[i + 1]) / denom if denom < 0 else 0.0
        refined = (near[i] + offset) / j
        if abs(refined - period) > 0.03 * period:
            break
        period = refined
        j *= 2
    return float(period)


def _fold(comp: Any, period: float) -> tuple[float, int]:
    """Epoch folding of ``comp`` at ``period`` frames: (score, phase). See :class:`_Folder`."""
    return _Folder(comp).fold(period)


class _Folder:
    """Epoch folding: average the onset function over cycles; score the peak of the profile.

    Timing jitter of a few % moves each click by up to ~2 % of the period, so each cycle
    contributes its *maximum* within that tolerance (a max filter before averaging): the
    average of maxima keeps the click's full height, a maximum of averages would not.
    The max-filtered signals are kept per tolerance: the period search folds one onset
    function at many periods.
    """

    def __init__(self, comp: Any) -> None:
        import numpy as np

        self.comp = comp
        self.std = float(np.std(comp))
        self._tolerant: dict[int, Any] = {}

    def tolerant(self, tol: int) -> Any:
        from scipy.ndimage import maximum_filter1d

        if tol not in self._tolerant:
            self._tolerant[tol] = maximum_filter1d(self.comp, size=2 * tol + 1)
        return self._tolerant[tol]

    def fold(self, period: float, with_phase: bool = True) -> tuple[float, int]:
        import numpy as np

        comp = self.comp
        width = int(period)
        cycles = int((comp.size - width) // period) + 1
        if cycles < 3:
            return 0.0, 0
        starts = np.round(np.arange(cycles) * period).astype(int)
        index = starts[:, None] + np.arange(width)[None, :]
        tol = max(1, int(round(0.03 * period)))
        profile = self.tolerant(tol)[index].mean(axis=0)
        half = width // 2   # upper median by partition: np.median's overhead dominates short profiles
        med = np.partition(profile, half)[half]
        mad = 1.4826 * np.partition(np.abs(profile - med), half)[half]
        spread = max(float(mad), self.std / math.sqrt(cycles) * 0.5, 1e-6)
        top = int(np.argmax(profile))
        score = float((profile[top] - med) / spread)
        if not with_phase:
            return score, top
        # the centre: the raw profile's maximum inside the tolerant profile's peak region
        raw = comp[index].mean(axis=0)
        region = np.arange(top - tol, top + tol + 1) % width
        return score, int(region[np.argmax(raw[region])])

    def score(self, period: float) -> float:
        return self.fold(period, with_phase=False)[0]


def _consistency(comp: Any, period: float, phase: int, parts: int = 3) -> float:
    """Fold each third of the recording separately at the train's period and phase: a real
    train stands out in every part, a chance alignment of a few loud keys in one part only.
    Returns the weakest part's robust z near the train's phase."""
    import numpy as np
    from scipy.ndimage import maximum_filter1d

    width = int(period)
    cycles = int((comp.size - width) // period) + 1
    if cycles < parts:
        return 0.0
    starts = np.round(np.arange(cycles) * period).astype(int)
    tol = max(1, int(round(0.03 * period)))
    tolerant = maximum_filter1d(comp, size=2 * tol + 1)
    weakest = float("inf")
    for chunk in np.array_split(starts, parts):
        profile = tolerant[chunk[:, None] + np.arange(width)[None, :]].mean(axis=0)
        med = np.median(profile)
        mad = max(1.4826 * float(np.median(np.abs(profile - med))), 1e-6)
        # each third may sit a little off the whole recording's phase (timing jitter of a few
        # % drifts a 2-3 cycle average): its best point within the tolerance of the phase
        near = profile[np.arange(phase - tol, phase + tol + 1) % width]
        weakest = min(weakest, float((near.max() - med) / mad))
    return weakest


def _grid(c: dict[str, Any], th: Thresholds, period: float, phase: int, score: float, band: int) -> ClickTrain:
    """Look for the click in each slot of the grid; measure fill, jitter, similarity, SNR, band.

    The grid is refitted once on the clear clicks it finds (least squares over cycle numbers)
    and scanned again: a period off by 1 % drifts a slot by a tenth of a period after ten cycles.
    """
    import numpy as np

    z, rate = c["zs"][band], c["rate"]
    # +-5 % of the period: clicks jitter by a few % (2.5 sigma of 2 %); the adaptive threshold
    # below keeps a wide window from counting noise as clicks
    tol = max(3, int(round(0.05 * period)))
    # A slot "holds a click" when its maximum beats what noise alone usually reaches in a window
    # of that width (80th percentile of window maxima at arbitrary places: the train's own
    # clicks fill at most ~15 % of such windows), and at least hit_z.
    picks = np.random.default_rng(0).integers(0, max(1, z.size - 2 * tol - 1), 256)
    noise_max = float(np.percentile(np.max(z[picks[:, None] + np.arange(2 * tol + 1)], axis=1), 80))
    threshold = max(th.hit_z, noise_max)
    jitter = None
    for _attempt in range(2):
        hits, hit_z, slot_z = _scan_slots(z, period, phase, tol, threshold)
        # timing is judged on the clear clicks only: at low SNR a weak slot's maximum is noise
        strong = [i for i, v in zip(hits, hit_z) if v >= 2 * th.hit_z]
        if len(strong) < 3:
            break
        idx = np.array(strong, dtype=float)
        cycle = np.round((idx - idx[0]) / period)
        if np.unique(cycle).size < 3:
            break
        slope, intercept = np.polyfit(cycle, idx, 1)
        jitter = float(np.std(idx - (slope * cycle + intercept)) / period)
        if slope <= 0 or abs(slope - period) > 0.05 * period:
            break
        moved = abs(slope - period) * len(slot_z) > 0.3 * tol
        period = float(slope)
        phase = int(round(intercept - np.floor(intercept / period) * period)) % max(1, int(period))
        if not moved:
            break
    times = [c["t0"] + i / rate for i in hits]
    p90 = float(np.percentile(slot_z, 90)) if slot_z else 0.0
    return ClickTrain(period_s=period / rate, times_s=[round(t, 4) for t in times], score=score,
                      fill=len(hits) / max(1, len(slot_z)), jitter=jitter, similarity=_similarity(c, hits),
                      snr_db=_snr_db(c, hits), band_hz=_band(c, hits), slots=len(slot_z),
                      median_z=float(np.median(hit_z)) if hit_z else 0.0,
                      on_grid=_on_grid(c, th, hits, period),
                      slot_z_p90=p90,
                      uniformity=float(np.mean(np.array(slot_z) >= 0.2 * p90)) if slot_z else 0.0,
                      contrast=_contrast(slot_z), subgrid=_subgrid(slot_z),
                      slot_median=float(np.median(slot_z)) if slot_z else 0.0,
                      # in the chosen band, or in the whole band: with 2-3 cycles per third a
                      # narrow band's heavy-tailed noise can hide one third's clicks
                      consistency=max(_consistency(_compressed(c, band), period, phase),
                                      _consistency(_compressed(c, 0), period, phase)
                                      if band != 0 else float("-inf")))


def _contrast(slot_z: list[float]) -> float:
    if len(slot_z) < 4:
        return 0.0
    ordered = sorted(slot_z)
    return float(sum(ordered[-3:]) / 3 / max(ordered[len(ordered) // 2], 1.0))


def _subgrid(slot_z: list[float]) -> float:
    import numpy as np

    z = np.maximum(np.asarray(slot_z), 0.0)
    best = 0.0
    for k in range(2, 7):   # the search limits: 5 s grids, parking every 6-10 s on a 1-5 s grid
        if z.size < 2 * k:
            continue
        for r in range(k):
            mine = np.zeros(z.size, dtype=bool)
            mine[r::k] = True
            best = max(best, float(z[mine].mean() / max(z[~mine].mean(), 1.0)))
    return best


def _scan_slots(z: Any, period: float, phase: float, tol: int,
                threshold: float) -> tuple[list[int], list[float], list[float]]:
    """Maximum of the onset z in each slot of the grid; the slots whose maximum is a click."""
    import numpy as np

    hits, hit_z, slot_z = [], [], []
    first = phase - int(phase // period) * period
    k = 0
    while True:
        centre = int(round(first + k * period))
        k += 1
        if centre >= z.size:
            break
        lo, hi = max(0, centre - tol), min(z.size, centre + tol + 1)
        i = lo + int(np.argmax(z[lo:hi]))
        slot_z.append(float(z[i]))
        if z[i] >= threshold:
            hits.append(i)
            hit_z.append(float(z[i]))
    return hits, hit_z, slot_z


def _on_grid(c: dict[str, Any], th: Thresholds, hits: list[int], period: float) -> float | None:
    """Share of the unmistakable impulses that the train explains (its grid, or a second click
    at a fixed offset: in-stop/out-stop pairs). Typing and seeks leave most impulses off-grid."""
    import numpy as np
    from scipy.signal import find_peaks

    if len(hits) < 2:
        return None
    z, rate = c["z"], c["rate"]
    strong, _ = find_peaks(z, height=th.event_z, distance=max(1, int(0.015 * rate)))
    if strong.size < 4:
        return None
    tol = max(3, int(round(0.03 * period)))
    phase = (strong - hits[0]) % period
    dist = np.minimum(phase, period - phase)
    on = dist <= tol
    rest = phase[~on]
    if rest.size:
        hist, edges = np.histogram(rest, bins=max(1, int(period // (2 * tol))), range=(0, period))
        j = int(np.argmax(hist))
        centre = (edges[j] + edges[j + 1]) / 2
        on = on | (np.abs(phase - centre) <= tol)
    return float(on.mean())


def _similarity(c: dict[str, Any], hits: list[int]) -> float | None:
    """Median cosine similarity of each click's 12-band log spectrum to the median click."""
    import numpy as np

    if len(hits) < 3:
        return None
    w = c["w"]
    edges = np.unique(np.geomspace(1, w.shape[1], 13).astype(int))
    frames = np.maximum(w[hits], w[np.minimum(np.array(hits) + 1, w.shape[0] - 1)])
    bands = np.stack([frames[:, a:b].mean(axis=1) for a, b in zip(edges[:-1], edges[1:])], axis=1)
    vec = 10 * np.log10(bands + 1e-6)
    vec = vec - vec.mean(axis=1, keepdims=True)
    template = np.median(vec, axis=0)
    norms = np.linalg.norm(vec, axis=1) * np.linalg.norm(template) + 1e-9
    return float(np.median(vec @ template / norms))


def _snr_db(c: dict[str, Any], hits: list[int]) -> float:
    """Click power over background power in the 1-8 kHz band (8 ms frames)."""
    import numpy as np

    if not hits:
        return float("-inf")
    bp = c["band_power"]
    background = float(np.median(bp))
    excess = float(np.median(bp[hits])) - background
    return 10 * math.log10(max(excess, 1e-12 * background) / background) if background > 0 else float("inf")


def _band(c: dict[str, Any], hits: list[int]) -> tuple[float, float]:
    """10th-90th percentile frequencies of the clicks' energy above the background."""
    import numpy as np

    freqs = c["freqs"]
    if not hits:
        return (float(freqs[0]), float(freqs[-1]))
    excess = np.clip(c["w"][hits].mean(axis=0) - 1.0, 0, None) * c["ref"]
    total = float(excess.sum())
    if total <= 0:
        return (float(freqs[0]), float(freqs[-1]))
    cum = np.cumsum(excess) / total
    return (float(freqs[int(np.searchsorted(cum, 0.1))]), float(freqs[min(len(freqs) - 1, int(np.searchsorted(cum, 0.9)))]))


def _impulses(c: dict[str, Any], th: Thresholds) -> tuple[list[float], float, float | None]:
    """Unmistakable impulses whatever their pattern: for seek activity and isolated clicks."""
    import numpy as np
    from scipy.signal import find_peaks

    z, rate = c["z"], c["rate"]
    peaks, _ = find_peaks(z, height=th.event_z, distance=max(1, int(0.015 * rate)))
    times = [round(c["t0"] + p / rate, 4) for p in peaks]
    duration = z.size / rate
    cv = None
    if len(peaks) >= 3:
        ioi = np.diff(peaks) / rate
        cv = float(np.std(ioi) / np.mean(ioi))
    return times, len(peaks) / duration, cv


# --------------------------------------------------------------------------- tonal sounds

def _tonal_spectrogram(x: Any, fs: int) -> dict[str, Any]:
    """~43 ms frames: frequency resolution for tones, timing for bursts."""
    win = 1 << int(round(math.log2(0.043 * fs)))
    hop = win  # no overlap: half the cost, 43 ms timing is enough for 0.1-1 s bursts
    power, freqs = _power_stft(x, fs, win, hop, 0.0, 16000.0)   # nothing above 16 kHz is used
    return {"p": power, "freqs": freqs, "rate": fs / hop, "t0": win / 2 / fs, "fs": fs}


def _stall_beeps(t: dict[str, Any], th: Thresholds) -> Beeps | None:
    import numpy as np

    p, freqs, rate = t["p"], t["freqs"], t["rate"]
    band = np.flatnonzero((freqs >= 200) & (freqs <= min(5000, 0.45 * t["fs"])))
    pb = p[:, band]
    peak_bin = np.argmax(pb, axis=1)
    prom = 10 * np.log10(pb[np.arange(pb.shape[0]), peak_bin] / (np.median(pb, axis=1) + 1e-20) + 1e-20)
    tonal = prom >= th.beep_db
    if tonal.sum() < 6:
        return None
    f0 = int(np.bincount(peak_bin[tonal]).argmax())
    lo, hi = max(0, f0 - 1), min(pb.shape[1], f0 + 2)
    level = 10 * np.log10(pb[:, lo:hi].max(axis=1) + 1e-20)
    on = tonal & (np.abs(peak_bin - f0) <= 1) & (level - np.median(level) >= 10)
    starts, lengths = _runs(on, max_gap=1)
    keep = [(s, n) for s, n in zip(starts, lengths) if n >= 2 and n / rate <= 1.2]
    if len(keep) < 4 or on.mean() > 0.8:
        return None
    onsets = np.array([s for s, _ in keep], dtype=float) / rate
    ioi = np.diff(onsets)
    period = float(np.median(ioi))
    # a stalled motor retries for 5-60 s (acoustic.md §1.4): a few tonal bursts close together
    # (a seek sequence, a word) are not enough
    if not 0.15 <= period <= 2.5 or float(np.std(ioi) / np.mean(ioi)) > 0.12 or onsets[-1] - onsets[0] < 3.0:
        return None
    return Beeps(freq_hz=float(freqs[band][f0]), period_s=period, count=len(keep),
                 burst_s=float(np.median([n for _, n in keep]) / rate),
                 times_s=[round(t["t0"] + o, 3) for o in onsets])


def _runs(mask: Any, max_gap: int) -> tuple[list[int], list[int]]:
    """Start and length of runs of True, bridging gaps of up to ``max_gap`` frames."""
    starts, lengths = [], []
    start, last = None, None
    for i, v in enumerate(mask):
        if not v:
            continue
        if start is not None and i - last <= max_gap + 1:
            last = i
            continue
        if start is not None:
            starts.append(start)
            lengths.append(last - start + 1)
        start = last = i
    if start is not None:
        starts.append(start)
        lengths.append(last - start + 1)
    return starts, lengths


def _whine(t: dict[str, Any], th: Thresholds, spindle: Line | None, hum_hz: float | None) -> Line | None:
    """A persistent narrow line >= 1 kHz that no fan, spindle order or mains harmonic explains."""
    import numpy as np
    from scipy.ndimage import median_filter
    from scipy.signal import find_peaks

    p, freqs = t["p"], t["freqs"]
    longterm = 10 * np.log10(p.mean(axis=0) + 1e-20)
    floor = median_filter(longterm, size=31, mode="nearest")
    prominence = longterm - floor
    peaks, _ = find_peaks(prominence, height=12.0)
    lines = [(float(freqs[i]), float(prominence[i])) for i in peaks if freqs[i] >= 80]
    bases = [f for f, _ in lines if f < 1000]
    if spindle is not None:
        bases.append(spindle.freq_hz)
    if hum_hz:
        bases.append(hum_hz)
    resolution = float(freqs[1] - freqs[0])
    best = None
    for f, prom in lines:
        if f < 1000 or f > min(12000, 0.45 * t["fs"]) or prom < th.whine_db:
            continue
        if any(_is_multiple(f, b, resolution) for b in bases):
            continue
        i = int(np.argmin(np.abs(freqs - f)))
        present = 10 * np.log10(p[:, i] + 1e-20) >= floor[i] + 10.0
        if present.mean() < 0.8:   # intermittent: a beep or a passing sound, not a worn bearing
            continue
        if best is None or prom > best.prominence_db:
            best = Line(f, prom)
    return best


def _is_multiple(f: float, base: float, resolution: float) -> bool:
    """Harmonic k = 2..12 of ``base`` (fan blade-pass comb, spindle orders, mains)."""
    k = round(f / base)
    return 2 <= k <= 12 and abs(f - k * base) <= 1.5 * resolution


def _grinding(x: Any, fs: int, th: Thresholds) -> Line | None:
    """Broadband (1+ kHz) noise amplitude-modulated at a spindle-like rate (envelope spectrum)."""
    import numpy as np
    from scipy.signal import welch

    block = max(1, fs // 1000)
    hf = np.diff(x)
    n = hf.size // block
    blocks = hf[:n * block].reshape(n, block)
    env = np.einsum("ij,ij->i", blocks, blocks) / block   # no squared copy of the whole signal
    env_rate = fs / block
    if env.size < 2048:
        return None
    # no per-segment detrending: only 60-260 Hz is read, far from DC
    f, s = welch(env / (env.mean() + 1e-20) - 1.0, env_rate, nperseg=2048, detrend=False)
    sdb = 10 * np.log10(s + 1e-20)
    step = float(f[1] - f[0])
    best = None
    for i in np.flatnonzero((f >= 60) & (f <= 260)):
        if sdb[i] < sdb[max(0, i - 1):i + 2].max():
            continue
        near = (np.abs(f - f[i]) >= 3) & (np.abs(f - f[i]) <= 25)
        prom = float(sdb[i] - sdb[near].max())
        # depth m of (1 + m sin): the line holds m^2/2 of the normalised envelope's power.
        # A healthy 7200 rpm drive (shared/audio-healthy, Toshiba MG04A idle) shows m = 0.26 at
        # 2 x f_r; scraping modulates the noise far more deeply.
        depth = float(np.sqrt(2 * s[max(0, i - 2):i + 3].sum() * step))
        if prom >= th.grind_db and depth >= th.grind_depth and (best is None or prom > best.prominence_db):
            best = Line(float(f[i]), prom, depth)
    return best


def _spindle_and_hum(x: Any, fs: int) -> tuple[Line | None, float | None, bool]:
    """Spindle line (rpm/60) and mains hum from a 1 Hz resolution low-frequency PSD."""
    import numpy as np
    from scipy.ndimage import median_filter
    from scipy.signal import welch

    q = max(1, fs // 2400)
    n = x.size // q
    low = x[:n * q].reshape(n, q).mean(axis=1)   # box decimation: aliases fall near its nulls
    rate = fs / q
    nper = int(rate)
    if low.size < nper:
        return None, None, False
    f, s = welch(low - low.mean(), rate, nperseg=nper, detrend=False)   # 40+ Hz read only
    sdb = 10 * np.log10(s + 1e-20)
    prom = sdb - median_filter(sdb, size=21, mode="nearest")

    def line_near(target: float, rel: float) -> Line | None:
        sel = np.flatnonzero(np.abs(f - target) <= max(1.0, rel * target))
        if sel.size == 0:
            return None
        i = sel[np.argmax(prom[sel])]
        return Line(float(f[i]), float(prom[i])) if prom[i] >= 10.0 else None

    hum = None
    for mains in (50.0, 60.0):
        line = line_near(mains, 0.0)
        if line is not None and (hum is None or line.prominence_db > hum.prominence_db):
            hum = line
    spindle = None
    for nominal in SPINDLE_HZ:
        line = line_near(nominal, 0.02)
        if line is not None and (spindle is None or line.prominence_db > spindle.prominence_db):
            spindle = line
    hum_hz = round(hum.freq_hz) if hum is not None else None
    is_hum = bool(spindle and hum_hz and abs(spindle.freq_hz - 2 * hum_hz) <= 1.5)
    return spindle, hum_hz, is_hum


# --------------------------------------------------------------------------- levels and pictures

def _levels(x: Any, fs: int) -> tuple[float, float, float]:
    """Noise floor (10th percentile of 50 ms RMS), overall RMS and peak, in dBFS (sine = 0 dBFS)."""
    import numpy as np

    block = max(1, int(0.05 * fs))
    n = x.size // block
    frames = x[:n * block].reshape(n, block)
    rms = np.sqrt(np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / block)

    def dbfs(v: float) -> float:
        return round(20 * math.log10(max(v * math.sqrt(2), 1e-10)), 1)

    return (dbfs(float(np.percentile(rms, 10))), dbfs(float(np.sqrt(np.mean(rms ** 2)))),
            round(20 * math.log10(max(float(np.max(np.abs(x))), 1e-10)), 1))


def pictures(tonal: dict[str, Any], clicks: dict[str, Any], train: ClickTrain | None) -> dict[str, Any]:
    """Arrays for the report (brief's convention): spectrogram <= 160 x 64, envelope <= 1000 points."""
    import numpy as np

    p, freqs = tonal["p"], tonal["freqs"]
    # 64 equal bands from 0 to 12 kHz (the report draws a linear frequency axis); clicks sit at
    # 1-8 kHz, whine up to 12 kHz
    fmax = min(12000.0, tonal["fs"] / 2)
    edges = np.unique(np.searchsorted(freqs, np.linspace(0.0, fmax, 65)))
    edges = edges[edges < len(freqs)]
    tgroups = np.unique(np.linspace(0, p.shape[0], min(160, p.shape[0]) + 1).astype(int))
    by_time = np.add.reduceat(p[:, :edges[-1]], tgroups[:-1], axis=0) / np.diff(tgroups)[:, None]
    by_band = np.add.reduceat(by_time, edges[:-1], axis=1) / np.diff(edges)[None, :]
    db = np.round(np.maximum(10 * np.log10(by_band + 1e-20), -160.0), 1)
    times = (tgroups[:-1] + np.diff(tgroups) / 2) / tonal["rate"] + tonal["t0"]
    centres = (freqs[edges[:-1]] + freqs[edges[1:] - 1]) / 2

    z = clicks["z"]
    groups = np.unique(np.linspace(0, z.size, min(1000, z.size) + 1).astype(int))
    env = np.maximum.reduceat(z, groups[:-1])
    env_t = clicks["t0"] + groups[:-1] / clicks["rate"]
    return {
        "spectrogram": {"times_s": np.round(times, 3).tolist(), "freqs_hz": np.round(centres, 1).tolist(),
                        "db": db.T.tolist()},
        "envelope": {"times_s": np.round(env_t, 3).tolist(), "values": np.round(env, 2).tolist(),
                     "unit": "onset strength, robust z (1-8 kHz)"},
        "clicks_s": list(train.times_s) if train is not None else [],
    }
