"""nonetype-not-subscriptable: reproduce the None errors for real, then run Option 1's producer-side checks."""

import json
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

SLUG = "nonetype-not-subscriptable"


@pytest.fixture
def option1(fix_code):
    namespace = {"__name__": "fix_under_test"}
    exec(compile(fix_code(SLUG), "<option1>", "exec"), namespace)
    return namespace


def _reply(content=None, tool_calls=None, refusal=None, finish_reason="stop"):
    message = SimpleNamespace(content=content, tool_calls=tool_calls, refusal=refusal)
    return SimpleNamespace(choices=[SimpleNamespace(message=message, finish_reason=finish_reason)])


def test_errors_reproduce_for_real():
    with pytest.raises(TypeError, match="'NoneType' object is not subscriptable"):
        re.search(r"v(\d+\.\d+)", "no version here")[1]
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'group'"):
        re.match(r"v(\d+)", "x").group(1)
    with pytest.raises(TypeError, match="the JSON object must be str, bytes or bytearray, not NoneType"):
        json.loads(_reply(tool_calls=[object()]).choices[0].message.content)
    with pytest.raises(TypeError, match="'NoneType' object is not subscriptable"):
        {"db": None}.get("database")["host"]
    with pytest.raises(TypeError, match="cannot unpack non-iterable NoneType object"):
        _first, _second = [3, 1, 2].sort()


def test_option1_demo_runs_clean(fix_code):
    result = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "NoneType" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "2.7 None"
    assert lines[1] == "db.local"
    assert lines[2] == "{'ok': True}"
    assert lines[3].startswith("handled: model asked for tools ['search']")
    assert lines[4] == "handled: model returned no text (finish_reason='content_filter')"


def test_option1_functions_turn_none_into_decisions(option1):
    assert option1["version_of"]("no version here") is None
    assert option1["version_of"]("v10.4") == "10.4"
    with pytest.raises(KeyError, match=r"database\.host"):
        option1["db_host"]({})
    with pytest.raises(KeyError, match=r"database\.host"):
        option1["db_host"]({"database": None})
    reply_text = option1["reply_text"]
    assert reply_text(_reply(content="")) == ""
    with pytest.raises(ValueError, match="refused: no"):
        reply_text(_reply(refusal="no"))
    with pytest.raises(ValueError, match="finish_reason='length'"):
        reply_text(_reply(finish_reason="length"))
