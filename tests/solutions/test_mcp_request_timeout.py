"""Verified fix for solutions/mcp-request-timeout.md.

Everything runs offline on the project's real `mcp` (2.x) SDK, with real stdio servers started as
child processes. The real client, given a read timeout shorter than the work, raises
`MCPError: Request 'tools/call' timed out` (-32001) while the server is still running, and sends
the `notifications/cancelled` line the entry quotes; a server that loads before `run()` makes
`initialize` time out the same way. Then the entry's own code: Option 1's `call_tool()` fails with
0.5 s and answers with 30 s; Option 2's progress-restarted timeout lets a 3 s tool with progress
through a 2 s idle timeout, stops a silent one and a capped one, where the SDK's own timeout does
not restart on progress; Option 3's server answers `initialize` while its load is still blocked and
the tool waits for it (or reports a failed load); Option 4's job tools answer under a 1 s timeout
while the job takes longer. The look-alike the entry names: a hand-written stdio server that
answers `initialize` at once but never flushes stdout times out the same way, and flushing fixes it.
The SDK timeouts that make a call fail are short; those that must not
fail are generous, so a loaded machine does not turn a fix into a failure.
"""

import textwrap
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from pyrun import run_args

from app.corpus.entries import parse_entry
from app.search.evaluation import memory_index
from synapse_skill.matching import matcher

SLUG = "mcp-request-timeout"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
ENTRY = SOLUTIONS / f"{SLUG}.md"

TOOLS_CALL_TIMED_OUT = "mcp.shared.exceptions.MCPError: Request 'tools/call' timed out"
INITIALIZE_TIMED_OUT = "mcp.shared.exceptions.MCPError: Request 'initialize' timed out"

# A real MCPServer (mcp 2.x) with a tool that takes `seconds`.
SLOW_SERVER = textwrap.dedent(
    """
    import asyncio
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("slow")

    @server.tool()
    async def build_report(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return f"report ready after {seconds:g} s"

    if __name__ == "__main__":
        server.run()
    """
)

# The raw SDK, no entry code: a per-call read timeout shorter than the tool; the error is re-raised.
RAW_CLIENT = textwrap.dedent(
    """
    import asyncio, sys
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    async def main():
        params = StdioServerParameters(command=sys.executable, args=sys.argv[1:])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                try:
                    await session.call_tool("build_report", {"seconds": 1.5}, read_timeout_seconds=0.5)
                except Exception as exc:
                    print("code", exc.error.code)
                    raise

    asyncio.run(main())
    """
)

# A server that loads its model before run(): blocked until a release file appears (never, here).
LOAD_FIRST_SERVER = textwrap.dedent(
    """
    import os, sys, time
    from mcp.server.mcpserver import MCPServer

    release = sys.argv[1]
    deadline = time.monotonic() + 30
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.05)  # stands for loading a model at import time

    server = MCPServer("embeddings")

    @server.tool()
    async def embed(text: str) -> str:
        return text.upper()

    if __name__ == "__main__":
        server.run()
    """
)

# A stdio server written by hand: answers initialize, logs every line it receives, never answers tools/call.
LOGGING_SERVER = textwrap.dedent(
    """
    import json, sys
    with open(sys.argv[1], "a", encoding="utf-8") as log:
        for line in sys.stdin:
            log.write(line)
            log.flush()
            msg = json.loads(line)
            if msg.get("method") == "initialize":
                result = {"protocolVersion": msg["params"]["protocolVersion"], "capabilities": {"tools": {}},
                          "serverInfo": {"name": "log", "version": "1"}}
                print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}), flush=True)
    """
)


@pytest.fixture(scope="module", autouse=True)
def mcp_2():
    """The test interpreter's mcp must be the real 2.x SDK the project pins (mcp>=2.0)."""
    probe = run_args(["-c", "from importlib.metadata import version; print(version('mcp'))"])
    if probe.returncode != 0:
        pytest.fail(f"needs the mcp package (pip install 'mcp>=2.0'): {probe.stderr.strip()[-300:]}")
    if not probe.stdout.strip().startswith("2."):
        pytest.fail(f"expects mcp 2.x (the project pins mcp>=2.0), found {probe.stdout.strip()}")


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _raised(stderr: str) -> list[str]:
    """The `mcp.` error lines of a traceback, without the ExceptionGroup's `|` decoration."""
    return [line.strip(" |") for line in stderr.splitlines() if line.strip(" |").startswith("mcp.")]


def _python_block(option: int) -> str:
    blocks = [code for language, code in option_blocks(SLUG, option) if language == "python"]
    assert blocks, f"Option {option} has no python block"
    return blocks[0]


def test_signatures_are_the_entry_s():
    errors = parse_entry(ENTRY).errors
    assert TOOLS_CALL_TIMED_OUT in errors
    assert INITIALIZE_TIMED_OUT in errors


def test_a_tool_slower_than_the_read_timeout_raises_request_timed_out(tmp_path):
    server = _write(tmp_path, "server.py", SLOW_SERVER)
    client = _write(tmp_path, "client.py", RAW_CLIENT)
    result = run_args([client, server], cwd=tmp_path, timeout=90)
    assert result.returncode != 0
    assert "code -32001" in result.stdout  # REQUEST_TIMEOUT, the TypeScript SDK's code too
    assert _raised(result.stderr)[-1] == TOOLS_CALL_TIMED_OUT
    hits = matcher.search(memory_index(SOLUTIONS), result.stderr).hits
    assert hits and hits[0].slug == SLUG and hits[0].confident, [(h.slug, h.confident) for h in hits[:3]]


def test_the_server_is_told_with_the_cancel_line_the_entry_quotes(tmp_path):
    log = tmp_path / "server-stdin.log"
    server = _write(tmp_path, "server.py", LOGGING_SERVER)
    client = _write(tmp_path, "client.py", RAW_CLIENT)
    result = run_args([client, server, str(log)], cwd=tmp_path, timeout=90)
    assert _raised(result.stderr)[-1] == TOOLS_CALL_TIMED_OUT, result.stderr[-2000:]
    cancels = [line for line in log.read_text().splitlines() if "notifications/cancelled" in line]
    quoted = next(e for e in parse_entry(ENTRY).errors if "timed out after 30.0s" in e)
    assert cancels == [quoted.replace("30.0s", "0.5s")]


def test_a_server_that_loads_before_run_times_out_initialize(tmp_path):
    server = _write(tmp_path, "server.py", LOAD_FIRST_SERVER)
    opt1 = _write(tmp_path, "opt1.py", _option1())
    driver = textwrap.dedent(
        f"""
        import asyncio, sys
        from opt1 import call_tool

        asyncio.run(call_tool(sys.executable, [{server!r}, {str(tmp_path / "never")!r}],
                              "embed", {{"text": "hi"}}, startup_timeout=1.0))
        """
    )
    result = run_args(["-c", driver], path=Path(opt1).parent, cwd=tmp_path, timeout=90)
    assert result.returncode != 0
    assert _raised(result.stderr)[-1] == INITIALIZE_TIMED_OUT


def _option1() -> str:
    return _python_block(1)


def test_option1_demo_fails_with_a_short_timeout_and_answers_with_a_fitting_one(fix_code, tmp_path):
    script = _write(tmp_path, "call_tool.py", fix_code(SLUG, 1))
    result = run_args([script], cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        "timeout 0.5 s: MCPError: Request 'tools/call' timed out",
        "timeout 30 s: report ready after 2 s",
    ]
    assert TOOLS_CALL_TIMED_OUT.endswith(result.stdout.splitlines()[0].split(": ", 1)[1])


OPTION2_DRIVER = textwrap.dedent(
    """
    import asyncio, sys
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from opt2 import PROGRESS_SERVER, call_tool_resetting_on_progress

    async def main(server):
        params = StdioServerParameters(command=sys.executable, args=[server])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                seen = []

                async def count(done, total, message):
                    seen.append(done)

                # the SDK's own timeout: progress arrives, the timer still runs out
                try:
                    await session.call_tool("index_repo", {"files": 12}, read_timeout_seconds=1.5,
                                            progress_callback=count)
                except Exception as exc:
                    print("sdk:", type(exc).__name__, exc, "after", len(seen) > 0 and "progress")
                # the entry's helper with a total cap below the tool's 3 s
                try:
                    await call_tool_resetting_on_progress(session, "index_repo", {"files": 12},
                                                          idle_timeout=2.0, max_total=1.5)
                except TimeoutError as exc:
                    print("capped:", exc)
                # the session still works after the cancelled calls
                result = await call_tool_resetting_on_progress(session, "index_repo", {"files": 2},
                                                               idle_timeout=20.0)
                print("after:", result.content[0].text)

    server = sys.argv[1]
    with open(server, "w", encoding="utf-8") as f:
        f.write(PROGRESS_SERVER)
    asyncio.run(main(server))
    """
)


def test_option2_demo_restarts_the_timeout_on_progress_only(fix_code, tmp_path):
    script = _write(tmp_path, "opt2.py", fix_code(SLUG, 2))
    result = run_args([script], cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "with progress: indexed 12 files"  # 3 s of work through a 2 s idle timeout
    assert lines[1].startswith("without progress: tool 'silent_job': no progress for 2 s (after 2.")


def test_option2_the_sdk_timer_ignores_progress_and_the_cap_holds(fix_code, tmp_path):
    _write(tmp_path, "opt2.py", fix_code(SLUG, 2))
    server = str(tmp_path / "progress_server.py")
    result = run_args(["-c", OPTION2_DRIVER, server], path=tmp_path, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        "sdk: MCPError Request 'tools/call' timed out after progress",
        "capped: tool 'index_repo': still running after max_total=1.5 s",
        "after: indexed 2 files",
    ]


OPTION3_DRIVER = textwrap.dedent(
    """
    import asyncio, os, sys
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from opt1 import timeout_arg

    async def main(server, release):
        params = StdioServerParameters(command=sys.executable, args=[server, release])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=timeout_arg(30)) as session:
                await session.initialize()
                tools = await session.list_tools()
                print("initialized while loading:", not os.path.exists(release), [t.name for t in tools.tools])
                if sys.argv[3] == "release":
                    open(release, "w").close()  # the load may finish now
                result = await session.call_tool("embed", {"text": "hi"}, read_timeout_seconds=timeout_arg(30))
                print("error" if getattr(result, "is_error", None) else "ok", result.content[0].text)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)

STAND_IN = "        time.sleep(3)  # stands for the slow part: import torch, load weights, build an index\n"
BLOCKED_LOAD = (
    "        import os, sys\n"
    "        while not os.path.exists(sys.argv[1]):\n"
    "            time.sleep(0.05)  # the test holds the load until it has seen initialize answered\n"
)


def test_option3_server_answers_initialize_before_its_load_and_the_tool_waits(tmp_path):
    code = _python_block(3)
    assert STAND_IN in code
    server = _write(tmp_path, "server.py", code.replace(STAND_IN, BLOCKED_LOAD))
    _write(tmp_path, "opt1.py", _option1())
    release = str(tmp_path / "release")
    result = run_args(
        ["-c", OPTION3_DRIVER, server, release, "release"], path=tmp_path, cwd=tmp_path, timeout=90
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == ["initialized while loading: True ['embed']", "ok HI"]


def test_option3_a_failed_load_is_reported_by_the_tool(tmp_path):
    code = _python_block(3)
    failing = code.replace(STAND_IN, "        raise OSError('weights file missing')\n")
    server = _write(tmp_path, "server.py", failing)
    _write(tmp_path, "opt1.py", _option1())
    result = run_args(
        ["-c", OPTION3_DRIVER, server, str(tmp_path / "unused"), "keep"],
        path=tmp_path,
        cwd=tmp_path,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert (
        lines[1].startswith("error ") and "model failed to load: OSError('weights file missing')" in lines[1]
    )


OPTION4_DRIVER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from opt1 import timeout_arg

    async def main(server):
        params = StdioServerParameters(command=sys.executable, args=[server])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=timeout_arg(30)) as session:
                await session.initialize()
                quick = timeout_arg(1.0)  # every call must answer within 1 s; the job takes 2 s
                began = time.monotonic()
                started = json.loads((await session.call_tool("start_report", {"pages": 10},
                                                              read_timeout_seconds=quick)).content[0].text)
                print("started", started["status"], round(time.monotonic() - began) == 0)
                seen = set()
                while True:
                    status = json.loads((await session.call_tool("report_status", {"job_id": started["job_id"]},
                                                                 read_timeout_seconds=quick)).content[0].text)
                    seen.add(status["status"])
                    if status["status"] != "running":
                        break
                    await asyncio.sleep(0.3)
                print(sorted(seen), status.get("result"), status["done"], status["total"])
                unknown = json.loads((await session.call_tool("report_status", {"job_id": "nope"},
                                                              read_timeout_seconds=quick)).content[0].text)
                print(unknown["status"])

    asyncio.run(main(sys.argv[1]))
    """
)


def test_option4_jobs_answer_at_once_while_the_work_takes_longer(fix_code, tmp_path):
    server = _write(tmp_path, "server.py", fix_code(SLUG, 4))
    _write(tmp_path, "opt1.py", _option1())
    result = run_args(["-c", OPTION4_DRIVER, server], path=tmp_path, cwd=tmp_path, timeout=90)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        "started running True",
        "['done', 'running'] report with 10 pages 10 10",
        "unknown",
    ]


# The entry's look-alike under the same text: a hand-written server that answers at once but never flushes stdout.
UNFLUSHED_CLIENT = textwrap.dedent(
    """
    import asyncio, sys
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    async def main(server, log):
        params = StdioServerParameters(command=sys.executable, args=[server, log])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=float(sys.argv[3])) as session:
                await session.initialize()
                print("initialized")

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


def test_an_unflushed_stdio_server_times_out_initialize_and_flushing_fixes_it(tmp_path):
    flushed_print = 'print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}), flush=True)'
    assert flushed_print in LOGGING_SERVER
    unflushed = _write(tmp_path, "unflushed.py", LOGGING_SERVER.replace(", flush=True)", ")"))
    flushed = _write(tmp_path, "flushed.py", LOGGING_SERVER)
    client = _write(tmp_path, "client.py", UNFLUSHED_CLIENT)
    log = str(tmp_path / "stdin.log")
    stuck = run_args([client, unflushed, log, "2.0"], cwd=tmp_path, timeout=90)
    assert stuck.returncode != 0
    assert (
        _raised(stuck.stderr)[-1] == INITIALIZE_TIMED_OUT
    )  # it answered at once: the answer sat in its buffer
    assert '"method":"initialize"' in Path(log).read_text()  # the request arrived and was answered
    ok = run_args([client, flushed, log, "30.0"], cwd=tmp_path, timeout=90)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert ok.stdout.splitlines() == ["initialized"]
