"""Verified fixes for solutions/tool-call-message-order.md.

The pairing rule is enforced server-side by OpenAI and Anthropic, which cannot be reached here, so two
local stand-ins (fake_http) enforce it and answer with the providers' error texts: a Chat Completions
endpoint (tool results must follow the assistant `tool_calls` message, one per id; a `tool` message must
answer the message before it) and a Messages endpoint (`tool_result` blocks first in the very next user
message). With the real openai and anthropic SDKs (dev extra) the broken histories the entry describes
raise `openai.BadRequestError` / `anthropic.BadRequestError` with those texts. Then the entry's code runs:
Option 1's agent loop (in-process, OpenAI SDK) against parallel calls plus a call to an unknown tool,
Option 2's repair on the broken histories (the same endpoint accepts the repaired ones), and Option 3's
Anthropic loop. What the real services accept beyond the pairing rule is not checked.
"""

from __future__ import annotations

import openai
import pytest
from fake_http import json_server

SLUG = "tool-call-message-order"

OPENAI_MISSING = (
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "
    "The following tool_call_ids did not have response messages: {ids}"
)
OPENAI_ORPHAN = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."


def openai_pairing_error(messages: list[dict]) -> tuple[str, str] | None:
    """(message, param) of the first pairing violation, as OpenAI words it; None when the history is valid."""
    i = 0
    while i < len(messages):
        msg = messages[i]
        if msg["role"] == "tool":
            return OPENAI_ORPHAN, f"messages.[{i}].role"
        i += 1
        if msg["role"] != "assistant" or not msg.get("tool_calls"):
            continue
        wanted = [call["id"] for call in msg["tool_calls"]]
        answered = []
        while i < len(messages) and messages[i]["role"] == "tool":
            if messages[i]["tool_call_id"] not in wanted:
                return OPENAI_ORPHAN, f"messages.[{i}].role"
            answered.append(messages[i]["tool_call_id"])
            i += 1
        missing = [call_id for call_id in wanted if call_id not in answered]
        if missing:
            return OPENAI_MISSING.format(ids=", ".join(missing)), f"messages.[{i}].role"
    return None


CALLS = [
    ("call_1", "get_weather", '{"city": "Paris"}'),
    ("call_2", "get_weather", '{"city": "Rome"}'),
    ("call_3", "get_time", '{"city": "Rome"}'),  # a tool the agent does not have: its call fails
]


def chat_completions(request):
    body = request.json()
    problem = openai_pairing_error(body["messages"])
    if problem:
        message, param = problem
        return 400, {
            "error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}
        }
    if body["messages"][-1]["role"] == "tool":
        results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
        reply = {"role": "assistant", "content": " | ".join(results)}
        finish = "stop"
    else:
        calls = [{"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in CALLS]
        reply = {"role": "assistant", "content": None, "tool_calls": calls}
        finish = "tool_calls"
    choice = {"index": 0, "finish_reason": finish, "message": reply}
    return 200, {
        "id": "c1",
        "object": "chat.completion",
        "created": 0,
        "model": body["model"],
        "choices": [choice],
    }


@pytest.fixture(scope="module")
def chat_api():
    with json_server(chat_completions) as base:
        yield base + "/v1"


def call(call_id: str, city: str) -> dict:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": "get_weather", "arguments": f'{{"city": "{city}"}}'},
    }


USER = {"role": "user", "content": "Weather in Paris and Rome?"}
TWO_CALLS = {
    "role": "assistant",
    "content": None,
    "tool_calls": [call("call_1", "Paris"), call("call_2", "Rome")],
}
RESULT_1 = {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 21}'}
RESULT_2 = {"role": "tool", "tool_call_id": "call_2", "content": '{"temp_c": 25}'}
BROKEN = {
    # one of two parallel calls answered, then the user spoke again
    "unanswered": [USER, TWO_CALLS, RESULT_1, {"role": "user", "content": "And tomorrow?"}],
    # a trimmer dropped the assistant tool-call message but kept its results
    "orphan": [{"role": "user", "content": "And tomorrow?"}, RESULT_1, RESULT_2, USER],
    # a "please continue" nudge inserted between the call and its results
    "interleaved": [USER, TWO_CALLS, {"role": "user", "content": "continue"}, RESULT_1, RESULT_2],
}


def send(api: str, messages: list[dict]):
    client = openai.OpenAI(api_key="sk-test", base_url=api, max_retries=0)
    return client.chat.completions.create(model="gpt-test", messages=messages)


def test_unanswered_parallel_call_is_a_400(chat_api):
    with pytest.raises(openai.BadRequestError) as info:
        send(chat_api, BROKEN["unanswered"])
    assert str(info.value) == "Error code: 400 - " + OPENAI_MISSING.format(ids="call_2")
    assert info.value.body["param"] == "messages.[3].role"


def test_tool_message_without_its_call_is_a_400(chat_api):
    with pytest.raises(openai.BadRequestError) as info:
        send(chat_api, BROKEN["orphan"])
    assert str(info.value) == "Error code: 400 - " + OPENAI_ORPHAN


def test_message_between_call_and_results_is_a_400(chat_api):
    with pytest.raises(openai.BadRequestError) as info:
        send(chat_api, BROKEN["interleaved"])
    assert str(info.value) == "Error code: 400 - " + OPENAI_MISSING.format(ids="call_1, call_2")


@pytest.fixture
def repair(fix_code):
    namespace: dict = {"__name__": "entry_option_2"}
    exec(compile(fix_code(SLUG, 2), f"{SLUG} option 2", "exec"), namespace)
    return namespace["repair_tool_history"]


def test_option2_demo_output(fix_code, capsys):
    exec(compile(fix_code(SLUG, 2), f"{SLUG} option 2", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out.splitlines() == [
        "user ",
        "assistant ",
        "tool call_1",
        "tool call_2",
        "user ",
    ]


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_option2_repaired_history_is_accepted(chat_api, repair, case):
    fixed = repair(BROKEN[case])
    assert openai_pairing_error(fixed) is None
    assert (
        send(chat_api, fixed).choices[0].message.tool_calls
    )  # the endpoint took it (and asks for tools again)
    assert [m for m in fixed if m["role"] == "user"] == [m for m in BROKEN[case] if m["role"] == "user"]


def test_option2_keeps_a_valid_history_unchanged(repair):
    valid = [USER, TWO_CALLS, RESULT_2, RESULT_1, {"role": "assistant", "content": "21 and 25"}]
    fixed = repair(valid)
    assert fixed[:2] == valid[:2] and fixed[-1] == valid[-1]
    assert [m["tool_call_id"] for m in fixed[2:4]] == ["call_1", "call_2"]  # put in call order, none lost
    assert [m["content"] for m in fixed[2:4]] == [RESULT_1["content"], RESULT_2["content"]]


def test_option1_agent_answers_every_call_including_failed_ones(fix_code, chat_api, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", chat_api)
    exec(compile(fix_code(SLUG, 1), f"{SLUG} option 1", "exec"), {"__name__": "__main__"})
    answer = capsys.readouterr().out.strip()
    paris, rome, unknown = answer.split(" | ")
    assert paris == '{"city": "Paris", "temp_c": 21}'
    assert rome == '{"city": "Rome", "temp_c": 21}'
    assert unknown == "ERROR: KeyError: 'get_time'"


# ---- Anthropic Messages API stand-in -------------------------------------------------------------------------

ANTHROPIC_MISSING = (
    "messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: {ids}. "
    "Each `tool_use` block must have a corresponding `tool_result` block in the next message."
)
ANTHROPIC_UNEXPECTED = (
    "messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: {id}. "
    "Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
)


def _blocks(message: dict) -> list[dict]:
    content = message["content"]
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


def anthropic_pairing_error(messages: list[dict]) -> str | None:
    previous_ids: list[str] = []
    for i, message in enumerate(messages):
        blocks = _blocks(message)
        if message["role"] == "user":
            leading = []
            for block in blocks:  # tool_result blocks count only at the start of the message
                if block["type"] != "tool_result":
                    break
                leading.append(block["tool_use_id"])
            for j, block in enumerate(blocks):
                if block["type"] == "tool_result" and block["tool_use_id"] not in previous_ids:
                    return ANTHROPIC_UNEXPECTED.format(i=i, j=j, id=block["tool_use_id"])
            missing = [tid for tid in previous_ids if tid not in leading]
            if missing:
                return ANTHROPIC_MISSING.format(i=i - 1, ids=", ".join(missing))
            previous_ids = []
        else:
            if previous_ids:
                return ANTHROPIC_MISSING.format(i=i - 1, ids=", ".join(previous_ids))
            previous_ids = [b["id"] for b in blocks if b["type"] == "tool_use"]
    return None


def messages_api(request):
    body = request.json()
    problem = anthropic_pairing_error(body["messages"])
    if problem:
        return 400, {"type": "error", "error": {"type": "invalid_request_error", "message": problem}}
    last = _blocks(body["messages"][-1])
    if last[0]["type"] == "tool_result":
        content = [
            {"type": "text", "text": " | ".join(b["content"] for b in last if b["type"] == "tool_result")}
        ]
        stop = "end_turn"
    else:
        content = [
            {"type": "tool_use", "id": f"toolu_0{n}", "name": "get_weather", "input": {"city": city}}
            for n, city in ((1, "Paris"), (2, "Rome"))
        ]
        stop = "tool_use"
    return 200, {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


@pytest.fixture(scope="module")
def messages_url():
    with json_server(messages_api) as base:
        yield base


@pytest.fixture
def anthropic_sdk(messages_url, monkeypatch):
    import anthropic as sdk

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", messages_url)
    return sdk


TOOL_USE = {
    "role": "assistant",
    "content": [{"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}}],
}


@pytest.mark.parametrize(
    ("next_message", "expected"),
    [
        ({"role": "user", "content": "and Rome?"}, ANTHROPIC_MISSING.format(i=1, ids="toolu_01")),
        (  # text first, result after it: not "immediately after"
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "here"},
                    {"type": "tool_result", "tool_use_id": "toolu_01", "content": "21 C"},
                ],
            },
            ANTHROPIC_MISSING.format(i=1, ids="toolu_01"),
        ),
        (
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_99", "content": "x"}]},
            ANTHROPIC_UNEXPECTED.format(i=2, j=0, id="toolu_99"),
        ),
    ],
)
def test_anthropic_broken_histories_are_400s(anthropic_sdk, next_message, expected):
    client = anthropic_sdk.Anthropic(max_retries=0)
    with pytest.raises(anthropic_sdk.BadRequestError) as info:
        client.messages.create(
            model="claude-test",
            max_tokens=10,
            messages=[{"role": "user", "content": "Weather in Paris?"}, TOOL_USE, next_message],
        )
    # anthropic 2.17 words it "400 <message> (path: ..., type: ...)"; older releases "Error code: 400 - {...}"
    assert str(info.value) == f"400 {expected} (path: /v1/messages, type: invalid_request_error)"


def test_option3_results_first_in_the_next_user_message(fix_code, anthropic_sdk, capsys):
    exec(compile(fix_code(SLUG, 3), f"{SLUG} option 3", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out.strip() == "21 C in Paris | 21 C in Rome"
