"""solutions/openai-insufficient-quota.md, run with the real openai SDK against a local server.

What the entry claims: each SDK line raises openai.RateLimitError with .code 'insufficient_quota'
(1.x/2.x print the body dict, 3.x only the message), retries it twice by default, and the entry's
QuotaGuard stops after the first failing call while rate limits still reach the caller unchanged.
"""

import json

import pytest
from verifylib import python_blocks

SLUG = "openai-insufficient-quota"

DRIVER = r"""
import json
import openai
client = openai.OpenAI()  # default max_retries=2
guard = QuotaGuard()
out = {}
try:
    client.chat.completions.create(model="m-429-quota", messages=[{"role": "user", "content": "hi"}])
except openai.RateLimitError as err:
    out["str"], out["code"], out["type"] = str(err), err.code, err.type
for _ in range(3):
    try:
        guard.call(client.chat.completions.create, model="m-429-quota", messages=[{"role": "user", "content": "hi"}])
    except QuotaExhausted as exc:
        out.setdefault("guard", []).append(str(exc).splitlines()[0])
try:
    guard_b = QuotaGuard()
    guard_b.call(client.with_options(max_retries=0).chat.completions.create, model="m-429-always",
                 messages=[{"role": "user", "content": "hi"}])
except openai.RateLimitError as err:
    out["rate"] = [type(err).__name__, err.code, guard_b.tripped_at is None]
print(json.dumps(out))
"""


@pytest.mark.parametrize(
    ("openai_version", "shape"), [("1.109.1", "body"), ("2.34.0", "body"), ("3.63.0", "message")]
)
def test_guard_with_the_real_sdk(venv, fake_api, openai_version, shape):
    option1 = python_blocks(SLUG)[0][1].split('\nif __name__ == "__main__":')[0]
    run = venv(f"openai=={openai_version}").run(
        option1 + "\n" + DRIVER,
        timeout=120,
        env={"OPENAI_API_KEY": "test", "OPENAI_BASE_URL": fake_api.url + "/v1"},
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["code"] == "insufficient_quota" and out["type"] == "insufficient_quota"
    if shape == "body":
        assert out["str"].startswith(
            "Error code: 429 - {'error': {'message': 'You exceeded your current quota"
        )
    else:
        assert (
            out["str"]
            == "Error code: 429 - You exceeded your current quota, please check your plan and billing details."
        )
    # first plain call: 1 + 2 SDK retries; guarded calls: one more call (3 requests), then two skipped
    assert fake_api.count("m-429-quota") == 6
    assert out["guard"][0].startswith("OpenAI billing/quota error (insufficient_quota)")
    assert out["guard"][1].startswith("skipped:") and out["guard"][2].startswith("skipped:")
    assert out["rate"] == ["RateLimitError", "rate_limit_exceeded", True]
