import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT, fieldkit_cmd, write_profile
from fieldkit.cli import cli

SCHEMA = json.loads((ROOT / "fieldkit" / "schemas" / "scan.schema.json").read_text())
HEAVY = {"numpy", "scipy", "scapy", "sounddevice", "pySMART", "jinja2"}


def run_cli(*args, env_extra=None, timeout=60):
    env = dict(os.environ, FIELDKIT_EXTRA_CHECKS=str(FIXTURES / "checks"), **(env_extra or {}))
    return subprocess.run(fieldkit_cmd() + list(args), capture_output=True, text=True, env=env, timeout=timeout)


def validate(document):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(document, SCHEMA)


def test_scan_json_is_pure_and_valid(tmp_path):
    proc = run_cli("scan", "--json", "--out", str(tmp_path))
    assert proc.returncode in (0, 1, 2, 3), proc.stderr
    document = json.loads(proc.stdout)  # nothing but JSON on stdout
    validate(document)
    assert document["profile"]["name"] == "quick"
    assert document["exit_code"] == proc.returncode
    written = list(tmp_path.glob("fieldkit-*.json"))
    assert len(written) == 1 and json.loads(written[0].read_text())["scan_id"] == document["scan_id"]


def test_check_json_contract_fields():
    proc = run_cli("check", "system", "--json")
    document = json.loads(proc.stdout)
    validate(document)
    assert isinstance(document["findings"], list) and document["findings"]
    for finding in document["findings"]:
        assert {"check", "subject", "status", "summary", "metrics"} <= set(finding)
        assert finding["status"] in ("OK", "WARNING", "CRITICAL", "UNKNOWN")
        for metric in finding["metrics"]:
            assert {"name", "value", "unit"} <= set(metric)


@pytest.mark.parametrize("status,code", [("ok", 0), ("warning", 1), ("critical", 2), ("unknown", 3)])
def test_exit_code_is_the_status(status, code):
    proc = run_cli("check", "fixed", "--status", status)
    assert proc.returncode == code, proc.stderr
    assert status.upper() in proc.stdout


def test_exit_code_rolls_up_critical_over_unknown(tmp_path):
    profile = write_profile(tmp_path, '[checks.crasher]\n[checks.fixed]\nstatus = "critical"\n')
    assert run_cli("scan", "--profile", str(profile), "--out", str(tmp_path), "-q").returncode == 2
    profile = write_profile(tmp_path, '[checks.crasher]\n[checks.fixed]\nstatus = "ok"\n', "b.toml")
    assert run_cli("scan", "--profile", str(profile), "--out", str(tmp_path), "-q").returncode == 3


@pytest.mark.parametrize("args,message", [
    (["scan", "--bogus"], "No such option '--bogus'"),
    (["check", "teleport"], "No such command 'teleport'"),
    (["check", "system", "--fs-warn-pct", "500"], "expected a number from 1 to 100, got '500'"),
    (["scan", "--profile", "nosuch"], "unknown profile 'nosuch'"),
    (["frobnicate"], "No such command 'frobnicate'"),
])
def test_usage_errors_exit_3_with_one_line(args, message):
    proc = run_cli(*args)
    assert proc.returncode == 3
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_bad_profile_is_one_line_naming_the_key(tmp_path):
    profile = write_profile(tmp_path, "[checks.system]\nfs_warn_pct = 150\n")
    proc = run_cli("scan", "--profile", str(profile), "--out", str(tmp_path))
    assert proc.returncode == 3
    assert proc.stderr.strip() == (f"fieldkit: error: {profile}: checks.system.fs_warn_pct: "
                                   "expected a number from 1 to 100, got 150")


def test_unwritable_output_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli("scan", "--out", str(blocker / "sub"), "--json")
    # the scan still runs and prints its result; the exit code is at least as severe as UNKNOWN
    assert proc.returncode in (1, 2, 3) and proc.returncode == json.loads(proc.stdout)["exit_code"]
    assert proc.stderr.count("\n") == 1 and "cannot create the output folder" in proc.stderr


def test_real_scan_with_hanging_and_crashing_checks_finishes_within_budget(tmp_path):
    profile = write_profile(tmp_path, """
[checks.sleeper]
timeout = 2
[checks.crasher]
[checks.system]
[checks.fixed]
status = "warning"
""")
    proc = run_cli("scan", "--profile", str(profile), "--json", "--out", str(tmp_path))
    document = json.loads(proc.stdout)
    started = datetime.fromisoformat(document["started_at"].replace("Z", "+00:00"))
    finished = datetime.fromisoformat(document["finished_at"].replace("Z", "+00:00"))
    assert (finished - started).total_seconds() < 2 + 1
    outcomes = {c["name"]: c["outcome"] for c in document["checks"]}
    assert outcomes == {"sleeper": "timeout", "crasher": "error", "system": "completed", "fixed": "completed"}
    assert any(f["check"] == "system" and f["subject"] == "memory" for f in document["findings"])
    assert proc.returncode == 1  # WARNING outranks the two UNKNOWNs


def _wait_for_result(folder: Path, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for file in folder.glob("fieldkit-*.json"):
            try:
                document = json.loads(file.read_text())
            except (OSError, ValueError):
                continue
            if predicate(document):
                return file
        time.sleep(0.05)
    raise AssertionError("no matching result file appeared")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "Ctrl-C"])
def test_killed_scan_keeps_what_was_measured(tmp_path, sig):
    profile = write_profile(tmp_path, '[checks.crasher]\n[checks.system]\n[checks.fixed]\ndelay_s = 60\ntimeout = 120\n')
    env = dict(os.environ, FIELDKIT_EXTRA_CHECKS=str(FIXTURES / "checks"))
    proc = subprocess.Popen(fieldkit_cmd() + ["scan", "--profile", str(profile), "--out", str(tmp_path), "-q"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        file = _wait_for_result(tmp_path, lambda d: len(d["checks"]) >= 2)
        proc.send_signal(sig)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    document = json.loads(file.read_text())
    validate(document)
    names = {c["name"] for c in document["checks"]}
    assert {"crasher", "system"} <= names
    assert any(f["subject"] == "memory" for f in document["findings"])
    if sig == signal.SIGKILL:
        assert document["complete"] is False
    else:
        assert document["interrupted"] is True and document["complete"] is False
        assert {c["name"]: c["outcome"] for c in document["checks"]}["fixed"] == "interrupted"
        # UNKNOWN at least: the system check may honestly WARN on the test machine (a full disk)
        assert proc.returncode in (1, 2, 3) and proc.returncode == document["exit_code"]


def test_version_and_help():
    runner = CliRunner()
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and "fieldkit" in result.output
    result = runner.invoke(cli, ["check", "--help"])
    assert result.exit_code == 0 and "system" in result.output


def test_help_imports_no_heavy_library():
    code = ("import sys\nfrom click.testing import CliRunner\nfrom fieldkit.cli import cli\n"
            "r = CliRunner()\nfor args in (['--help'], ['check', '--help'], ['scan', '--help']):\n"
            "    assert r.invoke(cli, args).exit_code == 0, args\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(HEAVY)!r}))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_profiles_commands(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(cli, ["profiles", "list"])
    assert listed.exit_code == 0 and "quick" in listed.output and "nightly" in listed.output
    shown = runner.invoke(cli, ["profiles", "show", "quick"])
    assert shown.exit_code == 0 and "[checks.system]" in shown.output
    good = write_profile(tmp_path, "[checks.system]\n", "good.toml")
    bad = write_profile(tmp_path, "[checks.nosuch]\n", "bad.toml")
    result = runner.invoke(cli, ["profiles", "validate", str(good), str(bad)])
    assert result.exit_code == 3
    assert "OK      " in result.stdout and "unknown check" in result.stderr


def test_check_takes_options_from_a_profile(tmp_path):
    profile = write_profile(tmp_path, '[checks.fixed]\nstatus = "critical"\nsubject = "from-profile"\n')
    proc = run_cli("check", "fixed", "--profile", str(profile), "--json")
    document = json.loads(proc.stdout)
    assert proc.returncode == 2 and document["findings"][0]["subject"] == "from-profile"
    # the command line wins over the profile
    proc = run_cli("check", "fixed", "--profile", str(profile), "--status", "ok", "--json")
    assert proc.returncode == 0


def test_help_snapshot_is_what_click_prints():
    import importlib.util

    spec = importlib.util.spec_from_file_location("update_help", ROOT / "scripts" / "update-help-snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from fieldkit._help_snapshot import TOP_LEVEL_HELP

    assert TOP_LEVEL_HELP == module.render(), "run scripts/update-help-snapshot.py after changing the CLI"
    proc = subprocess.run(fieldkit_cmd() + ["--help"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and proc.stdout == TOP_LEVEL_HELP
