"""The waveform view: the template of a grid's clicks, the matched filter read with each click left
out, and the chance that counts every impulse of the view."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import audiosynth as synth
from fieldkit.audio import clicks, waveform
from fieldkit.audio.dsp import rows
from fieldkit.audio.periodicity import fold
from fieldkit.audio.thresholds import Thresholds

FS = 48000
TH = Thresholds()


def _correlation_with(shape: np.ndarray, average: np.ndarray) -> float:
    """Largest normalised correlation of ``average`` with ``shape`` at any shift."""
    r = np.correlate(np.concatenate([np.zeros(average.size), shape, np.zeros(average.size)]), average, "valid")
    return float(r.max() / (np.linalg.norm(shape) * np.linalg.norm(average)))


def test_the_template_aligns_clicks_whose_onsets_are_known_only_to_a_frame() -> None:
    # Ten copies of one click in white noise, each start told with an error of up to 2 ms (a frame):
    # averaged where they were said to be, the 1-8 kHz ringing cancels; aligned on each other first,
    # the average is the click.
    r = np.random.default_rng(5)
    fs = 24000
    shape = synth.click_shape(fs, r)[:144].astype(np.float64)
    x = r.normal(0, 0.1, 30 * fs)
    true = np.sort(r.choice(np.arange(1000, x.size - 1000), 10, replace=False))
    for s in true:
        x[s:s + shape.size] += shape
    told = true + r.integers(-48, 49, true.size)
    aligned = waveform.template(x, told, 144, reach=72)
    naive = rows(x, told, 144).mean(axis=0)
    assert _correlation_with(shape, aligned) >= 0.9
    assert _correlation_with(shape, naive) < 0.6


def _noise_grid(seed: int) -> tuple[clicks.ClickSpectrogram, clicks.ClickTrain]:
    x = synth.pink_noise(30 * FS, np.random.default_rng(seed)) * np.float32(0.05)
    c = clicks.click_spectrogram(x, FS, TH)
    return c, clicks.train_at(c, TH, 1.3)


def _share_at_hits(c: clicks.ClickSpectrogram, view: np.ndarray, train: clicks.ClickTrain) -> list[bool]:
    hits = np.round((np.asarray(train.times_s) - c.t0) * c.rate).astype(int)
    return [bool(view[max(0, h - 3):h + 4].max() >= TH.hit_z) for h in hits]


def test_a_grid_through_noise_does_not_find_its_own_peaks_in_its_waveform_view() -> None:
    # A grid fitted through pink noise has noise peaks for clicks. Each of them correlates with the
    # share of itself in the average of all (and the others were aligned on it): read with the plain
    # template, nearly every slot holds a "click". Read with the template of the others, aligned
    # without it, the slots hold what noise holds anywhere.
    left_out, plain = [], []
    for seed in range(6):
        c, train = _noise_grid(seed)
        band = waveform.waveform_view(c, TH, train)
        assert band is not None
        left_out += _share_at_hits(c, c.zs[band], train)
        x = waveform.band_samples(c)
        pre, length, reach = (int(round(s * c.fs)) for s in (waveform.PRE_S, waveform.LENGTH_S, waveform.ALIGN_S))
        starts = np.round(np.asarray(train.times_s) * c.fs).astype(int) - pre
        starts = starts[(starts >= reach) & (starts + length + reach <= x.size)]
        average = waveform.template(x, starts, length, reach)
        response = np.correlate(np.concatenate([x, np.zeros(length)]).astype(np.float64), average, "valid")[:x.size]
        plain += _share_at_hits(c, waveform._frames(c, np.maximum(response, 0.0) ** 2, pre), train)
    assert np.mean(plain) > 0.7
    assert np.mean(left_out) < 0.45


def test_a_quiet_train_among_loud_bursts_stands_out_in_its_waveform_view() -> None:
    # The same click every 2.2 s, 6 dB under pink noise in its own 10 ms, and 40 bursts of loud hiss
    # (a consonant) at random times. In the recording's own bands the grid at the train's period
    # holds few of the clicks. Seeded with the clicks' times (as a candidate grid would seed it), the
    # view holds them in most slots and the bursts in few windows: a burst is as loud as it likes,
    # its waveform is not the click's.
    r = np.random.default_rng(11)
    period = 2.2
    x, times = synth.clicks_in_noise(30, FS, period, -6, r)
    for t in r.uniform(0.5, 29.5, 40):
        i = int(t * FS)
        x[i:i + 240] += r.normal(0, 0.5, x[i:i + 240].size).astype(np.float32)
    c = clicks.click_spectrogram(x, FS, TH)
    in_bands = clicks.train_at(c, TH, period)
    assert not clicks.passes(in_bands, TH)
    seeded = dataclasses.replace(in_bands, times_s=[round(t + 0.002, 4) for t in times], segments_s=[])
    band = waveform.waveform_view(c, TH, seeded)
    assert band is not None
    phase = int(round((times[0] - c.t0) * c.rate))
    judged = clicks._grid(c, TH, period * c.rate, phase, fold(c.log_onset(band), period * c.rate)[0], band)
    assert judged.active_fill >= 0.8 and judged.active_clicks >= 10
    assert waveform.chance_in_waveform_view(c, TH, band, judged) < TH.max_chance_log10


def test_the_views_chance_counts_every_impulse_as_strong_as_the_clicks() -> None:
    # A view with 8 strong peaks on 10 slots of a 3 s grid: unlikely at random. The same view with
    # 40 more peaks as strong elsewhere (a key struck on the grid and off it): the 8 are what 48
    # impulses at random times fill often enough, however empty the windows between the slots.
    c, _ = _noise_grid(1)
    period = 3.0 * c.rate
    z = np.zeros(c.z.size, dtype=np.float32)
    slots = np.round(100 + np.arange(10) * period).astype(int)
    z[slots[:8]] = 20.0
    train = dataclasses.replace(clicks.ClickTrain(period_s=3.0, times_s=[round(c.t0 + s / c.rate, 4) for s in slots[:8]],
                                                  score=8.0, fill=0.8, jitter=0.0, similarity=0.9, snr_db=0.0,
                                                  band_hz=(1000.0, 8000.0), slots=10, median_z=20.0),
                                segments_s=[(round(c.t0 + slots[0] / c.rate - 0.1, 2), round(c.t0 + slots[-1] / c.rate + 0.1, 2))],
                                active_slots=10, active_clicks=8)
    c.zs.append(z)
    alone = waveform.chance_in_waveform_view(c, TH, len(c.zs) - 1, train)
    crowded = z.copy()
    others = np.random.default_rng(3).choice(np.setdiff1d(np.arange(50, z.size - 50), slots), 40, replace=False)
    crowded[others] = 20.0
    c.zs.append(crowded)
    among_keys = waveform.chance_in_waveform_view(c, TH, len(c.zs) - 1, train)
    assert alone < TH.max_chance_log10 < among_keys


def test_the_filters_output_lands_in_the_frame_of_the_click() -> None:
    c, _ = _noise_grid(2)
    pre = int(round(waveform.PRE_S * c.fs))
    hop = c.fs / c.rate
    for onset_frame in (10, 777, c.z.size - 20):
        power = np.zeros(int(c.fs * 30), dtype=np.float64)
        start = int(round(c.t0 * c.fs + onset_frame * hop)) - pre   # a click peaking in that frame
        power[start] = 1.0
        assert int(np.argmax(waveform._frames(c, power, pre))) == onset_frame


@pytest.mark.parametrize("kept", [3, 0])
def test_no_view_without_enough_clicks_or_without_the_samples(kept: int) -> None:
    c, train = _noise_grid(4)
    short = dataclasses.replace(train, times_s=train.times_s[:kept], segments_s=[])
    assert waveform.waveform_view(c, TH, short) is None
    c.samples = None
    assert waveform.waveform_view(c, TH, train) is None
