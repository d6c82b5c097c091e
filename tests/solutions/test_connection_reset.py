"""Verified fix for solutions/connection-reset.md.

A local server sends a TCP RST (SO_LINGER 0) or closes without a response on the first
connection(s), like a load balancer killing a stale keep-alive connection. The test reproduces
`ConnectionResetError` / `RemoteDisconnected` (urllib) and httpx's `ReadError` /
`RemoteProtocolError`, then runs the entry's Option 1 code: its demo, and its helper around
real httpx calls (retried to success, refusals not retried, budget respected).
"""

import http.client
import socket
import struct
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from pyrun import run_python

SLUG = "connection-reset"


def _server(failures: int, how: str):
    state = {"calls": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state["calls"] += 1
            if state["calls"] <= failures:
                if how == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                return
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/", state


@pytest.fixture
def helper(fix_code):
    namespace = {"__name__": "entry_option1"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    return namespace


def _urlopen(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return opener.open(url, timeout=10).read()


def test_reproduces_reset_and_remote_disconnected():
    srv, url, _ = _server(failures=1, how="reset")
    try:
        with pytest.raises(ConnectionResetError):
            _urlopen(url)
    finally:
        srv.shutdown()
        srv.server_close()
    srv, url, _ = _server(failures=1, how="close")
    try:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            _urlopen(url)
    finally:
        srv.shutdown()
        srv.server_close()


def test_option1_demo_runs(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "got b'ok' after 2 attempts" in result.stdout


@pytest.mark.parametrize("how", ["reset", "close"])
def test_option1_retries_httpx_disconnects(helper, how):
    srv, url, state = _server(failures=2, how=how)
    try:
        with httpx.Client(trust_env=False) as client:
            with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
                client.get(url)  # the raw error, reproduced
            state["calls"] = 0
            body = helper["retry_on_disconnect"](lambda: client.get(url).text, attempts=3, base=0.01)
    finally:
        srv.shutdown()
        srv.server_close()
    assert body == "ok"
    assert state["calls"] == 3


def test_option1_does_not_retry_refused(helper):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    calls = []

    def call():
        calls.append(1)
        return httpx.get(f"http://127.0.0.1:{port}/", trust_env=False)

    with pytest.raises(httpx.ConnectError):
        helper["retry_on_disconnect"](call, attempts=3, base=0.01)
    assert len(calls) == 1


def test_option1_gives_up_after_budget(helper):
    srv, url, state = _server(failures=10, how="reset")
    try:
        with pytest.raises(ConnectionResetError):
            helper["retry_on_disconnect"](lambda: _urlopen(url), attempts=3, base=0.01)
    finally:
        srv.shutdown()
        srv.server_close()
    assert state["calls"] == 3
