"""Score the acoustic check on a corpus folder made with ``fieldkit audio record`` (used by
``bench/acoustic_eval.py --corpus DIR``).

Every recording is analysed as ``fieldkit check acoustic --from-file`` analyses it (any format,
any length, narrow-band recordings UNKNOWN). Per label: how many recordings raised an alarm
(a WARNING or CRITICAL acoustic verdict), how many were UNKNOWN, and false alarms per hour of
the recordings labelled healthy.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ALARM_RULES = {f"acoustic-{v}" for v in ("click-of-death", "slow-periodic-clicks", "irregular-periodic-clicks",
                                          "stall-beeps", "beeps-while-spinning", "bearing-whine", "grinding")}


def check_file(path: Path, timeout: float = 900.0) -> list[Any]:
    from fieldkit import checks
    from fieldkit.context import Context, Environment

    spec = checks.load("acoustic")
    options = spec.defaults()
    options["from_file"] = str(path)
    env = Environment()
    return spec.module.run(Context(check="acoustic", options=options, env=env, deadline=env.monotonic() + timeout))


def score(folder: Path) -> list[str]:
    """The table's lines; one row per label, then one line per recording."""
    from fieldkit.checks.acoustic.corpus import LABELS, entries
    from fieldkit.findings import Status

    rows = entries(folder)
    lines = [f"Field corpus {folder}: {len(rows)} recording(s) with a sidecar"]
    if not rows:
        return lines + ["  (no recordings: add some with 'fieldkit audio record --out DIR')"]
    per: dict[str, dict[str, float]] = {label: {"n": 0, "alarm": 0, "unknown": 0, "hours": 0.0} for label in LABELS}
    detail = []
    for audio, side in rows:
        label = side.get("label") if side.get("label") in LABELS else "unknown"
        findings = check_file(audio)
        alarm = any(f.rule in ALARM_RULES and f.status in (Status.WARNING, Status.CRITICAL) for f in findings)
        unknown = not alarm and any(f.status is Status.UNKNOWN for f in findings)
        seconds = next((m.value for m in findings[0].metrics if m.name == "duration_s"), None) or 0.0
        cell = per[label]
        cell["n"] += 1
        cell["alarm"] += alarm
        cell["unknown"] += unknown
        cell["hours"] += float(seconds) / 3600
        then = (side.get("fieldkit") or {}).get("rule", "?")
        detail.append(f"  {audio.name:<40} {label:<8} {findings[0].rule:<34} (at contribution: {then})")
    lines.append(f"{'label':<9} {'recordings':>10} {'alarm':>7} {'UNKNOWN':>8} {'hours':>7}  score")
    for label in LABELS:
        c = per[label]
        if not c["n"]:
            continue
        if label == "failing":
            what = f"detection {100 * c['alarm'] / c['n']:.0f} %"
        elif label == "healthy":
            what = (f"false alarms {c['alarm'] / c['hours']:.1f}/h" if c["hours"] else "false alarms n/a")
        else:
            what = "unlabelled: not scored"
        lines.append(f"{label:<9} {int(c['n']):>10} {int(c['alarm']):>7} {int(c['unknown']):>8} {c['hours']:>7.2f}  {what}")
    return lines + detail
