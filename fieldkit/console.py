"""Terminal output: the scan summary table and live progress (rich, on the given streams).

Status is always shown as an icon *and* a word, never by colour alone; pipes get no
control codes (rich disables styling when the stream is not a terminal or NO_COLOR is set).
"""

from __future__ import annotations

from typing import IO, Sequence

from fieldkit.findings import Finding, Status
from fieldkit.i18n.console import t, text, tn
from fieldkit.result import CheckRecord, ScanResult
from fieldkit.runner import Progress
from fieldkit.safetext import visible

ICONS = {Status.OK: "✔", Status.WARNING: "▲", Status.CRITICAL: "✖", Status.UNKNOWN: "?"}
STYLES = {Status.OK: "green", Status.WARNING: "yellow", Status.CRITICAL: "bold red", Status.UNKNOWN: "magenta"}


def status_label(status: Status) -> str:
    return f"{ICONS[status]} {status.name}"


def _console(stream: IO[str]):
    from rich.console import Console

    return Console(file=stream, highlight=False, soft_wrap=False,
                   width=None if getattr(stream, "isatty", lambda: False)() else 120)


def print_summary(result: ScanResult, stream: IO[str]) -> None:
    from rich.table import Table
    from rich.text import Text

    console = _console(stream)
    machine = result.machine
    # Every string from the machine or a file is shown with its control characters made
    # visible and is given as Text, so rich never reads "[...]" in it as markup.
    console.print(Text(tn("fieldkit {version} · {host} · profile {profile} · {n} finding",
                          "fieldkit {version} · {host} · profile {profile} · {n} findings", n=len(result.findings),
                          version=visible(result.version), host=visible(machine.get("hostname", "?")),
                          profile=visible(result.profile.get("name", "?"))), style="bold"))
    table = Table(show_lines=False, header_style="bold")
    table.add_column(t("Status"), no_wrap=True)
    table.add_column(t("Check"), no_wrap=True)
    table.add_column(t("Subject"), overflow="fold")
    table.add_column(t("Finding"), overflow="fold")
    for finding in sorted(result.findings, key=lambda f: (-f.status.severity, f.check, f.subject)):
        table.add_row(Text(status_label(finding.status), style=STYLES[finding.status]), Text(visible(finding.check)),
                      Text(visible(finding.subject)), Text(visible(text(finding.summary, finding.check))))
    console.print(table)
    not_done = [c for c in result.checks if c.outcome != "completed"]
    for record in not_done:
        why = record.skip_reason or record.error or record.outcome
        console.print(Text(f"  {record.outcome.upper()}: " + t("check '{name}': {why}", name=visible(record.name),
                                                                why=visible(why)),
                           style="yellow"))
    overall = result.status
    attention = sum(1 for f in result.findings if f.status in (Status.WARNING, Status.CRITICAL))
    line = t("Overall: {status}", status=status_label(overall))
    if attention:
        line += " — " + tn("{n} item needs attention", "{n} items need attention", n=attention)
    if result.interrupted:
        line += "  " + t("(interrupted: results are partial)")
    console.print(Text(line, style=STYLES[overall]))


class RichProgress(Progress):
    """One spinner line per running check on stderr; cleared when the scan ends."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.progress import Progress as _RichProgress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = _RichProgress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                       console=_console(stream), transient=True)
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> "RichProgress":
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def started(self, check: str, timeout_s: float) -> None:
        self._tasks[check] = self._progress.add_task(f"{check}: running (budget {timeout_s:g} s)", total=None)

    def message(self, check: str, text: str) -> None:
        if check in self._tasks:
            # the description is rendered as markup: escape it after making it visible
            from rich.markup import escape

            self._progress.update(self._tasks[check], description=escape(visible(f"{check}: {text}")))

    def finished(self, record: CheckRecord, findings: Sequence[Finding]) -> None:
        task = self._tasks.pop(record.name, None)
        if task is not None:
            self._progress.remove_task(task)
        worst = max((f.status for f in findings), key=lambda s: s.severity, default=Status.OK)
        from rich.text import Text

        self._progress.console.print(Text(f"{status_label(worst):<12} {visible(record.name)} ({record.outcome}, "
                                          f"{record.duration_s:.1f} s)"))
