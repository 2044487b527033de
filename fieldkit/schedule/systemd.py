"""systemd timer + service for a scheduled scan (systemd.timer(5), systemd.service(5), systemd.exec(5)).

* ``Type=oneshot``: the timer never starts a second run while one is active;
* ``Persistent=true``: a run missed while the machine was off happens at the next boot;
* ``RandomizedDelaySec=``: spreads a fleet so 200 clients do not scan at the same second;
* ``Nice=19`` + ``IOSchedulingClass=idle``: the customer's work comes first (hw-probe's
  unit, without its duplicate ``IOSchedulingClass`` key);
* exit codes 1-3 are the scan's verdict (WARNING/CRITICAL/UNKNOWN), not a failure of the
  service: ``SuccessExitStatus=1 2 3``. The verdict reaches monitoring through the
  history, the Prometheus textfile or the result file; a failed unit means fieldkit
  itself broke.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from fieldkit.schedule import ScheduleError, ScheduleSpec


def unit_dir(system: bool, root: Path | None = None) -> Path:
    if system:
        base = Path("/etc/systemd/system")
    else:
        import os

        config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        base = config / "systemd" / "user"
    return (root / base.relative_to("/")) if root is not None and base.is_absolute() else base


def _quote(arg: str) -> str:
    """systemd command-line quoting: specifiers (%) and variables ($) escaped, spaces quoted."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if any(c in arg for c in " \t\"'\\;") or not arg:
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return arg


def render_service(spec: ScheduleSpec) -> str:
    lines = [
        "# Written by 'fieldkit schedule install'; remove with 'fieldkit schedule remove " + spec.name + "'.",
        "[Unit]",
        f"Description=fieldkit scheduled health scan (profile {spec.profile})",
        "Documentation=man:systemd.timer(5)",
    ]
    if spec.system:
        lines += ["Wants=network-online.target", "After=network-online.target"]
    lines += [
        "",
        "[Service]",
        "Type=oneshot",
        "ExecStart=" + " ".join(_quote(a) for a in spec.command),
        "SuccessExitStatus=1 2 3",
        "Nice=19",
        "IOSchedulingClass=idle",
        "TimeoutStartSec=2h",
    ]
    for key, value in sorted(spec.environment.items()):
        lines.append(f'Environment="{key}={value}"')
    if spec.system:
        # /var/lib/fieldkit, created by systemd and handed over as $STATE_DIRECTORY
        lines += ["StateDirectory=fieldkit", "ProtectSystem=full", "PrivateTmp=true", "NoNewPrivileges=true"]
    return "\n".join(lines) + "\n"


def render_timer(spec: ScheduleSpec) -> str:
    return "\n".join([
        "# Written by 'fieldkit schedule install'.",
        "[Unit]",
        f"Description=fieldkit scheduled health scan (profile {spec.profile}, {spec.calendar.text})",
        "",
        "[Timer]",
        f"OnCalendar={spec.calendar.on_calendar}",
        "Persistent=true",
        f"RandomizedDelaySec={spec.randomized_delay_s}",
        "AccuracySec=1min",
        f"Unit={spec.unit}.service",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ])


def _systemctl(spec_system: bool, *args: str, root: Path | None = None) -> subprocess.CompletedProcess:
    argv = ["systemctl"]
    if root is not None:
        argv.append(f"--root={root}")
    elif not spec_system:
        argv.append("--user")
    argv += list(args)
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise ScheduleError("systemctl not found, although systemd seems to run") from None
    except subprocess.TimeoutExpired:
        raise ScheduleError(f"{' '.join(argv)}: timed out") from None


def install(spec: ScheduleSpec, *, root: Path | None = None) -> list[str]:
    """Write both units and enable the timer. With ``root`` (an image or a test), enable offline."""
    folder = unit_dir(spec.system, root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{spec.unit}.service").write_text(render_service(spec), encoding="utf-8")
        (folder / f"{spec.unit}.timer").write_text(render_timer(spec), encoding="utf-8")
    except OSError as exc:
        raise ScheduleError(f"{folder}: cannot write the units: {exc.strerror or exc}") from None
    done = [f"wrote {folder / (spec.unit + '.service')}", f"wrote {folder / (spec.unit + '.timer')}"]
    if root is not None:
        if not spec.system:
            return done + ["user units under --root are not enabled (log in and run systemctl --user enable)"]
        proc = _systemctl(True, "enable", f"{spec.unit}.timer", root=root)
        if proc.returncode != 0:
            raise ScheduleError(f"systemctl --root enable failed: {(proc.stderr or proc.stdout).strip()}")
        return done + [f"enabled {spec.unit}.timer in {root}"]
    for args in (("daemon-reload",), ("enable", "--now", f"{spec.unit}.timer")):
        proc = _systemctl(spec.system, *args)
        if proc.returncode != 0:
            raise ScheduleError(f"systemctl {' '.join(args)} failed: {(proc.stderr or proc.stdout).strip()}")
    return done + [f"enabled and started {spec.unit}.timer"]


def installed(system: bool, root: Path | None = None) -> list[dict[str, str]]:
    folder = unit_dir(system, root)
    found = []
    for timer in sorted(folder.glob("fieldkit-*.timer")) if folder.is_dir() else []:
        name = timer.stem[len("fieldkit-"):]
        on_calendar = ""
        for line in timer.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("OnCalendar="):
                on_calendar = line.split("=", 1)[1]
        service = timer.with_suffix(".service")
        command = ""
        if service.exists():
            for line in service.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("ExecStart="):
                    command = line.split("=", 1)[1]
        found.append({"name": name, "backend": "systemd", "when": on_calendar, "command": command,
                      "where": str(timer)})
    return found


def remove(name: str, system: bool, root: Path | None = None) -> list[str]:
    folder = unit_dir(system, root)
    unit = f"fieldkit-{name}"
    timer, service = folder / f"{unit}.timer", folder / f"{unit}.service"
    if not timer.exists() and not service.exists():
        raise ScheduleError(f"no systemd schedule {name!r} in {folder}")
    done = []
    if root is None:
        _systemctl(system, "disable", "--now", f"{unit}.timer")  # may already be disabled: not an error
    elif system:
        _systemctl(True, "disable", f"{unit}.timer", root=root)
    for path in (timer, service):
        if path.exists():
            path.unlink()
            done.append(f"removed {path}")
    if root is None:
        _systemctl(system, "daemon-reload")
    return done
