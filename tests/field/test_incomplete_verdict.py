"""Defect 3: a result that did not run every planned check never reads as good, in any output."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from fieldkit import report
from fieldkit.export import nagios, prometheus
from fieldkit.findings import Status
from fieldkit.report.pdf import find_browser
from fieldkit.result import ScanResult
from tests.conftest import need
from tests.fk_scans import disk, scan, system

GOOD = "Everything we checked is in good order"


def cut_short(hostname: str = "alpha") -> ScanResult:
    """What a scan killed after its first two checks leaves on disk: all OK, complete false."""
    result = scan([system("/", Status.OK, 20.0), disk("/dev/sda", Status.OK, 0)], hostname=hostname)
    result.profile = {"name": "full", "checks": {"system": {"timeout_s": 20}, "smart": {"timeout_s": 60},
                                                 "network": {"timeout_s": 60}, "voip": {"timeout_s": 60}}}
    result.complete = False
    result.finished_at = None
    return result


def finished(hostname: str = "beta") -> ScanResult:
    result = scan([system("/", Status.OK, 20.0)], hostname=hostname)
    result.profile = {"name": "quick", "checks": {"system": {"timeout_s": 20}}}
    return result


def test_the_result_itself_is_at_best_unknown() -> None:
    result = cut_short()
    assert result.incomplete and result.unanswered() == ["network", "voip"]
    assert result.status is Status.UNKNOWN and result.exit_code == 3
    assert "did not finish" in result.incomplete_reason() and "network, voip" in result.incomplete_reason()
    doc = json.loads(result.to_json())
    assert doc["status"] == "UNKNOWN" and doc["complete"] is False
    assert ScanResult.from_dict(doc).status is Status.UNKNOWN
    # a CRITICAL disk still outranks the missing checks
    result.findings.append(disk("/dev/sdb", Status.CRITICAL, 900))
    assert result.status is Status.CRITICAL
    # a finished scan is unaffected
    assert finished().status is Status.OK and not finished().incomplete


def test_complete_flag_alone_is_not_trusted() -> None:
    """A file that says complete but lacks a planned check (hand-merged, older writer) is incomplete too."""
    result = cut_short()
    result.complete = True
    assert result.incomplete and result.status is Status.UNKNOWN


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_visit_report_formats_say_the_scan_did_not_finish(fmt: str) -> None:
    text = report.render([cut_short()], fmt)
    assert GOOD not in text
    assert "did not finish" in text
    assert "network" in text and "voip" in text
    if fmt == "json":
        doc = json.loads(text)
        assert doc["status"] == "UNKNOWN" and doc["complete"] is False
        assert doc["unfinished"] == ["network, voip"]
        areas = {a["area"]: a["status"] for a in doc["areas"]}
        assert areas["network"] == "UNKNOWN" and areas["voip"] == "UNKNOWN"  # not the plain "not checked"
        assert areas["disk_sounds"] == "NONE"
    if fmt == "html":
        assert 'data-overall="UNKNOWN"' in text
        assert "The scan stopped before this part was examined." in text


def test_spanish_report_too() -> None:
    text = report.render([cut_short()], "md", lang="es")
    assert "La exploración no terminó" in text and "Todo lo que comprobamos está en buen estado" not in text


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_site_report_names_the_machine_that_did_not_finish(fmt: str) -> None:
    text = report.render([finished(), cut_short()], fmt)
    assert GOOD not in text
    assert "alpha: network, voip" in text
    if fmt == "json":
        doc = json.loads(text)
        machines = {m["name"]: m["status"] for m in doc["machines"]}
        assert machines == {"beta": "OK", "alpha": "UNKNOWN"}


def test_a_finished_scan_still_reads_good() -> None:
    assert GOOD in report.render([finished()], "md")


def test_nagios_line_is_unknown_with_the_reason() -> None:
    line = nagios.render(cut_short())
    assert line.startswith("FIELDKIT UNKNOWN - the scan did not finish: no answer from network, voip")


def test_prometheus_says_the_last_scan_was_incomplete() -> None:
    text = prometheus.render(cut_short())
    assert 'fieldkit_scan_complete{profile="full"} 0' in text
    assert 'fieldkit_scan_incomplete{profile="full"} 1' in text
    assert 'fieldkit_check_unanswered{profile="full",check="voip"} 1' in text
    assert 'fieldkit_scan_status{profile="full"} 3' in text
    assert "fieldkit_last_success_timestamp_seconds" not in text
    ok = prometheus.render(finished())
    assert 'fieldkit_scan_incomplete{profile="quick"} 0' in ok and "fieldkit_check_unanswered" not in ok


@pytest.mark.real
def test_pdf_report_says_the_scan_did_not_finish(tmp_path: Path) -> None:
    need(find_browser(), "no Chromium/Chrome installed (package chromium, scripts/system-packages.txt)")
    need(shutil.which("pdftotext"), "pdftotext missing (package poppler-utils)")
    pdf = report.write_report([cut_short()], tmp_path / "r.pdf", "pdf")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "did not finish" in text and GOOD not in text
