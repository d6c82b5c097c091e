"""The store: one writer thread for every write, one read-only connection per reading thread.

Every read is a function of a read connection, `fn(conn, *args)`, like a write: routes await
`execute_read` (a worker thread of the store's read pool runs it on that thread's connection);
the CLI and the search route's inline path call `read_now` on the calling thread's own.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from app.store.connections import WEB_READ_BUDGET_S, ReaderConnection, open_reader
from app.store.deferred import Accumulator, Flusher
from app.store.schema import migrate
from app.store.writer import Writer

log = logging.getLogger("synapse.store")
T = TypeVar("T")
A = TypeVar("A", bound=Accumulator)

CLOSE_TIMEOUT_S = 30.0


class StoreClosed(RuntimeError):
    """The store was closed; nothing more is read through it."""


class Store:
    engine = "sqlite"
    # A short read may run on the event loop's own thread (a local file, no network round trip).
    inline_reads = True

    def __init__(self, path: Path):
        self.path = Path(path)
        self.writer = Writer(self.path)
        self.writer.call(migrate)
        self._local = threading.local()
        self._readers: list[ReaderConnection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self._read_pool = ThreadPoolExecutor(thread_name_prefix=f"synapse-read:{self.path.name}")
        self._flusher = Flusher(self.path.name)

    def read(self) -> ReaderConnection:
        """This thread's read-only connection (opened on first use, never shared)."""
        if self._closed:
            raise StoreClosed("the store is closed")
        conn: ReaderConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            with self._readers_lock:
                if self._closed:
                    raise StoreClosed("the store is closed")
                conn = open_reader(self.path)
                self._readers.append(conn)
            self._local.conn = conn
        return conn

    def read_now(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(conn, *args)` on the calling thread's read connection."""
        return fn(self.read(), *args)

    async def execute_read(self, fn: Callable[..., T], *args: Any, budget_s: float = WEB_READ_BUDGET_S) -> T:
        """`fn(conn, *args)` on a read-pool thread with that thread's connection, off the event
        loop, interrupted after `budget_s` seconds (a "busy" storage fault: 503 with Retry-After)."""
        return await asyncio.get_running_loop().run_in_executor(
            self._read_pool, self.read_within, budget_s, fn, *args
        )

    def read_within(self, budget_s: float, fn: Callable[..., T], *args: Any) -> T:
        """`read_now` that gives up after `budget_s` seconds."""
        return self.read().within(budget_s, fn, *args)

    def write(self, fn: Callable[..., T], *args: Any) -> T:
        return self.writer.call(fn, *args)

    async def awrite(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.writer.acall(fn, *args)

    def write_later(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue a small write (a counter) without waiting; it joins the next group commit.

        Nobody waits for it, so a failure is logged here or it would go unseen.
        """
        self.writer.submit(fn, *args).add_done_callback(_log_failure)

    def deferred(self, key: str, factory: Callable[[], A]) -> A:
        """This store's accumulator `key` (made by `factory()` on first use), written as one
        write unit about once a second, on `flush()` and on `close()` (app.store.deferred)."""
        return self._flusher.get(key, factory)

    def flush_soon(self) -> None:
        """Flush the accumulators now rather than at the end of the interval (one grew large)."""
        self._flusher.wake()

    def flush(self) -> None:
        """Write what the accumulators hold now, and return once it is committed."""
        self._flusher.flush()

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Flush the accumulators, finish the reads and the queued writes (waiting at most
        `timeout` for the writer), then close the read connection of every thread."""
        if self._closed:
            return
        self._flusher.close(timeout)
        with self._readers_lock:
            if self._closed:
                return
            self._closed = True
        self._read_pool.shutdown(wait=True)
        if not self.writer.close(timeout):
            log.warning("the writer did not finish within %.0f s; closing without it", timeout)
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()


def _log_failure(future: Future) -> None:
    exc = future.exception() if not future.cancelled() else None
    if exc is not None:
        log.error("a queued write failed: %r", exc, exc_info=exc)
