"""Verified fix for solutions/http-response-not-json.md.

Reproduces httpx's `json.JSONDecodeError: Expecting value: line 1 column 1 (char 0)` from
`Response.json()` on a real HTML 502 page and on an empty 204 body served by a local server,
then runs the entry's Option 1 code (its own demo, then its helper on the same responses).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from pyrun import run_python

SLUG = "http-response-not-json"

ROUTES = {
    "/html": (502, "text/html", b"<html><title>502 Bad Gateway</title></html>"),
    "/empty": (204, "", b""),
    "/error-json": (400, "application/json", b'{"error": {"message": "bad input"}}'),
    "/ok": (200, "application/json", b'{"items": [1, 2]}'),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, ctype, body = ROUTES[self.path]
        self.send_response(status)
        if ctype:
            self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def base_url():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def helper(fix_code):
    namespace = {"__name__": "entry_option1"}  # not __main__: only the definitions run
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("path", ["/html", "/empty"])
def test_reproduces_jsondecodeerror_from_httpx(base_url, path):
    with (
        httpx.Client(trust_env=False) as client,
        pytest.raises(json.JSONDecodeError, match=r"Expecting value: line 1 column 1 \(char 0\)"),
    ):
        client.get(base_url + path).json()


def test_option1_demo_runs(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "{'answer': 42}" in result.stdout
    assert "HTTP 502" in result.stdout and "text/html" in result.stdout
    assert "HTTP 204" in result.stdout and "empty body" in result.stdout


def test_option1_explains_html_empty_and_error_json(helper, base_url):
    json_or_explain, not_json = helper["json_or_explain"], helper["NotJSONResponse"]
    with httpx.Client(trust_env=False) as client:
        with pytest.raises(not_json, match=r"HTTP 502 .*text/html.*502 Bad Gateway"):
            json_or_explain(client.get(base_url + "/html"))
        with pytest.raises(not_json, match=r"HTTP 204 .*empty body"):
            json_or_explain(client.get(base_url + "/empty"))
        with pytest.raises(not_json, match=r"HTTP 400 .*bad input"):
            json_or_explain(client.get(base_url + "/error-json"))
        assert json_or_explain(client.get(base_url + "/ok")) == {"items": [1, 2]}
