"""Defects 6-10 of the field-proofing issue, each through the real command line."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fieldkit.findings import Status
from tests.conftest import FIXTURES, need
from tests.field.helpers import env_for, fk, profile
from tests.field.mounts import as_nobody, readable_by_nobody, world_dir
from tests.fk_scans import at, disk, scan, system


# ------------------------------------------------------------------ 6: unreadable capture folder

@pytest.mark.real
def test_unreadable_capture_folder_is_unknown_not_a_crash() -> None:
    from tests.conftest import IS_ROOT

    need(IS_ROOT, "needs root to switch to an unprivileged user (root ignores permissions)")
    need(readable_by_nobody(), "the interpreter or the source tree is not readable by uid 65534")
    home = world_dir("field-home-")
    try:
        folder = home / "captures"
        folder.mkdir()
        shutil.copy(next((FIXTURES / "smart").glob("*.json")), folder / "a.json")
        folder.chmod(0o000)
        done = subprocess.run(as_nobody() + [sys.executable, "-m", "fieldkit", "check", "smart", "--from-file",
                                             str(folder), "--json", "--no-history"],
                              env=env_for(home), capture_output=True, text=True, timeout=120)
        doc = json.loads(done.stdout)
        assert "internal error" not in done.stdout + done.stderr and "Traceback" not in done.stdout
        assert [c["outcome"] for c in doc["checks"]] == ["completed"]
        [finding] = doc["findings"]
        assert finding["status"] == "UNKNOWN"
        assert f"capture folder {folder} cannot be read" in finding["summary"]
        assert f"{folder}: unreadable: Permission denied" in finding["detail"]
        assert done.returncode == 3
    finally:
        (home / "captures").chmod(0o755)
        shutil.rmtree(home, ignore_errors=True)


# ------------------------------------------------------------------ 7: damaged history, one-line warnings

def _damaged_history(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from fieldkit.history import HistoryStore, db_path

    monkeypatch.setenv("FIELDKIT_HOME", str(home))
    with HistoryStore.open(create=True) as store:
        for i in range(30):
            store.store(scan([disk(f"/dev/sd{chr(97 + j)}", Status.OK, j) for j in range(20)]
                             + [system("/", Status.OK, 10.0)], started=at(i)), verify=False)
    path = db_path()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    for page in range(3, len(data) // 4096, 7):  # garble cell pointers of many b-tree pages
        data[page * 4096 + 8: page * 4096 + 40] = b"\xff" * 32
    path.write_bytes(bytes(data))
    verdict = sqlite3.connect(path).execute("PRAGMA quick_check(1)").fetchone()[0]
    assert "\n" in verdict  # SQLite's own message spans lines: the case to handle
    return path


def test_damaged_history_warnings_are_one_line_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _damaged_history(tmp_path, monkeypatch)
    prof = profile(tmp_path, {"fixed": {"status": "ok"}})
    done = fk(["scan", "--profile", str(prof), "--out", str(tmp_path / "out"), "-q"], tmp_path)
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert lines and all(line.startswith("fieldkit: warning: ") for line in lines), done.stderr
    assert any("damaged" in line for line in lines)
    for args in (["history", "list"], ["history", "show", "latest"], ["history", "stats"]):
        other = fk(args, tmp_path)
        assert all(line.startswith("fieldkit: ") for line in other.stderr.splitlines()), (args, other.stderr)


# ------------------------------------------------------------------ 8: huge values quoted briefly

def test_profile_error_quotes_at_most_80_characters(tmp_path: Path) -> None:
    huge = "a" * 500_000
    path = tmp_path / "big.toml"
    path.write_text(f'[checks.network]\ntarget = ["{huge}"]\n', encoding="utf-8")
    done = fk(["profiles", "validate", str(path)], tmp_path)
    assert done.returncode == 3
    line = done.stderr.strip()
    assert len(line) < 300 and line.endswith("… (500000 characters)") and "a" * 79 in line
    path.write_text(f'[checks.system]\n"{huge}" = 1\n', encoding="utf-8")  # a huge key too
    done = fk(["profiles", "validate", str(path)], tmp_path)
    assert done.returncode == 3 and len(done.stderr) < 600


def test_cli_option_error_quotes_at_most_80_characters(tmp_path: Path) -> None:
    done = fk(["check", "network", "--target", "b" * 100_000, "--json"], tmp_path)
    assert done.returncode == 3 and len(done.stderr) < 400 and "(100000 characters)" in done.stderr


# ------------------------------------------------------------------ 9: one timeout range

def test_one_timeout_range_for_profiles_and_cli(tmp_path: Path) -> None:
    from fieldkit import profiles

    low = profile(tmp_path, {"fixed": {"timeout": 0.05}}, name="low")
    done = fk(["profiles", "validate", str(low)], tmp_path)
    assert done.returncode == 3
    assert f"from {profiles.TIMEOUT_MIN_S:g} to {profiles.TIMEOUT_MAX_S:g}, got 0.05" in done.stderr
    cli = fk(["check", "fixed", "--timeout", "0.05"], tmp_path)
    assert cli.returncode == 3 and f"{profiles.TIMEOUT_MIN_S:g}<=x<=" in cli.stderr
    edge = profile(tmp_path, {"fixed": {"timeout": profiles.TIMEOUT_MIN_S}}, name="edge")
    assert fk(["profiles", "validate", str(edge)], tmp_path).returncode == 0
    assert fk(["check", "fixed", "--timeout", f"{profiles.TIMEOUT_MIN_S:g}", "-q"], tmp_path).returncode == 0
    high = profile(tmp_path, {"fixed": {"timeout": profiles.TIMEOUT_MAX_S + 1}}, name="high")
    assert fk(["profiles", "validate", str(high)], tmp_path).returncode == 3
    assert fk(["check", "fixed", "--timeout", str(profiles.TIMEOUT_MAX_S + 1)], tmp_path).returncode == 3


# ------------------------------------------------------------------ 10: names keep their case

def test_file_names_keep_their_case(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    done = fk(["check", "acoustic", "--from-wav", str(empty), "--json"], tmp_path)
    [finding] = json.loads(done.stdout)["findings"]
    assert finding["summary"].startswith(f"{empty}: ")
    relative = subprocess.run([sys.executable, "-m", "fieldkit", "check", "acoustic", "--from-wav", "empty.wav",
                               "--json"], cwd=tmp_path, env=env_for(tmp_path), capture_output=True, text=True)
    [finding] = json.loads(relative.stdout)["findings"]
    assert finding["summary"].startswith("empty.wav: ") and "Empty.wav" not in relative.stdout


def test_sentences_are_still_capitalised() -> None:
    from fieldkit.checks.acoustic.findings import sentence as _sentence

    assert _sentence("the input device 'USB mic' delivered no audio") == "The input device 'USB mic' delivered no audio"
    assert _sentence("empty.wav: not a WAV file") == "empty.wav: not a WAV file"
    assert _sentence("hw:1 is busy") == "hw:1 is busy"
