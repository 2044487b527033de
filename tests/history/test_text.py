"""The history's text and JSON Lines output, without the command line."""

from __future__ import annotations

import pytest

from fk_scans import at, disk, scan
from fieldkit.findings import Status
from fieldkit.history import HistoryError, HistoryStore, text


def test_parse_since_normalises_to_the_stored_format() -> None:
    assert text.parse_since("2026-11-01T00:00:00Z") == "2026-11-01T00:00:00.000Z"
    assert text.parse_since("2026-11-01T02:00:00+02:00") == "2026-11-01T00:00:00.000Z"
    assert text.parse_since("2026-11-01T00:00:00") == "2026-11-01T00:00:00.000Z"  # no offset: UTC
    with pytest.raises(ValueError, match="not an RFC 3339 time"):
        text.parse_since("last tuesday")


def test_pick_host_prefers_the_asked_then_the_only_then_this_machine() -> None:
    with HistoryStore.open(create=True) as store:
        store.store(scan([disk("/dev/sda", Status.OK, 1)], started=at(0), host_id="h1", hostname="one"))
        assert text.pick_host(store, "/dev/sda", "reallocated", None, "elsewhere") == "h1"
        store.store(scan([disk("/dev/sda", Status.OK, 2)], started=at(1), host_id="h2", hostname="two"))
        assert text.pick_host(store, "/dev/sda", "reallocated", "two", "elsewhere") == "h2"
        assert text.pick_host(store, "/dev/sda", "reallocated", None, "h1") == "h1"
        with pytest.raises(HistoryError, match=r"several machines .* one \(h1\), two \(h2\)"):
            text.pick_host(store, "/dev/sda", "reallocated", None, "elsewhere")
        with pytest.raises(HistoryError, match="machine 'three' has no values"):
            text.pick_host(store, "/dev/sda", "reallocated", "three", "h1")


def test_export_lines_per_finding_carry_the_scan_context() -> None:
    doc = scan([disk("/dev/sda", Status.WARNING, 5), disk("/dev/sdb", Status.OK, 0)], started=at(0),
               host_id="h1", hostname="one").to_dict()
    assert text.export_lines(doc, per_finding=False) == [doc]
    lines = text.export_lines(doc, per_finding=True)
    assert [line["subject"] for line in lines] == ["/dev/sda", "/dev/sdb"]
    assert all(line["schema"] == "fieldkit.finding/1" and line["host_id"] == "h1" and
               line["scan_id"] == doc["scan_id"] for line in lines)
