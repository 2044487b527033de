"""Finding-building helpers shared by every check.

Measuring packages (``fieldkit.smart``, ``fieldkit.net``, ``fieldkit.voip``,
``fieldkit.audio``) return measurements; a check turns them into findings with these
helpers, so the same threshold rule and the same number formatting are written once::

    from fieldkit.checks._build import finding_maker, level, fmt_ms

    _f = finding_maker(NAME)
    status = level(rtt_ms, warn=o("rtt_warn_ms"), crit=o("rtt_crit_ms"))
    return _f(target, status, t("Answers in {rtt} ms", rtt=fmt_ms(rtt_ms)), rule="rtt")

Only :mod:`fieldkit.findings` is imported here: the helpers cost nothing at start-up.
"""

from __future__ import annotations

from typing import Any, Protocol

from fieldkit.findings import Finding, Status

__all__ = ["FindingMaker", "finding_maker", "level", "fmt_ms", "ms_number", "fmt_num", "round_or_none"]


class FindingMaker(Protocol):
    """Builds a finding of one check: ``make(subject, status, summary, **fields)``."""

    def __call__(self, subject: str, status: Status, summary: str, **fields: Any) -> Finding: ...


def finding_maker(check: str) -> FindingMaker:
    """A function that builds findings labelled with ``check`` (the runner rejects any other label)."""

    def make(subject: str, status: Status, summary: str, **fields: Any) -> Finding:
        return Finding(check=check, subject=subject, status=status, summary=summary, **fields)

    make.__name__ = make.__qualname__ = f"finding_maker({check!r})"
    return make


def level(value: float | None, warn: float, crit: float, *, lower_is_worse: bool = False,
          inclusive: bool = True) -> Status:
    """The status of ``value`` against a warning and a critical threshold.

    :param lower_is_worse: for values where less is bad (MOS, free space, battery health).
    :param inclusive: a value equal to a threshold reaches it (``>=``); ``False`` makes the
        thresholds strict (``>``), as for the ITU-T G.114/G.107 limits the VoIP check uses.
    A missing value (``None``) is OK: the caller reports "not measured" on its own terms.
    """
    if value is None:
        return Status.OK
    if lower_is_worse:
        if inclusive:
            return Status.CRITICAL if value <= crit else Status.WARNING if value <= warn else Status.OK
        return Status.CRITICAL if value < crit else Status.WARNING if value < warn else Status.OK
    if inclusive:
        return Status.CRITICAL if value >= crit else Status.WARNING if value >= warn else Status.OK
    return Status.CRITICAL if value > crit else Status.WARNING if value > warn else Status.OK


def fmt_ms(ms: float | None) -> str:
    """A latency for a sentence: two decimals below 10 ms, whole milliseconds above, ``-`` if missing."""
    if ms is None:
        return "-"
    return f"{ms:.2f}" if ms < 10 else f"{ms:.0f}"


def ms_number(ms: float | None) -> float | int | str:
    """A latency as a number for a translated sentence, so the report writes it in the reader's notation
    ("1,25 ms" in Spanish): two decimals below 10 ms, whole milliseconds above, ``-`` if missing."""
    if ms is None:
        return "-"
    return round(ms, 2) if ms < 10 else int(round(ms))


def fmt_num(value: float | None, digits: int = 2) -> str:
    """A number with a fixed count of decimals, ``-`` if missing."""
    return "-" if value is None else f"{value:.{digits}f}"


def round_or_none(value: float | None, digits: int = 2) -> float | None:
    """``round`` that lets a missing value through (for chart data and JSON extras)."""
    return None if value is None else round(value, digits)
