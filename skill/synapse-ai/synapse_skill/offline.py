"""Offline matching: the snapshot's matcher index in a private SQLite database.

The same matcher as the server (`matcher.search`) runs over it, so offline answers are the
server's answers for the same index. Building the index costs far more than a lookup, so it
is built once per snapshot checksum and index format and saved beside the cached snapshot
(`index-<checksum>-f<format>.sqlite`); a later process opens that file read-only after
checking the checksum stored inside it, and rebuilds when anything does not match.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

from synapse_skill import moves
from synapse_skill.answer import Answer
from synapse_skill.matching import matcher

_indexes: dict[str, OfflineIndex] = {}
_indexes_lock = threading.Lock()


class OfflineIndex:
    def __init__(self, snapshot: dict[str, Any], store_dir: Path | None = None):
        self.checksum = snapshot["checksum"]
        self.entries = {e["slug"]: e for e in snapshot["entries"]}
        # One connection shared by the hooks of several threads: guarded by a lock.
        self._lock = threading.Lock()
        saved = saved_index_path(store_dir, self.checksum) if store_dir else None
        conn = _open_saved(saved, self.checksum) if saved else None
        self.loaded_from = saved if conn is not None else None
        if conn is None:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            matcher.create_schema(conn)
            matcher.index_entries(conn, [_index_item(slug, e) for slug, e in self.entries.items()])
            if saved:
                _save(conn, saved, self.checksum)
        self._conn = conn
        self._cache = matcher.IndexCache()

    def search(
        self, text: str, limit: int = 5, base_url: str | None = None, env: dict | None = None
    ) -> tuple[str, list[Answer], float]:
        """(normalized query, answers, milliseconds); entry URLs joined to `base_url`."""
        with self._lock:
            outcome = matcher.search(self._conn, text, limit=limit, cache=self._cache, env=env)
        answers = []
        for i, hit in enumerate(outcome.hits):
            entry = self.entries[hit.slug]
            rows = entry.get("moves") if i == 0 and moves.names_an_import(text) else None
            result = matcher.hit_result(
                hit,
                title=entry["title"],
                url=entry.get("url"),
                fix=entry.get("fix") or {},
                token_savings=entry.get("token_savings") or 0,
                moved=moves.named_by(text, rows) if rows else None,
            )
            answers.append(Answer.from_result(result, source="offline", base_url=base_url))
        return outcome.normalized, answers, outcome.took_ms

    def get(self, slug: str) -> dict[str, Any] | None:
        return self.entries.get(slug)


def _index_item(slug: str, entry: dict[str, Any]) -> matcher.IndexItem:
    """A snapshot entry as the matcher indexes it (older snapshots carry no evidence fields)."""
    return matcher.IndexItem(
        slug,
        [str(s) for s in entry["errors"]],
        str(entry.get("title", "")),
        [str(s) for s in entry.get("not_errors", [])],
        [str(s) for s in entry.get("libraries", [])],
        [
            (str(rule[0]), str(rule[1]), str(rule[2]))
            for rule in entry.get("applies_to", [])
            if len(rule) == 3
        ],
        matcher.Generality.read(entry.get("general", False)) or matcher.Generality.SPECIFIC,
    )


def saved_index_path(store_dir: Path, checksum: str) -> Path:
    safe = "".join(c for c in checksum if c.isalnum())[:32]
    return store_dir / f"index-{safe}-f{matcher.INDEX_FORMAT}.sqlite"


def _open_saved(path: Path, checksum: str) -> sqlite3.Connection | None:
    """The saved index, read-only, when it was built from this very snapshot; else None."""
    if not path.is_file():
        return None
    conn = None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        row = conn.execute("SELECT value FROM offline_meta WHERE key = 'checksum'").fetchone()
        if row is not None and row[0] == checksum and not matcher.stale_format(conn):
            return conn
    except sqlite3.Error:
        pass  # unreadable or from another version: rebuilt and saved again below
    if conn is not None:
        conn.close()
    return None


def _save(conn: sqlite3.Connection, path: Path, checksum: str) -> None:
    """Write the built index beside the snapshot, atomically (a temp file, then rename).

    A cache folder that cannot be written costs only speed: the index stays in memory.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=path.parent)
        os.close(fd)
        conn.commit()  # a backup waits forever on its own connection's open transaction
        target = sqlite3.connect(tmp)
        try:
            conn.backup(target)
            target.execute("CREATE TABLE IF NOT EXISTS offline_meta (key TEXT PRIMARY KEY, value TEXT)")
            target.execute("INSERT OR REPLACE INTO offline_meta VALUES ('checksum', ?)", (checksum,))
            target.commit()
        finally:
            target.close()
        os.replace(tmp, path)
        tmp = None
    except (OSError, sqlite3.Error):
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def index_for(snapshot: dict[str, Any], store_dir: Path | None = None) -> OfflineIndex:
    """The index of `snapshot` for this process; saved to / loaded from `store_dir` when given."""
    # Keyed by process too: a forked child must not share its parent's SQLite connection.
    key = f"{os.getpid()}:{snapshot['checksum']}"
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = OfflineIndex(snapshot, store_dir)
            _indexes.clear()  # keep one: a refreshed snapshot replaces the old index
            _indexes[key] = index
        return index
