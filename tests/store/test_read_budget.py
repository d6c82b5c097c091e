"""A read for a web request has a time budget on both engines: past it the read is cancelled as
a "busy" storage fault (503 with Retry-After), and the connection serves the next read."""

from __future__ import annotations

import asyncio

import pytest

from app.store.engine import storage_fault

# Runs for minutes on either engine unless something cancels it.
ENDLESS = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000)"
    " SELECT count(*) FROM c"
)


def count_forever(conn):
    return conn.execute(ENDLESS).fetchone()[0]


def one(conn):
    return conn.execute("SELECT 1").fetchone()[0]


def test_a_read_past_its_budget_is_a_busy_fault_and_the_next_read_works(engine_store):
    with pytest.raises(Exception) as caught:
        asyncio.run(engine_store.execute_read(count_forever, budget_s=0.2))
    assert storage_fault(caught.value) == "busy"

    for _ in range(3):  # every pooled or per-thread connection is usable again
        assert asyncio.run(engine_store.execute_read(one)) == 1


def test_the_budget_does_not_outlive_the_read_on_postgres(pg_url, tmp_path):
    from app.store.engine import open_store

    store = open_store(tmp_path / "unused.db", pg_url)
    try:
        with pytest.raises(Exception) as caught:
            asyncio.run(store.execute_read(count_forever, budget_s=0.2))
        assert storage_fault(caught.value) == "busy"
        # Connections go back to the pool with the server's default (no timeout) restored.
        assert store.read_now(lambda conn: conn.execute("SHOW statement_timeout").fetchone()[0]) == "0"
    finally:
        store.close()
