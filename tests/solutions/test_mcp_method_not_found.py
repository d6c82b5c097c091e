"""Verified fix for solutions/mcp-method-not-found.md.

Everything runs on the project's real `mcp` (2.x) SDK, offline: a low-level `Server` that only
registers tools, connected to a real `ClientSession` in process (mcp.shared.memory streams),
raises `MCPError: Method not found` (-32601, data = the method) for prompts/list and the other
undeclared methods; the same server over stdio answers the raw JSON-RPC line the entry quotes; an
MCPServer (FastMCP's successor) with one tool answers the list probes with [] but logging/setLevel
with -32601. Then the entry's Option 1 script runs against stdio servers (tools only, tools and
prompts, and a hand-written server that declares prompts but has no handler) and its `declares()`
check is applied to real ServerCapabilities; Option 2's mcp 2.x block runs as published.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from pyrun import run_python, script_names

from app.corpus.entries import parse_entry
from app.search.evaluation import memory_index
from synapse_skill.matching import matcher

SLUG = "mcp-method-not-found"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"

# A low-level server that registers only tools/list (and, with "prompts" in argv, prompts/list), over stdio.
LOWLEVEL_SERVER = textwrap.dedent(
    """
    import sys

    import anyio
    import mcp.types as types
    from mcp.server.lowlevel import Server
    from mcp.server.stdio import stdio_server


    async def list_tools(ctx, params):
        return types.ListToolsResult(tools=[types.Tool(name="add", description="add", input_schema={"type": "object"})])


    async def list_prompts(ctx, params):
        return types.ListPromptsResult(prompts=[types.Prompt(name="review")])


    handlers = {"on_list_tools": list_tools}
    if "prompts" in sys.argv[1:]:
        handlers["on_list_prompts"] = list_prompts
    server = Server("tools-only", **handlers)


    async def main():
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())


    anyio.run(main)
    """
)

# In process: the same tools-only server and a ClientSession on memory streams; then an unguarded call.
IN_PROCESS = textwrap.dedent(
    """
    import anyio
    import mcp.types as types
    from mcp import ClientSession
    from mcp.server.lowlevel import Server
    from mcp.shared.exceptions import MCPError
    from mcp.shared.memory import create_client_server_memory_streams


    async def list_tools(ctx, params):
        return types.ListToolsResult(tools=[types.Tool(name="add", description="add", input_schema={"type": "object"})])


    server = Server("tools-only", on_list_tools=list_tools)


    async def main():
        async with create_client_server_memory_streams() as (client_streams, server_streams):
            async with anyio.create_task_group() as tg:
                tg.start_soon(server.run, *server_streams, server.create_initialization_options())
                async with ClientSession(*client_streams) as client:
                    init = await client.initialize()
                    print("declared prompts:", init.capabilities.prompts, "tools:", init.capabilities.tools is not None)
                    print("tools:", [t.name for t in (await client.list_tools()).tools])
                    for call in (client.list_resources, client.list_resource_templates):
                        try:
                            await call()
                        except MCPError as exc:
                            print("caught", exc.error.code, exc.error.message, exc.error.data)
                    await client.list_prompts()  # unguarded: raises out of the task group
                tg.cancel_scope.cancel()


    anyio.run(main)
    """
)

# Hand-written JSON-RPC server: declares prompts in initialize but has no prompts/list handler.
LYING_SERVER = textwrap.dedent(
    """
    import json, sys

    for line in sys.stdin:
        msg = json.loads(line)
        if "id" not in msg:
            continue
        if msg["method"] == "initialize":
            reply = {"result": {"protocolVersion": msg["params"]["protocolVersion"],
                                "capabilities": {"tools": {}, "prompts": {}},
                                "serverInfo": {"name": "lying", "version": "0.1"}}}
        elif msg["method"] == "tools/list":
            reply = {"result": {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}}
        else:
            reply = {"error": {"code": -32601, "message": "Method not found"}}
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": msg["id"], **reply}) + "\\n")
        sys.stdout.flush()
    """
)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _run(args, cwd, timeout=60):
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_unregistered_method_raises_method_not_found_in_process(tmp_path):
    result = run_python(IN_PROCESS, cwd=tmp_path)
    assert result.returncode != 0
    assert "declared prompts: None tools: True" in result.stdout
    assert "tools: ['add']" in result.stdout  # what the server registered works
    assert "caught -32601 Method not found resources/list" in result.stdout
    assert "caught -32601 Method not found resources/templates/list" in result.stdout
    # the leaf of the ExceptionGroup that the task groups print: the error as the user sees it
    raised = [line.strip(" |") for line in result.stderr.splitlines() if line.strip(" |").startswith("mcp.")]
    assert raised[-1] == "mcp.shared.exceptions.MCPError: Method not found"
    # the bare `Method not found` is no signature (.NET's MissingMethodException says the same words);
    # the type and the frames in mcp/ make the matcher answer it with this entry
    hits = matcher.search(memory_index(SOLUTIONS), result.stderr).hits
    assert hits and hits[0].confident and hits[0].slug == SLUG


def test_the_wire_answer_is_the_entry_s_raw_line(tmp_path):
    server = _write(tmp_path, "server.py", LOWLEVEL_SERVER)
    proc = subprocess.Popen(
        [sys.executable, server],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"},
        },
    }
    try:
        proc.stdin.write(json.dumps(init) + "\n")
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "prompts/list"}) + "\n")
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())
        answer = proc.stdout.readline().strip()
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    assert "prompts" not in first["result"]["capabilities"]
    entry = parse_entry(SOLUTIONS / f"{SLUG}.md")
    assert (
        answer
        == '{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found","data":"prompts/list"}}'
    )
    assert answer in entry.errors


def test_mcpserver_with_only_tools_answers_list_probes_with_empty_lists(tmp_path):
    code = textwrap.dedent(
        """
        import anyio
        from mcp import Client
        from mcp.server.mcpserver import MCPServer
        from mcp.shared.exceptions import MCPError

        mcp = MCPServer("demo")


        @mcp.tool()
        def add(a: int, b: int) -> int:
            return a + b


        async def main():
            async with Client(mcp) as client:
                print("prompts", (await client.list_prompts()).prompts)
                print("resources", (await client.list_resources()).resources)
                print("templates", (await client.list_resource_templates()).resource_templates)
                try:
                    await client.set_logging_level("info")
                except MCPError as exc:
                    print("setLevel", exc.error.code, exc.error.message)


        anyio.run(main)
        """
    )
    result = run_python(code, "-W", "ignore", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "prompts []" in result.stdout
    assert "resources []" in result.stdout
    assert "templates []" in result.stdout
    assert "setLevel -32601 Method not found" in result.stdout  # not registered by MCPServer


@pytest.fixture
def probe(fix_code, tmp_path):
    return _write(tmp_path, "mcp_methods.py", fix_code(SLUG, 1))


def _probe_lines(probe, tmp_path, name: str, server_code: str, *args: str) -> tuple:
    """Run Option 1 against `server_code`; its result and its report lines by method."""
    server = _write(tmp_path, name, server_code)
    result = _run([probe, sys.executable, server, *args], tmp_path)
    assert result.returncode == 0, result.stderr
    return result, {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}


def test_option1_skips_what_a_tools_only_server_does_not_declare(probe, tmp_path):
    result, lines = _probe_lines(probe, tmp_path, "server.py", LOWLEVEL_SERVER)
    assert lines["tools/list"].endswith("1: add")
    for method in ("prompts/list", "resources/list", "resources/templates/list"):
        assert "not declared: skipped" in lines[method]
    assert "not declared: do not call" in lines["logging/setLevel"]
    assert "Method not found" not in result.stderr  # nothing undeclared was called


def test_option1_lists_what_is_declared(probe, tmp_path):
    _, lines = _probe_lines(probe, tmp_path, "server.py", LOWLEVEL_SERVER, "prompts")
    assert lines["prompts/list"].endswith("1: review")
    assert "not declared: skipped" in lines["resources/list"]


def test_option1_flags_a_server_that_declares_but_does_not_implement(probe, tmp_path):
    _, lines = _probe_lines(probe, tmp_path, "lying.py", LYING_SERVER)
    assert lines["tools/list"].endswith("1: echo")
    assert "declared but answers -32601: server bug" in lines["prompts/list"]
    assert "not declared: skipped" in lines["resources/list"]


def test_option1_declares_reads_real_capabilities(fix_code):
    import mcp.types as types

    declares = script_names(fix_code(SLUG, 1))["declares"]
    tools_only = types.ServerCapabilities(tools=types.ToolsCapability())
    full = types.ServerCapabilities(
        tools=types.ToolsCapability(),
        prompts=types.PromptsCapability(),
        resources=types.ResourcesCapability(subscribe=False),
        logging=types.LoggingCapability(),
    )
    assert declares(tools_only, "tools/call")
    assert not declares(tools_only, "prompts/list")
    assert not declares(tools_only, "logging/setLevel")
    assert declares(full, "prompts/get") and declares(full, "logging/setLevel")
    assert not declares(full, "resources/subscribe")  # resources without subscribe
    assert not declares(full, "completion/complete")
    assert declares(tools_only, "ping")


def test_option1_without_arguments_prints_usage(probe, tmp_path):
    result = _run([probe], tmp_path)
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_option2_mcp2_block_answers_empty_lists(tmp_path):
    blocks = option_blocks(SLUG, 2)
    assert [language for language, _ in blocks] == ["python", "python"]
    code = blocks[1][1]  # the mcp 2.x block (the 1.x one runs under `synapse verify` with its deps)
    assert "on_list_prompts=list_prompts" in code
    result = _run([_write(tmp_path, "option2.py", code)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["prompts: []", "resources: []", "templates: []"]
