"""Verified fix for solutions/llm-model-no-tool-support.md.

Two stand-ins on 127.0.0.1 answer the way the released servers do:

- Ollama (server/routes.go, server/images.go, middleware/openai.go): a request with non-empty `tools`
  for a model whose capabilities lack `tools` gets 400 `{"error": "<full name> does not support
  tools"}` on /api/chat, and `{"error": {"message": ..., "type": "invalid_request_error", "param":
  null, "code": null}}` on /v1/chat/completions (`api_error` from older releases); the name is
  model.ParseName(req.Model).String() (`registry.ollama.ai/library/llama3:latest`,
  `hf.co/user/repo:tag`). /api/show returns `capabilities` (servers since April 2025) or only the
  template (older servers), /api/tags the pulled models.
- vLLM (0.34.0 renderers/online_renderer.py, 0.10.1.1+ ErrorResponse; the flat form of 0.10.0 and
  older): 400 `"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be
  set` when tools arrive with tool_choice auto (the default) and no parser is enabled.
- llama.cpp's llama-server with Jinja off (server-common.cpp: a std::runtime_error, so 500
  server_error) and Gemini's OpenAI-compatible endpoint for a Gemma model, whose 400 body is a JSON
  list (`[{"error": {...}}]`), which openai 3.38+ prints as a bare `Error code: 400`.

The real openai SDK (the venv's) and httpx reproduce the refusals and the exact texts the entry
lists. ollama-python is not in the venv: its wording is `f"{error} (status code: {status})"`
(ollama 0.6.3 `ResponseError.__str__`), checked against the body the stand-in sends.
Then the entry's own code runs: Option 1's script in a child interpreter against a current and an
old Ollama (capabilities field, template fallback, a model that is not pulled), and Option 4's
`chat_with_tools()` with the real openai SDK: native tool calls on a tool-capable model, one retry
without tools after each server's refusal (the caller's messages kept as they were), any other
error raised unchanged, and its demo run in a child interpreter.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import openai
import pytest
from fake_http import json_server
from pyrun import run_python, script_names

from app.corpus.entries import parse_entry

SLUG = "llm-model-no-tool-support"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")

VLLM_REFUSAL = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
QUESTION = [{"role": "user", "content": "What is the weather in Paris?"}]
PROMPTED_CALL = json.dumps({"tool": "get_weather", "arguments": {"city": "Paris"}})

# what `ollama show` knows: full name -> (capabilities, template)
TOOLS_TEMPLATE = (
    "{{- if .Tools }}<tools>{{ range .Tools }}{{ json .Function }}{{ end }}</tools>{{ end }}{{ .Prompt }}"
)
PLAIN_TEMPLATE = "{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}"
PULLED = {
    "registry.ollama.ai/library/llama3:latest": (["completion"], PLAIN_TEMPLATE),
    "registry.ollama.ai/library/qwen3:latest": (["completion", "tools", "thinking"], TOOLS_TEMPLATE),
    "hf.co/bartowski/gemma-2-9b-it-GGUF:Q4_K_M": (["completion"], PLAIN_TEMPLATE),
}


def full_name(model: str) -> str:
    """model.ParseName(name).String(): host and namespace default to registry.ollama.ai/library, tag to latest."""
    *path, last = model.split("/")
    name, _, tag = last.partition(":")
    host, namespace = "registry.ollama.ai", "library"
    if len(path) == 1:
        namespace = path[0]
    elif len(path) >= 2:
        host, namespace = path[0], path[1]
    return f"{host}/{namespace}/{name}:{tag or 'latest'}"


def model_reply(body: dict) -> dict:
    """What the stand-in's 'model' says: a native call when tools were sent, a JSON call when they are in the prompt."""
    if body.get("tools"):
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})},
        }
        message, finish = {"role": "assistant", "content": "", "tool_calls": [call]}, "tool_calls"
    elif "get_weather" in json.dumps(body.get("messages", [])[:1]):
        message, finish = {"role": "assistant", "content": PROMPTED_CALL}, "stop"
    else:
        message, finish = {"role": "assistant", "content": "Hello."}, "stop"
    choice = {"index": 0, "message": message, "finish_reason": finish}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": body["model"],
        "choices": [choice],
    }


class Ollama:
    """Routes of the Ollama server that this error involves; `old` answers like a server before April 2025."""

    def __init__(self, old: bool = False):
        self.old = old
        self.chats: list[dict] = []

    def __call__(self, request) -> tuple:
        if request.method == "GET":  # /api/tags lists name.DisplayShortest()
            shortest = [n.removeprefix("registry.ollama.ai/").removeprefix("library/") for n in PULLED]
            return 200, {"models": [{"name": n, "model": n} for n in shortest]}
        body = request.json()
        model = body.get("model") or body.get("name") or ""
        name = full_name(model)
        if name not in PULLED:
            if request.path == "/api/show":  # ShowHandler
                return 404, {"error": f"model '{model}' not found"}
            return 404, {"error": f'model "{model}" not found, try pulling it first'}  # handleScheduleError
        capabilities, template = PULLED[name]
        if request.path == "/api/show":
            show = {
                "template": template,
                "details": {"format": "gguf"},
                "modified_at": "2025-01-01T00:00:00Z",
            }
            return 200, show if self.old else {**show, "capabilities": capabilities}
        self.chats.append(body)
        if body.get("tools") and "tools" not in capabilities:  # CheckCapabilities -> handleScheduleError
            refusal = f"{name} does not support tools"
            if request.path == "/api/chat":
                return 400, {"error": refusal}
            kind = "api_error" if self.old else "invalid_request_error"
            return 400, {"error": {"message": refusal, "type": kind, "param": None, "code": None}}
        if request.path == "/api/chat":
            return 200, {"model": model, "message": model_reply(body)["choices"][0]["message"], "done": True}
        return 200, model_reply(body)


class ChatServer:
    """An OpenAI-compatible chat endpoint that records each request and refuses some (`refusal`)."""

    def __init__(self):
        self.chats: list[dict] = []

    def __call__(self, request) -> tuple:
        body = request.json()
        self.chats.append(body)
        return self.refusal(body) or (200, model_reply(body))

    def refusal(self, body: dict) -> tuple | None:
        raise NotImplementedError


class VLLM(ChatServer):
    """vLLM's OpenAI server started without --enable-auto-tool-choice/--tool-call-parser."""

    def __init__(self, flat: bool = False):
        super().__init__()
        self.flat = flat

    def refusal(self, body: dict) -> tuple | None:
        if body.get("tools") and body.get("tool_choice", "auto") == "auto":
            error = {"message": VLLM_REFUSAL, "type": "BadRequestError", "param": None, "code": 400}
            # vLLM 0.10.0 and older answer the error's fields at the top level
            return 400, {"object": "error", **error} if self.flat else {"error": error}
        if body["model"] == "too-long":
            message = (
                "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens."
            )
            return 400, {"error": {"message": message, "type": "BadRequestError", "param": None, "code": 400}}
        return None


class LlamaCpp(ChatServer):
    """llama-server started with --no-jinja (or an old build without --jinja)."""

    def refusal(self, body: dict) -> tuple | None:
        if body.get("tools"):
            error = {"code": 500, "message": "tools param requires --jinja flag", "type": "server_error"}
            return 500, {"error": error}
        return None


class GeminiOpenAI(ChatServer):
    """Gemini API's OpenAI-compatible endpoint serving a Gemma model: the error body is a JSON list."""

    def refusal(self, body: dict) -> tuple | None:
        if body.get("tools"):
            message = f"Function calling is not enabled for models/{body['model']}"
            return 400, [{"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}]
        return None


serve = json_server  # serve(stand_in) -> base URL of a fresh server on 127.0.0.1


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "*")


def client(base: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key="ollama", max_retries=0)


def refusal_of(base: str, model: str) -> openai.APIStatusError:
    with pytest.raises(openai.BadRequestError) as info:
        client(base).chat.completions.create(model=model, messages=QUESTION, tools=[WEATHER])
    return info.value


def test_ollama_native_api_refuses_tools_for_a_model_without_the_capability():
    with serve(Ollama()) as base:
        reply = httpx.post(
            f"{base}/api/chat",
            json={"model": "llama3", "messages": QUESTION, "tools": [WEATHER]},
            trust_env=False,
            timeout=10,
        )
        without_tools = httpx.post(
            f"{base}/api/chat", json={"model": "llama3", "messages": QUESTION}, trust_env=False, timeout=10
        )
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error == "registry.ollama.ai/library/llama3:latest does not support tools"
    assert without_tools.status_code == 200  # the same request without tools is fine
    # ollama-python 0.6.3 (and langchain-ollama through it) print ResponseError as f"{error} (status code: {status})"
    assert f"ollama._types.ResponseError: {error} (status code: 400)" in ENTRY.errors


def test_ollama_v1_refusal_through_the_openai_sdk():
    with serve(Ollama()) as base:
        llama3 = refusal_of(base, "llama3")
        imported = refusal_of(base, "hf.co/bartowski/gemma-2-9b-it-GGUF:Q4_K_M")
    assert str(llama3) == "Error code: 400 - registry.ollama.ai/library/llama3:latest does not support tools"
    assert f"openai.BadRequestError: {llama3}" in ENTRY.errors
    assert llama3.type == "invalid_request_error"
    assert imported.message.startswith(
        "Error code: 400 - hf.co/bartowski/gemma-2-9b-it-GGUF:Q4_K_M does not support"
    )
    assert f"ollama._types.ResponseError: {imported.body['message']} (status code: 400)" in ENTRY.errors


def test_older_ollama_says_api_error():
    with serve(Ollama(old=True)) as base:
        refusal = refusal_of(base, "llama3")
    assert refusal.type == "api_error"
    assert refusal.body["message"] == "registry.ollama.ai/library/llama3:latest does not support tools"


@pytest.mark.parametrize("flat", [False, True], ids=["vllm-0.10.1+", "vllm-0.10.0"])
def test_vllm_without_the_tool_flags_refuses_auto_tool_choice(flat):
    with serve(VLLM(flat=flat)) as base:
        refusal = refusal_of(base, "Qwen/Qwen2.5-7B-Instruct")
    assert str(refusal) == f"Error code: 400 - {VLLM_REFUSAL}"
    assert f"openai.BadRequestError: {refusal}" in ENTRY.errors


def test_gemini_list_body_leaves_only_the_status_in_the_exception_text():
    with serve(GeminiOpenAI()) as base:
        refusal = refusal_of(base, "gemma-3-27b-it")
    assert str(refusal) == "Error code: 400"  # openai 3.38+: no message from a body that is a list
    assert "Function calling is not enabled for models/gemma-3-27b-it" in str(refusal.body)


@pytest.fixture
def option1(fix_code, tmp_path):
    code = fix_code(SLUG, 1)

    def run(base: str, *args: str):
        return run_python(code, cwd=tmp_path, env={"OLLAMA_HOST": base, "NO_PROXY": "*"}, args=args)

    return run


def test_option1_names_the_model_that_cannot_take_tools_and_the_ones_that_can(option1):
    with serve(Ollama()) as base:
        refused = option1(base, "llama3")
        accepted = option1(base, "qwen3")
    assert refused.returncode == 1, refused.stderr
    assert "llama3 cannot take tools (capabilities: completion)" in refused.stdout
    assert "use a pulled model that can: qwen3:latest" in refused.stdout
    assert "no tools  hf.co/bartowski/gemma-2-9b-it-GGUF:Q4_K_M  (capabilities: completion)" in refused.stdout
    assert accepted.returncode == 0, accepted.stderr
    assert "OK: qwen3 takes tools (capabilities: completion, tools, thinking)" in accepted.stdout


def test_option1_reads_the_template_on_a_server_without_capabilities(option1):
    with serve(Ollama(old=True)) as base:
        refused = option1(base, "llama3")
        accepted = option1(base, "qwen3")
    assert refused.returncode == 1, refused.stderr
    assert (
        "llama3 cannot take tools (template has no .Tools (server lists no capabilities))" in refused.stdout
    )
    assert accepted.returncode == 0, accepted.stderr
    assert "template uses .Tools" in accepted.stdout


def test_option1_says_when_the_model_is_not_pulled(option1):
    with serve(Ollama()) as base:
        result = option1(base, "mistral")
    assert result.returncode == 1
    assert (
        f"""mistral: 404 {{"error": "model 'mistral' not found"}} (not pulled on {base}?)""" in result.stderr
    )


def test_option1_with_a_host_without_scheme_or_port(fix_code):
    base_url = script_names(fix_code(SLUG, 1))["base_url"]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OLLAMA_HOST", "0.0.0.0")
        assert base_url() == "http://0.0.0.0:11434"
        env.setenv("OLLAMA_HOST", "gpu-box:8080")
        assert base_url() == "http://gpu-box:8080"
        env.setenv("OLLAMA_HOST", "https://ollama.example.com")
        assert base_url() == "https://ollama.example.com"
        # what ollama-python 0.6.3 _parse_host makes of an IPv6 address, a bare port and a path
        env.setenv("OLLAMA_HOST", "[::1]:11434")
        assert base_url() == "http://[::1]:11434"
        env.setenv("OLLAMA_HOST", ":11435")
        assert base_url() == "http://127.0.0.1:11435"
        env.setenv("OLLAMA_HOST", "gpu-box/ollama/")
        assert base_url() == "http://gpu-box:11434/ollama"
        env.delenv("OLLAMA_HOST")
        assert base_url() == "http://127.0.0.1:11434"


@pytest.fixture
def option4(fix_code):
    return script_names(fix_code(SLUG, 4))


@pytest.fixture
def chat_with_tools(option4):
    return option4["chat_with_tools"]


def test_option4_uses_native_tools_when_the_model_has_them(chat_with_tools):
    server = Ollama()
    with serve(server) as base:
        result = chat_with_tools(client(base), "qwen3", QUESTION, [WEATHER])
    assert result["mode"] == "native"
    assert result["calls"] == [{"name": "get_weather", "arguments": {"city": "Paris"}}]
    assert len(server.chats) == 1


@pytest.mark.parametrize(
    "make",
    [Ollama, VLLM, lambda: VLLM(flat=True), LlamaCpp, GeminiOpenAI],
    ids=["ollama", "vllm", "vllm-flat", "llama-cpp", "gemini-list-body"],
)
def test_option4_retries_once_without_tools_after_a_refusal(chat_with_tools, make):
    server = make()
    messages = [{"role": "system", "content": "Be brief."}, *QUESTION]
    sent = json.loads(json.dumps(messages))
    with serve(server) as base:
        result = chat_with_tools(client(base), "llama3", messages, [WEATHER])
    assert result == {
        "mode": "prompted",
        "calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}],
        "text": PROMPTED_CALL,
    }
    first, second = server.chats
    assert first["tools"] == [WEATHER]
    assert "tools" not in second and "tool_choice" not in second
    assert second["messages"][1:] == sent[1:]  # the user's message went out unchanged
    assert second["messages"][0]["content"].startswith("Be brief.\n\nYou can use these tools.")
    assert messages == sent  # the caller's list was not modified


def test_option4_keeps_system_content_parts(chat_with_tools):
    server = Ollama()
    system = {"role": "system", "content": [{"type": "text", "text": "Be brief."}]}
    with serve(server) as base:
        result = chat_with_tools(client(base), "llama3", [system, *QUESTION], [WEATHER])
    assert result["mode"] == "prompted"
    caller_part, tools_part = server.chats[1]["messages"][0]["content"]
    assert caller_part == {"type": "text", "text": "Be brief."}  # the caller's part as it was, not its repr
    assert tools_part["type"] == "text" and tools_part["text"].startswith("You can use these tools.")


def test_option4_raises_other_errors_unchanged(chat_with_tools):
    server = VLLM()
    with serve(server) as base, pytest.raises(openai.BadRequestError, match="maximum context length"):
        chat_with_tools(client(base), "too-long", QUESTION, [])
    assert len(server.chats) == 1  # no retry for an error that is not about tools


def test_option4_returns_no_call_for_a_plain_answer(option4):
    parse = option4["parse_tool_call"]
    assert parse("It is sunny in Paris.", [WEATHER]) is None
    assert parse('{"tool": "rm_rf", "arguments": {}}', [WEATHER]) is None  # only tools that were offered
    assert parse('Sure: {"tool": "get_weather", "arguments": {"city": "Oslo"}}', [WEATHER]) == {
        "name": "get_weather",
        "arguments": {"city": "Oslo"},
    }


def test_option4_demo_runs_against_ollama(fix_code, tmp_path):
    with serve(Ollama()) as base:
        result = run_python(
            fix_code(SLUG, 4),
            cwd=tmp_path,
            env={"OPENAI_BASE_URL": f"{base}/v1", "MODEL": "llama3", "NO_PROXY": "*"},
        )
    assert result.returncode == 0, result.stderr
    assert "'mode': 'prompted'" in result.stdout
    assert "{'name': 'get_weather', 'arguments': {'city': 'Paris'}}" in result.stdout
