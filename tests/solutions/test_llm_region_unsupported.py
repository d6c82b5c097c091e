"""Verified fix for solutions/llm-region-unsupported.md.

The real openai (3.63.0), google-genai (3.6.1) and anthropic (2.17.0) SDKs talk to a local server
that refuses the caller's location the way each API does: OpenAI's 403 body with code
`unsupported_country_region_territory`, the Gemini API's 400 `FAILED_PRECONDITION` `User location is
not supported for the API use.` (and its `without a billing account linked` variant), Anthropic's
undocumented 403 `{"error": {"type": "forbidden", "message": "Request not allowed"}}`. The exception
texts are the entry's signatures, and no SDK retries them on its own (one request each, with the
default retry settings). The entry's Option 1 code then classifies the real exceptions (also wrapped,
as LangChain re-raises them), leaves the look-alikes of its "Not this entry" paragraph alone, and its
`call_with_retries` retries a 503 but stops at the first refusal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_gemini import MODEL, error_body, run_client
from fake_http import Script, json_server
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "llm-region-unsupported"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

OPENAI_REFUSAL = (
    403,
    {
        "error": {
            "code": "unsupported_country_region_territory",
            "message": "Country, region, or territory not supported",
            "param": None,
            "type": "request_forbidden",
        }
    },
)
GEMINI_REFUSAL = (
    400,
    error_body(400, "FAILED_PRECONDITION", "User location is not supported for the API use."),
)
GEMINI_BILLING = (
    400,
    error_body(
        400,
        "FAILED_PRECONDITION",
        "User location is not supported for the API use without a billing account linked.",
    ),
)
ANTHROPIC_REFUSAL = (403, {"error": {"type": "forbidden", "message": "Request not allowed"}})

# Look-alikes the entry sends elsewhere: Option 1 must not call them location refusals.
OPENAI_BAD_KEY = (
    401,
    {
        "error": {
            "message": "Incorrect API key provided: sk-proj-****abcd. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    },
)
OPENAI_PROJECT_403 = (
    403,
    {
        "error": {
            "message": "Project `proj_XXXX` does not have access to model `gpt-4o-mini`",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    },
)
OPENAI_OVERLOADED = (
    503,
    {
        "error": {
            "message": "The server is overloaded or not ready yet.",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    },
)
OPENAI_REPLY = (
    200,
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "OK"},
                "finish_reason": "stop",
            }
        ],
    },
)
ANTHROPIC_PERMISSION = (
    403,
    {
        "type": "error",
        "error": {
            "type": "permission_error",
            "message": "Your API key does not have permission to use the specified resource.",
        },
        "request_id": "req_011CXXXX",
    },
)
GEMINI_BAD_KEY = (
    400,
    error_body(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."),
)
GEMINI_API_DISABLED = (
    403,
    error_body(
        403,
        "PERMISSION_DENIED",
        "Generative Language API has not been used in project 123456789 before or it is disabled.",
    ),
)


@pytest.fixture(scope="module")
def local_api():
    """One local server for the module; each test gives it a new script."""
    current: dict = {}
    with json_server(lambda request: current["script"](request)) as base:
        yield base, current


@pytest.fixture
def serve(local_api):
    """`serve(*answers)` -> (base URL, script): the local API answers those in turn from now on."""
    base, current = local_api

    def start(*answers):
        current["script"] = Script(*answers)
        return base, current["script"]

    return start


CLEAN = {
    name: None
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "ANTHROPIC_BASE_URL",
        "GOOGLE_API_KEY",
    )
}


def _run(code: str, tmp_path, **env):
    return run_python(code, cwd=tmp_path, env={**CLEAN, "NO_PROXY": "*", **env}, timeout=120)


def _last_line_is_a_signature(result) -> str:
    line = result.stderr.strip().splitlines()[-1]
    assert line in parse_entry(ENTRY).errors, line
    return line


OPENAI_CALL = """
import openai
client = openai.OpenAI()  # default max_retries=2
client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
"""
ANTHROPIC_CALL = """
import anthropic
client = anthropic.Anthropic()  # default max_retries=2
client.messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
"""
GEMINI_CALL = f"""
from google import genai
client = genai.Client()
client.models.generate_content(model="{MODEL}", contents="hi")
"""


def test_openai_sdk_raises_the_signature_once_without_retrying(serve, tmp_path):
    base, script = serve(OPENAI_REFUSAL)
    result = _run(OPENAI_CALL, tmp_path, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=base + "/v1")
    assert result.returncode == 1
    line = _last_line_is_a_signature(result)
    assert (
        line == "openai.PermissionDeniedError: Error code: 403 - Country, region, or territory not supported"
    )
    assert script.requests == 1  # a 403 is not one of the SDK's retried statuses


def test_gemini_sdk_raises_the_signatures_once(serve, tmp_path):
    for answer, ending in (
        (GEMINI_REFUSAL, "'User location is not supported for the API use.'"),
        (
            GEMINI_BILLING,
            "'User location is not supported for the API use without a billing account linked.'",
        ),
    ):
        base, script = serve(answer)
        result = run_client(base, GEMINI_CALL, tmp_path)
        assert result.returncode == 1
        line = _last_line_is_a_signature(result)
        assert line.startswith("google.genai.errors.ClientError: 400 FAILED_PRECONDITION. ")
        assert ending in line
        assert script.requests == 1


def test_anthropic_sdk_raises_the_signature_once_without_retrying(serve, tmp_path):
    base, script = serve(ANTHROPIC_REFUSAL)
    result = _run(ANTHROPIC_CALL, tmp_path, ANTHROPIC_API_KEY="sk-ant-test", ANTHROPIC_BASE_URL=base)
    assert result.returncode == 1
    line = _last_line_is_a_signature(result)
    assert (
        line
        == "anthropic.PermissionDeniedError: 403 Request not allowed (path: /v1/messages, type: forbidden)"
    )
    assert script.requests == 1


@pytest.fixture
def option1(fix_code):
    namespace: dict = {"__name__": "entry_option_1"}
    exec(compile(fix_code(SLUG, 1), f"{SLUG}.md option 1", "exec"), namespace)
    return namespace


@pytest.fixture
def clients(monkeypatch):
    """Functions that make one real SDK call against a base URL and return what it raised."""
    import anthropic
    import openai
    from google import genai
    from google.genai import types

    monkeypatch.setenv("NO_PROXY", "*")
    held = []  # a google-genai Client nobody holds closes its HTTP client before the request

    def openai_call(base):
        client = openai.OpenAI(api_key="sk-test", base_url=base + "/v1", max_retries=0)
        held.append(client)
        return client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )

    def gemini_call(base):
        client = genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=base))
        held.append(client)
        return client.models.generate_content(model=MODEL, contents="hi")

    def anthropic_call(base):
        client = anthropic.Anthropic(api_key="sk-ant-test", base_url=base, max_retries=0)
        held.append(client)
        return client.messages.create(
            model="claude-sonnet-4-5", max_tokens=5, messages=[{"role": "user", "content": "hi"}]
        )

    return {"openai": openai_call, "gemini": gemini_call, "anthropic": anthropic_call}


def _raised(call, base) -> BaseException:
    try:
        call(base)
    except Exception as exc:  # the SDK's own exception, as the user's code sees it
        return exc
    raise AssertionError("the call did not fail")


def test_option1_names_the_provider_of_each_real_refusal(option1, clients, serve):
    import openai
    from google.genai import errors

    expected = (
        ("openai", OPENAI_REFUSAL, "openai"),
        ("gemini", GEMINI_REFUSAL, "gemini"),
        ("gemini", GEMINI_BILLING, "gemini-billing"),
        ("anthropic", ANTHROPIC_REFUSAL, "anthropic"),
    )
    for sdk, answer, provider in expected:
        base, _ = serve(answer)
        exc = _raised(clients[sdk], base)
        assert option1["location_refusal"](exc) == provider, (sdk, exc)
        # wrapped the way LangChain and other frameworks re-raise: found through the chain
        try:
            raise ValueError(f"Error calling model: {type(exc).__name__}") from exc
        except ValueError as wrapper:
            assert option1["location_refusal"](wrapper) == provider
    # the attributes the entry's code relies on
    base, _ = serve(OPENAI_REFUSAL)
    exc = _raised(clients["openai"], base)
    assert isinstance(exc, openai.PermissionDeniedError)
    assert (exc.status_code, exc.code) == (403, "unsupported_country_region_territory")
    base, _ = serve(GEMINI_REFUSAL)
    exc = _raised(clients["gemini"], base)
    assert isinstance(exc, errors.ClientError) and (exc.code, exc.status) == (400, "FAILED_PRECONDITION")
    assert option1["http_status"](exc) == 400


def test_option1_leaves_the_look_alikes_alone(option1, clients, serve):
    for sdk, answer in (
        ("openai", OPENAI_BAD_KEY),
        ("openai", OPENAI_PROJECT_403),
        ("openai", OPENAI_OVERLOADED),
        ("anthropic", ANTHROPIC_PERMISSION),
        ("gemini", GEMINI_BAD_KEY),
        ("gemini", GEMINI_API_DISABLED),
    ):
        base, _ = serve(answer)
        exc = _raised(clients[sdk], base)
        assert option1["location_refusal"](exc) is None, (sdk, exc)


def test_call_with_retries_retries_a_503_and_stops_at_the_refusal(option1, clients, serve):
    retry = option1["call_with_retries"]
    refused = option1["LocationNotSupported"]

    base, script = serve(OPENAI_OVERLOADED, OPENAI_REFUSAL)
    with pytest.raises(refused) as caught:
        retry(clients["openai"], base, attempts=5, base_delay=0.001)
    assert script.requests == 2  # one retry for the 503, none for the 403 refusal
    assert caught.value.provider == "openai"
    assert "Country, region, or territory not supported" in str(caught.value)
    assert caught.value.__cause__ is not None  # the SDK's exception stays chained

    base, script = serve(GEMINI_REFUSAL)
    with pytest.raises(refused) as caught:
        retry(clients["gemini"], base, attempts=5, base_delay=0.001)
    assert script.requests == 1 and caught.value.provider == "gemini"

    base, script = serve(ANTHROPIC_REFUSAL)
    with pytest.raises(refused):
        retry(clients["anthropic"], base, attempts=5, base_delay=0.001)
    assert script.requests == 1

    # transient errors are still retried, bounded, and a success comes through
    base, script = serve(OPENAI_OVERLOADED, OPENAI_OVERLOADED, OPENAI_REPLY)
    reply = retry(clients["openai"], base, attempts=5, base_delay=0.001)
    assert reply.choices[0].message.content == "OK" and script.requests == 3
    base, script = serve(OPENAI_OVERLOADED)
    with pytest.raises(Exception) as caught:
        retry(clients["openai"], base, attempts=3, base_delay=0.001)
    assert option1["http_status"](caught.value) == 503 and script.requests == 3
    # other client errors are raised at once, unchanged
    base, script = serve(OPENAI_BAD_KEY)
    with pytest.raises(Exception) as caught:
        retry(clients["openai"], base, attempts=5, base_delay=0.001)
    assert not isinstance(caught.value, refused) and script.requests == 1


def test_option1_runs_as_published(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    providers = [line.split(" <- ")[0].strip() for line in result.stdout.splitlines() if " <- " in line]
    assert providers == ["openai", "gemini", "gemini-billing", "anthropic", "None"]
    assert "stopped after 1 call(s), provider=openai" in result.stdout
