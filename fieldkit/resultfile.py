"""Where a scan's result file goes, and what happens when it cannot go there.

An output folder on a read-only USB stick, without write permission or on a full disk
must never cost the scan: every check still runs, the result still reaches stdout and
the history, the failure is one warning line naming the path and the OS reason, and
the exit code is at least UNKNOWN so that a script notices (see ``ScanResult.exit_code``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

OUTPUT_ERRORS = "output_errors"  # key in ScanResult.extra: one line per file that could not be written


def os_reason(exc: OSError) -> str:
    """The OS's words for the failure ("No space left on device"), never a bare errno tuple."""
    if exc.strerror:
        return exc.strerror
    if exc.errno:
        return os.strerror(exc.errno)
    return str(exc) or exc.__class__.__name__


def record_output_error(result: Any, line: str) -> None:
    errors = result.extra.setdefault(OUTPUT_ERRORS, [])
    if line not in errors:
        errors.append(line)


class ResultFile:
    """Writes the result into ``out_dir`` after every check; failures become one warning each."""

    def __init__(self, out_dir: Path | None, warn: Callable[[str], None]) -> None:
        self.out_dir = out_dir
        self.warn = warn
        self.path: Path | None = None
        self.error: str = ""         # the last failure, "" when the last write worked
        self._usable = out_dir is not None
        self._warned: set[str] = set()
        self._pending: list[str] = []  # failures seen before a result existed to carry them
        if out_dir is not None:
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self._usable = False
                self._fail(f"{out_dir}: cannot create the output folder: {os_reason(exc)}; "
                           "the result is not saved there")

    @property
    def written(self) -> bool:
        return self.path is not None and not self.error

    def _fail(self, line: str) -> None:
        self.error = line
        self._pending.append(line)
        if line not in self._warned:  # a full disk fails at every check: say it once
            self._warned.add(line)
            self.warn(line)

    def save(self, result: Any) -> None:
        """Write (atomically) the result as it stands; never raises for an unwritable file."""
        for line in self._pending:
            record_output_error(result, line)
        self._pending.clear()
        if not self._usable or self.out_dir is None:
            return
        if self.path is None:
            from fieldkit.timestamps import file_stamp

            stamp = file_stamp(result.started_at)
            host = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(result.machine.get("hostname", "host")))
            self.path = self.out_dir / f"fieldkit-{host}-{stamp}.json"
        try:
            result.write(self.path)
        except OSError as exc:
            self._fail(f"{self.path}: cannot write the result file: {os_reason(exc)}")
            for line in self._pending:
                record_output_error(result, line)
            self._pending.clear()
        else:
            self.error = ""
