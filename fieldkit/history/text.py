"""The history as text for the technician (``fieldkit history list|show|diff|trend``) and as JSON Lines.

Each function returns lines, with outside text (host names, notes, subjects) made visible
and harmless for a terminal (:func:`fieldkit.safetext.visible`); the command line prints them. Messages for the technician are
in the language of the machine (gettext domain ``cli``, like the command line's). The technician's log has its
own renderer (:func:`fieldkit.history.stats.render_text`).
"""

from __future__ import annotations

from datetime import timezone
from typing import TYPE_CHECKING, Any, Sequence

from fieldkit.history.store import HistoryError, HistoryStore
from fieldkit.safetext import visible
from fieldkit.timestamps import iso_utc, parse_iso

if TYPE_CHECKING:
    from fieldkit.history.compare import Change, MetricChange
    from fieldkit.history.store import ScanRow, TrendPoint
    from fieldkit.result import ScanResult

FINDING_LINE_SCHEMA = "fieldkit.finding/1"


def scan_list(rows: Sequence[ScanRow], visits: dict[str, dict[str, Any]]) -> list[str]:
    """``history list``: one line per stored scan under a header, with the visit it belonged to."""
    lines = [f"{'ID':>6}  {'started (UTC)':<19}  {'host':<16} {'profile':<14} {'status':<8} findings  "
             f"{'scan id':<12}  visit"]
    for r in rows:
        flags = "" if r.complete else " (interrupted)" if r.interrupted else " (incomplete)"
        visit = visits.get(r.visit_id or "", {})
        where = " / ".join(str(visit[k]) for k in ("customer", "site") if visit.get(k))
        lines.append(f"{r.id:>6}  {r.started_at[:19].replace('T', ' '):<19}  {visible(r.hostname)[:16]:<16} "
                     f"{visible(r.profile)[:14]:<14} {r.status.name:<8} {r.n_findings:>8}  {r.scan_id[:12]:<12}  "
                     f"{visible(where) or '-'}{flags}")
    return lines


def scan_heading(row: int, result: ScanResult) -> list[str]:
    """``history show``: which scan, when, and the visit it belonged to (the summary follows)."""
    lines = [f"Scan {row} ({result.scan_id}) started {result.to_dict()['started_at']}"]
    if result.visit:
        details = ", ".join(f"{k} {result.visit[k]}" for k in ("customer", "site", "ticket", "technician")
                            if result.visit.get(k))
        lines.append(visible(f"During visit {result.visit.get('id')}: {details}"))
    return lines


def changes_since_last(result: ScanResult) -> list[str]:
    """``history show``: what the scan found changed since the previous one (empty when nothing)."""
    changes = result.extra.get("changes_since_last") or []
    if not changes:
        return []
    return ["Changes since the previous scan:"] + [visible(f"  {c['check']} {c['subject']}: {c['summary']}")
                                                   for c in changes]


def diff(first: int, second: int, before: ScanResult, after: ScanResult, changes: Sequence[Change],
         metrics: Sequence[MetricChange]) -> list[str]:
    """``history diff``: status changes and metric changes from one scan to another."""
    lines = [f"From scan {first} ({before.to_dict()['started_at']}, {before.status.name}) "
             f"to scan {second} ({after.to_dict()['started_at']}, {after.status.name})"]
    if before.machine.get("host_id") != after.machine.get("host_id"):
        lines.append("Note: the two scans are of different machines.")
    lines.append("Status changes:" if changes else "No status changes.")
    for c in changes:
        lines.append(visible(f"  {c.check:<10} {c.subject:<24} {(c.before.name if c.before else '-'):>8} -> "
                             f"{(c.after.name if c.after else '-'):<8} {c.summary}"))
    if metrics:
        lines.append("Metric changes:")
        for m in metrics:
            lines.append(visible(f"  {m.check:<10} {m.subject:<24} {m.metric}: {m.before:g} -> {m.after:g} "
                                 f"{m.unit} ({m.delta:+g})"))
    return lines


def trend(subject: str, metric: str, points: Sequence[TrendPoint]) -> list[str]:
    """``history trend``: one value per scan, oldest first, and the change over the period."""
    unit = points[-1].unit
    lines = [visible(f"{subject} {metric} ({unit or 'no unit'}), {len(points)} scans")]
    for p in points:
        value = "-" if p.value is None else f"{p.value:g}"
        lines.append(f"  {p.started_at[:19].replace('T', ' ')}  {value:>12}  {p.status.name}")
    numbers = [p.value for p in points if p.value is not None]
    if len(numbers) >= 2:
        lines.append(visible(f"Change over the period: {numbers[-1] - numbers[0]:+g} {unit} "
                             f"(min {min(numbers):g}, max {max(numbers):g})"))
    return lines


def no_trend_values(store: HistoryStore, subject: str, metric: str, host_id: str | None) -> str:
    """Why ``history trend`` has nothing to show, with some series that do exist (technician's language)."""
    from fieldkit.i18n.console import t

    known = ", ".join(f"{s}/{m}" for s, m in store.known_series(host_id)[:12])
    if known:
        return t("no values of metric {metric!r} for subject {subject!r} (some known subject/metric pairs: "
                 "{known})", metric=metric, subject=subject, known=known)
    return t("no values of metric {metric!r} for subject {subject!r}", metric=metric, subject=subject)


def pick_host(store: HistoryStore, subject: str, metric: str, host: str | None, here: str) -> str | None:
    """The machine whose series ``history trend`` shows: the one asked for, the only one, or this one.

    :raises HistoryError: the asked machine has no such series, or several machines have it
        and none is this one (the message lists them).
    """
    from fieldkit.i18n.console import t

    hosts = store.series_hosts(subject, metric)
    if host:
        match = [h for h, name in hosts if host in (h, name)]
        if not match:
            raise HistoryError(t("machine {host!r} has no values of {metric!r} for {subject!r}", host=host,
                                 metric=metric, subject=subject))
        return match[0]
    ids = {h for h, _ in hosts}
    if len(ids) <= 1:
        return next(iter(ids), None)
    if here in ids:
        return here
    names = ", ".join(sorted(f"{name or '?'} ({h})" for h, name in hosts))
    raise HistoryError(t("several machines have this series, pass --host: {names}", names=names))


def parse_since(text: str) -> str:
    """``--since`` as the history stores times (RFC 3339 UTC, milliseconds); a time without offset is UTC.

    :raises ValueError: not an RFC 3339 time (the message says what is expected).
    """
    try:
        moment = parse_iso(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an RFC 3339 time such as 2026-11-01T00:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return iso_utc(moment)


def export_lines(doc: dict[str, Any], per_finding: bool) -> list[dict[str, Any]]:
    """``history export``: the scan document, or one line per finding with the scan's context."""
    if not per_finding:
        return [doc]
    context = {"scan_id": doc["scan_id"], "started_at": doc["started_at"],
               "host_id": (doc.get("machine") or {}).get("host_id"),
               "hostname": (doc.get("machine") or {}).get("hostname"),
               "profile": (doc.get("profile") or {}).get("name"),
               "visit_id": (doc.get("visit") or {}).get("id") if doc.get("visit") else None}
    return [{"schema": FINDING_LINE_SCHEMA, **context, **finding} for finding in doc.get("findings", [])]
