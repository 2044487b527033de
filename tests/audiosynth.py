"""Seeded synthetic sounds for the acoustic tests and ``bench/acoustic_eval.py`` (which imports this
file by path: it is not part of the installed package).

There are no public recordings of failing drives with a usable licence, so positives are
synthesised: a click is 2-4 damped sines at 1-8 kHz plus a short noise burst (an impact
on the actuator's crash stop ringing the drive housing), the same click for the whole
train with +-20 % amplitude and a few % timing jitter. Negatives cover the room: pink
noise, fans with blade-pass harmonics and mains hum, babble, typing, healthy seek bursts
and head parking. Every generator takes a ``numpy.random.Generator`` so corpora repeat.
"""

from __future__ import annotations

import math
from typing import Any


def pink_noise(n: int, rng: Any) -> Any:
    """1/f noise from 20 Hz up, unit RMS (white noise shaped in the frequency domain).

    Starting at 20 Hz (like a microphone) matters for the SNR definition: 1/f noise down to
    DC would put most of its energy below the click band and flatter the detector."""
    import numpy as np

    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n)  # cycles per sample
    lowest = 20.0 / 48000.0
    shaped = spec / np.sqrt(np.maximum(f, lowest))
    shaped[f < lowest] = 0
    y = np.fft.irfft(shaped, n)
    return (y / np.std(y)).astype(np.float32)


def click_shape(fs: int, rng: Any) -> Any:
    """One drive click: 2-4 damped sines (1-8 kHz, tau 0.3-2 ms) plus a 1-3 ms noise burst, unit peak."""
    import numpy as np

    length = int(0.012 * fs)
    t = np.arange(length) / fs
    y = np.zeros(length)
    for _ in range(int(rng.integers(2, 5))):
        f = rng.uniform(1000, min(8000, 0.45 * fs))
        tau = rng.uniform(0.0003, 0.002)
        y += rng.uniform(0.4, 1.0) * np.sin(2 * math.pi * f * t + rng.uniform(0, 2 * math.pi)) * np.exp(-t / tau)
    burst = int(rng.uniform(0.001, 0.003) * fs)
    y[:burst] += 0.5 * rng.standard_normal(burst) * np.hanning(burst)
    return (y / np.max(np.abs(y))).astype(np.float32)


def click_train_times(duration: float, period: float, rng: Any, jitter: float = 0.02,
                      pairs: bool = False) -> list[float]:
    """Onsets of a click-of-death train; ``pairs`` adds the out-stop click 20-150 ms later."""
    times, t = [], rng.uniform(0.05, min(period, duration / 4))
    gap = rng.uniform(0.02, 0.15)
    while t < duration - 0.02:
        times.append(t + rng.normal(0, jitter * period))
        if pairs and t + gap < duration - 0.02:
            times.append(t + gap)
        t += period
    return sorted(max(0.0, s) for s in times)


def place(n: int, fs: int, times: list[float], shapes: list[Any], amps: list[float]) -> Any:
    """Add ``shapes[i] * amps[i]`` at ``times[i]`` into a silent signal of ``n`` samples."""
    import numpy as np

    y = np.zeros(n, dtype=np.float32)
    for t, shape, amp in zip(times, shapes, amps):
        i = int(t * fs)
        m = min(len(shape), n - i)
        if m > 0:
            y[i:i + m] += amp * shape[:m]
    return y


def event_snr_scale(event: Any, background: Any, fs: int, snr_db: float) -> float:
    """Gain for ``event`` so that its energy in its 10 ms window is ``snr_db`` over the background's
    mean energy in a 10 ms window (the event-SNR definition of acoustic.md §5)."""
    import numpy as np

    win = int(0.010 * fs)
    e_event = float(np.sum(event[:win].astype(np.float64) ** 2))
    e_bg = float(np.mean(background.astype(np.float64) ** 2)) * win
    return math.sqrt(e_bg * 10 ** (snr_db / 10) / max(e_event, 1e-20))


def clicks_in_noise(duration: float, fs: int, period: float, snr_db: float, rng: Any,
                    jitter: float = 0.01, pairs: bool = False, background: Any = None) -> Any:
    """A click-of-death train mixed into pink noise (or ``background``) at an event SNR."""
    import numpy as np

    n = int(duration * fs)
    bg = pink_noise(n, rng) * np.float32(0.05) if background is None else background[:n]
    shape = click_shape(fs, rng)
    times = click_train_times(duration, period, rng, jitter, pairs)
    gain = event_snr_scale(shape, bg, fs, snr_db)
    amps = [gain * rng.uniform(0.8, 1.2) for _ in times]
    return (bg + place(n, fs, times, [shape] * len(times), amps)).astype(np.float32), times


def fan_with_hum(duration: float, fs: int, rng: Any) -> Any:
    """Fan: broadband low-passed noise with slow AM, blade-pass harmonics, 50/60 Hz hum + harmonics."""
    import numpy as np
    from scipy.signal import lfilter

    n = int(duration * fs)
    t = np.arange(n) / fs
    white = rng.standard_normal(n)
    a = math.exp(-2 * math.pi * rng.uniform(300, 1500) / fs)
    y = lfilter([1 - a], [1, -a], white)
    y = y / np.std(y) * (1 + 0.2 * np.sin(2 * math.pi * rng.uniform(0.1, 0.5) * t))
    bpf = rng.uniform(90, 450)
    for k in range(1, 6):
        y += rng.uniform(0.1, 0.6) / k * np.sin(2 * math.pi * k * bpf * (1 + 0.001 * np.sin(0.3 * t)) * t
                                                 + rng.uniform(0, 6.3))
    mains = rng.choice([50.0, 60.0])
    for k in (1, 2, 3):
        y += rng.uniform(0.2, 0.8) / k * np.sin(2 * math.pi * k * mains * t + rng.uniform(0, 6.3))
    y += 0.3 * pink_noise(n, rng)
    return (0.05 * y / np.std(y)).astype(np.float32)


def typing(duration: float, fs: int, rng: Any, background: Any = None) -> Any:
    """Keyboard: Poisson keystrokes (2-7 keys/s, bursts and pauses), each key a different click."""
    import numpy as np

    n = int(duration * fs)
    bg = pink_noise(n, rng) * np.float32(0.05) if background is None else background[:n]
    rate = rng.uniform(2, 7)
    times, t = [], 0.0
    while True:
        t += rng.exponential(1 / rate) + (rng.uniform(0.5, 2.0) if rng.random() < 0.08 else 0.0)
        if t >= duration - 0.02:
            break
        times.append(t)
    shapes = [click_shape(fs, rng) for _ in range(12)]
    picks = [shapes[int(rng.integers(0, len(shapes)))] for _ in times]
    gain = event_snr_scale(shapes[0], bg, fs, rng.uniform(10, 20))
    amps = [gain * rng.uniform(0.5, 1.5) for _ in times]
    return (bg + place(n, fs, times, picks, amps)).astype(np.float32)


def seek_bursts(duration: float, fs: int, rng: Any) -> Any:
    """Healthy seeking: bursts of 2-8 ms ticks 15-120 ms apart, at irregular times."""
    import numpy as np

    n = int(duration * fs)
    bg = pink_noise(n, rng) * np.float32(0.05)
    # the same ticks the mixtures use, drawn from rng in the same order (seeded clips unchanged)
    return (bg + seek_ticks(duration, fs, rng, n, bg)).astype(np.float32)


def head_parking(duration: float, fs: int, rng: Any) -> Any:
    """Laptop drive unloading its heads every 5.5-10 s (benign, SMART 193): single soft clicks."""
    import numpy as np

    n = int(duration * fs)
    bg = pink_noise(n, rng) * np.float32(0.05)
    shape = click_shape(fs, rng)
    period = rng.uniform(5.5, 10.0)
    times = click_train_times(duration, period, rng, jitter=0.02)
    gain = event_snr_scale(shape, bg, fs, rng.uniform(0, 20))
    return (bg + place(n, fs, times, [shape] * len(times), [gain] * len(times))).astype(np.float32)


def stall_beeps(duration: float, fs: int, rng: Any, snr_db: float = 10.0) -> Any:
    """Spindle driver failing to start a stuck motor: square-ish tonal bursts, no spindle line."""
    import numpy as np

    n = int(duration * fs)
    bg = pink_noise(n, rng) * np.float32(0.05)
    f0, period, burst = rng.uniform(400, 2500), rng.uniform(0.33, 2.0), rng.uniform(0.1, 0.3)
    m = int(burst * fs)
    t = np.arange(m) / fs
    tone = np.sign(np.sin(2 * math.pi * f0 * t)) * np.hanning(m) ** 0.2
    times = click_train_times(duration - burst, period, rng, jitter=0.005)
    rms_bg = float(np.std(bg))
    gain = rms_bg * 10 ** (snr_db / 20) / float(np.std(tone))
    return (bg + place(n, fs, times, [tone.astype(np.float32)] * len(times), [gain] * len(times))).astype(np.float32)


def bearing_whine(duration: float, fs: int, rng: Any, freq: float = 3150.0) -> Any:
    """Worn ball bearing: a persistent tone with +-f_r sidebands over a 120 Hz spindle line."""
    import numpy as np

    n = int(duration * fs)
    t = np.arange(n) / fs
    bg = pink_noise(n, rng) * np.float32(0.05)
    y = 0.04 * np.sin(2 * math.pi * freq * t) * (1 + 0.3 * np.sin(2 * math.pi * 120 * t))
    y += 0.01 * np.sin(2 * math.pi * 120 * t)
    return (bg + y).astype(np.float32)


def grinding(duration: float, fs: int, rng: Any, rotation_hz: float = 90.0) -> Any:
    """Head scraping the platter: broadband 1+ kHz noise modulated at the rotation rate."""
    import numpy as np
    from scipy.signal import butter, sosfilt

    n = int(duration * fs)
    t = np.arange(n) / fs
    bg = pink_noise(n, rng) * np.float32(0.05)
    sos = butter(4, 1000, "highpass", fs=fs, output="sos")
    hf = sosfilt(sos, rng.standard_normal(n))
    y = 0.03 * hf / np.std(hf) * (1 + 0.8 * np.sin(2 * math.pi * rotation_hz * t))
    return (bg + y).astype(np.float32)


# --------------------------------------------------------------------------- a real room: mixtures

def keystrokes(duration: float, fs: int, rng: Any, n: int, rate: tuple[float, float] = (4.0, 10.0),
               snr_db: tuple[float, float] = (10.0, 20.0), reference: Any = None) -> Any:
    """Someone typing next to the PC: bursts of keys at 4-10 keys/s with pauses, each key one of
    a dozen different clicks, 10-20 dB over ``reference`` (event SNR). Returns only the keys."""
    import numpy as np

    keys_per_s = rng.uniform(*rate)
    times, t = [], rng.uniform(0, 1.0)
    while t < duration - 0.02:
        burst_end = t + rng.uniform(1.0, 5.0)
        while t < min(burst_end, duration - 0.02):
            times.append(t)
            t += rng.exponential(1 / keys_per_s) + 0.03
        t = burst_end + rng.uniform(0.3, 2.0)
    shapes = [click_shape(fs, rng) for _ in range(12)]
    picks = [shapes[int(rng.integers(0, len(shapes)))] for _ in times]
    ref = reference if reference is not None else pink_noise(n, rng) * np.float32(0.05)
    gain = event_snr_scale(shapes[0], ref, fs, rng.uniform(*snr_db))
    return place(n, fs, times, picks, [gain * rng.uniform(0.5, 1.5) for _ in times])


def seek_ticks(duration: float, fs: int, rng: Any, n: int, reference: Any) -> Any:
    """The drive's own seeks while the system retries reads: bursts of ticks 15-120 ms apart."""
    shape = click_shape(fs, rng)
    times, t = [], rng.uniform(0, 1)
    while t < duration:
        burst_end = t + rng.uniform(0.2, 2.0)
        while t < min(burst_end, duration - 0.02):
            times.append(t)
            t += rng.uniform(0.015, 0.12)
        t = burst_end + rng.exponential(1.0)
    gain = event_snr_scale(shape, reference, fs, rng.uniform(5, 20))
    return place(n, fs, times, [shape] * len(times), [gain * rng.uniform(0.3, 1.2) for _ in times])


def level_steps(n: int, fs: int, rng: Any, steps: int = 1, db: float = 10.0) -> Any:
    """Gain envelope of a room whose level changes while recording: ``steps`` jumps of +-``db`` dB."""
    import numpy as np

    gain = np.ones(n, dtype=np.float32)
    level = 0.0
    for at in sorted(rng.uniform(0.15, 0.85, steps)):
        level += db if rng.random() < 0.5 else -db
        gain[int(at * n):] = np.float32(10 ** (level / 20))
    return gain


#: clicks a burst of a partial train holds at least, and the whole train: fewer cannot be told
#: from chance by their timing (two clicks fit any period; four random impulses in 30 s line up
#: on some grid within the 3 % a jittered train needs about once in a few hundred recordings)
MIN_BURST_CLICKS = 3
MIN_TRAIN_CLICKS = 5


def partial_times(duration: float, period: float, rng: Any, coverage: float, bursts: int,
                  jitter: float = 0.01) -> list[float]:
    """Click times of a train present in ``coverage`` of the recording, in ``bursts`` bursts
    separated by pauses (a drive that clicks while it is asked to read, and stops between).

    A slow train at low coverage would hold two or three clicks (30 % of 30 s at a period of
    5 s), which nothing can call a train: each burst is lengthened to hold at least
    MIN_BURST_CLICKS clicks and the train MIN_TRAIN_CLICKS, and a burst is dropped when they do
    not fit in the recording (so slow trains get more coverage, or fewer bursts, than drawn).
    Trains that need no lengthening come out as before from the same generator state."""
    import numpy as np

    active = coverage * duration
    lengths = rng.dirichlet(np.ones(bursts) * 3) * active if bursts > 1 else np.array([active])
    # the first click falls up to half a period into its burst: (n - 0.5) periods hold n clicks
    shortest = (MIN_BURST_CLICKS - 0.5) * period + 0.1
    needed = (MIN_TRAIN_CLICKS - 0.5) * period + 0.1
    while True:
        lengths = np.maximum(lengths, shortest)
        if lengths.sum() < needed:
            lengths = lengths * (needed / lengths.sum())
        if lengths.sum() <= duration - 0.1 or bursts == 1:
            break
        bursts -= 1                                  # the drawn coverage over fewer bursts
        lengths = np.full(bursts, active / bursts)
    lengths = np.minimum(lengths, duration - 0.1)
    active = float(lengths.sum())
    pause_total = max(0.0, duration - active)
    pauses = rng.dirichlet(np.ones(bursts + 1)) * pause_total
    times, t = [], float(pauses[0])
    for i, length in enumerate(lengths):
        k = t + rng.uniform(0, period * 0.5)
        while k < t + length and k < duration - 0.02:
            times.append(k + rng.normal(0, jitter * period))
            k += period
        t += length + float(pauses[i + 1])
    return sorted(max(0.0, s) for s in times)


def train_in_room(duration: float, fs: int, period: float, snr_db: float, rng: Any, background: Any,
                  times: list[float] | None = None, jitter: float = 0.01,
                  reference: Any = None) -> tuple[Any, list[float]]:
    """A click-of-death train added to ``background`` (already mixed: room noise and whatever
    else), on ``times`` or a full train, at an event SNR over ``reference`` (the continuous
    room noise; default the background itself)."""
    import numpy as np

    n = int(duration * fs)
    bg = background[:n]
    shape = click_shape(fs, rng)
    if times is None:
        times = click_train_times(duration, period, rng, jitter)
    gain = event_snr_scale(shape, bg if reference is None else reference[:n], fs, snr_db)
    amps = [gain * rng.uniform(0.8, 1.2) for _ in times]
    return (bg + place(n, fs, times, [shape] * len(times), amps)).astype(np.float32), times


def quartz_clock(duration: float, fs: int, rng: Any, snr_db: float | None = None) -> Any:
    """A quartz wall clock ticking once a second near the microphone: a short, bright, very
    regular tick (the quartz keeps the period to parts per million)."""
    import numpy as np

    n = int(duration * fs)
    bg = pink_noise(n, rng) * np.float32(0.05)
    length = int(0.006 * fs)
    t = np.arange(length) / fs
    f = rng.uniform(2500, 6000)
    tick = (np.sin(2 * math.pi * f * t) * np.exp(-t / rng.uniform(0.0005, 0.0015))).astype(np.float32)
    start = rng.uniform(0, 1)
    times = list(np.arange(start, duration - 0.02, 1.0) + rng.normal(0, 0.0002, int(np.ceil(duration))
                                                                    )[:len(np.arange(start, duration - 0.02, 1.0))])
    gain = event_snr_scale(tick, bg, fs, snr_db if snr_db is not None else rng.uniform(0, 20))
    return (bg + place(n, fs, times, [tick] * len(times), [gain] * len(times))).astype(np.float32)
