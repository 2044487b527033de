"""fieldkit.history.store on a real SQLite database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from fk_scans import at, disk, scan, system, target
from fieldkit.findings import Status
from fieldkit.history import HistoryError, HistoryStore, HistoryView, compare_with_history
from fieldkit.history.store import MIGRATIONS, SCHEMA_VERSION, _statements, db_path

OK, WARN, CRIT, UNK = Status.OK, Status.WARNING, Status.CRITICAL, Status.UNKNOWN


@pytest.fixture
def store(tmp_path: Path):
    with HistoryStore.open(tmp_path / "history.sqlite") as s:
        yield s


def test_default_path_follows_fieldkit_home(fieldkit_home: Path) -> None:
    assert db_path() == fieldkit_home / "data" / "history.sqlite"


def test_store_roundtrip_keeps_the_whole_scan(store: HistoryStore) -> None:
    result = scan([disk("/dev/sda", WARN, 12), target("pbx.example", OK, 21.5, 0.0)], visit=None)
    result.extra["note"] = {"k": [1, 2]}
    scan_row = store.store(result)
    loaded = store.load(scan_row)
    assert loaded.to_dict() == result.to_dict()
    assert store.resolve(str(scan_row)) == scan_row
    assert store.resolve(result.scan_id[:8]) == scan_row
    assert store.resolve("latest") == scan_row


def test_database_is_wal_and_versioned(store: HistoryStore) -> None:
    store.store(scan([system("/", OK, 10)]))
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)


def test_storing_the_same_scan_again_replaces_it(store: HistoryStore) -> None:
    result = scan([disk("/dev/sda", OK, 0)])
    store.store(result)
    result.findings.append(disk("/dev/sdb", CRIT, 80))
    store.store(result)
    assert store.count() == 1
    rows = store.list_scans()
    assert rows[0].n_findings == 2
    assert [p.value for p in store.trend("/dev/sdb", "reallocated")] == [80]
    assert len(store.trend("/dev/sda", "reallocated")) == 1  # the old rows went with the old copy


def test_list_is_newest_first_and_filters_by_host(store: HistoryStore) -> None:
    for i in range(5):
        store.store(scan([system("/", OK, 10 + i)], started=at(i), host_id="a" if i % 2 else "b",
                         hostname="alpha" if i % 2 else "beta"))
    rows = store.list_scans(limit=3)
    assert [r.started_at[:13] for r in rows] == ["2026-03-01T13", "2026-03-01T12", "2026-03-01T11"]
    assert {r.hostname for r in store.list_scans(host="alpha", limit=None)} == {"alpha"}
    assert len(store.list_scans(host="b", limit=None)) == 3


def test_migration_from_schema_1_keeps_old_scans(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("INSERT INTO scans (scan_id, host_id, hostname, profile, started_at, status, complete, "
                 "interrupted, n_findings, document) VALUES ('old1', 'h', 'oldhost', 'quick', "
                 "'2025-01-01T00:00:00.000Z', 1, 1, 0, 0, ?)",
                 (json.dumps(scan([]).to_dict() | {"scan_id": "old1"}),))
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with HistoryStore.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert [r.scan_id for r in store.list_scans()] == ["old1"]
        assert store.list_scans()[0].visit_id is None
        store.store(scan([system("/", OK, 1)], visit={"id": "v1", "customer": "Acme"}))
        assert store.visits()[0]["customer"] == "Acme"


def _snapshot(path: Path) -> tuple[bytes, list[str]]:
    return path.read_bytes(), sorted(p.name for p in path.parent.iterdir())


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = _snapshot(path)
    with pytest.raises(HistoryError, match="newer fieldkit.*schema 99.*untouched"):
        HistoryStore.open(path)
    assert _snapshot(path) == before  # same bytes, and no -wal/-shm files appeared


@pytest.mark.parametrize("content", [b"not a database at all\n" * 50, b"\x00" * 4096])
def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "history.sqlite"
    path.write_bytes(content)
    with pytest.raises(HistoryError, match="not a history database.*untouched"):
        HistoryStore.open(path)
    assert path.read_bytes() == content


def test_someone_elses_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (name)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="not a fieldkit history"):
        HistoryStore.open(path)
    assert path.read_bytes() == before


def test_a_damaged_database_is_reported_and_never_written(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with HistoryStore.open(path) as store:
        for i in range(30):
            store.store(scan([disk(f"/dev/sd{chr(97 + j)}", OK, i) for j in range(8)], started=at(i)))
    # closing checkpointed the WAL into the main file; now damage pages in the middle of it
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    for offset in range(3 * page, 6 * page):
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    damaged = path.read_bytes()
    with pytest.raises(HistoryError, match="damaged"):
        with HistoryStore.open(path) as store:
            store.store(scan([system("/", OK, 1)], started=at(100)))
    assert path.read_bytes() == damaged


def test_previous_findings_is_the_last_earlier_scan_of_this_machine_that_ran_the_check(store: HistoryStore) -> None:
    store.store(scan([disk("/dev/sda", OK, 1)], started=at(0)))
    store.store(scan([disk("/dev/sda", WARN, 5)], started=at(1)))                       # <- expected
    store.store(scan([system("/", OK, 10)], started=at(2)))                            # no smart
    store.store(scan([disk("/dev/sda", UNK, 0)], started=at(3), checks={"smart": "timeout"}))
    store.store(scan([disk("/dev/sda", CRIT, 99)], started=at(4), host_id="other-host"))
    store.store(scan([disk("/dev/sda", CRIT, 77)], started=at(9)))                      # later than "now"
    view = HistoryView(store, "host-a", at(5).isoformat().replace("+00:00", "Z"))
    previous = view.previous_findings("smart")
    assert [(f.subject, f.status, f.metric("reallocated").value) for f in previous] == [("/dev/sda", WARN, 5)]
    assert previous[0].data["drive"]["serial"] == "SN-sda"
    assert view.previous_findings("network") == []
    assert view.errors == []


def test_previous_findings_never_raises(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "h.sqlite")
    view = HistoryView(store, "host-a", "2030-01-01T00:00:00.000Z")
    store.close()
    assert view.previous_findings("smart") == []
    assert view.errors


def test_changes_since_last_compares_each_check_with_its_last_run(store: HistoryStore) -> None:
    store.store(scan([disk("/dev/sda", WARN, 5), disk("/dev/sdb", OK, 0), disk("/dev/sdd", WARN, 3),
                      target("pbx", CRIT, 500, 20)], started=at(0)))
    store.store(scan([system("/", OK, 10)], started=at(1)))  # a nightly scan without disks in between
    now = scan([disk("/dev/sda", CRIT, 60), disk("/dev/sdb", OK, 0), disk("/dev/sdc", WARN, 2),
                target("pbx", OK, 20, 0)], started=at(2))
    changes, _compared = compare_with_history(store, now)
    got = {(c["check"], c["subject"]): (c["before"], c["after"], c["kind"]) for c in changes}
    assert got == {
        ("smart", "/dev/sda"): ("WARNING", "CRITICAL", "worse"),
        ("smart", "/dev/sdc"): (None, "WARNING", "new"),
        ("smart", "/dev/sdd"): ("WARNING", None, "gone"),
        ("network", "pbx"): ("CRITICAL", "OK", "resolved"),
    }
    assert all(set(c) >= {"check", "subject", "before", "after", "summary"} for c in changes)
    assert changes[0]["after"] == "CRITICAL"  # worst first, for the report


def test_a_check_that_did_not_complete_resolves_nothing(store: HistoryStore) -> None:
    store.store(scan([disk("/dev/sda", WARN, 5)], started=at(0)))
    now = scan([disk("smart", UNK, 0)], started=at(1), checks={"smart": "timeout"})
    kinds = {(c["subject"], c["kind"]) for c in compare_with_history(store, now)[0]}
    assert ("/dev/sda", "gone") not in kinds


def test_trend_returns_oldest_first_for_one_machine(store: HistoryStore) -> None:
    for i, value in enumerate([0, 0, 2, 8, 8, 20]):
        store.store(scan([disk("/dev/sda", OK if value < 1 else WARN, value)], started=at(i)))
    store.store(scan([disk("/dev/sda", OK, 1000)], started=at(3.5), host_id="elsewhere"))
    points = store.trend("/dev/sda", "reallocated", host_id="host-a")
    assert [p.value for p in points] == [0, 0, 2, 8, 8, 20]
    assert [p.status for p in points][-1] == WARN
    assert [p.value for p in store.trend("/dev/sda", "reallocated", host_id="host-a", limit=2)] == [8, 20]
    assert len(store.trend("/dev/sda", "reallocated")) == 7
    assert store.trend("/dev/sda", "no_such_metric") == []


def test_current_host_id_matches_machine_identify() -> None:
    from fieldkit.machine import identify
    from fieldkit.platform.hostid import host_id

    assert host_id() == identify()["host_id"]
