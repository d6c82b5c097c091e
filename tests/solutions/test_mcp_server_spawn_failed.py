"""Verified fix for solutions/mcp-server-spawn-failed.md.

Reproduces the spawn failure for real (the Python `mcp` client with a command that is not on
PATH, and a launcher script whose `#!/usr/bin/env` interpreter is missing), then runs the
entry's own resolver (Option 1) on a client config and starts the suggested command with only
the suggested PATH, as a GUI client would.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

SLUG = "mcp-server-spawn-failed"
POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="shebang launchers are POSIX")

CLIENT = textwrap.dedent(
    """
    import asyncio, sys
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    async def main():
        params = StdioServerParameters(command=sys.argv[1], args=[])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await asyncio.wait_for(session.initialize(), 10)

    asyncio.run(main())
    """
)


def _launcher_layout(tmp_path):
    """npmbin/fakenpx is '#!/usr/bin/env fakenode'; nodebin/fakenode is the interpreter."""
    nodebin, npmbin = tmp_path / "nodebin", tmp_path / "npmbin"
    nodebin.mkdir()
    npmbin.mkdir()
    node = nodebin / "fakenode"
    node.write_text('#!/bin/sh\necho "server started by $0 with $*"\n', encoding="utf-8")
    npx = npmbin / "fakenpx"
    npx.write_text("#!/usr/bin/env fakenode\n", encoding="utf-8")
    node.chmod(0o755)
    npx.chmod(0o755)
    return nodebin, npmbin


def _run(args, env, cwd):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_reproduces_filenotfound_from_the_mcp_client(tmp_path):
    client = tmp_path / "client.py"
    client.write_text(CLIENT, encoding="utf-8")
    result = _run([sys.executable, str(client), "uvx-not-installed-xyz"], dict(os.environ), tmp_path)
    assert result.returncode != 0
    assert "FileNotFoundError" in result.stderr
    assert "No such file or directory: 'uvx-not-installed-xyz'" in result.stderr


@POSIX_ONLY
def test_reproduces_env_interpreter_missing(tmp_path):
    _, npmbin = _launcher_layout(tmp_path)
    result = _run([str(npmbin / "fakenpx")], {"PATH": "/usr/bin:/bin"}, tmp_path)
    assert result.returncode == 127
    assert "fakenode" in result.stderr and "No such file or directory" in result.stderr


@POSIX_ONLY
def test_option1_suggests_a_config_that_starts_without_the_shell_path(fix_code, tmp_path):
    nodebin, npmbin = _launcher_layout(tmp_path)
    config = tmp_path / "claude_desktop_config.json"
    config.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "fs": {"command": "fakenpx", "args": ["-y", "server-fs"]},
                    "web": {"url": "http://127.0.0.1:8000/mcp"},
                }
            }
        ),
        encoding="utf-8",
    )
    script = tmp_path / "mcp_resolve.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    shell_env = dict(os.environ, PATH=f"{npmbin}{os.pathsep}{nodebin}{os.pathsep}{os.environ['PATH']}")

    result = _run([sys.executable, str(script), str(config)], shell_env, tmp_path)
    assert result.returncode == 1
    assert "'fakenpx' is not on the client's PATH" in result.stdout
    assert "'fakenode' is not on the client's PATH" in result.stdout
    suggested = json.loads(result.stdout.split("Suggested entries (absolute command, explicit PATH):", 1)[1])
    fs = suggested["mcpServers"]["fs"]
    assert fs["command"] == str(npmbin / "fakenpx")
    assert suggested["mcpServers"]["web"] == {"url": "http://127.0.0.1:8000/mcp"}

    # start it as a client does: no shell, only the suggested environment
    started = _run([fs["command"], *fs["args"]], {"PATH": fs["env"]["PATH"]}, "/")
    assert started.returncode == 0, started.stderr
    assert "server started by" in started.stdout and "-y server-fs" in started.stdout


def test_option1_reports_a_command_installed_nowhere(fix_code, tmp_path):
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"servers": {"x": {"command": "uvx-not-installed-xyz"}}}), encoding="utf-8")
    script = tmp_path / "mcp_resolve.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _run([sys.executable, str(script), str(config)], dict(os.environ), tmp_path)
    assert result.returncode == 1
    assert "is not installed for this user at all" in result.stdout


def test_option1_accepts_a_resolvable_command(fix_code, tmp_path):
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"sh": {"command": "sh"}}}), encoding="utf-8")
    script = tmp_path / "mcp_resolve.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _run([sys.executable, str(script), str(config)], dict(os.environ), tmp_path)
    assert result.returncode == 0, result.stdout
    assert "[sh] OK" in result.stdout
