"""asyncio-run-in-running-loop: reproduce the nested-loop RuntimeError, then run the entry's published fixes."""

from pathlib import Path

from pyrun import last_line
from pyrun import run_python as run

from app.corpus.entries import parse_entry

SLUG = "asyncio-run-in-running-loop"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")

# The mistake: a coroutine that is already running on the loop calls asyncio.run() again.
WRONG_ASYNCIO_RUN = """
import asyncio

async def fetch_answer(question):
    await asyncio.sleep(0.01)
    return question

async def handle_request(question):
    return asyncio.run(fetch_answer(question))

asyncio.run(handle_request("q1"))
"""

# The older spelling of the same mistake.
WRONG_RUN_UNTIL_COMPLETE = """
import asyncio

async def fetch_answer():
    await asyncio.sleep(0.01)

async def handle_request():
    asyncio.get_running_loop().run_until_complete(fetch_answer())

asyncio.run(handle_request())
"""

# Script-style loop handling run inside a loop that is already running (a notebook cell, a handler):
# run_until_complete() refuses, then the `finally` tries to close the running loop.
WRONG_CLOSE_IN_FINALLY = """
import asyncio

async def fetch_answer():
    await asyncio.sleep(0)

def script_style():
    loop = asyncio.get_event_loop()  # inside a running loop: that loop
    try:
        loop.run_until_complete(fetch_answer())
    finally:
        loop.close()

async def cell():
    script_style()

asyncio.run(cell())
"""

# A coroutine (or a library) closing the loop it runs on.
WRONG_CLOSE_OWN_LOOP = """
import asyncio

async def main():
    asyncio.get_running_loop().close()

asyncio.run(main())
"""


def test_nested_asyncio_run_raises_the_real_error():
    result = run(WRONG_ASYNCIO_RUN)
    assert result.returncode != 0
    assert "RuntimeError: asyncio.run() cannot be called from a running event loop" in result.stderr


def test_nested_run_until_complete_raises_the_variant():
    result = run(WRONG_RUN_UNTIL_COMPLETE)
    assert result.returncode != 0
    assert "RuntimeError: This event loop is already running" in result.stderr


def test_option1_awaiting_instead_works(fix_code):
    code = fix_code(SLUG)
    assert "asyncio.run(main())" in code
    result = run(code)
    assert result.returncode == 0, result.stderr
    assert "answer to 'q1'" in result.stdout
    assert "answer to 'q2'" in result.stdout
    assert "RuntimeError" not in result.stderr
    assert "never awaited" not in result.stderr


def test_option2_helper_works_inside_and_outside_a_loop(fix_code):
    result = run(fix_code(SLUG, option=2))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["42", "42"]


def test_closing_the_running_loop_is_one_of_the_signatures():
    signature = "RuntimeError: Cannot close a running event loop"
    assert signature in ENTRY.errors
    chained = run(WRONG_CLOSE_IN_FINALLY)
    assert chained.returncode != 0
    assert "RuntimeError: This event loop is already running" in chained.stderr
    assert "During handling of the above exception, another exception occurred" in chained.stderr
    # the traceback's last line; only the warning about the discarded coroutine comes after it
    raised = [
        line for line in chained.stderr.splitlines() if line and not line.startswith("sys:1: RuntimeWarning")
    ]
    assert raised[-1] == signature
    alone = run(WRONG_CLOSE_OWN_LOOP)
    assert alone.returncode != 0
    assert last_line(alone) == signature
