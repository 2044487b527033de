#!/usr/bin/env python3
"""SMART verdicts on the real-capture corpus against the targets of issue 3.

For every capture: its label (labels.json), fieldkit's status and the rule that decided
it, the drive's own verdict, and whether the target holds:
  failing -> CRITICAL; degraded -> WARNING or CRITICAL; healthy -> never CRITICAL (WARNING
  only with a reason a technician accepts: the cable rule); unknown -> UNKNOWN.
Then totals, and the time per capture through the whole check (file read, parse, rules,
finding), and optionally through the live path (a fake smartctl executable per drive).

    python bench/smart_corpus.py [--corpus DIR] [--live]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fieldkit import checks  # noqa: E402
from fieldkit.context import Context, Environment  # noqa: E402
from fieldkit.findings import Status  # noqa: E402

# "check the cable": accepted by the corpus labels (f10/f11/f15)
ACCEPTED_HEALTHY_WARNINGS = {"cable-crc-many", "cable-crc-rate", "cable-recent-interface-errors",
                             "cable-phy-errors-now"}


def target_met(state: str, status: Status, rule: str) -> bool:
    if state == "failing":
        return status is Status.CRITICAL
    if state == "degraded":
        return status in (Status.WARNING, Status.CRITICAL)
    if state == "unknown":
        return status is Status.UNKNOWN
    return status is Status.OK or (status is Status.WARNING and rule in ACCEPTED_HEALTHY_WARNINGS)


def make_ctx(**options) -> Context:
    spec = checks.load("smart")
    merged = spec.defaults()
    merged.update(options)
    env = Environment(environ=options.pop("_environ", dict(os.environ)))
    return Context(check="smart", options=merged, env=env, deadline=env.monotonic() + 600)


def run_captures(corpus: Path, labels: list[dict]) -> list[tuple[dict, object, float]]:
    smart = checks.load("smart")
    rows = []
    for item in labels:
        path = corpus / item["file"]
        start = time.perf_counter()
        [finding] = smart.run(make_ctx(from_file=[str(path)]))
        rows.append((item, finding, time.perf_counter() - start))
    return rows


def run_live(corpus: Path, labels: list[dict]) -> list[float]:
    """Each JSON capture replayed as a live drive through tests/smart/fake_smartctl.py."""
    fake = ROOT / "tests" / "smart" / "fake_smartctl.py"
    smart = checks.load("smart")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for item in labels:
            if item["format"] != "json":
                continue
            scenario = Path(tmp) / "scenario.json"
            scenario.write_text(json.dumps({"devices": {"/dev/sdx": {"json": str(corpus / item["file"])}}}))
            environ = dict(os.environ, FIELDKIT_SMARTCTL=str(fake), FAKE_SMARTCTL_SCENARIO=str(scenario))
            ctx = make_ctx(device="/dev/sdx", _environ=environ)
            start = time.perf_counter()
            smart.run(ctx)
            times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "fixtures" / "smart")
    parser.add_argument("--live", action="store_true", help="also time the live path through a fake smartctl")
    args = parser.parse_args()
    labels = json.loads((args.corpus / "labels.json").read_text())
    rows = run_captures(args.corpus, labels)

    print(f"{'file':<34} {'label':<9} {'fieldkit':<9} {'deciding rule':<28} {'own':<6} {'ms':>6}  target")
    print("-" * 104)
    met = 0
    confusion: Counter = Counter()
    for item, finding, seconds in rows:
        ok = target_met(item["state"], finding.status, finding.rule)
        met += ok
        confusion[(item["state"], finding.status.name)] += 1
        own = {"PASSED": "PASS", "FAILED": "FAIL"}.get(finding.data.get("own_health", ""), "-")
        print(f"{item['file'][:34]:<34} {item['state']:<9} {finding.status.name:<9} {finding.rule[:28]:<28} "
              f"{own:<6} {seconds * 1000:6.1f}  {'ok' if ok else 'MISSED'}")
    print("-" * 104)
    states = ["failing", "degraded", "healthy", "unknown"]
    print("label     " + "".join(f"{s:>10}" for s in ("CRITICAL", "WARNING", "OK", "UNKNOWN")) + "   total")
    for state in states:
        counts = [confusion[(state, s)] for s in ("CRITICAL", "WARNING", "OK", "UNKNOWN")]
        print(f"{state:<10}" + "".join(f"{c:>10}" for c in counts) + f"{sum(counts):>8}")
    own_failed = sum(1 for _, f, _ in rows if f.data.get("own_health") == "FAILED")
    flagged = sum(1 for it, f, _ in rows if it["state"] in ("failing", "degraded")
                  and f.status in (Status.WARNING, Status.CRITICAL))
    bad = sum(1 for it in labels if it["state"] in ("failing", "degraded"))
    print(f"\ntargets met: {met}/{len(rows)}   failing/degraded flagged: {flagged}/{bad} "
          f"(the drives' own FAILED line: {own_failed}/{bad})")
    healthy_warn = [(it["file"][:3], f.rule) for it, f, _ in rows if it["state"] == "healthy"
                    and f.status is Status.WARNING]
    print(f"healthy captures with a WARNING: {len(healthy_warn)} {healthy_warn}")
    times = sorted(t for _, _, t in rows)
    print(f"check per capture (read+parse+rules+finding): median {times[len(times) // 2] * 1000:.1f} ms, "
          f"max {times[-1] * 1000:.1f} ms, total {sum(times):.2f} s")
    if args.live:
        live = sorted(run_live(args.corpus, labels))
        print(f"live path per drive via fake smartctl (subprocess + JSON + rules): median "
              f"{live[len(live) // 2] * 1000:.1f} ms, max {live[-1] * 1000:.1f} ms over {len(live)} drives")
    return 0 if met == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
