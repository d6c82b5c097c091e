"""What `/healthz` and `synapse doctor` report: is the store usable, and on which SQLite."""

from __future__ import annotations

from app.store.connections import sqlite_info
from app.store.schema import SCHEMA_VERSION


def report(conn) -> dict:
    info = sqlite_info()
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    return {
        "status": "ok",
        "entries": entries,
        "schema_version": conn.execute("PRAGMA user_version").fetchone()[0],
        "expected_schema_version": SCHEMA_VERSION,
        "journal_mode": journal,
        "sqlite": {
            "library": info.library,
            "version": info.version,
            "wal_reset_bug_fixed": info.wal_reset_bug_fixed,
            "mitigation": None
            if info.wal_reset_bug_fixed
            else "checkpoints serialised across processes by a lock file; autocheckpoint off",
        },
    }
