"""Translate a five-field cron expression into a systemd OnCalendar expression.

cron (crontab(5)): ``minute hour day-of-month month day-of-week``; lists ``1,2``, ranges
``1-5``, steps ``*/15`` and ``1-30/5``, names ``mon``/``jan``; day-of-week 0 and 7 are
Sunday. systemd.time(7): ``DOW YYYY-MM-DD HH:MM:SS`` with lists ``,``, ranges ``..`` and
repetition ``start/step``.

One real difference: when *both* day-of-month and day-of-week are restricted, cron runs
when *either* matches, systemd only when both match. Such an expression is refused
rather than silently changed.
"""

from __future__ import annotations

import re

_DOW = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_DOW_NAMES = {n.lower(): i for i, n in enumerate(_DOW[:7])}
_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"))}
_SPECIAL = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
            "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"}
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))


class CronError(ValueError):
    pass


def _value(text: str, index: int) -> int:
    name, low, high = _FIELDS[index]
    lowered = text.lower()
    if index == 3 and lowered in _MONTHS:
        return _MONTHS[lowered]
    if index == 4 and lowered in _DOW_NAMES:
        return _DOW_NAMES[lowered]
    if not text.isdigit():
        raise CronError(f"cron {name} field: {text!r} is not a number")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"cron {name} field: {value} is outside {low}-{high}")
    return value


def _numeric_field(text: str, index: int, width: int) -> str:
    """minute, hour, day of month, month -> systemd component."""
    _, low, high = _FIELDS[index]
    parts = []
    for item in text.split(","):
        step = None
        if "/" in item:
            item, step_text = item.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"cron {_FIELDS[index][0]} field: bad step {step_text!r}")
            step = int(step_text)
        if item == "*":
            start, end = low, None
        elif "-" in item:
            a, b = item.split("-", 1)
            start, end = _value(a, index), _value(b, index)
            if end < start:
                raise CronError(f"cron {_FIELDS[index][0]} field: range {item!r} runs backwards")
        else:
            start, end = _value(item, index), None
            if step is not None:
                end = high  # cron: "5/15" means 5-max/15
        if item == "*" and step is None:
            parts.append("*")
        elif step is not None:
            if end is not None and end != high:
                # systemd has no bounded repetition: spell the values out
                parts.append(",".join(f"{v:0{width}d}" for v in range(start, end + 1, step)))
            else:
                parts.append(f"{start:0{width}d}/{step}")
        elif end is not None:
            parts.append(f"{start:0{width}d}..{end:0{width}d}")
        else:
            parts.append(f"{start:0{width}d}")
    return ",".join(parts)


def _dow_field(text: str) -> str:
    if text == "*":
        return ""
    days: list[str] = []
    for item in text.split(","):
        if "/" in item:
            raise CronError("cron day of week field: steps are not supported; list the days")
        if "-" in item:
            a, b = (_value(x, 4) for x in item.split("-", 1))
            if b < a:
                raise CronError(f"cron day of week field: range {item!r} runs backwards")
            days.append(f"{_DOW[a]}..{_DOW[b]}" if b < 7 else f"{_DOW[a]}..Sat,Sun")
        else:
            days.append(_DOW[_value(item, 4)])
    return ",".join(days)


def cron_to_on_calendar(expression: str) -> str:
    text = _SPECIAL.get(expression.strip().lower(), expression)
    fields = text.split()
    if len(fields) != 5 or not all(re.fullmatch(r"[\w*,/-]+", f) for f in fields):
        raise CronError(f"{expression!r}: expected daily, weekly, hourly or five cron fields "
                        "(minute hour day-of-month month day-of-week), e.g. '30 2 * * 1-5'")
    minute, hour, dom, month, dow = fields
    if dom != "*" and dow != "*":
        raise CronError(f"{expression!r}: cron runs when the day of month OR the day of week matches, systemd "
                        "when both match; restrict only one of them (or install two schedules)")
    date = f"*-{_numeric_field(month, 3, 2)}-{_numeric_field(dom, 2, 2)}"
    time = f"{_numeric_field(hour, 1, 2)}:{_numeric_field(minute, 0, 2)}:00"
    days = _dow_field(dow)
    return f"{days} {date} {time}".strip()
