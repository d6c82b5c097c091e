"""Verified fix for solutions/openai-json-mode-needs-json-word.md.

The real openai 3.63.0 client (from this venv) talks to a local server on 127.0.0.1 that enforces
OpenAI's JSON-mode rule: a chat request with response_format {"type": "json_object"} and no message
containing "json" (any case) gets 400 with the body OpenAI sends (meta-llama/PurpleLlama#94,
ultimatejimmy/xray.koplugin#33); a Responses request with text.format json_object and no input
message containing it gets the Responses body (param 'text.format'; `instructions` do not count, as
public reports say); everything else gets a reply. The SDK's exception text is the entry's
signature (openai >= 3.38 prints only the error's message, _base_client.py
_make_status_error_from_response), the entry's Option 1 helpers make the same requests pass, and
Option 2's `chat.completions.parse` sends json_schema, which the rule does not cover.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fake_http import chat_completion, json_server
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"

SLUG = "openai-json-mode-needs-json-word"
MODEL = "gpt-4.1-mini"
CHAT_MESSAGE = (
    "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
)
RESPONSES_MESSAGE = (
    "Response input messages must contain the word 'json' in some form to use 'text.format' of type "
    "'json_object'."
)
DEEPSEEK_MESSAGE = (
    "Prompt must contain the word 'json' in some form to use 'response_format' of type 'json_object'."
)
REPLY_JSON = '{"city": "Lyon", "country": "France"}'


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _says_json(items) -> bool:
    return any("json" in _text(m.get("content")).lower() for m in items if isinstance(m, dict))


class FakeOpenAI:
    """Answers /chat/completions and /responses like the API, with the JSON-mode check in front."""

    def __init__(self, chat_error: str = CHAT_MESSAGE):
        self.chat_error = chat_error
        self.bodies: list[dict] = []

    def __call__(self, request):
        body = request.json()
        self.bodies.append(body)
        if request.path.endswith("/chat/completions"):
            if (body.get("response_format") or {}).get("type") == "json_object" and not _says_json(
                body["messages"]
            ):
                return 400, self._error(self.chat_error, "messages")
            return 200, chat_completion(REPLY_JSON, body["model"], refusal=None)
        if request.path.endswith("/responses"):
            items = body["input"]
            items = [{"role": "user", "content": items}] if isinstance(items, str) else items
            fmt = ((body.get("text") or {}).get("format") or {}).get("type")
            if fmt == "json_object" and not _says_json(items):  # `instructions` are not looked at
                return 400, self._error(RESPONSES_MESSAGE, "text.format")
            return 200, {
                "id": "resp_1",
                "object": "response",
                "created_at": 0,
                "model": body["model"],
                "status": "completed",
                "parallel_tool_calls": False,
                "tool_choice": "auto",
                "tools": [],
                "output": [
                    {
                        "type": "message",
                        "id": "msg_1",
                        "role": "assistant",
                        "status": "completed",
                        "content": [{"type": "output_text", "text": REPLY_JSON, "annotations": []}],
                    }
                ],
            }
        return 404, {"error": {"message": "not found"}}

    @staticmethod
    def _error(message: str, param: str) -> dict:
        return {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": param,
                "code": None,
            }
        }


@pytest.fixture
def api():
    """Start a fake API: (base URL for the client, the fake holding the request bodies it got)."""
    servers = []

    def start(**kwargs):
        fake = FakeOpenAI(**kwargs)
        ctx = json_server(fake)
        servers.append(ctx)
        return ctx.__enter__() + "/v1", fake

    yield start
    for ctx in servers:
        ctx.__exit__(None, None, None)


def run_client(code: str, base: str, tmp_path, prelude: str = ""):
    script = (
        prelude
        + f"\nimport openai\nclient = openai.OpenAI(base_url={base!r}, api_key='sk-test', max_retries=0)\n"
        + code
    )
    return run_python(script, cwd=tmp_path, env={"NO_PROXY": "*", "no_proxy": "*"}, timeout=120)


NO_JSON_MESSAGES = [
    {"role": "system", "content": "You extract the city and country from the user's text."},
    {"role": "user", "content": "I flew to Lyon last week."},
]
CHAT_CALL = f"""
messages = {NO_JSON_MESSAGES!r}
try:
    reply = client.chat.completions.create(model="{MODEL}", messages=messages, response_format={{"type": "json_object"}})
except openai.BadRequestError as err:
    print("PARAM", err.param, "CODE", err.code, "STATUS", err.status_code)
    raise
print("REPLY", reply.choices[0].message.content)
"""


def entry_errors() -> tuple[str, ...]:
    return parse_entry(SOLUTIONS / f"{SLUG}.md").errors


def test_chat_json_mode_without_the_word_raises_the_entry_s_signature(api, tmp_path):
    base, fake = api()
    result = run_client(CHAT_CALL, base, tmp_path)
    assert result.returncode == 1
    line = last_line(result)
    assert line == f"openai.BadRequestError: Error code: 400 - {CHAT_MESSAGE}"
    assert line in entry_errors()
    assert "PARAM messages CODE None STATUS 400" in result.stdout
    assert len(fake.bodies) == 1 and fake.bodies[0]["response_format"] == {"type": "json_object"}


def test_deepseek_wording_prints_as_the_entry_says(api, tmp_path):
    base, _ = api(chat_error=DEEPSEEK_MESSAGE)
    line = last_line(run_client(CHAT_CALL, base, tmp_path))
    assert line == f"openai.BadRequestError: Error code: 400 - {DEEPSEEK_MESSAGE}"
    assert line in entry_errors()


def test_responses_api_json_object_prints_the_responses_wording(api, tmp_path):
    base, _ = api()
    code = f"""
client.responses.create(model="{MODEL}", instructions="Answer in JSON.", input="I flew to Lyon last week.",
                        text={{"format": {{"type": "json_object"}}}})
"""
    line = last_line(run_client(code, base, tmp_path))
    assert line == f"openai.BadRequestError: Error code: 400 - {RESPONSES_MESSAGE}"
    assert line in entry_errors()


@pytest.fixture
def option1(fix_code) -> dict:
    namespace: dict = {"__name__": "entry_option_1"}
    exec(compile(fix_code(SLUG, 1), f"{SLUG}.md option 1", "exec"), namespace)
    return namespace


def _option1_prelude(fix_code) -> str:
    return fix_code(SLUG, 1).split('if __name__ == "__main__":')[0]


def test_option1_create_json_gets_the_same_request_through(api, fix_code, tmp_path):
    base, fake = api()
    code = f"""
reply = create_json(client, model="{MODEL}", messages={NO_JSON_MESSAGES!r}, response_format={{"type": "json_object"}})
print("REPLY", reply.choices[0].message.content)
"""
    result = run_client(code, base, tmp_path, prelude=_option1_prelude(fix_code))
    assert result.returncode == 0, result.stderr
    assert f"REPLY {REPLY_JSON}" in result.stdout
    sent = fake.bodies[-1]["messages"]
    assert sent[0]["role"] == "system" and sent[0]["content"].startswith(NO_JSON_MESSAGES[0]["content"])
    assert re.search(r"\bJSON\b", sent[0]["content"]) and len(sent) == 2  # appended, not added


def test_option1_responses_input_helper_gets_the_request_through(api, fix_code, tmp_path):
    base, fake = api()
    code = f"""
items = [{{"role": "user", "content": [{{"type": "input_text", "text": "I flew to Lyon last week."}}]}}]
reply = client.responses.create(model="{MODEL}", instructions="Answer in JSON.", input=ensure_json_word_input(items),
                                text={{"format": {{"type": "json_object"}}}})
print("REPLY", reply.output_text)
"""
    result = run_client(code, base, tmp_path, prelude=_option1_prelude(fix_code))
    assert result.returncode == 0, result.stderr
    assert f"REPLY {REPLY_JSON}" in result.stdout
    parts = fake.bodies[-1]["input"][0]["content"]
    assert [p["type"] for p in parts] == ["input_text", "input_text"]


def test_option1_helper_keeps_requests_that_already_say_json(option1):
    ensure = option1["ensure_json_word"]
    ok = [{"role": "user", "content": "Return JSON with keys city and country."}]
    assert ensure(ok) is ok
    original = json.loads(json.dumps(NO_JSON_MESSAGES))
    fixed = ensure(NO_JSON_MESSAGES)
    assert original == NO_JSON_MESSAGES  # the caller's list is not changed
    assert option1["mentions_json"](fixed) and not option1["mentions_json"](NO_JSON_MESSAGES)
    # no system message: one is added in front; list content parts are read
    user_only = [{"role": "user", "content": [{"type": "text", "text": "Where is Lyon?"}]}]
    assert ensure(user_only)[0] == {"role": "system", "content": option1["INSTRUCTION"]}
    # "jsonl" or a mention only in an assistant turn is not taken as the word: the sentence is added
    assert ensure([{"role": "user", "content": "read the jsonl file"}])[0]["role"] == "system"
    history = [{"role": "assistant", "content": "{}  (json)"}, {"role": "user", "content": "again"}]
    assert option1["mentions_json"](ensure(history)) and len(ensure(history)) == 3
    assert option1["ensure_json_word_input"]("Where is Lyon?").endswith(option1["INSTRUCTION"])
    assert option1["ensure_json_word_input"]("Answer in json.") == "Answer in json."


def test_option1_create_json_leaves_other_calls_alone(option1):
    seen = []

    class Completions:
        def create(self, **kwargs):
            seen.append(kwargs)

    class Client:
        class chat:
            completions = Completions()

    option1["create_json"](Client(), model=MODEL, messages=NO_JSON_MESSAGES)
    assert seen[-1]["messages"] is NO_JSON_MESSAGES  # no JSON mode: nothing added
    option1["create_json"](
        Client(), model=MODEL, messages=NO_JSON_MESSAGES, response_format={"type": "json_object"}
    )
    assert seen[-1]["messages"] is not NO_JSON_MESSAGES


def test_option1_runs_as_published(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "before: False after: True" in result.stdout
    assert "Respond with a single JSON object." in result.stdout


def test_option2_parse_sends_json_schema_and_needs_no_word(api, fix_code, tmp_path):
    base, fake = api()
    code = fix_code(SLUG, 2).replace("client = OpenAI()", "client = OpenAI(base_url=BASE, api_key='sk-test')")
    result = run_python(f"BASE = {base!r}\n" + code, cwd=tmp_path, env={"NO_PROXY": "*", "no_proxy": "*"})
    assert result.returncode == 0, result.stderr
    assert "city='Lyon' country='France'" in result.stdout
    sent = fake.bodies[-1]
    assert sent["response_format"]["type"] == "json_schema"
    assert not _says_json(sent["messages"])  # the same prompt that JSON mode refuses
