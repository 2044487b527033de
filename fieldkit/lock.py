"""The scan lock: one scan at a time on a machine, whatever started it.

cron has no overlap protection (Scrutiny #365, the "cron bomb") and a technician may
start a scan while the nightly one runs, so fieldkit itself serialises scans with an
``flock`` (:mod:`fieldkit.platform.locking`) on ``<state_dir>/scan.lock``. The kernel drops the lock when the holder
dies, even by SIGKILL, so a crashed scan never leaves a stale lock behind. A second
scan waits a bounded time, then stops with a message naming the running scan.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable

from fieldkit.platform import locking

DEFAULT_WAIT_S = 120.0
_POLL_S = 0.1


class LockTimeout(RuntimeError):
    """Another scan held the lock for longer than we were willing to wait; ``str()`` is one line."""


class LockUnavailable(OSError):
    """The lock file cannot be created (read-only medium, no permission): scan without it, but say so."""


def lock_path() -> Path:
    from fieldkit import paths

    return paths.state_dir() / "scan.lock"


class ScanLock:
    """Exclusive, process-wide scan lock. Use as a context manager or acquire()/release()."""

    def __init__(self, path: Path | None = None, *, wait_s: float = DEFAULT_WAIT_S,
                 holder: dict[str, Any] | None = None, on_wait: Callable[[str], None] | None = None) -> None:
        self.path = path or lock_path()
        self.wait_s = max(0.0, wait_s)
        self.holder = holder or {}
        self.on_wait = on_wait
        self._fd: int | None = None

    def acquire(self) -> "ScanLock":
        if not locking.available():  # pragma: no cover - neither flock nor msvcrt
            raise LockUnavailable("no file locking on this system")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LockUnavailable(f"{self.path}: cannot create the scan lock: {exc.strerror or exc}") from None
        deadline = time.monotonic() + self.wait_s
        announced = False
        while True:
            if locking.try_lock(fd):
                break
            if time.monotonic() >= deadline:
                os.close(fd)
                raise LockTimeout(f"another fieldkit scan is running ({describe_holder(self.path)}); "
                                  f"gave up after waiting {self.wait_s:g} s (--lock-wait)")
            if not announced and self.on_wait is not None:
                self.on_wait(f"waiting up to {self.wait_s:g} s for another fieldkit scan to finish "
                             f"({describe_holder(self.path)})")
                announced = True
            time.sleep(_POLL_S)
        self._fd = fd
        self._write_holder()
        return self

    def _write_holder(self) -> None:
        # Who holds the lock, for the message of whoever waits. Written after locking,
        # so a reader may briefly see the previous holder's text: it is only a hint.
        info = {"pid": os.getpid(), "since": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), **self.holder}
        assert self._fd is not None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(info).encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            except OSError:
                pass
            locking.unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> "ScanLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def describe_holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info.get("pid"):
        return "holder unknown"
    parts = [f"pid {info['pid']}"]
    if info.get("profile"):
        parts.append(f"profile {info['profile']}")
    if info.get("since"):
        parts.append(f"since {info['since']}")
    return ", ".join(parts)
