"""cron fallback: /etc/cron.d files for root, the user's crontab through the real crontab program."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import IS_ROOT, ROOT, need
from fieldkit.cli import cli
from fieldkit.schedule import ScheduleSpec, parse_every, scan_command
from fieldkit.schedule.cron import CrontabFile, install_user, installed_user, remove_user


def _spec(name: str = "nightly", every: str = "daily") -> ScheduleSpec:
    return ScheduleSpec(name=name, profile="nightly", calendar=parse_every(every, seed=name), system=False,
                        command=scan_command("nightly", system=False, reports_dir="/tmp/100% reports"))


def test_root_install_writes_a_cron_d_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["schedule", "install", "--backend", "cron", "--every", "30 2 * * 1-5",
                                      "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "etc/cron.d/fieldkit-nightly"
    assert "." not in path.name  # run-parts/cron ignore file names with dots
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    entries = [line for line in path.read_text().splitlines() if line and not line.startswith(("#", "SHELL", "PATH"))]
    assert len(entries) == 1
    fields = entries[0].split(None, 6)
    assert fields[:6] == ["30", "2", "*", "*", "1-5", "root"]
    assert fields[6].startswith("FIELDKIT_SYSTEM=1 ") and "-m fieldkit scan --profile nightly" in fields[6]
    listed = CliRunner().invoke(cli, ["schedule", "list", "--root", str(tmp_path)])
    assert "30 2 * * 1-5" in listed.stdout and "cron" in listed.stdout
    assert CliRunner().invoke(cli, ["schedule", "remove", "nightly", "--root", str(tmp_path)]).exit_code == 0
    assert not path.exists()


def test_user_entries_keep_the_rest_of_the_crontab(tmp_path: Path) -> None:
    crontab = CrontabFile(tmp_path / "crontab")
    original = "MAILTO=tech@example.com\n0 1 * * * /usr/local/bin/backup\n"
    crontab.write(original)
    install_user(_spec(), crontab)
    install_user(_spec(every="hourly"), crontab)  # same name: replaced, not duplicated
    install_user(_spec("weekly", "weekly"), crontab)
    text = crontab.read()
    assert text.startswith(original)
    assert [e["name"] for e in installed_user(crontab)] == ["nightly", "weekly"]
    assert "\\%" in text and "100% reports" not in text  # % is a newline to cron
    remove_user("nightly", crontab)
    remove_user("weekly", crontab)
    assert crontab.read() == original


# Runs as root inside a private mount namespace with a tmpfs over the cron spool: the real
# crontab program edits a throwaway crontab, never the machine's.
_IN_NAMESPACE = textwrap.dedent("""
    import json, subprocess, sys
    sys.path.insert(0, sys.argv[1])
    from fieldkit.schedule import ScheduleSpec, parse_every, scan_command
    from fieldkit.schedule.cron import CrontabProgram, install_user, installed_user, remove_user
    out = {}
    subprocess.run(["crontab", "-"], input="MAILTO=tech@example.com\\n0 1 * * * /bin/true\\n", text=True, check=True)
    tab = CrontabProgram()
    spec = ScheduleSpec(name="nightly", profile="nightly", calendar=parse_every("*/20 6-18 * * 1-5"), system=False,
                        command=scan_command("nightly", system=False, reports_dir="/tmp/r"))
    install_user(spec, tab)
    install_user(spec, tab)
    out["listed"] = installed_user(tab)
    out["after_install"] = subprocess.run(["crontab", "-l"], capture_output=True, text=True).stdout
    remove_user("nightly", tab)
    out["after_remove"] = subprocess.run(["crontab", "-l"], capture_output=True, text=True).stdout
    print(json.dumps(out))
""")


@pytest.mark.real
def test_real_crontab_program_in_a_private_mount_namespace() -> None:
    need(IS_ROOT, "needs root for a private mount namespace")
    need(shutil.which("crontab") and shutil.which("unshare"), "crontab (package cron) or unshare missing")
    spool = "/var/spool/cron/crontabs"
    need(Path(spool).is_dir(), f"{spool} missing (package cron)")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, text=True, timeout=30)
    need(probe.returncode == 0, f"cannot create a mount namespace here: {probe.stderr.strip()}")
    script = (f"mount -t tmpfs -o mode=1730 fieldkit-test-cron {spool} && chgrp crontab {spool} && "
              f"exec {sys.executable} -c \"$0\" {ROOT}")
    proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, _IN_NAMESPACE],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [(e["name"], e["when"]) for e in out["listed"]] == [("nightly", "*/20 6-18 * * 1-5")]
    assert out["after_install"].count("# fieldkit-schedule: nightly") == 1
    assert "0 1 * * * /bin/true" in out["after_install"]
    assert "fieldkit" not in out["after_remove"] and "0 1 * * * /bin/true" in out["after_remove"]
