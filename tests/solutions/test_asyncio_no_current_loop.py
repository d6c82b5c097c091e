"""asyncio-no-current-loop: get_event_loop() in a worker thread fails; the entry's asyncio.run() fix works."""

from pyrun import run_python as run

SLUG = "asyncio-no-current-loop"

# The mistake: a worker thread asks for "the" event loop, which only the main thread ever gets implicitly.
WRONG = """
import asyncio
from concurrent.futures import ThreadPoolExecutor

async def fetch(item):
    await asyncio.sleep(0.01)
    return item

def worker(item):
    return asyncio.get_event_loop().run_until_complete(fetch(item))

with ThreadPoolExecutor(max_workers=2) as pool:
    print(list(pool.map(worker, range(2))))
"""

WRONG_THREAD = """
import asyncio
import threading

def worker():
    try:
        asyncio.get_event_loop()
    except RuntimeError as exc:
        print(f"RuntimeError: {exc}")

t = threading.Thread(target=worker, name="Thread-1")
t.start()
t.join()
"""

WRONG_NO_RUNNING = """
import asyncio

async def job():
    return 1

asyncio.get_running_loop()
"""


def test_get_event_loop_in_worker_thread_raises():
    result = run(WRONG)
    assert result.returncode != 0
    assert "RuntimeError: There is no current event loop in thread 'ThreadPoolExecutor-0_" in result.stderr


def test_canonical_wording_for_a_plain_thread():
    result = run(WRONG_THREAD)
    assert result.returncode == 0, result.stderr
    assert "RuntimeError: There is no current event loop in thread 'Thread-1'" in result.stdout


def test_get_running_loop_from_sync_code_raises():
    result = run(WRONG_NO_RUNNING)
    assert result.returncode != 0
    assert "RuntimeError: no running event loop" in result.stderr


def test_option1_asyncio_run_per_thread_works(fix_code):
    code = fix_code(SLUG)
    result = run(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    for i, line in enumerate(lines):
        assert line.startswith(f"item {i} done in ThreadPoolExecutor-")
    assert "no current event loop" not in result.stderr


def test_other_published_options_run(fix_code):
    for option, expected in ((2, ["0", "1", "2"]), (3, ["ABC"]), (4, ["ran in the default executor"])):
        result = run(fix_code(SLUG, option=option))
        assert result.returncode == 0, (option, result.stderr)
        assert result.stdout.strip().splitlines() == expected
        assert "DeprecationWarning" not in result.stderr
