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

def _output_options(func: Any) -> Any:
    func = click.option("--quiet", "-q", is_flag=True, help="No progress and no summary; only the exit code.")(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout (nothing else).")(func)
    return func


@cli.command()
@click.option("--profile", "-p", "profile_name", default=None, metavar="NAME|PATH",
              help="Scan profile (default: quick). See 'fieldkit profiles list'.")
@click.option("--out", "out_dir", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the result file.")
@_output_options
def scan(profile_name: str | None, out_dir: str, as_json: bool, quiet: bool) -> int:
    """Scan this machine with a profile and write the result."""
    from fieldkit import profiles

    try:
        profile = profiles.load(profile_name)
    except profiles.ProfileError as exc:
        raise fail(str(exc)) from None
    return _execute(profile, as_json=as_json, quiet=quiet, out_dir=Path(out_dir))


def _execute(profile: Any, *, as_json: bool, quiet: bool, out_dir: Path | None) -> int:
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
        result = run_scan(profile, env=env, on_update=save, progress=progress, argv=sys.argv)
    if as_json:
        click.echo(result.to_json())
    elif not quiet:
        print_summary(result, env.stdout)
        if target is not None:
            click.echo(f"Result written to {target}")
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


def main() -> None:
    cli.main(prog_name="fieldkit")


if __name__ == "__main__":  # pragma: no cover
    main()
