"""Scenario 3: writer faults. A unit that raises, a caller that gives up, a read-only file,
a full disk, a reader that pins the WAL. Each fault must reach only the request it belongs
to, as a clear JSON error (never a 500 or a traceback), and the server must recover by
itself once the fault is gone, with the file whole.

How the faults are made, on this kind of machine (tests run as root, so permission bits do
not stop the server): a read-only file is `chattr +i` (root) or `chmod 444` (anyone else),
which makes SQLite open it read-only exactly as a wrongly owned file would; a full disk is
a small tmpfs mounted for the test and filled with zeros (needs root or CAP_SYS_ADMIN).
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
import time

import httpx
import pytest
import uvicorn
from faults import SmallDisk, can_mount, disk_full_fault, long_reader, read_only_fault
from workload import GENEROUS_LIMITS

from app.config import Settings
from app.store.writer import Writer
from app.web.factory import create_app

# -- a unit that raises, a caller that gives up ------------------------------------------------


def test_a_constraint_violation_fails_only_its_own_unit_in_a_group_commit(fresh_store):
    fresh_store.write(
        lambda c: c.execute(
            "INSERT INTO feedback (slug, worked, created_at, request_id) VALUES ('x', 1, 'now', 'taken')"
        )
    )

    def insert(conn, request_id: str) -> str:
        conn.execute(
            "INSERT INTO feedback (slug, worked, created_at, request_id) VALUES ('x', 1, 'now', ?)",
            (request_id,),
        )
        return request_id

    def half_then_raise(conn) -> None:
        insert(conn, "half")
        insert(conn, "taken")  # UNIQUE(request_id): the unit fails after one good insert

    gate = threading.Event()
    fresh_store.writer.submit(lambda c: gate.wait(10))  # everything below queues into one batch
    futures = {f"ok-{i}": fresh_store.writer.submit(insert, f"ok-{i}") for i in range(20)}
    bad = [fresh_store.writer.submit(insert, "taken"), fresh_store.writer.submit(half_then_raise)]
    gate.set()

    assert [f.result(10) for f in futures.values()] == list(futures)
    for future in bad:
        with pytest.raises(sqlite3.IntegrityError):
            future.result(10)
    assert fresh_store.write(insert, "next") == "next"
    stored = {r[0] for r in fresh_store.read().execute("SELECT request_id FROM feedback")}
    assert stored == {"taken", "next", *futures}  # "half" was rolled back with its unit
    assert fresh_store.read().execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_caller_that_gives_up_is_not_run_and_does_not_kill_the_writer(tmp_path):
    writer = Writer(tmp_path / "w.db")
    writer.call(lambda c: c.execute("CREATE TABLE t (x INTEGER)"))

    async def give_up_while_queued() -> None:
        gate = threading.Event()
        writer.submit(lambda c: gate.wait(10))
        task = asyncio.ensure_future(writer.acall(lambda c: c.execute("INSERT INTO t VALUES (1)")))
        await asyncio.sleep(0.1)
        task.cancel()  # e.g. a request handler cancelled while its write waits in the queue
        await asyncio.sleep(0.05)
        gate.set()

    asyncio.run(give_up_while_queued())
    assert writer.call(lambda c: c.execute("INSERT INTO t VALUES (2)").rowcount) == 1  # the writer lives
    assert writer.call(lambda c: [r[0] for r in c.execute("SELECT x FROM t")]) == [2]
    writer.close()


# -- a read-only database ------------------------------------------------------------------------


def test_a_read_only_database_answers_503_serves_reads_and_recovers_without_a_restart(own_server):
    run = read_only_fault(own_server(env=GENEROUS_LIMITS), writes=6)

    assert run.statuses == {503: 6}
    assert run.error_codes == {"read_only": 6}
    assert run.bad_errors == []
    assert run.reads_ok == 6
    assert run.recovered
    assert run.log_500s == []
    assert run.check.ok, run.check
    assert (run.check.feedback_stored, run.check.submissions_stored) == (2, 1)


# -- a full disk -----------------------------------------------------------------------------------


def test_a_full_disk_answers_507_keeps_the_file_whole_and_recovers_when_space_returns(own_server, tmp_path):
    if not can_mount(tmp_path / "probe"):
        pytest.skip("simulating a full disk needs a tmpfs mount (root or CAP_SYS_ADMIN); not available here")
    # the index takes ~8.5 MB (179 entries), and its WAL about as much while it is built
    with SmallDisk(tmp_path / "disk", size_mb=32) as disk:
        run = disk_full_fault(own_server(env=GENEROUS_LIMITS), disk, writes=10, refusals=10)

    assert run.statuses[507] == 10, run.statuses
    assert set(run.statuses) <= {200, 201, 507}  # some writes may still fit in the WAL: they are acknowledged
    assert run.error_codes == {"storage_full": 10}
    assert run.bad_errors == []
    assert run.reads_ok == sum(run.statuses.values())
    assert run.recovered
    assert run.log_500s == []
    assert run.check.ok, run.check
    assert run.check.feedback_stored == len(run.feedback) and run.check.submissions_stored == len(
        run.submissions
    )


# -- a reader that pins the WAL ------------------------------------------------------------------


def test_the_wal_grows_under_a_long_reader_and_is_reused_then_truncated_once_it_leaves(own_server):
    run = long_reader(own_server(env=GENEROUS_LIMITS), votes=300)

    assert run.pinned_view_held
    assert run.grown > run.start + 300 * 4096, run  # every frame kept while the snapshot is held
    assert run.reused <= run.grown, run  # afterwards frames are written over from the start
    assert run.final == 0  # and the last checkpoint truncates it
    assert run.check.ok and run.check.feedback_stored == len(run.feedback) == 620


# -- an unexpected error ---------------------------------------------------------------------------


def test_an_unexpected_error_is_a_clean_500_that_keeps_the_connection_open(tmp_path, caplog):
    """Starlette's own 500 handler re-raises; uvicorn then logs a second traceback and closes
    the connection under a keep-alive client. The last-resort handler answers and stops there."""
    app = create_app(Settings(db=tmp_path / "s.db", index_on_start=False))

    def boom():
        raise RuntimeError("secret internals")

    app.add_api_route("/boom", boom)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            first = client.get("/boom")
            second = client.get("/healthz")
    finally:
        server.should_exit = True
        thread.join(10)

    assert first.status_code == 500 and first.json()["error"]["code"] == "internal"
    assert "secret internals" not in first.text and "Traceback" not in first.text
    assert first.headers.get("connection") != "close"
    assert second.status_code == 200
    assert "Exception in ASGI application" not in caplog.text  # uvicorn saw no exception
    assert "secret internals" in caplog.text  # ours logged it, once
