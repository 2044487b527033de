"""Parsers: the same drive data from JSON and text, and the traps of real captures."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES
from fieldkit.checks.smart import rules
from fieldkit.smart.capture import decode, read_capture
from fieldkit.smart.model import ParseError, decode_exit_status, parse_int
from fieldkit.smart.parse_text import parse as parse_text

CORPUS = FIXTURES / "smart"


def load(prefix: str):
    path = next(CORPUS.glob(prefix + "_*"))
    return read_capture(decode(path.read_bytes()), str(path))


@pytest.mark.parametrize("text, expected", [
    ("2.888", 2888), ("1,234,567", 1234567), ("593.252 [303 GB]", 593252), ("100%", 100), ("41 Celsius", 41),
    ("0x10", 16), ("12 345", 12345), ("-", None), ("2.5", None), ("", None),
])
def test_parse_int_handles_locale_grouping(text: str, expected: int | None) -> None:
    assert parse_int(text) == expected


def test_exit_status_bits_are_decoded() -> None:
    bits = decode_exit_status(216)
    assert [b.split(":")[0] for b in bits] == ["bit 3", "bit 4", "bit 6", "bit 7"]
    assert decode_exit_status(0) == []


def test_ata_text_all_identity_and_attributes() -> None:
    drive = load("h01")
    assert (drive.protocol, drive.model, drive.serial, drive.firmware) == ("ATA", "OOS12000G", "00008AXB", "OOS1")
    assert drive.capacity_bytes == 12_000_138_625_024 and drive.rotation_rpm == 7200
    assert drive.health_passed is True
    a5 = drive.attributes[5]
    assert (a5.value, a5.worst, a5.thresh, a5.raw_value, a5.prefailure) == (100, 100, 10, 0, True)
    assert drive.attributes[190].raw_string == "38 (Min/Max 22/40)"
    assert drive.temperature_c == 38 and drive.power_on_hours == 252
    assert drive.self_tests[0].outcome == "running" and drive.self_tests[1].outcome == "passed"
    assert drive.ata_error_count == 0


def test_ata_text_x_brief_table_does_not_crash_like_pysmart() -> None:
    drive = load("f18")   # pySMART 1.4.3: ValueError: invalid literal for int() with base 16: '-O---K'
    assert drive.attributes[5].raw_value == 127 and drive.attributes[5].prefailure is True
    assert drive.attributes[187].raw_value == 171 and drive.attributes[187].prefailure is False
    assert drive.attributes[190].when_failed == "past"
    assert drive.attributes[197].raw_value == 4294967281
    assert drive.capacity_bytes == 320_072_933_376   # "320.072.933.376 bytes"
    assert drive.serial is None                        # anonymised "--"


def test_windows_crlf_capture_model_not_overwritten() -> None:
    drive = load("h03")
    assert drive.model == "Apacer AS340 240GB" and drive.serial == "LKC125R001176"
    assert 5 in drive.attributes and drive.attributes[5].raw_value == 0


def test_nvme_text_with_locale_numbers_and_thresholds() -> None:
    drive = load("h08")
    assert drive.protocol == "NVMe" and drive.model == "KBG30ZMV256G TOSHIBA"
    assert drive.nvme["num_err_log_entries"] == 2888
    assert drive.nvme["percentage_used"] == 33 and drive.nvme["available_spare_threshold"] == 10
    assert drive.power_on_hours == 10188
    assert drive.nvme["warning_temp_time"] == 0          # double-spaced name pySMART misses
    assert (drive.temp_limit_warn_c, drive.temp_limit_crit_c) == (82, 85)
    assert [t.outcome for t in drive.self_tests][:2] == ["passed", "passed"]


def test_scsi_text_counters() -> None:
    drive = load("h07")
    assert drive.protocol == "SCSI" and drive.health_passed is True
    assert drive.scsi == {"grown_defects": 0, "uncorrected_read": 0, "uncorrected_write": 0,
                          "uncorrected_verify": 0, "non_medium": 84893}
    assert drive.temperature_c == 42 and drive.temp_limit_crit_c == 65
    assert drive.self_tests[0].outcome == "passed"


def test_json_and_text_give_the_same_nvme_model() -> None:
    text = load("h04")    # Samsung 970 EVO Plus 500GB, text
    js = load("f21")      # Samsung 970 EVO Plus 250GB, JSON
    for drive in (text, js):
        assert drive.protocol == "NVMe" and drive.rotation_rpm == 0
        assert set(drive.nvme) >= {"critical_warning", "available_spare", "available_spare_threshold",
                                   "percentage_used", "media_errors", "num_err_log_entries"}
    assert text.nvme["num_err_log_entries"] == 5 and js.nvme["num_err_log_entries"] == 22


@pytest.mark.parametrize("damaged", [1.5, "4", None, True, [4], {"value": 4}])
def test_nvme_json_field_that_is_not_a_whole_number_is_left_out(damaged: object) -> None:
    # hypothesis found it: with critical_warning 1.5 the rules' "warning & (1 << bit)" raised TypeError
    obj = json.loads(next(CORPUS.glob("f21_*")).read_text(encoding="utf-8"))
    obj["nvme_smart_health_information_log"]["critical_warning"] = damaged
    drive = read_capture(json.dumps(obj), "capture")
    assert "critical_warning" not in drive.nvme and drive.nvme["num_err_log_entries"] == 22
    assert drive.nvme["temperature_sensors"] == obj["nvme_smart_health_information_log"]["temperature_sensors"]
    rules.evaluate(drive)


def test_scsi_json_old_and_new_key_names() -> None:
    old = load("f08")     # 7.x before 7.4: vendor/product
    new = load("f09")     # 7.4: scsi_vendor/scsi_product, scsi_model_name
    assert old.model == "SEAGATE ST4000NM0043" and old.scsi["grown_defects"] == 56
    assert new.model == "SEAGATE ST373453LC" and new.scsi["uncorrected_write"] == 535


def test_json_self_test_log_failure_and_error_count() -> None:
    drive = load("f01")
    outcomes = [t.outcome for t in drive.self_tests]
    assert outcomes[:3] == ["passed", "passed", "failed"]
    assert drive.self_tests[2].lba == 104870168
    assert drive.ata_error_count == 56 and drive.exit_status == 216


def test_open_failed_capture_has_no_health_data() -> None:
    drive = load("f19")
    assert not drive.has_health_data and drive.exit_status == 2
    assert "Open failed" in drive.messages[0]


@pytest.mark.parametrize("content, words", [
    ("", "empty"), ("{\"smartctl\": {\"exit_status\": 0", "truncated or garbled"),
    ("[1, 2, 3]", "not smartctl output"), ("hello world\n", "not smartctl output"),
])
def test_garbage_raises_a_one_line_parse_error(content: str, words: str) -> None:
    with pytest.raises(ParseError) as exc:
        read_capture(content, "capture.txt")
    assert words in str(exc.value) and "\n" not in str(exc.value)


def test_iso_8859_capture_is_decoded() -> None:
    raw = (CORPUS / next(p.name for p in CORPUS.glob("h01_*"))).read_bytes().replace(b"OOS12000G", b"D\xe9mo")
    drive = read_capture(decode(raw), "latin1.txt")
    assert drive.model == "Démo"


def test_truncated_attribute_table_keeps_parsed_rows() -> None:
    text = (next(CORPUS.glob("h01_*"))).read_text()
    cut = text[: text.index("197 Current_Pending_Sector")]
    drive = parse_text(cut, "cut.txt")
    assert 5 in drive.attributes and 197 not in drive.attributes
    assert drive.truncated


def test_labels_file_travels_with_the_fixtures() -> None:
    labels = json.loads((CORPUS / "labels.json").read_text())
    assert len(labels) == 41 and (CORPUS / "README.md").exists()
