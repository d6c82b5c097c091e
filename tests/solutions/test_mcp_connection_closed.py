"""Verified fix for solutions/mcp-connection-closed.md.

Reproduces `Connection closed` for real with the project's `mcp` client against a stdio server
that crashes at start, then runs the entry's own probe (Option 1) against a crashing server, a
server that prints to stdout, a correct server, and a missing command; and checks that the
entry's Option 2 pattern leaves stdout empty.
"""

import os
import subprocess
import sys
import textwrap

SLUG = "mcp-connection-closed"

CRASHING_SERVER = textwrap.dedent(
    """
    import sys
    print("Traceback (most recent call last):", file=sys.stderr)
    print("KeyError: 'WEATHER_API_KEY'", file=sys.stderr)
    sys.exit(1)
    """
)

# a minimal, correct stdio JSON-RPC server: answers initialize, then waits for stdin to close
GOOD_SERVER = textwrap.dedent(
    """
    import json, sys
    for line in sys.stdin:
        msg = json.loads(line)
        if msg.get("method") == "initialize":
            reply = {"jsonrpc": "2.0", "id": msg["id"], "result": {
                "protocolVersion": msg["params"]["protocolVersion"], "capabilities": {},
                "serverInfo": {"name": "good-server", "version": "0.1"}}}
            sys.stdout.write(json.dumps(reply) + "\\n")
            sys.stdout.flush()
    """
)

PRINTING_SERVER = 'print("Starting weather server...", flush=True)\n' + GOOD_SERVER

CLIENT = textwrap.dedent(
    """
    import asyncio, sys
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    async def main():
        params = StdioServerParameters(command=sys.executable, args=[sys.argv[1]])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await asyncio.wait_for(session.initialize(), 20)

    asyncio.run(main())
    """
)


def _run(args, cwd, timeout=60, env_extra=None):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", MCP_PROBE_TIMEOUT="5")
    env.update(env_extra or {})
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_reproduces_connection_closed_with_the_mcp_client(tmp_path):
    server = _write(tmp_path, "server.py", CRASHING_SERVER)
    client = _write(tmp_path, "client.py", CLIENT)
    result = _run([sys.executable, client, server], tmp_path)
    assert result.returncode != 0
    assert "Connection closed" in result.stderr
    assert "Error: Connection closed" in result.stderr  # McpError (1.x) / MCPError (2.x)


def test_probe_reports_crash_and_shows_the_servers_stderr(fix_code, tmp_path):
    probe = _write(tmp_path, "mcp_probe.py", fix_code(SLUG, 1))
    server = _write(tmp_path, "server.py", CRASHING_SERVER)
    result = _run([sys.executable, probe, sys.executable, server], tmp_path)
    assert result.returncode == 1
    assert "exited (code 1) before answering initialize" in result.stdout
    assert "KeyError: 'WEATHER_API_KEY'" in result.stdout


def test_probe_flags_non_json_on_stdout(fix_code, tmp_path):
    probe = _write(tmp_path, "mcp_probe.py", fix_code(SLUG, 1))
    server = _write(tmp_path, "server.py", PRINTING_SERVER)
    result = _run([sys.executable, probe, sys.executable, server], tmp_path)
    assert result.returncode == 1
    assert "non-JSON line(s) to stdout" in result.stdout
    assert "Starting weather server..." in result.stdout


def test_probe_accepts_a_correct_server(fix_code, tmp_path):
    probe = _write(tmp_path, "mcp_probe.py", fix_code(SLUG, 1))
    server = _write(tmp_path, "server.py", GOOD_SERVER)
    result = _run([sys.executable, probe, sys.executable, server], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: answered initialize: good-server 0.1" in result.stdout


def test_probe_reports_a_missing_command(fix_code, tmp_path):
    probe = _write(tmp_path, "mcp_probe.py", fix_code(SLUG, 1))
    result = _run([sys.executable, probe, "no-such-mcp-launcher-xyz"], tmp_path)
    assert result.returncode == 1
    assert "cannot start 'no-such-mcp-launcher-xyz'" in result.stdout


def test_probe_without_arguments_prints_usage(fix_code, tmp_path):
    probe = _write(tmp_path, "mcp_probe.py", fix_code(SLUG, 1))
    result = _run([sys.executable, probe], tmp_path)
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_option2_keeps_stdout_empty(fix_code, tmp_path):
    script = _write(tmp_path, "server_setup.py", fix_code(SLUG, 2))
    result = _run([sys.executable, script], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # nothing but JSON-RPC may reach the client
    assert "Loading index... done" in result.stderr
    assert "ready:" in result.stderr
