"""systemd units of 'fieldkit schedule': written into a temp root, enabled offline, verified by systemd-analyze.

This machine has no systemd as PID 1, so nothing is started; systemd-analyze verify
parses the units with systemd's own parser and `systemctl --root` enables offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import need
from fieldkit.cli import cli
from fieldkit.schedule import ScheduleSpec, parse_every, scan_command
from fieldkit.schedule.systemd import render_service, render_timer


def _verify(*units: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True,
                          timeout=60)


def _ini(text: str) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
        elif "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            current.setdefault(key, []).append(value)
    return sections


@pytest.mark.real
@pytest.mark.parametrize("every", ["daily", "weekly", "*/15 8-17 * * 1-5"])
def test_install_writes_units_systemd_accepts_and_enables_the_timer(tmp_path: Path, every: str) -> None:
    need(shutil.which("systemd-analyze") and shutil.which("systemctl"), "systemd tools (package systemd) missing")
    root = tmp_path / "root"
    result = CliRunner().invoke(cli, ["schedule", "install", "--profile", "nightly", "--every", every,
                                      "--backend", "systemd", "--root", str(root),
                                      "--textfile-dir", "/var/lib/node_exporter/textfile"])
    assert result.exit_code == 0, result.output
    units = root / "etc/systemd/system"
    service, timer = units / "fieldkit-nightly.service", units / "fieldkit-nightly.timer"
    proc = _verify(service, timer)
    assert proc.returncode == 0, proc.stderr
    assert "fieldkit-nightly" not in proc.stderr, proc.stderr  # no warnings about our files either
    link = units / "timers.target.wants/fieldkit-nightly.timer"
    assert os.readlink(link) == "/etc/systemd/system/fieldkit-nightly.timer"  # absolute inside the root
    t = _ini(timer.read_text())["Timer"]
    assert t["Persistent"] == ["true"] and int(t["RandomizedDelaySec"][0]) > 0
    assert t["Unit"] == ["fieldkit-nightly.service"]
    s = _ini(service.read_text())["Service"]
    assert s["Type"] == ["oneshot"] and s["Environment"] == ['"FIELDKIT_SYSTEM=1"']
    assert s["StateDirectory"] == ["fieldkit"] and s["SuccessExitStatus"] == ["1 2 3"]
    assert s["IOSchedulingClass"] == ["idle"] and len(s["IOSchedulingClass"]) == 1
    argv = s["ExecStart"][0].split()
    assert argv[1:6] == ["-m", "fieldkit", "scan", "--profile", "nightly"]
    assert "--textfile-dir" in argv and "--lock-wait" in argv and "--no-history" not in argv
    listed = CliRunner().invoke(cli, ["schedule", "list", "--root", str(root)])
    assert "nightly" in listed.stdout and "systemd" in listed.stdout
    removed = CliRunner().invoke(cli, ["schedule", "remove", "nightly", "--root", str(root)])
    assert removed.exit_code == 0, removed.output
    assert not service.exists() and not timer.exists()
    assert not (units / "timers.target.wants/fieldkit-nightly.timer").is_symlink()


@pytest.mark.real
def test_user_units_verify_too(tmp_path: Path) -> None:
    need(shutil.which("systemd-analyze"), "systemd-analyze (package systemd) missing")
    spec = ScheduleSpec(name="weekly", profile="full", calendar=parse_every("weekly"), system=False,
                        command=scan_command("full", system=False, reports_dir="/home/tech/fieldkit reports"))
    service, timer = tmp_path / "fieldkit-weekly.service", tmp_path / "fieldkit-weekly.timer"
    service.write_text(render_service(spec))
    timer.write_text(render_timer(spec))
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    proc = subprocess.run(["systemd-analyze", "--user", "verify", str(service), str(timer)], capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)))
    assert proc.returncode == 0 and "fieldkit-weekly" not in proc.stderr, proc.stderr
    text = service.read_text()
    assert "FIELDKIT_SYSTEM" not in text and "StateDirectory" not in text
    assert '"/home/tech/fieldkit reports"' in text  # quoted for systemd's command line


def test_dry_run_prints_both_units_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    result = CliRunner().invoke(cli, ["schedule", "install", "--every", "weekly", "--backend", "systemd",
                                      "--root", str(root), "--out", "/srv/fieldkit/results", "--dry-run"])
    assert result.exit_code == 0
    assert "--out /srv/fieldkit/results" in result.stdout
    assert "[Service]" in result.stdout and "OnCalendar=Sun *-*-* 03:00:00" in result.stdout
    assert "Persistent=true" in result.stdout
    assert not root.exists()


@pytest.mark.parametrize("args, message", [
    (["--profile", "no-such-profile"], "no-such-profile"),
    (["--every", "0 3 1 * 1"], "OR"),
    (["--name", "bad name!"], "schedule name"),
])
def test_bad_install_requests_exit_3(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["schedule", "install", "--root", str(tmp_path), "--backend", "systemd", *args])
    assert result.exit_code == 3 and message in result.stderr
    assert not any(tmp_path.iterdir())


def test_remove_of_an_unknown_schedule_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["schedule", "remove", "nope", "--root", str(tmp_path)])
    assert result.exit_code == 3 and "no scheduled scan 'nope'" in result.stderr


@pytest.mark.real
def test_the_scheduled_command_stores_history_and_writes_the_textfile(tmp_path: Path, monkeypatch) -> None:
    """Run the unit's ExecStart the way systemd would (Environment=, StateDirectory= -> $STATE_DIRECTORY)."""
    import shlex

    from prometheus_client.parser import text_string_to_metric_families

    from fieldkit.history import HistoryStore

    root, textdir, reports = tmp_path / "root", tmp_path / "textfile", tmp_path / "reports"
    result = CliRunner().invoke(cli, ["schedule", "install", "--profile", "nightly", "--backend", "systemd",
                                      "--root", str(root), "--textfile-dir", str(textdir), "--out", str(reports)])
    assert result.exit_code == 0, result.output
    service = _ini((root / "etc/systemd/system/fieldkit-nightly.service").read_text())["Service"]
    argv = shlex.split(service["ExecStart"][0])
    env = {k: v for k, v in os.environ.items() if k != "FIELDKIT_HOME"}
    env.update(dict(item.strip('"').split("=", 1) for item in service["Environment"]))
    env["STATE_DIRECTORY"] = str(tmp_path / "state")  # what StateDirectory=fieldkit hands the service
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1, 2, 3) and proc.stdout == "", proc.stderr  # --quiet: nothing on stdout
    with HistoryStore.open(tmp_path / "state" / "history.sqlite") as store:
        rows = store.list_scans()
        assert len(rows) == 1 and rows[0].profile == "nightly" and int(rows[0].status) == proc.returncode
    families = {f.name for f in text_string_to_metric_families((textdir / "fieldkit-nightly.prom").read_text())}
    assert {"fieldkit_scan_status", "fieldkit_check_status", "fieldkit_last_success_timestamp_seconds"} <= families
    assert len(list(reports.glob("fieldkit-*.json"))) == 1
