"""Counters and statistics: searches answered, tokens saved, feedback, most searched/wanted."""

from __future__ import annotations

from app.corpus.rows import now_iso
from synapse_skill.redact import redact

MAX_STORED_QUERY = 300


def record_search(conn, normalized: str, slug: str | None) -> None:
    """Write unit: one search. Only the redacted, normalised form of the query is kept."""
    norm = redact(normalized)[:MAX_STORED_QUERY]
    conn.execute(
        "INSERT INTO queries (norm, count, confident, last_slug, last_seen) VALUES (?, 1, ?, ?, ?) "
        "ON CONFLICT(norm) DO UPDATE SET count = count + 1, confident = confident + excluded.confident, "
        "last_slug = coalesce(excluded.last_slug, last_slug), last_seen = excluded.last_seen",
        (norm, 1 if slug else 0, slug, now_iso()),
    )
    _bump(conn, "searches", 1)
    if slug:
        _bump(conn, "confident_searches", 1)
        conn.execute("UPDATE entry_stats SET matched = matched + 1 WHERE slug = ?", (slug,))
        saved = conn.execute("SELECT token_savings FROM entries WHERE slug = ?", (slug,)).fetchone()
        _bump(conn, "tokens_saved", saved[0] if saved and saved[0] else 0)


def record_feedback(conn, slug: str, worked: bool, request_id: str | None) -> bool:
    """Write unit: one feedback vote; a retried request (same id) is counted once. False if no such entry."""
    if conn.execute("SELECT 1 FROM entries WHERE slug = ?", (slug,)).fetchone() is None:
        return False
    cur = conn.execute(
        "INSERT OR IGNORE INTO feedback (slug, worked, created_at, request_id) VALUES (?, ?, ?, ?)",
        (slug, 1 if worked else 0, now_iso(), request_id),
    )
    if cur.rowcount:
        column = "worked" if worked else "failed"
        conn.execute(f"UPDATE entry_stats SET {column} = {column} + 1 WHERE slug = ?", (slug,))
    return True


def _bump(conn, name: str, amount: int) -> None:
    conn.execute(
        "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
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
        "SELECT norm, count, last_slug FROM queries WHERE confident > 0 ORDER BY count DESC, norm LIMIT ?", (limit,)
    )
    return [dict(r) for r in rows]


def most_wanted(conn, limit: int = 8) -> list[dict]:
    rows = conn.execute("SELECT norm, count FROM queries WHERE confident = 0 ORDER BY count DESC, norm LIMIT ?", (limit,))
    return [dict(r) for r in rows]
