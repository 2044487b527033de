"""Nagios plugin output against the Monitoring Plugins Development Guidelines."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, fieldkit_cmd, need
from fk_scans import disk, scan, system, target
from fieldkit.cli import cli
from fieldkit.export.nagios import VALID_UOM, number, perfdata_item, render
from fieldkit.findings import Finding, Metric, Status

# 'label'=value[UOM];[warn];[crit];[min];[max]  (guidelines 03.Output.md), plain decimals only
_NUM = r"-?\d+(?:\.\d+)?"
_RANGE = rf"(?:@?(?:{_NUM}|~)?:?(?:{_NUM})?)"
_ITEM = re.compile(rf"^(?:'[^'=]+'|[^'=\s]+)=(?:{_NUM}|U)(?:[a-zA-Z%]*)?(?:;{_RANGE}?){{0,2}}(?:;(?:{_NUM})?){{0,2}}$")


def _perf_items(line: str) -> list[str]:
    assert line.count("|") == 1
    data = line.split("|", 1)[1].strip()
    return re.findall(r"(?:'[^']*'|\S)+", data)


def _assert_valid(line: str) -> None:
    assert "\n" not in line.strip()
    for item in _perf_items(line):
        assert _ITEM.match(item), item
        uom = re.match(rf"^(?:'[^']*'|[^=]+)=(?:{_NUM}|U)([^;]*)", item).group(1)
        assert uom in VALID_UOM, item
        assert "e" not in item.split("=", 1)[1].lower(), item  # no scientific notation


def test_numbers_are_plain_decimals() -> None:
    assert number(1e-7) == "0.0000001"
    assert number(1e20) == "100000000000000000000"
    assert number(0.1 + 0.2) == "0.3"
    assert number(-0.0) == "0"
    assert number(42) == "42"
    assert number(True) == "1"
    assert number(12.50) == "12.5"


def test_perfdata_items_follow_the_guidelines() -> None:
    assert perfdata_item("/dev/sda reallocated", Metric("r", 5, "c", 1, 50, 0)) == "'/dev/sda reallocated'=5c;1;50;0"
    assert perfdata_item("rta", Metric("rta", 12.345, "ms", 100, 300, 0)) == "rta=12.345ms;100;300;0"
    # lower is worse (available memory): alert below the threshold, guideline range "10:"
    assert perfdata_item("avail", Metric("a", 50, "%", 10, 5, 0, 100)) == "avail=50%;10:;5:;0;100"
    assert perfdata_item("temp", Metric("t", 38.5, "C", 50, 60)) == "temp=38.5;50;60"  # C is no Nagios UOM
    assert perfdata_item("tiny", Metric("x", 3e-9, "s")) == "tiny=0.000000003s"
    assert perfdata_item("gone", Metric("x", None, "ms")) == "gone=U"
    assert perfdata_item("text", Metric("x", "eth0")) is None
    assert perfdata_item("it's=odd", Metric("x", 1)) == "it_s_odd=1"


def test_status_line_has_text_then_perfdata() -> None:
    odd = Finding(check="network", subject="a|b", status=Status.OK, summary="pipe | in text\nand a newline",
                  metrics=[Metric("loss_pct", 0.0, "%", 1, 5, 0, 100)])
    result = scan([disk("/dev/sda", Status.CRITICAL, 60), target("pbx", Status.WARNING, 150, 0), odd,
                   system("/", Status.OK, 10)])
    line = render(result)
    _assert_valid(line)
    text = line.split("|", 1)[0]
    assert text.startswith("FIELDKIT CRITICAL - 1 CRITICAL, 1 WARNING: /dev/sda: 60 reallocated")
    assert "'/dev/sda reallocated'=60c;1;50;0" in line and "'pbx rtt_median_ms'=150ms;100;300;0" in line
    assert "'a/b loss_pct'=0%;1;5;0;100" in line


def test_all_ok_line() -> None:
    line = render(scan([system("/", Status.OK, 10)], profile="nightly"))
    assert line == "FIELDKIT OK - 1 findings OK (profile nightly) | '/ used_pct'=10%;85;95;0;100"


# Thresholds that make the real 'system' check WARNING or CRITICAL on any machine (via the root filesystem).
_PERMISSIVE = ["--uptime-warn-days", "3650", "--load-warn-per-core", "100", "--mem-available-warn-pct", "0",
               "--mem-available-crit-pct", "0", "--swap-warn-pct", "100", "--swap-crit-pct", "100",
               "--cpu-temp-warn-c", "150", "--cpu-temp-crit-c", "150", "--battery-wear-warn-pct", "100",
               "--battery-wear-crit-pct", "100", "--clock-drift-warn-s", "86400"]


@pytest.mark.parametrize("fs, code, word", [
    (["--fs-warn-pct", "1", "--fs-crit-pct", "100"], 1, "WARNING"),
    (["--fs-warn-pct", "1", "--fs-crit-pct", "1"], 2, "CRITICAL"),
])
def test_check_nagios_exit_codes(fs: list[str], code: int, word: str) -> None:
    result = CliRunner().invoke(cli, ["check", "system", "--nagios", *_PERMISSIVE, *fs])
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"FIELDKIT {word} - "), result.stdout
    assert result.exit_code == code
    _assert_valid(lines[0])


@pytest.mark.parametrize("status, code", [("ok", 0), ("warning", 1), ("critical", 2), ("unknown", 3)])
def test_every_nagios_exit_code_from_a_check(extra_checks, status: str, code: int) -> None:
    result = CliRunner().invoke(cli, ["check", "fixed", "--status", status, "--nagios", "--subject", "disk 1"])
    assert result.exit_code == code
    assert result.stdout == (f"FIELDKIT {status.upper()} - "
                             + ("1 findings OK (profile check-fixed)" if status == "ok"
                                else f"1 {status.upper()}: disk 1: fixed status {status.upper()}")
                             + " | 'disk 1 value_pct'=42.5%;80;90;0;100\n")


@pytest.mark.parametrize("args", [["check", "system", "--nagios", "--no-such-option"],
                                  ["check", "system", "--nagios", "--json"],
                                  ["scan", "--nagios", "--profile", "no-such-profile"]])
def test_usage_errors_exit_3_with_an_unknown_status_line(args: list[str]) -> None:
    proc = subprocess.run([*fieldkit_cmd(), *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.startswith("FIELDKIT UNKNOWN - ") and proc.stdout.count("\n") == 1
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def german_locale(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A de_DE.UTF-8 locale (decimal comma) compiled into a temp folder, used through LOCPATH."""
    need(shutil.which("localedef") and Path("/usr/share/i18n/locales/de_DE").exists(),
         "localedef and the de_DE locale source (package locales) are needed")
    folder = tmp_path_factory.mktemp("locale")
    subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8", str(folder / "de_DE.UTF-8")], check=True,
                   capture_output=True, timeout=120)
    return dict(os.environ, LOCPATH=str(folder), LC_ALL="de_DE.UTF-8", LANG="de_DE.UTF-8")


_RENDER_UNDER_LOCALE = """
import locale, sys
locale.setlocale(locale.LC_ALL, "")
assert locale.localeconv()["decimal_point"] == ",", locale.localeconv()
sys.path.insert(0, sys.argv[1])
from fk_scans import disk, scan, target
from fieldkit.export.nagios import render
from fieldkit.findings import Status
print(render(scan([disk("/dev/sda", Status.OK, 3), target("pbx", Status.OK, 12.75, 0.5)])))
"""


@pytest.mark.real
def test_decimal_point_ignores_the_locale(tmp_path: Path, german_locale: dict[str, str]) -> None:
    # even a process that switched to a decimal-comma locale prints C-locale numbers (Icinga needs '.')
    proc = subprocess.run([sys.executable, "-c", _RENDER_UNDER_LOCALE, str(ROOT / "tests")], capture_output=True,
                          text=True, timeout=60, env=german_locale)
    assert proc.returncode == 0, proc.stderr
    _assert_valid(proc.stdout.strip())
    assert "'pbx rtt_median_ms'=12.75ms" in proc.stdout and "'pbx loss_pct'=0.5%" in proc.stdout
    cli_run = subprocess.run([*fieldkit_cmd(), "scan", "--profile", "quick", "--nagios", "--out", str(tmp_path)],
                             capture_output=True, text=True, timeout=120, env=german_locale)
    assert cli_run.returncode in (0, 1, 2, 3)
    _assert_valid(cli_run.stdout.strip())
    assert not re.search(r"=\d+,\d", cli_run.stdout)


def test_scan_nagios_writes_no_result_file_into_the_agents_working_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["scan", "--profile", "quick", "--nagios"])
    assert result.stdout.startswith("FIELDKIT ") and result.exit_code in (0, 1, 2, 3)
    assert list(tmp_path.iterdir()) == []
    explicit = CliRunner().invoke(cli, ["scan", "--profile", "quick", "--nagios", "--out", "res"])
    assert explicit.exit_code in (0, 1, 2, 3) and len(list((tmp_path / "res").glob("fieldkit-*.json"))) == 1
