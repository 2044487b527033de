"""Turn ScanResults into the report's view model (what every output format renders).

Nothing here formats markup: the HTML template and the Markdown writer read the
same :class:`ReportModel`, so the customer part, the problem list, the asset table
and the technician appendix say the same thing in every format. Redaction has
already happened (on the JSON form) when this runs.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from fieldkit.findings import Finding, Status, worst
from fieldkit.report import svg
from fieldkit.i18n import Translator
from fieldkit.result import AREAS, CheckRecord, ScanResult
from fieldkit.timestamps import parse_iso

STATUS_CSS = {Status.OK: "ok", Status.WARNING: "warn", Status.CRITICAL: "crit", Status.UNKNOWN: "unknown",
              None: "none"}
#: an icon shape per status as well as a colour and a word (never colour alone; WCAG 1.4.1)
STATUS_ICON = {Status.OK: "✔", Status.WARNING: "▲", Status.CRITICAL: "✖", Status.UNKNOWN: "?", None: "–"}

@dataclass
class StatusView:
    status: Status | None
    word: str
    css: str
    icon: str
    name: str  # OK/WARNING/CRITICAL/UNKNOWN/NONE, for JSON and tests


def status_word(name: str, t: Translator) -> str:
    """The word printed next to every status colour (never colour alone)."""
    if name == "OK":
        return t("Good")
    if name == "WARNING":
        return t("Needs attention")
    if name == "CRITICAL":
        return t("Urgent")
    if name == "UNKNOWN":
        return t("Could not check")
    return t("Not checked")


def area_name(area: str, t: Translator) -> str:
    names = {"disks": t("Disks"), "disk_sounds": t("Disk sounds"), "network": t("Network"),
             "voip": t("Phone line / VoIP"), "system": t("System")}
    return names.get(area, area)


def verdict_text(name: str, t: Translator) -> str:
    if name == "CRITICAL":
        return t("Something needs fixing soon to avoid losing data or service.")
    if name == "WARNING":
        return t("Some things need attention, but nothing is urgent.")
    if name == "OK":
        return t("Everything we checked is in good order.")
    if name == "UNKNOWN":
        return t("We could not check everything: see the parts we could not examine below.")
    return t("No check produced a result, so this report cannot say whether anything is healthy.")


def tier_text(tier: int, t: Translator) -> str:
    if tier == 1:
        return t("1 on site")
    if tier == 2:
        return t("2 hardware / vendor")
    return t("3 engineering")


def status_view(status: Status | None, t: Translator) -> StatusView:
    name = status.name if status is not None else "NONE"
    return StatusView(status, status_word(name, t), STATUS_CSS[status], STATUS_ICON[status], name)


@dataclass
class AreaView:
    key: str
    name: str
    state: StatusView
    text: str


@dataclass
class ProblemView:
    machine: str
    area: str
    state: StatusView
    subject: str
    found: str
    meaning: str
    action: str
    prevention: str
    anchor: str


@dataclass
class IncompleteView:
    machine: str
    check: str
    part: str       # the area in the customer's words ("Disks"), never the check's code name
    how: str
    reason: str


@dataclass
class ChangeView:
    machine: str
    check: str
    subject: str
    before: str
    after: str
    summary: str


@dataclass
class AssetView:
    machine: str
    item: str
    model: str
    serial: str
    firmware: str
    age: str
    state: StatusView


@dataclass
class ConnectionView:
    """One wired or Wi-Fi port of one machine: what the lan check learned about where it is plugged in."""

    machine: str
    interface: str
    switch: str
    port: str
    vlan: str
    voice_vlan: str
    dhcp: str
    speed: str


@dataclass
class FindingView:
    anchor: str
    check: str
    area: str
    subject: str
    state: StatusView
    summary: str
    detail: str
    rule: str
    tier: str
    metrics: list[list[str]]
    evidence: list[dict[str, str]]
    charts: list[svg.Chart]


@dataclass
class MachineView:
    name: str
    anchor: str
    os: str
    state: StatusView
    attention: int
    scanned_at: str
    areas: list[AreaView]
    findings: list[FindingView]
    checks: list[dict[str, str]]
    facts: list[tuple[str, str]]
    scan_line: str
    partial: bool


@dataclass
class VisitView:
    customer: str = ""
    site: str = ""
    ticket: str = ""
    technician: str = ""
    arrival: str = ""
    departure: str = ""
    duration: str = ""
    open: bool = False
    notes: list[dict[str, str]] = field(default_factory=list)
    signed_by: str = ""
    signed_at: str = ""


@dataclass
class ReportModel:
    lang: str
    t: Translator
    title: str
    site: bool
    generated_at: str
    report_id: str
    redacted: bool
    version: str
    visit: VisitView | None
    state: StatusView
    verdict: str
    attention: int
    areas: list[AreaView]
    problems: list[ProblemView]
    incomplete: list[IncompleteView]
    changes: list[ChangeView]
    machines: list[MachineView]
    assets: list[AssetView]
    #: scans that did not run every planned check: "machine: check, check" (empty when all finished)
    unfinished: list[str] = field(default_factory=list)
    connections: list[ConnectionView] = field(default_factory=list)
    signoff: "SignoffView | None" = None
    brand: Any = None
    english_note: str = ""    # said when some customer texts could not be shown in this language
    page_label: tuple[str, str, str] = ("", "", "")  # "Page {page} of {pages}" split for the PDF footer

    @property
    def page_css(self) -> str:
        """CSS ``content`` of the page-number box: "Page " counter(page) " of " counter(pages)."""
        before, middle, after = self.page_label
        return f"{css_string(before)} counter(page) {css_string(middle)} counter(pages) {css_string(after)}"

    @property
    def footer_css(self) -> str:
        """CSS ``content`` of the footer's left box: the company and its phone, else the report's title."""
        brand = self.brand
        parts = [brand.name, brand.phone or brand.email or brand.website] if brand else []
        parts = [p for p in parts if p] or [self.title + (f" – {self.visit.customer}" if self.visit and
                                                          self.visit.customer else "")]
        from fieldkit.safetext import visible

        return css_string(visible(" · ".join(parts)))  # a customer name with controls or bidi overrides


def css_string(text: str) -> str:
    """A CSS string literal that no text can break out of (every character that is not a letter, digit or
    space is written as a CSS hex escape, so ``"``, ``\\`` and ``</style>`` stay literal)."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


@dataclass
class StepView:
    urgency: str        # css class: crit / warn
    when: str           # "Now", "In the coming weeks"
    what: str           # the action, in the customer's words
    where: str          # machine and subject


@dataclass
class SignoffView:
    work_done: list[str]
    steps: list[StepView]
    technician: str
    signed_by: str
    signed_at: str


# --------------------------------------------------------------------------- building

def build_model(scans: Sequence[ScanResult], *, lang: str = "en", redacted: bool = False,
                visit: dict[str, Any] | None = None, now: datetime | None = None) -> ReportModel:
    """The view model for one scan (a visit report) or several (a site report)."""
    if not scans:
        raise ValueError("no scans to report on")
    from fieldkit import __version__

    t = Translator(lang)
    now = now or datetime.now(timezone.utc)
    global _when_lang
    _when_lang = lang
    names = _machine_names(scans)
    machines = [_machine(scan, name, i, t) for i, (scan, name) in enumerate(zip(scans, names))]
    all_findings = [(name, f) for scan, name in zip(scans, names) for f in scan.findings]
    overall = worst(f.status for _, f in all_findings)
    unfinished = _unfinished(scans, names, site=len(scans) > 1)
    attention = sum(1 for _, f in all_findings if f.status in (Status.WARNING, Status.CRITICAL))
    problems = _problems(scans, names, t)
    site = len(scans) > 1
    ids = sorted(scan.scan_id[:8] for scan in scans)
    model = ReportModel(
        lang=lang, t=t, title=t("Site visit report") if site else t("Visit report"), site=site,
        generated_at=_when(now), report_id="-".join(ids[:3]) + ("…" if len(ids) > 3 else ""), redacted=redacted,
        version=__version__, visit=_visit(visit, scans, t, now),
        # No finding at all is not "all good": nothing was examined (every check skipped, say).
        # A scan cut short (crash, kill, Ctrl-C, full disk) is never "good": at best UNKNOWN.
        state=status_view(worst([overall, Status.UNKNOWN]) if unfinished
                          else overall if all_findings else None, t),
        verdict=_verdict(overall if all_findings else None, unfinished, t), attention=attention,
        areas=_areas(scans, t),
        problems=problems, incomplete=_incomplete(scans, names, t), changes=_changes(scans, names),
        machines=sorted(machines, key=lambda m: (-(m.state.status.severity if m.state.status is not None else 0),
                                                 -m.attention, m.name)) if site else machines,
        assets=_assets(scans, names, t), unfinished=unfinished, connections=_connections(scans, names, t))
    model.signoff = _signoff(model, visit, t, dict(zip(names, scans)))
    from fieldkit.report.branding import load_brand

    model.brand = load_brand()
    before, _, after = t("Page {page} of {pages}").partition("{page}")
    middle, _, tail = after.partition("{pages}")
    model.page_label = (before, middle, tail)
    if t.untranslated:
        model.english_note = t("Some texts from the checks (summaries and advice) are shown in English.")
    return model


def _unfinished(scans: Sequence[ScanResult], names: Sequence[str], site: bool) -> list[str]:
    """For each incomplete scan, the planned checks without an answer ("alpha: smart, voip" in a site report)."""
    out = []
    for scan, name in zip(scans, names):
        if not scan.incomplete:
            continue
        missing = ", ".join(scan.unanswered()) or "?"
        out.append(f"{name}: {missing}" if site else missing)
    return out


def _verdict(overall: Status | None, unfinished: Sequence[str], t: Translator) -> str:
    if not unfinished:
        return verdict_text(overall.name if overall is not None else "NONE", t)
    text = t("The scan did not finish, so this report cannot say that everything is in good order: no answer "
             "from {checks}.", checks="; ".join(unfinished))
    if overall in (Status.CRITICAL, Status.WARNING):
        text = f"{verdict_text(overall.name, t)} {text}"
    return text


def _machine_names(scans: Sequence[ScanResult]) -> list[str]:
    names = []
    for index, scan in enumerate(scans, 1):
        m = scan.machine or {}
        names.append(str(m.get("hostname") or m.get("host_id") or f"machine {index}"))
    # Two scans of machines with the same hostname must still be told apart.
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if names.count(name) == 1 else f"{name} ({seen[name]})")
    return out


_when_lang = "en"  # the language of the model being built (set by build_model; one build at a time)


def _when(moment: datetime | None) -> str:
    """A date and time for the reader: the locale's month names, in the report machine's time zone."""
    if moment is None:
        return ""
    from fieldkit.i18n.format import format_when

    return format_when(moment, _when_lang)


def _duration(seconds: float, t: Translator) -> str:
    minutes = int(round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    padded = str(minutes).zfill(2)
    return t("{hours} h {minutes} min", hours=hours, minutes=padded) if hours else t("{minutes} min", minutes=minutes)


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_iso(text)
    except ValueError:
        return None


def _visit(visit: dict[str, Any] | None, scans: Sequence[ScanResult], t: Translator, now: datetime) -> VisitView | None:
    visit = visit or next((s.visit for s in scans if isinstance(s.visit, dict) and s.visit), None)
    if not isinstance(visit, dict) or not visit:
        return None
    started, ended = _parse_time(visit.get("started_at")), _parse_time(visit.get("ended_at"))
    duration = ""
    if started:
        duration = _duration(((ended or now) - started).total_seconds(), t)
        if not ended:
            duration = t("{duration} (visit still open)", duration=duration)
    notes = [{"time": _when(_parse_time(n.get("time"))), "text": str(n.get("text", "")),
              "kind": t("Action taken") if n.get("kind") == "action" else t("Note"),
              "is_action": n.get("kind") == "action"}
             for n in visit.get("notes") or [] if isinstance(n, dict)]
    return VisitView(customer=str(visit.get("customer") or ""), site=str(visit.get("site") or ""),
                     ticket=str(visit.get("ticket") or ""), technician=str(visit.get("technician") or ""),
                     arrival=_when(started), departure=_when(ended), duration=duration, open=ended is None,
                     notes=notes, signed_by=str(visit.get("signed_by") or ""),
                     signed_at=_when(_parse_time(visit.get("signed_at"))))


def _areas(scans: Sequence[ScanResult], t: Translator) -> list[AreaView]:
    """One traffic-light line per area over ``scans`` (one machine, or a whole site)."""
    findings = [(scan.area_of(f.check), f) for scan in scans for f in scan.findings]
    cut = {scan.area_of(name) for scan in scans for name in scan.unanswered()}
    out = []
    for area in AREAS:
        mine = [f for of, f in findings if of == area]
        cut_short = area in cut
        if not mine:
            if cut_short:  # planned but the scan stopped first: not the plain "not checked"
                out.append(AreaView(area, area_name(area, t), status_view(Status.UNKNOWN, t),
                                    t("The scan stopped before this part was examined.")))
            else:
                out.append(AreaView(area, area_name(area, t), status_view(None, t),
                                    t("This part was not examined on this visit.")))
            continue
        status = worst([*(f.status for f in mine), *([Status.UNKNOWN] if cut_short else [])])
        bad = sum(1 for f in mine if f.status in (Status.WARNING, Status.CRITICAL))
        unknown = sum(1 for f in mine if f.status is Status.UNKNOWN)
        if bad:
            text = t.tn("{n} of {total} items needs attention.", "{n} of {total} items need attention.", n=bad,
                        total=len(mine))
        elif unknown:
            text = t.tn("{n} of {total} items could not be checked.", "{n} of {total} items could not be checked.",
                        n=unknown, total=len(mine))
        else:
            text = t.tn("{n} item checked, all good.", "{n} items checked, all good.", n=len(mine))
        out.append(AreaView(area, area_name(area, t), status_view(status, t), text))
    return out


def _signoff(model: ReportModel, visit: dict[str, Any] | None, t: Translator,
             scans: dict[str, ScanResult] | None = None) -> SignoffView:
    """The end of the customer part: what was done, what to do next and how soon, who signs."""
    done = [n["text"] for n in (model.visit.notes if model.visit else []) if n.get("is_action")]
    steps = []
    for p in model.problems:
        urgent = p.state.status is Status.CRITICAL
        steps.append(StepView("crit" if urgent else "warn",
                              t("Right away") if urgent else t("In the coming weeks"),
                              p.action or p.meaning or p.found,
                              (f"{p.machine}, " if model.site else "") + p.subject))
    seen = set()
    for i in model.incomplete:  # one step per machine and area, in the area's name the customer read above
        scan = (scans or {}).get(i.machine)
        key = (i.machine, scan.area_of(i.check) if scan is not None else i.check)
        if key in seen:
            continue
        seen.add(key)
        steps.append(StepView("unknown", t("At the next visit"),
                              t("Check again what could not be examined: {what}", what=area_name(key[1], t)),
                              i.machine))
    v = model.visit
    return SignoffView(work_done=done, steps=steps, technician=v.technician if v else "",
                       signed_by=v.signed_by if v else "", signed_at=v.signed_at if v else "")


def _sort_key(finding: Finding) -> tuple[int, int, str, str]:
    return (-finding.status.severity, int(finding.tier or 9), finding.check, finding.subject)


def _anchor(machine_index: int, finding_index: int) -> str:
    return f"m{machine_index}-f{finding_index}"


def _problems(scans: Sequence[ScanResult], names: Sequence[str], t: Translator) -> list[ProblemView]:
    rows: list[tuple[tuple[Any, ...], ProblemView]] = []
    for mi, (scan, name) in enumerate(zip(scans, names)):
        for fi, finding in enumerate(_sorted_findings(scan)):
            if finding.status not in (Status.WARNING, Status.CRITICAL):
                continue
            area = scan.area_of(finding.check)
            meaning, action, prevention = _advice(finding, area, t)
            rows.append(((*_sort_key(finding)[:2], name), ProblemView(
                machine=name, area=area_name(area, t), state=status_view(finding.status, t),
                subject=t.subject(finding.subject, finding.check), found=t.text(finding.summary, finding.check), meaning=meaning, action=action,
                prevention=prevention, anchor=_anchor(mi, fi))))
    rows.sort(key=lambda item: item[0])
    return [view for _, view in rows]


def _advice(finding: Finding, area: str, t: Translator) -> tuple[str, str, str]:
    """The check's own plain-language advice, filled in with generic text per area and status."""
    texts = _generic_advice(t)

    def generic(part: str) -> str:
        status = finding.status.name
        for key in (f"{area}.{status}.{part}", f"{area}.{part}", f"{status}.{part}"):
            if key in texts:
                return texts[key]
        return ""

    advice = finding.advice
    return (t.text(advice.meaning, finding.check) or generic("meaning"),
            t.text(advice.action, finding.check) or generic("action"),
            t.text(advice.prevention, finding.check) or generic("prevention"))


def _generic_advice(t: Translator) -> dict[str, str]:
    """Plain-language advice by area and status, for a finding whose check wrote none."""
    cached = getattr(t, "_generic_advice", None)
    if cached is not None:
        return cached
    texts = {
        "CRITICAL.meaning": t("This is a serious problem that can cause loss of data or service soon."),
        "CRITICAL.action": t("Act on it now: the technician will advise on a repair or replacement."),
        "CRITICAL.prevention": t("Regular check-ups catch problems like this before they cause damage."),
        "WARNING.meaning": t("This is not failing yet, but it is a sign of trouble."),
        "WARNING.action": t("Plan to deal with it in the coming weeks; we will check it again on the next visit."),
        "WARNING.prevention": t("Regular check-ups show whether it is getting worse."),
        "UNKNOWN.meaning": t("We could not examine this part, so we cannot say whether it is healthy."),
        "UNKNOWN.action": t("The technician will repeat this check or examine it by hand."),
        "disks.WARNING.meaning": t("A disk shows early signs of wear or damage. Disks that start like this often "
                                   "fail later."),
        "disks.WARNING.action": t("Make sure your files are backed up; plan to replace the disk."),
        "disks.CRITICAL.meaning": t("A disk is failing. You can lose the files stored on it at any moment."),
        "disks.CRITICAL.action": t("Back up your files today and replace the disk as soon as possible."),
        "disks.prevention": t("Keep a current backup of everything important, and replace disks before they "
                              "get old."),
        "disk_sounds.WARNING.meaning": t("A disk makes unusual sounds, which can be a sign of mechanical wear."),
        "disk_sounds.CRITICAL.meaning": t("A disk makes sounds typical of a mechanical failure (clicking)."),
        "disk_sounds.CRITICAL.action": t("Stop using the computer for important work, back up your files and "
                                         "replace the disk."),
        "network.WARNING.meaning": t("The network connection is slower or less reliable than it should be."),
        "network.CRITICAL.meaning": t("The network connection is losing data or very slow; work online will "
                                      "suffer."),
        "voip.WARNING.meaning": t("Phone calls over the internet may sound choppy or have delays."),
        "voip.CRITICAL.meaning": t("Phone calls over the internet will sound bad or drop."),
    }
    t._generic_advice = texts  # type: ignore[attr-defined]
    return texts


def _incomplete(scans: Sequence[ScanResult], names: Sequence[str], t: Translator) -> list[IncompleteView]:
    out = []
    for scan, name in zip(scans, names):
        by_check = {c.name: c for c in scan.checks}
        covered = set()

        def view(check: str, how: str, reason: str) -> IncompleteView:
            return IncompleteView(name, check, area_name(scan.area_of(check), t), how, reason)

        for finding in scan.findings:
            if finding.status is not Status.UNKNOWN:
                continue
            record = by_check.get(finding.check)
            # a check that ran to its end and said "could not tell" did answer: say what it said
            how = _outcome_words(record, t) if record and record.outcome != "completed" else t("could not be checked")
            covered.add(finding.check)
            summary = t.text(finding.summary, finding.check)
            out.append(view(finding.check, how, f"{t.subject(finding.subject, finding.check)}: {summary}"
                            if finding.subject != finding.check else summary))
        for record in scan.checks:
            if record.outcome != "completed" and record.name not in covered:
                covered.add(record.name)
                out.append(view(record.name, _outcome_words(record, t),
                                record.skip_reason or record.error or record.outcome))
        for check in scan.unanswered():
            if check not in covered:  # planned, never recorded: the scan was killed or crashed first
                out.append(view(check, t("no answer"), t("The scan stopped before this part was examined.")))
    return out


def _outcome_words(record: CheckRecord, t: Translator) -> str:
    if record.outcome == "timeout":
        return t("timed out after {seconds} s", seconds=float(record.timeout_s or record.duration_s))
    if record.outcome == "error":
        return t("the check failed")
    if record.outcome == "skipped":
        return t("skipped")
    if record.outcome == "interrupted":
        return t("interrupted")
    return t("no answer")


def _changes(scans: Sequence[ScanResult], names: Sequence[str]) -> list[ChangeView]:
    out = []
    for scan, name in zip(scans, names):
        changes = (scan.extra or {}).get("changes_since_last")
        if not isinstance(changes, list):
            continue
        for change in changes:
            if isinstance(change, dict):
                out.append(ChangeView(name, str(change.get("check", "")), str(change.get("subject", "")),
                                      _plain(change.get("before")), _plain(change.get("after")),
                                      str(change.get("summary", ""))))
    return out


def _plain(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _age(hours: Any, t: Translator) -> str:
    if not isinstance(hours, (int, float)) or isinstance(hours, bool):
        return "–"
    return t("{hours} h ({years} years)", hours=int(hours), years=round(hours / 8766, 1))


def _assets(scans: Sequence[ScanResult], names: Sequence[str], t: Translator) -> list[AssetView]:
    out = []
    for scan, name in zip(scans, names):
        m = scan.machine or {}
        model = " ".join(str(x) for x in (m.get("system_vendor"), m.get("system_product")) if x) or "–"
        out.append(AssetView(name, t("Computer"), model, str(m.get("system_serial") or "–"),
                             str(m.get("bios_version") or "–"), "–", status_view(scan.status, t)))
        drives: dict[str, tuple[dict[str, Any], list[Status]]] = {}
        for finding in scan.findings:
            drive = finding.data.get("drive") if isinstance(finding.data, dict) else None
            if not isinstance(drive, dict):
                continue
            key = str(drive.get("serial") or drive.get("device") or finding.subject)
            known, statuses = drives.setdefault(key, ({}, []))
            known.update({k: v for k, v in drive.items() if v is not None})
            statuses.append(finding.status)
        for drive, statuses in drives.values():
            out.append(AssetView(name, t("Drive {device}", device=drive.get("device") or "?"),
                                 str(drive.get("model") or "–"), str(drive.get("serial") or "–"),
                                 str(drive.get("firmware") or "–"), _age(drive.get("power_on_hours"), t),
                                 status_view(worst(statuses), t)))
    return out


def _whole(value: float) -> int | float:
    """A number without a needless ".0" (1 Gb/s, not 1.0 Gb/s); the translator writes the rest in the locale."""
    return int(value) if float(value).is_integer() else value


def _link_text(facts: dict[str, Any], t: Translator) -> str:
    """The connection's speed ("2,5 Gb/s", "100 Мбит/с") or, on Wi-Fi, the network and its signal."""
    signal = facts.get("signal_dbm")
    if facts.get("ssid"):
        if isinstance(signal, (int, float)) and not isinstance(signal, bool):
            return t("Wi-Fi {ssid}, {signal} dBm", ssid=str(facts["ssid"]), signal=_whole(signal))
        return t("Wi-Fi {ssid}", ssid=str(facts["ssid"]))
    speed = facts.get("speed_mbps")
    if not isinstance(speed, (int, float)) or isinstance(speed, bool):
        return "–"
    if speed >= 1000:
        return t("{speed} Gb/s", speed=_whole(speed / 1000))
    return t("{speed} Mb/s", speed=_whole(speed))


def _connections(scans: Sequence[ScanResult], names: Sequence[str], t: Translator) -> list[ConnectionView]:
    """Merge the ``data["connection"]`` facts findings declare (switch, port, VLAN, DHCP server, speed) per port."""
    out = []
    for scan, name in zip(scans, names):
        ports: dict[str, dict[str, Any]] = {}
        for finding in scan.findings:
            facts = finding.data.get("connection") if isinstance(finding.data, dict) else None
            if not isinstance(facts, dict):
                continue
            port = str(facts.get("interface") or finding.subject.split(" ")[0])
            merged = ports.setdefault(port, {})
            merged.update({k: v for k, v in facts.items() if v not in (None, "", [])})
        for port, facts in ports.items():
            servers = facts.get("dhcp_servers") or ([facts["dhcp_server"]] if facts.get("dhcp_server") else [])
            out.append(ConnectionView(
                machine=name, interface=port, switch=str(facts.get("switch") or "–"),
                port=str(facts.get("port") or facts.get("port_description") or "–"),
                vlan=_plain(facts.get("vlan")), voice_vlan=_plain(facts.get("voice_vlan")),
                dhcp=", ".join(str(s) for s in servers) or "–", speed=_link_text(facts, t)))
    return out


def _sorted_findings(scan: ScanResult) -> list[Finding]:
    return sorted(scan.findings, key=_sort_key)


def _machine(scan: ScanResult, name: str, index: int, t: Translator) -> MachineView:
    m = scan.machine or {}
    findings = [_finding(f, _anchor(index, fi), scan.area_of(f.check), t)
                for fi, f in enumerate(_sorted_findings(scan))]
    facts = [(label, str(m[key])) for key, label in (
        ("hostname", t("Host name")), ("fqdn", t("Full network name")), ("os_release", t("Operating system")),
        ("kernel", t("Kernel")), ("architecture", t("Architecture")), ("cpu_model", t("Processor")),
        ("cpu_cores_logical", t("Logical processors")), ("memory_bytes", t("Memory (bytes)")),
        ("system_vendor", t("Manufacturer")), ("system_product", t("Product")),
        ("system_serial", t("Serial number of the computer")), ("board_name", t("Motherboard")),
        ("board_serial", t("Serial number of the motherboard")), ("bios_version", t("BIOS version")),
        ("virtualization", t("Virtualisation")), ("host_id", t("Machine identifier")))
        if m.get(key) not in (None, "")]
    checks = [{"name": c.name, "outcome": c.outcome, "duration": f"{c.duration_s:.1f}",
               "budget": f"{c.timeout_s:g}" if c.timeout_s else "–",
               "reason": c.skip_reason or c.error, "traceback": c.traceback, "bad": c.outcome != "completed"}
              for c in scan.checks]
    return MachineView(
        name=name, anchor=f"m{index}", os=str(m.get("os_release") or m.get("os") or "–"),
        state=status_view(scan.status, t),
        attention=sum(1 for f in scan.findings if f.status in (Status.WARNING, Status.CRITICAL)),
        scanned_at=_when(scan.started_at), areas=_areas([scan], t),
        findings=findings,
        checks=checks, facts=facts,
        scan_line=t("Scan {id}, profile {profile}, fieldkit {version}", id=scan.scan_id, profile=(scan.profile or {}).get("name", "?"),
                    version=scan.version),
        partial=scan.incomplete)


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _finding(finding: Finding, anchor: str, area: str, t: Translator) -> FindingView:
    metrics = []
    for metric in finding.metrics:
        bounds = "" if metric.min is None and metric.max is None else f"{_num(metric.min)} … {_num(metric.max)}"
        metrics.append([metric.name, _num(metric.value), metric.unit, _num(metric.warn), _num(metric.crit), bounds])
    evidence = []
    for item in finding.evidence:
        command = ""
        if isinstance(item.command, str):
            command = item.command
        elif item.command:
            try:
                command = shlex.join(str(a) for a in item.command)
            except TypeError:
                command = str(item.command)
        evidence.append({"command": command, "exit_code": "" if item.exit_code is None else str(item.exit_code),
                         "source": item.source, "excerpt": item.excerpt})
    return FindingView(
        anchor=anchor, check=finding.check, area=area, subject=t.subject(finding.subject, finding.check),
        state=status_view(finding.status, t), summary=t.text(finding.summary, finding.check, customer=False),
        detail=finding.detail, rule=finding.rule,
        tier=tier_text(int(finding.tier), t) if finding.tier is not None else "",
        metrics=metrics, evidence=evidence, charts=charts_for(finding, t))


# --------------------------------------------------------------------------- charts from Finding.data

def charts_for(finding: Finding, t: Translator | None = None) -> list[svg.Chart]:
    """Every chart the finding's data supports; malformed or absent data is skipped, never fatal."""
    t = t or Translator("en")
    data = finding.data if isinstance(finding.data, dict) else {}
    out: list[svg.Chart] = []
    builders: list[Callable[[Finding, dict[str, Any], Translator], svg.Chart | None]] = [
        _smart_chart, _spectrogram_chart, _envelope_chart, _rtt_chart, _hops_chart, _series_chart]
    for builder in builders:
        try:
            chart = builder(finding, data, t)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError, ZeroDivisionError, OverflowError):
            chart = None
        if chart is not None:
            out.append(chart)
    return out


def _smart_chart(finding: Finding, data: dict[str, Any], t: Translator) -> svg.Chart | None:
    attributes = data.get("attributes")
    if not isinstance(attributes, list) or not attributes:
        return None
    attributes = [a for a in attributes if isinstance(a, dict)]
    ata = [a for a in attributes if "thresh" in a or "worst" in a]
    subject = t.subject(finding.subject, finding.check)
    if ata:
        labels = [f"{a.get('id', '')} {a.get('name', '')}".strip() for a in ata]
        statuses = ["CRITICAL" if a.get("when_failed") else "" for a in ata]
        chart = svg.bar_chart(
            t("SMART attributes of {subject}", subject=subject),
            t.tn("Normalised value of {n} SMART attribute of {subject} (higher is healthier) with the vendor failure "
                 "threshold as a dashed line; an attribute at or below its threshold has failed.",
                 "Normalised value of {n} SMART attributes of {subject} (higher is healthier) with the vendor failure "
                 "threshold as a dashed line; an attribute at or below its threshold has failed.",
                 n=len(ata), subject=subject),
            labels, [a.get("value") for a in ata], markers=[a.get("thresh") for a in ata],
            marker_label=t("vendor threshold"), value_label=t("normalised value"), statuses=statuses)
        chart.columns = [t("id"), t("attribute"), t("value"), t("worst"), t("threshold"), t("raw"), t("when failed")]
        chart.rows = [[a.get("id", ""), a.get("name", ""), _num(a.get("value")), _num(a.get("worst")),
                       _num(a.get("thresh")), _num(a.get("raw")), a.get("when_failed") or "–"] for a in ata]
        return chart
    # NVMe/SCSI counters have unrelated scales: a table is the honest presentation.
    return svg.Chart(t("SMART health counters of {subject}", subject=subject),
                     t.tn("{n} health counter of {subject}", "{n} health counters of {subject}", n=len(attributes),
                          subject=subject),
                     svg.Markup(""), [t("counter"), t("value")],
                     [[str(a.get("name", "")), _num(a.get("value"))] for a in attributes])


def _clicks(data: dict[str, Any]) -> list[float]:
    clicks = data.get("clicks_s")
    return [c for c in clicks if isinstance(c, (int, float))] if isinstance(clicks, list) else []


def _spectrogram_chart(finding: Finding, data: dict[str, Any], t: Translator) -> svg.Chart | None:
    spec = data.get("spectrogram")
    if not isinstance(spec, dict) or not spec.get("db"):
        return None
    clicks = _clicks(data)
    times, freqs = list(spec.get("times_s") or []), list(spec.get("freqs_hz") or [])
    subject = t.subject(finding.subject, finding.check)
    description = t("Loudness over time ({steps} time steps) and frequency ({bands} bands) recorded near {subject}; "
                    "brighter is louder.", steps=len(times), bands=len(freqs), subject=subject)
    if clicks:
        moments = ", ".join(t.number(c, ".2f") for c in clicks[:20])
        description += " " + t.tn("{n} click detected at {times} s.", "{n} clicks detected at {times} s.",
                                  n=len(clicks), times=moments)
    else:
        description += " " + t("No click detected.")
    return svg.heatmap(t("Sound spectrogram of {subject}", subject=subject), description,
                       times, freqs, spec["db"], markers_x=clicks, marker_label=t("detected clicks"),
                       x_label=t("time (s)"), y_label=t("frequency (Hz)"))


def _envelope_chart(finding: Finding, data: dict[str, Any], t: Translator) -> svg.Chart | None:
    env = data.get("envelope")
    if not isinstance(env, dict) or not env.get("values"):
        return None
    clicks = _clicks(data)
    chart = svg.line_chart(
        t("Sound level over time, {subject}", subject=t.subject(finding.subject, finding.check)),
        t.tn("Sound envelope ({points} points) with {n} detected click marked.",
             "Sound envelope ({points} points) with {n} detected clicks marked.", n=len(clicks),
             points=len(env["values"])),
        list(env.get("times_s") or range(len(env["values"]))), {t("level"): env["values"]},
        x_label=t("time (s)"), y_label=t("level"), markers_x=clicks, marker_label=t("detected clicks"),
        gap_label=t("lost"))
    if clicks:
        moments = ", ".join(t.number(c, ".3f") + " s" for c in clicks[:50])
        chart.table_note = (chart.table_note + "; " if chart.table_note else "") + t("clicks at {times}", times=moments)
    return chart


def _rtt_chart(finding: Finding, data: dict[str, Any], t: Translator) -> svg.Chart | None:
    rtt = data.get("rtt_ms")
    if isinstance(rtt, dict):
        # older VoIP results keep a summary under rtt_ms; the per-probe values are in the series
        series = data.get("series")
        rtt = series.get("rtt_ms") if isinstance(series, dict) else None
    if not isinstance(rtt, list) or not rtt:
        return None
    lost = sum(1 for v in rtt if v is None)
    subject = t.subject(finding.subject, finding.check)
    return svg.line_chart(
        t("Round-trip times to {subject}", subject=subject),
        t.tn("{n} probe to {subject} in send order; lost: {lost} (marked with a cross on the axis).",
             "{n} probes to {subject} in send order; lost: {lost} (marked with a cross on the axis).",
             n=len(rtt), subject=subject, lost=lost),
        list(range(1, len(rtt) + 1)), {t("round trip"): rtt}, x_label=t("probe"), y_label=t("round trip"),
        unit="ms", gap_label=t("lost"))


def _hops_chart(finding: Finding, data: dict[str, Any], t: Translator) -> svg.Chart | None:
    hops = data.get("hops")
    if not isinstance(hops, list) or not hops:
        return None
    hops = [h for h in hops if isinstance(h, dict)]
    subject = t.subject(finding.subject, finding.check)
    return svg.hop_chart(t("Traceroute hops, {subject}", subject=subject),
                         t.tn("{n} hop on the way to {subject}: round-trip time per hop, with loss.",
                              "{n} hops on the way to {subject}: round-trip time per hop, with loss.",
                              n=len(hops), subject=subject),
                         hops, no_answer=t("* (no answer)"), loss_note=t("{loss}% loss"), value_label=t("round trip"),
                         columns=(t("hop"), t("address"), t("round trip (ms)"), t("loss (%)")))


def _series_chart(finding: Finding, data: dict[str, Any], t: Translator) -> svg.Chart | None:
    series = data.get("series")
    if not isinstance(series, dict) or not series.get("t_s"):
        return None
    lines = {label: series[key] for key, label in (("rtt_ms", t("round trip")), ("jitter_ms", t("jitter")))
             if isinstance(series.get(key), list)}
    if not lines:
        return None
    return svg.line_chart(
        t("Latency and jitter over time, {subject}", subject=t.subject(finding.subject, finding.check)),
        t("{samples} samples of {series} during the test stream to {subject}.", samples=len(series["t_s"]),
          series=" / ".join(lines), subject=t.subject(finding.subject, finding.check)),
        series["t_s"], lines, x_label=t("time (s)"), y_label=t("delay"), unit="ms", gap_label=t("lost"))
