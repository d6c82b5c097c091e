"""The store: one writer thread for every write, one read-only connection per reading thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from app.store.connections import open_reader
from app.store.schema import migrate
from app.store.writer import Writer

T = TypeVar("T")


class ThreadReader:
    """Stands in for "this thread's read connection", resolved at every use.

    FastAPI may run a dependency and the endpoint on different pool threads; a connection
    handed over by a dependency would then cross threads. This proxy never holds one: each
    call goes to the read connection of the thread making it.
    """

    def __init__(self, store: Store):
        self._store = store

    def __getattr__(self, name: str):
        return getattr(self._store.read(), name)


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.writer = Writer(self.path)
        self.writer.call(migrate)
        self._local = threading.local()
        self._readers: list = []
        self._readers_lock = threading.Lock()
        self.reader = ThreadReader(self)

    def read(self) -> Any:
        """This thread's read-only connection (opened on first use, never shared)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_reader(self.path)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def write(self, fn: Callable[..., T], *args: Any) -> T:
        return self.writer.call(fn, *args)

    async def awrite(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.writer.acall(fn, *args)

    def write_later(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue a small write (a counter) without waiting; it joins the next group commit."""
        self.writer.submit(fn, *args)

    def close(self) -> None:
        self.writer.close()
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            try:
                conn.close()
            except Exception:  # closing from another thread: sqlite3 refuses, the GC will close it
                pass
