"""What a check may touch: an injectable environment and a per-check run context.

Checks never call ``subprocess``, read ``os.environ`` or look at the clock directly:
they go through :class:`Context`, so tests can replace any of it (httpie's
``Environment`` idea) and the runner can enforce the check's time budget on every
command it runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

from fieldkit.findings import Evidence, Finding
from fieldkit.privileges import is_root


@dataclass
class Environment:
    """The outside world as fieldkit sees it. Every attribute may be overridden in tests."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stdin: Any = field(default_factory=lambda: sys.stdin)
    stdout: Any = field(default_factory=lambda: sys.stdout)
    stderr: Any = field(default_factory=lambda: sys.stderr)
    is_root: bool = field(default_factory=is_root)
    clock: Callable[[], float] = time.time          # wall clock, seconds since the epoch
    monotonic: Callable[[], float] = time.monotonic
    root: Path = Path("/")                           # prefix for /proc, /sys reads (tests point it elsewhere)
    runner: "CommandRunner | None" = None            # replaces run_command (a fake in tests)
    # The operating system fieldkit behaves as (fieldkit.platform: linux, windows, macos).
    platform: str = field(default_factory=lambda: _current_platform())

    def which(self, program: str) -> str | None:
        return shutil.which(program, path=self.environ.get("PATH"))

    def path(self, absolute: str) -> Path:
        """A system path such as ``/sys/class/dmi/id`` under :attr:`root`."""
        return self.root / absolute.lstrip("/")

    @property
    def stderr_isatty(self) -> bool:
        return bool(getattr(self.stderr, "isatty", lambda: False)())


def _current_platform() -> str:
    from fieldkit import platform

    return platform.current()


@dataclass
class CommandResult:
    """The outcome of one external command. Never raises: faults are fields."""

    argv: list[str]
    returncode: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    not_found: bool = False
    error: str = ""  # OSError text (permission denied, not found), or the timeout reason

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.error

    def evidence(self, max_chars: int = 2000) -> Evidence:
        text = self.stdout if self.stdout.strip() else self.stderr
        if self.error:
            text = self.error + ("\n" + text if text else "")
        return Evidence(command=list(self.argv), exit_code=self.returncode, excerpt=_clip(text, max_chars))


class CommandRunner(Protocol):
    def __call__(self, argv: Sequence[str], *, timeout: float, input: str | None = None,
                 env: Mapping[str, str] | None = None,
                 cancel: threading.Event | None = None) -> CommandResult: ...


def run_command(argv: Sequence[str], *, timeout: float, input: str | None = None,
                env: Mapping[str, str] | None = None, cancel: threading.Event | None = None) -> CommandResult:
    """Run ``argv`` with a hard timeout; the whole process group is killed on timeout or cancel.

    A new session is used so that a hung helper (smartctl stuck on a dying USB bridge)
    and anything it spawned die together.
    """
    start = time.monotonic()
    argv = [str(a) for a in argv]
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                errors="replace", env=dict(env) if env is not None else None,
                                start_new_session=True)
    except FileNotFoundError as exc:
        return CommandResult(argv, None, "", "", time.monotonic() - start, not_found=True,
                             error=f"{argv[0]}: command not found ({exc.strerror})")
    except OSError as exc:
        return CommandResult(argv, None, "", "", time.monotonic() - start, error=f"{argv[0]}: {exc.strerror or exc}")
    deadline = start + max(0.0, timeout)
    pending_input = input
    while True:
        step = min(0.2, max(0.0, deadline - time.monotonic()))
        try:
            out, err = proc.communicate(pending_input, timeout=step if step > 0 else 0.001)
            return CommandResult(argv, proc.returncode, out, err, time.monotonic() - start)
        except subprocess.TimeoutExpired:
            pending_input = None  # communicate() already sent it
            cancelled = cancel is not None and cancel.is_set()
            if time.monotonic() >= deadline or cancelled:
                _kill_group(proc)
                out, err = proc.communicate()
                why = "cancelled: the check ran out of time" if cancelled else f"timed out after {timeout:g} s"
                return CommandResult(argv, None, out or "", err or "", time.monotonic() - start,
                                     timed_out=True, error=f"{argv[0]}: {why}")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


class History(Protocol):
    """What a check may ask the scan history (``ctx.history``): the past of this machine only.

    Implemented by :class:`fieldkit.history.store.HistoryView`; a test passes any object
    with this method. Never raises: a history problem must not break a check.
    """

    def previous_findings(self, check: str) -> list[Finding]:
        """Findings of the most recent earlier scan of this machine in which ``check`` completed."""
        ...


class Cancelled(Exception):
    """Raised by :meth:`Context.checkpoint` when the runner has given up on the check."""


@dataclass
class Context:
    """Everything one check run gets: its options, the environment, its time budget.

    :ivar options: validated options of this check (profile values over defaults).
    :ivar deadline: monotonic time by which the check must have returned.
    :ivar cancel: set by the runner when the budget is exhausted or the user pressed Ctrl-C.
    :ivar history: previous results for growth rules (None when no history is available).
    :ivar earlier: findings of the checks of the same scan that finished before this one started
        (a check that runs alone, after the others, can act on them: the acoustic check
        exercises the drives SMART found suspect).
    """

    check: str
    options: dict[str, Any]
    env: Environment = field(default_factory=Environment)
    deadline: float = float("inf")
    cancel: threading.Event = field(default_factory=threading.Event)
    history: History | None = None
    earlier: list[Finding] = field(default_factory=list)
    progress: Callable[[str], None] = lambda message: None

    def option(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value is None else value

    def time_left(self) -> float:
        return self.deadline - self.env.monotonic()

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def checkpoint(self) -> None:
        """Long loops call this between steps so a cancelled check stops promptly (sos #407)."""
        if self.cancel.is_set():
            raise Cancelled(f"{self.check}: cancelled")

    def run(self, argv: Sequence[str], *, timeout: float = 30.0, input: str | None = None,
            env: Mapping[str, str] | None = None) -> CommandResult:
        """Run a command, never beyond the check's own deadline.

        The command sees the environment's variables (so a test's PATH decides which
        programs exist) unless ``env`` is given.
        """
        budget = max(0.05, min(timeout, self.time_left()))
        runner = self.env.runner or run_command
        return runner(argv, timeout=budget, input=input, env=env if env is not None else self.env.environ,
                      cancel=self.cancel)


def _clip(text: str, max_chars: int) -> str:
    text = text.strip()
    if len(text) <= max_chars:
        return text
    return text[:max_chars] + f"\n... ({len(text) - max_chars} more characters)"
