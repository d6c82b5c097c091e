"""The single writer: every write lands, failures reach their caller, shutdown drains."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time

import pytest
from concurrent_writes import write_from_threads

from app.store.connections import open_reader, sqlite
from app.store.sqlite_store import Store, StoreClosed
from app.store.writer import Writer, WriterClosed


@pytest.fixture
def writer(tmp_path):
    w = Writer(tmp_path / "w.db")
    w.call(lambda c: c.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER)"))
    yield w
    w.close()


def _insert(conn, key: str) -> str:
    conn.execute("INSERT INTO t (id, n) VALUES (?, 1)", (key,))
    return key


def test_sixteen_threads_times_two_hundred_writes_all_land(writer, tmp_path):
    expected = {f"{t}-{i}" for t in range(16) for i in range(200)}
    acknowledged = write_from_threads(lambda key: writer.call(_insert, key), 16, 200, "")
    stored = {row[0] for row in open_reader(tmp_path / "w.db").execute("SELECT id FROM t")}
    assert acknowledged == expected
    assert stored == expected


def test_exception_reaches_its_caller_and_the_next_write_works(writer, tmp_path):
    writer.call(_insert, "a")
    with pytest.raises(sqlite3.IntegrityError):
        writer.call(_insert, "a")
    with pytest.raises(ZeroDivisionError):
        writer.call(lambda c: 1 / 0)
    assert writer.call(_insert, "b") == "b"
    stored = {row[0] for row in open_reader(tmp_path / "w.db").execute("SELECT id FROM t")}
    assert stored == {"a", "b"}


def test_failing_unit_in_a_batch_rolls_back_alone(writer, tmp_path):
    """Queued units share a transaction; a failure undoes only its own statements."""

    def half_then_fail(conn):
        conn.execute("INSERT INTO t (id, n) VALUES ('half', 1)")
        raise ValueError("boom")

    futures = [writer.submit(_insert, "x1"), writer.submit(half_then_fail), writer.submit(_insert, "x2")]
    assert futures[0].result() == "x1"
    with pytest.raises(ValueError):
        futures[1].result()
    assert futures[2].result() == "x2"
    stored = {row[0] for row in open_reader(tmp_path / "w.db").execute("SELECT id FROM t")}
    assert stored == {"x1", "x2"}


def test_await_form_returns_results_and_exceptions(writer):
    async def go():
        assert await writer.acall(_insert, "async-1") == "async-1"
        with pytest.raises(sqlite3.IntegrityError):
            await writer.acall(_insert, "async-1")

    asyncio.run(go())


def test_shutdown_drains_the_queue(tmp_path):
    w = Writer(tmp_path / "d.db")
    w.call(lambda c: c.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER)"))
    gate = threading.Event()
    w.submit(lambda c: gate.wait(5))  # holds the writer while more work queues up
    futures = [w.submit(_insert, f"k{i}") for i in range(300)]
    closer = threading.Thread(target=w.close)
    closer.start()
    gate.set()
    closer.join(10)
    assert [f.result(timeout=1) for f in futures] == [f"k{i}" for i in range(300)]
    with pytest.raises(WriterClosed):
        w.submit(_insert, "late")
    assert open_reader(tmp_path / "d.db").execute("SELECT count(*) FROM t").fetchone()[0] == 300


def test_every_connection_has_wal_and_busy_timeout(writer, tmp_path):
    assert writer.call(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"
    assert writer.call(lambda c: c.execute("PRAGMA busy_timeout").fetchone()[0]) == 5000
    assert writer.call(lambda c: c.execute("PRAGMA synchronous").fetchone()[0]) == 1  # NORMAL
    reader = open_reader(tmp_path / "w.db")
    assert reader.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reader_connections_cannot_write(writer, tmp_path):
    reader = open_reader(tmp_path / "w.db")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.execute("INSERT INTO t (id, n) VALUES ('r', 1)")


def test_store_gives_each_thread_its_own_reader(fresh_store):
    seen = []

    def grab():
        seen.append(id(fresh_store.read()))

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(set(seen)) == 4
    assert fresh_store.read() is fresh_store.read()


def test_execute_read_runs_the_function_on_a_read_thread_with_that_threads_connection(fresh_store):
    def where(conn, tag):
        assert conn is fresh_store.read(), "the connection of the thread running the function"
        return tag, threading.get_ident(), conn.execute("SELECT count(*) FROM entries").fetchone()[0]

    async def go():
        loop_thread = threading.get_ident()
        tag, thread, count = await fresh_store.execute_read(where, "t")
        assert (tag, count) == ("t", 0)
        assert thread != loop_thread, "never on the event loop"
        with pytest.raises(ZeroDivisionError):
            await fresh_store.execute_read(lambda conn: 1 / 0)

    asyncio.run(go())
    assert fresh_store.read_now(where, "now")[1] == threading.get_ident()


def test_close_closes_the_reader_of_every_thread_and_joins_the_writer(tmp_path):
    store = Store(tmp_path / "c.db")
    readers = [store.read()]
    grab = threading.Thread(target=lambda: readers.append(store.read()))
    grab.start()
    grab.join()
    readers.append(asyncio.run(store.execute_read(lambda conn: conn)))

    store.close()

    assert len({id(conn) for conn in readers}) == 3
    for conn in readers:
        with pytest.raises(sqlite.ProgrammingError, match="closed"):
            conn.execute("SELECT 1")
    assert not store.writer._thread.is_alive()
    with pytest.raises(StoreClosed):
        store.read()


def test_close_waits_for_a_stuck_writer_only_until_the_timeout(tmp_path):
    store = Store(tmp_path / "s.db")
    gate = threading.Event()
    store.writer.submit(lambda conn: gate.wait(10))
    started = time.monotonic()

    store.close(timeout=0.2)

    assert time.monotonic() - started < 5
    gate.set()
    store.writer._thread.join(10)
    assert not store.writer._thread.is_alive()


def test_a_failing_queued_write_is_logged(fresh_store, caplog):
    def broken(conn):
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    with caplog.at_level(logging.ERROR, logger="synapse.store"):
        fresh_store.write_later(broken)
        fresh_store.write(lambda conn: None)  # the queue is FIFO: the failed unit has run by now

    [record] = [r for r in caplog.records if r.name == "synapse.store"]
    assert "queued write failed" in record.getMessage() and "no_such_table" in record.getMessage()
    assert record.exc_info is not None
