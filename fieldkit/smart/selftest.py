"""``--selftest short|long``: start the drive's own self-test, show progress, wait (bounded), report.

pySMART does this well: ``Device.run_selftest`` starts the test
(parsing "Testing has begun" / "Please wait N minutes"), ``get_selftest_result`` polls
it. Guards, because pySMART's own Popen has no timeout: every smartctl call pySMART makes goes through
``ctx.run`` (timeout, process group kill, LC_ALL=C) instead of pySMART's bare Popen;
interfaces pySMART rejects (usbjmicron, sntjmicron, sntrealtek, cciss, areca) fall back to
plain ``smartctl -t`` plus JSON polling. Self-tests are non-destructive (read-only scans);
nothing else is ever sent to the drive.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from fieldkit.context import Context
from fieldkit.findings import Evidence


class _SmartctlTimeout(RuntimeError):
    pass


def _import_pysmart() -> Any:
    """Import pySMART without letting it change LANG for the whole process (it sets LANG=C)."""
    saved = os.environ.get("LANG")
    try:
        import pySMART
        from pySMART.smartctl import Smartctl
    finally:
        if saved is None:
            os.environ.pop("LANG", None)
        else:
            os.environ["LANG"] = saved
    return pySMART, Smartctl


def _ctx_smartctl(ctx: Context, smartctl: str, timeout: float, calls: list[Evidence]) -> Any:
    from fieldkit.smart.collect import smartctl_env

    _, Smartctl = _import_pysmart()

    class CtxSmartctl(Smartctl):
        """pySMART's Smartctl, but every call bounded and killable by the runner."""

        def _exec(self, cmd: list[str]) -> tuple[list[str], int]:
            res = ctx.run(cmd, timeout=timeout, env=smartctl_env(ctx))
            calls.append(res.evidence(max_chars=400))
            if res.timed_out:
                raise _SmartctlTimeout(res.error)
            return res.stdout.splitlines(), res.returncode if res.returncode is not None else 1

    return CtxSmartctl(smartctl_path=smartctl)


@dataclass
class Session:
    drive: Any
    how: str = ""                 # "pysmart" or "smartctl"
    device: Any = None            # pySMART Device
    state: str = "starting"       # running, passed, failed, aborted, unsupported, error, timeout
    message: str = ""
    progress: int | None = None
    eta: str | None = None
    started: float = 0.0
    polling_s: float = 5.0
    note: str = ""                # why a fallback was taken (technician detail)
    seen_running: bool = False
    before_newest: str | None = None  # the newest log entry before our test (to spot a new one)


def run_all(ctx: Context, smartctl: str, drives: list[Any], kind: str,
            timeout: float) -> tuple[list[Session], list[Evidence]]:
    """Start ``kind`` on every drive, wait (bounded), and return each session and the smartctl calls made.

    The sessions are measurements (state, message, progress); the check turns them into findings.
    """
    calls: list[Evidence] = []
    sessions = [_start(ctx, smartctl, d, kind, timeout, calls) for d in drives]
    wait_s = float(ctx.option("selftest_wait_s", 600.0))
    # Keep time to re-read the drives afterwards (so the verdict includes the new log entry).
    reserve = min(timeout + 5.0, 0.2 * ctx.time_left())
    end = ctx.env.monotonic() + max(0.0, min(wait_s, ctx.time_left() - reserve))
    while any(s.state == "running" for s in sessions) and ctx.env.monotonic() < end:
        step = min(s.polling_s for s in sessions if s.state == "running")
        if ctx.cancel.wait(max(0.2, min(step, end - ctx.env.monotonic()))):
            break
        for s in sessions:
            if s.state == "running":
                _poll(ctx, smartctl, s, timeout)
                ctx.progress(f"smart: {s.drive.device} {kind} self-test "
                             + (f"{s.progress}% done" if s.progress is not None else "running"))
    return sessions, calls


def _start(ctx: Context, smartctl: str, drive: Any, kind: str, timeout: float, calls: list[Evidence]) -> Session:
    s = Session(drive=drive, started=ctx.env.monotonic())
    minutes = drive.selftest_polling_minutes.get(kind)
    s.polling_s = float(ctx.option("selftest_poll_s") or max(1, min(15, (minutes or 2) * 6)))
    pysmart_kind = kind
    try:
        pySMART, _ = _import_pysmart()
        sc = _ctx_smartctl(ctx, smartctl, timeout, calls)
        s.device = pySMART.Device(drive.device, interface=drive.device_type, smartctl=sc)
        s.how = "pysmart"
    except ValueError as exc:          # "Unknown interface": usbjmicron, snt*, cciss, areca (pySMART 1.4.3)
        s.note = f"pySMART rejected -d {drive.device_type} ({exc}); used smartctl -t directly"
        return _start_plain(ctx, smartctl, s, kind, timeout)
    except _SmartctlTimeout as exc:
        s.state, s.message = "timeout", str(exc)
        return s
    except Exception as exc:           # pySMART text parsing can raise on odd output
        s.note = f"pySMART failed ({exc.__class__.__name__}: {exc}); used smartctl -t directly"
        return _start_plain(ctx, smartctl, s, kind, timeout)
    try:
        code, message, eta = s.device.run_selftest(pysmart_kind)
    except _SmartctlTimeout as exc:
        s.state, s.message = "timeout", str(exc)
        return s
    s.message, s.eta = message, eta
    if code in (0, 1):                 # started, or one already running: wait for it either way
        s.state = "running"
        before = getattr(s.device, "tests", None) or []
        s.before_newest = str(before[0]) if before else None
        if code == 1:
            s.message = "a self-test was already running; waiting for it instead of starting another"
    elif code == 2:
        s.state = "unsupported"
    else:
        s.state = "error"
    return s


def _start_plain(ctx: Context, smartctl: str, s: Session, kind: str, timeout: float) -> Session:
    from fieldkit.smart.collect import smartctl_env

    s.how = "smartctl"
    dtype = ["-d", s.drive.device_type] if s.drive.device_type else []
    res = ctx.run([smartctl, *dtype, "-t", kind, s.drive.device], timeout=timeout, env=smartctl_env(ctx))
    out = res.stdout
    if res.timed_out:
        s.state, s.message = "timeout", res.error
    elif "has begun" in out or "Self-test has begun" in out or "Testing has begun" in out:
        s.state = "running"
    elif "in progress" in out.lower() or "already" in out.lower():
        s.state, s.message = "running", "a self-test was already running; waiting for it"
    elif "not supported" in out.lower() or "unsupported" in out.lower():
        s.state, s.message = "unsupported", out.strip().splitlines()[-1] if out.strip() else "not supported"
    else:
        s.state, s.message = "error", (res.stderr or out).strip()[-300:] or f"exit status {res.returncode}"
    return s


def _poll(ctx: Context, smartctl: str, s: Session, timeout: float) -> None:
    if s.how == "pysmart":
        try:
            code, result, progress = s.device.get_selftest_result()
        except _SmartctlTimeout as exc:
            s.state, s.message = "timeout", str(exc)
            return
        except Exception as exc:
            s.state, s.message = "error", f"pySMART: {exc.__class__.__name__}: {exc}"
            return
        if code == 1:
            s.progress = progress
            s.seen_running = True
            return
        tests = getattr(s.device, "tests", None) or []
        if (code == 2 and s.seen_running and tests and "running" not in str(tests[0].status).lower()
                and str(tests[0]) != s.before_newest):
            # pySMART compares log lengths: on NVMe the "Running" pseudo-entry it adds while a test
            # runs has the same count as the finished log, so it reports "no new results". The
            # newest entry after we saw the test running is the result.
            code, result = 0, tests[0]
        elif code == 2:
            s.state, s.message = "error", "the test ended without a new entry in the self-test log"
            return
        status = str(getattr(result, "status", result))
        s.message = f"{getattr(result, 'type', '')}: {status}".strip(": ")
        lba = getattr(result, "LBA", None)
        if lba not in (None, "-", ""):
            s.message += f", first bad LBA {lba}"
        s.state = "aborted" if code == 3 else _outcome(status)
        return
    _poll_plain(ctx, smartctl, s, timeout)


def _outcome(status: str) -> str:
    from fieldkit.smart.parse_json import ata_outcome

    outcome = ata_outcome(status)
    if status.strip().lower() == "completed":   # SCSI wording
        return "passed"
    return {"passed": "passed", "failed": "failed", "aborted": "aborted"}.get(outcome, "error")


def _poll_plain(ctx: Context, smartctl: str, s: Session, timeout: float) -> None:
    from fieldkit.smart import collect

    outcome = collect.read_device(ctx, smartctl, s.drive.device, s.drive.device_type, timeout,
                                  use_json=s.drive.fmt == "json")
    drive = outcome.drive
    if drive is None:
        s.state, s.message = "error", outcome.fault.text if outcome.fault else "drive unreadable"
        return
    newest = drive.self_tests[0] if drive.self_tests else None
    before = s.drive.self_tests[0] if s.drive.self_tests else None
    if drive.selftest_running_pct is not None or (newest is not None and newest.outcome == "running"):
        s.progress = drive.selftest_running_pct
        return
    if newest is None or (before is not None and (newest.kind, newest.hours, newest.status)
                          == (before.kind, before.hours, before.status) and len(drive.self_tests)
                          == len(s.drive.self_tests)):
        return   # not in the log yet
    s.message = f"{newest.kind}: {newest.status}" + (f", first bad LBA {newest.lba}" if newest.lba else "")
    s.state = {"passed": "passed", "failed": "failed"}.get(newest.outcome, "aborted")
