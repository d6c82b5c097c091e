"""End to end: the skill against a real SynapseAI server (uvicorn on 127.0.0.1, real store).

`live_server` and `own_server` come from tests/conftest.py.
"""

from __future__ import annotations

import json
import sys
import textwrap

import httpx
from skill_helpers import run_python, run_skill_cli, skill_env

TRACEBACK = """Traceback (most recent call last):
  File "/home/bob/agent/worker.py", line 12, in save
    conn.execute("INSERT INTO results VALUES (?)", (value,))
sqlite3.OperationalError: database is locked
"""


def test_cli_search_online_matches_the_offline_answer(tmp_path, live_server):
    online = run_skill_cli(
        ["search", "--json", "-"], skill_env(tmp_path, SYNAPSE_URL=live_server), stdin=TRACEBACK
    )
    offline = run_skill_cli(
        ["search", "--json", "-"], skill_env(tmp_path, SYNAPSE_OFFLINE="1"), stdin=TRACEBACK
    )
    on, off = json.loads(online.stdout), json.loads(offline.stdout)

    assert online.code == 0 and on["source"] == "online" and on["note"] == ""
    assert on["match"] == off["match"] == "sqlite-database-locked"
    assert on["results"][0]["url"] == f"{live_server}/solutions/sqlite-database-locked"
    assert on["normalized"] == off["normalized"]
    assert on["results"][0]["score"] == off["results"][0]["score"]
    assert on["results"][0]["fix"] == off["results"][0]["fix"]


def test_hook_gets_the_fix_from_the_server(tmp_path, live_server):
    script = tmp_path / "agent.py"
    script.write_text(
        textwrap.dedent("""
        import os, sqlite3, tempfile, synapse_skill
        synapse_skill.install()
        path = os.path.join(tempfile.mkdtemp(), "agents.db")
        holder = sqlite3.connect(path, timeout=0)
        holder.execute("CREATE TABLE t(x)")
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO t VALUES (1)")
        sqlite3.connect(path, timeout=0).execute("INSERT INTO t VALUES (2)")
    """)
    )
    ran = run_python(script, skill_env(tmp_path, SYNAPSE_URL=live_server))
    assert ran.code == 1
    assert "=== SynapseAI: known fix (score" in ran.stderr and ", offline)" not in ran.stderr
    assert f"entry: {live_server}/solutions/sqlite-database-locked" in ran.stderr


def test_run_wrapper_uses_the_server(tmp_path, live_server):
    ran = run_skill_cli(
        ["run", "--", sys.executable, "-c", "raise RuntimeError('Event loop is closed')"],
        skill_env(tmp_path, SYNAPSE_URL=live_server),
    )
    assert ran.code == 1 and "asyncio-event-loop-closed" in ran.stderr


def test_feedback_is_recorded_by_the_server(tmp_path, own_server):
    server = own_server().start()
    ran = run_skill_cli(
        ["feedback", "sqlite-database-locked", "--worked"], skill_env(tmp_path, SYNAPSE_URL=server.url)
    )
    assert ran.code == 0, ran.stderr
    stats = httpx.get(f"{server.url}/api/solutions/sqlite-database-locked").json()["stats"]
    assert stats["worked"] == 1
    missing = run_skill_cli(
        ["feedback", "no-such-entry", "--worked"], skill_env(tmp_path, SYNAPSE_URL=server.url)
    )
    assert missing.code == 1 and "no-such-entry" in missing.stderr


def test_snapshot_refresh_from_the_server_then_304(tmp_path, live_server):
    env = skill_env(tmp_path, SYNAPSE_URL=live_server)
    first = run_skill_cli(["snapshot", "--refresh", "--json"], env)
    second = run_skill_cli(["snapshot", "--refresh", "--json"], env)

    assert first.code == 0, first.stderr
    assert first.stdout.startswith("refresh: updated") and second.stdout.startswith("refresh: unchanged")
    info = json.loads(second.stdout.split("\n", 1)[1])
    assert info["origin"] == "cache" and info["entries"] > 0
    response = httpx.get(f"{live_server}/api/snapshot")
    assert response.headers["ETag"] and response.json()["checksum"] == info["checksum"]


def test_mcp_search_error_online(tmp_path, live_server):
    import anyio
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "synapse_skill", "mcp"],
        env=skill_env(tmp_path, SYNAPSE_URL=live_server),
    )

    async def session():
        async with Client(params) as client:
            return await client.call_tool("search_error", {"error_text": TRACEBACK})

    result = anyio.run(session)
    body = result.structured_content or json.loads(result.content[0].text)
    assert body["source"] == "online" and body["match"] == "sqlite-database-locked"
    assert "bob" not in body["query"]
