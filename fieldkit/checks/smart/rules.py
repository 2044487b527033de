"""fieldkit's SMART verdict: pure functions over a :class:`Drive`.

The drive's own PASSED line is nearly useless (2 of 21 degraded or failing corpus drives
say FAILED), so the verdict rests on the counters that predict failure: Backblaze's five
(5, 187, 188, 197, 198), smartd's defaults (-C 197, -U 198, -l selftest, -l error), the NVMe
health log and the SCSI error counters. Vendor-specific attributes are read only where the
drive family says what they mean (:mod:`.families`). Every rule yields a :class:`Reason`
that names the attribute(s) behind it and why it matters; the worst one decides.

Calibrated on 150+ real captures of drives in the wild (tests/fixtures/smart/scale,
bench/smart_corpus.py --scale): the rules that used to flag a third of healthy drives
(lifetime CRC counts of 1-7, SandForce packed rates read as soft errors, recovered reads,
55 degree hard disks) now keep those in the technician detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldkit.checks.smart import families
from fieldkit.findings import Status
from fieldkit.messages import N_, day, t, tn
from fieldkit.smart.counters import (PHY_CRC_EVENTS, counter, counters, errors_within, is_bogus,
                                     phy_crc_errors)
from fieldkit.smart.model import Attribute, Drive, decode_exit_status


@dataclass(frozen=True)
class Thresholds:
    reallocated_crit: int = 16        # Backblaze: 17-70 reallocated sectors -> 23.6 % AFR (2.5 % at 0)
    reported_uncorrect_crit: int = 10
    command_timeout_warn: int = 100   # decoded 188; a handful of old timeouts is normal on Seagates
    # Interface CRC (199): one bumped cable, hot-plug or power loss adds a handful of counts and
    # the counter never goes back, so a lifetime count is history. A link that is bad while the
    # drive is in use adds errors steadily: at one per 100 power-on hours or faster (with at
    # least 20, so one burst on a new drive is not a rate), or 1000 in total, the connection
    # has been bad for a long stretch of the drive's use and probably still is.
    crc_lifetime_warn: int = 1000
    crc_rate_min_count: int = 20
    crc_rate_per_1000h: float = 10.0
    # A failed self-test that no bad-sector counter confirms and that is older than 30 days of
    # use has been overwritten by normal writes since; smartd too only reports new failures.
    selftest_recent_hours: int = 720
    # SATA Phy event counters restart at power-on: a few R_ERR at link start-up are normal,
    # 10 CRC-class events within one power cycle mean frames are being corrupted now.
    phy_crc_warn: int = 10
    nvme_used_warn_pct: float = 80.0
    nvme_used_crit_pct: float = 100.0
    nvme_spare_margin_pct: float = 10.0
    # Defaults where the drive states no limit of its own. Hard disks: makers specify 60 C as
    # the maximum operating temperature (WD, Seagate, Toshiba, HGST datasheets; the SCT
    # "recommended" maximum most drives report is 60); SATA SSDs 70 C; NVMe 70/80 C below
    # the typical WCTEMP/CCTEMP of 80-85 C.
    temp_warn_hdd_c: float = 60.0
    temp_crit_hdd_c: float = 70.0
    temp_warn_ssd_c: float = 70.0
    temp_crit_ssd_c: float = 80.0
    temp_warn_nvme_c: float = 70.0
    temp_crit_nvme_c: float = 80.0


@dataclass
class Reason:
    status: Status
    rule: str
    message: str          # one customer-facing clause (a translatable Msg), for the summary line
    detail: str           # technician: attribute, raw value, rule, threshold
    kind: str = "media"   # advice family: failing, media, cable, wear, heat, selftest, info, ok
    source: str = ""
    attributes: tuple[str, ...] = ()   # what the rule read: "ATA 199 UDMA_CRC_Error_Count", "NVMe media_errors"
    why: str = ""         # why it matters, for the technician


# NVMe critical warning bits (NVMe base spec 2.0, SMART / Health Information log, byte 0): the spec's
# words for the technician, and what each means for the customer (a translatable phrase).
NVME_CRITICAL_BITS = {
    0: "available spare below threshold",
    1: "temperature above or below the allowed range",
    2: "NVM subsystem reliability degraded (media errors or wear)",
    3: "media placed in read-only mode",
    4: "volatile memory backup device failed",
    5: "persistent memory region read-only or unreliable",
}
NVME_CRITICAL_WORDS = {
    0: N_("its reserve of spare blocks is below the safe level"),
    1: N_("its temperature is outside the allowed range"),
    2: N_("it is no longer reliable (data errors or wear)"),
    3: N_("it has switched itself to read-only"),
    4: N_("the part that protects data in a power cut has failed"),
    5: N_("part of its memory is read-only or unreliable"),
}

_SRC_BB = "Backblaze SMART stats 2014/2016"
_SRC_SCRUTINY = "Scrutiny critical attributes"
_SRC_SMARTD = "smartd defaults (-C 197 -U 198 -l selftest -l error)"

RECENT_ERROR_HOURS = 168   # one week of power-on time

_WHY_MEDIA = ("sectors the drive could not read or had to replace; Backblaze finds drives with any of "
              "them fail several times more often")
_WHY_CABLE = ("transmission errors between disk and controller corrupt or stall transfers; they come "
              "from the cable, connector, backplane or port, not the disk surface")


def _attr_name(attr: Attribute) -> str:
    return f"ATA {attr.id} {attr.name}"


def _attr_detail(attr: Attribute, shown: Any = None) -> str:
    raw = attr.raw_string if shown is None else f"{attr.raw_string} (counted as {shown})"
    return (f"ATA {attr.id} {attr.name}: raw {raw}, normalized {attr.value}/worst {attr.worst}/"
            f"thresh {attr.thresh}, when_failed {attr.when_failed or '-'}")


def drive_kind(drive: Drive) -> str:
    """"nvme", "ssd" (SATA/SAS solid state) or "hdd"."""
    if drive.protocol == "NVMe":
        return "nvme"
    if drive.rotation_rpm == 0:
        return "ssd"
    return "hdd"


# --------------------------------------------------------------------------- rules

def evaluate(drive: Drive, th: Thresholds = Thresholds(), baseline: dict[str, Any] | None = None) -> list[Reason]:
    """All reasons, worst first. An empty data set is the caller's UNKNOWN, not an OK."""
    reasons: list[Reason] = []
    reasons += _health(drive)
    reasons += _ata_rules(drive, th)
    reasons += _cable(drive, th)
    reasons += _nvme_rules(drive, th)
    reasons += _scsi_rules(drive)
    reasons += _temperature(drive, th)
    reasons += _self_tests(drive, th)
    reasons += _error_log(drive)
    reasons += _exit_bits(drive, reasons)
    reasons += _growth(drive, baseline, reasons)
    note = families.not_judged_note(drive)
    if note:
        reasons.append(Reason(Status.OK, "vendor-attributes-not-judged",
                              t("vendor-specific counters listed for the technician"), note, "info",
                              "smartctl drive database; fieldkit families"))
    order = {Status.CRITICAL: 0, Status.WARNING: 1, Status.UNKNOWN: 2, Status.OK: 3}
    reasons.sort(key=lambda r: order[r.status])
    return reasons


def _health(drive: Drive) -> list[Reason]:
    if drive.health_passed is not False:
        return []
    if drive.protocol == "NVMe" and drive.nvme.get("critical_warning"):
        return []   # decoded bit by bit in _nvme_rules
    return [Reason(Status.CRITICAL, "drive-health-failed", t("the drive itself reports that it is failing"),
                   "overall-health self-assessment = FAILED (smart_status.passed=false)", "failing",
                   "drive firmware", ("overall-health self-assessment",),
                   "the firmware's own verdict: an attribute crossed the maker's failure threshold")]


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
                                  t("a part of the drive the maker watches for failure is past its limit now"),
                                  _attr_detail(attr), "failing", "drive firmware (WHEN_FAILED=now)",
                                  (_attr_name(attr),), "a pre-fail attribute at its threshold predicts failure "
                                  "within days by the maker's own definition"))
            elif attr.id in temperature_ids:
                out.append(Reason(Status.WARNING, "temperature-attribute-failing-now",
                                  t("the drive reports that it is too hot right now"), _attr_detail(attr), "heat",
                                  "drive firmware (WHEN_FAILED=now)", (_attr_name(attr),),
                                  "the drive is outside the temperature range its maker specifies"))
            else:
                out.append(Reason(Status.WARNING, "attribute-failing-now-oldage",
                                  t("a wear counter of the drive is past its design limit"), _attr_detail(attr),
                                  "media", "drive firmware (WHEN_FAILED=now)", (_attr_name(attr),),
                                  "an old-age attribute at its threshold means the drive is beyond its rated life"))
        elif attr.when_failed == "past":
            if attr.id in temperature_ids:
                # A temperature that once crossed its limit is history, not the state of the drive.
                out.append(Reason(Status.OK, "temperature-exceeded-in-past",
                                  t("the drive was too hot at some time in the past"), _attr_detail(attr), "info",
                                  "drive firmware (WHEN_FAILED=In_the_past)", (_attr_name(attr),)))
            else:
                out.append(Reason(Status.WARNING, "attribute-failed-past",
                                  t("a part of the drive crossed its failure limit in the past"), _attr_detail(attr),
                                  "media", "drive firmware (WHEN_FAILED=In_the_past)", (_attr_name(attr),),
                                  "the maker's threshold was crossed once; the drive recovered but was marginal"))

    def value(attr_id: int) -> int | None:
        return counter(a.get(attr_id))

    for attr_id in (5, 187, 197, 198):
        v = value(attr_id)
        if is_bogus(v):
            out.append(Reason(Status.OK, "bogus-counter-ignored",
                              t("a counter with an impossible value was ignored"),
                              _attr_detail(a[attr_id]) + f" = 0x{v:X}: an underflowed/garbage counter, not a "
                              "sector count (CrystalDiskInfo ignores such values too)", "info",
                              attributes=(_attr_name(a[attr_id]),)))
    realloc, pending, offline = (None if is_bogus(value(i)) else value(i) for i in (5, 197, 198))
    reported = None if is_bogus(value(187)) else value(187)
    media_bad = any((x or 0) > 0 for x in (realloc, pending, offline))

    if realloc:
        status = Status.CRITICAL if realloc >= th.reallocated_crit else Status.WARNING
        out.append(Reason(status, "reallocated-sectors",
                          tn("{n} damaged sector was replaced by a spare", "{n} damaged sectors were replaced by spares",
                             n=realloc),
                          _attr_detail(a[5]) + f"; rule: 1..{th.reallocated_crit - 1} WARNING, "
                          f">= {th.reallocated_crit} CRITICAL", "failing" if status is Status.CRITICAL else "media",
                          _SRC_BB, (_attr_name(a[5]),), _WHY_MEDIA))
    if pending:
        status = Status.CRITICAL if pending >= 2 else Status.WARNING
        out.append(Reason(status, "pending-sectors",
                          tn("{n} sector cannot be read and waits to be replaced",
                             "{n} sectors cannot be read and wait to be replaced", n=pending),
                          _attr_detail(a[197]) + "; rule: 1 WARNING, >= 2 CRITICAL",
                          "failing" if status is Status.CRITICAL else "media", _SRC_BB + "; " + _SRC_SMARTD,
                          (_attr_name(a[197]),), "data in these sectors is unreadable now; " + _WHY_MEDIA))
    if offline:
        out.append(Reason(Status.CRITICAL, "offline-uncorrectable",
                          tn("{n} sector was unreadable in the drive's own surface scan",
                             "{n} sectors were unreadable in the drive's own surface scan", n=offline),
                          _attr_detail(a[198]) + "; rule: >= 1 CRITICAL (58-265 % AFR, Backblaze)", "failing",
                          _SRC_BB + "; " + _SRC_SMARTD, (_attr_name(a[198]),), _WHY_MEDIA))
    if reported:
        critical = reported >= th.reported_uncorrect_crit or media_bad
        out.append(Reason(Status.CRITICAL if critical else Status.WARNING, "reported-uncorrectable",
                          tn("{n} read error the drive could not correct", "{n} read errors the drive could not correct",
                             n=reported),
                          _attr_detail(a[187]) + f"; rule: 1..{th.reported_uncorrect_crit - 1} WARNING, "
                          f">= {th.reported_uncorrect_crit} or with reallocated/pending sectors CRITICAL",
                          "failing" if critical else "media", _SRC_BB, (_attr_name(a[187]),),
                          "reads that returned an error to the computer: data was lost at least once"))
    judged = families.judged_ids(drive)
    spin = value(10) if 10 in judged else None
    if spin and not is_bogus(spin):
        critical = bool(realloc or pending)
        out.append(Reason(Status.CRITICAL if critical else Status.WARNING, "spin-retry",
                          tn("the disk motor needed {n} retry to spin up", "the disk motor needed {n} retries to spin up",
                             n=spin), _attr_detail(a[10]) +
                          "; rule: > 0 WARNING, with reallocated/pending sectors CRITICAL",
                          "failing" if critical else "media", _SRC_SCRUTINY, (_attr_name(a[10]),),
                          "the spindle motor or its power supply is weakening; a disk that cannot spin up "
                          "cannot be read"))
    e2e = value(184) if 184 in judged else None
    if e2e and not is_bogus(e2e):
        out.append(Reason(Status.WARNING, "end-to-end-error",
                          tn("{n} internal data-path error", "{n} internal data-path errors", n=e2e),
                          _attr_detail(a[184]) + "; rule: raw > 0 WARNING", "media", _SRC_SCRUTINY,
                          (_attr_name(a[184]),), "data was corrupted inside the drive's own buffer between "
                          "interface and media"))
    events = value(196)
    if events and not is_bogus(events):
        if realloc:
            out.append(Reason(Status.WARNING, "reallocation-events",
                              tn("{n} sector replacement took place", "{n} sector replacements took place", n=events),
                              _attr_detail(a[196], events) + "; rule: > 0 with reallocated sectors WARNING", "media",
                              _SRC_SCRUTINY, (_attr_name(a[196]),), _WHY_MEDIA))
        else:
            out.append(Reason(Status.OK, "reallocation-events-info",
                              t("sector replacement events without a replaced sector"),
                              _attr_detail(a[196], events) + "; no sector was remapped (attribute 5 = 0), so this "
                              "vendor event counter alone is not a defect", "info",
                              attributes=(_attr_name(a[196]),)))
    soft = value(201) if 201 in judged else None
    if soft and not is_bogus(soft):
        # Soft errors are reads that succeeded on retry: the drive corrected them. A count is
        # never a warning by itself; growth between visits is (see _growth).
        out.append(Reason(Status.OK, "soft-read-errors-info", t("reads that succeeded on retry"),
                          _attr_detail(a[201]) + "; recovered reads are not a fault on their own; growth between "
                          "visits is flagged", "info", attributes=(_attr_name(a[201]),)))
    timeouts = value(188)
    if timeouts:
        status = Status.WARNING if timeouts >= th.command_timeout_warn else Status.OK
        out.append(Reason(status, "command-timeouts",
                          tn("{n} command to the drive timed out", "{n} commands to the drive timed out", n=timeouts),
                          _attr_detail(a[188], timeouts) + f"; raw48 decoded as three 16-bit counters, largest "
                          f"taken (Scrutiny #522); rule: >= {th.command_timeout_warn} WARNING, below: information",
                          "cable" if status is Status.WARNING else "info", _SRC_BB, (_attr_name(a[188]),),
                          "commands the drive did not answer in time: a failing drive, power supply or link"))
    return out


def _cable(drive: Drive, th: Thresholds) -> list[Reason]:
    """Interface CRC errors: a lifetime count is history; growth, recent errors or a count large
    for the drive's age is a connection problem now."""
    attr = drive.attributes.get(199)
    crc = counter(attr)
    crc = None if is_bogus(crc) else crc
    phy = phy_crc_errors(drive)
    recent = errors_within(drive, RECENT_ERROR_HOURS, "ICRC")
    hours = drive.power_on_hours
    names = tuple(x for x in ((_attr_name(attr) if attr else None),
                              "SATA Phy Event Counters" if phy else None) if x)
    if recent:
        entries = "; ".join(f"{h} h: {what}" for h, what in recent[:3])
        return [Reason(Status.WARNING, "cable-recent-interface-errors",
                       tn("{n} transmission error between disk and computer in the last week of use",
                          "{n} transmission errors between disk and computer in the last week of use", n=len(recent)),
                       f"ATA error log: {entries} (drive at {hours} h; ICRC = interface CRC error); "
                       f"UDMA CRC count {crc}; rule: ICRC errors within {RECENT_ERROR_HOURS} power-on hours WARNING",
                       "cable", "ATA error log; smartmontools FAQ",
                       names or ("ATA error log",), _WHY_CABLE)]
    if crc and crc >= th.crc_lifetime_warn:
        return [Reason(Status.WARNING, "cable-crc-many",
                       tn("{n} transmission error between disk and computer", 
                          "{n} transmission errors between disk and computer", n=crc),
                       _attr_detail(attr) + f"; rule: >= {th.crc_lifetime_warn} over the drive's life WARNING (more "
                       "than hot-plugs and power losses explain)", "cable", "smartmontools FAQ; Scrutiny", names,
                       _WHY_CABLE)]
    rate = crc * 1000.0 / hours if crc and hours else None
    if crc and rate is not None and crc >= th.crc_rate_min_count and rate >= th.crc_rate_per_1000h:
        return [Reason(Status.WARNING, "cable-crc-rate",
                       tn("{n} transmission error between disk and computer in a short life",
                          "{n} transmission errors between disk and computer in a short life", n=crc),
                       _attr_detail(attr) + f"; {rate:.1f} per 1000 power-on hours at {hours} h; rule: >= "
                       f"{th.crc_rate_min_count} at >= {th.crc_rate_per_1000h:g} per 1000 h WARNING", "cable",
                       "smartmontools FAQ", names, _WHY_CABLE)]
    if phy and phy >= th.phy_crc_warn:
        rows = ", ".join(f"{PHY_CRC_EVENTS[k]} {v}" for k, v in sorted(drive.phy_events.items())
                         if k in PHY_CRC_EVENTS and v)
        return [Reason(Status.WARNING, "cable-phy-errors-now",
                       tn("{n} transmission error between disk and computer since it was switched on",
                          "{n} transmission errors between disk and computer since it was switched on", n=phy),
                       f"SATA Phy Event Counters since power-on: {rows}; rule: >= {th.phy_crc_warn} WARNING",
                       "cable", "SATA 3.x Phy event counters", names, _WHY_CABLE)]
    if crc or phy:
        extra = f"; {rate:.2f} per 1000 power-on hours" if rate is not None else ""
        detail = (_attr_detail(attr) + extra if attr is not None and crc else "") + (
            f"; SATA Phy CRC-class events since power-on: {phy}" if phy else "")
        return [Reason(Status.OK, "cable-crc-history",
                       t("a few old transmission errors, to be compared at the next visit"),
                       detail.strip("; ") + "; a lifetime count without growth, recent log entries or a high rate "
                       "is history (a cable already fixed, a hot-plug): watch it next visit", "info",
                       attributes=names)]
    return []


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
        out.append(Reason(status, f"nvme-critical-warning-bit{bit}", t("the drive raised its critical warning: {what}",
                                                                     what=t(NVME_CRITICAL_WORDS[bit])),
                          f"critical_warning=0x{warning:02X}, bit {bit} set ({words})", kind,
                          "NVMe base spec, SMART/Health log byte 0", ("NVMe critical_warning",),
                          "the controller's own alarm bit"))
    spare, spare_th = n.get("available_spare"), n.get("available_spare_threshold")
    if isinstance(spare, int) and isinstance(spare_th, int) and spare_th > 0:
        if spare < spare_th:
            out.append(Reason(Status.CRITICAL, "nvme-spare-below-threshold",
                              t("the drive has used up its reserve of spare blocks"),
                              f"available_spare={spare}% < available_spare_threshold={spare_th}%", "failing",
                              "NVMe spec; CrystalDiskInfo; Scrutiny", ("NVMe available_spare",),
                              "without spare blocks the next worn block cannot be replaced"))
        elif spare <= spare_th + th.nvme_spare_margin_pct:
            out.append(Reason(Status.WARNING, "nvme-spare-low", t("the drive's reserve of spare blocks is nearly used up"),
                              f"available_spare={spare}% <= threshold {spare_th}% + {th.nvme_spare_margin_pct:g}",
                              "wear", "GSmartControl; CrystalDiskInfo", ("NVMe available_spare",),
                              "spare blocks replace worn ones; near the threshold the drive turns read-only soon"))
    if isinstance(used, int):
        if used >= th.nvme_used_crit_pct:
            out.append(Reason(Status.CRITICAL, "nvme-worn-out", t("{pct}% of the writing the drive was built for is used",
                                                                  pct=used),
                              f"percentage_used={used}% >= {th.nvme_used_crit_pct:g}", "wear",
                              "smartd 7.5 -f; Scrutiny", ("NVMe percentage_used",), "rated endurance reached"))
        elif used >= th.nvme_used_warn_pct:
            out.append(Reason(Status.WARNING, "nvme-wear", t("{pct}% of the writing the drive was built for is used",
                                                             pct=used),
                              f"percentage_used={used}% >= {th.nvme_used_warn_pct:g}", "wear", "GSmartControl",
                              ("NVMe percentage_used",), "close to the rated endurance"))
    media = n.get("media_errors")
    if isinstance(media, int) and media > 0:
        out.append(Reason(Status.WARNING, "nvme-media-errors",
                          tn("{n} unrecovered data error", "{n} unrecovered data errors", n=media),
                          f"media_errors={media}; rule: > 0 WARNING, growing CRITICAL", "media",
                          "smartd 7.5 -f; Scrutiny", ("NVMe media_errors",),
                          "data the controller could not recover (ECC or CRC failed)"))
    entries = n.get("num_err_log_entries")
    if isinstance(entries, int) and entries > 0:
        out.append(Reason(Status.OK, "nvme-error-log-info", t("command errors logged by the drive (informational)"),
                          f"num_err_log_entries={entries} with media_errors={media}: host/driver command errors "
                          "(e.g. 'Invalid Field in Command'), not a disk fault (GSmartControl, smartd)", "info",
                          attributes=("NVMe num_err_log_entries",)))
    warn_time = n.get("warning_temp_time")
    if isinstance(warn_time, int) and warn_time > 0:
        out.append(Reason(Status.OK, "nvme-temperature-history", t("the drive was hot for a while in the past"),
                          f"warning_temp_time={warn_time} min above WCTEMP, critical_comp_time="
                          f"{n.get('critical_comp_time')} min; history, compared with the current temperature",
                          "info", attributes=("NVMe warning_temp_time",)))
    return out


def _scsi_rules(drive: Drive) -> list[Reason]:
    s = drive.scsi
    if not s:
        return []
    out: list[Reason] = []
    grown = s.get("grown_defects")
    if isinstance(grown, int) and grown > 0:
        status = Status.CRITICAL if grown >= 100 else Status.WARNING
        out.append(Reason(status, "scsi-grown-defects",
                          tn("{n} damaged block was replaced by a spare", "{n} damaged blocks were replaced by spares",
                             n=grown),
                          f"Elements in grown defect list: {grown}; rule: 1..99 WARNING, >= 100 or growing CRITICAL",
                          "failing" if status is Status.CRITICAL else "media", "Scrutiny (Staros fork)",
                          ("SCSI grown defect list",), _WHY_MEDIA))
    bad = {op: s.get(f"uncorrected_{op}") for op in ("read", "write", "verify")}
    bad = {op: v for op, v in bad.items() if isinstance(v, int) and v > 0}
    if bad:
        text = ", ".join(f"{op} {v}" for op, v in bad.items())
        out.append(Reason(Status.CRITICAL, "scsi-uncorrected-errors",
                          tn("{n} error the drive could not correct", "{n} errors the drive could not correct",
                             n=sum(bad.values())),
                          f"error counter log total uncorrected errors: {text}; rule: > 0 CRITICAL", "failing",
                          "Scrutiny (Staros fork)", ("SCSI error counter log",), "data was lost at least once"))
    non_medium = s.get("non_medium")
    if isinstance(non_medium, int) and non_medium > 0:
        out.append(Reason(Status.OK, "scsi-non-medium-info", t("transport events logged by the drive (informational)"),
                          f"Non-medium error count: {non_medium} (transport/controller events, not media)", "info",
                          attributes=("SCSI non-medium error count",)))
    return out


def temperature_limits(drive: Drive, th: Thresholds = Thresholds()) -> tuple[float, float]:
    """(warning, critical) degrees C for this kind of drive: its own limits where it states them
    (NVMe WCTEMP/CCTEMP, ATA SCT recommended maximum and absolute limit, Device Statistics
    "Specified Maximum Operating Temperature", SCSI trip point), else fieldkit's defaults."""
    kind = drive_kind(drive)
    warn_default, crit_default = {"hdd": (th.temp_warn_hdd_c, th.temp_crit_hdd_c),
                                  "ssd": (th.temp_warn_ssd_c, th.temp_crit_ssd_c),
                                  "nvme": (th.temp_warn_nvme_c, th.temp_crit_nvme_c)}[kind]
    warn = drive.temp_limit_warn_c or warn_default
    crit = drive.temp_limit_crit_c or crit_default
    if drive.protocol == "SCSI" and drive.temp_limit_crit_c and not drive.temp_limit_warn_c:
        warn = drive.temp_limit_crit_c - 5     # SCSI gives only the trip point
    if crit <= warn:
        crit = warn + 5
    return warn, crit


def _temperature(drive: Drive, th: Thresholds) -> list[Reason]:
    t_now = drive.temperature_c
    if not isinstance(t_now, int) or not 0 < t_now < 150:
        return []
    warn, crit = temperature_limits(drive, th)
    own = "the drive's own limit" if (drive.temp_limit_warn_c or drive.temp_limit_crit_c) else (
        f"fieldkit default for {drive_kind(drive).upper()}")
    life = drive.temp_lifetime_max_c
    history = f"; lifetime maximum {life} C" if isinstance(life, int) else ""
    names = ("temperature (ATA 194/190, SCT status, NVMe composite)",)
    why = "heat shortens a drive's life and causes read and write errors"
    if t_now >= crit:
        return [Reason(Status.CRITICAL, "temperature-critical", t("the drive is at {temp} °C, far above its limit",
                                                                  temp=t_now),
                       f"temperature now {t_now} C >= critical {crit:g} C ({own}){history}", "heat",
                       attributes=names, why=why)]
    if t_now >= warn:
        return [Reason(Status.WARNING, "temperature-high", t("the drive is at {temp} °C, above its limit", temp=t_now),
                       f"temperature now {t_now} C >= warning {warn:g} C ({own}){history}", "heat",
                       attributes=names, why=why)]
    if isinstance(life, int) and life >= warn:
        return [Reason(Status.OK, "temperature-history", t("the drive was too hot at some time in the past"),
                       f"temperature now {t_now} C (below {warn:g} C, {own}); lifetime maximum {life} C >= {warn:g} C "
                       "is history, the current reading decides", "info", attributes=names)]
    return []


def _self_tests(drive: Drive, th: Thresholds = Thresholds()) -> list[Reason]:
    finished = [x for x in drive.self_tests if x.outcome in ("passed", "failed")]
    if not finished:
        return []
    newest = finished[0]
    names = ("SMART self-test log",)
    if newest.outcome == "failed":
        counts = counters(drive)
        confirmed = any((counts.get(k) or 0) > 0 and not is_bogus(counts.get(k))
                        for k in ("reallocated", "pending", "uncorrectable", "media_errors", "grown_defects"))
        where = f"self-test log #1: {newest.kind}: {newest.status} at {newest.hours} h" + (
            f", first bad LBA {newest.lba}" if newest.lba is not None else "")
        if confirmed or drive.protocol != "ATA":
            return [Reason(Status.CRITICAL, "selftest-failed-last", t("the drive's own surface test found places it "
                                                                      "cannot read"),
                           where + "; confirmed by reallocated/pending/uncorrectable counters", "selftest",
                           _SRC_SMARTD, names, "the disk cannot read part of its surface: data there is lost")]
        # No remapped, pending or uncorrectable sector now: the failed spot may have been
        # rewritten since. A warning to re-run the extended test, not a failing verdict; an old
        # one is history.
        age = (drive.power_on_hours - newest.hours) % 65536 if (
            drive.power_on_hours is not None and newest.hours is not None) else None
        if age is not None and age > th.selftest_recent_hours:
            return [Reason(Status.OK, "selftest-failed-old", t("an old surface test failure, not confirmed since"),
                           where + f"; {age} power-on hours ago (> {th.selftest_recent_hours}) and the bad-sector "
                           "counters are 0 now: history; run an extended self-test if in doubt", "info",
                           _SRC_SMARTD, names)]
        return [Reason(Status.WARNING, "selftest-failed-unconfirmed", t("the drive's own surface test failed once"),
                       where + "; pending/reallocated/uncorrectable counters are 0 now, so the sector may have been "
                       "rewritten since: run an extended self-test to confirm", "recheck", _SRC_SMARTD, names,
                       "a read failure in the drive's own test; without bad-sector counters it is not confirmed")]
    for index, test in enumerate(finished):
        if test.outcome != "failed":
            continue
        newer_long_pass = any(x.outcome == "passed" and x.extended for x in finished[:index])
        if newer_long_pass:
            return [Reason(Status.OK, "selftest-failed-outdated", t("an old surface test failure, since passed"),
                           f"{test.kind}: {test.status} at {test.hours} h, followed by a passing extended test "
                           "(smartd ignores such failures)", "info", _SRC_SMARTD, names)]
        return [Reason(Status.WARNING, "selftest-failed-earlier", t("an earlier surface test of the drive failed"),
                       f"{test.kind}: {test.status} at {test.hours} h"
                       + (f", first bad LBA {test.lba}" if test.lba is not None else "")
                       + "; no passing extended test since", "selftest", _SRC_SMARTD, names,
                       "the drive could not read part of its surface when the test ran")]
    return []


def _exit_bits(drive: Drive, found: list[Reason]) -> list[Reason]:
    status = drive.exit_status
    if not status:
        return []
    rules = {r.rule for r in found}
    out: list[Reason] = []
    names = ("smartctl exit status",)
    if status & 8 and not any(r.status is Status.CRITICAL for r in found):
        out.append(Reason(Status.CRITICAL, "exit-disk-failing", t("the drive itself reports that it is failing"),
                          f"smartctl exit status {status}: " + "; ".join(decode_exit_status(status)), "failing",
                          "smartctl(8) EXIT STATUS", names, "the firmware's own verdict"))
    if status & 16 and "attribute-failing-now" not in rules:
        out.append(Reason(Status.CRITICAL, "exit-prefail-now",
                          t("a part of the drive the maker watches for failure is past its limit now"),
                          f"smartctl exit status {status} (bit 4)", "failing", "smartctl(8) EXIT STATUS", names,
                          "a pre-fail attribute at its threshold"))
    if status & 128 and not drive.self_tests:
        out.append(Reason(Status.WARNING, "exit-selftest-errors", t("the drive's surface test log contains errors"),
                          f"smartctl exit status {status} (bit 7); log itself not in this output", "selftest",
                          "smartctl(8) EXIT STATUS", names, "a self-test failed at some time"))
    if status & 64 and not errors_within(drive, RECENT_ERROR_HOURS, "UNC"):
        out.append(Reason(Status.OK, "error-log-info", t("old errors in the drive's log (informational)"),
                          f"smartctl exit status {status} (bit 6): device error log has "
                          f"{drive.ata_error_count if drive.ata_error_count is not None else 'some'} entries; old "
                          "errors are common (f14: 98), only growth between visits is flagged", "info",
                          attributes=names))
    if status & 4:
        out.append(Reason(Status.OK, "exit-partial", t("a SMART command failed; data may be partial"),
                          f"smartctl exit status {status} (bit 2: some SMART command failed, common behind RAID "
                          "controllers)", "info", attributes=names))
    return out


def _error_log(drive: Drive) -> list[Reason]:
    recent = errors_within(drive, RECENT_ERROR_HOURS, "UNC")
    if not recent:
        return []
    return [Reason(Status.WARNING, "recent-unc-errors",
                   tn("{n} read of the disk failed in the last week of use",
                      "{n} reads of the disk failed in the last week of use", n=len(recent)),
                   "ATA error log: " + "; ".join(f"{h} h: {what}" for h, what in recent[:3])
                   + f" (drive at {drive.power_on_hours} h; the log's 16-bit hour counter wraps); rule: UNC "
                   f"errors within {RECENT_ERROR_HOURS} power-on hours WARNING", "media",
                   "smartd -l error", ("ATA error log",), "unreadable sectors met by real reads, recently")]


# Growth: an increase in reallocated, pending, uncorrectable or media errors is flagged even
# when the absolute numbers are small (smartd -R 5!, -C 197+, -U 198+). The counters' names
# are translatable words of the customer's sentence (N_).
_GROWTH_CRITICAL = {
    "reallocated": N_("reallocated sectors"), "pending": N_("pending sectors"),
    "uncorrectable": N_("offline-uncorrectable sectors"), "reported_uncorrect": N_("reported uncorrectable errors"),
    "media_errors": N_("NVMe media errors"), "grown_defects": N_("SCSI grown defects"),
    "scsi_uncorrected": N_("SCSI uncorrected errors"),
}
_GROWTH_WARNING = {"crc_errors": N_("interface CRC errors"), "ata_error_count": N_("ATA error-log entries"),
                   "spin_retries": N_("spin retries"), "soft_read_errors": N_("soft read errors")}


def _since(baseline: dict[str, Any]) -> Any:
    """When the earlier counters were read, for the customer: the day of that scan, or "the previous scan"."""
    from datetime import datetime

    at = baseline.get("at")
    if isinstance(at, str):
        try:
            return day(datetime.fromisoformat(at.replace("Z", "+00:00")))
        except ValueError:
            pass
    return t("the previous scan")


def _growth(drive: Drive, baseline: dict[str, Any] | None, found: list[Reason]) -> list[Reason]:
    if not baseline:
        return []
    before = baseline.get("counters") or {}
    when = baseline.get("when") or "the baseline"
    now = counters(drive)
    judged = families.judged_ids(drive)
    out: list[Reason] = []
    for table, status in ((_GROWTH_CRITICAL, Status.CRITICAL), (_GROWTH_WARNING, Status.WARNING)):
        for key, words in table.items():
            if key == "soft_read_errors" and 201 not in judged:
                continue   # only a documented error-rate attribute, not a vendor packed rate
            old, new = before.get(key), now.get(key)
            if isinstance(old, int) and isinstance(new, int) and new > old:
                kind = "failing" if status is Status.CRITICAL else "cable" if key == "crc_errors" else "media"
                out.append(Reason(status, f"growth-{key.replace('_', '-')}",
                                  t("{what} grew from {old} to {new} since {when}", what=t(words), old=old, new=new,
                                    when=_since(baseline)),
                                  f"counter {key}: {old} -> {new} (+{new - old}) since {when}; rule: any increase "
                                  f"{status.name}", kind, "smartd -R 5! / -C 197+ / -U 198+", (f"counter {key}",),
                                  "a counter that moves between visits is a fault in progress, not history"))
    # A CRC count that has not moved since the last visit is history (a cable already fixed):
    # Scrutiny fork's UseDeltaEvaluation for 199.
    old_crc, new_crc = before.get("crc_errors"), now.get("crc_errors")
    if isinstance(old_crc, int) and old_crc == new_crc:
        for reason in found:
            if reason.rule in ("cable-crc-many", "cable-crc-rate", "cable-crc-history"):
                reason.status = Status.OK
                reason.rule = "crc-errors-unchanged"
                reason.message = t("old transmission errors, unchanged since the last check")
                reason.detail += f"; unchanged since {when}"
                reason.kind = "info"
    return out
