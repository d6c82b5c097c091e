"""json-not-serializable: reproduce the TypeError, then show Option 1's default= hook removes it."""

import datetime as dt
import decimal
import json
import subprocess
import sys
import uuid

import pytest

SLUG = "json-not-serializable"


def test_error_reproduces_for_real():
    with pytest.raises(TypeError, match="Object of type datetime is not JSON serializable"):
        json.dumps({"created": dt.datetime(2024, 5, 1, 12, 30)})
    with pytest.raises(TypeError, match="Object of type Decimal is not JSON serializable"):
        json.dumps({"price": decimal.Decimal("1.5")})
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        json.dumps({"tags": {"a"}})


def test_option1_demo_runs_clean(fix_code):
    code = fix_code(SLUG)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "not JSON serializable" not in result.stderr
    out = json.loads(result.stdout.strip().splitlines()[0])
    assert out == {
        "created": "2024-05-01T12:30:00+00:00",
        "id": "12345678-1234-5678-1234-567812345678",
        "price": "19.99",
        "tags": ["alpha", "beta"],
    }


def test_option1_hook_covers_the_listed_types_and_still_rejects_unknown(fix_code):
    namespace = {"__name__": "fix_under_test"}
    exec(compile(fix_code(SLUG), "<option1>", "exec"), namespace)
    to_jsonable = namespace["to_jsonable"]
    payload = {
        "d": dt.date(2024, 1, 2),
        "delta": dt.timedelta(minutes=1),
        "u": uuid.UUID(int=1),
        "fs": frozenset({3, 1}),
        "b": b"\x00\xff",
    }
    decoded = json.loads(json.dumps(payload, default=to_jsonable))
    assert decoded == {
        "d": "2024-01-02",
        "delta": 60.0,
        "u": "00000000-0000-0000-0000-000000000001",
        "fs": [1, 3],
        "b": "AP8=",
    }

    class Unknown:
        pass

    with pytest.raises(TypeError, match="Object of type Unknown is not JSON serializable"):
        json.dumps({"x": Unknown()}, default=to_jsonable)


def test_option1_handles_numpy(fix_code):
    import numpy as np  # a dev dependency, so this always runs

    namespace = {"__name__": "fix_under_test"}
    exec(compile(fix_code(SLUG), "<option1>", "exec"), namespace)
    with pytest.raises(TypeError, match="Object of type int64 is not JSON serializable"):
        json.dumps({"n": np.int64(3)})
    assert json.loads(namespace["dumps"]({"n": np.int64(3), "a": np.arange(2)})) == {"n": 3, "a": [0, 1]}
