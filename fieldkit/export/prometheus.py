"""Prometheus text exposition for node_exporter's textfile collector.

Rules followed (node_exporter README "Textfile Collector"; prometheus.io naming practice):

* no timestamps on samples: the collector rejects them;
* one family per measured quantity (``fieldkit_smart_reallocated_sectors``), never a
  drive or a target baked into a name: those are labels (``drive``, ``serial``,
  ``target``, ``subject``), and every series carries ``profile`` so that two profiles'
  files in the same directory never produce duplicate series;
* base units: milliseconds become ``_seconds``, percentages ``_ratio`` (0-1), bytes
  ``_bytes``, degrees ``_celsius``;
* HELP and TYPE text depend only on the check, metric and unit, so the same family in
  two files never disagrees (a mismatch breaks the whole scrape);
* the file is replaced atomically (temp file in the same folder, fsync, rename) and
  made world-readable, because node_exporter usually runs as its own user.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fieldkit.findings import Finding
from fieldkit.safetext import visible

if TYPE_CHECKING:
    from fieldkit.result import ScanResult

PREFIX = "fieldkit"
_NAME_BAD = re.compile(r"[^a-zA-Z0-9_]+")

# unit -> (suffix to use, factor to multiply by, suffixes in our names that mean this unit)
_UNITS: dict[str, tuple[str, float, tuple[str, ...]]] = {
    "ms": ("_seconds", 0.001, ("_ms", "_msec", "_millis")),
    "s": ("_seconds", 1.0, ("_s", "_sec", "_seconds")),
    "%": ("_ratio", 0.01, ("_pct", "_percent", "_ratio")),
    "B": ("_bytes", 1.0, ("_b", "_bytes")),
    "C": ("_celsius", 1.0, ("_c", "_celsius")),
}


@dataclass
class Family:
    name: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)
    _seen: set[tuple[tuple[str, str], ...]] = field(default_factory=set)

    def add(self, labels: dict[str, str], value: float) -> None:
        key = tuple(sorted(labels.items()))
        if key in self._seen:
            return  # a duplicate series would make node_exporter reject the file
        self._seen.add(key)
        self.samples.append((labels, value))


def metric_name(check: str, name: str, unit: str) -> tuple[str, float]:
    """Family name and value factor for a finding metric (``rtt_median_ms`` in ms -> ``..._rtt_median_seconds``)."""
    base = _sanitize(name).lower()
    factor = 1.0
    if unit in _UNITS:
        suffix, factor, aliases = _UNITS[unit]
        for alias in aliases:
            if base.endswith(alias):
                base = base[: -len(alias)]
                break
        base += suffix
    return f"{PREFIX}_{_sanitize(check).lower()}_{base}".replace("__", "_"), factor


def render(result: ScanResult) -> str:
    """The textfile for one scan result."""
    profile = str(result.profile.get("name") or "")
    machine = result.machine or {}
    common = {"profile": profile}
    fams: dict[str, Family] = {}

    def fam(name: str, help_text: str) -> Family:
        return fams.setdefault(name, Family(name, help_text))

    fam(f"{PREFIX}_scan_info", "fieldkit scan provenance; value is always 1").add(
        {**common, "host_id": str(machine.get("host_id") or ""), "hostname": str(machine.get("hostname") or ""),
         "version": str(result.version)}, 1)
    fam(f"{PREFIX}_scan_status", "Overall verdict of the last scan: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN").add(
        common, int(result.status))
    incomplete = bool(getattr(result, "incomplete", not result.complete))
    fam(f"{PREFIX}_scan_complete", "1 if the last scan ran every planned check to the end, 0 if it was "
        "interrupted, killed or cut short").add(common, 0 if incomplete else 1)
    fam(f"{PREFIX}_scan_incomplete", "1 if the last scan did not run every planned check (its verdict is at best "
        "UNKNOWN), else 0").add(common, 1 if incomplete else 0)
    for name in (result.unanswered() if hasattr(result, "unanswered") else []):
        fam(f"{PREFIX}_check_unanswered", "1 for each planned check of the last scan that gave no answer").add(
            {**common, "check": name}, 1)
    fam(f"{PREFIX}_scan_start_timestamp_seconds", "Start of the last scan, seconds since the Unix epoch").add(
        common, _epoch(result.started_at))
    if result.finished_at is not None:
        fam(f"{PREFIX}_scan_duration_seconds", "Duration of the last scan in seconds").add(
            common, round(_epoch(result.finished_at) - _epoch(result.started_at), 3))
        if not incomplete:
            fam(f"{PREFIX}_last_success_timestamp_seconds",
                "End of the last complete scan, seconds since the Unix epoch (alert when stale)").add(
                common, _epoch(result.finished_at))
    counts = {s: 0 for s in ("OK", "WARNING", "CRITICAL", "UNKNOWN")}
    for finding in result.findings:
        counts[finding.status.name] += 1
    for status, count in counts.items():
        fam(f"{PREFIX}_findings", "Number of findings of the last scan by status").add({**common, "status": status},
                                                                                     count)
    for record in result.checks:
        fam(f"{PREFIX}_check_completed", "1 if the check completed, 0 if it timed out, failed or was skipped").add(
            {**common, "check": record.name, "outcome": record.outcome}, 1 if record.outcome == "completed" else 0)
        fam(f"{PREFIX}_check_duration_seconds", "Time the check took in seconds").add(
            {**common, "check": record.name}, round(record.duration_s, 3))
    areas = {f.check: result.area_of(f.check) for f in result.findings}
    for finding in result.findings:
        labels = {**common, "check": finding.check, **entity_labels(finding, areas.get(finding.check))}
        fam(f"{PREFIX}_check_status", "Status of one finding: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN").add(
            labels, int(finding.status))
        for m in finding.metrics:
            value = _numeric(m.value)
            if value is None:
                continue
            name, factor = metric_name(finding.check, m.name, m.unit)
            unit_text = f" ({m.unit} converted to base units)" if factor != 1.0 else (f" ({m.unit})" if m.unit else "")
            series = {k: v for k, v in labels.items() if k != "check"}
            fam(name, f"fieldkit check {finding.check}: {m.name}{unit_text}").add(series, value * factor)
    return "".join(_family_text(f) for f in sorted(fams.values(), key=lambda f: f.name))


def entity_labels(finding: Finding, area: str | None) -> dict[str, str]:
    """``subject`` always; ``drive``/``serial``/``model`` for disks; ``target`` for network and VoIP."""
    labels = {"subject": finding.subject}
    drive = finding.data.get("drive") if isinstance(finding.data, dict) else None
    if isinstance(drive, dict):
        labels["drive"] = str(drive.get("device") or finding.subject)
        for key in ("serial", "model"):
            if drive.get(key):
                labels[key] = str(drive[key])
    elif area in ("disks", "disk_sounds"):
        labels["drive"] = finding.subject
    elif area in ("network", "voip"):
        labels["target"] = finding.subject
    return labels


def _epoch(moment: datetime) -> float:
    """Seconds since the epoch at the millisecond precision of the scan JSON, so a live scan and the
    same scan read back from the history give the same file."""
    return round(moment.replace(microsecond=moment.microsecond // 1000 * 1000).timestamp(), 3)


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _sanitize(text: str) -> str:
    name = _NAME_BAD.sub("_", text).strip("_")
    return name if name and not name[0].isdigit() else f"_{name}"


def _escape_label(value: str) -> str:
    # Controls and bidi overrides become visible escapes first (a dashboard shows label values
    # raw); lone surrogates from undecodable bytes could not even be written as UTF-8.
    return visible(value, keep_newlines=True).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    text = visible(text, keep_newlines=True)
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _format_value(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _family_text(family: Family) -> str:
    lines = [f"# HELP {family.name} {_escape_help(family.help)}", f"# TYPE {family.name} gauge"]
    for labels, value in family.samples:
        inner = ",".join(f'{_sanitize(k)}="{_escape_label(v)}"' for k, v in labels.items())
        lines.append(f"{family.name}{{{inner}}} {_format_value(value)}")
    return "\n".join(lines) + "\n"


def write_textfile(path: str | os.PathLike[str], text: str) -> Path:
    """Replace ``path`` atomically; the temp file ends in ``.tmp`` so the collector never reads it half-written."""
    from fieldkit.files import write_atomic

    return write_atomic(path, text, mode=0o644)  # node_exporter runs as its own user


def textfile_name(result: ScanResult) -> str:
    """``fieldkit-<profile>.prom``: one file per profile, so nightly and weekly scans do not overwrite each other."""
    profile = _NAME_BAD.sub("-", str(result.profile.get("name") or "scan")).strip("-") or "scan"
    return f"fieldkit-{profile}.prom"
