"""Verified fix for solutions/llm-response-missing-choices.md.

A local server behaves like a router that returns an error payload with HTTP 200. Indexing
`["choices"]` reproduces `KeyError: 'choices'`; the entry's Option 1 code turns the same body into
an error with the provider's message, returns the text of a good body, explains tool-call-only
answers, and joins a stream whose first and last chunks have no choices.
"""

import httpx
import pytest
from fake_http import json_server
from pyrun import run_python

SLUG = "llm-response-missing-choices"
ERROR_BODY = {"error": {"message": "Provider returned error", "code": 429}}
GOOD_BODY = {
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hi!"}}]
}


@pytest.fixture
def router():
    bodies = {"/error": ERROR_BODY, "/ok": GOOD_BODY}
    # HTTP 200 even for the error, like some routers
    with json_server(lambda request: (200, bodies[request.path])) as base:
        yield base


@pytest.fixture
def entry(fix_code):
    namespace = {"__name__": "entry_option1"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    return namespace


def _post(url):
    response = httpx.post(url, json={"model": "m", "messages": []}, trust_env=False, timeout=10)
    response.raise_for_status()  # passes: HTTP 200
    return response.json()


def test_reproduces_keyerror_choices(router):
    data = _post(router + "/error")
    with pytest.raises(KeyError, match="choices"):
        data["choices"][0]["message"]["content"]


def test_option1_surfaces_the_error_payload(entry, router):
    with pytest.raises(entry["LLMResponseError"], match=r"code=429\): Provider returned error"):
        entry["completion_text"](_post(router + "/error"))


def test_option1_returns_text_of_a_good_body(entry, router):
    assert entry["completion_text"](_post(router + "/ok")) == "Hi!"


def test_option1_explains_tool_calls_and_missing_choices(entry):
    tool_only = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": "c1", "type": "function"}],
                },
            }
        ]
    }
    with pytest.raises(entry["LLMResponseError"], match="tool_calls"):
        entry["completion_text"](tool_only)
    with pytest.raises(entry["LLMResponseError"], match="no choices"):
        entry["completion_text"]({"id": "x", "choices": []})


def test_option1_stream_skips_choiceless_chunks(entry):
    chunks = [
        {"choices": [], "prompt_filter_results": []},
        {"choices": [{"index": 0, "delta": {"content": "a"}}]},
        {"choices": [{"index": 0, "delta": {}}]},
        {"choices": [], "usage": {"total_tokens": 3}},
    ]
    assert entry["stream_text"](chunks) == "a"
    with pytest.raises(entry["LLMResponseError"]):
        entry["stream_text"]([{"choices": [{"index": 0, "delta": {"content": "a"}}]}, ERROR_BODY])


def test_option1_demo_runs(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Hi!"
    assert "explained: provider returned an error" in result.stdout
    assert result.stdout.splitlines()[-1] == "Hello"
