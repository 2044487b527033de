"""fieldkit.lock: one scan at a time, bounded wait, no stale lock after SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fieldkit.lock import LockTimeout, ScanLock, lock_path

_HOLDER = """
import sys, time
from pathlib import Path
from fieldkit.lock import ScanLock
lock = ScanLock(Path(sys.argv[1]), wait_s=0, holder={"profile": "nightly"}).acquire()
print("held", flush=True)
time.sleep(600)
"""


def _hold_in_child(path: Path) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    return child


def test_lock_lives_in_the_state_dir(fieldkit_home: Path) -> None:
    assert lock_path() == fieldkit_home / "state" / "scan.lock"


def test_second_holder_times_out_with_a_message_naming_the_first(tmp_path: Path) -> None:
    path = tmp_path / "scan.lock"
    child = _hold_in_child(path)
    try:
        waited: list[str] = []
        start = time.monotonic()
        with pytest.raises(LockTimeout) as caught:
            ScanLock(path, wait_s=0.5, on_wait=waited.append).acquire()
        assert time.monotonic() - start >= 0.5
        message = str(caught.value)
        assert f"pid {child.pid}" in message and "profile nightly" in message and "0.5 s" in message
        assert waited and "waiting up to 0.5 s" in waited[0]
    finally:
        child.kill()
        child.wait()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    path = tmp_path / "scan.lock"
    child = _hold_in_child(path)
    child.send_signal(signal.SIGKILL)
    child.wait()
    with ScanLock(path, wait_s=0) as lock:  # no wait needed: the kernel dropped the flock
        assert lock.held


def test_waiter_gets_the_lock_when_the_holder_releases(tmp_path: Path) -> None:
    path = tmp_path / "scan.lock"
    first = ScanLock(path, wait_s=0).acquire()
    child = subprocess.Popen([sys.executable, "-c",
                              "import sys; from pathlib import Path; from fieldkit.lock import ScanLock;"
                              "ScanLock(Path(sys.argv[1]), wait_s=30).acquire(); print('got it')", str(path)],
                             stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    assert child.poll() is None
    first.release()
    out, _ = child.communicate(timeout=30)
    assert out.strip() == "got it" and child.returncode == 0
    assert not first.held


def test_an_unwritable_lock_folder_raises_lock_unavailable(tmp_path: Path) -> None:
    from fieldkit.lock import LockUnavailable

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(LockUnavailable, match="cannot create the scan lock"):
        ScanLock(blocker / "scan.lock", wait_s=0).acquire()


def test_a_scan_still_runs_when_the_lock_cannot_be_created(fieldkit_home: Path) -> None:
    from click.testing import CliRunner

    from fieldkit.cli import cli

    (fieldkit_home / "state").write_text("a file where the state folder should be")
    result = CliRunner().invoke(cli, ["check", "system", "--json"])
    assert result.exit_code in (0, 1, 2, 3) and '"findings"' in result.stdout
    assert "scanning without protection against a concurrent scan" in result.stderr
