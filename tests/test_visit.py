"""The visit workflow: start, note, end; the log format the history shares; scans belong to the open visit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldkit import paths, visit
from fieldkit.cli import cli

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_start_note_end_writes_the_shared_log_format():
    code, out, _ = run("visit", "start", "--customer", "Acme Dental", "--site", "Main street", "--ticket", "T-1",
                       "--technician", "Sam")
    assert code == 0 and "started" in out
    assert (paths.state_dir() / "visit.json").is_file()
    assert run("visit", "note", "customer", "reports", "clicking")[0] == 0
    assert run("visit", "note", "--action", "replaced SATA cable")[0] == 0
    code, out, _ = run("visit", "end")
    assert code == 0
    assert not (paths.state_dir() / "visit.json").exists()
    logs = list((paths.data_dir() / "visits").glob("*.json"))
    assert len(logs) == 1
    record = json.loads(logs[0].read_text())
    assert set(record) == {"id", "customer", "site", "ticket", "technician", "started_at", "ended_at", "notes"}
    assert logs[0].name == f"{record['id']}.json"
    assert (record["customer"], record["site"], record["ticket"], record["technician"]) == \
        ("Acme Dental", "Main street", "T-1", "Sam")
    assert RFC3339_UTC.match(record["started_at"]) and RFC3339_UTC.match(record["ended_at"])
    assert [(n["text"], n["kind"]) for n in record["notes"]] == [("customer reports clicking", "note"),
                                                                 ("replaced SATA cable", "action")]
    assert all(RFC3339_UTC.match(n["time"]) for n in record["notes"])
    assert visit.closed_visits()[0]["id"] == record["id"]


def test_optional_fields_are_null_and_show_prints_the_open_visit():
    run("visit", "start", "--customer", "C", "--site", "S")
    current = visit.current()
    assert current["ticket"] is None and current["technician"] is None and current["ended_at"] is None
    run("visit", "note", "first")
    code, out, _ = run("visit", "show")
    assert code == 0 and "C / S" in out and "first" in out
    code, out, _ = run("visit", "show", "--json")
    assert json.loads(out)["notes"][0]["text"] == "first"


@pytest.mark.parametrize("args", [["visit", "note", "x"], ["visit", "end"], ["visit", "show"]])
def test_commands_without_an_open_visit_fail_with_one_line(args):
    code, out, err = run(*args)
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "no visit is open" in err


def test_starting_a_second_visit_fails_and_keeps_the_first():
    run("visit", "start", "--customer", "First", "--site", "S")
    code, _, err = run("visit", "start", "--customer", "Second", "--site", "S")
    assert code == 3 and err.count("\n") == 1 and "already open" in err and "First" in err
    assert visit.current()["customer"] == "First"


def test_empty_names_and_notes_are_refused():
    code, _, err = run("visit", "start", "--customer", "  ", "--site", "S")
    assert code == 3 and "customer name must not be empty" in err
    run("visit", "start", "--customer", "C", "--site", "S")
    code, _, err = run("visit", "note", " ")
    assert code == 3 and "note must not be empty" in err


def test_damaged_visit_file_is_named_in_the_error():
    path = paths.state_dir() / "visit.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    code, _, err = run("visit", "note", "x")
    assert code == 3 and str(path) in err and "damaged" in err


def test_scan_during_a_visit_belongs_to_it_and_report_shows_later_notes(tmp_path: Path):
    run("visit", "start", "--customer", "Acme <Dental>", "--site", "HQ", "--technician", "Sam")
    run("visit", "note", "before the scan")
    code, out, err = run("scan", "--out", str(tmp_path))
    assert code in (0, 1, 2, 3) and "error:" not in err, err  # 3 = UNKNOWN verdict (no SMART here)
    scans = list(tmp_path.glob("*.json"))
    htmls = list(tmp_path.glob("*.html"))
    assert len(scans) == 1 and len(htmls) == 1 and htmls[0].stem == scans[0].stem
    assert f"Report written to {htmls[0]}" in out
    data = json.loads(scans[0].read_text())
    assert data["visit"]["id"] == visit.current()["id"] and data["visit"]["customer"] == "Acme <Dental>"
    assert "Acme &lt;Dental&gt;" in htmls[0].read_text()
    run("visit", "note", "--action", "replaced the PSU after the scan")
    run("visit", "end")
    code, _, err = run("report", str(scans[0]), "--out", str(tmp_path / "final.html"))
    assert code == 0, err
    html = (tmp_path / "final.html").read_text()
    assert "before the scan" in html and "replaced the PSU after the scan" in html
    assert "visit still open" not in html


def test_scan_without_visit_and_no_report(tmp_path: Path):
    code, _, err = run("scan", "--out", str(tmp_path), "--no-report", "--quiet")
    assert code in (0, 1, 2, 3) and "error:" not in err, err  # 3 = UNKNOWN verdict (no SMART here)
    assert list(tmp_path.glob("*.html")) == []
    data = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert data["visit"] is None


def test_scan_with_a_damaged_visit_file_still_scans(tmp_path: Path):
    path = paths.state_dir() / "visit.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[]")
    code, _, err = run("scan", "--out", str(tmp_path), "--quiet")
    assert code in (0, 1, 2, 3) and "error:" not in err
    assert "not attached to a visit" in err
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_scan_json_stdout_stays_pure_while_the_report_is_written(tmp_path: Path):
    code, out, err = run("scan", "--out", str(tmp_path), "--json")
    assert code in (0, 1, 2, 3) and "error:" not in err, err  # 3 = UNKNOWN verdict (no SMART here)
    assert json.loads(out)["schema"] == "fieldkit.scan/1"
    assert len(list(tmp_path.glob("*.html"))) == 1


def test_closed_visit_is_read_by_the_history_store():
    """The log format is shared with the history (issue 8): its importer must take our files as they are."""
    from fieldkit.history import HistoryStore

    run("visit", "start", "--customer", "Acme", "--site", "HQ", "--ticket", "T-9")
    run("visit", "note", "--action", "replaced SATA cable")
    run("visit", "end")
    store = HistoryStore.open(create=True)
    assert store.import_visit_files(paths.data_dir() / "visits") == []
    [stored] = store.visits()
    assert (stored["customer"], stored["site"], stored["ticket"]) == ("Acme", "HQ", "T-9")
    assert stored["notes"] == [{"time": stored["notes"][0]["time"], "text": "replaced SATA cable", "kind": "action"}]
