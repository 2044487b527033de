"""``fieldkit report``: formats, outputs, site reports and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldkit.cli import cli

from report_samples import sample_scan, sample_visit


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def scan_files(tmp_path: Path) -> list[Path]:
    files = []
    for i, host in enumerate(("pc-a", "pc-b", "pc-c"), 1):
        scan = sample_scan(host, seed=i, serial=f"WD-{i}", pending=[0, 3, 15][i - 1], visit=sample_visit())
        files.append(scan.write(tmp_path / f"{host}.json"))
    return files


def test_default_html_next_to_the_scan(scan_files):
    code, out, err = run("report", str(scan_files[0]))
    assert code == 0, err
    written = Path(out.strip().removeprefix("Report written to "))
    assert written.parent == scan_files[0].parent and written.suffix == ".html"
    assert "pc-a" in written.name and "<!DOCTYPE html>" in written.read_text()


def test_site_report_from_several_scans(scan_files, tmp_path):
    code, _, err = run("report", *map(str, scan_files), "--out", str(tmp_path / "site.html"))
    assert code == 0, err
    html = (tmp_path / "site.html").read_text()
    assert "Site visit report" in html
    machines = html[html.index('<section id="machines"'):html.index('<section id="problems"')]
    assert machines.index("pc-c") < machines.index("pc-b") < machines.index("pc-a")  # worst first


@pytest.mark.parametrize("fmt,marker", [("md", "# Visit report"), ("json", '"schema": "fieldkit.report/1"'),
                                        ("html", "<!DOCTYPE html>")])
def test_formats_to_stdout(scan_files, fmt, marker):
    code, out, err = run("report", str(scan_files[1]), "--format", fmt, "--out", "-")
    assert code == 0, err
    assert marker in out
    if fmt == "json":
        json.loads(out)


def test_redact_and_lang_options(scan_files):
    code, out, _ = run("report", str(scan_files[0]), "--redact", "--lang", "es", "--out", "-")
    assert code == 0 and '<html lang="es">' in out and "pc-a" not in out and "WD-1" not in out


def test_pdf_cannot_go_to_stdout(scan_files):
    code, _, err = run("report", str(scan_files[0]), "--format", "pdf", "--out", "-")
    assert code == 3 and "--out FILE.pdf" in err


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("content,message", [
    (None, "cannot read"),
    ("{not json", "not valid JSON"),
    ('{"hello": 1}', "not a fieldkit scan"),
    ("[1, 2]", "not a fieldkit scan"),
    ('{"schema_version": 99}', "written by a newer fieldkit"),
    ('{"schema_version": 1}', "malformed scan data"),
])
def test_bad_input_is_one_line_naming_the_file(tmp_path, scan_files, content, message):
    bad = tmp_path / "bad.json"
    if content is not None:
        _write(bad, content)
    code, out, err = run("report", str(scan_files[0]), str(bad))
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and str(bad) in err and message in err


def test_unknown_format_and_language_are_usage_errors(scan_files):
    assert run("report", str(scan_files[0]), "--format", "docx")[0] == 3
    assert run("report", str(scan_files[0]), "--lang", "xx")[0] == 3


def test_missing_pdf_engine_is_a_clear_message(scan_files, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDKIT_CHROMIUM", str(tmp_path / "no-such-browser"))
    code, _, err = run("report", str(scan_files[0]), "--format", "pdf", "--out", str(tmp_path / "x.pdf"))
    assert code == 3 and "FIELDKIT_CHROMIUM" in err and err.count("\n") == 1
