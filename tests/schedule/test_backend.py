"""The one Scheduler object: backend choice, install/list/remove/render, honest refusal off Linux."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldkit.cli import cli
from fieldkit.schedule import ScheduleError, ScheduleSpec, parse_every, scan_command
from fieldkit.schedule.backend import Scheduler
from fieldkit.schedule.cron import CrontabFile


def _spec(system: bool, name: str = "nightly") -> ScheduleSpec:
    return ScheduleSpec(name=name, profile="nightly", calendar=parse_every("daily", seed=name), system=system,
                        command=scan_command("nightly", system=system, reports_dir="/srv/reports"))


def test_auto_follows_the_init_system() -> None:
    assert Scheduler(system=True, _systemd_running=lambda: True).kind == "systemd"
    assert Scheduler(system=True, _systemd_running=lambda: False).kind == "cron"
    assert Scheduler(system=True, backend="cron", _systemd_running=lambda: True).kind == "cron"


@pytest.mark.parametrize("system,planned", [("windows", "Task Scheduler"), ("macos", "launchd")])
def test_other_systems_are_refused_with_one_line(system: str, planned: str) -> None:
    with pytest.raises(ScheduleError, match=f"not supported on .* yet \\({planned} is planned\\)"):
        Scheduler(system=True, platform=system)


def test_user_crontab_round_trip_through_one_object(tmp_path: Path) -> None:
    crontab = CrontabFile(tmp_path / "crontab")
    crontab.write("MAILTO=admin\n0 1 * * * /usr/local/bin/backup\n")
    scheduler = Scheduler(system=False, backend="cron", crontab=crontab)
    [(where, text)] = scheduler.render(_spec(False))
    assert where == "crontab entry" and "/srv/reports" in text
    assert "added" in scheduler.install(_spec(False))[0]
    assert [item["name"] for item in scheduler.list()] == ["nightly"]
    assert scheduler.remove("nightly") == ["removed the crontab entry 'nightly'"]
    assert crontab.read() == "MAILTO=admin\n0 1 * * * /usr/local/bin/backup\n", "other entries must survive"
    with pytest.raises(ScheduleError, match="no scheduled scan 'nightly'"):
        scheduler.remove("nightly")


def test_system_units_and_cron_d_under_a_root(tmp_path: Path) -> None:
    units = Scheduler(system=True, root=tmp_path, backend="systemd")
    paths = [where for where, _ in units.render(_spec(True))]
    assert paths == [str(tmp_path / "etc/systemd/system/fieldkit-nightly.service"),
                     str(tmp_path / "etc/systemd/system/fieldkit-nightly.timer")]
    cron = Scheduler(system=True, root=tmp_path, backend="cron")
    cron.install(_spec(True, "weekly"))
    # list sees every backend's schedules, whichever installed them
    assert [(i["name"], i["backend"]) for i in cron.list()] == [("weekly", "cron")]
    assert cron.remove("weekly") == [f"removed {tmp_path / 'etc/cron.d/fieldkit-weekly'}"]


def test_cli_refuses_scheduling_on_an_unsupported_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDKIT_PLATFORM", "windows")
    for args in (["install", "--root", str(tmp_path)], ["list"], ["remove", "nightly"]):
        result = CliRunner().invoke(cli, ["schedule", *args])
        assert result.exit_code == 3 and "not supported on Windows yet" in result.output, result.output
    assert not any(tmp_path.iterdir())
