"""smart: SMART disk health of every drive, with a verdict better than the drive's own (issue 3).

Sources of drive data, all normalized into one :class:`fieldkit.smart.model.Drive`:
live ``smartctl --json --all -n standby`` (LC_ALL=C), captured JSON, captured text
(``-a``/``-x``) via ``--from-file``. The rules live in :mod:`fieldkit.smart.rules`;
this module wires collection, baselines and self-tests, and turns reasons into findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fieldkit.context import Context
from fieldkit.findings import Evidence, Finding, Metric, Status
from fieldkit.options import Option

NAME = "smart"
DESCRIPTION = "SMART disk health of every drive (SATA/SAS/NVMe/USB/RAID), captured-output import, self-tests"
AREA = "disks"
# Upper bound for `fieldkit check smart` (a short self-test takes ~2 min); profiles set their own
# budget and a normal scan takes seconds. Every smartctl call has its own timeout as well.
TIMEOUT_S = 900

OPTIONS = [
    Option("device", "path", None, "Check only this device (e.g. /dev/sda, /dev/nvme0)"),
    Option("device_types", "str", [], "smartctl -d type per device, DEV=TYPE (e.g. /dev/sdb=sat, "
           "/dev/bus/0=megaraid,0)", multiple=True, metavar="DEV=TYPE"),
    Option("from_file", "path", [], "Evaluate captured smartctl output (JSON or -a/-x text); a folder takes "
           "every capture in it", multiple=True, profile=False),
    Option("selftest", "choice", None, "Start this SMART self-test on every drive that supports it, wait for "
           "it (bounded) and report the result", choices=("short", "long"), profile=False),
    Option("selftest_wait_s", "float", 600.0, "Longest wait for a self-test (the drive keeps testing after)",
           min=5, max=86400, profile=False),
    Option("selftest_poll_s", "float", None, "Seconds between self-test progress polls (default: from the "
           "drive's recommended polling time)", min=0.2, max=600, profile=False),
    Option("baseline", "path", None, "An earlier fieldkit scan JSON: flag growth of error counters per serial"),
    Option("command_timeout_s", "float", 45.0, "Timeout of one smartctl call (a hung disk or USB bridge)",
           min=1, max=600),
    Option("temp_warn_hdd_c", "float", 55.0, "HDD temperature warning (°C) when the drive states no limit",
           min=20, max=100),
    Option("temp_crit_hdd_c", "float", 65.0, "HDD temperature critical (°C) when the drive states no limit",
           min=20, max=120),
    Option("temp_warn_ssd_c", "float", 70.0, "SSD/NVMe temperature warning (°C) when the drive states no limit",
           min=20, max=120),
    Option("temp_crit_ssd_c", "float", 80.0, "SSD/NVMe temperature critical (°C) when the drive states no limit",
           min=20, max=130),
    Option("nvme_used_warn_pct", "float", 80.0, "NVMe 'percentage used' (endurance) warning", min=1, max=255),
    Option("reallocated_crit", "int", 16, "Reallocated sectors from which a drive is failing (1.. = warning)",
           min=1, max=100000),
]

# Files in a capture folder that are not captures (the corpus ships its README and labels).
_NOT_CAPTURES = ("readme", "labels.json", "license", "notes")


def run(ctx: Context) -> list[Finding]:
    from fieldkit.smart import baseline as baseline_mod
    from fieldkit.smart import collect

    findings: list[Finding] = []
    try:
        overrides = collect.parse_type_overrides(ctx.option("device_types", []))
    except ValueError as exc:
        return [_fault_finding(collect.Fault("bad-option", "smart", str(exc)))]
    baselines, problems = baseline_mod.load_baselines(ctx)
    findings += [_fault_finding(p) for p in problems]
    files = ctx.option("from_file", [])
    if files:
        findings += _from_files(ctx, files, baselines)
        if not ctx.option("device"):
            if ctx.option("selftest"):
                findings.append(_fault_finding(collect.Fault(
                    "bad-option", "smart self-test", "self-tests need a live drive: none was started for the "
                    "captures (add --device DEV to test a drive of this machine)")))
            return findings
    findings += _live(ctx, overrides, baselines)
    return findings


# ------------------------------------------------------------------------------ captures

def _capture_paths(raw: list[str]) -> list[tuple[Path, str | None]]:
    """Expand folders; a missing path becomes (path, reason)."""
    out: list[tuple[Path, str | None]] = []
    for item in raw:
        path = Path(item).expanduser()
        if path.is_dir():
            entries = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                             and not p.name.lower().startswith(_NOT_CAPTURES) and p.suffix.lower() != ".md")
            if not entries:
                out.append((path, "folder contains no capture files"))
            out += [(p, None) for p in entries]
        elif path.is_file():
            out.append((path, None))
        else:
            out.append((path, "no such file or folder"))
    return out


def _from_files(ctx: Context, raw: list[str], baselines: dict[str, dict[str, Any]]) -> list[Finding]:
    from fieldkit.smart import collect
    from fieldkit.smart.capture import decode, read_capture
    from fieldkit.smart.model import ParseError

    findings: list[Finding] = []
    for path, problem in _capture_paths(raw):
        ctx.checkpoint()
        source = str(path)
        if problem:
            findings.append(_fault_finding(collect.Fault("bad-input", source, f"capture {source}: {problem}")))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            findings.append(_fault_finding(collect.Fault("bad-input", source,
                                                         f"capture {source} unreadable: {exc.strerror}")))
            continue
        try:
            drive = read_capture(decode(data), source)
        except ParseError as exc:
            findings.append(_fault_finding(collect.Fault(
                "garbled", source, str(exc), evidence=[Evidence(excerpt=decode(data[:600]), source=source)])))
            continue
        drive.source = source
        ev = [Evidence(command=drive.argv, exit_code=drive.exit_status, excerpt=drive.excerpt, source=source)]
        if not drive.has_health_data:
            fault = collect.classify_no_data(drive, True, ev)
            fault.subject = f"{source}" + (f" ({drive.device})" if drive.device else "")
            fault.message = f"capture holds no health data: {fault.message}"
            cause, fault.kind = fault.kind, "capture-no-data"   # the fix is a new capture, not this machine
            finding = _fault_finding(fault)
            finding.data["cause"] = cause
            findings.append(finding)
            continue
        findings.append(drive_finding(ctx, drive, ev, baselines, capture=source))
    return findings


# ------------------------------------------------------------------------------ live

def _live(ctx: Context, overrides: dict[str, str], baselines: dict[str, dict[str, Any]]) -> list[Finding]:
    from fieldkit.smart import collect

    smartctl = collect.find_smartctl(ctx)
    if smartctl is None:
        where = ctx.env.environ.get("FIELDKIT_SMARTCTL")
        return [_fault_finding(collect.Fault(
            "no-smartctl", "smart", "smartctl is not installed (package smartmontools)" if not where
            else f"FIELDKIT_SMARTCTL={where} does not exist"))]
    timeout = float(ctx.option("command_timeout_s", 45.0))
    use_json, _version = collect.speaks_json(ctx, smartctl, timeout)
    device = ctx.option("device")
    skipped: list[collect.Skipped] = []
    if device:
        candidates = [collect.Candidate(device, overrides.get(device), "--device")]
    else:
        candidates, skipped, fault = _discover(ctx, smartctl, timeout, overrides, use_json)
        if fault:
            return [_fault_finding(fault)]
    findings: list[Finding] = []
    drives: list[tuple[Any, list[Evidence]]] = []
    passthrough = {f"-d {c.device_type}" for c in candidates if c.device_type and "megaraid" in c.device_type}
    for cand in candidates:
        ctx.checkpoint()
        ctx.progress(f"smart: reading {cand.device}")
        outcome = collect.read_device(ctx, smartctl, cand.device, cand.device_type, timeout, use_json)
        if outcome.drive is None:
            if outcome.fault.kind == "raid-volume" and passthrough:
                # The RAID volume itself has no SMART; its member disks are read through the controller.
                skipped.append(collect.Skipped(cand.device, "RAID volume; member disks read via "
                                               + ", ".join(sorted(passthrough))))
                continue
            findings.append(_fault_finding(outcome.fault))
            continue
        drives.append((outcome.drive, outcome.evidence))
    if ctx.option("selftest"):
        from fieldkit.smart import selftest
        results = selftest.run_all(ctx, smartctl, [d for d, _ in drives], ctx.option("selftest"), timeout)
        refreshed = []
        for drive, ev in drives:   # re-read so the verdict includes the new self-test log entry
            again = collect.read_device(ctx, smartctl, drive.device, drive.device_type, timeout, use_json)
            refreshed.append((again.drive, again.evidence) if again.drive is not None else (drive, ev))
        drives = refreshed
        findings += results
    findings += [drive_finding(ctx, d, ev, baselines) for d, ev in drives]
    if skipped or (not drives and not findings):
        findings.append(_skipped_finding(skipped, checked=len(drives) + len(findings)))
    used = {"path": smartctl, "origin": collect.smartctl_origin(smartctl), "version": _version}
    for finding in findings:  # which smartctl answered: the machine's own or the portable build's copy
        finding.data.setdefault("smartctl", used)
        finding.detail = (finding.detail + "\n" if finding.detail else "") + \
            f"smartctl used: {used['origin']} {used['version'] or ''} ({smartctl})".replace("  ", " ")
    return findings


def _discover(ctx: Context, smartctl: str, timeout: float, overrides: dict[str, str],
              use_json: bool = True) -> tuple[list[Any], list[Any], Any]:
    """Candidates from ``--scan-open`` plus /sys/block, the devices skipped with a reason, a fatal fault."""
    from fieldkit.smart import collect

    scanned, fault = collect.scan(ctx, smartctl, timeout, use_json)
    if fault and fault.kind in ("no-smartctl", "timeout", "not-root", "run-error"):
        return [], [], fault
    from_sysfs, skipped = collect.sysfs_disks(ctx)
    # sysfs knows better than the scan that a disk is virtual, optical or a USB stick.
    not_disks = {s.device for s in skipped if s.device not in overrides}
    candidates = [c for c in scanned if c.device not in not_disks]
    seen = {c.device for c in candidates} | not_disks
    for cand in from_sysfs:
        if cand.device not in seen:
            candidates.append(cand)
            seen.add(cand.device)
    for dev, dtype in overrides.items():
        if dev not in seen:
            candidates.append(collect.Candidate(dev, dtype, "device_types"))
    for cand in candidates:
        cand.device_type = overrides.get(cand.device, cand.device_type)
    return candidates, skipped, None


def _skipped_finding(skipped: list[Any], checked: int) -> Finding:
    listing = "; ".join(f"{s.device}: {s.reason}" for s in skipped)
    if checked == 0:
        from fieldkit.smart.advice import fault_advice
        reason = listing or "smartctl --scan-open found no device and /sys/block lists no disk"
        return Finding(NAME, "smart", Status.UNKNOWN, f"no SMART-capable drives found: {reason}",
                       advice=fault_advice("no-drives"), detail=reason, rule="no-drives",
                       data={"skipped": [{"device": s.device, "reason": s.reason} for s in skipped]})
    return Finding(NAME, "smart", Status.OK, f"skipped {len(skipped)} device(s) without SMART: {listing}",
                   detail=listing, rule="skipped-devices",
                   data={"skipped": [{"device": s.device, "reason": s.reason} for s in skipped]})


# ------------------------------------------------------------------------------ findings

def thresholds(ctx: Context):
    from fieldkit.smart.rules import Thresholds

    return Thresholds(
        reallocated_crit=int(ctx.option("reallocated_crit", 16)),
        nvme_used_warn_pct=float(ctx.option("nvme_used_warn_pct", 80.0)),
        temp_warn_hdd_c=float(ctx.option("temp_warn_hdd_c", 55.0)),
        temp_crit_hdd_c=float(ctx.option("temp_crit_hdd_c", 65.0)),
        temp_warn_ssd_c=float(ctx.option("temp_warn_ssd_c", 70.0)),
        temp_crit_ssd_c=float(ctx.option("temp_crit_ssd_c", 80.0)),
    )


def drive_finding(ctx: Context, drive: Any, evidence: list[Evidence], baselines: dict[str, dict[str, Any]],
                  capture: str | None = None) -> Finding:
    """One finding per drive: the worst reason decides; every reason is in the detail."""
    from fieldkit.smart import advice, rules
    from fieldkit.smart.model import decode_exit_status

    from fieldkit.smart.baseline import for_drive

    base = for_drive(baselines, drive.serial, drive.model)
    th = thresholds(ctx)
    reasons = rules.evaluate(drive, th, base)
    problems = [r for r in reasons if r.status is not Status.OK]
    counters = rules.counters(drive)
    subject = drive.subject() if capture is None or not drive.device else f"{capture}: {drive.subject()}"
    if problems:
        top = problems[0]
        status = top.status
        word = "past problem" if top.rule == "attribute-failed-past" else _verdict_word(status, top.kind)
        summary = f"{word}: {top.message}"
        if len(problems) > 1:
            summary += "; also " + "; ".join(r.message for r in problems[1:3])
            if len(problems) > 3:
                summary += f" (+{len(problems) - 3} more)"
        rule, kind = top.rule, top.kind
    else:
        status, rule, kind = Status.OK, "healthy", "ok"
        summary = "healthy: " + _healthy_line(drive, counters)
    if drive.truncated:
        cut = "the capture ends inside a table (truncated): counters after the cut are missing"
        if status is Status.OK:   # half a table showing nothing is not a healthy disk
            status, rule, kind = Status.UNKNOWN, "truncated-capture", "unknown"
            summary = f"cannot judge: {cut}; the part that is there shows no problem"
        else:
            summary += " (capture truncated)"
        reasons.append(rules.Reason(Status.UNKNOWN, "truncated-capture", cut, cut, "unknown"))
    if drive.health_passed is not None:
        own = "PASSED" if drive.health_passed else "FAILED"
        summary += f" (drive's own verdict: {own})"
    lines = [f"[{r.status.name}] {r.rule}: {r.detail}" + (f" (source: {r.source})" if r.source else "")
             for r in reasons]
    lines.append(f"drive's own overall health: {_own(drive.health_passed)}")
    if drive.exit_status:
        lines.append(f"smartctl exit status {drive.exit_status}: " + "; ".join(decode_exit_status(drive.exit_status)))
    if base:
        lines.append(f"growth compared with {base.get('when')} ({base.get('origin')})")
    lines.append(f"source: {capture or 'live'} ({drive.fmt}, smartctl {drive.smartctl_version or '?'}"
                 f", -d {drive.device_type or 'auto'})")
    data = {
        "drive": drive.identity(),
        "attributes": [a.to_dict() for a in sorted(drive.attributes.values(), key=lambda a: a.id)
                       if a.id in _ATTRS_THAT_MATTER or a.when_failed],
        "counters": counters,
        "own_health": _own(drive.health_passed),
        "reasons": [{"status": r.status.name, "rule": r.rule, "message": r.message} for r in reasons],
        "exit_status": drive.exit_status,
        "source": capture or "live",
    }
    if drive.nvme:
        data["attributes"] += [{"name": k, "value": drive.nvme.get(k)} for k in _NVME_FIELDS if k in drive.nvme]
    if drive.scsi:
        data["attributes"] += [{"name": k, "value": v} for k, v in drive.scsi.items()]
    if drive.self_tests:
        data["self_tests"] = [{"kind": t.kind, "status": t.status, "outcome": t.outcome, "hours": t.hours}
                              for t in drive.self_tests[:5]]
    finding_advice = advice.fault_advice("no-data") if kind == "unknown" else advice.for_status(status, kind)
    return Finding(NAME, subject, status, summary, metrics=_metrics(drive, counters, th), evidence=evidence,
                   advice=finding_advice, detail="\n".join(lines),
                   tier=advice.tier_for(status, kind), rule=rule, data=data)


_ATTRS_THAT_MATTER = {5, 9, 10, 12, 184, 187, 188, 190, 194, 196, 197, 198, 199, 201, 231, 233}
_NVME_FIELDS = ("critical_warning", "available_spare", "available_spare_threshold", "percentage_used",
                "media_errors", "num_err_log_entries", "unsafe_shutdowns", "warning_temp_time", "critical_comp_time")


def _own(passed: bool | None) -> str:
    return {True: "PASSED", False: "FAILED", None: "not reported"}[passed]


def _verdict_word(status: Status, kind: str) -> str:
    if status is Status.CRITICAL:
        return {"heat": "overheating", "wear": "worn out"}.get(kind, "failing")
    if status is Status.WARNING:
        return {"cable": "connection problem", "heat": "running hot", "wear": "wearing out"}.get(kind, "degraded")
    return "unknown"


def _healthy_line(drive: Any, counters: dict[str, Any]) -> str:
    parts = []
    if drive.protocol == "ATA":
        known = [f"{counters[k]} {k}" for k in ("reallocated", "pending", "uncorrectable")
                 if counters.get(k) is not None]
        parts.append((", ".join(known) + " sectors") if known else "no error counters above zero")
    elif drive.protocol == "NVMe":
        parts.append(f"{drive.nvme.get('percentage_used', '?')}% used, spare {drive.nvme.get('available_spare', '?')}%"
                     f", 0 media errors")
    elif drive.protocol == "SCSI":
        parts.append(f"{counters.get('grown_defects', '?')} grown defects, 0 uncorrected errors")
    if drive.temperature_c is not None:
        parts.append(f"{drive.temperature_c} °C")
    if drive.power_on_hours is not None:
        parts.append(f"{drive.power_on_hours} power-on hours")
    return ", ".join(parts)


def _metrics(drive: Any, counters: dict[str, Any], th: Any) -> list[Metric]:
    from fieldkit.smart.rules import temperature_limits

    out: list[Metric] = []
    if isinstance(drive.temperature_c, int):
        warn, crit = temperature_limits(drive, th)
        out.append(Metric("temperature_c", drive.temperature_c, "C", warn, crit))
    if isinstance(drive.power_on_hours, int):
        out.append(Metric("power_on_hours", drive.power_on_hours, ""))
    # warn/crit as the rules apply them (Nagios perfdata); None where a rule is not a plain threshold.
    limits = {"reallocated": (1, th.reallocated_crit), "pending": (1, 2), "uncorrectable": (None, 1),
              "reported_uncorrect": (1, th.reported_uncorrect_crit), "crc_errors": (1, None),
              "media_errors": (1, None), "grown_defects": (1, 100), "scsi_uncorrected": (None, 1)}
    for name, (warn, crit) in limits.items():
        if isinstance(counters.get(name), int):
            out.append(Metric(name, counters[name], "c", warn, crit, min=0))
    if isinstance(counters.get("percentage_used"), int):
        out.append(Metric("percentage_used", counters["percentage_used"], "%", min=0))
    if isinstance(counters.get("available_spare"), int):
        out.append(Metric("available_spare_pct", counters["available_spare"], "%", min=0, max=100))
    return out


def _fault_finding(fault: Any) -> Finding:
    from fieldkit.smart.advice import fault_advice, tier_for

    status = Status.UNKNOWN
    summary = ("skipped: " if fault.kind == "standby" else "cannot check: ") + fault.message
    return Finding(NAME, fault.subject, status, summary, evidence=list(fault.evidence),
                   advice=fault_advice(fault.kind), detail=fault.detail or fault.message,
                   tier=tier_for(status, fault.kind), rule=f"fault-{fault.kind}",
                   data={"fault": fault.kind, "skipped": fault.kind == "standby"})
