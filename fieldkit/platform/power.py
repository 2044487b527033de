"""Batteries and their wear: Linux reads ``/sys/class/power_supply``.

psutil tells on every system whether there is a battery and its charge, but not its
design and full capacity; on Windows (``powercfg /batteryreport``, WMI
``BatteryFullChargedCapacity``) and macOS (``ioreg -rc AppleSmartBattery``) reading the
wear is not implemented yet: :func:`batteries` raises :class:`~fieldkit.platform.Unsupported`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fieldkit.platform import LINUX, Unsupported


@dataclass
class Battery:
    name: str
    full: int            # capacity when fully charged now (µWh or µAh, the same unit as design)
    design: int          # capacity when new
    cycles: int | None
    source: str          # where it was read, for the evidence


def batteries(root: Path = Path("/"), system: str = LINUX) -> list[Battery]:
    """Batteries with a readable full and design capacity."""
    if system != LINUX:
        raise Unsupported("reading the battery wear", system)
    base = root / "sys/class/power_supply"
    out: list[Battery] = []
    if not base.is_dir():
        return out
    for supply in sorted(base.iterdir()):
        if _read(supply / "type") != "Battery":
            continue
        full = _read_int(supply / "energy_full") or _read_int(supply / "charge_full")
        design = _read_int(supply / "energy_full_design") or _read_int(supply / "charge_full_design")
        if not full or not design:
            continue
        out.append(Battery(supply.name, full, design, _read_int(supply / "cycle_count"), str(supply)))
    return out


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return None


def _read_int(path: Path) -> int | None:
    text = _read(path)
    return int(text) if text and re.fullmatch(r"-?\d+", text) else None
