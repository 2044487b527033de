import math

import pytest

from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier, worst


def test_rollup_order_is_critical_warning_unknown_ok():
    # A naive max() over the Nagios codes would let UNKNOWN (3) hide CRITICAL (2).
    assert worst([Status.UNKNOWN, Status.CRITICAL]) is Status.CRITICAL
    assert worst([Status.UNKNOWN, Status.WARNING]) is Status.WARNING
    assert worst([Status.OK, Status.UNKNOWN]) is Status.UNKNOWN
    assert worst([Status.OK, Status.OK]) is Status.OK
    assert worst([]) is Status.OK


def test_status_values_are_nagios_codes():
    assert [int(s) for s in (Status.OK, Status.WARNING, Status.CRITICAL, Status.UNKNOWN)] == [0, 1, 2, 3]


@pytest.mark.parametrize("text,expected", [("ok", Status.OK), ("Critical", Status.CRITICAL), (3, Status.UNKNOWN)])
def test_status_parse(text, expected):
    assert Status.parse(text) is expected


def test_status_parse_rejects_unknown_words():
    with pytest.raises(ValueError, match="unknown status 'FINE'"):
        Status.parse("FINE")


def test_finding_round_trip_keeps_everything():
    original = Finding(check="smart", subject="/dev/sda Foo (SN1)", status="WARNING", summary="3 pending sectors",
                       metrics=[Metric("pending", 3, "c", 1, 10, 0)],
                       evidence=[Evidence(["smartctl", "-a"], 64, "excerpt", "live")],
                       advice=Advice("m", "a", "p"), detail="attr 197", tier=2, rule="ata-197",
                       data={"counters": {"pending": 3}})
    d = original.to_dict()
    assert d["status"] == "WARNING" and d["status_code"] == 1 and d["tier"] == 2
    again = Finding.from_dict(d)
    assert again == original
    assert again.tier is Tier.HARDWARE


def test_non_finite_numbers_become_null_and_numpy_values_plain():
    numpy = pytest.importorskip("numpy")
    f = Finding(check="x", subject="s", status=Status.OK, summary="s",
                metrics=[Metric("a", math.nan, ""), Metric("b", numpy.float32(1.5), "")],
                data={"series": numpy.arange(3), "inf": math.inf})
    d = f.to_dict()
    assert d["metrics"][0]["value"] is None
    assert d["metrics"][1]["value"] == 1.5 and type(d["metrics"][1]["value"]) is float
    assert d["data"] == {"series": [0, 1, 2], "inf": None}
