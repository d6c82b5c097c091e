"""The write path seen through the store, on both engines: every acknowledged write lands, a
failure reaches its caller and leaves no half-written rows, queued writes survive `close()`.

(tests/store/test_writer.py covers SQLite's single writer thread itself.)"""

from __future__ import annotations

import asyncio

import pytest
from concurrent_writes import write_from_threads

from app.store.engine import database_error_classes, open_store
from app.store.sqlite_store import StoreClosed
from app.store.writer import WriterClosed


def add_counter(conn, name: str) -> str:
    conn.execute("INSERT INTO counters (name, value) VALUES (?, 1)", (name,))
    return name


def names(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM counters WHERE name LIKE 'w-%'")}


def test_eight_threads_times_fifty_writes_all_land(engine_store):
    expected = {f"w-{t}-{i}" for t in range(8) for i in range(50)}
    acknowledged = write_from_threads(lambda key: engine_store.write(add_counter, key), 8, 50, "w-")
    assert acknowledged == expected
    assert engine_store.read_now(names) == expected


def test_a_failure_reaches_its_caller_and_the_next_write_works(engine_store):
    engine_store.write(add_counter, "w-a")
    with pytest.raises(database_error_classes()):
        engine_store.write(add_counter, "w-a")  # the same key twice
    with pytest.raises(ZeroDivisionError):
        engine_store.write(lambda conn: 1 / 0)
    assert engine_store.write(add_counter, "w-b") == "w-b"
    assert engine_store.read_now(names) == {"w-a", "w-b"}


def test_a_unit_that_fails_halfway_leaves_nothing_behind(engine_store):
    def half_then_fail(conn):
        add_counter(conn, "w-half")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        engine_store.write(half_then_fail)
    assert engine_store.read_now(names) == set()


def test_the_await_form_returns_results_and_exceptions(engine_store):
    async def go():
        assert await engine_store.awrite(add_counter, "w-async") == "w-async"
        with pytest.raises(database_error_classes()):
            await engine_store.awrite(add_counter, "w-async")

    asyncio.run(go())


def test_queued_writes_land_before_close_returns_and_later_ones_are_refused(database_url, tmp_path):
    store = open_store(tmp_path / "synapse.db", database_url)
    for i in range(100):
        store.write_later(add_counter, f"w-later-{i}")
    store.close()
    with pytest.raises((StoreClosed, WriterClosed)):
        store.write(add_counter, "w-too-late")

    reopened = open_store(tmp_path / "synapse.db", database_url)
    try:
        assert reopened.read_now(names) == {f"w-later-{i}" for i in range(100)}
    finally:
        reopened.close()
