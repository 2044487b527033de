"""Exclusive, non-blocking file locks on an open file descriptor.

POSIX (Linux, macOS): ``flock``, which the kernel drops when the holder dies, even by
SIGKILL. Windows: ``msvcrt.locking`` on the first byte, which Windows also drops when
the process ends. Chosen by what the interpreter offers, not by ``FIELDKIT_PLATFORM``:
a lock has to work on the machine that runs.
"""

from __future__ import annotations

import os

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

try:
    import msvcrt  # type: ignore[import-not-found]
except ImportError:  # POSIX
    msvcrt = None  # type: ignore[assignment]


def available() -> bool:
    return fcntl is not None or msvcrt is not None


def try_lock(fd: int) -> bool:
    """Take the exclusive lock without waiting: True if taken, False if another process holds it."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    if msvcrt is not None:  # pragma: no cover - Windows only
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    raise OSError("no file locking on this system")


def unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    elif msvcrt is not None:  # pragma: no cover - Windows only
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
