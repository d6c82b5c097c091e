"""Verified fix for solutions/sync-async-client-mixup.md.

Everything runs for real, offline, in child interpreters: the released openai, anthropic, httpx and
google-genai packages of this venv talk to a local fake of the OpenAI, Anthropic and Gemini APIs on
127.0.0.1 (JSON replies, server-sent-event streams, keep-alive HTTP/1.1), started by the test.
- Each mix-up raises the exact line Python ends its traceback with, as the entry lists it: await on a
  sync client's result or stream, `for` over an async stream or async generator, `async for` over a
  sync stream or an un-awaited coroutine, a stream manager or client in the wrong `with`, httpx's
  iterator guards, `await` on httpx's sync `response.json()` (one child per library, each case in its
  own asyncio.run(), since importing an SDK takes a second or more); the never-awaited warning and
  the `'coroutine' object has no attribute` rows that the entry sends on to coroutine-never-awaited.
- Then the entry's own code, read from the Markdown: Options 1, 2 (openai and anthropic), 3 and 4 as
  published, with OPENAI_BASE_URL / ANTHROPIC_BASE_URL pointed at the fake; Option 3 keeps the loop
  running while the sync client's request is in flight (the same call made directly does not), and
  Option 4 survives a second asyncio.run() where an async client shared between loops fails with
  the look-alike `Event loop is closed`.
- The look-alikes the entry refuses (an awaited MagicMock, `async with` on a class with no async context
  manager, as ollama's AsyncClient before 0.6.2) print exactly its not_errors.
ollama is not installed here: its wordings were checked in a throwaway venv (see the entry's source).
"""

from __future__ import annotations

import json
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from fake_gemini import MODEL as GEMINI_MODEL
from fake_gemini import REPLY as GEMINI_REPLY
from fake_http import QuietHandler, chat_completion
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "sync-async-client-mixup"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")
SLOW = "slow-model"  # the fake holds a reply for this model SLOW_SECONDS before answering
SLOW_SECONDS = 0.4

MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-test",
    "content": [{"type": "text", "text": "OK"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 1},
}
RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "created_at": 0,
    "model": "gpt-5-mini",
    "status": "completed",
    "output": [
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "OK", "annotations": []}],
        }
    ],
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
}


def _chunk(content: str | None, finish: str | None = None) -> dict:
    delta = {"role": "assistant", "content": content} if content is not None else {}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "gpt-5-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


OPENAI_STREAM = [_chunk("O"), _chunk("K"), _chunk(None, "stop")]
ANTHROPIC_STREAM = [
    ("message_start", {"type": "message_start", "message": {**MESSAGE, "content": []}}),
    (
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "OK"}},
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 1},
        },
    ),
    ("message_stop", {"type": "message_stop"}),
]


class FakeLLM(QuietHandler):
    """OpenAI chat completions and responses, Anthropic messages (both also as SSE streams), Gemini
    generateContent, and /lines (plain text lines for httpx streaming), over keep-alive HTTP/1.1."""

    protocol_version = "HTTP/1.1"
    requests: list[str]  # set on the subclass the fixture makes

    def _send(self, content_type: str, data: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.requests.append(self.path)
        self._send("text/plain", b"first line\nsecond line\n")

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.requests.append(self.path)
        body = json.loads(raw or b"{}")
        if body.get("model") == SLOW:
            time.sleep(SLOW_SECONDS)
        if "generateContent" in self.path:
            self._send("application/json", json.dumps(GEMINI_REPLY).encode())
        elif self.path.endswith("/messages"):
            if body.get("stream"):
                events = "".join(
                    f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in ANTHROPIC_STREAM
                )
                self._send("text/event-stream", events.encode())
            else:
                self._send("application/json", json.dumps(MESSAGE).encode())
        elif self.path.endswith("/responses"):
            self._send("application/json", json.dumps(RESPONSE).encode())
        elif body.get("stream"):
            events = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in OPENAI_STREAM) + "data: [DONE]\n\n"
            self._send("text/event-stream", events.encode())
        else:
            self._send("application/json", json.dumps(chat_completion("OK", model="gpt-5-mini")).encode())


@pytest.fixture
def fake() -> Iterator[tuple[str, list[str]]]:
    """The fake API on a free port: (base URL, the paths requested so far)."""
    requests: list[str] = []
    handler = type("Handler", (FakeLLM,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def _run(code: str, base: str, cwd, *args: str):
    env = {
        "NO_PROXY": "*",
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": base + "/v1",
        "OPENAI_MODEL": "gpt-5-mini",
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": base,
        "ANTHROPIC_MODEL": "claude-test",
        "GEMINI_API_KEY": "test-key",
        "GOOGLE_API_KEY": None,
        "GOOGLE_GEMINI_BASE_URL": base,
    }
    return run_python(textwrap.dedent(code), cwd=cwd, env=env, args=[base, *args], timeout=90)


OPENAI = """
import asyncio, sys
from openai import AsyncOpenAI, OpenAI
MESSAGES = [{"role": "user", "content": "hi"}]
"""
ANTHROPIC = """
import asyncio, sys
from anthropic import Anthropic, AsyncAnthropic
REQUEST = dict(model="claude-test", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
"""
HTTPX = """
import asyncio, sys
import httpx
URL = sys.argv[1] + "/lines"
"""
GENAI = f"""
import asyncio
from google import genai
GEMINI_MODEL = "{GEMINI_MODEL}"
"""

# (what the code does, the imports it needs, the body of `async def main()`, the error Python prints)
MIXUPS = [
    (
        "await on the sync OpenAI client",
        OPENAI,
        'await OpenAI().chat.completions.create(model="gpt-5-mini", messages=MESSAGES)',
        "TypeError: object ChatCompletion can't be used in 'await' expression",
    ),
    (
        "await on the sync OpenAI stream",
        OPENAI,
        'await OpenAI().chat.completions.create(model="gpt-5-mini", messages=MESSAGES, stream=True)',
        "TypeError: object Stream can't be used in 'await' expression",
    ),
    (
        "await on the sync OpenAI responses API",
        OPENAI,
        'await OpenAI().responses.create(model="gpt-5-mini", input="hi")',
        "TypeError: object Response can't be used in 'await' expression",
    ),
    (
        "for over an AsyncOpenAI stream",
        OPENAI,
        """
stream = await AsyncOpenAI().chat.completions.create(model="gpt-5-mini", messages=MESSAGES, stream=True)
for chunk in stream:
    pass
""",
        "TypeError: 'AsyncStream' object is not iterable",
    ),
    (
        "async for over the sync OpenAI stream",
        OPENAI,
        """
async for chunk in OpenAI().chat.completions.create(model="gpt-5-mini", messages=MESSAGES, stream=True):
    pass
""",
        "TypeError: 'async for' requires an object with __aiter__ method, got Stream",
    ),
    (
        "with on the AsyncOpenAI stream helper",
        OPENAI,
        """
with AsyncOpenAI().chat.completions.stream(model="gpt-5-mini", messages=MESSAGES) as stream:
    pass
""",
        "TypeError: 'AsyncChatCompletionStreamManager' object does not support the context manager protocol",
    ),
    (
        "async with on the sync OpenAI stream helper",
        OPENAI,
        """
async with OpenAI().chat.completions.stream(model="gpt-5-mini", messages=MESSAGES) as stream:
    pass
""",
        "TypeError: 'ChatCompletionStreamManager' object does not support the asynchronous context manager protocol",
    ),
    (
        "await on the sync Anthropic client",
        ANTHROPIC,
        "await Anthropic().messages.create(**REQUEST)",
        "TypeError: object Message can't be used in 'await' expression",
    ),
    (
        "for over an AsyncAnthropic stream",
        ANTHROPIC,
        """
stream = await AsyncAnthropic().messages.create(**REQUEST, stream=True)
for event in stream:
    pass
""",
        "TypeError: 'AsyncStream' object is not iterable",
    ),
    (
        "with on the AsyncAnthropic stream helper",
        ANTHROPIC,
        """
with AsyncAnthropic().messages.stream(**REQUEST) as stream:
    pass
""",
        "TypeError: 'AsyncMessageStreamManager' object does not support the context manager protocol",
    ),
    (
        "async with on the sync Anthropic stream helper",
        ANTHROPIC,
        """
async with Anthropic().messages.stream(**REQUEST) as stream:
    pass
""",
        "TypeError: 'MessageStreamManager' object does not support the asynchronous context manager protocol",
    ),
    (
        "for over AsyncMessageStream.text_stream",
        ANTHROPIC,
        """
async with AsyncAnthropic().messages.stream(**REQUEST) as stream:
    for text in stream.text_stream:
        pass
""",
        "TypeError: 'async_generator' object is not iterable",
    ),
    (
        "await on httpx.Client().get",
        HTTPX,
        """
with httpx.Client() as client:
    await client.get(URL)
""",
        "TypeError: object Response can't be used in 'await' expression",
    ),
    (
        "await on httpx's sync response.json()",
        HTTPX,
        """
async with httpx.AsyncClient() as client:
    response = await client.post(sys.argv[1] + "/v1/chat/completions", json={})
    await response.json()
""",
        "TypeError: object dict can't be used in 'await' expression",
    ),
    (
        "with httpx.AsyncClient()",
        HTTPX,
        """
with httpx.AsyncClient() as client:
    pass
""",
        "TypeError: 'AsyncClient' object does not support the context manager protocol",
    ),
    (
        "iter_lines() on an AsyncClient stream",
        HTTPX,
        """
async with httpx.AsyncClient() as client:
    async with client.stream("GET", URL) as response:
        for line in response.iter_lines():
            pass
""",
        "RuntimeError: Attempted to call a sync iterator on an async stream.",
    ),
    (
        "aiter_lines() on a Client stream",
        HTTPX,
        """
with httpx.Client() as client:
    with client.stream("GET", URL) as response:
        async for line in response.aiter_lines():
            pass
""",
        "RuntimeError: Attempted to call an async iterator on a sync stream.",
    ),
    (
        "async for over a Client stream's iter_lines()",
        HTTPX,
        """
with httpx.Client() as client:
    with client.stream("GET", URL) as response:
        async for line in response.iter_lines():
            pass
""",
        "TypeError: 'async for' requires an object with __aiter__ method, got generator",
    ),
    (
        "for over an AsyncClient stream's aiter_lines()",
        HTTPX,
        """
async with httpx.AsyncClient() as client:
    async with client.stream("GET", URL) as response:
        for line in response.aiter_lines():
            pass
""",
        "TypeError: 'async_generator' object is not iterable",
    ),
    (
        "async with httpx.Client()",
        HTTPX,
        """
async with httpx.Client() as client:
    pass
""",
        "TypeError: 'Client' object does not support the asynchronous context manager protocol",
    ),
    (
        "with on AsyncClient.stream()",
        HTTPX,
        """
async with httpx.AsyncClient() as client:
    with client.stream("GET", URL) as response:
        pass
""",
        "TypeError: '_AsyncGeneratorContextManager' object does not support the context manager protocol",
    ),
    (
        "await on google-genai's sync client.models",
        GENAI,
        """
client = genai.Client()
await client.models.generate_content(model=GEMINI_MODEL, contents="hi")
""",
        "TypeError: object GenerateContentResponse can't be used in 'await' expression",
    ),
]

# One child interpreter per library (importing an SDK takes a second or more): it runs each case's
# `main()` in its own asyncio.run() and prints the line Python ends that case's traceback with.
RUN_CASES = """
import traceback
for _name, _body in CASES:
    _ns = dict(globals())
    exec("async def main():\\n" + "".join("    " + line + "\\n" for line in _body.splitlines()), _ns)
    try:
        asyncio.run(_ns["main"]())
        print(_name + "\\x1fno error")
    except Exception as _error:
        print(_name + "\\x1f" + traceback.format_exception_only(type(_error), _error)[-1].rstrip())
"""


def test_each_mixup_raises_a_wording_the_entry_lists(fake, tmp_path):
    base, _ = fake
    expected = {name: error for name, _, _, error in MIXUPS}
    got = {}
    for header in dict.fromkeys(imports for _, imports, _, _ in MIXUPS):
        cases = [
            (name, textwrap.dedent(body).strip()) for name, imports, body, _ in MIXUPS if imports == header
        ]
        result = _run(header + f"CASES = {cases!r}\n" + RUN_CASES, base, tmp_path)
        assert result.returncode == 0, result.stderr
        got.update(line.split("\x1f", 1) for line in result.stdout.splitlines())
    assert got == expected
    table = ENTRY.markdown.replace("`", "")
    for error in expected.values():  # in `errors`, or one of the table's rows (the two httpx `with` ones)
        assert error in ENTRY.errors or error.split(": ", 1)[1] in table, error


def test_a_missing_await_is_the_entry_s_got_coroutine_row_and_the_never_awaited_look_alike(fake, tmp_path):
    base, _ = fake
    code = (
        OPENAI
        + ANTHROPIC
        + """
import traceback

async def stream_without_await():
    async for chunk in AsyncOpenAI().chat.completions.create(model="gpt-5-mini", messages=MESSAGES, stream=True):
        pass

for use in (
    lambda: asyncio.run(stream_without_await()),
    lambda: AsyncOpenAI().chat.completions.create(model="gpt-5-mini", messages=MESSAGES).choices,
    lambda: AsyncAnthropic().messages.create(**REQUEST).content,
):
    try:
        use()
    except Exception as error:
        print(traceback.format_exception_only(type(error), error)[-1].rstrip())
"""
    )
    result = _run(code, base, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "TypeError: 'async for' requires an object with __aiter__ method, got coroutine",
        "AttributeError: 'coroutine' object has no attribute 'choices'",
        "AttributeError: 'coroutine' object has no attribute 'content'",
    ]
    assert result.stdout.splitlines()[0] in ENTRY.errors
    # the result used without await: the table names it and sends it on to coroutine-never-awaited,
    # whose warning (a not_error here) Python prints for each dropped coroutine
    assert "'coroutine' object has no attribute 'choices'" in ENTRY.markdown
    assert "`'content'` for Anthropic" in ENTRY.markdown
    warning = "RuntimeWarning: coroutine 'AsyncCompletions.create' was never awaited"
    assert warning in result.stderr and warning in ENTRY.not_errors
    assert "RuntimeWarning: coroutine 'AsyncMessages.create' was never awaited" in result.stderr


def test_option1_sync_client_in_def_async_client_awaited_in_async_def(fake, fix_code, tmp_path):
    base, requests = fake
    result = _run(fix_code(SLUG, 1), base, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["sync: OK", "async: ['OK', 'OK']"]
    assert "never awaited" not in result.stderr
    assert requests == ["/v1/chat/completions"] * 3


def test_option2_streams_read_with_the_matching_loop_and_with(fake, fix_code, tmp_path):
    base, requests = fake
    result = _run(fix_code(SLUG, 2), base, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["sync stream: OK", "async stream: OK", "async helper: OK"]
    assert requests == ["/v1/chat/completions"] * 3

    language, anthropic_block = option_blocks(SLUG, 2)[1]
    assert language == "python" and "AsyncAnthropic" in anthropic_block
    streamed = _run(anthropic_block, base, tmp_path)
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout.strip() == "OK"
    assert requests[-1] == "/v1/messages"


def test_option3_accepts_either_client_and_keeps_the_loop_running(fake, fix_code, tmp_path):
    base, requests = fake
    result = _run(fix_code(SLUG, 3), base, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["sync client: OK", "async client: OK"]
    assert requests == ["/v1/chat/completions"] * 2

    # while the sync client's slow request runs in the worker thread, other tasks keep running;
    # the same call made directly in the coroutine stops the loop for the whole request
    ticker = fix_code(SLUG, 3).split('if __name__ == "__main__":')[0] + textwrap.dedent(
        f"""
        import sys

        async def ticks_during(call):
            ticks = 0
            async def tick():
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1
            task = asyncio.create_task(tick())
            await asyncio.sleep(0)
            await call()
            task.cancel()
            return ticks

        async def run():
            request = {{"model": "{SLOW}", "messages": [{{"role": "user", "content": "hi"}}]}}
            with OpenAI() as client:
                threaded = await ticks_during(lambda: complete(client, **request))
                async def blocking():
                    return client.chat.completions.create(**request)
                blocked = await ticks_during(blocking)
            print("threaded", threaded, "blocked", blocked)

        asyncio.run(run())
        """
    )
    timed = _run(ticker, base, tmp_path)
    assert timed.returncode == 0, timed.stderr
    _, threaded, _, blocked = timed.stdout.split()
    assert int(threaded) >= 10  # ~SLOW_SECONDS / 0.01 ticks while the request was in flight
    assert int(blocked) <= 1


def test_option4_one_run_per_call_where_a_shared_client_hits_the_look_alike(fake, fix_code, tmp_path):
    base, requests = fake
    result = _run(fix_code(SLUG, 4), base, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['OK', 'OK']", "['OK']"]
    assert requests == ["/v1/chat/completions"] * 3

    shared = _run(
        OPENAI
        + """
client = AsyncOpenAI()  # kept between runs: bound to the first run's loop and its connections
async def ask():
    reply = await client.chat.completions.create(model="gpt-5-mini", messages=MESSAGES)
    return reply.choices[0].message.content
print(asyncio.run(ask()))
print(asyncio.run(ask()))
""",
        base,
        tmp_path,
    )
    assert shared.stdout.splitlines() == ["OK"]
    assert last_line(shared) == "RuntimeError: Event loop is closed"
    assert last_line(shared) in ENTRY.not_errors


def test_the_refused_look_alikes_are_what_python_prints_for_them(tmp_path):
    """An awaited MagicMock (a test double, not a client) and `async with` on a class that has no
    async context manager at all (ollama's AsyncClient before 0.6.2) print the entry's not_errors;
    the 3.14 `with` signature names httpx's client as Python 3.14's %T does (module + qualname)."""
    result = run_python(
        textwrap.dedent(
            """
            import asyncio, traceback
            from unittest.mock import MagicMock
            import httpx

            class AsyncClient:  # like ollama.AsyncClient up to 0.6.1: no __aenter__/__aexit__
                pass

            async def awaited_mock():
                await MagicMock()()

            async def async_with_no_manager():
                async with AsyncClient():
                    pass

            for main in (awaited_mock, async_with_no_manager):
                try:
                    asyncio.run(main())
                except TypeError as error:
                    print(traceback.format_exception_only(type(error), error)[-1].rstrip())
            cls = httpx.AsyncClient
            print(cls.__module__ + "." + cls.__qualname__, hasattr(cls, "__exit__"), hasattr(cls, "__aexit__"))
            """
        ),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    mock, no_manager, qualified = result.stdout.splitlines()
    assert mock == "TypeError: object MagicMock can't be used in 'await' expression"
    assert (
        no_manager
        == "TypeError: 'AsyncClient' object does not support the asynchronous context manager protocol"
    )
    assert mock in ENTRY.not_errors and no_manager in ENTRY.not_errors
    assert qualified == "httpx.AsyncClient False True"
    assert (
        "TypeError: 'httpx.AsyncClient' object does not support the context manager protocol (missed __exit__ "
        "method) but it supports the asynchronous context manager protocol. Did you mean to use 'async with'?"
    ) in ENTRY.errors
