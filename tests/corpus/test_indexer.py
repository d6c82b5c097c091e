"""`synapse index`: the store follows `solutions/` — incremental, idempotent, all or nothing."""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from app.corpus import indexer, parsing
from app.corpus.entries import content_hash, parse_entry
from app.corpus.indexer import index_solutions
from app.corpus.rows import worked_counts
from app.search import stats
from app.search.service import run_search
from app.store.schema import SCHEMA_VERSION
from app.store.sqlite_store import Store
from synapse_skill.matching import index as match_index

ROOT = Path(__file__).resolve().parents[2]
REAL_ENTRIES = (
    "sqlite-database-locked",
    "json-not-serializable",
    "broken-pipe",
)  # the `three_entries` fixture


@pytest.fixture
def corpus(three_entries) -> Path:
    """A solutions folder holding copies of three real entries."""
    for slug in REAL_ENTRIES:
        parse_entry(three_entries / f"{slug}.md")  # the copies must be valid for these tests to mean anything
    return three_entries


def entries(store) -> dict[str, str]:
    """slug → content hash of every published entry."""
    return dict(store.read().execute("SELECT slug, content_hash FROM entries").fetchall())


def signatures(store, slug: str) -> set[str]:
    rows = store.read().execute(
        "SELECT signature FROM match_signatures WHERE slug = ? AND negative = 0", (slug,)
    )
    return {r[0] for r in rows}


def fix_titles(store, slug: str) -> list[str]:
    rows = store.read().execute("SELECT title FROM fixes WHERE slug = ? ORDER BY position", (slug,))
    return [r[0] for r in rows]


def snapshot(store) -> dict[str, list[tuple]]:
    """Every row the indexer may touch, for before/after comparisons."""
    conn = store.read()
    queries = {
        "entries": "SELECT slug, content_hash, title, errors, published_at FROM entries ORDER BY slug",
        "fixes": "SELECT slug, position, title, language, code FROM fixes ORDER BY slug, position",
        "match_signatures": "SELECT slug, signature, norm, terms, slots, examples FROM match_signatures ORDER BY slug, signature",
        "match_terms": "SELECT term, df FROM match_terms ORDER BY term",
        "match_meta": "SELECT key, value FROM match_meta ORDER BY key",
    }
    return {table: [tuple(r) for r in conn.execute(sql)] for table, sql in queries.items()}


def test_a_first_run_adds_every_entry_with_its_fixes_and_signatures(fresh_store, corpus):
    report = index_solutions(fresh_store, corpus)

    assert sorted(report.added) == sorted(REAL_ENTRIES)
    assert (report.changed, report.removed, report.unchanged, report.problems) == ([], [], 0, [])
    stored = entries(fresh_store)
    for slug in REAL_ENTRIES:
        entry = parse_entry(corpus / f"{slug}.md")
        assert stored[slug] == content_hash((corpus / f"{slug}.md").read_text(encoding="utf-8"))
        assert signatures(fresh_store, slug) == set(entry.errors)
        assert fix_titles(fresh_store, slug) == [fix.title for fix in entry.fixes]


def test_a_changed_file_replaces_its_entry_and_its_signatures(fresh_store, corpus):
    index_solutions(fresh_store, corpus)
    path = corpus / "sqlite-database-locked.md"
    old = parse_entry(path)
    dropped, added = old.errors[-1], "sqlite3.OperationalError: database is locked by a frobnicating widget"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f'  - "{dropped}"\n', f'  - "{added}"\n'), encoding="utf-8")
    new = parse_entry(path)
    assert new.content_hash != old.content_hash

    report = index_solutions(fresh_store, corpus)

    assert report.changed == ["sqlite-database-locked"]
    assert (report.added, report.removed, report.unchanged) == ([], [], 2)
    assert entries(fresh_store)["sqlite-database-locked"] == new.content_hash
    assert signatures(fresh_store, "sqlite-database-locked") == set(new.errors)
    assert added in signatures(fresh_store, "sqlite-database-locked")
    assert dropped not in signatures(fresh_store, "sqlite-database-locked")


def test_a_deleted_file_removes_the_entry_its_fixes_and_its_signatures(fresh_store, corpus):
    index_solutions(fresh_store, corpus)
    (corpus / "broken-pipe.md").unlink()

    report = index_solutions(fresh_store, corpus)

    assert report.removed == ["broken-pipe"]
    assert (report.added, report.changed, report.unchanged) == ([], [], 2)
    assert "broken-pipe" not in entries(fresh_store)
    assert fix_titles(fresh_store, "broken-pipe") == []
    assert signatures(fresh_store, "broken-pipe") == set()
    assert run_search(fresh_store.read(), "BrokenPipeError: [Errno 32] Broken pipe").body["match"] is None


def test_a_renamed_file_replaces_the_old_slug_with_the_new_one(fresh_store, corpus):
    index_solutions(fresh_store, corpus)
    (corpus / "broken-pipe.md").rename(corpus / "epipe-reader-gone.md")

    report = index_solutions(fresh_store, corpus)

    assert report.added == ["epipe-reader-gone"]
    assert report.removed == ["broken-pipe"]
    assert set(entries(fresh_store)) == {
        "sqlite-database-locked",
        "json-not-serializable",
        "epipe-reader-gone",
    }
    assert signatures(fresh_store, "broken-pipe") == set()
    assert "BrokenPipeError: [Errno 32] Broken pipe" in signatures(fresh_store, "epipe-reader-gone")


def test_a_second_run_over_unchanged_files_changes_nothing(fresh_store, corpus):
    index_solutions(fresh_store, corpus)
    before = snapshot(fresh_store)

    report = index_solutions(fresh_store, corpus)

    assert (report.added, report.changed, report.removed) == ([], [], [])
    assert report.unchanged == len(REAL_ENTRIES)
    assert not report.touched
    assert snapshot(fresh_store) == before


def test_an_invalid_entry_is_reported_and_skipped_while_the_others_are_indexed(fresh_store, corpus):
    broken = corpus / "widget-tuesday.md"
    broken.write_text(
        "---\ntitle: no sections and no errors\ntags: [widgets]\n---\n\nJust prose.\n", encoding="utf-8"
    )

    report = index_solutions(fresh_store, corpus)

    assert sorted(report.added) == sorted(REAL_ENTRIES)
    assert set(entries(fresh_store)) == set(REAL_ENTRIES)
    assert report.problems
    assert {p.path for p in report.problems} == {str(broken)}
    assert any("errors must list" in p.message for p in report.problems)


def test_a_broken_edit_keeps_the_last_good_version_published(fresh_store, corpus):
    index_solutions(fresh_store, corpus)
    good = entries(fresh_store)["json-not-serializable"]
    path = corpus / "json-not-serializable.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Root cause", "## Cause"), encoding="utf-8")

    report = index_solutions(fresh_store, corpus)

    assert report.problems and {p.path for p in report.problems} == {str(path)}
    assert report.removed == []
    assert entries(fresh_store)["json-not-serializable"] == good


def test_an_indexed_entry_is_found_by_search(fresh_store, corpus):
    index_solutions(fresh_store, corpus)

    result = run_search(fresh_store.read(), "sqlite3.OperationalError: database is locked")

    assert result.body["match"] == "sqlite-database-locked"
    assert result.body["results"][0]["fix"]["code"].strip()


def crash_on_entry(monkeypatch, n: int, message: str) -> list[str]:
    """Make the indexer's n-th entry write raise; returns the slugs it was asked to write."""
    real_put_entry, calls = indexer.put_entry_rows, []

    def put_entry_then_crash(conn, entry, origin, **kwargs):
        calls.append(entry.slug)
        if len(calls) == n:
            raise RuntimeError(message)
        return real_put_entry(conn, entry, origin, **kwargs)

    monkeypatch.setattr(indexer, "put_entry_rows", put_entry_then_crash)
    return calls


def test_a_crash_mid_index_leaves_the_old_index_exactly_as_it_was(fresh_store, corpus, monkeypatch):
    index_solutions(fresh_store, corpus)
    before = snapshot(fresh_store)
    for slug in REAL_ENTRIES:  # every file changes, so the run writes several entries
        path = corpus / f"{slug}.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n<!-- edited -->\n", encoding="utf-8")
    shutil.copy(ROOT / "solutions" / "sqlite-database-locked.md", corpus / "sqlite-locked-again.md")
    (corpus / "broken-pipe.md").unlink()

    real_put_entry = indexer.put_entry_rows
    calls = crash_on_entry(monkeypatch, 2, "simulated crash in the middle of an index run")

    with pytest.raises(RuntimeError, match="simulated crash"):
        index_solutions(fresh_store, corpus)

    assert len(calls) == 2, "the first entry was written before the crash"
    assert snapshot(fresh_store) == before
    assert (
        run_search(fresh_store.read(), "BrokenPipeError: [Errno 32] Broken pipe").body["match"]
        == "broken-pipe"
    )

    monkeypatch.setattr(indexer, "put_entry_rows", real_put_entry)
    report = index_solutions(fresh_store, corpus)  # the next run applies everything
    assert sorted(report.changed) == ["json-not-serializable", "sqlite-database-locked"]
    assert report.added == ["sqlite-locked-again"]
    assert report.removed == ["broken-pipe"]


def test_a_database_from_the_previous_index_format_is_rebuilt_on_open(tmp_path, corpus):
    """Schema 1 stored raw signatures only; opening it must rebuild the matcher's tables, not fail."""
    path = tmp_path / "old.db"
    store = Store(path)
    index_solutions(store, corpus)
    store.close()
    conn = sqlite3.connect(path)
    with conn:
        for table in ("match_fts", "match_signatures", "match_terms", "match_meta"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute(
            "CREATE TABLE match_signatures (id INTEGER PRIMARY KEY, slug TEXT, signature TEXT, tokens TEXT)"
        )
        conn.execute("PRAGMA user_version = 1")
    conn.close()

    reopened = Store(path)
    try:
        conn = reopened.read()
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert (
            conn.execute("SELECT value FROM match_meta WHERE key = 'format'").fetchone()[0]
            == match_index.FORMAT
        )
        stored = {r[0] for r in conn.execute("SELECT DISTINCT slug FROM match_signatures")}
        assert stored == set(REAL_ENTRIES)
        result = run_search(conn, "sqlite3.OperationalError: database is locked")
        assert result.body["match"] == "sqlite-database-locked"
    finally:
        reopened.close()


def test_worked_counts_answer_only_for_the_entries_asked(fresh_store, corpus):
    """The tie-break reads votes of the ranked entries only, never the whole table."""
    index_solutions(fresh_store, corpus)
    fresh_store.write(stats.record_feedback, "broken-pipe", True, None)
    fresh_store.write(stats.record_feedback, "sqlite-database-locked", True, None)
    fresh_store.write(stats.record_feedback, "sqlite-database-locked", True, None)

    conn = fresh_store.read()
    assert worked_counts(conn, ["sqlite-database-locked", "json-not-serializable"]) == {
        "sqlite-database-locked": 2
    }
    assert worked_counts(conn, ["broken-pipe"]) == {"broken-pipe": 1}


def test_an_index_built_by_an_older_matcher_format_is_rebuilt_when_the_store_opens(tmp_path, corpus):
    path = tmp_path / "old.db"
    store = Store(path)
    index_solutions(store, corpus)
    before = {
        slug: signatures(store, slug) for slug in REAL_ENTRIES
    }  # what a current build stores, to compare after the rebuild
    store.write(lambda conn: conn.execute("UPDATE match_meta SET value = 1 WHERE key = 'format'"))
    store.write(lambda conn: conn.execute("UPDATE match_signatures SET terms = 'stale'"))
    store.close()

    reopened = Store(path)
    try:
        conn = reopened.read()
        assert (
            conn.execute("SELECT value FROM match_meta WHERE key = 'format'").fetchone()[0]
            == match_index.FORMAT
        )
        assert conn.execute("SELECT count(*) FROM match_signatures WHERE terms = 'stale'").fetchone()[0] == 0
        assert {slug: signatures(reopened, slug) for slug in REAL_ENTRIES} == before
        found = run_search(conn, "sqlite3.OperationalError: database is locked", 3)
        assert found.best_confident == "sqlite-database-locked"
    finally:
        reopened.close()


def _index_contents(conn) -> tuple[list, list]:
    entries = conn.execute(
        "SELECT slug, title, errors, tags, markdown, content_hash FROM entries ORDER BY slug"
    )
    signatures = conn.execute(
        "SELECT slug, signature, exc_type, bare, norm, terms, slots, examples, negative FROM match_signatures"
        " ORDER BY slug, id"
    )
    return [tuple(r) for r in entries], [tuple(r) for r in signatures]


def _file_records(conn) -> list[tuple]:
    return [
        tuple(r)
        for r in conn.execute("SELECT path, mtime_ns, size, content_hash FROM index_files ORDER BY path")
    ]


def test_parsing_in_worker_processes_indexes_exactly_what_parsing_in_process_does(tmp_path, monkeypatch):
    """A first index of many files reads, parses and prepares them in spawned processes; the store
    must hold the same rows and file records (what the next run compares stats and hashes with),
    and an invalid file is still reported, as when one process does it all."""
    folder = tmp_path / "solutions"
    shutil.copytree(ROOT / "solutions", folder)
    (folder / "broken-entry.md").write_text("---\ntitle: no errors here\n---\n\n## Symptom\nx\n")
    results = {}
    for label, minimum in (("in process", 10**9), ("in workers", 2)):
        monkeypatch.setattr(indexer, "PARALLEL_PARSE_MIN", minimum)
        store = Store(tmp_path / f"{label}.db")
        try:
            report = index_solutions(store, folder)
            results[label] = (
                sorted(report.added),
                sorted({p.path for p in report.problems}),
                store.read_now(_index_contents),
                store.read_now(_file_records),
            )
        finally:
            store.close()
    assert results["in workers"] == results["in process"]
    added, problem_paths, (rows, signatures), files = results["in workers"]
    assert len(files) == len(added) + 1  # the broken file's record too, as one process keeps it
    assert len(added) == len(list((ROOT / "solutions").glob("*.md"))) and len(signatures) > len(rows)
    assert problem_paths == [str(folder / "broken-entry.md")]


def test_a_crash_in_a_first_index_that_writes_while_parsing_leaves_the_store_empty(tmp_path, monkeypatch):
    """A first index writes the entries in batches as the worker processes hand them over, inside
    one transaction: a crash half-way commits nothing, and the next run indexes everything."""
    folder = tmp_path / "solutions"
    shutil.copytree(ROOT / "solutions", folder)
    monkeypatch.setattr(indexer, "PARALLEL_PARSE_MIN", 2)
    monkeypatch.setattr(indexer, "WRITE_BATCH", 8)
    real_put_new = indexer.put_new_entries
    store = Store(tmp_path / "first.db")
    try:
        calls: list[int] = []

        def write_batches_then_crash(conn, entries, origin, facet_counts):
            calls.append(len(entries))
            if len(calls) == 5:
                raise RuntimeError("simulated crash while the workers still parse")
            return real_put_new(conn, entries, origin, facet_counts)

        monkeypatch.setattr(indexer, "put_new_entries", write_batches_then_crash)
        with pytest.raises(RuntimeError, match="simulated crash"):
            index_solutions(store, folder)
        assert calls == [8] * 5  # four batches were written before the crash
        assert store.read_now(lambda conn: conn.execute("SELECT count(*) FROM entries").fetchone()[0]) == 0
        monkeypatch.setattr(indexer, "put_new_entries", real_put_new)
        report = index_solutions(store, folder)
        assert len(report.added) == len(list(folder.glob("*.md")))
    finally:
        store.close()


def _stored_rows(conn) -> dict[str, list[tuple]]:
    """Every row an index writes for its entries, but the publication time."""
    columns = [r[1] for r in conn.execute("PRAGMA table_info(entries)") if r[1] != "published_at"]
    queries = {
        "entries": f"SELECT {', '.join(columns)} FROM entries ORDER BY slug",
        "fixes": "SELECT slug, position, title, description, language, code FROM fixes ORDER BY slug, position",
        "entry_stats": "SELECT * FROM entry_stats ORDER BY slug",
        "entry_facets": "SELECT * FROM entry_facets ORDER BY facet, value, slug",
        "facet_counts": "SELECT * FROM facet_counts ORDER BY facet, value",
        # the matcher's rows but their ids, which depend on what was indexed before
        "match_signatures": "SELECT slug, signature, exc_type, bare, norm, terms, slots, examples, negative"
        " FROM match_signatures ORDER BY slug, id",
        "match_entries": "SELECT * FROM match_entries ORDER BY slug",
        "match_terms": "SELECT * FROM match_terms ORDER BY term",
        "match_count": "SELECT value FROM match_meta WHERE key = 'signatures'",
    }
    return {table: [tuple(r) for r in conn.execute(sql)] for table, sql in queries.items()}


def test_a_first_index_writes_in_batches_the_rows_entry_by_entry_writing_gives(tmp_path, monkeypatch):
    """An empty store takes its entries in batches of inserts (the matcher's rows too, batch by
    batch); a store already holding one takes them entry by entry (replacing rows): the stored
    rows must be the same."""
    monkeypatch.setattr(indexer, "WRITE_BATCH", 16)  # several batches of the real corpus
    folder = tmp_path / "solutions"
    shutil.copytree(ROOT / "solutions", folder)
    batched, one_by_one = Store(tmp_path / "batched.db"), Store(tmp_path / "one-by-one.db")
    try:
        files = sorted(folder.glob("*.md"))
        assert len(index_solutions(batched, folder).added) == len(files)
        other = tmp_path / "other"
        other.mkdir()
        shutil.copy(files[0], other / "another-entry.md")
        index_solutions(one_by_one, other)  # the store now holds an entry: the others go one by one
        report = index_solutions(one_by_one, folder)
        assert (len(report.added), report.removed) == (len(files), ["another-entry"])
        rows = one_by_one.read_now(_stored_rows)
        assert rows == batched.read_now(_stored_rows)
        assert len(rows["fixes"]) > len(rows["entries"]) and rows["facet_counts"]
        assert len(rows["match_signatures"]) > len(files) and len(rows["match_entries"]) == len(files)
        indexed_words = Counter(  # what the word frequencies must count: each signature's indexed words
            word
            for row in match_index.stored_rows(r[1:] for r in rows["match_signatures"])
            for word in set(row[-1].split())
        )
        assert rows["match_terms"] == sorted(indexed_words.items())
        assert rows["match_count"] == [(len(rows["match_signatures"]),)]
    finally:
        batched.close()
        one_by_one.close()


def test_a_transaction_run_again_sees_the_entries_parsed_during_the_first_attempt():
    """PostgreSQL may run the write again after a serialization failure: the entries already
    handed over by the parsing processes must come back, then the rest."""
    texts = [
        (f"/corpus/{slug}.md", (ROOT / "solutions" / f"{slug}.md").read_text(encoding="utf-8"))
        for slug in REAL_ENTRIES
    ]
    plan, report = indexer.Plan(), indexer.IndexReport()
    parsed = map(parsing.parse_one, texts)
    first_attempt = plan.entries(report, parsed)
    assert next(first_attempt).slug == REAL_ENTRIES[0]  # the attempt fails after one entry
    again = [entry.slug for entry in plan.entries(report, parsed)]
    assert again == list(REAL_ENTRIES)
