"""The stable machine id: the one place that decides which machine a scan belongs to.

The history, the "changes since last time" comparison and the fleet exports key on
``host_id``, never on the hostname alone: one technician's stick meets many customers'
machines called ``PC-01`` or ``server``, and a renamed machine keeps its history.

The id is a hash of the operating system's own machine identity, so it is stable across
reboots and renames and does not reveal the identity itself:

* Linux: ``/etc/machine-id`` (systemd, machine-id(5)), else ``/var/lib/dbus/machine-id``;
* Windows: ``HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MachineGuid``;
* macOS: ``IOPlatformUUID`` from ``ioreg``;
* anything else, or none readable: the hostname (the only fallback).
"""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
from pathlib import Path

from fieldkit.platform import LINUX, MACOS, WINDOWS, current

# Values that are not identities: an unset machine-id (systemd writes "uninitialized"
# during first boot) and firmware placeholders.
_PLACEHOLDERS = {"", "uninitialized", "0", "none", "00000000000000000000000000000000"}


def machine_id(root: Path = Path("/"), system: str = LINUX) -> str | None:
    """The operating system's machine identity, or None when none is readable."""
    if system == LINUX:
        for path in ("etc/machine-id", "var/lib/dbus/machine-id"):
            try:
                text = (root / path).read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                continue
            if text.lower() not in _PLACEHOLDERS:
                return text
        return None
    if system == WINDOWS:
        try:
            import winreg  # type: ignore[import-not-found]
        except ImportError:  # only on Windows itself
            return None
        try:  # pragma: no cover - Windows only
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography", 0,
                                winreg.KEY_READ | getattr(winreg, "KEY_WOW64_64KEY", 0)) as key:
                value = str(winreg.QueryValueEx(key, "MachineGuid")[0]).strip()
            return value if value.lower() not in _PLACEHOLDERS else None
        except OSError:  # pragma: no cover
            return None
    if system == MACOS:
        try:
            out = subprocess.run(["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"], capture_output=True,
                                 text=True, timeout=5).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        m = re.search(r'"IOPlatformUUID"\s*=\s*"([^"]+)"', out)
        return m.group(1) if m else None
    return None


def host_id(root: Path = Path("/"), system: str | None = None) -> str:
    """16 hex digits naming this machine in the history; the same on every run on the same machine."""
    ident = machine_id(root, system or current()) or socket.gethostname()
    return hashlib.sha256(("fieldkit:" + ident).encode()).hexdigest()[:16]
