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

from typing import Any


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
            out["params"] = {k: (v.to_dict() if isinstance(v, Msg) else v) for k, v in self.params.items()}
        return out

    @classmethod
    def from_dict(cls, text: str, d: dict[str, Any] | None) -> "str | Msg":
        """Rebuild a message read back from JSON; a bare string stays a bare string."""
        if not d or "id" not in d:
            return text
        params = {k: (cls.from_dict("", v) if isinstance(v, dict) and "id" in v else v)
                  for k, v in (d.get("params") or {}).items()}
        try:
            return cls(d["id"], d.get("plural"), **params)
        except (KeyError, IndexError, ValueError):
            return text  # a template that no longer matches its parameters: keep what was shown

    # str methods return plain str; that is intended (see the module docstring).


def t(template: str, **params: Any) -> Msg:
    """A translatable sentence: ``t("{count} reallocated sectors", count=5)``."""
    return Msg(template, None, **params)


def tn(singular: str, plural: str, n: int, **params: Any) -> Msg:
    """A translatable sentence whose form depends on the count ``n`` (placeholder ``{n}``)."""
    return Msg(singular, plural, n=n, **params)
