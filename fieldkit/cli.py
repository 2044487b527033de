"""Command line: parsing and wiring only. Checks, runner and outputs live elsewhere.

Exit codes (Nagios plugin semantics, see README): 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN. A usage error also exits 3 with one line on stderr, because Click's
default 2 would read as CRITICAL to a monitoring system.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from fieldkit import __version__

if TYPE_CHECKING:
    from fieldkit.profiles import Profile
    from fieldkit.result import ScanResult
    from fieldkit.resultfile import ResultFile

EXIT_USAGE = 3  # Status.UNKNOWN; not imported, to keep start-up light


class FieldkitGroup(click.Group):
    """Maps every way of failing to a documented exit code and a one-line message."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        # Under --nagios a monitoring system reads only stdout, so every failure
        # also gets a plugin status line there ("FIELDKIT UNKNOWN - why", exit 3).
        nagios = "--nagios" in (sys.argv[1:] if args is None else list(args))
        try:
            rv = super().main(args, prog_name or "fieldkit", complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=False)
            sys.exit(0)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "fieldkit"
            _fail_line(t("{command}: error: {message} (see '{command} --help')", command=where,
                         message=exc.format_message()), nagios)
        except click.ClickException as exc:
            _fail_line("fieldkit: " + t("error: {message}", message=exc.format_message()), nagios)
        except click.Abort:
            _fail_line("fieldkit: " + t("aborted"), nagios)
        except Exception as exc:  # noqa: BLE001 - never a bare traceback to a monitoring system
            if os.environ.get("FIELDKIT_DEBUG"):
                raise
            error = exc.__class__.__name__ + ": " + str(exc)
            _fail_line("fieldkit: " + t("internal error: {error} (set FIELDKIT_DEBUG=1 for the traceback)",
                                        error=error), nagios)
        sys.exit(rv if isinstance(rv, int) else 0)


def t(template: str, **params: Any) -> str:
    """A line for the technician in this machine's language (gettext domain ``cli``; loaded on first use)."""
    from fieldkit.i18n.console import t as translate

    return translate(template, **params)


def _fail_line(message: str, nagios: bool) -> None:
    from fieldkit.safetext import one_line

    message = one_line(message)  # one line, and no terminal control sequence from a file or a device
    click.echo(message, err=True)
    if nagios:
        from fieldkit.export.nagios import unknown

        click.echo(unknown(message.removeprefix("fieldkit: ")))
    sys.exit(EXIT_USAGE)


def fail(message: str) -> click.ClickException:
    """A one-line user-facing error (bad profile, unreadable file) that exits 3."""
    return click.ClickException(message)


@click.group(cls=FieldkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="fieldkit")
def cli() -> None:
    """fieldkit: on-site diagnostics for disks, disk sounds, network and VoIP, with a customer report.

    Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN or usage error.
    """


# --------------------------------------------------------------------------- scan / check

def _report_languages() -> list[str]:
    from fieldkit.i18n.domains import LANGUAGES  # a tuple: cheap enough for --help

    return list(LANGUAGES)


def _output_options(func: Any) -> Any:
    func = click.option("--quiet", "-q", is_flag=True, help="No progress and no summary; only the exit code.")(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout (nothing else).")(func)
    return func


# Options of scan and check for monitoring: history, lock, Nagios and Prometheus output.
_MONITORING_PARAMS: list[tuple[list[str], dict[str, Any]]] = [
    (["--no-history", "no_history"], {"is_flag": True, "default": False,
                                      "help": "Do not store this scan in the history."}),
    (["--nagios", "nagios"], {"is_flag": True, "default": False,
                              "help": "Print one Nagios plugin status line with perfdata; exit 0-3."}),
    (["--prometheus", "prometheus_file"], {"default": None, "metavar": "FILE", "type": click.Path(dir_okay=False),
                                           "help": "Also write the result as a Prometheus textfile (atomically)."}),
    (["--textfile-dir", "textfile_dir"], {"default": None, "metavar": "DIR", "type": click.Path(file_okay=False),
                                          "help": "node_exporter textfile folder: write fieldkit-<profile>.prom there."}),
    (["--lock-wait", "lock_wait"], {"default": 120.0, "show_default": True, "metavar": "SECONDS",
                                    "type": click.FloatRange(0, 86400),
                                    "help": "How long to wait for another running scan to finish."}),
]


def _monitoring_options(func: Any) -> Any:
    for decls, attrs in reversed(_MONITORING_PARAMS):
        func = click.option(*decls, **attrs)(func)
    return func


def _monitoring_params() -> list[click.Parameter]:
    return [click.Option(decls, **attrs) for decls, attrs in _MONITORING_PARAMS]


def _check_monitoring_options(as_json: bool, monitoring: dict[str, Any]) -> None:
    if as_json and monitoring.get("nagios"):
        raise click.UsageError(t("--json and --nagios both claim stdout: choose one"))


def _warn(text: str) -> None:
    from fieldkit.safetext import one_line

    click.echo(f"fieldkit: warning: {one_line(text)}", err=True)


def _safe(text: object) -> str:
    """Outside text (a note, a hostname, a file's content) for the terminal: controls shown visibly."""
    from fieldkit.safetext import visible

    return visible(text)


@cli.command()
@click.option("--profile", "-p", "profile_name", default=None, metavar="NAME|PATH",
              help="Scan profile (default: quick). See 'fieldkit profiles list'.")
@click.option("--out", "out_dir", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the result file.")
@click.option("--no-report", is_flag=True, help="Do not write the HTML visit report next to the result file.")
@click.option("--lang", type=click.Choice(_report_languages()), default=None,
              help="Language of the HTML report (default: the open visit's, the profile's, else this machine's "
                   "LANG, else en).")
@_output_options
@_monitoring_options
def scan(profile_name: str | None, out_dir: str, no_report: bool, lang: str | None, as_json: bool, quiet: bool,
         **monitoring: Any) -> int:
    """Scan this machine with a profile and write the result (JSON) and the visit report (HTML)."""
    from fieldkit import paths, profiles

    _check_monitoring_options(as_json, monitoring)
    try:
        profile = profiles.load(profile_name)
    except profiles.ProfileError as exc:
        raise fail(str(exc)) from None
    # A monitoring agent runs in some working folder of its own: under --nagios the result
    # file is written only where --out says (the history keeps the scan anyway).
    explicit_out = click.get_current_context().get_parameter_source("out_dir") != click.core.ParameterSource.DEFAULT
    if not explicit_out and paths.portable_home() is not None:
        out_dir = str(paths.data_dir() / "reports")  # run from the stick: the results stay on the stick
    target = Path(out_dir) if explicit_out or not monitoring.get("nagios") else None
    if not no_report:
        from fieldkit.i18n import choose_lang
        from fieldkit.scan import open_visit

        lang = choose_lang(lang, visit=open_visit(_warn) if lang is None else None, profile=profile)
    return _execute(profile, as_json=as_json, quiet=quiet, out_dir=target,
                    report_lang=None if no_report else lang, **monitoring)


def _execute(profile: Profile, *, as_json: bool, quiet: bool, out_dir: Path | None, report_lang: str | None = None,
             no_history: bool = False, nagios: bool = False, prometheus_file: str | None = None,
             textfile_dir: str | None = None, lock_wait: float = 120.0) -> int:
    """Run the scan use case (:mod:`fieldkit.scan`) and show it the way the options ask."""
    from fieldkit import scan as scan_case
    from fieldkit.context import Environment
    from fieldkit.lock import LockTimeout

    quiet = quiet or nagios
    env = Environment()
    progress = None
    if not (as_json or quiet) and env.stderr_isatty:
        from fieldkit.console import RichProgress

        progress = RichProgress(env.stderr)

    def show_result(result: ScanResult, result_file: ResultFile) -> str | None:
        if nagios:
            from fieldkit.export import nagios as nagios_out

            click.echo(nagios_out.render(result))
        elif as_json:
            from fieldkit.interrupt import write_all

            write_all(sys.stdout, result.to_json() + "\n")
            return "the JSON document on stdout"
        elif not quiet:
            from fieldkit.console import print_summary

            print_summary(result, env.stdout)
            if result_file.written:
                click.echo(t("Result written to {path}", path=str(result_file.path)))
        return None

    def inform(text: str) -> None:  # lock holders and paths come from files: one clean line each
        click.echo(f"fieldkit: {_safe(' '.join(text.split()))}", err=True)

    request = scan_case.ScanRequest(
        profile=profile, out_dir=out_dir, report_lang=report_lang, store_history=not no_history,
        lock_wait_s=lock_wait, prometheus_file=Path(prometheus_file) if prometheus_file else None,
        textfile_dir=Path(textfile_dir) if textfile_dir else None, argv=sys.argv, env=env)
    callbacks = scan_case.ScanCallbacks(
        warn=_warn, inform=inform, progress=progress, show_result=show_result,
        before_run=(lambda text: None) if as_json or quiet else (lambda text: click.echo(text, err=True)),
        report_written=(lambda path: None) if as_json or quiet
        else (lambda path: click.echo(t("Report written to {path}", path=str(path)))))
    try:
        return scan_case.run(request, callbacks)
    except LockTimeout as exc:
        if nagios:
            from fieldkit.export import nagios as nagios_out

            click.echo(nagios_out.unknown(str(exc)))
            return EXIT_USAGE
        raise fail(str(exc)) from None


class CheckGroup(click.Group):
    """``fieldkit check NAME``: one subcommand per registered check, built from its OPTIONS.

    Check modules are imported only when their command is asked for, so ``--help`` stays fast.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        from fieldkit import checks

        return checks.names()

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        from fieldkit import checks

        if not checks.exists(name):
            return None
        return _check_command(name)


def _check_command(name: str) -> click.Command:
    from fieldkit import checks, profiles

    spec = checks.load(name)

    def callback(profile_name: str | None, timeout: float | None, out_dir: str | None, as_json: bool,
                 quiet: bool, no_history: bool, nagios: bool, prometheus_file: str | None,
                 textfile_dir: str | None, lock_wait: float, **values: Any) -> int:
        from fieldkit import profiles

        monitoring = {"no_history": no_history, "nagios": nagios, "prometheus_file": prometheus_file,
                      "textfile_dir": textfile_dir, "lock_wait": lock_wait}
        _check_monitoring_options(as_json, monitoring)

        options: dict[str, Any] = {}
        if profile_name:
            try:
                loaded = profiles.load(profile_name)
            except profiles.ProfileError as exc:
                raise fail(str(exc)) from None
            if name in loaded.checks:
                options.update(loaded.checks[name].options)
                timeout = timeout or loaded.checks[name].timeout_s
        for key, value in values.items():
            if value is not None and value != ():
                options[key] = list(value) if isinstance(value, tuple) else value
        profile = profiles.ad_hoc(name, options, timeout)
        return _execute(profile, as_json=as_json, quiet=quiet, out_dir=Path(out_dir) if out_dir else None,
                        **monitoring)

    params: list[click.Parameter] = [
        click.Option(["--profile", "-p", "profile_name"], default=None, metavar="NAME|PATH",
                     help=f"Take this check's options from a profile's [checks.{name}] table."),
        click.Option(["--timeout"], type=click.FloatRange(profiles.TIMEOUT_MIN_S, profiles.TIMEOUT_MAX_S), default=None,
                     help=f"Time budget in seconds (default {spec.timeout_s:g})."),
        click.Option(["--out", "out_dir"], default=None, type=click.Path(file_okay=False),
                     help="Also write the result file into this folder."),
        click.Option(["--json", "as_json"], is_flag=True, help="Print the result as JSON on stdout (nothing else)."),
        click.Option(["--quiet", "-q"], is_flag=True, help="No summary; only the exit code."),
        *_monitoring_params(),
    ]
    for option in spec.options:
        if option.cli:
            params.append(_click_option(option))
    return click.Command(name, callback=callback, params=params, help=spec.description, short_help=spec.description)


def _click_option(option: Any) -> click.Option:
    from fieldkit.options import OptionError

    def convert(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None or value == ():
            return None
        try:
            return option.convert(list(value) if option.multiple else value)
        except OptionError as exc:
            raise click.BadParameter(str(exc)) from None

    if option.type == "bool":
        return click.Option([f"{option.flag}/--no-{option.flag[2:]}", option.name], default=None,
                            help=option.help, callback=convert)
    metavar = option.metavar or {"hostport": "HOST[:PORT]", "host": "HOST", "path": "PATH", "url": "URL",
                                 "int": "N", "float": "X", "choice": "|".join(option.choices)}.get(option.type, "TEXT")
    help_text = option.help + (f" (default: {option.default})" if option.default not in (None, [], ()) else "")
    return click.Option([option.flag, option.name], multiple=option.multiple, default=None, metavar=metavar,
                        help=help_text + (" [repeatable]" if option.multiple else ""), callback=convert)


@cli.group(cls=CheckGroup)
def check() -> None:
    """Run one check ad hoc, with options on the command line."""


# --------------------------------------------------------------------------- profiles

@cli.group("profiles")
def profiles_group() -> None:
    """List, show and validate scan profiles."""


@profiles_group.command("list")
def profiles_list() -> int:
    """List the profiles fieldkit can find (user profiles shadow built-in ones)."""
    from fieldkit import profiles

    for name, path in profiles.available().items():
        try:
            description = profiles.load(str(path)).description
        except profiles.ProfileError as exc:
            description = f"INVALID: {exc}"
        click.echo(_safe(f"{name:<12} {' '.join(str(description).split())}  [{path}]"))
    return 0


@profiles_group.command("show")
@click.argument("name")
def profiles_show(name: str) -> int:
    """Print a profile's file."""
    from fieldkit import profiles

    try:
        path = profiles.resolve(name)
        profiles.load(str(path))
    except profiles.ProfileError as exc:
        raise fail(str(exc)) from None
    from fieldkit.safetext import visible

    click.echo(_safe(f"# {path}"))
    click.echo(visible(path.read_text(encoding="utf-8"), keep_newlines=True), nl=False)
    return 0


@profiles_group.command("validate")
@click.argument("paths", nargs=-1, required=True)
def profiles_validate(paths: tuple[str, ...]) -> int:
    """Validate profile files; print one line per file. Exit 0 when all are valid, 3 otherwise."""
    from fieldkit import profiles

    bad = 0
    for path in paths:
        try:
            profile = profiles.load(path)
        except profiles.ProfileError as exc:
            from fieldkit.safetext import one_line

            click.echo(f"INVALID {one_line(exc)}", err=True)
            bad += 1
        else:
            click.echo(_safe(f"OK      {path}: profile {profile.name!r}, checks: {', '.join(profile.checks)}"))
    return EXIT_USAGE if bad else 0


# --------------------------------------------------------------------------- report and visit

@cli.command("report")
@click.argument("scan_files", nargs=-1, required=True, metavar="SCAN.json...")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "md", "json"]), default="html", show_default=True,
              help="html: one self-contained file; pdf: via headless Chromium; md: for a ticket; json: the data.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help="Output file ('-' for stdout with html/md/json; default: a name derived from the scan).")
@click.option("--redact", is_flag=True, help="Replace serial numbers, MAC/IP addresses, host and user names "
                                             "with consistent stand-ins.")
@click.option("--lang", type=click.Choice(_report_languages()), default=None,
              help="Language of the report (default: the visit's language, the profile's, else this machine's "
                   "LANG, else en).")
def report_cmd(scan_files: tuple[str, ...], fmt: str, out_file: str | None, redact: bool, lang: str | None) -> int:
    """Make the visit report from one scan, or a site report from several (one per PC)."""
    from fieldkit import report
    from fieldkit.i18n import choose_lang

    try:
        scans = report.load_scans(scan_files)
        lang = choose_lang(lang, visit=report.resolve_visit(scans) if lang is None else None,
                           profile=next((s.profile for s in scans if isinstance(s.profile, dict)
                                         and s.profile.get("lang")), None))
        if out_file == "-":
            if fmt == "pdf":
                raise report.ReportError("a PDF cannot go to stdout: give --out FILE.pdf")
            click.echo(report.render(scans, fmt, lang=lang, redact=redact), nl=False)
            return 0
        target = Path(out_file) if out_file else report.default_output(scans, fmt, Path(scan_files[0]).parent)
        written = report.write_report(scans, target, fmt, lang=lang, redact=redact)
    except report.ReportError as exc:
        raise fail(str(exc)) from None
    click.echo(t("Report written to {path}", path=str(written)))
    return 0


@cli.group("visit")
def visit_group() -> None:
    """Record a visit: start it, note what you find and do, end it. Scans meanwhile belong to it."""


def _visit_call(func: Any, *args: Any, **kwargs: Any) -> Any:
    from fieldkit import visit

    try:
        return func(*args, **kwargs)
    except visit.VisitError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        reason = f"{exc.filename or ''} {exc.strerror or exc}".strip()
        raise fail(t("cannot write the visit: {reason}", reason=reason)) from None


@visit_group.command("start")
@click.option("--customer", required=True, help="Customer name.")
@click.option("--site", required=True, help="Site (office, branch, address).")
@click.option("--ticket", default=None, help="Ticket or job reference.")
@click.option("--technician", default=None, help="Your name, as the customer should read it.")
@click.option("--lang", type=click.Choice(_report_languages()), default=None,
              help="The customer's language: the visit's reports are made in it (default: the report's --lang, "
                   "else this machine's LANG).")
def visit_start(customer: str, site: str, ticket: str | None, technician: str | None, lang: str | None) -> int:
    """Open a visit; scans run until 'visit end' belong to it."""
    from fieldkit import visit

    opened = _visit_call(visit.start, customer, site, ticket, technician, lang=lang)
    click.echo(_safe(t("Visit {id} started: {customer} / {site} at {time}", id=opened["id"],
                       customer=opened["customer"], site=opened["site"], time=opened["started_at"])))
    return 0


@visit_group.command("note")
@click.argument("text", nargs=-1, required=True)
@click.option("--action", is_flag=True, help="Record an action taken (\"replaced SATA cable\") rather than a note.")
def visit_note(text: tuple[str, ...], action: bool) -> int:
    """Add a note (or, with --action, an action taken) to the open visit."""
    from fieldkit import visit

    entry = _visit_call(visit.note, " ".join(text), action=action)
    click.echo(t("Action recorded at {time}", time=entry["time"]) if action
               else t("Note recorded at {time}", time=entry["time"]))
    return 0


@visit_group.command("end")
@click.option("--signed-by", "signed_by", default=None, metavar="NAME",
              help="Who acknowledged the visit for the customer (shown in the report's sign-off).")
def visit_end(signed_by: str | None) -> int:
    """Close the open visit and file it in the visit log."""
    from fieldkit import visit
    from fieldkit.i18n.console import tn

    closed, path = _visit_call(visit.end, signed_by=signed_by)
    click.echo(tn("Visit {id} ended at {time} ({n} note); log written to {path}",
                  "Visit {id} ended at {time} ({n} notes); log written to {path}", n=len(closed["notes"]),
                  id=closed["id"], time=closed["ended_at"], path=str(path)))
    return 0


@visit_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the open visit as JSON.")
def visit_show(as_json: bool) -> int:
    """Show the open visit."""
    import json

    from fieldkit import visit

    current = _visit_call(visit.current)
    if current is None:
        raise fail(t("no visit is open (start one with 'fieldkit visit start --customer NAME --site NAME')"))
    if as_json:
        click.echo(json.dumps(current, indent=2, ensure_ascii=False))
        return 0
    click.echo(_safe(f"Visit {current['id']}: {current.get('customer')} / {current.get('site')}"
                     + (f", ticket {current['ticket']}" if current.get("ticket") else "")
                     + (f", technician {current['technician']}" if current.get("technician") else "")))
    click.echo(_safe(f"  started {current.get('started_at')}"))
    for entry in current.get("notes") or []:
        click.echo(_safe(f"  {entry.get('time')}  {'ACTION' if entry.get('kind') == 'action' else 'note  '}  "
                         f"{entry.get('text')}"))
    return 0


# --------------------------------------------------------------------------- history

def _open_history(create: bool = False) -> Any:
    from fieldkit.history import HistoryError, HistoryStore

    try:
        return HistoryStore.open(create=create)
    except HistoryError as exc:
        raise fail(str(exc)) from None


def _history_call(func: Any, *args: Any, **kwargs: Any) -> Any:
    from fieldkit.history import HistoryError

    try:
        return func(*args, **kwargs)
    except HistoryError as exc:
        raise fail(str(exc)) from None


def _echo_lines(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


def _history_exists() -> bool:
    from fieldkit.history import db_path

    return db_path().exists()


@cli.group("history")
def history_group() -> None:
    """Stored scans: list, show, compare, trend, the technician's log, export."""


@history_group.command("list")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(0), help="How many (0: all).")
@click.option("--host", default=None, help="Only this machine (hostname or host id).")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def history_list(limit: int, host: str | None, as_json: bool) -> int:
    """List stored scans, newest first."""
    import json

    if not _history_exists():
        click.echo("[]" if as_json else "No scans stored yet.")
        return 0
    with _open_history() as store:
        rows = _history_call(store.list_scans, limit=limit or None, host=host)
        visits = {v["id"]: v for v in _history_call(store.visits)} if any(r.visit_id for r in rows) else {}
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2))
        return 0
    from fieldkit.history import text

    _echo_lines(text.scan_list(rows, visits))
    return 0


@history_group.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="The stored scan document on stdout.")
def history_show(ref: str, as_json: bool) -> int:
    """Show one stored scan (ID from 'history list', a scan id prefix, or 'latest')."""
    import json

    from fieldkit.console import print_summary
    from fieldkit.history import text

    with _open_history() as store:
        scan = _history_call(store.resolve, ref)
        if as_json:
            click.echo(json.dumps(_history_call(store.scan_document, scan), indent=2, ensure_ascii=False))
            return 0
        result = _history_call(store.load, scan)
    _echo_lines(text.scan_heading(scan, result))
    print_summary(result, sys.stdout)
    _echo_lines(text.changes_since_last(result))
    return 0


@history_group.command("diff")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def history_diff(a: str, b: str, as_json: bool) -> int:
    """What changed from scan A to scan B: statuses, problems, metric values."""
    import json

    from fieldkit.history.compare import compare, metric_changes

    with _open_history() as store:
        first, second = _history_call(store.resolve, a), _history_call(store.resolve, b)
        before, after = _history_call(store.load, first), _history_call(store.load, second)
    completed = {c.name for c in after.checks if c.outcome == "completed"}
    changes = compare(before.findings, after.findings, completed)
    metrics = metric_changes(before.findings, after.findings)
    if as_json:
        click.echo(json.dumps({"from": before.scan_id, "to": after.scan_id,
                               "changes": [c.to_dict() for c in changes],
                               "metrics": [m.to_dict() for m in metrics]}, indent=2, ensure_ascii=False))
        return 0
    from fieldkit.history import text

    _echo_lines(text.diff(first, second, before, after, changes, metrics))
    return 0


@history_group.command("trend")
@click.option("--subject", required=True, help="The finding subject, e.g. /dev/sda or pbx.example.com.")
@click.option("--metric", required=True, help="Metric name, e.g. reallocated or rtt_median_ms.")
@click.option("--check", "check_name", default=None, help="Only this check's metric.")
@click.option("--host", default=None, help="Machine (hostname or host id); default: this machine.")
@click.option("--limit", "-n", default=50, show_default=True, type=click.IntRange(0), help="Last N points (0: all).")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def history_trend(subject: str, metric: str, check_name: str | None, host: str | None, limit: int,
                  as_json: bool) -> int:
    """One metric of one subject over the stored scans, oldest first."""
    import json

    from fieldkit.history import text
    from fieldkit.platform.hostid import host_id as this_host_id

    if not _history_exists():
        raise fail(t("no scans stored yet: nothing to trend"))
    with _open_history() as store:
        host_id = _history_call(text.pick_host, store, subject, metric, host, this_host_id())
        points = _history_call(store.trend, subject, metric, host_id=host_id, check=check_name, limit=limit or None)
        if not points:
            raise fail(_history_call(text.no_trend_values, store, subject, metric, host_id))
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in points], indent=2))
        return 0
    _echo_lines(text.trend(subject, metric, points))
    return 0


@history_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
def history_stats(as_json: bool) -> int:
    """The technician's log: visits, time on site, findings by severity, problems found and resolved."""
    import json

    from fieldkit import paths
    from fieldkit.history import stats

    with _open_history(create=True) as store:
        warnings = _history_call(store.import_visit_files, paths.data_dir() / "visits")
        result = _history_call(stats.compute, store, warnings)
    click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if as_json else stats.render_text(result))
    return 0


@history_group.command("export")
@click.option("--jsonl", "jsonl", is_flag=True, default=True, help="JSON Lines (the only format; the default).")
@click.option("--findings", "per_finding", is_flag=True,
              help="One line per finding (with the scan's id, time, host and profile) instead of one per scan.")
@click.option("--since", default=None, metavar="TIME", help="Only scans started at or after this RFC 3339 time.")
@click.option("--out", "out_file", default=None, type=click.Path(dir_okay=False), help="Write here, not stdout.")
def history_export(jsonl: bool, per_finding: bool, since: str | None, out_file: str | None) -> int:
    """Every stored scan as JSON Lines, oldest first, for log shippers (Filebeat ndjson, OTel filelog)."""
    import json

    from fieldkit.history import HistoryError, text

    if since:
        try:
            since = text.parse_since(since)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--since") from None
    if not _history_exists():
        return 0

    try:
        out = open(out_file, "w", encoding="utf-8") if out_file else sys.stdout
    except OSError as exc:
        raise fail(t("{path}: cannot write: {reason}", path=out_file, reason=exc.strerror or exc)) from None
    try:
        with _open_history() as store:
            for doc in store.iter_documents(since=since):  # one scan in memory at a time
                for line in text.export_lines(doc, per_finding):
                    out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    except HistoryError as exc:
        raise fail(str(exc)) from None
    finally:
        if out_file:
            out.close()
    return 0


# --------------------------------------------------------------------------- export

@cli.group("export")
def export_group() -> None:
    """Export stored scans for monitoring systems."""


@export_group.command("prometheus")
@click.option("--out", "out_file", default=None, type=click.Path(dir_okay=False),
              help="Write this textfile atomically (e.g. /var/lib/node_exporter/textfile/fieldkit.prom); "
                   "default: stdout.")
@click.option("--scan", "ref", default="latest", show_default=True, help="Which stored scan.")
def export_prometheus(out_file: str | None, ref: str) -> int:
    """The latest stored scan in node_exporter textfile format (no timestamps)."""
    from fieldkit.export import prometheus

    if not _history_exists():
        raise fail(t("no scans stored yet: run 'fieldkit scan' first"))
    with _open_history() as store:
        result = _history_call(store.load, _history_call(store.resolve, ref))
    text = prometheus.render(result)
    if out_file is None:
        click.echo(text, nl=False)
        return 0
    try:
        prometheus.write_textfile(out_file, text)
    except OSError as exc:
        raise fail(t("{path}: cannot write: {reason}", path=out_file, reason=exc.strerror or exc)) from None
    return 0


# --------------------------------------------------------------------------- schedule

@cli.group("schedule")
def schedule_group() -> None:
    """Scheduled health scans: systemd timer where systemd runs, else cron."""


_BACKENDS = click.Choice(["auto", "systemd", "cron"])


def _scheduler(system: bool, root: Path | None, backend: str = "auto") -> Any:
    from fieldkit import platform, schedule
    from fieldkit.schedule.backend import Scheduler

    try:
        return Scheduler(system=system, root=root, backend=backend, platform=platform.current())
    except schedule.ScheduleError as exc:
        raise fail(str(exc)) from None


@schedule_group.command("install")
@click.option("--profile", "-p", "profile_name", default="nightly", show_default=True, help="Profile to scan with.")
@click.option("--every", default="daily", show_default=True, metavar="daily|weekly|hourly|CRON",
              help="When: daily (03:00), weekly (Sunday 03:00), hourly, or five cron fields such as '30 2 * * 1-5'.")
@click.option("--name", default=None, help="Schedule name (default: the profile name).")
@click.option("--textfile-dir", default=None, type=click.Path(file_okay=False),
              help="Also write the Prometheus textfile there (node_exporter --collector.textfile.directory).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Folder for each scan's result file (default: <data folder>/reports).")
@click.option("--randomized-delay", default=3600, show_default=True, type=click.IntRange(0, 86400),
              metavar="SECONDS", help="systemd RandomizedDelaySec: spread a fleet's scans.")
@click.option("--backend", default="auto", show_default=True, type=_BACKENDS,
              help="auto: systemd if it is the init system, else cron.")
@click.option("--root", "root_dir", default=None, type=click.Path(file_okay=False),
              help="Install into this root folder (an image) instead of /; enables offline.")
@click.option("--dry-run", is_flag=True, help="Print what would be written; change nothing.")
def schedule_install(profile_name: str, every: str, name: str | None, textfile_dir: str | None,
                     out_dir: str | None, randomized_delay: int, backend: str, root_dir: str | None,
                     dry_run: bool) -> int:
    """Install a scheduled scan that stores into the history (and the Prometheus textfile)."""
    from fieldkit import profiles, schedule
    from fieldkit.privileges import is_root
    from fieldkit.schedule.cronexpr import CronError

    system = is_root()
    scheduler = _scheduler(system, Path(root_dir).absolute() if root_dir else None, backend)
    try:
        profiles.load(profile_name)
        spec_name = schedule.validate_name(name or Path(profile_name).stem)
        calendar = schedule.parse_every(every, seed=f"{spec_name}:{_host_seed()}")
    except (profiles.ProfileError, schedule.ScheduleError, CronError) as exc:
        raise fail(str(exc)) from None
    try:  # run from a stick: the schedule runs a copy on the machine, never the stick itself
        copy = schedule.machine_copy(system, scheduler.root, dry_run=dry_run)
    except schedule.ScheduleError as exc:
        raise fail(str(exc)) from None
    spec = schedule.ScheduleSpec(
        name=spec_name, profile=profile_name, calendar=calendar, system=system,
        command=schedule.scan_command(profile_name, system=system, textfile_dir=textfile_dir,
                                      reports_dir=str(Path(out_dir).absolute()) if out_dir else None,
                                      program=copy[0] if copy else None),
        randomized_delay_s=randomized_delay, environment={"FIELDKIT_SYSTEM": "1"} if system else {})
    if dry_run:
        for line in copy[1] if copy else []:
            click.echo(f"# {line}")
        for where, text in scheduler.render(spec):
            click.echo(f"# {where}\n{text}", nl=False)
        return 0
    try:
        done = (copy[1] if copy else []) + scheduler.install(spec)
    except schedule.ScheduleError as exc:
        raise fail(str(exc)) from None
    for line in done:
        click.echo(line)
    return 0


def _host_seed() -> str:
    from fieldkit.platform.hostid import host_id

    return host_id()


@schedule_group.command("list")
@click.option("--root", "root_dir", default=None, type=click.Path(file_okay=False), help="Look in this root folder.")
def schedule_list(root_dir: str | None) -> int:
    """List fieldkit's scheduled scans (systemd timers and cron entries)."""
    from fieldkit.privileges import is_root

    found = _scheduler(is_root(), Path(root_dir).absolute() if root_dir else None).list()
    if not found:
        click.echo("No scheduled scans.")
    for item in found:
        click.echo(_safe(f"{item['name']:<16} {item['backend']:<8} {item['when']:<24} {item['where']}"))
        click.echo(_safe(f"{'':<16} runs: {item['command']}"))
    return 0


@schedule_group.command("remove")
@click.argument("name")
@click.option("--root", "root_dir", default=None, type=click.Path(file_okay=False), help="Remove from this root.")
def schedule_remove(name: str, root_dir: str | None) -> int:
    """Remove a scheduled scan by name (see 'fieldkit schedule list')."""
    from fieldkit import schedule
    from fieldkit.privileges import is_root
    from fieldkit.schedule.backend import NotScheduled

    scheduler = _scheduler(is_root(), Path(root_dir).absolute() if root_dir else None)
    try:
        done = scheduler.remove(name)
    except NotScheduled as exc:
        raise fail(t("no scheduled scan {name!r} ({errors})", name=name, errors="; ".join(exc.errors))) from None
    except schedule.ScheduleError as exc:
        raise fail(str(exc)) from None
    for line in done:
        click.echo(line)


# --------------------------------------------------------------------------- audio

@cli.group("audio")
def audio_group() -> None:
    """Microphone helpers for the acoustic disk check."""


@audio_group.command("devices")
@click.option("--json", "as_json", is_flag=True, help="Print the devices as JSON.")
def audio_devices(as_json: bool) -> int:
    """List audio input devices (use the index or part of the name with 'check acoustic --device')."""
    import json

    from fieldkit.audio.capture import CaptureError, import_sounddevice, input_devices

    try:
        devices = input_devices(import_sounddevice())
    except CaptureError as exc:
        raise fail(exc.reason) from None
    if as_json:
        click.echo(json.dumps(devices, indent=2))
        return 0 if devices else EXIT_USAGE
    if not devices:
        click.echo("fieldkit: no audio input device found (no microphone connected, or the sound server is not "
                   "running)", err=True)
        return EXIT_USAGE
    for dev in devices:
        mark = "*" if dev["default"] else " "
        click.echo(_safe(f"{mark}{dev['index']:>3}  {dev['name']}  ({dev['hostapi']}, {dev['channels']} ch, "
                         f"default {dev['default_samplerate']:g} Hz)"))


@audio_group.command("record")
@click.option("--label", required=True, type=click.Choice(["failing", "healthy", "unknown"]),
              help="What the technician knows about the disk: failing (e.g. SMART or a failed copy says so), "
                   "healthy, or unknown.")
@click.option("--note", required=True, metavar="TEXT", help="What was heard and how the disk behaved (free text).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Corpus folder: the audio and a JSON sidecar are written there.")
@click.option("--import", "import_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="Store this recording (WAV, FLAC, Ogg/Opus, MP3, M4A/AAC, 3GP/AMR) instead of "
                                   "recording through the microphone.")
@click.option("--duration", type=click.FloatRange(5, 600), default=30.0, show_default=True, metavar="S",
              help="Seconds to record.")
@click.option("--device", default=None, metavar="ID", help="Input device: index or part of the name.")
@click.option("--samplerate", type=click.IntRange(8000, 192000), default=None, metavar="HZ",
              help="Sample rate (default: 48000 or what the device supports).")
@click.option("--microphone", default=None, metavar="TEXT", help="Microphone used (e.g. 'laptop built-in', "
                                                                   "'phone on the case').")
@click.option("--distance-cm", type=float, default=None, metavar="CM", help="Distance from microphone to the disk.")
@click.option("--room-noise", type=click.Choice(["quiet", "office", "noisy"]), default=None,
              help="How noisy the room was (the measured noise floor is stored as well).")
@click.option("--licence", type=click.Choice(["CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0"]), default="CC-BY-4.0",
              show_default=True, help="Licence under which the recording may be shared.")
@click.option("--contributor", default=None, metavar="NAME", help="Name to credit (optional).")
@click.option("--smart/--no-smart", "with_smart", default=True, show_default=True,
              help="Read the drives' model, serial and SMART verdict on this machine (needs smartctl and root).")
@click.option("--smart-device", default=None, metavar="DEV", help="Read SMART of this drive only (e.g. /dev/sda).")
def audio_record(label: str, note: str, out_dir: Path, import_file: Path | None, duration: float,
                 device: str | None, samplerate: int | None, microphone: str | None, distance_cm: float | None,
                 room_noise: str | None, licence: str, contributor: str | None, with_smart: bool,
                 smart_device: str | None) -> int:
    """Add a recording of a disk to a corpus folder, with a JSON sidecar (label, drive, SMART, fieldkit's verdict)."""
    from fieldkit.checks.acoustic.corpus import CorpusError, contribute

    def run_check(name: str, timeout: float, **options: Any) -> list[Any]:
        from fieldkit import checks
        from fieldkit.context import Context, Environment

        spec = checks.load(name)
        merged = spec.defaults()
        merged.update({k: v for k, v in options.items() if v is not None})
        env = Environment()
        return spec.module.run(Context(check=name, options=merged, env=env, deadline=env.monotonic() + timeout))

    def record() -> tuple[Any, int, str]:
        from fieldkit.audio import capture

        sd = capture.import_sounddevice()
        dev = capture.resolve_device(sd, device)
        rate = capture.negotiate_samplerate(sd, dev, samplerate)
        click.echo(f"recording {duration:g} s from {dev['name']} at {rate} Hz; keep quiet", err=True)
        rec = capture.record(sd, dev, rate, duration)
        return rec.samples, rec.samplerate, rec.device

    from fieldkit.audio.capture import CaptureError

    try:
        sidecar_path, sidecar = contribute(
            label=label, note=note, out=out_dir, licence=licence, import_file=import_file,
            record=None if import_file else record, microphone=microphone, distance_cm=distance_cm,
            room_noise=room_noise, contributor=contributor,
            smart=(lambda: run_check("smart", 120.0, device=smart_device)) if with_smart else None,
            analyse=lambda path: run_check("acoustic", 600.0, from_file=str(path)))
    except (CorpusError, CaptureError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{out_dir}: cannot store the recording: {exc.strerror or exc}") from None
    click.echo(f"stored {out_dir / sidecar.audio_file} and {sidecar_path.name}: label {label}, fieldkit says "
               f"{sidecar.fieldkit['status']} ({sidecar.fieldkit['summary']})")
    if sidecar.smart_note:
        click.echo(f"SMART: {sidecar.smart_note}", err=True)
    return 0


# --------------------------------------------------------------------------- voip (reflector)

@cli.command("reflect")
@click.option("--listen", "listen", multiple=True, metavar="ADDR:PORT",
              help="Address and port to serve (UDP and TCP); repeatable. Default: 0.0.0.0:862 (TWAMP-light) and "
                   "0.0.0.0:5060 (SIP ALG echo).")
@click.option("--rate-limit", type=click.FloatRange(1, 100000), default=500.0, show_default=True,
              help="Packets per second accepted from one source address.")
@click.option("--quiet", "-q", is_flag=True, help="Do not log new clients.")
def reflect(listen: tuple[str, ...], rate_limit: float, quiet: bool) -> int:
    """Far end for `fieldkit check voip`: TWAMP-light reflector and SIP ALG echo. Runs until stopped."""
    import signal

    from fieldkit.options import split_hostport
    from fieldkit.voip.reflector import Reflector

    addresses = []
    for item in listen or ("0.0.0.0:862", "0.0.0.0:5060"):
        try:
            host, port = split_hostport(item, None)
        except ValueError:
            raise fail(t("--listen {item!r}: expected ADDR:PORT, e.g. 0.0.0.0:862", item=item)) from None
        if port is None:
            raise fail(t("--listen {item!r}: a port is required, e.g. {item}:862", item=item))
        addresses.append((host, port))
    log = (lambda line: None) if quiet else (lambda line: click.echo(_safe(f"reflect: {line}"), err=True))
    server = Reflector(addresses, rate_limit_pps=rate_limit, log=log)
    bound = server.open()
    for error in server.errors:
        click.echo(f"reflect: cannot listen on {error}", err=True)
    if not bound:
        raise fail(t("no address could be opened (a port below 1024 needs root; try --listen 0.0.0.0:8620)"))
    for host, port in bound:
        click.echo(f"reflect: listening on {host}:{port} (UDP TWAMP-light + SIP echo, TCP SIP echo)", err=True)
    signal.signal(signal.SIGTERM, lambda *_: server.request_stop())
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    s = server.stats
    click.echo(f"reflect: stopped; {s.reflected} reflected, {s.sip_echoed} SIP echoed, {s.sessions} clients, "
               f"{s.dropped_garbage} garbage and {s.dropped_rate} rate-limited packets dropped", err=True)
    return 0


def main() -> None:
    # Undecodable bytes (a mount point, a device name, argv) live on as lone surrogates; written
    # with backslashreplace they become "\udcff", which is also the JSON escape for the same
    # character, so --json output stays valid UTF-8 and valid JSON instead of crashing or not.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    cli.main(prog_name="fieldkit")


if __name__ == "__main__":  # pragma: no cover
    main()
