"""The visit log: who came, for whom, when, and what was noted and done.

``fieldkit visit start`` opens a visit (``state_dir()/visit.json``); scans run while it is
open carry it (``ScanResult.visit``); ``visit note`` records notes and actions taken;
``visit end`` closes it into ``data_dir()/visits/<id>.json``, which the history keeps
as the technician's log. The file format is shared with the history issue, keep it:

``{"id", "customer", "site", "ticket", "technician", "started_at", "ended_at",
"notes": [{"time", "text", "kind": "note"|"action"}]}``, times RFC 3339 UTC (``...Z``).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from fieldkit import paths
from fieldkit.files import write_atomic
from fieldkit.platform import locking
from fieldkit.timestamps import file_stamp, iso_utc, utcnow

MAX_TEXT = 4000  # a note is a sentence or a paragraph, not a log dump


class VisitError(RuntimeError):
    """A visit command that cannot proceed; the message is one line for the technician."""


def _now() -> datetime:
    return utcnow()


def _stamp(moment: datetime) -> str:
    return iso_utc(moment, "seconds")


def open_path() -> Path:
    return paths.state_dir() / "visit.json"


def visits_dir() -> Path:
    return paths.data_dir() / "visits"


#: How long a visit command waits for another one to finish its write (a write takes milliseconds).
LOCK_WAIT_S = 30.0


def lock_path() -> Path:
    return paths.state_dir() / "visit.lock"


@contextmanager
def _serialised(wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``visit.lock`` around a read-modify-write of the visit.

    Twenty ``visit note`` commands started at once each read the open visit, append and
    rename their copy over it: without a lock all but the last rename are lost. The
    kernel drops the lock when its holder dies (even by SIGKILL), so it never goes stale.
    """
    if not locking.available():  # pragma: no cover - neither flock nor msvcrt
        yield
        return
    path = lock_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise VisitError(f"{path}: cannot create the visit lock: {exc.strerror or exc}") from None
    try:
        deadline = time.monotonic() + wait_s
        while True:
            if locking.try_lock(fd):
                break
            if time.monotonic() >= deadline:
                raise VisitError(f"{path}: another visit command has held the visit for more than "
                                 f"{wait_s:g} s; try again")
            time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _clean(value: str | None, what: str, required: bool = False) -> str | None:
    text = " ".join((value or "").split())
    if required and not text:
        raise VisitError(f"{what} must not be empty")
    if len(text) > MAX_TEXT:
        raise VisitError(f"{what} is too long ({len(text)} characters, at most {MAX_TEXT})")
    return text or None


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise VisitError(f"{path}: cannot read the visit: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VisitError(f"{path}: the visit file is damaged ({exc}); move it away to start a new visit") from None
    if not isinstance(data, dict) or not data.get("id"):
        raise VisitError(f"{path}: not a fieldkit visit; move it away to start a new visit")
    return data


def current() -> dict[str, Any] | None:
    """The open visit, or None."""
    path = open_path()
    if not path.exists():
        return None
    return _read(path)


def _write_open(visit: dict[str, Any]) -> None:
    write_atomic(open_path(), json.dumps(visit, indent=2, ensure_ascii=False) + "\n")


def start(customer: str, site: str, ticket: str | None = None, technician: str | None = None,
          now: datetime | None = None, lang: str | None = None) -> dict[str, Any]:
    """Open a visit; of several concurrent starts exactly one succeeds, the others get VisitError.

    ``lang`` is the customer's language: the visit's reports are made in it, whatever the
    technician's machine is set to."""
    if lang is not None:
        from fieldkit.i18n.domains import LANGUAGES

        if lang not in LANGUAGES:
            raise VisitError(f"unknown language {lang!r} (available: {', '.join(LANGUAGES)})")
    with _serialised():
        return _start_locked(customer, site, ticket, technician, now, lang)


def _start_locked(customer: str, site: str, ticket: str | None, technician: str | None,
                  now: datetime | None, lang: str | None = None) -> dict[str, Any]:
    existing = current()
    if existing is not None:
        raise VisitError(f"a visit is already open ({existing['id']}, {existing.get('customer')} / "
                         f"{existing.get('site')}, since {existing.get('started_at')}): end it first "
                         "with 'fieldkit visit end'")
    moment = now or _now()
    visit = {
        "id": f"{file_stamp(moment)}-{secrets.token_hex(3)}",
        "customer": _clean(customer, "the customer name", required=True),
        "site": _clean(site, "the site name", required=True),
        "ticket": _clean(ticket, "the ticket reference"),
        "technician": _clean(technician, "the technician name"),
        "started_at": _stamp(moment),
        "ended_at": None,
        "notes": [],
    }
    if lang:
        visit["lang"] = lang
    _write_open(visit)
    return visit


def _require_open(action: str) -> dict[str, Any]:
    visit = current()
    if visit is None:
        raise VisitError(f"no visit is open, nothing to {action}: start one with "
                         "'fieldkit visit start --customer NAME --site NAME'")
    return visit


def note(text: str, action: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """Append a note (or an action taken) to the open visit; returns the note."""
    with _serialised():
        return _note_locked(text, action, now)


def _note_locked(text: str, action: bool, now: datetime | None) -> dict[str, Any]:
    visit = _require_open("note")
    entry = {"time": _stamp(now or _now()), "text": _clean(text, "the note", required=True),
             "kind": "action" if action else "note"}
    visit.setdefault("notes", []).append(entry)
    _write_open(visit)
    return entry


def end(now: datetime | None = None, signed_by: str | None = None) -> tuple[dict[str, Any], Path]:
    """Close the open visit into the visit log; returns it and where it was written.

    ``signed_by``: who acknowledged the visit for the customer (shown in the report's sign-off)."""
    with _serialised():
        return _end_locked(now, signed_by)


def _end_locked(now: datetime | None, signed_by: str | None = None) -> tuple[dict[str, Any], Path]:
    visit = _require_open("end")
    signer = _clean(signed_by, "the name of who signed")
    visit["ended_at"] = _stamp(now or _now())
    if signer:
        visit["signed_by"] = signer
        visit["signed_at"] = visit["ended_at"]
    target = visits_dir() / f"{visit['id']}.json"
    write_atomic(target, json.dumps(visit, indent=2, ensure_ascii=False) + "\n")
    open_path().unlink()
    return visit, target


def load(visit_id: str) -> dict[str, Any] | None:
    """The latest record of a visit: the closed log entry, or the open visit with that id."""
    if not visit_id or "/" in visit_id or "\\" in visit_id or visit_id.startswith("."):
        return None
    closed = visits_dir() / f"{visit_id}.json"
    if closed.is_file():
        try:
            return _read(closed)
        except VisitError:
            return None
    try:
        open_visit = current()
    except VisitError:
        return None
    return open_visit if open_visit and open_visit.get("id") == visit_id else None


def closed_visits() -> list[dict[str, Any]]:
    """Every closed visit, oldest first (damaged files are skipped)."""
    out = []
    folder = visits_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                out.append(_read(path))
            except VisitError:
                continue
    return sorted(out, key=lambda v: v.get("started_at") or "")
