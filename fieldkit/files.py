"""Writing files so that a reader or a crash never sees half of one."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator


@contextmanager
def atomic_output(path: str | os.PathLike[str], *, binary: bool = False, mode: int | None = None) -> Iterator[IO[Any]]:
    """A file object on a hidden ``.tmp`` file beside ``path``; on success it is fsynced and renamed over ``path``.

    On any error (or Ctrl-C) the temporary file is removed and ``path`` is left as it was.

    :param mode: file permissions; the default (0600 from mkstemp) suits scan data, a
        Prometheus textfile needs 0644 because node_exporter runs as its own user.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # backslashreplace: a lone surrogate (an undecodable byte in a mount point or a device
        # name, via surrogateescape) is written as the JSON escape "\udcff", never a crash
        text_mode = {} if binary else {"encoding": "utf-8", "errors": "backslashreplace"}
        with os.fdopen(fd, "wb" if binary else "w", **text_mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_atomic(path: str | os.PathLike[str], text: str, mode: int | None = None) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically: temp file in the same folder, fsync, rename."""
    with atomic_output(path, mode=mode) as fh:
        fh.write(text)
    return Path(path)
