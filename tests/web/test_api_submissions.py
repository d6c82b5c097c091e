"""`POST /api/submissions` and `GET /api/submissions/{id}` on a real server over a real database."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from submission_data import NEW_ERROR, valid_submission

from app.submissions import review as submissions


@pytest.fixture
def client(own_server, database_url):
    """A real server on each engine (SQLite, PostgreSQL)."""
    server = own_server(database_url=database_url).start()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        c.server = server
        yield c


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text[:500]
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert "Traceback" not in response.text
    return error


def test_a_valid_submission_is_accepted_pending_and_its_status_shows_no_content(client):
    response = client.post("/api/submissions", json=valid_submission())

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "status", "similar"} and body["status"] == "pending"
    assert response.headers["location"] == f"/api/submissions/{body['id']}"
    status = client.get(f"/api/submissions/{body['id']}")
    assert status.status_code == 200
    assert set(status.json()) == {"id", "status", "created_at"} and status.json()["status"] == "pending"
    assert "ollama" not in status.text.lower()  # pending text is not public
    pending_slug = client.get("/search", params={"q": NEW_ERROR}).json()["results"]
    published = {p.stem for p in (Path(__file__).resolve().parents[2] / "solutions").glob("*.md")}
    assert all(r["slug"] in published for r in pending_slug)  # the pending entry is not searchable
    assert_error(client.get("/api/submissions/sub_000000000000"), 404, "not_found")
    assert_error(client.get("/api/submissions/not-an-id"), 404, "not_found")


def test_an_invalid_submission_gets_400_with_a_message_per_field(client):
    bad_fix = {"title": "Loop", "language": "python", "code": "for i in range(3):\nprint(i)\n"}
    response = client.post("/api/submissions", json=valid_submission(title="", tags=["<b>"], fixes=[bad_fix]))

    error = assert_error(response, 400, "invalid_submission")
    assert set(error["fields"]) == {"title", "tags", "fix_code_1"}
    assert "does not compile" in error["fields"]["fix_code_1"]
    assert "3 problem(s)" in error["message"]


MALFORMED = [
    (b"{not json", "invalid_json"),
    (b"[1, 2]", "invalid_json"),
    (b"\xff\xfe", "invalid_json"),
    (b"[" * 100_000, "invalid_json"),
    (b'{"title": 7, "errors": "x", "fixes": {"a": 1}, "token_savings": true}', "invalid_submission"),
]


def test_malformed_bodies_get_a_clean_400(client):
    for body, code in MALFORMED:
        response = client.post("/api/submissions", content=body, headers={"content-type": "application/json"})

        assert_error(response, 400, code)


def test_the_honeypot_is_refused_with_a_generic_error(client):
    error = assert_error(
        client.post("/api/submissions", json=valid_submission(website="http://spam")),
        400,
        "invalid_submission",
    )

    assert error["fields"] == {"form": submissions.GENERIC_REJECTION}


def test_the_same_idempotency_key_returns_the_first_submission(client):
    headers = {"Idempotency-Key": "agent-42-retry"}
    first = client.post("/api/submissions", json=valid_submission(), headers=headers)
    again = client.post("/api/submissions", json=valid_submission(), headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    store = client.server.open_store()
    try:
        assert len(submissions.list_submissions(store.read())) == 1
    finally:
        store.close()


def test_a_known_error_is_accepted_with_the_entry_it_looks_like(client):
    response = client.post(
        "/api/submissions",
        json=valid_submission(errors=["OperationalError: database is locked while saving memory"]),
    )

    assert response.status_code == 201
    similar = response.json()["similar"]
    assert similar[0]["slug"] == "sqlite-database-locked"
    assert set(similar[0]) == {"slug", "title", "score", "confident", "url"}


def test_the_status_says_why_a_submission_was_rejected_or_where_it_was_published(client):
    rejected = client.post("/api/submissions", json=valid_submission()).json()["id"]
    approved = client.post(
        "/api/submissions", json=valid_submission(title="Model not found", errors=["KeyError: 'llama9'"])
    )
    store = client.server.open_store()
    try:
        store.write(submissions.reject, rejected, "please add the Ollama version")
        slug = store.write(submissions.approve, approved.json()["id"])
    finally:
        store.close()

    no = client.get(f"/api/submissions/{rejected}").json()
    yes = client.get(f"/api/submissions/{approved.json()['id']}").json()

    assert (no["status"], no["reason"]) == ("rejected", "please add the Ollama version")
    assert (yes["status"], yes["url"]) == ("approved", f"/solutions/{slug}")
    assert "reason" not in yes and "title" not in no


def test_a_cross_site_browser_post_is_refused(client):
    response = client.post(
        "/api/submissions", json=valid_submission(), headers={"Sec-Fetch-Site": "cross-site"}
    )

    assert_error(response, 403, "cross_site")


def test_submissions_are_rate_limited_per_client_across_two_workers(own_server, database_url):
    server = own_server(
        workers=2, env={"SYNAPSE_SUBMISSIONS_PER_HOUR": "3"}, database_url=database_url
    ).start()

    statuses, retry_after = [], []
    for i in range(8):  # a new connection each time, so both workers take some of them
        with httpx.Client(base_url=server.url, timeout=30) as c:
            response = c.post(
                "/api/submissions",
                json=valid_submission(title=f"Model not found {i}", errors=[f"KeyError: 'm{i}'"]),
            )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert_error(response, 429, "rate_limited")
            retry_after.append(int(response.headers["retry-after"]))

    assert statuses.count(201) == 3 and statuses.count(429) == 5, statuses
    assert all(0 < seconds <= 3600 for seconds in retry_after)
