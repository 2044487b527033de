"""A view of the click band through the train's own waveform: a matched filter.

A failing drive's click is one mechanical event repeated (the same actuator hitting the same
stop): not only its spectrum but its waveform comes back sample for sample, at a level that
varies by a few dB. Correlating the recording with that waveform sums the click's energy
coherently, while speech, a fan or the room's noise add up incoherently. The spectral views
(:mod:`fieldkit.audio.sounds`) cannot do that: a 4 ms frame's spectrum of a consonant or of a
noise burst looks much like a click's. In the benchmark's -6 dB mixtures, correlated with the
true click, the clicks became the strongest peaks of the recording among babble, a fan and a
room with level steps; among keys or seek ticks 11-26 dB louder than the clicks they did not.

The waveform is not known beforehand. It is the average of the candidate grid's own clicks,
each aligned on the others to the sample (a click rings at 1-8 kHz: a 2 ms frame's timing
would cancel it out). Three precautions keep a grid through noise or keys from finding itself:

* each click is read with the template of the others, aligned without it (leave one out): with
  the plain average a grid through pink noise found its own noise peaks in 98 % of its slots
  (the share of itself in the average, and the others aligned on it), left out 29 % (arbitrary
  places: 17 %, a grid's hits being the loudest instants of their slots);
* the correlation is over the norms of the template and of the segment: a loud key or consonant
  is judged by its shape, not by its level;
* the chance counts every impulse of the view as strong as the clicks at random times, and the
  grids through two of them (:func:`chance_in_waveform_view`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldkit.audio.clicks import ClickSpectrogram, ClickTrain
    from fieldkit.audio.thresholds import Thresholds

#: the template: from this long before a click's frame (the frame's centre lags the onset by up
#: to a frame) for this long (a click's ringing: time constants of 0.3-2 ms)
PRE_S = 0.002
LENGTH_S = 0.006
#: a click's onset is known to its frame (4 ms, 2 ms hop): each is aligned within this of it
ALIGN_S = 0.003
#: averaging and aligning again converges in two or three rounds
ALIGN_ROUNDS = 3
#: the click band's lower edge: below it the room's 1/f noise would dominate the correlation
BAND_LOW_HZ = 1000.0


def waveform_view(c: ClickSpectrogram, th: Thresholds, train: ClickTrain) -> int | None:
    """Index into ``c.zs`` of the matched-filter view of ``train``'s clicks (those of its active
    stretches, appended), None when fewer than ``th.min_clicks`` clicks or no samples are at hand."""
    import numpy as np

    if c.samples is None:
        return None
    times = train.active_times_s()
    pre, length = int(round(PRE_S * c.fs)), int(round(LENGTH_S * c.fs))
    reach = int(round(ALIGN_S * c.fs))
    starts = np.round(np.asarray(times) * c.fs).astype(int) - pre
    starts = starts[(starts >= reach) & (starts + length + reach <= c.samples.size)]
    if starts.size < th.min_clicks:
        return None
    x = band_samples(c)
    response = _left_one_out(x, _inverse_norms(c, length), starts, length, reach)
    c.zs.append(_frames(c, np.square(np.maximum(response, np.float32(0.0), out=response), out=response), pre))
    return len(c.zs) - 1


def chance_in_waveform_view(c: ClickSpectrogram, th: Thresholds, band: int, train: ClickTrain) -> float:
    """log10 chance that the impulses of the waveform view ``band`` as strong as the train's weakest
    active click, every one of them at random times, fill its active slots as often, paying for the
    grids through two of them (the view was built from the grid's own clicks).

    The view of a grid fitted through a keyboard's keys is the view of the key struck most often on
    it: its strokes stand out there, on the grid and off it alike. The windows between the slots
    then measure how often that key is struck near a slot, and the grid, chosen for its strokes,
    fills its slots more often than that: 8 of 10 slots of a 3.27 s grid at 10^-8.3, one key's
    strokes in a room typing 4-10 keys/s. Counting the key's every stroke at random times, as a
    sound's view counts its impulses (:func:`~fieldkit.audio.sounds.chance_in_sound_view`), does
    not let the choice of the grid pass for a train."""
    import numpy as np

    from fieldkit.audio.sounds import chance_in_sound_view

    if train.active_slots == 0:
        return 0.0
    z = c.zs[band]
    # (the stretches' ends are rounded to 10 ms: a click at an end may lie just outside)
    active = train.active_times_s(slack_s=0.01)
    if not active:
        return 0.0
    frames = np.clip(np.round((np.asarray(active) - c.t0) * c.rate).astype(int), 0, z.size - 1)
    return chance_in_sound_view(c, th, band, train, through_pairs=True, level=max(th.hit_z, float(z[frames].min())))


def band_samples(c: ClickSpectrogram) -> Any:
    """The recording high-passed at the click band's lower edge (4th-order Butterworth), once."""
    import numpy as np
    from scipy.signal import butter, sosfilt

    if c.band_filtered is None:
        sos = butter(4, BAND_LOW_HZ, "highpass", fs=c.fs, output="sos").astype(np.float32)
        c.band_filtered = sosfilt(sos, c.samples.astype(np.float32, copy=False))   # float32 in, float32 out
    return c.band_filtered


def template(x: Any, starts: Any, length: int, reach: int) -> Any:
    """The average of the segments of ``x`` at ``starts``, each moved by up to ``reach`` samples so
    that it matches the average of all best: seeded by the loudest segment, then averaged and aligned
    again. Every start must leave ``reach`` samples on either side."""
    import numpy as np

    from fieldkit.audio.dsp import rows

    windows = rows(x, starts - reach, length + 2 * reach).astype(np.float64)
    shifted = np.lib.stride_tricks.sliding_window_view(windows, length, axis=1)   # (segments, shifts, length)
    centre = shifted[:, reach]
    average = centre[int(np.argmax((centre ** 2).sum(axis=1)))]
    for _round in range(ALIGN_ROUNDS):
        # a click keeps its polarity: the largest positive correlation, not the largest magnitude
        best = (shifted @ average).argmax(axis=1)
        average = shifted[np.arange(shifted.shape[0]), best].mean(axis=0)
    return average


def _left_one_out(x: Any, inverse_norms: Any, starts: Any, length: int, reach: int) -> Any:
    """The recording's correlation with the :func:`template` of the segments at ``starts``, over the
    norms of the template and of each segment (``inverse_norms``: :func:`_inverse_norms`); within a
    segment's length of each one, with the template of the others (aligned without it: the others'
    alignment on a template holding it would pull them onto its noise)."""
    import numpy as np
    from scipy.signal import oaconvolve

    average = template(x, starts, length, reach)
    # overlap-add: a short template over a long recording costs a tenth of one long FFT (the full
    # convolution's sample length - 1 + t is the correlation with the segment that starts at t)
    kernel = (average[::-1] / np.linalg.norm(average)).astype(x.dtype)
    response = oaconvolve(x, kernel, mode="full")[length - 1:length - 1 + x.size]
    response *= inverse_norms
    for i, start in enumerate(starts.tolist()):
        others = template(x, np.delete(starts, i), length, reach)
        lo, hi = start - reach - length + 1, start + reach + length
        local = x[max(0, lo):hi + length - 1].astype(np.float64)
        if hi + length - 1 > x.size:   # a click near the end: its last segments run past it
            local = np.concatenate([local, np.zeros(hi + length - 1 - x.size)])
        near = np.correlate(local, others / np.linalg.norm(others), "valid")
        response[max(0, lo):max(0, lo) + near.size] = near * inverse_norms[max(0, lo):max(0, lo) + near.size]
    return response


def _inverse_norms(c: ClickSpectrogram, length: int) -> Any:
    """1 / the norm of each ``length``-sample segment of :func:`band_samples`, its energy floored at the
    recording's median (once per recording): a loud key or consonant is judged by its shape, not by
    its loudness (its correlation grows with its level, and a slot is read at its loudest instant),
    and a quiet stretch is not lifted above the room's usual noise."""
    import numpy as np

    if c.band_inverse_norms is None:
        from scipy.ndimage import uniform_filter1d

        x = band_samples(c)
        # each segment's energy: the running mean of the squares over the ``length`` samples from each
        # (zeros past the end), in float32 and in place from there on (a 60 s window's array is 6 MB)
        energy = uniform_filter1d(np.square(x), length, mode="constant", cval=0.0, origin=-(length // 2))
        energy *= np.float32(length)
        np.maximum(energy, np.float32(0.0), out=energy)
        energy += np.float32(np.median(energy[::64])) + np.float32(1e-30)
        np.sqrt(energy, out=energy)
        c.band_inverse_norms = np.divide(np.float32(1.0), energy, out=energy)
    return c.band_inverse_norms


def _frames(c: ClickSpectrogram, power: Any, pre: int) -> Any:
    """The filter's output power as an onset function on ``c``'s frames, robust z: each frame takes
    the maximum over its hop of the response whose template starts ``pre`` samples before the
    frame's centre (where a click's template starts when the click peaks in that frame)."""
    import numpy as np

    from fieldkit.audio.dsp import robust_z

    frames, hop = c.z.size, c.fs / c.rate
    edges = np.round(c.t0 * c.fs - pre - hop / 2 + np.arange(frames + 1) * hop).astype(int)
    lead = max(0, -int(edges[0]))
    padded = np.zeros(lead + max(power.size, int(edges[-1]) + 1), dtype=np.float32)
    padded[lead:lead + power.size] = power
    values = np.maximum.reduceat(padded, edges[:-1] + lead)
    return robust_z(values)
