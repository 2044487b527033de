"""Faults (issue 8): SIGKILL in the middle of storing, concurrent scans, a held lock. Real processes, real SQLite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import ROOT, fieldkit_cmd
from fk_scans import at, disk, scan, system
from fieldkit.findings import Status
from fieldkit.history import HistoryStore, db_path
from fieldkit.lock import ScanLock

# A child that stores a scan large enough (hundreds of thousands of rows) that the
# transaction is still open when the WAL has grown by megabytes.
_WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[2])
    from fk_scans import disk, scan, at
    from fieldkit.findings import Metric, Status
    from fieldkit.history import HistoryStore
    findings = []
    for i in range(6000):
        f = disk(f"/dev/big{i}", Status.OK, i)
        f.metrics += [Metric(f"m{j}", j * 1.5, "c") for j in range(60)]
        findings.append(f)
    result = scan(findings, started=at(100), scan_id="huge")
    store = HistoryStore.open(sys.argv[1])
    print("storing", flush=True)
    store.store(result, verify=False)
    print("stored", flush=True)
""")


@pytest.mark.real
def test_sigkill_while_storing_leaves_earlier_scans_intact(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    earlier = [scan([disk("/dev/sda", Status.WARNING, i), system("/", Status.OK, 40 + i)], started=at(i))
               for i in range(3)]
    with HistoryStore.open(path) as store:
        for result in earlier:
            store.store(result)
    wal = Path(str(path) + "-wal")
    child = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(ROOT / "tests")],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "storing"
        deadline = time.monotonic() + 120
        # kill once the uncommitted transaction has spilled megabytes into the WAL
        while (not wal.exists() or wal.stat().st_size < 8 * 2**20) and time.monotonic() < deadline:
            assert child.poll() is None, "the writer finished before it could be killed: make it bigger"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert wal.stat().st_size >= 8 * 2**20  # the kill really hit the middle of the write

    with HistoryStore.open(path) as store:
        assert store.integrity() == "ok"
        assert store.count() == 3
        for result in earlier:
            assert store.load(store.resolve(result.scan_id)).to_dict() == result.to_dict()
        assert store.trend("/dev/big1", "reallocated") == []
        store.store(scan([system("/", Status.OK, 1)], started=at(200)))  # and it keeps working
        assert store.count() == 4


def _scan_proc(*extra: str, env: dict[str, str]) -> subprocess.Popen:
    output = [] if "--nagios" in extra else ["--json"]
    return subprocess.Popen([*fieldkit_cmd(), "check", "system", *output, *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.real
def test_concurrent_scans_are_serialised_by_the_lock(fieldkit_home: Path) -> None:
    env = dict(os.environ)
    with ScanLock(wait_s=0, holder={"profile": "test-holder"}):
        waiting = _scan_proc("--lock-wait", "60", env=env)
        time.sleep(1.5)
        assert waiting.poll() is None, "the second scan must wait while the lock is held"
        impatient = _scan_proc("--lock-wait", "0.3", env=env)
        out, err = impatient.communicate(timeout=60)
        assert impatient.returncode == 3 and out == ""
        lines = err.strip().splitlines()
        assert lines[0].startswith("fieldkit: waiting up to 0.3 s for another fieldkit scan")
        assert len(lines) == 2 and f"another fieldkit scan is running (pid {os.getpid()}, profile test-holder" \
            in lines[1] and "gave up after waiting 0.3 s" in lines[1]
        nagios = _scan_proc("--lock-wait", "0.3", "--nagios", env=env)
        out, _ = nagios.communicate(timeout=60)
        assert nagios.returncode == 3 and out.startswith("FIELDKIT UNKNOWN - another fieldkit scan is running")
        assert not db_path().exists() or HistoryStore.open(db_path()).count() == 0
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode in (0, 1, 2, 3) and "waiting up to 60 s" in err
    assert json.loads(out)["findings"]
    with HistoryStore.open() as store:
        assert store.count() == 1


@pytest.mark.real
def test_several_scans_started_together_all_get_stored_one_after_the_other(fieldkit_home: Path) -> None:
    env = dict(os.environ)
    procs = [_scan_proc("--lock-wait", "120", env=env) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [json.loads(o)["exit_code"] for o, _ in outputs]
    assert not any("locked" in e or "Traceback" in e for _, e in outputs)
    with HistoryStore.open() as store:
        rows = sorted(store.list_scans(limit=None), key=lambda r: r.started_at)
        assert len(rows) == 4 and store.integrity() == "ok"
    # serialised: each scan started after the previous one finished
    for a, b in zip(rows, rows[1:]):
        assert a.finished_at <= b.started_at


@pytest.mark.real
def test_scan_killed_mid_way_keeps_history_and_partial_result(fieldkit_home: Path, tmp_path: Path,
                                                             extra_checks: Path) -> None:
    """A real `fieldkit scan` killed with SIGKILL while a check is still running."""
    env = dict(os.environ)
    for status in ("warning", "ok"):
        done = subprocess.run([*fieldkit_cmd(), "check", "fixed", "--status", status, "-q"], env=env, timeout=60)
        assert done.returncode in (0, 1)
    with HistoryStore.open() as store:
        before = [store.load(r.id).to_dict() for r in store.list_scans(limit=None)]
    profile = tmp_path / "slow.toml"
    profile.write_text('description = "one fast, one slow check"\n[checks.system]\n'
                       '[checks.fixed]\ntimeout = 300\ndelay_s = 120\n')
    out = tmp_path / "out"
    child = subprocess.Popen([*fieldkit_cmd(), "scan", "--profile", str(profile), "-q", "--out", str(out)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("fieldkit-*.json")) and time.monotonic() < deadline:  # 'system' finished
            assert child.poll() is None
            time.sleep(0.05)
        partial = json.loads(next(out.glob("fieldkit-*.json")).read_text())
        assert [c["name"] for c in partial["checks"]] == ["system"] and not partial["complete"]
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    with HistoryStore.open() as store:
        assert store.integrity() == "ok"
        assert [store.load(r.id).to_dict() for r in store.list_scans(limit=None)] == before
    # the kernel released the dead scan's lock: the next scan starts at once
    after = subprocess.run([*fieldkit_cmd(), "check", "fixed", "-q", "--lock-wait", "0"], env=env, timeout=60,
                           capture_output=True, text=True)
    assert after.returncode == 0, after.stderr
    with HistoryStore.open() as store:
        assert store.count() == len(before) + 1
