"""Which storage engine: SQLite (the embedded default) or PostgreSQL (many nodes, one database).

The rest of the code sees one store interface (`read_now`, `execute_read`, `write`, `awrite`,
`write_later`, `deferred`, `flush`, `read`, `close`) and one SQL, which both engines run unchanged (`?` parameters;
the PostgreSQL backend only turns them into `%s`, `app.store.pg_sql`). The few constructs with
no common form (JSON arrays as rows, string aggregation, scalar greatest, the data version)
come from `dialect(conn)`, one implementation per engine. What differs besides is where the
matcher's index lives:

- SQLite: in the database file itself, written by the single writer with the entries.
- PostgreSQL: in memory on each node, built from the `entries` rows and kept current by
  the index generation (`app.store.pg_store.NodeIndex`); writes leave it alone.

`index_reader(conn)` and `index_writer(conn)` hand the matcher the right connection.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from app.store.sqlite_sql import SQLITE
from app.store.sqlite_store import Store

F = TypeVar("F", bound=Callable[..., Any])


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


def open_store(db: Path, database_url: str = "", pool_max: int = 10, pool_timeout: float = 5.0) -> Store:
    """The store the settings name: PostgreSQL when `database_url` is set (a pool of at most
    `pool_max` connections, waited for at most `pool_timeout` seconds), else the SQLite file `db`."""
    if database_url:
        if not is_postgres_url(database_url):
            raise ValueError(f"SYNAPSE_DATABASE_URL must start with postgresql://, not {database_url[:20]!r}")
        from app.store.pg_store import PgStore

        return PgStore(database_url, pool_max=pool_max, pool_timeout=pool_timeout)
    return Store(db)


def engine_of(conn) -> str:
    """ "postgresql" for a connection of the PostgreSQL backend, else "sqlite"."""
    return getattr(conn, "engine", "sqlite")


class Dialect(Protocol):
    """What `app.store.sqlite_sql.SqliteDialect` and `app.store.pg_sql.PostgresDialect` offer."""

    name: str

    def json_values(self, column: str, alias: str) -> str: ...
    def greatest(self, *exprs: str) -> str: ...
    def data_version(self, conn) -> int: ...
    def ensure_index_files(self, conn) -> None: ...


def dialect(conn) -> Dialect:
    """The SQL forms of `conn`'s engine for what has no common form (`app.store.sqlite_sql`):
    PostgreSQL's connections carry theirs; any other connection is SQLite's."""
    return getattr(conn, "dialect", SQLITE)


def index_reader(conn):
    """The connection holding the matcher's index, for reading: the SQLite connection itself,
    or this node's in-memory index on PostgreSQL."""
    reader = getattr(conn, "index_reader", None)
    return conn if reader is None else reader()


def index_generation(conn) -> tuple:
    """A mark of the index and data a search on `conn` reads: equal marks, same answers.

    SQLite: the connection and its `PRAGMA data_version`, which changes with every commit of
    another connection (entries, votes, counters; readers never write). PostgreSQL: the entry
    generation this node's in-memory index has applied (votes are not in it: callers that
    cache bound the age of an answer too, `app.search.service.SearchCache`)."""
    of_node = getattr(conn, "index_generation", None)
    if of_node is not None:
        return ("node", of_node())
    return (id(conn), dialect(conn).data_version(conn))


def index_writer(conn):
    """The connection whose matcher index a write unit updates, or None on PostgreSQL, where
    every node derives its index from the committed `entries` rows."""
    return None if engine_of(conn) == "postgresql" else conn


def atomic(fn: F) -> F:
    """Mark a write unit made only of single-statement upserts and counter updates.

    On PostgreSQL such a unit runs under READ COMMITTED (row locks queue concurrent
    increments of one counter instead of failing them); every other unit runs SERIALIZABLE,
    the isolation SQLite's single writer gives, retried on serialization failures. SQLite
    ignores the mark.
    """
    fn.synapse_atomic = True  # type: ignore[attr-defined]
    return fn


def storage_fault(exc: BaseException) -> str | None:
    """ "full", "read_only", "io" or "busy" when `exc` is the database failing (either engine), else None."""
    from app.store.writer import storage_fault as sqlite_fault

    fault = sqlite_fault(exc)
    if fault is None and type(exc).__module__.startswith("psycopg"):
        from app.store.pg_store import pg_fault

        fault = pg_fault(exc)
    return fault


def database_error_classes() -> tuple[type[Exception], ...]:
    """The exception classes of every engine that is installed (psycopg is an optional extra)."""
    import sqlite3

    from app.store.connections import sqlite

    classes: list[type[Exception]] = [sqlite3.Error, sqlite.Error]
    try:
        import psycopg
    except ImportError:
        return tuple(dict.fromkeys(classes))
    classes.append(psycopg.Error)
    return tuple(dict.fromkeys(classes))
