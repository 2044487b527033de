"""The recording's loud impulses sorted by sound: views of the click band with the other sounds
taken out, for the click-train search.

A failing drive's clicks are one sound (the same actuator hitting the same stop, every cycle);
a keyboard is a dozen sounds, one per key, and a talker's consonants are as many. Among keys as
loud as the clicks, or louder, the keys fill the grid's slots and the windows between them
alike, and the train cannot beat chance. Two kinds of view take them out:

* one per sound: the loud impulses that sound like each other (a cluster of spectral shapes)
  are kept, every other loud impulse is taken out. The view of the train's own sound holds the
  train and the room's noise; the view of a key holds that key's few strokes at random times.
* quiet views: every impulse above a level the loud ones stand far above (a gap in their
  strengths) is taken out, for a train weaker than the keys (whose shapes, that close to the
  noise, cannot be sorted).

An impulse taken out leaves the noise's median (onset z 0) over its few frames. The views are
extra onset functions in ``ClickSpectrogram.zs``; the train found in one is judged there by the
same tests (its slots and the windows between them hear the noise and its own sound's impulses).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldkit.audio.clicks import ClickSpectrogram
    from fieldkit.audio.thresholds import Thresholds

#: spectral-shape bands of an impulse (log-spaced over the click band's bins)
SHAPE_BANDS = 12
#: frames on either side of an impulse's peak taken out with it (2 ms hops: a click or a key
#: rings for a few ms)
REMOVE_FRAMES = 4


def distinct_grids(lo: float, hi: float) -> float:
    """How many different grids the period search can fit between periods ``lo`` and ``hi``: a
    grid's slot (+-3 % of the period) tells periods 6 % apart, and phases 6 % of a period apart.
    A sound's view holds only its own few impulses, and the search returns the best of these
    grids through them: a train found there pays for all of them in its chance."""
    return math.log(hi / lo) / math.log(1.06) / 0.06


def shape_vectors(c: ClickSpectrogram, frames: Any) -> Any:
    """Each impulse's spectral shape: its 12-band log spectrum (the peak frame and the next, the
    louder of the two per bin), the mean removed, unit length. Rows: impulses."""
    import numpy as np

    w = c.w
    idx = np.asarray(frames, dtype=int)
    edges = np.unique(np.geomspace(1, w.shape[1], SHAPE_BANDS + 1).astype(int))
    power = np.maximum(w[idx], w[np.minimum(idx + 1, w.shape[0] - 1)])
    bands = np.stack([power[:, a:b].mean(axis=1) for a, b in zip(edges[:-1], edges[1:])], axis=1)
    vec = 10 * np.log10(bands + 1e-6)
    vec -= vec.mean(axis=1, keepdims=True)
    return vec / (np.linalg.norm(vec, axis=1, keepdims=True) + 1e-9)


def sound_views(c: ClickSpectrogram, th: Thresholds) -> list[int]:
    """Indices into ``c.zs`` of the whole band's views with other sounds taken out (appended),
    or [] when the room has too few loud impulses to sort."""
    import numpy as np
    from scipy.signal import find_peaks

    peaks, props = find_peaks(c.z, height=th.event_z, distance=max(1, int(0.015 * c.rate)))
    if peaks.size < th.notch_min_impulses:
        return []
    heights = props["peak_heights"]
    vectors = shape_vectors(c, peaks)
    drops = [heights >= level for level in _quiet_levels(heights, th)]
    for template in _sounds(vectors, heights, peaks / c.rate, th):
        drops.append(vectors @ template < th.sound_keep)
    base = len(c.zs)
    for drop in drops:
        c.zs.append(_without(c.z, peaks[drop]))
    return list(range(base, len(c.zs)))


def _sounds(vectors: Any, heights: Any, times: Any, th: Thresholds) -> list[Any]:
    """Templates (unit spectral shapes) of the sounds heard at least ``th.min_clicks`` times and
    not in dense bursts, loudest seed first: each seed's neighbours in shape, then those of their
    mean shape."""
    import numpy as np

    free = np.ones(len(vectors), dtype=bool)
    out: list[Any] = []
    for seed in np.argsort(heights)[::-1]:
        if not free[seed]:
            continue
        members = free & (vectors @ vectors[seed] >= th.sound_alike)
        template = vectors[members].mean(axis=0)
        template /= np.linalg.norm(template) + 1e-9
        members = free & (vectors @ template >= th.sound_alike)
        free &= ~members
        free[seed] = False
        if members.sum() >= th.min_clicks and not _in_bursts(times[members], th):
            out.append(template)
            if len(out) >= th.sound_views:
                break
    return out


def _in_bursts(times: Any, th: Thresholds) -> bool:
    """Most of a sound's impulses have two others of the same sound within the shortest period:
    seek ticks 15-120 ms apart. A drive's click comes at most twice that close (the in-stop and
    the out-stop), and a sound in bursts gives any grid chance hits in every burst."""
    import numpy as np

    t = np.sort(times)
    close = np.searchsorted(t, t + th.min_period_s) - np.searchsorted(t, t - th.min_period_s) - 1
    return float(np.mean(close >= 2)) > 0.5


def _quiet_levels(heights: Any, th: Thresholds) -> list[float]:
    """The level in the steepest drop of the loud impulses' strengths (at least a factor
    ``th.quiet_gap``) with ``th.notch_min_impulses`` impulses above it: the keys above, a weaker
    train's clicks below."""
    import numpy as np

    values = np.sort(heights)[::-1]
    if values.size <= th.notch_min_impulses:
        return []
    ratios = values[:-1] / values[1:]
    ratios[:th.notch_min_impulses - 1] = 0.0   # too few above: a handful of knocks, not a room
    r = int(np.argmax(ratios))
    return [float(np.sqrt(values[r] * values[r + 1]))] if ratios[r] >= th.quiet_gap else []


def _without(z: Any, peaks: Any) -> Any:
    """``z`` with the impulses at ``peaks`` taken out: their frames at most the noise's median."""
    import numpy as np

    out = z.copy()
    if peaks.size:
        frames = (peaks[:, None] + np.arange(-REMOVE_FRAMES, REMOVE_FRAMES + 1)[None, :]).ravel()
        frames = frames[(frames >= 0) & (frames < z.size)]
        out[frames] = np.minimum(out[frames], np.float32(0.0))
    return out
