"""Verified fix for solutions/llm-empty-message-content.md: empty and whitespace-only text refused, then cleaned away.

The providers cannot be reached here, so two local stand-ins (fake_http, on 127.0.0.1) check requests the way the
providers' 400s show they do, and answer with their exact error bodies:
- a Claude Messages endpoint: a `system` text block that is empty -> `system: text content blocks must be
  non-empty`; a message (other than a final assistant prefill) whose content is `""` or `[]` -> `messages.N: all
  messages must have non-empty content except for the optional final assistant message`; an empty text block ->
  `messages: text content blocks must be non-empty`, a whitespace-only one -> `... must contain non-whitespace
  text` (a string content counts as one text block); a final assistant prefill ending in whitespace -> `messages:
  final assistant content cannot end with trailing whitespace`. Tool results and other blocks are not checked.
- a Gemini generateContent endpoint: a content with `parts: []` -> `* GenerateContentRequest.contents[N].parts:
  contents.parts must not be empty.` and a part `{"text": ""}` -> `Unable to submit request because it has an
  empty text parameter. ...`, with status INVALID_ARGUMENT.
Which shape gives which text is taken from the issue threads the entry names, not from a provider's document.
The real anthropic (2.17.0) and google-genai (3.6.1) SDKs send the broken histories the entry describes and raise
the entry's error lines word for word. Then the entry's own code runs: Option 1 cleans each history (the endpoint
accepts it, every user text arrives unchanged, every tool_use keeps a tool_result, a blank last user message is
refused before anything is sent; a reply kept as `response.content`, SDK objects with Claude's empty TextBlock
before a tool_use, is cleaned too; Bedrock Converse blocks are cleaned the same way), Option 2 converts an
OpenAI-style history that a naive converter turns into a 400 (and keeps the user's images, a tool's output parts and
a `developer` message, and refuses a part it cannot convert), Option 3 checks user input, Option 4 cleans Gemini
contents (dicts, and `types.Content` via model_dump).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from fake_http import anthropic_client, claude_error, claude_message, genai_client, json_server
from pyrun import script_names

from app.corpus.entries import parse_entry

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
SLUG = "llm-empty-message-content"
REQUEST_ID = "req_011CXXXX"
MODEL = "claude-sonnet-5"

EMPTY_BLOCK = "messages: text content blocks must be non-empty"
BLANK_BLOCK = "messages: text content blocks must contain non-whitespace text"
EMPTY_SYSTEM = "system: text content blocks must be non-empty"
EMPTY_MESSAGE = (
    "messages.{i}: all messages must have non-empty content except for the optional final assistant message"
)
TRAILING = "messages: final assistant content cannot end with trailing whitespace"

GEMINI_EMPTY_PARTS = "* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty.\n"
GEMINI_EMPTY_TEXT = (
    "Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again. "
    "Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini"
)


# --- the Claude Messages endpoint ---------------------------------------------------------------------------
def claude_problem(body: dict) -> str | None:
    """The first empty-text rule the request breaks, in the API's words; None when it passes."""
    system = body.get("system")
    if isinstance(system, list) and any(b.get("type") == "text" and b.get("text", "") == "" for b in system):
        return EMPTY_SYSTEM
    messages = body["messages"]
    for i, message in enumerate(messages):
        content = message["content"]
        prefill = i == len(messages) - 1 and message["role"] == "assistant"
        if content in ("", []):
            if prefill:
                continue
            return EMPTY_MESSAGE.format(i=i)
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in blocks:
            if block.get("type") == "text" and block.get("text", "") == "":
                return EMPTY_BLOCK
            if block.get("type") == "text" and not block["text"].strip():
                return BLANK_BLOCK
        if prefill and blocks[-1].get("type") == "text" and blocks[-1]["text"] != blocks[-1]["text"].rstrip():
            return TRAILING
    return None


def messages_api(request):
    body = request.json()
    messages_api.bodies.append(body)
    headers = [("request-id", REQUEST_ID)]
    problem = claude_problem(body)
    if problem:
        return 400, claude_error(problem, REQUEST_ID), headers
    content, stop = [{"type": "text", "text": "OK"}], "end_turn"
    if body.get("tools"):  # a tool call with an empty text block before it, as Claude returns one
        content, stop = (
            [{"type": "text", "text": ""}, {**TOOL_USE, "name": body["tools"][0]["name"]}],
            "tool_use",
        )
    return 200, claude_message(body["model"], content, stop), headers


messages_api.bodies = []


@pytest.fixture(scope="module")
def claude_url():
    with json_server(messages_api) as base:
        yield base


@pytest.fixture
def claude(claude_url, monkeypatch):
    client = anthropic_client(claude_url, monkeypatch)
    import anthropic  # importable: anthropic_client checked

    def send(messages: list[dict], system=None, **options):
        extra = {"system": system} if system else {}
        return client.messages.create(model=MODEL, max_tokens=64, messages=messages, **extra, **options)

    send.error = anthropic.BadRequestError
    return send


def sdk_text(message: str) -> str:
    """How anthropic 2.17.0 prints a 400 with that message."""
    return f"400 {message} (request_id: {REQUEST_ID}, path: /v1/messages, type: invalid_request_error)"


# --- the histories the entry's Root cause describes ---------------------------------------------------------
QUESTION = "What is 17 * 23?  (show the steps)"
FOLLOW_UP = "And 17 * 24?"
TOOL_USE = {"type": "tool_use", "id": "toolu_01", "name": "calc", "input": {"expr": "17 * 23"}}
RESULT = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "391"}]}
EMPTY_RESULT = {
    "role": "user",
    "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": ""}],
}

BROKEN = {
    # an agent loop stored the tool-calls-only turn's text as an empty block
    "empty text next to tool_use": (
        [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": [{"type": "text", "text": ""}, TOOL_USE]},
            EMPTY_RESULT,  # and the tool printed nothing
            {"role": "user", "content": FOLLOW_UP},
        ],
        EMPTY_BLOCK,
    ),
    "whitespace-only text next to tool_use": (
        [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": [{"type": "text", "text": "\n\n"}, TOOL_USE]},
            RESULT,
        ],
        BLANK_BLOCK,
    ),
    # an empty reply (end_turn, no content) kept in the history
    "empty assistant turn": (
        [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": FOLLOW_UP},
        ],
        EMPTY_MESSAGE.format(i=1),
    ),
    # a streamed reply stored delta by delta, the first delta empty
    "streamed deltas as blocks": (
        [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": [{"type": "text", "text": ""}, {"type": "text", "text": "391"}]},
            {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},
        ],
        EMPTY_BLOCK,
    ),
    # a prefill that ends in a space
    "prefill with trailing space": (
        [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "The answer is "}],
        TRAILING,
    ),
}


@pytest.fixture(scope="module")
def entry():
    return parse_entry(SOLUTIONS / f"{SLUG}.md")


@pytest.fixture
def option(fix_code):
    """The names each fix option's code defines, read from the entry (`option[1]["clean_messages"]`)."""
    return {n: script_names(fix_code(SLUG, n)) for n in (1, 2, 3, 4)}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_claude_history_is_a_400_the_entry_lists_word_for_word(claude, entry, case):
    messages, message = BROKEN[case]
    with pytest.raises(claude.error) as info:
        claude(messages)
    assert str(info.value) == sdk_text(message)
    assert f"anthropic.BadRequestError: {info.value}" in entry.errors


def test_an_empty_system_block_is_a_400(claude, entry):
    with pytest.raises(claude.error) as info:
        claude([{"role": "user", "content": QUESTION}], system=[{"type": "text", "text": ""}])
    assert str(info.value) == sdk_text(EMPTY_SYSTEM)
    assert any(EMPTY_SYSTEM in line for line in entry.errors)


def user_texts(messages: list[dict]) -> list[str]:
    """Every non-blank text the user sent, in order (string contents and text blocks of user turns)."""
    texts = []
    for message in messages:
        if message["role"] != "user":
            continue
        content = message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        texts += [b["text"] for b in blocks if b.get("type") == "text" and b["text"].strip()]
    return texts


def blocks_of(messages: list[dict], kind: str) -> list[dict]:
    return [
        b for m in messages if isinstance(m["content"], list) for b in m["content"] if b.get("type") == kind
    ]


@pytest.mark.parametrize("case", list(BROKEN))
def test_option1_cleaned_history_is_accepted_and_keeps_the_user_s_text(claude, option, case):
    clean_messages = option[1]["clean_messages"]
    messages, _ = BROKEN[case]
    before = copy.deepcopy(messages)
    cleaned = clean_messages(messages)
    assert messages == before  # the stored history is not changed

    reply = claude(cleaned)
    assert reply.content[0].text == "OK"
    sent = messages_api.bodies[-1]["messages"]
    assert user_texts(sent) == user_texts(messages)  # every user text arrives, exactly as typed
    assert [b["id"] for b in blocks_of(sent, "tool_use")] == [
        b["id"] for b in blocks_of(messages, "tool_use")
    ]
    results = blocks_of(sent, "tool_result")
    assert [b["tool_use_id"] for b in results] == [
        b["tool_use_id"] for b in blocks_of(messages, "tool_result")
    ]
    assert all(b["content"] for b in results)
    roles = [message["role"] for message in sent]
    assert all(roles[i] != roles[i + 1] for i in range(len(roles) - 1))  # the turns that met were joined


def test_option1_gives_an_empty_tool_result_a_placeholder(claude, option):
    cleaned = option[1]["clean_messages"](BROKEN["empty text next to tool_use"][0])
    claude(cleaned)
    sent = messages_api.bodies[-1]["messages"]
    assert sent[1]["content"] == [TOOL_USE]  # the tool_use stays, without the empty text
    assert sent[2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_01",
        "content": option[1]["PLACEHOLDER"],
    }
    # the result first, the question after it
    assert sent[2]["content"][1] == {"type": "text", "text": FOLLOW_UP}


def test_option1_cleans_the_system_prompt(claude, option):
    system = option[1]["clean_system"]([{"type": "text", "text": ""}, {"type": "text", "text": " "}])
    assert system is None
    claude([{"role": "user", "content": QUESTION}], system=system)
    assert "system" not in messages_api.bodies[-1]
    kept = option[1]["clean_system"]([{"type": "text", "text": ""}, {"type": "text", "text": "Be brief."}])
    claude([{"role": "user", "content": QUESTION}], system=kept)
    assert messages_api.bodies[-1]["system"] == [{"type": "text", "text": "Be brief."}]


def test_option1_refuses_a_blank_last_user_message_before_sending(claude, option):
    sent_before = len(messages_api.bodies)
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "391"}]
    for blank in ("", "   ", [{"type": "text", "text": "\n"}]):
        with pytest.raises(ValueError, match="empty"):
            option[1]["clean_messages"]([*history, {"role": "user", "content": blank}])
    assert len(messages_api.bodies) == sent_before


CALC_TOOL = {"name": "calc", "description": "Evaluate", "input_schema": {"type": "object", "properties": {}}}


def test_option1_cleans_a_reply_stored_as_response_content(claude, option):
    """The tool-use loop stores `response.content` (SDK objects); Claude's empty TextBlock in it is a 400."""
    reply = claude([{"role": "user", "content": QUESTION}], tools=[CALC_TOOL])
    assert reply.content[0].type == "text" and reply.content[0].text == ""  # as the SDK hands it over
    history = [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": reply.content},
        RESULT,
        {"role": "user", "content": FOLLOW_UP},
    ]
    with pytest.raises(claude.error) as info:
        claude(history)
    assert str(info.value) == sdk_text(EMPTY_BLOCK)

    assert claude(option[1]["clean_messages"](history)).content[0].text == "OK"
    sent = messages_api.bodies[-1]["messages"]
    assert sent[1]["content"] == [TOOL_USE]  # the tool call stays, the empty text goes
    assert user_texts(sent) == [QUESTION, FOLLOW_UP]


def test_option1_cleans_bedrock_converse_blocks(option):
    clean_messages = option[1]["clean_messages"]
    converse = [
        {"role": "user", "content": [{"text": QUESTION}]},
        {
            "role": "assistant",
            "content": [{"text": ""}, {"toolUse": {"toolUseId": "t1", "name": "calc", "input": {}}}],
        },
        {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": ""}]}}]},
        {"role": "assistant", "content": [{"text": "  "}]},
        {"role": "user", "content": [{"text": FOLLOW_UP}]},
    ]
    assert clean_messages(converse) == [
        {"role": "user", "content": [{"text": QUESTION}]},
        {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "calc", "input": {}}}]},
        {
            "role": "user",
            "content": [
                {"toolResult": {"toolUseId": "t1", "content": [{"text": option[1]["PLACEHOLDER"]}]}},
                {"text": FOLLOW_UP},
            ],
        },
    ]


# --- Option 2: OpenAI-style history converted for Claude ----------------------------------------------------
OPENAI_HISTORY = [
    {"role": "system", "content": ""},
    {"role": "user", "content": "List the files in /tmp"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": '{"path": "/tmp"}'}}
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": ""},
    {"role": "user", "content": "Thanks. Now /var?"},
]


def naive_to_anthropic(messages: list[dict]) -> tuple[list[dict], list[dict]]:
    """What a careless proxy does: every content becomes a text block, '' included."""
    system = [{"type": "text", "text": m["content"]} for m in messages if m["role"] == "system"]
    out = []
    for m in messages:
        if m["role"] == "system":
            continue
        if m["role"] == "tool":
            block = {"type": "tool_result", "tool_use_id": m["tool_call_id"], "content": m["content"]}
            out.append({"role": "user", "content": [block]})
            continue
        blocks = [{"type": "text", "text": m["content"] or ""}]
        for call in m.get("tool_calls") or []:
            blocks.append(
                {"type": "tool_use", "id": call["id"], "name": call["function"]["name"], "input": {}}
            )
        out.append({"role": m["role"], "content": blocks})
    return system, out


def test_option2_converts_what_a_naive_proxy_breaks(claude, option):
    system, messages = naive_to_anthropic(OPENAI_HISTORY)
    with pytest.raises(claude.error) as info:
        claude(messages, system=system)
    assert str(info.value) == sdk_text(EMPTY_SYSTEM)
    with pytest.raises(claude.error) as info:
        claude(messages)
    assert str(info.value) == sdk_text(EMPTY_BLOCK)

    system, messages = option[2]["to_anthropic"](OPENAI_HISTORY)
    assert system == []
    claude(messages, system=system)
    sent = messages_api.bodies[-1]["messages"]
    assert user_texts(sent) == ["List the files in /tmp", "Thanks. Now /var?"]
    assert blocks_of(sent, "tool_use") == [
        {"type": "tool_use", "id": "call_1", "name": "ls", "input": {"path": "/tmp"}}
    ]
    assert blocks_of(sent, "tool_result")[0]["content"] == option[2]["PLACEHOLDER"]

    with pytest.raises(ValueError, match="empty"):
        option[2]["to_anthropic"](
            [*OPENAI_HISTORY, {"role": "assistant", "content": "ok"}, {"role": "user", "content": " "}]
        )


IMAGE_URL = "data:image/png;base64,iVBORw0KGgo="
IMAGE_BLOCK = {
    "type": "image",
    "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
}


def test_option2_keeps_the_user_s_images_and_tool_output_as_they_are(claude, option):
    to_anthropic = option[2]["to_anthropic"]
    image = {"type": "image_url", "image_url": {"url": IMAGE_URL}}
    history = [
        {"role": "developer", "content": "Answer in one line."},
        {"role": "user", "content": [{"type": "text", "text": "What is this?"}, image]},
        {"role": "assistant", "content": "A cat."},
        {"role": "user", "content": [image]},  # a picture sent without words
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
        },
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": {"url": "https://example.com/dog.png"}}],
        },
    ]
    system, messages = to_anthropic(history)
    claude(messages, system=system)
    sent = messages_api.bodies[-1]
    assert sent["system"] == [{"type": "text", "text": "Answer in one line."}]
    assert sent["messages"][0]["content"] == [{"type": "text", "text": "What is this?"}, IMAGE_BLOCK]
    assert sent["messages"][2]["content"] == [IMAGE_BLOCK]  # not dropped, and its turn not merged away
    assert sent["messages"][4]["content"][0]["content"] == [
        {"type": "text", "text": "a"},
        {"type": "text", "text": "b"},
    ]
    assert sent["messages"][4]["content"][1] == {
        "type": "image",
        "source": {"type": "url", "url": "https://example.com/dog.png"},
    }
    audio = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
    with pytest.raises(ValueError, match="input_audio"):  # what it cannot convert is refused, not lost
        to_anthropic([{"role": "user", "content": [{"type": "text", "text": "Listen"}, audio]}])


# --- Option 3: the user's input -----------------------------------------------------------------------------
def test_option3_refuses_blank_input_and_sends_an_image_alone(claude, option):
    user_turn, empty = option[3]["user_turn"], option[3]["EmptyMessage"]
    for blank in ("", "  ", "\n\t"):
        with pytest.raises(empty):
            user_turn(blank)
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
    with pytest.raises(claude.error) as info:  # the image with an empty text block next to it
        claude([{"role": "user", "content": [image, {"type": "text", "text": ""}]}])
    assert str(info.value) == sdk_text(EMPTY_BLOCK)
    claude([user_turn("", [image])])
    assert messages_api.bodies[-1]["messages"][0]["content"] == [image]
    claude([user_turn("  Summarise this  ")])
    assert user_texts(messages_api.bodies[-1]["messages"]) == ["  Summarise this  "]


# --- Option 4: Gemini ----------------------------------------------------------------------------------------
def gemini_api(request):
    body = request.json()
    gemini_api.bodies.append(body)
    for i, content in enumerate(body.get("contents", [])):
        if not content.get("parts"):
            return 400, error_body(GEMINI_EMPTY_PARTS.format(i=i))
    for content in body.get("contents", []):
        if any(part.get("text") == "" for part in content["parts"]):
            return 400, error_body(GEMINI_EMPTY_TEXT)
    return 200, {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "OK"}]}, "finishReason": "STOP"}]
    }


def error_body(message: str) -> dict:
    return {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}


gemini_api.bodies = []


@pytest.fixture(scope="module")
def gemini_url():
    with json_server(gemini_api) as base:
        yield base


@pytest.fixture
def gemini(gemini_url, monkeypatch):
    client = genai_client(gemini_url, monkeypatch)
    from google.genai import errors, types  # importable: genai_client checked

    def send(contents):
        return client.models.generate_content(model="gemini-2.5-flash", contents=contents)

    send.error, send.types = errors.ClientError, types
    return send


GEMINI_BROKEN = [
    # a model turn stored without parts
    (
        [
            {"role": "user", "parts": [{"text": "Name a prime number."}]},
            {"role": "model", "parts": []},
            {"role": "user", "parts": [{"text": "Another one?"}]},
        ],
        GEMINI_EMPTY_PARTS.format(i=1),
    ),
    # an empty text part next to the user's question
    ([{"role": "user", "parts": [{"text": ""}, {"text": "Another one?"}]}], GEMINI_EMPTY_TEXT),
]


@pytest.mark.parametrize(("contents", "message"), GEMINI_BROKEN)
def test_gemini_empty_parts_are_400s_and_option4_fixes_them(gemini, entry, option, contents, message):
    with pytest.raises(gemini.error) as info:
        gemini(contents)
    line = f"google.genai.errors.ClientError: {info.value}"
    assert line in entry.errors
    assert message.strip() in line

    cleaned = option[4]["clean_contents"](contents)
    assert gemini(cleaned).text == "OK"
    sent = gemini_api.bodies[-1]["contents"]
    texts = [p["text"] for c in contents for p in c["parts"] if p.get("text", "").strip()]
    assert [p["text"] for c in sent for p in c["parts"]] == texts


def test_option4_reads_types_content_and_refuses_a_blank_question(gemini, option):
    types = gemini.types
    history = [
        types.Content(role="user", parts=[types.Part(text="Name a prime number.")]),
        types.Content(role="model", parts=[types.Part(text="")]),
        types.Content(role="user", parts=[types.Part(text="Another one?")]),
    ]
    with pytest.raises(gemini.error):
        gemini(history)
    cleaned = option[4]["clean_contents"]([c.model_dump(exclude_none=True) for c in history])
    assert gemini(cleaned).text == "OK"
    with pytest.raises(ValueError, match="empty"):
        option[4]["clean_contents"]([{"role": "user", "parts": [{"text": " "}]}])
