"""A local stand-in for the Gemini API: scripted answers in the API's own error format, for the
verified-fix tests that run the real google-genai SDK against it (GOOGLE_GEMINI_BASE_URL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from fake_http import json_server
from pyrun import run_python

MODEL = "gemini-2.5-flash"
REPLY = {"candidates": [{"content": {"role": "model", "parts": [{"text": "OK"}]}, "finishReason": "STOP"}]}


def error_body(code: int, status: str, message: str, details: list[dict] | None = None) -> dict:
    body: dict = {"code": code, "message": message, "status": status}
    if details is not None:
        body["details"] = details
    return {"error": body}


OVERLOADED = error_body(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
INTERNAL = error_body(
    500,
    "INTERNAL",
    "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
)


class Script:
    """The server's answers in order (the last one repeats), and how many requests came."""

    def __init__(self, *answers: tuple[int, dict]):
        self.answers = list(answers)
        self.requests = 0
        self._lock = threading.Lock()

    def __call__(self, request):
        with self._lock:
            self.requests += 1
            return self.answers[min(self.requests, len(self.answers)) - 1]


@contextmanager
def gemini_servers() -> Iterator:
    """`start(*answers)` -> (base URL, script), each a fresh server stopped when the block ends; one
    callable instead of answers decides each reply itself (`answer(request) -> (status, body)`)."""
    with ExitStack() as stack:

        def start(*answers):
            script = answers[0] if len(answers) == 1 and callable(answers[0]) else Script(*answers)
            return stack.enter_context(json_server(script)), script

        yield start


def run_client(base: str, code: str, cwd):
    """Run `code` with the SDK pointed at `base`, a test key, and no proxy in the way."""
    env = {
        "GEMINI_API_KEY": "test-key",
        "GOOGLE_API_KEY": None,
        "GOOGLE_GEMINI_BASE_URL": base,
        "NO_PROXY": "*",
    }
    return run_python(code, cwd=cwd, env=env, timeout=120)


# a Client nobody holds closes its HTTP client before the request: keep it in a name
CALL = f"""
from google import genai
client = genai.Client()
print(client.models.generate_content(model="{MODEL}", contents="hi").text)
"""
