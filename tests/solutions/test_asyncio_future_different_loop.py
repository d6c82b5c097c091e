"""Verified fixes for solutions/asyncio-future-different-loop.md: one async object used from two event loops.

Reproduced for real, each in a child interpreter, and each full traceback fed to the matcher (the entry must be its
confident answer):
- CPython (this interpreter): a Lock, Semaphore, BoundedSemaphore, Event, Condition and Queue waited on under two
  asyncio.run() calls, and a Lock shared by two threads' loops -> `<...> is bound to a different event loop`
  (asyncio/mixins.py _get_loop; an uncontended Lock raises nothing); a Future of another loop awaited ->
  `Task <...> got Future <Future pending> attached to a different loop`; run_until_complete()/gather() of a foreign
  future -> `ValueError: The future belongs to a different loop ...`; call_soon() from another thread in debug
  mode -> `Non-thread-safe operation invoked on an event loop other than the current one`;
- on every CPython 3.8-3.13 found on the machine (pyenv): the entry's reproduction block fails with the
  `got Future` form on 3.8/3.9 (already in the first asyncio.run) and with `<asyncio.locks.Semaphore ...> is bound
  to a different event loop` from 3.10 on (in the second), and Options 1-3 run as written; Option 2 keeps no
  finished loop (a Semaphore that made a task wait holds its loop, so the weak key alone never lets go), and
  Option 3 cancels a coroutine whose caller timed out and, in close(), the calls still in flight;
- aiohttp (a ClientSession of a loop still running in another thread) -> `Timeout context manager should be used
  inside a task`; httpx (a pooled connection of such a loop) -> `<asyncio.locks.Event ...> is bound to a different
  event loop`; redis.asyncio against a real redis-server -> `got Future ... attached to a different loop` with
  `Redis.execute_command()` in the task; asyncpg against the session's PostgreSQL -> `got Future <Future pending
  cb=[BaseProtocol._on_waiter_completed()]> attached to a different loop`. Each is then fixed by the entry's Option 3
  (LoopThread): the same client made on the loop thread serves plain threads and another loop;
- FastAPI/Starlette (TestClient): a `def` endpoint running asyncio.run() on a lock the lifespan made fails with
  `is bound to a different event loop` while the lock is contended; the entry's Option 4 (anyio.from_thread.run)
  passes the same contention;
- pytest-asyncio: a module-scoped async fixture used by function-loop tests fails the second test with
  `<Queue ...> is bound to a different event loop`; the entry's Option 5 block passes; a session fixture under
  `asyncio_default_fixture_loop_scope=function` gives pytest's own `ScopeMismatch ... _function_scoped_runner ...`.
  pytest-asyncio is not in the dev extra: when it is missing, a small stand-in of its plugin is written into
  tmp_path. It follows pytest-asyncio 1.5.0 plugin.py (checked against 0.24.0, 0.26.0, 1.0.0, 1.5.0): an async
  fixture runs on the `_<loop_scope>_scoped_runner` fixture of its `loop_scope`, else of
  asyncio_default_fixture_loop_scope, else of its own scope; a test runs on its asyncio mark's `loop_scope`, else
  asyncio_default_test_loop_scope ("function"); the runners are pytest fixtures of those scopes, so a wide fixture
  asking for a narrow runner gets pytest's ScopeMismatch. The real pytest-asyncio is used when it is installed.
Needs aiohttp, httpx, redis, asyncpg, fastapi (the dev extra), redis-server and PostgreSQL (make test installs them).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import threading
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from answers import assert_answers
from entry_blocks import option_blocks, raising_block
from fake_http import QuietHandler
from fake_site import write_files
from pyrun import interpreters_by_version, last_line, run_args, run_python, run_script_on
from redis_server import start_redis

from app.corpus.entries import code_blocks

SLUG = "asyncio-future-different-loop"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
HEX = r"0x[0-9a-fA-F]+"


def option_runner(fix_code, option: int) -> str:
    """Python that defines the names of an option's block without running its `__main__` part."""
    return f"_ns = {{'__name__': 'fix_option'}}\nexec(compile({fix_code(SLUG, option)!r}, 'option', 'exec'), _ns)\n"


# --- CPython's own wordings ------------------------------------------------------------------------------------
CORE = r"""
import asyncio, json, threading, traceback

out = {}


def case(name):
    def run(fn):
        try:
            fn()
            out[name] = None
        except BaseException:
            out[name] = traceback.format_exc()
    return run


async def hold(lock):
    async with lock:
        await asyncio.sleep(0.01)


def contend(lock):
    async def use():  # the second task has to wait: that binds the lock to the running loop
        await asyncio.gather(hold(lock), hold(lock))
    return use


def two_runs(use):
    asyncio.run(use())
    asyncio.run(use())


@case("Lock")
def _():
    lock = asyncio.Lock()
    two_runs(contend(lock))


@case("Semaphore")
def _():
    sem = asyncio.Semaphore(1)
    two_runs(contend(sem))


@case("BoundedSemaphore")
def _():
    sem = asyncio.BoundedSemaphore(1)
    two_runs(contend(sem))


@case("Event")
def _():
    event = asyncio.Event()

    async def use():
        asyncio.get_running_loop().call_later(0.01, event.set)
        await event.wait()
        event.clear()

    two_runs(use)


@case("Condition")
def _():
    cond = asyncio.Condition()

    async def use():
        async with cond:
            try:
                await asyncio.wait_for(cond.wait(), 0.02)
            except asyncio.TimeoutError:
                pass

    two_runs(use)


@case("Queue")
def _():
    queue = asyncio.Queue()

    async def use():
        asyncio.get_running_loop().call_later(0.01, queue.put_nowait, 1)
        await queue.get()

    two_runs(use)


@case("uncontended Lock")
def _():
    lock = asyncio.Lock()

    async def use():
        async with lock:
            pass

    two_runs(use)


@case("threads")
def _():
    lock, errors = asyncio.Lock(), []

    def worker():
        try:
            asyncio.run(contend(lock)())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


@case("foreign Future")
def _():
    fut = asyncio.new_event_loop().create_future()

    async def main():
        await fut

    asyncio.run(main())


@case("run_until_complete")
def _():
    fut = asyncio.new_event_loop().create_future()
    asyncio.new_event_loop().run_until_complete(fut)


@case("gather")
def _():
    fut = asyncio.new_event_loop().create_future()

    async def main():
        await asyncio.gather(asyncio.get_running_loop().create_future(), fut)

    asyncio.run(main())


@case("call_soon from a thread")
def _():
    async def main():
        loop, errors = asyncio.get_running_loop(), []

        def other_thread():
            try:
                loop.call_soon(print, "never")
            except BaseException as exc:
                errors.append(exc)

        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
        if errors:
            raise errors[0]

    asyncio.run(main(), debug=True)


print(json.dumps(out))
"""

BOUND = {
    "Lock": rf"<asyncio\.locks\.Lock object at {HEX} \[locked\]>",
    "Semaphore": rf"<asyncio\.locks\.Semaphore object at {HEX} \[locked\]>",
    "BoundedSemaphore": rf"<asyncio\.locks\.BoundedSemaphore object at {HEX} \[locked\]>",
    "Event": rf"<asyncio\.locks\.Event object at {HEX} \[unset\]>",
    "Condition": rf"<asyncio\.locks\.Condition object at {HEX} \[(un)?locked\]>",
    "Queue": rf"<Queue at {HEX} maxsize=0 tasks=1>",
    "threads": rf"<asyncio\.locks\.Lock object at {HEX} \[(un)?locked(, waiters:\d+)?\]>",
}


@pytest.fixture(scope="module")
def core():
    result = run_python(CORE, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(BOUND))
def test_a_primitive_waited_on_in_a_second_loop_is_bound_to_the_first(core, index, name):
    traceback_text = core[name]
    assert traceback_text, f"{name}: no error"
    assert re.fullmatch(
        rf"RuntimeError: {BOUND[name]} is bound to a different event loop", last_line_of(traceback_text)
    )
    assert "asyncio/mixins.py" in traceback_text and "in _get_loop" in traceback_text
    assert_answers(index, SLUG, traceback_text)


def test_a_primitive_that_never_waits_binds_to_no_loop(core):
    assert core["uncontended Lock"] is None  # why the error comes and goes with load


def test_a_future_of_another_loop(core, index):
    got = last_line_of(core["foreign Future"])
    assert re.fullmatch(
        r"RuntimeError: Task <Task pending name='Task-\d+' coro=<.*main\(\) running at .*> cb=\[_run_until_complete_cb\(\) "
        r"at .*base_events\.py:\d+\]> got Future <Future pending> attached to a different loop",
        got,
    ), got
    assert_answers(index, SLUG, core["foreign Future"])
    for name in ("run_until_complete", "gather"):
        assert last_line_of(core[name]) == (
            "ValueError: The future belongs to a different loop than the one specified as the loop argument"
        )
        assert_answers(index, SLUG, core[name])


def test_a_loop_touched_from_another_thread_in_debug_mode(core, index):
    text = core["call_soon from a thread"]
    assert last_line_of(text) == (
        "RuntimeError: Non-thread-safe operation invoked on an event loop other than the current one"
    )
    assert_answers(index, SLUG, text)


def test_the_exact_texts_are_signatures(entry):
    for text in (
        "ValueError: The future belongs to a different loop than the one specified as the loop argument",
        "RuntimeError: Non-thread-safe operation invoked on an event loop other than the current one",
        "RuntimeError: Timeout context manager should be used inside a task",
        "is bound to a different event loop",
        "got Future <Future pending> attached to a different loop",
    ):
        assert text in entry.errors


def last_line_of(text: str) -> str:
    return text.strip().splitlines()[-1]


# --- every CPython on the machine: the reproduction block and Options 1-3 ----------------------------------
INTERPRETERS = interpreters_by_version((3, 8), (3, 13))


@pytest.mark.parametrize("version", INTERPRETERS)
def test_reproduction_and_options_1_to_3_on_each_python(version, entry, fix_code, tmp_path, index):
    exe = INTERPRETERS[version]
    result = run_script_on(exe, raising_block(entry), tmp_path)
    assert result.returncode != 0
    raised = last_line(result)
    if version in {
        "3.8",
        "3.9",
    }:  # the constructor took get_event_loop()'s loop: the first asyncio.run() already fails
        assert result.stdout == ""
        assert re.fullmatch(
            r"RuntimeError: Task <Task pending .*> got Future <Future pending> attached to a different loop",
            raised,
        )
    else:  # the semaphore binds to the first loop that waits on it: the second asyncio.run() fails
        assert result.stdout.splitlines() == ["[1, 2]"]
        assert re.fullmatch(
            rf"RuntimeError: <asyncio\.locks\.Semaphore object at {HEX} \[locked\]> is bound to a different event loop",
            raised,
        )
    assert_answers(index, SLUG, result.stderr)

    expected = {
        1: ["[0, 1, 4, 9, 16]", "[0, 1, 4]"],
        2: ["[0, 1, 2, 3, 4]"] * 4,
        3: ["20 21"],
    }
    for option, lines in expected.items():
        result = run_script_on(exe, fix_code(SLUG, option), tmp_path, "-W", "error")
        assert result.returncode == 0, (option, result.stderr)
        assert result.stderr == ""
        if option == 2:  # two threads print at once: their lines may interleave, not their text
            assert result.stdout.replace("\n", "") == "".join(lines)
        else:
            assert result.stdout.splitlines() == lines


def test_option3_refuses_to_block_its_own_loop(fix_code):
    code = option_runner(fix_code, 3) + (
        "import asyncio\n"
        "lt = _ns['LoopThread']()\n"
        "async def inner():\n"
        "    try:\n"
        "        lt.run(asyncio.sleep(0))\n"
        "    except RuntimeError as exc:\n"
        "        return str(exc)\n"
        "print(lt.run(inner()))\n"
        "lt.close()\n"
    )
    result = run_python(code, "-W", "error", timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "already on the loop thread: await the coroutine instead"


def test_option2_keeps_no_finished_loop(fix_code):
    """A Semaphore that made a task wait holds its loop (`_loop`), so a WeakKeyDictionary alone never drops a
    finished loop: one leaked loop per asyncio.run() (50 after 50 Celery tasks). Closed loops must go."""
    code = option_runner(fix_code, 2) + (
        "import asyncio, gc\n"
        "for _ in range(50):\n"
        "    assert asyncio.run(_ns['batch']()) == [0, 1, 2, 3, 4]\n"
        "gc.collect()\n"
        "print(len(_ns['_limiters']))\n"
    )
    result = run_python(code, "-W", "error", timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"  # only the last run's loop, dropped by the next call


def test_option3_cancels_what_its_caller_gave_up(fix_code):
    """run() past its timeout must not let the coroutine finish later (the caller saw it fail and may retry it),
    and close() must end the calls still in flight at once, not leave their callers blocked until their timeout
    while the task is destroyed pending."""
    code = option_runner(fix_code, 3) + (
        "import asyncio, threading, time\n"
        "lt, log, box = _ns['LoopThread'](), [], {}\n"
        "async def write(tag, seconds):\n"
        "    try:\n"
        "        await asyncio.sleep(seconds)\n"
        "        log.append(tag + ' written')\n"
        "    except asyncio.CancelledError:\n"
        "        log.append(tag + ' cancelled')\n"
        "        raise\n"
        "try:\n"
        "    lt.run(write('slow', 0.3), timeout=0.05)\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "time.sleep(0.5)\n"
        "def caller():\n"
        "    started = time.monotonic()\n"
        "    try:\n"
        "        lt.run(write('in flight', 20), timeout=10)\n"
        "    except BaseException as exc:\n"
        "        box['raised'] = type(exc).__name__\n"
        "    box['waited'] = time.monotonic() - started\n"
        "thread = threading.Thread(target=caller)\n"
        "thread.start()\n"
        "time.sleep(0.2)\n"
        "lt.close()\n"
        "thread.join()\n"
        "print(log, box['raised'], box['waited'] < 5)\n"
    )
    result = run_python(code, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "TimeoutError",
        "['slow cancelled', 'in flight cancelled'] CancelledError True",
    ]
    assert "Task was destroyed but it is pending" not in result.stderr


# --- real clients: made on a live loop in another thread, used from a second loop --------------------------------
@contextmanager
def _http_server():
    """A local HTTP/1.1 (keep-alive) server: yields its URL."""

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.reply(b"ok")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def http_url():
    with _http_server() as url:
        yield url


# `make()` opens the client on a loop that runs in another thread; `use(client)` is what the second loop awaits.
# The owner closes the client on its own loop at the end. Its loop is `idle` (waiting in asyncio.sleep) or `busy`
# (a step of its task blocks while the second loop runs): a busy owner reads nothing from the socket meanwhile, so
# the second loop must wait on the connection's own future or event, and the error does not depend on timing.
OTHER_LOOP = """
import asyncio, sys, threading, time
ready, done, box = threading.Event(), threading.Event(), {}

def owner():
    async def main():
        box["client"] = await make()
        ready.set()
        while not done.is_set():
            if OWNER == "busy":
                done.wait(30)
            else:
                await asyncio.sleep(0.01)
        await close(box["client"])
    asyncio.run(main())

thread = threading.Thread(target=owner)
thread.start()
assert ready.wait(20)
try:
    print(asyncio.run(use(box["client"])))
finally:
    done.set()
    thread.join()
"""


def other_loop(owner: str) -> str:
    return f"OWNER = {owner!r}\n" + OTHER_LOOP


# The same client made on the entry's LoopThread (Option 3): used from four plain threads and from another loop.
ON_LOOP_THREAD = """
import asyncio
from concurrent.futures import ThreadPoolExecutor
loop_thread = _ns["LoopThread"]()
client = loop_thread.run(make())
with ThreadPoolExecutor(max_workers=4) as pool:
    print(sorted(set(pool.map(lambda _: loop_thread.run(use(client)), range(8)))))

async def elsewhere():
    return await loop_thread.run_async(use(client))

print(asyncio.run(elsewhere()))
loop_thread.run(close(client))
loop_thread.close()
"""

AIOHTTP = """
import sys
import aiohttp
URL = sys.argv[1]

async def make():
    return aiohttp.ClientSession()

async def use(session):
    async with session.get(URL) as response:
        await response.read()
        return response.status

async def close(session):
    await session.close()
"""

HTTPX = """
import sys
import httpx
URL = sys.argv[1]

async def make():
    return httpx.AsyncClient()

async def use(client):
    return (await client.get(URL)).status_code

async def close(client):
    await client.aclose()
"""

# The owner's loop has opened the pooled connection first: `make` sends one request.
HTTPX_WARM = HTTPX.replace(
    "    return httpx.AsyncClient()",
    "    client = httpx.AsyncClient()\n    await client.get(URL)\n    return client",
)

REDIS = """
import sys
import redis.asyncio as aredis
PORT = int(sys.argv[1])

async def make():
    client = aredis.Redis(host="127.0.0.1", port=PORT)
    await client.ping()
    return client

async def use(client):
    return await client.ping()

async def close(client):
    await client.aclose()
"""

ASYNCPG_CONNECTION = """
import sys
import asyncpg
URL = sys.argv[1]

async def make():
    return await asyncpg.connect(URL)

async def use(conn):
    return await conn.fetchval("SELECT 1")

async def close(conn):
    await conn.close()
"""

ASYNCPG_POOL = """
import sys
import asyncpg
URL = sys.argv[1]

async def make():
    return await asyncpg.create_pool(URL, min_size=1, max_size=4)

async def use(pool):
    return await pool.fetchval("SELECT 1")

async def close(pool):
    await pool.close()
"""


def _wrong_then_fixed(fix_code, index, library: str, wrong_lib: str, fixed_lib: str, arg: str, raised: str):
    wrong = run_python(
        wrong_lib + other_loop("idle" if library == "aiohttp" else "busy"), args=[arg], timeout=60
    )
    assert wrong.returncode != 0, wrong.stdout
    assert re.fullmatch(raised, last_line(wrong)), last_line(wrong)
    assert f"site-packages/{library}/" in wrong.stderr  # the frames run through the library
    assert_answers(index, SLUG, wrong.stderr)

    fixed = run_python(option_runner(fix_code, 3) + fixed_lib + ON_LOOP_THREAD, args=[arg], timeout=60)
    assert fixed.returncode == 0, fixed.stderr
    return fixed


def test_aiohttp_session_of_another_loop(fix_code, index, http_url):
    fixed = _wrong_then_fixed(
        fix_code,
        index,
        "aiohttp",
        AIOHTTP,
        AIOHTTP,
        http_url,
        r"RuntimeError: Timeout context manager should be used inside a task",
    )
    assert fixed.stdout.splitlines() == ["[200]", "200"]
    assert fixed.stderr == ""  # closed on its own loop: no "Unclosed client session"
    # while the owner's loop is busy, its task counts as current there: the timer passes, the connect fails
    busy = run_python(AIOHTTP + other_loop("busy"), args=[http_url], timeout=60)
    assert busy.returncode != 0
    assert re.fullmatch(
        r"RuntimeError: Task <Task pending .*> got Future <Future pending cb=\[BaseSelectorEventLoop\._sock_write_done"
        r".*\]> attached to a different loop",
        last_line(busy),
    ), last_line(busy)
    assert_answers(index, SLUG, busy.stderr)


def test_httpx_client_of_another_loop(fix_code, index, http_url):
    fixed = _wrong_then_fixed(
        fix_code,
        index,
        "httpx",
        HTTPX_WARM,
        HTTPX,
        http_url,
        rf"RuntimeError: <asyncio\.locks\.Event object at {HEX} \[unset\]> is bound to a different event loop",
    )
    assert fixed.stdout.splitlines() == ["[200]", "200"]
    assert fixed.stderr == ""


def test_redis_client_of_another_loop(fix_code, index, tmp_path):
    proc, port = start_redis(tmp_path)
    try:
        fixed = _wrong_then_fixed(
            fix_code,
            index,
            "redis",
            REDIS,
            REDIS,
            str(port),
            r"RuntimeError: Task <Task pending name='Task-\d+' coro=<use\(\) running at .*> "
            r"got Future <Future pending> attached to a different loop",
        )
    finally:
        proc.kill()
        proc.wait()
    assert fixed.stdout.splitlines() == ["[True]", "True"]


def test_asyncpg_connection_of_another_loop(fix_code, index, pg_url):
    wrong = run_python(ASYNCPG_CONNECTION + other_loop("busy"), args=[pg_url], timeout=60)
    assert wrong.returncode != 0
    assert re.fullmatch(
        r"RuntimeError: Task <Task pending name='Task-\d+' coro=<use\(\) running at .*> got Future "
        r"<Future pending cb=\[(Base)?Protocol\._on_waiter_completed\(\)\]> attached to a different loop",
        last_line(wrong),
    ), last_line(wrong)
    assert "site-packages/asyncpg/" in wrong.stderr
    assert_answers(index, SLUG, wrong.stderr)
    # Option 3 with a pool: each call borrows its own connection on the loop thread
    fixed = run_python(option_runner(fix_code, 3) + ASYNCPG_POOL + ON_LOOP_THREAD, args=[pg_url], timeout=60)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines() == ["[1]", "1"]


# --- FastAPI: a def endpoint that starts its own loop ----------------------------------------------------------
FASTAPI_DRIVER = """
import asyncio, sys, threading, time
from fastapi import Request
from fastapi.testclient import TestClient
app, guarded = _ns["app"], _ns["guarded"]
held, release = threading.Event(), threading.Event()


@app.get("/hold")
async def hold(request: Request) -> dict:
    async with request.app.state.lock:
        held.set()
        while not release.is_set():
            await asyncio.sleep(0.01)
    return {"held": True}


@app.get("/sync-wrong")
def sync_wrong(request: Request) -> dict:
    return {"result": asyncio.run(guarded(request))}


def while_held(client, path):
    \"\"\"GET `path` while /hold keeps the lock: it is released once the request waits for it, or has ended.\"\"\"
    held.clear()
    release.clear()
    holder = threading.Thread(target=lambda: client.get("/hold"))
    holder.start()
    assert held.wait(20)
    answer = {}

    def call():
        try:
            answer["json"] = client.get(path).json()
        except BaseException as exc:
            answer["error"] = exc

    caller = threading.Thread(target=call)
    caller.start()
    while caller.is_alive() and not app.state.lock._waiters:
        time.sleep(0.01)
    release.set()
    caller.join()
    holder.join()
    if "error" in answer:
        raise answer["error"]
    return answer["json"]


with TestClient(app) as client:
    print(while_held(client, "/async"))  # a waiter on the server's loop: the lock is now bound to it
    print(while_held(client, sys.argv[1]))
"""


def test_option4_def_endpoint_runs_on_the_servers_loop(fix_code, index):
    demo = run_python(fix_code(SLUG, 4), timeout=60)
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.strip() == "{'result': 'ok'} {'result': 'ok'}"

    wrong = run_python(option_runner(fix_code, 4) + FASTAPI_DRIVER, args=["/sync-wrong"], timeout=60)
    assert wrong.returncode != 0
    assert re.fullmatch(
        rf"RuntimeError: <asyncio\.locks\.Lock object at {HEX} \[locked\]> is bound to a different event loop",
        last_line(wrong),
    )
    assert_answers(index, SLUG, wrong.stderr)

    fixed = run_python(option_runner(fix_code, 4) + FASTAPI_DRIVER, args=["/sync"], timeout=60)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines() == ["{'result': 'ok'}", "{'result': 'ok'}"]


# --- pytest-asyncio ---------------------------------------------------------------------------------------------
FAKE_PYTEST_ASYNCIO = {
    "pytest_asyncio/__init__.py": """
        from .plugin import fixture

        __version__ = "1.5.0"
    """,
    "pytest_asyncio/plugin.py": '''
        """A stand-in for pytest-asyncio 1.5.0's plugin.py: the loop each async fixture and test runs on."""
        import asyncio
        import inspect

        import pytest

        SCOPES = ("function", "class", "module", "package", "session")


        def pytest_addoption(parser):
            parser.addini("asyncio_default_fixture_loop_scope", "fixture loop scope", default=None)
            parser.addini("asyncio_default_test_loop_scope", "test loop scope", default="function")


        def pytest_configure(config):
            config.addinivalue_line("markers", "asyncio: run the test on an event loop")


        def _runner_fixture(scope):
            @pytest.fixture(scope=scope, name=f"_{scope}_scoped_runner")
            def runner():
                with asyncio.Runner() as loop_runner:
                    yield loop_runner

            return runner


        for _scope in SCOPES:
            globals()[f"_{_scope}_scoped_runner"] = _runner_fixture(_scope)


        def fixture(fixture_function=None, *, scope="function", loop_scope=None, **kwargs):
            def wrap(fn):
                def synchronizer(request, **fixtures):
                    default = request.config.getini("asyncio_default_fixture_loop_scope")
                    runner = request.getfixturevalue(f"_{loop_scope or default or scope}_scoped_runner")
                    if inspect.isasyncgenfunction(fn):
                        agen = fn(**fixtures)
                        value = runner.run(agen.__anext__())

                        def finish():
                            try:
                                runner.run(agen.__anext__())
                            except StopAsyncIteration:
                                pass

                        request.addfinalizer(finish)
                        return value
                    return runner.run(fn(**fixtures))

                params = list(inspect.signature(fn).parameters.values())
                request = inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY)
                synchronizer.__signature__ = inspect.Signature([request, *(p.replace(kind=p.KEYWORD_ONLY) for p in params)])
                synchronizer.__name__ = fn.__name__
                return pytest.fixture(synchronizer, scope=scope, name=kwargs.get("name", fn.__name__))

            return wrap(fixture_function) if fixture_function is not None else wrap


        def _loop_scope(item):
            marker = item.get_closest_marker("asyncio")
            if marker is None or not inspect.iscoroutinefunction(getattr(item, "obj", None)):
                return None
            return marker.kwargs.get("loop_scope") or item.config.getini("asyncio_default_test_loop_scope")


        def pytest_collection_modifyitems(items):
            for item in items:
                scope = _loop_scope(item)
                if scope:
                    item.fixturenames.append(f"_{scope}_scoped_runner")


        @pytest.hookimpl(tryfirst=True)
        def pytest_pyfunc_call(pyfuncitem):
            scope = _loop_scope(pyfuncitem)
            if scope is None:
                return None
            runner = pyfuncitem.funcargs[f"_{scope}_scoped_runner"]
            names = pyfuncitem._fixtureinfo.argnames
            runner.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
            return True
    ''',
}


@pytest.fixture
def pytest_asyncio_site(tmp_path) -> Path | None:
    """A folder holding the pytest-asyncio stand-in, or None when the real one is installed."""
    if importlib.util.find_spec("pytest_asyncio") is not None:
        return None
    return write_files(tmp_path / "site", FAKE_PYTEST_ASYNCIO)


def _pytest_block(code: str, folder: Path, site: Path | None) -> subprocess.CompletedProcess:
    folder.mkdir(exist_ok=True)
    (folder / "block.py").write_text(code, encoding="utf-8")
    env = {
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTEST_PLUGINS": "pytest_asyncio.plugin",
        "PYTEST_ADDOPTS": None,
    }
    return run_args(["block.py"], path=[site] if site else [], cwd=folder, env=env, timeout=60)


def test_option5_fixture_and_tests_share_the_loop(fix_code, index, tmp_path, pytest_asyncio_site):
    block = fix_code(SLUG, 5)
    fixed = _pytest_block(block, tmp_path / "fixed", pytest_asyncio_site)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert re.search(r"^2 passed", fixed.stdout.splitlines()[-1]), fixed.stdout

    # WRONG: the same module without the tests' loop scope: each test gets a loop of its own
    marked = 'pytestmark = pytest.mark.asyncio(loop_scope="module")'
    assert marked in block
    wrong = _pytest_block(
        block.replace(marked, "pytestmark = pytest.mark.asyncio"), tmp_path / "wrong", pytest_asyncio_site
    )
    assert wrong.returncode == 1
    assert re.search(r"^1 failed, 1 passed", wrong.stdout.splitlines()[-1]), wrong.stdout
    raised = [line[1:].strip() for line in wrong.stdout.splitlines() if line.startswith("E   ")]
    assert re.fullmatch(
        rf"RuntimeError: <Queue at {HEX} maxsize=0 tasks=1> is bound to a different event loop", raised[-1]
    )
    assert_answers(index, SLUG, raised[-1])


SESSION_FIXTURE = """
import asyncio
import pytest
import pytest_asyncio


@pytest_asyncio.fixture(scope="session")
async def jobs():
    yield asyncio.Queue()


@pytest.mark.asyncio
async def test_first(jobs):
    assert jobs.empty()


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function"]))
"""


def test_a_session_fixture_on_a_function_loop_is_a_scope_mismatch(
    entry, index, tmp_path, pytest_asyncio_site
):
    wrong = _pytest_block(SESSION_FIXTURE, tmp_path / "wrong", pytest_asyncio_site)
    assert wrong.returncode == 1
    line = next(line for line in wrong.stdout.splitlines() if line.startswith("ScopeMismatch"))
    assert line in entry.errors
    assert line == (
        "ScopeMismatch: You tried to access the function scoped fixture _function_scoped_runner with a session scoped "
        "request object. Requesting fixture stack:"
    )
    assert_answers(index, SLUG, line)
    # the entry's way out: the fixture's loop scope is its own scope
    fixed = _pytest_block(
        SESSION_FIXTURE.replace('scope="session")', 'scope="session", loop_scope="session")'),
        tmp_path / "fixed",
        pytest_asyncio_site,
    )
    assert fixed.returncode == 0, fixed.stdout


def test_option5_block_is_the_one_the_entry_shows(entry):
    blocks = option_blocks(SLUG, 5)
    assert blocks[0][0] == "python"
    fence = next(block for block in code_blocks(entry.markdown) if "pytest_asyncio" in block.code)
    assert fence.attributes == {"deps": "pytest-asyncio==1.5.0", "python": "3.10"}
