"""solutions/anthropic-overloaded.md against real anthropic SDK versions and a local server.

1. The class a 529 (and 503/504) raises per SDK version, and whether `except InternalServerError`
   catches it: the table in the entry's Root cause. The first version of the entry said that in
   "newer" SDKs OverloadedError is not an InternalServerError, which stopped being true in 2.5.0.
2. The entry's fix code: one retry layer (N attempts = N requests), retired model ids skipped by
   the fallback instead of ending it.
"""

import json

import pytest
from packaging.version import Version
from verifylib import entry_program, python_blocks

SLUG = "anthropic-overloaded"

HIERARCHY = r"""
import asyncio, json
import anthropic
client = anthropic.Anthropic(max_retries=0)
out = {}
def record(key, err):
    cls = type(err)
    out[key] = [f"{cls.__module__}.{cls.__name__}", isinstance(err, anthropic.InternalServerError)]
for model in ("m-529", "m-503", "m-504"):
    try:
        client.messages.create(model=model, max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    except anthropic.APIStatusError as err:
        record(model, err)
async def main():
    aclient = anthropic.AsyncAnthropic(max_retries=0)
    try:
        await aclient.messages.create(model="m-529", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    except anthropic.APIStatusError as err:
        record("async-529", err)
asyncio.run(main())
out["exports"] = [n for n in ("OverloadedError", "ServiceUnavailableError", "GatewayTimeoutError", "DeadlineExceededError") if hasattr(anthropic, n)]
out["deadline_is_gateway"] = getattr(anthropic, "DeadlineExceededError", 0) is getattr(anthropic, "GatewayTimeoutError", 1)
print(json.dumps(out))
"""

# version -> (529 class, caught by InternalServerError, async 529 caught, 503 class)
EXPECTED = {
    "0.46.0": ("anthropic.InternalServerError", True, True, "anthropic.InternalServerError"),
    "0.47.0": ("anthropic._exceptions.OverloadedError", False, True, "anthropic.InternalServerError"),
    "2.4.0": ("anthropic.OverloadedError", False, False, "anthropic.InternalServerError"),
    "2.5.0": ("anthropic.OverloadedError", True, True, "anthropic.ServiceUnavailableError"),
    "2.17.0": ("anthropic.OverloadedError", True, True, "anthropic.ServiceUnavailableError"),
}


def _env(fake_api):
    return {"ANTHROPIC_API_KEY": "test", "ANTHROPIC_BASE_URL": fake_api.url}


@pytest.mark.parametrize("version", sorted(EXPECTED))
def test_which_class_a_529_raises(venv, fake_api, version):
    run = venv(f"anthropic=={version}").run(HIERARCHY, timeout=120, env=_env(fake_api))
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    cls_529, caught, async_caught, cls_503 = EXPECTED[version]
    assert out["m-529"] == [cls_529, caught]
    assert out["async-529"][1] is async_caught
    assert out["m-503"][0] == cls_503
    if Version(version) >= Version("2.5"):
        assert out["m-504"] == ["anthropic.GatewayTimeoutError", True]
        assert out["deadline_is_gateway"] is True  # DeadlineExceededError: deprecated alias
    else:
        assert out["m-504"] == ["anthropic.InternalServerError", True]


def _options() -> list[str]:
    return [code for info, code in python_blocks(SLUG)]


DRIVER_OPTION_1 = r"""
import anthropic, time
out = {}
def attempt(key, **kw):
    start = time.monotonic()
    try:
        call_claude(max_attempts=3, base=0.01, max_tokens=5, messages=[{"role": "user", "content": "hi"}], **kw)
        out[key] = ["ok", round(time.monotonic() - start, 2)]
    except anthropic.APIError as err:
        out[key] = [type(err).__name__, round(time.monotonic() - start, 2)]
attempt("m-529", model="m-529")
attempt("m-529-once", model="m-529-once")
attempt("m-404", model="m-404")
attempt("m-429-date", model="m-429-date")
print(json.dumps(out))
"""


@pytest.mark.parametrize("version", ["2.4.0", "2.17.0"])
def test_option_1_is_one_bounded_retry_layer(venv, fake_api, tmp_path, version):
    program, env = entry_program(tmp_path, _options()[0], DRIVER_OPTION_1)
    run = venv(f"anthropic=={version}").run(program, timeout=120, env={**_env(fake_api), **env})
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["m-529"][0] == "OverloadedError" and fake_api.count("m-529") == 3  # 3 attempts, 3 requests
    assert out["m-529-once"][0] == "ok" and fake_api.count("m-529-once") == 2
    assert out["m-404"][0] == "NotFoundError" and fake_api.count("m-404") == 1  # not retried
    assert out["m-429-date"][0] == "ok" and fake_api.count("m-429-date") == 2  # retry-after as an HTTP date


DRIVER_OPTION_2 = r"""
import anthropic
try:
    stream_text(max_attempts=3, base=0.01, model="m-stream-overload", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    print(json.dumps("ok"))
except anthropic.APIStatusError as err:
    print(json.dumps([type(err).__name__, err.status_code]))
"""


def test_option_2_retries_a_stream_that_fails_after_200(venv, fake_api, tmp_path):
    program, env = entry_program(tmp_path, _options()[1], DRIVER_OPTION_2)
    run = venv("anthropic==2.17.0").run(program, timeout=120, env={**_env(fake_api), **env})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == ["APIStatusError", 200]
    assert fake_api.count("m-stream-overload") == 3


DRIVER_OPTION_3 = r"""
import anthropic
MODELS[:] = ["m-404", "m-529", "m-ok"]
reply = create_with_fallback(max_tokens=5, messages=[{"role": "user", "content": "hi"}])
first = reply.model
MODELS[:] = ["m-404", "m-529"]
try:
    create_with_fallback(rounds=3, base=0.01, max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    second = "ok"
except anthropic.APIStatusError as err:
    second = err.status_code
print(json.dumps([first, second]))
"""


def test_option_3_reaches_the_fallback_past_a_retired_model(venv, fake_api, tmp_path):
    program, env = entry_program(tmp_path, _options()[2], DRIVER_OPTION_3)
    run = venv("anthropic==2.17.0").run(program, timeout=120, env={**_env(fake_api), **env})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == ["m-ok", 529]
    assert fake_api.count("m-404") == 2  # once per call: dropped after its 404
    assert fake_api.count("m-529") == 1 + 3  # one round in the first call, three in the second
    assert fake_api.count("m-ok") == 1


def test_the_entry_names_no_retired_model():
    text = "\n".join(code for _, code in python_blocks(SLUG))
    for retired in ("claude-opus-4-1", "claude-3-", "claude-sonnet-4-20250514", "claude-opus-4-20250514"):
        assert retired not in text
