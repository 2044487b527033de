"""The platform seam: every read that only one operating system offers lives here, one module per concern.

fieldkit is developed and tested on Linux. The checks and commands do not read ``/proc``,
``/sys``, ``fcntl`` or the init system themselves; they call these modules, which answer
from the running system. On a system without an implementation a module raises
:class:`Unsupported` ("... not supported on Windows yet"), and the caller turns it into
an honest UNKNOWN finding or a one-line error instead of crashing or, worse, reading the
absence of a Linux file as "nothing there" (no default route, no battery).

=====================  ======================================================
module                 concern
=====================  ======================================================
``routes``             default routes (``/proc/net/route``, ``/proc/net/ipv6_route``)
``neighbours``         resolved neighbour MAC addresses (``/proc/net/arp``)
``blockdev``           block devices and their identity (``/sys/block``)
``power``              battery capacity and wear (``/sys/class/power_supply``)
``rtc``                the hardware clock (``/sys/class/rtc``)
``resolvers``          configured DNS resolvers (``resolv.conf``; the registry through dnspython on Windows)
``locking``            exclusive file locks (``fcntl.flock``; ``msvcrt.locking`` on Windows)
``hostid``             the stable machine id the history keys on
=====================  ======================================================

Scheduling (systemd timers, cron) is chosen in :mod:`fieldkit.schedule.backend` from
:func:`current`.

``FIELDKIT_PLATFORM`` (``linux``, ``windows``, ``macos``) overrides the detected system:
the test suite runs whole scans as if on Windows or macOS with it, to prove each
unsupported part answers UNKNOWN instead of crashing.
"""

from __future__ import annotations

import os
import sys
from typing import Mapping

LINUX = "linux"
WINDOWS = "windows"
MACOS = "macos"
OTHER = "other"
KNOWN = (LINUX, WINDOWS, MACOS)

_LABELS = {LINUX: "Linux", WINDOWS: "Windows", MACOS: "macOS", OTHER: "this system"}


class Unsupported(Exception):
    """This read has no implementation on the running system yet; ``str()`` is one line."""

    def __init__(self, what: str, system: str) -> None:
        super().__init__(f"{what}: not supported on {label(system)} yet")
        self.what = what
        self.system = system


def detect() -> str:
    """The running operating system, from the interpreter (not overridable)."""
    if sys.platform.startswith("linux"):
        return LINUX
    if sys.platform in ("win32", "cygwin"):
        return WINDOWS
    if sys.platform == "darwin":
        return MACOS
    return OTHER


def current(environ: Mapping[str, str] | None = None) -> str:
    """The system fieldkit behaves as: ``FIELDKIT_PLATFORM`` when set to a known name, else :func:`detect`."""
    forced = (os.environ if environ is None else environ).get("FIELDKIT_PLATFORM", "").strip().lower()
    return forced if forced in KNOWN else detect()


def label(system: str) -> str:
    return _LABELS.get(system, system)


def require_linux(what: str, system: str) -> None:
    """Raise :class:`Unsupported` unless ``system`` is Linux."""
    if system != LINUX:
        raise Unsupported(what, system)
