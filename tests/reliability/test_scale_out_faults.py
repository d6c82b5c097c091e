"""Three nodes on one PostgreSQL under mixed load: `kill -9` of a node, then a database restart.

Real `synapse serve` processes on 127.0.0.1 and a real PostgreSQL server (tests/pg_server.py).
Clients spread votes, submissions and searches over the three nodes; one node is killed with
SIGKILL mid-load, then PostgreSQL is restarted mid-load. What must hold (docs/reliability.md):

  * every acknowledged write (a 2xx) is in the database afterwards: 0 lost;
  * the only error answers are 503 with Retry-After (the database was away); never a 500;
  * the surviving nodes answer again once the database is back, without being restarted,
    and the killed node, started again, serves the same data;
  * the vote counters equal the vote rows.
"""

from __future__ import annotations

import time

import httpx
import psycopg
import pytest
from node_load import NodeLoad
from pg_server import PgServer

CLIENTS = 6


@pytest.fixture
def cluster(own_server):
    pg = PgServer().init().start()
    url = pg.create_database()
    env = {
        "SYNAPSE_DATABASE_TIMEOUT": "1",
        "SYNAPSE_FEEDBACK_PER_HOUR": "1000000",
        "SYNAPSE_SUBMISSIONS_PER_HOUR": "1000000",
    }
    try:
        nodes = [own_server(env=env, database_url=url).start() for _ in range(3)]  # stopped by own_server
        yield pg, url, nodes
    finally:
        pg.destroy()


def _wait_healthy(node, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(node.url + "/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{node.url} did not recover:\n{node.log_text()[-3000:]}"
        time.sleep(0.2)


def _until_more_acked(load: NodeLoad, more: int, timeout: float = 120) -> None:
    """Let the load run until `more` further writes were acknowledged (progress, not a clock)."""
    target = load.acked() + more
    deadline = time.monotonic() + timeout
    while load.acked() < target:
        assert time.monotonic() < deadline, f"the load made no progress: {load.statuses} {load.bad[:3]}"
        time.sleep(0.05)


def test_three_nodes_lose_no_acknowledged_write_through_a_kill_and_a_database_restart(cluster):
    pg, url, nodes = cluster
    with NodeLoad(nodes, CLIENTS) as load:
        _until_more_acked(load, 40)
        nodes[2].stop(9)  # kill -9 of a node (its process group) mid-load
        _until_more_acked(load, 40)
        pg.stop("fast")  # the database goes away mid-load: in-flight transactions are aborted
        time.sleep(1.0)
        pg.start()
        _until_more_acked(load, 40)  # the surviving nodes answer again, without a restart
    nodes[2].start()  # the killed node, started again
    for node in nodes:
        _wait_healthy(node)

    assert not load.bad, load.bad[:5]
    assert load.statuses.get(503, 0) > 0, load.statuses  # the outage was seen, and answered 503
    with psycopg.connect(url) as conn:
        votes = {r[0] for r in conn.execute("SELECT request_id FROM feedback")}
        subs = {r[0] for r in conn.execute("SELECT id FROM submissions")}
        worked, failed = conn.execute(
            "SELECT worked, failed FROM entry_stats WHERE slug = 'broken-pipe'"
        ).fetchone()
    assert load.acked_votes <= votes, f"{len(load.acked_votes - votes)} acknowledged votes lost"
    assert load.acked_submissions <= subs, f"{len(load.acked_submissions - subs)} submissions lost"
    assert worked + failed == len(votes)
    for node in nodes:  # every node serves the same data
        stats = httpx.get(f"{node.url}/api/solutions/broken-pipe", timeout=30).json()
        assert stats["title"]
    print(
        f"acknowledged: {len(load.acked_votes)} votes, {len(load.acked_submissions)} submissions; "
        f"statuses {load.statuses}; refused connections to the killed node {len(load.transport_errors)}"
    )
