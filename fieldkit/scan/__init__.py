"""The scan use case: from a profile to a saved, stored and exported result.

``fieldkit scan`` and ``fieldkit check`` both come here. A scan takes the scan lock,
offers the machine's history to the checks, runs them (:mod:`fieldkit.runner`), then
saves what they measured: the history (with what changed since the last visit), the
result file, the Prometheus textfile, the caller's own output (stdout) and the HTML
report, in that order. Nothing here prints: progress and output go through
:class:`ScanCallbacks`, so the command line decides what the technician sees.

Two rules shape it. Nothing may lose a measured scan: an unwritable folder, a damaged
history or a failing report is one warning and the scan goes on. And once the checks
have ended, one Ctrl-C must not cost the saving (:mod:`fieldkit.interrupt`).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from fieldkit.context import Environment
from fieldkit.findings import Status

if TYPE_CHECKING:
    from fieldkit.console import RichProgress
    from fieldkit.scan.session import ScanSession
    from fieldkit.interrupt import CtrlC
    from fieldkit.profiles import Profile
    from fieldkit.result import ScanResult
    from fieldkit.resultfile import ResultFile

#: exit code of a scan stopped by a second Ctrl-C while it was saving its result
EXIT_STOPPED = int(Status.UNKNOWN)


@dataclass
class ScanRequest:
    """What to scan and where its result goes.

    :ivar out_dir: folder for the result file (and the HTML report); None: no file.
    :ivar report_lang: language of the HTML report next to the result file; None: no report.
    """

    profile: Profile
    out_dir: Path | None = None
    report_lang: str | None = None
    store_history: bool = True
    lock_wait_s: float = 120.0
    prometheus_file: Path | None = None
    textfile_dir: Path | None = None
    argv: Sequence[str] = ()
    env: Environment = field(default_factory=Environment)


def _ignore(text: str) -> None:
    pass


@dataclass
class ScanCallbacks:
    """How a scan talks to its caller. Every callback has a silent default.

    :ivar warn: a problem that does not stop the scan (unwritable folder, damaged history).
    :ivar inform: a status line (waiting for another scan's lock, Ctrl-C acknowledged or obeyed).
    :ivar before_run: what the technician must do before a check runs (a check's ``BEFORE_RUN``).
    :ivar progress: live progress of the checks.
    :ivar show_result: the caller's own output of the final result (stdout); returns what it
        delivered, for the message after a Ctrl-C ("the JSON document on stdout"), or None.
    :ivar report_written: the HTML report was written to this path.
    """

    warn: Callable[[str], None] = _ignore
    inform: Callable[[str], None] = _ignore
    before_run: Callable[[str], None] = _ignore
    progress: RichProgress | None = None
    show_result: Callable[[ScanResult, ResultFile], str | None] = lambda result, result_file: None
    report_written: Callable[[Path], None] = lambda path: None


def run(request: ScanRequest, callbacks: ScanCallbacks | None = None) -> int:
    """Run the scan and save it; returns the exit code (the result's status, 0-3).

    :raises fieldkit.lock.LockTimeout: another scan held the lock longer than ``lock_wait_s``.
    """
    from fieldkit.scan.session import ScanSession

    callbacks = callbacks or ScanCallbacks()
    with ScanSession(profile_name=request.profile.name, store_history=request.store_history,
                     lock_wait_s=request.lock_wait_s, warn=callbacks.warn, inform=callbacks.inform) as session:
        return _run_locked(request, session, callbacks)


def _run_locked(request: ScanRequest, session: ScanSession, callbacks: ScanCallbacks) -> int:
    from fieldkit.interrupt import CtrlC
    from fieldkit.machine import identify
    from fieldkit.resultfile import ResultFile
    from fieldkit.runner import run_scan

    env = request.env
    result_file = ResultFile(request.out_dir, warn=callbacks.warn)  # an unwritable folder is a warning only
    for notice in before_run_notices(request.profile):
        callbacks.before_run(notice)
    progress = callbacks.progress
    machine = identify(env)
    history = session.history_for(machine)
    ctrl_c = CtrlC(notice=callbacks.inform)

    def save(result: ScanResult) -> None:
        if result.finished_at is not None:  # the runner's last write: the checks are over
            ctrl_c.finishing()
        result_file.save(result)

    with ctrl_c:
        try:
            with progress if progress else nullcontext():
                result = run_scan(request.profile, env=env, machine=machine, on_update=save,
                                  progress=progress, argv=request.argv, history=history,
                                  visit=open_visit(callbacks.warn))
            ctrl_c.finishing()  # one Ctrl-C from here on must not cost the report (see fieldkit.interrupt)
            return _finish(request, result, session, result_file, ctrl_c, callbacks)
        except KeyboardInterrupt:
            partial = [f"the result file {result_file.path} (as of the last finished check)"] \
                if result_file.written and not any(str(result_file.path) in s for s in ctrl_c.saved) else []
            callbacks.inform(ctrl_c.stopped_line(partial))
            return EXIT_STOPPED


def _finish(request: ScanRequest, result: ScanResult, session: ScanSession, result_file: ResultFile, ctrl_c: CtrlC,
            callbacks: ScanCallbacks) -> int:
    """After the checks: history, final result file, Prometheus, the caller's output, HTML report."""
    session.finish(result)  # changes_since_last into result.extra, then into the history
    if session.scan_row is not None:
        ctrl_c.done("the history")
    result_file.save(result)  # the final file carries changes_since_last
    if result_file.written:
        ctrl_c.done(f"the result file {result_file.path}")
    write_prometheus(result, request.prometheus_file, request.textfile_dir, callbacks.warn)
    delivered = callbacks.show_result(result, result_file)
    if delivered:
        ctrl_c.done(delivered)
    if result_file.written and result_file.path is not None and request.report_lang is not None:
        html = write_html_report(result, result_file.path, request.report_lang, callbacks.warn)
        if html is not None:
            callbacks.report_written(html)
            ctrl_c.done(f"the report {html}")
    return result.exit_code


def before_run_notices(profile: Profile) -> list[str]:
    """What the technician must do before the profile's checks run (each check's ``BEFORE_RUN``)."""
    from fieldkit import checks

    notices = []
    for name, config in profile.checks.items():
        try:
            text = checks.load(name).notice(config.options)
        except Exception:  # noqa: BLE001 - a notice must never stop a scan; the runner reports broken checks
            continue
        if text:
            notices.append(text)
    return notices


def open_visit(warn: Callable[[str], None]) -> dict[str, Any] | None:
    """The open visit: scans run during it belong to it. A damaged visit file is reported,
    never a reason to lose a scan."""
    from fieldkit import visit

    try:
        return visit.current()
    except visit.VisitError as exc:
        warn(f"{exc}; this scan is not attached to a visit")
        return None


def write_prometheus(result: ScanResult, prometheus_file: Path | None, textfile_dir: Path | None,
                     warn: Callable[[str], None]) -> None:
    from fieldkit.export import prometheus

    targets = [prometheus_file] if prometheus_file else []
    if textfile_dir:
        targets.append(textfile_dir / prometheus.textfile_name(result))
    if not targets:
        return
    text = prometheus.render(result)
    for target in targets:
        try:
            prometheus.write_textfile(target, text)
        except OSError as exc:
            warn(f"{target}: cannot write the Prometheus file: {exc.strerror or exc}")


def write_html_report(result: ScanResult, target: Path, lang: str, warn: Callable[[str], None]) -> Path | None:
    """The HTML report next to the JSON result. A report failure must not cost the scan."""
    from fieldkit import report

    html_path = target.with_suffix(".html")
    try:
        report.write_report([result], html_path, "html", lang=lang)
    except Exception as exc:  # noqa: BLE001 - the JSON result is already safe on disk
        warn(f"the HTML report could not be written ({exc.__class__.__name__}: {exc}); "
             f"make it later with 'fieldkit report {target}'")
        return None
    return html_path
