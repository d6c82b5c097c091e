"""Verified fix for solutions/llm-credit-balance-exhausted.md.

The real anthropic and openai SDKs from the project's venv talk to a local server that answers with
the providers' own credit bodies: Anthropic's 400 `Your credit balance is too low` (with a request-id
header, as the API sends it), DeepSeek's 402 `Insufficient Balance` (the body from its error-code
docs and user reports), OpenRouter's 402 `requires more credits, or fewer max_tokens`, Moonshot's 429
`exceeded_current_quota_error` and xAI's 403 whose `error` is a plain string. The exception texts are
the entry's signatures; Option 2's classifier flags all of them as credit errors, lets rate limits
and overloads through as retryable and other errors as failures; its retry loop stops after one
request on a credit error and retries a 429; Option 1's balance check reads a local
/user/balance and /key and says what the entry says.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_http import scripted_servers
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "llm-credit-balance-exhausted"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
RID = "req_011CbrFTcXhtiMzr3s6EocF7"
ANTHROPIC_CREDIT = (
    "Your credit balance is too low to access the Anthropic API. "
    "Please go to Plans & Billing to upgrade or purchase credits."
)
OPENROUTER_CREDIT = (
    "This request requires more credits, or fewer max_tokens. You requested up to 16384 tokens, "
    "but can only afford 3919. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account"
)
MOONSHOT_CREDIT = (
    "Your account org-33aebcddc6224bd5815d2b2e8026966e <ak-fbuxx63a44oi11bpe981> is suspended due to "
    "insufficient balance, please recharge your account or check your plan and billing details"
)
XAI_CREDIT = (
    "Your newly created teams doesn't have any credits yet. You can purchase credits on "
    "https://console.x.ai/team/c853730f-fe0f-4537-b8a2-0e6e33c8342d."
)


def anthropic_error(status: int, err_type: str, message: str, **extra) -> dict:
    return {"type": "error", "error": {"type": err_type, "message": message, **extra}, "request_id": RID}


HEADERS = [("request-id", RID)]
ANTHROPIC_400 = (400, anthropic_error(400, "invalid_request_error", ANTHROPIC_CREDIT), HEADERS)
DEEPSEEK_402 = (
    402,
    {
        "error": {
            "message": "Insufficient Balance",
            "type": "unknown_error",
            "param": None,
            "code": "invalid_request_error",
        }
    },
)
OPENROUTER_402 = (
    402,
    {
        "error": {"message": OPENROUTER_CREDIT, "code": 402, "metadata": {"provider_name": None}},
        "user_id": "user_2abcDEF",
    },
)
MOONSHOT_429 = (429, {"error": {"message": MOONSHOT_CREDIT, "type": "exceeded_current_quota_error"}})
XAI_403 = (
    403,
    {"code": "The caller does not have permission to execute the specified operation", "error": XAI_CREDIT},
)
RATE_429 = (
    429,
    anthropic_error(
        429,
        "rate_limit_error",
        "This request would exceed the rate limit for your organization of 40,000 input tokens per minute.",
    ),
    HEADERS,
)
SPEND_429 = (
    429,
    anthropic_error(
        429, "rate_limit_error", "spend limit", details={"error_code": "enforced_spend_limit_reached"}
    ),
    HEADERS,
)
OVERLOADED_529 = (529, anthropic_error(529, "overloaded_error", "Overloaded"), HEADERS)
BAD_KEY_401 = (401, anthropic_error(401, "authentication_error", "invalid x-api-key"), HEADERS)
TOO_LONG_400 = (
    400,
    anthropic_error(400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"),
    HEADERS,
)
OPENAI_RATE_429 = (
    429,
    {
        "error": {
            "message": "Rate limit reached for requests",
            "type": "requests",
            "code": "rate_limit_exceeded",
        }
    },
)
ANTHROPIC_REPLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-x",
    "content": [{"type": "text", "text": "OK"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 1, "output_tokens": 1},
}


@pytest.fixture
def server():
    with scripted_servers() as start:
        yield start


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("no_proxy", "*")


def entry_errors() -> list[str]:
    return parse_entry(SOLUTIONS / f"{SLUG}.md").errors


def anthropic_call(base: str, max_retries: int = 0):
    import anthropic

    client = anthropic.Anthropic(api_key="sk-ant-test", base_url=base, max_retries=max_retries)
    return client.messages.create(
        model="claude-x", max_tokens=5, messages=[{"role": "user", "content": "hi"}]
    )


def openai_call(base: str, max_retries: int = 0):
    import openai

    client = openai.OpenAI(api_key="sk-test", base_url=base, max_retries=max_retries)
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


def raised(fn, *args, **kwargs) -> BaseException:
    with pytest.raises(Exception) as info:
        fn(*args, **kwargs)
    return info.value


def printed(exc: BaseException) -> str:
    return f"{type(exc).__module__.split('.')[0]}.{type(exc).__name__}: {exc}"


def test_the_sdks_print_the_entry_wordings_and_send_one_request(server):
    errors = entry_errors()
    base, script = server(ANTHROPIC_400)
    exc = raised(anthropic_call, base, max_retries=2)
    assert printed(exc) in errors  # anthropic 2.17.0: status, message, (request_id, path, type)
    assert type(exc).__name__ == "BadRequestError" and exc.status_code == 400
    assert script.requests == 1  # the SDK does not retry a 400

    base, script = server(DEEPSEEK_402)
    exc = raised(openai_call, base, max_retries=2)
    assert printed(exc) == "openai.APIStatusError: Error code: 402 - Insufficient Balance"
    assert printed(exc) in errors and type(exc).__name__ == "APIStatusError"
    assert exc.body["type"] == "unknown_error" and script.requests == 1

    base, script = server(OPENROUTER_402)
    exc = raised(openai_call, base, max_retries=2)
    assert printed(exc) in errors and exc.status_code == 402 and script.requests == 1

    # the xAI body's `error` is a string: openai 3.38+ prints no text, the body keeps it
    base, script = server(XAI_403)
    exc = raised(openai_call, base, max_retries=2)
    assert str(exc) == "Error code: 403" and exc.body == XAI_CREDIT
    assert type(exc).__name__ == "PermissionDeniedError" and script.requests == 1


def test_the_sdk_retries_a_credit_429_twice_before_raising(server):
    base, script = server(MOONSHOT_429)
    exc = raised(openai_call, base, max_retries=2)
    assert type(exc).__name__ == "RateLimitError" and MOONSHOT_CREDIT in str(exc)
    assert script.requests == 3


@pytest.fixture
def option2(fix_code):
    namespace: dict = {"__name__": "entry_option_2"}
    exec(compile(fix_code(SLUG, 2), f"{SLUG}.md option 2", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(
    ("call", "answer"),
    [
        ("anthropic", ANTHROPIC_400),
        ("anthropic", SPEND_429),
        ("openai", DEEPSEEK_402),
        ("openai", OPENROUTER_402),
        ("openai", MOONSHOT_429),
        ("openai", XAI_403),
    ],
)
def test_option2_flags_real_credit_errors(server, option2, call, answer):
    base, _ = server(answer)
    exc = raised(anthropic_call if call == "anthropic" else openai_call, base)
    assert option2["classify"](exc) == "credit"


@pytest.mark.parametrize(
    ("call", "answer", "kind"),
    [
        ("anthropic", RATE_429, "retry"),
        ("anthropic", OVERLOADED_529, "retry"),
        ("openai", OPENAI_RATE_429, "retry"),
        ("anthropic", BAD_KEY_401, "fail"),
        ("anthropic", TOO_LONG_400, "fail"),
    ],
)
def test_option2_lets_other_errors_through(server, option2, call, answer, kind):
    base, _ = server(answer)
    exc = raised(anthropic_call if call == "anthropic" else openai_call, base)
    assert option2["classify"](exc) == kind


def test_option2_reads_litellm_style_texts(option2):
    class LiteLLMError(Exception):  # litellm 1.110.2: status_code and the provider body in the text only
        def __init__(self, status_code, text):
            super().__init__(text)
            self.status_code, self.body = status_code, None

    text = (
        'litellm.BadRequestError: AnthropicException - {"type":"error","error":{"message":"'
        + ANTHROPIC_CREDIT
        + '"}}'
    )
    assert option2["classify"](LiteLLMError(400, text)) == "credit"
    assert option2["classify"](LiteLLMError(400, "litellm.BadRequestError: prompt is too long")) == "fail"


def test_option2_stops_at_once_on_credit_and_retries_a_rate_limit(server, option2):
    sleeps: list[float] = []
    base, script = server(ANTHROPIC_400)
    with pytest.raises(option2["OutOfCredits"]) as info:
        option2["call_with_retry"](anthropic_call, base, sleep=sleeps.append)
    assert script.requests == 1 and sleeps == []
    assert "credit balance is too low" in str(info.value) and info.value.__cause__ is not None

    base, script = server(RATE_429, (200, ANTHROPIC_REPLY))
    reply = option2["call_with_retry"](anthropic_call, base, sleep=sleeps.append)
    assert reply.content[0].text == "OK" and script.requests == 2 and len(sleeps) == 1

    base, script = server(OVERLOADED_529)
    with pytest.raises(Exception) as info:
        option2["call_with_retry"](anthropic_call, base, attempts=3, sleep=lambda s: None)
    assert info.value.status_code == 529 and script.requests == 3  # bounded

    base, script = server(BAD_KEY_401)
    with pytest.raises(Exception) as info:
        option2["call_with_retry"](anthropic_call, base, sleep=lambda s: None)
    assert info.value.status_code == 401 and script.requests == 1


def test_option2_runs_as_published(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "out of credit, not retrying (StatusError) after 1 request" in result.stdout
    assert "429 rate limit -> retry" in result.stdout


def test_option1_reads_the_balance_of_the_key(server, fix_code, tmp_path):
    def answer(request):
        if request.path == "/user/balance":
            assert request.headers["Authorization"] == "Bearer sk-ds"
            return 200, {
                "is_available": False,
                "balance_infos": [
                    {
                        "currency": "USD",
                        "total_balance": "0.00",
                        "granted_balance": "0.00",
                        "topped_up_balance": "0.00",
                    }
                ],
            }
        assert request.path == "/api/v1/key"
        return 200, {
            "data": {
                "label": "sk-or-v1-abc...890",
                "limit": 5,
                "usage": 5.0,
                "limit_remaining": 0,
                "is_free_tier": False,
            }
        }

    base, _ = server(answer)
    env = {
        "DEEPSEEK_API_KEY": "sk-ds",
        "DEEPSEEK_BASE_URL": base,
        "OPENROUTER_API_KEY": "sk-or",
        "OPENROUTER_BASE_URL": base + "/api/v1",
    }
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "DeepSeek: NO CREDIT (balance 0.00 USD)" in result.stdout
    assert "OpenRouter: KEY LIMIT REACHED (5.0 of 5 used)" in result.stdout

    unset = {"DEEPSEEK_API_KEY": None, "OPENROUTER_API_KEY": None}
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, env=unset)
    assert result.returncode == 0 and "nothing to check" in result.stdout


def test_option1_says_ok_when_there_is_credit(server, fix_code, tmp_path):
    base, _ = server(
        (
            200,
            {
                "is_available": True,
                "balance_infos": [
                    {
                        "currency": "CNY",
                        "total_balance": "110.00",
                        "granted_balance": "10.00",
                        "topped_up_balance": "100.00",
                    }
                ],
            },
        )
    )
    env = {"DEEPSEEK_API_KEY": "sk-ds", "DEEPSEEK_BASE_URL": base, "OPENROUTER_API_KEY": None}
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DeepSeek: OK, balance 110.00 CNY"
