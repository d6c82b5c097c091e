"""The hooks in real Python processes: real errors, real stderr, real exit codes.

Each script raises a real `sqlite3.OperationalError: database is locked` (two connections,
one holding the write lock) and is run twice: without the hook and with it. The hooked
run's stderr must start with the unhooked run's stderr, byte for byte, then the fix.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from skill_helpers import CLOSED_URL, run_python, skill_env

LOCK = """
import os, sqlite3, tempfile

def locked():
    path = os.path.join(tempfile.mkdtemp(), "agents.db")
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("CREATE TABLE t(x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    other = sqlite3.connect(path, timeout=0)
    other.execute("INSERT INTO t VALUES (2)")  # raises: database is locked
"""

HOOK = """
import os, synapse_skill
if os.environ.get("TEST_HOOK"):
    synapse_skill.install()
"""

MAIN_THREAD = LOCK + HOOK + "locked()\n"

IN_THREAD = (
    LOCK
    + HOOK
    + """
import threading
t = threading.Thread(target=locked, name="worker")
t.start()
t.join()
print("main thread finished")
"""
)

IN_TASK = (
    LOCK
    + HOOK
    + """
import asyncio, gc

async def worker():
    locked()

async def main():
    task = asyncio.get_running_loop().create_task(worker())
    await asyncio.sleep(0.05)
    del task          # never awaited: the loop reports "Task exception was never retrieved"
    gc.collect()
    await asyncio.sleep(0.01)

asyncio.run(main())
print("loop finished")
"""
)

IN_TASK_INSTALLED_INSIDE_LOOP = (
    LOCK
    + """
import asyncio, gc, os, synapse_skill

async def worker():
    locked()

async def main():
    if os.environ.get("TEST_HOOK"):
        synapse_skill.install()   # hooks the loop that is already running
    task = asyncio.get_running_loop().create_task(worker())
    await asyncio.sleep(0.05)
    del task
    gc.collect()
    await asyncio.sleep(0.01)

asyncio.run(main())
"""
)


def _write(tmp_path, name, source):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def _both(tmp_path, source, **settings):
    script = _write(tmp_path, "agent.py", source)
    env = skill_env(tmp_path, **settings)
    plain = run_python(script, env)
    hooked = run_python(script, {**env, "TEST_HOOK": "1"})
    return plain, hooked


@pytest.mark.parametrize(
    ("source", "marker"),
    [
        (MAIN_THREAD, "Traceback (most recent call last)"),
        (IN_THREAD, "Exception in thread worker"),
        (IN_TASK, "Task exception was never retrieved"),
        (IN_TASK_INSTALLED_INSIDE_LOOP, "Task exception was never retrieved"),
    ],
    ids=["main-thread", "thread", "asyncio-task", "asyncio-installed-in-running-loop"],
)
def test_hook_prints_the_sqlite_fix_under_the_unchanged_traceback(tmp_path, source, marker):
    plain, hooked = _both(tmp_path, source, SYNAPSE_OFFLINE="1")

    assert marker in plain.stderr and "sqlite3.OperationalError: database is locked" in plain.stderr
    assert "SynapseAI" not in plain.stderr
    assert hooked.stderr.startswith(plain.stderr), "the host's own output must come first, unchanged"
    added = hooked.stderr[len(plain.stderr) :]
    assert "=== SynapseAI: known fix" in added
    assert "sqlite-database-locked" in added
    assert "import sqlite3" in added  # the fix code itself
    assert hooked.code == plain.code
    assert hooked.stdout == plain.stdout


def test_server_down_gives_the_offline_answer_within_the_budget(tmp_path):
    """A refused connection fails fast: with a 30 s budget the hook must not sit it out.

    (Comparing against half the budget keeps the test about waiting, not about CPU speed:
    the offline lookup's own work varies with machine load, a wait for the budget would not.)"""
    budget = 30.0
    plain, hooked = _both(tmp_path, MAIN_THREAD, SYNAPSE_URL=CLOSED_URL, SYNAPSE_TIMEOUT=str(budget))

    assert hooked.stderr.startswith(plain.stderr)
    assert "known fix (score" in hooked.stderr and ", offline)" in hooked.stderr
    assert hooked.code == plain.code == 1
    assert hooked.seconds - plain.seconds < budget / 2


def test_hanging_server_delays_the_host_at_most_the_budget(tmp_path, hanging_server):
    """Compared with a refused connection (same imports, same offline answer), a server that
    accepts and never answers costs the host at most the budget."""
    budget = 1.0
    script = _write(tmp_path, "agent.py", MAIN_THREAD)
    env = skill_env(tmp_path, SYNAPSE_TIMEOUT=str(budget), TEST_HOOK="1")
    refused = run_python(script, {**env, "SYNAPSE_URL": CLOSED_URL})
    hanging = run_python(script, {**env, "SYNAPSE_URL": hanging_server})

    assert "sqlite-database-locked" in hanging.stderr  # answered offline after the budget
    assert hanging.stderr == refused.stderr.replace(CLOSED_URL, hanging_server)
    assert hanging.code == refused.code == 1
    assert hanging.seconds - refused.seconds < budget + 0.5


def test_no_server_and_no_snapshot_leaves_the_traceback_alone(tmp_path, skill_copy_without_snapshot):
    script = _write(tmp_path, "agent.py", MAIN_THREAD)
    env = skill_env(tmp_path, skill_dir=skill_copy_without_snapshot, SYNAPSE_URL=CLOSED_URL)
    plain = run_python(script, env)
    hooked = run_python(script, {**env, "TEST_HOOK": "1"})

    assert hooked.stderr == plain.stderr
    assert hooked.code == plain.code == 1


def test_online_answer_comes_from_the_server_with_an_absolute_url(tmp_path, recording_server):
    plain, hooked = _both(tmp_path, MAIN_THREAD, SYNAPSE_URL=recording_server.url)

    added = hooked.stderr[len(plain.stderr) :]
    assert "known fix (score 97)" in added
    assert f"entry: {recording_server.url}/solutions/sqlite-database-locked" in added
    assert len(recording_server.bodies("/search")) == 1


def test_bytes_sent_to_the_server_hold_none_of_the_planted_secrets(tmp_path, recording_server):
    secrets = {
        "env": "Zq8xKp2Lm0Aa-acme-internal",
        "openai": "sk-proj-" + "Qm9vX2Jhcl9iYXpf" * 3,
        "password": "hunter2hunter2",
        "email": "alice.smith@example.com",
        "user": "alice",
        "github": "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    }
    script = _write(
        tmp_path,
        "agent.py",
        LOCK
        + HOOK
        + f"""
import sqlite3
key = os.environ["ACME_API_TOKEN"]
try:
    locked()
except sqlite3.OperationalError as exc:
    raise sqlite3.OperationalError(
        f"database is locked (client {{key}} {secrets["openai"]} for {secrets["email"]} "
        "at postgresql://admin:{secrets["password"]}@db.internal/app, "
        "file /home/{secrets["user"]}/agent/{secrets["github"]}.db)"
    ) from exc
""",
    )
    env = skill_env(tmp_path, SYNAPSE_URL=recording_server.url, ACME_API_TOKEN=secrets["env"], TEST_HOOK="1")
    hooked = run_python(script, env)

    assert "known fix" in hooked.stderr
    [request] = [r for r in recording_server.requests if r.path == "/search"]
    for name, secret in secrets.items():
        assert secret.encode() not in request.raw, f"{name} secret left the machine"
    query = json.loads(request.body)["q"]
    assert "sqlite3.OperationalError: database is locked" in query
    assert "<redacted:$ACME_API_TOKEN>" in query and "<redacted:openai-key>" in query and "<email>" in query
    assert "/home/<user>/" in query
    # The frames (source lines, local paths) never leave: only the error lines are sent.
    assert "agent.py" not in query and "holder.execute" not in query


def test_outcome_loop_reports_failed_when_the_same_error_is_raised_again(tmp_path, recording_server):
    script = _write(
        tmp_path,
        "agent.py",
        LOCK
        + """
import threading, synapse_skill
synapse_skill.install(report_outcomes=True)
for _ in range(2):
    t = threading.Thread(target=locked)
    t.start()
    t.join()
""",
    )
    ran = run_python(script, skill_env(tmp_path, SYNAPSE_URL=recording_server.url))

    assert ran.stderr.count("=== SynapseAI: known fix") == 2
    feedback = recording_server.bodies("/api/solutions/sqlite-database-locked/feedback")
    assert [json.loads(b) for b in feedback] == [{"worked": False}]


def test_outcome_loop_is_off_by_default(tmp_path, recording_server):
    script = _write(
        tmp_path,
        "agent.py",
        LOCK
        + """
import threading, synapse_skill
synapse_skill.install()
for _ in range(2):
    t = threading.Thread(target=locked)
    t.start()
    t.join()
""",
    )
    run_python(script, skill_env(tmp_path, SYNAPSE_URL=recording_server.url))
    assert recording_server.bodies("/api/solutions/sqlite-database-locked/feedback") == []


def test_previous_hook_runs_first_and_keyboard_interrupt_is_not_looked_up(tmp_path, recording_server):
    script = _write(
        tmp_path,
        "agent.py",
        """
import sys, synapse_skill

def custom(exc_type, exc, tb):
    sys.stderr.write(f"custom hook saw {exc_type.__name__}\\n")

sys.excepthook = custom
synapse_skill.install()
synapse_skill.install()  # twice: still one lookup per error
raise KeyboardInterrupt
""",
    )
    ran = run_python(script, skill_env(tmp_path, SYNAPSE_URL=recording_server.url))
    assert ran.stderr == "custom hook saw KeyboardInterrupt\n"
    assert recording_server.requests == []


def test_system_exit_keeps_its_code_and_is_not_looked_up(tmp_path, recording_server):
    script = _write(
        tmp_path, "agent.py", "import synapse_skill\nsynapse_skill.install()\nraise SystemExit(3)\n"
    )
    ran = run_python(script, skill_env(tmp_path, SYNAPSE_URL=recording_server.url))
    assert ran.code == 3 and ran.stderr == ""
    assert recording_server.requests == []


def test_a_failing_lookup_never_disturbs_the_host(tmp_path):
    script = _write(
        tmp_path,
        "agent.py",
        LOCK
        + """
import synapse_skill, synapse_skill.lookup

def broken(*args, **kwargs):
    raise RuntimeError("the skill itself is broken")

synapse_skill.lookup.lookup = broken
synapse_skill.install()
locked()
""",
    )
    ran = run_python(script, skill_env(tmp_path, SYNAPSE_OFFLINE="1"))
    assert ran.code == 1
    assert ran.stderr.rstrip().endswith("sqlite3.OperationalError: database is locked")
    assert "Error in sys.excepthook" not in ran.stderr and "broken" not in ran.stderr


def test_uninstall_restores_the_previous_hooks(tmp_path):
    script = _write(
        tmp_path,
        "agent.py",
        LOCK
        + """
import sys, threading, synapse_skill
assert "asyncio" not in sys.modules  # so install() waits for it in sys.meta_path
before = (sys.excepthook, threading.excepthook, list(sys.meta_path))
synapse_skill.install()
assert sys.excepthook is not before[0] and sys.meta_path != before[2]
synapse_skill.uninstall()
assert (sys.excepthook, threading.excepthook, sys.meta_path) == before
import asyncio
assert asyncio.get_event_loop_policy().new_event_loop.__qualname__.endswith("new_event_loop")
assert not hasattr(asyncio.get_event_loop_policy().new_event_loop, "_synapse_reported")
locked()
""",
    )
    ran = run_python(script, skill_env(tmp_path, SYNAPSE_OFFLINE="1"))
    assert "SynapseAI" not in ran.stderr and "database is locked" in ran.stderr and ran.code == 1


def test_watch_reports_inside_a_block_and_reraises_unchanged(tmp_path):
    script = _write(
        tmp_path,
        "agent.py",
        LOCK
        + """
import sqlite3, synapse_skill
synapse_skill.install()

@synapse_skill.watch
def step():
    locked()

try:
    step()
except sqlite3.OperationalError as exc:
    print("caught:", exc)
with synapse_skill.watch():
    pass
try:
    with synapse_skill.watch():
        raise ValueError("nothing like this in the corpus zzqx")
except ValueError:
    print("caught ValueError")
""",
    )
    ran = run_python(script, skill_env(tmp_path, SYNAPSE_OFFLINE="1"))
    assert ran.code == 0
    assert ran.stdout == "caught: database is locked\ncaught ValueError\n"
    assert ran.stderr.count("=== SynapseAI: known fix") == 1


def test_watch_wraps_async_functions(tmp_path):
    script = _write(
        tmp_path,
        "agent.py",
        LOCK
        + """
import asyncio, synapse_skill

@synapse_skill.watch
async def step():
    locked()

asyncio.run(step())
""",
    )
    ran = run_python(script, skill_env(tmp_path, SYNAPSE_OFFLINE="1"))
    assert ran.code == 1
    # watch prints at the raise; the uncaught traceback follows and is not looked up again
    assert ran.stderr.count("=== SynapseAI: known fix") == 1
    assert ran.stderr.rstrip().endswith("sqlite3.OperationalError: database is locked")


def test_logging_handler_is_opt_in_and_keeps_the_hosts_log_output(tmp_path):
    script = _write(
        tmp_path,
        "agent.py",
        LOCK
        + """
import logging, os, sqlite3, synapse_skill
synapse_skill.install(log_errors=bool(os.environ.get("LOG_ERRORS")))
try:
    locked()
except sqlite3.OperationalError:
    logging.getLogger("agent").exception("step failed")
print("still running")
""",
    )
    env = skill_env(tmp_path, SYNAPSE_OFFLINE="1")
    plain = run_python(script, env)
    logged = run_python(script, {**env, "LOG_ERRORS": "1"})

    assert "step failed" in plain.stderr and "SynapseAI" not in plain.stderr
    assert logged.stderr.startswith(plain.stderr)
    assert "=== SynapseAI: known fix" in logged.stderr[len(plain.stderr) :]
    assert logged.stdout == plain.stdout == "still running\n"
