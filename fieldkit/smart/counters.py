"""Raw SMART counters decoded into numbers: what a drive measured, before any verdict.

smartctl prints some raw values packed or in a vendor encoding; these functions turn
them into the counts the check compares with thresholds and with an earlier visit.
They decide nothing about health.
"""

from __future__ import annotations

import re
from typing import Any

from fieldkit.smart.model import Attribute, Drive, first_int

# SATA Phy Event Counters (SATA 3.x, 13.7.2, GP log 0x11) that count transmission errors
# on the link; they are kept since the last power-on or reset, not over the drive's life.
PHY_CRC_EVENTS = {
    0x0001: "commands failed due to an ICRC error",
    0x0002: "R_ERR responses for data FIS",
    0x0003: "R_ERR responses for device-to-host data FIS",
    0x0004: "R_ERR responses for host-to-device data FIS",
    0x0005: "R_ERR responses for non-data FIS",
    0x0006: "R_ERR responses for device-to-host non-data FIS",
    0x0007: "R_ERR responses for host-to-device non-data FIS",
    0x000B: "CRC errors within host-to-device FIS",
    0x000F: "R_ERR responses for host-to-device data FIS (CRC)",
    0x0012: "R_ERR responses for host-to-device non-data FIS (CRC)",
}


def is_bogus(value: int | None) -> bool:
    """A counter that is really a negative 32-bit number or an all-ones 48-bit field.

    f18's 197/198 read 4294967281 = 0xFFFFFFF1 (-15 as int32): firmware garbage, not
    4 billion pending sectors. CrystalDiskInfo ignores 0xFFFFFFFF the same way.
    """
    if value is None:
        return False
    return 0xFFFFFF00 <= value <= 0xFFFFFFFF or value >= 0xFFFFFFFFFF00 or value > 0xFFFFFFFF


def _ints(text: str) -> list[str]:
    return re.findall(r"\d+", text.split("(")[0])


def decode_188(attr: Attribute) -> int | None:
    """Command_Timeout as a count: Seagate packs three 16-bit counters into raw48.

    h16: raw 51540393996 = 0x000C_000C_000C -> 12 (not 51.5 billion); h15: "0 0 0" -> 0.
    Scrutiny #522 uses the largest of the three; so do we.
    """
    ints = [int(x) for x in _ints(attr.raw_string)]
    if len(ints) >= 2:
        return max(ints)
    value = attr.raw_value if attr.raw_value is not None else (ints[0] if ints else None)
    if value is not None and value > 0xFFFF:
        return max((value >> shift) & 0xFFFF for shift in (0, 16, 32))
    return value


def sandforce_pair(attr: Attribute) -> tuple[int, int] | None:
    """SandForce error-rate raw value as smartctl prints it with its drive database entry.

    smartctl decodes 1/195/201/204 of SandForce controllers as "errors/reads" (24/32-bit,
    ``-v 1,raw24/raw32``): "2/12620651" = 2 errors counted against 12,620,651 reads.
    """
    m = re.fullmatch(r"\s*(\d+)/(\d+)\s*", attr.raw_string or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def counter(attr: Attribute | None) -> int | None:
    """A raw counter, decoded: first integer of ``raw.string`` ("2111 (12437 0)" -> 2111)."""
    if attr is None:
        return None
    if attr.id == 188:
        return decode_188(attr)
    pair = sandforce_pair(attr)
    if pair is not None:
        return pair[0]
    value = first_int(attr.raw_string)
    return value if value is not None else attr.raw_value


def phy_crc_errors(drive: Drive) -> int | None:
    """Link transmission errors since power-on, summed over the CRC/R_ERR Phy event counters."""
    known = [v for k, v in drive.phy_events.items() if k in PHY_CRC_EVENTS]
    return sum(known) if known else None


def errors_within(drive: Drive, hours: int, marker: str) -> list[tuple[int, str]]:
    """ATA error-log entries whose description holds ``marker`` ("UNC", "ICRC") within the
    last ``hours`` power-on hours.

    The log stores lifetime hours in 16 bits, so the age is computed modulo 65536 (f01's drive
    is at 65592 h, its errors at 61957 h: 3635 h old). Entries at 0 h on a drive with
    thousands of hours are logged by firmware that does not keep the time: their age is unknown
    and they do not count as recent.
    """
    if drive.power_on_hours is None:
        return []
    now = drive.power_on_hours % 65536
    out = []
    for logged, what in drive.ata_errors:
        if marker not in what:
            continue
        if logged == 0 and drive.power_on_hours > hours:
            continue
        if (now - logged) % 65536 <= hours:
            out.append((logged, what))
    return out


def counters(drive: Drive) -> dict[str, Any]:
    """``data["counters"]``: the numbers growth rules and trends compare between visits."""
    a = drive.attributes

    def real(attr_id: int) -> int | None:
        value = counter(a.get(attr_id))
        return None if is_bogus(value) else value

    scsi_unc = [drive.scsi.get(f"uncorrected_{op}") for op in ("read", "write", "verify")]
    scsi_unc_known = [v for v in scsi_unc if isinstance(v, int)]
    reallocated = real(5)
    if reallocated is None and isinstance(drive.scsi.get("grown_defects"), int):
        reallocated = drive.scsi["grown_defects"]
    return {
        "reallocated": reallocated,
        "pending": real(197),
        "uncorrectable": real(198),
        "reported_uncorrect": real(187),
        "command_timeouts": real(188),
        "reallocation_events": real(196),
        "spin_retries": real(10),
        "soft_read_errors": real(201),
        "crc_errors": real(199),
        "phy_crc_errors": phy_crc_errors(drive),
        "media_errors": drive.nvme.get("media_errors"),
        "nvme_error_log_entries": drive.nvme.get("num_err_log_entries"),
        "percentage_used": drive.nvme.get("percentage_used"),
        "available_spare": drive.nvme.get("available_spare"),
        "grown_defects": drive.scsi.get("grown_defects"),
        "scsi_uncorrected": sum(scsi_unc_known) if scsi_unc_known else None,
        "ata_error_count": drive.ata_error_count,
    }
