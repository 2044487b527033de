"""cron fallback where systemd does not run (containers, older or minimal systems).

* root: one file per schedule in ``/etc/cron.d/fieldkit-<name>`` (crontab(5) system
  format with a user field); run-parts ignores names with dots, ours have none;
* a user: an entry in their own crontab, edited through the ``crontab`` program
  (``crontab -l`` / ``crontab -``), marked by a comment line so list and remove touch
  only fieldkit's entries.

cron offers no catch-up and no overlap protection; the scan lock covers overlap.
``%`` is a newline in a cron command and is escaped.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Protocol

from fieldkit.schedule import ScheduleError, ScheduleSpec

MARKER = "# fieldkit-schedule:"
CRON_D = Path("/etc/cron.d")


def _command_line(spec: ScheduleSpec) -> str:
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(spec.environment.items()))
    command = " ".join(shlex.quote(a) for a in spec.command)
    return ((env + " ") if env else "") + command.replace("%", "\\%")


def render_user_entry(spec: ScheduleSpec) -> str:
    return f"{MARKER} {spec.name} profile={spec.profile} every={spec.calendar.text}\n" \
           f"{spec.calendar.cron} {_command_line(spec)}\n"


def render_cron_d(spec: ScheduleSpec) -> str:
    return ("# Written by 'fieldkit schedule install'; remove with 'fieldkit schedule remove " + spec.name + "'.\n"
            "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
            f"{MARKER} {spec.name} profile={spec.profile} every={spec.calendar.text}\n"
            f"{spec.calendar.cron} root {_command_line(spec)}\n")


class Crontab(Protocol):
    def read(self) -> str: ...
    def write(self, text: str) -> None: ...


class CrontabProgram:
    """The invoking user's crontab through the ``crontab`` program."""

    def __init__(self, program: str = "crontab") -> None:
        self.program = program

    def _run(self, args: list[str], text: str | None = None) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([self.program, *args], input=text, capture_output=True, text=True, timeout=30)
        except FileNotFoundError:
            raise ScheduleError("no systemd and no 'crontab' program: install cron (apt-get install cron)") from None

    def read(self) -> str:
        proc = self._run(["-l"])
        if proc.returncode != 0:
            if "no crontab" in (proc.stderr or "").lower():
                return ""
            raise ScheduleError(f"crontab -l failed: {proc.stderr.strip()}")
        return proc.stdout

    def write(self, text: str) -> None:
        proc = self._run(["-"], text)
        if proc.returncode != 0:
            raise ScheduleError(f"crontab refused the new table: {proc.stderr.strip()}")


class CrontabFile:
    """A crontab kept in a file (tests, images)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str:
        return self.path.read_text(encoding="utf-8") if self.path.exists() else ""

    def write(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(text, encoding="utf-8")


def strip_entry(text: str, name: str) -> tuple[str, bool]:
    """Remove the marked entry ``name`` (marker line and the line after it)."""
    out, removed, skip_next = [], False, False
    for line in text.splitlines(keepends=True):
        if skip_next:
            skip_next = False
            continue
        if line.startswith(MARKER) and line[len(MARKER):].split()[:1] == [name]:
            removed, skip_next = True, True
            continue
        out.append(line)
    return "".join(out), removed


def install_user(spec: ScheduleSpec, crontab: Crontab) -> list[str]:
    current, replaced = strip_entry(crontab.read(), spec.name)
    if current and not current.endswith("\n"):
        current += "\n"
    crontab.write(current + render_user_entry(spec))
    return [("replaced" if replaced else "added") + f" the crontab entry {spec.name!r}: {spec.calendar.cron}"]


def install_system(spec: ScheduleSpec, root: Path | None = None) -> list[str]:
    folder = _cron_d(root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"fieldkit-{spec.name}"
        path.write_text(render_cron_d(spec), encoding="utf-8")
        path.chmod(0o644)  # cron ignores group/other-writable files in cron.d
    except OSError as exc:
        raise ScheduleError(f"{folder}: cannot write the cron file: {exc.strerror or exc}") from None
    return [f"wrote {path}: {spec.calendar.cron}"]


def _cron_d(root: Path | None) -> Path:
    return root / "etc" / "cron.d" if root is not None else CRON_D


def _parse(text: str, where: str, system: bool) -> list[dict[str, str]]:
    found = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(MARKER) and i + 1 < len(lines):
            name = (line[len(MARKER):].split() or ["?"])[0]
            fields = lines[i + 1].split(None, 6 if system else 5)
            when = " ".join(fields[:5])
            command = fields[-1] if len(fields) > 5 else ""
            found.append({"name": name, "backend": "cron", "when": when, "command": command, "where": where})
    return found


def installed_user(crontab: Crontab) -> list[dict[str, str]]:
    return _parse(crontab.read(), "crontab", system=False)


def installed_system(root: Path | None = None) -> list[dict[str, str]]:
    folder = _cron_d(root)
    found = []
    for path in sorted(folder.glob("fieldkit-*")) if folder.is_dir() else []:
        found += _parse(path.read_text(encoding="utf-8", errors="replace"), str(path), system=True)
    return found


def remove_user(name: str, crontab: Crontab) -> list[str]:
    text, removed = strip_entry(crontab.read(), name)
    if not removed:
        raise ScheduleError(f"no fieldkit crontab entry {name!r}")
    crontab.write(text)
    return [f"removed the crontab entry {name!r}"]


def remove_system(name: str, root: Path | None = None) -> list[str]:
    path = _cron_d(root) / f"fieldkit-{name}"
    if not path.exists():
        raise ScheduleError(f"no cron schedule {name!r} ({path} does not exist)")
    path.unlink()
    return [f"removed {path}"]
