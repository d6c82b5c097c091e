"""`synapse-skill mcp` driven by a real `mcp` client over stdio (a real subprocess)."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor

import anyio
from mcp import Client, StdioServerParameters
from skill_helpers import skill_env

TRACEBACK = """Traceback (most recent call last):
  File "/home/alice/agent.py", line 9, in <module>
    conn.execute("INSERT INTO t VALUES (1)")
sqlite3.OperationalError: database is locked
"""


def stdio_params(env: dict[str, str]) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "synapse_skill", "mcp"], env=env)


def structured(result) -> dict:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


def call_tools(env: dict[str, str], calls: list[tuple[str, dict]]) -> tuple[list[str], list]:
    async def session():
        async with Client(stdio_params(env)) as client:
            tools = await client.list_tools()
            results = [await client.call_tool(name, args) for name, args in calls]
            return sorted(t.name for t in tools.tools), results

    # A fresh thread has no event loop of its own, whatever earlier tests left in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, session).result()


def test_lists_the_three_tools_and_answers_the_sqlite_error_offline(tmp_path):
    names, [search, solution, missing] = call_tools(
        skill_env(tmp_path, SYNAPSE_OFFLINE="1"),
        [
            ("search_error", {"error_text": TRACEBACK}),
            ("get_solution", {"slug": "sqlite-database-locked"}),
            ("get_solution", {"slug": "no-such-entry"}),
        ],
    )
    assert names == ["get_solution", "report_outcome", "search_error"]

    body = structured(search)
    assert body["match"] == "sqlite-database-locked" and body["source"] == "offline"
    assert "alice" not in body["query"]
    top = body["results"][0]
    assert top["confident"] is True and "sqlite3.connect" in top["fix"]["code"]

    assert structured(solution)["slug"] == "sqlite-database-locked"
    assert missing.is_error and "no-such-entry" in missing.content[0].text


def test_report_outcome_reaches_the_server(tmp_path, recording_server):
    _, [outcome] = call_tools(
        skill_env(tmp_path, SYNAPSE_URL=recording_server.url),
        [("report_outcome", {"slug": "sqlite-database-locked", "worked": True})],
    )
    assert structured(outcome)["recorded"] is True
    assert recording_server.bodies("/api/solutions/sqlite-database-locked/feedback") == [b'{"worked": true}']


def test_report_outcome_offline_is_a_tool_error(tmp_path):
    _, [outcome] = call_tools(
        skill_env(tmp_path, SYNAPSE_OFFLINE="1"),
        [("report_outcome", {"slug": "sqlite-database-locked", "worked": False})],
    )
    assert outcome.is_error and "offline" in outcome.content[0].text


def test_nothing_but_protocol_on_stdout(tmp_path):
    """A host that sends nothing and closes stdin gets nothing back: no banner, no logs."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "synapse_skill", "mcp"],
        env=skill_env(tmp_path, SYNAPSE_OFFLINE="1"),
        stdin=subprocess.DEVNULL,
        check=False,
        capture_output=True,
        timeout=60,
    )
    assert proc.stdout == b""


def test_tool_contracts_as_a_real_client_sees_them(tmp_path):
    """Issue 16: described and bounded parameters, clean descriptions, typed output, hints, version."""
    from synapse_skill import __version__

    async def session():
        async with Client(stdio_params(skill_env(tmp_path, SYNAPSE_OFFLINE="1"))) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            calls = {
                "limit_0": await client.call_tool("search_error", {"error_text": TRACEBACK, "limit": 0}),
                "limit_11": await client.call_tool("search_error", {"error_text": TRACEBACK, "limit": 11}),
                "limit_10": await client.call_tool("search_error", {"error_text": TRACEBACK, "limit": 10}),
                "yes": await client.call_tool(
                    "report_outcome", {"slug": "sqlite-database-locked", "worked": "yes"}
                ),
            }
            return client.server_info, tools, calls

    with ThreadPoolExecutor(max_workers=1) as pool:
        info, tools, calls = pool.submit(anyio.run, session).result()

    assert info.name == "synapse-ai" and info.version == __version__
    for tool in tools.values():
        assert tool.description and "\n " not in tool.description and not tool.description.startswith(" ")
        for name, prop in tool.input_schema["properties"].items():
            assert prop.get("description"), (tool.name, name)
        out = tool.output_schema
        assert out and out.get("type") == "object" and out.get("properties"), tool.name

    limit = tools["search_error"].input_schema["properties"]["limit"]
    assert limit["minimum"] == 1 and limit["maximum"] == 10 and "1 to 10" in limit["description"]
    results = tools["search_error"].output_schema["properties"]["results"]
    assert results["type"] == "array"
    assert set(tools["search_error"].output_schema["required"]) >= {"match", "results", "source", "query"}

    assert tools["report_outcome"].input_schema["properties"]["worked"]["type"] == "boolean"
    hints = tools["report_outcome"].annotations
    assert hints.destructive_hint is False and hints.read_only_hint is False
    for name in ("search_error", "get_solution"):
        assert tools[name].annotations.read_only_hint is True
        assert tools[name].annotations.idempotent_hint is True

    assert calls["limit_0"].is_error and calls["limit_11"].is_error  # refused, not clamped
    assert "limit" in calls["limit_11"].content[0].text
    assert structured(calls["limit_10"])["match"] == "sqlite-database-locked"
    assert calls["yes"].is_error and "worked" in calls["yes"].content[0].text
