"""Writing and reading published entries in the store (rows ↔ `Entry`)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from app.corpus import facets
from app.corpus.entries import Entry
from app.corpus.parsing import index_item
from app.store import match_rows
from app.store.engine import index_writer
from synapse_skill.matching import matcher


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def put_entry(conn, entry: Entry, origin: str) -> None:
    """Insert or replace one entry with its fixes and signatures (call inside a write unit)."""
    put_entry_rows(conn, entry, origin)
    prepared = [matcher.prepare_entry(index_item(entry))]
    index = index_writer(conn)  # None on PostgreSQL: each node indexes the committed row itself
    if index is not None:
        matcher.index_prepared(index, prepared)
    else:
        match_rows.put(conn, prepared)  # what the nodes copy into their index


# Every column but the key takes the new row's value: the row is replaced in place.
_ENTRY_COLUMNS = (
    "title", "errors", "tags", "languages", "token_savings", "environment", "source", "verified_by", "updated",
    "symptom", "root_cause", "limits", "savings_note", "markdown", "content_hash", "path", "origin",
    "published_at", "not_errors", "libraries", "applies_to", "general",
)  # fmt: skip
_REPLACE_ENTRY = ", ".join(f"{column} = excluded.{column}" for column in _ENTRY_COLUMNS)


def put_entry_rows(conn, entry: Entry, origin: str, facet_counts: Counter | None = None) -> None:
    """`put_entry` without the matcher's signatures: for callers that index many at once (they
    pass `facet_counts` and apply it once: `facets.replace`)."""
    existing = conn.execute("SELECT published_at FROM entries WHERE slug = ?", (entry.slug,)).fetchone()
    conn.execute("DELETE FROM fixes WHERE slug = ?", (entry.slug,))
    conn.execute(
        f"{_INSERT_ENTRY} ON CONFLICT (slug) DO UPDATE SET {_REPLACE_ENTRY}",
        _entry_values(entry, origin, existing[0] if existing else now_iso()),
    )
    conn.executemany(_INSERT_FIX, _fix_values(entry))
    conn.execute("INSERT INTO entry_stats (slug) VALUES (?) ON CONFLICT DO NOTHING", (entry.slug,))
    facets.replace(conn, entry.slug, _facet_values(entry), facet_counts)


def put_new_entries(conn, entries: list[Entry], origin: str, facet_counts: Counter) -> None:
    """`put_entry_rows` for entries of a store that holds none yet (a first index): nothing to
    replace, so one batch of inserts per table, half the writer's time per entry."""
    published = now_iso()
    conn.executemany(_INSERT_ENTRY, [_entry_values(entry, origin, published) for entry in entries])
    conn.executemany(_INSERT_FIX, [row for entry in entries for row in _fix_values(entry)])
    conn.executemany("INSERT INTO entry_stats (slug) VALUES (?)", [(entry.slug,) for entry in entries])
    facets.add_new(conn, {entry.slug: _facet_values(entry) for entry in entries}, facet_counts)


_INSERT_ENTRY = f"INSERT INTO entries (slug, {', '.join(_ENTRY_COLUMNS)}) VALUES ({', '.join('?' * (len(_ENTRY_COLUMNS) + 1))})"
_INSERT_FIX = (
    "INSERT INTO fixes (slug, position, title, description, language, code) VALUES (?, ?, ?, ?, ?, ?)"
)


def _entry_values(entry: Entry, origin: str, published_at: str) -> tuple:
    """The entries row, in `_ENTRY_COLUMNS` order after the slug."""
    return (
        entry.slug,
        entry.title,
        json.dumps(list(entry.errors)),
        json.dumps(list(entry.tags)),
        json.dumps(list(entry.languages)),
        entry.token_savings,
        entry.environment,
        entry.source,
        entry.verified_by,
        entry.updated,
        entry.symptom,
        entry.root_cause,
        entry.limits,
        entry.savings_note,
        entry.markdown,
        entry.content_hash,
        entry.path,
        origin,
        published_at,
        json.dumps(list(entry.not_errors)),
        json.dumps(list(entry.libraries)),
        json.dumps([[a.package, a.versions, a.platform] for a in entry.applies_to]),
        int(entry.general),
    )


def _fix_values(entry: Entry) -> list[tuple]:
    return [
        (entry.slug, i, f.title, f.description, f.language, f.code)
        for i, f in enumerate(entry.fixes, start=1)
    ]


def _facet_values(entry: Entry) -> dict[str, tuple[str, ...]]:
    return {facets.TAG: entry.tags, facets.LANGUAGE: entry.languages}


def delete_entry(conn, slug: str, facet_counts: Counter | None = None) -> None:
    index = index_writer(conn)
    if index is not None:
        matcher.remove_entry(index, slug)
    else:
        match_rows.delete(conn, slug)
    conn.execute("DELETE FROM fixes WHERE slug = ?", (slug,))
    conn.execute("DELETE FROM entries WHERE slug = ?", (slug,))
    conn.execute("DELETE FROM entry_stats WHERE slug = ?", (slug,))
    facets.remove(conn, slug, facet_counts)


def entry_row(conn, slug: str) -> dict[str, Any] | None:
    """Every column of the entry (list columns decoded), its fixes in order, and its stats."""
    row = conn.execute("SELECT * FROM entries WHERE slug = ?", (slug,)).fetchone()
    if row is None:
        return None
    data = dict(row)
    for key in ("errors", "tags", "languages", "not_errors", "libraries"):
        data[key] = json.loads(data[key] or "[]")
    data["applies_to"] = [
        {"package": package, "versions": versions, "platform": platform}
        for package, versions, platform in json.loads(data["applies_to"] or "[]")
    ]
    data["fixes"] = [
        dict(r)
        for r in conn.execute(
            "SELECT position, title, description, language, code FROM fixes WHERE slug = ? ORDER BY position",
            (slug,),
        )
    ]
    data["stats"] = entry_stats(conn, slug)
    return data


def entry_stats(conn, slug: str) -> dict[str, int]:
    stats = conn.execute(
        "SELECT matched, worked, failed, stars FROM entry_stats WHERE slug = ?", (slug,)
    ).fetchone()
    return dict(stats) if stats else {"matched": 0, "worked": 0, "failed": 0, "stars": 0}


def raw_markdown(conn, slug: str) -> str | None:
    """The entry's Markdown as published (the page's `.md`, the moved-names tables)."""
    row = conn.execute("SELECT markdown FROM entries WHERE slug = ?", (slug,)).fetchone()
    return row[0] if row else None


def first_fixes(conn, slugs: list[str]) -> dict[str, dict]:
    """The first fix option and summary fields of each slug, for search results."""
    if not slugs:
        return {}
    marks = ",".join("?" * len(slugs))
    rows = conn.execute(
        "SELECT e.slug, e.title, e.token_savings, f.title AS fix_title, f.language, f.code FROM entries e"
        f" LEFT JOIN fixes f ON f.slug = e.slug AND f.position = 1 WHERE e.slug IN ({marks})",
        slugs,
    ).fetchall()
    return {
        r[0]: {"title": r[1], "token_savings": r[2], "fix": {"title": r[3], "language": r[4], "code": r[5]}}
        for r in rows
    }


def worked_counts(conn, slugs: list[str]) -> dict[str, int]:
    """ "worked" votes of these entries, for the matcher's tie-break (entries with none are left out)."""
    if not slugs:
        return {}
    marks = ",".join("?" * len(slugs))
    rows = conn.execute(f"SELECT slug, worked FROM entry_stats WHERE worked > 0 AND slug IN ({marks})", slugs)
    return {r[0]: r[1] for r in rows}
