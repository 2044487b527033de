"""Command line: parsing and wiring only. Checks, runner and outputs live elsewhere.

Exit codes (Nagios plugin semantics, see README): 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN. A usage error also exits 3 with one line on stderr, because Click's
default 2 would read as CRITICAL to a monitoring system.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from fieldkit import __version__

EXIT_USAGE = 3  # Status.UNKNOWN; not imported, to keep start-up light


class FieldkitGroup(click.Group):
    """Maps every way of failing to a documented exit code and a one-line message."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            rv = super().main(args, prog_name or "fieldkit", complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=False)
            sys.exit(0)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "fieldkit"
            click.echo(f"{where}: error: {exc.format_message()} (see '{where} --help')", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            click.echo(f"fieldkit: error: {exc.format_message()}", err=True)
            sys.exit(EXIT_USAGE)
        except click.Abort:
            click.echo("fieldkit: aborted", err=True)
            sys.exit(EXIT_USAGE)
        except Exception as exc:  # noqa: BLE001 - never a bare traceback to a monitoring system
            if os.environ.get("FIELDKIT_DEBUG"):
                raise
            click.echo(f"fieldkit: internal error: {exc.__class__.__name__}: {exc} "
                       "(set FIELDKIT_DEBUG=1 for the traceback)", err=True)
            sys.exit(EXIT_USAGE)
        sys.exit(rv if isinstance(rv, int) else 0)


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
    from fieldkit.report.i18n import languages  # plain dicts: cheap enough for --help

    return languages()


def _output_options(func: Any) -> Any:
    func = click.option("--quiet", "-q", is_flag=True, help="No progress and no summary; only the exit code.")(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout (nothing else).")(func)
    return func


@cli.command()
@click.option("--profile", "-p", "profile_name", default=None, metavar="NAME|PATH",
              help="Scan profile (default: quick). See 'fieldkit profiles list'.")
@click.option("--out", "out_dir", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the result file.")
@click.option("--no-report", is_flag=True, help="Do not write the HTML visit report next to the result file.")
@click.option("--lang", type=click.Choice(_report_languages()), default="en", show_default=True,
              help="Language of the HTML report.")
@_output_options
def scan(profile_name: str | None, out_dir: str, no_report: bool, lang: str, as_json: bool, quiet: bool) -> int:
    """Scan this machine with a profile and write the result (JSON) and the visit report (HTML)."""
    from fieldkit import profiles

    try:
        profile = profiles.load(profile_name)
    except profiles.ProfileError as exc:
        raise fail(str(exc)) from None
    return _execute(profile, as_json=as_json, quiet=quiet, out_dir=Path(out_dir), report_lang=None if no_report
                    else lang)


def _open_visit() -> dict[str, Any] | None:
    """The open visit (issue 7): scans run during it belong to it. A damaged visit file is reported,
    never a reason to lose a scan."""
    from fieldkit import visit

    try:
        return visit.current()
    except visit.VisitError as exc:
        click.echo(f"fieldkit: warning: {exc}; this scan is not attached to a visit", err=True)
        return None


def _write_html_report(result: Any, target: Path, lang: str, as_json: bool, quiet: bool) -> None:
    """The HTML report next to the JSON (issue 7). A report failure must not cost the scan."""
    from fieldkit import report

    html_path = target.with_suffix(".html")
    try:
        report.write_report([result], html_path, "html", lang=lang)
    except Exception as exc:  # noqa: BLE001 - the JSON result is already safe on disk
        click.echo(f"fieldkit: warning: the HTML report could not be written ({exc.__class__.__name__}: {exc}); "
                   f"make it later with 'fieldkit report {target}'", err=True)
        return
    if not (as_json or quiet):
        click.echo(f"Report written to {html_path}")


def _execute(profile: Any, *, as_json: bool, quiet: bool, out_dir: Path | None,
             report_lang: str | None = None) -> int:
    from contextlib import nullcontext

    from fieldkit.console import RichProgress, print_summary
    from fieldkit.context import Environment
    from fieldkit.runner import run_scan

    env = Environment()
    target: Path | None = None
    if out_dir is not None:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise fail(f"{out_dir}: cannot create the output folder: {exc.strerror or exc}") from None

    def save(result: Any) -> None:
        nonlocal target
        if out_dir is None:
            return
        if target is None:
            stamp = result.started_at.strftime("%Y%m%dT%H%M%SZ")
            host = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(result.machine.get("hostname", "host")))
            target = out_dir / f"fieldkit-{host}-{stamp}.json"
        result.write(target)

    show_progress = not (as_json or quiet) and env.stderr_isatty
    progress = RichProgress(env.stderr) if show_progress else None
    with progress if progress else nullcontext():
        result = run_scan(profile, env=env, on_update=save, progress=progress, argv=sys.argv, visit=_open_visit())
    if as_json:
        click.echo(result.to_json())
    elif not quiet:
        print_summary(result, env.stdout)
        if target is not None:
            click.echo(f"Result written to {target}")
    if target is not None and report_lang is not None:
        _write_html_report(result, target, report_lang, as_json, quiet)
    return result.exit_code


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
    from fieldkit import checks

    spec = checks.load(name)

    def callback(profile_name: str | None, timeout: float | None, out_dir: str | None, as_json: bool,
                 quiet: bool, **values: Any) -> int:
        from fieldkit import profiles

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
        return _execute(profile, as_json=as_json, quiet=quiet, out_dir=Path(out_dir) if out_dir else None)

    params: list[click.Parameter] = [
        click.Option(["--profile", "-p", "profile_name"], default=None, metavar="NAME|PATH",
                     help=f"Take this check's options from a profile's [checks.{name}] table."),
        click.Option(["--timeout"], type=click.FloatRange(0.1, 86400), default=None,
                     help=f"Time budget in seconds (default {spec.timeout_s:g})."),
        click.Option(["--out", "out_dir"], default=None, type=click.Path(file_okay=False),
                     help="Also write the result file into this folder."),
        click.Option(["--json", "as_json"], is_flag=True, help="Print the result as JSON on stdout (nothing else)."),
        click.Option(["--quiet", "-q"], is_flag=True, help="No summary; only the exit code."),
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
        click.echo(f"{name:<12} {description}  [{path}]")
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
    click.echo(f"# {path}")
    click.echo(path.read_text(encoding="utf-8"), nl=False)
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
            click.echo(f"INVALID {exc}", err=True)
            bad += 1
        else:
            click.echo(f"OK      {path}: profile {profile.name!r}, checks: {', '.join(profile.checks)}")
    return EXIT_USAGE if bad else 0


# --------------------------------------------------------------------------- report and visit (issue 7)

@cli.command("report")
@click.argument("scan_files", nargs=-1, required=True, metavar="SCAN.json...")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "md", "json"]), default="html", show_default=True,
              help="html: one self-contained file; pdf: via headless Chromium; md: for a ticket; json: the data.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help="Output file ('-' for stdout with html/md/json; default: a name derived from the scan).")
@click.option("--redact", is_flag=True, help="Replace serial numbers, MAC/IP addresses, host and user names "
                                             "with consistent stand-ins.")
@click.option("--lang", type=click.Choice(_report_languages()), default="en", show_default=True,
              help="Language of the report.")
def report_cmd(scan_files: tuple[str, ...], fmt: str, out_file: str | None, redact: bool, lang: str) -> int:
    """Make the visit report from one scan, or a site report from several (one per PC)."""
    from fieldkit import report

    try:
        scans = report.load_scans(scan_files)
        if out_file == "-":
            if fmt == "pdf":
                raise report.ReportError("a PDF cannot go to stdout: give --out FILE.pdf")
            click.echo(report.render(scans, fmt, lang=lang, redact=redact), nl=False)
            return 0
        target = Path(out_file) if out_file else report.default_output(scans, fmt, Path(scan_files[0]).parent)
        written = report.write_report(scans, target, fmt, lang=lang, redact=redact)
    except report.ReportError as exc:
        raise fail(str(exc)) from None
    click.echo(f"Report written to {written}")
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
        raise fail(f"cannot write the visit: {exc.filename or ''} {exc.strerror or exc}".strip()) from None


@visit_group.command("start")
@click.option("--customer", required=True, help="Customer name.")
@click.option("--site", required=True, help="Site (office, branch, address).")
@click.option("--ticket", default=None, help="Ticket or job reference.")
@click.option("--technician", default=None, help="Your name, as the customer should read it.")
def visit_start(customer: str, site: str, ticket: str | None, technician: str | None) -> int:
    """Open a visit; scans run until 'visit end' belong to it."""
    from fieldkit import visit

    opened = _visit_call(visit.start, customer, site, ticket, technician)
    click.echo(f"Visit {opened['id']} started: {opened['customer']} / {opened['site']} at {opened['started_at']}")
    return 0


@visit_group.command("note")
@click.argument("text", nargs=-1, required=True)
@click.option("--action", is_flag=True, help="Record an action taken (\"replaced SATA cable\") rather than a note.")
def visit_note(text: tuple[str, ...], action: bool) -> int:
    """Add a note (or, with --action, an action taken) to the open visit."""
    from fieldkit import visit

    entry = _visit_call(visit.note, " ".join(text), action=action)
    click.echo(f"{'Action' if action else 'Note'} recorded at {entry['time']}")
    return 0


@visit_group.command("end")
def visit_end() -> int:
    """Close the open visit and file it in the visit log."""
    from fieldkit import visit

    closed, path = _visit_call(visit.end)
    click.echo(f"Visit {closed['id']} ended at {closed['ended_at']} ({len(closed['notes'])} notes); "
               f"log written to {path}")
    return 0


@visit_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the open visit as JSON.")
def visit_show(as_json: bool) -> int:
    """Show the open visit."""
    import json

    from fieldkit import visit

    current = _visit_call(visit.current)
    if current is None:
        raise fail("no visit is open (start one with 'fieldkit visit start --customer NAME --site NAME')")
    if as_json:
        click.echo(json.dumps(current, indent=2, ensure_ascii=False))
        return 0
    click.echo(f"Visit {current['id']}: {current.get('customer')} / {current.get('site')}"
               + (f", ticket {current['ticket']}" if current.get("ticket") else "")
               + (f", technician {current['technician']}" if current.get("technician") else ""))
    click.echo(f"  started {current.get('started_at')}")
    for entry in current.get("notes") or []:
        click.echo(f"  {entry.get('time')}  {'ACTION' if entry.get('kind') == 'action' else 'note  '}  "
                   f"{entry.get('text')}")
    return 0


def main() -> None:
    cli.main(prog_name="fieldkit")


if __name__ == "__main__":  # pragma: no cover
    main()
