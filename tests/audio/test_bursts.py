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
