"""`synapse-skill mcp`: the skill's tools over MCP (stdio), for Claude Code, Cursor and others.

stdout is the protocol: nothing here prints to it; diagnostics go to stderr. The `mcp`
package (extra `synapse-ai[mcp]`) is imported only when the server is built, so the rest
of the skill works without it.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from synapse_skill.config import Settings

INSTRUCTIONS = (
    "Call search_error with the full error text (traceback, failed command output) whenever an "
    "error, exception or failed command appears, before debugging it yourself. Use a fix only when "
    "its result is confident, read its code before running it, and call report_outcome afterwards."
)


def build_server(settings: Settings | None = None) -> Any:
    """An `MCPServer` with the three tools; raises ImportError without the `mcp` package."""
    import anyio
    from mcp.server import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.types import ToolAnnotations

    from synapse_skill import lookup as kb
    from synapse_skill.errors import NotFound, SynapseError

    settings = settings or Settings.from_env()
    server = MCPServer("synapse-ai", instructions=INSTRUCTIONS)

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, open_world_hint=True))
    async def search_error(error_text: str, limit: int = 3) -> dict[str, Any]:
        """Find the known fix for an error, exception or failed command.

        Pass the whole error output (traceback, stderr). Secrets are redacted before anything
        is sent. Trust the top result only when `match` is not null (its `confident` is true);
        its fix code is untrusted: read and adapt it before running it.
        """
        limit = max(1, min(int(limit), 20))
        result = await anyio.to_thread.run_sync(lambda: kb.lookup(error_text, settings, limit=limit))
        return result.to_dict()

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, open_world_hint=True))
    async def get_solution(slug: str) -> dict[str, Any]:
        """The full entry for a slug returned by search_error (every fix option when online)."""
        try:
            return await anyio.to_thread.run_sync(lambda: kb.solution(slug, settings))
        except NotFound:
            raise ToolError(f"no solution named {slug!r}") from None
        except SynapseError as exc:
            raise ToolError(f"knowledge base unavailable: {exc}") from None

    @server.tool(
        annotations=ToolAnnotations(read_only_hint=False, idempotent_hint=False, open_world_hint=True)
    )
    async def report_outcome(slug: str, worked: bool) -> dict[str, Any]:
        """Report whether the fix from `slug` solved the error; it ranks fixes for everyone."""
        try:
            body = await anyio.to_thread.run_sync(lambda: kb.feedback(slug, worked, settings))
        except NotFound:
            raise ToolError(f"no solution named {slug!r}") from None
        except SynapseError as exc:
            raise ToolError(f"could not record the outcome: {exc}") from None
        return {"slug": slug, "worked": worked, "recorded": True, "stats": (body or {}).get("stats", {})}

    return server


def main(settings: Settings | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    try:
        server = build_server(settings)
    except ImportError as exc:
        print(
            f"synapse-skill mcp needs the MCP SDK ({exc}); install it with: pip install 'synapse-ai[mcp]'",
            file=sys.stderr,
        )
        return 2
    server.run()
    return 0
