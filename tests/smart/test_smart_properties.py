"""Property tests for the parsers of outside text (smartctl output from any machine) and the
counter decoders: whatever the text, they answer with data or a ParseError, never a crash,
and the decoded numbers keep their invariants."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldkit.checks.smart.rules import Reason, evaluate
from fieldkit.findings import Status
from fieldkit.smart import parse_text
from fieldkit.smart.capture import decode, read_capture
from fieldkit.smart.counters import decode_188, errors_within, sandforce_pair
from fieldkit.smart.model import Attribute, Drive, ParseError

SCALE = Path(__file__).resolve().parent.parent / "fixtures" / "smart" / "scale"
REAL = sorted(SCALE.glob("*.txt"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_drive(d: Drive) -> None:
    for reason in evaluate(d):
        assert isinstance(reason, Reason) and reason.status in Status
        if reason.status is not Status.OK and reason.rule != "truncated-capture":
            assert reason.attributes and reason.why, reason.rule
    for value in (d.temp_limit_warn_c, d.temp_limit_crit_c):
        assert value is None or 30 <= value <= 110
    assert all(isinstance(k, int) and v >= 0 for k, v in d.phy_events.items())


@SETTINGS
@given(st.text(max_size=2000))
def test_any_text_is_parsed_or_refused_in_one_line(text: str) -> None:
    try:
        d = read_capture(text, "fuzz")
    except ParseError as exc:
        assert "\n" not in str(exc)
        return
    _check_drive(d)


@SETTINGS
@given(st.sampled_from(REAL), st.lists(st.tuples(st.integers(0, 400), st.text(max_size=120)), max_size=6),
       st.integers(0, 20000))
def test_real_captures_with_lines_inserted_or_cut_never_crash(path: Path, inserts: list, cut: int) -> None:
    lines = decode(path.read_bytes()).split("\n")
    for where, line in inserts:
        lines.insert(min(where, len(lines)), line)
    text = "\n".join(lines)[: max(cut, 200)]
    try:
        d = read_capture(text, path.name)
    except ParseError:
        return
    _check_drive(d)


_NUM = st.integers(-200, 300)


@SETTINGS
@given(_NUM, _NUM, _NUM, _NUM, st.sampled_from(["", "?/ ?", "0/ 0"]))
def test_drive_limits_from_sct_lines_are_plausible_or_absent(a: int, b: int, c: int, d: int, junk: str) -> None:
    text = ("=== START OF READ SMART DATA SECTION ===\nSMART overall-health self-assessment test result: PASSED\n"
            "Device Model:     X\nID# ATTRIBUTE_NAME          FLAGS    VALUE WORST THRESH FAIL RAW_VALUE\n"
            "194 Temperature_Celsius     -O---K   030   047   000    -    30\n\n"
            f"Lifetime    Min/Max Temperature:     {a}/{b} Celsius\n"
            f"Min/Max recommended Temperature:     {c}/{d} Celsius\n"
            f"Min/Max Temperature Limit:           {junk or f'{d}/{a}'} Celsius\n")
    drive = parse_text.parse(text, "sct")
    warn, crit = drive.temp_limit_warn_c, drive.temp_limit_crit_c
    assert warn is None or 45 <= warn <= 95
    assert crit is None or (50 <= crit <= 110 and (warn is None or crit > warn))
    assert drive.temp_lifetime_max_c is None or 0 < drive.temp_lifetime_max_c < 120


@SETTINGS
@given(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))
def test_seagate_packed_188_decodes_to_the_largest_of_three_16_bit_counters(a: int, b: int, c: int) -> None:
    raw = (a << 32) | (b << 16) | c
    packed = Attribute(188, "Command_Timeout", 100, 100, 0, raw, str(raw))
    printed = Attribute(188, "Command_Timeout", 100, 100, 0, raw, f"{a} {b} {c}")
    assert decode_188(printed) == max(a, b, c)
    assert decode_188(packed) == (max(a, b, c) if raw > 0xFFFF else raw)


@SETTINGS
@given(st.integers(0, 2**24 - 1), st.integers(0, 2**32 - 1))
def test_sandforce_pairs_are_errors_over_reads(errors: int, reads: int) -> None:
    attr = Attribute(201, "Unc_Soft_Read_Err_Rate", 100, 100, 0, None, f"{errors}/{reads}")
    assert sandforce_pair(attr) == (errors, reads)
    assert sandforce_pair(Attribute(201, "x", 100, 100, 0, errors, str(errors))) is None


@SETTINGS
@given(st.integers(0, 200000), st.lists(st.integers(0, 65535), max_size=10), st.integers(1, 2000))
def test_recent_log_entries_are_within_the_window_modulo_the_16_bit_hour_counter(now: int, logged: list,
                                                                                  window: int) -> None:
    d = Drive(source="t", power_on_hours=now, ata_errors=[(h, "Error: UNC at LBA = 0x1 = 1") for h in logged])
    for hours, _ in errors_within(d, window, "UNC"):
        assert (now % 65536 - hours) % 65536 <= window
        assert not (hours == 0 and now > window)
