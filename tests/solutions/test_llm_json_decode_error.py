"""Verified fix for solutions/llm-json-decode-error.md.

Reproduces the real JSONDecodeError that `json.loads` raises on typical model replies, then
runs the entry's own Option 1 code and checks that the same replies parse.
"""

import json
import runpy
import subprocess
import sys

import pytest

SLUG = "llm-json-decode-error"

FENCED = '```json\n{"city": "Paris", "temp_c": 21}\n```'
PROSE = 'Sure! Here is the JSON:\n{"city": "Oslo", "temp_c": 4}\nLet me know if you need more.'


@pytest.mark.parametrize("reply", [FENCED, "", "Here is the JSON:\n{}"])
def test_reproduces_expecting_value_at_char_0(reply):
    # WRONG: feeding raw model text to json.loads
    with pytest.raises(json.JSONDecodeError, match=r"Expecting value: line 1 column 1 \(char 0\)"):
        json.loads(reply)


def test_reproduces_in_a_subprocess_with_the_full_exception_name():
    code = f"import json; json.loads({FENCED!r})"
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=30
    )
    assert result.returncode != 0
    assert "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)" in result.stderr


def test_option1_demo_runs(fix_code):
    result = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG)], check=False, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "{'city': 'Paris', 'temp_c': 21}"
    assert lines[1] == "{'city': 'Oslo', 'temp_c': 4}"
    assert lines[2] == "[1, 2, 3]"
    assert lines[3] == "{'city': 'Rome', 'sunny': True}"
    assert lines[4].startswith("LLMJSONError: model returned empty content")
    assert lines[5].startswith("LLMJSONError: no JSON value in model output (output looks cut off")
    assert "JSONDecodeError" not in result.stderr


def test_option1_function_parses_what_json_loads_rejects(fix_code, tmp_path):
    module = tmp_path / "option1.py"
    module.write_text(fix_code(SLUG), encoding="utf-8")
    namespace = runpy.run_path(str(module), run_name="fix_under_test")  # not __main__: helpers only
    parse = namespace["parse_llm_json"]
    error = namespace["LLMJSONError"]

    assert parse(FENCED) == {"city": "Paris", "temp_c": 21}
    assert parse(PROSE) == {"city": "Oslo", "temp_c": 4}
    assert parse('{"a": 1}\n{"b": 2}') == {"a": 1}  # trailing text ("Extra data") ignored
    assert parse('```\n[{"x": 1}]\n```') == [{"x": 1}]
    with pytest.raises(error, match="empty content"):
        parse(None)
    with pytest.raises(error):
        parse("I could not find any weather data.")
