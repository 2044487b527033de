"""Where fieldkit keeps its files.

``FIELDKIT_HOME`` puts everything under one folder (tests, a portable USB stick). The
portable build also looks for a ``fieldkit-data`` folder next to its executable (or next
to the build's folder): when there is one, it is the home, so history, visits, reports,
config and branding travel on the stick and nothing is written to the machine at hand.
Otherwise a root scan uses the system paths (``/etc/fieldkit``, ``/var/lib/fieldkit``)
only when fieldkit runs as a system service (``FIELDKIT_SYSTEM=1``, set by the
scheduled unit); an interactive run uses the platformdirs user paths.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PORTABLE_DATA = "fieldkit-data"


def bundle_dir() -> Path | None:
    """The folder of the portable build's executable; None when fieldkit runs from a Python installation."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(sys.executable).resolve().parent


def portable_home() -> Path | None:
    """``fieldkit-data`` next to the portable executable or next to its folder, if the technician made one."""
    folder = bundle_dir()
    if folder is None:
        return None
    for candidate in (folder / PORTABLE_DATA, folder.parent / PORTABLE_DATA):
        if candidate.is_dir():
            return candidate
    return None


def bundled_tool(name: str) -> Path | None:
    """A helper program shipped inside the portable build (``tools/<name>/<name>``), if present."""
    folder = bundle_dir()
    if folder is None:
        return None
    path = folder / "tools" / name / name
    return path if path.is_file() else None


def _home() -> Path | None:
    home = os.environ.get("FIELDKIT_HOME")
    if home:
        return Path(home)
    return portable_home()


def home() -> Path | None:
    """The one folder that holds everything (``FIELDKIT_HOME`` or the stick's ``fieldkit-data``), if any."""
    return _home()


def cache_dir() -> Path | None:
    """Where third-party libraries' caches go when run from a stick (None: their usual place, ``~/.cache``).

    Only the stick's ``fieldkit-data`` moves them: a cache there persists between sites and
    nothing lands in the customer's home. ``FIELDKIT_HOME`` alone leaves them where they
    are, so a fresh home (every test, a new folder) does not rebuild them on each start.
    """
    folder = portable_home()
    return folder / "cache" if folder is not None and not os.environ.get("FIELDKIT_HOME") else None


def system_mode() -> bool:
    return os.environ.get("FIELDKIT_SYSTEM") == "1"


def config_dir() -> Path:
    if (home := _home()) is not None:
        return home / "config"
    if system_mode():
        return Path("/etc/fieldkit")
    import platformdirs  # imported lazily: only file-touching commands need it

    return platformdirs.user_config_path("fieldkit")


def data_dir() -> Path:
    if (home := _home()) is not None:
        return home / "data"
    if system_mode():
        return Path(os.environ.get("STATE_DIRECTORY", "/var/lib/fieldkit"))
    import platformdirs

    return platformdirs.user_data_path("fieldkit")


def state_dir() -> Path:
    if (home := _home()) is not None:
        return home / "state"
    if system_mode():
        return Path(os.environ.get("STATE_DIRECTORY", "/var/lib/fieldkit"))
    import platformdirs

    return platformdirs.user_state_path("fieldkit")
