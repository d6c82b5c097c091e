"""Tags and languages as rows, with their counts, so pages read a bounded number of index rows.

The entries keep their tags and languages as JSON lists (the entry as written). Reading them
back for a page meant decoding every entry's lists: at 100k entries the browse facets took
450 ms and a solution page's "related" list 530 ms. Here each (facet, value, slug) is a row
of `entry_facets` and each (facet, value) keeps its count in `facet_counts`, both kept in
step inside the write unit that stores or deletes the entry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

TAG, LANGUAGE = "tag", "language"
PER_TAG = 200  # entries read per shared tag when ranking related entries (rarest tags first)


def replace(conn, slug: str, values: Mapping[str, Iterable[str]], counts: Counter | None = None) -> None:
    """Make `slug`'s facet rows equal `values` ({facet: values}) and move the counts with them.

    Given `counts`, the count changes are added to it for one `apply_counts` at the end of a
    bulk write: on PostgreSQL, updating the same few count rows once per entry in one
    transaction walks ever longer chains of row versions (quadratic in the entries)."""
    old = {
        (r[0], r[1]) for r in conn.execute("SELECT facet, value FROM entry_facets WHERE slug = ?", (slug,))
    }
    new = {(facet, value) for facet, vs in values.items() for value in vs}
    removed, added = sorted(old - new), sorted(new - old)
    conn.executemany(
        "DELETE FROM entry_facets WHERE facet = ? AND value = ? AND slug = ?", [(*fv, slug) for fv in removed]
    )
    conn.executemany(
        "INSERT INTO entry_facets (facet, value, slug) VALUES (?, ?, ?)", [(*fv, slug) for fv in added]
    )
    delta = Counter(dict.fromkeys(added, 1))
    delta.subtract(dict.fromkeys(removed, 1))
    if counts is None:
        apply_counts(conn, delta)
    else:
        counts.update(delta)


def add_new(conn, values: Mapping[str, Mapping[str, Iterable[str]]], counts: Counter) -> None:
    """`replace` for slugs that have no facet rows yet ({slug: {facet: values}}): inserts only."""
    rows = sorted(
        {
            (facet, value, slug)
            for slug, by_facet in values.items()
            for facet, vs in by_facet.items()
            for value in vs
        }
    )
    conn.executemany("INSERT INTO entry_facets (facet, value, slug) VALUES (?, ?, ?)", rows)
    counts.update((facet, value) for facet, value, _ in rows)


def remove(conn, slug: str, counts: Counter | None = None) -> None:
    replace(conn, slug, {}, counts)


def apply_counts(conn, delta: Counter) -> None:
    """Add `delta` ({(facet, value): change}) to the kept counts; a count that reaches 0 goes."""
    changes = sorted((facet, value, n) for (facet, value), n in delta.items() if n)
    conn.executemany(
        "INSERT INTO facet_counts (facet, value, n) VALUES (?, ?, ?)"
        " ON CONFLICT (facet, value) DO UPDATE SET n = facet_counts.n + excluded.n",
        changes,
    )
    conn.executemany(
        "DELETE FROM facet_counts WHERE facet = ? AND value = ? AND n <= 0",
        [(facet, value) for facet, value, n in changes if n < 0],
    )


def top_values(conn, facet: str, limit: int = 60) -> list[tuple[str, int]]:
    """The facet's most used values with their counts (read from an index, not counted)."""
    rows = conn.execute(
        "SELECT value, n FROM facet_counts WHERE facet = ? ORDER BY n DESC, value LIMIT ?", (facet, limit)
    )
    return [(r[0], int(r[1])) for r in rows]


def count(conn, facet: str, value: str) -> int:
    row = conn.execute("SELECT n FROM facet_counts WHERE facet = ? AND value = ?", (facet, value)).fetchone()
    return int(row[0]) if row else 0


def condition(facet: str, common: bool) -> str:
    """A WHERE condition: entry `e` holds one value of `facet` (one `?` for the value).

    A common value walks the page's sort order and probes each entry (a page fills within a
    few rows); a rare one reads its own entries and sorts only those. The planner does not
    know which it is: at 100k entries, a tag on half of them took 96 ms as a list and 0.3 ms
    probed; an absent tag took 131 ms probed and 0.3 ms as a list."""
    assert facet in (TAG, LANGUAGE)
    if common:
        return f"EXISTS (SELECT 1 FROM entry_facets f WHERE f.facet = '{facet}' AND f.value = ? AND f.slug = e.slug)"
    return f"e.slug IN (SELECT slug FROM entry_facets WHERE facet = '{facet}' AND value = ?)"


def sharing_tags(conn, slug: str, tags: list[str], limit: int) -> list[tuple[str, list[str]]]:
    """Other entries sharing the most of `tags`, with the tags they share. Rarer tags are read
    first and each tag reads at most PER_TAG entries, so the work is bounded by the tags of
    one entry, whatever the corpus size."""
    if not tags:
        return []
    marks = ",".join("?" * len(tags))
    counts = dict(
        (r[0], int(r[1]))
        for r in conn.execute(
            f"SELECT value, n FROM facet_counts WHERE facet = '{TAG}' AND value IN ({marks})", tags
        )
    )
    shared: dict[str, list[str]] = {}
    for tag in sorted(set(tags), key=lambda t: (counts.get(t, 0), t)):
        rows = conn.execute(
            f"SELECT slug FROM entry_facets WHERE facet = '{TAG}' AND value = ? AND slug != ?"
            " ORDER BY slug LIMIT ?",
            (tag, slug, PER_TAG),
        )
        for r in rows:
            shared.setdefault(r[0], []).append(tag)
    ranked = sorted(shared.items(), key=lambda item: (-len(item[1]), item[0]))
    return ranked[:limit]
