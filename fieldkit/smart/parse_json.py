"""smartctl ``--json`` output (7.0+; live or captured) -> :class:`Drive`.

Key names follow smartctl's JSON (smartctl 7.x ``--json``). SCSI keys moved in 7.4
(``vendor``/``product`` -> ``scsi_vendor``/``scsi_product``); both spellings are read.
"""

from __future__ import annotations

import json
from typing import Any

from fieldkit.smart.model import (SHAPE_ERRORS, Attribute, Drive, ParseError, SelfTest,
                                   normalise, parse_int, shape_error)


def loads(text: str, source: str) -> dict[str, Any]:
    """Decode smartctl JSON; raise :class:`ParseError` with a one-line reason."""
    if not text.strip():
        raise ParseError(f"{source}: empty output")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{source}: smartctl JSON is truncated or garbled ({exc.msg} at line {exc.lineno} "
                         f"column {exc.colno})") from None
    if not isinstance(obj, dict) or not ("smartctl" in obj or "json_format_version" in obj or "device" in obj):
        raise ParseError(f"{source}: JSON but not smartctl output (no 'smartctl' or 'device' block)")
    return obj


def parse(obj: dict[str, Any], source: str) -> Drive:
    """smartctl JSON -> Drive; output of an unexpected shape raises :class:`ParseError`, never a crash."""
    try:
        return normalise(_parse(obj, source))
    except ParseError:
        raise
    except SHAPE_ERRORS as exc:
        raise shape_error(source, "smartctl JSON", exc) from None


def _parse(obj: dict[str, Any], source: str) -> Drive:
    sc = obj.get("smartctl") or {}
    dev = obj.get("device") or {}
    drive = Drive(source=source, fmt="json")
    drive.device = dev.get("name")
    drive.device_type = dev.get("type")
    drive.protocol = _protocol(dev.get("protocol"), obj)
    version = sc.get("version")
    drive.smartctl_version = ".".join(str(v) for v in version) if isinstance(version, list) else None
    drive.argv = sc.get("argv")
    drive.exit_status = sc.get("exit_status")
    drive.messages = [m.get("string", "") for m in sc.get("messages") or [] if isinstance(m, dict)]
    _identity(drive, obj)
    support = obj.get("smart_support") or {}
    drive.smart_available = support.get("available")
    drive.smart_enabled = support.get("enabled")
    status = obj.get("smart_status")
    if isinstance(status, dict) and "passed" in status:
        drive.health_passed = bool(status["passed"])
    _temperature(drive, obj)
    _ata(drive, obj)
    _nvme(drive, obj)
    _scsi(drive, obj)
    drive.excerpt = json.dumps({k: obj[k] for k in ("smartctl", "device", "smart_status") if k in obj})[:1500]
    return drive


def _protocol(value: Any, obj: dict[str, Any]) -> str | None:
    if isinstance(value, str) and value:
        return {"ata": "ATA", "nvme": "NVMe", "scsi": "SCSI"}.get(value.lower(), value)
    if "ata_smart_attributes" in obj:
        return "ATA"
    if "nvme_smart_health_information_log" in obj:
        return "NVMe"
    if "scsi_error_counter_log" in obj or "scsi_grown_defect_list" in obj:
        return "SCSI"
    return None


def _identity(drive: Drive, obj: dict[str, Any]) -> None:
    drive.model_family = obj.get("model_family") or None
    if isinstance(obj.get("in_smartctl_database"), bool):
        drive.in_drive_db = obj["in_smartctl_database"]
    drive.model = obj.get("model_name") or obj.get("scsi_model_name") or _join(
        obj.get("scsi_vendor") or obj.get("vendor"), obj.get("scsi_product") or obj.get("product"))
    drive.serial = obj.get("serial_number")
    drive.firmware = obj.get("firmware_version") or obj.get("scsi_revision") or obj.get("revision")
    cap = obj.get("user_capacity")
    if isinstance(cap, dict):
        drive.capacity_bytes = cap.get("bytes")
    elif isinstance(obj.get("nvme_total_capacity"), int):
        drive.capacity_bytes = obj["nvme_total_capacity"]
    pot = obj.get("power_on_time")
    if isinstance(pot, dict):
        drive.power_on_hours = pot.get("hours")
    rpm = obj.get("rotation_rate")
    if isinstance(rpm, int):
        drive.rotation_rpm = rpm
    elif drive.protocol == "NVMe":
        drive.rotation_rpm = 0


def _join(*parts: Any) -> str | None:
    text = " ".join(str(p).strip() for p in parts if p)
    return text or None


def _temperature(drive: Drive, obj: dict[str, Any]) -> None:
    temp = obj.get("temperature") or {}
    if isinstance(temp, dict):
        drive.temperature_c = temp.get("current")
        if isinstance(temp.get("lifetime_max"), int) and 0 < temp["lifetime_max"] < 120:
            drive.temp_lifetime_max_c = temp["lifetime_max"]
        # ATA SCT: "op_limit_max" = recommended operating maximum, "limit_max" = absolute limit.
        drive.temp_limit_warn_c = temp.get("op_limit_max") or None
        drive.temp_limit_crit_c = temp.get("limit_max") or temp.get("drive_trip") or None
    thresholds = obj.get("nvme_composite_temperature_threshold") or {}
    if isinstance(thresholds, dict) and thresholds:
        drive.temp_limit_warn_c = thresholds.get("warning") or drive.temp_limit_warn_c
        drive.temp_limit_crit_c = thresholds.get("critical") or drive.temp_limit_crit_c


def _ata(drive: Drive, obj: dict[str, Any]) -> None:
    table = (obj.get("ata_smart_attributes") or {}).get("table") or []
    for row in table:
        if not isinstance(row, dict) or "id" not in row:
            continue
        raw = row.get("raw") or {}
        flags = row.get("flags") or {}
        attr = Attribute(
            id=int(row["id"]), name=row.get("name", f"Attribute_{row['id']}"),
            value=row.get("value"), worst=row.get("worst"), thresh=row.get("thresh"),
            raw_value=raw.get("value"), raw_string=str(raw.get("string", raw.get("value", ""))).strip(),
            when_failed=_when_failed(row.get("when_failed")), prefailure=bool(flags.get("prefailure")))
        drive.attributes[attr.id] = attr
    if 9 in drive.attributes and drive.power_on_hours is None:
        from fieldkit.smart.model import first_int
        drive.power_on_hours = first_int(drive.attributes[9].raw_string)
    for row in (obj.get("sata_phy_event_counters") or {}).get("table") or []:
        if isinstance(row, dict) and isinstance(row.get("id"), int) and isinstance(row.get("value"), int):
            drive.phy_events[row["id"]] = row["value"]
    for page in (obj.get("ata_device_statistics") or {}).get("pages") or []:
        for row in (page or {}).get("table") or [] if isinstance(page, dict) else []:
            if isinstance(row, dict) and isinstance(row.get("value"), int) and row.get("name"):
                drive.device_stats.setdefault(str(row["name"]), row["value"])
    highest = drive.device_stats.get("Highest Temperature")
    if drive.temp_lifetime_max_c is None and isinstance(highest, int) and 0 < highest < 120:
        drive.temp_lifetime_max_c = highest
    errlog = obj.get("ata_smart_error_log") or {}
    for key in ("extended", "summary"):
        if isinstance(errlog.get(key), dict) and "count" in errlog[key]:
            drive.ata_error_count = errlog[key]["count"]
            for row in errlog[key].get("table") or []:
                if isinstance(row, dict) and isinstance(row.get("lifetime_hours"), int):
                    drive.ata_errors.append((row["lifetime_hours"], str(row.get("error_description") or "")))
            break
    standard = ((obj.get("ata_smart_self_test_log") or {}).get("extended")
                or (obj.get("ata_smart_self_test_log") or {}).get("standard") or {})
    for row in standard.get("table") or []:
        status = (row.get("status") or {})
        drive.self_tests.append(SelfTest(
            kind=(row.get("type") or {}).get("string", "?"), status=status.get("string", "?"),
            outcome=ata_outcome(status.get("string", ""), status.get("passed")),
            hours=row.get("lifetime_hours"), lba=row.get("lba")))
    data = obj.get("ata_smart_data") or {}
    status = (data.get("self_test") or {}).get("status") or {}
    # ATA self-test execution status: high nibble 15 = in progress, low nibble = tenths remaining.
    if isinstance(status.get("value"), int) and status["value"] >> 4 == 15:
        remaining = status.get("remaining_percent", (status["value"] & 0x0F) * 10)
        drive.selftest_running_pct = 100 - int(remaining)
    polling = (data.get("self_test") or {}).get("polling_minutes") or {}
    for key, name in (("short", "short"), ("extended", "long")):
        if isinstance(polling.get(key), int):
            drive.selftest_polling_minutes[name] = polling[key]


def _when_failed(value: Any) -> str:
    text = str(value or "").strip().lower()
    if text in ("now", "failing_now"):
        return "now"
    if text in ("past", "in_the_past"):
        return "past"
    return ""


def ata_outcome(status: str, passed: Any = None) -> str:
    """Classify an ATA self-test status line (smartctl ataprint.cpp wording)."""
    s = status.lower()
    if "in progress" in s:
        return "running"
    if "aborted" in s or "interrupted" in s:
        return "aborted"
    if "without error" in s or passed is True:
        return "passed"
    if "fail" in s or "fatal" in s or "error" in s or passed is False:
        return "failed"
    return "passed"


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _whole_numbers(log: dict[str, Any]) -> dict[str, Any]:
    """The NVMe health log's fields as smartctl writes them: every one a whole number, ``temperature_sensors``
    a list of them. Anything else is a damaged or hand-edited capture and is left out, so that the rules can
    take the warning bits of ``critical_warning`` and compare the counters without a type check each."""
    return {key: value for key, value in log.items()
            if (isinstance(value, list) and all(map(_is_whole, value)) if key == "temperature_sensors"
                else _is_whole(value))}


def _nvme(drive: Drive, obj: dict[str, Any]) -> None:
    log = obj.get("nvme_smart_health_information_log")
    if isinstance(log, dict):
        drive.nvme = _whole_numbers(log)
        if drive.power_on_hours is None:
            drive.power_on_hours = log.get("power_on_hours")
        if drive.temperature_c is None:
            drive.temperature_c = log.get("temperature")
    nvme_log = obj.get("nvme_self_test_log") or {}
    if (nvme_log.get("current_self_test_operation") or {}).get("value"):
        drive.selftest_running_pct = nvme_log.get("current_self_test_completion_percent")
    table = nvme_log.get("table") or []
    for row in table:
        result = row.get("self_test_result") or {}
        drive.self_tests.append(SelfTest(
            kind=(row.get("self_test_code") or {}).get("string", "?"), status=result.get("string", "?"),
            outcome=nvme_outcome(result.get("value")), hours=row.get("power_on_hours"), lba=row.get("lba")))


def nvme_outcome(code: Any) -> str:
    """NVMe self-test result code (NVMe base spec, Get Log Page 06h, Self-test Result)."""
    if code == 0:
        return "passed"
    if code in (5, 6, 7):       # fatal error; unknown segment failed; segment failed
        return "failed"
    if code == 15:
        return "running"
    return "aborted"


def _scsi(drive: Drive, obj: dict[str, Any]) -> None:
    scsi: dict[str, Any] = {}
    if "scsi_grown_defect_list" in obj:
        scsi["grown_defects"] = obj["scsi_grown_defect_list"]
    counters = obj.get("scsi_error_counter_log") or {}
    for op in ("read", "write", "verify"):
        if isinstance(counters.get(op), dict):
            scsi[f"uncorrected_{op}"] = parse_int(counters[op].get("total_uncorrected_errors"))
    if "scsi_error_counter_log" in obj and isinstance(counters.get("non_medium"), dict):
        scsi["non_medium"] = counters["non_medium"].get("count")
    non_medium = obj.get("scsi_nonmedium_error_count") or obj.get("scsi_non_medium_error_count")
    if isinstance(non_medium, int):
        scsi["non_medium"] = non_medium
    if drive.protocol == "SCSI" or scsi:
        drive.scsi = scsi
    for key in sorted(k for k in obj if k.startswith("scsi_self_test_")):
        row = obj[key]
        if not isinstance(row, dict) or "result" not in row:
            continue
        result = row.get("result") or {}
        drive.self_tests.append(SelfTest(
            kind=(row.get("code") or {}).get("string", "?"), status=result.get("string", "?"),
            outcome=scsi_outcome(result.get("value")), hours=(row.get("power_on_time") or {}).get("hours")))


def scsi_outcome(code: Any) -> str:
    """SCSI self-test result (SPC-4 self-test results log parameter, SELF-TEST RESULTS field)."""
    if code == 0:
        return "passed"
    if code in (3, 4, 5, 6, 7):   # unknown error; failed in unknown / first / second / other segment
        return "failed"
    if code == 15:
        return "running"
    return "aborted"
