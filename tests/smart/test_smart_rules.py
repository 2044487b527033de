"""Verdict rules on hand-built drives: each rule, its boundaries, and the traps it must not fall into."""

from __future__ import annotations

import pytest

from fieldkit.findings import Status
from fieldkit.smart.model import Attribute, Drive, SelfTest
from fieldkit.checks.smart.rules import Thresholds, evaluate
from fieldkit.smart.counters import counter, counters, decode_188, is_bogus


# smartctl's names for the attributes these tests use (drive database / default table).
NAMES = {3: "Spin_Up_Time", 5: "Reallocated_Sector_Ct", 9: "Power_On_Hours", 10: "Spin_Retry_Count",
         184: "End-to-End_Error", 187: "Reported_Uncorrect", 188: "Command_Timeout", 190: "Airflow_Temperature_Cel",
         196: "Reallocated_Event_Count", 197: "Current_Pending_Sector", 198: "Offline_Uncorrectable",
         199: "UDMA_CRC_Error_Count", 201: "Soft_Read_Error_Rate"}


def ata(*attrs: tuple, **kw) -> Drive:
    kw.setdefault("in_drive_db", True)
    drive = Drive(source="t", device="/dev/sda", protocol="ATA", health_passed=True, rotation_rpm=7200, **kw)
    for spec in attrs:
        ident, raw = spec[0], spec[1]
        when = spec[2] if len(spec) > 2 else ""
        prefail = spec[3] if len(spec) > 3 else ident in (5, 10, 184)
        drive.attributes[ident] = Attribute(ident, NAMES.get(ident, f"A{ident}"), 100, 100, 10, None, str(raw), when,
                                            prefail)
    return drive


def verdict(drive: Drive, baseline=None, th=Thresholds()):
    reasons = evaluate(drive, th, baseline)
    bad = [r for r in reasons if r.status is not Status.OK]
    return (bad[0].status, bad[0].rule) if bad else (Status.OK, "")


@pytest.mark.parametrize("raw, expected", [(0, Status.OK), (1, Status.WARNING), (15, Status.WARNING),
                                           (16, Status.CRITICAL), (4294967281, Status.OK)])
def test_reallocated_boundaries_and_bogus(raw: int, expected: Status) -> None:
    assert verdict(ata((5, raw)))[0] is expected


@pytest.mark.parametrize("raw, expected", [(1, Status.WARNING), (2, Status.CRITICAL), (4294967295, Status.OK)])
def test_pending(raw: int, expected: Status) -> None:
    assert verdict(ata((197, raw)))[0] is expected


def test_offline_uncorrectable_one_is_critical() -> None:
    assert verdict(ata((198, 1))) == (Status.CRITICAL, "offline-uncorrectable")


def test_reported_uncorrectable_alone_vs_with_media_damage() -> None:
    assert verdict(ata((187, 3))) == (Status.WARNING, "reported-uncorrectable")
    assert verdict(ata((187, 10)))[0] is Status.CRITICAL
    assert verdict(ata((187, 3), (197, 1)))[0] is Status.CRITICAL


def test_seagate_packed_188_is_decoded_not_51_billion() -> None:
    packed = Attribute(188, "Command_Timeout", 100, 100, 0, 51540393996, "51540393996")
    assert decode_188(packed) == 12
    assert decode_188(Attribute(188, "Command_Timeout", 100, 100, 0, 0, "0 0 0")) == 0
    assert decode_188(Attribute(188, "Command_Timeout", 100, 100, 0, 8590065666, "2 2 2")) == 2
    drive = ata()
    drive.attributes[188] = packed
    assert verdict(drive)[0] is Status.OK
    drive.attributes[188] = Attribute(188, "Command_Timeout", 100, 100, 0, 300, "300")
    assert verdict(drive) == (Status.WARNING, "command-timeouts")


def test_packed_raw_string_counts_first_number() -> None:
    assert counter(Attribute(196, "Realloc_Event", 98, 98, 30, 53416508262463, "2111 (12437 0)")) == 2111
    assert is_bogus(4294967281) and is_bogus(0xFFFFFFFFFFFF) and not is_bogus(1040)


def test_crc_errors_are_cable_advice_never_critical() -> None:
    reasons = evaluate(ata((199, 3118119)))
    assert reasons[0].status is Status.WARNING and reasons[0].kind == "cable"
    assert all(r.status is not Status.CRITICAL for r in reasons)


def test_reallocation_events_without_reallocated_sectors_are_information() -> None:
    assert verdict(ata((196, 2111)))[0] is Status.OK
    assert verdict(ata((196, 3), (5, 2)))[0] is Status.WARNING


def test_spin_retry_and_end_to_end_warn_soft_read_errors_never_alone() -> None:
    assert verdict(ata((10, 1))) == (Status.WARNING, "spin-retry")
    assert verdict(ata((10, 1), (5, 1)))[0] is Status.CRITICAL
    assert verdict(ata((184, 2))) == (Status.WARNING, "end-to-end-error")
    # Reads that succeeded on retry: shown, never a warning by themselves (the Maxtor case).
    assert verdict(ata((201, 5))) == (Status.OK, "")
    assert "soft-read-errors-info" in [r.rule for r in evaluate(ata((201, 5)))]


def test_vendor_attributes_are_read_only_under_a_name_smartctl_knows_for_the_model() -> None:
    unknown = ata((10, 3), (184, 2), in_drive_db=False)
    assert verdict(unknown) == (Status.OK, "")          # default names of a drive not in the database
    ssd = ata((10, 3))
    ssd.rotation_rpm = 0
    assert verdict(ssd) == (Status.OK, "")              # no spindle on a solid-state drive
    renamed = ata((10, 3))
    renamed.attributes[10].name = "Unknown_SSD_Attribute"
    assert verdict(renamed) == (Status.OK, "")
    note = [r.detail for r in evaluate(unknown) if r.rule == "vendor-attributes-not-judged"]
    assert note and "10 Spin_Retry_Count raw 3" in note[0] and "184 End-to-End_Error raw 2" in note[0]


def test_when_failed_now_prefail_vs_oldage_and_past() -> None:
    assert verdict(ata((3, 0, "now", True))) == (Status.CRITICAL, "attribute-failing-now")
    assert verdict(ata((9, 0, "now", False)))[0] is Status.WARNING
    assert verdict(ata((3, 46, "past", True))) == (Status.WARNING, "attribute-failed-past")
    # a temperature that once crossed its limit is history
    assert verdict(ata((190, 46, "past", False))) == (Status.OK, "")


def test_the_drives_own_failed_line_is_critical() -> None:
    drive = ata()
    drive.health_passed = False
    assert verdict(drive) == (Status.CRITICAL, "drive-health-failed")


def nvme(**log) -> Drive:
    base = {"critical_warning": 0, "available_spare": 100, "available_spare_threshold": 10, "percentage_used": 0,
            "media_errors": 0, "num_err_log_entries": 0}
    base.update(log)
    return Drive(source="t", protocol="NVMe", health_passed=not base["critical_warning"], nvme=base, rotation_rpm=0)


def test_nvme_critical_warning_bits_in_words() -> None:
    reasons = evaluate(nvme(critical_warning=0x11))
    words = [r.message for r in reasons if r.status is Status.CRITICAL]
    assert "the drive raised its critical warning: its reserve of spare blocks is below the safe level" in words
    assert ("the drive raised its critical warning: the part that protects data in a power cut has failed"
            in words)
    details = [r.detail for r in reasons if r.status is Status.CRITICAL]   # the spec's words for the technician
    assert any("volatile memory backup device failed" in d for d in details)
    assert verdict(nvme(critical_warning=0x02))[0] is Status.WARNING         # temperature only
    assert verdict(nvme(critical_warning=0x04, percentage_used=100))[0] is Status.CRITICAL   # worn-out: used>=100
    assert [r.status for r in evaluate(nvme(critical_warning=0x04, percentage_used=100))
            if r.rule == "nvme-critical-warning-bit2"] == [Status.WARNING]   # smartmontools #537


@pytest.mark.parametrize("log, expected", [
    ({"available_spare": 9}, (Status.CRITICAL, "nvme-spare-below-threshold")),
    ({"available_spare": 20}, (Status.WARNING, "nvme-spare-low")),
    ({"percentage_used": 75}, (Status.OK, "")),
    ({"percentage_used": 80}, (Status.WARNING, "nvme-wear")),
    ({"percentage_used": 100}, (Status.CRITICAL, "nvme-worn-out")),
    ({"media_errors": 7}, (Status.WARNING, "nvme-media-errors")),
    ({"num_err_log_entries": 8382}, (Status.OK, "")),
])
def test_nvme_fields(log: dict, expected: tuple) -> None:
    assert verdict(nvme(**log)) == expected


def test_scsi_rules() -> None:
    drive = Drive(source="t", protocol="SCSI", health_passed=True,
                  scsi={"grown_defects": 56, "uncorrected_read": 0, "uncorrected_write": 0, "non_medium": 84893})
    assert verdict(drive) == (Status.WARNING, "scsi-grown-defects")
    drive.scsi["grown_defects"] = 100
    assert verdict(drive)[0] is Status.CRITICAL
    drive.scsi.update(grown_defects=0, uncorrected_write=535)
    assert verdict(drive) == (Status.CRITICAL, "scsi-uncorrected-errors")
    drive.scsi["uncorrected_write"] = 0
    assert verdict(drive)[0] is Status.OK                                    # non-medium is information


def test_temperature_against_the_drives_own_limits_and_defaults() -> None:
    assert verdict(ata(temperature_c=56)) == (Status.OK, "")    # hard disks are specified up to 60 C
    hot = ata(temperature_c=61)
    assert verdict(hot) == (Status.WARNING, "temperature-high")
    ssd = ata(temperature_c=61)
    ssd.rotation_rpm = 0
    assert verdict(ssd)[0] is Status.OK
    own = nvme()
    own.temperature_c, own.temp_limit_warn_c, own.temp_limit_crit_c = 83, 82, 85
    assert verdict(own) == (Status.WARNING, "temperature-high")
    own.temperature_c = 85
    assert verdict(own) == (Status.CRITICAL, "temperature-critical")
    assert verdict(ata(temperature_c=60), th=Thresholds(temp_warn_hdd_c=62, temp_crit_hdd_c=70))[0] is Status.OK


def test_self_test_log_recency() -> None:
    drive = ata((197, 1))
    drive.self_tests = [SelfTest("Short offline", "Completed: read failure", "failed", 10, 99)]
    assert verdict(drive)[0] is Status.CRITICAL
    assert "selftest-failed-last" in [r.rule for r in evaluate(drive)]     # confirmed by a pending sector
    drive = ata()
    drive.self_tests = [SelfTest("Short offline", "Completed: read failure", "failed", 10, 99)]
    assert verdict(drive) == (Status.WARNING, "selftest-failed-unconfirmed")
    drive.power_on_hours = 5000                                             # 4990 h ago, counters clean: history
    assert verdict(drive) == (Status.OK, "")
    drive.self_tests.insert(0, SelfTest("Short offline", "Completed without error", "passed", 20))
    assert verdict(drive) == (Status.WARNING, "selftest-failed-earlier")
    drive.self_tests.insert(0, SelfTest("Extended offline", "Completed without error", "passed", 30))
    assert verdict(drive)[0] is Status.OK                                    # outdated by a passing long test
    drive.self_tests.insert(0, SelfTest("Short offline", "Aborted by host", "aborted", 31))
    assert verdict(drive)[0] is Status.OK


def test_exit_bits_without_data_to_back_them() -> None:
    drive = ata(exit_status=8)
    drive.health_passed = None
    assert verdict(drive) == (Status.CRITICAL, "exit-disk-failing")
    assert verdict(ata(exit_status=64))[0] is Status.OK
    assert verdict(ata(exit_status=128)) == (Status.WARNING, "exit-selftest-errors")


def test_growth_flags_small_increases_and_clears_old_crc() -> None:
    drive = ata((5, 1), (199, 12))
    base = {"counters": {"reallocated": 0, "crc_errors": 12}, "when": "2026-05-01"}
    reasons = evaluate(drive, baseline=base)
    assert reasons[0].status is Status.CRITICAL and reasons[0].rule == "growth-reallocated"
    assert any(r.rule == "crc-errors-unchanged" and r.status is Status.OK for r in reasons)
    grown = evaluate(ata((199, 20)), baseline={"counters": {"crc_errors": 12}})
    assert [r.rule for r in grown if r.status is Status.WARNING] == ["growth-crc-errors"]
    assert counters(drive)["reallocated"] == 1 and counters(drive)["crc_errors"] == 12


def test_reallocated_threshold_is_configurable() -> None:
    assert verdict(ata((5, 20)), th=Thresholds(reallocated_crit=50))[0] is Status.WARNING


def test_recent_unc_errors_warn_old_ones_do_not() -> None:
    drive = ata(exit_status=64)
    drive.power_on_hours = 65592                       # the log's hours wrap at 65536: now = 56
    drive.ata_errors = [(61957, "Error: UNC at LBA = 0x06f57ae8 = 116751080")]
    assert verdict(drive)[0] is Status.OK              # 3635 h ago
    drive.ata_errors.insert(0, (20, "Error: UNC at LBA = 0x100 = 256"))
    assert verdict(drive) == (Status.WARNING, "recent-unc-errors")
    drive.ata_errors = [(50, "Error: ICRC, ABRT at LBA = 0x07ffaa67 = 134195815")]
    # interface errors are not UNC: a connection problem, not an unreadable sector
    assert verdict(drive) == (Status.WARNING, "cable-recent-interface-errors")


def test_text_error_log_entries_are_parsed() -> None:
    from fieldkit.smart.parse_text import parse

    text = """smartctl 6.6 2017-11-05 r4594 [x86_64-linux] (local build)
=== START OF INFORMATION SECTION ===
Device Model:     ST2000DM001-1CH164
Serial Number:    Z1E0AAAA
=== START OF READ SMART DATA SECTION ===
SMART overall-health self-assessment test result: PASSED
ID# ATTRIBUTE_NAME          FLAG     VALUE WORST THRESH TYPE      UPDATED  WHEN_FAILED RAW_VALUE
  5 Reallocated_Sector_Ct   0x0033   100   100   010    Pre-fail  Always       -       0
  9 Power_On_Hours          0x0032   100   100   000    Old_age   Always       -       44

SMART Error Log Version: 1
ATA Error Count: 43 (device log contains only the most recent five errors)

Error 43 occurred at disk power-on lifetime: 44 hours (1 days + 20 hours)
  When the command that caused the error occurred, the device was active or idle.

  After command completion occurred, registers were:
  ER ST SC SN CL CH DH
  -- -- -- -- -- -- --
  40 51 00 ff ff ff 0f  Error: UNC at LBA = 0x0fffffff = 268435455

Error 42 occurred at disk power-on lifetime: 44 hours (1 days + 20 hours)
  40 51 00 ff ff ff 0f  Error: UNC at LBA = 0x0fffffff = 268435455
"""
    drive = parse(text, "t")
    assert drive.ata_error_count == 43
    assert drive.ata_errors[0] == (44, "Error: UNC at LBA = 0x0fffffff = 268435455") and len(drive.ata_errors) == 2
    assert verdict(drive) == (Status.WARNING, "recent-unc-errors")


def test_baselines_from_findings_or_dicts_keep_the_first_per_serial() -> None:
    from fieldkit.findings import Finding
    from fieldkit.smart.baseline import for_drive, from_findings

    objs = [Finding("smart", "/dev/sda", Status.OK, "x", data={"drive": {"serial": "S1", "model": "M"},
                                                                "counters": {"reallocated": 1}}),
            {"check": "smart", "data": {"drive": {"serial": "S2"}, "counters": {"pending": 0}}},
            {"check": "system", "data": {"drive": {"serial": "S3"}, "counters": {}}}]
    got = from_findings(objs, "then", "history")
    assert set(got) == {"S1", "S2"} and got["S1"]["counters"] == {"reallocated": 1}
    assert for_drive(got, "S1", "M") is got["S1"] and for_drive(got, "S1", "OTHER") is None
    assert for_drive(got, None, "M") is None
