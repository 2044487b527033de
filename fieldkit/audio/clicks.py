"""Click-train search: the click band's whitened onset functions, the strongest periodic
train in them, and the slot-by-slot tests that tell a click of death from the room."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable

from fieldkit.audio.bursts import judge_active
from fieldkit.audio.dsp import max_filter, median, power_stft, robust_z, rows
from fieldkit.audio.periodicity import (Folder, capped_candidates, consistency, fold, pool, search_period,
                                        steady_candidates)
from fieldkit.audio.sounds import (alike_grids, chance_in_sound_view, distinct_grids, own_sound_view, sound_views,
                                  view_of_sound)
from fieldkit.audio.thresholds import Thresholds


@dataclass
class ClickSpectrogram:
    """4 ms frames of the 1-8 kHz band whitened per bin, and the onset z of each band."""

    w: Any                     # frames x bins, power over each bin's median
    ref: Any                   # each bin's median power
    freqs: Any                 # bin frequencies (Hz)
    z: Any                     # the whole band's onset z
    zs: list[Any]              # onset z of the whole band, each sub-band (and a joined band)
    subbands: list[tuple[int, int]]
    band_power: Any            # power summed over the band, per frame
    rate: float                # frames per second
    t0: float                  # time of frame 0's centre (s)
    fs: float
    compressed: dict[int, Any] = field(default_factory=dict)   # log(1 + z+) per band, cached
    found_impulses: dict[float, Any] = field(default_factory=dict)   # impulse frames per level, cached
    background: float | None = None                                  # median band power, cached
    found_shapes: dict[float, Any] = field(default_factory=dict)     # spectral shapes of the impulses
                                                                      # per level, cached
    samples: Any = None        # the signal the frames were cut from (at ``fs``), for the waveform view
    band_filtered: Any = None  # the same high-passed to the click band, cached
    band_inverse_norms: Any = None   # and 1 / the norm of each 6 ms segment of it, cached

    def log_onset(self, band: int) -> Any:
        """log(1 + z+) of a band's onset z, so a few loud keys cannot dominate a fold; computed
        once per band (the search, the grid and the consistency test all read it)."""
        import numpy as np

        if band not in self.compressed:
            self.compressed[band] = np.log1p(np.clip(self.zs[band], 0.0, None)).astype(np.float32, copy=False)
        return self.compressed[band]

    def band_background(self) -> float:
        """The median of the band power over the recording (every grid's SNR and click level read it)."""
        import numpy as np

        if self.background is None:
            self.background = float(np.median(self.band_power))
        return self.background

    def impulses(self, level: float) -> Any:
        """Frames of the whole band's onset peaks at or above ``level`` (at least 15 ms apart); found
        once per level (the impulse list, the notch and every grid's on-grid share read them)."""
        from scipy.signal import find_peaks

        if level not in self.found_impulses:
            self.found_impulses[level] = find_peaks(self.z, height=level, distance=max(1, int(0.015 * self.rate)))[0]
        return self.found_impulses[level]

    def impulse_shapes(self, level: float) -> Any:
        """The spectral shape of each impulse of :meth:`impulses` (rows), computed once per level:
        the sound views and every candidate's own-sound view read the same impulses."""
        from fieldkit.audio.sounds import shape_vectors

        if level not in self.found_shapes:
            self.found_shapes[level] = shape_vectors(self, self.impulses(level))
        return self.found_shapes[level]


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
    noise_z: float = 0.0            # what the noise alone reaches in a slot's window (80th percentile of
                                    # window maxima at arbitrary places)
    contrast: float = 0.0           # mean of the 3 strongest slots over the median slot: a few loud
                                    # clicks among noise-filled slots score high, a train of equal
                                    # clicks near 1-2 whatever its level
    subgrid: float = 0.0            # strongest ratio of every k-th slot's (k = 2-6) mean strength to the
                                    # other slots': high when a train k times slower (head parking
                                    # every 9 s on a 4.5 s grid) fills every k-th slot

    # the train judged on its active slots only (a drive clicks while it is asked to read and
    # stops between; typing or seeks around it add impulses the grid does not explain)
    segments_s: list[tuple[float, float]] = field(default_factory=list)   # when the clicks occur
    active_slots: int = 0
    active_fill: float = 0.0
    active_consistency: float = 0.0
    click_level_db: float = float("-inf")   # the clicks' power over the background's, absolute (dB
                                            # re full scale, 1-8 kHz): compares two recordings
    phases: int = 1                 # bursts at phases of their own (a drive restarting its retry cycle)
    chance_log10: float = 0.0       # log10 of the chance that the room's other impulses fill that
                                    # many active slots (binomial tail): very negative for a real train
    active_clicks: int = 0          # active slots that hold a click
    active_similarity: float | None = None   # similarity of those clicks only
    phase_gap: float = 1.0          # share of the slots that hold a click minus the same share at the
                                    # best other phase of the period: a train owns its phase, a grid
                                    # fitted through seek bursts does barely better than its neighbours

    def active_times_s(self, slack_s: float = 0.0) -> list[float]:
        """The clicks of the active stretches (within ``slack_s`` of one: their ends are rounded to
        10 ms), all of them when the train was not judged on stretches."""
        if not self.segments_s:
            return list(self.times_s)
        return [t for t in self.times_s if any(a - slack_s <= t <= b + slack_s for a, b in self.segments_s)]

    @property
    def rate_hz(self) -> float:
        return 1.0 / self.period_s

    @property
    def regularity(self) -> float | None:
        """1 = perfectly periodic; from the timing residual relative to the period."""
        return max(0.0, 1.0 - self.jitter) if self.jitter is not None else None


def click_spectrogram(x: Any, fs: int, th: Thresholds) -> ClickSpectrogram:
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
    win = int(round(th.frame_s * fs)) // 2 * 2
    hop = win // 2
    p, freqs = power_stft(x, fs, win, hop, 1000.0, min(8000.0, 0.45 * fs))
    # The room's level changes while the technician records (a fan speeds up, a door opens):
    # whiten each stretch of th.whiten_s against its own median (every 4th frame: the same
    # estimate at a quarter of the cost), so that a louder stretch's noise does not read as
    # clicks and a quieter stretch's clicks are not drowned.
    hop_s = hop / fs
    block = max(8, int(round(th.whiten_s / hop_s)))
    nblocks = p.shape[0] // block
    if nblocks >= 2:
        local = median(p[:nblocks * block].reshape(nblocks, block, -1)[:, ::4], axis=1) + np.float32(1e-20)
        ref = median(local, axis=0)   # the whole recording's background, for the click band's shape
        which = np.minimum(np.arange(p.shape[0]) // block, nblocks - 1)
        w = p / local[which]
    else:
        ref = median(p[::4], axis=0) + np.float32(1e-20)
        w = p / ref
    nbins = w.shape[1]
    edges = np.unique(np.linspace(0, nbins, th.subbands + 1).astype(int))
    subbands = [(0, nbins)] + [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b - a >= 2]
    # band means from one cumulative sum over the bins (13 strided means cost more)
    means = w @ _band_matrix(nbins, subbands)   # every band's mean in one matrix product
    zs = list(robust_z(np.ascontiguousarray(means.T)))   # every band's onset z at once
    return ClickSpectrogram(w=w, ref=ref, freqs=freqs, z=zs[0], zs=zs, subbands=subbands, band_power=p.sum(axis=1),
                            rate=fs / hop, t0=win / 2 / fs, fs=fs, samples=x)


def _band_matrix(nbins: int, bands: list[tuple[int, int]]) -> Any:
    """(bins x bands) weights whose product with a spectrogram gives each band's mean."""
    import numpy as np

    m = np.zeros((nbins, len(bands)), dtype=np.float32)
    for i, (a, b) in enumerate(bands):
        m[a:b, i] = 1.0 / (b - a)
    return m


def best_click_train(c: ClickSpectrogram, th: Thresholds, max_period: float) -> ClickTrain | None:
    """Search every band's onset function for the strongest periodic train.

    The search's candidates are built into trains best first, up to ``th.search_tries``
    distinct periods, until one passes the click-train tests: among loud keys or seek ticks
    the strongest fold is often a chance alignment of those, and the train is a later
    candidate. When none passes, the first one is returned (the evidence for "inconclusive")."""

    rate = c.rate
    # 8 % beyond the longest period: a jittered train at the limit still forms a peak
    lo, hi = th.min_period_s * rate, max_period * rate * 1.08
    if hi <= lo + 2 or hi >= c.z.size:
        return None
    comps = [c.log_onset(i) for i in range(len(c.zs))]
    pooled = pool(comps, th.search_pool)
    first: ClickTrain | None = None
    tried: list[float] = []
    built: list[ClickTrain] = []

    def tries(candidates: list[tuple[float, float, int | None, int]], tried: list[float] = tried,
              looks: float = 1.0, sounds: tuple[int, ...] = (), budget: int = th.search_tries) -> ClickTrain | None:
        nonlocal first
        for found_score, period, phase, b in candidates:
            if budget <= 0:
                return None
            if any(abs(period - q) <= 0.03 * q for q in tried) or (first is not None and found_score < th.click_score):
                continue
            tried.append(period)
            budget -= 1
            train = _train_near(c, th, pooled, period, b, (found_score, phase) if phase is not None else None)
            if b in sounds:
                train.chance_log10 = max(train.chance_log10, chance_in_sound_view(c, th, b, train))
            train.chance_log10 += math.log10(looks)   # the grids searched in several views: pay for them
            if first is None:
                first = train
            built.append(train)
            if passes(train, th):
                return train
        return None

    # the views for loud other impulses only when the search found nothing: a train in a
    # quiet room passes first, at no extra cost
    found = tries([(sc, p, None, b) for sc, p, b in search_period(pooled, rate, lo, hi, th)])
    if found is None:
        found = tries([(sc, p, None, b) for sc, p, b in steady_candidates(pooled, rate, lo, hi, th)])
    if found is None:
        found = tries(capped_candidates(pooled, rate, lo, hi, th))
    if found is None:
        notched = _notched_bands(c, th)
        if notched:
            npooled = pool([c.log_onset(i) for i in notched], th.search_pool)
            found = tries([(sc, p, None, notched[b]) for sc, p, b in search_period(npooled, rate, lo, hi, th)])
    if found is None:
        # a new trial of every period: in the room's own bands the other sounds filled the
        # windows between the slots, in a view of the train's sound they do not
        quiet, sounds = sound_views(c, th)
        views = quiet + sounds
        if views:
            vpooled = pool([c.log_onset(i) for i in views], th.search_pool)
            found = tries([(sc, p, None, views[b]) for sc, p, b in search_period(vpooled, rate, lo, hi, th)], [],
                          len(views) * distinct_grids(lo, hi), tuple(sounds), th.view_tries)
    if found is None:
        # each candidate again, in a view that holds only the impulses that sound like its own
        # clicks: keys, seek ticks or consonants of other sounds no longer fill its slots or the
        # windows between them
        found = _in_own_sound(c, th, built[:th.own_sound_tries], built)
    if found is None:
        # each candidate again, in the view of its clicks' own waveform (a matched filter): a
        # train under speech, a fan or the room's noise, which spread a click's spectrum alike
        found = _in_own_waveform(c, th, built[:th.own_sound_tries], built)
    if found is None:
        # grids through the loud impulses that sound alike and are as loud: a slow train among
        # louder keys, whose period no view's search built (the keys fill every window there)
        found = _on_alike_grids(c, th, lo / rate, hi / rate, built)
    if found is None and not (first is not None and suspicious(first, th)):
        # nothing passed: a faint train is the evidence for "record again closer"
        found = next((t for t in built if faint(t, th)), None)
    return found or first


def _on_alike_grids(c: ClickSpectrogram, th: Thresholds, lo_s: float, hi_s: float,
                    judged_ones: list[ClickTrain]) -> ClickTrain | None:
    """The first grid of :func:`alike_grids` that passes in the view of its impulses' sound,
    judged as :func:`_in_own_sound` judges a candidate there (every grid judged is appended to
    ``judged_ones``)."""
    grids = alike_grids(c, th, lo_s, hi_s)
    looks = math.log10(max(1, len(grids)))
    for period_s, at, own in grids:
        band = view_of_sound(c, th, own)
        if band is None:
            continue
        period = period_s * c.rate
        phase = int(round((at - c.t0) * c.rate)) % max(1, int(period))
        judged = _judged_in_view(c, th, band, period, phase, looks, judged_ones)
        if judged is not None and passes(judged, th):
            return judged
    return None


def _judged_in_view(c: ClickSpectrogram, th: Thresholds, band: int, period: float, phase: int,
                    looks: float, judged_ones: list[ClickTrain],
                    chance: Callable[[ClickSpectrogram, Thresholds, int, ClickTrain], float] | None = None
                    ) -> ClickTrain | None:
    """The grid at ``period`` and ``phase`` (frames) in a view ``band`` (also appended to
    ``judged_ones``), None when its fold score there is under ``th.click_score``. Its chance counts
    every impulse of the view at random times and every grid through two of them (the view was
    built from the grid's own impulses: ``chance``, by default a sound's view's), and pays log10 of
    the candidates tried (``looks``)."""
    score = fold(c.log_onset(band), period)[0]
    if score < th.click_score:   # it could not pass: no grid needed
        return None
    judged = _grid(c, th, period, phase, score, band)
    in_view = (chance(c, th, band, judged) if chance is not None
               else chance_in_sound_view(c, th, band, judged, through_pairs=True))
    judged.chance_log10 = max(judged.chance_log10, in_view) + looks
    judged_ones.append(judged)
    return judged


def _in_own_sound(c: ClickSpectrogram, th: Thresholds, trains: list[ClickTrain],
                  judged_ones: list[ClickTrain]) -> ClickTrain | None:
    """The first of ``trains`` that passes in the view of its own sound (:func:`own_sound_view`),
    judged there at the same period and phase. Its chance counts every impulse of that view at
    random times (as a sound's view does) and pays for the candidates re-judged (every grid
    judged is appended to ``judged_ones``)."""
    return _rejudged(c, th, trains, judged_ones, own_sound_view)


def _in_own_waveform(c: ClickSpectrogram, th: Thresholds, trains: list[ClickTrain],
                     judged_ones: list[ClickTrain]) -> ClickTrain | None:
    """The first of ``trains`` that passes in the view of its own clicks' waveform
    (:func:`~fieldkit.audio.waveform.waveform_view`), judged as :func:`_in_own_sound` judges, with the
    chance of :func:`~fieldkit.audio.waveform.chance_in_waveform_view`."""
    from fieldkit.audio.waveform import chance_in_waveform_view, waveform_view

    try:
        return _rejudged(c, th, trains, judged_ones, waveform_view, chance_in_waveform_view)
    finally:
        # the filtered signal and its norms (12 MB for a 60 s window) are not needed once the views are built
        c.band_filtered = c.band_inverse_norms = None


def _rejudged(c: ClickSpectrogram, th: Thresholds, trains: list[ClickTrain], judged_ones: list[ClickTrain],
              view: Callable[[ClickSpectrogram, Thresholds, ClickTrain], int | None],
              chance: Callable[[ClickSpectrogram, Thresholds, int, ClickTrain], float] | None = None
              ) -> ClickTrain | None:
    """The first of ``trains`` that passes at its period and phase in the view ``view`` builds from it
    (an index into ``c.zs``, None for none), by :func:`_judged_in_view` with ``chance``."""
    looks = math.log10(max(1, len(trains)))
    for train in trains:
        band = view(c, th, train)
        if band is None:
            continue
        phase = int(round((train.times_s[0] - c.t0) * c.rate))
        judged = _judged_in_view(c, th, band, train.period_s * c.rate, phase, looks, judged_ones, chance)
        if judged is not None and passes(judged, th):
            return judged
    return None


def _train_near(c: ClickSpectrogram, th: Thresholds, pooled: Any, period: float, b: int,
                view: tuple[float, int] | None = None) -> ClickTrain:
    """The train at (about) ``period`` in band ``b``: folded, the bands that show it joined, its grid,
    and the same train at its real rate when the period is a multiple of it. ``view``: the fold
    score and phase in the view of the onset function the candidate was found in, when that
    view shows the train better than the onset function itself (keys at chance phases)."""
    rate, lo = c.rate, th.min_period_s * c.rate
    score, phase = fold(c.log_onset(b), period)
    if view is not None and view[0] > score:
        score, phase = view
    if th.union_bands and b < len(c.subbands):   # the recording's own bands (not a notched view)
        b, score, phase = _union_band(c, th, pooled, period, b, score, phase)
    train = _grid(c, th, period, phase, score, b)
    train = _twice_the_period(c, th, train, period, phase, score, b)
    # The comb can still settle on a multiple of the true period (every k-th click): a grid at
    # P/k whose slots are as full and as even is the same train at its real rate.
    if train.times_s:   # the grid's refitted period, anchored on its first click
        period = train.period_s * rate
        phase = int(round((train.times_s[0] - c.t0) * rate))
    for k in range(6, 1, -1):
        if period / k < lo:
            continue
        # cheap look first: does a grid k times as dense hold clicks in most slots?
        z = c.zs[b]
        _hits, _z, slot_z = _scan_slots(z, period / k, phase % (period / k), max(3, int(0.05 * period / k)),
                                        th.hit_z)
        if not slot_z or len(_hits) / len(slot_z) < max(th.min_fill, 0.9 * train.fill):
            continue
        shorter = _grid(c, th, period / k, int(phase % (period / k)), score, b)
        if (shorter.fill >= max(th.min_fill, 0.9 * train.fill) and shorter.uniformity >= th.min_uniformity
                and (shorter.on_grid or 0) >= (train.on_grid or 0)):
            shorter.score = fold(c.log_onset(b), shorter.period_s * rate)[0]
            return shorter
    train = _two_thirds_of_the_period(c, th, train, period, lo)
    return _half_the_period(c, th, train, period, phase, score, b, lo)


def _two_thirds_of_the_period(c: ClickSpectrogram, th: Thresholds, train: ClickTrain, period: float,
                              lo: float) -> ClickTrain:
    """A weak train whose comb settled on 3/2 of its period: that grid meets a click in every
    other slot (every third click of the train), folds nearly as well at -10 dB, and fails; the
    grid at 2/3 of it is the train. Only for a candidate that fails as it is, and kept only when
    it passes."""
    if period / 1.5 < lo or passes(train, th):
        return train
    # in the recording's own band where the shorter grid folds best (the candidate's band was
    # chosen for the longer one)
    fscore, fphase, best = _best_fold(c, period / 1.5, range(len(c.subbands)))
    if fscore < th.click_score:   # it could not pass: no grid needed
        return train
    shorter = _grid(c, th, period / 1.5, fphase, fscore, best)
    return shorter if passes(shorter, th) else train


def _half_the_period(c: ClickSpectrogram, th: Thresholds, train: ClickTrain, period: float, phase: int,
                     score: float, band: int, lo: float) -> ClickTrain:
    """A slow train in part of the recording whose comb settled on twice its period: the whole
    grid at half the period is mostly empty (the tests above judge the whole recording), but its
    active stretches hold more clicks, as full and less likely by chance. Only for a candidate
    that fails as it is."""
    if period / 2 < lo or train.active_clicks < 3 or passes(train, th):
        return train
    shorter = _grid(c, th, period / 2, int(phase % (period / 2)), score, band)
    if (shorter.active_fill >= th.short_min_fill and shorter.active_clicks > train.active_clicks
            and shorter.chance_log10 < train.chance_log10 and stands_out(shorter, th)):
        shorter.score = fold(c.log_onset(band), shorter.period_s * c.rate)[0]
        return shorter
    return train


def _twice_the_period(c: ClickSpectrogram, th: Thresholds, train: ClickTrain, period: float, phase: int,
                      score: float, band: int) -> ClickTrain:
    """Two bursts of a slow train half a period out of phase (the drive restarted its cycle)
    fold best at half the period, where each burst fills every other slot: when the active
    slots are that sparsely filled, the grid at twice the period (at either of its two phases)
    is read too and kept when it stands out on its active stretches (a new trial: it must pass
    on them, not merely fold better; noise grids at twice a chance period otherwise slip through
    the whole-recording tests)."""
    if train.active_fill >= th.short_min_fill or 2 * period > th.max_period_s * c.rate * 1.08:
        return train
    best = train
    for start in (phase, phase + period):
        longer = _grid(c, th, 2 * period, int(start % (2 * period)), score, band)
        if (longer.active_fill >= th.short_min_fill and longer.chance_log10 < best.chance_log10
                and stands_out(longer, th)):
            best = longer
    if best is not train:
        best.score = fold(c.log_onset(band), best.period_s * c.rate)[0]
    return best


def _notched_bands(c: ClickSpectrogram, th: Thresholds) -> list[int]:
    """The click band with the room's dominant impulse notched out: indices into ``c.zs`` of the
    notched whole band and sub-bands, or [] when the room has no dominant impulse.

    A drive's seek ticks are one sound, 5-20 dB over the room, in bursts that fill any grid
    with chance hits and hide a weaker click train. The loudest impulses of the recording give
    that sound's spectrum (their median, when they are alike: ``th.notch_similarity``); each
    frame loses the most of that spectrum it holds (the smallest ratio over the bins where the
    spectrum is strong), so a tick leaves nearly nothing while a click of another spectrum keeps
    its energy in the bins the ticks do not reach. When the loudest impulses are the train
    itself the notch removes it: this view is only searched when the others found no train."""
    import numpy as np

    peaks = c.impulses(th.event_z)
    if peaks.size < th.notch_min_impulses:
        return []
    # the heights in float64, as find_peaks gives them: equal heights sort in the same order
    top = peaks[np.argsort(c.z[peaks].astype(float))[::-1][:th.notch_impulses]]
    w = c.w
    excess = np.clip(np.maximum(w[top], w[np.minimum(top + 1, w.shape[0] - 1)]) - 1.0, 0.0, None)
    excess /= excess.sum(axis=1, keepdims=True) + 1e-12
    shape = np.median(excess, axis=0)
    if float(shape.max()) <= 0.0:
        return []
    shape /= shape.max()
    alike = excess @ shape / (np.linalg.norm(excess, axis=1) * np.linalg.norm(shape) + 1e-12)
    if float(np.median(alike)) < th.notch_similarity:
        return []   # keys of a dozen sounds: no one spectrum to notch
    strong = shape >= 0.3
    frames = np.clip(w - 1.0, 0.0, None)
    amount = np.min(frames[:, strong] / shape[strong], axis=1)
    rest = frames - amount[:, None] * shape[None, :]
    means = rest @ _band_matrix(rest.shape[1], c.subbands)
    base = len(c.zs)
    c.zs.extend(robust_z(np.ascontiguousarray(means.T)))
    return list(range(base, len(c.zs)))


def _union_band(c: ClickSpectrogram, th: Thresholds, pooled: Any, period: float, b: int, score: float,
                phase: int) -> tuple[int, float, int]:
    """A click rings several resonances: join the sub-bands where the train shows at the same
    phase into one band and keep it when its fold beats the single best band's."""
    import numpy as np

    # which sub-bands show the train: folded on 4 ms steps (as in the search), phase within 3 %
    pperiod, pphase = period / th.search_pool, phase / th.search_pool
    tol = max(1.0, 0.03 * pperiod)
    chosen = []
    for i, (lo, hi) in enumerate(c.subbands[1:], start=1):   # [0] is the whole band
        sc, ph = Folder(pooled[i]).fold(pperiod)
        shift = abs(ph - pphase) % pperiod
        if sc >= th.union_min_score and min(shift, pperiod - shift) <= tol:
            chosen.append((lo, hi))
    if len(chosen) < 2:
        return b, score, phase
    # mean whitened power over the joined bins
    weights = np.zeros(c.w.shape[1], dtype=np.float32)
    for lo, hi in chosen:
        weights[lo:hi] = 1.0
    z = robust_z(c.w @ (weights / weights.sum()))
    c.zs.append(z)   # the joined band's onset z: _grid and the pictures read it by index
    joined = len(c.zs) - 1
    sc, ph = fold(c.log_onset(joined), period)
    if sc <= score:
        c.zs.pop()
        c.compressed.pop(joined, None)
        return b, score, phase
    return joined, sc, ph


def _grid(c: ClickSpectrogram, th: Thresholds, period: float, phase: int, score: float, band: int) -> ClickTrain:
    """Look for the click in each slot of the grid; measure fill, jitter, similarity, SNR, band.

    The grid is refitted once on the clear clicks it finds (least squares over cycle numbers)
    and scanned again: a period off by 1 % drifts a slot by a tenth of a period after ten cycles.
    """
    import numpy as np

    z, rate = c.zs[band], c.rate
    # +-5 % of the period: clicks jitter by a few % (2.5 sigma of 2 %); the adaptive threshold
    # below keeps a wide window from counting noise as clicks
    tol = max(3, int(round(0.05 * period)))
    # A slot "holds a click" when its maximum beats what noise alone usually reaches in a window
    # of that width (80th percentile of window maxima at arbitrary places: the train's own
    # clicks fill at most ~15 % of such windows), and at least hit_z.
    picks = _noise_picks(max(1, z.size - 2 * tol - 1))
    noise_max = float(np.percentile(rows(z, picks, 2 * tol + 1).max(axis=1), 80))
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
    times = [c.t0 + i / rate for i in hits]
    p90 = float(np.percentile(slot_z, 90)) if slot_z else 0.0
    train = ClickTrain(period_s=period / rate, times_s=[round(t, 4) for t in times], score=score,
                       fill=len(hits) / max(1, len(slot_z)), jitter=jitter, similarity=similarity(c, hits),
                       snr_db=_snr_db(c, hits), band_hz=_band(c, hits), slots=len(slot_z),
                       click_level_db=_click_level_db(c, hits),
                       median_z=float(np.median(hit_z)) if hit_z else 0.0,
                       on_grid=_on_grid(c, th, hits, period),
                       slot_z_p90=p90,
                       uniformity=float(np.mean(np.array(slot_z) >= 0.2 * p90)) if slot_z else 0.0,
                       contrast=_contrast(slot_z), subgrid=_subgrid(slot_z),
                       slot_median=float(np.median(slot_z)) if slot_z else 0.0, noise_z=noise_max,
                       # in the chosen band, or in the whole band: with 2-3 cycles per third a
                       # narrow band's heavy-tailed noise can hide one third's clicks
                       consistency=max(consistency(c.log_onset(band), period, phase),
                                       consistency(c.log_onset(0), period, phase)
                                       if band != 0 else float("-inf")))
    judge_active(c, th, train, z, period, phase, tol, band)
    active = [((a - c.t0) * rate, (b - c.t0) * rate) for a, b in train.segments_s]
    train.phase_gap = _phase_gap(z, th, period, phase, active)
    return train


def _phase_gap(z: Any, th: Thresholds, period: float, phase: int,
               active: list[tuple[float, float]] | None = None) -> float:
    """How much more often the grid's narrow windows (+-3 % of the period, at the best phase within
    the grid's +-5 % slot) hold an impulse than the windows at any other phase of the same period
    (more than two slot widths away).

    The chance test of the active slots counts the room's impulses in windows between the slots,
    but the phase (and period) were chosen to fit: among dense seek bursts the best of a few
    hundred grids fills a third of its slots where the others fill a fifth, and its bursts of
    well-filled slots then look unlikely. A click train fills its own phase far more often than
    any other (a full train: nearly all slots against the room's rate).

    Only the cycles whose slot lies in the train's ``active`` stretches (frames) are read, when
    three or more do: a drive that clicks in part of the recording leaves the other cycles to the
    noise, which fills some other phase of them as often as the train's."""
    import numpy as np

    width = int(period)
    cycles = int((z.size - width) // period) + 1
    if cycles < 3 or width < 8:
        return 1.0
    narrow = max(2, int(round(0.03 * period)))
    reach = max_filter(z, 2 * narrow + 1)
    starts = np.round(np.arange(cycles) * period).astype(int)
    first = int(round(phase - np.floor(phase / period) * period)) % width
    if active:
        slot = starts + first
        inside = np.zeros(cycles, dtype=bool)
        for lo, hi in active:
            inside |= (slot >= lo) & (slot <= hi)
        if inside.sum() >= 3:
            starts = starts[inside]
    windows = rows(reach, starts, width)
    # "holds an impulse": the level the active-slot test uses (the 80th percentile of windows
    # between the slots, a quarter, half and three quarters of a period off), and half the
    # slots' own typical maximum when that is lower (keys 10-20 dB over the room set the first
    # level above a weaker train's clicks)
    between = windows[:, [(first + int(round(f * period))) % width for f in (0.25, 0.5, 0.75)]]
    base = max(th.hit_z, float(np.percentile(between, 80)))
    levels = {base, max(th.hit_z, min(base, 0.5 * float(np.median(windows[:, first]))))}
    offset = np.abs(np.arange(width) - first)
    offset = np.minimum(offset, width - offset)
    # the grid's phase may sit off the clicks by up to its own +-5 % slot (refitted on keys too)
    near = max(narrow, int(round(0.05 * period)))
    mine, others = offset <= near, offset > 2 * near
    if not others.any():
        return 1.0
    gaps = []
    for level in levels:
        profile = (windows >= level).mean(axis=0)
        gaps.append(float(profile[mine].max() - profile[others].max()))
    return max(gaps)

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
            others = np.ones(z.size, dtype=bool)
            others[r::k] = False
            best = max(best, float(z[r::k].mean() / max(z[others].mean(), 1.0)))
    return best


@functools.lru_cache(maxsize=64)
def _noise_picks(high: int) -> Any:
    """256 seeded window starts in [0, high) where a grid samples the noise (the same for every grid
    of that window width: drawn once)."""
    import numpy as np

    picks = np.random.default_rng(0).integers(0, high, 256)
    picks.setflags(write=False)
    return picks


@functools.lru_cache(maxsize=8)
def _similarity_bands(nbins: int) -> Any:
    """Edges of the 12 log-spaced bands of :func:`similarity` over ``nbins`` bins (bin 0 left out)."""
    import numpy as np

    edges = np.unique(np.geomspace(1, nbins, 13).astype(int))
    edges.setflags(write=False)
    return edges


def _scan_slots(z: Any, period: float, phase: float, tol: int,
                threshold: float) -> tuple[list[int], list[float], list[float]]:
    """Maximum of the onset z in each slot of the grid; the slots whose maximum is a click."""
    import numpy as np

    first = phase - int(phase // period) * period
    centres = np.round(first + np.arange(int((z.size - first) / period) + 2) * period).astype(int)
    centres = centres[centres < z.size]
    # every slot's window at once; -inf beyond the ends, so a slot at an end reads only the recording
    edge = np.full(tol, -np.inf, dtype=z.dtype)
    peak = rows(np.concatenate([edge, z, edge]), centres, 2 * tol + 1).argmax(axis=1) + centres - tol
    slot_z = z[peak]
    hit = slot_z >= threshold
    return peak[hit].tolist(), slot_z[hit].tolist(), slot_z.tolist()


def _on_grid(c: ClickSpectrogram, th: Thresholds, hits: list[int], period: float) -> float | None:
    """Share of the unmistakable impulses that the train explains (its grid, or a second click
    at a fixed offset: in-stop/out-stop pairs). Typing and seeks leave most impulses off-grid."""
    import numpy as np

    if len(hits) < 2:
        return None
    strong = c.impulses(th.event_z)
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


def similarity(c: ClickSpectrogram, hits: list[int]) -> float | None:
    """Median cosine similarity of each click's 12-band log spectrum to the median click."""
    import numpy as np

    if len(hits) < 3:
        return None
    w = c.w
    edges = _similarity_bands(w.shape[1])
    frames = np.maximum(w[hits], w[np.minimum(np.array(hits) + 1, w.shape[0] - 1)])
    bands = np.stack([frames[:, a:b].mean(axis=1) for a, b in zip(edges[:-1], edges[1:])], axis=1)
    vec = 10 * np.log10(bands + 1e-6)
    vec = vec - vec.mean(axis=1, keepdims=True)
    template = np.median(vec, axis=0)
    norms = np.linalg.norm(vec, axis=1) * np.linalg.norm(template) + 1e-9
    return float(np.median(vec @ template / norms))


def _snr_db(c: ClickSpectrogram, hits: list[int]) -> float:
    """Click power over background power in the 1-8 kHz band (8 ms frames)."""
    import numpy as np

    if not hits:
        return float("-inf")
    bp = c.band_power
    background = c.band_background()
    excess = float(np.median(bp[hits])) - background
    return 10 * math.log10(max(excess, 1e-12 * background) / background) if background > 0 else float("inf")


def _click_level_db(c: ClickSpectrogram, hits: list[int]) -> float:
    """Power the clicks add to the 1-8 kHz band, in dB (same scale in every recording)."""
    import numpy as np

    if not hits:
        return float("-inf")
    bp = c.band_power
    excess = float(np.median(bp[hits])) - c.band_background()
    return 10 * math.log10(max(excess, 1e-20))


def _band(c: ClickSpectrogram, hits: list[int]) -> tuple[float, float]:
    """10th-90th percentile frequencies of the clicks' energy above the background."""
    import numpy as np

    freqs = c.freqs
    if not hits:
        return (float(freqs[0]), float(freqs[-1]))
    excess = np.clip(c.w[hits].mean(axis=0) - 1.0, 0, None) * c.ref
    total = float(excess.sum())
    if total <= 0:
        return (float(freqs[0]), float(freqs[-1]))
    cum = np.cumsum(excess) / total
    return (float(freqs[int(np.searchsorted(cum, 0.1))]), float(freqs[min(len(freqs) - 1, int(np.searchsorted(cum, 0.9)))]))


def impulses(c: ClickSpectrogram, th: Thresholds) -> tuple[list[float], float, float | None]:
    """Unmistakable impulses whatever their pattern: for seek activity and isolated clicks."""
    import numpy as np

    z, rate = c.z, c.rate
    peaks = c.impulses(th.event_z)
    times = [round(c.t0 + p / rate, 4) for p in peaks]
    duration = z.size / rate
    cv = None
    if len(peaks) >= 3:
        ioi = np.diff(peaks) / rate
        cv = float(np.std(ioi) / np.mean(ioi))
    return times, len(peaks) / duration, cv


def passes(c: ClickTrain, th: Thresholds) -> bool:
    """The candidate is a click train: it passes the whole-recording tests clearly (a fold score
    of at least ``th.faint_score``), or it stands out on its active slots (a train among typing
    or seeks, or in part of the recording)."""
    return (c.score >= th.faint_score and _passes_whole(c, th)) or stands_out(c, th)


def faint(c: ClickTrain, th: Thresholds) -> bool:
    """A train that passes the whole-recording tests only just (fold score between
    ``th.click_score`` and ``th.faint_score``) and does not stand out on its active slots:
    neither OK nor a verdict. Pink noise alone reaches these scores about once in 500 clips;
    a closer recording (or one while the disk is read) raises a real train's clicks above them."""
    return c.score < th.faint_score and _passes_whole(c, th) and not stands_out(c, th)


def stands_out(c: ClickTrain, th: Thresholds) -> bool:
    """A train judged on its active slots: present in enough of them that the room's other
    impulses cannot explain it, consistent over its active stretches, regular and alike."""
    if c.score < th.click_score or c.period_s > th.max_period_s * 1.02:
        return False
    if c.active_fill < th.min_fill or (c.active_slots < th.min_active_slots and not _short_train(c, th)):
        return False
    # bursts whose phases were fitted one by one must stand out more clearly over their stretches
    needed = th.min_consistency * (1.0 if c.phases == 1 else th.multi_phase_consistency)
    if c.chance_log10 > th.max_chance_log10 or c.active_consistency < needed:
        return False
    if c.jitter is None or c.jitter > th.max_jitter:
        return False
    # a moderate chance, with a phase barely better than the others or hits scattered over many
    # short stretches: a grid fitted through seek bursts, touching each burst for a slot or three
    # (bursts at phases of their own fill other phases too; they meet the stricter consistency)
    if c.phases == 1 and c.chance_log10 > th.unique_chance_log10 and (
            c.phase_gap < th.min_phase_gap or len(c.segments_s) > th.max_stretches):
        return False
    return c.similarity is not None and c.similarity >= th.min_similarity


def _short_train(c: ClickTrain, th: Thresholds) -> bool:
    """A train too short for the slot count (a slow drive clicking for a few cycles): a handful
    of clicks that fill their slots and sound alike (the same actuator hitting the same stop)."""
    return (c.active_clicks >= th.short_min_clicks and c.active_fill >= th.short_min_fill
            and c.chance_log10 <= th.short_max_chance_log10
            and c.active_similarity is not None and c.active_similarity >= th.short_similarity)


def _passes_whole(c: ClickTrain, th: Thresholds) -> bool:
    if c.score < th.click_score or c.slots < th.min_clicks or c.consistency < th.min_consistency:
        return False
    if c.chance_log10 > th.whole_max_chance_log10:
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
    # (a slow grid's wide windows reach event_z on noise alone: pink noise's 80th percentile of
    # +-187 ms window maxima was 8.1, and head parking every 7.5 s on a 3.74 s grid held a slot
    # median of 9.6 with every other slot empty)
    if c.slot_median >= max(th.event_z, 1.5 * c.noise_z):
        return True   # the median slot holds an unmistakable click: every slot does, whatever the spread
    return c.contrast <= th.max_contrast and c.subgrid <= th.max_subgrid and c.contrast * c.subgrid <= th.max_few_loud


def suspicious(c: ClickTrain, th: Thresholds) -> bool:
    """A strong periodic pattern that failed only the shape test: neither OK nor a verdict."""
    return (c.score >= th.click_score * 1.5 and c.slots >= th.min_clicks and c.consistency >= th.min_consistency
            and _one_train_in_range(c, th)
            and (c.median_z < th.event_z or c.fill >= th.min_fill)
            and (c.slot_z_p90 < th.event_z or c.uniformity >= th.min_uniformity)
            and (c.jitter is None or c.jitter <= th.max_jitter)
            and (c.on_grid is None or c.on_grid >= th.min_on_grid))


def train_at(c: ClickSpectrogram, th: Thresholds, period_s: float) -> ClickTrain | None:
    """The best train at a known period (from another recording) in this one: folded in every
    band, the best band's grid. None when the recording is too short for three cycles."""
    period = period_s * c.rate
    if period * 3 >= c.z.size:
        return None
    score, phase, band = _best_fold(c, period, range(len(c.zs)))
    return _grid(c, th, period, phase, score, band)


def _best_fold(c: ClickSpectrogram, period: float, bands: range) -> tuple[float, int, int]:
    """(score, phase, band) of the band whose onset function folds best at ``period``."""
    (score, phase), band = max(((fold(c.log_onset(b), period), b) for b in bands), key=lambda item: item[0][0])
    return score, phase, band


def other_impulses(events_s: list[float], train: ClickTrain | None) -> list[float]:
    """The unmistakable impulses that are not the train's clicks (within 3 % of a period or 20 ms)."""
    if train is None or not train.times_s:
        return list(events_s)
    import numpy as np

    clicks = np.asarray(train.times_s)
    tol = max(0.02, 0.03 * train.period_s)
    return [t for t in events_s if float(np.min(np.abs(clicks - t))) > tol]
