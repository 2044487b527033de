"""The active-stretch reading of a click train (fieldkit/audio/bursts.py)."""

from __future__ import annotations

import numpy as np

import audiosynth as synth
from fieldkit.audio.bursts import _active_similarity
from fieldkit.audio.clicks import click_spectrogram, similarity
from fieldkit.audio.thresholds import Thresholds

FS = 48000


def test_a_hit_slot_past_the_recordings_end_is_left_out_of_the_similarity() -> None:
    # a long recording's last window met a grid whose last slot lay 99 frames past the end: the
    # click frames were read from a sliding view that ends there (IndexError)
    th = Thresholds()
    x, _times = synth.clicks_in_noise(10.0, FS, 1.0, 10.0, np.random.default_rng(7))
    c = click_spectrogram(x, FS, th)
    z, narrow = c.z, 8
    period = int(round(c.rate))
    grid = np.arange(period // 2, z.size + 3 * period, period)
    hits = np.ones(grid.size, dtype=bool)
    inside = grid[grid < z.size]
    got = _active_similarity(c, z, [(grid, 0, grid.size - 1, hits)], narrow)
    # each slot's frame: the loudest within +-narrow of it, inside the recording
    frames = sorted(max(0, f - narrow) + int(np.argmax(z[max(0, f - narrow):f + narrow + 1])) for f in inside)
    assert got is not None and got == similarity(c, frames)


def test_a_whole_recording_train_must_be_unlikely_by_chance_on_its_active_slots() -> None:
    from dataclasses import replace

    from fieldkit.audio.analysis import analyse
    from fieldkit.audio.clicks import _passes_whole

    th = Thresholds()
    x, _times = synth.clicks_in_noise(30.0, FS, 3.5, -6.0, np.random.default_rng(18))
    train = analyse(x, FS, th, with_pictures=False).train
    assert train is not None and _passes_whole(train, th) and train.chance_log10 <= th.whole_max_chance_log10
    # what pink noise alone once folded to in a sub-band: 7 of 14 active slots, a chance of 10^-1.6
    noise_grid = replace(train, score=6.1, fill=0.53, median_z=7.4, consistency=1.71, active_slots=14,
                         active_clicks=7, active_fill=0.5, chance_log10=-1.55)
    assert not _passes_whole(noise_grid, th)
    assert _passes_whole(replace(noise_grid, chance_log10=-4.3), th)   # a slow real train's chance at -6 dB


def test_spanned_counts_the_slots_between_stretches_of_one_grid() -> None:
    # two stretches of one grid (slots 2-5 and 11-13): the grid spans slots 2-13 (12 slots, the 5
    # empty ones between its stretches included): a drive pausing at one phase pays for its pause
    from fieldkit.audio.bursts import _spanned

    grid = np.arange(20)
    hit = np.ones(20, dtype=bool)
    assert _spanned([(grid, 2, 5, hit), (grid, 11, 13, hit)], 1.0) == (12, 1)
    assert _spanned([(grid, 4, 9, hit)], 1.0) == (6, 1)


def test_spanned_leaves_out_the_slots_where_another_phase_clicks() -> None:
    # a later burst at another phase (half a slot off) between the stretches, slots 6.5-8.5: the
    # first grid's slots 7 and 8 lie in that burst (the drive clicks there, it does not pause), so
    # the first grid spans 12 - 2 = 10 slots and the later one its own 3; slots 6 and 9, half a
    # period from the later burst's ends, are the first grid's pause (a later burst may restart
    # as soon as a quarter of a period after it: BURST_GAP)
    from fieldkit.audio.bursts import _spanned

    grid, later = np.arange(20), np.arange(20) + 0.5
    hit, hit_later = np.ones(20, dtype=bool), np.ones(20, dtype=bool)
    assert _spanned([(grid, 2, 5, hit), (later, 6, 8, hit_later), (grid, 11, 13, hit)], 1.0) == (10 + 3, 2)
    # a later burst outside the first grid's stretches takes none of its slots
    assert _spanned([(grid, 2, 5, hit), (later, 15, 17, hit_later), (grid, 9, 11, hit)], 1.0) == (10 + 3, 2)


def test_a_long_pause_cuts_a_grid_into_bursts_of_their_own() -> None:
    # stretches of one grid 10 empty slots apart (slots 2-5 and 16-18): with a long pause of 8
    # slots they are two pieces of 4 and 3 slots; a pause of 5 (slots 2-5 and 11-13) still counts
    from fieldkit.audio.bursts import _spanned

    grid = np.arange(30)
    hit = np.ones(30, dtype=bool)
    assert _spanned([(grid, 2, 5, hit), (grid, 16, 18, hit)], 1.0) == (17, 1)
    assert _spanned([(grid, 2, 5, hit), (grid, 16, 18, hit)], 1.0, long_pause=8) == (4 + 3, 2)
    assert _spanned([(grid, 2, 5, hit), (grid, 11, 13, hit)], 1.0, long_pause=8) == (12, 1)


def test_the_rooms_share_leaves_out_the_windows_at_the_trains_own_clicks() -> None:
    # a window between the slots of one burst that holds another burst's click measures the train:
    # of three windows reaching the level, the one 3 frames from a click is left out
    from fieldkit.audio.bursts import _room_share

    windows, at = np.array([10.0, 0.0, 10.0, 0.0]), np.array([100, 200, 300, 400])
    assert _room_share(windows, at, np.array([103, 900]), 8, 5.0) == 1 / 3
    assert _room_share(windows, at, np.array([120, 900]), 8, 5.0) == 2 / 4
    assert _room_share(windows[:1], at[:1], np.array([100]), 8, 5.0) == 1.0   # nothing left: no evidence
