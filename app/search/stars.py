"""Stars: a reader's "worth keeping" mark on an entry, one counter per entry.

Separate from feedback on purpose: "this worked" is evidence about the fix (it feeds the
ranking); a star is only a bookmark-like signal and must not move search results.
"""

from __future__ import annotations

from app.store.engine import atomic


@atomic
def add_star(conn, slug: str) -> int | None:
    """Write unit: add one star; return the new count, or None when there is no such entry."""
    if conn.execute("SELECT 1 FROM entries WHERE slug = ?", (slug,)).fetchone() is None:
        return None
    conn.execute("INSERT INTO entry_stats (slug) VALUES (?) ON CONFLICT DO NOTHING", (slug,))
    conn.execute("UPDATE entry_stats SET stars = stars + 1 WHERE slug = ?", (slug,))
    return conn.execute("SELECT stars FROM entry_stats WHERE slug = ?", (slug,)).fetchone()[0]
