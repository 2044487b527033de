"""cron -> systemd OnCalendar, checked against systemd's own calendar engine (systemd-analyze calendar)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from conftest import need
from fieldkit.schedule import parse_every
from fieldkit.schedule.cronexpr import CronError, cron_to_on_calendar

BASE = datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)  # a Sunday
ITERATIONS = 12


def _expand(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    values: set[int] = set()
    for item in field.split(","):
        step = 1
        if "/" in item:
            item, step_text = item.split("/")
            step = int(step_text)
        if item == "*":
            a, b = low, high
        elif "-" in item:
            a, b = (int((names or {}).get(x.lower(), x)) for x in item.split("-"))
        else:
            a = int((names or {}).get(item.lower(), item))
            b = high if step != 1 else a
        values.update(range(a, b + 1, step))
    return values


def cron_next(expression: str, count: int) -> list[datetime]:
    """A plain cron matcher (crontab(5)) to compare systemd's answers with."""
    minute, hour, dom, month, dow = expression.split()
    dows = {d % 7 for d in _expand(dow, 0, 7, {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5,
                                              "sat": 6})}
    months = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                               "oct", "nov", "dec"])}
    sets = (_expand(minute, 0, 59), _expand(hour, 0, 23), _expand(dom, 1, 31), _expand(month, 1, 12, months))
    found: list[datetime] = []
    day = BASE
    while len(found) < count:
        if day.month in sets[3] and day.day in sets[2] and (day.isoweekday() % 7) in dows:
            for h in sorted(sets[1]):
                for m in sorted(sets[0]):
                    moment = day.replace(hour=h, minute=m)
                    if moment >= BASE and len(found) < count:
                        found.append(moment)
        day += timedelta(days=1)
        assert day < BASE + timedelta(days=10 * 366)
    return found


def systemd_next(on_calendar: str, count: int) -> list[datetime]:
    proc = subprocess.run(["systemd-analyze", "calendar", f"--iterations={count}",
                           "--base-time=2026-02-28 23:59:59 UTC", on_calendar],
                          capture_output=True, text=True, timeout=30, env=dict(os.environ, TZ="UTC"))
    assert proc.returncode == 0, proc.stderr
    stamps = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", proc.stdout)
    return [datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc) for s in stamps]


CASES = ["30 2 * * *", "*/15 8-17 * * 1-5", "0 3 * * 0", "5 4 * * sun", "0 0 1 * *", "0 */6 * * *",
         "10,40 9 * * mon-fri", "0 22 * * 5-7", "7 1-23/4 * * *", "0 6 15 1,7 *", "59 23 31 * *",
         "0 12 * jan-mar *", "20 5 */10 * *"]


@pytest.mark.real
@pytest.mark.parametrize("expression", CASES)
def test_translation_fires_exactly_when_cron_would(expression: str) -> None:
    need(shutil.which("systemd-analyze"), "systemd-analyze (package systemd) is not installed")
    on_calendar = cron_to_on_calendar(expression)
    assert systemd_next(on_calendar, ITERATIONS) == cron_next(expression, ITERATIONS), on_calendar


@pytest.mark.parametrize("expression, message", [
    ("0 3 1 * 1", "OR"),                       # cron ORs day of month and day of week; systemd ANDs them
    ("0 3 * *", "five cron fields"),
    ("61 3 * * *", "outside 0-59"),
    ("0 3 * * 1/2", "steps are not supported"),
    ("0 5-2 * * *", "backwards"),
    ("x 3 * * *", "not a number"),
    ("0 3 * * *; rm -rf /", "five cron fields"),
])
def test_bad_expressions_are_refused_with_a_reason(expression: str, message: str) -> None:
    with pytest.raises(CronError, match=message):
        cron_to_on_calendar(expression)


def test_every_words() -> None:
    daily = parse_every("daily", seed="nightly:abc")
    assert daily.on_calendar == "*-*-* 03:00:00"
    minute, hour, *rest = daily.cron.split()
    assert 0 <= int(minute) < 60 and hour == "3" and rest == ["*", "*", "*"]
    assert parse_every("daily", seed="nightly:abc").cron == daily.cron  # stable per machine
    assert parse_every("weekly").on_calendar == "Sun *-*-* 03:00:00"
    assert parse_every("@daily").on_calendar == "*-*-* 00:00:00"
    assert parse_every("30 2 * * 1-5").cron == "30 2 * * 1-5"
