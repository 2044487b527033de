"""Run a profile's checks concurrently, each within its own time budget.

Design (after sos ``_collect_plugin``): every check runs in its own daemon thread;
the runner, not the check, enforces the budget. A check that hangs is reported
UNKNOWN (timed out) at its deadline and abandoned (its commands are killed through
the cancel event); a check that raises is reported UNKNOWN with the error; the
other checks' findings are always kept. The result is handed to ``on_update`` after
every check, so a crash or kill of fieldkit loses nothing already measured.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from fieldkit import checks
from fieldkit.context import Cancelled, Context, Environment, History
from fieldkit.findings import Advice, Finding, Status, Tier
from fieldkit.profiles import CheckConfig, Profile
from fieldkit.result import CheckRecord, Outcome, ScanResult
from fieldkit.timestamps import utcnow


class Progress:
    """Receives progress events; the CLI renders them (rich), tests record them."""

    def started(self, check: str, timeout_s: float) -> None: ...
    def message(self, check: str, text: str) -> None: ...
    def finished(self, record: CheckRecord, findings: Sequence[Finding]) -> None: ...


@dataclass
class _Outcome:
    name: str
    outcome: Outcome
    findings: list[Finding] = field(default_factory=list)
    error: str = ""
    traceback: str = ""
    skip_reason: str = ""
    duration_s: float = 0.0


def run_scan(profile: Profile, *, env: Environment | None = None, machine: dict[str, Any] | None = None,
             on_update: Callable[[ScanResult], None] | None = None, progress: Progress | None = None,
             history: History | None = None, argv: Sequence[str] = (), visit: dict[str, Any] | None = None) -> ScanResult:
    env = env or Environment()
    progress = progress or Progress()
    if machine is None:
        from fieldkit.machine import identify
        machine = identify(env)
    result = ScanResult(machine=machine, profile=profile.to_dict(), started_at=utcnow(), argv=list(argv),
                        visit=visit)
    done: queue.Queue[_Outcome] = queue.Queue()
    running: dict[str, tuple[Context, CheckConfig]] = {}
    specs = _load_specs(profile)
    for name, spec in specs.items():
        result.stamp_check(name, area=spec.area, description=spec.description)
    together, alone = _phases(profile, specs)

    def start(name: str) -> None:
        config = profile.checks[name]
        ctx = Context(check=name, options=dict(config.options), env=env,
                      deadline=env.monotonic() + config.timeout_s, history=history, earlier=list(result.findings),
                      progress=lambda text, _n=name: progress.message(_n, text))
        running[name] = (ctx, config)
        progress.started(name, config.timeout_s)
        threading.Thread(target=_run_one, args=(name, ctx, done), name=f"check-{name}", daemon=True).start()

    waiting = list(alone)
    try:
        for name in together:
            start(name)
        _wait(running, done, result, env, progress, on_update)
        # checks that must run alone (RUNS_ALONE): one at a time, after all the others, each
        # with its full budget from the moment it starts
        while waiting:
            start(waiting.pop(0))
            _wait(running, done, result, env, progress, on_update)
    except KeyboardInterrupt:
        # Ctrl-C: keep everything measured so far, say which checks were cut short.
        result.interrupted = True
        for name, (ctx, config) in list(running.items()):
            ctx.cancel.set()
            _record(result, _Outcome(name, Outcome.INTERRUPTED, [_unknown(
                name, "Stopped by the user (Ctrl-C) before it finished",
                "interrupted", "The check was interrupted, so this part of the machine was not examined.")],
                error="interrupted by the user"), config, progress, None)
        for name in waiting:
            _record(result, _Outcome(name, Outcome.INTERRUPTED, [_unknown(
                name, "Not started: the scan was stopped by the user (Ctrl-C) before its turn",
                "interrupted", "The check did not run, so this part of the machine was not examined.")],
                error="interrupted by the user before it started"), profile.checks[name], progress, None)
        running.clear()

    result.finished_at = utcnow()
    result.complete = not result.interrupted
    if on_update is not None:
        on_update(result)
    return result


def _load_specs(profile: Profile) -> dict[str, checks.CheckSpec]:
    """The profile's check modules that load; a broken one is reported by its own thread."""
    specs = {}
    for name in profile.checks:
        try:
            specs[name] = checks.load(name)
        except Exception:  # noqa: BLE001 - reported as the check's error when it runs
            continue
    return specs


def _phases(profile: Profile, specs: dict[str, checks.CheckSpec]) -> tuple[list[str], list[str]]:
    """The profile's checks split into those that run together and those that run alone."""
    together, alone = [], []
    for name in profile.checks:
        spec = specs.get(name)
        (alone if spec is not None and spec.runs_alone else together).append(name)
    return together, alone


def _wait(running: dict[str, tuple[Context, CheckConfig]], done: "queue.Queue[_Outcome]", result: ScanResult,
          env: Environment, progress: Progress, on_update: Callable[[ScanResult], None] | None) -> None:
    """Record outcomes as they arrive until every running check has finished or timed out."""
    while running:
        nearest = min(ctx.deadline for ctx, _ in running.values())
        try:
            outcome = done.get(timeout=max(0.0, nearest - env.monotonic()) + 0.01)
        except queue.Empty:
            for name in [n for n, (c, _) in running.items() if env.monotonic() >= c.deadline]:
                ctx, config = running.pop(name)
                ctx.cancel.set()  # kills its commands; the thread itself is abandoned
                _record(result, _timed_out(name, config.timeout_s), config, progress, on_update)
            continue
        if outcome.name not in running:
            continue  # a late answer from a check already reported as timed out
        _ctx, config = running.pop(outcome.name)
        _record(result, outcome, config, progress, on_update)


def _run_one(name: str, ctx: Context, done: "queue.Queue[_Outcome]") -> None:
    start = time.monotonic()
    try:
        spec = checks.load(name)
        reason = spec.applicable(ctx) if spec.applicable else None
        if reason:
            done.put(_Outcome(name, Outcome.SKIPPED, skip_reason=reason, duration_s=time.monotonic() - start))
            return
        findings = spec.run(ctx)
        _validate(name, findings)
        done.put(_Outcome(name, Outcome.COMPLETED, list(findings), duration_s=time.monotonic() - start))
    except Cancelled:
        done.put(_Outcome(name, Outcome.INTERRUPTED, [_unknown(name, "Cancelled before it finished", "cancelled",
                                                         "The check was stopped before it finished.")],
                          error="cancelled", duration_s=time.monotonic() - start))
    except BaseException as exc:  # noqa: BLE001 - a crashing check must never stop the scan
        text = f"{exc.__class__.__name__}: {exc}"
        done.put(_Outcome(name, Outcome.ERROR, [_unknown(
            name, f"The check failed with an internal error: {text}", "check-crashed",
            "fieldkit could not complete this check, so this part of the machine was not examined.",
            detail=traceback.format_exc())], error=text, traceback=traceback.format_exc(),
            duration_s=time.monotonic() - start))


def _validate(name: str, findings: Any) -> None:
    if not isinstance(findings, list):
        raise TypeError(f"check {name} returned {type(findings).__name__}, expected a list of findings")
    for item in findings:
        if not isinstance(item, Finding):
            raise TypeError(f"check {name} returned a {type(item).__name__} among its findings")
        if item.check != name:
            raise ValueError(f"check {name} returned a finding labelled {item.check!r}")
        if not item.subject or not item.summary:
            raise ValueError(f"check {name} returned a finding without subject or summary")


def _timed_out(name: str, timeout_s: float) -> _Outcome:
    return _Outcome(name, Outcome.TIMEOUT, [_unknown(
        name, f"The check did not finish within its {timeout_s:g} s budget and was stopped", "timeout",
        "This part of the machine could not be examined in the time allowed.")],
        error=f"timed out after {timeout_s:g} s", duration_s=timeout_s)


def _unknown(name: str, summary: str, rule: str, meaning: str, detail: str = "") -> Finding:
    return Finding(check=name, subject=name, status=Status.UNKNOWN, summary=summary, rule=rule, detail=detail,
                   advice=Advice(meaning=meaning, action="The technician will repeat this check or examine it by hand."),
                   tier=Tier.ON_SITE)


def _record(result: ScanResult, outcome: _Outcome, config: CheckConfig, progress: Progress,
            on_update: Callable[[ScanResult], None] | None) -> None:
    record = CheckRecord(name=outcome.name, outcome=outcome.outcome, duration_s=outcome.duration_s,
                         timeout_s=config.timeout_s, error=outcome.error, traceback=outcome.traceback,
                         skip_reason=outcome.skip_reason, findings=len(outcome.findings))
    result.checks.append(record)
    result.findings.extend(outcome.findings)
    progress.finished(record, outcome.findings)
    if on_update is not None:
        on_update(result)
