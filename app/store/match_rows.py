"""Each entry's prepared matcher rows, kept in PostgreSQL beside the entry (`match_rows`).

On PostgreSQL every node builds its matcher index in memory from the `entries` rows
(`pg_store.NodeIndex`). Preparing the signatures is most of that work (~0.3 ms each: a
100k-entry corpus holds ~500k), so the writer stores what `matcher.prepare_entry` made, in
the transaction that writes the entry, and a node copies it instead of preparing it again.
An entry without stored rows (written before schema 3, or copied by `synapse migrate`
without them) is prepared by the node, with the same result.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from synapse_skill.matching import matcher


def put(conn, prepared: Sequence[matcher.PreparedEntry]) -> None:
    """Store (replace) these entries' prepared rows; call inside the entries' write unit."""
    conn.executemany(
        "INSERT INTO match_rows (slug, rows) VALUES (?, ?)"
        " ON CONFLICT (slug) DO UPDATE SET rows = excluded.rows",
        [as_row(p) for p in prepared],
    )


def as_row(prepared: matcher.PreparedEntry) -> tuple[str, str]:
    """(slug, rows as JSON): one `match_rows` row."""
    return prepared.item.slug, json.dumps(prepared.signatures)


def delete(conn, slug: str) -> None:
    conn.execute("DELETE FROM match_rows WHERE slug = ?", (slug,))


def prepared(item: matcher.IndexItem, stored: str | None) -> matcher.PreparedEntry:
    """`item` with its stored rows, or prepared now when none are stored."""
    if not stored:
        return matcher.prepare_entry(item)
    return matcher.PreparedEntry(item, matcher.stored_rows(json.loads(stored)))
