"""SQLite connections: which library, which pragmas, and who may open what.

Only `app.store.writer.Writer` opens a write connection; everything else reads through
`open_reader`, which is read-only at the SQLite level so a stray write fails loudly.
"""

from __future__ import annotations

import importlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from synapse_skill.matching import matcher

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
# A read for a web request gives up after this long (503 "busy", Retry-After): one page that
# turns out slow at some corpus size must not hold a read thread, and the client, for minutes.
WEB_READ_BUDGET_S = 5.0
_PROGRESS_STEPS = 10_000  # SQLite virtual-machine steps between two looks at the clock
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
# SQLite versions with the WAL-reset corruption race fixed: 3.51.3+, and the 3.44.6 / 3.50.7 backports.
_WAL_RESET_FIXED = ((3, 51, 3), (3, 50, 7), (3, 44, 6))


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3])


def sqlite_module() -> ModuleType:
    """Prefer a bundled SQLite newer than the interpreter's own (pysqlite3), else the stdlib one."""
    try:
        bundled = importlib.import_module("pysqlite3.dbapi2")
    except ImportError:
        return sqlite3
    if _version(bundled.sqlite_version) > _version(sqlite3.sqlite_version):
        return bundled
    return sqlite3


if TYPE_CHECKING:  # pysqlite3 has the stdlib module's API: type against that
    import sqlite3 as sqlite
else:
    sqlite = sqlite_module()


def wal_reset_bug_fixed(version: str) -> bool:
    v = _version(version)
    if v >= _WAL_RESET_FIXED[0]:
        return True
    return any(v[:2] == fixed[:2] and v >= fixed for fixed in _WAL_RESET_FIXED[1:])


@dataclass(frozen=True)
class SqliteInfo:
    library: str
    version: str
    wal_reset_bug_fixed: bool


def sqlite_info() -> SqliteInfo:
    return SqliteInfo(
        library=sqlite.__name__.split(".")[0],
        version=sqlite.sqlite_version,
        wal_reset_bug_fixed=wal_reset_bug_fixed(sqlite.sqlite_version),
    )


def open_writer(path: Path) -> sqlite.Connection:
    """The one write connection of a process: autocommit mode, so `BEGIN IMMEDIATE` is ours to issue.

    Autocheckpoint is off: the writer checkpoints itself under a cross-process lock, so two
    connections never checkpoint at once (the WAL-reset race needs two concurrent checkpoints).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    return conn


class ReaderConnection(sqlite.Connection):
    """A read connection that carries the matcher's cache of what it has read.

    The cache belongs with its connection (one per thread): every search on the connection,
    from the API, a page or the CLI, finds it there without being handed one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.match_cache = matcher.IndexCache()

    def within(self, budget_s: float, fn: Callable[..., T], *args: Any) -> T:
        """`fn(self, *args)`, interrupted once it has run `budget_s` seconds: SQLite then raises
        OperationalError "interrupted", a "busy" storage fault (`app.store.writer.storage_fault`)."""
        deadline = time.monotonic() + budget_s
        self.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
        try:
            return fn(self, *args)
        finally:
            self.set_progress_handler(None, 0)


def open_reader(path: Path) -> ReaderConnection:
    """A read-only connection for one thread.

    Only its thread uses it, but the store closes every reader from the thread that closes
    the store: hence `check_same_thread=False`.
    """
    conn = sqlite.connect(
        f"file:{path}?mode=ro",
        uri=True,
        timeout=BUSY_TIMEOUT_MS / 1000,
        factory=ReaderConnection,
        check_same_thread=False,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.row_factory = sqlite.Row
    return conn
