"""asyncio-run-in-running-loop: reproduce the nested-loop RuntimeError, then run the entry's published fixes."""

from pyrun import run_python as run

SLUG = "asyncio-run-in-running-loop"

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
