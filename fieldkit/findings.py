"""The core model every check produces and every consumer reads.

A check measures, classifies against thresholds and returns :class:`Finding` objects.
The runner, the report, the history and the exports only consume them. The JSON
shape produced by :meth:`Finding.to_dict` is a published contract (see
``fieldkit/schemas/scan.schema.json``): change it only with a schema version bump.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from fieldkit.messages import Msg


class Status(enum.IntEnum):
    """Finding status with the Nagios plugin exit values (0/1/2/3)."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3

    @property
    def severity(self) -> int:
        """Rank for roll-up: CRITICAL > WARNING > UNKNOWN > OK.

        A plain ``max()`` over the Nagios values would let UNKNOWN (3) outrank
        CRITICAL (2): a dying disk must never be hidden by a check that could not run.
        """
        return _SEVERITY[self]

    @classmethod
    def parse(cls, value: "str | int | Status") -> "Status":
        if isinstance(value, Status):
            return value
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            raise ValueError(f"unknown status {value!r} (expected OK, WARNING, CRITICAL or UNKNOWN)") from None


_SEVERITY = {Status.OK: 0, Status.UNKNOWN: 1, Status.WARNING: 2, Status.CRITICAL: 3}


def worst(statuses: Iterable[Status]) -> Status:
    """Roll statuses up by severity; an empty set is OK."""
    result = Status.OK
    for status in statuses:
        if status.severity > result.severity:
            result = status
    return result


class Tier(enum.IntEnum):
    """Escalation tier: who has to act on a finding."""

    ON_SITE = 1      # the technician fixes it during the visit
    HARDWARE = 2     # hardware or vendor replacement
    ENGINEERING = 3  # engineering / vendor escalation


@dataclass
class Metric:
    """One measured value with its unit and the thresholds it was judged against."""

    name: str
    value: float | int | str | bool | None
    unit: str = ""
    warn: float | None = None
    crit: float | None = None
    min: float | None = None
    max: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _json_number(self.value),
            "unit": self.unit,
            "warn": self.warn,
            "crit": self.crit,
            "min": self.min,
            "max": self.max,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Metric":
        return cls(d["name"], d.get("value"), d.get("unit", ""), d.get("warn"), d.get("crit"),
                   d.get("min"), d.get("max"))


@dataclass
class Evidence:
    """What produced a finding: a command and its exit code, or an excerpt of raw data."""

    command: list[str] | None = None
    exit_code: int | None = None
    excerpt: str = ""
    source: str = ""  # a file, a URL, an API: where the excerpt came from

    def to_dict(self) -> dict[str, Any]:
        return {"command": self.command, "exit_code": self.exit_code,
                "excerpt": self.excerpt, "source": self.source}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Evidence":
        return cls(d.get("command"), d.get("exit_code"), d.get("excerpt", ""), d.get("source", ""))


@dataclass
class Advice:
    """Plain-language text for the customer: no jargon, no attribute numbers."""

    meaning: str = ""     # what it means for you
    action: str = ""      # what we did / what to do next
    prevention: str = ""  # how to avoid it next time

    def to_dict(self) -> dict[str, str]:
        return {"meaning": self.meaning, "action": self.action, "prevention": self.prevention}

    def i18n(self) -> dict[str, Any]:
        """The translatable form of each part that is a :class:`Msg` (see ``Finding.to_dict``)."""
        return {part: text.to_dict() for part, text in
                (("meaning", self.meaning), ("action", self.action), ("prevention", self.prevention))
                if isinstance(text, Msg)}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None, i18n: dict[str, Any] | None = None) -> "Advice":
        d = d or {}
        i18n = i18n if isinstance(i18n, dict) else {}
        return cls(*(_text(d.get(part, ""), i18n.get(part)) for part in ("meaning", "action", "prevention")))

    def __bool__(self) -> bool:
        return bool(self.meaning or self.action or self.prevention)


@dataclass
class Finding:
    """One verdict about one subject (a drive, a target, the machine)."""

    check: str
    subject: str
    status: Status
    summary: str
    metrics: list[Metric] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    advice: Advice = field(default_factory=Advice)
    detail: str = ""                  # technician detail: rule, source, raw values
    tier: Tier | None = None
    rule: str = ""                    # short id of the rule that decided the status
    data: dict[str, Any] = field(default_factory=dict)  # structured extras (series for charts, ids)

    def __post_init__(self) -> None:
        self.status = Status.parse(self.status)
        if self.tier is not None:
            self.tier = Tier(self.tier)

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        out = self._to_dict()
        # How each customer text was made (template and parameters), so the report can be made later in
        # another language. Absent when no text is translatable; the English text is always there too.
        i18n: dict[str, Any] = {}
        if isinstance(self.subject, Msg):  # a subject that is a word ("memory"), not a name ("/dev/sda")
            i18n["subject"] = self.subject.to_dict()
        if isinstance(self.summary, Msg):
            i18n["summary"] = self.summary.to_dict()
        advice = self.advice.i18n()
        if advice:
            i18n["advice"] = advice
        if i18n:
            out["i18n"] = i18n
        return out

    def _to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "subject": self.subject,
            "status": self.status.name,
            "status_code": int(self.status),
            "summary": self.summary,
            "metrics": [m.to_dict() for m in self.metrics],
            "evidence": [e.to_dict() for e in self.evidence],
            "advice": self.advice.to_dict(),
            "detail": self.detail,
            "tier": int(self.tier) if self.tier is not None else None,
            "rule": self.rule,
            "data": _jsonable(self.data),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Finding":
        i18n = d.get("i18n") if isinstance(d.get("i18n"), dict) else {}
        return cls(
            check=d["check"],
            subject=_text(d["subject"], i18n.get("subject")),
            status=Status.parse(d["status"]),
            summary=_text(d.get("summary", ""), i18n.get("summary")),
            metrics=[Metric.from_dict(m) for m in d.get("metrics", [])],
            evidence=[Evidence.from_dict(e) for e in d.get("evidence", [])],
            advice=Advice.from_dict(d.get("advice"), i18n.get("advice")),
            detail=d.get("detail", ""),
            tier=d.get("tier"),
            rule=d.get("rule", ""),
            data=d.get("data") or {},
        )


def _text(shown: Any, form: Any) -> Any:
    """The text read back from JSON: a :class:`Msg` when its translatable form is there and still fits."""
    if isinstance(shown, str) and isinstance(form, dict):
        return Msg.from_dict(shown, form)
    return shown


def _json_number(value: Any) -> Any:
    """JSON has no NaN or infinity: a value that is not a number is reported as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _json_number(value.item())
    return value


def _jsonable(value: Any) -> Any:
    """Convert numpy arrays/scalars, tuples and sets into plain JSON values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy arrays
        return _jsonable(value.tolist())
    if isinstance(value, enum.Enum):
        return value.name
    return _json_number(value)
