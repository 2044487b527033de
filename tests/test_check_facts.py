"""A check's facts are declared once, in its module; consumers read them from the result.

The runner stamps each planned check's area and description into the result
(``profile.checks.NAME``); the report and the exports read them from there, so they
work on a result whose check this installation does not have, and never import
``fieldkit.checks``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, write_profile
from fieldkit import checks, profiles
from fieldkit.findings import Finding, Status
from fieldkit.result import AREAS, CheckRecord, Outcome, ScanResult
from fieldkit.timestamps import utcnow
from fieldkit.runner import run_scan

SITE_CHECK = '''
from fieldkit.checks._build import finding_maker
NAME = "pbxports"
DESCRIPTION = "The site's PBX answers on its ports"
AREA = "voip"
TIMEOUT_S = 5
OPTIONS = []
BEFORE_RUN = "pbxports: make sure the PBX is switched on"
_f = finding_maker(NAME)

def run(ctx):
    return [_f("pbx.example.net:5060", "CRITICAL", "The phone system does not answer")]
'''


@pytest.fixture
def site_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site-checks"
    folder.mkdir()
    (folder / "pbxports.py").write_text(SITE_CHECK, encoding="utf-8")
    monkeypatch.setenv("FIELDKIT_EXTRA_CHECKS", str(folder))
    return folder


def test_runner_stamps_area_and_description_of_every_planned_check(tmp_path: Path, site_check: Path) -> None:
    profile = profiles.load(str(write_profile(tmp_path, "[checks.pbxports]\n[checks.system]\n")))
    result = run_scan(profile, machine={"hostname": "h"})
    planned = result.to_dict()["profile"]["checks"]
    assert planned["pbxports"] == {"timeout_s": 5.0, "area": "voip",
                                   "description": "The site's PBX answers on its ports"}
    assert planned["system"]["area"] == "system"
    assert planned["system"]["description"] == checks.load("system").description


def test_report_and_prometheus_read_the_area_from_the_result_not_the_check(tmp_path: Path, site_check: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    profile = profiles.load(str(write_profile(tmp_path, "[checks.pbxports]\n")))
    doc = run_scan(profile, machine={"hostname": "h"}).to_dict()
    monkeypatch.delenv("FIELDKIT_EXTRA_CHECKS")  # the machine that renders has no such check
    assert not checks.exists("pbxports")
    scan = ScanResult.from_dict(json.loads(json.dumps(doc)))
    assert scan.area_of("pbxports") == "voip"

    from fieldkit.export import prometheus
    from fieldkit.report import build

    model, _, _ = build([scan])
    voip = next(a for a in model.areas if a.key == "voip")
    assert voip.state.status is Status.CRITICAL
    assert next(a for a in model.areas if a.key == "system").state.status is None
    assert 'target="pbx.example.net:5060"' in prometheus.render(scan)


def test_results_written_before_the_stamping_keep_the_known_areas() -> None:
    scan = ScanResult(machine={}, profile={"name": "old", "checks": {"smart": {"timeout_s": 60}}},
                      started_at=utcnow(),
                      findings=[Finding("smart", "/dev/sda", Status.OK, "fine"),
                                Finding("mystery", "x", Status.OK, "fine")])
    assert scan.area_of("smart") == "disks" and scan.area_of("network") == "network"
    assert scan.area_of("mystery") == "system"


def test_before_run_is_read_through_the_check_spec(site_check: Path) -> None:
    assert checks.load("pbxports").notice({}) == "pbxports: make sure the PBX is switched on"
    acoustic = checks.load("acoustic")
    assert "microphone" in (acoustic.notice({"duration": 20.0}) or "")
    assert acoustic.notice({"from_wav": "x.wav"}) is None  # nothing to do for a recording made earlier
    assert checks.load("system").notice({}) is None


def test_every_check_declares_a_known_area_and_the_schema_lists_the_same_areas() -> None:
    for name in checks.names():
        assert checks.load(name).area in AREAS
    schema = json.loads((ROOT / "fieldkit" / "schemas" / "scan.schema.json").read_text(encoding="utf-8"))
    assert tuple(schema["$defs"]["planned_checks"]["additionalProperties"]["properties"]["area"]["enum"]) == AREAS


def test_outcome_is_an_enum_that_reads_unknown_words_as_not_completed() -> None:
    record = CheckRecord.from_dict({"name": "x", "outcome": "timeout"})
    assert record.outcome is Outcome.TIMEOUT and record.to_dict()["timed_out"] is True
    odd = CheckRecord.from_dict({"name": "x", "outcome": "vanished"})
    assert odd.outcome is Outcome.ERROR and "vanished" in odd.error
    assert CheckRecord("x", "completed").outcome is Outcome.COMPLETED
    with pytest.raises(ValueError):
        CheckRecord("x", "finished")


def test_rendering_a_report_and_the_exports_loads_no_check_module(tmp_path: Path) -> None:
    """The consumers read the result document only (the import-linter contract, checked at run time too)."""
    scan = ScanResult(machine={"hostname": "h"}, profile={"name": "p", "checks": {"smart": {"area": "disks"}}},
                      started_at=utcnow(), finished_at=utcnow(), complete=True,
                      checks=[CheckRecord("smart", Outcome.COMPLETED)],
                      findings=[Finding("smart", "/dev/sda", Status.WARNING, "3 reallocated sectors")])
    path = scan.write(tmp_path / "scan.json")
    code = (
        "import sys\n"
        "from fieldkit.result import ScanResult\n"
        "from fieldkit import report\n"
        "from fieldkit.export import nagios, prometheus\n"
        "from fieldkit.history import HistoryStore\n"
        f"scan = ScanResult.load({str(path)!r})\n"
        "report.render([scan], 'html'); report.render([scan], 'md'); prometheus.render(scan); nagios.render(scan)\n"
        "loaded = sorted(m for m in sys.modules if m == 'fieldkit.checks' or m.startswith('fieldkit.checks.'))\n"
        "print(','.join(loaded))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
