"""``fieldkit history stats``: the technician's log, as the trade keeps it.

* visits per customer and site, with the time spent on site (closed visits);
* findings by severity, during visits and in other (scheduled) scans;
* problems found and how many a later scan saw resolved (on a later visit, or by a
  scheduled scan in between), per customer.

A *problem* is one episode of a ``(machine, check, subject)`` being WARNING or CRITICAL;
it is resolved when a later scan reports the same subject OK. A subject that simply
disappears (a drive removed) is not counted as resolved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fieldkit.findings import Status
from fieldkit.history.store import HistoryStore
from fieldkit.timestamps import parse_iso

NO_VISIT = "(no visit)"


@dataclass
class SiteLog:
    customer: str
    site: str
    visits: int = 0
    closed_visits: int = 0
    seconds_on_site: float = 0.0
    last_visit: str | None = None
    scans: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"customer": self.customer, "site": self.site, "visits": self.visits,
                "closed_visits": self.closed_visits, "time_on_site_s": round(self.seconds_on_site),
                "last_visit": self.last_visit, "scans": self.scans}


@dataclass
class ProblemLog:
    found: int = 0
    resolved_on_visit: int = 0
    resolved_between_visits: int = 0
    open: int = 0

    @property
    def resolved(self) -> int:
        return self.resolved_on_visit + self.resolved_between_visits

    def to_dict(self) -> dict[str, Any]:
        return {"found": self.found, "resolved": self.resolved, "resolved_on_later_visit": self.resolved_on_visit,
                "resolved_by_scheduled_scan": self.resolved_between_visits, "still_open": self.open}


@dataclass
class Stats:
    sites: list[SiteLog]
    severity_visits: dict[str, int]
    severity_other: dict[str, int]
    problems: dict[str, ProblemLog]
    total_scans: int
    problems_total: ProblemLog = field(default_factory=ProblemLog)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"scans": self.total_scans, "sites": [s.to_dict() for s in self.sites],
                "findings_by_severity": {"during_visits": self.severity_visits, "other_scans": self.severity_other},
                "problems": self.problems_total.to_dict(),
                "problems_by_customer": {k: v.to_dict() for k, v in sorted(self.problems.items())},
                "warnings": self.warnings}


def compute(store: HistoryStore, warnings: list[str] | None = None) -> Stats:
    visits = {v["id"]: v for v in store.visits()}
    sites: dict[tuple[str, str], SiteLog] = {}
    for visit in visits.values():
        key = (visit.get("customer") or "(unknown customer)", visit.get("site") or "(unknown site)")
        log = sites.setdefault(key, SiteLog(*key))
        log.visits += 1
        seconds = _duration(visit.get("started_at"), visit.get("ended_at"))
        if seconds is not None:
            log.closed_visits += 1
            log.seconds_on_site += seconds
        if visit.get("started_at") and (log.last_visit is None or visit["started_at"] > log.last_visit):
            log.last_visit = visit["started_at"]

    severity_visits = {s.name: 0 for s in Status}
    severity_other = {s.name: 0 for s in Status}
    for visit_id, status, count in store.status_counts():
        (severity_visits if visit_id else severity_other)[Status(status).name] += count

    timeline = store.finding_timeline()
    host_customer: dict[str, str] = {}
    scans_per_visit: dict[str, set[str]] = defaultdict(set)
    for host, started, _check, _subject, _status, visit_id in timeline:
        if visit_id and visit_id in visits:
            host_customer[host] = visits[visit_id].get("customer") or "(unknown customer)"
            scans_per_visit[visit_id].add(started)
    for visit_id, scans in scans_per_visit.items():
        visit = visits[visit_id]
        key = (visit.get("customer") or "(unknown customer)", visit.get("site") or "(unknown site)")
        sites[key].scans += len(scans)

    problems: dict[str, ProblemLog] = defaultdict(ProblemLog)
    total = ProblemLog()
    open_since: dict[tuple[str, str, str], str] = {}
    for host, _started, check, subject, status, visit_id in timeline:
        key = (host, check, subject)
        customer = (visits.get(visit_id or "", {}).get("customer") if visit_id else None) \
            or host_customer.get(host, NO_VISIT)
        if Status(status) in (Status.WARNING, Status.CRITICAL):
            if key not in open_since:
                open_since[key] = customer
                problems[customer].found += 1
                total.found += 1
        elif Status(status) == Status.OK and key in open_since:
            where = open_since.pop(key)
            if visit_id:
                problems[where].resolved_on_visit += 1
                total.resolved_on_visit += 1
            else:
                problems[where].resolved_between_visits += 1
                total.resolved_between_visits += 1
    for customer in open_since.values():
        problems[customer].open += 1
        total.open += 1

    return Stats(sorted(sites.values(), key=lambda s: (s.customer.lower(), s.site.lower())), severity_visits,
                 severity_other, dict(problems), store.count(), total, list(warnings or []))


def _duration(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        a = parse_iso(start)
        b = parse_iso(end)
    except ValueError:
        return None
    seconds = (b - a).total_seconds()
    return seconds if seconds >= 0 else None


def format_duration(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def render_text(stats: Stats) -> str:
    lines = [f"Scans stored: {stats.total_scans}", "", "Visits per customer and site"]
    if stats.sites:
        width_c = max(8, *(len(s.customer) for s in stats.sites))
        width_s = max(4, *(len(s.site) for s in stats.sites))
        lines.append(f"  {'customer':<{width_c}}  {'site':<{width_s}}  visits  scans  time on site  last visit")
        for s in stats.sites:
            on_site = format_duration(s.seconds_on_site) if s.closed_visits else "-"
            if s.closed_visits < s.visits:
                on_site += f" ({s.visits - s.closed_visits} open)"
            lines.append(f"  {s.customer:<{width_c}}  {s.site:<{width_s}}  {s.visits:>6}  {s.scans:>5}  "
                         f"{on_site:<12}  {(s.last_visit or '-')[:10]}")
        total = sum(s.seconds_on_site for s in stats.sites)
        lines.append(f"  total: {sum(s.visits for s in stats.sites)} visits, {format_duration(total)} on site")
    else:
        lines.append("  no visits recorded (fieldkit visit start/end records them)")
    lines += ["", "Findings by severity   during visits   other scans"]
    for status in ("CRITICAL", "WARNING", "UNKNOWN", "OK"):
        lines.append(f"  {status:<20} {stats.severity_visits[status]:>13}   {stats.severity_other[status]:>11}")
    p = stats.problems_total
    lines += ["", f"Problems (WARNING or CRITICAL): found {p.found}, resolved {p.resolved} "
                  f"({p.resolved_on_visit} seen fixed on a later visit, {p.resolved_between_visits} by a scheduled "
                  f"scan), still open {p.open}"]
    for customer, log in sorted(stats.problems.items()):
        lines.append(f"  {customer}: found {log.found}, resolved {log.resolved}, still open {log.open}")
    for warning in stats.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)
