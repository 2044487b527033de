"""The scan history: every scan of this machine in one SQLite database.

Design choices:

* One file, ``<data_dir>/history.sqlite``, in WAL mode with short transactions, so a
  reader (``fieldkit history``, osquery ATC, a backup) never blocks a scan and a scan
  killed mid-write (SIGKILL, power cut after the commit) leaves the previous state:
  SQLite rolls an unfinished transaction back on the next open.
* The schema version lives in ``PRAGMA user_version``; :data:`MIGRATIONS` upgrades an
  older database step by step inside one transaction each. A database written by a
  *newer* fieldkit, a file that is not SQLite, or one that is corrupt is refused with a
  one-line :class:`HistoryError` and is **never** modified, recreated or deleted.
* A scan is stored as rows (scans, checks, findings, metrics) for queries, plus the
  JSON of each finding and of the scan header, so ``history show`` and ``export``
  give back exactly what the scan wrote.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from fieldkit.findings import Finding, Status

if TYPE_CHECKING:
    from fieldkit.result import ScanResult

DB_NAME = "history.sqlite"
_SQLITE_MAGIC = b"SQLite format 3\x00"

# Each entry upgrades user_version i -> i+1. Never edit a released step: append a new one.
MIGRATIONS: list[str] = [
    # 1: scans and what they found
    """
    CREATE TABLE scans (
        id          INTEGER PRIMARY KEY,
        scan_id     TEXT NOT NULL UNIQUE,
        host_id     TEXT NOT NULL,
        hostname    TEXT,
        profile     TEXT,
        started_at  TEXT NOT NULL,          -- RFC 3339 UTC with milliseconds: sorts as text
        finished_at TEXT,
        status      INTEGER NOT NULL,       -- Nagios value 0..3 of the overall verdict
        complete    INTEGER NOT NULL,
        interrupted INTEGER NOT NULL,
        version     TEXT,
        n_findings  INTEGER NOT NULL,
        document    TEXT NOT NULL           -- the scan JSON without its findings
    );
    CREATE INDEX scans_time ON scans(started_at);
    CREATE INDEX scans_host_time ON scans(host_id, started_at);
    CREATE TABLE checks (
        scan       INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        name       TEXT NOT NULL,
        outcome    TEXT NOT NULL,
        duration_s REAL,
        PRIMARY KEY (scan, name)
    ) WITHOUT ROWID;
    CREATE TABLE findings (
        id         INTEGER PRIMARY KEY,
        scan       INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        seq        INTEGER NOT NULL,
        check_name TEXT NOT NULL,
        subject    TEXT NOT NULL,
        status     INTEGER NOT NULL,
        rule       TEXT,
        summary    TEXT,
        document   TEXT NOT NULL
    );
    CREATE INDEX findings_scan ON findings(scan, check_name);
    CREATE TABLE metrics (                  -- host, time and status repeated: trends read only this table
        finding    INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
        scan       INTEGER NOT NULL,
        host_id    TEXT NOT NULL,
        started_at TEXT NOT NULL,
        check_name TEXT NOT NULL,
        subject    TEXT NOT NULL,
        name       TEXT NOT NULL,
        value      REAL,
        unit       TEXT,
        warn       REAL,
        crit       REAL,
        status     INTEGER NOT NULL
    );
    CREATE INDEX metrics_scan ON metrics(scan);
    """,
    # 2: visits (technician's log) and the trend index
    """
    ALTER TABLE scans ADD COLUMN visit_id TEXT;
    CREATE INDEX scans_visit ON scans(visit_id);
    CREATE TABLE visits (
        id         TEXT PRIMARY KEY,
        customer   TEXT,
        site       TEXT,
        ticket     TEXT,
        technician TEXT,
        started_at TEXT,
        ended_at   TEXT,
        notes      TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX metrics_trend ON metrics(subject, name, host_id, started_at);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(RuntimeError):
    """The history cannot be used; ``str()`` is one line naming the file and the problem."""


def db_path() -> Path:
    from fieldkit import paths

    return paths.data_dir() / DB_NAME



@dataclass
class ScanRow:
    """One line of ``history list``."""

    id: int
    scan_id: str
    host_id: str
    hostname: str
    profile: str
    started_at: str
    finished_at: str | None
    status: Status
    complete: bool
    interrupted: bool
    n_findings: int
    visit_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "scan_id": self.scan_id, "host_id": self.host_id, "hostname": self.hostname,
                "profile": self.profile, "started_at": self.started_at, "finished_at": self.finished_at,
                "status": self.status.name, "complete": self.complete, "interrupted": self.interrupted,
                "findings": self.n_findings, "visit_id": self.visit_id}


@dataclass
class TrendPoint:
    scan: int
    started_at: str
    host_id: str
    check: str
    value: float | None
    unit: str
    warn: float | None
    crit: float | None
    status: Status

    def to_dict(self) -> dict[str, Any]:
        return {"scan": self.scan, "started_at": self.started_at, "host_id": self.host_id, "check": self.check,
                "value": self.value, "unit": self.unit, "warn": self.warn, "crit": self.crit,
                "status": self.status.name}


_SCAN_COLUMNS = ("id, scan_id, host_id, hostname, profile, started_at, finished_at, status, complete, interrupted, "
                 "n_findings, visit_id")


class HistoryStore:
    """The history database. Thread-safe: checks call :meth:`previous_findings` from their threads."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, create: bool = True) -> "HistoryStore":
        """Open (and if needed create or migrate) the database; never overwrite what is there.

        :raises HistoryError: not SQLite, corrupt, written by a newer fieldkit, or unreadable.
        """
        path = Path(path) if path is not None else db_path()
        _refuse_foreign_file(path)
        if not path.exists():
            if not create:
                raise HistoryError(f"{path}: no scan history yet")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(f"{path.parent}: cannot create the history folder: {exc.strerror or exc}") from None
        try:
            conn = sqlite3.connect(str(path), timeout=15.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise HistoryError(f"{path}: cannot open the history database: {exc}") from None
        store = cls(path, conn)
        try:
            store._prepare()
        except HistoryError:
            conn.close()
            raise
        except sqlite3.OperationalError as exc:  # locked for too long, read-only folder, disk full
            conn.close()
            raise HistoryError(f"{path}: cannot use the history database: {exc}") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise HistoryError(f"{path}: the history database is damaged ({exc}); it was left untouched: "
                               "move it away to start a new history") from None
        return store

    def _prepare(self) -> None:
        conn = self._conn
        # Read the version before changing anything (journal mode included): a newer
        # fieldkit's database must stay byte-for-byte as it is.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path}: written by a newer fieldkit (history schema {version}, this fieldkit "
                               f"knows up to {SCHEMA_VERSION}); upgrade fieldkit. The database was left untouched")
        if version == 0:
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            if tables:
                raise HistoryError(f"{self.path}: an SQLite database that is not a fieldkit history "
                                   "(it has tables but no fieldkit schema version); left untouched")
        conn.execute("PRAGMA busy_timeout = 15000")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION or conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: a crash or kill never corrupts and never loses a committed scan;
        # only a power cut may lose the last commit (sqlite.org/pragma.html#pragma_synchronous).
        conn.execute("PRAGMA synchronous = NORMAL")
        if version < SCHEMA_VERSION:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        with self._transaction() as conn:
            # Re-read inside the write lock: a concurrent fieldkit may have migrated already.
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in range(current, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[step]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step + 1}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "HistoryStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.DatabaseError as exc:
                raise HistoryError(f"{self.path}: the history database is damaged or unreadable ({exc})") from None

    @property
    def schema_version(self) -> int:
        with self._reading() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    # ------------------------------------------------------------------ writing

    def store(self, result: ScanResult, *, verify: bool = True) -> int:
        """Store a :class:`~fieldkit.result.ScanResult` (again: same ``scan_id`` replaces it). Returns its id.

        One transaction: a kill at any point leaves either the old state or the new one.
        ``verify`` runs SQLite's quick_check first (skipped by bulk imports such as the benchmark).
        """
        doc = result.to_dict()
        findings = doc.pop("findings")
        host_id = str(result.machine.get("host_id") or "unknown")
        visit = result.visit if isinstance(result.visit, dict) else None
        try:
            if verify:
                self._check_integrity()
            with self._transaction() as conn:
                conn.execute("DELETE FROM scans WHERE scan_id = ?", (result.scan_id,))
                cur = conn.execute(
                    "INSERT INTO scans (scan_id, host_id, hostname, profile, started_at, finished_at, status, "
                    "complete, interrupted, version, n_findings, document, visit_id) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    _sql_row((result.scan_id, host_id, str(result.machine.get("hostname") or ""),
                              str(result.profile.get("name") or ""), doc["started_at"], doc["finished_at"],
                              int(result.status), int(result.complete), int(result.interrupted), result.version,
                              len(findings), _json_text(doc),
                              str(visit["id"]) if visit and visit.get("id") else None)))
                scan = int(cur.lastrowid)
                conn.executemany("INSERT OR REPLACE INTO checks (scan, name, outcome, duration_s) VALUES (?,?,?,?)",
                                 [_sql_row((scan, c.name, c.outcome, c.duration_s)) for c in result.checks])
                for seq, finding in enumerate(findings):
                    self._insert_finding(conn, scan, seq, finding, host_id, doc["started_at"])
                if visit and visit.get("id"):
                    _upsert_visit(conn, visit)
            return scan
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"{self.path}: could not store the scan ({exc}); the database was left as it "
                               "was") from None

    def _check_integrity(self) -> None:
        # A damaged file is reported, never written to (it would only get worse).
        with self._reading() as conn:
            verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if verdict != "ok":
            raise HistoryError(f"{self.path}: the history database is damaged ({verdict}); it was left untouched: "
                               "move it away to start a new history")

    @staticmethod
    def _insert_finding(conn: sqlite3.Connection, scan: int, seq: int, finding: dict[str, Any], host_id: str,
                        started_at: str) -> None:
        cur = conn.execute(
            "INSERT INTO findings (scan, seq, check_name, subject, status, rule, summary, document) "
            "VALUES (?,?,?,?,?,?,?,?)",
            _sql_row((scan, seq, finding["check"], finding["subject"], finding["status_code"], finding.get("rule", ""),
                      finding.get("summary", ""), _json_text(finding))))
        finding_id = cur.lastrowid
        rows = [_sql_row((finding_id, scan, host_id, started_at, finding["check"], finding["subject"], m["name"],
                          _number(m.get("value")), m.get("unit") or "", _number(m.get("warn")), _number(m.get("crit")),
                          finding["status_code"]))
                for m in finding.get("metrics", [])]
        if rows:
            conn.executemany("INSERT INTO metrics (finding, scan, host_id, started_at, check_name, subject, name, "
                             "value, unit, warn, crit, status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def import_visit(self, visit: dict[str, Any]) -> None:
        with self._transaction() as conn:
            _upsert_visit(conn, visit)

    def import_visit_files(self, folder: Path) -> list[str]:
        """Import ``<data_dir>/visits/*.json`` (written by ``fieldkit visit end``); returns problems, one per file."""
        problems: list[str] = []
        if not folder.is_dir():
            return problems
        for file in sorted(folder.glob("*.json")):
            try:
                visit = json.loads(file.read_text(encoding="utf-8"))
                if not isinstance(visit, dict) or not visit.get("id"):
                    raise ValueError("no visit id")
                self.import_visit(visit)
            except (OSError, ValueError) as exc:
                problems.append(f"{file}: skipped, not a visit record ({exc})")
        return problems

    # ------------------------------------------------------------------ reading

    def list_scans(self, *, limit: int | None = 20, host: str | None = None) -> list[ScanRow]:
        sql = f"SELECT {_SCAN_COLUMNS} FROM scans"
        args: list[Any] = []
        if host:
            sql += " WHERE host_id = ? OR hostname = ?"
            args += [host, host]
        sql += " ORDER BY started_at DESC, id DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        with self._reading() as conn:
            return [_scan_row(r) for r in conn.execute(sql, args)]

    def count(self) -> int:
        with self._reading() as conn:
            return conn.execute("SELECT count(*) FROM scans").fetchone()[0]

    def resolve(self, ref: str) -> int:
        """A scan id from ``history list`` (a number), a scan_id or an unambiguous prefix, or ``latest``."""
        ref = ref.strip()
        with self._reading() as conn:
            if ref in ("latest", "last"):
                row = conn.execute("SELECT id FROM scans ORDER BY started_at DESC, id DESC LIMIT 1").fetchone()
                if row is None:
                    raise HistoryError(f"{self.path}: no scans stored yet")
                return int(row[0])
            if ref.isdigit():
                row = conn.execute("SELECT id FROM scans WHERE id = ?", (int(ref),)).fetchone()
                if row is not None:
                    return int(row[0])
            if len(ref) >= 4:
                rows = conn.execute("SELECT id FROM scans WHERE scan_id LIKE ? ESCAPE '\\' LIMIT 2",
                                    (_like_prefix(ref),)).fetchall()
                if len(rows) == 1:
                    return int(rows[0][0])
                if len(rows) > 1:
                    raise HistoryError(f"scan {ref!r} is ambiguous: give more characters of the scan id")
        raise HistoryError(f"no scan {ref!r} in the history (see 'fieldkit history list')")

    def load(self, scan: int) -> ScanResult:
        """The stored scan as a :class:`~fieldkit.result.ScanResult`."""
        from fieldkit.result import ScanResult

        return ScanResult.from_dict(self.scan_document(scan))

    def scan_document(self, scan: int) -> dict[str, Any]:
        """The stored scan as the JSON document the scan wrote (findings in their original order)."""
        with self._reading() as conn:
            row = conn.execute("SELECT document FROM scans WHERE id = ?", (scan,)).fetchone()
            if row is None:
                raise HistoryError(f"no scan {scan} in the history")
            doc = json.loads(row[0])
            doc["findings"] = [json.loads(r[0]) for r in conn.execute(
                "SELECT document FROM findings WHERE scan = ? ORDER BY seq", (scan,))]
            return doc

    def previous_scan_with_check(self, host_id: str, check: str, before: str, exclude_scan_id: str = "") -> int | None:
        """The most recent scan of ``host_id`` started before ``before`` in which ``check`` completed."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT s.id FROM scans s JOIN checks c ON c.scan = s.id "
                "WHERE s.host_id = ? AND c.name = ? AND c.outcome = 'completed' AND s.started_at < ? "
                "AND s.scan_id != ? ORDER BY s.started_at DESC, s.id DESC LIMIT 1",
                (host_id, check, before, exclude_scan_id)).fetchone()
        return int(row[0]) if row else None

    def findings_of(self, scan: int, check: str | None = None) -> list[Finding]:
        sql = "SELECT document FROM findings WHERE scan = ?"
        args: list[Any] = [scan]
        if check is not None:
            sql += " AND check_name = ?"
            args.append(check)
        with self._reading() as conn:
            rows = conn.execute(sql + " ORDER BY seq", args).fetchall()
        return [Finding.from_dict(json.loads(r[0])) for r in rows]

    def scan_header(self, scan: int) -> ScanRow:
        with self._reading() as conn:
            row = conn.execute(f"SELECT {_SCAN_COLUMNS} FROM scans WHERE id = ?", (scan,)).fetchone()
        if row is None:
            raise HistoryError(f"no scan {scan} in the history")
        return _scan_row(row)

    def trend(self, subject: str, metric: str, *, host_id: str | None = None, check: str | None = None,
              limit: int | None = None) -> list[TrendPoint]:
        """Values of one metric of one subject over time, oldest first (the last ``limit`` points)."""
        # Served by the metrics_trend index alone, newest first, stopping after ``limit`` rows.
        sql = ("SELECT m.scan, m.started_at, m.host_id, m.check_name, m.value, m.unit, m.warn, m.crit, m.status "
               "FROM metrics m WHERE m.subject = ? AND m.name = ?")
        args: list[Any] = [subject, metric]
        if host_id:
            sql += " AND m.host_id = ?"
            args.append(host_id)
        if check:
            sql += " AND m.check_name = ?"
            args.append(check)
        sql += " ORDER BY m.started_at DESC, m.scan DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        with self._reading() as conn:
            rows = conn.execute(sql, args).fetchall()
        return [TrendPoint(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6], r[7], Status(r[8])) for r in reversed(rows)]

    def series_hosts(self, subject: str, metric: str) -> list[tuple[str, str]]:
        """(host_id, hostname) pairs that have this series."""
        with self._reading() as conn:
            hosts = [r[0] for r in conn.execute(
                "SELECT DISTINCT host_id FROM metrics WHERE subject = ? AND name = ?", (subject, metric))]
            return [(h, (conn.execute("SELECT hostname FROM scans WHERE host_id = ? ORDER BY started_at DESC "
                                      "LIMIT 1", (h,)).fetchone() or ("",))[0]) for h in hosts]

    def known_series(self, host_id: str | None = None, limit: int = 30) -> list[tuple[str, str]]:
        """Some (subject, metric) pairs, for a helpful error message."""
        sql = "SELECT DISTINCT m.subject, m.name FROM metrics m"
        args: list[Any] = []
        if host_id:
            sql += " WHERE m.host_id = ?"
            args.append(host_id)
        with self._reading() as conn:
            return conn.execute(sql + " LIMIT ?", (*args, limit)).fetchall()

    def iter_documents(self, *, since: str | None = None) -> Iterator[dict[str, Any]]:
        """Every stored scan as its JSON document, oldest first (for JSON Lines export)."""
        sql = "SELECT id FROM scans"
        args: list[Any] = []
        if since:
            sql += " WHERE started_at >= ?"
            args.append(since)
        with self._reading() as conn:
            ids = [r[0] for r in conn.execute(sql + " ORDER BY started_at, id", args)]
        for scan in ids:
            yield self.scan_document(scan)

    def visits(self) -> list[dict[str, Any]]:
        with self._reading() as conn:
            rows = conn.execute("SELECT id, customer, site, ticket, technician, started_at, ended_at, notes "
                                "FROM visits ORDER BY started_at").fetchall()
        keys = ("id", "customer", "site", "ticket", "technician", "started_at", "ended_at")
        return [dict(zip(keys, r[:7]), notes=json.loads(r[7] or "[]")) for r in rows]

    def finding_timeline(self) -> list[tuple[str, str, str, str, int, str | None]]:
        """(host_id, started_at, check, subject, status, visit_id) for every finding, oldest scan first."""
        with self._reading() as conn:
            return conn.execute(
                "SELECT s.host_id, s.started_at, f.check_name, f.subject, f.status, s.visit_id "
                "FROM findings f JOIN scans s ON s.id = f.scan ORDER BY s.started_at, s.id").fetchall()

    def status_counts(self) -> list[tuple[str | None, int, int]]:
        """(visit_id, status, count) over all stored findings."""
        with self._reading() as conn:
            return conn.execute("SELECT s.visit_id, f.status, count(*) FROM findings f JOIN scans s ON s.id = f.scan "
                                "GROUP BY s.visit_id, f.status").fetchall()

    def integrity(self) -> str:
        with self._reading() as conn:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]


class HistoryView:
    """What a check sees as ``ctx.history`` during a scan: the past of *this* machine only."""

    def __init__(self, store: HistoryStore, host_id: str, before: str, exclude_scan_id: str = "") -> None:
        self.store = store
        self.host_id = host_id
        self.before = before
        self.exclude_scan_id = exclude_scan_id
        self.errors: list[str] = []

    def previous_scan(self, check: str) -> int | None:
        return self.store.previous_scan_with_check(self.host_id, check, self.before, self.exclude_scan_id)

    def previous_findings(self, check: str) -> list[Finding]:
        """Findings of the most recent earlier scan of this machine in which ``check`` completed.

        Never raises: a history problem must not break a check; it is remembered in
        :attr:`errors` and the CLI reports it once.
        """
        try:
            scan = self.previous_scan(check)
            return self.store.findings_of(scan, check) if scan is not None else []
        except (HistoryError, sqlite3.Error, ValueError, KeyError) as exc:
            self.errors.append(str(exc))
            return []


# ---------------------------------------------------------------------- helpers

def _statements(script: str) -> list[str]:
    # Our migrations hold no semicolons inside literals, so a plain split is exact.
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _refuse_foreign_file(path: Path) -> None:
    """Refuse, before SQLite touches it, a file that is not an SQLite database."""
    try:
        if not path.exists():
            return
        if path.is_dir():
            raise HistoryError(f"{path}: is a folder, not a history database")
        size = path.stat().st_size
        if size == 0:
            return  # an empty file is an empty database to SQLite
        with path.open("rb") as fh:
            magic = fh.read(16)
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read the history database: {exc.strerror or exc}") from None
    if magic != _SQLITE_MAGIC:
        raise HistoryError(f"{path}: not a history database (not SQLite, or damaged); it was left untouched: "
                           "move it away to start a new history")


def _upsert_visit(conn: sqlite3.Connection, visit: dict[str, Any]) -> None:
    # A closed visit (ended_at set) must not be reopened by an older record of it.
    conn.execute(
        "INSERT INTO visits (id, customer, site, ticket, technician, started_at, ended_at, notes) "
        "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
        "customer = coalesce(excluded.customer, customer), site = coalesce(excluded.site, site), "
        "ticket = coalesce(excluded.ticket, ticket), technician = coalesce(excluded.technician, technician), "
        "started_at = coalesce(started_at, excluded.started_at), "
        "ended_at = coalesce(excluded.ended_at, ended_at), "
        "notes = CASE WHEN excluded.ended_at IS NOT NULL OR ended_at IS NULL THEN excluded.notes ELSE notes END",
        _sql_row((str(visit["id"]), _text(visit.get("customer")), _text(visit.get("site")), _text(visit.get("ticket")),
                  _text(visit.get("technician")), _text(visit.get("started_at")), _text(visit.get("ended_at")),
                  _json_text(visit.get("notes") or []))))


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _json_text(value: Any) -> str:
    """JSON for a document column. A lone surrogate (an undecodable byte from a mount point or a
    device name) cannot be stored as UTF-8: then every non-ASCII character is escaped, which
    reads back as exactly the same text."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, ensure_ascii=True, allow_nan=False)
    return text


def _sql_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Plain text columns: lone surrogates shown as ``\\udcff`` (SQLite needs valid UTF-8)."""
    return tuple(v.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(v, str) else v for v in row)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _scan_row(r: Sequence[Any]) -> ScanRow:
    return ScanRow(r[0], r[1], r[2], r[3] or "", r[4] or "", r[5], r[6], Status(r[7]), bool(r[8]), bool(r[9]),
                   r[10], r[11])

