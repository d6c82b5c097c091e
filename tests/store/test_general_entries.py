"""`general: true` travels from the entry file to the answer on both engines, and a database from
before the column gets it on upgrade."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from app.corpus.indexer import index_solutions
from app.search.service import run_search
from app.store.schema import MIGRATIONS, _v9_general_entries
from app.store.sqlite_store import Store

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
VALIDATION = (
    "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings\n"
    "port\n  Field required [type=missing, input_value={}, input_type=dict]"
)


def _folder(tmp_path: Path, general: bool) -> Path:
    folder = tmp_path / "solutions"
    folder.mkdir(exist_ok=True)
    text = (SOLUTIONS / "pydantic-validation-error.md").read_text(encoding="utf-8")
    assert "\ngeneral: true\n" in text
    if not general:
        text = text.replace("\ngeneral: true\n", "\n")
    (folder / "pydantic-validation-error.md").write_text(text, encoding="utf-8")
    shutil.copy(SOLUTIONS / "sqlite-database-locked.md", folder)
    return folder


def _top(store) -> tuple:
    body = store.read_now(lambda conn: run_search(conn, VALIDATION).body)
    first = body["results"][0]
    return body["match"], first["slug"], first["confident"], first["why"]["general"]


def test_a_general_entry_is_offered_but_never_matched_on_either_engine(engine_store, tmp_path):
    index_solutions(engine_store, _folder(tmp_path, general=False))
    assert _top(engine_store) == ("pydantic-validation-error", "pydantic-validation-error", True, False)
    report = index_solutions(engine_store, _folder(tmp_path, general=True))  # the file gains the mark
    assert report.changed == ["pydantic-validation-error"]
    assert _top(engine_store) == (None, "pydantic-validation-error", False, True)


def test_a_database_from_before_the_column_gets_it_and_the_next_index_fills_it(tmp_path):
    path, folder = tmp_path / "old.db", _folder(tmp_path, general=True)
    store = Store(path)
    index_solutions(store, folder)
    store.close()
    with sqlite3.connect(path) as conn:  # as schema 8 left it: no column, the matcher's index of format 5
        conn.execute("ALTER TABLE entries DROP COLUMN general")
        conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(_v9_general_entries)}")
        conn.execute("UPDATE match_meta SET value = 5 WHERE key = 'format'")
    conn.close()

    reopened = Store(path)
    try:
        assert _top(reopened)[:3] == ("pydantic-validation-error", "pydantic-validation-error", True)
        report = index_solutions(reopened, folder)  # the upgrade marked every corpus row changed
        assert sorted(report.changed) == ["pydantic-validation-error", "sqlite-database-locked"]
        assert _top(reopened) == (None, "pydantic-validation-error", False, True)
    finally:
        reopened.close()
