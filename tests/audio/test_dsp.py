"""The acoustic analysis's fast signal-processing helpers (fieldkit/audio/dsp.py) give the same
values, bit for bit, as the numpy and scipy functions they stand in for: the analysis's
verdicts were checked unchanged on that basis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.ndimage import maximum_filter1d
from scipy.signal import welch

from fieldkit.audio.dsp import (binomial_tail_log10, max_filter, median, occupancy_tail_log10, power_stft, robust_z,
                                rows, welch_psd)

SEEDS = st.integers(0, 2**32 - 1)


def signal(seed: int, shape: tuple[int, ...], dtype: type = np.float32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * rng.uniform(0.01, 100)
    return (np.round(x) if seed % 3 == 0 else x).astype(dtype)   # rounded: many ties


@settings(max_examples=200, deadline=None)
@given(SEEDS, st.integers(1, 300), st.integers(0, 80), st.integers(1, 3), st.booleans())
def test_max_filter_is_scipys(seed: int, n: int, half: int, lines: int, double: bool) -> None:
    x = signal(seed, (lines, n), np.float64 if double else np.float32)
    a = x[0] if lines == 1 else x
    expected = maximum_filter1d(a, size=2 * half + 1, axis=-1)
    got = max_filter(a, 2 * half + 1)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=200, deadline=None)
@given(SEEDS, st.lists(st.integers(1, 30), min_size=1, max_size=3), st.data())
def test_median_is_numpys(seed: int, shape: list[int], data: st.DataObject) -> None:
    x = signal(seed, tuple(shape))
    axis = data.draw(st.sampled_from([None, *range(len(shape))]))
    expected, got = np.median(x, axis=axis), median(x, axis)
    assert np.shape(got) == np.shape(expected) and np.asarray(got).dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=100, deadline=None)
@given(SEEDS, st.integers(5, 9000), st.integers(1, 5))
def test_robust_z_of_rows_is_each_rows(seed: int, n: int, bands: int) -> None:
    x = signal(seed, (bands, n))
    together = robust_z(x)
    for band in range(bands):
        np.testing.assert_array_equal(together[band], robust_z(x[band]))


@pytest.mark.parametrize("n,fs,nperseg", [(30000, 1000.0, 2048), (72000, 2400.0, 2400), (66150, 2205.0, 2205)])
def test_welch_psd_is_scipys(n: int, fs: float, nperseg: int) -> None:
    x = signal(n, (n,))
    f, s = welch(x, fs, nperseg=nperseg, detrend=False)
    f2, s2 = welch_psd(x, fs, nperseg)
    np.testing.assert_array_equal(f2, f)
    assert s2.dtype == s.dtype
    np.testing.assert_array_equal(s2, s)


def test_power_stft_in_chunks_is_one_transform() -> None:
    """The STFT transformed a chunk of frames at a time equals the whole transform at once."""
    import scipy.fft

    x = signal(7, (200_000,))
    power, freqs = power_stft(x, 24000, 96, 48, 1000.0, 8000.0)
    frames = np.lib.stride_tricks.sliding_window_view(x, 96)[::48]
    whole = np.abs(scipy.fft.rfft(frames * np.hanning(96).astype(np.float32), axis=1, workers=1))
    keep = (np.fft.rfftfreq(96, 1 / 24000) >= 1000) & (np.fft.rfftfreq(96, 1 / 24000) <= 8000)
    np.testing.assert_array_equal(power, np.square(whole[:, keep]))
    np.testing.assert_array_equal(freqs, np.fft.rfftfreq(96, 1 / 24000)[keep])


def test_rows_are_the_slices() -> None:
    x = signal(3, (500,))
    starts = np.array([0, 7, 123, 400])
    np.testing.assert_array_equal(rows(x, starts, 100), np.stack([x[s:s + 100] for s in starts]))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 400), st.data(), st.floats(1e-6, 0.999))
def test_binomial_tail_is_scipys(m: int, data: st.DataObject, q: float) -> None:
    from scipy.stats import binom

    k = data.draw(st.integers(0, m))
    expected = float(binom.logsf(k - 1, m, q) / np.log(10))
    got = binomial_tail_log10(k, m, q)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12) or (got == expected == float("-inf"))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3), st.integers(0, 4), st.data())
def test_occupancy_tail_is_the_enumerated_chance(m: int, n: int, data: st.DataObject) -> None:
    # every way the n impulses can land (one of the m slots, or outside them), summed exactly
    import itertools

    k = data.draw(st.integers(0, m))
    p = data.draw(st.floats(1e-3, 0.999 / m))
    total = 0.0
    for places in itertools.product(range(m + 1), repeat=n):   # m: outside every slot
        chance = math.prod(p if s < m else 1.0 - m * p for s in places)
        if len({s for s in places if s < m}) >= k:
            total += chance
    got = occupancy_tail_log10(k, m, n, p)
    if total == 0.0:
        assert got == float("-inf")
    else:
        assert got == pytest.approx(math.log10(total), abs=1e-9)


def test_occupancy_is_below_the_binomial_when_the_impulses_are_few() -> None:
    # 7 of 7 slots by 9 impulses: the binomial with a slot chance of 9p counts 9^7 ways where
    # there are 9 * 8 * ... * 3 (26 times fewer); with many impulses the two agree closely
    p = 0.0081
    few = binomial_tail_log10(7, 7, 9 * p) - occupancy_tail_log10(7, 7, 9, p)
    assert few == pytest.approx(math.log10(9 ** 7 / math.perm(9, 7)), abs=0.05)
    many = occupancy_tail_log10(5, 20, 4000, 1e-5)
    assert many == pytest.approx(binomial_tail_log10(5, 20, 1 - (1 - 1e-5) ** 4000), abs=0.02)
