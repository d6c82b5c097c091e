"""Verified fixes for solutions/http-read-timeout.md.

Reproduced against real local sockets that accept a request and then go silent (before the headers, or
after the headers in the middle of the body): httpx.ReadTimeout ("timed out" over plain HTTP, "The read
operation timed out" over TLS, with a throwaway openssl certificate), requests' ReadTimeout and its
ConnectionError for a stalled body, urllib3's ReadTimeoutError, aiohttp's sock_read SocketTimeoutError,
openai.APITimeoutError and anthropic.APITimeoutError (real SDKs, dev extra); the defaults the entry states
(httpx 5 s, requests none, SDKs 600 s / connect 5 s / 2 retries, aiohttp 300 s total); the SDKs' TypeError
for an httpx.Timeout and anthropic's "Streaming is required" refusal.
Run: Option 1 (its httpx, openai and requests parts, URLs pointed at a local server), Option 2 (openai and
anthropic streaming, against a local server-sent-events stand-in), Option 3 (the tenacity retry: retried on
ReadTimeout, re-raised after 4 attempts; waits removed with retry_with), Option 4 (aiohttp per-phase timeouts
on a streamed body). The TLS case needs the openssl binary (installed by `make test`'s nginx target).
"""

from __future__ import annotations

import ast
import asyncio
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import httpx2
import pytest
import requests
import urllib3
from fake_http import chat_completion

SLUG = "http-read-timeout"
SDK_CLIENTS = {"OpenAI", "AsyncOpenAI", "Anthropic", "AsyncAnthropic", "AzureOpenAI"}


# ---- servers ---------------------------------------------------------------------------------------------------


class _Silent:
    """Accepts connections, reads the request, optionally sends `first` bytes, then says nothing more."""

    def __init__(self, first: bytes = b"", tls: ssl.SSLContext | None = None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.first, self.tls, self.held = first, tls, []
        threading.Thread(target=self._loop, daemon=True).start()
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.sock.getsockname()[1]}"

    def _loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
                if self.tls:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                self.held.append(conn)
                conn.recv(65536)
                if self.first:
                    conn.sendall(self.first)
            except OSError:
                if self.sock.fileno() == -1:
                    return

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def silent():
    server = _Silent()
    yield server.url
    server.close()


@pytest.fixture
def stalled_body():
    server = _Silent(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\nabc")
    yield server.url
    server.close()


def _short(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"


# ---- reproductions ---------------------------------------------------------------------------------------------


def test_httpx_read_timeout_over_plain_http(silent):
    with pytest.raises(httpx.ReadTimeout) as info:
        httpx.get(silent, timeout=0.2)
    assert _short(info.value) == "httpx.ReadTimeout: timed out"


def test_httpx_and_urllib_read_timeout_over_tls(tmp_path):
    if shutil.which("openssl") is None:
        pytest.fail("the openssl binary is needed (make test installs it with nginx)")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(tmp_path / "k.pem"), "-out", str(tmp_path / "c.pem")],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    server = _Silent(tls=ctx)
    try:
        with pytest.raises(httpx.ReadTimeout) as info:
            httpx.get(
                server.url, timeout=0.2, verify=ssl.create_default_context(cafile=str(tmp_path / "c.pem"))
            )
        assert _short(info.value) == "httpx.ReadTimeout: The read operation timed out"
        import urllib.request

        with pytest.raises(TimeoutError, match=r"^The read operation timed out$"):
            client_ctx = ssl.create_default_context(cafile=str(tmp_path / "c.pem"))
            urllib.request.urlopen(server.url, timeout=0.2, context=client_ctx)
    finally:
        server.close()


def test_plain_socket_read_timeout_wording(silent):
    import urllib.request

    with pytest.raises(
        TimeoutError, match=r"^timed out$"
    ):  # over plain HTTP; TLS says "The read operation ..."
        urllib.request.urlopen(silent, timeout=0.2)


def test_requests_and_urllib3_read_timeouts(silent):
    port = silent.rsplit(":", 1)[1]
    with pytest.raises(requests.exceptions.ReadTimeout) as info:
        requests.get(silent, timeout=(5, 0.2))
    assert (
        str(info.value)
        == f"HTTPConnectionPool(host='127.0.0.1', port={port}): Read timed out. (read timeout=0.2)"
    )
    with pytest.raises(urllib3.exceptions.ReadTimeoutError) as info3:
        urllib3.PoolManager().request("GET", silent, timeout=0.2, retries=False)
    assert (
        str(info3.value)
        == f"HTTPConnectionPool(host='127.0.0.1', port={port}): Read timed out. (read timeout=0.2)"
    )


@pytest.mark.parametrize("stream", [True, False])
def test_requests_stall_in_the_body_is_a_connection_error(stalled_body, stream):
    # Headers arrived, the body stalls: requests raises ConnectionError (models.py: ReadTimeoutError ->
    # ConnectionError while reading content), with or without stream=True.
    port = stalled_body.rsplit(":", 1)[1]
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get(stalled_body, timeout=0.2, stream=stream).content  # noqa: B018
    assert not isinstance(info.value, requests.exceptions.ReadTimeout)
    assert str(info.value) == f"HTTPConnectionPool(host='127.0.0.1', port={port}): Read timed out."


def test_library_defaults():
    import inspect

    assert httpx.Client().timeout == httpx.Timeout(5.0)
    assert inspect.signature(requests.Session.request).parameters["timeout"].default is None
    import aiohttp  # noqa: F401 (a dev-extra dependency of this option)
    from aiohttp.client import DEFAULT_TIMEOUT

    assert DEFAULT_TIMEOUT.total == 300


@pytest.fixture
def openai_sdk():
    import openai

    return openai


@pytest.fixture
def anthropic_sdk():
    import anthropic

    return anthropic


def test_sdk_defaults_and_timeout_errors(silent, openai_sdk, anthropic_sdk):
    for client in (openai_sdk.OpenAI(api_key="x"), anthropic_sdk.Anthropic(api_key="x")):
        assert client.timeout == httpx2.Timeout(600, connect=5.0)
        assert client.max_retries == 2
    with pytest.raises(openai_sdk.APITimeoutError) as info:
        openai_sdk.OpenAI(api_key="x", base_url=silent, timeout=0.2, max_retries=0).models.list()
    assert str(info.value) == "Request timed out."
    host = silent.removeprefix("http://")
    with pytest.raises(anthropic_sdk.APITimeoutError) as ainfo:
        anthropic_sdk.Anthropic(api_key="x", base_url=silent, timeout=0.2, max_retries=0).messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
    assert str(ainfo.value) == f"Request to {host} timed out after 0.2s"


@pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnraisableExceptionWarning"
)  # openai's __del__ noise after it
def test_sdks_refuse_an_httpx_timeout(openai_sdk, anthropic_sdk):
    with pytest.raises(TypeError) as info:
        httpx2.Client(timeout=httpx.Timeout(60.0, connect=10.0))
    assert str(info.value) == (
        "Invalid timeout: expected a number, `None`, a tuple or `httpx2.Timeout`, got <class 'httpx.Timeout'>."
    )
    with pytest.raises(TypeError, match=r"^Invalid timeout: expected a number"):
        openai_sdk.OpenAI(api_key="x", timeout=httpx.Timeout(60.0, connect=10.0))
    with pytest.raises(TypeError) as ainfo:
        anthropic_sdk.Anthropic(api_key="x", timeout=httpx.Timeout(60.0, connect=10.0))
    assert str(ainfo.value) == (
        "Invalid `timeout` argument; `httpx.Timeout` is from the `httpx` package, but this SDK uses `httpx2`. "
        "Use `httpx2.Timeout` instead."
    )
    assert openai_sdk.Timeout is httpx2.Timeout and anthropic_sdk.Timeout is httpx2.Timeout


def test_anthropic_requires_streaming_for_large_max_tokens(silent, anthropic_sdk):
    client = anthropic_sdk.Anthropic(api_key="x", base_url=silent, max_retries=0)
    with pytest.raises(
        ValueError, match=r"^Streaming is required for operations that may take longer than 10 minutes"
    ):
        client.messages.create(model="m", max_tokens=32000, messages=[{"role": "user", "content": "hi"}])
    # A timeout you set yourself (Option 2's client) skips the check: this call reaches the server and times out.
    custom = anthropic_sdk.Anthropic(
        api_key="x", base_url=silent, max_retries=0, timeout=anthropic_sdk.Timeout(0.2)
    )
    with pytest.raises(anthropic_sdk.APITimeoutError):
        custom.messages.create(model="m", max_tokens=32000, messages=[{"role": "user", "content": "hi"}])


# ---- the published fixes ---------------------------------------------------------------------------------------


def _sdk_calls_with_httpx_timeout(code: str) -> list[str]:
    bad = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in SDK_CLIENTS:
            continue
        for kw in node.keywords:
            if kw.arg == "timeout" and "httpx.Timeout" in ast.unparse(kw.value):
                bad.append(ast.unparse(node))
    return bad


@pytest.mark.parametrize("option", [1, 2])
def test_published_sdk_clients_do_not_get_an_httpx_timeout(fix_code, option):
    assert _sdk_calls_with_httpx_timeout(fix_code(SLUG, option)) == []


def test_the_check_catches_the_old_form():
    assert _sdk_calls_with_httpx_timeout("client = OpenAI(timeout=httpx.Timeout(900.0, connect=10.0))")


class _API(BaseHTTPRequestHandler):
    """Ollama /api/generate, OpenAI chat completions (plain and streamed), Anthropic messages (streamed),
    /reports (first `stall_first` requests never answered)."""

    protocol_version = "HTTP/1.1"
    hits: list[str]
    stall_first: int

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        self._route(body)

    def do_GET(self):
        self._route({})

    def _route(self, body):
        self.hits.append(self.path)
        if self.path == "/api/generate":
            return self._json({"response": "haiku from ollama"})
        if self.path == "/v1/chat/completions" and body.get("stream"):
            words = ["streamed ", "answer"]
            events = [{"id": "c", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                       "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]} for w in words]  # fmt: skip
            return self._sse([(None, e) for e in events] + [(None, "[DONE]")])
        if self.path == "/v1/chat/completions":
            return self._json(chat_completion("long report", body["model"]))
        if self.path == "/v1/messages":
            message = {"id": "msg_1", "type": "message", "role": "assistant", "model": body["model"], "content": [],
                       "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}  # fmt: skip
            return self._sse([
                ("message_start", {"type": "message_start", "message": message}),
                ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "claude "}}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "design doc"}}),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 2}}),
                ("message_stop", {"type": "message_stop"}),
            ])  # fmt: skip
        if self.path.startswith(("/v1/reports", "/reports")):
            if len([h for h in self.hits if h.startswith(("/v1/reports", "/reports"))]) <= self.stall_first:
                time.sleep(2)  # longer than the test client's read timeout; the client gives up first
                self.close_connection = True
                return None
            return self._json({"id": 1, "status": "done"})
        if self.path == "/export":
            return self._chunks([b"x" * 10] * 3)
        self.send_error(404)
        return None

    def _json(self, payload):
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, events):
        data = b"".join(
            (f"event: {name}\n" if name else "").encode()
            + b"data: " + (e if isinstance(e, str) else json.dumps(e)).encode() + b"\n\n"
            for name, e in events
        )  # fmt: skip
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chunks(self, parts, gap: float = 0.0):
        self.send_response(200)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for part in parts:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.flush()
            time.sleep(gap)
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args):
        pass


def _api_server(stall_first: int = 0):
    handler = type("Handler", (_API,), {"hits": [], "stall_first": stall_first})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}", handler.hits


@pytest.fixture
def api():
    srv, base, hits = _api_server()
    yield base, hits
    srv.shutdown()
    srv.server_close()


def test_option1_timeouts_are_accepted_and_calls_go_through(fix_code, api, openai_sdk, monkeypatch, capsys):
    base, hits = api
    code = fix_code(SLUG, 1).replace("http://127.0.0.1:11434", base).replace("https://api.example.com", base)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", base + "/v1")
    monkeypatch.setenv("OPENAI_MODEL", "test-model")
    namespace: dict = {"__name__": "__main__"}
    exec(compile(code, f"{SLUG} option 1", "exec"), namespace)
    assert capsys.readouterr().out.splitlines() == ["haiku from ollama", "long report"]
    assert hits == ["/api/generate", "/v1/chat/completions", "/v1/reports"]
    assert namespace["timeout"] == httpx.Timeout(connect=10.0, read=300.0, write=30.0, pool=10.0)
    assert namespace["client"].timeout == httpx2.Timeout(900.0, connect=10.0)
    assert namespace["slow"].timeout == 1800.0


def test_option2_streams_with_both_sdks(fix_code, api, openai_sdk, anthropic_sdk, monkeypatch, capsys):
    base, hits = api
    for name, value in {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": base + "/v1",
        "ANTHROPIC_API_KEY": "sk-ant-test",
        "ANTHROPIC_BASE_URL": base,
    }.items():
        monkeypatch.setenv(name, value)
    exec(compile(fix_code(SLUG, 2), f"{SLUG} option 2", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out.splitlines() == ["streamed answer", "claude design doc"]
    assert hits == ["/v1/chat/completions", "/v1/messages"]


def test_streaming_read_timeout_measures_gaps_not_the_total():
    # The root cause in one picture: 6 chunks 0.1 s apart take longer than the 0.35 s read timeout in
    # total, yet streaming them succeeds because each read waits only for the next chunk.
    class Slow(_API):
        hits: ClassVar[list[str]] = []

        def do_GET(self):
            self._chunks([b"token "] * 6, gap=0.1)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/"
        with httpx.stream("GET", url, timeout=httpx.Timeout(5.0, read=0.35)) as response:
            assert response.read() == b"token " * 6
    finally:
        srv.shutdown()
        srv.server_close()


def test_option3_retries_read_timeouts_then_succeeds_or_reraises(fix_code):
    import tenacity

    srv, base, hits = _api_server()
    try:
        namespace: dict = {"__name__": "__main__"}
        code = fix_code(SLUG, 3).replace("https://api.example.com", base)
        exec(compile(code, f"{SLUG} option 3", "exec"), namespace)  # its demo, against the local server
        assert hits == ["/reports/1"]
    finally:
        srv.shutdown()
        srv.server_close()
    fetch = namespace["fetch_report"].retry_with(
        wait=tenacity.wait_none()
    )  # same predicate and stop, no sleeps

    srv, base, hits = _api_server(stall_first=1)
    try:
        with httpx.Client(base_url=base, timeout=httpx.Timeout(0.2, connect=5.0)) as client:
            assert fetch(client, 1) == {"id": 1, "status": "done"}
        assert hits == ["/reports/1", "/reports/1"]  # the ReadTimeout was retried once
    finally:
        srv.shutdown()
        srv.server_close()

    srv, base, hits = _api_server(stall_first=99)
    try:
        with (
            httpx.Client(base_url=base, timeout=httpx.Timeout(0.2, connect=5.0)) as client,
            pytest.raises(httpx.ReadTimeout),
        ):
            fetch(client, 1)
        assert len(hits) == 4  # stop_after_attempt(4), then the original exception (reraise=True)
    finally:
        srv.shutdown()
        srv.server_close()


def test_option4_per_phase_timeouts(fix_code, api, stalled_body, capsys):
    import aiohttp

    base, hits = api
    code = fix_code(SLUG, 4).replace("https://api.example.com", base)
    exec(compile(code, f"{SLUG} option 4", "exec"), {"__name__": "__main__"})
    assert sum(int(n) for n in capsys.readouterr().out.split()) == 30  # the whole chunked body arrived
    assert hits == ["/export"]

    # The same ClientTimeout with a short sock_read, on a body that stalls: aiohttp's sock_read error.
    async def read(url: str) -> None:
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=0.2)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as resp:
            async for _ in resp.content.iter_chunked(65536):
                pass

    with pytest.raises(aiohttp.ServerTimeoutError) as info:
        asyncio.run(read(stalled_body))
    assert (
        _short(info.value)
        == "aiohttp.client_exceptions.SocketTimeoutError: Timeout on reading data from socket"
    )
