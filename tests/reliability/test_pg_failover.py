"""Failover to a standby: two nodes on a PostgreSQL primary with a synchronous standby.

Real `synapse serve` processes on 127.0.0.1 reach "the current primary" through one libpq
multi-host URL (`postgresql://u@h1:p1,h2:p2/db?target_session_attrs=read-write`): every new
connection skips a server that is down or read-only. Clients spread votes, submissions and
searches over both nodes; mid-load the primary is stopped hard (`pg_ctl stop -m immediate`),
then the standby is promoted (`pg_ctl promote`). Only PostgreSQL's own replication is used.
What must hold (docs/scaling.md, docs/reliability.md):

  * every write acknowledged (a 2xx) before, during and after the switch is in the promoted
    database: 0 lost (synchronous replication: COMMIT returns once the standby has it);
  * clients see only 2xx, or 503 with Retry-After while no primary is reachable; never a 500,
    and no traceback in the nodes' logs;
  * both nodes serve writes again after the promotion without being restarted;
  * an entry approved after the failover is found on both nodes (the in-memory index's
    LISTEN connection found the new primary).
"""

from __future__ import annotations

import re
import time

import httpx
import psycopg
import pytest
from node_load import NodeLoad
from pg_server import PgServer, multi_host_url

CLIENTS = 6
ADMIN_TOKEN = "failover-admin-token-0123456789"
PASSWORD = "not-shown-anywhere"  # trust authentication ignores it; /healthz must not show it
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
NEW_ERROR = "failover.PromotedError: written after the standby became the primary"


@pytest.fixture
def failover_cluster(own_server):
    """A primary, its synchronous standby, and two nodes on the multi-host URL of both."""
    servers: list[PgServer] = []
    try:
        primary = PgServer().init().start()
        servers.append(primary)
        name = primary.create_database().rsplit("/", 1)[1]
        standby = primary.standby()
        servers.append(standby)
        standby.start()
        primary.replicate_synchronously()
        url = multi_host_url([primary, standby], name).replace("postgres@", f"postgres:{PASSWORD}@", 1)
        env = {
            "SYNAPSE_DATABASE_TIMEOUT": "1",
            "SYNAPSE_ADMIN_TOKEN": ADMIN_TOKEN,
            "SYNAPSE_FEEDBACK_PER_HOUR": "1000000",
            "SYNAPSE_SUBMISSIONS_PER_HOUR": "1000000",
        }
        nodes = [own_server(env=env, database_url=url).start() for _ in range(2)]  # stopped by own_server
        yield primary, standby, url, nodes
    finally:
        for server in servers:
            server.destroy()


def _wait_for(what: str, condition, load: NodeLoad, timeout: float = 120) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds (a guard, not a measure)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: {load.statuses} {load.bad[:3]}"
        time.sleep(0.05)


def _approve_on(node, client_node) -> str:
    """Submit on `client_node`, approve on `node` (admin session); the new entry's slug."""
    body = {
        "title": "An error written after the failover",
        "errors": [NEW_ERROR],
        "symptom": "- raised after the standby was promoted",
        "root_cause": "The entry exists only on the promoted primary, so only it can have indexed it.",
        "fixes": [{"title": "Nothing to fix", "language": "python", "code": "print('ok')\n"}],
        "tags": ["postgresql"],
    }
    created = httpx.post(client_node.url + "/api/submissions", json=body, timeout=30)
    assert created.status_code == 201, created.text[:300]
    with httpx.Client(base_url=node.url, timeout=30) as admin:
        page = admin.get("/admin/login")
        token = CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
        admin.post("/admin/login", data={"csrf_token": token, "token": ADMIN_TOKEN})
        approved = admin.post(f"/admin/review/{created.json()['id']}/approve", data={"csrf_token": token})
        assert approved.status_code == 303, approved.text[:300]
        return approved.headers["location"].rsplit("/", 1)[1]


def test_two_nodes_lose_no_acknowledged_write_when_the_standby_is_promoted(failover_cluster):
    primary, standby, url, nodes = failover_cluster
    started = time.monotonic()
    for node in nodes:  # the multi-host URL, without its password, in the health report
        health = httpx.get(node.url + "/healthz", timeout=30).json()
        assert health["postgresql"]["url"] == url.replace(PASSWORD, "***"), health
        assert PASSWORD not in str(health)

    with NodeLoad(nodes, CLIENTS, vote_kinds=(0, 2)) as load:
        _wait_for("writes before the failover", lambda: load.acked() >= 40, load)
        before = load.acked()
        killed = time.monotonic()
        primary.stop("immediate")  # the primary dies: no shutdown checkpoint, connections cut
        refused_before = load.count(503)
        _wait_for("503s while no primary", lambda: load.count(503) >= refused_before + 6, load)
        promoted_at = time.monotonic()
        standby.promote()
        promoted = time.monotonic()
        refused_at_promotion = load.count(503)
        after = load.acked()
        # both nodes acknowledge writes again, without a restart (progress, not a clock)
        _wait_for(
            "writes on both nodes after the promotion",
            lambda: (
                {base for t, base in load.write_acks[after:] if t > promoted} == {n.url for n in nodes}
                and load.acked() >= after + 40
            ),
            load,
        )

    assert not load.bad, load.bad[:5]
    assert not load.transport_errors, load.transport_errors[:3]
    resumed = min(t for t, _ in load.write_acks if t > promoted_at)  # no primary between kill and promote

    # an entry approved now on one node is found on both: the other node's index listener
    # reconnected to the new primary (its LISTEN connection died with the old one)
    slug = _approve_on(nodes[1], client_node=nodes[0])
    for node in nodes:
        deadline = time.monotonic() + 60
        while (
            match := httpx.get(node.url + "/search", params={"q": NEW_ERROR}, timeout=30).json()["match"]
        ) != slug:
            assert time.monotonic() < deadline, (
                f"{node.url} never indexed {slug}: {match}\n{node.log_text()[-3000:]}"
            )
            time.sleep(0.05)

    with psycopg.connect(url, connect_timeout=10) as conn:
        assert conn.info.port == standby.port  # the URL now reaches the promoted standby
        votes = {r[0] for r in conn.execute("SELECT request_id FROM feedback")}
        subs = {r[0] for r in conn.execute("SELECT id FROM submissions")}
        stats = conn.execute("SELECT worked, failed FROM entry_stats WHERE slug = 'broken-pipe'").fetchone()
    assert stats is not None
    worked, failed = stats
    assert load.acked_votes <= votes, f"{len(load.acked_votes - votes)} acknowledged votes lost"
    assert load.acked_submissions <= subs, f"{len(load.acked_submissions - subs)} submissions lost"
    assert worked + failed == len(votes)
    for node in nodes:
        assert "Traceback" not in node.log_text(), node.log_text()[-3000:]
        assert httpx.get(node.url + "/healthz", timeout=30).status_code == 200

    print(
        f"\nacknowledged: {len(load.acked_votes)} votes, {len(load.acked_submissions)} submissions "
        f"({before} before the kill, {load.acked() - after} after the promotion); statuses {load.statuses}, "
        f"503s after promote returned {load.count(503) - refused_at_promotion}; "
        f"first write acknowledged "
        f"{resumed - killed:.2f} s after the kill, {resumed - promoted_at:.2f} s after promote was called "
        f"(promote took {promoted - promoted_at:.2f} s); test {time.monotonic() - started:.1f} s"
    )
