"""Translatable texts: an English sentence that remembers how it was made.

A check writes its customer-facing texts (a finding's summary and advice) in English, as
whole sentences with named placeholders, through :func:`t` (or :func:`tn` where the
sentence depends on a count)::

    summary = t("{count} reallocated sectors on this disk", count=n)
    summary = tn("{n} sector could not be read", "{n} sectors could not be read", n=pending)

The value is a plain ``str`` (the English text), so every consumer that expects a string
keeps working. It also carries the template and the parameters, so the report, which
may be made later and in the customer's language, can look the template up in the
gettext catalog and format the parameters for that locale. Texts built by gluing
fragments together lose that information on purpose: a glued sentence cannot be
translated, only a whole one can.

``t`` and ``tn`` are the keywords the catalog extraction looks for (Babel: ``t``,
``tn:1,2``); do not rename them.
"""

from __future__ import annotations

import string
from datetime import date, datetime, timezone
from typing import Any

#: kinds of :class:`Quantity`: how the report formats the value for the reader's locale
QUANTITY_KINDS = ("size", "memsize", "duration", "date", "datetime")


class Quantity:
    """A value the report formats for the locale in a way of its own: a size in bytes, a duration
    in seconds, a date or a moment. In the English text (and in ``str.format``) it reads as English.

    ``t("{size} free on this disk", size=size(free_bytes))`` -> "12.3 GB free on this disk",
    "12,3 GB libres ..." in Spanish; ``duration(3 * 86400)`` -> "3 days", "3 дня".
    """

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: Any) -> None:
        if kind not in QUANTITY_KINDS:
            raise ValueError(f"unknown quantity kind {kind!r}")
        if kind in ("date", "datetime") and isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if kind == "date":
                value = value.date()
        self.kind = kind
        self.value = value

    def render(self, locale: str = "en") -> str:
        from fieldkit.i18n.format import format_quantity  # Babel is imported only when a quantity is shown

        return format_quantity(self, locale)

    def __format__(self, spec: str) -> str:
        return self.render("en")

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"Quantity({self.kind!r}, {self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Quantity) and (self.kind, self.value) == (other.kind, other.value)

    def __hash__(self) -> int:
        return hash((self.kind, self.value))

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            value = value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        elif isinstance(value, date):
            value = value.isoformat()
        return {"$q": self.kind, "value": value}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Quantity":
        return cls(str(d["$q"]), d.get("value"))


def size(n_bytes: int | float) -> Quantity:
    """A size in bytes, shown with a unit the reader knows (kB, MB, GB, TB; powers of 1000 as disks are sold)."""
    return Quantity("size", n_bytes)


def memory_size(n_bytes: int | float) -> Quantity:
    """A memory size in bytes, in powers of 1024 as operating systems show memory (16 GiB reads "16 GB")."""
    return Quantity("memsize", n_bytes)


def duration(seconds: int | float) -> Quantity:
    """A length of time, shown in the largest sensible unit ("3 days", "5 minutes")."""
    return Quantity("duration", seconds)


def day(moment: date | datetime) -> Quantity:
    """A calendar date ("2 Dec 2026", "2 dic 2026")."""
    return Quantity("date", moment.date() if isinstance(moment, datetime) else moment)


def moment(when: datetime) -> Quantity:
    """A date and time ("2 Dec 2026, 09:30")."""
    return Quantity("datetime", when)


class MsgList(str):
    """Several translatable texts shown as one parameter ("a; b; c"): each is translated on its own, so a
    list of sentence parts stays translatable where gluing them into one string would not."""

    items: list[Any]
    sep: str

    def __new__(cls, items: Any, sep: str = "; ") -> "MsgList":
        items = list(items)
        obj = super().__new__(cls, sep.join(str(i) for i in items))
        obj.items = items
        obj.sep = sep
        return obj

    def to_dict(self) -> dict[str, Any]:
        return {"$list": [_param_to_json(i) for i in self.items], "sep": self.sep}


def joined(items: Any, sep: str = "; ") -> MsgList:
    """``t("... {what}", what=joined(t("gateway {gw}", gw=g) for g in ...))``: a list inside a sentence."""
    return MsgList(items, sep)


def _param_to_json(value: Any) -> Any:
    if isinstance(value, (Msg, Quantity, MsgList)):
        return value.to_dict()
    return value


def _param_from_json(value: Any) -> Any:
    if isinstance(value, dict) and "id" in value:
        return Msg.from_dict("", value)
    if isinstance(value, dict) and isinstance(value.get("$list"), list):
        return MsgList([_param_from_json(i) for i in value["$list"]], str(value.get("sep", "; ")))
    if isinstance(value, dict) and "$q" in value:
        try:
            return Quantity.from_dict(value)
        except (ValueError, TypeError, KeyError):
            return value.get("value")
    return value


class Msg(str):
    """The English rendering of a template, with the template and parameters kept."""

    template: str
    plural: str | None
    params: dict[str, Any]

    def __new__(cls, template: str, plural: str | None = None, **params: Any) -> "Msg":
        count = params.get("n")
        chosen = plural if plural is not None and count != 1 else template
        text = chosen.format(**params)
        obj = super().__new__(cls, text)
        obj.template = template
        obj.plural = plural
        obj.params = dict(params)
        return obj

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored beside the English text in a result document."""
        out: dict[str, Any] = {"id": self.template}
        if self.plural is not None:
            out["plural"] = self.plural
        if self.params:
            out["params"] = {k: _param_to_json(v) for k, v in self.params.items()}
        return out

    @classmethod
    def from_dict(cls, text: str, d: dict[str, Any] | None) -> "str | Msg":
        """Rebuild a message read back from JSON; a bare string stays a bare string."""
        if not d or "id" not in d:
            return text
        params = {k: _param_from_json(v) for k, v in (d.get("params") or {}).items()}
        try:
            wanted = {name for form in (d["id"], d.get("plural") or "")
                      for _, name, _, _ in string.Formatter().parse(form) if name}
            if params and not wanted <= set(params) or not params and wanted:
                return text  # the template names a value the document lacks: keep what was shown
            return cls(d["id"], d.get("plural"), **params)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            return text  # a template that no longer matches its parameters: keep what was shown

    def map_params(self, fn: Any) -> "Msg":
        """The same message with ``fn`` applied to every text parameter (redaction, secret scrubbing):
        the template stays translatable, only the machine's strings change."""
        def one(v: Any) -> Any:
            if isinstance(v, Msg):
                return v.map_params(fn)
            if isinstance(v, MsgList):
                return MsgList([one(i) for i in v.items], v.sep)
            return fn(v) if isinstance(v, str) else v

        params = {k: one(v) for k, v in self.params.items()}
        try:
            return Msg(self.template, self.plural, **params)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            return self

    # str methods return plain str; that is intended (see the module docstring).


def t(template: str, **params: Any) -> Msg:
    """A translatable sentence: ``t("{count} reallocated sectors", count=5)``."""
    return Msg(template, None, **params)


def tn(singular: str, plural: str, n: int, **params: Any) -> Msg:
    """A translatable sentence whose form depends on the count ``n`` (placeholder ``{n}``)."""
    return Msg(singular, plural, n=n, **params)


def N_(template: str) -> str:
    """Mark a template kept in a table for a later ``t(table[key], ...)``: the catalog extraction finds it
    (keyword ``N_``), and it is returned unchanged."""
    return template
