"""Whether fieldkit runs with administrator rights.

Raw sockets (scapy ping and traceroute), SMART reads of most disks and system-wide
schedules need root; the checks ask :func:`is_root` (through ``ctx.env.is_root``, which
tests override) and say what they could not do without it.
"""

from __future__ import annotations

import os


def is_root() -> bool:
    """True for the superuser (effective uid 0); False where the platform has no uids."""
    return hasattr(os, "geteuid") and os.geteuid() == 0
