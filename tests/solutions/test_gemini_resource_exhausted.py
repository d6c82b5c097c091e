"""Verified fix for solutions/gemini-resource-exhausted.md.

The real google-genai SDK talks to a local server that answers as the Gemini API does (the 429
body with google.rpc.QuotaFailure and RetryInfo, a 503, then a reply): the exception text is
the entry's first signature, Option 1 tells per-minute, per-day and zero quotas apart, Option
2 waits what the server asked and stops on a daily quota, and Option 3's SDK retries are what
the entry says (none by default, `attempts` requests with retry_options).
"""

from __future__ import annotations

import pytest
from fake_gemini import CALL, MODEL, OVERLOADED, REPLY, error_body, run_client
from pyrun import run_python

SLUG = "gemini-resource-exhausted"


def quota_body(
    quota_id: str, delay: str | None = "1s", value: str = "10", message: str | None = None
) -> dict:
    """A 429 as the Gemini API sends it: the quota that ran out (QuotaFailure) and the delay it asks (RetryInfo)."""
    violation = {
        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
        "quotaId": quota_id,
        "quotaDimensions": {"location": "global", "model": MODEL},
        "quotaValue": value,
    }
    details: list[dict] = [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [violation]}
    ]
    if delay:
        details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay})
    message = message or (
        "You exceeded your current quota, please check your plan and billing details. For more information "
        "on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
    )
    return error_body(429, "RESOURCE_EXHAUSTED", message, details)


PER_MINUTE = quota_body("GenerateRequestsPerMinutePerProjectPerModel-FreeTier")
PER_DAY = quota_body("GenerateRequestsPerDayPerProjectPerModel-FreeTier", value="250")


def test_the_sdk_raises_the_entry_s_first_signature(gemini, tmp_path):
    base, script = gemini((429, PER_MINUTE))
    result = run_client(base, CALL, tmp_path)
    assert result.returncode == 1 and script.requests == 1  # no retry without retry_options
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "google.genai.errors.ClientError: 429 RESOURCE_EXHAUSTED. {'error': {'code': 429, "
    )
    assert "'quotaId': 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier'" in last
    assert "'retryDelay': '1s'" in last


@pytest.fixture
def option1(fix_code):
    namespace: dict = {"__name__": "entry_option_1"}
    exec(compile(fix_code(SLUG, 1), f"{SLUG}.md option 1", "exec"), namespace)
    return namespace


def test_option1_tells_per_minute_per_day_and_zero_quotas_apart(option1):
    from google.genai import errors

    def advice(body):
        return option1["advice"](errors.ClientError(429, body))

    assert advice(PER_MINUTE) == "per-minute limit: wait 1s, then send fewer requests at once"
    assert advice(PER_DAY).startswith("daily quota used up: retrying today fails")
    zero = quota_body(
        "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
        message="You exceeded your current quota.\n* Quota exceeded for metric: "
        "generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-2.5-pro",
    )
    assert advice(zero).startswith("this project has no quota for this model")
    # an older body: no details, the delay only in the text
    text_only = error_body(429, "RESOURCE_EXHAUSTED", "Quota exceeded. Please retry in 12.5s.")
    assert option1["quota_report"](errors.ClientError(429, text_only))["retry_after"] == 12.5
    assert option1["advice"](errors.ServerError(503, OVERLOADED)) == "not a quota error: 503 UNAVAILABLE"


def test_option1_runs_as_published(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "per-minute limit: wait 32s" in result.stdout


OPTION2_DRIVER = f"""
import time
sleeps = []
time.sleep = lambda s: sleeps.append(round(s, 1))
try:
    print("TEXT", generate(max_attempts=4, model="{MODEL}", contents="hi").text)
except Exception as err:
    print("RAISED", type(err).__name__, err.code)
print("SLEEPS", sleeps)
"""


def _option2(fix_code) -> str:
    code = fix_code(SLUG, 2)
    return code.split('if __name__ == "__main__":')[0] + OPTION2_DRIVER


def test_option2_waits_the_delay_the_server_asked_for_then_succeeds(gemini, fix_code, tmp_path):
    base, script = gemini(
        (429, quota_body("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", delay="7s")),
        (503, OVERLOADED),
        (200, REPLY),
    )
    result = run_client(base, _option2(fix_code), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "TEXT OK" in result.stdout and script.requests == 3
    sleeps = eval(result.stdout.split("SLEEPS")[1])
    assert 7.0 <= sleeps[0] <= 8.8  # retryDelay plus a little jitter, not a blind backoff
    assert len(sleeps) == 2


def test_option2_stops_at_once_on_a_daily_quota(gemini, fix_code, tmp_path):
    base, script = gemini((429, PER_DAY))
    result = run_client(base, _option2(fix_code), tmp_path)
    assert "RAISED ClientError 429" in result.stdout and script.requests == 1
    assert "SLEEPS []" in result.stdout


def test_option2_is_bounded(gemini, fix_code, tmp_path):
    base, script = gemini((503, OVERLOADED))
    result = run_client(base, _option2(fix_code), tmp_path)
    assert "RAISED ServerError 503" in result.stdout and script.requests == 4


def test_option3_sdk_retries_what_the_entry_says(gemini, fix_code, tmp_path):
    base, script = gemini((503, OVERLOADED), (503, OVERLOADED), (200, REPLY))
    code = fix_code(SLUG, 3).replace(
        "initial_delay=2.0, max_delay=60.0", "initial_delay=0.01, max_delay=0.05"
    )
    result = run_client(base, code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK" and script.requests == 3
    # HttpRetryOptions() without attempts: 5 requests on a 3.x SDK
    base, script = gemini((429, PER_DAY))
    default = f"""
from google import genai
from google.genai import types
client = genai.Client(http_options=types.HttpOptions(retry_options=types.HttpRetryOptions(initial_delay=0.01, max_delay=0.02)))
client.models.generate_content(model="{MODEL}", contents="hi")
"""
    result = run_client(base, default, tmp_path)
    assert "429 RESOURCE_EXHAUSTED" in result.stderr and script.requests == 5  # the daily quota retried too
