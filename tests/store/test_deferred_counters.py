"""Search counters kept in memory and written about once a second (app.store.deferred,
app.search.stats.SearchCounters): what reaches the database after a flush, on close and
through the app's shutdown, on both engines. No test waits for the timer: each one flushes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings
from app.corpus.indexer import index_solutions
from app.search import service, stats
from app.store.engine import open_store
from app.web.factory import create_app

HIT = "BrokenPipeError: [Errno 32] Broken pipe"
MISS = "flurbdb.ZonkError: cannot frob the zonk 77"


def queries(conn) -> dict[str, tuple]:
    rows = conn.execute("SELECT norm, count, confident, last_slug FROM queries").fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def snapshot(conn) -> dict:
    return {
        "counters": stats.counters(conn),
        "queries": queries(conn),
        "matched": conn.execute("SELECT matched FROM entry_stats WHERE slug = 'broken-pipe'").fetchone()[0],
        "clients": conn.execute("SELECT count(*) FROM query_clients").fetchone()[0],
    }


def search_and_count(store, q: str, client: str) -> service.SearchResult:
    result = store.read_now(service.run_search, q, 3)
    service.record(store, result, client)
    return result


def test_counters_stay_in_memory_until_a_flush_then_equal_one_write_per_search(engine_store, three_entries):
    store = engine_store
    index_solutions(store, three_entries)
    hit = search_and_count(store, HIT, "10.0.0.1")
    assert hit.best_confident == "broken-pipe"
    for client in ("10.0.0.1", "10.0.0.2", "10.0.0.2"):
        search_and_count(store, HIT, client)
        search_and_count(store, MISS, client)

    # The same searches written one unit each, the way they were before, on a second store.
    expected_store = open_store(store.path.parent / "expected.db") if store.engine == "sqlite" else None
    store.flush()
    got = store.read_now(snapshot)

    assert got["counters"]["searches"] == 7
    assert got["counters"]["confident_searches"] == 4
    assert got["counters"]["tokens_saved"] > 0
    assert got["matched"] == 4
    assert got["clients"] == 2  # distinct clients of the unanswered query, hashed
    by_count = sorted(got["queries"].values())
    assert by_count == [(3, 0, None), (4, 4, "broken-pipe")]

    if expected_store is not None:
        try:
            index_solutions(expected_store, three_entries)
            for q, client in [(HIT, "10.0.0.1")] + [
                (q, c) for c in ("10.0.0.1", "10.0.0.2", "10.0.0.2") for q in (HIT, MISS)
            ]:
                r = expected_store.read_now(service.run_search, q, 3)
                expected_store.write(stats.record_search, r.normalized, r.best_confident, client)
            expected = expected_store.read_now(snapshot)
            assert got["counters"] == expected["counters"]
            assert got["queries"] == expected["queries"]
            assert got["matched"] == expected["matched"]
            assert got["clients"] == expected["clients"]
        finally:
            expected_store.close()

    store.flush()  # nothing pending: nothing written twice
    assert store.read_now(stats.counters)["searches"] == 7


def test_nothing_is_written_before_the_flush(engine_store, three_entries):
    store = engine_store
    index_solutions(store, three_entries)
    counters = stats.search_counters(store)
    counters.add("some normalised query", None, "10.0.0.9")
    assert counters.take() is not None  # held in memory (taken here, so the timer cannot race)
    assert store.read_now(stats.counters)["searches"] == 0


def test_close_writes_the_counters_still_in_memory(database_url, tmp_path, three_entries):
    store = open_store(tmp_path / "synapse.db", database_url)
    try:
        index_solutions(store, three_entries)
        for _ in range(5):
            search_and_count(store, HIT, "10.0.0.1")
    finally:
        store.close()
    again = open_store(tmp_path / "synapse.db", database_url)
    try:
        assert again.read_now(stats.counters)["searches"] == 5
        assert again.read_now(snapshot)["matched"] == 5
    finally:
        again.close()


def test_the_apps_shutdown_writes_the_counters(database_url, tmp_path, three_entries):
    settings = Settings(db=tmp_path / "synapse.db", database_url=database_url, solutions=three_entries)
    with TestClient(create_app(settings)) as client:
        for _ in range(3):
            assert client.get("/search", params={"q": HIT}).status_code == 200
        assert client.post("/search", json={"q": MISS}).status_code == 200
    store = open_store(tmp_path / "synapse.db", database_url)
    try:
        assert store.read_now(stats.counters)["searches"] == 4
        assert store.read_now(snapshot)["matched"] == 3
    finally:
        store.close()
