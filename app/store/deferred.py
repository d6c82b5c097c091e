"""Deferred writes: accumulators kept in memory per process and written about once a second.

A search answered is counted in memory (`app.search.stats.SearchCounters`) instead of
queueing one write per search; a background thread of the store (one per process) writes
what has accumulated as one write unit every `FLUSH_INTERVAL_S`, and `Store.flush()` /
`Store.close()` write it at once. A crash loses at most the last interval of what was
deferred (docs/reliability.md); only counters are deferred, never votes, feedback or
submissions, which are acknowledged only after their own commit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

log = logging.getLogger("synapse.store")

FLUSH_INTERVAL_S = 1.0


class Accumulator(Protocol):
    def flush(self) -> None:
        """Write what has accumulated (one write unit), emptying the accumulator."""


A = TypeVar("A", bound=Accumulator)


class Flusher:
    """The accumulators of one store and the thread that flushes them every `interval` seconds."""

    def __init__(self, name: str, interval: float = FLUSH_INTERVAL_S):
        self.name, self.interval = name, interval
        self._items: dict[str, Accumulator] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def get(self, key: str, factory: Callable[[], A]) -> A:
        """The accumulator `key`, made by `factory()` on first use (which starts the thread)."""
        item = self._items.get(key)
        if item is None:
            with self._lock:
                item = self._items.get(key)
                if item is None:
                    item = self._items[key] = factory()
                    if self._thread is None and not self._stopped:
                        self._thread = threading.Thread(
                            target=self._run, name=f"synapse-flush:{self.name}", daemon=True
                        )
                        self._thread.start()
        return item  # type: ignore[return-value]

    def wake(self) -> None:
        """Flush now rather than at the end of the interval (an accumulator grew large)."""
        self._wake.set()

    def flush(self) -> None:
        """Write every accumulator now; a failure is logged (what it held is lost, as a failed
        queued write was before). A storage fault (the database away, e.g. during a failover to
        a standby) is an expected condition, logged in one line; a traceback means a bug."""
        from app.store.engine import storage_fault  # engine imports the stores, which import this

        with self._flush_lock:
            for key, item in list(self._items.items()):
                try:
                    item.flush()
                except Exception as exc:
                    fault = storage_fault(exc)
                    if fault:
                        log.error("flushing %s failed (storage fault: %s): %r", key, fault, exc)
                    else:
                        log.error("flushing %s failed: %r", key, exc, exc_info=exc)

    def close(self, timeout: float | None = None) -> None:
        """Stop the thread and flush one last time (the store's writes must still work)."""
        with self._lock:
            self._stopped = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout)
        self.flush()

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stopped:
                return
            self.flush()
