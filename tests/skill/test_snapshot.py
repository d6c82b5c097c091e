"""The offline snapshot: built from the store or from solutions/, verified before use, cached."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.corpus.indexer import index_solutions
from app.corpus.snapshot import build_snapshot, load_solutions, snapshot_etag, snapshot_from_entries
from synapse_skill import offline, snapshot
from synapse_skill.config import Settings
from synapse_skill.errors import SnapshotError
from synapse_skill.matching import matcher

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"


@pytest.fixture
def indexed_store(fresh_store):
    index_solutions(fresh_store, SOLUTIONS)
    return fresh_store


@pytest.fixture
def cache_settings(tmp_path) -> Settings:
    return Settings(url="http://kb.test", cache_dir=tmp_path / "cache")


def test_store_and_solutions_folder_give_the_same_snapshot(indexed_store):
    from_store = build_snapshot(indexed_store.read())
    from_files = snapshot_from_entries(load_solutions(SOLUTIONS)[0])
    assert from_store["entries"] == from_files["entries"]
    assert from_store["checksum"] == from_files["checksum"]
    assert snapshot.verify(from_store) is from_store


def test_snapshot_entries_have_the_compact_shape(indexed_store):
    snap = build_snapshot(indexed_store.read())
    assert snap["version"] == 1 and snap["checksum"].startswith("sha256:")
    entry = next(e for e in snap["entries"] if e["slug"] == "sqlite-database-locked")
    assert set(entry) == {"slug", "title", "url", "errors", "tags", "token_savings", "fix"}
    assert entry["url"] == "/solutions/sqlite-database-locked"
    assert "sqlite3.OperationalError: database is locked" in entry["errors"]
    assert set(entry["fix"]) == {"title", "language", "code"} and entry["fix"]["language"] == "python"


def test_etag_depends_on_the_entries_not_on_the_generation_time(indexed_store):
    a = build_snapshot(indexed_store.read(), generated="2026-01-01T00:00:00+00:00")
    b = build_snapshot(indexed_store.read(), generated="2026-06-01T00:00:00+00:00")
    assert snapshot_etag(a) == snapshot_etag(b)
    changed = json.loads(json.dumps(a))
    changed["entries"][0]["title"] += "!"
    changed["checksum"] = snapshot.checksum(changed["entries"])
    assert snapshot_etag(changed) != snapshot_etag(a)
    assert snapshot_etag(a).startswith('"v1-') and snapshot_etag(a).endswith('"')


def test_offline_matching_gives_the_servers_answer(indexed_store):
    """Same matcher, same signatures: the snapshot answers like the store does."""
    text = 'Traceback (most recent call last):\n  File "x.py", line 1\nsqlite3.OperationalError: database is locked'
    server = matcher.search(indexed_store.read(), text, limit=3)
    local = offline.OfflineIndex(build_snapshot(indexed_store.read())).search(text, limit=3)
    assert local[0] == server.normalized
    assert [(a.slug, a.score, a.confident) for a in local[1]] == [
        (h.slug, h.score, h.confident) for h in server.hits
    ]


def test_bundled_snapshot_is_current_with_solutions():
    bundled = snapshot.read(snapshot.BUNDLED)
    current = snapshot_from_entries(load_solutions(SOLUTIONS)[0])
    assert bundled["checksum"] == current["checksum"], (
        "skill/synapse-ai/synapse_skill/data/snapshot.json is stale: run `python -m app.corpus.snapshot`"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(version=2), "version"),
        (lambda s: s["entries"][0]["fix"].update(code="rm -rf /"), "checksum"),
        (lambda s: s["entries"][0].pop("errors"), "malformed"),
        (lambda s: s.update(entries="nope"), "list"),
    ],
    ids=["version", "tampered", "missing-field", "not-a-list"],
)
def test_verify_rejects_bad_snapshots(change, message):
    snap = json.loads(snapshot.BUNDLED.read_text())
    change(snap)
    with pytest.raises(SnapshotError, match=message):
        snapshot.verify(snap)


def test_load_prefers_the_newer_copy_and_survives_a_corrupt_cache(cache_settings):
    bundled = snapshot.read(snapshot.BUNDLED)
    assert snapshot.load(cache_settings).origin == "bundled"

    newer = {**bundled, "generated": "2999-01-01T00:00:00+00:00"}
    snapshot.store_download(cache_settings, newer, '"v1-x"', cache_settings.url)
    assert snapshot.load(cache_settings).origin == "cache"

    cache_file, _ = snapshot.cache_paths(cache_settings)
    cache_file.write_text(cache_file.read_text().replace("sqlite", "SQLITE", 1))
    assert snapshot.load(cache_settings).origin == "bundled"


def _cached_at_rest(settings: Settings) -> Path:
    """The bundled snapshot stored as a downloaded copy, dated an hour back (a file at rest)."""
    bundled = snapshot.read(snapshot.BUNDLED)
    snapshot.store_download(
        settings, {**bundled, "generated": "2999-01-01T00:00:00+00:00"}, None, settings.url
    )
    cache_file, _ = snapshot.cache_paths(settings)
    past = cache_file.stat().st_mtime - 3600
    os.utime(cache_file, (past, past))
    return cache_file


def test_bytes_verified_once_are_not_checksummed_again_by_a_later_process(cache_settings, monkeypatch):
    cache_file = _cached_at_rest(cache_settings)
    assert snapshot.load(cache_settings).origin == "cache"  # verified in full, noted beside the file
    assert cache_file.with_name("snapshot.json.verified").is_file()

    monkeypatch.setattr(snapshot, "_verified", {})  # a new process: nothing kept in memory

    def no_recompute(entries):
        raise AssertionError("the checksum was recomputed")

    monkeypatch.setattr(snapshot, "checksum", no_recompute)
    assert snapshot.read(cache_file, remember=True)["generated"].startswith("2999")


def test_bytes_changed_after_verification_are_verified_in_full_and_refused(cache_settings, monkeypatch):
    cache_file = _cached_at_rest(cache_settings)
    assert snapshot.load(cache_settings).origin == "cache"
    monkeypatch.setattr(snapshot, "_verified", {})
    cache_file.write_text(cache_file.read_text().replace("sqlite", "SQLITE", 1))  # checksum field kept
    with pytest.raises(SnapshotError, match="checksum"):
        snapshot.read(cache_file, remember=True)
    assert snapshot.load(cache_settings).origin == "bundled"


def test_store_download_verifies_before_writing(cache_settings):
    bad = json.loads(snapshot.BUNDLED.read_text())
    bad["checksum"] = "sha256:" + "0" * 64
    with pytest.raises(SnapshotError):
        snapshot.store_download(cache_settings, bad, None, cache_settings.url)
    assert not snapshot.cache_paths(cache_settings)[0].exists()


def test_cache_dir_falls_back_to_dot_cache_without_platformdirs(monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_platformdirs(name, *args, **kwargs):
        if name == "platformdirs":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_platformdirs)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Settings().cache_path == tmp_path / ".cache" / "synapse-ai"
