"""PostgreSQL as the second storage engine: the same store interface, the same answers.

Every test here runs against a real PostgreSQL server that the tests start themselves
(tests/pg_server.py); the engine-parametrised ones run on SQLite too and compare.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from pg_server import PgServer

from app.corpus import rows as entries_db
from app.corpus.indexer import index_solutions
from app.corpus.snapshot import build_snapshot
from app.search import stats
from app.search.evaluation import load_cases
from app.search.service import run_search
from app.store import health
from app.store.engine import open_store, storage_fault
from app.store.pg_sql import Untranslatable, translate
from app.store.pg_store import PgStore, pg_fault, redacted_url
from app.submissions import review as submissions
from app.web.security import _hit
from app.web.site import page_data

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
PUBLISHED = "2026-01-01T00:00:00+00:00"


# -- the SQL translation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("common_sql", "postgres_sql"),
    [
        ("SELECT 1 FROM entries WHERE slug = ?", "SELECT 1 FROM entries WHERE slug = %s"),
        (
            "INSERT INTO entry_stats (slug) VALUES (?) ON CONFLICT DO NOTHING",
            "INSERT INTO entry_stats (slug) VALUES (%s) ON CONFLICT DO NOTHING",
        ),
        ("SELECT slug FROM entries WHERE slug LIKE '%-2'", "SELECT slug FROM entries WHERE slug LIKE '%-2'"),
        ("SELECT 100 % ?", "SELECT 100 %% %s"),
        ("SELECT 'a?b' || ?", "SELECT 'a?b' || %s"),
        ("SELECT max(a), max(coalesce(b, '')) FROM t", "SELECT max(a), max(coalesce(b, '')) FROM t"),
    ],
)
def test_only_the_parameter_style_changes_on_postgres(common_sql, postgres_sql):
    assert translate(common_sql) == postgres_sql


def test_a_statement_without_parameters_is_sent_as_is():
    assert translate("SELECT 100 % 7", False) == "SELECT 100 % 7"


@pytest.mark.parametrize(
    "sql",
    [
        "PRAGMA journal_mode",
        "PRAGMA data_version",
        "INSERT OR REPLACE INTO feedback VALUES (?)",
        "INSERT OR IGNORE INTO entry_stats (slug) VALUES (?)",
        "SELECT rowid FROM entries",
        "SELECT slug FROM entries ORDER BY title COLLATE NOCASE, slug",
        "SELECT j.value FROM entries e, json_each(e.tags) j",
        "SELECT group_concat(slug, ', ') FROM entries",
        "SELECT max(coalesce(published_at, ''), coalesce(updated, '')) FROM entries",
        "SELECT 1 FROM entries WHERE slug IN ()",
    ],
)
def test_sqlite_only_sql_fails_loudly(sql):
    with pytest.raises(Untranslatable):
        translate(sql)


def test_the_url_shown_in_reports_has_no_password():
    assert redacted_url("postgresql://app:s3cret@db.internal:5432/synapse") == (
        "postgresql://app:***@db.internal:5432/synapse"
    )
    # a multi-host URL (failover, docs/scaling.md) has no single port; a query password is hidden too
    assert redacted_url(
        "postgresql://app:s3cret@h1:5432,h2:5433/synapse?target_session_attrs=read-write"
    ) == ("postgresql://app:***@h1:5432,h2:5433/synapse?target_session_attrs=read-write")
    assert redacted_url("postgresql://h1,h2/synapse?password=s3cret&sslmode=require") == (
        "postgresql://h1,h2/synapse?password=***&sslmode=require"
    )
    assert (
        redacted_url("postgresql://app@h1:5432,h2:5433/synapse") == "postgresql://app@h1:5432,h2:5433/synapse"
    )


# -- the same answers on both engines ----------------------------------------------------------


@pytest.fixture(scope="module")
def both(tmp_path_factory, pg_server):
    """The whole corpus indexed into a SQLite file and into a PostgreSQL database."""
    sqlite_store = open_store(tmp_path_factory.mktemp("engines") / "synapse.db")
    postgres_store = open_store(Path("unused.db"), pg_server.create_database())
    for store in (sqlite_store, postgres_store):
        index_solutions(store, SOLUTIONS)
        # Publication times are the indexing second: make them equal so the orders can be compared.
        store.write(lambda conn: conn.execute("UPDATE entries SET published_at = ?", (PUBLISHED,)))
    yield sqlite_store, postgres_store
    sqlite_store.close()
    postgres_store.close()


def _answers(store, cases) -> list[tuple]:
    def run(conn):
        out = []
        for case in cases:
            body = run_search(conn, case.q, 5, case.env).body
            out.append((body["match"], [(r["slug"], r["score"], r["confident"]) for r in body["results"]]))
        return out

    return store.read_now(run)


@pytest.mark.parametrize("name", ["dev.jsonl", "holdout.jsonl"])
def test_the_eval_sets_get_identical_answers_on_both_engines(both, name):
    cases = load_cases(ROOT / "tests" / "eval" / name)
    on_sqlite, on_postgres = (_answers(store, cases) for store in both)

    differ = [case.q[:80] for case, a, b in zip(cases, on_sqlite, on_postgres, strict=True) if a != b]
    assert not differ, f"{len(differ)} of {len(cases)} cases answered differently: {differ[:5]}"
    assert sum(1 for match, _ in on_postgres if match) > len(cases) // 3  # the comparison saw answers


@pytest.mark.parametrize(
    "query",
    [
        page_data.BrowseQuery(),
        page_data.BrowseQuery(sort="matched"),
        page_data.BrowseQuery(sort="newest", page=2),
        page_data.BrowseQuery(tag="sqlite"),
        page_data.BrowseQuery(language="python", sort="newest"),
    ],
)
def test_browse_pages_are_identical_on_both_engines(both, query):
    sqlite_page, postgres_page = (store.read_now(page_data.browse, query) for store in both)
    assert sqlite_page == postgres_page


@pytest.mark.parametrize(
    "read",
    [
        page_data.home,
        lambda conn: page_data.llms_txt(conn, "http://example.test"),
        lambda conn: page_data.solution(conn, "sqlite-database-locked"),
        lambda conn: entries_db.entry_row(conn, "broken-pipe"),
        lambda conn: {**build_snapshot(conn), "generated": "-"},
        lambda conn: stats.counters(conn),
    ],
    ids=["home", "llms.txt", "solution", "entry_row", "snapshot", "counters"],
)
def test_pages_and_the_snapshot_are_identical_on_both_engines(both, read):
    sqlite_data, postgres_data = (store.read_now(read) for store in both)
    assert sqlite_data == postgres_data


# -- the store interface on both engines ---------------------------------------------------------


@pytest.fixture
def store(engine_store, three_entries):
    index_solutions(engine_store, three_entries)
    return engine_store


def test_concurrent_votes_all_land_and_a_retried_vote_counts_once(store):
    slug = "broken-pipe"

    def vote(i: int) -> bool:
        return store.write(stats.record_feedback, slug, i % 3 != 0, f"req-{i % 120}")

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(vote, range(240)))  # every request id twice

    counts = store.read_now(entries_db.entry_stats, slug)
    assert counts["worked"] + counts["failed"] == 120
    assert counts["failed"] == len([i for i in range(120) if i % 3 == 0])


def test_a_rate_limit_counter_hands_out_each_count_once_under_concurrency(store):
    with ThreadPoolExecutor(8) as pool:
        counts = sorted(pool.map(lambda _: store.write(_hit, "feedback:10.0.0.1:7", 7), range(60)))
    assert counts == list(range(1, 61))


def test_two_reviewers_approving_one_submission_at_once_publish_it_once(store):
    form, errors = submissions.parse_form(
        {
            "title": "Ollama says the model is not found",
            "errors": ["ollama._types.ResponseError: model 'llama9' not found, try pulling it first"],
            "symptom": "- raises at once",
            "root_cause": "The model was never pulled into this Ollama server's store.",
            "fixes": [
                {"title": "Pull it", "language": "python", "code": "import ollama\nollama.pull('x')\n"}
            ],
            "tags": ["ollama"],
        }
    )
    assert errors == {}
    sub_id = store.write(submissions.create_submission, form, None)
    start = threading.Barrier(4)

    def approve() -> str:
        start.wait()
        try:
            return store.write(submissions.approve, sub_id)
        except submissions.SubmissionNotPending:
            return "refused"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: approve(), range(4)))

    assert outcomes.count("refused") == 3, outcomes
    slug = next(o for o in outcomes if o != "refused")
    assert (
        store.read_now(
            lambda c: c.execute("SELECT count(*) FROM entries WHERE slug = ?", (slug,)).fetchone()[0]
        )
        == 1
    )
    body = store.read_now(run_search, "ollama._types.ResponseError: model 'llama9' not found", 3).body
    assert body["match"] == slug  # searchable at once on the node that approved it


def test_health_names_the_engine_and_its_version(store, engine):
    report = store.read_now(health.report)
    assert report["engine"] == engine
    assert report["schema_version"] == report["expected_schema_version"]
    assert report["entries"] == 3
    if engine == "postgresql":
        assert report["postgresql"]["version"].split(".")[0].isdigit()


# -- PostgreSQL only: nodes, outages -----------------------------------------------------------


def test_an_entry_written_through_one_node_is_searchable_on_another(pg_url, three_entries, tmp_path):
    node_a, node_b = PgStore(pg_url), PgStore(pg_url)
    try:
        index_solutions(node_a, three_entries)
        query = "BrokenPipeError: [Errno 32] Broken pipe"
        assert node_b.read_now(run_search, query, 3).body["match"] == "broken-pipe"

        (three_entries / "broken-pipe.md").unlink()
        index_solutions(node_a, three_entries)  # node A removes it
        gone = node_a.index.generation
        node_b.index.catch_up(gone)  # what B's listener does on the notification, without waiting for it
        assert node_b.read_now(run_search, query, 3).body["match"] is None
        assert node_b.index.builds == 1  # caught up by applying the change, not by rebuilding
    finally:
        node_a.close()
        node_b.close()


def test_nodes_copy_the_stored_matcher_rows_and_prepare_what_is_missing(pg_url, three_entries):
    """The writer stores each entry's prepared matcher rows (app.store.match_rows); a node builds
    its index from them, and prepares an entry whose rows are missing: the same answers."""
    writer = PgStore(pg_url)
    try:
        index_solutions(writer, three_entries)
        stored = writer.read_now(lambda conn: conn.execute("SELECT slug, rows FROM match_rows").fetchall())
        assert sorted(slug for slug, _ in stored) == sorted(p.stem for p in three_entries.glob("*.md"))
        queries = ["BrokenPipeError: [Errno 32] Broken pipe", "sqlite3.OperationalError: database is locked"]
        answers = [writer.read_now(run_search, q, 3).body for q in queries]

        writer.write(lambda conn: conn.execute("DELETE FROM match_rows WHERE slug = 'broken-pipe'"))
        fresh = PgStore(pg_url)  # a node starting now: one entry without stored rows
        try:
            assert [fresh.read_now(run_search, q, 3).body["results"] for q in queries] == [
                a["results"] for a in answers
            ]
        finally:
            fresh.close()

        (three_entries / "broken-pipe.md").unlink()
        index_solutions(writer, three_entries)
        gone = writer.read_now(lambda conn: conn.execute("SELECT slug FROM match_rows").fetchall())
        assert "broken-pipe" not in {slug for (slug,) in gone}
    finally:
        writer.close()


@pytest.fixture
def own_pg():
    """A PostgreSQL server of the test's own, to stop and start."""
    server = PgServer().init().start()
    yield server
    server.destroy()


def test_an_outage_is_a_storage_fault_and_the_store_recovers_without_a_restart(own_pg, three_entries):
    store = PgStore(own_pg.create_database(), pool_timeout=1.0)
    try:
        index_solutions(store, three_entries)
        own_pg.stop()
        with pytest.raises(psycopg.Error) as failed:
            store.write(stats.record_feedback, "broken-pipe", True, "during-outage")
        assert storage_fault(failed.value) == pg_fault(failed.value) == "io"
        with pytest.raises(psycopg.Error):
            store.read_now(entries_db.entry_stats, "broken-pipe")

        own_pg.start()
        assert store.write(stats.record_feedback, "broken-pipe", True, "after-outage")
        assert store.read_now(entries_db.entry_stats, "broken-pipe")["worked"] == 1
    finally:
        store.close()


def test_a_database_newer_than_the_code_is_refused(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE synapse_schema (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO synapse_schema VALUES (99)")
    with pytest.raises(RuntimeError, match="newer than this code"):
        PgStore(pg_url)
