"""fieldkit's SMART verdict: pure functions over a :class:`Drive` (notes/smart.md §3).

The drive's own PASSED line is nearly useless (2 of 21 degraded or failing corpus
drives say FAILED), so the verdict rests on the counters that predict failure:
Backblaze's five (5, 187, 188, 197, 198), Scrutiny's critical set (10, 184, 196, 201),
smartd's defaults (-C 197, -U 198, -l selftest, -l error), the NVMe health log and the
SCSI error counters. Every rule yields a :class:`Reason`; the worst one decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fieldkit.findings import Status
from fieldkit.smart.model import Attribute, Drive, decode_exit_status, first_int


@dataclass(frozen=True)
class Thresholds:
    reallocated_crit: int = 16        # Backblaze: 17-70 reallocated sectors -> 23.6 % AFR (2.5 % at 0)
    reported_uncorrect_crit: int = 10
    command_timeout_warn: int = 100   # decoded 188; a handful of old timeouts is normal on Seagates
    nvme_used_warn_pct: float = 80.0
    nvme_used_crit_pct: float = 100.0
    nvme_spare_margin_pct: float = 10.0
    temp_warn_hdd_c: float = 55.0
    temp_crit_hdd_c: float = 65.0
    temp_warn_ssd_c: float = 70.0
    temp_crit_ssd_c: float = 80.0


@dataclass
class Reason:
    status: Status
    rule: str
    message: str          # short, for the summary line
    detail: str           # technician: attribute, raw value, rule, source
    kind: str = "media"   # advice family: failing, media, cable, wear, heat, selftest, info, ok
    source: str = ""


# NVMe critical warning bits (NVMe base spec 2.0, SMART / Health Information log, byte 0).
NVME_CRITICAL_BITS = {
    0: "available spare below threshold",
    1: "temperature above or below the allowed range",
    2: "NVM subsystem reliability degraded (media errors or wear)",
    3: "media placed in read-only mode",
    4: "volatile memory backup device failed",
    5: "persistent memory region read-only or unreliable",
}

_SRC_BB = "Backblaze SMART stats 2014/2016"
_SRC_SCRUTINY = "Scrutiny critical attributes"
_SRC_SMARTD = "smartd defaults (-C 197 -U 198 -l selftest -l error)"


# --------------------------------------------------------------------------- counters

def _s(count: int) -> str:
    return "" if count == 1 else "s"


def is_bogus(value: int | None) -> bool:
    """A counter that is really a negative 32-bit number or an all-ones 48-bit field.

    f18's 197/198 read 4294967281 = 0xFFFFFFF1 (-15 as int32): firmware garbage, not
    4 billion pending sectors. CrystalDiskInfo ignores 0xFFFFFFFF the same way.
    """
    if value is None:
        return False
    return 0xFFFFFF00 <= value <= 0xFFFFFFFF or value >= 0xFFFFFFFFFF00 or value > 0xFFFFFFFF


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


def counter(attr: Attribute | None) -> int | None:
    """A raw counter, decoded: first integer of ``raw.string`` ("2111 (12437 0)" -> 2111)."""
    if attr is None:
        return None
    if attr.id == 188:
        return decode_188(attr)
    value = first_int(attr.raw_string)
    return value if value is not None else attr.raw_value


def _ints(text: str) -> list[str]:
    return re.findall(r"\d+", text.split("(")[0])


def counters(drive: Drive) -> dict[str, int | None]:
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
        "crc_errors": real(199),
        "media_errors": drive.nvme.get("media_errors"),
        "nvme_error_log_entries": drive.nvme.get("num_err_log_entries"),
        "percentage_used": drive.nvme.get("percentage_used"),
        "available_spare": drive.nvme.get("available_spare"),
        "grown_defects": drive.scsi.get("grown_defects"),
        "scsi_uncorrected": sum(scsi_unc_known) if scsi_unc_known else None,
        "ata_error_count": drive.ata_error_count,
    }


# --------------------------------------------------------------------------- rules

def evaluate(drive: Drive, th: Thresholds = Thresholds(), baseline: dict[str, Any] | None = None) -> list[Reason]:
    """All reasons, worst first. An empty data set is the caller's UNKNOWN, not an OK."""
    reasons: list[Reason] = []
    reasons += _health(drive)
    reasons += _ata_rules(drive, th)
    reasons += _nvme_rules(drive, th)
    reasons += _scsi_rules(drive)
    reasons += _temperature(drive, th)
    reasons += _self_tests(drive)
    reasons += _error_log(drive)
    reasons += _exit_bits(drive, reasons)
    reasons += _growth(drive, baseline, reasons)
    order = {Status.CRITICAL: 0, Status.WARNING: 1, Status.UNKNOWN: 2, Status.OK: 3}
    reasons.sort(key=lambda r: order[r.status])
    return reasons


def _health(drive: Drive) -> list[Reason]:
    if drive.health_passed is not False:
        return []
    if drive.protocol == "NVMe" and drive.nvme.get("critical_warning"):
        return []   # decoded bit by bit in _nvme_rules
    return [Reason(Status.CRITICAL, "drive-health-failed", "the drive itself reports FAILED",
                   "overall-health self-assessment = FAILED (smart_status.passed=false)", "failing",
                   "drive firmware")]


def _attr_detail(attr: Attribute, shown: Any = None) -> str:
    raw = attr.raw_string if shown is None else f"{attr.raw_string} (counted as {shown})"
    return (f"ATA {attr.id} {attr.name}: raw {raw}, normalized {attr.value}/worst {attr.worst}/"
            f"thresh {attr.thresh}, when_failed {attr.when_failed or '-'}")


def _ata_rules(drive: Drive, th: Thresholds) -> list[Reason]:
    a = drive.attributes
    if not a:
        return []
    out: list[Reason] = []
    temperature_ids = (190, 194, 231)
    for attr in a.values():
        if attr.when_failed == "now":
            if attr.prefailure:
                out.append(Reason(Status.CRITICAL, "attribute-failing-now",
                                  f"pre-fail attribute {attr.id} {attr.name} is failing now", _attr_detail(attr),
                                  "failing", "drive firmware (WHEN_FAILED=now)"))
            else:
                out.append(Reason(Status.WARNING, "attribute-failing-now-oldage",
                                  f"old-age attribute {attr.id} {attr.name} is past its design limit",
                                  _attr_detail(attr), "heat" if attr.id in temperature_ids else "media",
                                  "drive firmware (WHEN_FAILED=now)"))
        elif attr.when_failed == "past":
            out.append(Reason(Status.WARNING, "attribute-failed-past",
                              f"attribute {attr.id} {attr.name} crossed its failure threshold in the past",
                              _attr_detail(attr), "heat" if attr.id in temperature_ids else "media",
                              "drive firmware (WHEN_FAILED=In_the_past)"))

    def value(attr_id: int) -> int | None:
        return counter(a.get(attr_id))

    for attr_id in (5, 187, 197, 198):
        v = value(attr_id)
        if is_bogus(v):
            out.append(Reason(Status.OK, "bogus-counter-ignored",
                              f"attribute {attr_id} holds an impossible value, ignored",
                              _attr_detail(a[attr_id]) + f" = 0x{v:X}: an underflowed/garbage counter, not a "
                              "sector count (CrystalDiskInfo ignores such values too)", "info"))
    realloc, pending, offline = (None if is_bogus(value(i)) else value(i) for i in (5, 197, 198))
    reported = None if is_bogus(value(187)) else value(187)
    media_bad = any((x or 0) > 0 for x in (realloc, pending, offline))

    if realloc:
        status = Status.CRITICAL if realloc >= th.reallocated_crit else Status.WARNING
        out.append(Reason(status, "reallocated-sectors",
                          f"{realloc} reallocated sector{'s' if realloc != 1 else ''}",
                          _attr_detail(a[5]) + f"; rule: 1..{th.reallocated_crit - 1} WARNING, "
                          f">= {th.reallocated_crit} CRITICAL", "failing" if status is Status.CRITICAL else "media",
                          _SRC_BB))
    if pending:
        status = Status.CRITICAL if pending >= 2 else Status.WARNING
        out.append(Reason(status, "pending-sectors", f"{pending} sector{'s' if pending != 1 else ''} waiting to be "
                          "reallocated (unreadable)", _attr_detail(a[197]) + "; rule: 1 WARNING, >= 2 CRITICAL",
                          "failing" if status is Status.CRITICAL else "media", _SRC_BB + "; " + _SRC_SMARTD))
    if offline:
        out.append(Reason(Status.CRITICAL, "offline-uncorrectable",
                          f"{offline} sector{'s' if offline != 1 else ''} unreadable in the offline scan",
                          _attr_detail(a[198]) + "; rule: >= 1 CRITICAL (58-265 % AFR, Backblaze)", "failing",
                          _SRC_BB + "; " + _SRC_SMARTD))
    if reported:
        critical = reported >= th.reported_uncorrect_crit or media_bad
        out.append(Reason(Status.CRITICAL if critical else Status.WARNING, "reported-uncorrectable",
                          f"{reported} read error{'s' if reported != 1 else ''} the drive could not correct",
                          _attr_detail(a[187]) + f"; rule: 1..{th.reported_uncorrect_crit - 1} WARNING, "
                          f">= {th.reported_uncorrect_crit} or with reallocated/pending sectors CRITICAL",
                          "failing" if critical else "media", _SRC_BB))
    spin = value(10)
    if spin and not is_bogus(spin):
        critical = bool(realloc or pending)
        out.append(Reason(Status.CRITICAL if critical else Status.WARNING, "spin-retry",
                          f"motor needed {spin} retries to spin up", _attr_detail(a[10]) +
                          "; rule: > 0 WARNING, with reallocated/pending sectors CRITICAL",
                          "failing" if critical else "media", _SRC_SCRUTINY))
    e2e = value(184)
    if e2e and not is_bogus(e2e):
        out.append(Reason(Status.WARNING, "end-to-end-error", f"{e2e} internal data-path (end-to-end) errors",
                      _attr_detail(a[184]) + "; rule: raw > 0 WARNING", "media", _SRC_SCRUTINY))
    events = value(196)
    if events and not is_bogus(events):
        if realloc:
            out.append(Reason(Status.WARNING, "reallocation-events", f"{events} reallocation event{_s(events)}",
                              _attr_detail(a[196], events) + "; rule: > 0 with reallocated sectors WARNING", "media",
                              _SRC_SCRUTINY))
        else:
            out.append(Reason(Status.OK, "reallocation-events-info",
                              f"{events} reallocation events but no reallocated sector",
                              _attr_detail(a[196], events) + "; no sector was remapped (attribute 5 = 0), so this "
                              "vendor event counter alone is not a defect", "info"))
    soft = value(201)
    if soft and not is_bogus(soft):
        out.append(Reason(Status.WARNING, "soft-read-errors", f"{soft} soft read errors",
                          _attr_detail(a[201]) + "; rule: raw > 0 WARNING", "media", _SRC_SCRUTINY))
    timeouts = value(188)
    if timeouts:
        status = Status.WARNING if timeouts >= th.command_timeout_warn else Status.OK
        out.append(Reason(status, "command-timeouts", f"{timeouts} command timeouts",
                          _attr_detail(a[188], timeouts) + f"; raw48 decoded as three 16-bit counters, largest "
                          f"taken (Scrutiny #522); rule: >= {th.command_timeout_warn} WARNING, below: information",
                          "cable" if status is Status.WARNING else "info", _SRC_BB))
    crc = value(199)
    if crc and not is_bogus(crc):
        out.append(Reason(Status.WARNING, "crc-errors-cable",
                          f"{crc} interface CRC errors (cable or connector, not the disk surface)",
                          _attr_detail(a[199]) + "; UDMA CRC errors are transmission errors between disk and "
                          "controller: check/replace the SATA cable, backplane or port; never a failing-media "
                          "verdict", "cable", "smartmontools FAQ; Scrutiny"))
    return out


def _nvme_rules(drive: Drive, th: Thresholds) -> list[Reason]:
    n = drive.nvme
    if not n:
        return []
    out: list[Reason] = []
    warning = n.get("critical_warning") or 0
    used = n.get("percentage_used")
    bits = [bit for bit in NVME_CRITICAL_BITS if warning & (1 << bit)]
    for bit in bits:
        words = NVME_CRITICAL_BITS[bit]
        status, kind = Status.CRITICAL, "failing"
        if bit == 1:
            status, kind = Status.WARNING, "heat"
        elif bit == 2 and bits == [2] and used is not None and used >= 100:
            # smartmontools #537: firmware sets bit 2 when the rated endurance is used up.
            status, kind = Status.WARNING, "wear"
        out.append(Reason(status, f"nvme-critical-warning-bit{bit}", f"NVMe critical warning: {words}",
                          f"critical_warning=0x{warning:02X}, bit {bit} set ({words})", kind,
                          "NVMe base spec, SMART/Health log byte 0"))
    spare, spare_th = n.get("available_spare"), n.get("available_spare_threshold")
    if isinstance(spare, int) and isinstance(spare_th, int) and spare_th > 0:
        if spare < spare_th:
            out.append(Reason(Status.CRITICAL, "nvme-spare-below-threshold",
                              f"spare blocks {spare}% below the drive's threshold {spare_th}%",
                              f"available_spare={spare}% < available_spare_threshold={spare_th}%", "failing",
                              "NVMe spec; CrystalDiskInfo; Scrutiny"))
        elif spare <= spare_th + th.nvme_spare_margin_pct:
            out.append(Reason(Status.WARNING, "nvme-spare-low",
                              f"spare blocks {spare}%, close to the drive's threshold {spare_th}%",
                              f"available_spare={spare}% <= threshold {spare_th}% + {th.nvme_spare_margin_pct:g}",
                              "wear", "GSmartControl; CrystalDiskInfo"))
    if isinstance(used, int):
        if used >= th.nvme_used_crit_pct:
            out.append(Reason(Status.CRITICAL, "nvme-worn-out", f"{used}% of rated endurance used",
                              f"percentage_used={used}% >= {th.nvme_used_crit_pct:g}", "wear",
                              "smartd 7.5 -f; Scrutiny"))
        elif used >= th.nvme_used_warn_pct:
            out.append(Reason(Status.WARNING, "nvme-wear", f"{used}% of rated endurance used",
                              f"percentage_used={used}% >= {th.nvme_used_warn_pct:g}", "wear", "GSmartControl"))
    media = n.get("media_errors")
    if isinstance(media, int) and media > 0:
        out.append(Reason(Status.WARNING, "nvme-media-errors", f"{media} media and data integrity errors",
                          f"media_errors={media}; rule: > 0 WARNING, growing CRITICAL", "media",
                          "smartd 7.5 -f; Scrutiny"))
    entries = n.get("num_err_log_entries")
    if isinstance(entries, int) and entries > 0:
        out.append(Reason(Status.OK, "nvme-error-log-info", f"{entries} error-log entries (informational)",
                          f"num_err_log_entries={entries} with media_errors={media}: host/driver command errors "
                          "(e.g. 'Invalid Field in Command'), not a disk fault (GSmartControl, smartd)", "info"))
    return out


def _scsi_rules(drive: Drive) -> list[Reason]:
    s = drive.scsi
    if not s:
        return []
    out: list[Reason] = []
    grown = s.get("grown_defects")
    if isinstance(grown, int) and grown > 0:
        status = Status.CRITICAL if grown >= 100 else Status.WARNING
        out.append(Reason(status, "scsi-grown-defects", f"{grown} grown defects (remapped blocks)",
                          f"Elements in grown defect list: {grown}; rule: 1..99 WARNING, >= 100 or growing CRITICAL",
                          "failing" if status is Status.CRITICAL else "media", "Scrutiny (Staros fork)"))
    bad = {op: s.get(f"uncorrected_{op}") for op in ("read", "write", "verify")}
    bad = {op: v for op, v in bad.items() if isinstance(v, int) and v > 0}
    if bad:
        text = ", ".join(f"{op} {v}" for op, v in bad.items())
        out.append(Reason(Status.CRITICAL, "scsi-uncorrected-errors", f"uncorrected errors ({text})",
                          f"error counter log total uncorrected errors: {text}; rule: > 0 CRITICAL", "failing",
                          "Scrutiny (Staros fork)"))
    non_medium = s.get("non_medium")
    if isinstance(non_medium, int) and non_medium > 0:
        out.append(Reason(Status.OK, "scsi-non-medium-info", f"{non_medium} non-medium errors (informational)",
                          f"Non-medium error count: {non_medium} (transport/controller events, not media)", "info"))
    return out


def temperature_limits(drive: Drive, th: Thresholds = Thresholds()) -> tuple[float, float]:
    """(warning, critical) °C: the drive's own limits where it states them, else fieldkit's defaults."""
    solid = drive.rotation_rpm == 0 or drive.protocol == "NVMe"
    warn = drive.temp_limit_warn_c or (th.temp_warn_ssd_c if solid else th.temp_warn_hdd_c)
    crit = drive.temp_limit_crit_c or (th.temp_crit_ssd_c if solid else th.temp_crit_hdd_c)
    if drive.protocol == "SCSI" and drive.temp_limit_crit_c and not drive.temp_limit_warn_c:
        warn = drive.temp_limit_crit_c - 5     # SCSI gives only the trip point
    return warn, crit


def _temperature(drive: Drive, th: Thresholds) -> list[Reason]:
    t = drive.temperature_c
    if not isinstance(t, int) or not 0 < t < 150:
        return []
    warn, crit = temperature_limits(drive, th)
    own = "the drive's own limit" if (drive.temp_limit_warn_c or drive.temp_limit_crit_c) else "fieldkit default"
    if t >= crit:
        return [Reason(Status.CRITICAL, "temperature-critical", f"{t} °C, at or above {crit} °C",
                       f"temperature {t} C >= critical {crit} C ({own})", "heat")]
    if t >= warn:
        return [Reason(Status.WARNING, "temperature-high", f"{t} °C, at or above {warn} °C",
                       f"temperature {t} C >= warning {warn} C ({own})", "heat")]
    return []


def _self_tests(drive: Drive) -> list[Reason]:
    finished = [t for t in drive.self_tests if t.outcome in ("passed", "failed")]
    if not finished:
        return []
    newest = finished[0]
    if newest.outcome == "failed":
        return [Reason(Status.CRITICAL, "selftest-failed-last", f"the last self-test failed ({newest.status})",
                       f"self-test log #1: {newest.kind}: {newest.status} at {newest.hours} h"
                       + (f", first bad LBA {newest.lba}" if newest.lba is not None else ""), "selftest",
                       _SRC_SMARTD)]
    for index, test in enumerate(finished):
        if test.outcome != "failed":
            continue
        newer_long_pass = any(t.outcome == "passed" and t.extended for t in finished[:index])
        if newer_long_pass:
            return [Reason(Status.OK, "selftest-failed-outdated", "an old self-test failure, outdated",
                           f"{test.kind}: {test.status} at {test.hours} h, followed by a passing extended test "
                           "(smartd ignores such failures)", "info", _SRC_SMARTD)]
        return [Reason(Status.WARNING, "selftest-failed-earlier", f"an earlier self-test failed ({test.status})",
                       f"{test.kind}: {test.status} at {test.hours} h"
                       + (f", first bad LBA {test.lba}" if test.lba is not None else "")
                       + "; no passing extended test since", "selftest", _SRC_SMARTD)]
    return []


def _exit_bits(drive: Drive, found: list[Reason]) -> list[Reason]:
    status = drive.exit_status
    if not status:
        return []
    rules = {r.rule for r in found}
    out: list[Reason] = []
    if status & 8 and not any(r.status is Status.CRITICAL for r in found):
        out.append(Reason(Status.CRITICAL, "exit-disk-failing", "smartctl reports DISK FAILING",
                          f"smartctl exit status {status}: " + "; ".join(decode_exit_status(status)), "failing",
                          "smartctl(8) EXIT STATUS"))
    if status & 16 and "attribute-failing-now" not in rules:
        out.append(Reason(Status.CRITICAL, "exit-prefail-now", "a pre-fail attribute is at its threshold now",
                          f"smartctl exit status {status} (bit 4)", "failing", "smartctl(8) EXIT STATUS"))
    if status & 128 and not drive.self_tests:
        out.append(Reason(Status.WARNING, "exit-selftest-errors", "the self-test log contains errors",
                          f"smartctl exit status {status} (bit 7); log itself not in this output", "selftest",
                          "smartctl(8) EXIT STATUS"))
    if status & 64 and not recent_unc_errors(drive):
        out.append(Reason(Status.OK, "error-log-info",
                          f"device error log has {drive.ata_error_count if drive.ata_error_count is not None else 'some'}"
                          " entries (informational without growth)",
                          f"smartctl exit status {status} (bit 6); old errors are common (f14: 98), only growth "
                          "between visits is flagged", "info"))
    if status & 4:
        out.append(Reason(Status.OK, "exit-partial", "a SMART command failed; data may be partial",
                          f"smartctl exit status {status} (bit 2: some SMART command failed, common behind RAID "
                          "controllers)", "info"))
    return out


RECENT_ERROR_HOURS = 168   # one week of power-on time


def _error_log(drive: Drive) -> list[Reason]:
    recent = recent_unc_errors(drive)
    if not recent:
        return []
    return [Reason(Status.WARNING, "recent-unc-errors",
                   f"{len(recent)} unreadable-sector (UNC) error{_s(len(recent))} in the last "
                   f"{RECENT_ERROR_HOURS} power-on hours",
                   "ATA error log: " + "; ".join(f"{h} h: {what}" for h, what in recent[:3])
                   + f" (drive at {drive.power_on_hours} h; the log's 16-bit hour counter wraps)",
                   "media", "notes/smart.md §3 (exit bit 6 with recent UNC errors)")]


def recent_unc_errors(drive: Drive) -> list[tuple[int, str]]:
    """ATA error-log entries reporting UNC (uncorrectable read) within the last week of power-on time.

    The log stores lifetime hours in 16 bits, so the age is computed modulo 65536 (f01's drive
    is at 65592 h, its errors at 61957 h: 3635 h old, not -.) Old errors are history (f14: 98).
    """
    if drive.power_on_hours is None:
        return []
    now = drive.power_on_hours % 65536
    return [(h, what) for h, what in drive.ata_errors
            if "UNC" in what and (now - h) % 65536 <= RECENT_ERROR_HOURS]


# Growth: "an increase in reallocated, pending, uncorrectable or media errors is flagged even
# when the absolute numbers are small" (issue 3); smartd -R 5!, -C 197+, -U 198+.
_GROWTH_CRITICAL = {
    "reallocated": "reallocated sectors", "pending": "pending sectors", "uncorrectable": "offline-uncorrectable sectors",
    "reported_uncorrect": "reported uncorrectable errors", "media_errors": "NVMe media errors",
    "grown_defects": "SCSI grown defects", "scsi_uncorrected": "SCSI uncorrected errors",
}
_GROWTH_WARNING = {"crc_errors": "interface CRC errors", "ata_error_count": "ATA error-log entries",
                   "spin_retries": "spin retries"}


def _growth(drive: Drive, baseline: dict[str, Any] | None, found: list[Reason]) -> list[Reason]:
    if not baseline:
        return []
    before = baseline.get("counters") or {}
    when = baseline.get("when") or "the baseline"
    now = counters(drive)
    out: list[Reason] = []
    for table, status in ((_GROWTH_CRITICAL, Status.CRITICAL), (_GROWTH_WARNING, Status.WARNING)):
        for key, words in table.items():
            old, new = before.get(key), now.get(key)
            if isinstance(old, int) and isinstance(new, int) and new > old:
                out.append(Reason(status, f"growth-{key.replace('_', '-')}",
                                  f"{words} grew from {old} to {new} since {when}",
                                  f"counter {key}: {old} -> {new} (+{new - old}) since {when}; rule: any increase "
                                  f"{status.name}", "failing" if status is Status.CRITICAL else "cable"
                                  if key == "crc_errors" else "media", "smartd -R 5! / -C 197+ / -U 198+"))
    # A CRC count that has not moved since the last visit is history (a cable already fixed):
    # Scrutiny fork's UseDeltaEvaluation for 199.
    old_crc, new_crc = before.get("crc_errors"), now.get("crc_errors")
    if isinstance(old_crc, int) and old_crc == new_crc:
        for reason in found:
            if reason.rule == "crc-errors-cable":
                reason.status = Status.OK
                reason.rule = "crc-errors-unchanged"
                reason.message += f", unchanged since {when}"
                reason.kind = "info"
    return out
