"""SQLite's forms of the few constructs that have no form both engines run.

The domain modules write SQL that SQLite and PostgreSQL both run unchanged (`?` parameters,
`INSERT … ON CONFLICT`, `lower(x)` for case-insensitive order). What has no common form is
asked of the connection's dialect, `app.store.engine.dialect(conn)`: this one for SQLite
connections (any `sqlite3` connection: the store's, a test's, the node's in-memory index),
`app.store.pg_sql.PostgresDialect` on PostgreSQL. Each method returns an SQL fragment (or
runs one statement); the two classes must give the same answers.
"""

from __future__ import annotations

# What the last `synapse index` runs saw of each file. A cache, not data: dropping it costs one
# re-read of every file, so it is created on first use rather than by a schema migration
# (PostgreSQL's schema has it from the start).
INDEX_FILES_TABLE = (
    "CREATE TABLE IF NOT EXISTS index_files (path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL,"
    " size INTEGER NOT NULL, checked_ns INTEGER NOT NULL, content_hash TEXT NOT NULL) WITHOUT ROWID"
)


class SqliteDialect:
    name = "sqlite"

    @staticmethod
    def json_values(column: str, alias: str) -> str:
        """A FROM item: one row per element of the JSON text array in `column`, its text as `alias.value`."""
        return f"json_each({column}) AS {alias}"

    @staticmethod
    def greatest(*exprs: str) -> str:
        """The largest of `exprs` (SQLite's scalar, multi-argument `max`). The text must stay the
        expression of the `entries_by_recent` index for SQLite to read in its order."""
        return f"max({', '.join(exprs)})"

    @staticmethod
    def data_version(conn) -> int:
        """A number that changes whenever another connection commits a change (SQLite's
        `PRAGMA data_version`; on PostgreSQL the entries' generation)."""
        return conn.execute("PRAGMA data_version").fetchone()[0]

    @staticmethod
    def ensure_index_files(conn) -> None:
        """Create the indexer's `index_files` cache table if it is missing."""
        conn.execute(INDEX_FILES_TABLE)


SQLITE = SqliteDialect()
