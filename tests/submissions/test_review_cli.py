"""`synapse review` and `synapse export`: real subprocesses on a temporary database and corpus."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from synapse_cli import synapse

from app.corpus.indexer import index_solutions
from app.store.sqlite_store import Store
from app.submissions import review as submissions

ROOT = Path(__file__).resolve().parents[2]
ERROR = "ollama._types.ResponseError: model 'llama9' not found, try pulling it first"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """Settings for a temporary database indexed from a copy of two real entries."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for slug in ("sqlite-database-locked", "broken-pipe"):
        shutil.copy(ROOT / "solutions" / f"{slug}.md", solutions / f"{slug}.md")
    store = Store(tmp_path / "cli.db")
    try:
        index_solutions(store, solutions)
    finally:
        store.close()
    return {**os.environ, "SYNAPSE_DB": str(tmp_path / "cli.db"), "SYNAPSE_SOLUTIONS": str(solutions)}


def pending(env: dict[str, str], title: str = "Ollama model not found", contact: str = "") -> str:
    """A pending submission, stored as the website would store it."""
    form, errors = submissions.parse_form(
        {
            "title": title,
            "errors": [ERROR if title == "Ollama model not found" else f"RuntimeError: {title}"],
            "symptom": "- `ollama.chat` raises at once",
            "root_cause": "The model was never pulled.",
            "fixes": [{"title": "Pull it", "language": "bash", "code": "ollama pull llama3"}],
            "tags": ["ollama"],
            "contact": contact,
        }
    )
    assert errors == {}
    store = Store(Path(env["SYNAPSE_DB"]))
    try:
        return store.write(submissions.create_submission, form, None)
    finally:
        store.close()


def assert_clean_failure(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode == 1
    assert words in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("review", "--help"),
        ("review", "list", "--help"),
        ("review", "reject", "--help"),
        ("export", "--help"),
    ],
)
def test_review_and_export_document_their_options(args, env):
    result = synapse(*args, env=env)

    assert result.returncode == 0
    assert "usage: synapse" in result.stdout
    if args[-2:] != ("review", "--help"):
        assert "--db" in result.stdout


def test_review_list_shows_pending_submissions_only(env):
    first = pending(env)
    second = pending(env, "Second problem")
    synapse("review", "reject", second, "--reason", "not reproducible", env=env)

    result = synapse("review", "list", env=env)

    assert result.returncode == 0
    assert first in result.stdout and "ollama-model-not-found" in result.stdout
    assert second not in result.stdout
    assert second in synapse("review", "list", "--status", "rejected", env=env).stdout
    assert {first, second} <= set(synapse("review", "list", "--status", "all", env=env).stdout.split())


def test_review_show_prints_the_entry_it_would_become_and_the_contact(env):
    sub_id = pending(env, contact="jane@example.org")

    result = synapse("review", "show", sub_id, env=env)

    assert result.returncode == 0
    assert "status: pending" in result.stdout
    assert "contact: jane@example.org" in result.stdout
    assert "## Root cause" in result.stdout and f'  - "{ERROR}"' in result.stdout


def test_review_approve_publishes_so_search_finds_it(env):
    sub_id = pending(env)
    assert synapse("search", ERROR, env=env).returncode == 1  # no confident match before

    result = synapse("review", "approve", sub_id, env=env)

    assert result.returncode == 0 and "/solutions/ollama-model-not-found" in result.stdout
    found = synapse("search", ERROR, env=env)
    assert found.returncode == 0 and "ollama-model-not-found" in found.stdout.splitlines()[0]
    assert_clean_failure(synapse("review", "approve", sub_id, env=env), "already approved")


def test_review_reject_records_the_reason_and_keeps_it_unpublished(env):
    sub_id = pending(env)

    result = synapse("review", "reject", sub_id, "--reason", "covered by sqlite-database-locked", env=env)

    assert result.returncode == 0
    shown = synapse("review", "show", sub_id, env=env).stdout
    assert "status: rejected" in shown and "reason: covered by sqlite-database-locked" in shown
    assert synapse("search", ERROR, env=env).returncode == 1
    assert synapse("review", "reject", sub_id, env=env).returncode == 2  # --reason is required


def test_review_of_an_unknown_id_fails_cleanly(env):
    for action in ("show", "approve"):
        assert_clean_failure(synapse("review", action, "sub_000000000000", env=env), "no submission")


def test_export_writes_approved_entries_and_index_then_reports_them_unchanged(env):
    sub_id = pending(env)
    synapse("review", "approve", sub_id, env=env)

    result = synapse("export", env=env)

    path = Path(env["SYNAPSE_SOLUTIONS"]) / "ollama-model-not-found.md"
    assert result.returncode == 0 and f"wrote {path}" in result.stdout
    assert synapse("check", str(path), env=env).returncode == 0
    indexed = synapse("index", env=env)
    assert "0 added, 0 changed, 0 removed, 3 unchanged" in indexed.stdout
    assert "exported 0" in synapse("export", env=env).stdout


def test_export_to_another_folder_writes_copies(env, tmp_path):
    synapse("review", "approve", pending(env), env=env)

    result = synapse("export", "--to", str(tmp_path / "copies"), env=env)

    assert result.returncode == 0
    assert (tmp_path / "copies" / "ollama-model-not-found.md").is_file()
    assert "exported 1" in synapse("export", env=env).stdout  # still waiting for the solutions folder
