"""Scheduled health scans: a systemd timer where systemd runs, else a cron entry.

Both backends run the same command (:func:`scan_command`): ``fieldkit scan`` with the
profile, quiet, results into ``<data_dir>/reports``, stored into the history, a long
``--lock-wait`` (the scan lock serialises it with a technician's scan) and optionally
the Prometheus textfile. Root installs use the system paths (``FIELDKIT_SYSTEM=1`` ->
``/var/lib/fieldkit``); a normal user gets user units / their own crontab.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
SCHEDULED_LOCK_WAIT_S = 3600


class ScheduleError(ValueError):
    """A schedule that cannot be installed or removed; ``str()`` is one line."""


@dataclass
class Calendar:
    on_calendar: str   # systemd.time(7) calendar expression
    cron: str          # five cron fields
    text: str          # what the user asked for


@dataclass
class ScheduleSpec:
    name: str                      # unit fieldkit-<name>.timer / cron marker
    profile: str
    calendar: Calendar
    system: bool                   # root: system units and system paths
    command: list[str]
    randomized_delay_s: int = 3600
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def unit(self) -> str:
        return f"fieldkit-{self.name}"


def validate_name(name: str) -> str:
    if not _NAME_OK.match(name):
        raise ScheduleError(f"schedule name {name!r}: use letters, digits, '-' and '_' (at most 64)")
    return name


def _spread_minute(seed: str) -> int:
    """A fixed minute per machine and schedule, so a fleet on cron does not start all at once."""
    return int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 60


def parse_every(every: str, seed: str = "") -> Calendar:
    """``hourly``, ``daily``, ``weekly`` or a five-field cron expression."""
    text = every.strip()
    word = text.lower()
    minute = _spread_minute(seed or text)
    if word == "hourly":
        return Calendar("hourly", f"{minute} * * * *", text)
    if word == "daily":  # 03:00 local time, the quiet hour of most offices
        return Calendar("*-*-* 03:00:00", f"{minute} 3 * * *", text)
    if word == "weekly":
        return Calendar("Sun *-*-* 03:00:00", f"{minute} 3 * * 0", text)
    from fieldkit.schedule.cronexpr import cron_to_on_calendar

    return Calendar(cron_to_on_calendar(text), " ".join(text.split()), text)


def scan_command(profile: str, *, system: bool, textfile_dir: str | None = None,
                 reports_dir: str | None = None, program: str | None = None) -> list[str]:
    """The scheduled command; ``program`` is the portable executable to run (default: this fieldkit)."""
    from fieldkit import paths

    if reports_dir is None:
        if system:
            reports_dir = "/var/lib/fieldkit/reports"
        elif paths.portable_home() is not None and not os.environ.get("FIELDKIT_HOME"):
            # Run from a stick: the scheduled copy keeps its results on the machine, not on the stick.
            import platformdirs

            reports_dir = str(platformdirs.user_data_path("fieldkit") / "reports")
        else:
            reports_dir = str(paths.data_dir() / "reports")
    if program is not None:
        argv_program = [program]
    elif getattr(sys, "frozen", False):  # the portable build is its own interpreter: no "-m fieldkit"
        argv_program = [sys.executable]
    else:
        argv_program = [sys.executable, "-m", "fieldkit"]
    argv = [*argv_program, "scan", "--profile", profile, "--quiet", "--out", reports_dir,
            "--lock-wait", str(SCHEDULED_LOCK_WAIT_S)]
    if textfile_dir:
        argv += ["--textfile-dir", str(Path(textfile_dir).absolute())]
    return argv


def machine_copy(system: bool, root: Path | None = None, *, dry_run: bool = False) -> tuple[str, list[str]] | None:
    """Copy the portable build from the stick onto the machine, for a schedule that must outlive the stick.

    Only when fieldkit runs as the portable build from a folder with ``fieldkit-data`` (a
    stick). Root: ``/opt/fieldkit/<build>``; a user: ``<user data>/app/<build>``. Returns
    the executable's path as the machine will see it and what was done; None when no copy
    is needed (an installed fieldkit, or a build already installed on the machine).
    """
    import shutil

    from fieldkit import paths

    bundle = paths.bundle_dir()
    if bundle is None or paths.portable_home() is None:
        return None
    if system:
        base = Path("/opt/fieldkit")
    else:
        import platformdirs

        base = platformdirs.user_data_path("fieldkit") / "app"
    visible = base / bundle.name
    dest = root / visible.relative_to(visible.anchor) if root is not None else visible
    if dry_run:
        return str(visible / "fieldkit"), [f"would copy {bundle} to {dest}"]
    if (dest / "fieldkit").is_file():
        return str(visible / "fieldkit"), [f"{dest} is already installed"]
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(bundle, dest, symlinks=True)
    except OSError as exc:
        raise ScheduleError(f"{dest}: cannot copy fieldkit onto this machine: {exc.strerror or exc}") from None
    return str(visible / "fieldkit"), [f"copied {bundle} to {dest}"]


def systemd_running() -> bool:
    """sd_booted(3): systemd is the init system iff /run/systemd/system exists."""
    return Path("/run/systemd/system").is_dir()
