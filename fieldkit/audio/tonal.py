"""Tonal detectors: motor-stall beeps, bearing whine, grinding, and the spindle and mains lines."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from fieldkit.audio.dsp import median, power_stft, rows, runs, welch_psd
from fieldkit.audio.thresholds import SPINDLE_HZ, Thresholds


@dataclass
class TonalSpectrogram:
    """~43 ms frames (no overlap) up to 16 kHz: resolution for tones, timing for bursts."""

    p: Any          # frames x bins power
    freqs: Any
    rate: float     # frames per second
    t0: float
    fs: int


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


def tonal_spectrogram(x: Any, fs: int) -> TonalSpectrogram:
    """~43 ms frames: frequency resolution for tones, timing for bursts."""
    win = 1 << int(round(math.log2(0.043 * fs)))
    hop = win  # no overlap: half the cost, 43 ms timing is enough for 0.1-1 s bursts
    power, freqs = power_stft(x, fs, win, hop, 0.0, 16000.0)   # nothing above 16 kHz is used
    return TonalSpectrogram(p=power, freqs=freqs, rate=fs / hop, t0=win / 2 / fs, fs=fs)


def stall_beeps(t: TonalSpectrogram, th: Thresholds) -> Beeps | None:
    import numpy as np

    p, freqs, rate = t.p, t.freqs, t.rate
    band = np.flatnonzero((freqs >= 200) & (freqs <= min(5000, 0.45 * t.fs)))
    pb = p[:, band[0]:band[-1] + 1]   # the bins are in order: a view, not a gathered copy
    peak_bin = np.argmax(pb, axis=1)
    prom = 10 * np.log10(pb[np.arange(pb.shape[0]), peak_bin] / (median(pb, axis=1) + 1e-20) + 1e-20)
    tonal = prom >= th.beep_db
    if tonal.sum() < 6:
        return None
    f0 = int(np.bincount(peak_bin[tonal]).argmax())
    lo, hi = max(0, f0 - 1), min(pb.shape[1], f0 + 2)
    level = 10 * np.log10(pb[:, lo:hi].max(axis=1) + 1e-20)
    on = tonal & (np.abs(peak_bin - f0) <= 1) & (level - median(level) >= 10)
    starts, lengths = runs(on, max_gap=1)
    keep = [(s, n) for s, n in zip(starts, lengths) if n >= 2 and n / rate <= 1.2]
    if len(keep) < 4 or on.mean() > 0.8:
        return None
    onsets = np.array([s for s, _ in keep], dtype=float) / rate
    ioi = np.diff(onsets)
    period = float(np.median(ioi))
    # a stalled motor retries its spin-up for 5-60 s: a few tonal bursts close together
    # (a seek sequence, a word) are not enough
    if not 0.15 <= period <= 2.5 or float(np.std(ioi) / np.mean(ioi)) > 0.12 or onsets[-1] - onsets[0] < 3.0:
        return None
    return Beeps(freq_hz=float(freqs[band][f0]), period_s=period, count=len(keep),
                 burst_s=float(np.median([n for _, n in keep]) / rate),
                 times_s=[round(t.t0 + o, 3) for o in onsets])


def whine(t: TonalSpectrogram, th: Thresholds, spindle: Line | None, hum_hz: float | None) -> Line | None:
    """A persistent narrow line >= 1 kHz that no fan, spindle order or mains harmonic explains."""
    import numpy as np
    from scipy.ndimage import median_filter
    from scipy.signal import find_peaks

    p, freqs = t.p, t.freqs
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
        if f < 1000 or f > min(12000, 0.45 * t.fs) or prom < th.whine_db:
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


def grinding(x: Any, fs: int, th: Thresholds) -> Line | None:
    """Broadband (1+ kHz) noise amplitude-modulated at a spindle-like rate (envelope spectrum)."""
    import numpy as np

    block = max(1, fs // 1000)
    hf = np.diff(x)
    n = hf.size // block
    blocks = hf[:n * block].reshape(n, block)
    env = np.einsum("ij,ij->i", blocks, blocks) / block   # no squared copy of the whole signal
    env_rate = fs / block
    if env.size < 2048:
        return None
    # no per-segment detrending: only 60-260 Hz is read, far from DC
    f, s = welch_psd(env / (env.mean() + 1e-20) - 1.0, env_rate, 2048)
    sdb = 10 * np.log10(s + 1e-20)
    step = float(f[1] - f[0])
    # the envelope spectrum's peaks (bins at least as high as their neighbours) at 60-260 Hz, all
    # at once (the envelope's rate is 1-2 kHz: the bins at 58-265 Hz exist)
    lines = np.flatnonzero((f >= 60) & (f <= 260))
    lines = lines[sdb[lines] >= np.maximum(sdb[lines - 1], sdb[lines + 1])]
    if lines.size == 0:
        return None
    gap = np.abs(f[None, :] - f[lines][:, None])
    prom = sdb[lines] - np.where((gap >= 3) & (gap <= 25), sdb, -np.inf).max(axis=1)
    # depth m of (1 + m sin): the line holds m^2/2 of the normalised envelope's power.
    # A healthy 7200 rpm drive (shared/audio-healthy, Toshiba MG04A idle) shows m = 0.26 at
    # 2 x f_r; scraping modulates the noise far more deeply.
    depth = np.sqrt(2 * rows(s, lines - 2, 5).sum(axis=1) * step)
    strong = np.flatnonzero((prom.astype(float) >= th.grind_db) & (depth.astype(float) >= th.grind_depth))
    if strong.size == 0:
        return None
    i = strong[np.argmax(prom[strong])]   # the most prominent; the lowest of equals
    return Line(float(f[lines[i]]), float(prom[i]), float(depth[i]))


def spindle_and_hum(x: Any, fs: int) -> tuple[Line | None, float | None, bool]:
    """Spindle line (rpm/60) and mains hum from a 1 Hz resolution low-frequency PSD."""
    import numpy as np
    from scipy.ndimage import median_filter

    q = max(1, fs // 2400)
    n = x.size // q
    low = x[:n * q].reshape(n, q).mean(axis=1)   # box decimation: aliases fall near its nulls
    rate = fs / q
    nper = int(rate)
    if low.size < nper:
        return None, None, False
    f, s = welch_psd(low - low.mean(), rate, nper)   # 40+ Hz read only
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
