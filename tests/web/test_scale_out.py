"""Stateless nodes: two `synapse serve` processes on one PostgreSQL database, any node answers.

Real servers (subprocesses on 127.0.0.1) on a real PostgreSQL server the tests start
themselves. What one node writes, the other serves; a browser's CSRF token and admin
session from one node work on the other; rate limits count across nodes; an outage of
the database is 503 with Retry-After and the node recovers without a restart.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
from live_server import LiveServer
from pg_server import PgServer
from submission_data import NEW_ERROR, valid_submission

ADMIN_TOKEN = "scale-out-admin-token-0123456789"
FEEDBACK_LIMIT = 5
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
VISIBLE_WITHIN_S = 10.0  # a failure guard only; the measured delay is printed (docs/scaling.md)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory, pg_server):
    """Two nodes on one PostgreSQL database, with an admin token and a small feedback limit."""
    url = pg_server.create_database()
    env = {"SYNAPSE_ADMIN_TOKEN": ADMIN_TOKEN, "SYNAPSE_FEEDBACK_PER_HOUR": str(FEEDBACK_LIMIT)}
    started = []
    try:
        for name in ("a", "b"):
            folder = tmp_path_factory.mktemp(f"node-{name}")
            started.append(LiveServer(folder / "unused.db", env=env, database_url=url).start())
        yield started
    finally:
        for server in started:
            server.stop()


def csrf_from(client: httpx.Client, path: str) -> tuple[str, str]:
    """A page's CSRF token and the cookie that carries it."""
    page = client.get(path)
    assert page.status_code == 200, page.text[:300]
    return CSRF_FIELD.search(page.text).group(1), client.cookies["synapse_csrf"]


def test_both_nodes_report_postgresql_and_answer_alike(nodes):
    for node in nodes:
        health = httpx.get(node.url + "/healthz", timeout=30).json()
        assert health["engine"] == "postgresql"
        assert health["postgresql"]["version"].split(".")[0].isdigit()
    queries = [
        "sqlite3.OperationalError: database is locked",
        "BrokenPipeError: [Errno 32] Broken pipe",
        "x y z",
    ]
    answers = [
        [httpx.get(node.url + "/search", params={"q": q}, timeout=30).json()["results"] for q in queries]
        for node in nodes
    ]
    assert answers[0] == answers[1]
    assert answers[0][0][0]["slug"] == "sqlite-database-locked"


def test_a_session_and_csrf_token_from_one_node_work_on_the_other(nodes):
    node_a, node_b = nodes
    with httpx.Client(base_url=node_a.url, timeout=30) as a:
        token, csrf_cookie = csrf_from(a, "/admin/login")
    with httpx.Client(base_url=node_b.url, timeout=30, cookies={"synapse_csrf": csrf_cookie}) as b:
        login = b.post("/admin/login", data={"csrf_token": token, "token": ADMIN_TOKEN})
        assert login.status_code == 303, login.text[:300]
        session = login.cookies["synapse_admin"]
    for value, status in ((session, 200), (session[:-4] + "0000", 401)):
        with httpx.Client(base_url=node_a.url, timeout=30, cookies={"synapse_admin": value}) as a:
            assert a.get("/admin/review").status_code == status


def test_an_entry_approved_on_one_node_is_searchable_on_the_other(nodes):
    node_a, node_b = nodes
    created = httpx.post(node_a.url + "/api/submissions", json=valid_submission(), timeout=30)
    assert created.status_code == 201, created.text[:300]
    sub_id = created.json()["id"]

    with httpx.Client(base_url=node_b.url, timeout=30) as b:
        token, _ = csrf_from(b, "/admin/login")
        b.post("/admin/login", data={"csrf_token": token, "token": ADMIN_TOKEN})
        approved = b.post(f"/admin/review/{sub_id}/approve", data={"csrf_token": token})
        assert approved.status_code == 303, approved.text[:300]
        slug = approved.headers["location"].rsplit("/", 1)[1]
        assert (
            b.get("/search", params={"q": NEW_ERROR}).json()["match"] == slug
        )  # the approving node: at once

    started = time.monotonic()
    with httpx.Client(base_url=node_a.url, timeout=30) as a:
        while (match := a.get("/search", params={"q": NEW_ERROR}).json()["match"]) != slug:
            assert time.monotonic() - started < VISIBLE_WITHIN_S, match
            time.sleep(0.01)
    print(f"visible on the other node after {1000 * (time.monotonic() - started):.0f} ms")


def test_rate_limits_count_across_nodes(nodes):
    statuses = []
    for i in range(3 * FEEDBACK_LIMIT):
        node = nodes[i % 2]
        response = httpx.post(
            f"{node.url}/api/solutions/broken-pipe/feedback", json={"worked": True}, timeout=30
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) > 0
    assert statuses.count(200) == FEEDBACK_LIMIT, statuses
    assert statuses.count(429) == 2 * FEEDBACK_LIMIT


# -- the database goes away and comes back -------------------------------------------------------


def test_a_database_outage_is_503_with_retry_after_and_the_node_recovers(tmp_path):
    pg = PgServer().init().start()
    try:
        node = LiveServer(
            tmp_path / "unused.db", env={"SYNAPSE_DATABASE_TIMEOUT": "1"}, database_url=pg.create_database()
        ).start()
        try:
            with httpx.Client(base_url=node.url, timeout=30) as client:
                assert (
                    client.post("/api/solutions/broken-pipe/feedback", json={"worked": True}).status_code
                    == 200
                )
                pg.stop()
                for method, path, body in (
                    ("POST", "/api/solutions/broken-pipe/feedback", {"worked": True}),
                    ("GET", "/api/solutions/broken-pipe", None),
                    ("GET", "/search?q=BrokenPipeError", None),
                    ("GET", "/healthz", None),
                ):
                    response = client.request(method, path, json=body)
                    assert response.status_code == 503, (path, response.status_code, response.text[:300])
                    assert int(response.headers["retry-after"]) > 0
                    assert response.json()["error"]["code"] == "storage_error"
                pg.start()
                deadline = time.monotonic() + 30
                while (status := client.get("/healthz").status_code) != 200:
                    assert status == 503 and time.monotonic() < deadline
                    time.sleep(0.2)
                voted = client.post("/api/solutions/broken-pipe/feedback", json={"worked": True})
                assert voted.status_code == 200
                assert voted.json()["stats"]["worked"] == 2  # the vote before the outage is still there
        finally:
            node.stop()
    finally:
        pg.destroy()
