"""Verified fix for solutions/gemini-overloaded.md.

The real google-genai SDK against a local server answering as the Gemini API does: the 503 and
500 texts are the entry's signatures, Option 1 retries 5xx a bounded number of times and never
a 400, Option 2 moves to the next model on an overload and skips a model that does not exist,
and Option 3's timeout is in milliseconds, as the entry says, with the streamed reply printed.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from fake_gemini import CALL, INTERNAL, MODEL, OVERLOADED, REPLY, error_body, run_client
from fake_http import QuietHandler

SLUG = "gemini-overloaded"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
BAD_REQUEST = error_body(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
NOT_FOUND = error_body(404, "NOT_FOUND", "models/gemini-2.5-pro is not found for API version v1beta.")


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (
            OVERLOADED,
            "google.genai.errors.ServerError: 503 UNAVAILABLE. {'error': {'code': 503, 'message': 'The model is overloaded. Please try again later.', 'status': 'UNAVAILABLE'}}",
        ),
        (
            INTERNAL,
            "google.genai.errors.ServerError: 500 INTERNAL. {'error': {'code': 500, 'message': 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting', 'status': 'INTERNAL'}}",
        ),
    ],
)
def test_the_sdk_raises_the_entry_s_signatures(gemini, tmp_path, body, line):
    base, script = gemini((body["error"]["code"], body))
    result = run_client(base, CALL, tmp_path)
    assert result.stderr.strip().splitlines()[-1] == line
    assert script.requests == 1  # the SDK retries nothing by default
    assert f'  - "{line}"' in ENTRY.read_text(encoding="utf-8")


DRIVER = """
import time
sleeps = []
time.sleep = lambda s: sleeps.append(s)
try:
    print("TEXT", {call}.text)
except Exception as err:
    print("RAISED", type(err).__name__, err.code)
print("SLEEPS", len(sleeps))
"""


def _program(fix_code, option: int, call: str) -> str:
    return fix_code(SLUG, option).split('if __name__ == "__main__":')[0] + DRIVER.format(call=call)


def test_option1_rides_out_a_dip_and_is_bounded(gemini, fix_code, tmp_path):
    base, script = gemini((503, OVERLOADED), (500, INTERNAL), (200, REPLY))
    program = _program(fix_code, 1, f'generate(max_attempts=4, model="{MODEL}", contents="hi")')
    result = run_client(base, program, tmp_path)
    assert "TEXT OK" in result.stdout and "SLEEPS 2" in result.stdout and script.requests == 3, result.stderr
    base, script = gemini((503, OVERLOADED))
    result = run_client(base, program, tmp_path)
    assert "RAISED ServerError 503" in result.stdout and script.requests == 4
    base, script = gemini((400, BAD_REQUEST))
    result = run_client(base, program, tmp_path)
    assert "RAISED ClientError 400" in result.stdout and script.requests == 1  # a 400 is not retried


class ModelRoutes:
    """Answer per model named in the request path: {model: (status, body)}; count requests per model."""

    def __init__(self, routes: dict[str, tuple[int, dict]]):
        self.routes = routes
        self.counts: dict[str, int] = {}

    def __call__(self, request):
        model = request.path.split("/models/")[1].split(":")[0]
        self.counts[model] = self.counts.get(model, 0) + 1
        return self.routes[model]


def test_option2_falls_back_on_overload_and_skips_a_missing_model(gemini, fix_code, tmp_path):
    routes = ModelRoutes(
        {
            "gemini-2.5-pro": (503, OVERLOADED),
            "gemini-2.5-flash": (404, NOT_FOUND),
            "gemini-2.5-flash-lite": (200, REPLY),
        }
    )
    base, _ = gemini(routes)
    result = run_client(base, _program(fix_code, 2, 'generate_with_fallback(contents="hi")'), tmp_path)
    assert "TEXT OK" in result.stdout, result.stderr
    assert routes.counts == {"gemini-2.5-pro": 1, "gemini-2.5-flash": 1, "gemini-2.5-flash-lite": 1}
    assert "model gemini-2.5-flash not found, skipping it" in result.stderr
    # every model busy: rounds x models requests, then the last error
    busy = ModelRoutes(
        {m: (503, OVERLOADED) for m in ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite")}
    )
    base, _ = gemini(busy)
    result = run_client(
        base, _program(fix_code, 2, 'generate_with_fallback(rounds=2, contents="hi")'), tmp_path
    )
    assert "RAISED ServerError 503" in result.stdout and sum(busy.counts.values()) == 6


class SlowStream(QuietHandler):
    """A streamed reply (server-sent events) that starts after DELAY seconds."""

    DELAY = 1.5

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        time.sleep(self.DELAY)
        events = b"".join(b"data: " + json.dumps(REPLY).encode() + b"\r\n\r\n" for _ in range(2))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(events)))
        self.end_headers()
        self.wfile.write(events)


def test_option3_timeout_is_in_milliseconds_and_the_stream_prints(fix_code, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowStream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        code = fix_code(SLUG, 3)
        result = run_client(base, code, tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "OKOK"
        # the same number of seconds would have been a 0.6 s timeout: the unit matters
        short = run_client(base, code.replace("timeout=600_000", "timeout=600"), tmp_path)
        assert short.returncode == 1 and "timed out" in short.stderr.lower()
    finally:
        server.shutdown()
        server.server_close()
