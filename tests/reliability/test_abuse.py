"""Scenario 5: abuse. Rate limits that hold across worker processes, bodies refused before
they are read, admin pages closed to strangers, pending submissions invisible to everyone.
"""

from __future__ import annotations

import threading
import time
import uuid

import httpx
from hostile import child_pids, connections_by_process, raw_post
from workload import GENEROUS_LIMITS, submission_payload

from app.submissions.review import slugify

LIMIT = 256 * 1024  # Settings.max_body_bytes
TOKEN = "reliability-admin-token-0123456789"


# -- rate limits ---------------------------------------------------------------------------------


def simultaneous_votes(url: str, count: int) -> tuple[list[tuple[int, str]], list[httpx.Client]]:
    """`count` votes sent at the same instant, each on its own connection (left open)."""
    clients = [httpx.Client(base_url=url, timeout=30) for _ in range(count)]
    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(count)

    def vote(client: httpx.Client) -> None:
        barrier.wait()
        response = client.post("/api/solutions/broken-pipe/feedback", json={"worked": True})
        answers.append((response.status_code, response.headers.get("retry-after", "")))

    threads = [threading.Thread(target=vote, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, clients


def test_rate_limits_hold_across_two_worker_processes(own_server):
    server = own_server(
        workers=2, env={"SYNAPSE_FEEDBACK_PER_HOUR": "10", "SYNAPSE_SUBMISSIONS_PER_HOUR": "3"}
    ).start()
    workers = child_pids(server.proc.pid)
    answers: list[tuple[int, str]] = []
    submitted: list[int] = []
    served_by: set[int] = set()
    for _ in range(6):  # batches until both workers were seen serving (the kernel picks who accepts)
        batch, clients = simultaneous_votes(server.url, 15)
        answers += batch
        held = connections_by_process(workers, server.port)  # the batch's connections are still open
        served_by |= {pid for pid, count in held.items() if count}
        for client in clients[:4]:
            payload = submission_payload(uuid.uuid4().hex[:8])
            submitted.append(client.post("/api/submissions", json=payload).status_code)
        for client in clients:
            client.close()
        if len(served_by) == 2 and len(answers) >= 30:
            break

    assert len(served_by) == 2, "both worker processes must have taken votes"
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 10 + [429] * (len(answers) - 10)  # exactly the limit, not 2 x the limit
    assert all(int(retry) > 0 for status, retry in answers if status == 429)
    assert sorted(submitted) == [201] * 3 + [429] * (len(submitted) - 3)


# -- oversized bodies ----------------------------------------------------------------------------


def test_a_declared_1_gb_body_is_refused_at_once_without_being_read(own_server):
    server = own_server().start()
    head = {"Content-Type": "application/json", "Content-Length": str(1 << 30)}
    for path in ("/search", "/api/submissions", "/api/solutions/broken-pipe/feedback", "/submit"):
        answer, sent, _ = raw_post(server.port, path, head, [b"{" * 1024])

        assert answer.startswith(b"HTTP/1.1 413 "), (path, answer[:100])
        assert b'"too_large"' in answer, path
        assert sent == 1024, path  # answered after the first KiB: the declared GiB was never read


def test_a_chunked_upload_is_cut_off_soon_after_the_limit(own_server):
    server = own_server().start()
    block = b"a" * 65536
    chunks = (b"%x\r\n%s\r\n" % (len(block), block) for _ in range(4096))  # 256 MiB offered
    head = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}

    answer, sent, _ = raw_post(server.port, "/search", head, chunks)

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:100]
    # what was sent before the answer is the limit plus the kernel's socket buffers (a few MiB)
    assert sent < 16 * 1024 * 1024, f"the server let {sent} bytes in before refusing"
    # the server is fine afterwards
    assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200


# -- admin pages ---------------------------------------------------------------------------------


def test_admin_pages_do_not_exist_without_a_configured_token(own_server):
    server = own_server().start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for path in ("/admin/review", "/admin/login", "/admin/review/sub_000000000000"):
            assert client.get(path).status_code == 404, path
            assert client.get(path, headers={"authorization": "Bearer anything"}).status_code == 404, path
        assert client.post("/admin/review/sub_000000000000/approve").status_code == 404


def test_admin_pages_refuse_a_missing_or_wrong_token(own_server):
    server = own_server(env={"SYNAPSE_ADMIN_TOKEN": TOKEN, **GENEROUS_LIMITS}).start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        sub_id = client.post("/api/submissions", json=submission_payload("admin")).json()["id"]
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {TOKEN}"}):
            assert client.get("/admin/review", headers=headers).status_code == 401
            assert client.get(f"/admin/review/{sub_id}", headers=headers).status_code == 401
            assert client.post(f"/admin/review/{sub_id}/approve", headers=headers).status_code == 401
        assert client.get(f"/api/submissions/{sub_id}").json()["status"] == "pending"
        assert client.get("/admin/review", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200


# -- pending submissions ---------------------------------------------------------------------------


def public_views(client: httpx.Client, error: str, title: str, slug: str) -> dict[str, bool]:
    """Whether each public door shows the submission (by its slug, title or error text).
    Search pages echo the query, so there only the title or a link to the entry counts."""
    marker = error.split(":")[0]

    def shows(response: httpx.Response) -> bool:
        return response.status_code == 200 and (marker in response.text or title in response.text)

    def lists(response: httpx.Response) -> bool:
        return response.status_code == 200 and (
            title in response.text or f"/solutions/{slug}" in response.text
        )

    search = client.post("/search", json={"q": error, "limit": 50}).json()
    return {
        "search json": any(r["slug"] == slug for r in search["results"]),
        "search get": lists(client.get("/search", params={"q": error, "limit": 50, "format": "json"})),
        "search html": lists(client.get("/search", params={"q": error, "format": "html"})),
        "browse": shows(client.get("/solutions")),
        "browse tag": shows(client.get("/solutions", params={"tag": "reliability"})),
        "solution json": client.get(f"/api/solutions/{slug}").status_code != 404,
        "solution html": client.get(f"/solutions/{slug}").status_code != 404,
        "solution md": client.get(f"/solutions/{slug}.md").status_code != 404,
        "snapshot": marker in client.get("/api/snapshot").text,
        "llms.txt": shows(client.get("/llms.txt")),
        "home": shows(client.get("/")),
    }


def test_a_pending_submission_is_visible_nowhere_until_it_is_approved(own_server):
    server = own_server(env={"SYNAPSE_ADMIN_TOKEN": TOKEN, **GENEROUS_LIMITS}).start()
    tag = uuid.uuid4().hex[:10]
    payload = submission_payload(tag)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        created = client.post("/api/submissions", json=payload)
        assert created.status_code == 201
        sub_id = created.json()["id"]
        assert (
            client.get(f"/admin/review/{sub_id}", headers={"authorization": f"Bearer {TOKEN}"}).status_code
            == 200
        )
        expected_slug = slugify(payload["title"])
        status = client.get(f"/api/submissions/{sub_id}").json()
        assert set(status) == {"id", "status", "created_at"}  # the status, never the content

        hidden = public_views(client, payload["errors"][0], payload["title"], expected_slug)
        assert hidden == dict.fromkeys(hidden, False)

        # the negative control: once approved, the same probes do see it
        approved = client.post(
            f"/admin/review/{sub_id}/approve",
            headers={"authorization": f"Bearer {TOKEN}"},
            follow_redirects=False,
        )
        assert approved.status_code == 303
        slug = approved.headers["location"].rsplit("/", 1)[1]
        time.sleep(0.1)
        shown = public_views(client, payload["errors"][0], payload["title"], slug)
        assert (
            shown["search json"] and shown["solution json"] and shown["solution html"] and shown["snapshot"]
        )
        assert shown["browse tag"] and shown["llms.txt"]
