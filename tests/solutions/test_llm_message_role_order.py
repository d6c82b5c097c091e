"""Verified fix for solutions/llm-message-role-order.md: chat histories in an order the model refuses, then reordered.

What runs for real, offline:
- Two published chat templates, google/gemma-7b-it and mistralai/Mistral-7B-Instruct-v0.1 (copied from
  huggingface/text-generation-inference router/src/infer/chat_template.rs, test_chat_templates), rendered with the
  project's jinja2 the way transformers' apply_chat_template renders them (utils/chat_template_utils.py:
  ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) and a `raise_exception` global that raises
  jinja2.exceptions.TemplateError). An alternating history renders to TGI's expected Gemma output, so the rendering
  is faithful; the broken histories end a real traceback with the entry's `jinja2.exceptions.TemplateError: ...` lines.
- A local OpenAI-compatible server that renders the Gemma template for each request and reports a template error the
  way vLLM's server does (ValueError(str(e)) from e, then f"{e} {e.__cause__}" as a 400 BadRequestError): the real
  openai 3.63.0 SDK raises the entry's line word for word.
- google-genai 3.6.1's own `chats.create(history=...)` check (no server): `ValueError: Role must be user or model, ...`.
- Local stand-ins for the Claude Messages API and Gemini generateContent that check the order the way the providers'
  400s in the entry's sources show (first turn the user's, turns alternate, no final assistant turn) and answer with
  their error bodies: the real anthropic 2.17.0 and google-genai 3.6.1 SDKs raise the entry's lines (the Claude prefill
  line in 2.17.0's own format; the two older Claude texts are checked as texts, since the old SDK format cannot come
  from 2.17.0).
Then the entry's own code runs against all of them: Option 1 (fix_roles and its adapters) makes every history
acceptable and every user text arrives, in order; Option 2 names the template's error and sees the fixed history
pass; Option 3 trims a long history so it starts with the user.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from fake_http import (
    anthropic_client,
    chat_completion,
    claude_error,
    claude_message,
    genai_client,
    json_server,
)
from pyrun import last_line, run_python, script_names

from app.corpus.entries import parse_entry

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
SLUG = "llm-message-role-order"
REQUEST_ID = "req_011CXXXX"

# google/gemma-7b-it, as in TGI's chat_template.rs (the Rust "\\n" is a backslash-n inside the template, as in the
# repo's tokenizer_config.json; jinja2 reads it as a newline in the string literal)
GEMMA_7B_IT = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}"
    "{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}"
)
# mistralai/Mistral-7B-Instruct-v0.1, as in the same file
MISTRAL_V01 = (
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
)
TOKENS = {"bos_token": "<bos>", "eos_token": "<eos>"}

# what transformers does in utils/chat_template_utils.py, reduced to what these templates use
RENDER = """
import json, sys
import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.globals["raise_exception"] = raise_exception
template, messages, tokens = json.loads(sys.stdin.read() if len(sys.argv) < 2 else sys.argv[1])
print(env.from_string(template).render(messages=messages, add_generation_prompt=True, **tokens), end="")
"""

SYSTEM = "Answer in one line."
QUESTION = "What is 17 * 23?"
MORE = "Show the steps."
GREETING = "Hi! What can I do for you?"

HISTORIES = {
    # context and question sent as two user turns
    "two user turns": [{"role": "user", "content": QUESTION}, {"role": "user", "content": MORE}],
    # a memory window that starts at the model's reply
    "first turn the assistant's": [
        {"role": "assistant", "content": GREETING},
        {"role": "user", "content": QUESTION},
    ],
    # OpenAI-style code with a system prompt, sent to Gemma
    "a system message": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}],
    # a framework that inserts an instruction mid-conversation
    "a system message later": [
        {"role": "user", "content": QUESTION},
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": MORE},
    ],
}


@pytest.fixture(scope="module")
def entry():
    return parse_entry(SOLUTIONS / f"{SLUG}.md")


@pytest.fixture
def option(fix_code):
    """The names each fix option's code defines, read from the entry (`option[1]["fix_roles"]`)."""
    return {n: script_names(fix_code(SLUG, n)) for n in (1, 2, 3)}


def render(template: str, messages: list[dict], cwd) -> tuple[int, str, str]:
    """Render in a fresh interpreter, as transformers does: (exit code, output, the traceback's last line)."""
    result = run_python(RENDER, cwd=cwd, args=[json.dumps([template, messages, TOKENS])])
    return result.returncode, result.stdout, (last_line(result) if result.returncode else "")


def user_texts(messages: list[dict]) -> str:
    """All user text in order, as one string (merged turns join with blank lines)."""
    texts = []
    for m in messages:
        if m["role"] == "user":
            c = m.get("content", m.get("parts"))
            texts.append(c if isinstance(c, str) else "\n\n".join(b.get("text", "") for b in c))
    return "\n\n".join(texts)


# --- the chat templates --------------------------------------------------------------------------------------
def test_the_template_renders_as_tgi_expects_for_an_alternating_history(tmp_path):
    history = [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi there"},
        {"role": "user", "content": "Who are you"},
        {"role": "assistant", "content": "   I am an assistant   "},
        {"role": "user", "content": "Another question"},
    ]
    code, out, _ = render(GEMMA_7B_IT, history, tmp_path)
    assert code == 0
    assert out == (  # TGI's expected output for google/gemma-7b-it
        "<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n"
        "<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n"
        "<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n"
    )


@pytest.mark.parametrize(
    ("template", "case", "line"),
    [
        (GEMMA_7B_IT, "two user turns", 0),
        (GEMMA_7B_IT, "first turn the assistant's", 0),
        (GEMMA_7B_IT, "a system message", 1),
        (MISTRAL_V01, "two user turns", 0),
        (MISTRAL_V01, "a system message", 0),
        (MISTRAL_V01, "a system message later", 2),
    ],
)
def test_published_templates_refuse_the_order_with_the_entry_s_words(entry, tmp_path, template, case, line):
    code, _, error = render(template, HISTORIES[case], tmp_path)
    assert code == 1
    assert error == entry.errors[line]


@pytest.mark.parametrize("case", list(HISTORIES))
@pytest.mark.parametrize("template", [GEMMA_7B_IT, MISTRAL_V01])
def test_option1_makes_each_history_render_and_keeps_the_user_s_text(option, tmp_path, template, case):
    messages = HISTORIES[case]
    before = json.dumps(messages)
    fixed = option[1]["for_chat_template"](messages, system_role=False)
    assert json.dumps(messages) == before  # the stored history is untouched
    code, out, error = render(template, fixed, tmp_path)
    assert code == 0, error
    for m in messages:
        if m["role"] in ("user", "system"):
            assert m["content"] in out  # every user text and the system prompt reach the prompt
    assert out.index(QUESTION) < (out.index(MORE) if MORE in out else len(out))


def test_option1_refuses_a_history_that_ends_with_the_assistant(option):
    for_chat_template = option[1]["for_chat_template"]
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "391"}]
    with pytest.raises(ValueError, match="ends with an assistant turn"):
        for_chat_template(history)
    assert for_chat_template(history, allow_prefill=True)[-1] == history[-1]
    with pytest.raises(ValueError, match="no user message"):
        for_chat_template([{"role": "system", "content": SYSTEM}])


def test_option1_leaves_tool_turns_alone_and_merges_block_lists(option):
    fix_roles = option[1]["fix_roles"]
    call = {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
    history = [
        {"role": "user", "content": "List /tmp"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "a.txt"},
        {"role": "tool", "tool_call_id": "call_1", "content": "b.txt"},
        {"role": "user", "content": [{"type": "text", "text": "And"}]},
        {"role": "user", "content": "/var?"},
    ]
    system, turns = fix_roles(history)
    assert system == ""
    assert turns[:4] == history[:4]  # the call and both results, as they were
    assert turns[4] == {
        "role": "user",
        "content": [{"type": "text", "text": "And"}, {"type": "text", "text": "/var?"}],
    }


# --- a vLLM-style server rendering the template --------------------------------------------------------------
def vllm_like(request):
    """Render the request's messages with the Gemma template; a template error is a 400 as vLLM reports it."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    body = request.json()
    vllm_like.bodies.append(body)
    try:
        try:
            env.from_string(GEMMA_7B_IT).render(
                messages=body["messages"], add_generation_prompt=True, **TOKENS
            )
        except Exception as e:  # vllm entrypoints/chat_utils.py safe_apply_chat_template
            raise ValueError(str(e)) from e
    except (ValueError, TypeError, RuntimeError, jinja2.TemplateError) as e:  # serving_chat.py
        error = {"message": f"{e} {e.__cause__}", "type": "BadRequestError", "param": None, "code": 400}
        return 400, {"error": error}
    return 200, chat_completion("391", model=body["model"])


vllm_like.bodies = []


@pytest.fixture(scope="module")
def vllm_url():
    with json_server(vllm_like) as base:
        yield base


@pytest.fixture
def openai_chat(vllm_url, monkeypatch):
    try:
        import openai
    except ImportError:
        pytest.fail("needs the openai SDK (the project's dev extra installs it)")
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("no_proxy", "*")
    client = openai.OpenAI(api_key="test", base_url=f"{vllm_url}/v1", max_retries=0)

    def send(messages):
        return client.chat.completions.create(model="google/gemma-7b-it", messages=messages)

    send.error = openai.BadRequestError
    return send


def test_a_vllm_style_server_returns_the_template_error_twice_and_option1_fixes_it(
    entry, option, openai_chat
):
    with pytest.raises(openai_chat.error) as info:
        openai_chat(HISTORIES["two user turns"])
    assert f"openai.BadRequestError: {info.value}" == entry.errors[3]

    messages = [{"role": "system", "content": SYSTEM}, *HISTORIES["two user turns"]]
    reply = openai_chat(option[1]["for_chat_template"](messages, system_role=False))
    assert reply.choices[0].message.content == "391"
    assert user_texts(vllm_like.bodies[-1]["messages"]) == f"{SYSTEM}\n\n{QUESTION}\n\n{MORE}"


# --- Claude ---------------------------------------------------------------------------------------------------
FIRST_USER = 'messages: first message must use the "user" role'
ALTERNATE = 'messages: roles must alternate between "user" and "assistant", but found multiple "{role}" roles in a row'
PREFILL = (
    "This model does not support assistant message prefill. The conversation must end with a user message."
)


def claude_problem(body: dict) -> str | None:
    roles = [m["role"] for m in body["messages"]]
    if roles[0] != "user":
        return FIRST_USER
    for a, b in itertools.pairwise(roles):
        if a == b:
            return ALTERNATE.format(role=a)
    if roles[-1] == "assistant":
        return PREFILL
    return None


def messages_api(request):
    body = request.json()
    messages_api.bodies.append(body)
    headers = [("request-id", REQUEST_ID)]
    problem = claude_problem(body)
    if problem:
        return 400, claude_error(problem, REQUEST_ID), headers
    return 200, claude_message(body["model"], [{"type": "text", "text": "391"}], "end_turn"), headers


messages_api.bodies = []


@pytest.fixture(scope="module")
def claude_url():
    with json_server(messages_api) as base:
        yield base


@pytest.fixture
def claude(claude_url, monkeypatch):
    client = anthropic_client(claude_url, monkeypatch)
    import anthropic  # importable: anthropic_client checked

    def send(**kwargs):
        return client.messages.create(model="claude-sonnet-5", max_tokens=64, **kwargs)

    send.error = anthropic.BadRequestError
    return send


CLAUDE_BROKEN = {
    "two user turns": (HISTORIES["two user turns"], ALTERNATE.format(role="user")),
    "two assistant turns": (
        [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "391"},
            {"role": "assistant", "content": "(17 * 20 + 17 * 3)"},
            {"role": "user", "content": MORE},
        ],
        ALTERNATE.format(role="assistant"),
    ),
    "first turn the assistant's": (HISTORIES["first turn the assistant's"], FIRST_USER),
}


@pytest.mark.parametrize("case", list(CLAUDE_BROKEN))
def test_claude_order_errors_and_option1(entry, option, claude, case):
    messages, text = CLAUDE_BROKEN[case]
    with pytest.raises(claude.error) as info:
        claude(messages=messages)
    assert (
        str(info.value)
        == f"400 {text} (request_id: {REQUEST_ID}, path: /v1/messages, type: invalid_request_error)"
    )
    assert any(text in line or json.dumps(text)[1:-1] in line for line in entry.errors)

    history = [{"role": "system", "content": SYSTEM}, *messages]
    assert claude(**option[1]["for_anthropic"](history)).content[0].text == "391"
    sent = messages_api.bodies[-1]
    assert sent["system"] == SYSTEM
    assert user_texts(sent["messages"]).endswith(user_texts(messages))


def test_claude_prefill_refusal_is_the_entry_s_line_and_option1_refuses_to_send_it(entry, option, claude):
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "391"}]
    with pytest.raises(claude.error) as info:
        claude(messages=history)
    assert f"anthropic.BadRequestError: {info.value}" in entry.errors
    sent_before = len(messages_api.bodies)
    with pytest.raises(ValueError, match="append the user's next message"):
        option[1]["for_anthropic"](history)
    assert len(messages_api.bodies) == sent_before
    follow_up = [*history, {"role": "user", "content": MORE}]
    assert claude(**option[1]["for_anthropic"](follow_up)).content[0].text == "391"


def test_option3_trimmed_window_starts_with_the_user(option, claude):
    trim_history = option[3]["trim_history"]
    history = [{"role": "system", "content": SYSTEM}]
    for n in range(1, 6):
        history += [
            {"role": "user", "content": f"question {n}"},
            {"role": "assistant", "content": f"answer {n}"},
        ]
    history.append({"role": "user", "content": "question 6"})
    naive = history[:1] + history[-4:]
    with pytest.raises(claude.error, match="first message must use"):
        claude(system=SYSTEM, messages=naive[1:])
    for keep in range(1, 12):
        kept = trim_history(history, keep)
        assert kept[0]["role"] == "system" and kept[1]["role"] == "user"
        assert kept[-1] == history[-1]
        assert claude(**option[1]["for_anthropic"](kept)).content[0].text == "391"
    # tool results never open the window: their call would be cut off
    tool_history = [
        {"role": "user", "content": "List /tmp"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "ls", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a.txt"}]},
        {"role": "assistant", "content": "One file."},
        {"role": "user", "content": "Thanks"},
    ]
    assert trim_history(tool_history, 3) == tool_history[-1:]
    assert trim_history(tool_history, 4) == tool_history[-1:]
    assert trim_history(tool_history, 5) == tool_history


# --- Gemini ---------------------------------------------------------------------------------------------------
ALTERNATE_MODEL = "Please ensure that multiturn requests alternate between user and model."
ENDS_WITH_USER = "Please ensure that multiturn requests ends with a user role or a function response."
CALL_AFTER_USER = "Please ensure that function call turn comes immediately after a user turn or after a function response turn."


def gemini_api(request):
    body = request.json()
    gemini_api.bodies.append(body)
    roles = [c.get("role", "user") for c in body["contents"]]
    calls = [i for i, c in enumerate(body["contents"]) if any("functionCall" in p for p in c["parts"])]
    problem = None
    if any(i == 0 or roles[i - 1] != "user" for i in calls):  # a function response is a user turn here
        problem = CALL_AFTER_USER
    elif any(a == b for a, b in itertools.pairwise(roles)):
        problem = ALTERNATE_MODEL
    elif roles[-1] != "user":
        problem = ENDS_WITH_USER
    if problem:
        return 400, {"error": {"code": 400, "message": problem, "status": "INVALID_ARGUMENT"}}
    return 200, {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "391"}]}, "finishReason": "STOP"}]
    }


gemini_api.bodies = []


@pytest.fixture(scope="module")
def gemini_url():
    with json_server(gemini_api) as base:
        yield base


@pytest.fixture
def gemini(gemini_url, monkeypatch):
    client = genai_client(gemini_url, monkeypatch)
    from google.genai import errors, types  # importable: genai_client checked

    def send(contents, system=None):
        config = types.GenerateContentConfig(system_instruction=system) if system else None
        return client.models.generate_content(model="gemini-2.5-flash", contents=contents, config=config)

    send.error, send.client = errors.ClientError, client
    return send


def test_gemini_alternation_error_is_the_entry_s_line_and_option1_fixes_it(entry, option, gemini):
    contents = [
        {"role": "user", "parts": [{"text": QUESTION}]},
        {"role": "user", "parts": [{"text": MORE}]},
    ]
    with pytest.raises(gemini.error) as info:
        gemini(contents)
    assert f"google.genai.errors.ClientError: {info.value}" in entry.errors

    history = [
        {"role": "system", "content": SYSTEM},
        {"role": "assistant", "content": GREETING},
        {"role": "user", "content": QUESTION},
        {"role": "user", "content": MORE},
    ]
    system, fixed = option[1]["for_gemini"](history)
    assert gemini(fixed, system=system).text == "391"
    sent = gemini_api.bodies[-1]
    assert sent["systemInstruction"]["parts"][0]["text"] == SYSTEM
    assert [c["role"] for c in sent["contents"]] == ["user", "model", "user"]
    assert sent["contents"][-1]["parts"] == [{"text": f"{QUESTION}\n\n{MORE}"}]


def test_gemini_last_model_turn_is_refused_and_option1_will_not_send_it(entry, option, gemini):
    contents = [
        {"role": "user", "parts": [{"text": QUESTION}]},
        {"role": "model", "parts": [{"text": "391"}]},
    ]
    with pytest.raises(gemini.error) as info:
        gemini(contents)
    assert ENDS_WITH_USER in str(info.value)
    assert ENDS_WITH_USER in entry.errors
    with pytest.raises(ValueError, match="ends with an assistant turn"):
        option[1]["for_gemini"](
            [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "391"}]
        )
    with pytest.raises(ValueError, match="inline_data"):  # an image is refused, not dropped
        option[1]["for_gemini"](
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]
        )


def gemini_contents(turns: list[dict]) -> list[dict]:
    """OpenAI-style turns with tool calls as Gemini contents (the converter the entry leaves to the caller)."""
    contents = []
    for t in turns:
        if t["role"] == "tool":
            part = {"functionResponse": {"name": "ls", "response": {"result": t["content"]}}}
            contents.append({"role": "user", "parts": [part]})
        elif t.get("tool_calls"):
            calls = [{"functionCall": {"name": c["function"]["name"], "args": {}}} for c in t["tool_calls"]]
            contents.append({"role": "model", "parts": calls})
        else:
            contents.append(
                {"role": "model" if t["role"] == "assistant" else "user", "parts": [{"text": t["content"]}]}
            )
    return contents


def test_gemini_function_call_turn_error_is_this_entry_s_and_options_1_and_3_fix_it(entry, option, gemini):
    assert CALL_AFTER_USER in entry.errors and CALL_AFTER_USER not in entry.not_errors
    assert "Requests ending with a model turn are not supported." in entry.errors
    call = {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
    history = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "List /tmp"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "a.txt"},
        {"role": "assistant", "content": "One file."},
        {"role": "user", "content": QUESTION},
    ]
    # a window cut at the call (the system prompt goes to system_instruction): every tool result is there
    cut = history[2:]
    with pytest.raises(gemini.error) as info:
        gemini(gemini_contents(cut), system=SYSTEM)
    assert CALL_AFTER_USER in str(info.value)
    _, turns = option[1]["fix_roles"](cut)
    assert turns[1:] == cut  # a user turn goes first, the call and its result stay as they were
    assert gemini(gemini_contents(turns), system=SYSTEM).text == "391"
    kept = option[3]["trim_history"](history, 4)
    assert kept[1]["role"] == "user"  # the window starts at a user turn, never at the call
    assert gemini(gemini_contents(option[1]["fix_roles"](kept)[1]), system=SYSTEM).text == "391"
    # two user turns before the call: merged, nothing dropped
    doubled = [{"role": "user", "content": QUESTION}, {"role": "user", "content": MORE}, *history[2:4]]
    _, turns = option[1]["fix_roles"](doubled)
    assert turns[0] == {"role": "user", "content": f"{QUESTION}\n\n{MORE}"} and turns[1:] == history[2:4]
    assert gemini(gemini_contents(turns)).text == "391"


def test_google_genai_chats_refuse_openai_role_names_and_option1_history_is_taken(entry, option, gemini):
    openai_style = [
        {"role": "user", "parts": [{"text": QUESTION}]},
        {"role": "assistant", "parts": [{"text": "391"}]},
    ]
    with pytest.raises(ValueError) as info:
        gemini.client.chats.create(model="gemini-2.5-flash", history=openai_style)
    assert f"ValueError: {info.value}" in entry.errors

    _system, contents = option[1]["for_gemini"](
        [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "391"},
            {"role": "user", "content": MORE},
        ]
    )
    chat = gemini.client.chats.create(model="gemini-2.5-flash", history=contents[:-1])
    assert [c.role for c in chat.get_history()] == ["user", "model"]


# --- Option 2 -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", list(HISTORIES))
def test_option2_names_the_template_s_error_and_passes_the_fixed_history(entry, option, tmp_path, case):
    template_problem = option[2]["template_problem"]
    messages = HISTORIES[case]
    for template in (GEMMA_7B_IT, MISTRAL_V01):  # the same verdict as a real render, template by template
        problem = template_problem(template, messages, **TOKENS)
        _, _, traceback_line = render(template, messages, tmp_path)
        assert traceback_line == (f"jinja2.exceptions.TemplateError: {problem}" if problem else "")
    # Gemma lets a later system message through (it sits where an assistant turn would); Mistral v0.1 does not
    assert (template_problem(GEMMA_7B_IT, messages, **TOKENS) is None) == (case == "a system message later")
    assert template_problem(MISTRAL_V01, messages, **TOKENS) is not None
    fixed = option[1]["for_chat_template"](messages, system_role=False)
    assert template_problem(GEMMA_7B_IT, fixed, **TOKENS) is None
    assert template_problem(MISTRAL_V01, fixed, **TOKENS) is None


def test_the_entry_s_demos_run(fix_code, tmp_path):
    for n in (1, 2, 3):
        result = run_python(fix_code(SLUG, n), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    demo2 = run_python(fix_code(SLUG, 2), cwd=tmp_path).stdout
    assert "as sent: System role not supported" in demo2
    assert "system folded in, turns merged: None" in demo2
    demo3 = run_python(fix_code(SLUG, 3), cwd=tmp_path).stdout.splitlines()
    assert demo3 == [
        "['system', 'assistant', 'user', 'assistant', 'user']",
        "['system', 'user', 'assistant', 'user']",
    ]
