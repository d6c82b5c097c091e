"""Verified fix for solutions/openai-server-error.md.

A local server answers like OpenAI during an incident: 500 with OpenAI's real `server_error`
body, then 503 `The server is overloaded or not ready yet.`, then 200. The entry's Option 1
helper is run against it through httpx: it retries the 5xx answers and returns the 200; a
4xx is raised at once without retrying; the attempt budget is respected.
"""

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

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


def _server(script):
    answers = list(script)
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            status, payload = answers[min(len(hits), len(answers) - 1)]
            hits.append(status)
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/v1/chat/completions", hits


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
    srv, url, _ = _server([(500, ERR_500)])
    try:
        with pytest.raises(httpx.HTTPStatusError) as info:
            _post(url)
        assert info.value.response.status_code == 500
        assert info.value.response.json()["error"]["type"] == "server_error"
    finally:
        srv.shutdown()
        srv.server_close()


def test_option1_retries_5xx_until_success(helper):
    srv, url, hits = _server([(500, ERR_500), (503, ERR_503), (200, OK)])
    try:
        result = helper["call_with_backoff"](lambda: _post(url), base=0.01, sleep=lambda s: None)
    finally:
        srv.shutdown()
        srv.server_close()
    assert result["choices"][0]["message"]["content"] == "pong"
    assert hits == [500, 503, 200]


def test_option1_does_not_retry_4xx(helper):
    srv, url, hits = _server([(400, {"error": {"message": "bad", "type": "invalid_request_error"}})])
    try:
        with pytest.raises(httpx.HTTPStatusError):
            helper["call_with_backoff"](lambda: _post(url), base=0.01, sleep=lambda s: None)
    finally:
        srv.shutdown()
        srv.server_close()
    assert hits == [400]


def test_option1_gives_up_after_budget(helper):
    srv, url, hits = _server([(503, ERR_503)])
    try:
        with pytest.raises(httpx.HTTPStatusError):
            helper["call_with_backoff"](lambda: _post(url), attempts=3, base=0.01, sleep=lambda s: None)
    finally:
        srv.shutdown()
        srv.server_close()
    assert hits == [503, 503, 503]


def test_option1_demo_runs(fix_code, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG, 1)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
