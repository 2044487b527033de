"""PDF engine discovery and the browser time limit (the real print-to-PDF is in test_browser.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from fieldkit import report
from fieldkit.report import pdf

from report_samples import sample_scan


def _fake_browser(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-chromium"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return script


def test_a_hanging_browser_is_killed_at_the_time_limit(tmp_path, monkeypatch):
    pid_file = tmp_path / "pid"
    # The child of the fake browser must die too: the whole process group is killed.
    browser = _fake_browser(tmp_path, f"sleep 60 & echo $! > {pid_file}; wait")
    monkeypatch.setenv("FIELDKIT_CHROMIUM", str(browser))
    with pytest.raises(report.ReportError, match="did not finish within 1 s"):
        report.write_report([sample_scan()], tmp_path / "x.pdf", "pdf", pdf_timeout=1)
    child = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the browser's child process survived the timeout")
    assert not (tmp_path / "x.pdf").exists()


def test_a_browser_that_writes_nothing_is_reported(tmp_path, monkeypatch):
    browser = _fake_browser(tmp_path, "echo 'GPU process crashed' >&2; exit 21")
    monkeypatch.setenv("FIELDKIT_CHROMIUM", str(browser))
    with pytest.raises(report.ReportError, match="produced no PDF: GPU process crashed"):
        report.write_report([sample_scan()], tmp_path / "x.pdf", "pdf")


def test_headless_flags_for_a_closed_network():
    args = pdf.headless_args("/usr/bin/chromium", "/tmp/profile")
    for flag in ("--headless", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--user-data-dir=/tmp/profile"):
        assert flag in args
