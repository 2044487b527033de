"""The shared finding-building helpers every check uses."""

from __future__ import annotations

import pytest

from fieldkit.checks._build import finding_maker, fmt_ms, fmt_num, level, round_or_none
from fieldkit.findings import Status


def test_finding_maker_labels_findings_with_its_check() -> None:
    make = finding_maker("network")
    finding = make("pbx:5060", Status.WARNING, "slow", rule="rtt", detail="x")
    assert (finding.check, finding.subject, finding.status, finding.summary) == ("network", "pbx:5060",
                                                                                 Status.WARNING, "slow")
    assert finding.rule == "rtt" and finding.detail == "x"


@pytest.mark.parametrize("value, expected", [(None, Status.OK), (9.99, Status.OK), (10, Status.WARNING),
                                             (19.9, Status.WARNING), (20, Status.CRITICAL), (1e9, Status.CRITICAL)])
def test_level_higher_is_worse_reaches_threshold_when_equal(value: float | None, expected: Status) -> None:
    assert level(value, 10, 20) is expected


@pytest.mark.parametrize("value, expected", [(10, Status.OK), (10.01, Status.WARNING), (20, Status.WARNING),
                                             (20.01, Status.CRITICAL)])
def test_level_strict_thresholds(value: float, expected: Status) -> None:
    assert level(value, 10, 20, inclusive=False) is expected


@pytest.mark.parametrize("value, inclusive, expected", [
    (4.0, True, Status.OK), (3.6, True, Status.WARNING), (3.1, True, Status.CRITICAL),
    (3.6, False, Status.OK), (3.59, False, Status.WARNING), (3.1, False, Status.WARNING),
    (3.09, False, Status.CRITICAL)])
def test_level_lower_is_worse(value: float, inclusive: bool, expected: Status) -> None:
    assert level(value, 3.6, 3.1, lower_is_worse=True, inclusive=inclusive) is expected


def test_number_formatting() -> None:
    assert fmt_ms(None) == "-" and fmt_ms(3.14159) == "3.14" and fmt_ms(123.6) == "124"
    assert fmt_num(None) == "-" and fmt_num(1.0) == "1.00" and fmt_num(2.345, 1) == "2.3"
    assert round_or_none(None) is None and round_or_none(1.23456, 3) == 1.235
