"""Verified fix for solutions/mcp-transport-mismatch.md.

Starts real MCP servers with the project's `mcp` package (one on the legacy SSE transport, one on
Streamable HTTP) on free loopback ports, reproduces the 405 that a Streamable HTTP client gets from
an SSE server, then runs the entry's own probe (Option 1) against the right URL, a wrong path and a
closed port.
"""

import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from fake_http import free_port
from processes import stop

SLUG = "mcp-transport-mismatch"

SERVER = textwrap.dedent(
    """
    import sys
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("demo")

    @server.tool()
    def add(a: int, b: int) -> int:
        return a + b

    server.run(transport=sys.argv[1], host="127.0.0.1", port=int(sys.argv[2]))
    """
)

CLIENT = textwrap.dedent(
    """
    import asyncio, sys
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def main():
        async with streamable_http_client(sys.argv[1]) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await asyncio.wait_for(session.initialize(), 10)

    asyncio.run(main())
    """
)


def _wait_listening(port: int, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start listening")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mcp_servers")
    script = folder / "server.py"
    script.write_text(SERVER, encoding="utf-8")
    started = {}
    try:
        for transport in ("sse", "streamable-http"):
            port = free_port()
            proc = subprocess.Popen(
                [sys.executable, str(script), transport, str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            started[transport] = (proc, port)
            _wait_listening(port, proc)
        yield {name: port for name, (_, port) in started.items()}
    finally:
        for proc, _ in started.values():
            stop(proc)


def _run(args, cwd):
    env = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_reproduces_405_streamable_client_against_sse_server(servers, tmp_path):
    client = tmp_path / "client.py"
    client.write_text(CLIENT, encoding="utf-8")
    result = _run([sys.executable, str(client), f"http://127.0.0.1:{servers['sse']}/sse"], tmp_path)
    assert result.returncode != 0
    assert "405" in result.stderr


def _probe(fix_code, tmp_path, url):
    script = tmp_path / "mcp_transport.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return _run([sys.executable, str(script), url], tmp_path)


def test_probe_identifies_streamable_http(servers, fix_code, tmp_path):
    result = _probe(fix_code, tmp_path, f"http://127.0.0.1:{servers['streamable-http']}/mcp")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Streamable HTTP (POST" in result.stdout and ": YES" in result.stdout
    assert "use a Streamable HTTP client" in result.stdout


def test_probe_identifies_legacy_sse(servers, fix_code, tmp_path):
    result = _probe(fix_code, tmp_path, f"http://127.0.0.1:{servers['sse']}/sse")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "HTTP 405" in result.stdout  # the POST a Streamable HTTP client would send
    assert "use an SSE client" in result.stdout


def test_probe_finds_the_right_path(servers, fix_code, tmp_path):
    port = servers["streamable-http"]
    result = _probe(fix_code, tmp_path, f"http://127.0.0.1:{port}/sse")
    assert result.returncode == 1
    assert f"wrong path: Streamable HTTP answers at http://127.0.0.1:{port}/mcp" in result.stdout


def test_probe_reports_nothing_listening(fix_code, tmp_path):
    result = _probe(fix_code, tmp_path, f"http://127.0.0.1:{free_port()}/mcp")
    assert result.returncode == 1
    assert "nothing answers HTTP there" in result.stdout
