"""What `/healthz` and `synapse doctor` report: is the store usable, on which engine and version."""

from __future__ import annotations

from app.store.connections import sqlite_info
from app.store.schema import SCHEMA_VERSION


def report(conn) -> dict:
    if getattr(conn, "engine", "sqlite") == "postgresql":
        return _postgres_report(conn)
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    return {
        "status": "ok",
        "engine": "sqlite",
        "entries": entries,
        "schema_version": conn.execute("PRAGMA user_version").fetchone()[0],
        "expected_schema_version": SCHEMA_VERSION,
        "journal_mode": journal,
        "sqlite": sqlite_library(),
    }


def sqlite_library() -> dict:
    info = sqlite_info()
    return {
        "library": info.library,
        "version": info.version,
        "wal_reset_bug_fixed": info.wal_reset_bug_fixed,
        "mitigation": None
        if info.wal_reset_bug_fixed
        else "checkpoints serialised across processes by a lock file; autocheckpoint off",
    }


def _postgres_report(conn) -> dict:
    """PostgreSQL: its version and schema; `sqlite` is the library of this node's in-memory
    matcher index (it holds no data of its own: no WAL, nothing to checkpoint)."""
    from app.store import pg_schema

    store = conn._store
    return {
        "status": "ok",
        "engine": "postgresql",
        "entries": conn.execute("SELECT count(*) FROM entries").fetchone()[0],
        "schema_version": pg_schema.schema_version(conn),
        "expected_schema_version": pg_schema.SCHEMA_VERSION,
        "journal_mode": "n/a",
        "sqlite": {**sqlite_library(), "mitigation": None},
        "postgresql": store.server_info(conn),
    }
