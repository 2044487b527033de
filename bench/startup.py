#!/usr/bin/env python3
"""Startup time of `fieldkit --help` against a bare `python -c pass` (target: less than 2x).

Also the portable build (dist/fieldkit-<version>-linux-<arch>/fieldkit, made by `make portable`)
next to the installed package, when it has been built (target: `--help` within 1 s).

Run: .venv/bin/python bench/startup.py [RUNS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

# The console script a technician types (no runpy overhead), as installed in this venv.
FIELDKIT = str(Path(sys.executable).with_name("fieldkit"))
ROOT = Path(__file__).resolve().parent.parent


def portable_executable() -> str | None:
    where = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_portable.py"), "--print-path"],
                           capture_output=True, text=True).stdout.strip()
    exe = Path(where) / "fieldkit" if where else None
    return str(exe) if exe and exe.is_file() else None


def wall_times(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    wall_times([FIELDKIT, "--help"], 2)  # warm the page cache
    rows = [
        ("python -c pass", wall_times([sys.executable, "-c", "pass"], runs)),
        ("fieldkit --help", wall_times([FIELDKIT, "--help"], runs)),
        ("fieldkit check --help", wall_times([FIELDKIT, "check", "--help"], runs)),
    ]
    portable = portable_executable()
    if portable:
        wall_times([portable, "--help"], 2)
        rows += [("portable --help", wall_times([portable, "--help"], runs)),
                 ("portable check --help", wall_times([portable, "check", "--help"], runs))]
    base = statistics.median(rows[0][1])
    print(f"{'command':<24} {'median ms':>10} {'min ms':>8} {'x python':>9}")
    for name, times in rows:
        med = statistics.median(times)
        print(f"{name:<24} {med * 1000:>10.1f} {min(times) * 1000:>8.1f} {med / base:>9.2f}")
    ratio = statistics.median(rows[1][1]) / base
    verdict = "PASS" if ratio < 2 else "FAIL"
    print(f"target: fieldkit --help < 2x python -c pass -> {ratio:.2f}x {verdict}")
    ok = ratio < 2
    if portable:
        wall = statistics.median(rows[3][1])
        print(f"target: portable build --help within 1 s -> {wall * 1000:.0f} ms {'PASS' if wall < 1 else 'FAIL'}")
        ok = ok and wall < 1
    else:
        print("portable build: not built (make portable)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
