"""Real tmpfs mounts for the fault-injection tests (root only; CI runs as root)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

from tests.conftest import IS_ROOT, need

NOBODY = 65534


def need_root_mounts() -> None:
    need(IS_ROOT, "needs root to mount a tmpfs (CI runs as root)")
    need(shutil.which("mount") and shutil.which("umount"), "mount/umount missing (package mount)")


@contextlib.contextmanager
def tmpfs(options: str = "size=1m") -> Iterator[Path]:
    """A fresh tmpfs mounted on a new folder; unmounted (lazily, if still busy) afterwards."""
    point = Path(tempfile.mkdtemp(prefix="field-tmpfs-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "fieldkit-test", str(point)],
                          capture_output=True, text=True)
    need(done.returncode == 0, f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)
        point.rmdir()


def fill(folder: Path) -> None:
    """Fill the filesystem of ``folder`` to the last byte."""
    with open(folder / "filler", "wb") as fh:
        chunk = b"\0" * 65536
        try:
            while True:
                fh.write(chunk)
                fh.flush()
        except OSError:
            pass
    try:
        with open(folder / "filler2", "wb") as fh:  # the last partial block
            while True:
                fh.write(b"\0")
                fh.flush()
    except OSError:
        pass


def world_dir(prefix: str) -> Path:
    """A folder outside pytest's 0700 tmp tree that an unprivileged user can use."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o777)
    return path


def as_nobody() -> list[str]:
    need(shutil.which("setpriv"), "setpriv missing (package util-linux)")
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]


def readable_by_nobody() -> bool:
    """The interpreter and the source tree must be readable by an unprivileged user."""
    import sys

    probe = subprocess.run(as_nobody() + [sys.executable, "-c", "import fieldkit, click"],
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(
                               Path(__file__).resolve().parents[2])})
    return probe.returncode == 0
