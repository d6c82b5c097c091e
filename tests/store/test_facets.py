"""Tags and languages as rows with kept counts (app.corpus.facets): they follow every write on
both engines, a migration fills them from the entries, and a page reads a bounded number of them."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from app.corpus import facets
from app.corpus.indexer import index_solutions
from app.store.schema import MIGRATIONS, _v8_page_tables
from app.store.sqlite_store import Store
from app.web.site import page_data


def set_tags(path: Path, tags: list[str]) -> None:
    text = path.read_text()
    path.write_text(re.sub(r"(?m)^tags: \[.*\]$", f"tags: [{', '.join(tags)}]", text, count=1))


def facet_rows(conn) -> set[tuple[str, str, str]]:
    return {(r[0], r[1], r[2]) for r in conn.execute("SELECT facet, value, slug FROM entry_facets")}


def expected_rows(conn) -> set[tuple[str, str, str]]:
    """What the entries' own JSON lists say, decoded in Python."""
    out = set()
    for slug, tags, languages in conn.execute("SELECT slug, tags, languages FROM entries"):
        out |= {("tag", t, slug) for t in json.loads(tags)}
        out |= {("language", lang, slug) for lang in json.loads(languages or "[]")}
    return out


def counts(conn) -> dict[tuple[str, str], int]:
    return {(r[0], r[1]): int(r[2]) for r in conn.execute("SELECT facet, value, n FROM facet_counts")}


def recount(rows: set[tuple[str, str, str]]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for facet, value, _ in rows:
        out[(facet, value)] = out.get((facet, value), 0) + 1
    return out


def test_facet_rows_and_counts_follow_every_write(engine_store, three_entries):
    index_solutions(engine_store, three_entries)
    first = engine_store.read_now(facet_rows)
    assert ("tag", "sqlite", "sqlite-database-locked") in first

    set_tags(three_entries / "sqlite-database-locked.md", ["sqlite", "json", "brand-new-tag"])
    (three_entries / "broken-pipe.md").unlink()
    index_solutions(engine_store, three_entries)

    rows = engine_store.read_now(facet_rows)
    assert rows == engine_store.read_now(expected_rows)
    assert ("tag", "concurrency", "sqlite-database-locked") not in rows
    assert not any(slug == "broken-pipe" for _, _, slug in rows)
    assert engine_store.read_now(counts) == recount(rows)  # no count left at 0 or gone stale
    assert engine_store.read_now(counts)[("tag", "json")] == 2


def test_a_database_from_before_the_facet_tables_gets_them_filled(tmp_path, three_entries):
    path = tmp_path / "old.db"
    store = Store(path)
    index_solutions(store, three_entries)
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE entry_facets")
        conn.execute("DROP TABLE facet_counts")
        conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(_v8_page_tables)}")  # before the facet tables
    conn.close()

    reopened = Store(path)
    try:
        rows = reopened.read_now(facet_rows)
        assert rows and rows == reopened.read_now(expected_rows)
        assert reopened.read_now(counts) == recount(rows)
    finally:
        reopened.close()


def test_related_entries_rank_by_shared_tags_and_read_a_bounded_number(
    engine_store, three_entries, monkeypatch
):
    set_tags(three_entries / "sqlite-database-locked.md", ["rare", "common", "other"])
    set_tags(three_entries / "json-not-serializable.md", ["rare", "common"])
    set_tags(three_entries / "broken-pipe.md", ["common"])
    index_solutions(engine_store, three_entries)

    def related(conn):
        return facets.sharing_tags(conn, "sqlite-database-locked", ["rare", "common", "other"], limit=6)

    assert engine_store.read_now(related) == [
        ("json-not-serializable", ["rare", "common"]),  # rarest tag read first
        ("broken-pipe", ["common"]),
    ]
    monkeypatch.setattr(facets, "PER_TAG", 1)  # each tag reads its first entry only: the bound holds
    assert engine_store.read_now(related) == [
        ("broken-pipe", ["common"]),
        ("json-not-serializable", ["rare"]),  # "common" read broken-pipe alone
    ]


@pytest.mark.parametrize("share", [1, 20], ids=["read-as-a-list", "probed"])
def test_browse_filters_and_facets_come_from_the_rows(engine_store, three_entries, monkeypatch, share):
    """Both ways of reading a filter (a rare value's list, a common value probed) give the same pages."""
    monkeypatch.setattr(page_data, "COMMON_SHARE", share)
    index_solutions(engine_store, three_entries)
    page = engine_store.read_now(page_data.browse, page_data.BrowseQuery(tag="sqlite"))
    assert [item["slug"] for item in page["items"]] == ["sqlite-database-locked"]
    assert page["total"] == 1
    both = engine_store.read_now(page_data.browse, page_data.BrowseQuery(language="javascript"))
    assert both["total"] == 3
    assert ("python", 3) in both["languages"] and ("sqlite", 1) in both["tags"]
    none = engine_store.read_now(page_data.browse, page_data.BrowseQuery(tag="sqlite", language="bash"))
    assert none["total"] == 0 and none["items"] == []


def test_most_matched_lists_by_matches_then_slug_on_both_engines(engine_store, three_entries):
    index_solutions(engine_store, three_entries)

    def set_matched(conn):
        conn.execute("UPDATE entry_stats SET matched = 7 WHERE slug = 'json-not-serializable'")

    engine_store.write(set_matched)
    page = engine_store.read_now(page_data.browse, page_data.BrowseQuery(sort="matched"))
    assert [item["slug"] for item in page["items"]] == [
        "json-not-serializable",
        "broken-pipe",  # no matches yet: by slug
        "sqlite-database-locked",
    ]
    assert page["items"][0]["matched"] == 7
