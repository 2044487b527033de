"""The acoustic detectors on seeded synthetic sounds (fieldkit/audio/, verdicts of checks/acoustic/).

Each test builds a sound whose truth is known (a click train at a given period, a fan, typing,
head parking...) and checks the verdict and the measured values the finding will report.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import audiosynth as synth
from fieldkit.audio import analysis as detect, clicks, periodicity
from fieldkit.audio.thresholds import Thresholds
from fieldkit.checks.acoustic.verdicts import classify

FS = 48000
CLICK_VERDICTS = {"click-of-death", "slow-periodic-clicks", "irregular-periodic-clicks"}
ALARMS = CLICK_VERDICTS | {"stall-beeps", "beeps-while-spinning", "bearing-whine", "grinding"}


def verdicts(a: detect.Analysis) -> list[str]:
    return classify(a, Thresholds())


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize("period,snr", [(0.25, 10), (0.5, 0), (1.2, 0), (1.8, 10)])
def test_click_of_death_found_with_its_period_and_times(period: float, snr: float) -> None:
    x, times = synth.clicks_in_noise(20, FS, period, snr, rng(int(period * 100)), jitter=0.005)
    a = detect.analyse(x, FS)
    assert verdicts(a)[0] == "click-of-death"
    assert a.train is not None
    assert a.train.period_s == pytest.approx(period, rel=0.02)
    # most reported click times match a synthesised click within 10 ms
    found = np.array(a.train.times_s)
    near = [np.min(np.abs(found - t)) <= 0.010 for t in times]
    assert np.mean(near) >= 0.8
    assert a.train.band_hz[0] >= 1000 and a.train.band_hz[1] <= 8000
    assert a.train.snr_db > 0
    assert a.data["clicks_s"] == a.train.times_s


def test_slow_periodic_clicks_are_only_suspicious() -> None:
    x, _ = synth.clicks_in_noise(30, FS, 3.0, 10, rng(5), jitter=0.005)
    a = detect.analyse(x, FS)
    assert verdicts(a) == ["slow-periodic-clicks"]
    assert a.train.period_s == pytest.approx(3.0, rel=0.02)


@pytest.mark.parametrize("seed", [300021, 300156, 300169, 300193, 300377])
def test_head_parking_is_not_a_click_train_on_a_shorter_grid(seed: int) -> None:
    # Seeds found by the benchmark: a few loud parking clicks 6-10 s apart plus noise that
    # reaches the click threshold in a narrow band once lined up a 1-5 s grid (every k-th slot
    # loud, the rest noise), or refitted just beyond the 5 s limit.
    a = detect.analyse(synth.head_parking(30, FS, rng(seed)), FS, with_pictures=False)
    assert not CLICK_VERDICTS & set(verdicts(a)), (verdicts(a), a.candidate)


def test_head_parking_on_a_grid_at_half_its_interval_is_not_a_train() -> None:
    # Parking every 7.5 s read on a 3.74 s grid: every other slot held a parking click, the empty
    # slots' +-187 ms windows held pink noise up to z 9.6, over event_z, so the median slot
    # "held an unmistakable click" and the every-other-slot test was skipped (1 h of benchmark
    # negatives, seed 7). The noise alone reaches z 8.1 in such windows.
    a = detect.analyse(synth.head_parking(30, FS, np.random.default_rng([7, 8, 64])), FS, with_pictures=False)
    assert not CLICK_VERDICTS & set(verdicts(a)), (verdicts(a), a.candidate)


def test_weak_slow_train_found_at_minus_10_db() -> None:
    # A 3 s train of 10 clicks at -10 dB event SNR: invisible click by click in the whole band,
    # found by the phase search over the sub-bands' onset peaks (issue 4: >= 80 % at -10 dB).
    x, _times = synth.clicks_in_noise(30, FS, 3.0, -10, rng(41), jitter=0.01)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "slow-periodic-clicks"
    assert a.train is not None and a.train.period_s == pytest.approx(3.0, rel=0.02)


def test_same_train_found_at_other_sample_rates() -> None:
    for fs in (16000, 44100):
        x, _ = synth.clicks_in_noise(20, fs, 0.6, 5, rng(fs), jitter=0.005)
        a = detect.analyse(x, fs)
        assert verdicts(a)[0] == "click-of-death", fs
        assert a.train.period_s == pytest.approx(0.6, rel=0.02)


@pytest.mark.parametrize("name,make", [
    ("pink", lambda r: synth.pink_noise(20 * FS, r) * np.float32(0.05)),
    ("fan", lambda r: synth.fan_with_hum(20, FS, r)),
    ("typing", lambda r: synth.typing(20, FS, r)),
    ("seeks", lambda r: synth.seek_bursts(20, FS, r)),
    ("parking", lambda r: synth.head_parking(30, FS, r)),
])
def test_benign_sounds_raise_no_alarm(name: str, make) -> None:
    for seed in range(3):
        a = detect.analyse(make(rng(100 + seed)), FS, with_pictures=False)
        assert not ALARMS & set(verdicts(a)), (name, seed, verdicts(a), a.score)


def test_seek_activity_recognised_as_such() -> None:
    a = detect.analyse(synth.seek_bursts(20, FS, rng(7)), FS, with_pictures=False)
    assert verdicts(a) == ["seek-activity"]
    assert a.event_rate_hz > 3


def test_mains_hum_is_identified() -> None:
    r = rng(8)
    t = np.arange(20 * FS) / FS
    x = synth.pink_noise(t.size, r) * 0.02 + 0.05 * np.sin(2 * np.pi * 50 * t) + 0.03 * np.sin(2 * np.pi * 100 * t)
    a = detect.analyse(x.astype(np.float32), FS, with_pictures=False)
    assert a.hum_hz == 50
    assert not ALARMS & set(verdicts(a))


def test_spindle_line_of_a_7200_rpm_drive() -> None:
    r = rng(9)
    t = np.arange(20 * FS) / FS
    x = synth.pink_noise(t.size, r) * 0.02 + 0.02 * np.sin(2 * np.pi * 120 * t)
    a = detect.analyse(x.astype(np.float32), FS, with_pictures=False)
    assert a.spindle is not None and a.spindle.freq_hz == pytest.approx(120, abs=1)


def test_stall_beeps_are_critical_and_not_counted_twice() -> None:
    a = detect.analyse(synth.stall_beeps(20, FS, rng(1)), FS, with_pictures=False)
    assert verdicts(a)[0] == "stall-beeps"
    assert "click-of-death" not in verdicts(a)   # the beeps' onsets are the same event
    assert a.beeps.count >= 8


def test_beeps_with_a_spindle_line_are_only_suspicious() -> None:
    t = np.arange(20 * FS) / FS
    x = synth.stall_beeps(20, FS, rng(1)) + (0.02 * np.sin(2 * np.pi * 90 * t)).astype(np.float32)
    a = detect.analyse(x, FS, with_pictures=False)
    assert "beeps-while-spinning" in verdicts(a) and "stall-beeps" not in verdicts(a)
    assert a.spindle.freq_hz == pytest.approx(90, abs=1)


def test_bearing_whine() -> None:
    a = detect.analyse(synth.bearing_whine(20, FS, rng(3), freq=3150.0), FS, with_pictures=False)
    assert "bearing-whine" in verdicts(a)
    assert a.whine.freq_hz == pytest.approx(3150, abs=30)


def test_grinding_modulated_at_the_rotation_rate() -> None:
    a = detect.analyse(synth.grinding(20, FS, rng(4), rotation_hz=90.0), FS, with_pictures=False)
    assert "grinding" in verdicts(a)
    assert a.grinding.freq_hz == pytest.approx(90, abs=1.5)


def test_capture_problems() -> None:
    zeros = np.zeros(5 * FS, dtype=np.float32)
    assert detect.capture_problem(zeros, FS)[0] == "audio-digital-silence"
    x = synth.pink_noise(5 * FS, rng(1)) * np.float32(0.5)
    clipped = np.clip(x, -0.2, 0.2) / np.float32(0.2)
    rule, reason, _ = detect.capture_problem(clipped, FS)
    assert rule == "audio-clipping" and "%" in reason
    assert detect.capture_problem(x[:FS], FS)[0] == "audio-too-short"
    broken = x.copy()
    broken[100] = np.nan
    assert detect.capture_problem(broken, FS)[0] == "audio-invalid"
    assert detect.capture_problem(x, 4000)[0] == "audio-samplerate"
    assert detect.capture_problem(x * np.float32(0.1), FS) is None


def test_picture_arrays_follow_the_report_convention() -> None:
    x, _ = synth.clicks_in_noise(20, FS, 0.5, 10, rng(2))
    a = detect.analyse(x, FS)
    spec, env = a.data["spectrogram"], a.data["envelope"]
    assert 0 < len(spec["times_s"]) <= 160 and 0 < len(spec["freqs_hz"]) <= 64
    assert len(spec["db"]) == len(spec["freqs_hz"])                    # one row per frequency bin
    assert all(len(row) == len(spec["times_s"]) for row in spec["db"])
    assert all(v == round(v, 1) for row in spec["db"] for v in row)
    assert spec["freqs_hz"] == sorted(spec["freqs_hz"]) and spec["times_s"][-1] <= 20
    assert 0 < len(env["times_s"]) == len(env["values"]) <= 1000
    assert len(a.data["clicks_s"]) >= 30
    json.dumps(a.data)   # plain JSON types only


# --------------------------------------------------------------------------- a real room

N30 = 30 * FS


def room(r: np.random.Generator, n: int = N30) -> np.ndarray:
    return synth.pink_noise(n, r) * np.float32(0.05)


@pytest.mark.parametrize("seed,period,snr", [(1, 0.5, 10), (2, 0.8, 10), (3, 1.4, 10), (4, 0.3, 0)])
def test_train_among_typing_is_still_a_click_of_death(seed: int, period: float, snr: float) -> None:
    # Someone types at 4-10 keys/s, 10-20 dB over the room, while the disk clicks: the keys are
    # off the grid, and the verdict used to be "normal seek activity".
    r = rng(seed)
    bg = room(r)
    typing = bg + synth.keystrokes(30, FS, r, N30, reference=bg)
    x, times = synth.train_in_room(30, FS, period, snr, r, typing, jitter=0.005, reference=bg)
    a = detect.analyse(x, FS, with_pictures=False)
    v = verdicts(a)
    assert v[0] in ("click-of-death", "slow-periodic-clicks"), (v, a.candidate)
    assert a.train.period_s == pytest.approx(period, rel=0.02)
    assert len(a.other_events_s) > 30          # the keys, judged apart from the train
    from fieldkit.checks.acoustic.verdicts import room_activity
    assert room_activity(a) == "seek-activity"


def test_train_among_seek_bursts_is_found() -> None:
    r = rng(11)
    bg = room(r)
    x, _ = synth.train_in_room(30, FS, 0.6, 10, r, bg + synth.seek_ticks(30, FS, r, N30, bg), jitter=0.005,
                               reference=bg)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death"
    assert a.train.period_s == pytest.approx(0.6, rel=0.02)


@pytest.mark.parametrize("seed,period,snr", [(41, 0.5, -6), (45, 0.35, -6), (46, 0.6, -6)])
def test_weak_train_among_loud_keys_is_found_in_the_capped_view(seed: int, period: float, snr: float) -> None:
    # Keys 16-26 dB over the clicks dominate the autocorrelation of the onset functions: the
    # train is the candidate of the functions capped at a click's level (seeds the search missed)
    r = rng(seed)
    bg = room(r)
    x, _ = synth.train_in_room(30, FS, period, snr, r, bg + synth.keystrokes(30, FS, r, N30, reference=bg),
                               jitter=0.005, reference=bg)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death", (verdicts(a), a.candidate)
    assert a.train.period_s == pytest.approx(period, rel=0.02)


@pytest.mark.parametrize("seed,period,snr", [(43, 0.9, 0), (45, 0.35, 0), (45, 0.35, -6)])
def test_train_hidden_in_seek_bursts_is_found_with_the_ticks_notched_out(seed: int, period: float,
                                                                         snr: float) -> None:
    r = rng(seed)
    bg = room(r)
    x, _ = synth.train_in_room(30, FS, period, snr, r, bg + synth.seek_ticks(30, FS, r, N30, bg), jitter=0.005,
                               reference=bg)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death", (verdicts(a), a.candidate)
    assert a.train.period_s == pytest.approx(period, rel=0.02)


def test_notch_removes_the_rooms_one_impulse_sound_and_not_a_dozen() -> None:
    from scipy.signal import find_peaks

    from fieldkit.audio.clicks import _notched_bands, click_spectrogram

    th = Thresholds()
    r = rng(48)
    bg = room(r)
    ticks = click_spectrogram(bg + synth.seek_ticks(30, FS, r, N30, bg), FS, th)
    peaks, _ = find_peaks(ticks.z, height=th.event_z, distance=8)
    notched = _notched_bands(ticks, th)
    assert notched
    after = np.array([ticks.zs[notched[0]][max(0, p - 2):p + 3].max() for p in peaks])
    # the ticks lose about half their strength or more (a click of another sound keeps its own)
    assert np.median(after) < 0.6 * np.median(ticks.z[peaks])
    keys = click_spectrogram(bg + synth.keystrokes(30, FS, r, N30, reference=bg), FS, th)
    assert _notched_bands(keys, th) == []   # a dozen key sounds: no one spectrum to notch


def test_seek_bursts_fitted_by_a_fast_grid_are_not_a_train() -> None:
    # A seed found by the false-alarm runs: the best of many 0.2-0.3 s grids through dense seek
    # bursts (a candidate of the capped view) fills its bursts' slots well enough for the chance
    # test, but hardly better than the same grid at any other phase (phase_gap 0.08)
    a = detect.analyse(synth.seek_bursts(30, FS, np.random.default_rng([11, 0])), FS, with_pictures=False)
    assert not ALARMS & set(verdicts(a)), (verdicts(a), a.candidate)


def test_train_starting_late_is_reported_with_when_it_clicks() -> None:
    # 20 s of clicks after 10 s of quiet room: the whole-recording tests see a third without
    # clicks; the active stretch is judged on its own and reported with its times.
    r = rng(21)
    times = [10.3 + k * 1.1 for k in range(18)]
    x, _ = synth.train_in_room(30, FS, 1.1, 5, r, room(r), times=times)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death"
    [(start, end)] = a.train.segments_s
    assert start == pytest.approx(10.3, abs=0.3) and end == pytest.approx(times[-1], abs=0.3)


def test_train_in_bursts_with_pauses_and_a_level_step() -> None:
    r = rng(22)
    n = N30
    bg = room(r, n) * synth.level_steps(n, FS, r, steps=1, db=10)
    times = [t for t in np.arange(1.0, 30, 0.45) if not 9 <= t < 16 and not 22 <= t < 25]
    x, _ = synth.train_in_room(30, FS, 0.45, 0, r, bg, times=list(times))
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death"
    assert len(a.train.segments_s) == 3
    assert a.train.segments_s[1][0] == pytest.approx(16, abs=0.5)


@pytest.mark.parametrize("seed", range(4))
def test_typing_and_seeks_alone_raise_no_alarm(seed: int) -> None:
    r = rng(500 + seed)
    bg = room(r)
    x = bg + synth.keystrokes(30, FS, r, N30, reference=bg) + synth.seek_ticks(30, FS, r, N30, bg)
    a = detect.analyse(x, FS, with_pictures=False)
    assert not ALARMS & set(verdicts(a)), (verdicts(a), a.candidate)


@pytest.mark.parametrize("seed", range(3))
def test_quartz_clock_is_not_called_a_failing_disk(seed: int) -> None:
    a = detect.analyse(synth.quartz_clock(30, FS, rng(600 + seed)), FS, with_pictures=False)
    assert verdicts(a) == ["clock-like-ticks"]
    assert a.train.period_s == pytest.approx(1.0, abs=0.003)


def test_measure_train_reads_the_level_at_a_known_period() -> None:
    r = rng(31)
    x, times = synth.clicks_in_noise(20, FS, 0.7, 10, r, jitter=0.005)
    near = detect.measure_train(x, FS, 0.7)
    assert near is not None and near.click_level_db > -60
    far = detect.measure_train(x * np.float32(0.316), FS, 0.7)      # the same sound 10 dB down
    assert near.click_level_db - far.click_level_db == pytest.approx(10, abs=0.5)


@pytest.mark.parametrize("snr", [10, 0])
def test_train_pausing_six_seconds_restarts_at_its_own_phase(snr: float) -> None:
    # The case that used to read "a few isolated clicks": 18 clicks every 1.1 s with a 6 s pause
    # in the middle after which the drive restarts its cycle at another phase.
    r = rng(3)
    times = [0.3 + 1.1 * k for k in range(9)] + [16.2 + 1.1 * k for k in range(9)]
    x, _ = synth.train_in_room(26, FS, 1.1, snr, r, synth.pink_noise(26 * FS, r) * np.float32(0.05), times=times)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death"
    assert a.train.phases == 2 and len(a.train.segments_s) == 2
    assert a.train.segments_s[1][0] == pytest.approx(16.2, abs=1.2)   # within a slot of the restart


@pytest.mark.parametrize("snr", [10, 0])
def test_short_train_after_fourteen_seconds_of_quiet_is_critical_with_its_times(snr: float) -> None:
    # 30 % of the recording: six clicks every 1.5 s from 14.3 s on. Too few slots for the active
    # stretch's slot count; the clicks are loud, alike and on time, so the short-train rule calls it.
    r = rng(40)
    times = [14.3 + 1.5 * k + r.normal(0, 0.01) for k in range(6)]
    x, _ = synth.train_in_room(30, FS, 1.5, snr, r, room(r), times=times)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death", a.candidate
    assert a.train.period_s == pytest.approx(1.5, rel=0.02)
    [(start, end)] = a.train.segments_s
    assert start == pytest.approx(14.3, abs=0.2) and end == pytest.approx(times[-1], abs=0.2)
    assert a.train.active_clicks == 6 and a.train.active_slots == 6


def test_five_slow_clicks_are_slow_periodic_clicks() -> None:
    # a period of 4.2 s: five clicks span 17 s of the 30
    r = rng(41)
    times = [6.1 + 4.2 * k for k in range(5)]
    x, _ = synth.train_in_room(30, FS, 4.2, 10, r, room(r), times=times)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "slow-periodic-clicks", a.candidate
    assert a.train.period_s == pytest.approx(4.2, rel=0.02)


def test_three_slow_clicks_are_not_a_train() -> None:
    # two intervals fit any period: no periodic claim, only isolated clicks
    r = rng(42)
    x, _ = synth.train_in_room(30, FS, 4.2, 10, r, room(r), times=[9.0, 13.2, 17.4])
    a = detect.analyse(x, FS, with_pictures=False)
    assert not ALARMS & set(verdicts(a)), a.candidate
    assert verdicts(a) == ["isolated-clicks"]


def test_loud_clicks_after_a_level_step_keep_their_quiet_stretch_bursts() -> None:
    # two bursts of nine clicks at phases of their own; the room gets 10 dB louder between them,
    # so the second burst's clicks stand 10 dB less over it: both bursts are still reported
    r = rng(43)
    n = N30
    gain = np.ones(n, dtype=np.float32)
    gain[int(13 * FS):] = np.float32(10 ** 0.5)
    bg = room(r, n)
    times = [0.4 + 1.1 * k for k in range(9)] + [16.9 + 1.1 * k for k in range(9)]
    x, _ = synth.train_in_room(30, FS, 1.1, 10, r, bg * gain, times=times, reference=bg)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death"
    assert [round(s) for s, _e in a.train.segments_s] == [0, 17]


@pytest.mark.parametrize("seed", range(3))
def test_a_level_step_alone_raises_no_alarm(seed: int) -> None:
    r = rng(700 + seed)
    n = N30
    x = room(r, n) * synth.level_steps(n, FS, r, steps=2, db=10)
    a = detect.analyse(x, FS, with_pictures=False)
    assert not ALARMS & set(verdicts(a)), (verdicts(a), a.candidate)


def test_partial_trains_of_the_benchmark_hold_enough_clicks() -> None:
    # the generator lengthens bursts of slow trains: three clicks a burst, five a train
    r = rng(44)
    for _ in range(300):
        period = float(np.exp(r.uniform(np.log(0.2), np.log(5.0))))
        bursts = int(r.integers(1, 4))
        times = synth.partial_times(30, period, r, r.uniform(0.3, 1.0), bursts, 0.0)
        assert len(times) >= synth.MIN_TRAIN_CLICKS
        gaps = np.diff(times) > 1.5 * period
        assert min(len(run) for run in np.split(np.asarray(times), np.flatnonzero(gaps) + 1)) \
            >= synth.MIN_BURST_CLICKS


def keys_and_train(seed: int, period: float, snr: float) -> tuple[np.ndarray, list[float]]:
    """A train among typing (a dozen key sounds, 10-20 dB over the room), the bench's mixture."""
    r = rng(seed)
    bg = room(r)
    return synth.train_in_room(30, FS, period, snr, r, bg + synth.keystrokes(30, FS, r, N30, reference=bg),
                               jitter=0.01, reference=bg)


@pytest.mark.parametrize("seed", [103, 107, 112])
def test_train_as_loud_as_the_keys_is_found_in_the_view_of_its_own_sound(seed: int) -> None:
    # Clicks as loud as the keys: in the room's own bands the keys fill the windows between the
    # slots nearly as often as the slots (seeds every other view missed); in the view that keeps
    # only the loud impulses shaped like the clicks they do not
    x, _ = keys_and_train(seed, 1.2, 10)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death", (verdicts(a), a.candidate)
    assert a.train.period_s == pytest.approx(1.2, rel=0.02)


def test_sound_views_keep_the_trains_clicks_and_take_the_keys_out() -> None:
    from scipy.signal import find_peaks

    from fieldkit.audio.clicks import click_spectrogram
    from fieldkit.audio.sounds import sound_views

    th = Thresholds()
    x, times = keys_and_train(103, 1.2, 10)
    c = click_spectrogram(x, FS, th)
    clicks = np.round((np.asarray(times) - c.t0) * c.rate).astype(int)
    peaks, _ = find_peaks(c.z, height=th.event_z, distance=8)
    keys = peaks[np.min(np.abs(peaks[:, None] - clicks[None, :]), axis=1) > 10]

    def strength(z: np.ndarray, at: np.ndarray) -> np.ndarray:
        return np.array([z[max(0, f - 4):f + 5].max() for f in at])

    quiet, _ = find_peaks(c.z, height=(th.hit_z, th.event_z), distance=8)
    quiet = quiet[np.min(np.abs(quiet[:, None] - np.concatenate([clicks, keys])[None, :]), axis=1) > 10]
    _quiet, views = sound_views(c, th)
    kept = [np.mean(strength(c.zs[v], clicks) >= 0.9 * strength(c.z, clicks)) for v in views]
    best = views[int(np.argmax(kept))]
    # the train's own sound keeps its clicks (but those within 15 ms of a louder key: 16 % here)
    assert max(kept) >= 0.8
    # the other keys are held under a click's level, and so are most of the noise's own peaks: a
    # grid there cannot be filled by the noise (a typing clip of the bench alarmed on one with
    # hits at z 3.8), nor by a key's smaller peaks next to it (a typing+seeks clip)
    assert np.mean(strength(c.zs[best], keys) < th.hit_z) >= 0.8
    assert quiet.size > 20 and np.mean(strength(c.zs[best], quiet) < th.hit_z) >= 0.7
    # the room's own onset function is untouched (the views are extra onset functions)
    assert np.array_equal(c.zs[0], c.z)


def test_a_sound_in_dense_bursts_has_no_view_of_its_own() -> None:
    # seek ticks 15-120 ms apart fill any grid's slots in every burst; a drive's click comes at
    # most twice within the shortest period (in-stop and out-stop)
    from fieldkit.audio.sounds import _in_bursts

    th = Thresholds()
    r = rng(7)
    ticks, t = [], 0.0
    while t < 30:
        end = t + r.uniform(0.2, 2.0)
        while t < end:
            ticks.append(t)
            t += r.uniform(0.015, 0.12)
        t = end + r.exponential(1.0)
    assert _in_bursts(np.array(ticks), th)
    pairs = synth.click_train_times(30, 0.5, r, jitter=0.01, pairs=True)
    assert not _in_bursts(np.array(pairs), th)


def test_train_in_one_burst_owns_its_phase_where_it_clicks() -> None:
    # Seven loud clicks in the middle of 30 s of room noise: over all 16 cycles the noise fills some
    # other phase of the period in nearly as many cycles as the train fills its own (phase gap read
    # over the whole recording: 0.06, and a verdict of "isolated clicks"); over the seven cycles
    # where the drive clicks, the train owns its phase (0.43)
    r = rng(42)
    times = [11.46 + k * 1.8436 + r.normal(0, 0.01) for k in range(7)]
    x, _ = synth.train_in_room(30, FS, 1.8436, 10, r, room(r), times=times)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death", (verdicts(a), a.candidate)
    assert a.train.phase_gap >= Thresholds().min_phase_gap
    [(start, end)] = a.train.segments_s
    assert start == pytest.approx(times[0], abs=0.2) and end == pytest.approx(times[-1], abs=0.2)



def test_a_sounds_view_counts_every_impulse_of_the_sound_in_the_chance() -> None:
    # One key struck 15 times, 8 of them (by chance) in 9 slots of a 2.37 s grid: the windows
    # between the slots hear the 7 strokes off the grid (1 in 50 or less, 10^-12.6 for 8 of 9);
    # at random times the key's 15 strokes fill 1 in 14 of them. The chance is that of the 15
    # strokes at random times filling 8 of the 9 slots: 10^-9.3 (the binomial tail with a slot
    # chance of 1/14, 10^-8.2, counts the strokes as if each could fill several slots)
    from fieldkit.audio.clicks import ClickTrain, click_spectrogram
    from fieldkit.audio.dsp import binomial_tail_log10, occupancy_tail_log10
    from fieldkit.audio.sounds import chance_in_sound_view

    th = Thresholds()
    c = click_spectrogram(room(rng(97)), FS, th)
    view = np.zeros_like(c.z)
    view[np.linspace(100, c.z.size - 100, 15).astype(int)] = 500.0
    c.zs.append(view)
    train = ClickTrain(period_s=2.37, times_s=[], score=9.5, fill=0.9, jitter=0.01, similarity=0.9, snr_db=20.0,
                       band_hz=(1000.0, 8000.0), slots=12, median_z=500.0, active_slots=9, active_clicks=8)
    width = 2 * round(0.03 * 2.37 * c.rate) + 1
    assert 15 * width / c.z.size == pytest.approx(1 / 14, rel=0.05)
    expected = occupancy_tail_log10(8, 9, 15, width / c.z.size)
    assert chance_in_sound_view(c, th, len(c.zs) - 1, train) == pytest.approx(expected, abs=1e-9)
    assert -9.5 < expected < -9.0
    assert binomial_tail_log10(8, 9, 15 * width / c.z.size) > expected + 0.8


def test_own_sound_view_keeps_the_trains_clicks_and_few_keys() -> None:
    # A train at the level of the keys (10 dB over the room, the keys 10-20 dB): the view built
    # from the candidate's own clicks (86 % of its hits here, the rest keys) keeps those clicks
    # and holds most keys under a click's level. (With the keys 10-20 dB over the clicks, the
    # grid's hits are mostly keys and their shape is no one sound: the view then helps little.)
    from fieldkit.audio.clicks import click_spectrogram, train_at
    from fieldkit.audio.sounds import own_sound_view

    th = Thresholds()
    x, times = keys_and_train(31, 0.9, 10)
    c = click_spectrogram(x, FS, th)
    train = train_at(c, th, 0.9)
    assert train is not None and train.active_clicks >= 20
    view = own_sound_view(c, th, train)
    assert view is not None and view == len(c.zs) - 1
    clicks = np.round((np.asarray(times) - c.t0) * c.rate).astype(int)
    peaks = c.impulses(th.event_z)
    keys = peaks[np.min(np.abs(peaks[:, None] - clicks[None, :]), axis=1) > 10]

    def strength(z: np.ndarray, at: np.ndarray) -> np.ndarray:
        return np.array([z[max(0, f - 4):f + 5].max() for f in at])

    assert np.mean(strength(c.zs[view], clicks) >= th.hit_z) >= 0.8
    assert keys.size >= 50 and np.mean(strength(c.zs[view], keys) < th.hit_z) >= 0.8


def test_own_sound_view_needs_clicks_of_the_train() -> None:
    from fieldkit.audio.clicks import ClickTrain, click_spectrogram
    from fieldkit.audio.sounds import own_sound_view

    th = Thresholds()
    c = click_spectrogram(room(rng(3)), FS, th)
    few = ClickTrain(period_s=2.0, times_s=[1.0, 3.0, 5.0], score=0.0, fill=1.0, jitter=None, similarity=None,
                     snr_db=0.0, band_hz=(1000.0, 8000.0), slots=3, median_z=0.0)
    assert own_sound_view(c, th, few) is None
    assert len(c.zs) == len(c.subbands)   # no view was added


def test_typing_filling_three_stretches_of_a_grid_is_not_a_train() -> None:
    # Poisson keys (2-7 per second) filled 13 of 13 slots of a 1.52 s grid in three stretches with
    # 6 empty slots between them: 10^-8.7 counted on the stretches alone, about 10^-5 on the 19
    # slots they span (1 h of benchmark negatives, seed 7). The chance counts the spanned slots.
    a = detect.analyse(synth.typing(30, FS, np.random.default_rng([7, 3, 24])), FS, with_pictures=False)
    assert not CLICK_VERDICTS & set(verdicts(a)), (verdicts(a), a.candidate)


def test_typing_filling_a_grid_at_the_noises_own_level_is_not_a_train() -> None:
    # Keys filled 11 of 11 slots of the best 2.68 s grid at the noise's own level (a window reaches
    # it one time in five): 10^-8.1, just under the threshold, before the train paid for the grids
    # the search can fit through a room full of loud impulses (1 h of benchmark negatives, seed 8)
    a = detect.analyse(synth.typing(30, FS, np.random.default_rng([8, 3, 34])), FS, with_pictures=False)
    assert not CLICK_VERDICTS & set(verdicts(a)), (verdicts(a), a.candidate)


def test_weak_train_found_at_its_period_not_at_three_halves_of_it() -> None:
    # -10 dB, 0.89 s: the comb settled on 1.33 s (a click in every other slot), which fails; the
    # grid at two thirds of it is the train
    r = np.random.default_rng([2026, 77, 4])
    period = float(np.exp(r.uniform(np.log(0.2), np.log(5.0))))
    x, _times = synth.clicks_in_noise(30, FS, period, -10, r, jitter=r.uniform(0, 0.02), pairs=r.random() < 0.25)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death", (verdicts(a), a.candidate)
    assert a.train.period_s == pytest.approx(period, rel=0.02)


@pytest.mark.parametrize("seed", [102, 121, 128])
def test_slow_train_among_louder_keys_is_found_on_the_grid_of_its_alike_impulses(seed: int) -> None:
    # A 2.4 s train 10 dB over the room among keys 10-20 dB over it: the keys fill every window
    # of the room's bands and of the keys' sound views, and no search view built the 2.4 s grid
    # (seeds the other views missed). The clicks are one sound at one loudness: the grids through
    # the loud impulses alike in both find it, and its own view holds little else.
    x, _ = keys_and_train(seed, 2.4, 10)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "slow-periodic-clicks", (verdicts(a), a.candidate)
    assert a.train.period_s == pytest.approx(2.4, rel=0.02)


def test_alike_grids_put_the_trains_period_first() -> None:
    from fieldkit.audio.clicks import click_spectrogram
    from fieldkit.audio.sounds import alike_grids

    th = Thresholds()
    x, times = keys_and_train(102, 2.4, 10)
    c = click_spectrogram(x, FS, th)
    grids = alike_grids(c, th, 0.2, 5.0)
    assert 1 <= len(grids) <= th.own_sound_tries
    period, at, own = grids[0]
    assert period == pytest.approx(2.4, rel=0.03)
    assert min(abs(at - t) for t in times) < 0.01
    # the impulses on it are the train's clicks
    clicks = c.t0 + c.impulses(th.hit_z)[own] / c.rate
    assert len(own) >= 0.8 * len(times)
    assert all(min(abs(t - s) for s in times) < 0.01 for t in clicks)


def test_the_same_sound_much_louder_is_not_kept_in_the_view_of_a_trains_sound() -> None:
    # A drive's clicks are one sound at one loudness (the same actuator hitting the same stop,
    # at the same distance). The same click shape 12 dB louder, at random times, is another source
    # (or another drive): the view of the train's sound holds it under a click's level.
    from fieldkit.audio.clicks import click_spectrogram
    from fieldkit.audio.sounds import view_of_sound

    th = Thresholds()
    r = rng(5)
    bg = room(r)
    shape = synth.click_shape(FS, r)
    gain = synth.event_snr_scale(shape, bg, FS, 15)
    train = [0.7 + 1.9 * k for k in range(15)]
    others = sorted(r.uniform(0.5, 29.5, 12))
    others = [t for t in others if min(abs(t - s) for s in train) > 0.2]
    x = bg + synth.place(N30, FS, train + others, [shape] * (len(train) + len(others)),
                         [gain] * len(train) + [gain * 4.0] * len(others))
    c = click_spectrogram(x.astype(np.float32), FS, th)
    peaks = c.impulses(th.hit_z)
    at = c.t0 + peaks / c.rate

    def nearest(times: list[float]) -> np.ndarray:
        return np.array([int(np.argmin(np.abs(at - t))) for t in times])

    view = c.zs[view_of_sound(c, th, nearest(train))]
    kept = view[peaks] >= th.hit_z
    assert kept[nearest(train)].mean() >= 0.9
    assert len(others) >= 8 and not kept[nearest(others)].any()


def test_a_key_on_a_grid_in_its_own_sounds_view_pays_for_the_grids_through_its_strokes() -> None:
    # Typing and seeks: one key struck 13 times, 7 of them on 10 slots of a 1.34 s grid. In the
    # view of that key's sound the chance of 7 of 13 strokes on those slots is 10^-9.0, but the
    # grid was the best the search could fit through the strokes (1 h of negatives, per-clip seed
    # 9, clip 93: an alarm). Every grid with two hits runs through two of them: 78 pairs, 10^1.9.
    r = np.random.default_rng([9, 5, 93])
    bg = synth.pink_noise(N30, r) * np.float32(0.05)
    x = bg + synth.keystrokes(30, FS, r, N30, reference=bg) + synth.seek_ticks(30, FS, r, N30, bg)
    a = detect.analyse(x, FS, with_pictures=False)
    assert not CLICK_VERDICTS & set(verdicts(a)), (verdicts(a), a.candidate)


@pytest.mark.parametrize("seed", [[9, 0, 53], [5, 0, 1331]])
def test_pink_noise_at_the_limit_of_detection_is_faint_not_a_failing_disk(seed: list[int]) -> None:
    # Pink noise alone, no clicks: its best grid (1.07 s and 1.36 s) passed the whole-recording
    # tests at fold scores 6.4 and 6.2, just over click_score, and was called a click of death
    # (2 of the 7 false alarms in 3600 clips of the false-alarm sets). Below faint_score such a
    # train asks for a closer recording.
    th = Thresholds()
    x = synth.pink_noise(30 * FS, np.random.default_rng(seed)) * np.float32(0.05)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a) == ["faint-periodic-clicks"]
    assert a.train is None and a.candidate is not None
    assert th.click_score <= a.candidate.score < th.faint_score


def test_a_faint_score_only_holds_back_the_whole_recording_tests() -> None:
    # The same grid measurements at three fold scores: under click_score nothing, between it and
    # faint_score faint, above a train; a train that stands out on its active slots (among typing
    # or in part of the recording) needs no more than click_score.
    import dataclasses

    from fieldkit.audio.clicks import ClickTrain, faint, passes

    th = Thresholds()
    whole = ClickTrain(period_s=1.2, times_s=[1.2 * k for k in range(24)], score=6.5, fill=0.7, jitter=0.01,
                       similarity=0.7, snr_db=-8.0, band_hz=(1000.0, 8000.0), slots=24, median_z=4.0, on_grid=None,
                       consistency=3.0, slot_z_p90=6.0, uniformity=0.9, slot_median=4.0, noise_z=3.5, contrast=1.5,
                       subgrid=1.2, chance_log10=-5.0)
    assert faint(whole, th) and not passes(whole, th)
    assert passes(dataclasses.replace(whole, score=7.5), th) and not faint(dataclasses.replace(whole, score=7.5), th)
    assert not faint(dataclasses.replace(whole, score=5.5), th)
    active = dataclasses.replace(whole, active_slots=20, active_fill=0.9, active_clicks=18, active_consistency=4.0,
                                 chance_log10=-12.0, phase_gap=0.5, segments_s=[(0.0, 28.0)])
    assert passes(active, th) and not faint(active, th)


def partial_mixture(clip: int, snr: float, level_steps: bool,
                    seed: int = 2026) -> tuple[np.ndarray, float, list[float]]:
    """Clip ``clip`` of the benchmark's partial (or partial+steps) mixture at ``snr``, drawn as
    ``bench/acoustic_eval.mixture`` draws it (``--seed``): (audio, period s, click times s)."""
    r = np.random.default_rng((seed, 5 if level_steps else 4, clip))
    period = float(np.exp(r.uniform(np.log(0.2), np.log(5.0))))
    jitter = r.uniform(0, 0.02)
    bg = room(r) * synth.level_steps(N30, FS, r) if level_steps else room(r)
    times = synth.partial_times(30, period, r, r.uniform(0.3, 1.0), int(r.integers(1, 4)), jitter)
    x, _ = synth.train_in_room(30, FS, period, snr, r, bg, times=times, jitter=jitter, reference=bg)
    return x, period, times


def test_a_five_click_burst_among_level_steps_is_a_train() -> None:
    # The benchmark's partial+steps mixture at 0 dB, clip 12: one burst of 5 clicks 3.29 s apart in
    # a room whose level jumps by 10 dB. Every slot of the burst holds a click, alike, at a chance
    # of 10^-8.94: under the short-train limit of 10^-8.5 (the closest click-free short grid of 36 h
    # of negatives reached 10^-7.0), over the old 10^-9.0 that missed it.
    x, period, _times = partial_mixture(12, 0, level_steps=True)
    a = detect.analyse(x, FS, with_pictures=False)
    th = Thresholds()
    assert verdicts(a)[0] == "slow-periodic-clicks"
    assert a.train.period_s == pytest.approx(period, rel=0.01) and a.train.active_clicks == 5
    assert a.train.active_slots < th.min_active_slots
    assert th.short_max_chance_log10 >= a.train.chance_log10 > -9.0


def test_three_bursts_whose_first_and_last_share_a_phase_are_one_train() -> None:
    # The benchmark's partial mixture at -6 dB, clip 18: 14 clicks 1.81 s apart in three bursts;
    # the middle burst restarted at another phase, and the last met the first one's phase again.
    # Every click was heard, but the first grid's span (the first burst to the last) counted the
    # middle burst's slots as a pause: 14 clicks in 24 slots, a fill under 0.6, and no verdict.
    # The first and last bursts lie more than a long pause apart, so the three are read as bursts
    # of their own (each later one paying for its phase); either reading leaves the pause out.
    x, period, times = partial_mixture(18, -6, level_steps=False)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death"
    assert a.train.period_s == pytest.approx(period, rel=0.01)
    assert a.train.phases == 3 and len(a.train.segments_s) == 3
    assert a.train.active_clicks == len(times) == 14 and a.train.active_fill >= 0.8


def test_three_bursts_at_three_phases_the_last_restarting_half_a_period_on_are_one_train() -> None:
    # The benchmark's partial+steps mixture at 0 dB, clip 13: 9 clicks 2.49 s apart in three bursts
    # of three, each at a phase of its own. The third burst restarted 1.2 s (0.48 of a period) after
    # the second one's last click: it was closed to a later burst (half a period was reserved around
    # each burst), and the second burst's window half a period after its last slot held that click,
    # so the room seemed to fill one window in nine at the clicks' level. Either alone: no verdict.
    x, period, times = partial_mixture(13, 0, level_steps=True)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "slow-periodic-clicks"
    assert a.train.period_s == pytest.approx(period, rel=0.01)
    assert a.train.phases == 3 and len(a.train.segments_s) == 3
    assert a.train.active_clicks == len(times) == 9 and a.train.chance_log10 < -9


def test_bursts_of_one_phase_far_apart_are_judged_as_bursts_of_their_own() -> None:
    # The benchmark's partial mixture at +10 dB, seed 9, clip 19: 17 clicks 0.86 s apart in three
    # bursts; the second and the third met one phase again 9.5 s apart. Counting the pause between
    # them as that grid's empty slots gave 15 of 27, a fill under 0.6, and no verdict for a train
    # 10 dB over the room. Each stretch a burst of its own (paying for its phase, and judged by the
    # stricter consistency of bursts at phases of their own) gives 15 of 17.
    x, period, times = partial_mixture(19, 10, level_steps=False, seed=9)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death"
    assert a.train.period_s == pytest.approx(period, rel=0.01)
    assert len(a.train.segments_s) == a.train.phases == 3
    assert a.train.active_slots == 17 and len(times) == 17
    assert a.train.active_clicks >= 15 and a.train.active_fill >= 0.8


def test_a_slow_train_under_level_steps_is_found_once_the_rooms_level_drift_is_taken_out() -> None:
    # The benchmark's partial+steps mixture at -10 dB, clip 19: 15 clicks 1.16 s apart in a room
    # whose level jumps by 10 dB. The steps lift every band's onset function for seconds, so every
    # band's autocorrelation fundamental is a short lag (0.2-0.3 s) and no search built the train.
    # Less their running mean over a second, the onset functions show it in two bands.
    x, period, _times = partial_mixture(19, -10, level_steps=True)
    th = Thresholds()
    c = clicks.click_spectrogram(x, FS, th)
    pooled = periodicity.pool([c.log_onset(i) for i in range(len(c.zs))], th.search_pool)
    prate = c.rate / th.search_pool
    lo, hi = th.min_period_s * prate, th.max_period_s * prate * 1.08
    acs = periodicity._autocorrelations(pooled, prate)
    widened = periodicity._widened(acs)
    plain = [periodicity._fundamental(acs[b], widened[:, b], pooled.shape[1], lo, hi) for b in range(len(c.zs))]
    assert not any(p is not None and p / prate == pytest.approx(period, rel=0.03) for p in plain)
    steady = periodicity._steady_fundamentals(pooled, th.phase_min_s * prate, hi, prate, th)
    assert any(p / prate == pytest.approx(period, rel=0.03) for p, _b in steady)

    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "click-of-death"
    assert a.train.period_s == pytest.approx(period, rel=0.01)
    assert a.train.active_clicks >= 7 and a.train.chance_log10 <= th.max_chance_log10


def test_a_slow_train_under_level_steps_is_found_in_the_view_of_its_clicks_waveform() -> None:
    # The benchmark's partial+steps mixture at -6 dB, clip 15: 7 clicks 3.89 s apart in a room whose
    # level jumps by 10 dB. In the recording's own bands the grid at the period does not pass; the
    # clicks are one waveform, and correlated with it (each click read with the average of the others)
    # every slot of the burst holds one.
    x, period, _times = partial_mixture(15, -6, level_steps=True)
    th = Thresholds()
    c = clicks.click_spectrogram(x, FS, th)
    assert not clicks.passes(clicks.train_at(c, th, period), th)
    a = detect.analyse(x, FS, with_pictures=False)
    assert verdicts(a)[0] == "slow-periodic-clicks"
    assert a.train.period_s == pytest.approx(period, rel=0.01)
    assert a.train.active_clicks >= 7 and a.train.chance_log10 <= th.max_chance_log10
