"""Verified fix for solutions/llm-output-truncated.md.

The real openai SDK against a local server that cuts its reply off (`finish_reason: "length"`) when
`max_completion_tokens` is small and answers whole when it is large enough: `parse()` raises the entry's
first signature, pydantic names the truncated JSON as the entry says, Option 1 retries with a larger
limit until the reply fits (and gives up at its cap), and Option 3 refuses a cut-off reply by its
finish reason.
"""

from __future__ import annotations

import pytest
from fake_http import json_server
from pyrun import run_python

SLUG = "llm-output-truncated"
WHOLE = '{"title": "Audit", "findings": ["a", "b"]}'
NEEDED = 200  # output tokens the whole reply needs


def completion(content: str, finish: str, tokens: int) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-5-mini",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": tokens, "total_tokens": 10 + tokens},
    }


class Limited:
    """Answers whole only when max_completion_tokens >= NEEDED; records the limits asked for."""

    def __init__(self):
        self.limits: list[int | None] = []

    def __call__(self, request):
        limit = request.json().get("max_completion_tokens")
        self.limits.append(limit)
        if limit is not None and limit >= NEEDED:
            return 200, completion(WHOLE, "stop", 40)
        return 200, completion(WHOLE[:27], "length", limit or 16)


@pytest.fixture
def server():
    limited = Limited()
    with json_server(limited) as base:
        yield base, limited


PARSE = """
import sys
from openai import OpenAI
from pydantic import BaseModel
class Report(BaseModel):
    title: str
    findings: list[str]
client = OpenAI(base_url=sys.argv[1], api_key="k", max_retries=0)
client.chat.completions.parse(model="gpt-5-mini", messages=[{"role": "user", "content": "audit"}],
                              response_format=Report, max_completion_tokens=16)
"""


def test_parse_of_a_cut_off_reply_raises_the_entry_s_signature(server, tmp_path):
    base, _ = server
    result = run_python(PARSE, cwd=tmp_path, args=[base + "/v1"], env={"NO_PROXY": "*"})
    assert result.stderr.strip().splitlines()[-1] == (
        "openai.LengthFinishReasonError: Could not parse response content as the length limit was reached - "
        "CompletionUsage(completion_tokens=16, prompt_tokens=10, total_tokens=26, "
        "completion_tokens_details=None, prompt_tokens_details=None)"
    )


def test_pydantic_names_json_that_ends_mid_value():
    from pydantic import BaseModel, ValidationError

    class Report(BaseModel):
        title: str
        findings: list[str]

    with pytest.raises(ValidationError) as caught:
        Report.model_validate_json(WHOLE[:27])
    assert "Invalid JSON: EOF while parsing a string at line 1 column 27 [type=json_invalid" in str(
        caught.value
    )


DRIVER = """
import sys
try:
    print("PARSED", parse_with_room("gpt-5-mini", [{"role": "user", "content": "audit"}], Report, limit=16, cap=int(sys.argv[1])))
except Exception as err:
    print("RAISED", type(err).__name__)
"""


def _option1(fix_code) -> str:
    return fix_code(SLUG, 1).split('if __name__ == "__main__":')[0] + DRIVER


@pytest.mark.parametrize(
    ("cap", "expected", "limits"), [(32768, "PARSED", [16, 64, 256]), (64, "RAISED", [16, 64])]
)
def test_option1_raises_the_limit_until_the_reply_fits_and_stops_at_its_cap(
    server, fix_code, tmp_path, cap, expected, limits
):
    base, limited = server
    env = {"NO_PROXY": "*", "OPENAI_API_KEY": "k", "OPENAI_BASE_URL": base + "/v1"}  # the entry's own client
    result = run_python(_option1(fix_code), cwd=tmp_path, args=[str(cap)], env=env)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout and limited.limits == limits
    if expected == "PARSED":
        assert "title='Audit' findings=['a', 'b']" in result.stdout
        assert "cut off at 16 output tokens with max_completion_tokens=16; retrying with 64" in result.stdout
    else:
        assert "RAISED LengthFinishReasonError" in result.stdout


def test_option3_refuses_a_cut_off_reply_by_its_finish_reason(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 3), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "{'ok': True}",
        "reply cut off by the output-token limit (length): raise the limit or ask for less",
    ]
