"""fieldkit scan/check with the history, and the 'fieldkit history' commands, on real scans of this machine."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from fk_scans import at, disk, scan
from fieldkit.cli import cli
from fieldkit.findings import Status
from fieldkit.history import HistoryStore, db_path

# Thresholds that make the root filesystem CRITICAL on any machine, and ones that keep it OK.
ROOT_CRITICAL = ["--fs-warn-pct", "1", "--fs-crit-pct", "1"]
ROOT_OK = ["--fs-warn-pct", "100", "--fs-crit-pct", "100"]


def run(*args: str) -> "CliRunner.invoke":
    return CliRunner().invoke(cli, list(args))


def test_every_scan_is_stored_and_listed() -> None:
    assert "No scans stored yet" in run("history", "list").stdout
    first = run("check", "system", "--json", *ROOT_OK)
    second = run("check", "system", "--json", *ROOT_OK)
    assert first.exit_code in (0, 1, 2, 3) and second.exit_code in (0, 1, 2, 3)
    listed = json.loads(run("history", "list", "--json").stdout)
    assert [r["scan_id"] for r in listed] == [json.loads(second.stdout)["scan_id"],
                                             json.loads(first.stdout)["scan_id"]]
    text = run("history", "list").stdout
    assert "check-system" in text and json.loads(first.stdout)["scan_id"][:12] in text


def test_changes_since_last_are_in_the_result_file_and_the_history(tmp_path: Path) -> None:
    run("check", "system", "-q", *ROOT_CRITICAL)
    out = tmp_path / "out"
    result = run("check", "system", "-q", "--out", str(out), *ROOT_OK)
    file = next(out.glob("fieldkit-*.json"))
    changes = json.loads(file.read_text())["extra"]["changes_since_last"]
    root = [c for c in changes if c["subject"] == "/"]
    assert root and root[0]["before"] == "CRITICAL" and root[0]["after"] == "OK" and root[0]["kind"] == "resolved"
    compared = json.loads(file.read_text())["extra"]["compared_with"]
    assert [c["check"] for c in compared] == ["system"] and compared[0]["scan_id"] == root[0]["previous_scan_id"]
    with HistoryStore.open() as store:
        stored = store.load(store.resolve("latest"))
        first = store.load(store.resolve("1"))
    assert stored.extra["changes_since_last"] == changes
    assert first.extra["changes_since_last"] == [] and first.extra["compared_with"] == []
    assert result.exit_code == stored.exit_code


def test_no_history_stores_nothing() -> None:
    run("check", "system", "-q")
    run("check", "system", "-q", "--no-history")
    assert len(json.loads(run("history", "list", "--json").stdout)) == 1


def test_show_diff_and_trend() -> None:
    run("check", "system", "-q", *ROOT_CRITICAL)
    run("check", "system", "-q", *ROOT_OK)
    show = run("history", "show", "1")
    assert show.exit_code == 0 and "CRITICAL" in show.stdout and "Storage /" in show.stdout
    doc = json.loads(run("history", "show", "latest", "--json").stdout)
    assert doc["schema"] == "fieldkit.scan/1" and doc["findings"]
    diff = run("history", "diff", "1", "2", "--json")
    changes = json.loads(diff.stdout)["changes"]
    assert {"check": "system", "subject": "/", "before": "CRITICAL", "after": "OK", "kind": "resolved"}.items() \
        <= next(c for c in changes if c["subject"] == "/").items()
    assert "Resolved" in run("history", "diff", "1", "2").stdout
    trend = run("history", "trend", "--subject", "/", "--metric", "used_pct", "--json")
    assert trend.exit_code == 0, trend.output
    points = json.loads(trend.stdout)
    assert len(points) == 2 and [p["status"] for p in points] == ["CRITICAL", "OK"]
    assert points[0]["started_at"] < points[1]["started_at"] and points[0]["unit"] == "%"
    assert "2 scans" in run("history", "trend", "--subject", "/", "--metric", "used_pct").stdout


def test_history_errors_are_one_line_with_exit_3() -> None:
    run("check", "system", "-q")
    for args in (["history", "show", "999"], ["history", "trend", "--subject", "/", "--metric", "nope"],
                 ["history", "diff", "1", "zzzz"]):
        result = run(*args)
        assert result.exit_code == 3, args
        assert len(result.stderr.strip().splitlines()) == 1 and "error" in result.stderr


def test_trend_asks_for_host_when_several_machines_share_a_series() -> None:
    with HistoryStore.open() as store:
        store.store(scan([disk("/dev/sda", Status.OK, 1)], started=at(0), host_id="h1", hostname="one"))
        store.store(scan([disk("/dev/sda", Status.OK, 2)], started=at(1), host_id="h2", hostname="two"))
    result = run("history", "trend", "--subject", "/dev/sda", "--metric", "reallocated")
    assert result.exit_code == 3 and "--host" in result.stderr and "one (h1)" in result.stderr
    result = run("history", "trend", "--subject", "/dev/sda", "--metric", "reallocated", "--host", "two", "--json")
    assert [p["value"] for p in json.loads(result.stdout)] == [2]


def test_export_jsonl_one_scan_or_one_finding_per_line(tmp_path: Path) -> None:
    with HistoryStore.open() as store:
        for i in range(3):
            store.store(scan([disk("/dev/sda", Status.OK, i), disk("/dev/sdb", Status.OK, i)], started=at(i)))
    lines = run("history", "export", "--jsonl").stdout.splitlines()
    docs = [json.loads(line) for line in lines]
    assert len(docs) == 3 and [d["started_at"] for d in docs] == sorted(d["started_at"] for d in docs)
    assert all(d["schema"] == "fieldkit.scan/1" and len(d["findings"]) == 2 for d in docs)
    out = tmp_path / "f.jsonl"
    run("history", "export", "--jsonl", "--findings", "--since", "2026-03-01T10:00:00Z", "--out", str(out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 4 and {r["subject"] for r in rows} == {"/dev/sda", "/dev/sdb"}
    assert all(r["host_id"] == "host-a" and r["scan_id"] and r["status"] == "OK" for r in rows)
    bad = run("history", "export", "--since", "yesterday")
    assert bad.exit_code == 3 and "--since" in bad.stderr


def test_a_newer_history_does_not_lose_the_scan(tmp_path: Path) -> None:
    run("check", "system", "-q")
    path = db_path()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 42")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    out = tmp_path / "out"
    result = run("check", "system", "--json", "--out", str(out))
    assert result.exit_code in (0, 1, 2, 3)
    assert json.loads(result.stdout)["findings"]          # the scan ran and was printed
    assert len(list(out.glob("fieldkit-*.json"))) == 1     # and written
    warnings = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and "newer fieldkit" in warnings[0] and "still written" in warnings[0]
    assert path.read_bytes() == before


@pytest.mark.parametrize("garbage", [b"PK\x03\x04 a zip file, not a database" * 10])
def test_a_corrupt_history_does_not_lose_the_scan(tmp_path: Path, garbage: bytes) -> None:
    path = db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(garbage)
    out = tmp_path / "out"
    result = run("check", "system", "-q", "--out", str(out))
    assert result.exit_code in (0, 1, 2, 3)
    assert len(list(out.glob("fieldkit-*.json"))) == 1
    assert "not a history database" in result.stderr
    assert path.read_bytes() == garbage
    listed = run("history", "list")
    assert listed.exit_code == 3 and "not a history database" in listed.stderr


def test_list_and_show_name_the_visit() -> None:
    visit = {"id": "v42", "customer": "Acme", "site": "Depot", "ticket": "T-7", "technician": "Sam",
             "started_at": "2026-03-01T08:55:00Z", "ended_at": None, "notes": []}
    with HistoryStore.open() as store:
        store.store(scan([disk("/dev/sda", Status.OK, 0)], started=at(0), visit=visit))
        store.store(scan([disk("/dev/sda", Status.OK, 0)], started=at(1)))
    lines = run("history", "list").stdout.splitlines()
    assert lines[1].rstrip().endswith("-") and lines[2].rstrip().endswith("Acme / Depot")
    shown = run("history", "show", "1").stdout
    assert "During visit v42: customer Acme, site Depot, ticket T-7, technician Sam" in shown


_GROWTH_CHECK = '''
"""Test check: a growth rule as the SMART check writes one, through ctx.history."""
from fieldkit.findings import Finding, Metric
from fieldkit.options import Option

NAME = "growth"
DESCRIPTION = "Test check comparing a counter with the previous scan"
AREA = "disks"
TIMEOUT_S = 10
OPTIONS = [Option("count", "int", 0)]


def run(ctx):
    previous = ctx.history.previous_findings(NAME) if ctx.history is not None else []
    before = previous[0].metric("pending").value if previous else None
    now = ctx.option("count")
    grew = before is not None and now > before
    return [Finding(check=NAME, subject="/dev/sdz", status="WARNING" if grew else "OK",
                    summary=f"pending {before} -> {now}" if before is not None else f"pending {now} (first scan)",
                    metrics=[Metric("pending", now, "c")], data={"previous": before})]
'''


def test_checks_read_the_previous_scan_through_ctx_history(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "growth.py").write_text(_GROWTH_CHECK)
    monkeypatch.setenv("FIELDKIT_EXTRA_CHECKS", str(tmp_path))
    first = json.loads(run("check", "growth", "--count", "0", "--json").stdout)
    assert first["findings"][0]["data"]["previous"] is None
    run("check", "system", "-q")  # a scan without that check in between changes nothing
    second = run("check", "growth", "--count", "8", "--json")
    doc = json.loads(second.stdout)
    assert doc["findings"][0]["data"]["previous"] == 0 and second.exit_code == 1
    assert doc["extra"]["changes_since_last"][0]["kind"] == "new"
    third = json.loads(run("check", "growth", "--count", "8", "--no-history", "--json").stdout)
    assert third["findings"][0]["data"]["previous"] == 8  # --no-history still reads the history
    assert len(json.loads(run("history", "list", "--json").stdout)) == 3
