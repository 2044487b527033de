"""Make a drive work while the microphone listens: read-only reads spread over its surface.

A failing drive often clicks only when it is asked to read its damaged area; an idle drive may
be silent. :class:`Exerciser` reads the device in a background thread:

* opened with ``O_RDONLY`` (and ``O_DIRECT`` where the device accepts it, so every read reaches
  the drive instead of the page cache); nothing here ever writes: the file descriptor cannot;
* offsets spread over the whole device (a low-discrepancy sequence: each new read lands in
  the largest gap left so far), and every range that read slowly is read again a few times;
* bounded in rate (bytes per second) and in time; :meth:`Exerciser.stop` ends it after the
  read in progress (a read the kernel is retrying cannot be interrupted from user space).

Each read's start time (monotonic clock), offset, size and latency is kept, so the check can
line the slow reads up with the clicks the microphone heard.
"""

from __future__ import annotations

import errno
import mmap
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

#: golden-ratio step: offsets k * 0.618... mod 1 fill [0, 1) evenly at every length
_GOLDEN = 0.6180339887498949
#: O_DIRECT needs the offset, the size and the buffer aligned to the logical block; 4 KiB
#: covers 512-byte and 4Kn drives
ALIGN = 4096


class ExerciseError(Exception):
    """The device cannot be read (no permission, not a block device or file, gone). ``reason`` is English for
    the technician; the check words it for the customer from ``rule`` and ``path``."""

    def __init__(self, rule: str, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason
        self.path = path


@dataclass
class Read:
    at_s: float          # time.monotonic() when the read started
    offset: int
    size: int
    latency_s: float
    ok: bool = True      # False: the read failed (EIO: an unreadable sector)


@dataclass
class ExerciseResult:
    device: str
    size_bytes: int
    direct: bool                      # O_DIRECT was used (reads reached the drive)
    started_s: float                  # monotonic
    ended_s: float
    reads: list[Read] = field(default_factory=list)
    stopped_by: str = "time"          # "time", "stop" (Ctrl-C, budget) or "error"
    error: str | None = None

    @property
    def bytes_read(self) -> int:
        return sum(r.size for r in self.reads if r.ok)

    @property
    def failed(self) -> list[Read]:
        return [r for r in self.reads if not r.ok]

    def slow(self, at_least_s: float) -> list[Read]:
        return [r for r in self.reads if r.latency_s >= at_least_s]

    def latency_percentile(self, q: float) -> float | None:
        if not self.reads:
            return None
        ordered = sorted(r.latency_s for r in self.reads)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def open_read_only(path: str) -> tuple[int, bool]:
    """File descriptor opened ``O_RDONLY`` (plus ``O_DIRECT`` when accepted) and whether it is direct."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    direct = getattr(os, "O_DIRECT", 0)
    try:
        if direct:
            try:
                return os.open(path, flags | direct), True
            except OSError as exc:
                if exc.errno != errno.EINVAL:   # tmpfs and some file systems refuse O_DIRECT
                    raise
        return os.open(path, flags), False
    except PermissionError:
        raise ExerciseError("exercise-no-permission",
                            f"no permission to read {path}: reading a disk needs root (run fieldkit with sudo)",
                            path) from None
    except FileNotFoundError:
        raise ExerciseError("exercise-no-device", f"{path} does not exist", path) from None
    except OSError as exc:
        raise ExerciseError("exercise-open-failed", f"cannot open {path} for reading: {exc.strerror or exc}",
                            path) from None


class Exerciser:
    """Read ``path`` in a thread for up to ``seconds``: see the module docstring."""

    def __init__(self, path: str, seconds: float, block: int = 1 << 20, max_bytes_per_s: float = 64e6,
                 slow_s: float = 0.25, rereads: int = 3) -> None:
        self.path = path
        self.seconds = seconds
        self.block = max(ALIGN, block // ALIGN * ALIGN)
        self.max_bytes_per_s = max_bytes_per_s
        self.slow_s = slow_s
        self.rereads = rereads
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        fd, direct = open_read_only(path)   # fails here, before any recording, when not readable
        try:
            size = os.lseek(fd, 0, os.SEEK_END)
        except OSError as exc:
            os.close(fd)
            raise ExerciseError("exercise-open-failed", f"cannot find the size of {path}: {exc.strerror}",
                                path) from None
        if size < self.block:
            os.close(fd)
            raise ExerciseError("exercise-too-small", f"{path} holds only {size} bytes", path)
        self._fd = fd
        self.result = ExerciseResult(device=path, size_bytes=size, direct=direct, started_s=0.0, ended_s=0.0)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fieldkit-exercise", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> ExerciseResult:
        """Ask the reads to stop, wait for the read in progress, close the device."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._thread is None or not self._thread.is_alive():
            self._close()
        return self.result

    def wait(self) -> ExerciseResult:
        if self._thread is not None:
            self._thread.join()
        self._close()
        return self.result

    def _close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _offsets(self) -> Iterator[int]:
        blocks = self.result.size_bytes // self.block
        k = 0
        while True:
            k += 1
            yield int((k * _GOLDEN) % 1.0 * blocks) * self.block

    def _run(self) -> None:
        res = self.result
        buf = mmap.mmap(-1, self.block)   # page-aligned, as O_DIRECT requires
        res.started_s = time.monotonic()
        deadline = res.started_s + self.seconds
        again: list[int] = []
        offsets = self._offsets()
        try:
            while not self._stop.is_set() and time.monotonic() < deadline:
                offset = again.pop(0) if again else next(offsets)
                t0 = time.monotonic()
                try:
                    got = os.preadv(self._fd, [buf], offset)
                    ok = True
                except OSError as exc:
                    if exc.errno != errno.EIO:
                        raise
                    got, ok = self.block, False   # an unreadable range: the strongest evidence there is
                latency = time.monotonic() - t0
                res.reads.append(Read(at_s=t0, offset=offset, size=got, latency_s=latency, ok=ok))
                if (latency >= self.slow_s or not ok) and len([r for r in res.reads if r.offset == offset]) <= self.rereads:
                    again.append(offset)   # read the slow range again: that is where a weak head clicks
                # rate bound: sleep off what the reads went faster than the limit
                ahead = res.bytes_read / self.max_bytes_per_s - (time.monotonic() - res.started_s)
                if ahead > 0:
                    self._stop.wait(min(ahead, max(0.0, deadline - time.monotonic())))
        except OSError as exc:
            res.stopped_by, res.error = "error", f"reading {self.path} failed: {exc.strerror or exc}"
        finally:
            buf.close()
            res.ended_s = time.monotonic()
            if res.stopped_by == "time" and self._stop.is_set() and res.ended_s < deadline:
                res.stopped_by = "stop"
