"""The single writer: one thread, one write connection, one queue.

Callers hand over a function of a connection; the writer runs it inside `BEGIN IMMEDIATE`
and hands back its result or its exception. Work that is already queued when a transaction
starts is committed in the same transaction (group commit), each unit inside its own
SAVEPOINT so one failing unit rolls back alone. A caller is answered only after COMMIT
returned, so an acknowledged write is on disk (WAL) and survives `kill -9`.

The thread survives every failure (a dead writer would leave every later write waiting
forever): a unit whose caller gave up is not run, a failed transaction fails only its own
batch, and after a storage fault (read-only file, I/O error) the connection is reopened for
the next batch, so writes resume once the fault is repaired, without a restart.
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

from app.store.connections import open_writer

log = logging.getLogger("synapse.writer")
T = TypeVar("T")

MAX_BATCH = 64
CHECKPOINT_INTERVAL_S = 1.0
_STOP = object()

# SQLite primary result codes of the faults that come from the disk, not from the caller.
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = (
    5,
    6,
    8,
    10,
    13,
    14,
)
_SQLITE_INTERRUPT = 9  # a read ran past its time budget (ReaderConnection.within)
_FAULTS = {
    _SQLITE_FULL: "full",
    _SQLITE_READONLY: "read_only",
    _SQLITE_IOERR: "io",
    _SQLITE_CANTOPEN: "io",
    _SQLITE_BUSY: "busy",
    _SQLITE_LOCKED: "busy",
    _SQLITE_INTERRUPT: "busy",
}
_FAULT_MESSAGES = (
    ("database or disk is full", "full"),
    ("readonly database", "read_only"),
    ("disk i/o error", "io"),
    ("unable to open database file", "io"),
    ("database is locked", "busy"),
    ("interrupted", "busy"),  # a read ran past its time budget (ReaderConnection.within)
)
_REOPEN_AFTER = {"read_only", "io"}  # the connection itself may be stuck in that state


def storage_fault(exc: BaseException) -> str | None:
    """ "full", "read_only", "io" or "busy" when `exc` is SQLite reporting a storage fault, else None.

    Constraint violations and SQL errors are the caller's bugs, not faults: they give None.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return _FAULTS.get(code & 0xFF)
    if type(exc).__name__ != "OperationalError":
        return None
    text = str(exc).lower()
    return next((fault for needle, fault in _FAULT_MESSAGES if needle in text), None)


class WriterClosed(RuntimeError):
    """The writer was shut down; the write was not attempted."""


class Writer:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._queue: queue.Queue = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._ready: Future = Future()
        self._thread = threading.Thread(
            target=self._run, name=f"synapse-writer:{self.path.name}", daemon=True
        )
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

    def close(self, timeout: float | None = None) -> bool:
        """Stop taking work, finish everything already queued, close the connection.

        Waits at most `timeout` seconds; False if the thread is still finishing then.
        """
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

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
                    conn = self._commit_batch(conn, batch)
                    dirty = True
                if (
                    conn is not None
                    and dirty
                    and (stopping or time.monotonic() - last_checkpoint > CHECKPOINT_INTERVAL_S)
                ):
                    self._checkpoint(conn, "TRUNCATE" if stopping else "PASSIVE")
                    last_checkpoint = time.monotonic()
                    dirty = False
        finally:
            if conn is not None:
                conn.close()

    def _drain(self) -> list:
        items: list = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return items
            if item is not _STOP:
                items.append(item)

    def _commit_batch(self, conn, batch: list):
        """Run `batch` in one transaction and answer each caller; return the connection for the next
        batch (None: reopen it first)."""
        started: list[Future] = []
        outcomes: list[tuple[Future, bool, Any]] = []
        try:
            if conn is None:
                conn = open_writer(self.path)
            conn.execute("BEGIN IMMEDIATE")
            for fn, args, future in batch:
                if not future.set_running_or_notify_cancel():
                    continue  # its caller gave up (a cancelled `acall`) before it started: not run
                started.append(future)
                conn.execute("SAVEPOINT unit")
                try:
                    result = fn(conn, *args)
                except BaseException as exc:
                    # A storage fault fails the whole batch; SQLite may even have rolled it all back.
                    if storage_fault(exc) or not conn.in_transaction:
                        raise
                    conn.execute("ROLLBACK TO unit")
                    conn.execute("RELEASE unit")
                    outcomes.append((future, False, exc))
                else:
                    conn.execute("RELEASE unit")
                    outcomes.append((future, True, result))
            conn.execute("COMMIT")
        except BaseException as exc:  # the transaction failed as a whole: nobody in the batch is acknowledged
            log.error("write transaction failed: %s", exc)
            running = {id(future) for future in started}
            for _, _, future in batch:
                if id(future) in running or future.set_running_or_notify_cancel():
                    future.set_exception(exc)
            return self._recover(conn, exc)
        for future, ok, value in outcomes:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        return conn

    def _recover(self, conn, exc: BaseException):
        """After a failed transaction: roll back what is left; drop a connection a storage fault may have stuck."""
        if conn is None:
            return None
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if storage_fault(exc) not in _REOPEN_AFTER:
                return conn
        except Exception as rollback_exc:
            log.error("rollback failed: %s", rollback_exc)
        try:
            conn.close()
        except Exception as close_exc:
            log.warning("closing the write connection failed: %s", close_exc)
        return None

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
