"""Where a click train is active: the bursts of grid slots that hold its clicks.

A drive clicks while it is asked to read and stops between; typing, seeks or a room whose
level changes go on around it. The whole-recording tests (every third of the recording
shows the train) cannot see a train that fills a third of it, so the train is also judged on
its active slots only: runs of slots that hold a click, their fill, their consistency, and
the chance that the room's other impulses fill that many of them (binomial tail).

What "holds a click" means is chosen per recording. At the noise's own level (the 80th
percentile of windows between the slots) a window of noise reaches it one time in five, so a
short train of loud clicks cannot beat chance however loud they are, and a stretch of noise
hits after the last click lengthens the burst with slots that hold nothing. The same grid is
therefore also read at the levels where the slots' maxima drop most steeply (between the
clicks and the noise, or between the clicks heard over a quiet and over a loud stretch of the
room), where noise reaches a window rarely; the level with the smallest chance wins and pays
for the choice (log10 of the number of levels tried).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from fieldkit.audio.sounds import distinct_grids

if TYPE_CHECKING:
    from fieldkit.audio.clicks import ClickSpectrogram, ClickTrain
    from fieldkit.audio.thresholds import Thresholds

#: the smallest chance of an accidental hit in a window: a room is never proven free of impulses
#: (at the noise's own level, 2 % as before; above it, measured on every window of the recording)
BASE_CHANCE = 0.02
MIN_CHANCE = 0.01
#: besides the noise's own level, a grid is read at up to this many levels where its slots'
#: maxima drop by at least MIN_GAP from one to the next (sorted)
GAP_LEVELS = 3
MIN_GAP = 1.5
#: a later burst's first slot comes at least this share of a period after the earlier burst's last
#: click (or its last before the earlier's first): a drive restarting its retry cycle may click
#: again sooner than a period after the last retry (a train in three bursts restarted 0.48 periods
#: after the second burst's last click)
BURST_GAP = 0.25
#: empty slots between two stretches of one grid that make them bursts of their own (the drive
#: stopped and restarted): the room's impulses filled stretches of one grid 4-6 slots apart
#: (typing 13 of 13 slots in three stretches, babble 9 of 12 in two, one key's strokes 7 of 10)
LONG_PAUSE = 8
#: where the windows between a grid's slots sit, in periods after each slot: they hear the room
#: (noise, typing, seeks) but not the train
BETWEEN = (0.25, 0.5, 0.75)


@dataclass
class Bursts:
    """The active stretches of a grid read at one level."""

    level: float
    spans: list[tuple[Any, int, int, Any]]   # (slot centres, first slot, last slot, hit per slot)
    slots: int                                # slots from each grid's first stretch to its last (or
                                              # each piece's, on either side of a long pause)
    hits: int                                 # of which hold a click
    phases: int                               # bursts judged at phases of their own: the grids the
                                              # stretches sit on, or every stretch
    chance_log10: float
    on_stretches_log10: float   # the same chance counting only the stretches' own slots: which level
                                # shows the train's clicks best (the reported stretches)


def judge_active(c: ClickSpectrogram, th: Thresholds, train: ClickTrain, z: Any, period: float, phase: int,
                 tol: int, band: int) -> None:
    """Fill the train's active-stretch measurements (``segments_s``, ``active_*``, ``phases``,
    ``chance_log10``) from the grid at ``period`` and ``phase`` (frames) in onset ``z``."""
    import numpy as np

    first = phase - int(phase // period) * period
    centres = np.round(first + np.arange(train.slots) * period).astype(int)
    # A narrow window (+-3 % of the period): a click keeps its time, other impulses fall anywhere.
    # The threshold and the chance of a hit by accident come from windows of the same width
    # between the slots (a quarter, half and three quarters of a period off), which hear the same
    # room (noise, typing, seeks) but not the train.
    narrow = max(2, int(round(0.03 * period)))
    offsets = np.arange(-narrow, narrow + 1)

    def window_max(at: Any) -> Any:
        idx = np.clip(at[:, None] + offsets[None, :], 0, z.size - 1)
        return z[idx].max(axis=1)

    off_at = np.round(centres[None, :] + np.array(BETWEEN)[:, None] * period).astype(int) % z.size
    off = window_max(off_at.ravel()).reshape(off_at.shape)
    base = max(th.hit_z, float(np.percentile(off, 80)))
    levels = _levels(base, window_max(centres))
    # every window of the same width over the whole recording, for the chance at high levels
    # (the three windows per slot above are too few to tell one in fifty from one in a thousand)
    width = 2 * narrow + 1
    tiles = z[:z.size // width * width].reshape(-1, width).max(axis=1)
    # At the noise's own level a window holds a hit one time in five by construction, and in a room
    # full of loud impulses (typing, seeks) the period search has that many more grids to fit
    # through them: a train judged there pays for every grid the search could build (about 10^3
    # over 0.2-5 s). Typing alone filled 11 of 11 and 14 of 16 slots at that level of the best
    # grids, 10^-8.1 and 10^-10.7 without this (1 h of benchmark negatives each). In a quiet room
    # the loud impulses are few, and a weak train's clicks are judged at this level without it.
    search_cost = (math.log10(distinct_grids(th.min_period_s, th.max_period_s))
                   if c.impulses(th.event_z).size >= th.notch_min_impulses else 0.0)
    best: Bursts | None = None
    rest_phases: dict[bytes, int | None] = {}   # the levels often cover the same bursts: fold the rest once
    for level in levels:
        found = _bursts_at(c, th, z, band, period, centres, level, window_max, off, off_at,
                           tiles if level > base else None, rest_phases)
        if found is None:
            continue
        # the extra levels are extra looks; the noise's own level pays for the search instead
        cost = math.log10(len(levels)) if level > base else search_cost
        found.chance_log10 += cost
        found.on_stretches_log10 += cost
        if best is None or found.on_stretches_log10 < best.on_stretches_log10:
            best = found
    if best is None:
        return
    train.phases = best.phases
    train.chance_log10 = best.chance_log10
    train.active_slots, train.active_fill = best.slots, best.hits / best.slots
    train.active_clicks = best.hits
    train.active_similarity = _active_similarity(c, z, best.spans, narrow)
    train.segments_s = [(round(c.t0 + max(0.0, float(g[i]) - tol) / c.rate, 2),
                         round(c.t0 + min(float(z.size), float(g[j]) + tol) / c.rate, 2))
                        for g, i, j, _h in best.spans]
    train.active_consistency = _consistency(c, best.spans, period, band)


def _levels(base: float, slot_max: Any) -> list[float]:
    """The noise's own level, and the levels where the grid's slot maxima drop most steeply
    (between the clicks and the noise, or between the clicks of a quiet and a loud stretch)."""
    import numpy as np

    # the noise's level closes the list: the drop from the weakest click to it counts too
    values = np.append(np.sort(slot_max[slot_max >= base])[::-1], base)
    if values.size < 5:
        return [base]
    ratios = values[:-1] / np.maximum(values[1:], 1e-9)
    ratios[:2] = 0.0                      # a level above all but two slots proves nothing
    out = [base]
    for r in np.argsort(ratios)[::-1][:GAP_LEVELS]:
        if ratios[r] >= MIN_GAP and values[r + 1] >= base:
            # in the middle of the drop (in dB): clicks of another burst, a little weaker than
            # the weakest of this grid, still reach it
            out.append(float(np.sqrt(values[r] * values[r + 1])))
    return out


def _runs(hit: Any, max_gap: int) -> list[tuple[int, int]]:
    """Runs of hit slots bridging up to ``max_gap`` empty ones, each holding at least 3 clicks."""
    import numpy as np

    at = np.flatnonzero(hit)
    if at.size == 0:
        return []
    cut = np.flatnonzero(np.diff(at) > max_gap + 1)   # the last hit of every run but the last
    first, last = np.append(0, cut + 1), np.append(cut, at.size - 1)
    keep = last - first + 1 >= 3                       # hits in the run
    return list(zip(at[first[keep]].tolist(), at[last[keep]].tolist()))


def _bursts_at(c: ClickSpectrogram, th: Thresholds, z: Any, band: int, period: float, centres: Any, level: float,
               window_max: Callable[[Any], Any], off: Any, off_at: Any, tiles: Any | None,
               rest_phases: dict[bytes, int | None]) -> Bursts | None:
    """The bursts of slots whose window reaches ``level``, and the chance of them by accident.

    A drive restarts its retry cycle after a pause: each burst keeps the period but may have a
    phase of its own. The grid's own phase first, then up to two more bursts found by folding
    what is left of the recording at the same period (``rest_phases``: that fold's phase per
    stretch covered, None when nothing is left, shared by the levels of one grid)."""
    import numpy as np

    from fieldkit.audio.dsp import binomial_tail_log10

    comp = c.log_onset(band)
    spans: list[tuple[Any, int, int, Any]] = []
    covered = np.zeros(z.size, dtype=bool)   # left out of the later folds: each burst's cycles
    taken = np.zeros(z.size, dtype=bool)     # closed to later bursts' slots: each burst's stretch
    grid = centres
    for attempt in range(3):
        if attempt:
            ph = _rest_phase(comp, covered, period, rest_phases)
            if ph is None:
                break
            grid = np.round(ph + np.arange(-1, int(z.size / period) + 1) * period).astype(int)
            grid = grid[(grid >= 0) & (grid < z.size)]
        free = ~taken[np.clip(grid, 0, z.size - 1)]
        hit = (window_max(grid) >= level) & free
        # a later burst's phase was chosen to fit: it must be long and well filled to count, or
        # short with every slot filled (a slow drive's retry cycle of three or four clicks)
        found = [(i, j) for i, j in _runs(hit, th.max_gap_slots) if free[i:j + 1].all()
                 and (attempt == 0 or hit[i:j + 1].all()
                      or (hit[i:j + 1].sum() >= 5 and hit[i:j + 1].mean() >= 0.8))]
        for i, j in found:
            spans.append((grid, i, j, hit))
            covered[max(0, int(grid[i] - period / 2)):min(z.size, int(grid[j] + period / 2) + 1)] = True
            taken[max(0, int(grid[i] - period * BURST_GAP)):min(z.size, int(grid[j] + period * BURST_GAP) + 1)] = True
        if attempt and not found:
            break
    if not spans:
        return None
    spans.sort(key=lambda item: int(item[0][item[1]]))
    m = sum(j - i + 1 for _g, i, j, _h in spans)
    k = sum(int(h[i:j + 1].sum()) for _g, i, j, h in spans)
    # The stretches were cut where the grid hits, so the empty slots between two stretches of one
    # grid were left out because they are empty: the fill and the chance count every slot from a
    # grid's first stretch to its last (a drive pausing between bursts at one phase pays for its
    # pause's slots). Typing (Poisson keys, 2-7 per second) once filled 13 of 13 slots in three
    # stretches of a 1.52 s grid with 6 empty slots between them: 10^-8.7 on the stretches, 10^-5 on
    # the 19 slots they span; babble's loud consonants 9 of 12 slots in two stretches, 9 of 17
    # spanned (1 h of benchmark negatives, seed 7).
    spanned, phases = _spanned(spans, period)
    # the chance of a hit between the slots, over the whole recording and where the train is
    # active (seek bursts crowd their own stretch of the recording, and a phase chosen there
    # would find their ticks in many windows)
    narrow = max(2, int(round(0.03 * period)))
    width = 2 * narrow + 1
    clicks = np.sort(np.concatenate([g[i:j + 1][h[i:j + 1]] for g, i, j, h in spans]))
    q = float(np.median([_room_share(o, at, clicks, 2 * narrow, level) for o, at in zip(off, off_at)]))
    floor = BASE_CHANCE
    if tiles is not None:
        # above the noise's level: the tiles away from the train's clicks, the share of them that
        # reach the level anyway (at least one tile's worth: the estimate cannot go below that)
        away = np.ones(tiles.size, dtype=bool)
        for g, i, j, h in spans:
            at = g[i:j + 1][h[i:j + 1]]
            for shift in (-narrow, narrow):
                away[np.clip((at + shift) // width, 0, tiles.size - 1)] = False
        rest = tiles[away]
        floor = max(MIN_CHANCE, 1.0 / max(1, rest.size))
        q = max(q, float(np.mean(rest >= level)) if rest.size else 1.0)
    slots = np.concatenate([g[i:j + 1] for g, i, j, _h in spans])
    between = np.round(slots[None, :] + np.array(BETWEEN)[:, None] * period).astype(int) % z.size
    local = window_max(between.ravel()).reshape(between.shape)   # the three offsets' windows at once
    q = min(0.999, max(floor, q, float(np.median([_room_share(o, at, clicks, 2 * narrow, level)
                                                  for o, at in zip(local, between)]))))
    # each later burst's phase was a free choice among ~period/narrow trials: pay for it
    trials = math.log10(max(1.0, period / (2 * narrow + 1)))
    later_phases = trials * (phases - 1)
    counted, chance = spanned, binomial_tail_log10(k, spanned, q) + later_phases
    cut, pieces = _spanned(spans, period, LONG_PAUSE)
    if pieces > phases:
        # or the pieces of a grid on either side of a long pause as bursts of their own: a drive
        # that stopped for many cycles may meet an earlier burst's phase again when it restarts (a
        # 0.86 s train's second and third bursts at one phase, 11 slots apart: 15 of 27 slots with
        # the pause, 15 of 17 without). Each later piece pays for its phase, the smaller chance for
        # the choice, and the pieces are judged as bursts at phases of their own (the stricter
        # consistency). Shorter pauses still count their slots: the room's impulses fill stretches
        # of one grid with a few empty slots between (below).
        as_bursts = binomial_tail_log10(k, cut, q) + trials * (pieces - 1)
        if as_bursts < chance:
            counted, chance, phases = cut, as_bursts, pieces
        chance += math.log10(2)
    return Bursts(level=level, spans=spans, slots=counted, hits=k, phases=phases, chance_log10=chance,
                  on_stretches_log10=binomial_tail_log10(k, m, q) + later_phases)


def _room_share(windows: Any, at: Any, clicks: Any, margin: int, level: float) -> float:
    """Share of the ``windows`` (window maxima centred at frames ``at``) that reach ``level``, those
    within ``margin`` frames of one of the train's own ``clicks`` (sorted) left out: they measure
    the train, not the room (a burst restarted half a period after another's last click puts its
    first click in that click's window half a period off). 1.0 when none is left."""
    import numpy as np

    pos = np.searchsorted(clicks, at)
    before = clicks[np.clip(pos - 1, 0, clicks.size - 1)]
    after = clicks[np.clip(pos, 0, clicks.size - 1)]
    clear = (np.abs(at - before) > margin) & (np.abs(after - at) > margin)
    return float(np.mean(windows[clear] >= level)) if clear.any() else 1.0


def _spanned(spans: list[tuple[Any, int, int, Any]], period: float, long_pause: int | None = None) -> tuple[int, int]:
    """(slots, pieces): the slots from each grid's first stretch to its last, summed over the grids
    (phases, the pieces), less the slots that fall in another grid's stretch: a drive that restarts
    its retry cycle at another phase is clicking there, not pausing (a train in three bursts whose
    first and last met the same phase by chance spanned 24 slots for 14 clicks, all of them heard).

    ``long_pause``: a grid's extent is also cut where two of its stretches lie at least this many
    slots apart, and each piece is counted on its own (a drive that stopped for that long and met
    the same phase again when it restarted)."""
    grids: dict[int, list[tuple[Any, int, int]]] = {}
    for g, i, j, _h in spans:
        grids.setdefault(id(g), []).append((g, i, j))
    total = pieces = 0
    for key, own in grids.items():
        elsewhere = [(float(o[i]) - period * BURST_GAP, float(o[j]) + period * BURST_GAP)
                     for o, i, j, _h in spans if id(o) != key]
        own.sort(key=lambda item: item[1])
        g, first, last = own[0]
        extents = []
        for _g, i, j in own[1:]:
            if long_pause is not None and i - last - 1 >= long_pause:
                extents.append((first, last))
                first = i
            last = max(last, j)
        extents.append((first, last))
        pieces += len(extents)
        total += sum(1 for first, last in extents for slot in g[first:last + 1]
                     if not any(lo <= float(slot) <= hi for lo, hi in elsewhere))
    return total, pieces


def _rest_phase(comp: Any, covered: Any, period: float, known: dict[bytes, int | None]) -> int | None:
    """Phase of the fold of ``comp`` outside the ``covered`` stretches at ``period``; None when nothing
    is left there. Remembered in ``known`` per covered mask."""
    import numpy as np

    from fieldkit.audio.periodicity import Folder

    key = covered.tobytes()
    if key not in known:
        rest = np.where(covered, np.float32(0.0), comp)
        known[key] = Folder(rest).phase(period) if float(rest.max(initial=0.0)) > 0.0 else None
    return known[key]


def _consistency(c: ClickSpectrogram, spans: list[tuple[Any, int, int, Any]], period: float, band: int) -> float:
    """Consistency over the active stretches joined end to end (each cut at slot boundaries, so
    every burst's clicks sit at the same phase), in the chosen band or the whole band."""
    import numpy as np

    from fieldkit.audio.periodicity import consistency

    half = int(period // 2)
    best = float("-inf")
    for onset in (c.log_onset(band), c.log_onset(0)) if band != 0 else (c.log_onset(0),):
        pieces = []
        for g, i, j, _h in spans:
            lo = int(g[i]) - half
            hi = lo + int(round((j - i + 1) * period))
            if lo < 0:   # the first slot sits less than half a period in: pad to keep the phase
                pieces.append(np.zeros(-lo, dtype=onset.dtype))
                lo = 0
            pieces.append(onset[lo:min(onset.size, hi)])
        joined = np.concatenate(pieces)
        if joined.size > 3 * period:
            best = max(best, consistency(joined, period, half))
    return best if best > float("-inf") else 0.0


def _active_similarity(c: ClickSpectrogram, z: Any, spans: list[tuple[Any, int, int, Any]],
                       narrow: int) -> float | None:
    """Similarity of the clicks in the active stretches only (the whole grid's hits include the
    noise peaks of the empty stretches, which do not look like the clicks)."""
    import numpy as np

    from fieldkit.audio.clicks import similarity
    from fieldkit.audio.dsp import rows

    centres = np.concatenate([g[i:j + 1][h[i:j + 1]] for g, i, j, h in spans]).astype(int)
    # a slot whose whole window lies past the recording's end holds no click of its own (its window
    # maximum was read from the clipped last frames): a long recording's last window met a grid at
    # twice the period with its last slot 99 frames past the end
    centres = centres[centres < z.size + narrow]
    # each click's frame: the maximum within +-narrow of its slot, -inf beyond the recording's ends
    # (a refitted grid's last slot may sit up to narrow frames past the end)
    edge = np.full(narrow, -np.inf, dtype=z.dtype)
    padded = np.concatenate([edge, z, edge, edge])
    frames = rows(padded, centres, 2 * narrow + 1).argmax(axis=1) + centres - narrow
    return similarity(c, sorted(frames.tolist()))
