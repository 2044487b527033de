"""Every calibrated rule on a real capture from the public corpus (tests/fixtures/smart/scale).

The captures are excerpts of smartctl output of drives in the wild (sources and licences in
tests/fixtures/smart/scale/README.md and manifest.jsonl). Each test names the drive, what its
data says, and the verdict the issue asks for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldkit.checks.smart import families
from fieldkit.checks.smart.rules import Reason, Thresholds, evaluate, temperature_limits
from fieldkit.findings import Status
from fieldkit.smart.capture import decode, read_capture
from fieldkit.smart.model import Drive

SCALE = Path(__file__).resolve().parent.parent / "fixtures" / "smart" / "scale"


def drive(name: str) -> Drive:
    path = SCALE / name
    return read_capture(decode(path.read_bytes()), str(path))


def problems(d: Drive) -> list[Reason]:
    return [r for r in evaluate(d) if r.status is not Status.OK]


def rules_of(d: Drive) -> dict[str, Reason]:
    return {r.rule: r for r in evaluate(d)}


def verdict(d: Drive) -> tuple[Status, str]:
    bad = problems(d)
    return (bad[0].status, bad[0].rule) if bad else (Status.OK, "")


def test_manifest_names_the_source_of_every_capture() -> None:
    rows = [json.loads(line) for line in (SCALE / "manifest.jsonl").read_text().splitlines()]
    files = {p.name for p in SCALE.iterdir() if p.suffix == ".txt"}
    assert {r["file"] for r in rows} == files
    assert all(r["repo"] and r["path"] for r in rows)
    assert len(files) >= 150


def test_sandforce_rate_counters_are_not_soft_read_errors() -> None:
    # Kingston SV300 (SandForce): 1/195/201/204 read "2/12620651" - errors/reads of the ECC
    # engine. The old rule called this "soft read errors" and warned; the family knows better.
    d = drive("ssd_kingston-sandforce_SV300S37A120G_16FA625669DC.txt")
    assert families.family(d).key == "sandforce"
    assert 201 not in families.judged_ids(d)
    assert verdict(d) == (Status.OK, "")
    note = rules_of(d)["vendor-attributes-not-judged"].detail
    assert "SandForce" in note and "201 Unc_Soft_Read_Err_Rate raw 2/12620651" in note


def test_seagate_packed_command_timeouts_are_decoded_and_few_are_history() -> None:
    # ST10000DM0004 188 raw "1 2 43": three 16-bit counters, 43 at most - below 100.
    d = drive("hdd_seagate_ST10000DM0004-1ZC101_024DD900D558.txt")
    assert families.family(d).key == "seagate-hdd"
    reason = rules_of(d)["command-timeouts"]
    assert reason.status is Status.OK and "counted as 43" in reason.detail
    # ST3000DM001 188 "518 518 519": hundreds of timeouts - the drive or its link stalls.
    hot = drive("hdd_seagate_ST3000DM001-1CH166_001E6F7625D6.txt")
    assert verdict(hot) == (Status.WARNING, "command-timeouts")
    assert rules_of(hot)["command-timeouts"].attributes == ("ATA 188 Command_Timeout",)


def test_a_small_lifetime_crc_count_is_history_not_a_warning() -> None:
    # ST3000DM001 with 199 = 1 over 16552 h: one event in the drive's life.
    d = drive("hdd_seagate_ST3000DM001-1CH166_2ED1BC3C99C6.txt")
    assert verdict(d) == (Status.OK, "")
    assert "watch it next visit" in rules_of(d)["cable-crc-history"].detail
    # WD Caviar Green with 298 CRC errors in 41554 h (7 per 1000 h): also history.
    old = drive("hdd_wdc_WD5000AACS-00ZUB0_7E4D80DB08E3.txt")
    assert verdict(old) == (Status.OK, "")
    assert "0.00" not in rules_of(old)["cable-crc-history"].detail


def test_a_crc_count_large_for_the_drive_is_a_connection_problem() -> None:
    # 9815 CRC errors in 25788 h: 380 per 1000 h, far more than hot-plugs explain.
    d = drive("hdd_wdc_WD5000AACS-00ZUB0_51ECADCF329D.txt")
    status, rule = verdict(d)
    assert (status, rule) == (Status.WARNING, "cable-crc-many")
    reason = rules_of(d)[rule]
    assert reason.kind == "cable" and "ATA 199 UDMA_CRC_Error_Count" in reason.attributes and reason.why


def test_the_same_crc_count_is_judged_by_the_drives_age() -> None:
    # Two Crucial C300 64 GB SSDs with about the same 199 count: 123 in 4891 h (25 per 1000 h)
    # is a connection problem, 118 in 21442 h (5.5 per 1000 h) is history to compare next visit.
    young = drive("ssd_crucial_C300-CTFDDAC064MAG_3B6C59A37A47.txt")
    reason = rules_of(young)["cable-crc-rate"]
    assert reason.status is Status.WARNING and reason.kind == "cable"
    assert "ATA 199 UDMA_CRC_Error_Count" in reason.attributes and reason.why
    old = drive("ssd_crucial_C300-CTFDDAC064MAG_EC6D802AA821.txt")
    assert verdict(old) == (Status.OK, "")
    assert "cable-crc-history" in rules_of(old)


def test_interface_errors_logged_weeks_ago_are_not_a_problem_now() -> None:
    # Toshiba DT01ABA200V: 199 = 121 over 15293 h (7.9 per 1000 h); the newest "ICRC, ABRT"
    # entries are at 14769 and 14766 h, three weeks of use before the capture.
    d = drive("hdd_toshiba_DT01ABA200V_4D18FC009BAE.txt")
    assert verdict(d) == (Status.OK, "")
    assert "cable-recent-interface-errors" not in rules_of(d)


def test_recent_interface_errors_in_the_error_log_are_a_connection_problem_now() -> None:
    # Toshiba DT01ABA200: 199 = 12 and four "ICRC, ABRT" entries at 1776-1822 h, drive at 1853 h.
    d = drive("hdd_toshiba_DT01ABA200_A7375F6929CF.txt")
    assert verdict(d) == (Status.WARNING, "cable-recent-interface-errors")
    assert "1822 h: Error: ICRC, ABRT" in rules_of(d)["cable-recent-interface-errors"].detail


def test_temperature_that_failed_in_the_past_is_history() -> None:
    # ST3000DM001: 190 Airflow_Temperature_Cel "Past" (normalized 43 < thresh 45 once), now 39 C.
    d = drive("hdd_seagate_ST3000DM001-1CH166_2ED1BC3C99C6.txt")
    assert rules_of(d)["temperature-exceeded-in-past"].status is Status.OK
    assert verdict(d)[0] is Status.OK


def test_lifetime_maximum_is_told_apart_from_the_current_temperature() -> None:
    # ST3000DM001 at 48 C now, 60 C lifetime maximum (SCT status): history at the HDD limit of 60 C.
    d = drive("hdd_seagate_ST3000DM001-1CH166_001E6F7625D6.txt")
    assert d.temperature_c == 40 and d.temp_lifetime_max_c == 60   # 194 reads 40; SCT now 48
    reason = rules_of(d)["temperature-history"]
    assert reason.status is Status.OK and "lifetime maximum 60 C" in reason.detail


@pytest.mark.parametrize("name, kind, limits", [
    ("hdd_wdc_WD5000AADS-00L4B1_0B0FEF363038.txt", "hdd", (60, 85)),         # SCT 0/60 recommended, -41/85 limit
    # SCT "10/40" is a longevity recommendation, not a limit: Device Statistics' 60 C maximum is
    # the warning; the SCT limit 60 is not above it, so the HDD default critical applies.
    ("hdd_seagate_ST10000DM0004-2GR11L_14EBD35A95BD.txt", "hdd", (60, 70)),
    ("ssd_kingston-sandforce_SV300S37A120G_156251DA4A5D.txt", "ssd", (70, 80)),  # SCT garbage 119/-42 ignored
    ("ssd_samsung_MZ7GE240HMGR-00003_561FD3C36172.txt", "ssd", (70, 80)),
    ("nvme_samsung_980PRO1TB_0725ABFAB2FC.txt", "nvme", (83, 85)),          # the drive's WCTEMP/CCTEMP
])
def test_temperature_limits_by_drive_kind_and_the_drives_own(name: str, kind: str, limits: tuple) -> None:
    from fieldkit.checks.smart.rules import drive_kind

    d = drive(name)
    assert drive_kind(d) == kind
    assert temperature_limits(d, Thresholds()) == limits
    assert not [r for r in evaluate(d) if r.kind == "heat" and r.status is not Status.OK]


def test_recent_unreadable_reads_warn_even_without_counters() -> None:
    # Hitachi HCC543232A7A380: 5/197/198 = 0 but four UNC errors at 599 h, drive at 739 h.
    d = drive("hdd_hitachi_HCC543232A7A380_BFD43C4B4428.txt")
    assert verdict(d) == (Status.WARNING, "recent-unc-errors")


def test_unconfirmed_self_test_failure_recent_warns_old_is_history() -> None:
    # WD5000AACS: short test "read failure" at 6562 h, drive at 6687 h, counters clean: re-check.
    recent = drive("hdd_wdc_WD5000AACS-00G8B0_162FF78E2AA0.txt")
    assert verdict(recent) == (Status.WARNING, "selftest-failed-unconfirmed")
    assert rules_of(recent)["selftest-failed-unconfirmed"].kind == "recheck"
    # WD5000AACS: the same failure at 1479 h, drive at 25591 h: overwritten since.
    old = drive("hdd_wdc_WD5000AACS-00G8B1_06D72C31267A.txt")
    assert rules_of(old)["selftest-failed-old"].status is Status.OK
    assert verdict(old) == (Status.OK, "")


def test_self_test_failure_with_bad_sectors_is_failing() -> None:
    # Hitachi HDE721010SLA330: extended tests fail at LBA 495846374, 197 = 1 and 198 = 1.
    d = drive("hdd_hitachi_HDE721010SLA330_0E52D72DD021.txt")
    assert verdict(d)[0] is Status.CRITICAL
    assert rules_of(d)["selftest-failed-last"].status is Status.CRITICAL


@pytest.mark.parametrize("name, expected", [
    ("hdd_seagate_ST10000NE0004-1ZF101_1403A36D6C32.txt", (Status.WARNING, "reallocated-sectors")),  # 5 = 8
    ("hdd_wdc_WD5000AACS-00G8B1_D21B3CA32B51.txt", (Status.CRITICAL, "pending-sectors")),            # 197 = 4
    ("hdd_seagate_ST1000LM024-FAILED_forum56974700965.txt", (Status.CRITICAL, "drive-health-failed")),
    ("hdd_seagate_ST3250318AS-FAILED_forum56675535702.txt", (Status.CRITICAL, "drive-health-failed")),
    ("nvme_samsung_980-PRO-HS-2TB_AFDF1D91F2B3.txt", (Status.WARNING, "nvme-media-errors")),         # 31, spare 98 %
])
def test_backblaze_signals_and_failed_drives(name: str, expected: tuple) -> None:
    assert verdict(drive(name)) == expected


def test_nvme_command_error_log_is_information() -> None:
    # Samsung KUS030202M: 1517 error-log entries ("Invalid Field in Command"), no media errors.
    d = drive("nvme_samsung_KUS030202M-B000_DDC23D0E0BDC.txt")
    assert verdict(d) == (Status.OK, "")
    assert rules_of(d)["nvme-error-log-info"].status is Status.OK


def test_nvme_time_above_its_warning_temperature_is_history() -> None:
    # WD PC SN520 at 59 C now, 4 minutes above WCTEMP in its life.
    d = drive("nvme_wdc_PC-SN520-256GB_2D86B407C246.txt")
    assert verdict(d) == (Status.OK, "")
    assert rules_of(d)["nvme-temperature-history"].status is Status.OK


def test_vendor_attributes_of_a_drive_smartctl_does_not_know_are_listed_raw() -> None:
    # Kingston A400 1TB, not in the drive database: 175 Program_Fail_Count_Chip raw 83886080.
    d = drive("ssd_kingston_A400-1TB_50C736A36EE8.txt")
    assert d.in_drive_db is False
    assert verdict(d) == (Status.OK, "")
    assert "175 Program_Fail_Count_Chip raw 83886080" in rules_of(d)["vendor-attributes-not-judged"].detail


def test_every_warning_in_the_corpus_names_what_it_read_and_why() -> None:
    for path in sorted(SCALE.glob("*.txt")):
        d = read_capture(decode(path.read_bytes()), str(path))
        for reason in problems(d):
            assert reason.attributes, (path.name, reason.rule)
            assert reason.why, (path.name, reason.rule)
