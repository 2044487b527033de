"""Findings of the SMART check: one per drive, per fault and per self-test.

The measuring package (:mod:`fieldkit.smart`) reads drives into :class:`Drive` and
self-test :class:`Session` records; this module turns them, with the verdict of
:mod:`.rules`, into findings. Customer-facing sentences are whole translatable messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fieldkit.checks.smart import advice, families, rules
from fieldkit.findings import Evidence, Finding, Metric, Status, Tier
from fieldkit.messages import N_, Msg, joined, t, tn
from fieldkit.smart.counters import counters as read_counters
from fieldkit.smart.model import decode_exit_status

if TYPE_CHECKING:
    from fieldkit.context import Context
    from fieldkit.smart.collect import Fault, Skipped
    from fieldkit.smart.model import Drive
    from fieldkit.smart.selftest import Session

NAME = "smart"

_NVME_FIELDS = ("critical_warning", "available_spare", "available_spare_threshold", "percentage_used",
                "media_errors", "num_err_log_entries", "unsafe_shutdowns", "warning_temp_time", "critical_comp_time")


def thresholds(ctx: "Context") -> rules.Thresholds:
    ssd_warn = float(ctx.option("temp_warn_ssd_c", 70.0))
    ssd_crit = float(ctx.option("temp_crit_ssd_c", 80.0))
    return rules.Thresholds(
        reallocated_crit=int(ctx.option("reallocated_crit", 16)),
        nvme_used_warn_pct=float(ctx.option("nvme_used_warn_pct", 80.0)),
        temp_warn_hdd_c=float(ctx.option("temp_warn_hdd_c", 60.0)),
        temp_crit_hdd_c=float(ctx.option("temp_crit_hdd_c", 70.0)),
        temp_warn_ssd_c=ssd_warn, temp_crit_ssd_c=ssd_crit,
        temp_warn_nvme_c=ssd_warn, temp_crit_nvme_c=ssd_crit,
    )


def _verdict_word(status: Status, kind: str) -> str:
    if status is Status.CRITICAL:
        return {"heat": t("overheating"), "wear": t("worn out")}.get(kind, t("failing"))
    if status is Status.WARNING:
        return {"cable": t("connection problem"), "heat": t("running hot"), "wear": t("wearing out"),
                "recheck": t("to be checked")}.get(kind, t("degraded"))
    return t("unknown")


def _summary(status: Status, top: rules.Reason, problems: list[rules.Reason]) -> str:
    word = t("past problem") if top.rule == "attribute-failed-past" else _verdict_word(status, top.kind)
    if len(problems) == 1:
        return t("{verdict}: {problem}", verdict=word, problem=top.message)
    if len(problems) == 2:
        return t("{verdict}: {problem}; also {other}", verdict=word, problem=top.message, other=problems[1].message)
    more = len(problems) - 2
    return tn("{verdict}: {problem}; also {other} (+{n} more)", "{verdict}: {problem}; also {other} (+{n} more)",
              n=more, verdict=word, problem=top.message, other=problems[1].message)


def _healthy_line(drive: "Drive", counts: dict[str, Any]) -> str:
    hours = drive.power_on_hours
    temp = drive.temperature_c
    if drive.protocol == "NVMe":
        return t("healthy: {used}% of its rated writing used, no data errors, {temp} °C, {hours} hours in use",
                 used=drive.nvme.get("percentage_used", "?"), temp=temp if temp is not None else "?",
                 hours=hours if hours is not None else "?")
    if drive.protocol == "SCSI":
        return t("healthy: {grown} replaced blocks, no uncorrected errors, {temp} °C, {hours} hours in use",
                 grown=counts.get("grown_defects", "?"), temp=temp if temp is not None else "?",
                 hours=hours if hours is not None else "?")
    return t("healthy: no damaged, unreadable or replaced sectors, {temp} °C, {hours} hours in use",
             temp=temp if temp is not None else "?", hours=hours if hours is not None else "?")


def _own(passed: bool | None) -> "Msg":
    # the drive's own words, kept as smartctl prints them, but translated for the customer
    if passed is None:
        return t("not reported")
    return t("PASSED") if passed else t("FAILED")


def drive_finding(ctx: "Context", drive: "Drive", evidence: list[Evidence], baseline: dict[str, Any] | None,
                  capture: str | None = None) -> Finding:
    """One finding per drive: the worst reason decides; every reason is in the detail."""
    th = thresholds(ctx)
    reasons = rules.evaluate(drive, th, baseline)
    problems = [r for r in reasons if r.status is not Status.OK]
    counts = read_counters(drive)
    subject = drive.subject() if capture is None or not drive.device else f"{capture}: {drive.subject()}"
    if problems:
        top = problems[0]
        status, rule, kind = top.status, top.rule, top.kind
        summary = _summary(status, top, problems)
    else:
        status, rule, kind = Status.OK, "healthy", "ok"
        summary = _healthy_line(drive, counts)
    if drive.truncated:
        cut = "the capture ends inside a table (truncated): counters after the cut are missing"
        if status is Status.OK:   # half a table showing nothing is not a healthy disk
            status, rule, kind = Status.UNKNOWN, "truncated-capture", "unknown"
            summary = t("cannot judge: the capture is cut off; the part that is there shows no problem")
        else:
            summary = t("{summary} (capture cut off)", summary=summary)
        reasons.append(rules.Reason(Status.UNKNOWN, "truncated-capture", t("the capture is cut off"), cut, "unknown"))
    if drive.health_passed is not None:
        summary = t("{summary} (the drive's own verdict: {own})", summary=summary, own=_own(drive.health_passed))
    lines = []
    for r in reasons:
        line = f"[{r.status.name}] {r.rule}: {r.detail}"
        if r.attributes and r.status is not Status.OK:
            line += f" [read: {', '.join(r.attributes)}]"
        if r.why and r.status is not Status.OK:
            line += f" [why it matters: {r.why}]"
        if r.source:
            line += f" (source: {r.source})"
        lines.append(line)
    lines.append(f"drive family: {families.family(drive).label}; drive kind: {rules.drive_kind(drive)}")
    lines.append(f"drive's own overall health: {_own(drive.health_passed)}")
    if drive.exit_status:
        lines.append(f"smartctl exit status {drive.exit_status}: " + "; ".join(decode_exit_status(drive.exit_status)))
    if baseline:
        lines.append(f"growth compared with {baseline.get('when')} ({baseline.get('origin')})")
    lines.append(f"source: {capture or 'live'} ({drive.fmt}, smartctl {drive.smartctl_version or '?'}"
                 f", -d {drive.device_type or 'auto'})")
    judged = families.judged_ids(drive)
    data: dict[str, Any] = {
        "drive": drive.identity(),
        "attributes": [dict(a.to_dict(), judged=a.id in judged or bool(a.when_failed))
                       for a in sorted(drive.attributes.values(), key=lambda a: a.id)],
        "counters": counts,
        "own_health": _own(drive.health_passed),
        "reasons": [{"status": r.status.name, "rule": r.rule, "message": r.message,
                     "attributes": list(r.attributes), "why": r.why} for r in reasons],
        "exit_status": drive.exit_status,
        "source": capture or "live",
        "temperature": {"now_c": drive.temperature_c, "lifetime_max_c": drive.temp_lifetime_max_c,
                        "limits_c": list(rules.temperature_limits(drive, th)), "kind": rules.drive_kind(drive)},
    }
    if drive.phy_events:
        data["phy_events"] = {f"0x{k:04x}": v for k, v in sorted(drive.phy_events.items())}
    if drive.nvme:
        data["attributes"] += [{"name": k, "value": drive.nvme.get(k)} for k in _NVME_FIELDS if k in drive.nvme]
    if drive.scsi:
        data["attributes"] += [{"name": k, "value": v} for k, v in drive.scsi.items()]
    if drive.self_tests:
        data["self_tests"] = [{"kind": x.kind, "status": x.status, "outcome": x.outcome, "hours": x.hours}
                              for x in drive.self_tests[:5]]
    finding_advice = advice.fault_advice("no-data") if kind == "unknown" else advice.for_status(status, kind)
    return Finding(NAME, subject, status, summary, metrics=_metrics(drive, counts, th), evidence=evidence,
                   advice=finding_advice, detail="\n".join(lines),
                   tier=advice.tier_for(status, kind), rule=rule, data=data)


def _metrics(drive: "Drive", counts: dict[str, Any], th: rules.Thresholds) -> list[Metric]:
    out: list[Metric] = []
    if isinstance(drive.temperature_c, int):
        warn, crit = rules.temperature_limits(drive, th)
        out.append(Metric("temperature_c", drive.temperature_c, "C", warn, crit))
    if isinstance(drive.power_on_hours, int):
        out.append(Metric("power_on_hours", drive.power_on_hours, ""))
    # warn/crit as the rules apply them (Nagios perfdata); None where a rule is not a plain threshold.
    limits = {"reallocated": (1, th.reallocated_crit), "pending": (1, 2), "uncorrectable": (None, 1),
              "reported_uncorrect": (1, th.reported_uncorrect_crit), "crc_errors": (th.crc_lifetime_warn, None),
              "media_errors": (1, None), "grown_defects": (1, 100), "scsi_uncorrected": (None, 1)}
    for name, (warn, crit) in limits.items():
        if isinstance(counts.get(name), int):
            out.append(Metric(name, counts[name], "c", warn, crit, min=0))
    if isinstance(counts.get("percentage_used"), int):
        out.append(Metric("percentage_used", counts["percentage_used"], "%", min=0))
    if isinstance(counts.get("available_spare"), int):
        out.append(Metric("available_spare_pct", counts["available_spare"], "%", min=0, max=100))
    return out


def _said(template: str, params: dict[str, Any]) -> Msg:
    """A template the measuring code named (``N_``) as the customer's sentence; a ``(template, params)``
    parameter is a sentence of its own."""
    return t(template, **{k: _said(*v) if isinstance(v, tuple) else v for k, v in params.items()})


#: subjects of faults that are not a drive, as the customer reads them (a drive's path is shown as it is)
_FAULT_SUBJECTS = {"smart baseline": N_("comparison with earlier scans"), "smart self-test": N_("disk self-test"),
                   "smartctl --scan-open": N_("list of disks")}


def fault_finding(fault: "Fault") -> Finding:
    status = Status.UNKNOWN
    why = _said(fault.message, fault.params)
    subject = t(_FAULT_SUBJECTS[fault.subject]) if fault.subject in _FAULT_SUBJECTS else fault.subject
    summary = t("skipped: {why}", why=why) if fault.kind == "standby" else t("cannot check: {why}", why=why)
    return Finding(NAME, subject, status, summary, evidence=list(fault.evidence),
                   advice=advice.fault_advice(fault.kind), detail=fault.detail or fault.text,
                   tier=advice.tier_for(status, fault.kind), rule=f"fault-{fault.kind}",
                   data={"fault": fault.kind, "skipped": fault.kind == "standby"})


def skipped_finding(skipped: list["Skipped"], checked: int) -> Finding:
    listing = joined(t("{device}: {reason}", device=s.device, reason=_said(s.reason, s.params)) for s in skipped)
    data = {"skipped": [{"device": s.device, "reason": s.text} for s in skipped]}
    if checked == 0:
        reason = listing if skipped else t("smartctl --scan-open found no device and /sys/block lists no disk")
        return Finding(NAME, "smart", Status.UNKNOWN, t("no SMART-capable drives found: {why}", why=reason),
                       advice=advice.fault_advice("no-drives"), detail=str(reason), rule="no-drives", data=data)
    return Finding(NAME, "smart", Status.OK,
                   tn("skipped {n} device without SMART: {listing}", "skipped {n} devices without SMART: {listing}",
                      n=len(skipped), listing=listing),
                   detail=str(listing), rule="skipped-devices", data=data)


#: the customer's sentence for a self-test session, by (state, kind): whole sentences, because "short" and
#: "extended" change the words around them in other languages; smartctl's own words stay in the detail
_SELFTEST: dict[tuple[str, str], str] = {
    ("passed", "short"): N_("short self-test passed: the drive found no fault"),
    ("passed", "long"): N_("extended self-test passed: the drive read its whole surface without a fault"),
    ("failed", "short"): N_("failing: the short self-test failed (the drive could not read part of its surface)"),
    ("failed", "long"): N_("failing: the extended self-test failed (the drive could not read part of its surface)"),
    ("running", "short"): N_("short self-test still running when fieldkit stopped waiting; the drive finishes it "
                             "by itself, scan again later for the result"),
    ("running", "long"): N_("extended self-test still running when fieldkit stopped waiting; the drive finishes it "
                            "by itself, scan again later for the result"),
    ("aborted", "short"): N_("short self-test was interrupted before it finished"),
    ("aborted", "long"): N_("extended self-test was interrupted before it finished"),
    ("unsupported", "short"): N_("the drive does not support the short self-test"),
    ("unsupported", "long"): N_("the drive does not support the extended self-test"),
    ("timeout", "short"): N_("smartctl hung while running the short self-test"),
    ("timeout", "long"): N_("smartctl hung while running the extended self-test"),
    ("error", "short"): N_("the short self-test could not be run"),
    ("error", "long"): N_("the extended self-test could not be run"),
}
#: a running test whose progress is known
_SELFTEST_PROGRESS = {
    "short": N_("short self-test still running when fieldkit stopped waiting ({pct}% done); the drive finishes it "
                "by itself, scan again later for the result"),
    "long": N_("extended self-test still running when fieldkit stopped waiting ({pct}% done); the drive finishes "
               "it by itself, scan again later for the result"),
}


def _selftest_summary(state: str, kind: str, progress: int | None) -> Msg:
    kind = kind if kind in ("short", "long") else "short"
    if state == "running" and progress is not None:
        return t(_SELFTEST_PROGRESS[kind], pct=progress)
    template = _SELFTEST.get((state, kind))
    return t(template) if template else t("self-test state {state}", state=state)


def selftest_finding(session: "Session", kind: str, calls: list[Evidence]) -> Finding:
    """The finding for one self-test session (started, waited for, read back)."""
    s = session
    subject = s.drive.subject()
    how = (f" (via {s.how})" if s.how else "") + (f" [{s.note}]" if s.note else "")
    evidence = [e for e in calls if s.drive.device in " ".join(e.command or [])][-4:]
    data = {"drive": s.drive.identity(), "selftest": {"kind": kind, "state": s.state, "message": s.message,
                                                      "progress_pct": s.progress}}
    detail = f"self-test {kind}{how}: {s.message}"
    summary = _selftest_summary(s.state, kind, s.progress)
    if s.state == "passed":
        return Finding(NAME, subject, Status.OK, summary, evidence=evidence, advice=advice.ADVICE["ok"],
                       detail=detail, rule="selftest-passed", data=data)
    if s.state == "failed":
        return Finding(NAME, subject, Status.CRITICAL, summary, evidence=evidence, advice=advice.ADVICE["selftest"],
                       tier=Tier.HARDWARE, detail=detail, rule="selftest-failed", data=data)
    return Finding(NAME, subject, Status.UNKNOWN, summary, evidence=evidence, advice=advice.fault_advice("no-data"),
                   detail=detail, rule=f"selftest-{s.state}", data=data)
