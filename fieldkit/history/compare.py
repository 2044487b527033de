"""What changed between two scans: status changes, new problems, resolved problems, metric deltas.

Findings are matched by ``(check, subject)``. A subject missing from the later scan is
only called resolved when its check completed in that scan; a check that did not run
says nothing about the subject.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from fieldkit.findings import Finding, Status

PROBLEM = (Status.WARNING, Status.CRITICAL)


@dataclass
class Change:
    check: str
    subject: str
    before: Status | None
    after: Status | None
    kind: str          # new, worse, better, resolved, gone, changed (a declared fact such as a switch port)
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "subject": self.subject,
                "before": self.before.name if self.before is not None else None,
                "after": self.after.name if self.after is not None else None,
                "kind": self.kind, "summary": self.summary}


def _by_key(findings: Iterable[Finding]) -> dict[tuple[str, str], Finding]:
    """One finding per (check, subject): the worst, when a check reported a subject twice."""
    keyed: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = (finding.check, finding.subject)
        if key not in keyed or finding.status.severity > keyed[key].status.severity:
            keyed[key] = finding
    return keyed


def compare(before: Iterable[Finding], after: Iterable[Finding], completed_after: set[str]) -> list[Change]:
    """Changes from ``before`` to ``after``; ``completed_after`` = checks that completed in the later scan."""
    old, new = _by_key(before), _by_key(after)
    changes: list[Change] = []
    for key, finding in new.items():
        previous = old.get(key)
        if previous is None:
            if finding.status in PROBLEM:
                changes.append(Change(*key, None, finding.status, "new", f"New problem: {finding.summary}"))
            continue
        moved = _identity_change(previous, finding)
        if previous.status == finding.status:
            if moved:
                changes.append(Change(*key, previous.status, finding.status, "changed", f"Changed: {moved}"))
            continue
        change = _status_change(previous, finding)
        if moved:
            change.summary += f" ({moved})"
        changes.append(change)
    for key, previous in old.items():
        if key in new or previous.status not in PROBLEM or previous.check not in completed_after:
            continue
        changes.append(Change(*key, previous.status, None, "gone",
                              f"No longer reported (was {previous.status.name}: {previous.summary})"))
    changes.sort(key=lambda c: (-(c.after or Status.OK).severity, c.check, c.subject))
    return changes


def _identity_change(previous: Finding, finding: Finding) -> str:
    """What changed in the facts a finding declares in ``data["compare"]`` (a switch port, a VLAN).

    Such facts are not judged good or bad, so their change keeps the status; it is still
    what the technician must see ("this socket was on another switch port last time").
    """
    old, new = previous.data.get("compare"), finding.data.get("compare")
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ""
    parts = [f"{label} {old.get(label) if old.get(label) is not None else '-'} -> "
             f"{new.get(label) if new.get(label) is not None else '-'}"
             for label in new if old.get(label) != new.get(label)]
    return "; ".join(parts)


def _status_change(previous: Finding, finding: Finding) -> Change:
    a, b = previous.status, finding.status
    if b == Status.OK and a in PROBLEM:
        kind, text = "resolved", f"Resolved (was {a.name}): {finding.summary}"
    elif a == Status.OK and b in PROBLEM:
        kind, text = "new", f"New problem: {finding.summary}"
    elif b.severity > a.severity:
        kind, text = "worse", f"Worse ({a.name} -> {b.name}): {finding.summary}"
    elif b.severity < a.severity:
        kind, text = "better", f"Better ({a.name} -> {b.name}): {finding.summary}"
    else:  # pragma: no cover - equal severity means equal status
        kind, text = "changed", finding.summary
    return Change(finding.check, finding.subject, a, b, kind, text)


@dataclass
class MetricChange:
    check: str
    subject: str
    metric: str
    before: float
    after: float
    unit: str

    @property
    def delta(self) -> float:
        return self.after - self.before

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "subject": self.subject, "metric": self.metric, "before": self.before,
                "after": self.after, "delta": self.delta, "unit": self.unit}


def metric_changes(before: Iterable[Finding], after: Iterable[Finding]) -> list[MetricChange]:
    """Numeric metrics present in both scans whose value differs."""
    old: dict[tuple[str, str, str], float] = {}
    for finding in before:
        for m in finding.metrics:
            if _numeric(m.value):
                old.setdefault((finding.check, finding.subject, m.name), float(m.value))
    changes: list[MetricChange] = []
    seen: set[tuple[str, str, str]] = set()
    for finding in after:
        for m in finding.metrics:
            key = (finding.check, finding.subject, m.name)
            if key in seen or key not in old or not _numeric(m.value):
                continue
            seen.add(key)
            if float(m.value) != old[key]:
                changes.append(MetricChange(*key, old[key], float(m.value), m.unit))
    return changes


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
