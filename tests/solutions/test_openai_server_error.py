"""Verified fix for solutions/openai-server-error.md.

A local server answers like OpenAI during an incident: 500 with OpenAI's real `server_error`
body, then 503 `The server is overloaded or not ready yet.`, then 200. The entry's Option 1
helper is run against it through httpx: it retries the 5xx answers and returns the 200; a
4xx is raised at once without retrying; the attempt budget is respected.
"""

from contextlib import contextmanager

import httpx
import pytest
from fake_http import json_server
from pyrun import run_python

SLUG = "openai-server-error"
ERR_500 = {
    "error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}
ERR_503 = {
    "error": {
        "message": "The server is overloaded or not ready yet.",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}
OK = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "pong"}}]}


@contextmanager
def _server(script):
    """Answer each POST with the next (status, payload) of script, the last one again when it runs out."""
    hits = []

    def answer(request):
        status, payload = script[min(len(hits), len(script) - 1)]
        hits.append(status)
        return status, payload

    with json_server(answer) as base:
        yield f"{base}/v1/chat/completions", hits


@pytest.fixture
def helper(fix_code):
    namespace = {"__name__": "entry_option1"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    return namespace


def _post(url):
    response = httpx.post(url, json={"model": "gpt-4o-mini", "messages": []}, trust_env=False, timeout=10)
    response.raise_for_status()  # httpx.HTTPStatusError carries .response.status_code
    return response.json()


def test_reproduces_openai_500_body():
    with _server([(500, ERR_500)]) as (url, _), pytest.raises(httpx.HTTPStatusError) as info:
        _post(url)
    assert info.value.response.status_code == 500
    assert info.value.response.json()["error"]["type"] == "server_error"


def test_option1_retries_5xx_until_success(helper):
    with _server([(500, ERR_500), (503, ERR_503), (200, OK)]) as (url, hits):
        result = helper["call_with_backoff"](lambda: _post(url), base=0.01, sleep=lambda s: None)
    assert result["choices"][0]["message"]["content"] == "pong"
    assert hits == [500, 503, 200]


def test_option1_does_not_retry_4xx(helper):
    bad_request = {"error": {"message": "bad", "type": "invalid_request_error"}}
    with _server([(400, bad_request)]) as (url, hits), pytest.raises(httpx.HTTPStatusError):
        helper["call_with_backoff"](lambda: _post(url), base=0.01, sleep=lambda s: None)
    assert hits == [400]


def test_option1_gives_up_after_budget(helper):
    with _server([(503, ERR_503)]) as (url, hits), pytest.raises(httpx.HTTPStatusError):
        helper["call_with_backoff"](lambda: _post(url), attempts=3, base=0.01, sleep=lambda s: None)
    assert hits == [503, 503, 503]


def test_option1_demo_runs(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
