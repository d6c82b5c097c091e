"""`synapse migrate --from sqlite:///… --to postgresql://…`: moving over loses nothing.

A real SQLite file with entries, votes, statistics, submissions in every review state,
copied into a real PostgreSQL database by the real command line; then the PostgreSQL
store must read back the same things the SQLite store does.
"""

from __future__ import annotations

import json
import os

import psycopg
import pytest
from synapse_cli import synapse

from app.corpus import rows as entries_db
from app.corpus.indexer import index_solutions
from app.search import stats
from app.search.service import run_search
from app.store.engine import open_store
from app.store.schema import index_item
from app.submissions import review as submissions
from app.web.security import _hit
from synapse_skill.matching import matcher

NEW_ERROR = "ollama._types.ResponseError: model 'llama9' not found, try pulling it first"


def _submit(store, title: str, error: str) -> str:
    form, errors = submissions.parse_form(
        {
            "title": title,
            "errors": [error],
            "symptom": "- raises at once",
            "root_cause": "The model was never pulled into this Ollama server's store.",
            "fixes": [
                {"title": "Pull it", "language": "python", "code": "import ollama\nollama.pull('x')\n"}
            ],
            "tags": ["ollama"],
            "contact": "dev@example.com",
        }
    )
    assert errors == {}
    return store.write(submissions.create_submission, form, f"key-{title}")


@pytest.fixture
def sqlite_db(tmp_path, three_entries):
    """A SQLite database with something in every table."""
    path = tmp_path / "synapse.db"
    store = open_store(path)
    try:
        index_solutions(store, three_entries)
        for i in range(7):
            store.write(stats.record_feedback, "broken-pipe", i % 2 == 0, f"vote-{i}")
        for q in ("BrokenPipeError: [Errno 32] Broken pipe", "zzz unknown error", "zzz unknown error"):
            result = store.read_now(run_search, q, 3)
            store.write(stats.record_search, result.normalized, result.best_confident, "10.1.2.3")
        store.write(_hit, "feedback:10.1.2.3:5", 5)
        pending = _submit(store, "Ollama model missing", NEW_ERROR)
        approved = _submit(store, "Ollama model gone", "KeyError: 'llama9'")
        rejected = _submit(store, "Ollama model lost", "KeyError: 'llama10'")
        store.write(submissions.approve, approved)
        store.write(submissions.reject, rejected, "needs the Ollama version")
    finally:
        store.close()
    return path, {"pending": pending, "approved": approved, "rejected": rejected}


def _picture(store, ids: dict) -> dict:
    """Everything a user or maintainer can read back."""

    def read(conn):
        return {
            "entries": sorted(r[0] for r in conn.execute("SELECT slug FROM entries")),
            "rows": {s: entries_db.entry_row(conn, s) for s in ("broken-pipe", "sqlite-database-locked")},
            "counters": stats.counters(conn),
            "most_searched": stats.most_searched(conn),
            "submissions": submissions.list_submissions(conn, None),
            "states": {k: submissions.submission_status(conn, v) for k, v in ids.items()},
            "pending": submissions.get_submission(conn, ids["pending"]),
            "client_hash": stats.client_hash(conn, "10.1.2.3"),
            "feedback": sorted(
                tuple(r) for r in conn.execute("SELECT slug, worked, request_id FROM feedback")
            ),
        }

    return store.read_now(read)


def test_migrate_copies_everything_and_the_copy_reads_back_the_same(sqlite_db, pg_url, tmp_path):
    path, ids = sqlite_db
    done = synapse("migrate", "--from", f"sqlite://{path}", "--to", pg_url)
    assert done.returncode == 0, done.stderr
    assert "every table's rows and counter sums match" in done.stdout
    assert "feedback              7 rows" in done.stdout

    before, after = open_store(path), open_store(tmp_path / "unused.db", pg_url)
    try:
        assert _picture(after, ids) == _picture(before, ids)
        # The copy is a working store: new votes get new ids, approved entries are searchable.
        assert after.write(stats.record_feedback, "broken-pipe", True, "vote-after-move")
        body = after.read_now(run_search, "KeyError: 'llama9'", 3).body
        assert (
            body["match"]
            == submissions.submission_status(after.read(), ids["approved"])["url"].rsplit("/")[-1]
        )
        assert after.write(_hit, "feedback:10.1.2.3:5", 5) == 2  # the rate-limit window came along
        # The nodes' prepared matcher rows came from the source's index: what preparing gives.
        assert after.read_now(_stored_rows) == after.read_now(_prepared_now)
    finally:
        before.close()
        after.close()


def _stored_rows(conn) -> dict:
    return {slug: json.loads(rows) for slug, rows in conn.execute("SELECT slug, rows FROM match_rows")}


def _prepared_now(conn) -> dict:
    columns = "slug, errors, title, not_errors, libraries, applies_to, general"
    return {
        row[0]: json.loads(json.dumps(matcher.prepare_entry(index_item(row)).signatures))
        for row in conn.execute(f"SELECT {columns} FROM entries")
    }


def test_migrate_refuses_a_target_that_holds_data_unless_forced(sqlite_db, pg_url):
    path, _ = sqlite_db
    assert synapse("migrate", "--from", f"sqlite://{path}", "--to", pg_url).returncode == 0

    again = synapse("migrate", "--from", f"sqlite://{path}", "--to", pg_url)
    assert again.returncode == 1
    assert "already holds data" in again.stderr and "--force" in again.stderr

    forced = synapse("migrate", "--from", f"sqlite://{path}", "--to", pg_url, "--force")
    assert forced.returncode == 0, forced.stderr
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM feedback").fetchone()[0] == 7  # replaced, not doubled


def test_migrate_needs_a_postgres_target_and_an_existing_source(tmp_path, pg_url):
    env = {k: v for k, v in os.environ.items() if k != "SYNAPSE_DATABASE_URL"}
    no_target = synapse("migrate", "--from", f"sqlite://{tmp_path}/x.db", env=env)
    assert no_target.returncode == 2 and "postgresql://" in no_target.stderr
    no_source = synapse("migrate", "--from", f"sqlite://{tmp_path}/missing.db", "--to", pg_url)
    assert no_source.returncode == 1 and "no SQLite database" in no_source.stderr


def test_doctor_reports_postgresql_without_changing_it(pg_url):
    done = synapse("doctor", "--database-url", pg_url)
    assert done.returncode == 0, done.stderr
    assert '"engine": "postgresql"' in done.stdout
    assert '"schema_version": 0' in done.stdout  # inspected, not migrated
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('entries')").fetchone()[0] is None
