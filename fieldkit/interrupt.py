"""Ctrl-C during a scan: the first one stops the checks, never the saving of what they measured.

While the checks run, SIGINT raises KeyboardInterrupt as usual: the runner marks the
unfinished checks as interrupted. Once the checks have ended (finished or interrupted),
fieldkit still has to write the result file, the history, the HTML report and the
document on stdout; a Ctrl-C then would leave the customer without a report or a
monitoring script with half a JSON document. So from that moment one Ctrl-C is only
acknowledged (a line on stderr) and the work goes on; the next one stops it, and the
caller says what was saved (:meth:`CtrlC.stopped_line`).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any, Callable


class CtrlC:
    """SIGINT policy for one scan; use as a context manager around the checks and the saving."""

    def __init__(self, notice: Callable[[str], None]) -> None:
        self.notice = notice
        self.finishing_phase = False
        self.presses = 0            # SIGINTs received in all
        self.deferred = 0           # SIGINTs acknowledged but not acted on while finishing
        self.saved: list[str] = []  # what the finishing steps completed, for the stop message
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> "CtrlC":
        # Signal handlers can only be set from the main thread (an embedding caller may run
        # the scan elsewhere: then Python's default behaviour stays).
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def finishing(self) -> None:
        """The checks are over: from now on the first Ctrl-C is acknowledged, not obeyed."""
        self.finishing_phase = True

    def done(self, what: str) -> None:
        """A finishing step completed (named for the stop message: "the HTML report x.html")."""
        self.saved.append(what)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.presses += 1
        if not self.finishing_phase:
            # This one stops the checks; whatever comes next finds the scan saving its result.
            self.finishing_phase = True
            raise KeyboardInterrupt
        if self.presses == 1:
            self.deferred += 1
            self.notice("Ctrl-C: the checks are done, saving the result and the report first; "
                        "press Ctrl-C again to stop at once")
            return
        raise KeyboardInterrupt

    def stopped_line(self, extra_saved: list[str] | None = None) -> str:
        """One line for the technician after a Ctrl-C stopped the saving."""
        saved = [*(extra_saved or []), *self.saved]
        if not saved:
            return "stopped by Ctrl-C before anything was saved"
        return "stopped by Ctrl-C before the output was complete; saved: " + "; ".join(saved)


def write_all(stream: Any, text: str) -> None:
    """Write ``text`` to ``stream`` completely, even when a signal arrives in the middle.

    CPython's buffered stdout drops the rest of a large write to a full pipe when a
    signal handler runs during it and returns (the partial count of the interrupted
    ``write(2)`` is taken as the end), so a monitoring script reading ``--json`` would
    get 128 KiB of a 400 KiB document. Writing the bytes ourselves, in a loop over
    ``os.write``, resumes after the partial write; a handler that raises still stops it.
    """
    import os

    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # an in-memory stream (tests, embedding)
        stream.write(text)
        stream.flush()
        return
    stream.flush()
    data = memoryview(text.encode(getattr(stream, "encoding", None) or "utf-8", errors="backslashreplace"))
    while data:
        written = os.write(fd, data)
        data = data[written:]
