"""The hardware (RTC/CMOS) clock: Linux reads ``/sys/class/rtc/rtc0/since_epoch``.

Windows keeps no separate readable copy (it sets the RTC to local time and does not
expose it); macOS does not expose it either. Both raise :class:`~fieldkit.platform.Unsupported`.
"""

from __future__ import annotations

import re
from pathlib import Path

from fieldkit.platform import LINUX, Unsupported

SOURCE = "/sys/class/rtc/rtc0/since_epoch"


def rtc_epoch(root: Path = Path("/"), system: str = LINUX) -> int | None:
    """Seconds since the epoch by the hardware clock; None when this machine has no readable RTC."""
    if system != LINUX:
        raise Unsupported("reading the hardware clock", system)
    try:
        text = (root / SOURCE.lstrip("/")).read_text(errors="replace").strip()
    except OSError:
        return None
    return int(text) if re.fullmatch(r"-?\d+", text) else None
