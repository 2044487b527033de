"""The one atomic writer and the one timestamp format."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fieldkit.files import atomic_output, write_atomic
from fieldkit.timestamps import file_stamp, iso_utc, parse_iso


def test_write_atomic_replaces_and_sets_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "fieldkit.prom"
    write_atomic(target, "old\n")
    write_atomic(target, "new\n", mode=0o644)
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["fieldkit.prom"]  # no temp file left behind


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "scan.json"
    target.write_text("complete old result")
    with pytest.raises(RuntimeError):
        with atomic_output(target, binary=True) as fh:
            fh.write(b"half a new res")
            raise RuntimeError("disk pulled")
    assert target.read_text() == "complete old result"
    assert os.listdir(tmp_path) == ["scan.json"]


def test_timestamps_round_trip_at_millisecond_precision() -> None:
    moment = datetime(2026, 11, 2, 9, 15, 30, 123456, tzinfo=timezone(timedelta(hours=2)))
    text = iso_utc(moment)
    assert text == "2026-11-02T07:15:30.123Z"
    assert iso_utc(moment, "seconds") == "2026-11-02T07:15:30Z"
    assert parse_iso(text) == moment.replace(microsecond=123000)
    assert file_stamp(moment) == "20261102T071530Z"
    with pytest.raises(ValueError):
        parse_iso("yesterday")
