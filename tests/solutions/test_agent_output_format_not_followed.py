"""Verified fix for solutions/agent-output-format-not-followed.md.

No network and no real model: a scripted fake model returns what small, local and reasoning
models return to an agent framework (prose without the ReAct lines, empty or None content, then
a well-formed step). The entry's own Option 1 code names each reply's shape; its Option 3 code
re-asks with the parse error and recovers, or raises one error that carries the raw replies.
"""

import runpy
import subprocess
import sys
from types import SimpleNamespace

import pytest
from pydantic import BaseModel

SLUG = "agent-output-format-not-followed"

PROSE = "Sure! The capital of France is Paris."
WELL_FORMED = "Thought: I know this one.\nFinal Answer: Paris"
PROMPT = [{"role": "user", "content": "Use the ReAct format. What is the capital of France?"}]


class FakeModel:
    """Returns scripted replies in order and records the messages of every call."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.calls = []

    def __call__(self, messages):
        self.calls.append([dict(m) for m in messages])
        return self.replies[min(len(self.calls), len(self.replies)) - 1]


def load(fix_code, tmp_path, option):
    module = tmp_path / f"option{option}.py"
    module.write_text(fix_code(SLUG, option), encoding="utf-8")
    return runpy.run_path(str(module), run_name="fix_under_test")  # not __main__: helpers only


@pytest.fixture
def option1(fix_code, tmp_path):
    return load(fix_code, tmp_path, 1)


@pytest.fixture
def option3(fix_code, tmp_path):
    return load(fix_code, tmp_path, 3)


def test_the_framework_style_parser_rejects_what_small_models_send(option3):
    parse = option3["parse_react"]
    with pytest.raises(ValueError, match=r"Invalid Format: Missing 'Action:' after 'Thought:'"):
        parse(PROSE)
    with pytest.raises(ValueError, match=r"Missing 'Action Input:' after 'Action:'"):
        parse("Thought: I should search.\nAction: search")
    assert parse("Thought: look it up\nAction: search\nAction Input: capital of France") == {
        "tool": "search",
        "input": "capital of France",
    }


@pytest.mark.parametrize("content", [None, "", "   \n"])
def test_option1_says_the_reply_was_empty(option1, content):
    shape = option1["describe_reply"](content)
    assert shape.startswith("empty content")
    assert ("None" in shape) == (content is None)


def test_option1_points_at_the_reasoning_field_of_a_reasoning_model(option1):
    describe, describe_choice = option1["describe_reply"], option1["describe_choice"]
    shape = describe(None, reasoning="Okay, the user asks for the capital of France.", finish_reason="length")
    assert shape.startswith("empty content (None)")
    assert "reasoning" in shape and "max_tokens" in shape
    choice = SimpleNamespace(
        finish_reason="stop", message=SimpleNamespace(content="", reasoning_content="Paris.", refusal=None)
    )
    assert "reasoning field" in describe_choice(choice)


def test_option1_names_the_other_shapes(option1):
    describe = option1["describe_reply"]
    assert describe(PROSE, expected="react").startswith("prose without the expected format")
    assert describe(WELL_FORMED, expected="react") == "follows the expected format"
    assert describe("[[ ## answer ## ]]\nParis\n\n[[ ## completed ## ]]", expected="dspy") == (
        "follows the expected format"
    )
    assert describe(
        "Here it is:\n<code>\nprint(1)\n</code>\nHope this helps, it works.", expected="code"
    ).startswith("format present, with prose around it")
    assert describe("I'm sorry, but I can't help with that.").startswith("refusal")
    assert describe(None, refusal="I can't assist with that.").startswith("refusal")
    assert describe("Thought: I need to", finish_reason="length").startswith("truncated")
    assert describe("<think>Let me think about", finish_reason="length").startswith(
        "truncated inside a <think>"
    )


def test_option1_wrapper_logs_each_raw_reply_with_its_shape(option1, caplog):
    model = FakeModel(None)
    with caplog.at_level("WARNING", logger="raw_reply"):
        assert option1["logged"](model, expected="react")(PROMPT) is None
    assert "raw reply None: empty content (None)" in caplog.text


def test_option1_demo_runs(fix_code):
    result = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG, 1)], check=False, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("empty content (None)")
    assert lines[1].startswith("empty content ('') with 1000 chars in the reasoning field")


def test_option3_recovers_after_prose_and_empty_content_and_feeds_the_error_back(option3):
    model = FakeModel(PROSE, None, WELL_FORMED)
    result = option3["ask_until_parsed"](model, PROMPT, option3["parse_react"])

    assert result == {"final": "Paris"}
    assert len(model.calls) == 3
    assert model.calls[0] == PROMPT
    # second call: the bad reply, then the parser's own error as the re-ask
    assert model.calls[1][-2] == {"role": "assistant", "content": PROSE}
    assert model.calls[1][-1]["role"] == "user"
    assert "Invalid Format: Missing 'Action:' after 'Thought:'" in model.calls[1][-1]["content"]
    # third call: an empty reply is reported as empty, and no empty assistant turn is sent
    assert "the reply was empty (None)" in model.calls[2][-1]["content"]
    assert all(m["content"] for m in model.calls[2])


def test_option3_works_with_a_pydantic_parser(option3):
    class Answer(BaseModel):
        answer: str
        confidence: float

    model = FakeModel('{"answer": "Paris"}', '{"answer": "Paris", "confidence": 0.9}')
    result = option3["ask_until_parsed"](model, PROMPT, Answer.model_validate_json)
    assert result == Answer(answer="Paris", confidence=0.9)
    assert "confidence" in model.calls[1][-1]["content"]  # the validation error was fed back


def test_option3_raises_a_clear_error_with_the_raw_replies_when_every_attempt_fails(option3):
    model = FakeModel(PROSE, "", "I think the answer is Paris.")
    with pytest.raises(option3["FormatNotFollowed"]) as info:
        option3["ask_until_parsed"](model, PROMPT, option3["parse_react"], max_attempts=3)

    err = info.value
    assert isinstance(err, ValueError)
    assert len(model.calls) == 3  # bounded: exactly max_attempts calls
    assert err.replies == [PROSE, "", "I think the answer is Paris."]
    assert err.last_reply == "I think the answer is Paris."
    message = str(err)
    assert "no parsable reply after 3 attempts" in message
    assert "Invalid Format: Missing 'Action:'" in message
    assert "'I think the answer is Paris.'" in message


def test_option3_does_not_retry_errors_it_was_not_told_to(option3):
    def boom(text):
        raise KeyError("not a parse error")

    model = FakeModel(WELL_FORMED)
    with pytest.raises(KeyError):
        option3["ask_until_parsed"](model, PROMPT, boom)
    assert len(model.calls) == 1


def test_option3_demo_runs(fix_code):
    result = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG, 3)], check=False, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "{'final': 'Paris'}"
    assert lines[1].startswith("FormatNotFollowed: no parsable reply after 2 attempts")
