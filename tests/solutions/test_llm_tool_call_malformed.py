"""Verified fix for solutions/llm-tool-call-malformed.md.

Stand-ins on 127.0.0.1 (fake_http.json_server) answer the way the released servers do when a model's
tool call is malformed:

- Groq: 400 `{"error": {"message": "Failed to call a function. ...", "type": "invalid_request_error",
  "code": "tool_use_failed", "failed_generation": ...}}` (the body users report; Groq's server is closed).
- Ollama (harmony/harmonyparser.go + server/routes.go): 500 `{"error": "error parsing tool call: raw='...',
  err=<Go encoding/json error>"}` on /api/chat, the OpenAI error object on /v1.
- llama.cpp (common/chat.cpp workaround::func_args_not_string): 500 server_error `Failed to parse tool
  call arguments as JSON: <nlohmann e.what()>` when an assistant message in the REQUEST carries
  arguments that are not JSON; the stand-in checks the request it gets with json.loads.
- vLLM (tool_parsers/hermes_tool_parser.py): a 200 reply with tool_calls empty and the raw
  `<tool_call>` text as content, after the parser failed.
- A server that passes arguments through: a 200 reply whose tool_calls[0].function.arguments is cut off.

The real openai SDK (the venv's) and langchain-core reproduce the texts the entry lists. Then the entry's
own code runs: Option 1's `call_with_tool_check()` with the real openai SDK against each stand-in (one
corrected retry at temperature 0, the malformed call kept out of the history, the caller's list untouched,
bounded: a second failure raises, unrelated errors pass through), Option 2's `repair_tool_history()`
making the llama.cpp stand-in accept a conversation it refused (also one holding the SDK's message objects
and an empty arguments string), and both demos in child interpreters.
"""

from __future__ import annotations

import copy
import json

import httpx
import openai
import pytest
from fake_http import chat_completion, json_server
from pyrun import run_python, script_names

SLUG = "llm-tool-call-malformed"

GROQ_MESSAGE = (
    "Failed to call a function. Please adjust your prompt. See 'failed_generation' for more details."
)
FAILED_GENERATION = '<function=get_weather>{"city": "Paris"}</function>'
OLLAMA_ERROR = (
    'error parsing tool call: raw=\'We need the weather. {"city":"Paris"}\', '
    "err=invalid character 'W' looking for beginning of value"
)
# nlohmann::json 3.11.2 e.what() for json::parse('{"city": "Par'), reproduced with nlohmann-json3-dev
LLAMACPP_ERROR = (
    "Failed to parse tool call arguments as JSON: [json.exception.parse_error.101] parse error at line 1, "
    "column 14: syntax error while parsing value - invalid string: missing closing quote; last read: '\"Par'"
)
CUT_OFF = '{"city": "Par'
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
QUESTION = [{"role": "user", "content": "What is the weather in Paris?"}]


def tool_reply(arguments: str, name: str = "get_weather") -> dict:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
    return chat_completion(None, finish_reason="tool_calls", tool_calls=[call])


GOOD = tool_reply('{"city": "Paris"}')
GROQ_400 = {
    "error": {
        "message": GROQ_MESSAGE,
        "type": "invalid_request_error",
        "code": "tool_use_failed",
        "failed_generation": FAILED_GENERATION,
    }
}
OLLAMA_V1_500 = {"error": {"message": OLLAMA_ERROR, "type": "api_error", "param": None, "code": None}}
VLLM_TEXT = chat_completion('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Par}\n</tool_call>')


class Recorder:
    """Answers in order (the last repeats) and keeps every request body."""

    def __init__(self, *answers: tuple):
        self.answers = list(answers)
        self.bodies: list[dict] = []

    def __call__(self, request):
        self.bodies.append(request.json())
        return self.answers[min(len(self.bodies), len(self.answers)) - 1]


def llama_server(request):
    """llama-server's template step: arguments strings in the request's messages must parse as JSON."""
    for message in request.json()["messages"]:
        for call in message.get("tool_calls") or []:
            arguments = call["function"]["arguments"]
            try:
                json.loads(arguments)
            except ValueError:
                return 500, {"error": {"code": 500, "message": LLAMACPP_ERROR, "type": "server_error"}}
    return 200, chat_completion("It is sunny in Paris.")


def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="test", max_retries=0)


@pytest.fixture
def option1(fix_code):
    return script_names(fix_code(SLUG, 1))


def test_the_servers_wordings_through_the_real_clients():
    with json_server(lambda r: (400, GROQ_400)) as url:
        with pytest.raises(openai.BadRequestError) as groq_err:
            client(url).chat.completions.create(
                model="llama-3.3-70b-versatile", messages=QUESTION, tools=[WEATHER]
            )
        raw = httpx.post(f"{url}/openai/v1/chat/completions", json={}).json()
    assert str(groq_err.value) == f"Error code: 400 - {GROQ_MESSAGE}"
    assert groq_err.value.body["code"] == "tool_use_failed"
    assert raw["error"]["failed_generation"] == FAILED_GENERATION

    def ollama(request):
        if request.path.startswith("/api/"):
            return 500, {"error": OLLAMA_ERROR}
        return 500, OLLAMA_V1_500

    with json_server(ollama) as url:
        with pytest.raises(openai.InternalServerError) as ollama_err:
            client(url).chat.completions.create(model="gpt-oss:20b", messages=QUESTION, tools=[WEATHER])
        native = httpx.post(f"{url}/api/chat", json={})
    assert str(ollama_err.value) == f"Error code: 500 - {OLLAMA_ERROR}"
    assert native.status_code == 500
    # ollama-python 0.6.3 ResponseError.__str__ is f"{error} (status code: {status_code})"
    assert f"{native.json()['error']} (status code: {native.status_code})" == (
        "error parsing tool call: raw='We need the weather. {\"city\":\"Paris\"}', err=invalid character 'W' "
        "looking for beginning of value (status code: 500)"
    )

    broken_history = [
        *QUESTION,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": tool_reply(CUT_OFF)["choices"][0]["message"]["tool_calls"],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "error"},
    ]
    with json_server(llama_server) as url, pytest.raises(openai.InternalServerError) as llama_err:
        client(url).chat.completions.create(model="m", messages=broken_history, tools=[WEATHER])
    assert str(llama_err.value) == f"Error code: 500 - {LLAMACPP_ERROR}"


def cut_off_call():
    """The assistant message a server sends when the model's arguments were cut off, as the SDK parses it."""
    with json_server(lambda r: (200, tool_reply(CUT_OFF))) as url:
        return (
            client(url)
            .chat.completions.create(model="m", messages=QUESTION, tools=[WEATHER])
            .choices[0]
            .message
        )


def test_cut_off_arguments_through_openai_and_langchain_core():
    from langchain_core.exceptions import OutputParserException
    from langchain_core.output_parsers.openai_tools import parse_tool_call

    message = cut_off_call()
    arguments = message.tool_calls[0].function.arguments
    with pytest.raises(
        json.JSONDecodeError, match=r"^Unterminated string starting at: line 1 column 10 \(char 9\)$"
    ):
        json.loads(arguments)
    with pytest.raises(OutputParserException) as parsed:
        parse_tool_call(message.model_dump()["tool_calls"][0])
    assert str(parsed.value).startswith(
        'Function get_weather arguments:\n\n{"city": "Par\n\nare not valid JSON. '
        "Received JSONDecodeError Unterminated string starting at: line 1 column 10 (char 9)"
    )


@pytest.mark.parametrize(
    ("first", "says"),
    [
        ((400, GROQ_400), [GROQ_MESSAGE, FAILED_GENERATION]),
        ((500, OLLAMA_V1_500), ["error parsing tool call: raw='We need the weather."]),
        ((200, VLLM_TEXT), ["the tool call came back as text instead of a tool call"]),
        ((200, tool_reply(CUT_OFF)), ["get_weather: arguments are not valid JSON (Unterminated string"]),
        (
            (200, tool_reply('{"city": 7, "when": "now"}')),
            ["argument 'city' must be string, got int", "unknown argument 'when'"],
        ),
        ((200, tool_reply('{"city": "Paris"}', name="get_wether")), ["unknown tool 'get_wether'"]),
    ],
    ids=["groq-400", "ollama-500", "vllm-text", "cut-off", "schema", "unknown-tool"],
)
def test_option1_retries_once_with_the_problem_fed_back(option1, first, says):
    server = Recorder(first, (200, GOOD))
    caller_messages = copy.deepcopy(QUESTION)
    with json_server(server) as url:
        message, calls = option1["call_with_tool_check"](
            client(url).chat.completions.create, caller_messages, [WEATHER], model="m", temperature=0.8
        )
    assert calls == [{"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}]
    assert message.tool_calls[0].function.arguments == '{"city": "Paris"}'
    assert len(server.bodies) == 2
    retry = server.bodies[1]
    assert retry["temperature"] == 0 and server.bodies[0]["temperature"] == 0.8
    assert retry["messages"][:-1] == QUESTION  # the malformed output is not in the history
    assert retry["messages"][-1]["role"] == "user"
    for text in says:
        assert text in retry["messages"][-1]["content"], retry["messages"][-1]["content"]
    assert caller_messages == QUESTION


def test_option1_is_bounded_and_lets_other_errors_through(option1):
    check = option1["call_with_tool_check"]
    server = Recorder((200, tool_reply(CUT_OFF)))
    with (
        json_server(server) as url,
        pytest.raises(option1["MalformedToolCall"], match="arguments are not valid JSON"),
    ):
        check(client(url).chat.completions.create, QUESTION, [WEATHER], model="m")
    assert len(server.bodies) == 2

    server = Recorder((400, GROQ_400))
    with json_server(server) as url, pytest.raises(openai.BadRequestError, match="Failed to call a function"):
        check(client(url).chat.completions.create, QUESTION, [WEATHER], model="m")
    assert len(server.bodies) == 2

    unrelated = {
        "error": {"message": "Invalid API Key", "type": "invalid_request_error", "code": "invalid_api_key"}
    }
    server = Recorder((401, unrelated))
    with json_server(server) as url, pytest.raises(openai.AuthenticationError):
        check(client(url).chat.completions.create, QUESTION, [WEATHER], model="m")
    assert len(server.bodies) == 1

    server = Recorder((200, GOOD))  # a good call the first time: one request, nothing added
    with json_server(server) as url:
        _, calls = check(client(url).chat.completions.create, QUESTION, [WEATHER], model="m")
    assert calls[0]["arguments"] == {"city": "Paris"} and len(server.bodies) == 1
    assert server.bodies[0]["messages"] == QUESTION


def test_option2_makes_llama_server_accept_the_conversation_again(fix_code):
    repair = script_names(fix_code(SLUG, 2))["repair_tool_history"]
    history = [
        *QUESTION,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": tool_reply(CUT_OFF)["choices"][0]["message"]["tool_calls"],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "error: bad arguments"},
        {"role": "user", "content": "Try again please."},
    ]
    original = copy.deepcopy(history)
    repaired, fixed = refused_then_repaired(repair, history)
    assert fixed == 1 and history == original
    kept = json.loads(repaired[1]["tool_calls"][0]["function"]["arguments"])
    assert kept == {"_unparsed_arguments": CUT_OFF}  # the model's text is kept, not dropped
    assert repaired[3] == history[3]


def refused_then_repaired(repair, history):
    """The llama-server stand-in refuses `history`, then answers once Option 2 has repaired it."""
    with json_server(llama_server) as url:
        with pytest.raises(openai.InternalServerError, match="Failed to parse tool call arguments as JSON"):
            client(url).chat.completions.create(model="m", messages=history, tools=[WEATHER])
        repaired, fixed = repair(history)
        reply = client(url).chat.completions.create(model="m", messages=repaired, tools=[WEATHER])
    assert reply.choices[0].message.content == "It is sunny in Paris."
    return repaired, fixed


def test_option2_repairs_sdk_message_objects_and_empty_arguments(fix_code):
    """The history as OpenAI's guide builds it (response.choices[0].message appended as the SDK object),
    and a call stored with arguments "" (nlohmann refuses that too: column 1, unexpected end of input)."""
    repair = script_names(fix_code(SLUG, 2))["repair_tool_history"]
    broken = cut_off_call()
    empty = {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": ""}}
    history = [
        *QUESTION,
        broken,
        {"role": "tool", "tool_call_id": "call_1", "content": "error: bad arguments"},
        {"role": "user", "content": "And in Lyon?"},
        {"role": "assistant", "content": None, "tool_calls": [empty]},
        {"role": "tool", "tool_call_id": "call_2", "content": "error: no city"},
    ]
    repaired, fixed = refused_then_repaired(repair, history)
    assert fixed == 2
    assert json.loads(repaired[1]["tool_calls"][0]["function"]["arguments"]) == {
        "_unparsed_arguments": CUT_OFF
    }
    assert repaired[4]["tool_calls"][0]["function"]["arguments"] == "{}"
    assert [m["role"] for m in repaired] == ["user", "assistant", "tool", "user", "assistant", "tool"]
    assert repaired[3] == history[3]
    # the caller's history is untouched: the SDK object and the dict keep what the model wrote
    assert broken.tool_calls[0].function.arguments == CUT_OFF
    assert history[4]["tool_calls"][0]["function"]["arguments"] == ""


def test_the_demos_run(fix_code, tmp_path):
    demo1 = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert demo1.returncode == 0, demo1.stderr
    lines = demo1.stdout.splitlines()
    assert lines[0] == "([{'id': '1', 'name': 'get_weather', 'arguments': {'city': 'Paris'}}], [])"
    assert "arguments are not valid JSON" in lines[1]
    assert "argument 'city' must be string, got int" in lines[2] and "must be one of ['c', 'f']" in lines[2]
    assert "came back as text" in lines[3]
    demo2 = run_python(fix_code(SLUG, 2), cwd=tmp_path)
    assert demo2.returncode == 0, demo2.stderr
    assert demo2.stdout.startswith('1 {"_unparsed_arguments": ')
