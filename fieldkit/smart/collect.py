"""Live collection: find drives and read each with ``smartctl --json --all -n standby``.

Everything goes through ``ctx.run`` (hard timeout, process group killed), with
``LC_ALL=C`` so numbers and messages are not localised (a German locale prints 2888 as "2.888").
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldkit.context import CommandResult, Context
from fieldkit.findings import Evidence
from fieldkit.messages import N_
from fieldkit.smart import parse_json
from fieldkit.smart.model import Drive, ParseError, decode_exit_status

# Where smartctl lives when a daemon's PATH lacks /usr/sbin (py-SMART #90).
_FALLBACK_PATHS = ("/usr/sbin/smartctl", "/usr/local/sbin/smartctl", "/sbin/smartctl", "/usr/bin/smartctl")
# USB bridges without a drivedb entry: try these in order, stop at the first that answers
# IDENTIFY (never blind-probe usbjmicron,x or wrong ports: some bridges hang or reset on it).
USB_FALLBACK_TYPES = ("sat", "sntasmedia", "sntjmicron", "sntrealtek")


@dataclass
class Fault:
    """Why a drive (or the whole check) could not be judged: becomes an UNKNOWN finding.

    ``message`` is an English template marked with ``N_`` and ``params`` fills it, so the check
    can make it a translatable sentence of the customer's report (this package writes no
    sentences itself); a parameter may be another ``(template, params)`` pair. The raw
    words of smartctl or the operating system go into ``detail``, for the technician."""

    kind: str        # no-smartctl, not-root, vanished, timeout, garbled, unknown-type, open-failed, no-smart,
                     # standby, raid-volume, run-error
    subject: str
    message: str     # one line for the summary: a template (N_)
    detail: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The message in English, as the technician's detail shows it."""
        return english(self.message, self.params)


def english(template: str, params: dict[str, Any]) -> str:
    """A template and its parameters in English; a ``(template, params)`` parameter is filled in first."""
    return template.format(**{k: english(*v) if isinstance(v, tuple) else v for k, v in params.items()})


@dataclass
class Candidate:
    device: str
    device_type: str | None = None
    note: str = ""           # how it was found


@dataclass
class Skipped:
    device: str
    reason: str      # a template (N_), filled with ``params``, as Fault.message
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return english(self.reason, self.params)


class BadTypeOverride(ValueError):
    """A ``device_types`` entry that is not DEVICE=TYPE."""

    def __init__(self, entry: str) -> None:
        super().__init__(f"device_types entry {entry!r} is not DEVICE=TYPE (e.g. /dev/sdb=sat)")
        self.entry = entry


def find_smartctl(ctx: Context) -> str | None:
    override = ctx.env.environ.get("FIELDKIT_SMARTCTL")
    if override:
        return override if Path(override).exists() else None
    found = ctx.env.which("smartctl")
    if found:
        return found
    for candidate in _FALLBACK_PATHS:
        path = ctx.env.path(candidate)
        if path.is_file() and os.access(path, os.X_OK):  # a program, not a leftover or a masked path
            return str(path)
    from fieldkit import paths

    bundled = paths.bundled_tool("smartctl")  # the portable build's own copy, used only when the machine has none
    return str(bundled) if bundled else None


def smartctl_origin(smartctl: str) -> str:
    """``bundled`` (the portable build's copy) or ``system`` (the machine's own): said in every finding."""
    from fieldkit import paths

    bundled = paths.bundled_tool("smartctl")
    return "bundled" if bundled is not None and Path(smartctl) == bundled else "system"


def smartctl_env(ctx: Context) -> dict[str, str]:
    env = dict(ctx.env.environ)
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


def parse_type_overrides(values: list[str] | None) -> dict[str, str]:
    """``["/dev/sdb=sat", "/dev/bus/0=megaraid,0"]`` -> {device: type}; raise ValueError on a bad entry."""
    out: dict[str, str] = {}
    for item in values or []:
        device, sep, dtype = item.partition("=")
        if not sep or not device.strip() or not re.fullmatch(r"[A-Za-z0-9_,+/.-]+", dtype.strip()):
            raise BadTypeOverride(item)
        out[device.strip()] = dtype.strip()
    return out


def speaks_json(ctx: Context, smartctl: str, timeout: float) -> tuple[bool, str | None]:
    """(JSON supported, version): smartctl gained --json in 7.0; older ones are read as text."""
    res = ctx.run([smartctl, "--version"], timeout=timeout, env=smartctl_env(ctx))
    m = re.search(r"smartctl (\d+)\.(\d+)", res.stdout)
    if not m:
        return True, None
    return int(m.group(1)) >= 7, f"{m.group(1)}.{m.group(2)}"


# ------------------------------------------------------------------------------ discovery

def scan(ctx: Context, smartctl: str, timeout: float, use_json: bool = True) -> tuple[list[Candidate], Fault | None]:
    argv = [smartctl, "--scan-open"] + (["--json"] if use_json else [])
    res = ctx.run(argv, timeout=timeout, env=smartctl_env(ctx))
    fault = command_fault(res, "smartctl --scan-open", ctx)
    if fault:
        return [], fault
    if not use_json:   # smartctl 6.x: "/dev/sda -d sat # /dev/sda [SAT], ATA device"
        return [Candidate(m.group(1), m.group(2), note=line.strip())
                for line in res.stdout.splitlines()
                if (m := re.match(r"^(/\S+)\s+-d\s+(\S+)", line))], None
    try:
        obj = json.loads(res.stdout) if res.stdout.strip() else {}
    except json.JSONDecodeError:
        return [], Fault("garbled", "smartctl --scan-open", N_("smartctl's list of disks could not be read"),
                         "smartctl --scan-open printed output that is not JSON", evidence=[res.evidence()])
    found = []
    for dev in obj.get("devices") or []:
        if isinstance(dev, dict) and dev.get("name"):
            found.append(Candidate(dev["name"], dev.get("type"), note=dev.get("info_name", "")))
    return found, None


_NOT_DISKS = re.compile(r"^(loop|ram|zram|dm-|md|nbd|fd|zd|rbd|drbd)\d*")
_VIRTUAL_MODEL = re.compile(r"QEMU|VMware|VBOX|Virtual|Msft Virtual|Xen|KVM", re.I)


def sysfs_disks(ctx: Context) -> tuple[list[Candidate], list[Skipped]]:
    """Block devices the kernel lists (:mod:`fieldkit.platform.blockdev`): physical candidates and skipped ones."""
    from fieldkit.platform import Unsupported, blockdev

    candidates: list[Candidate] = []
    skipped: list[Skipped] = []
    try:
        devices = blockdev.block_devices(ctx.env.root, ctx.env.platform)
    except Unsupported:
        return [], []  # smartctl --scan-open alone finds the drives on this system
    for device in devices:
        name = device.name
        if _NOT_DISKS.match(name):
            continue
        dev = f"/dev/{name}"
        if name.startswith("sr") or name.startswith("scd"):
            skipped.append(Skipped(dev, N_("optical drive (no SMART)")))
            continue
        if name.startswith(("vd", "xvd")):
            skipped.append(Skipped(dev, N_("virtual disk (virtio/Xen: the hypervisor hides the physical drive)")))
            continue
        if name.startswith("mmcblk"):
            skipped.append(Skipped(dev, N_("SD card / eMMC (no SMART interface)")))
            continue
        ident = f"{device.vendor} {device.model}".strip()
        if _VIRTUAL_MODEL.search(ident):
            skipped.append(Skipped(dev, N_("virtual disk ({ident})"), {"ident": ident}))
            continue
        if device.removable:
            # USB sticks and card readers set the removable bit; USB disk enclosures do not.
            skipped.append(Skipped(dev, N_("removable media ({ident}): USB stick or card reader, no SMART"),
                                   {"ident": ident}) if ident else
                           Skipped(dev, N_("removable media: USB stick or card reader, no SMART")))
            continue
        m = re.match(r"^(nvme\d+)n\d+$", name)
        if m:
            candidates.append(Candidate(f"/dev/{m.group(1)}", "nvme", note=f"sysfs {name}"))
        elif re.match(r"^(sd|hd)[a-z]+$", name):
            candidates.append(Candidate(dev, None, note=f"sysfs {name} {ident}".strip()))
    return candidates, skipped


# ------------------------------------------------------------------------------ reading

@dataclass
class ReadOutcome:
    drive: Drive | None = None
    fault: Fault | None = None
    evidence: list[Evidence] = field(default_factory=list)


def read_device(ctx: Context, smartctl: str, device: str, dtype: str | None, timeout: float,
                use_json: bool = True) -> ReadOutcome:
    outcome = _read_once(ctx, smartctl, device, dtype, timeout, use_json)
    if outcome.drive is not None or dtype is not None or outcome.fault is None:
        return outcome
    if "Unknown USB bridge" in outcome.fault.detail or outcome.fault.kind == "usb-bridge":
        for fallback in USB_FALLBACK_TYPES:
            ctx.checkpoint()
            retry = _read_once(ctx, smartctl, device, fallback, timeout, use_json)
            retry.evidence = outcome.evidence + retry.evidence
            if retry.drive is not None:
                return retry
        tried = ", ".join(USB_FALLBACK_TYPES)
        if outcome.fault.kind == "usb-bridge":
            outcome.fault.message = N_("unknown USB bridge: smartctl cannot pass commands through it (also tried "
                                       "-d {tried})")
            outcome.fault.params["tried"] = tried
        else:
            outcome.fault.detail += f" (also tried -d {tried})"
    return outcome


def read_argv(smartctl: str, device: str, dtype: str | None, use_json: bool = True) -> list[str]:
    # -n standby: never spin up a sleeping disk (smartctl exits 2 and says so instead).
    mode = ["--json", "--all"] if use_json else ["--all"]
    return [smartctl, *mode, "-n", "standby"] + (["-d", dtype] if dtype else []) + [device]


def _read_once(ctx: Context, smartctl: str, device: str, dtype: str | None, timeout: float,
               use_json: bool = True) -> ReadOutcome:
    argv = read_argv(smartctl, device, dtype, use_json)
    res = ctx.run(argv, timeout=timeout, env=smartctl_env(ctx))
    ev = res.evidence()
    fault = command_fault(res, device, ctx)
    if fault:
        return ReadOutcome(fault=fault, evidence=[ev])
    try:
        if use_json:
            drive = parse_json.parse(parse_json.loads(res.stdout, f"smartctl {device}"), device)
        else:   # smartctl 6.x has no --json: its text is read by the same parser as captures
            from fieldkit.smart import parse_text
            drive = parse_text.parse(res.stdout, f"smartctl {device}")
    except ParseError as exc:
        return ReadOutcome(fault=Fault("garbled", device, N_("the output of smartctl is truncated or garbled"),
                                       f"{exc}; smartctl exit status {res.returncode}; "
                                       f"stderr: {res.stderr.strip()[:300]}", [ev]), evidence=[ev])
    drive.exit_status = res.returncode
    drive.device = device   # the path we asked for (a replayed capture may name another)
    drive.device_type = dtype or drive.device_type   # what we asked for; else what smartctl detected
    drive.argv = list(argv)
    if drive.has_health_data:
        return ReadOutcome(drive=drive, evidence=[ev])
    return ReadOutcome(fault=classify_no_data(drive, ctx.env.is_root, [ev]), evidence=[ev])


def command_fault(res: CommandResult, subject: str, ctx: Context) -> Fault | None:
    """Faults of running the program itself (not of what it said about the disk)."""
    if res.not_found:
        return Fault("no-smartctl", subject, N_("smartctl is not installed (package smartmontools)"), res.error,
                     [res.evidence()])
    if res.timed_out:
        return Fault("timeout", subject, N_("smartctl did not answer: the disk or its USB adapter hangs"),
                     f"{res.error}: a hung drive or USB bridge; the process group was killed", [res.evidence()])
    if res.error:
        if "ermission" in res.error:
            return Fault("not-root", subject, N_("smartctl could not be started: permission denied"), res.error,
                         [res.evidence()])
        return Fault("run-error", subject, N_("smartctl could not be started"), res.error, [res.evidence()])
    return None


def classify_no_data(drive: Drive, is_root: bool | None, evidence: list[Evidence]) -> Fault:
    """Output without health data: say precisely why (exit bits and smartctl's own message)."""
    subject = drive.device or drive.source
    said = "; ".join(m for m in drive.messages if m) or "no message"
    bits = decode_exit_status(drive.exit_status)
    detail = f"smartctl exit status {drive.exit_status}" + (f" ({'; '.join(bits)})" if bits else "") + f": {said}"
    text = said.lower()
    if re.search(r"standby|sleep|idle_?b? mode|low-power", text):
        return Fault("standby", subject, N_("disk is asleep (standby): skipped, not woken"), detail, evidence)
    if "unknown usb bridge" in text:
        return Fault("usb-bridge", subject, N_("unknown USB bridge: smartctl cannot pass commands through it"),
                     detail + " [Unknown USB bridge]", evidence)
    if "unable to detect device type" in text:
        return Fault("unknown-type", subject, N_("unknown device type: smartctl cannot tell how to talk to it"),
                     detail, evidence)
    if "megaraid" in text or "lacks smart capability" in text:
        return Fault("raid-volume", subject, N_("RAID volume or controller without SMART pass-through"), detail,
                     evidence)
    if "permission denied" in text or "operation not permitted" in text or "error=5" in text:
        kind = "not-root" if not is_root or "error=5" in text else "open-failed"
        return Fault(kind, subject, N_("permission denied: reading SMART needs administrator (root) rights")
                     if kind == "not-root" else N_("the operating system refused to open the device"), detail, evidence)
    if "no such device" in text or "no such file" in text:
        return Fault("vanished", subject, N_("the device is gone (unplugged, or it dropped off the bus)"), detail,
                     evidence)
    if drive.smart_available is False:
        return Fault("no-smart", subject, N_("the device has no SMART support"), detail, evidence)
    if drive.smart_enabled is False:
        return Fault("no-smart", subject, N_("SMART is disabled on this device"), detail, evidence)
    if drive.exit_status is not None and drive.exit_status & 2:
        return Fault("open-failed", subject, N_("smartctl could not open the device"), detail, evidence)
    return Fault("no-data", subject, N_("smartctl returned no health data for this device"), detail, evidence)
