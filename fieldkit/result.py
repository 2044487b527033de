"""ScanResult: one run of one or more checks on one machine, and its JSON form."""

from __future__ import annotations

import enum
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from fieldkit import __version__
from fieldkit.files import write_atomic
from fieldkit.findings import Finding, Status, _jsonable, worst
from fieldkit.timestamps import iso_utc, parse_iso

SCHEMA_VERSION = 1
SCHEMA_ID = "fieldkit.scan/1"

#: The report's areas, in the order the report lists them; a check declares one as ``AREA``.
AREAS: tuple[str, ...] = ("disks", "disk_sounds", "network", "voip", "system")
#: Results written before the runner stamped each check's area into ``profile.checks``
#: only had these checks; a check without a stamped or known area is reported under "system".
_AREAS_OF_UNSTAMPED_RESULTS = {"smart": "disks", "acoustic": "disk_sounds", "network": "network", "voip": "voip",
                               "system": "system"}


class Outcome(enum.StrEnum):
    """How one check run ended (the ``outcome`` of a check record in the JSON)."""

    COMPLETED = "completed"
    TIMEOUT = "timeout"          # cut off at its time budget
    ERROR = "error"              # raised an exception
    SKIPPED = "skipped"          # ``applicable()`` said it cannot apply here
    INTERRUPTED = "interrupted"  # Ctrl-C or cancelled before it finished

    @classmethod
    def parse(cls, value: object) -> "Outcome | None":
        """The outcome named by ``value``, or None for a word this fieldkit does not know."""
        try:
            return cls(value)
        except ValueError:
            return None


class ResultError(ValueError):
    """A scan file that cannot be read; the message names the file and the problem."""


@dataclass
class CheckRecord:
    """How one check run went, independent of what it found.

    The report must say loudly which checks did not complete (sos ``timeout_hit``).
    """

    name: str
    outcome: Outcome
    duration_s: float = 0.0
    timeout_s: float | None = None
    error: str = ""
    traceback: str = ""
    skip_reason: str = ""
    findings: int = 0

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "outcome": self.outcome.value, "duration_s": round(self.duration_s, 3),
                "timeout_s": self.timeout_s, "timed_out": self.outcome == "timeout",
                "error": self.error, "traceback": self.traceback, "skip_reason": self.skip_reason,
                "findings": self.findings}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CheckRecord":
        outcome, error = Outcome.parse(d["outcome"]), d.get("error", "")
        if outcome is None:  # written by a newer or edited fieldkit: not completed, and say what it was
            outcome, error = Outcome.ERROR, error or f"unknown outcome {d['outcome']!r}"
        return cls(d["name"], outcome, d.get("duration_s", 0.0), d.get("timeout_s"), error,
                   d.get("traceback", ""), d.get("skip_reason", ""), d.get("findings", 0))


def _parse_json(raw: bytes) -> Any:
    """A scan file's JSON: orjson for speed; what orjson refuses (integers beyond 64 bits, a BOM, NaN written
    by another tool) goes through the standard parser, which also words the error a bad file gets."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw.decode("utf-8"))


@dataclass
class ScanResult:
    machine: dict[str, Any]
    profile: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None = None
    findings: list[Finding] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    scan_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    version: str = __version__
    argv: list[str] = field(default_factory=list)
    complete: bool = False
    interrupted: bool = False
    visit: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        """The worst finding; a scan that did not run every planned check is never better than UNKNOWN."""
        measured = worst(f.status for f in self.findings)
        return worst([measured, Status.UNKNOWN]) if self.incomplete else measured

    @property
    def exit_code(self) -> int:
        """The Nagios exit code; a result file that could not be written makes it at least UNKNOWN (3)."""
        if self.extra.get("output_errors"):
            return int(worst([self.status, Status.UNKNOWN]))
        return int(self.status)

    def planned_checks(self) -> list[str]:
        """The checks the scan's profile asked for (empty when the file does not say)."""
        planned = (self.profile or {}).get("checks")
        return [str(name) for name in planned] if isinstance(planned, dict) else []

    def stamp_check(self, name: str, *, area: str, description: str) -> None:
        """Record what consumers need to know about a planned check (the runner calls this).

        The facts go into ``profile.checks.NAME`` beside the time budget, so the report and
        the exports read them from the document and never load the check module.
        """
        planned = self.profile.setdefault("checks", {})
        facts = planned.setdefault(name, {})
        if isinstance(facts, dict):
            facts.update(area=area, description=description)

    def area_of(self, check: str) -> str:
        """The report area of ``check``: as stamped by the runner, else as known for older results."""
        planned = (self.profile or {}).get("checks")
        facts = planned.get(check) if isinstance(planned, dict) else None
        area = facts.get("area") if isinstance(facts, dict) else None
        if area in AREAS:
            return str(area)
        return _AREAS_OF_UNSTAMPED_RESULTS.get(check, "system")

    def unanswered(self) -> list[str]:
        """Planned checks without an answer: never recorded (crash, kill, full disk) or interrupted."""
        outcomes = {c.name: c.outcome for c in self.checks}
        return [name for name in self.planned_checks() if outcomes.get(name, "interrupted") == "interrupted"]

    @property
    def incomplete(self) -> bool:
        """True when the scan did not run to its end: such a result can never read as good."""
        return not self.complete or self.interrupted or bool(self.unanswered())

    def incomplete_reason(self) -> str:
        """One line saying why the result is incomplete ("" when it is complete)."""
        if not self.incomplete:
            return ""
        missing = self.unanswered()
        why = "was interrupted" if self.interrupted else "did not finish"
        if missing:
            return f"the scan {why}: no answer from {', '.join(missing)}"
        return f"the scan {why}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "scan_id": self.scan_id,
            "tool": {"name": "fieldkit", "version": self.version},
            "argv": self.argv,
            "profile": self.profile,
            "machine": _jsonable(self.machine),
            "started_at": iso_utc(self.started_at),
            "finished_at": iso_utc(self.finished_at) if self.finished_at else None,
            "duration_s": round((self.finished_at - self.started_at).total_seconds(), 3)
            if self.finished_at else None,
            "complete": self.complete,
            "interrupted": self.interrupted,
            "status": self.status.name,
            "exit_code": self.exit_code,
            "checks": [c.to_dict() for c in self.checks],
            "findings": [f.to_dict() for f in self.findings],
            "visit": self.visit,
            "extra": _jsonable(self.extra),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ScanResult":
        version = d.get("schema_version")
        if not isinstance(version, int):
            raise ResultError("not a fieldkit scan (no schema_version)")
        if version > SCHEMA_VERSION:
            raise ResultError(f"written by a newer fieldkit (schema_version {version}, this one reads "
                              f"{SCHEMA_VERSION}): upgrade fieldkit")
        try:
            return cls(
                machine=d.get("machine") or {},
                profile=d.get("profile") or {},
                started_at=parse_iso(d["started_at"]),
                finished_at=parse_iso(d["finished_at"]) if d.get("finished_at") else None,
                findings=[Finding.from_dict(f) for f in d.get("findings", [])],
                checks=[CheckRecord.from_dict(c) for c in d.get("checks", [])],
                scan_id=d.get("scan_id") or uuid.uuid4().hex,
                version=(d.get("tool") or {}).get("version", "?"),
                argv=d.get("argv") or [],
                complete=bool(d.get("complete")),
                interrupted=bool(d.get("interrupted")),
                visit=d.get("visit"),
                extra=d.get("extra") or {},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ResultError(f"malformed scan data: {exc.__class__.__name__}: {exc}") from None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "ScanResult":
        path = Path(path)
        try:
            data = _parse_json(path.read_bytes())
        except OSError as exc:
            raise ResultError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ResultError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ResultError(f"{path}: not a fieldkit scan (top level is not an object)")
        try:
            return cls.from_dict(data)
        except ResultError as exc:
            raise ResultError(f"{path}: {exc}") from None

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write atomically (temp file + rename): a reader or a crash never sees half a file."""
        return write_atomic(path, self.to_json())
