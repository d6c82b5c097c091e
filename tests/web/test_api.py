"""The HTTP API contract (DESIGN.md), checked against a real server on a real database."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.corpus.entries import parse_entry
from app.store.connections import sqlite_info
from app.web.api.models import Health, SearchResponse, Snapshot

ROOT = Path(__file__).resolve().parents[2]
LOCKED = "sqlite-database-locked"
MAX_Q = 64 * 1024

TRACEBACK = """\
2026-11-24 09:14:03,512 ERROR worker-3 agent.tools.memory: tool call failed
Traceback (most recent call last):
  File "/srv/agent/.venv/lib/python3.12/site-packages/agent/runner.py", line 214, in run_step
    result = await tool.invoke(step.arguments)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/agent/.venv/lib/python3.12/site-packages/agent/tools/base.py", line 88, in invoke
    return await asyncio.to_thread(self._call_sync, arguments)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3.12/asyncio/threads.py", line 25, in to_thread
    return await loop.run_in_executor(None, func_call)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3.12/concurrent/futures/thread.py", line 58, in run
    result = self.fn(*self.args, **self.kwargs)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/agent/agent/tools/memory.py", line 41, in _call_sync
    self.store.remember(arguments["key"], arguments["value"])
  File "/srv/agent/agent/memory/sqlite_store.py", line 63, in remember
    with self._conn:
  File "/srv/agent/agent/memory/sqlite_store.py", line 64, in remember
    self._conn.execute(
        "INSERT INTO memories (key, value, created_at) VALUES (?, ?, ?)",
        (key, json.dumps(value), time.time()),
    )
  File "/srv/agent/agent/memory/retry.py", line 19, in wrapper
    return fn(*args, **kwargs)
           ^^^^^^^^^^^^^^^^^^^
  File "/srv/agent/agent/memory/retry.py", line 12, in wrapper
    raise last_error
  File "/srv/agent/agent/memory/retry.py", line 9, in wrapper
    time.sleep(backoff)
sqlite3.OperationalError: database is locked
"""


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as c:
        yield c


def assert_error(response: httpx.Response, status: int | None = None) -> dict:
    """A clean client error: 4xx, JSON `{"error": {"code", "message"}}`, no traceback."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if status is not None:
        assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert "Traceback" not in response.text
    return error


def assert_search_contract(body: dict, query: str) -> None:
    assert {"query", "normalized", "took_ms", "match", "results"} <= body.keys()
    assert body["query"] == query
    assert isinstance(body["normalized"], str)
    assert isinstance(body["took_ms"], (int, float)) and body["took_ms"] >= 0
    assert body["match"] is None or isinstance(body["match"], str)
    assert isinstance(body["results"], list)
    for result in body["results"]:
        assert {"slug", "title", "score", "confident", "url", "why", "fix", "token_savings"} <= result.keys()
        assert isinstance(result["slug"], str) and result["slug"]
        assert isinstance(result["title"], str) and result["title"]
        assert isinstance(result["score"], (int, float)) and 0 <= result["score"] <= 100
        assert isinstance(result["confident"], bool)
        assert result["url"] == f"/solutions/{result['slug']}"
        assert isinstance(result["why"]["signature"], str) and result["why"]["signature"]
        assert result["why"]["type_match"] in (True, False, None)
        assert {"title", "language", "code"} <= result["fix"].keys()
        assert isinstance(result["fix"]["code"], str) and result["fix"]["code"].strip()
        assert isinstance(result["token_savings"], int) and result["token_savings"] >= 0
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    top = body["results"][0] if body["results"] else None
    assert body["match"] == (top["slug"] if top and top["confident"] else None)


def search(client: httpx.Client, method: str, q: str, **extra) -> httpx.Response:
    if method == "GET":
        return client.get("/search", params={"q": q, **extra})
    return client.post("/search", json={"q": q, **extra})


# -- the contract ----------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_answers_with_the_contract_shape(client, method):
    q = "sqlite3.OperationalError: database is locked"

    response = search(client, method, q)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert_search_contract(body, q)
    assert body["match"] == LOCKED
    assert body["results"][0]["confident"] is True
    assert "database is locked" in body["results"][0]["why"]["signature"]
    # near misses follow the match, ranked, when they are above the relevance floor
    other = search(client, method, "sqlite3.OperationalError: unable to open database file").json()
    assert_search_contract(other, "sqlite3.OperationalError: unable to open database file")
    assert [r["confident"] for r in other["results"][:2]] == [True, False]
    assert other["results"][0]["score"] > other["results"][1]["score"] >= 30


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_unknown_error_gets_no_confident_match(client, method):
    q = "FrobnicatorError: the quux widget exploded while polishing the zorb"

    body = search(client, method, q).json()

    assert_search_contract(body, q)
    assert body["match"] is None
    assert not any(r["confident"] for r in body["results"])


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("limit", [1, 2, 50])
def test_limit_caps_the_number_of_results(client, method, limit):
    body = search(client, method, "OperationalError: database is locked", limit=limit).json()

    assert 1 <= len(body["results"]) <= limit


def test_a_whole_traceback_posted_as_json_finds_the_sqlite_fix(client):
    assert len(TRACEBACK.splitlines()) >= 30

    response = client.post("/search", json={"q": TRACEBACK})

    assert response.status_code == 200
    body = response.json()
    assert_search_contract(body, TRACEBACK)
    assert body["match"] == LOCKED
    assert body["results"][0]["why"]["type_match"] is True


VALIDATION = """\
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
port
  Field required [type=missing, input_value={}, input_type=dict]
"""


def test_a_general_entry_comes_first_but_is_never_the_match(client):
    """A validation error of the caller's own model: the entry about such errors is offered,
    marked general, and the answer has no confident match."""
    body = client.post("/search", json={"q": VALIDATION}).json()
    top = body["results"][0]
    assert body["match"] is None
    assert (top["slug"], top["confident"], top["why"]["general"]) == (
        "pydantic-validation-error",
        False,
        True,
    )
    locked = client.post("/search", json={"q": "sqlite3.OperationalError: database is locked"}).json()
    assert locked["results"][0]["why"]["general"] is False


MOVED_IMPORT = """\
Traceback (most recent call last):
  File "/home/dev/bot/app.py", line 3, in <module>
    from langchain.chat_models import ChatOpenAI
ImportError: cannot import name 'ChatOpenAI' from 'langchain.chat_models' (/home/dev/bot/.venv/lib/python3.12/site-packages/langchain/chat_models/__init__.py)
"""


def test_the_client_s_env_is_weighed_and_said_in_why_env(client):
    text = "ImportError: cannot import name 'prepare_model_for_training' from 'peft'"
    bare = client.post("/search", json={"q": text}).json()
    assert bare["match"] is None and bare["results"][0]["slug"] == "package-version-skew"
    env = {
        "python": "3.12.1",
        "platform": "linux",
        "packages": {"peft": "0.13.0"},
        "modules": {"peft": "peft"},
    }
    told = client.post("/search", json={"q": text, "env": env}).json()
    assert told["match"] == "package-version-skew"
    assert told["results"][0]["why"]["env"] == ["peft is installed (peft)"]
    # names and versions only: a path, a newline or an unknown key is a clean 400, not a guess
    for bad in (
        {**env, "modules": {"/home/me/peft": "peft"}},
        {**env, "modules": {"peft": "peft\nx"}},
        {**env, "python": "3.12.1\n"},
        {**env, "paths": ["/home/me"]},
    ):
        error = assert_error(client.post("/search", json={"q": text, "env": bad}), 400)
        assert error["code"] == "bad_query" and "env" in error["message"]


def test_a_moved_import_is_answered_with_the_new_import_and_the_release_it_moved_in(client):
    body = client.post("/search", json={"q": MOVED_IMPORT}).json()
    top = body["results"][0]
    assert body["match"] == "langchain-import-moved"
    assert top["moved"] == {
        "old": "from langchain.chat_models import ChatOpenAI",
        "new": "from langchain_openai import ChatOpenAI",
        "package": "langchain-openai",
        "since": "0.2 (without langchain-community); 1.0",
    }
    assert all(r["moved"] is None for r in body["results"][1:])
    # a name the table does not hold is not guessed
    other = client.post("/search", json={"q": MOVED_IMPORT.replace("ChatOpenAI", "ChatWhatever")}).json()
    assert other["results"] == [] or other["results"][0]["moved"] is None


def test_a_curl_style_get_finds_the_sqlite_fix(client):
    response = client.get("/search?q=database%20is%20locked", headers={"accept": "*/*"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["match"] == LOCKED


def test_format_json_overrides_a_browser_accept_header(client):
    response = client.get(
        "/search", params={"q": "database is locked", "format": "json"}, headers={"accept": "text/html"}
    )

    assert response.status_code == 200
    assert response.json()["match"] == LOCKED


# -- bad input: always a 4xx JSON error, never a 500 --------------------------------

BAD_REQUESTS = {
    "GET empty q": ("GET", {"params": {"q": ""}}),
    "GET whitespace q": ("GET", {"params": {"q": " \t\n "}}),
    "GET without q": ("GET", {"params": {}}),
    "POST empty q": ("POST", {"json": {"q": ""}}),
    "POST whitespace q": ("POST", {"json": {"q": "  \n\t  "}}),
    "POST without q": ("POST", {"json": {}}),
    "POST q over 64 KiB": ("POST", {"json": {"q": "x" * (MAX_Q + 1)}}),
    "POST body not JSON": (
        "POST",
        {"content": b"q=database+is+locked", "headers": {"content-type": "application/json"}},
    ),
    "POST truncated JSON": (
        "POST",
        {"content": b'{"q": "database is', "headers": {"content-type": "application/json"}},
    ),
    "POST form body": ("POST", {"data": {"q": "database is locked"}}),
    "POST JSON array": ("POST", {"json": ["database is locked"]}),
    "POST JSON string": ("POST", {"json": "database is locked"}),
    "POST JSON null": ("POST", {"json": None}),
    "POST q number": ("POST", {"json": {"q": 42}}),
    "POST q list": ("POST", {"json": {"q": ["database is locked"]}}),
    "POST q null": ("POST", {"json": {"q": None}}),
    "POST q object": ("POST", {"json": {"q": {"text": "database is locked"}}}),
    "POST q bool": ("POST", {"json": {"q": True}}),
    "POST limit 0": ("POST", {"json": {"q": "database is locked", "limit": 0}}),
    "POST limit 51": ("POST", {"json": {"q": "database is locked", "limit": 51}}),
    "POST limit -1": ("POST", {"json": {"q": "database is locked", "limit": -1}}),
    "POST limit string": ("POST", {"json": {"q": "database is locked", "limit": "5"}}),
    "POST limit true": ("POST", {"json": {"q": "database is locked", "limit": True}}),
    "POST limit float": ("POST", {"json": {"q": "database is locked", "limit": 2.5}}),
    "POST limit null": ("POST", {"json": {"q": "database is locked", "limit": None}}),
    "POST limit huge": ("POST", {"json": {"q": "database is locked", "limit": 10**40}}),
    "GET limit 0": ("GET", {"params": {"q": "database is locked", "limit": "0"}}),
    "GET limit 51": ("GET", {"params": {"q": "database is locked", "limit": "51"}}),
    "GET limit word": ("GET", {"params": {"q": "database is locked", "limit": "five"}}),
    "GET limit true": ("GET", {"params": {"q": "database is locked", "limit": "true"}}),
    "GET unknown format": ("GET", {"params": {"q": "database is locked", "format": "xml"}}),
    "POST unknown format": ("POST", {"params": {"format": "yaml"}, "json": {"q": "database is locked"}}),
    "POST invalid UTF-8": (
        "POST",
        {"content": b'{"q": "\xff\xfe locked"}', "headers": {"content-type": "application/json"}},
    ),
}


@pytest.mark.parametrize("method, kwargs", list(BAD_REQUESTS.values()), ids=list(BAD_REQUESTS))
def test_bad_input_is_a_4xx_json_error_never_a_500(client, method, kwargs):
    response = client.request(method, "/search", **kwargs)

    assert_error(response, 400)


UNREADABLE_BODIES = {
    "broken JSON": (
        {"content": b'{"q": "database is locked",}', "headers": {"content-type": "application/json"}},
        "the request body is not valid JSON (Expecting property name enclosed in double quotes, at character 28)",
    ),
    "form body": (
        {"data": {"q": "database is locked"}},
        "the request body was sent as application/x-www-form-urlencoded, not as JSON",
    ),
    "JSON array": ({"json": ["database is locked"]}, "the request body is JSON, but not an object"),
    "no body": ({"headers": {"content-type": "application/json"}}, "the request body is empty"),
}


@pytest.mark.parametrize("kwargs, what", list(UNREADABLE_BODIES.values()), ids=list(UNREADABLE_BODIES))
def test_an_unreadable_body_is_said_in_words_with_what_to_send(client, kwargs, what):
    response = client.post("/search", **kwargs)

    assert_error(response, 400)
    message = response.json()["error"]["message"]
    assert message.startswith(what + ': send a JSON object with "q" (error text')
    assert message.endswith("with the header Content-Type: application/json")
    assert "JSON decode error" not in message and "valid dictionary" not in message


def test_q_of_exactly_64_kib_is_accepted(client):
    q = "sqlite3.OperationalError: database is locked\n"
    q += "x" * (MAX_Q - len(q))

    response = client.post("/search", json={"q": q})

    assert response.status_code == 200
    assert response.json()["match"] == LOCKED


def test_a_lone_surrogate_in_a_json_string_is_not_a_500(client):
    body = b'{"q": "\\ud800 sqlite3.OperationalError: database is locked"}'

    response = client.post("/search", content=body, headers={"content-type": "application/json"})

    assert response.status_code < 500, response.text[:300]


# -- FTS5 query syntax is text, not syntax -------------------------------------------

FTS5_SYNTAX = [
    '"',
    "*",
    "(",
    ")",
    "NEAR",
    ":",
    "AND",
    "OR",
    "NOT",
    "-",
    "^",
    "+",
    "{",
    "NEAR(a b, 2)",
    "col:val",
]


@pytest.mark.parametrize("syntax", FTS5_SYNTAX)
@pytest.mark.parametrize("where", ["after", "inside"])
def test_fts5_syntax_inside_a_real_error_is_searched_as_text(client, syntax, where):
    if where == "after":
        q = f"sqlite3.OperationalError: database is locked {syntax}"
    else:
        q = f"sqlite3.OperationalError: database {syntax} is locked"

    response = client.get("/search", params={"q": q})

    assert response.status_code == 200, response.text[:300]
    assert response.json()["match"] == LOCKED


@pytest.mark.parametrize(
    "q, slug",
    [
        ("OSError: [Errno 98] Address already in use", "address-already-in-use"),
        (
            "json.decoder.JSONDecodeError: Expecting ',' delimiter: line 1 column 9 (char 8)",
            "llm-json-decode-error",
        ),
        ('sqlite3.OperationalError: database is locked: "main" (NEAR the end) OR not*', LOCKED),
    ],
)
def test_real_errors_full_of_search_syntax_still_match(client, q, slug):
    response = client.post("/search", json={"q": q})

    assert response.status_code == 200
    assert response.json()["match"] == slug


@pytest.mark.parametrize("q", ['"', "*", "(", ":", "-", "^", '"*(:-^)', '*** ((( """', "  ( ) : * ^ -  "])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_query_of_only_syntax_characters_is_a_400(client, method, q):
    error = assert_error(search(client, method, q), 400)

    assert "no words" in error["message"]


@pytest.mark.parametrize("word", ["NEAR", "AND", "OR", "NOT"])
def test_a_bare_fts5_operator_word_is_searched_as_a_word(client, word):
    response = client.get("/search", params={"q": word})

    assert response.status_code == 200
    assert_search_contract(response.json(), word)
    assert response.json()["match"] is None


# -- solutions, health, docs ---------------------------------------------------------


def test_a_solution_is_served_as_json_with_all_its_fix_options(client):
    entry = parse_entry(ROOT / "solutions" / f"{LOCKED}.md")

    response = client.get(f"/api/solutions/{LOCKED}")

    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == LOCKED
    assert body["title"] == entry.title
    assert body["errors"] == list(entry.errors)
    assert body["tags"] == list(entry.tags)
    assert body["token_savings"] == entry.token_savings
    assert isinstance(body["symptom"], str) and body["symptom"]
    assert isinstance(body["root_cause"], str) and body["root_cause"]
    assert [f["position"] for f in body["fixes"]] == list(range(1, len(entry.fixes) + 1))
    assert [f["title"] for f in body["fixes"]] == [f.title for f in entry.fixes]
    assert [f["language"] for f in body["fixes"]] == [f.language for f in entry.fixes]
    assert all(f["code"].strip() for f in body["fixes"])
    assert len(body["fixes"]) >= 5, "the five classic SQLite fixes"
    assert "path" not in body, "no server file paths in the API"


SOLUTION_KEYS = {
    "slug", "title", "errors", "not_errors", "tags", "languages", "libraries", "applies_to", "token_savings",
    "environment", "source", "verified_by", "updated", "symptom", "root_cause", "limits", "savings_note", "fixes",
    "stats",
}  # fmt: skip
INTERNAL_COLUMNS = ("content_hash", "origin", "published_at", "markdown", "path")


def test_a_solution_has_exactly_the_documented_public_fields(client):
    entry = parse_entry(ROOT / "solutions" / "httpx-proxies-removed.md")

    body = client.get(f"/api/solutions/{entry.slug}").json()

    assert set(body) == SOLUTION_KEYS
    assert {k for f in body["fixes"] for k in f} == {"position", "title", "description", "language", "code"}
    assert body["not_errors"] == list(entry.not_errors)
    assert body["libraries"] == list(entry.libraries)
    assert body["applies_to"] == [
        {"package": a.package, "versions": a.versions, "platform": a.platform} for a in entry.applies_to
    ]
    for column in INTERNAL_COLUMNS:
        assert f'"{column}"' not in client.get(f"/api/solutions/{entry.slug}").text


def test_the_openapi_schema_names_every_json_answer(client):
    spec = client.get("/openapi.json").json()

    def answer(path, method):
        return spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"][
            "$ref"
        ]

    assert answer("/search", "get") == answer("/search", "post") == "#/components/schemas/SearchResponse"
    assert answer("/api/solutions/{slug}", "get") == "#/components/schemas/Solution"
    assert answer("/api/solutions/{slug}/feedback", "post") == "#/components/schemas/FeedbackRecorded"
    assert answer("/healthz", "get") == "#/components/schemas/Health"
    assert answer("/api/snapshot", "get") == "#/components/schemas/Snapshot"
    schemas = spec["components"]["schemas"]
    assert set(schemas["Solution"]["properties"]) == SOLUTION_KEYS
    assert not any(column in schemas["Solution"]["properties"] for column in INTERNAL_COLUMNS)
    hit = schemas["SearchHit"]["properties"]
    assert set(hit) == {"slug", "title", "score", "confident", "url", "why", "fix", "token_savings", "moved"}
    assert set(schemas["Why"]["properties"]) == {
        "signature", "type_match", "terms", "frames", "env", "conflicts", "not_error", "general"
    }  # fmt: skip


def test_every_json_answer_matches_its_published_schema(client):
    """The search route sends its body as built (no re-validation on the hot path): check it here."""
    searched = client.get("/search", params={"q": "sqlite3.OperationalError: database is locked"}).json()
    SearchResponse.model_validate(searched)  # extra="forbid": an undocumented key fails
    Health.model_validate(client.get("/healthz").json())
    Snapshot.model_validate(client.get("/api/snapshot").json())


@pytest.mark.parametrize("slug", ["no-such-solution", "a" * 300, "..%2F..%2Fetc%2Fpasswd"])
def test_an_unknown_solution_is_a_404_json_error(client, slug):
    assert_error(client.get(f"/api/solutions/{slug}"), 404)


def test_an_unknown_route_is_a_404_json_error(client):
    assert_error(client.get("/api/nothing-here"), 404)


def test_healthz_reports_wal_and_the_sqlite_version_in_use(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["journal_mode"] == "wal"
    assert body["sqlite"]["version"] == sqlite_info().version
    assert body["sqlite"]["library"] == sqlite_info().library
    assert isinstance(body["entries"], int) and body["entries"] > 0


def test_the_openapi_schema_describes_search(client):
    response = client.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"get", "post"} <= paths["/search"].keys()
    assert "/api/solutions/{slug}" in paths


def test_the_docs_page_is_served(client):
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


# -- protections -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/search?q=database%20is%20locked", "/healthz", f"/api/solutions/{LOCKED}", "/search?q=", "/nope"],
)
def test_security_headers_are_on_every_response(client, path):
    response = client.get(path)

    assert "default-src" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_body_over_the_limit_is_a_413_json_error(client):
    body = b'{"q": "' + b"a" * (1024 * 1024) + b'"}'

    response = client.post("/search", content=body, headers={"content-type": "application/json"})

    error = assert_error(response, 413)
    assert error["code"] == "too_large"


def test_a_streamed_body_over_the_limit_is_a_413_json_error(client):
    def chunks():
        yield b'{"q": "'
        for _ in range(64):
            yield b"a" * 16384
        yield b'"}'

    response = client.post("/search", content=chunks(), headers={"content-type": "application/json"})

    assert "content-length" not in response.request.headers
    assert_error(response, 413)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_access_log_keeps_the_path_but_never_the_query(own_server, three_entries, workers):
    server = own_server(solutions=three_entries, workers=workers).start()
    secret = "sk-proj-AbCdEf0123456789SECRET"
    error = f"openai.AuthenticationError: Incorrect API key provided: {secret} at db.internal.example"

    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/search", params={"q": error, "limit": 2}).status_code == 200
        assert client.get("/search", params={"q": error, "format": "html"}).status_code == 200
        assert client.get("/solutions", params={"tag": "sqlite"}).status_code == 200
    server.stop()  # the log is complete once the server has exited

    log = server.log_text()
    assert '"GET /search HTTP/1.1" 200' in log
    assert '"GET /solutions HTTP/1.1" 200' in log
    for leak in ("SECRET", "sk-proj", "db.internal", "AuthenticationError", "q=", "limit=", "tag="):
        assert leak not in log
