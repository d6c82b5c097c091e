"""`synapse` on the command line: real subprocesses, a temporary database, a small corpus.

(`synapse check` has its own file: tests/corpus/test_check.py.)
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from synapse_cli import synapse

ROOT = Path(__file__).resolve().parent.parent
SUBCOMMANDS = ("check", "index", "serve", "search", "doctor")
CORPUS = ("sqlite-database-locked", "json-not-serializable", "broken-pipe")


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """Settings pointing at a temporary database and a copy of three real entries."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for slug in CORPUS:
        shutil.copy(ROOT / "solutions" / f"{slug}.md", solutions / f"{slug}.md")
    return {**os.environ, "SYNAPSE_DB": str(tmp_path / "cli.db"), "SYNAPSE_SOLUTIONS": str(solutions)}


def test_the_installed_synapse_script_prints_help():
    script = Path(sys.executable).with_name("synapse")  # `make test` installs the project

    result = subprocess.run([str(script), "--help"], check=False, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0
    assert result.stdout.startswith("usage: synapse")


def test_help_lists_every_subcommand():
    result = synapse("--help")

    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_each_subcommand_has_help(command):
    result = synapse(command, "--help")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: synapse {command}")


def test_serve_help_names_its_options():
    result = synapse("serve", "--help")

    for option in ("--host", "--port", "--workers", "--db"):
        assert option in result.stdout


def test_no_subcommand_is_a_usage_error():
    result = synapse()

    assert result.returncode == 2
    assert "usage: synapse" in result.stderr


def test_index_twice_adds_then_reports_everything_unchanged(env):
    first = synapse("index", env=env)
    second = synapse("index", env=env)

    assert first.returncode == 0, first.stderr
    for slug in CORPUS:
        assert f"added: {slug}" in first.stdout
    assert f"indexed: {len(CORPUS)} added, 0 changed, 0 removed, 0 unchanged" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "added:" not in second.stdout
    assert f"indexed: 0 added, 0 changed, 0 removed, {len(CORPUS)} unchanged" in second.stdout


def test_index_with_invalid_entries_indexes_the_rest_names_each_and_exits_1(env):
    solutions = Path(env["SYNAPSE_SOLUTIONS"])
    (solutions / "no-front-matter.md").write_text("just some notes\n", encoding="utf-8")
    (solutions / "no-sections.md").write_text(
        "---\ntitle: Half an entry\nerrors:\n  - 'ValueError: half'\ntags: [python]\n---\n\nnothing else\n",
        encoding="utf-8",
    )

    first = synapse("index", env=env)
    again = synapse("index", env=env)  # the valid ones are unchanged now; the invalid ones still count

    assert first.returncode == 1
    for slug in CORPUS:
        assert f"added: {slug}" in first.stdout
    assert "3 added" in first.stdout and "2 invalid" in first.stdout
    stderr = first.stderr.splitlines()
    assert any(
        line.startswith(f"skipped: {solutions / 'no-front-matter.md'}:") and "front matter" in line
        for line in stderr
    )
    assert any(
        line.startswith(f"skipped: {solutions / 'no-sections.md'}:") and "missing section" in line
        for line in stderr
    )
    assert "2 invalid file(s) not indexed" in first.stderr
    assert again.returncode == 1
    assert "3 unchanged" in again.stdout
    found = synapse("search", "--json", "sqlite3.OperationalError: database is locked", env=env)
    assert json.loads(found.stdout)["match"] == "sqlite-database-locked"


def test_index_honours_the_db_option_over_the_environment(env, tmp_path):
    other = tmp_path / "other.db"

    result = synapse("index", "--db", str(other), env=env)

    assert result.returncode == 0, result.stderr
    assert other.exists()
    assert not Path(env["SYNAPSE_DB"]).exists()


def test_search_json_prints_the_api_contract(env):
    synapse("index", env=env)
    q = "sqlite3.OperationalError: database is locked"

    result = synapse("search", "--json", q, env=env)

    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert {"query", "normalized", "took_ms", "match", "results"} <= body.keys()
    assert body["query"] == q
    assert body["match"] == "sqlite-database-locked"
    top = body["results"][0]
    assert {"slug", "title", "score", "confident", "url", "why", "fix", "token_savings"} <= top.keys()
    assert top["fix"]["code"].strip()


def test_search_with_a_confident_match_exits_0_and_names_it(env):
    synapse("index", env=env)

    result = synapse("search", "sqlite3.OperationalError: database is locked", env=env)

    assert result.returncode == 0, result.stderr
    assert "sqlite-database-locked" in result.stdout.splitlines()[0]


def test_search_on_an_empty_store_indexes_the_corpus_first(env):
    result = synapse("search", "sqlite3.OperationalError: database is locked", env=env)

    assert result.returncode == 0, result.stderr
    assert "the index was empty: indexed" in result.stderr
    assert "sqlite-database-locked" in result.stdout.splitlines()[0]


def test_search_answers_from_the_entries_folder_as_it_is_now(env):
    """A store left from an older checkout must not answer with entries changed since."""
    synapse("index", env=env)
    entry = Path(env["SYNAPSE_SOLUTIONS"]) / "broken-pipe.md"
    new_error = "BrokenPipeError: [Errno 32] the zorbulator hung up on the frobnicating widget"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace("errors:\n", f'errors:\n  - "{new_error}"\n', 1), encoding="utf-8")

    result = synapse("search", "--json", new_error, env=env)

    assert result.returncode == 0, result.stderr
    assert "the index was behind" in result.stderr and "1 changed" in result.stderr
    assert json.loads(result.stdout)["results"][0]["why"]["signature"] == new_error
    again = synapse("search", "--json", new_error, env=env)
    assert again.stderr == ""  # nothing changed since: no re-index reported


def test_search_reads_a_traceback_from_stdin(env):
    synapse("index", env=env)
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/srv/agent/memory.py", line 12, in remember\n'
        '    conn.execute("INSERT INTO notes VALUES (?)", (note,))\n'
        "sqlite3.OperationalError: database is locked\n"
    )

    result = synapse("search", "--json", "-", env=env, stdin=traceback)

    assert json.loads(result.stdout)["match"] == "sqlite-database-locked"


def test_search_without_a_match_exits_1(env):
    synapse("index", env=env)

    result = synapse("search", "FrobnicatorError: the quux widget exploded while polishing the zorb", env=env)

    assert result.returncode == 1


def test_search_with_an_empty_query_is_a_usage_error(env):
    result = synapse("search", "   ", env=env)

    assert result.returncode == 2
    assert result.stderr.startswith("error:")


def test_doctor_reports_wal_and_the_sqlite_version(env):
    synapse("index", env=env)

    result = synapse("doctor", env=env)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["journal_mode"] == "wal"
    assert report["sqlite"]["version"].count(".") == 2
    assert report["entries"] == len(CORPUS)


def test_doctor_on_a_missing_folder_says_so_and_creates_nothing(env, tmp_path):
    db = tmp_path / "nowhere" / "deeper" / "x.db"

    result = synapse("doctor", "--db", str(db), env=env)

    assert result.returncode == 1
    assert result.stdout == ""
    assert f"no database at {db}" in result.stderr
    assert f"the folder {db.parent} does not exist" in result.stderr
    assert "synapse index" in result.stderr  # what to do about it
    assert not (tmp_path / "nowhere").exists()


def test_doctor_on_a_missing_file_says_so_and_creates_nothing(env, tmp_path):
    db = tmp_path / "x.db"

    result = synapse("doctor", "--db", str(db), env=env)

    assert result.returncode == 1
    assert "the file does not exist" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solutions"]


def test_doctor_on_a_file_that_is_not_a_database_leaves_it_alone(env, tmp_path):
    db = tmp_path / "notes.db"
    db.write_text("not a database\n")

    result = synapse("doctor", "--db", str(db), env=env)

    assert result.returncode == 1
    assert "cannot be read as a SynapseAI database" in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_text() == "not a database\n"


def test_doctor_does_not_migrate_an_older_database(env, tmp_path):
    synapse("index", env=env)
    db = Path(env["SYNAPSE_DB"])
    with sqlite3.connect(db) as conn:  # pretend it was written by an older release
        conn.execute("PRAGMA user_version = 1")
    conn.close()

    result = synapse("doctor", env=env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["schema_version"] == 1
    assert "`synapse index` or `synapse serve` migrates it" in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
