"""Scan history: every scan stored in SQLite, compared, trended and exported.

``store`` holds the database; ``compare`` says what changed between scans; ``stats``
is the technician's log. :func:`compare_with_history` gives what the scan puts into
``result.extra["changes_since_last"]`` for the visit report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fieldkit.history.compare import compare
from fieldkit.history.store import HistoryError, HistoryStore, HistoryView, db_path

if TYPE_CHECKING:
    from fieldkit.result import ScanResult

__all__ = ["HistoryError", "HistoryStore", "HistoryView", "db_path", "compare_with_history"]


def compare_with_history(store: HistoryStore, result: ScanResult) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(changes, compared_with)`` for ``result``.

    Each check is compared with the most recent earlier scan in which *that check*
    completed, so a nightly scan that ran only ``system`` does not make the disks of
    the last full visit look "new". ``compared_with`` lists those earlier scans per check
    (empty: the first scan of this machine, nothing to compare with).
    """
    host_id = str(result.machine.get("host_id") or "unknown")
    started = result.to_dict()["started_at"]
    changes: list[dict[str, Any]] = []
    compared: list[dict[str, Any]] = []
    for record in result.checks:
        previous = store.previous_scan_with_check(host_id, record.name, started, result.scan_id)
        if previous is None:
            continue
        header = store.scan_header(previous)
        compared.append({"check": record.name, "scan_id": header.scan_id, "started_at": header.started_at,
                         "visit_id": header.visit_id})
        before = store.findings_of(previous, record.name)
        after = [f for f in result.findings if f.check == record.name]
        completed = {record.name} if record.outcome == "completed" else set()
        for change in compare(before, after, completed):
            item = change.to_dict()
            item["previous_scan_id"] = header.scan_id
            item["previous_started_at"] = header.started_at
            changes.append(item)
    return changes, compared
