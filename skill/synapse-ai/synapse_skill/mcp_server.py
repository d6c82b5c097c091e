"""`synapse-skill mcp`: the skill's tools over MCP (stdio), for Claude Code, Cursor and others.

stdout is the protocol: nothing here prints to it; diagnostics go to stderr. The `mcp`
package (`pip install mcp`; in the repository `pip install -e '.[mcp]'`) is imported only
when the server is built, so the rest of the skill works without it.

No `from __future__ import annotations` here: the tools' signatures use types defined
inside `build_server` (pydantic is only there with the mcp package), and the SDK reads
them from the evaluated annotations.
"""

import logging
import sys
from typing import Any

from synapse_skill.config import Settings

INSTRUCTIONS = (
    "Call search_error with the full error text (traceback, failed command output) whenever an "
    "error, exception or failed command appears, before debugging it yourself. Use a fix only when "
    "its result is confident, read its code before running it, and call report_outcome afterwards."
)
LIMIT_MIN, LIMIT_MAX = 1, 10

SEARCH_DESCRIPTION = (
    "Find the known fix for an error, exception or failed command. Pass the whole error output "
    "(traceback, stderr). Secrets are redacted before anything is sent. Trust the top result only "
    "when `match` is not null (its `confident` is true); its fix code is untrusted: read and adapt "
    "it before running it."
)
SOLUTION_DESCRIPTION = (
    "The full entry for a slug returned by search_error: every fix option when the server "
    "answers, the first one from the offline snapshot."
)
OUTCOME_DESCRIPTION = (
    "Report whether the fix from `slug` solved the error; outcomes rank fixes for every agent. "
    "Needs the server (an error offline)."
)


def build_server(settings: Settings | None = None) -> Any:
    """An `MCPServer` with the three tools; raises ImportError without the `mcp` package."""
    from typing import Annotated, Literal

    import anyio
    from mcp.server import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.types import ToolAnnotations
    from pydantic import BaseModel, ConfigDict, Field

    from synapse_skill import __version__
    from synapse_skill import lookup as kb
    from synapse_skill.errors import NotFound, SynapseError

    class Why(BaseModel):
        signature: str = Field(description="the error signature of the entry that matched")
        type_match: bool | None = Field(description="whether the exception type agreed (null: unknown)")
        terms: list[str] = Field(description="terms the error and the signature share")
        env: list[str] = Field(
            default=[], description="what the environment said: a version in range, a package installed"
        )

    class Fix(BaseModel):
        title: str
        language: str
        code: str = Field(description="untrusted: read and adapt it before running it")

    class Result(BaseModel):
        slug: str
        title: str
        score: float = Field(description="0 to 100: how close the error is to the matched signature")
        confident: bool = Field(description="above the calibrated threshold: the fix applies")
        url: str
        why: Why
        fix: Fix
        token_savings: int
        source: Literal["online", "offline"]

    class SearchResult(BaseModel):
        query: str = Field(description="exactly what was sent (or searched offline), after redaction")
        normalized: str
        source: Literal["online", "offline", "none"] = Field(
            description="online: the server; offline: the local snapshot; none: neither answered"
        )
        took_ms: float
        note: str = Field(description="why the lookup went offline or found nothing")
        match: str | None = Field(description="slug of the confident top result, or null")
        results: list[Result]

    class Solution(BaseModel):
        model_config = ConfigDict(extra="allow")
        slug: str
        title: str = ""
        source: Literal["online", "offline"]

    class Outcome(BaseModel):
        slug: str
        worked: bool
        recorded: bool
        stats: dict[str, Any] = Field(description="the entry's outcome counts after this report")

    ErrorText = Annotated[
        str, Field(description="the whole error output: traceback, stderr or failed command output")
    ]
    Limit = Annotated[
        int,
        Field(
            ge=LIMIT_MIN,
            le=LIMIT_MAX,
            strict=True,
            description=f"how many results to return, {LIMIT_MIN} to {LIMIT_MAX} (default 3)",
        ),
    ]
    Slug = Annotated[str, Field(min_length=1, description="an entry's slug, as returned by search_error")]
    Worked = Annotated[
        bool, Field(strict=True, description="true if the fix solved the error, false if it did not")
    ]

    settings = settings or Settings.from_env()
    server = MCPServer("synapse-ai", instructions=INSTRUCTIONS, version=__version__)

    @server.tool(
        description=SEARCH_DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=True),
    )
    async def search_error(error_text: ErrorText, limit: Limit = 3) -> SearchResult:
        result = await anyio.to_thread.run_sync(lambda: kb.lookup(error_text, settings, limit=limit))
        return SearchResult.model_validate(result.to_dict())

    @server.tool(
        description=SOLUTION_DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=True),
    )
    async def get_solution(slug: Slug) -> Solution:
        try:
            data = await anyio.to_thread.run_sync(lambda: kb.solution(slug, settings))
        except NotFound:
            raise ToolError(f"no solution named {slug!r}") from None
        except SynapseError as exc:
            raise ToolError(f"knowledge base unavailable: {exc}") from None
        return Solution.model_validate({"slug": slug, **data})

    @server.tool(
        description=OUTCOME_DESCRIPTION,
        # Records one vote: not read-only, but never destructive; sending the same outcome
        # again is not idempotent on the server's counts.
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
        ),
    )
    async def report_outcome(slug: Slug, worked: Worked) -> Outcome:
        try:
            body = await anyio.to_thread.run_sync(lambda: kb.feedback(slug, worked, settings))
        except NotFound:
            raise ToolError(f"no solution named {slug!r}") from None
        except SynapseError as exc:
            raise ToolError(f"could not record the outcome: {exc}") from None
        return Outcome(slug=slug, worked=worked, recorded=True, stats=(body or {}).get("stats", {}))

    return server


def main(settings: Settings | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    try:
        server = build_server(settings)
    except ImportError as exc:
        print(
            f"synapse-skill mcp needs the MCP SDK ({exc}); install it with: pip install mcp "
            "(in the SynapseAI repository: pip install -e '.[mcp]')",
            file=sys.stderr,
        )
        return 2
    server.run()
    return 0
