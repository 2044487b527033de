"""Values formatted for the reader's locale with Babel (CLDR data).

Numbers get the locale's decimal sign and grouping (``1,040.5`` in English, ``1040,5`` in
Spanish, ``1 040,5`` in Russian: CLDR's own rules, including Spanish not grouping
four-digit numbers), dates the locale's month names (``2 dic 2026``), durations the
locale's words (``3 días``, ``3 дня``), sizes a unit the reader knows (``1,5 GB``).
The format spec written in the English template (``{pct:.1f}``) decides the decimals.
"""

from __future__ import annotations

import math
import re
import string
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any

from fieldkit.messages import Quantity

_NUMBER_SPEC = re.compile(r"^(?P<sign>[+\- ]?)(?P<comma>,?)(?:\.(?P<prec>\d+))?(?P<type>[fdgn%]?)$")


@lru_cache(maxsize=16)
def babel_locale(lang: str) -> Any:
    from babel import Locale

    return Locale.parse(lang.replace("-", "_"))


def format_number(value: int | float, spec: str, lang: str) -> str:
    """``value`` as ``format(value, spec)`` would show it, in the locale's notation."""
    if type(value) is int or (type(value) is float and value and math.isfinite(value)):
        # the same counts and measurements come back again and again in a site report (a Babel
        # format is ~30 µs); a float zero is not cached: 0.0 and -0.0 are one key but read differently
        return _cached_number(value, type(value), spec, lang)
    return _format_number(value, spec, lang)


@lru_cache(maxsize=4096)
def _cached_number(value: int | float, kind: type, spec: str, lang: str) -> str:
    """The cache of :func:`format_number`; ``kind`` keeps ``1`` and ``1.0`` (equal keys) apart."""
    return _format_number(value, spec, lang)


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> Any:
    """A parsed Babel number pattern (``babel.numbers.format_decimal`` parses its string on every call)."""
    from babel.numbers import parse_pattern

    return parse_pattern(pattern)


def _format_number(value: int | float, spec: str, lang: str) -> str:
    from babel.numbers import format_decimal, format_percent

    if isinstance(value, float) and not math.isfinite(value):
        return format(value, spec)
    match = _NUMBER_SPEC.match(spec or "")
    if match is None:  # widths, fills, hex...: technician formats, not the customer's
        return format(value, spec)
    locale = babel_locale(lang)
    kind, prec = match["type"], match["prec"]
    if kind == "%":
        digits = int(prec) if prec is not None else 0
        text = format_percent(value, format=_pattern("#,##0" + ("." + "0" * digits if digits else "") + "%"),
                              locale=locale)
    elif kind == "d" or (isinstance(value, int) and kind in ("", "n")):
        text = format_decimal(int(value), format=_pattern("#,##0"), locale=locale)
    elif kind == "f":
        digits = int(prec) if prec is not None else 6
        # The float's exact binary value, which format() rounds: Babel would round its shortest decimal form
        # (10.95 -> "11.0" where format() says "10.9"), and the report would contradict the English text.
        exact = Decimal(value) if isinstance(value, float) else value
        text = format_decimal(exact, format=_pattern("#,##0" + ("." + "0" * digits if digits else "")),
                              locale=locale, decimal_quantization=True)
    else:  # "g", "n" or no type on a float: up to the precision's significant digits, no trailing zeros
        digits = int(prec) if prec is not None else 6
        rounded = float(f"{value:.{digits}g}") if value else 0.0
        text = format_decimal(rounded, format=_pattern("#,##0.######"), locale=locale)
    if match["sign"] == "+" and value >= 0:
        text = "+" + text
    return text


def format_quantity(quantity: Quantity, lang: str) -> str:
    from babel import dates, units

    locale = babel_locale(lang)
    value = quantity.value
    if quantity.kind in ("size", "memsize"):
        number = float(value or 0)
        base = 1024 if quantity.kind == "memsize" else 1000
        for power, unit in ((4, "digital-terabyte"), (3, "digital-gigabyte"), (2, "digital-megabyte"),
                            (1, "digital-kilobyte")):
            factor = base ** power
            if abs(number) >= factor:
                shown = number / factor
                return units.format_unit(round(shown, 1 if shown < 100 else 0), unit, length="short", locale=locale,
                                         format="#,##0.#")
        return units.format_unit(int(number), "digital-byte", length="short", locale=locale)
    if quantity.kind == "duration":
        return dates.format_timedelta(float(value or 0), threshold=1.5, locale=locale)
    if quantity.kind == "date":
        when = value if isinstance(value, date) else date.fromisoformat(str(value))
        if isinstance(when, datetime):
            when = when.date()
        return dates.format_date(when, format="medium", locale=locale)
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return dates.format_datetime(when.astimezone(), format="medium", locale=locale)


def format_when(when: datetime, lang: str, *, with_time: bool = True) -> str:
    """A moment in the local time of the machine that makes the report, in the reader's words."""
    from babel import dates

    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    local = when.astimezone()
    if not with_time:
        return dates.format_date(local, format="medium", locale=babel_locale(lang))
    day = dates.format_date(local, format="medium", locale=babel_locale(lang))
    clock = dates.format_time(local, format="HH:mm", locale=babel_locale(lang))
    zone = local.strftime("%Z")
    return f"{day} {clock}" + (f" {zone}" if zone else "")


class LocaleFormatter(string.Formatter):
    """``str.format`` with every number, date and quantity shown in the locale's notation."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def vformat(self, format_string: str, args: Any, kwargs: Any) -> str:
        if not args and all(type(v) is str for v in kwargs.values()):
            # only texts to fill in (names, subjects): nothing for the locale to change, and ``str.format``
            # fills them in C with the same result (the Python-level Formatter costs ~10 µs per text)
            return format_string.format(**kwargs)
        return super().vformat(format_string, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Quantity):
            return value.render(self.lang)
        if isinstance(value, bool) or value is None:
            return format(str(value), format_spec) if format_spec else str(value)
        if isinstance(value, (int, float)):
            return format_number(value, format_spec, self.lang)
        if isinstance(value, datetime):
            return format_when(value, self.lang)
        if isinstance(value, date):
            return format_quantity(Quantity("date", value), self.lang)
        return super().format_field(value, format_spec)
