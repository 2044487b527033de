"""One scheduler object for install / list / remove / render of scheduled scans.

Where a scheduled scan goes depends on three things: the init system (systemd timers
where systemd runs, cron elsewhere), who installs it (root: system units or
``/etc/cron.d``; a user: user units or their own crontab) and the operating system
(only Linux is implemented; Windows Task Scheduler and macOS launchd are planned).
:class:`Scheduler` decides this once; the CLI only says what the user asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from fieldkit.platform import LINUX, label
from fieldkit.schedule import ScheduleError, ScheduleSpec, systemd_running

BACKENDS = ("auto", "systemd", "cron")


class NotScheduled(ScheduleError):
    """No backend had the schedule to remove; ``errors`` says what each one answered."""

    def __init__(self, name: str, errors: list[str]) -> None:
        super().__init__(f"no scheduled scan {name!r} ({'; '.join(errors)})")
        self.name = name
        self.errors = errors


@dataclass
class Scheduler:
    """Scheduled scans of this machine (or of an image under ``root``).

    :ivar system: root: system units / ``/etc/cron.d``; otherwise the user's units / crontab.
    :ivar backend: ``auto`` (systemd if it is the init system, else cron), ``systemd`` or ``cron``.
    :ivar crontab: the user's crontab (a :class:`~fieldkit.schedule.cron.Crontab`); the ``crontab`` program by default.
    """

    system: bool
    root: Path | None = None
    backend: str = "auto"
    platform: str = LINUX
    crontab: object | None = None
    _systemd_running: Callable[[], bool] = field(default=systemd_running, repr=False)

    def __post_init__(self) -> None:
        if self.platform != LINUX:
            planned = {"windows": "Task Scheduler", "macos": "launchd"}.get(self.platform, "")
            raise ScheduleError(f"scheduled scans: not supported on {label(self.platform)} yet"
                                + (f" ({planned} is planned)" if planned else ""))
        if self.backend not in BACKENDS:
            raise ScheduleError(f"unknown schedule backend {self.backend!r} (use {', '.join(BACKENDS)})")

    @property
    def kind(self) -> str:
        """The backend an install uses: ``systemd`` or ``cron``."""
        if self.backend == "auto":
            return "systemd" if self._systemd_running() else "cron"
        return self.backend

    def _crontab(self):  # noqa: ANN202 - a Crontab protocol object
        from fieldkit.schedule import cron

        return self.crontab if self.crontab is not None else cron.CrontabProgram()

    def render(self, spec: ScheduleSpec) -> list[tuple[str, str]]:
        """What an install would write: (where, text) pairs."""
        from fieldkit.schedule import cron, systemd

        if self.kind == "systemd":
            folder = systemd.unit_dir(self.system, self.root)
            return [(str(folder / f"{spec.unit}.service"), systemd.render_service(spec)),
                    (str(folder / f"{spec.unit}.timer"), systemd.render_timer(spec))]
        if self.system:
            return [(str((self.root or Path("/")) / "etc/cron.d" / f"fieldkit-{spec.name}"), cron.render_cron_d(spec))]
        return [("crontab entry", cron.render_user_entry(spec))]

    def install(self, spec: ScheduleSpec) -> list[str]:
        """Install (or replace) the schedule; one line per thing done."""
        from fieldkit.schedule import cron, systemd

        if self.kind == "systemd":
            return systemd.install(spec, root=self.root)
        if self.system:
            return cron.install_system(spec, self.root)
        return cron.install_user(spec, self._crontab())

    def list(self) -> list[dict[str, str]]:
        """Every fieldkit schedule this user can see, whichever backend installed it."""
        from fieldkit.schedule import cron, systemd

        found = systemd.installed(self.system, self.root)
        if self.system:
            found += cron.installed_system(self.root)
        elif self.root is None:
            try:
                found += cron.installed_user(self._crontab())
            except ScheduleError:
                pass  # no crontab program: no cron entries
        return found

    def remove(self, name: str) -> list[str]:
        """Remove the schedule ``name`` from every backend that has it; ScheduleError if none had it."""
        from fieldkit.schedule import cron, systemd

        attempts: list[Callable[[], list[str]]] = [lambda: systemd.remove(name, self.system, self.root)]
        if self.system:
            attempts.append(lambda: cron.remove_system(name, self.root))
        else:
            attempts.append(lambda: cron.remove_user(name, self._crontab()))
        done: list[str] = []
        errors: list[str] = []
        for attempt in attempts:
            try:
                done += attempt()
            except ScheduleError as exc:
                errors.append(str(exc))
        if not done:
            raise NotScheduled(name, errors)
        return done
