"""Defect 2: an output folder that cannot be written never aborts the scan (real mounts, real processes)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.field.helpers import env_for, fk, profile
from tests.field.mounts import as_nobody, fill, need_root_mounts, readable_by_nobody, tmpfs, world_dir

CHECKS = {"fixed": {"status": "ok"}, "listener": {}}


def _assert_scan_survived(done: subprocess.CompletedProcess[str], home: Path, folder: Path, reason: str) -> None:
    assert done.returncode == 3, (done.returncode, done.stderr)
    doc = json.loads(done.stdout)  # --json: stdout is the complete document
    assert doc["complete"] is True
    assert {c["name"]: c["outcome"] for c in doc["checks"]} == {"fixed": "completed", "listener": "completed"}
    assert doc["exit_code"] == 3
    warnings = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1, done.stderr
    assert str(folder) in warnings[0] and reason in warnings[0]
    assert "internal error" not in done.stderr
    assert doc["extra"]["output_errors"] == [warnings[0].removeprefix("fieldkit: warning: ")]
    stored = json.loads(fk(["history", "list", "--json"], home).stdout)
    assert [row["scan_id"] for row in stored] == [doc["scan_id"]]


@pytest.mark.real
def test_read_only_output_folder(tmp_path: Path) -> None:
    need_root_mounts()
    prof = profile(tmp_path, CHECKS)
    with tmpfs("ro,size=1m") as mnt:
        out = mnt / "reports"
        done = fk(["scan", "--profile", str(prof), "--out", str(out), "--json"], tmp_path)
        _assert_scan_survived(done, tmp_path, out, "Read-only file system")
        assert not any(mnt.iterdir())


@pytest.mark.real
def test_full_output_disk(tmp_path: Path) -> None:
    need_root_mounts()
    prof = profile(tmp_path, CHECKS)
    with tmpfs("size=256k") as mnt:
        fill(mnt)
        done = fk(["scan", "--profile", str(prof), "--out", str(mnt), "--json"], tmp_path)
        _assert_scan_survived(done, tmp_path, mnt, "No space left on device")
        assert sorted(p.name for p in mnt.iterdir()) == ["filler", "filler2"]  # no half file, no temp file left


@pytest.mark.real
def test_full_output_disk_nagios_and_text(tmp_path: Path) -> None:
    need_root_mounts()
    prof = profile(tmp_path, CHECKS)
    with tmpfs("size=256k") as mnt:
        fill(mnt)
        done = fk(["scan", "--profile", str(prof), "--out", str(mnt), "--nagios"], tmp_path)
        assert done.returncode == 3
        assert done.stdout.startswith(f"FIELDKIT UNKNOWN - {mnt}/fieldkit-")
        assert "No space left on device" in done.stdout and "internal error" not in done.stdout
        assert "fixed_status_OK" not in done.stdout and "value_pct" in done.stdout  # the perfdata is still there
        text = fk(["scan", "--profile", str(prof), "--out", str(mnt)], tmp_path)
        assert text.returncode == 3 and "Result written" not in text.stdout and "Report written" not in text.stdout
        assert "fixed status OK" in text.stdout  # the summary table of the checks that ran
        assert "No space left on device" in text.stderr and "internal error" not in text.stderr


@pytest.mark.real
def test_output_folder_without_permission(tmp_path: Path) -> None:
    """Run as an unprivileged user (root ignores permissions)."""
    need_root_mounts()
    from tests.conftest import need

    need(readable_by_nobody(), "the interpreter or the source tree is not readable by uid 65534")
    home = world_dir("field-home-")
    locked = world_dir("field-locked-")
    try:
        locked.chmod(0o755)  # owned by root: uid 65534 may not write
        prof = profile(home, CHECKS)
        done = subprocess.run(as_nobody() + [sys.executable, "-m", "fieldkit", "scan", "--profile", str(prof),
                                             "--out", str(locked / "reports"), "--json"],
                              env=env_for(home), capture_output=True, text=True, timeout=120)
        _assert_scan_survived(done, home, locked / "reports", "Permission denied")
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(locked, ignore_errors=True)
