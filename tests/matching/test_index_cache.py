"""The reader-side cache: never older than the index, untouched by other writes, bounded."""

from __future__ import annotations

import sqlite3

import pytest

from app.store.connections import open_reader
from synapse_skill.matching import matcher


@pytest.fixture
def db(tmp_path):
    """A real WAL database file with a writer connection and a separate reader connection."""
    path = tmp_path / "match.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN")
    matcher.create_schema(writer)
    matcher.index_entries(
        writer,
        [
            (
                "widget-fix",
                ["WidgetError: the widget spun out of control", "WidgetError: widget jammed"],
                "Widget",
            ),
            ("gadget-fix", ["GadgetError: gadget overheated while charging"], "Gadget"),
        ],
    )
    writer.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER)")
    writer.execute("COMMIT")
    reader = sqlite3.connect(path, isolation_level=None)
    yield writer, reader
    reader.close()
    writer.close()


def test_an_entry_indexed_by_another_connection_is_found_by_a_warm_cache(db):
    writer, reader = db
    cache = matcher.IndexCache()
    assert matcher.search(reader, "SprocketError: sprocket slipped its chain", cache=cache).hits == []

    writer.execute("BEGIN")
    matcher.index_entry(writer, "sprocket-fix", ["SprocketError: sprocket slipped its chain"], "Sprocket")
    writer.execute("COMMIT")

    hit = matcher.search(reader, "SprocketError: sprocket slipped its chain", cache=cache).hits[0]
    assert hit.slug == "sprocket-fix" and hit.confident


def test_a_changed_signature_is_not_answered_from_the_cache(db):
    writer, reader = db
    cache = matcher.IndexCache()
    assert matcher.search(reader, "WidgetError: widget jammed", cache=cache).hits[0].slug == "widget-fix"

    writer.execute("BEGIN")
    matcher.index_entry(writer, "widget-fix", ["WidgetError: the widget spun out of control"], "Widget")
    writer.execute("COMMIT")

    hits = matcher.search(reader, "WidgetError: widget jammed", cache=cache).hits
    assert all(h.signature != "WidgetError: widget jammed" for h in hits)


def test_writes_outside_the_index_keep_the_cache_warm(db):
    """Every search writes a counter; that must not throw away the loaded signatures."""
    writer, reader = db
    cache = matcher.IndexCache()
    matcher.search(reader, "WidgetError: widget jammed", cache=cache)
    loaded = len(cache)
    assert loaded > 0

    writer.execute("INSERT INTO counters VALUES ('searches', 1)")
    matcher.search(reader, "GadgetError: gadget overheated while charging", cache=cache)

    assert len(cache) >= loaded


def test_the_cache_holds_at_most_its_bound_and_answers_the_same(db):
    _, reader = db
    small, unbounded = matcher.IndexCache(max_signatures=1), matcher.IndexCache()
    for text in ("WidgetError: widget jammed", "GadgetError: gadget overheated while charging"):
        assert (
            matcher.search(reader, text, cache=small).hits
            == matcher.search(reader, text, cache=unbounded).hits
        )
        assert len(small) <= 1
    assert len(unbounded) == 3


def test_a_server_read_connection_carries_its_cache_and_searches_use_it(db, tmp_path):
    """Pages, the CLI and the API all search without passing a cache: the connection holds it."""
    reader = open_reader(tmp_path / "match.db")
    try:
        assert len(reader.match_cache) == 0
        hit = matcher.search(reader, "WidgetError: widget jammed").hits[0]
        assert hit.slug == "widget-fix"
        assert len(reader.match_cache) > 0
    finally:
        reader.close()


def test_placeholder_signatures_are_found_through_their_fts_mark_even_from_rows_stored_before_it():
    item = matcher.IndexItem(
        "version-skew",
        [
            "ImportError: cannot import name 'X' from 'pkg' (/usr/lib/python3.11/site-packages/pkg/__init__.py)"
        ],
        "Installed release lacks the name",
    )
    prepared = matcher.prepare_entry(item)
    # rows a writer stored under the previous format: FTS content without the mark
    old = [(*row[:8], row[8].replace("_shape_", "").strip()) for row in prepared.signatures]
    conn = sqlite3.connect(":memory:")
    matcher.create_schema(conn)
    matcher.index_prepared(conn, [matcher.PreparedEntry(item, matcher.stored_rows(old))])
    cache = matcher.IndexCache()
    cache.sync(conn)
    assert len(cache.shape_ids(conn)) == 1
    text = "ImportError: cannot import name 'Y' from 'crewai_tools' (/srv/.venv/lib/python3.12/site-packages/crewai_tools/__init__.py)"
    assert matcher.search(conn, text, cache=cache).hits[0].slug == "version-skew"


def fts_lookups(conn) -> list[str]:
    """Record the FTS5 lookups the connection runs from now on."""
    seen: list[str] = []
    conn.set_trace_callback(lambda sql: seen.append(sql) if "match_fts MATCH" in sql else None)
    return seen


def test_a_word_group_looked_up_once_is_not_asked_of_fts5_again_until_the_index_changes(db):
    """Errors of one kind share their rarest words: the second text differs (an unindexed word),
    so it is a new query, but its lookups are remembered; a change of the index forgets them."""
    writer, reader = db
    cache = matcher.IndexCache()
    seen = fts_lookups(reader)
    assert matcher.search(reader, "WidgetError: widget jammed", cache=cache).hits[0].slug == "widget-fix"
    assert seen, "the first search must look its words up"

    seen.clear()
    assert (
        matcher.search(reader, "WidgetError: widget jammed again", cache=cache).hits[0].slug == "widget-fix"
    )
    assert seen == []

    writer.execute("BEGIN")  # the same words again: the same lookups, which must now find it too
    matcher.index_entry(writer, "jam-fix", ["WidgetError: widget jammed"], "Jam")
    writer.execute("COMMIT")
    hits = matcher.search(reader, "WidgetError: widget jammed once more", cache=cache).hits
    assert seen, "after the index changed, the words are looked up again"
    assert {"widget-fix", "jam-fix"} <= {h.slug for h in hits}


def test_a_first_index_merges_fts5_segments_and_a_small_change_does_not():
    """`optimize` reads the whole FTS5 index: worth it after writing most of it, not after one entry."""
    conn = sqlite3.connect(":memory:")
    merges: list[str] = []
    conn.set_trace_callback(lambda sql: merges.append(sql) if "'optimize'" in sql else None)
    matcher.create_schema(conn)
    matcher.index_entries(conn, [(f"e{i}", [f"E{i}Error: part {i} failed"], "") for i in range(20)])
    assert len(merges) == 1

    matcher.index_entry(conn, "e3", ["E3Error: part three failed twice"])
    assert len(merges) == 1
    assert matcher.search(conn, "E3Error: part three failed twice").hits[0].slug == "e3"
