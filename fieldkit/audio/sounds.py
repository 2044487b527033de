"""The recording's loud impulses sorted by sound: views of the click band with the other sounds
taken out, for the click-train search.

A failing drive's clicks are one sound (the same actuator hitting the same stop, every cycle);
a keyboard is a dozen sounds, one per key, and a talker's consonants are as many. Among keys as
loud as the clicks, or louder, the keys fill the grid's slots and the windows between them
alike, and the train cannot beat chance. Two kinds of view take them out:

* one per sound: the impulses that sound like a loud sound heard several times (a cluster of
  spectral shapes) are kept, every other impulse down to a click's level (``th.hit_z``) is taken
  out. The view of the train's own sound holds the train; the view of a key holds that key's
  few strokes at random times.
* quiet views: every impulse above a level the loud ones stand far above (a gap in their
  strengths) is taken out, for a train weaker than the keys (whose shapes, that close to the
  noise, cannot be sorted).

A train at or below the keys' level is not among the loud sounds, and its clicks join the
cluster of a key shaped like them. Two more kinds of view start from the train instead: the
view of a candidate's own clicks, and of the impulses on a grid through loud impulses alike in
shape and in loudness (a drive's clicks are one sound at one level; the keys shaped like them
are struck harder or softer). Each keeps the impulses like those clicks in both.

An impulse taken out of a quiet view leaves the noise's median (onset z 0) over its few frames;
a sound's view holds everything but its own impulses under a click's level. The views are
extra onset functions in ``ClickSpectrogram.zs``; the train found in one is judged there by the
same tests (its slots and the windows between them hear only its own sound's impulses, and a
train found there pays in its chance for every grid the search could fit through them).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldkit.audio.clicks import ClickSpectrogram, ClickTrain
    from fieldkit.audio.thresholds import Thresholds

#: spectral-shape bands of an impulse (log-spaced over the click band's bins)
SHAPE_BANDS = 12
#: frames on either side of an impulse's peak that belong to it, taken out or kept with it
#: (2 ms hops: a click or a key rings for a few ms)
IMPULSE_FRAMES = 4


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


def sound_views(c: ClickSpectrogram, th: Thresholds) -> tuple[list[int], list[int]]:
    """Indices into ``c.zs`` of the whole band's views with other sounds taken out (appended):
    the quiet views and the sounds' views, empty when the room has too few loud impulses to sort."""
    peaks = c.impulses(th.hit_z)
    heights = c.z[peaks].astype(float)   # as find_peaks gives them
    loud = heights >= th.event_z
    if loud.sum() < th.notch_min_impulses:
        return [], []
    vectors = c.impulse_shapes(th.hit_z)
    base = len(c.zs)
    for level in _quiet_levels(heights[loud], th):
        c.zs.append(_without(c.z, peaks[heights >= level]))
    quiet = len(c.zs)
    # a sound's view keeps only that sound's impulses, down to a click's level: everything else
    # (the other sounds, their smaller peaks within 15 ms, the noise's own peaks) stays under it,
    # so no grid there is filled by anything but that sound (its chance pays for the grids)
    for template in _sounds(vectors[loud], heights[loud], peaks[loud] / c.rate, th):
        c.zs.append(_only(c.z, peaks[vectors @ template >= th.sound_keep], th.hit_z))
    return list(range(base, quiet)), list(range(quiet, len(c.zs)))


def own_sound_view(c: ClickSpectrogram, th: Thresholds, train: ClickTrain) -> int | None:
    """Index into ``c.zs`` of a view of the whole band that keeps only the impulses that sound like
    ``train``'s clicks (those of its active stretches), every other impulse held under a click's
    level; None when fewer than ``th.min_clicks`` of its clicks are impulses of the whole band.

    The views of :func:`sound_views` start from the loud impulses; a train at or below the level
    of the keys around it is not among them, and its clicks then join a key's cluster. Here the
    shape comes from the candidate's own clicks: their median spectral shape. A click of the grid
    is kept when it sounds like the *other* clicks (leave one out: the median of a handful of
    noise peaks resembles each of them a little, and a grid of noise would otherwise keep its own
    peaks); an impulse elsewhere when it sounds like all of them. Both must also be as loud
    (:func:`view_of_sound`)."""
    import numpy as np

    times = np.asarray(train.active_times_s())
    peaks = c.impulses(th.hit_z)
    if times.size < th.min_clicks or peaks.size < th.min_clicks:
        return None
    at = c.t0 + peaks / c.rate
    nearest = np.clip(np.searchsorted(at, times), 1, at.size - 1)
    nearest = np.where(np.abs(at[nearest - 1] - times) < np.abs(at[nearest] - times), nearest - 1, nearest)
    # the grid's hit is the band's maximum in its slot, the whole band's peak lies within a click
    own = np.unique(nearest[np.abs(at[nearest] - times) <= IMPULSE_FRAMES / c.rate])
    if own.size < th.min_clicks:
        return None
    return view_of_sound(c, th, own)


def view_of_sound(c: ClickSpectrogram, th: Thresholds, own: Any) -> int | None:
    """Index into ``c.zs`` of a view that keeps only the impulses like those at ``own`` (indices
    into ``c.impulses(th.hit_z)``, a train's clicks) in shape and in loudness, every other impulse
    held under a click's level. Each of ``own`` is judged against the others (leave one out).
    None when the impulses kept come in dense bursts (seek ticks), as for :func:`sound_views`."""
    import numpy as np

    peaks = c.impulses(th.hit_z)
    vectors = c.impulse_shapes(th.hit_z)
    # one drive's clicks are one sound at one level (the same actuator hitting the same stop,
    # at the same distance): keys shaped like them but struck harder or softer are other sounds
    level = np.log10(c.band_power[peaks] + 1e-30)
    within = th.own_level_db / 10

    def alike(at: Any, clicks: Any) -> Any:
        template = np.median(vectors[clicks], axis=0)
        shaped = vectors[at] @ template / (np.linalg.norm(template) + 1e-9) >= th.own_sound_keep
        return shaped & (np.abs(level[at] - np.median(level[clicks])) <= within)

    keep = alike(np.arange(peaks.size), own)
    for j in own:
        keep[j] = bool(alike(np.array([j]), own[own != j])[0])
    # seek ticks are one sound at one level too: a view of a sound in dense bursts gives any grid
    # chance hits in every burst (as for the sounds' own views)
    if _in_bursts(c.t0 + peaks[keep] / c.rate, th):
        return None
    c.zs.append(_only(c.z, peaks[keep], th.hit_z))
    return len(c.zs) - 1


def chance_in_sound_view(c: ClickSpectrogram, th: Thresholds, band: int, train: ClickTrain,
                         through_pairs: bool = False, level: float | None = None) -> float:
    """log10 chance that the impulses of a sound's view, every one of them, fill the train's
    active slots as often at random times. The windows between the slots hear only the sound's
    impulses the grid did not take: a key struck 15 times, 8 of them on a grid, leaves those
    windows nearly empty (1 in 50 or less) where the key fills 1 in 14 of them at random.

    ``through_pairs``: the view was built from the grid's own impulses, and the grid was the best
    of those the search could fit through them: any grid with two hits passes through two of the
    n impulses, so it pays for the n (n - 1) / 2 pairs. (A key struck 13 times among typing and
    seeks filled 7 of 10 slots of a 1.34 s grid, 10^-9.0 on its own: an alarm without this.)

    ``level``: the onset z an impulse of the view must reach to count (default ``th.hit_z``, under
    which a sound's view holds everything else)."""
    from scipy.signal import find_peaks

    from fieldkit.audio.dsp import occupancy_tail_log10

    if train.active_slots == 0:
        return 0.0
    z = c.zs[band]
    impulses = find_peaks(z, height=th.hit_z if level is None else level, distance=max(1, int(0.015 * c.rate)))[0].size
    width = 2 * max(2, int(round(0.03 * train.period_s * c.rate))) + 1
    pairs = math.log10(max(1.0, impulses * (impulses - 1) / 2)) if through_pairs else 0.0
    return occupancy_tail_log10(train.active_clicks, train.active_slots, impulses, width / z.size) + pairs


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
    if t.size == 0:
        return False
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


def _near(z: Any, peaks: Any) -> Any:
    """Frames within IMPULSE_FRAMES of ``peaks``."""
    import numpy as np

    frames = (peaks[:, None] + np.arange(-IMPULSE_FRAMES, IMPULSE_FRAMES + 1)[None, :]).ravel()
    return frames[(frames >= 0) & (frames < z.size)]


def _only(z: Any, peaks: Any, level: float) -> Any:
    """``z`` held under ``level`` everywhere but at the impulses at ``peaks`` (the noise below it
    unchanged: the fold scores keep their scale)."""
    import numpy as np

    out = np.minimum(z, np.nextafter(np.float32(level), np.float32(0.0)))
    frames = _near(z, peaks)
    out[frames] = z[frames]
    return out


def _without(z: Any, peaks: Any) -> Any:
    """``z`` with the impulses at ``peaks`` taken out: their frames at most the noise's median."""
    import numpy as np

    out = z.copy()
    frames = _near(z, peaks)
    out[frames] = np.minimum(out[frames], np.float32(0.0))
    return out


def alike_grids(c: ClickSpectrogram, th: Thresholds, lo_s: float, hi_s: float) -> list[tuple[float, float, Any]]:
    """Grids through the loud impulses that sound alike and are as loud as each other: (period s,
    time of one of its clicks s, indices into ``c.impulses(th.hit_z)`` of the impulses on it),
    least likely by chance first, one per period (3 % apart), at most ``th.own_sound_tries``.

    Among keys louder than a slow train, no view's search builds the train's grid: the keys fill
    the windows of the room's bands, and the train's clicks join the cluster of a key shaped like
    them. Each loud impulse here proposes the periods to the later impulses of its own class (the
    same shape and level) within two of the longest periods, and half of them (a key can mask a
    click); the period its class fills least likely by chance is its grid."""
    import numpy as np
    from scipy.special import betainc

    peaks = c.impulses(th.hit_z)
    loud = np.flatnonzero(c.z[peaks] >= th.event_z)
    if loud.size < th.notch_min_impulses:   # a quiet room: the searches of the views find it
        return []
    t = c.t0 + peaks[loud] / c.rate
    vectors = c.impulse_shapes(th.hit_z)[loud]
    level = np.log10(c.band_power[peaks[loud]] + 1e-30)
    same = (vectors @ vectors.T >= th.sound_alike) & (np.abs(level[:, None] - level[None, :]) <= th.own_level_db / 10)
    duration = c.z.size / c.rate
    found: list[tuple[float, float, float, Any]] = []
    for i in range(loud.size):
        members = np.flatnonzero(same[i])
        if members.size < th.min_clicks:
            continue
        d = t[members] - t[i]
        later = d[(d > 0) & (d <= 2 * hi_s)]
        periods = np.concatenate([later, later / 2])
        periods = periods[(periods >= lo_s) & (periods <= hi_s)]
        if periods.size == 0:
            continue
        cycles = d[None, :] / periods[:, None]
        on = np.abs(cycles - np.round(cycles)) <= 0.03
        support = on.sum(axis=1)
        # the class's impulses at random times fill a slot (+-3 % of the period) with chance
        # 1 - (1 - w/T)^n: the binomial tail of the slots filled ranks the periods (the incomplete
        # beta of binomial_tail_log10, over every period at once)
        slots = np.floor(duration / periods) + 1
        q = 1.0 - (1.0 - 0.06 * periods / duration) ** members.size
        with np.errstate(divide="ignore"):
            chance = np.log10(betainc(support, np.maximum(slots - support + 1, 1), q))
        chance[support < th.min_clicks] = np.inf
        best = int(np.argmin(chance))
        if np.isfinite(chance[best]):
            found.append((float(chance[best]), float(periods[best]), float(t[i]), loud[members[on[best]]]))
    found.sort(key=lambda item: item[0])
    out: list[tuple[float, float, Any]] = []
    for _chance, period, at, own in found:
        if any(abs(period - p) <= 0.03 * p for p, _a, _o in out):
            continue
        out.append((period, at, own))
        if len(out) >= th.own_sound_tries:
            break
    return out
