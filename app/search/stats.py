"""Counters and statistics: searches answered, tokens saved, feedback, most searched/wanted."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time
from dataclasses import dataclass, field

from app.corpus.rows import now_iso
from app.store.engine import atomic
from synapse_skill.redact import redact

MAX_STORED_QUERY = 300
WANTED_MIN_CLIENTS = 3  # "most wanted" shows a text only once this many distinct clients sent it


def client_hash(conn, address: str) -> str:
    """A salted hash of a client address (the salt lives in the database, never the address)."""
    row = conn.execute("SELECT value FROM query_salt LIMIT 1").fetchone()
    return _hash(row[0] if row else "", address)


@atomic
def record_search(conn, normalized: str, slug: str | None, client: str | None = None) -> None:
    """Write unit: one search. Only the redacted, normalised form of the query is kept, and
    for an unanswered one a salted hash of the client address (distinct clients count)."""
    norm = redact(normalized)[:MAX_STORED_QUERY]
    if client and not slug:
        conn.execute(
            "INSERT INTO query_clients (norm, client) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (norm, client_hash(conn, client)),
        )
    conn.execute(
        "INSERT INTO queries (norm, count, confident, last_slug, last_seen) VALUES (?, 1, ?, ?, ?) "
        "ON CONFLICT (norm) DO UPDATE SET count = queries.count + 1, "
        "confident = queries.confident + excluded.confident, "
        "last_slug = coalesce(excluded.last_slug, queries.last_slug), last_seen = excluded.last_seen",
        (norm, 1 if slug else 0, slug, now_iso()),
    )
    _bump(conn, "searches", 1)
    if slug:
        _bump(conn, "confident_searches", 1)
        conn.execute("UPDATE entry_stats SET matched = matched + 1 WHERE slug = ?", (slug,))
        saved = conn.execute("SELECT token_savings FROM entries WHERE slug = ?", (slug,)).fetchone()
        _bump(conn, "tokens_saved", saved[0] if saved and saved[0] else 0)


@dataclass
class _Pending:
    """The searches of one normalised query since the last flush."""

    count: int = 0
    confident: int = 0
    last_slug: str | None = None
    last_seen: float = 0.0
    clients: set[str] = field(default_factory=set)  # addresses of unanswered searches (hashed on write)
    slugs: dict[str, int] = field(default_factory=dict)  # confident searches per entry matched


@dataclass
class SearchBatch:
    """What `record_searches` writes: per stored (redacted) query its counts, and per slug its matches."""

    queries: list[
        tuple[str, int, int, str | None, str, list[str]]
    ]  # norm, count, confident, slug, seen, clients
    matched: list[tuple[str, int]]  # slug, confident searches that matched it
    searches: int
    confident: int


class SearchCounters:
    """The searches answered by this process since the last flush, counted in memory.

    `add` is a dict update under a lock (no write queued per search); the store flushes it as
    one write unit about once a second, on `store.flush()` and on `store.close()`
    (app.store.deferred). A crash loses at most those last counts, never a vote or a submission.
    """

    WAKE_AT = 5_000  # distinct pending queries that make the flush come early (bounded memory)

    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}

    def add(self, normalized: str, slug: str | None, client: str | None = None) -> None:
        with self._lock:
            item = self._pending.get(normalized)
            if item is None:
                item = self._pending[normalized] = _Pending()
                if len(self._pending) == self.WAKE_AT:
                    self.store.flush_soon()
            item.count += 1
            item.last_seen = time.time()
            if slug:
                item.confident += 1
                item.last_slug = slug
                item.slugs[slug] = item.slugs.get(slug, 0) + 1
            elif client:
                item.clients.add(client)

    def take(self) -> SearchBatch | None:
        """Empty the counters; what they held, redacted and merged per stored query (None: nothing)."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return None
        merged: dict[str, _Pending] = {}
        matched: dict[str, int] = {}
        for normalized, item in pending.items():
            for slug, n in item.slugs.items():
                matched[slug] = matched.get(slug, 0) + n
            norm = redact(normalized)[:MAX_STORED_QUERY]
            into = merged.get(norm)
            if into is None:
                merged[norm] = item
                continue
            into.count += item.count
            into.confident += item.confident
            into.clients |= item.clients
            if item.last_slug and (into.last_slug is None or item.last_seen >= into.last_seen):
                into.last_slug = item.last_slug
            into.last_seen = max(into.last_seen, item.last_seen)
        queries = [
            (
                norm,
                item.count,
                item.confident,
                item.last_slug,
                _iso(item.last_seen),
                sorted(item.clients),
            )
            for norm, item in sorted(merged.items())
        ]
        return SearchBatch(
            queries=queries,
            matched=sorted(matched.items()),
            searches=sum(item.count for item in merged.values()),
            confident=sum(item.confident for item in merged.values()),
        )

    def flush(self) -> None:
        batch = self.take()
        if batch is not None:
            self.store.write(record_searches, batch)


def search_counters(store) -> SearchCounters:
    """The store's in-memory search counters (one per store, so one per process)."""
    return store.deferred("search_counters", lambda: SearchCounters(store))


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="seconds")


@atomic
def record_searches(conn, batch: SearchBatch) -> None:
    """Write unit: the searches counted since the last flush, as upserts in a fixed order (queries
    by text, counters by name, entries by slug), so concurrent flushes of several processes on
    PostgreSQL queue on row locks instead of deadlocking."""
    salt = None
    for norm, count, confident, slug, seen, clients in batch.queries:
        if clients:
            if salt is None:
                row = conn.execute("SELECT value FROM query_salt LIMIT 1").fetchone()
                salt = row[0] if row else ""
            hashes = sorted({_hash(salt, address) for address in clients})
            for hashed in hashes:
                conn.execute(
                    "INSERT INTO query_clients (norm, client) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    (norm, hashed),
                )
        conn.execute(
            "INSERT INTO queries (norm, count, confident, last_slug, last_seen) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (norm) DO UPDATE SET count = queries.count + excluded.count, "
            "confident = queries.confident + excluded.confident, "
            "last_slug = coalesce(excluded.last_slug, queries.last_slug), last_seen = excluded.last_seen",
            (norm, count, confident, slug, seen),
        )
    tokens = 0
    for slug, n in batch.matched:
        saved = conn.execute("SELECT token_savings FROM entries WHERE slug = ?", (slug,)).fetchone()
        tokens += (saved[0] if saved and saved[0] else 0) * n
    if batch.confident:
        _bump(conn, "confident_searches", batch.confident)
    _bump(conn, "searches", batch.searches)
    if batch.confident:
        _bump(conn, "tokens_saved", tokens)
    for slug, n in batch.matched:
        conn.execute("UPDATE entry_stats SET matched = matched + ? WHERE slug = ?", (n, slug))


def _hash(salt: str, address: str) -> str:
    return hashlib.sha256(f"{salt}\0{address}".encode()).hexdigest()[:24]


@atomic
def record_feedback(conn, slug: str, worked: bool, request_id: str | None) -> bool:
    """Write unit: one feedback vote; a retried request (same id) is counted once. False if no such entry."""
    if conn.execute("SELECT 1 FROM entries WHERE slug = ?", (slug,)).fetchone() is None:
        return False
    cur = conn.execute(
        "INSERT INTO feedback (slug, worked, created_at, request_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (slug, 1 if worked else 0, now_iso(), request_id),
    )
    if cur.rowcount:
        column = "worked" if worked else "failed"
        conn.execute(f"UPDATE entry_stats SET {column} = {column} + 1 WHERE slug = ?", (slug,))
    return True


def _bump(conn, name: str, amount: int) -> None:
    conn.execute(
        "INSERT INTO counters (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value",
        (name, amount),
    )


def counters(conn) -> dict[str, int]:
    values = dict(conn.execute("SELECT name, value FROM counters").fetchall())
    entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    return {
        "entries": entries,
        "searches": values.get("searches", 0),
        "confident_searches": values.get("confident_searches", 0),
        "tokens_saved": values.get("tokens_saved", 0),
    }


def most_searched(conn, limit: int = 8) -> list[dict]:
    rows = conn.execute(
        "SELECT norm, count, last_slug FROM queries WHERE confident > 0 ORDER BY count DESC, norm LIMIT ?",
        (limit,),
    )
    return [dict(r) for r in rows]


def most_wanted(conn, limit: int = 8, min_clients: int = WANTED_MIN_CLIENTS) -> list[dict]:
    """Unanswered queries sent by at least `min_clients` distinct clients and not hidden by an
    admin; `text` is the stored query made readable and redacted again for display."""
    rows = conn.execute(
        "SELECT q.norm, q.count, count(c.client) AS clients FROM queries q "
        "JOIN query_clients c ON c.norm = q.norm WHERE q.confident = 0 AND q.hidden = 0 "
        "GROUP BY q.norm HAVING count(c.client) >= ? ORDER BY clients DESC, q.count DESC, q.norm LIMIT ?",
        (min_clients, limit),
    )
    return [{**dict(r), "text": readable_query(r["norm"])} for r in rows]


def hide_wanted(conn, norm: str) -> bool:
    """Write unit: an admin hides one query from "most wanted". False if there is no such query."""
    return conn.execute("UPDATE queries SET hidden = 1 WHERE norm = ?", (norm,)).rowcount > 0


# The matcher's placeholders (numbers, paths, addresses…) shown as a reader would write them.
_PLACEHOLDERS = {
    "num": "N",
    "hex": "0x…",
    "path": "…",
    "uuid": "…",
    "ip": "…",
    "socket": "…",
    "date": "…",
    "time": "…",
    "duration": "…",
}
_PLACEHOLDER = re.compile(r"\b_([a-z]+)_\b")
_HOST = re.compile(
    r"\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|net|org|io|dev|app|ai|co|cloud|internal|local|localdomain|lan|corp|home|test|example|"
    r"info|biz|xyz|me|us|uk|de|fr|nl|eu)\b",
    re.IGNORECASE,
)
_USER = re.compile(
    r"(?i)\b(user(?:name)?|login|role|owner)(\s*[=:]\s*|\s+(?=[\"'`]))([\"'`]?)[\w.@-]{1,64}\3"
)

_USER_AFTER = re.compile(r"(?i)\b((?:for|as|by|of)\s+(?:user|role|login|owner))\s+(?!<user>)[\w.@-]{1,64}")


def readable_query(norm: str) -> str:
    """A stored query for the home page: redacted (secrets, host names, user names) and
    without internal placeholders such as `_num_`."""
    text = redact(norm)
    text = _HOST.sub("<host>", text)
    text = _USER.sub(lambda m: f"{m.group(1)}{m.group(2)}<user>", text)
    text = _USER_AFTER.sub(lambda m: f"{m.group(1)} <user>", text)
    text = _PLACEHOLDER.sub(lambda m: _PLACEHOLDERS.get(m.group(1), "…"), text)
    return re.sub(r"\s+", " ", text).strip()
