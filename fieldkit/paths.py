"""Where fieldkit keeps its files.

``FIELDKIT_HOME`` puts everything under one folder (tests, a portable USB stick).
Otherwise a root scan uses the system paths (``/etc/fieldkit``, ``/var/lib/fieldkit``)
only when fieldkit runs as a system service (``FIELDKIT_SYSTEM=1``, set by the
scheduled unit); an interactive run uses the platformdirs user paths.
"""

from __future__ import annotations

import os
from pathlib import Path


def _home() -> Path | None:
    home = os.environ.get("FIELDKIT_HOME")
    return Path(home) if home else None


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
