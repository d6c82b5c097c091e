"""Verified fixes for solutions/asyncio-event-loop-closed.md.

Reproduced for real in subprocesses:
- a module-level httpx.AsyncClient used by two asyncio.run() calls against a local keep-alive (HTTP/1.1)
  server: the second call fails with `RuntimeError: Event loop is closed`; against an HTTP/1.0 server
  (no pooled connection to reuse) it does not, as the entry says;
- a timed-out asyncio subprocess left running: `Exception ignored in: <function BaseSubprocessTransport.__del__`
  ... `RuntimeError: Event loop is closed` once the child exits after the loop closed.
Run: Option 1 and Option 2 with their example.com/example.org URLs pointed at the local keep-alive server
(their only network use), Option 3 (the non-Windows branch; the Windows selector branches cannot run here)
and Option 4 (its demo, and a timed-out child that leaves no __del__ noise).
Not checkable here: the Windows Proactor messages, aiohttp's "Unclosed ..." logs (aiohttp is not installed)
and Python 3.14's "Exception ignored while calling deallocator" wording.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

import pytest
from fake_http import QuietHandler
from pyrun import run_python

SLUG = "asyncio-event-loop-closed"


@contextmanager
def _serving(protocol: str):
    """A local HTTP server speaking `protocol`: yields its URL and a list that grows by one per connection."""
    connections: list[int] = []

    class Handler(QuietHandler):
        protocol_version = protocol

        def setup(self):
            super().setup()
            connections.append(1)

        def do_GET(self):
            self.reply(b"ok")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/", connections
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def keepalive():
    with _serving("HTTP/1.1") as served:
        yield served


@pytest.fixture
def no_keepalive():
    with _serving("HTTP/1.0") as served:
        yield served


WRONG_GLOBAL_CLIENT = """
import asyncio, sys
import httpx
client = httpx.AsyncClient()
print(asyncio.run(client.get(sys.argv[1])).status_code)
print(asyncio.run(client.get(sys.argv[1])).status_code)
"""


def test_global_async_client_reused_by_a_second_asyncio_run(keepalive):
    url, _ = keepalive
    result = run_python(WRONG_GLOBAL_CLIENT, args=[url], timeout=30)
    assert result.returncode != 0
    assert result.stdout.splitlines() == ["200"]  # the first run worked
    assert result.stderr.strip().splitlines()[-1] == "RuntimeError: Event loop is closed"


def test_without_a_pooled_connection_to_reuse_it_does_not_fire(no_keepalive):
    url, connections = no_keepalive
    result = run_python(WRONG_GLOBAL_CLIENT, args=[url], timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["200", "200"]
    assert len(connections) == 2


JOIN_WATCHERS = """
import gc, threading
for thread in threading.enumerate():  # ThreadedChildWatcher's threads: wait until they saw the child exit
    if "waitpid-" in thread.name:
        thread.join(10)
gc.collect()
print("collected")
"""

WRONG_SUBPROCESS = (
    """
import asyncio


async def run_tool(*cmd, timeout):
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)   # WRONG: a timeout leaves the child running
    return out


try:
    asyncio.run(run_tool("sleep", "0.3", timeout=0.05))
except TimeoutError:
    print("timed out")
"""
    + JOIN_WATCHERS
)


def test_abandoned_subprocess_transport_complains_after_the_loop_closed():
    result = run_python(WRONG_SUBPROCESS, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["timed out", "collected"]
    assert "Exception ignored in: <function BaseSubprocessTransport.__del__ at 0x" in result.stderr
    assert "RuntimeError: Event loop is closed" in result.stderr


def test_option1_one_client_inside_one_loop(fix_code, keepalive):
    url, _ = keepalive
    namespace: dict = {
        "__name__": "entry_option_1"
    }  # definitions only; its __main__ block fetches example.com
    exec(compile(fix_code(SLUG, 1), f"{SLUG} option 1", "exec"), namespace)
    assert asyncio.run(namespace["main"]([url, url])) == [200, 200]
    assert asyncio.run(namespace["main"]([url])) == [
        200
    ]  # a later asyncio.run() gets its own client: no error


def test_option2_sync_facade_reuses_one_loop_and_pool(fix_code, keepalive):
    url, connections = keepalive
    code = fix_code(SLUG, 2).replace("https://example.com", url).replace("https://example.org", url)
    assert url in code
    result = run_python(code, "-W", "error::ResourceWarning", timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "200"]
    assert len(connections) == 1  # the second call reused the pooled connection, on the same live loop
    assert result.stderr == ""


def test_option3_runs_here_and_loop_factory_needs_312():
    # Only the non-Windows branch can run on this machine; the 3.12 gate matches asyncio.run's signature.
    has_factory = "loop_factory" in inspect.signature(asyncio.run).parameters
    assert has_factory == (sys.version_info >= (3, 12))


def test_option3_code_runs(fix_code):
    result = run_python(fix_code(SLUG, 3))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_option4_demo_and_timeout_leave_no_transport_noise(fix_code):
    driver = """
try:
    asyncio.run(run_tool("sleep", "0.3", timeout=0.05))
except TimeoutError:
    print("timed out")
"""
    result = run_python(fix_code(SLUG, 4) + driver + JOIN_WATCHERS, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["b'ok\\n'", "timed out", "collected"]
    assert "Exception ignored" not in result.stderr
    assert "Event loop is closed" not in result.stderr
