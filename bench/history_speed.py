#!/usr/bin/env python3
"""History speed with 10,000 stored scans (issue 8 target: `history list` and `trend` under 100 ms each).

Fills a fresh database in a temp FIELDKIT_HOME with 10,000 scans of two machines
(8 findings and 22 metrics per scan: 4 disks, 2 network targets, 2 filesystems), then times

* the queries themselves, in process (median of 30 runs, warm cache), and
* the whole CLI commands as a user runs them (`fieldkit history list`, `fieldkit history
  trend ...`), median of 7 runs, which includes starting Python and importing fieldkit.

Prints a table; exits 1 when a query misses the 100 ms target.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

SCANS = 10_000
TARGET_MS = 100.0


def fill(path: Path) -> float:
    from fk_scans import disk, scan, system, target
    from fieldkit.findings import Status
    from fieldkit.history import HistoryStore

    start = time.perf_counter()
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with HistoryStore.open(path) as store:
        for i in range(SCANS):
            grown = i // 500
            findings = [disk(f"/dev/sd{c}", Status.WARNING if c == "a" and grown else Status.OK,
                             grown if c == "a" else 0) for c in "abcd"]
            findings += [target("pbx.example", Status.OK, 20 + i % 7, 0.0),
                         target("8.8.8.8", Status.OK, 12 + i % 5, 0.0),
                         system("/", Status.OK, 40 + i % 10), system("/home", Status.OK, 60)]
            store.store(scan(findings, started=t0 + timedelta(hours=i), host_id="host-a" if i % 4 else "host-b",
                             hostname="alpha" if i % 4 else "beta"), verify=False)
    return time.perf_counter() - start


def time_ms(func, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        os.environ["FIELDKIT_HOME"] = home
        from fieldkit.history import HistoryStore, db_path

        path = db_path()
        fill_s = fill(path)
        size_mb = path.stat().st_size / 2**20

        def open_list() -> None:
            with HistoryStore.open(path, create=False) as store:
                assert len(store.list_scans(limit=20)) == 20

        def open_trend() -> None:
            with HistoryStore.open(path, create=False) as store:
                assert len(store.trend("/dev/sda", "reallocated", host_id="host-a", limit=50)) == 50

        def open_trend_all() -> None:
            with HistoryStore.open(path, create=False) as store:
                assert len(store.trend("/dev/sda", "reallocated", host_id="host-a", limit=None)) == 7500

        cli = [sys.executable, "-m", "fieldkit"]

        def run_cli(*args: str) -> None:
            subprocess.run([*cli, *args], check=True, capture_output=True)

        rows = [
            ("history list (query, 20 newest)", time_ms(open_list, 30)),
            ("history trend (query, last 50 points)", time_ms(open_trend, 30)),
            ("history trend (query, all 7,500 points)", time_ms(open_trend_all, 10)),
            ("fieldkit history list (whole CLI)", time_ms(lambda: run_cli("history", "list"), 7)),
            ("fieldkit history trend (whole CLI)", time_ms(lambda: run_cli(
                "history", "trend", "--subject", "/dev/sda", "--metric", "reallocated", "--host", "alpha"), 7)),
            ("fieldkit check --help (Click CLI floor, reference)", time_ms(lambda: run_cli("check", "--help"), 7)),
            ("python -c pass (interpreter start, reference)", time_ms(
                lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), 7)),
        ]
    print(f"history database: {SCANS:,} scans, {size_mb:.1f} MiB, filled in {fill_s:.1f} s "
          f"({SCANS / fill_s:,.0f} scans/s)")
    print(f"{'operation':<48} {'median ms':>10}  target")
    failed = False
    for name, ms in rows:
        target = f"< {TARGET_MS:.0f} ms" if "query" in name else "-"
        ok = "" if "query" not in name or ms < TARGET_MS else "  MISSED"
        failed |= bool(ok)
        print(f"{name:<48} {ms:>10.1f}  {target}{ok}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
