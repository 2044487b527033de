"""The one way fieldkit writes and reads points in time.

Every stored time is UTC in RFC 3339 with a ``Z`` (``2026-11-02T09:15:30.123Z``): scan
results and the history at millisecond precision (a live scan and the same scan read
back from the history compare equal), visit logs and report headers to the second.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

Precision = Literal["seconds", "milliseconds"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso_utc(moment: datetime, timespec: Precision = "milliseconds") -> str:
    """``moment`` as RFC 3339 UTC with a ``Z``; a naive datetime is taken as local time (Python's rule)."""
    return moment.astimezone(timezone.utc).isoformat(timespec=timespec).replace("+00:00", "Z")


def now_iso(timespec: Precision = "milliseconds") -> str:
    return iso_utc(utcnow(), timespec)


def parse_iso(text: str) -> datetime:
    """An RFC 3339 time as written by :func:`iso_utc` (or any ISO 8601 time with an offset or ``Z``).

    :raises ValueError: not such a time. A time without an offset stays naive.
    """
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def file_stamp(moment: datetime) -> str:
    """A time for a file name, sortable and without colons: ``20261102T091530Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
