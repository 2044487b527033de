"""One normalized drive model, whatever the source (live JSON, captured JSON, captured text).

The parsers (:mod:`fieldkit.smart.parse_json`, :mod:`fieldkit.smart.parse_text`) fill a
:class:`Drive`; the rules (:mod:`fieldkit.smart.rules`) read only this model, so a
capture mailed from a NAS and a live read of a local disk are judged identically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class ParseError(ValueError):
    """The input is not smartctl output fieldkit can read (garbled, truncated, empty)."""


#: what a parser may trip over in output of an unexpected shape (a null where a number was,
#: a list where a table was): reported as ParseError, never as a crash of the check
SHAPE_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError)


def shape_error(source: str, what: str, exc: BaseException) -> ParseError:
    detail = " ".join(f"{exc.__class__.__name__}: {exc}".split())[:200]
    return ParseError(f"{source}: {what} of an unexpected shape ({detail})")


# smartctl exit status bits (smartctl(8) "EXIT STATUS").
EXIT_BITS = {
    0: "command line did not parse, or the device type could not be detected",
    1: "device open failed, IDENTIFY failed, or the device is in a low-power mode (-n)",
    2: "some SMART or ATA command to the disk failed, or a checksum error",
    3: "SMART status check returned DISK FAILING",
    4: "prefail attribute(s) at or below threshold now",
    5: "usage or prefail attribute(s) at or below threshold in the past",
    6: "the device error log contains records of errors",
    7: "the self-test log contains records of errors",
}


def decode_exit_status(status: int | None) -> list[str]:
    """The bitmask as readable phrases, e.g. ``["bit 3: SMART status ... FAILING", ...]``."""
    if status is None:
        return []
    return [f"bit {bit}: {text}" for bit, text in EXIT_BITS.items() if status & (1 << bit)]


@dataclass
class Attribute:
    """One ATA SMART attribute row."""

    id: int
    name: str
    value: int | None
    worst: int | None
    thresh: int | None
    raw_value: int | None       # the full 48-bit raw number (JSON raw.value / text first token)
    raw_string: str             # smartctl's rendering, e.g. "2111 (12437 0)", "0 0 0"
    when_failed: str = ""       # "now", "past" or ""
    prefailure: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "value": self.value, "worst": self.worst,
                "thresh": self.thresh, "raw": self.raw_string, "when_failed": self.when_failed or None}


@dataclass
class SelfTest:
    """One self-test log entry, newest first in :attr:`Drive.self_tests`."""

    kind: str                   # "Short offline", "Extended", "Background short" ...
    status: str                 # the drive's wording
    outcome: str                # "passed", "failed", "aborted", "running"
    hours: int | None = None    # power-on hours when it ran
    lba: int | None = None

    @property
    def extended(self) -> bool:
        return bool(re.search(r"extended|long", self.kind, re.I))


@dataclass
class Drive:
    """What fieldkit knows about one drive after reading smartctl output."""

    source: str                              # device path, or the capture file
    device: str | None = None                # /dev/sda as smartctl named it
    device_type: str | None = None           # smartctl -d type: sat, nvme, scsi, usbjmicron, megaraid,N ...
    protocol: str | None = None              # "ATA", "NVMe", "SCSI"
    fmt: str = "json"                        # "json" or "text"
    model: str | None = None
    model_family: str | None = None          # smartctl drive database family ("Model Family:")
    in_drive_db: bool | None = None          # "Device is: In smartctl database" (attribute names are the model's)
    serial: str | None = None
    firmware: str | None = None
    capacity_bytes: int | None = None
    power_on_hours: int | None = None
    rotation_rpm: int | None = None          # 0 for solid state
    smartctl_version: str | None = None
    argv: list[str] | None = None
    exit_status: int | None = None
    messages: list[str] = field(default_factory=list)
    smart_available: bool | None = None
    smart_enabled: bool | None = None
    health_passed: bool | None = None        # the drive's own overall verdict; None when absent
    attributes: dict[int, Attribute] = field(default_factory=dict)
    nvme: dict[str, Any] = field(default_factory=dict)    # health log fields, smartctl JSON names
    scsi: dict[str, Any] = field(default_factory=dict)    # grown_defects, uncorrected_{read,write,verify}, non_medium
    temperature_c: int | None = None
    temp_limit_warn_c: int | None = None     # the drive's own limits: NVMe WCTEMP, ATA SCT op limit
    temp_limit_crit_c: int | None = None     # NVMe CCTEMP, ATA SCT absolute limit, SCSI trip temperature
    temp_lifetime_max_c: int | None = None   # highest temperature the drive has recorded in its life
    phy_events: dict[int, int] = field(default_factory=dict)   # SATA Phy Event Counters (GP log 0x11): id -> value
    device_stats: dict[str, int] = field(default_factory=dict)  # ATA Device Statistics (GP log 0x04): name -> value
    ata_error_count: int | None = None
    ata_errors: list[tuple[int, str]] = field(default_factory=list)  # (lifetime hours, "Error: UNC at LBA ...")
    self_tests: list[SelfTest] = field(default_factory=list)
    selftest_polling_minutes: dict[str, int] = field(default_factory=dict)  # "short"/"long" -> minutes
    selftest_running_pct: int | None = None  # progress of a self-test running now (percent done)
    excerpt: str = ""                        # a short piece of the raw output for the evidence
    truncated: bool = False                  # the text ends inside a table: data may be missing

    @property
    def has_health_data(self) -> bool:
        """True when the output carries anything a verdict can rest on."""
        return bool(self.health_passed is not None or self.attributes or self.nvme or self.scsi)

    @property
    def interface(self) -> str | None:
        """How the drive is attached, in a technician's words."""
        t = (self.device_type or "").lower()
        if t.startswith(("usb", "snt")) or (self.device and "usb" in (self.device or "").lower()):
            return "usb"
        if "megaraid" in t:
            return "megaraid"
        if t in ("cciss", "areca", "aacraid", "3ware", "hpt") or t.startswith(("cciss", "areca", "3ware", "hpt")):
            return "raid"
        return {"ATA": "sata", "NVMe": "nvme", "SCSI": "sas/scsi"}.get(self.protocol or "", None)

    def subject(self) -> str:
        where = self.device or self.source
        ident = " ".join(x for x in (self.model, f"S/N {self.serial}" if self.serial else None) if x)
        return f"{where} ({ident})" if ident else where

    def identity(self) -> dict[str, Any]:
        """``data["drive"]`` as the report and history expect it (brief: data conventions)."""
        return {
            "device": self.device or self.source,
            "model": self.model,
            "model_family": self.model_family,
            "serial": self.serial,
            "firmware": self.firmware,
            "capacity_bytes": self.capacity_bytes,
            "power_on_hours": self.power_on_hours,
            "interface": self.interface,
            "protocol": self.protocol,
            "rotation_rpm": self.rotation_rpm,
        }


# ---------------------------------------------------------------------------------- numbers

_GROUPED = re.compile(r"^\d{1,3}(?:[.,'\u202f\u00a0 ]\d{3})+$")


def parse_int(text: Any) -> int | None:
    """An integer from smartctl text, tolerant of locale grouping ("2.888", "1,234", "12 345").

    smartctl on a German/Windows system prints thousands separators: a capture's
    "Error Information Log Entries: 2.888" is 2888, not 2.9 (pySMART got this wrong too).
    """
    if text is None:
        return None
    if isinstance(text, bool):
        return int(text)
    if isinstance(text, int):
        return text
    s = str(text).strip()
    s = re.split(r"\s*\[", s, maxsplit=1)[0].strip()          # "593.252 [303 GB]"
    s = re.sub(r"\s*(%|bytes|Celsius|C|minutes|hours)$", "", s).strip()
    if re.fullmatch(r"0x[0-9a-fA-F]+", s):
        return int(s, 16)
    if re.fullmatch(r"[+-]?\d+", s):
        return int(s)
    if _GROUPED.match(s):
        return int(re.sub(r"\D", "", s))
    return None


def first_int(text: str) -> int | None:
    m = re.match(r"\s*(\d+)", text or "")
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------------- shapes

def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) < 2**63 else None
    if isinstance(value, str):
        return parse_int(value)
    return None


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _numbers(value: Any) -> Any:
    """A health-log value: an integer, or a list of integers (NVMe temperature sensors)."""
    if isinstance(value, list):
        return [n for n in (_int(v) for v in value) if n is not None]
    return _int(value)


def normalise(drive: Drive) -> Drive:
    """Every field of the type the rules expect; a value of another shape becomes "not known".

    smartctl's JSON is outside text: a capture edited by hand, written by another tool or
    damaged in transit can hold a table where a number belongs. The rules then see None
    (not reported) instead of crashing the check. Scalar and simple-table fields are found
    by their declared type, so a field added to :class:`Drive` later is covered too.
    """
    import dataclasses

    for spec in dataclasses.fields(drive):
        value = getattr(drive, spec.name)
        kind = str(spec.type).replace(" ", "")
        if kind == "int|None":
            setattr(drive, spec.name, _int(value))
        elif kind == "str|None":
            setattr(drive, spec.name, _str(value))
        elif kind == "bool|None":
            setattr(drive, spec.name, _bool(value))
        elif kind in ("dict[int,int]", "dict[str,int]"):
            table = {}
            for key, item in (value if isinstance(value, dict) else {}).items():
                key = _int(key) if kind == "dict[int,int]" else _str(key)
                number = _int(item)
                if key is not None and number is not None:
                    table[key] = number
            setattr(drive, spec.name, table)
    drive.argv = [str(a) for a in drive.argv] if isinstance(drive.argv, list) else None
    drive.messages = [m if isinstance(m, str) else str(m) for m in drive.messages or []]
    attributes: dict[int, Attribute] = {}
    for attr in (drive.attributes or {}).values():
        attr.value, attr.worst, attr.thresh = _int(attr.value), _int(attr.worst), _int(attr.thresh)
        attr.raw_value = _int(attr.raw_value)
        attr.name = _str(attr.name) or f"Attribute_{attr.id}"
        attr.raw_string = _str(attr.raw_string) or ""
        attributes[attr.id] = attr
    drive.attributes = attributes
    drive.nvme = {str(k): _numbers(v) for k, v in (drive.nvme or {}).items()}
    drive.scsi = {str(k): _int(v) for k, v in (drive.scsi or {}).items()}
    for test in drive.self_tests:
        test.kind, test.status = _str(test.kind) or "?", _str(test.status) or "?"
        test.hours, test.lba = _int(test.hours), _int(test.lba)
    drive.ata_errors = [(h, str(text)) for h, text in drive.ata_errors if isinstance(h, int)]
    drive.selftest_polling_minutes = {k: v for k, v in (drive.selftest_polling_minutes or {}).items()
                                      if isinstance(v, int) and not isinstance(v, bool)}
    return drive
