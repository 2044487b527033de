"""smart: SMART disk health of every drive, with a verdict better than the drive's own.

Sources of drive data, all normalized into one :class:`fieldkit.smart.model.Drive` by the
measuring package :mod:`fieldkit.smart`: live ``smartctl --json --all -n standby``
(LC_ALL=C), captured JSON, captured text (``-a``/``-x``) via ``--from-file``. The check
owns the verdict: :mod:`.rules` (with :mod:`.families` for vendor-specific attributes)
classifies a drive, :mod:`.findings` and :mod:`.advice` turn that into findings. This
module wires collection, baselines and self-tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fieldkit.context import Context
from fieldkit.findings import Evidence, Finding
from fieldkit.messages import N_
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
    Option("temp_warn_hdd_c", "float", 60.0, "HDD temperature warning (°C) when the drive states no limit",
           min=20, max=100),
    Option("temp_crit_hdd_c", "float", 70.0, "HDD temperature critical (°C) when the drive states no limit",
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
_NOT_CAPTURES = ("readme", "labels.json", "license", "notes", "manifest")


def run(ctx: Context) -> list[Finding]:
    from fieldkit.checks.smart.findings import fault_finding
    from fieldkit.smart import baseline as baseline_mod
    from fieldkit.smart import collect

    findings: list[Finding] = []
    try:
        overrides = collect.parse_type_overrides(ctx.option("device_types", []))
    except collect.BadTypeOverride as exc:
        return [fault_finding(collect.Fault("bad-option", "smart", N_("device_types entry {entry} is not DEVICE=TYPE "
                                                                      "(e.g. /dev/sdb=sat)"), str(exc),
                                            params={"entry": repr(exc.entry)}))]
    baselines, problems = baseline_mod.load_baselines(ctx)
    findings += [fault_finding(p) for p in problems]
    files = ctx.option("from_file", [])
    if files:
        findings += _from_files(ctx, files, baselines)
        if not ctx.option("device"):
            if ctx.option("selftest"):
                findings.append(fault_finding(collect.Fault(
                    "bad-option", "smart self-test", N_("self-tests need a live drive: none was started for the "
                                                        "captures (add --device DEV to test a drive of this machine)"))))
            return findings
    findings += _live(ctx, overrides, baselines)
    return findings


# ------------------------------------------------------------------------------ captures

def _capture_paths(raw: list[str]) -> list[tuple[Path, str | None, str]]:
    """Expand folders; a missing path becomes (path, reason, detail), the reason a template (N_) with
    ``{path}``, the detail the operating system's words."""
    out: list[tuple[Path, str | None, str]] = []
    for item in raw:
        path = Path(item).expanduser()
        if path.is_dir():
            try:
                entries = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                                 and not p.name.lower().startswith(_NOT_CAPTURES) and p.suffix.lower() != ".md")
            except OSError as exc:  # a folder without read permission is bad input like an unreadable file
                out.append((path, N_("capture folder {path} cannot be read"),
                            f"{path}: unreadable: {exc.strerror or exc}"))
                continue
            if not entries:
                out.append((path, N_("capture folder {path} contains no capture files"), ""))
            out += [(p, None, "") for p in entries]
        elif path.is_file():
            out.append((path, None, ""))
        else:
            out.append((path, N_("capture {path}: no such file or folder"), ""))
    return out


def _from_files(ctx: Context, raw: list[str], baselines: dict[str, dict[str, Any]]) -> list[Finding]:
    from fieldkit.checks.smart.findings import drive_finding, fault_finding
    from fieldkit.smart import collect
    from fieldkit.smart.baseline import for_drive
    from fieldkit.smart.capture import decode, read_capture
    from fieldkit.smart.model import ParseError

    findings: list[Finding] = []
    for path, problem, said in _capture_paths(raw):
        ctx.checkpoint()
        source = str(path)
        if problem:
            findings.append(fault_finding(collect.Fault("bad-input", source, problem, said, params={"path": source})))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            findings.append(fault_finding(collect.Fault("bad-input", source, N_("capture {path} cannot be read"),
                                                         f"capture {source} unreadable: {exc.strerror}",
                                                         params={"path": source})))
            continue
        try:
            drive = read_capture(decode(data), source)
        except ParseError as exc:
            findings.append(fault_finding(collect.Fault(
                "garbled", source, N_("capture {path} is not smartctl output fieldkit can read"), str(exc),
                evidence=[Evidence(excerpt=decode(data[:600]), source=source)], params={"path": source})))
            continue
        drive.source = source
        ev = [Evidence(command=drive.argv, exit_code=drive.exit_status, excerpt=drive.excerpt, source=source)]
        if not drive.has_health_data:
            fault = collect.classify_no_data(drive, True, ev)
            fault.subject = f"{source}" + (f" ({drive.device})" if drive.device else "")
            fault.params = {"why": (fault.message, fault.params)}
            fault.message = N_("capture holds no health data: {why}")
            cause, fault.kind = fault.kind, "capture-no-data"   # the fix is a new capture, not this machine
            finding = fault_finding(fault)
            finding.data["cause"] = cause
            findings.append(finding)
            continue
        findings.append(drive_finding(ctx, drive, ev, for_drive(baselines, drive.serial, drive.model), capture=source))
    return findings


# ------------------------------------------------------------------------------ live

def _live(ctx: Context, overrides: dict[str, str], baselines: dict[str, dict[str, Any]]) -> list[Finding]:
    from fieldkit.checks.smart.findings import drive_finding, fault_finding, selftest_finding, skipped_finding
    from fieldkit.smart import collect
    from fieldkit.smart.baseline import for_drive

    smartctl = collect.find_smartctl(ctx)
    if smartctl is None:
        where = ctx.env.environ.get("FIELDKIT_SMARTCTL")
        return [fault_finding(collect.Fault(
            "no-smartctl", "smart", N_("smartctl is not installed (package smartmontools)") if not where
            else N_("FIELDKIT_SMARTCTL={where} does not exist"), params={"where": where} if where else {}))]
    timeout = float(ctx.option("command_timeout_s", 45.0))
    use_json, _version = collect.speaks_json(ctx, smartctl, timeout)
    device = ctx.option("device")
    skipped: list[collect.Skipped] = []
    if device:
        candidates = [collect.Candidate(device, overrides.get(device), "--device")]
    else:
        candidates, skipped, fault = _discover(ctx, smartctl, timeout, overrides, use_json)
        if fault:
            return _say_which_smartctl([fault_finding(fault)], smartctl, _version)
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
                skipped.append(collect.Skipped(cand.device, N_("RAID volume; member disks read via {how}"),
                                               {"how": ", ".join(sorted(passthrough))}))
                continue
            findings.append(fault_finding(outcome.fault))
            continue
        drives.append((outcome.drive, outcome.evidence))
    if ctx.option("selftest"):
        from fieldkit.smart import selftest
        kind = ctx.option("selftest")
        sessions, calls = selftest.run_all(ctx, smartctl, [d for d, _ in drives], kind, timeout)
        refreshed = []
        for drive, ev in drives:   # re-read so the verdict includes the new self-test log entry
            again = collect.read_device(ctx, smartctl, drive.device, drive.device_type, timeout, use_json)
            refreshed.append((again.drive, again.evidence) if again.drive is not None else (drive, ev))
        drives = refreshed
        findings += [selftest_finding(session, kind, calls) for session in sessions]
    findings += [drive_finding(ctx, d, ev, for_drive(baselines, d.serial, d.model)) for d, ev in drives]
    if skipped or (not drives and not findings):
        findings.append(skipped_finding(skipped, checked=len(drives) + len(findings)))
    return _say_which_smartctl(findings, smartctl, _version)


def _say_which_smartctl(findings: list[Finding], smartctl: str, version: str | None) -> list[Finding]:
    """Every finding names the smartctl that answered: the machine's own or the portable build's copy."""
    from fieldkit.smart import collect

    used = {"path": smartctl, "origin": collect.smartctl_origin(smartctl), "version": version}
    line = " ".join(part for part in ("smartctl used:", used["origin"], version or "", f"({smartctl})") if part)
    for finding in findings:
        finding.data.setdefault("smartctl", used)
        finding.detail = (finding.detail + "\n" if finding.detail else "") + line
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
