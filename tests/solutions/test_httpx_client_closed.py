"""Verified fix for solutions/httpx-client-closed.md.

Everything runs for real, offline, in child interpreters against local servers on 127.0.0.1:
- httpx and httpx2 clients (sync and async) used after their `with` block raise the entry's first
  signature without sending anything, and entering the closed client again raises the second;
- the SDKs on top: openai 3.x (httpx2) and google-genai (`genai.Client()` not kept in a name) raise the
  RuntimeError as it is; anthropic retries and raises `APIConnectionError: Connection error.` caused by it;
- aiohttp's closed session raises the third signature;
- the look-alike: an AsyncOpenAI left open and reused from a second asyncio.run() against a keep-alive
  server fails with `Event loop is closed` (a not_error), while one closed by the first run's `async with`
  gives this entry's error.
Then the entry's own code: Option 1 as published (its local demo), its SDK block with OPENAI_BASE_URL
pointed at a local server, its atexit and FastAPI lifespan blocks, Option 2 (the fix and the mistake) and
Option 3.
"""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from fake_gemini import CALL, MODEL, REPLY, run_client
from fake_http import chat_completion, json_server
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "httpx-client-closed"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")
CLOSED, REOPEN, SESSION = ENTRY.errors
EVENT_LOOP_CLOSED = "RuntimeError: Event loop is closed"


class Counter:
    """A json_server answer: an OpenAI chat completion for every request, counted."""

    def __init__(self):
        self.requests = 0
        self._lock = threading.Lock()

    def __call__(self, request):
        with self._lock:
            self.requests += 1
        return 200, chat_completion("OK")


@pytest.fixture
def server():
    counter = Counter()
    with json_server(counter) as base:
        yield base, counter


def _run(code: str, cwd, **env):
    return run_python(textwrap.dedent(code), cwd=cwd, env={"NO_PROXY": "*", **env}, timeout=90)


@pytest.mark.parametrize("module", ["httpx", "httpx2"])
def test_a_closed_client_raises_the_entry_s_first_two_signatures(module, server, tmp_path):
    base, counter = server
    sync = f"""
        import {module} as h
        with h.Client() as client:
            pass
        assert client.is_closed
        client.get("{base}/")
    """
    result = _run(sync, tmp_path)
    assert f"{module}/_client.py" in result.stderr
    assert last_line(result) == CLOSED
    async_ = f"""
        import asyncio
        import {module} as h

        async def main():
            async with h.AsyncClient() as client:
                pass
            await client.get("{base}/")

        asyncio.run(main())
    """
    assert last_line(_run(async_, tmp_path)) == CLOSED
    reopen = f"""
        import {module} as h
        client = h.Client()
        client.close()
        with client:
            pass
    """
    assert last_line(_run(reopen, tmp_path)) == REOPEN
    assert counter.requests == 0  # nothing was sent: the state check comes first


OPENAI_AFTER_BLOCK = """
    import asyncio
    from openai import AsyncOpenAI

    async def main():
        async with AsyncOpenAI(base_url="{base}/v1", api_key="k") as client:
            pass
        await client.chat.completions.create(model="m", messages=[{{"role": "user", "content": "hi"}}])

    asyncio.run(main())
"""


def test_openai_3_raises_it_unwrapped_anthropic_wraps_it(server, tmp_path):
    base, counter = server
    result = _run(OPENAI_AFTER_BLOCK.format(base=base), tmp_path)
    assert last_line(result) == CLOSED
    anthropic = f"""
        from anthropic import Anthropic
        with Anthropic(base_url="{base}", api_key="k") as client:
            pass
        client.messages.create(model="m", max_tokens=5, messages=[{{"role": "user", "content": "hi"}}])
    """
    result = _run(anthropic, tmp_path)
    assert last_line(result) == "anthropic.APIConnectionError: Connection error."
    cause, _, wrapper = result.stderr.partition("The above exception was the direct cause")
    assert CLOSED in cause.splitlines() and "APIConnectionError" in wrapper
    assert counter.requests == 0


def test_google_genai_client_not_kept_in_a_name(gemini, tmp_path):
    base, script = gemini((200, REPLY))
    unheld = f"""
from google import genai
print(genai.Client().models.generate_content(model="{MODEL}", contents="hi").text)
"""
    result = run_client(base, unheld, tmp_path)
    assert last_line(result) == CLOSED and script.requests == 0
    held = run_client(base, CALL, tmp_path)  # the entry's advice: keep the Client in a name
    assert held.returncode == 0, held.stderr
    assert held.stdout.strip() == "OK" and script.requests == 1


def test_aiohttp_closed_session(server, tmp_path):
    base, counter = server
    code = f"""
        import asyncio
        import aiohttp

        async def main():
            async with aiohttp.ClientSession() as session:
                pass
            assert session.closed
            await session.get("{base}/")

        asyncio.run(main())
    """
    result = _run(code, tmp_path)
    assert last_line(result) == SESSION and counter.requests == 0


def test_second_asyncio_run_is_event_loop_closed_unless_the_first_closed_it(tmp_path):
    with json_server(lambda request: (200, chat_completion("OK")), keepalive=True) as base:
        code = f"""
            import asyncio, sys
            from openai import AsyncOpenAI

            client = AsyncOpenAI(base_url="{base}/v1", api_key="k", max_retries=0)

            async def call():
                await client.chat.completions.create(model="m", messages=[{{"role": "user", "content": "hi"}}])

            async def call_then_close():
                async with client:
                    await call()

            asyncio.run(call_then_close() if sys.argv[1] == "close" else call())
            asyncio.run(call())
        """
        left_open = run_python(textwrap.dedent(code), cwd=tmp_path, args=["open"], env={"NO_PROXY": "*"})
        closed = run_python(textwrap.dedent(code), cwd=tmp_path, args=["close"], env={"NO_PROXY": "*"})
    assert last_line(left_open) == EVENT_LOOP_CLOSED == ENTRY.not_errors[0]
    assert last_line(closed) == CLOSED


def test_option1_runs_as_published(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, env={"HTTP_PROXY": "http://127.0.0.1:9"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[200, 200, 200, 200, 200]"


def test_option1_sdk_atexit_and_lifespan_blocks(server, tmp_path):
    base, counter = server
    blocks = [code for language, code in option_blocks(SLUG, 1) if language == "python"]
    assert len(blocks) == 4
    _, sdk, at_exit, lifespan = blocks
    env = {"OPENAI_BASE_URL": f"{base}/v1", "OPENAI_API_KEY": "k"}
    result = _run(sdk, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['OK', 'OK']" and counter.requests == 2

    probe = "import atexit\natexit.register(lambda: print('closed at exit:', client.is_closed()))\n"
    result = _run(probe + at_exit + "\nprint('open:', not client.is_closed())\n", tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["open:", "True", "closed", "at", "exit:", "True"]

    app = lifespan.replace("https://hooks.example.com/notify", f"{base}/notify")
    assert app != lifespan
    driver = """
        from fastapi.testclient import TestClient

        with TestClient(app) as http:
            assert http.post("/jobs").json() == {"queued": True}
            client = app.state.http
        print("closed after shutdown:", client.is_closed, "tasks left:", len(app.state.tasks))
    """
    result = _run(app + textwrap.dedent(driver), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "closed after shutdown: True tasks left: 0" in result.stdout
    assert counter.requests == 3  # the fire-and-forget task's POST went out before the client closed


def test_option2_fix_and_the_mistake(tmp_path):
    (fix_language, fix), (wrong_language, wrong) = option_blocks(SLUG, 2)
    assert fix_language == "python" and wrong_language.startswith("python")
    result = run_python(fix, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True"]
    assert last_line(run_python(wrong, cwd=tmp_path)) == CLOSED


def test_option3_rebuilds_a_closed_client(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 3), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"
