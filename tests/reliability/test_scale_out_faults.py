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

import threading
import time
import uuid

import httpx
import psycopg
import pytest
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


class Load:
    """Client threads spreading writes and reads over the nodes, keeping what was acknowledged."""

    def __init__(self, nodes: list):
        self.nodes = nodes
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked_votes: set[str] = set()
        self.acked_submissions: set[str] = set()
        self.statuses: dict[int, int] = {}
        self.bad: list[str] = []
        self.transport_errors = 0
        self.threads = [threading.Thread(target=self.client, args=(k,)) for k in range(CLIENTS)]

    def client(self, k: int) -> None:
        i = 0
        with httpx.Client(timeout=30) as http:
            while not self.stop.is_set():
                i += 1
                node = self.nodes[(k + i) % len(self.nodes)]
                try:
                    self.one(http, node.url, k, i)
                except httpx.TransportError:
                    with self.lock:  # the killed node refuses connections: a balancer routes around it
                        self.transport_errors += 1
                    time.sleep(0.01)

    def one(self, http: httpx.Client, base: str, k: int, i: int) -> None:
        kind = i % 4
        if kind == 0:
            rid = f"v-{k}-{i}-{uuid.uuid4().hex[:6]}"
            r = http.post(
                f"{base}/api/solutions/broken-pipe/feedback", json={"worked": i % 3 != 0, "request_id": rid}
            )
            self.note(r, lambda: self.acked_votes.add(rid))
        elif kind == 1 and i % 8 == 1:
            error = f"KeyError: 'model-{k}-{i}-{uuid.uuid4().hex[:6]}'"
            body = {
                "title": f"Model missing {k} {i}",
                "errors": [error],
                "symptom": "- raises at once",
                "root_cause": "The model was never pulled into this server's store.",
                "fixes": [{"title": "Pull it", "language": "python", "code": "print('pull')\n"}],
                "tags": ["ollama"],
            }
            r = http.post(f"{base}/api/submissions", json=body)
            self.note(r, lambda: self.acked_submissions.add(r.json()["id"]))
        else:
            r = http.get(f"{base}/search", params={"q": "BrokenPipeError: [Errno 32] Broken pipe"})
            self.note(r, lambda: None)

    def note(self, r: httpx.Response, on_success) -> None:
        with self.lock:
            self.statuses[r.status_code] = self.statuses.get(r.status_code, 0) + 1
            if 200 <= r.status_code < 300:
                on_success()
            elif r.status_code != 503 or not r.headers.get("retry-after", "").isdigit():
                self.bad.append(f"{r.status_code} {r.request.url.path}: {r.text[:200]}")

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)


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


def _acked_count(load: Load) -> int:
    with load.lock:
        return len(load.acked_votes) + len(load.acked_submissions)


def _until_more_acked(load: Load, more: int, timeout: float = 120) -> None:
    """Let the load run until `more` further writes were acknowledged (progress, not a clock)."""
    target = _acked_count(load) + more
    deadline = time.monotonic() + timeout
    while _acked_count(load) < target:
        assert time.monotonic() < deadline, f"the load made no progress: {load.statuses} {load.bad[:3]}"
        time.sleep(0.05)


def test_three_nodes_lose_no_acknowledged_write_through_a_kill_and_a_database_restart(cluster):
    pg, url, nodes = cluster
    with Load(nodes) as load:
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
        f"statuses {load.statuses}; refused connections to the killed node {load.transport_errors}"
    )
