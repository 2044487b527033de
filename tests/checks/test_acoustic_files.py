"""The acoustic check on recording files: phone formats (encoded here with PyAV), narrow-band
recordings, and long recordings analysed in windows."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import audiosynth as synth
from audiocodec import encode_as
from conftest import fieldkit_cmd
from fieldkit.audio.wav import write_wav
from fieldkit.findings import Status

pytest.importorskip("av")
FS = 48000


def clicks(seconds: float = 20.0, period: float = 0.8, snr: float = 5.0, fs: int = FS) -> np.ndarray:
    x, _ = synth.clicks_in_noise(seconds, fs, period, snr, np.random.default_rng(42), jitter=0.005)
    return (x / np.max(np.abs(x)) * 0.5).astype(np.float32)


@pytest.mark.parametrize("name", ["m4a", "opus", "mp3", "flac"])
def test_click_train_survives_phone_codecs(make_ctx, tmp_path: Path, name: str) -> None:
    from fieldkit.checks import acoustic

    path = encode_as(tmp_path / "memo", clicks(), FS, name)
    findings = acoustic.run(make_ctx("acoustic", from_file=str(path)))
    head = findings[0]
    assert head.status is Status.CRITICAL, head.summary
    assert head.metric("click_period_s").value == pytest.approx(0.8, rel=0.02)
    rec = head.data["recording"]
    assert rec["codec"].startswith({"m4a": "aac", "opus": "opus", "mp3": "mp3", "flac": "flac"}[name])
    assert head.metric("bandwidth_hz").value > 8000
    if name != "flac":
        assert head.metric("bitrate_kbps").value == pytest.approx({"m4a": 64, "opus": 24, "mp3": 96}[name], rel=0.25)
    assert str(path) in head.evidence[0].source and rec["codec"] in head.evidence[0].excerpt


def test_from_wav_is_an_alias_and_reads_any_format(make_ctx, tmp_path: Path) -> None:
    from fieldkit.checks import acoustic

    path = encode_as(tmp_path / "memo", clicks(), FS, "mp3")
    [*findings] = acoustic.run(make_ctx("acoustic", from_wav=str(path)))
    assert findings[0].status is Status.CRITICAL


def test_narrow_band_amr_cannot_say_ok(make_ctx, tmp_path: Path) -> None:
    """A quiet room through AMR at 8 kHz: no clicks heard, but none could have been: UNKNOWN."""
    from fieldkit.checks import acoustic

    room = synth.fan_with_hum(20, FS, np.random.default_rng(3))
    path = encode_as(tmp_path / "call", room / np.max(np.abs(room)) * 0.5, FS, "amr")
    findings = acoustic.run(make_ctx("acoustic", from_file=str(path)))
    assert findings and all(f.status is not Status.OK for f in findings)
    [f] = findings
    assert f.status is Status.UNKNOWN and f.rule == "audio-narrow-band"
    assert "cannot show disk clicks" in f.summary and "8000 Hz" in f.summary
    assert f.metric("bandwidth_hz").value <= 4000 and f.data["recording"]["codec"] == "amrnb"


def test_narrow_band_click_train_is_never_ok(make_ctx, tmp_path: Path) -> None:
    from fieldkit.checks import acoustic

    path = encode_as(tmp_path / "call", clicks(snr=10), FS, "amr")
    findings = acoustic.run(make_ctx("acoustic", from_file=str(path)))
    assert all(f.status is not Status.OK for f in findings)


def test_long_recording_names_when_the_clicks_occur(make_ctx, tmp_path: Path) -> None:
    """200 s of room noise with clicks from 120 s to 150 s: found in the windows that hold them,
    reported with their time in the whole recording."""
    from fieldkit.checks import acoustic

    fs = 16000
    rng = np.random.default_rng(7)
    n = 200 * fs
    bg = synth.pink_noise(n, rng) * np.float32(0.05)
    times = [120.0 + 0.6 * k for k in range(50)]
    shape = synth.click_shape(fs, rng)
    gain = synth.event_snr_scale(shape, bg, fs, 10.0)
    x = bg + synth.place(n, fs, times, [shape] * len(times), [gain] * len(times))
    wav = tmp_path / "long.wav"
    write_wav(wav, x / np.max(np.abs(x)) * 0.5, fs)
    findings = acoustic.run(make_ctx("acoustic", timeout=120, from_file=str(wav)))
    head = findings[0]
    assert head.status is Status.CRITICAL, head.summary
    assert head.metric("duration_s").value == pytest.approx(200, abs=0.5)
    assert "heard at" in head.summary
    segments = head.data["click_segments_s"]
    assert segments and all(110 <= a and b <= 160 for a, b in segments), segments
    inside = [c for c in head.data["clicks_s"] if 118 <= c <= 152]
    assert len(inside) >= 0.8 * len(head.data["clicks_s"]) and len(inside) >= 40
    assert "window 2:00-" not in head.detail or "click-of-death" in head.detail
    assert "window 0:00-1:00: " in head.detail          # the technician sees every window's verdict
    assert max(head.data["envelope"]["times_s"]) > 100   # the pictures are in the recording's time


def test_long_recording_cut_short_by_the_budget_is_not_ok(make_ctx, tmp_path: Path) -> None:
    from fieldkit.checks import acoustic

    from fieldkit.context import Environment

    fs = 16000
    wav = tmp_path / "quiet.wav"
    write_wav(wav, synth.pink_noise(400 * fs, np.random.default_rng(2)) * np.float32(0.05), fs)
    # the check's clock moves a second each time it is read: a machine that needs about that long per
    # window (a real 3 s budget was enough for the whole file on a faster machine)
    ticks = itertools.count()
    env = Environment(monotonic=lambda: float(next(ticks)))
    [f] = acoustic.run(make_ctx("acoustic", env=env, timeout=3, from_file=str(wav)))
    assert f.status is Status.UNKNOWN and f.rule == "audio-budget"
    assert "raise --timeout" in f.summary


def test_cli_from_file_json(tmp_path: Path) -> None:
    path = encode_as(tmp_path / "memo", clicks(), FS, "opus")
    proc = subprocess.run(fieldkit_cmd() + ["check", "acoustic", "--from-file", str(path), "--json"],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    found = [f for f in json.loads(proc.stdout)["findings"] if f["check"] == "acoustic"]
    assert found[0]["status"] == "CRITICAL", found[0]["summary"]
    assert {m["name"] for m in found[0]["metrics"]} >= {"bandwidth_hz", "bitrate_kbps"}
    assert proc.returncode == 2
