"""Offline matching: the snapshot loaded into a private in-memory SQLite database.

The same matcher as the server (`matcher.search`) runs over it, so offline answers are the
server's answers for the same index. Built once per snapshot checksum and process.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from synapse_skill.answer import Answer
from synapse_skill.matching import matcher

_indexes: dict[str, OfflineIndex] = {}
_indexes_lock = threading.Lock()


class OfflineIndex:
    def __init__(self, snapshot: dict[str, Any]):
        self.checksum = snapshot["checksum"]
        self.entries = {e["slug"]: e for e in snapshot["entries"]}
        # One connection shared by the hooks of several threads: guarded by a lock.
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            matcher.create_schema(self._conn)
            matcher.index_entries(self._conn, [_index_item(slug, e) for slug, e in self.entries.items()])
        self._cache = matcher.IndexCache()

    def search(
        self, text: str, limit: int = 5, base_url: str | None = None, env: dict | None = None
    ) -> tuple[str, list[Answer], float]:
        """(normalized query, answers, milliseconds); entry URLs joined to `base_url`."""
        with self._lock:
            outcome = matcher.search(self._conn, text, limit=limit, cache=self._cache, env=env)
        answers = []
        for hit in outcome.hits:
            entry = self.entries[hit.slug]
            result = matcher.hit_result(
                hit,
                title=entry["title"],
                url=entry.get("url"),
                fix=entry.get("fix") or {},
                token_savings=entry.get("token_savings") or 0,
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
    )


def index_for(snapshot: dict[str, Any]) -> OfflineIndex:
    # Keyed by process too: a forked child must not share its parent's SQLite connection.
    key = f"{os.getpid()}:{snapshot['checksum']}"
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = OfflineIndex(snapshot)
            _indexes.clear()  # keep one: a refreshed snapshot replaces the old index
            _indexes[key] = index
        return index
