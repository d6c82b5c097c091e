"""coroutine-never-awaited: calling an async function without await, then the entry's published fix."""

from pyrun import run_python as run

SLUG = "coroutine-never-awaited"

# The mistake: the async function is called like a sync one and its "result" is used.
WRONG_SUBSCRIPT = """
import asyncio

async def fetch(user_id):
    await asyncio.sleep(0.01)
    return {"id": user_id, "name": f"user-{user_id}"}

data = fetch(1)
print(data["name"])
"""

WRONG_FIRE_AND_FORGET = """
import asyncio

async def fetch(user_id):
    print("fetch body ran")

def save_all():
    fetch(1)

save_all()
print("finished")
"""

WRONG_ATTRIBUTE = """
import asyncio

class Completions:
    async def create(self, **kwargs):
        return object()

resp = Completions().create(model="m")
print(resp.choices[0])
"""


def test_missing_await_gives_typeerror_and_warning():
    result = run(WRONG_SUBSCRIPT)
    assert result.returncode != 0
    assert "TypeError: 'coroutine' object is not subscriptable" in result.stderr
    assert "RuntimeWarning: coroutine 'fetch' was never awaited" in result.stderr


def test_dropped_coroutine_never_runs_and_warns():
    result = run(WRONG_FIRE_AND_FORGET)
    assert result.returncode == 0
    assert "fetch body ran" not in result.stdout
    assert "finished" in result.stdout
    assert "RuntimeWarning: coroutine 'fetch' was never awaited" in result.stderr


def test_async_client_used_as_sync_gives_attributeerror():
    result = run(WRONG_ATTRIBUTE)
    assert result.returncode != 0
    assert "AttributeError: 'coroutine' object has no attribute 'choices'" in result.stderr


def test_option1_awaiting_fixes_it(fix_code):
    code = fix_code(SLUG)
    # -X dev enables asyncio debug mode; -W error turns any never-awaited warning into a failure.
    result = run(code, "-X", "dev", "-W", "error::RuntimeWarning")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["user-1", "['user-2', 'user-3']"]
    assert "never awaited" not in result.stderr


def test_option4_wrappers_run_the_coroutines(fix_code):
    result = run(fix_code(SLUG, option=4), "-W", "error::RuntimeWarning")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["worker ran", "{'ok': True}"]
    assert "never awaited" not in result.stderr


DROPS_A_COROUTINE = """
async def fetch():
    return 1

def test_forgets_await():
    fetch()
"""


def _pytest_flags(fix_code) -> list[str]:
    """The -W flags of the entry's published `python -m pytest ...` command (Option 3)."""
    line = next(ln for ln in fix_code(SLUG, 3).splitlines() if ln.startswith("python -m pytest"))
    words = line.split("#")[0].split()
    return [w for i, w in enumerate(words) if w == "-W" or (i and words[i - 1] == "-W")]


def test_option3_pytest_command_fails_the_test_that_drops_a_coroutine(fix_code, tmp_path):
    import os
    import subprocess
    import sys

    env = dict(
        os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"
    )  # a bare pytest: faster, and no plugin filters warnings
    (tmp_path / "test_drop.py").write_text(DROPS_A_COROUTINE)
    flags = _pytest_flags(fix_code)
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_drop.py")]
    published = subprocess.run(
        base + flags, capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env
    )
    assert published.returncode != 0, published.stdout  # the published flags really fail the test
    # The trap the entry used to publish: -W error::RuntimeWarning alone lets the test pass.
    alone = subprocess.run(
        [*base, "-W", "error::RuntimeWarning"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert alone.returncode == 0, alone.stdout
