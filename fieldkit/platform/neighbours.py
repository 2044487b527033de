"""The neighbour (ARP) cache: Linux reads ``/proc/net/arp``.

Windows (``GetIpNetTable2``) and macOS (``arp -an``) are not implemented yet and raise
:class:`~fieldkit.platform.Unsupported`.
"""

from __future__ import annotations

from pathlib import Path

from fieldkit.platform import LINUX, Unsupported


def neighbour_mac(address: str, root: Path = Path("/"), system: str = LINUX) -> str | None:
    """The MAC address the kernel resolved for ``address`` (complete entries only), None if not resolved."""
    if system != LINUX:
        raise Unsupported("reading the neighbour (ARP) cache", system)
    try:
        lines = (root / "proc/net/arp").read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        cols = line.split()
        if len(cols) >= 4 and cols[0] == address and _flags(cols[2]) & 0x2 and cols[3] != "00:00:00:00:00:00":
            return cols[3]
    return None


def _flags(text: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        return 0
