"""Candidate lookups rank small matches themselves, exactly as FTS5's bm25 would; the counts that
needs (and the decisive features read at load) are written with the rows, never re-derived."""

from __future__ import annotations

import itertools
import json
import sqlite3

from synapse_skill.matching import decisive, matcher
from synapse_skill.matching import index as match_index

# Shared words in rows of different lengths, a word twice in one row (bm25's term frequency),
# rows of equal length (ties: FTS5 leaves them in rowid order), a non-word exception name.
ENTRIES = [
    ("stall-short", ["EngineError: engine stalled"], "Stall"),
    ("stall-long", ["EngineError: engine stalled while the pump primed the fuel line at idle"], "Stall"),
    ("stall-twice", ["EngineError: engine stalled, engine stalled again after a restart"], "Stall"),
    ("stall-tie-a", ["EngineError: engine stalled on hill"], "Tie"),
    ("stall-tie-b", ["EngineError: engine stalled on ramp"], "Tie"),
    ("pump-dry", ["PumpError: pump ran dry while priming", "PumpError: pump ran dry"], "Pump"),
    ("odd-name", ["Outer$InnerError: engine pump mismatch"], "Odd"),
    *[(f"filler-{i}", [f"FillerError: filler number {i} of the set"], "Filler") for i in range(30)],
    # look-alikes (not_errors) are indexed too, and some lookups leave them out
    match_index.IndexItem("hum", ["PumpError: pump hum"], "Hum", ["PumpError: pump ran dry at night"]),
    match_index.IndexItem(
        "rattle", ["PumpError: pump rattle"], "Rattle", ["FillerError: the pump set on dry"]
    ),
]
WORDS = ["engine", "stalled", "pump", "dry", "the", "while", "again", "inner", "filler", "set", "on"]


def built() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    matcher.create_schema(conn)
    matcher.index_entries(conn, ENTRIES)
    conn.commit()
    return conn


def fts_query(terms: list[str], operator: str, positive_only: bool = False) -> str:
    query = f" {operator} ".join(f'"{t}"' for t in terms)
    return f'({query}) NOT "{match_index.NEGATIVE_MARK}"' if positive_only else query


def fts5_ranked(conn, terms: list[str], operator: str, positive_only: bool = False) -> list[int]:
    sql = "SELECT rowid FROM match_fts WHERE match_fts MATCH ? ORDER BY rank LIMIT ?"
    query = fts_query(terms, operator, positive_only)
    return [r[0] for r in conn.execute(sql, (query, match_index.CANDIDATE_LIMIT))]


def test_small_lookups_come_back_in_fts5s_own_rank_order_without_asking_it_to_rank():
    conn = built()
    asked: list[str] = []
    compared = with_look_alikes = 0
    look_alikes = {r[0] for r in conn.execute("SELECT id FROM match_signatures WHERE negative = 1")}
    for size in (1, 2, 3):
        for terms in itertools.combinations(WORDS, size):
            for operator, positive_only in itertools.product(("AND", "OR"), (False, True)):
                cache = matcher.IndexCache()
                cache.sync(conn)
                asked.clear()
                conn.set_trace_callback(asked.append)
                ours = cache.fts_ids(conn, list(terms), operator, positive_only)
                conn.set_trace_callback(None)
                case = (terms, operator, positive_only)
                assert ours == fts5_ranked(conn, list(terms), operator, positive_only), case
                if positive_only:
                    assert not look_alikes & set(ours), case
                else:
                    with_look_alikes += bool(look_alikes & set(ours))
                matched = conn.execute(
                    "SELECT count(*) FROM match_fts WHERE match_fts MATCH ?",
                    (fts_query(list(terms), operator, positive_only),),
                ).fetchone()[0]
                if matched <= match_index.CANDIDATE_LIMIT:
                    assert not any("ORDER BY rank" in sql for sql in asked), case
                    compared += len(ours) > 1
    assert compared > 40  # orders, not only sets, were compared
    assert with_look_alikes > 5  # and leaving the look-alikes out had something to leave out
    conn.close()


def test_fts5_ranks_only_the_lookups_that_match_more_rows_than_a_lookup_keeps():
    conn = built()
    ranked_by_fts5: list[str] = []
    conn.set_trace_callback(lambda sql: ranked_by_fts5.append(sql) if "ORDER BY rank" in sql else None)
    cache = matcher.IndexCache()
    cache.sync(conn)
    assert len(cache.fts_ids(conn, ["engine", "stalled"], "AND")) == 5
    assert ranked_by_fts5 == []
    assert len(cache.fts_ids(conn, ["filler"], "OR")) == match_index.CANDIDATE_LIMIT
    assert len(ranked_by_fts5) == 1
    conn.close()


def fts5_counts(conn) -> tuple[int, int, dict[str, int]]:
    """FTS5's own figures: rows, words, and the rows holding each word (fts5vocab)."""
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, match_fts, 'row')")
    rows = conn.execute("SELECT count(*) FROM match_signatures").fetchone()[0]
    words = conn.execute("SELECT coalesce(sum(cnt), 0) FROM temp.vocab").fetchone()[0]
    return rows, words, dict(conn.execute("SELECT term, doc FROM temp.vocab"))


def our_counts(conn) -> tuple[int, int, dict[str, int]]:
    meta = dict(conn.execute("SELECT key, value FROM match_meta"))
    return meta["signatures"], meta["words"], dict(conn.execute("SELECT term, df FROM match_terms"))


def test_the_counts_bm25_needs_stay_fts5s_own_through_changes_and_removals():
    conn = built()
    assert our_counts(conn) == fts5_counts(conn)
    matcher.index_entry(conn, "stall-long", ["EngineError: engine stalled twice, twice"], "Stall")
    matcher.index_entry(conn, "new-one", ["Weird-Name.Error: engine pump"], "New")
    matcher.remove_entry(conn, "pump-dry")
    conn.commit()
    assert our_counts(conn) == fts5_counts(conn)
    conn.close()


CIRCULAR = (
    "ImportError: cannot import name 'Agent' from partially initialized module 'crew' "
    "(most likely due to a circular import)"
)
NOT_CIRCULAR = "ImportError: cannot import name 'Agent' from 'crew' (/srv/.venv/lib/python3.12/site-packages/crew/__init__.py)"


def test_decisive_features_are_written_with_the_signature_and_decide_when_read_back():
    item = matcher.IndexItem("circular", [CIRCULAR], "Circular import")
    prepared = matcher.prepare_entry(item)
    assert json.loads(prepared.signatures[0][8]) == decisive.features(CIRCULAR) != {}
    # rows a PostgreSQL writer stored before the features column get them when copied
    old = [(*row[:8], row[9]) for row in prepared.signatures]
    assert matcher.stored_rows(old) == prepared.signatures

    for rows in (prepared.signatures, matcher.stored_rows(old)):
        conn = sqlite3.connect(":memory:")
        matcher.create_schema(conn)
        matcher.index_prepared(conn, [matcher.PreparedEntry(item, rows)])
        assert matcher.search(conn, CIRCULAR).hits[0].confident
        # the stored decisive part rules the look-alike out (read without it: a near miss at ~59)
        assert matcher.search(conn, NOT_CIRCULAR).hits == []
        conn.close()
