"""Verified fix for solutions/anthropic-beta-header-missing.md.

The real anthropic SDK (a dev dependency, 2.17.0) talks to a local HTTP server standing in for
api.anthropic.com. The server applies the API's beta rules as the public threads cited by the entry
show them: a beta tool type or field without its `anthropic-beta` value is refused with the
validation wording (`Input tag '...' found using 'type'`, `<field>: Extra inputs are not permitted`),
and a header value it does not serve with `Unexpected value(s) ... for the anthropic-beta header`.
The tests reproduce each error through the SDK (and the SDK's own `betas` TypeError), then run the
entry's Option 1 code: its `diagnose()` names the fix and its `create()` gets an answer from the server.
"""

import asyncio
import inspect
import typing
from pathlib import Path

import anthropic
import pytest
from anthropic.types import AnthropicBetaParam, ToolUnionParam
from anthropic.types.beta import BetaToolUnionParam
from fake_http import json_server
from pyrun import run_args, script_names

from app.corpus.entries import parse_entry

SLUG = "anthropic-beta-header-missing"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

# what the stand-in API serves, and which beta unlocks which tool type / field (independent of the entry)
SERVED = {
    "computer-use-2024-10-22",
    "computer-use-2025-01-24",
    "computer-use-2025-11-24",
    "mcp-client-2025-04-04",
    "mcp-client-2025-11-20",
    "context-management-2025-06-27",
    "files-api-2025-04-14",
    "interleaved-thinking-2025-05-14",
}
TOOL_NEEDS = {
    "computer_20241022": {"computer-use-2024-10-22"},
    "computer_20250124": {"computer-use-2025-01-24"},
    "computer_20251124": {"computer-use-2025-11-24"},
    "mcp_toolset": {"mcp-client-2025-11-20"},
}
FIELD_NEEDS = {
    "mcp_servers": {"mcp-client-2025-04-04", "mcp-client-2025-11-20"},
    "context_management": {"context-management-2025-06-27"},
}
GA_TAGS = "'bash_20250124', 'custom', 'text_editor_20250124', 'text_editor_20250429', 'text_editor_20250728'"
OK = {
    "id": "msg_01",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [{"type": "text", "text": "ok"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 1},
}
COMPUTER = {
    "type": "computer_20250124",
    "name": "computer",
    "display_width_px": 1024,
    "display_height_px": 768,
}
BASE = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}


def _error(message: str) -> tuple:
    return 400, {"type": "error", "error": {"type": "invalid_request_error", "message": message}}


class FakeAPI:
    def __init__(self):
        self.headers: list = []  # the anthropic-beta header of each request (None: not sent)

    def __call__(self, request):
        header = request.headers.get("anthropic-beta")
        self.headers.append(header)
        betas = [b.strip() for b in header.split(",")] if header is not None else []
        refused = [b for b in betas if b not in SERVED]
        if refused:
            values = ", ".join(f"`{b}`" for b in refused)
            return _error(
                f"Unexpected value(s) {values} for the `anthropic-beta` header. Please consult our "
                "documentation at docs.claude.com or try again without the header."
            )
        body = request.json()
        for field in body:
            if field == "betas" or (field in FIELD_NEEDS and not FIELD_NEEDS[field] & set(betas)):
                return _error(f"{field}: Extra inputs are not permitted")
        for i, tool in enumerate(body.get("tools", [])):
            if tool.get("type") in TOOL_NEEDS and not TOOL_NEEDS[tool["type"]] & set(betas):
                return _error(
                    f"tools.{i}: Input tag '{tool['type']}' found using 'type' does not match any of the "
                    f"expected tags: {GA_TAGS}"
                )
        return 200, OK


@pytest.fixture(scope="module")
def server():
    fake = FakeAPI()
    with json_server(fake) as url:  # one server for the module: its shutdown takes half a second
        fake.client = anthropic.Anthropic(api_key="sk-ant-test", base_url=url, max_retries=0)
        fake.url = url
        yield fake


@pytest.fixture
def api(server):
    server.headers.clear()
    return server


@pytest.fixture
def fix(fix_code):
    return script_names(fix_code(SLUG, 1))


def _signatures() -> list[str]:
    return parse_entry(MD).errors


def _bad_request(call) -> str:
    with pytest.raises(anthropic.BadRequestError) as info:
        call()
    return f"anthropic.BadRequestError: {info.value}"


def test_computer_use_without_header_then_fixed(api, fix):
    params = dict(BASE, tools=[COMPUTER])
    text = _bad_request(lambda: api.client.messages.create(**params))
    assert text.startswith(
        "anthropic.BadRequestError: 400 tools.0: Input tag 'computer_20250124' found using 'type' does not match"
    )
    assert any("400 tools.0: Input tag 'computer_20250124' found using 'type'" in s for s in _signatures())
    # the beta namespace alone sends no header
    _bad_request(lambda: api.client.beta.messages.create(**params))
    assert api.headers == [None, None]
    assert "betas=['computer-use-2025-01-24']" in " ".join(fix["diagnose"](text))
    assert fix["betas_for"](params) == ["computer-use-2025-01-24"]
    reply = fix["create"](api.client, **params)
    assert reply.content[0].text == "ok"
    assert api.headers[-1] == "computer-use-2025-01-24"
    # a request that needs no beta stays on client.messages, without the header
    assert fix["create"](api.client, **BASE).content[0].text == "ok"
    assert api.headers[-1] is None


def test_betas_keyword_on_the_non_beta_resource(api, fix):
    with pytest.raises(TypeError) as info:
        api.client.messages.create(**BASE, tools=[COMPUTER], betas=["computer-use-2025-01-24"])
    text = f"TypeError: {info.value}"
    assert text == "TypeError: Messages.create() got an unexpected keyword argument 'betas'"
    assert text in _signatures()
    assert api.headers == []  # raised before any request

    async def call_async():
        client = anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=api.url, max_retries=0)
        await client.messages.create(**BASE, betas=["computer-use-2025-01-24"])

    with pytest.raises(TypeError) as info:
        asyncio.run(call_async())
    assert f"TypeError: {info.value}" in _signatures()
    for message in (text, f"TypeError: {info.value}"):
        assert any(
            "client.beta.messages.create(..., betas=[...])" in line for line in fix["diagnose"](message)
        )
    # passing the user's betas through create() goes to the beta resource
    reply = fix["create"](api.client, **BASE, betas=["interleaved-thinking-2025-05-14"])
    assert reply.content[0].text == "ok"
    assert api.headers[-1] == "interleaved-thinking-2025-05-14"


def test_misspelt_and_refused_beta_values(api, fix):
    text = _bad_request(
        lambda: api.client.beta.messages.create(**BASE, betas=["interleaved-thinking-2025-04-14"])
    )
    assert "Unexpected value(s) `interleaved-thinking-2025-04-14` for the `anthropic-beta` header." in text
    advice = fix["diagnose"](text)
    assert advice == [
        "`interleaved-thinking-2025-04-14` is not a beta name: did you mean `interleaved-thinking-2025-05-14`?"
    ]
    text = _bad_request(
        lambda: api.client.beta.messages.create(
            **BASE, betas=["prompt-caching-2024-07-31", "oauth-2025-04-20"]
        )
    )
    assert api.headers[-1] == "prompt-caching-2024-07-31,oauth-2025-04-20"
    advice = fix["diagnose"](text)
    assert len(advice) == 2
    assert all("is refused here" in line and "remove it" in line for line in advice)


def test_mcp_connector_fields(api, fix):
    servers = [{"type": "url", "url": "https://mcp.example.com/mcp", "name": "docs"}]
    tools = [{"type": "mcp_toolset", "mcp_server_name": "docs"}]
    text = _bad_request(
        lambda: api.client.messages.create(**BASE, tools=tools, extra_body={"mcp_servers": servers})
    )
    assert (
        text
        == "anthropic.BadRequestError: 400 mcp_servers: Extra inputs are not permitted (path: /v1/messages, type: invalid_request_error)"
    )
    assert any("mcp-client-2025-11-20" in line for line in fix["diagnose"](text))
    reply = fix["create"](api.client, **BASE, tools=tools, mcp_servers=servers)
    assert reply.content[0].text == "ok"
    assert api.headers[-1] == "mcp-client-2025-11-20"
    # the deprecated format: tool_configuration on the server and no mcp_toolset tool
    old = [dict(servers[0], tool_configuration={"enabled": True})]
    assert fix["betas_for"]({"mcp_servers": old}) == ["mcp-client-2025-04-04"]
    assert fix["create"](api.client, **BASE, mcp_servers=old).content[0].text == "ok"
    file_doc = {"type": "document", "source": {"type": "file", "file_id": "file_011"}}
    assert fix["betas_for"]({"messages": [{"role": "user", "content": [file_doc]}]}) == [
        "files-api-2025-04-14"
    ]


def _literals(hint) -> set:
    if typing.get_origin(hint) is typing.Literal:
        return set(typing.get_args(hint))
    return set().union(*(_literals(arg) for arg in typing.get_args(hint))) if typing.get_args(hint) else set()


def _tool_types(union) -> set:
    return set().union(
        *(
            _literals(typing.get_type_hints(cls, include_extras=True)["type"])
            for cls in typing.get_args(union)
        )
    )


def test_tables_match_the_installed_sdk(fix):
    """The tool types and fields of the tables are the beta-only ones of the SDK; the names are its beta names."""
    beta_only_tools = _tool_types(BetaToolUnionParam) - _tool_types(ToolUnionParam)
    assert set(fix["TOOL_BETAS"]) <= beta_only_tools
    assert beta_only_tools - set(fix["TOOL_BETAS"]) <= {"advisor_20260301"}
    client = anthropic.Anthropic(api_key="sk-ant-test")
    beta_fields = set(inspect.signature(client.beta.messages.create).parameters)
    plain_fields = set(inspect.signature(client.messages.create).parameters)
    assert set(fix["FIELD_BETAS"]) <= beta_fields - plain_fields
    names = _literals(AnthropicBetaParam)
    used = {*fix["TOOL_BETAS"].values(), *fix["FIELD_BETAS"].values(), fix["OLD_MCP_BETA"], fix["FILES_BETA"]}
    assert used | {fix["LONG_CONTEXT_BETA"]} <= names
    assert set(fix["known_betas"]()) >= names


def test_script_from_the_command_line(fix_code, tmp_path):
    code = fix_code(SLUG, 1)
    text = "The long context beta is not yet available for this subscription."
    result = run_args(["-c", code, text], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "remove it from betas" in result.stdout and "context-1m-2025-08-07" in result.stdout
    result = run_args(["-c", code, "KeyError: 'messages'"], cwd=tmp_path)
    assert "not an anthropic-beta error" in result.stdout
    result = run_args(["-c", code], cwd=tmp_path)
    assert result.stdout.strip() == "betas: ['computer-use-2025-01-24', 'mcp-client-2025-11-20']"
