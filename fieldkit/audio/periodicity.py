"""Period search over onset functions: autocorrelation with a comb over multiples, a phase
histogram of onset peaks for slow trains, and epoch folding to score every candidate."""

from __future__ import annotations

import math
from typing import Any

from fieldkit.audio.dsp import max_filter, median, rows
from fieldkit.audio.thresholds import Thresholds


def pool(comps: list[Any], size: int) -> Any:
    """(bands x frames/SEARCH_POOL) maximum of each band's onset function over ``size`` hops."""
    import numpy as np

    m = comps[0].size // size
    stacked = np.stack(comps)
    pooled = stacked[:, 0:m * size:size]
    for k in range(1, size):
        pooled = np.maximum(pooled, stacked[:, k:m * size:size])
    return np.ascontiguousarray(pooled)


def search_period(pooled: Any, rate: float, lo: float, hi: float, th: Thresholds) -> list[tuple[float, float, int]]:
    """Candidate trains (fold score, period in full-rate frames, band), best first.

    ``pooled``: every band's onset function from :func:`pool`. Candidates: each band's
    autocorrelation fundamental, and for slow trains (>= 1 s, a handful of clicks that give
    the autocorrelation few pairs per lag) the periods at which a band's onset peaks line up
    best. Every candidate is judged by folding."""
    m = pooled.shape[1]
    prate, plo, phi = rate / th.search_pool, lo / th.search_pool, hi / th.search_pool
    acs = _autocorrelations(pooled, prate)
    widened = _widened(acs)
    folders = [Folder(p) for p in pooled]
    scored: list[tuple[float, float, int]] = []
    for b, folder in enumerate(folders):
        p = _fundamental(acs[b], widened[:, b], m, plo, phi)
        if p is not None:
            scored.append((folder.score(p), p, b))
    # a phase candidate must beat the autocorrelation's best clearly: folding at a multiple of a
    # fast train's period, or at a chance alignment of its clicks, scores nearly as high
    lead = max((sc for sc, _p, _b in scored), default=0.0)
    for p, b in _phase_candidates(pooled, max(plo, th.phase_min_s * prate), phi, prate, th):
        score = folders[b].score(p)
        if score > lead + th.phase_margin:
            scored.append((score, p, b))
    return [(sc, p * th.search_pool, b) for sc, p, b in sorted(scored, reverse=True)]


def steady_candidates(pooled: Any, rate: float, lo: float, hi: float, th: Thresholds) -> list[tuple[float, float, int]]:
    """Candidate slow trains (>= ``th.phase_min_s``) in a room whose level drifts: (fold score,
    period in full-rate frames, band), best first, from :func:`_steady_fundamentals`.

    Tried after :func:`search_period`'s candidates: the running mean also takes a share of a
    sub-second train's own lags, whose fundamental can then read twice its period (a 0.89 s
    train at -10 dB read 1.77 s and hid the plain search's candidate that found it)."""
    prate, plo, phi = rate / th.search_pool, lo / th.search_pool, hi / th.search_pool
    found = _steady_fundamentals(pooled, max(plo, th.phase_min_s * prate), phi, prate, th)
    scored = [(Folder(pooled[b]).score(p), p, b) for p, b in found]
    return [(sc, p * th.search_pool, b) for sc, p, b in sorted(scored, reverse=True)]


def capped_candidates(pooled: Any, rate: float, lo: float, hi: float, th: Thresholds) -> list[tuple[float, float, int, int]]:
    """Candidate trains among loud other impulses: (fold score, period and phase in full-rate
    frames, band), best first, from every band's onset function capped at a click's level.

    Keys 10-20 dB over the room dominate the autocorrelation of the compressed onset functions
    and pull it to their own chance lags; a weaker, regular train shows in the same functions
    capped at ``th.search_cap_z``: each impulse counts once, however loud. Each candidate is
    scored and phased by folding the capped function it was found in."""
    import numpy as np

    m = pooled.shape[1]
    prate, plo, phi = rate / th.search_pool, lo / th.search_pool, hi / th.search_pool
    capped = np.minimum(pooled, np.float32(math.log1p(th.search_cap_z)))
    acs = _autocorrelations(capped, prate)
    widened = _widened(acs)
    scored: list[tuple[float, float, int, int]] = []
    for b in range(capped.shape[0]):
        p = _fundamental(acs[b], widened[:, b], m, plo, phi)
        if p is not None:
            score, phase = Folder(capped[b]).fold(p)
            scored.append((score, p * th.search_pool, phase * th.search_pool, b))
    return sorted(scored, reverse=True)


def _phase_candidates(comps: Any, lo: float, hi: float, rate: float, th: Thresholds) -> list[tuple[float, int]]:
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
    per_band = th.phase_peaks
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
    steps = ((pos * nb).astype(np.float32)[:, None, :] * freqs.astype(np.float32)[None, :, None]).astype(np.int32)
    # the remainder mod nb from a table: the values are small (< 2^15 frames x 25 bins x 1/lo), and
    # numpy's integer remainder costs several times the look-up
    bins = (np.arange(int(steps.max(initial=0)) + 1, dtype=np.int32) % nb)[steps]   # bands x trials x peaks
    bins += (np.arange(bands * freqs.size, dtype=np.int32) * nb).reshape(bands, freqs.size)[:, :, None]
    hist = np.zeros(bands * freqs.size * nb, dtype=np.float32)
    np.add.at(hist, bins.ravel(), np.broadcast_to(weight.astype(np.float32)[:, None, :], bins.shape).ravel())
    hist = hist.reshape(bands, freqs.size, nb)
    score = (hist + np.roll(hist, -1, axis=2)).max(axis=2)                       # bands x trials
    med = median(score, axis=1)[:, None]
    mad = median(np.abs(score - med), axis=1)[:, None] + 1e-9
    z = ((score - med) / mad).ravel()
    out: list[tuple[float, int]] = []
    for i in np.argsort(z)[::-1]:
        b, p = int(i // freqs.size), float(1.0 / freqs[i % freqs.size])
        if all(b != c or abs(p - q) > 0.03 * q for q, c in out):
            out.append((p, b))
        if len(out) >= th.phase_top:
            break
    # every click also lines up at P/2, P/3...: the histogram cannot tell a train from its
    # subharmonics, the fold can (empty cycles lower its average)
    return [(k * p, b) for p, b in out for k in range(1, 6) if k * p <= hi]


def _steady_fundamentals(comps: Any, lo: float, hi: float, rate: float, th: Thresholds) -> list[tuple[float, int]]:
    """(period, band) of every band's slow fundamental (``lo``-``hi`` frames) in its onset function
    less its running mean over ``th.level_drift_s``.

    A room whose level changes while the technician records (a fan speeding up, a door, steps)
    lifts the onset functions for seconds at a time: their autocorrelation then falls from lag 0
    across the slow periods, its highest peaks are the shortest lags, and the comb settles there
    whatever slow train is present (a 1.23 s train in three bursts, under level steps of +-10 dB,
    read 0.2 s in every band). Less their running mean the level's drift is gone, and the train's
    lags stand out; the faster periods keep the plain autocorrelation, whose fundamentals these do
    not replace."""
    if hi <= lo:
        return []
    acs = _autocorrelations(comps, rate, drift=th.level_drift_s)
    widened = _widened(acs)
    found = ((_fundamental(acs[b], widened[:, b], comps.shape[1], lo, hi), b) for b in range(comps.shape[0]))
    return [(p, b) for p, b in found if p is not None]


def _autocorrelations(comps: Any, rate: float, drift: float = 0.0) -> Any:
    """Normalised, unbiased autocorrelation of every band's onset function (one batched FFT); with
    ``drift`` (s), of each function less its running mean over that long."""
    import numpy as np
    import scipy.fft

    n = comps[0].size
    size = 2 * max(1, int(round(0.008 * rate))) + 1   # +-8 ms timing tolerance
    tolerant = max_filter(np.asarray(comps), size)
    if drift:
        from scipy.ndimage import uniform_filter1d
        tolerant -= uniform_filter1d(tolerant, max(3, int(drift * rate)), axis=1, mode="nearest")
    tolerant -= tolerant.mean(axis=1, keepdims=True)
    spec = scipy.fft.rfft(tolerant, n=scipy.fft.next_fast_len(2 * n, real=True), axis=1, workers=1)
    ac = scipy.fft.irfft(spec.real * spec.real + spec.imag * spec.imag, axis=1, workers=1)[:, :n // 2 + 3]
    return ac / (ac[:, :1] + 1e-12) * (n / (n - np.arange(ac.shape[1])))


#: widths of the autocorrelation's tolerant reads (see _fundamental)
_WIDTHS = (5, 9, 17, 33, 65, 129)


def _widened(acs: Any) -> Any:
    """Every band's autocorrelation read as its maximum over each of ``_WIDTHS`` lags."""
    import numpy as np

    return np.stack([max_filter(acs, k) for k in _WIDTHS])


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


def fold(comp: Any, period: float) -> tuple[float, int]:
    """Epoch folding of ``comp`` at ``period`` frames: (score, phase). See :class:`Folder`."""
    return Folder(comp).fold(period)


class Folder:
    """Epoch folding: average the onset function over cycles; score the peak of the profile.

    Timing jitter of a few % moves each click by up to ~2 % of the period, so each cycle
    contributes its *maximum* within that tolerance (a max filter before averaging): the
    average of maxima keeps the click's full height, a maximum of averages would not.
    The max-filtered signals are kept per tolerance: the period search folds one onset
    function at many periods.
    """

    def __init__(self, comp: Any) -> None:
        self.comp = comp
        self._std: float | None = None
        self._tolerant: dict[int, Any] = {}

    @property
    def std(self) -> float:
        """The onset function's standard deviation, computed when a score first needs it."""
        import numpy as np

        if self._std is None:
            self._std = float(np.std(self.comp))
        return self._std

    def tolerant(self, tol: int) -> Any:
        if tol not in self._tolerant:
            self._tolerant[tol] = max_filter(self.comp, 2 * tol + 1)
        return self._tolerant[tol]

    def fold(self, period: float, with_phase: bool = True, with_score: bool = True) -> tuple[float, int]:
        """(score, phase) of the fold at ``period``; without the score (0.0) when only the phase is
        wanted (the profile's spread is then not estimated)."""
        import numpy as np

        comp = self.comp
        width = int(period)
        cycles = int((comp.size - width) // period) + 1
        if cycles < 3:
            return 0.0, 0
        starts = np.round(np.arange(cycles) * period).astype(int)
        tol = max(1, int(round(0.03 * period)))
        profile = rows(self.tolerant(tol), starts, width).mean(axis=0)
        top = int(np.argmax(profile))
        score = self._score(profile, top, cycles) if with_score else 0.0
        if not with_phase:
            return score, top
        # the centre: the raw profile's maximum inside the tolerant profile's peak region
        raw = rows(comp, starts, width).mean(axis=0)
        region = np.arange(top - tol, top + tol + 1) % width
        return score, int(region[np.argmax(raw[region])])

    def _score(self, profile: Any, top: int, cycles: int) -> float:
        """The profile's peak over its median, in robust spreads (at least half the noise of a
        mean of ``cycles`` cycles)."""
        import numpy as np

        half = profile.size // 2   # upper median by partition: np.median's overhead dominates short profiles
        med = np.partition(profile, half)[half]
        mad = 1.4826 * np.partition(np.abs(profile - med), half)[half]
        spread = max(float(mad), self.std / math.sqrt(cycles) * 0.5, 1e-6)
        return float((profile[top] - med) / spread)

    def score(self, period: float) -> float:
        return self.fold(period, with_phase=False)[0]

    def phase(self, period: float) -> int:
        return self.fold(period, with_score=False)[1]


def consistency(comp: Any, period: float, phase: int, parts: int = 3) -> float:
    """Fold each third of the recording separately at the train's period and phase: a real
    train stands out in every part, a chance alignment of a few loud keys in one part only.
    Returns the weakest part's robust z near the train's phase."""
    import numpy as np

    width = int(period)
    cycles = int((comp.size - width) // period) + 1
    if cycles < parts:
        return 0.0
    starts = np.round(np.arange(cycles) * period).astype(int)
    tol = max(1, int(round(0.03 * period)))
    tolerant = max_filter(comp, 2 * tol + 1)
    weakest = float("inf")
    for chunk in np.array_split(starts, parts):
        profile = rows(tolerant, chunk, width).mean(axis=0)
        med = median(profile)
        mad = max(1.4826 * float(median(np.abs(profile - med))), 1e-6)
        # each third may sit a little off the whole recording's phase (timing jitter of a few
        # % drifts a 2-3 cycle average): its best point within the tolerance of the phase
        near = profile[np.arange(phase - tol, phase + tol + 1) % width]
        weakest = min(weakest, float((near.max() - med) / mad))
    return weakest
