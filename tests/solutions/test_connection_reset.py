"""Verified fix for solutions/connection-reset.md.

A local server sends a TCP RST (SO_LINGER 0) or closes without a response on the first
connection(s), like a load balancer killing a stale keep-alive connection. The test reproduces
`ConnectionResetError` / `RemoteDisconnected` (urllib) and httpx's `ReadError` /
`RemoteProtocolError`, then runs the entry's Option 1 code: its demo, and its helper around
real httpx calls (retried to success, refusals not retried, budget respected).
"""

import http.client
import re
import socket
import struct
import threading
import urllib.request
from http.server import ThreadingHTTPServer

import httpx
import pytest
from fake_http import QuietHandler
from pyrun import run_python

SLUG = "connection-reset"


def _server(failures: int, how: str):
    """Drops the first `failures` requests (GET or POST) by `how` ("reset": RST, "close": FIN),
    then answers 200."""
    state = {"calls": 0}

    class Handler(QuietHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.do_GET()

        def do_GET(self):
            state["calls"] += 1
            if state["calls"] <= failures:
                if how == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                return
            self.reply(b"ok")

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


@pytest.fixture
def option2(fix_code):
    namespace = {"__name__": "entry_option2"}
    exec(compile(fix_code(SLUG, 2), "option2.py", "exec"), namespace)
    namespace["session"].trust_env = False  # no proxy for the local server
    return namespace


def test_option2_retries_a_reset_post(option2):
    srv, url, state = _server(failures=1, how="reset")
    try:
        response = option2["session"].post(url, json={"q": 1}, timeout=10)
    finally:
        srv.shutdown()
    assert response.text == "ok" and state["calls"] == 2


def test_default_allowed_methods_do_not_retry_post():
    # the entry's reason for allowed_methods=None: urllib3's default list has no POST
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    srv, url, state = _server(failures=1, how="reset")
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", HTTPAdapter(max_retries=Retry(total=3, read=2)))
    try:
        with pytest.raises(requests.exceptions.ConnectionError):
            session.post(url, json={"q": 1}, timeout=10)
    finally:
        srv.shutdown()
    assert state["calls"] == 1


def test_option2_backoff_matches_its_comment(fix_code, option2):
    # urllib3 sleeps get_backoff_time() before each retry: none after the first error
    from urllib3.exceptions import ConnectTimeoutError

    retry, delays = option2["retry"], []
    for _ in range(3):  # connect=3: three retries
        retry = retry.increment(method="GET", url="/", error=ConnectTimeoutError("timed out"))
        delays.append(retry.get_backoff_time())
    assert delays == [0, 1.0, 2.0]
    # the comment next to backoff_factor states the same delays (it used to say 0.5 s, 1 s, 2 s)
    stated = re.search(r"backoff_factor=[^#]*#[^\d]*([\d.]+) s, ([\d.]+) s, ([\d.]+) s", fix_code(SLUG, 2))
    assert stated and [float(x) for x in stated.groups()] == delays
