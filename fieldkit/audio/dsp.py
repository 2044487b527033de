"""Shared signal processing of the acoustic check: framing, power spectrograms, robust
scores, runs and levels. numpy and scipy are imported inside the functions."""

from __future__ import annotations

import math
from typing import Any


def median(a: Any, axis: int | None = None) -> Any:
    """``np.median(a, axis)`` of an array without NaN, by selecting the middle element(s) only:
    np.median also moves the largest element to the end (its NaN check), which costs as much again
    on the short rows read here."""
    import numpy as np

    if axis is None:
        a, axis = np.ravel(a), 0
    n = a.shape[axis]
    half = n // 2
    if n % 2:
        return np.take(np.partition(a, half, axis=axis), half, axis=axis)
    part = np.partition(a, (half - 1, half), axis=axis)
    return (np.take(part, half - 1, axis=axis) + np.take(part, half, axis=axis)) / 2


def robust_z(v: Any) -> Any:
    """(v - median) / (1.4826 MAD) along the last axis: of a signal, or of each row (band) of a
    2-D array at once."""
    import numpy as np

    # median and MAD of every 4th value: the same estimate of the background at a quarter of the cost
    sample = v[..., ::4] if v.shape[-1] >= 4000 else v
    med = np.expand_dims(median(sample, axis=-1), -1)
    mad = 1.4826 * median(np.abs(sample - med), axis=-1)
    scale = np.maximum(np.asarray(mad, dtype=float), 1e-12).astype(v.dtype)
    return (v - med) / np.expand_dims(scale, -1)


def binomial_tail_log10(k: int, m: int, q: float) -> float:
    """log10 P(hits >= k) of m slots each hit with chance q: the regularised incomplete beta
    I_q(k, m - k + 1), scipy.stats' binom.logsf value (checked on 200000 triples) without its
    argument handling, which costs 30 times the function, and without importing scipy.stats."""
    import numpy as np
    from scipy.special import betainc

    if k <= 0:
        return 0.0
    with np.errstate(divide="ignore"):   # a tail below 1e-308 is log 0: -inf, as binom.logsf gives
        return float(np.log(betainc(k, m - k + 1, q)) / math.log(10))


def occupancy_tail_log10(k: int, m: int, n: int, p: float) -> float:
    """log10 P(at least k of m disjoint slots hold an impulse) when n impulses fall at random
    times, each into a given slot with chance p (and outside all of them with 1 - m p).

    The binomial tail with a slot chance of n p treats every slot as hit independently; n
    impulses can fill at most n slots, and a slot hit twice fills one: with a handful of
    impulses (a sound's own view: a slow train's 7 clicks and 2 others) the binomial overstates
    the chance by n^k / (n (n-1) ... (n-k+1)), 26 times for 7 of 9. Exact: the count of slots
    hit so far is a Markov chain over the impulses (k or more is one state), taken n steps at
    once by repeated squaring of its transition matrix."""
    import numpy as np

    if k <= 0:
        return 0.0
    if k > min(m, n) or p <= 0.0:
        return float("-inf")
    p = min(p, 1.0 / m)
    j = np.arange(k + 1)
    new_slot = np.where(j < k, (m - j) * p, 0.0)   # the impulse lands in a slot not hit yet
    step = np.diag(1.0 - new_slot) + np.diag(new_slot[:-1], 1)
    reached = float(np.linalg.matrix_power(step, n)[0, k])
    return math.log10(reached) if reached > 0 else float("-inf")


def frame_view(x: Any, win: int, hop: int) -> Any:
    import numpy as np

    n = 1 + (x.size - win) // hop
    return np.lib.stride_tricks.as_strided(x, shape=(n, win), strides=(x.strides[0] * hop, x.strides[0]),
                                           writeable=False)


def rows(v: Any, starts: Any, width: int) -> Any:
    """(starts x width) array of ``v[s:s + width]`` for each start: whole rows copied from a
    sliding view, instead of one gathered element per entry of a (starts x width) index array."""
    return frame_view(v, width, 1)[starts]


def max_filter(a: Any, size: int) -> Any:
    """``scipy.ndimage.maximum_filter1d(a, size, axis=-1)`` (its 'reflect' ends). For an odd size
    shorter than twice the signal, the maxima over 2, 4, 8... samples by doubling and each window
    as the larger of its two overlapping power-of-two parts: a handful of vectorised passes, five
    to nine times faster than scipy's filter on the onset functions and autocorrelations here."""
    import numpy as np
    from scipy.ndimage import maximum_filter1d

    t, n = size // 2, a.shape[-1]
    if size % 2 == 0 or t >= n:
        return maximum_filter1d(a, size=size, axis=-1)
    # reflected ends (d c b a | a b c d | d c b a), as scipy's
    m = np.concatenate([a[..., t - 1::-1], a, a[..., :n - t - 1:-1]], axis=-1) if t else a
    span = 1
    while 2 * span <= size:
        m = np.maximum(m[..., :-span], m[..., span:])
        span *= 2
    return np.maximum(m[..., :n], m[..., size - span:size - span + n])


def welch_psd(x: Any, fs: float, nperseg: int) -> tuple[Any, Any]:
    """``scipy.signal.welch(x, fs, nperseg=nperseg, detrend=False)``: the mean periodogram of
    half-overlapping periodic-Hann segments, one-sided, as a density. One batched FFT: welch
    transforms (and scales) its segments one at a time in Python, which cost more than the FFTs."""
    import numpy as np
    import scipy.fft
    from scipy.signal import get_window

    hop = nperseg - nperseg // 2
    win = get_window("hann", nperseg)
    win = win / np.sqrt(np.sum(win * win) * fs)   # density scaling, as welch's
    spec = scipy.fft.rfft(frame_view(x, nperseg, hop) * win, axis=1, workers=1)
    power = spec.real ** 2 + spec.imag ** 2
    power[:, 1:-1 if nperseg % 2 == 0 else None] *= 2   # one-sided: the negative frequencies' share
    return np.fft.rfftfreq(nperseg, 1.0 / fs), power.mean(axis=0).astype(np.result_type(x, np.float32))


#: samples of the signal windowed and transformed at a time by power_stft: its temporaries (the
#: windowed frames, their spectra) stay in the cache instead of being written out and read back
STFT_CHUNK = 1 << 18


def power_stft(x: Any, fs: int, win: int, hop: int, fmin: float = 0.0, fmax: float | None = None) -> tuple[Any, Any]:
    """Power spectrogram (frames x bins) of the bins in [fmin, fmax] only (saves the rest's cost)."""
    import numpy as np
    import scipy.fft

    frames = frame_view(x, win, hop)
    window = np.hanning(win).astype(np.float32)
    freqs = np.fft.rfftfreq(win, 1.0 / fs)
    keep = np.flatnonzero((freqs >= fmin) & (freqs <= (fmax if fmax is not None else fs)))
    lo, hi = keep[0], keep[-1] + 1
    power = np.empty((frames.shape[0], hi - lo), dtype=np.result_type(x, np.float32))
    step = 4 * max(1, STFT_CHUNK // win // 4)   # whole groups of 4 frames, as the FFT batches them
    for i in range(0, frames.shape[0], step):
        spec = scipy.fft.rfft(frames[i:i + step] * window, axis=1, workers=1)
        np.abs(spec[:, lo:hi], out=power[i:i + step])   # |X| then square: faster than re^2 + im^2 on a slice
    np.square(power, out=power)
    return power.astype(np.float32, copy=False), freqs[lo:hi]


def runs(mask: Any, max_gap: int) -> tuple[list[int], list[int]]:
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


def sound_levels(x: Any, fs: int) -> tuple[float, float, float]:
    """Noise floor (10th percentile of 50 ms RMS), overall RMS and peak, in dBFS (sine = 0 dBFS)."""
    import numpy as np

    block = max(1, int(0.05 * fs))
    n = x.size // block
    frames = x[:n * block].reshape(n, block)
    rms = np.sqrt(np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / block)

    def dbfs(v: float) -> float:
        return round(20 * math.log10(max(v * math.sqrt(2), 1e-10)), 1)

    return (dbfs(float(np.percentile(rms, 10))), dbfs(float(np.sqrt(np.mean(rms ** 2)))),
            round(20 * math.log10(max(float(x.max()), -float(x.min()), 1e-10)), 1))   # no |x| copy
