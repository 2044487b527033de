"""The field corpus: `fieldkit audio record` stores audio with a JSON sidecar, and the bench
scores the check on such a folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import audiosynth as synth
from audiocodec import encode_as
from conftest import fieldkit_cmd
from fieldkit.audio.decode import read_all
from fieldkit.checks.acoustic.corpus import SCHEMA, CorpusError, contribute, entries

pytest.importorskip("av")
FS = 48000
ROOT = Path(__file__).resolve().parents[2]
SMART_FIXTURE = ROOT / "tests/fixtures/smart/f05_ata_json_ST3500418AS-realloc304_exporter.json"


def clicks() -> np.ndarray:
    x, _ = synth.clicks_in_noise(20.0, FS, 0.8, 5, np.random.default_rng(42), jitter=0.005)
    return (x / np.max(np.abs(x)) * 0.5).astype(np.float32)


def room() -> np.ndarray:
    x = synth.fan_with_hum(20, FS, np.random.default_rng(3))
    return (x / np.max(np.abs(x)) * 0.5).astype(np.float32)


def run_check(name: str, **options):
    from fieldkit import checks
    from fieldkit.context import Context, Environment

    spec = checks.load(name)
    merged = spec.defaults()
    for key, value in options.items():
        merged[key] = spec.option(key).convert(value)
    env = Environment()
    return spec.module.run(Context(check=name, options=merged, env=env, deadline=env.monotonic() + 120))


def test_import_with_smart_from_the_same_machine(tmp_path: Path) -> None:
    memo = encode_as(tmp_path / "memo", clicks(), FS, "opus")
    out = tmp_path / "corpus"
    when = dt.datetime(2026, 12, 2, 9, 30, 5, tzinfo=dt.timezone.utc)
    side_path, side = contribute(
        label="failing", note="clicks at boot, Windows hangs", out=out, import_file=memo, distance_cm=3,
        room_noise="office", smart=lambda: run_check("smart", from_file=[str(SMART_FIXTURE)]),
        analyse=lambda p: run_check("acoustic", from_file=str(p)), now=lambda: when)
    data = json.loads(side_path.read_text())
    audio = out / data["audio_file"]
    assert audio.name == "20261202T093005Z-failing.opus" and side_path == audio.with_suffix(".json")
    assert audio.read_bytes() == memo.read_bytes()
    assert data["audio_sha256"] == hashlib.sha256(memo.read_bytes()).hexdigest()
    assert data["schema"] == SCHEMA and data["licence"] == "CC-BY-4.0" and data["label"] == "failing"
    assert data["note"] == "clicks at boot, Windows hangs" and data["distance_cm"] == 3
    assert data["origin"] == "imported from memo.opus" and data["stored_at"] == "2026-12-02T09:30:05Z"
    assert data["audio"]["codec"] == "opus" and data["audio"]["bandwidth_hz"] > 8000
    [drive] = data["drives"]
    assert drive["model"] and "ST3500418AS" in drive["model"] and drive["serial"]
    assert drive["smart_status"] in ("WARNING", "CRITICAL")
    assert data["fieldkit"]["status"] == "CRITICAL" and data["fieldkit"]["rule"] == "acoustic-click-of-death"
    assert data["room_noise_dbfs"] is not None and data["room_noise_dbfs"] < -10
    # a second contribution in the same second does not overwrite the first
    side2, _ = contribute(label="failing", note="again", out=out, import_file=memo, smart=None,
                          analyse=lambda p: run_check("acoustic", from_file=str(p)), now=lambda: when)
    assert side2 != side_path and len(entries(out)) == 2
    assert json.loads(side2.read_text())["smart_note"] == "not read (--no-smart)"


def test_microphone_recording_is_stored_as_wav(tmp_path: Path) -> None:
    x = room()
    side_path, side = contribute(label="healthy", note="idle office PC", out=tmp_path, microphone=None,
                                 record=lambda: (x, FS, "USB mic"), smart=None,
                                 analyse=lambda p: run_check("acoustic", from_file=str(p)))
    samples, rate, _ = read_all(tmp_path / side.audio_file)
    assert rate == FS and np.max(np.abs(samples - x)) < 1e-4     # 16-bit PCM of what was recorded
    assert side.microphone == "USB mic" and side.origin == "microphone USB mic"
    assert side.fieldkit["status"] == "OK"


def test_bad_input_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    text = tmp_path / "memo.m4a"
    text.write_text("not audio")
    out = tmp_path / "corpus"
    with pytest.raises(CorpusError, match="memo.m4a: not an audio file"):
        contribute(label="failing", note="x", out=out, import_file=text, smart=None, analyse=lambda p: [])
    assert not any(out.iterdir())
    with pytest.raises(CorpusError, match="--label"):
        contribute(label="broken", note="x", out=out, import_file=text, smart=None, analyse=lambda p: [])
    with pytest.raises(CorpusError, match="--licence"):
        contribute(label="healthy", note="x", out=out, licence="all rights reserved", import_file=text, smart=None,
                   analyse=lambda p: [])


def test_cli_import_and_corpus_score(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    failing = encode_as(tmp_path / "fail", clicks(), FS, "m4a")
    healthy = encode_as(tmp_path / "ok", room(), FS, "flac")
    for label, path in (("failing", failing), ("healthy", healthy)):
        proc = subprocess.run(fieldkit_cmd() + ["audio", "record", "--label", label, "--note", "test", "--out",
                                                str(out), "--import", str(path), "--no-smart"],
                              capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stderr
        assert "stored" in proc.stdout
    bad = subprocess.run(fieldkit_cmd() + ["audio", "record", "--label", "failing", "--note", "x", "--out", str(out),
                                           "--import", str(tmp_path / "missing.wav")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "missing.wav" in bad.stderr
    assert len(entries(out)) == 2
    score = subprocess.run([sys.executable, str(ROOT / "bench/acoustic_eval.py"), "--corpus", str(out),
                            "--corpus-only"], capture_output=True, text=True, timeout=300)
    assert score.returncode == 0, score.stderr
    lines = score.stdout.splitlines()
    assert any(line.startswith("failing") and "detection 100 %" in line for line in lines), score.stdout
    assert any(line.startswith("healthy") and "false alarms 0.0/h" in line for line in lines), score.stdout
