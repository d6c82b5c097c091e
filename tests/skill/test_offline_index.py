"""The offline index is built once per snapshot and saved beside the cache; later processes
open it read-only after checking the snapshot checksum stored inside it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from synapse_skill import offline, snapshot
from synapse_skill.config import Settings

SKILL = Path(__file__).resolve().parents[2] / "skill" / "synapse-ai"
QUERY = "sqlite3.OperationalError: database is locked"


@pytest.fixture
def bundled() -> dict:
    return snapshot.load(Settings(offline=True)).snapshot


def answers(index: offline.OfflineIndex, text: str = QUERY) -> list[tuple[str, float, bool]]:
    return [(a.slug, a.score, a.confident) for a in index.search(text, limit=5)[1]]


def test_the_first_index_is_saved_and_the_next_one_is_loaded_with_the_same_answers(bundled, tmp_path):
    built = offline.OfflineIndex(bundled, tmp_path)
    saved = offline.saved_index_path(tmp_path, bundled["checksum"])
    assert built.loaded_from is None and saved.is_file()
    assert not list(tmp_path.glob(".index-*"))  # no temp file left behind

    loaded = offline.OfflineIndex(bundled, tmp_path)
    assert loaded.loaded_from == saved
    for text in (
        QUERY,
        "OSError: [Errno 98] Address already in use",
        "ModuleNotFoundError: No module named 'yaml'",
    ):
        assert answers(loaded, text) == answers(built, text)


def test_a_saved_index_of_another_snapshot_is_not_used(bundled, tmp_path):
    offline.OfflineIndex(bundled, tmp_path)
    saved = offline.saved_index_path(tmp_path, bundled["checksum"])
    with sqlite3.connect(saved) as conn:  # the file now claims another snapshot
        conn.execute("UPDATE offline_meta SET value = 'sha256:other' WHERE key = 'checksum'")
    index = offline.OfflineIndex(bundled, tmp_path)
    assert index.loaded_from is None
    assert answers(index)[0][0] == "sqlite-database-locked"
    assert offline.OfflineIndex(bundled, tmp_path).loaded_from == saved  # saved again, right this time


def test_a_damaged_saved_index_is_rebuilt(bundled, tmp_path):
    saved = offline.saved_index_path(tmp_path, bundled["checksum"])
    saved.write_bytes(b"not a database" * 100)
    index = offline.OfflineIndex(bundled, tmp_path)
    assert index.loaded_from is None
    assert answers(index)[0][0] == "sqlite-database-locked"


def test_a_cache_folder_that_cannot_be_written_still_answers(bundled, tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    index = offline.OfflineIndex(bundled, blocked / "cache")
    assert index.loaded_from is None
    assert answers(index)[0][0] == "sqlite-database-locked"


def test_an_offline_lookup_in_a_fresh_process_imports_no_http_client(tmp_path):
    code = (
        "import sys, json\n"
        "from synapse_skill.lookup import lookup\n"
        f"r = lookup({QUERY!r})\n"
        "print(json.dumps([r.source, r.match.slug if r.match else None, 'httpx' in sys.modules]))\n"
    )
    env = {**os.environ, "SYNAPSE_OFFLINE": "1", "SYNAPSE_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(SKILL)}
    for _ in range(2):  # the first run saves the index, the second loads it
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert json.loads(out.stdout) == ["offline", "sqlite-database-locked", False]
    assert len(list(tmp_path.glob("index-*.sqlite"))) == 1
