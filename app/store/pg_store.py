"""The PostgreSQL backend: the store interface over a psycopg connection pool.

- Reads: `fn(conn)` on a pooled connection in autocommit (each statement sees the latest
  commit, as SQLite's readers do). The matcher reads this node's in-memory index
  (`NodeIndex`), never PostgreSQL.
- Writes: `fn(conn)` in its own short transaction from the pool, SERIALIZABLE (the isolation
  SQLite's single writer gives), retried with backoff on serialization failures and
  deadlocks (SQLSTATE 40001, 40P01). A unit marked `@atomic` (only upserts and counter
  increments) runs READ COMMITTED instead, so concurrent increments of one counter queue on
  the row lock rather than fail. The caller gets its answer after COMMIT returned.
- `write_later` goes to one background thread per process that commits what has queued in
  one transaction, like SQLite's group commit. Search counters are not queued per search:
  they are kept in memory and written about once a second (`app.store.deferred`).
- Faults (server down or restarting, disk full, read-only standby, pool exhausted) are
  classified by `pg_fault`, which the web layer maps to 503/507 with Retry-After; the pool
  replaces broken connections, so the node recovers when the server is back, without a restart.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import queue
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from app.store import match_rows, pg_schema
from app.store.connections import WEB_READ_BUDGET_S, ReaderConnection, sqlite
from app.store.deferred import Flusher
from app.store.pg_sql import POSTGRES, translate
from app.store.schema import index_item
from app.store.sqlite_store import Store, StoreClosed
from synapse_skill.matching import matcher

log = logging.getLogger("synapse.pg")
T = TypeVar("T")

POOL_MIN = 2
POOL_MAX = 10  # per process: the connection budget is nodes x workers x this (docs/scaling.md)
POOL_TIMEOUT_S = 5.0  # waiting longer for a connection than this is an outage: answer 503
CONNECT_TIMEOUT_S = 5
WRITE_ATTEMPTS = 12
WRITE_BACKOFF_S = 0.005  # doubled each retry, with jitter, capped below
WRITE_BACKOFF_MAX_S = 0.25
LATER_BATCH = 64
INDEX_POLL_S = 0.5  # the listener checks the generation at least this often, notified or not
CHANGE_LOG_KEPT = 10_000  # generations of entry_changes kept; a node further behind rebuilds

_RETRYABLE = ("40001", "40P01")
_ENTRY_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b[^;]*\bentries\b", re.IGNORECASE)


_QUERY_PASSWORD = re.compile(r"(?i)(^|&)(password=)[^&]*")


def redacted_url(url: str) -> str:
    """The URL without its password, for logs, `/healthz` and `synapse doctor`.

    Works on the text of the user part, not on `urlsplit().port`: a libpq multi-host URL
    (`postgresql://u:pw@h1:5432,h2:5432/db?target_session_attrs=read-write`, the way to
    reach whichever server is the primary after a failover) has no single port, and
    `.port` raises ValueError on it. A `password=` query parameter is hidden too."""
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    netloc = parts.netloc
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:***@{hosts}"
    query = _QUERY_PASSWORD.sub(r"\1\2***", parts.query)
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


# -- faults -----------------------------------------------------------------------------------


def pg_fault(exc: BaseException) -> str | None:
    """ "full", "read_only", "io" or "busy" when `exc` is PostgreSQL (or the way to it) failing,
    else None: a constraint violation or bad SQL is a bug, not a fault."""
    if isinstance(exc, PoolTimeout):
        return "io"  # no connection within the timeout: the server is down or saturated
    if not isinstance(exc, psycopg.Error):
        return None
    state = getattr(exc, "sqlstate", None) or ""
    if state == "53100":
        return "full"
    if state == "25006":
        return "read_only"  # a standby, or default_transaction_read_only
    if state in _RETRYABLE or state.startswith("53") or state in ("55P03", "57014"):
        return "busy"
    if state.startswith("08") or state in ("57P01", "57P02", "57P03", "58030"):
        return "io"
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) and not state:
        return "io"  # the connection failed or was closed under us
    return None


def error_classes() -> tuple[type[BaseException], ...]:
    return (psycopg.Error,)


# -- rows and connections ---------------------------------------------------------------------


class _Row(tuple):
    """A row like sqlite3.Row: by position, by column name, `dict(row)`, unpacking."""

    __slots__ = ()
    _names: ClassVar[tuple[str, ...]] = ()
    _index: ClassVar[dict[str, int]] = {}

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@functools.lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[_Row]:
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)
    return type("Row", (_Row,), {"__slots__": (), "_names": names, "_index": index})


def _row_factory(cursor) -> Callable[[Sequence[Any]], Any]:
    description = cursor.description
    if not description:
        return tuple
    return _row_class(tuple(column.name for column in description))


def _param(value):
    """PostgreSQL text cannot hold NUL: it becomes U+FFFD, as lone surrogates do elsewhere."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def _params(params) -> Sequence[Any] | None:
    if params is None:
        return None
    return [_param(v) for v in params]


class PgConnection:
    """What a read or write unit gets on PostgreSQL: `execute`/`executemany` of the common SQL
    (`?` parameters), rows that read like `sqlite3.Row`, PostgreSQL's `dialect` and the node's
    matcher index."""

    engine = "postgresql"
    dialect = POSTGRES
    total_changes = 0  # the indexer's write mark: the generation (dialect.data_version) decides
    in_transaction = True  # the matcher's read_snapshot opens nothing on it

    def __init__(self, raw: psycopg.Connection, store: PgStore | None):
        self._raw = raw
        self._store = store
        self.wrote_entries = False

    def execute(self, sql: str, params: Sequence[Any] | None = ()) -> Any:
        """A cursor (fetchone, fetchall, iteration, rowcount, description), as sqlite3's."""
        has = bool(params)
        if _ENTRY_WRITE.match(sql):
            self.wrote_entries = True
        cur = self._raw.cursor(row_factory=_row_factory)
        cur.execute(translate(sql, has), _params(params) if has else None)
        return cur

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> Any:
        if _ENTRY_WRITE.match(sql):
            self.wrote_entries = True
        cur = self._raw.cursor(row_factory=_row_factory)
        rows = [_params(p) or [] for p in seq]
        if rows:
            cur.executemany(translate(sql, True), rows)
        return cur

    def index_reader(self) -> ReaderConnection:
        if self._store is None:
            raise RuntimeError("this connection has no matcher index")
        return self._store.index.reader()

    def index_generation(self) -> int:
        """The entry generation this node's matcher index has applied (-1: none yet)."""
        return self._store.index.generation if self._store is not None else -1


class _Fetched:
    """A cursor whose rows were fetched before its connection went back to the pool."""

    def __init__(self, rows: list, description, rowcount: int):
        self._rows, self.description, self.rowcount = rows, description, rowcount
        self._at = 0

    def fetchone(self):
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self) -> list:
        rows, self._at = self._rows[self._at :], len(self._rows)
        return rows

    def __iter__(self):
        return iter(self.fetchall())


class PgAutoConnection:
    """`store.read()` on PostgreSQL: each statement borrows a pooled connection (autocommit)
    and hands back its rows fetched. For the command line and tests, which hold a read
    connection across calls; the server reads through `read_now`/`execute_read`."""

    engine = "postgresql"
    dialect = POSTGRES
    total_changes = 0
    in_transaction = True

    def __init__(self, store: PgStore):
        self._store = store

    def execute(self, sql: str, params: Sequence[Any] | None = ()) -> _Fetched:
        def run(conn: PgConnection) -> _Fetched:
            cur = conn.execute(sql, params)
            rows = cur.fetchall() if cur.description else []
            return _Fetched(rows, cur.description, cur.rowcount)

        return self._store.read_now(run)

    def index_reader(self) -> ReaderConnection:
        return self._store.index.reader()


# -- the node's matcher index -----------------------------------------------------------------


def _prepared(row) -> matcher.PreparedEntry:
    """An `entries` row joined to its stored matcher rows (`app.store.match_rows`)."""
    return match_rows.prepared(index_item(row[:7]), row[7])


class NodeIndex:
    """This node's copy of the matcher's index: an in-memory SQLite database (memdb VFS, one
    per process, shared by the read threads' connections), built by the matcher from the
    `entries` rows, so its answers are those of SQLite's index by construction.

    Built in full on first use (slug order, like `synapse index` on an empty file), then
    kept current from `entry_changes`: only the entries whose rows changed are re-indexed.
    A listener thread applies changes when PostgreSQL notifies `synapse_index` and, in case
    a notification was missed (a dropped connection), polls the generation every
    `INDEX_POLL_S`. A node's own writes catch up before they are acknowledged, so a search
    on the node that approved an entry finds it at once.
    """

    def __init__(self, store: PgStore):
        self._store = store
        self._uri = f"file:/synapse-index-{uuid.uuid4().hex}?vfs=memdb"
        self._owner: sqlite.Connection | None = None  # keeps the memdb alive; applies changes
        self._lock = threading.RLock()
        self._local = threading.local()
        self._readers: list[ReaderConnection] = []
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self.generation = -1  # the last generation applied
        self.builds = 0  # full builds (a test and /healthz can see them)

    # -- readers ----------------------------------------------------------------------------
    def reader(self) -> ReaderConnection:
        conn: ReaderConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.start()
            with self._lock:
                conn = sqlite.connect(
                    self._uri,
                    uri=True,
                    factory=ReaderConnection,
                    check_same_thread=False,
                    timeout=30,
                )
                conn.row_factory = sqlite.Row
                self._readers.append(conn)
            self._local.conn = conn
        return conn

    # -- building and catching up -----------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._owner is not None:
                return
            owner = sqlite.connect(
                self._uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30
            )
            try:
                self._build(owner)
            except BaseException:
                owner.close()
                raise
            self._owner = owner
        self._listener = threading.Thread(target=self._listen, name="synapse-index-listener", daemon=True)
        self._listener.start()

    @property
    def started(self) -> bool:
        return self._owner is not None

    def _build(self, owner) -> None:
        """Every entry, in slug order, into a fresh index."""
        generation, _, items = self._store.read_snapshot_of_entries(None)
        owner.execute("BEGIN IMMEDIATE")
        try:
            matcher.drop_schema(owner)
            matcher.create_schema(owner)
            matcher.index_prepared(owner, items)
            owner.execute("COMMIT")
        except BaseException:
            owner.execute("ROLLBACK")
            raise
        self.generation = generation
        self.builds += 1

    def catch_up(self, target: int | None = None) -> None:
        """Apply the entry changes committed since the last generation applied (all of them,
        or at least up to `target`)."""
        with self._lock:
            owner = self._owner
            if owner is None or (target is not None and self.generation >= target):
                return
            current = self._store.read_now(_generation_and_floor)
            if current[0] == self.generation:
                return
            # The change log no longer reaches back that far, or the database went back in time
            # (restored from a backup): index everything again.
            if current[1] > self.generation or current[0] < self.generation:
                self._build(owner)
                return
            generation, slugs, changed = self._store.read_snapshot_of_entries(self.generation)
            present = {p.item.slug: p for p in changed}
            gone = slugs - present.keys()
            owner.execute("BEGIN IMMEDIATE")
            try:
                for slug in sorted(gone):
                    matcher.remove_entry(owner, slug)
                matcher.index_prepared(owner, [present[slug] for slug in sorted(present)])
                owner.execute("COMMIT")
            except BaseException:
                owner.execute("ROLLBACK")
                raise
            self.generation = generation

    def _listen(self) -> None:
        """LISTEN for index changes; poll as well, so a missed notification costs at most INDEX_POLL_S."""
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._store.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                ) as conn:
                    conn.execute(f"LISTEN {pg_schema.NOTIFY_CHANNEL}")
                    while not self._stop.is_set():
                        self.catch_up()
                        for _ in conn.notifies(timeout=INDEX_POLL_S, stop_after=1):
                            pass
            except Exception as exc:
                if self._stop.is_set():
                    return
                log.warning("index listener: %s; retrying", exc)
                self._stop.wait(INDEX_POLL_S)

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(5)
        with self._lock:
            for conn in self._readers:
                conn.close()
            self._readers = []
            if self._owner is not None:
                self._owner.close()
                self._owner = None


def _generation_and_floor(conn: PgConnection) -> tuple[int, int]:
    row = conn.execute("SELECT generation, pruned_below FROM synapse_meta WHERE id = 1").fetchone()
    return int(row[0]), int(row[1])


# -- the store --------------------------------------------------------------------------------


class PgStore(Store):
    """The store interface on PostgreSQL (see the module's docstring)."""

    engine = "postgresql"
    inline_reads = False  # a read is a network round trip (and may wait for a pooled connection)

    def __init__(self, url: str, pool_max: int = POOL_MAX, pool_timeout: float = POOL_TIMEOUT_S):
        self.url = url
        self.path = Path(redacted_url(url))  # what logs and messages print as "the database"
        self._closed = False
        self._readers_lock = threading.Lock()
        self._local = threading.local()
        self.pool = ConnectionPool(
            url,
            min_size=min(POOL_MIN, pool_max),
            max_size=pool_max,
            timeout=pool_timeout,
            kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "synapse"},
            check=ConnectionPool.check_connection,
            # Give up a reconnection attempt soon: the next request starts a fresh one at once, so a
            # node is back as soon as the server is, not after a backoff grown during a long outage.
            reconnect_timeout=pool_timeout,
            name="synapse",
            open=False,
        )
        self.pool.open(wait=False)
        try:
            with self.pool.connection() as raw:
                raw.autocommit = True
                pg_schema.migrate(raw)
        except BaseException:
            self.pool.close()
            raise
        self.index = NodeIndex(self)
        self._read_pool = ThreadPoolExecutor(thread_name_prefix="synapse-read:pg")
        self._write_pool = ThreadPoolExecutor(max_workers=pool_max, thread_name_prefix="synapse-write:pg")
        self._later: queue.Queue = queue.Queue()
        self._later_thread = threading.Thread(target=self._run_later, name="synapse-later:pg", daemon=True)
        self._later_thread.start()
        self._flusher = Flusher("pg")

    # -- reads ----------------------------------------------------------------------------------
    def read(self) -> PgAutoConnection:  # type: ignore[override]
        if self._closed:
            raise StoreClosed("the store is closed")
        conn: PgAutoConnection | None = getattr(self._local, "auto", None)
        if conn is None:
            conn = self._local.auto = PgAutoConnection(self)
        return conn

    def read_now(self, fn: Callable[..., T], *args: Any) -> T:
        return self.read_within(None, fn, *args)

    async def execute_read(self, fn: Callable[..., T], *args: Any, budget_s: float = WEB_READ_BUDGET_S) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self._read_pool, self.read_within, budget_s, fn, *args
        )

    def read_within(self, budget_s: float | None, fn: Callable[..., T], *args: Any) -> T:
        """`fn(conn, *args)` on a pooled connection; with `budget_s`, each statement is cancelled
        after that many seconds (the server's statement_timeout: SQLSTATE 57014, a "busy"
        fault, 503 with Retry-After)."""
        if self._closed:
            raise StoreClosed("the store is closed")
        with self.pool.connection() as raw:
            raw.autocommit = True
            if budget_s is None:
                return fn(PgConnection(raw, self), *args)
            raw.execute("SELECT set_config('statement_timeout', %s, false)", (f"{int(budget_s * 1000)}ms",))
            try:
                return fn(PgConnection(raw, self), *args)
            finally:
                if not raw.broken:  # a pooled connection goes back as it came
                    raw.execute("SET statement_timeout = DEFAULT")

    def read_snapshot_of_entries(
        self, since: int | None
    ) -> tuple[int, set[str], list[matcher.PreparedEntry]]:
        """The generation, the slugs changed after generation `since` (None: every entry) and
        the matcher's rows of those entries that still exist (stored, or prepared now), read
        in one snapshot."""
        columns = (
            "e.slug, e.errors, e.title, e.not_errors, e.libraries, e.applies_to, e.general, m.rows"
            " FROM entries e LEFT JOIN match_rows m ON m.slug = e.slug"
        )
        with self.pool.connection() as raw:
            raw.autocommit = False
            raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with raw.transaction():
                conn = PgConnection(raw, self)
                generation = POSTGRES.data_version(conn)
                if since is None:
                    rows = conn.execute(f"SELECT {columns} ORDER BY e.slug").fetchall()
                    return generation, {r[0] for r in rows}, [_prepared(r) for r in rows]
                slugs = [
                    r[0]
                    for r in conn.execute(
                        "SELECT DISTINCT slug FROM entry_changes WHERE generation > ? AND generation <= ?",
                        (since, generation),
                    )
                ]
                rows = raw.execute(
                    f"SELECT {columns} WHERE e.slug = ANY(%s) ORDER BY e.slug", (slugs,)
                ).fetchall()
                return generation, set(slugs), [_prepared(r) for r in rows]

    # -- writes ---------------------------------------------------------------------------------
    def write(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise StoreClosed("the store is closed")
        return self._transaction([(fn, args)], getattr(fn, "synapse_atomic", False))[0]

    async def awrite(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._write_pool, self.write, fn, *args)

    def write_later(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._closed:
            raise StoreClosed("the store is closed")
        self._later.put((fn, args))

    def _transaction(self, units: list[tuple[Callable[..., Any], tuple]], atomic: bool) -> list[Any]:
        """Run `units` in one transaction, retried on serialization failure and deadlock; return
        their results. A single unit's exception is raised; in a batch each failing unit rolls
        back alone (a savepoint) and its exception is its result."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                results, generation = self._attempt(units, atomic)
            except psycopg.Error as exc:
                if getattr(exc, "sqlstate", None) not in _RETRYABLE or attempt == WRITE_ATTEMPTS - 1:
                    raise
                delay = min(WRITE_BACKOFF_MAX_S, WRITE_BACKOFF_S * 2**attempt)
                time.sleep(delay * (0.5 + random.random()))
                continue
            if generation is not None:
                self._entries_changed(generation)
            return results
        raise AssertionError("unreachable")

    def _attempt(self, units, atomic: bool) -> tuple[list[Any], int | None]:
        with self.pool.connection() as raw:
            raw.autocommit = False
            raw.isolation_level = (
                psycopg.IsolationLevel.READ_COMMITTED if atomic else psycopg.IsolationLevel.SERIALIZABLE
            )
            conn = PgConnection(raw, self)
            results: list[Any] = []
            with raw.transaction():
                if len(units) == 1:
                    fn, args = units[0]
                    results.append(fn(conn, *args))
                else:
                    for fn, args in units:
                        try:
                            with raw.transaction():  # a savepoint
                                results.append(fn(conn, *args))
                        except psycopg.Error as exc:
                            if pg_fault(exc) or exc.sqlstate in _RETRYABLE:
                                raise
                            results.append(exc)
                        except Exception as exc:
                            results.append(exc)
                generation = None
                if conn.wrote_entries:
                    row = raw.execute("SELECT current_setting('synapse.generation', true)").fetchone()
                    generation = int(row[0]) if row and row[0] else None
            return results, generation

    def _entries_changed(self, generation: int) -> None:
        """After a commit that changed entries: this node's index catches up before the caller
        hears back, and the change log is pruned now and then."""
        if generation % 1000 == 0:
            self._prune(generation)
        if self.index.started:
            self.index.catch_up(generation)

    def _prune(self, generation: int) -> None:
        floor = generation - CHANGE_LOG_KEPT
        if floor <= 0:
            return
        try:
            with self.pool.connection() as raw, raw.transaction():
                raw.execute("UPDATE synapse_meta SET pruned_below = greatest(pruned_below, %s)", (floor,))
                raw.execute("DELETE FROM entry_changes WHERE generation <= %s", (floor,))
        except psycopg.Error as exc:  # the next prune catches up
            log.warning("pruning entry_changes failed: %s", exc)

    def _run_later(self) -> None:
        """The group commit of `write_later`: what has queued commits in one transaction."""
        while True:
            item = self._later.get()
            if item is None:
                return
            batch = [item]
            stopping = False
            while len(batch) < LATER_BATCH:
                try:
                    more = self._later.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            atomic = all(getattr(fn, "synapse_atomic", False) for fn, _ in batch)
            try:
                for result in self._transaction(batch, atomic):
                    if isinstance(result, BaseException):
                        log.error("a queued write failed: %r", result)
            except Exception as exc:
                log.error("%d queued write(s) failed: %r", len(batch), exc)
            if stopping:
                return

    # -- lifecycle ------------------------------------------------------------------------------
    def close(self, timeout: float = 30.0) -> None:
        if self._closed:
            return
        self._flusher.close(timeout)  # the counters' last transaction, while the pool is open
        with self._readers_lock:
            if self._closed:
                return
            self._closed = True
        self._later.put(None)
        self._later_thread.join(timeout)
        self._read_pool.shutdown(wait=True)
        self._write_pool.shutdown(wait=True)
        self.index.close()
        self.pool.close(timeout=timeout)

    # -- what /healthz and `synapse doctor` say ------------------------------------------------
    def server_info(self, conn: PgConnection) -> dict[str, Any]:
        version = conn.execute("SHOW server_version").fetchone()[0]
        return {
            "version": str(version),
            "url": redacted_url(self.url),
            "pool_max": self.pool.max_size,
            "index_generation": self.index.generation,
        }


def inspect(url: str) -> dict[str, Any]:
    """What `synapse doctor` says about a PostgreSQL database, read only: no pool, no migration."""
    from app.store.health import sqlite_library

    with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as raw:
        version = str(raw.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        has_schema = raw.execute("SELECT to_regclass('synapse_schema') IS NOT NULL").fetchone()[0]  # type: ignore[index]
        schema = pg_schema.schema_version(raw) if has_schema else 0
        has_entries = raw.execute("SELECT to_regclass('entries') IS NOT NULL").fetchone()[0]  # type: ignore[index]
        entries = raw.execute("SELECT count(*) FROM entries").fetchone()[0] if has_entries else 0  # type: ignore[index]
        read_only = raw.execute("SHOW transaction_read_only").fetchone()[0]  # type: ignore[index]
    return {
        "status": "ok",
        "engine": "postgresql",
        "entries": int(entries),
        "schema_version": schema,
        "expected_schema_version": pg_schema.SCHEMA_VERSION,
        "journal_mode": "n/a",
        "sqlite": {**sqlite_library(), "mitigation": None},
        "postgresql": {
            "version": version,
            "url": redacted_url(url),
            "read_only": read_only == "on",
        },
    }
