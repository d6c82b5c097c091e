"""The single writer: one thread, one write connection, one queue.

Callers hand over a function of a connection; the writer runs it inside `BEGIN IMMEDIATE`
and hands back its result or its exception. Work that is already queued when a transaction
starts is committed in the same transaction (group commit), each unit inside its own
SAVEPOINT so one failing unit rolls back alone. A caller is answered only after COMMIT
returned, so an acknowledged write is on disk (WAL) and survives `kill -9`.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from app.database import open_writer

log = logging.getLogger("synapse.writer")
T = TypeVar("T")

MAX_BATCH = 64
CHECKPOINT_INTERVAL_S = 1.0
_STOP = object()


class WriterClosed(RuntimeError):
    """The writer was shut down; the write was not attempted."""


class Writer:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._queue: queue.Queue = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._ready: Future = Future()
        self._thread = threading.Thread(target=self._run, name=f"synapse-writer:{self.path.name}", daemon=True)
        self._thread.start()
        self._ready.result()  # re-raises if the connection could not be opened

    # -- public surface -------------------------------------------------
    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(conn, *args)` in a write transaction and return its result (blocking)."""
        return self.submit(fn, *args).result()

    async def acall(self, fn: Callable[..., T], *args: Any) -> T:
        """The awaitable form of `call`, for route handlers."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def submit(self, fn: Callable[..., T], *args: Any) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise WriterClosed("the writer is shut down")
            self._queue.put((fn, args, future))
        return future

    def close(self) -> None:
        """Stop taking work, finish everything already queued, close the connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join()

    # -- the thread -----------------------------------------------------
    def _run(self) -> None:
        try:
            conn = open_writer(self.path)
        except BaseException as exc:  # hand the failure to the constructor
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        last_checkpoint = time.monotonic()
        stopping = dirty = False
        try:
            while not stopping:
                try:
                    batch = [self._queue.get(timeout=CHECKPOINT_INTERVAL_S)]
                except queue.Empty:
                    batch = []
                while len(batch) < MAX_BATCH:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                if _STOP in batch:
                    stopping = True
                    batch = [item for item in batch if item is not _STOP]
                    batch.extend(self._drain())
                if batch:
                    self._commit_batch(conn, batch)
                    dirty = True
                if dirty and (stopping or time.monotonic() - last_checkpoint > CHECKPOINT_INTERVAL_S):
                    self._checkpoint(conn, "TRUNCATE" if stopping else "PASSIVE")
                    last_checkpoint = time.monotonic()
                    dirty = False
        finally:
            conn.close()

    def _drain(self) -> list:
        items = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return items
            if item is not _STOP:
                items.append(item)

    def _commit_batch(self, conn, batch: list) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
        except Exception as exc:
            for _, _, future in batch:
                future.set_exception(exc)
            return
        try:
            for fn, args, _ in batch:
                conn.execute("SAVEPOINT unit")
                try:
                    result = fn(conn, *args)
                except BaseException as exc:
                    conn.execute("ROLLBACK TO unit")
                    conn.execute("RELEASE unit")
                    outcomes.append((False, exc))
                else:
                    conn.execute("RELEASE unit")
                    outcomes.append((True, result))
            conn.execute("COMMIT")
        except Exception as exc:  # COMMIT itself failed (disk full, I/O error): nobody is acknowledged
            log.error("write transaction failed: %s", exc)
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for _, _, future in batch:
                future.set_exception(exc)
            return
        for (_, _, future), (ok, value) in zip(batch, outcomes):
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _checkpoint(self, conn, mode: str) -> None:
        """Checkpoint while holding a lock file shared by every process on this database."""
        lock_path = self.path.with_name(self.path.name + ".ckpt-lock")
        try:
            with open(lock_path, "a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return  # another process is checkpointing right now
                try:
                    conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        except Exception as exc:  # a failed checkpoint is retried on the next interval
            log.warning("checkpoint failed: %s", exc)
