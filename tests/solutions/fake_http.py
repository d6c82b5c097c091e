"""A local HTTP server that answers JSON, standing in for an API (OpenAI-compatible, Ollama) in the tests."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

import pytest


class Request(NamedTuple):
    method: str
    path: str
    headers: Any  # http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


# answer(request) -> (status, payload) or (status, payload, [(header, value), ...])
Answer = Callable[[Request], tuple]


class QuietHandler(BaseHTTPRequestHandler):
    """A handler that logs nothing and can answer 200 with a small body: the base of the test servers
    that misbehave first (drop, reset, count connections) and then answer."""

    def reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def json_server(answer: Answer, keepalive: bool = False, tls: tuple[Any, Any] | None = None) -> Iterator[str]:
    """Serve `answer` on 127.0.0.1 (a free port) for GET and POST; yield the base URL, e.g. http://127.0.0.1:40123.

    Each reply is `json.dumps(payload)` with content-type application/json and its content-length.
    `keepalive` answers in HTTP/1.1, so a client keeps its connection in its pool between requests.
    `tls` (certificate file, key file) serves HTTPS with that certificate instead.
    """

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1" if keepalive else "HTTP/1.0"

        def _reply(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            status, payload, *extra = answer(Request(self.command, self.path, self.headers, body))
            data = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in extra[0] if extra else ():
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _reply

    with serving(Handler, tls) as url:
        yield url


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], tls: tuple[Any, Any] | None = None) -> Iterator[str]:
    """Run `handler` on 127.0.0.1 (a free port) in a thread; yield the base URL, e.g. http://127.0.0.1:40123.
    `tls` (certificate file, key file) serves HTTPS with that certificate instead."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        srv.socket = context.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def chat_completion(content: str, model: str = "m", finish_reason: str = "stop", **message: Any) -> dict:
    """An OpenAI `chat.completion` body with one choice, as the SDKs parse it (`message` adds fields)."""
    reply = {"role": "assistant", "content": content, **message}
    choice = {"index": 0, "finish_reason": finish_reason, "message": reply}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [choice],
    }


def claude_message(model: str, content: list[dict], stop_reason: str = "end_turn") -> dict:
    """An Anthropic Messages API reply body, as the anthropic SDK parses it."""
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 1},
    }


def claude_error(message: str, request_id: str) -> dict:
    """The Messages API's 400 body for a request it refuses."""
    return {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": message},
        "request_id": request_id,
    }


def anthropic_client(base_url: str, monkeypatch) -> Any:
    """The real anthropic SDK pointed at a local stand-in: no retries, no proxy between them."""
    try:
        import anthropic
    except ImportError:
        pytest.fail("needs the anthropic SDK (the project's dev extra installs it)")
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("no_proxy", "*")
    return anthropic.Anthropic(api_key="sk-ant-test", base_url=base_url, max_retries=0)


def genai_client(base_url: str, monkeypatch) -> Any:
    """The real google-genai SDK pointed at a local stand-in of the Gemini API."""
    try:
        from google import genai
        from google.genai import types
    except ImportError:
        pytest.fail("needs google-genai (the project's dev extra installs it)")
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    return genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=base_url))


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (bound, then released): for refused connections."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Script:
    """A server's answers in order (the last one repeats), and the paths of the requests that came."""

    def __init__(self, *answers: tuple):
        self.answers = list(answers)
        self.paths: list[str] = []
        self._lock = threading.Lock()

    @property
    def requests(self) -> int:
        return len(self.paths)

    def __call__(self, request: Request) -> tuple:
        with self._lock:
            self.paths.append(request.path)
            return self.answers[min(len(self.paths), len(self.answers)) - 1]


@contextmanager
def scripted_servers() -> Iterator:
    """`start(*answers)` -> (base URL, script), each a fresh server stopped when the block ends; one
    callable instead of answers decides each reply itself (`answer(request) -> (status, body)`)."""
    with ExitStack() as stack:

        def start(*answers):
            script = answers[0] if len(answers) == 1 and callable(answers[0]) else Script(*answers)
            return stack.enter_context(json_server(script)), script

        yield start
