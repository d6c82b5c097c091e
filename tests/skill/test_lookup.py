"""The lookup in-process: what is sent, when it goes offline, what comes back (httpx.MockTransport)."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from skill_helpers import SQLITE_RESULT, search_body

import synapse_skill
from synapse_skill.answer import Answer
from synapse_skill.config import Settings
from synapse_skill.errors import NotFound, ServerError
from synapse_skill.lookup import build_query, feedback, lookup, solution

TRACEBACK = """\
Traceback (most recent call last):
  File "/home/alice/app/db.py", line 8, in connect
    engine.connect("postgresql://admin:hunter2@db/app")
sqlite3.OperationalError: database is locked

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/home/alice/app/main.py", line 3, in <module>
    run()
RuntimeError: job 42 failed for alice@example.com
"""


def settings(**kw) -> Settings:
    return Settings(**{"url": "http://kb.test", "timeout": 2.0, **kw})


def recording_transport(requests: list[httpx.Request], respond=None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if respond:
            return respond(request)
        return httpx.Response(200, json=search_body(json.loads(request.content)["q"]))

    return httpx.MockTransport(handler)


def test_query_is_the_redacted_error_lines_chained_errors_first():
    assert build_query(TRACEBACK, env={}) == (
        "sqlite3.OperationalError: database is locked\nRuntimeError: job 42 failed for <email>"
    )


def test_query_of_text_without_an_error_shape_is_its_redacted_tail():
    assert build_query("make: *** [all] Error 2\npassword=hunter2 build broke", env={}) == (
        "make: *** [all] Error 2 password=<redacted> build broke"
    )


def test_online_lookup_sends_only_the_query_and_makes_urls_absolute():
    sent: list[httpx.Request] = []
    result = lookup(TRACEBACK, settings(), transport=recording_transport(sent), env={})

    assert result.source == "online" and result.match is not None
    assert result.match.url == "http://kb.test/solutions/sqlite-database-locked"
    [request] = sent
    assert request.method == "POST" and request.url == "http://kb.test/search"
    body = json.loads(request.content)
    assert body["q"] == build_query(TRACEBACK, env={}) and body["limit"] == 5
    # Beside the text only the interpreter, the platform and versions of the distributions involved.
    assert set(body) == {"q", "limit", "env"}
    assert set(body["env"]) == {"python", "platform", "packages"}
    assert all(
        "/" not in str(v) and "\\" not in str(v) for v in (body["env"]["python"], body["env"]["platform"])
    )
    for secret in (b"hunter2", b"alice", b"engine.connect"):
        assert secret not in request.content


def test_server_errors_fall_back_to_the_offline_snapshot():
    def fail(request):
        return httpx.Response(500, json={"error": {"code": "boom", "message": "internal"}})

    result = lookup(TRACEBACK, settings(), transport=recording_transport([], fail), env={})
    assert result.source == "offline" and "HTTP 500" in result.note
    assert result.match is not None and result.match.slug == "sqlite-database-locked"


def test_a_malformed_server_answer_falls_back_too():
    def garbage(request):
        return httpx.Response(200, json={"results": [{"no": "slug"}]})

    result = lookup(TRACEBACK, settings(), transport=recording_transport([], garbage), env={})
    assert result.source == "offline"


def test_a_slow_server_is_abandoned_after_the_budget():
    def slow(request):
        time.sleep(3)
        return httpx.Response(200, json=search_body("x"))

    started = time.monotonic()
    result = lookup(TRACEBACK, settings(timeout=0.3), transport=recording_transport([], slow), env={})
    assert time.monotonic() - started < 1.5
    assert result.source == "offline" and "within 0.3 s" in result.note


def test_offline_mode_never_touches_the_network():
    def forbidden(request):
        raise AssertionError("SYNAPSE_OFFLINE=1 must not send anything")

    result = lookup(TRACEBACK, settings(offline=True), transport=httpx.MockTransport(forbidden), env={})
    assert result.source == "offline" and result.match.slug == "sqlite-database-locked"


def test_offline_a_general_entry_is_shown_as_where_to_look_not_as_the_fix():
    from synapse_skill.render import render_markdown

    error = "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings\nport\n  Field required [type=missing, input_value={}, input_type=dict]"
    result = lookup(error, settings(offline=True), env={})
    assert result.source == "offline" and result.match is None
    assert result.answers[0].slug == "pydantic-validation-error" and result.answers[0].why.general
    text = render_markdown(result)
    assert (
        "no confident match" in text
        and "says where to look" in text
        and "`pydantic-validation-error`" in text
    )


def test_sending_only_the_error_lines_loses_nothing_the_matcher_uses():
    """The compact query ranks exactly like the whole (redacted) traceback would."""
    from synapse_skill import offline, snapshot
    from synapse_skill.redact import redact

    index = offline.index_for(snapshot.load(settings()).snapshot)
    whole = index.search(redact(TRACEBACK, env={}), limit=5)
    compact = index.search(build_query(TRACEBACK, env={}), limit=5)
    assert compact[0] == whole[0]
    assert [(a.slug, a.score) for a in compact[1]] == [(a.slug, a.score) for a in whole[1]]


def test_solution_and_feedback_use_the_api_routes():
    sent: list[httpx.Request] = []

    def respond(request):
        if request.url.path == "/api/solutions/nope":
            return httpx.Response(
                404, json={"error": {"code": "not_found", "message": "no solution named 'nope'"}}
            )
        if request.method == "GET":
            return httpx.Response(200, json={"slug": "sqlite-database-locked", "fixes": [{"position": 1}]})
        return httpx.Response(200, json={"slug": "sqlite-database-locked", "recorded": True})

    transport = recording_transport(sent, respond)
    assert solution("sqlite-database-locked", settings(), transport)["source"] == "online"
    with pytest.raises(NotFound):
        solution("nope", settings(), transport)
    feedback("sqlite-database-locked", True, settings(), transport)
    assert json.loads(sent[-1].content) == {"worked": True}
    assert sent[-1].url.path == "/api/solutions/sqlite-database-locked/feedback"


def test_solution_falls_back_to_the_snapshot_entry():
    entry = solution("sqlite-database-locked", settings(offline=True))
    assert entry["source"] == "offline" and entry["fix"]["language"] == "python"
    with pytest.raises(NotFound):
        solution("no-such-entry", settings(offline=True))


def test_feedback_refuses_offline_mode():
    with pytest.raises(ServerError):
        feedback("sqlite-database-locked", True, settings(offline=True))


def test_public_search_returns_the_best_answer(monkeypatch):
    monkeypatch.setenv("SYNAPSE_OFFLINE", "1")
    answer = synapse_skill.search("sqlite3.OperationalError: database is locked")
    assert isinstance(answer, Answer) and answer.confident and answer.source == "offline"
    assert synapse_skill.search("   ") is None


def test_public_api_is_exactly_the_documented_names():
    assert sorted(synapse_skill.__all__) == [
        "Answer",
        "__version__",
        "install",
        "search",
        "uninstall",
        "watch",
    ]


def test_answer_round_trips_the_server_result_shape():
    answer = Answer.from_result(SQLITE_RESULT, "online", "http://kb.test/")
    data = answer.to_dict()
    assert data["url"] == "http://kb.test/solutions/sqlite-database-locked"
    assert {k: data[k] for k in ("slug", "score", "confident", "why", "fix", "token_savings")} == {
        k: SQLITE_RESULT[k] for k in ("slug", "score", "confident", "why", "fix", "token_savings")
    }


JSON_CONFIG_TRACEBACK = """Traceback (most recent call last):
  File "/home/dev/agent/run.py", line 4, in <module>
    settings = json.load(handle)
  File "/usr/lib/python3.11/json/__init__.py", line 293, in load
    return loads(fp.read(),
  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads
    return _default_decoder.decode(s)
json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 4 column 1 (char 45)"""


def test_public_frames_keep_the_library_function_that_ran_not_the_caller_s_file():
    query = build_query(JSON_CONFIG_TRACEBACK, env={})
    assert '  File "/lib/python3.11/json/__init__.py", in load\n' in query
    assert '  File "/lib/python3.11/json/__init__.py", in loads\n' in query
    assert "run.py" not in query and "json.load(handle)" not in query and "/home/dev" not in query
    # which is what tells json.load reading a file someone edited from json.loads reading a reply
    from synapse_skill import offline, snapshot

    index = offline.index_for(snapshot.load(settings()).snapshot)
    _, answers, _ = index.search(query, limit=3)
    assert answers and answers[0].slug == "config-file-malformed" and answers[0].confident
