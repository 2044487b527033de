"""What a scan does around the runner: lock, history, changes, store.

The scan use case (:mod:`fieldkit.scan`) enters it around the runner. The rule
is that nothing here may lose a measured scan: every history problem becomes one
warning line and the scan goes on (its result file is written regardless).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from fieldkit.lock import DEFAULT_WAIT_S, LockUnavailable, ScanLock

if TYPE_CHECKING:
    from fieldkit.history.store import HistoryStore, HistoryView
    from fieldkit.result import ScanResult


class ScanSession:
    """Take the scan lock, offer the history to the checks, store the result afterwards."""

    def __init__(self, *, profile_name: str, store_history: bool = True, lock_wait_s: float = DEFAULT_WAIT_S,
                 warn: Callable[[str], None] = lambda text: None,
                 inform: Callable[[str], None] | None = None) -> None:
        self.profile_name = profile_name
        self.store_history = store_history
        self.lock = ScanLock(wait_s=lock_wait_s, holder={"profile": profile_name},
                             on_wait=inform or warn)
        self.warn = warn
        self.store: HistoryStore | None = None
        self.view: HistoryView | None = None
        self.scan_row: int | None = None

    def __enter__(self) -> "ScanSession":
        try:
            self.lock.acquire()  # raises LockTimeout with a one-line message
        except LockUnavailable as exc:
            # A read-only USB stick or a locked-down folder must not stop the scan itself.
            self.warn(f"{exc}; scanning without protection against a concurrent scan")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
        self.lock.release()

    def history_for(self, machine: dict[str, Any]) -> HistoryView | None:
        """The ``ctx.history`` object for this machine, or None (with a warning) when the history is unusable."""
        from fieldkit.history import HistoryError, HistoryStore, HistoryView
        from fieldkit.timestamps import now_iso

        try:
            # --no-history still lets growth rules read an existing history, but creates nothing.
            self.store = HistoryStore.open(create=self.store_history)
        except HistoryError as exc:
            if self.store_history or "no scan history yet" not in str(exc):
                self.warn(f"history not used: {exc}; the scan result file is still written")
            return None
        self.view = HistoryView(self.store, str(machine.get("host_id") or "unknown"), now_iso())
        return self.view

    def finish(self, result: ScanResult) -> None:
        """Put ``changes_since_last`` into the result, then store it (unless --no-history)."""
        from fieldkit.history import HistoryError, compare_with_history

        if self.store is None:
            return
        if self.view is not None and self.view.errors:
            self.warn(f"history could not be read by a check: {self.view.errors[0]}")
        try:
            changes, compared = compare_with_history(self.store, result)
            result.extra["changes_since_last"] = changes
            result.extra["compared_with"] = compared  # [] = first scan of this machine
        except HistoryError as exc:
            self.warn(f"could not compare with earlier scans: {exc}")
        if not self.store_history:
            return
        try:
            self.scan_row = self.store.store(result)
        except HistoryError as exc:
            self.warn(f"scan not stored in the history: {exc}; the scan result file is still written")
