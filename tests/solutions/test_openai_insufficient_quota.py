"""Verified fix for solutions/openai-insufficient-quota.md.

A local server answers like OpenAI when the account has no credit: 429 with the real
`insufficient_quota` body (and, on other paths, a `rate_limit_exceeded` 429, a newer
`credit_balance_exhausted` code and Gemini's look-alike). The entry's Option 1 guard is run
against it through httpx: it recognises billing errors, stops after the first one (later calls
never reach the server) and probes again after its cooldown; rate limits pass through untouched.
Option 2's key check is run on a temporary project with a stale key in the environment.
The same guard is run with the real openai SDK in tests/verify/test_openai_insufficient_quota_sdk.py.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fake_http import json_server

SLUG = "openai-insufficient-quota"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
QUOTA_MESSAGE = (
    "You exceeded your current quota, please check your plan and billing details. For more information on this "
    "error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
)
BODIES = {
    "/quota": {
        "error": {
            "message": QUOTA_MESSAGE,
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    },
    "/quota-null-code": {
        "error": {
            "message": QUOTA_MESSAGE.split(" For more")[0],
            "type": "insufficient_quota",
            "param": None,
            "code": None,
        }
    },
    "/credit": {
        "error": {
            "message": "billing",
            "type": "insufficient_quota",
            "param": None,
            "code": "credit_balance_exhausted",
        }
    },
    "/rate": {
        "error": {
            "message": "Rate limit reached for gpt-6-luna in organization org-XXXX on tokens per min (TPM): Limit 200000, "
            "Used 199937, Requested 385. Please try again in 644ms.",
            "type": "tokens",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    },
    "/gemini": {
        "error": {
            "code": 429,
            "message": "You exceeded your current quota, please check your plan and billing details. For more "
            "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
            "status": "RESOURCE_EXHAUSTED",
        }
    },
}


@pytest.fixture(scope="module")
def server():
    hits: list[str] = []

    def answer(request):
        hits.append(request.path)
        return 429, BODIES[request.path]

    with json_server(answer) as base:
        yield base, hits


@pytest.fixture
def option1(fix_code):
    namespace: dict = {"__name__": "entry_option1"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    return namespace


def _post(url: str) -> dict:
    response = httpx.post(url, json={"model": "gpt-6-luna", "messages": []}, trust_env=False, timeout=10)
    response.raise_for_status()  # httpx.HTTPStatusError carries .response
    return response.json()


def _error(url: str) -> httpx.HTTPStatusError:
    with pytest.raises(httpx.HTTPStatusError) as info:
        _post(url)
    return info.value


def test_classifies_real_bodies(server, option1):
    base, _ = server
    is_quota = option1["is_quota_error"]
    assert is_quota(_error(base + "/quota"))
    assert is_quota(_error(base + "/quota-null-code"))  # older bodies: "code": null
    assert is_quota(_error(base + "/credit"))  # newer error.code values, type still insufficient_quota
    assert not is_quota(_error(base + "/rate"))  # a rate limit: waiting works
    assert not is_quota(_error(base + "/gemini"))  # same sentence, Google's per-minute limit


def test_guard_stops_after_the_first_quota_error_and_probes_after_cooldown(server, option1):
    base, hits = server
    now = [1000.0]
    guard = option1["QuotaGuard"](cooldown=600, clock=lambda: now[0])
    exhausted = option1["QuotaExhausted"]
    before = len(hits)
    for _ in range(5):
        with pytest.raises(exhausted):
            guard.call(_post, base + "/quota")
    assert len(hits) - before == 1  # four calls never left the process
    now[0] += 601
    with pytest.raises(exhausted, match="insufficient_quota"):
        guard.call(_post, base + "/quota")
    assert len(hits) - before == 2  # one probe after the cooldown


def test_guard_lets_rate_limits_through_to_the_normal_retry_policy(server, option1):
    base, _ = server
    guard = option1["QuotaGuard"]()
    for _ in range(2):
        with pytest.raises(httpx.HTTPStatusError):
            guard.call(_post, base + "/rate")
    assert guard.tripped_at is None


def test_option2_flags_a_stale_key_in_the_environment(fix_code, tmp_path):
    namespace: dict = {"__name__": "entry_option2"}
    exec(compile(fix_code(SLUG, 2), "option2.py", "exec"), namespace)
    (tmp_path / ".env").write_text(
        'export OPENAI_API_KEY="sk-proj-NEWKEY0000000000000000001234"\n', encoding="utf-8"
    )
    sub = tmp_path / "src" / "app"
    sub.mkdir(parents=True)
    environ = {
        "OPENAI_API_KEY": "sk-proj-OLDKEY0000000000000000009999",
        "OPENAI_BASE_URL": "https://gateway.example.com/v1",
    }
    report = "\n".join(namespace["diagnose"](environ=environ, start=sub))
    assert f".env file: {tmp_path / '.env'}" in report  # found in a parent folder
    assert "MISMATCH" in report and "load_dotenv() does not override" in report
    assert "sk-proj-...9999" in report and "NEWKEY" not in report and "OLDKEY0000" not in report  # masked
    assert "requests go to gateway.example.com" in report


def test_the_two_429_entries_point_at_each_other():
    rate = (SOLUTIONS / "openai-rate-limit.md").read_text(encoding="utf-8")
    quota = (SOLUTIONS / f"{SLUG}.md").read_text(encoding="utf-8")
    rate_errors = rate.split("\nnot_errors:")[0]
    assert "exceeded your current quota" not in rate_errors  # moved out of openai-rate-limit's errors
    assert "see openai-insufficient-quota" in rate and "see openai-rate-limit" in quota
