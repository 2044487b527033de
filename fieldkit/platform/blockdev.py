"""Block devices and what the kernel says about them: Linux reads ``/sys/block``.

On Windows and macOS smartctl's own ``--scan-open`` finds the drives (its JSON is the
same there), so only this second opinion is missing: :func:`block_devices` raises
:class:`~fieldkit.platform.Unsupported`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fieldkit.platform import LINUX, Unsupported


@dataclass
class BlockDevice:
    name: str            # kernel name: sda, nvme0n1, mmcblk0
    vendor: str = ""
    model: str = ""
    removable: bool = False


def block_devices(root: Path = Path("/"), system: str = LINUX) -> list[BlockDevice]:
    """Every block device the kernel lists, sorted by name ([] when the list cannot be read)."""
    if system != LINUX:
        raise Unsupported("listing block devices", system)
    base = root / "sys/block"
    try:
        names = sorted(p.name for p in base.iterdir())
    except OSError:
        return []
    return [BlockDevice(name, _read(base / name / "device" / "vendor"), _read(base / name / "device" / "model"),
                        _read(base / name / "removable") == "1") for name in names]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
