"""Defect 4 and the hostile-string corpus through every output: terminal, JSON, HTML, Markdown, PDF,
Prometheus labels, the Nagios line. JSON keeps the original text; everything else shows it safely."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from fieldkit import report
from fieldkit.console import print_summary
from fieldkit.export import nagios, prometheus
from fieldkit.report.pdf import find_browser
from fieldkit.result import ScanResult
from fieldkit.safetext import one_line, visible
from tests.conftest import need
from tests.field.helpers import fk
from tests.field.hostile import BIDI, CLEAR, CORPUS, LONG, NUL, OVERWRITE, TITLE, UNDECODABLE, forbidden_in, \
    hostile_scan


def test_visible_shows_every_dangerous_character() -> None:
    assert visible(TITLE) == "\\x1b]0;pwned\\x07"
    assert visible(BIDI) == "invoice\\u202efdp.exe\\u202c"
    assert visible(NUL) == "nul\\x00byte"
    assert visible(OVERWRITE).count("\\x08") == 7
    assert visible(UNDECODABLE) == "model \\udcff\\udcfe\\udcc3"
    assert visible("tab\there\nnext", keep_newlines=True) == "tab\\there\nnext"
    assert visible("plain ünïcode ✔ 日本") == "plain ünïcode ✔ 日本"
    assert one_line("first\nsecond\r\n third\x1b") == "first second third\\x1b"
    for text in CORPUS:
        assert not forbidden_in(visible(text))


def test_terminal_summary_table() -> None:
    out = io.StringIO()
    print_summary(hostile_scan(), out)  # rich must not read "[/]" as markup either
    text = out.getvalue()
    assert forbidden_in(text) == []
    assert "\\x1b]0;pwned" in text and "\\u202e" in text


def test_json_keeps_the_original_text(tmp_path: Path) -> None:
    scan = hostile_scan()
    path = scan.write(tmp_path / "scan.json")
    back = ScanResult.load(path)
    assert [f.subject for f in back.findings] == [f.subject for f in scan.findings]
    assert back.machine["hostname"] == scan.machine["hostname"]  # undecodable bytes survive the round trip
    assert back.visit["notes"][0]["text"] == TITLE
    assert json.loads(scan.to_json())["findings"][0]["subject"].endswith(TITLE)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_report_formats_show_controls_visibly(fmt: str) -> None:
    text = report.render([hostile_scan()], fmt)
    assert forbidden_in(text) == []
    assert "pwned" in text and "x1b" in text and LONG[:1000] in text
    if fmt == "md":
        # a newline inside a field must not start a new Markdown line (a table row or a heading);
        # only inside a fenced code block (a command's output excerpt) are line breaks kept
        fenced = False
        for line in text.splitlines():
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced:
                assert not line.startswith("next line"), line


def test_json_report_keeps_the_original_text() -> None:
    doc = json.loads(report.render([hostile_scan()], "json"))
    subjects = [f["subject"] for f in doc["scans"][0]["findings"]]
    assert any(s.endswith(TITLE) for s in subjects) and any(s.endswith(BIDI) for s in subjects)


def test_site_report_of_hostile_machines() -> None:
    a, b = hostile_scan(), hostile_scan()
    b.scan_id = "f" * 32
    assert forbidden_in(report.render([a, b], "html")) == []


@pytest.mark.real
def test_pdf_of_hostile_strings(tmp_path: Path) -> None:
    need(find_browser(), "no Chromium/Chrome installed (package chromium, scripts/system-packages.txt)")
    need(shutil.which("pdftotext"), "pdftotext missing (package poppler-utils)")
    pdf = report.write_report([hostile_scan()], tmp_path / "r.pdf", "pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "pwned" in text and forbidden_in(text) == []


def test_prometheus_labels(tmp_path: Path) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    text = prometheus.render(hostile_scan())
    assert forbidden_in(text) == []
    families = list(text_string_to_metric_families(text))  # parses: every label value is well escaped
    values = [v for f in families for s in f.samples for v in s.labels.values()]
    assert any("\\x1b]0;pwned" in v for v in values)
    written = prometheus.write_textfile(tmp_path / "x.prom", text)
    assert written.read_text(encoding="utf-8") == text


def test_nagios_line() -> None:
    line = nagios.render(hostile_scan())
    assert "\n" not in line and forbidden_in(line) == []
    status_part = line.split(" | ", 1)[0]
    assert len(status_part) <= len("FIELDKIT CRITICAL - ") + nagios.MAX_TEXT
    assert nagios.unknown(f"bad {TITLE}\nsecond") == "FIELDKIT UNKNOWN - bad \\x1b]0;pwned\\x07 second"


# ------------------------------------------------------------------ the real CLI (defect 4)

ARGV_SAFE = [t for t in CORPUS if "\x00" not in t]  # argv cannot carry NUL


def test_visit_show_makes_notes_safe(tmp_path: Path) -> None:
    started = fk(["visit", "start", "--customer", f"Acme {TITLE}", "--site", f"Main {BIDI}",
                  "--technician", OVERWRITE], tmp_path)
    assert started.returncode == 0 and forbidden_in(started.stdout) == []
    for text in ARGV_SAFE:
        done = fk(["visit", "note", text], tmp_path)
        if text == LONG:  # a note is a paragraph, not a log dump: refused in one line
            assert done.returncode == 3 and done.stderr.strip().endswith("(10000 characters, at most 4000)")
        else:
            assert done.returncode == 0, done.stderr
    shown = fk(["visit", "show"], tmp_path)
    assert shown.returncode == 0 and forbidden_in(shown.stdout) == []
    assert "\\x1b]0;pwned\\x07" in shown.stdout and "\\u202e" in shown.stdout
    raw = json.loads(fk(["visit", "show", "--json"], tmp_path).stdout)
    assert raw["customer"] == f"Acme {TITLE}"  # JSON keeps the original
    assert [n["text"] for n in raw["notes"]][0] == " ".join(ARGV_SAFE[0].split())


def test_check_output_makes_subjects_safe(tmp_path: Path) -> None:
    done = fk(["check", "fixed", "--subject", f"x{TITLE}{CLEAR}{BIDI}{UNDECODABLE}[/]"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert forbidden_in(done.stdout) == [] and "pwned" in done.stdout


def test_history_list_and_show_make_strings_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fieldkit.history import HistoryStore

    monkeypatch.setenv("FIELDKIT_HOME", str(tmp_path))
    scan = hostile_scan()
    with HistoryStore.open(create=True) as store:
        store.store(scan)
    listed = fk(["history", "list"], tmp_path)
    assert listed.returncode == 0 and forbidden_in(listed.stdout) == [], listed.stderr
    assert "host\\x1b]0;pwne" in listed.stdout
    shown = fk(["history", "show", "latest"], tmp_path)
    assert shown.returncode == 0 and forbidden_in(shown.stdout) == [] and "pwned" in shown.stdout


def test_errors_and_warnings_from_files_are_one_safe_line(tmp_path: Path) -> None:
    bad = tmp_path / f"bad{TITLE}.toml"
    bad.write_text(f'description = "x"\n[checks.system]\nfs_warn_pct = "{CLEAR}"\n', encoding="utf-8")
    done = fk(["profiles", "validate", str(bad)], tmp_path)
    assert done.returncode == 3
    assert forbidden_in(done.stderr) == [] and len(done.stderr.strip().splitlines()) == 1
    done = fk(["scan", "--profile", str(bad)], tmp_path)
    assert done.returncode == 3 and forbidden_in(done.stderr) == [] and len(done.stderr.strip().splitlines()) == 1


def test_invalid_utf8_and_escapes_in_command_output(tmp_path: Path) -> None:
    """A smartctl capture whose model string holds invalid UTF-8, a title escape and a bidi override,
    through the real smart check: the terminal table, the Nagios line and the JSON stay sound."""
    from tests.conftest import FIXTURES

    raw = (FIXTURES / "smart" / "h01_ata_text_OOS12000G_pysmart.txt").read_bytes()
    hostile = b"OOS\xff\xfe \x1b]0;pwned\x07 \xe2\x80\xae12000G \x1b[2J"
    capture = tmp_path / "capture.txt"
    capture.write_bytes(raw.replace(b"OOS12000G", hostile, 1))
    table = fk(["check", "smart", "--from-file", str(capture), "--no-history"], tmp_path)
    assert table.returncode in (0, 1, 2) and "Traceback" not in table.stderr
    assert forbidden_in(table.stdout) == [] and "pwned" in table.stdout
    line = fk(["check", "smart", "--from-file", str(capture), "--no-history", "--nagios"], tmp_path)
    assert line.stdout.count("\n") == 1 and forbidden_in(line.stdout) == []
    doc = json.loads(fk(["check", "smart", "--from-file", str(capture), "--no-history", "--json"], tmp_path).stdout)
    models = [f.get("data", {}).get("drive", {}).get("model") or "" for f in doc["findings"]]
    assert any("\x1b]0;pwned\x07" in m for m in models)  # JSON keeps the original text
