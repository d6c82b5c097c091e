"""The response cache of GET/POST /search (app.search.service.SearchCache), on both engines:
a re-index invalidates what it holds, it is bounded, and cached answers are still counted."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from app.config import Settings
from app.corpus.indexer import index_solutions
from app.search import stats
from app.search.service import SearchCache, run_search
from app.store.engine import open_store
from app.web.factory import create_app

HIT = "BrokenPipeError: [Errno 32] Broken pipe"


def test_a_repeated_search_is_served_from_the_cache_until_a_reindex(engine_store, three_entries):
    store = engine_store
    index_solutions(store, three_entries)
    cache = SearchCache(max_age_s=3600)
    store.read_now(run_search, HIT, 3)  # on PostgreSQL the first search builds the node's index

    first = store.read_now(cache.search, HIT, 3)
    assert first.best_confident == "broken-pipe"
    assert store.read_now(cache.search, HIT, 3) is first
    assert cache.hits == 1
    sent = first.json_bytes()
    assert json.loads(sent) == first.body  # what the API sends, encoded once per cached answer
    assert store.read_now(cache.search, HIT, 3).json_bytes() is sent
    assert store.read_now(cache.search, HIT, 4) is not first  # the limit is part of the key
    env = {"python": "3.12.1", "platform": "linux", "packages": {}}
    assert store.read_now(cache.search, HIT, 3, env) is not first  # so is the env

    (three_entries / "broken-pipe.md").unlink()
    index_solutions(store, three_entries)  # a new index generation

    after = store.read_now(cache.search, HIT, 3)
    assert after is not first
    assert after.best_confident is None
    fresh = store.read_now(run_search, HIT, 3).body  # the answer of the new index
    assert {**after.body, "took_ms": 0} == {**fresh, "took_ms": 0}


def test_the_cache_is_bounded_least_recently_used_first(fresh_store, three_entries):
    index_solutions(fresh_store, three_entries)
    cache = SearchCache(size=2, max_age_s=3600)
    a = fresh_store.read_now(cache.search, "error a", 3)
    fresh_store.read_now(cache.search, "error b", 3)
    assert fresh_store.read_now(cache.search, "error a", 3) is a  # a is now the most recent
    fresh_store.read_now(cache.search, "error c", 3)  # evicts b
    assert len(cache) == 2
    fresh_store.read_now(cache.search, "error " + "x" * SearchCache.MAX_QUERY_CHARS, 3)
    assert len(cache) == 2  # a very long text is answered, not kept
    assert fresh_store.read_now(cache.search, "error a", 3) is a
    hits = cache.hits
    fresh_store.read_now(cache.search, "error b", 3)
    assert cache.hits == hits  # b was evicted: searched again


def test_cached_answers_are_counted_like_any_other(database_url, tmp_path, three_entries):
    settings = Settings(db=tmp_path / "synapse.db", database_url=database_url, solutions=three_entries)
    app = create_app(settings)
    with TestClient(app) as client:
        answers = [client.get("/search", params={"q": HIT}).json() for _ in range(3)]
        answers.append(client.post("/search", json={"q": HIT, "limit": 5}).json())
        assert all(a["results"] == answers[0]["results"] for a in answers)
        assert app.state.search_cache.hits >= 1
        app.state.store.flush()
        assert app.state.store.read_now(stats.counters)["searches"] == 4
    store = open_store(tmp_path / "synapse.db", database_url)
    try:
        assert store.read_now(stats.counters)["searches"] == 4
    finally:
        store.close()
