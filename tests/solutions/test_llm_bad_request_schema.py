"""Verified fix for solutions/llm-bad-request-schema.md.

Reproduces the rule behind OpenAI's strict-mode 400s with a stdlib fake endpoint that enforces
it (every property required, additionalProperties false, arrays with items, tool names matching
^[a-zA-Z0-9_-]+$, string content) and answers with OpenAI's real error texts. The entry's own
Option 1 and Option 2 code is run: the lint finds every problem, the fixed tool and the cleaned
messages are accepted by the same endpoint.
"""

import json
import re
import subprocess
import sys

import pytest

SLUG = "llm-bad-request-schema"


def fake_openai_validate(body: dict):
    """The subset of OpenAI request validation this entry is about: (status, error message)."""
    for i, tool in enumerate(body.get("tools", [])):
        fn = tool["function"]
        if not re.fullmatch(r"[a-zA-Z0-9_-]+", fn["name"]):
            return 400, (
                f"Invalid 'tools[{i}].function.name': string does not match pattern. "
                "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."
            )
        if fn.get("strict"):
            stack = [((), fn["parameters"])]
            while stack:
                path, node = stack.pop()
                if "properties" in node:
                    if node.get("additionalProperties") is not False:
                        return 400, (
                            f"Invalid schema for function '{fn['name']}': In context={path}, "
                            "'additionalProperties' is required to be supplied and to be false."
                        )
                    missing = [k for k in node["properties"] if k not in node.get("required", [])]
                    if missing:
                        return 400, (
                            f"Invalid schema for function '{fn['name']}': In context={path}, 'required' "
                            "is required to be supplied and to be an array including every key in "
                            f"properties. Missing '{missing[0]}'."
                        )
                    stack += [((*path, "properties", k), v) for k, v in node["properties"].items()]
                types = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
                if "array" in types:
                    if "items" not in node:
                        return 400, (
                            f"Invalid schema for function '{fn['name']}': In context={path}, "
                            "array schema missing items."
                        )
                    stack.append(((*path, "items"), node["items"]))
    for message in body.get("messages", []):
        if "content" in message and not isinstance(message["content"], (str, list)):
            return 400, "Invalid value for 'content': expected a string, got null."
    return 200, "ok"


@pytest.fixture
def entry(fix_code):
    namespace = {"__name__": "entry"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    exec(compile(fix_code(SLUG, 2), "option2.py", "exec"), namespace)
    return namespace


BAD_TOOL = {
    "type": "function",
    "function": {
        "name": "github.create_issue",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "labels": {"type": "array"},
                "body": {"type": "string"},
            },
            "required": ["title"],
        },
    },
}


def test_reproduces_the_400s():
    status, message = fake_openai_validate({"tools": [BAD_TOOL], "messages": []})
    assert status == 400 and "string does not match pattern" in message
    renamed = json.loads(json.dumps(BAD_TOOL))
    renamed["function"]["name"] = "github_create_issue"
    status, message = fake_openai_validate({"tools": [renamed], "messages": []})
    assert status == 400 and "'additionalProperties' is required to be supplied and to be false" in message
    status, message = fake_openai_validate(
        {"messages": [{"role": "tool", "tool_call_id": "c", "content": None}]}
    )
    assert (status, message) == (400, "Invalid value for 'content': expected a string, got null.")


def test_option1_lint_finds_every_problem(entry):
    problems = entry["check_tool"](BAD_TOOL)
    text = "\n".join(problems)
    assert "must match" in text
    assert "'additionalProperties' must be supplied and be false" in text
    assert "missing ['labels', 'body']" in text
    assert "In context=('properties', 'labels'): array schema missing items" in text


def test_option1_fixed_tool_is_accepted(entry):
    fn = dict(BAD_TOOL["function"], name="github_create_issue")
    params = json.loads(json.dumps(fn["parameters"]))
    params["properties"]["labels"]["items"] = {"type": "string"}
    fn["parameters"] = entry["to_strict"](params)
    tool = {"type": "function", "function": fn}
    assert entry["check_tool"](tool) == []
    assert fake_openai_validate({"tools": [tool], "messages": []}) == (200, "ok")
    assert fn["parameters"]["properties"]["body"]["type"] == ["null", "string"]  # optional -> nullable
    assert fn["parameters"]["properties"]["title"]["type"] == "string"  # required stays as is


def test_option2_cleaned_messages_are_accepted(entry):
    history = [
        {"role": "user", "content": "open an issue"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "github_create_issue", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": {"number": 7}},
        {"role": "tool", "tool_call_id": "c2", "content": None},
    ]
    assert fake_openai_validate({"messages": history})[0] == 400
    cleaned = entry["clean_messages"](history)
    assert fake_openai_validate({"messages": cleaned}) == (200, "ok")
    assert cleaned[2]["content"] == '{"number": 7}'
    assert "content" not in cleaned[1]


@pytest.mark.parametrize("option", [1, 2])
def test_demos_run(fix_code, tmp_path, option):
    result = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG, option)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
