"""Verified fix for solutions/llm-api-key-rejected.md.

The real anthropic, google-genai and openai SDKs against a local server that rejects every key as
those APIs do: their texts are the entry's signatures; the server records the key each SDK sent, which
checks the entry's claims about which variable wins (GOOGLE_API_KEY over GEMINI_API_KEY, ANTHROPIC_API_KEY
over ANTHROPIC_AUTH_TOKEN) and python-dotenv's default of not overriding; Option 1's report names the
variable sent, the one it shadows, whitespace, quotes and another provider's key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_http import json_server
from pyrun import run_python

SLUG = "llm-api-key-rejected"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
REJECTIONS = {
    "/v1/messages": (
        401,
        {
            "type": "error",
            "error": {"type": "authentication_error", "message": "invalid x-api-key"},
            "request_id": "req_011CXXXX",
        },
    ),
    "/v1/chat/completions": (  # Together's answer, through the openai SDK's base_url
        401,
        {
            "error": {
                "message": "Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys.",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
        },
    ),
}
GEMINI_400 = (
    400,
    {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "generativelanguage.googleapis.com"},
                }
            ],
        }
    },
)


class Rejecter:
    """Answers every request with that API's rejection and remembers the credential headers sent."""

    def __init__(self):
        self.sent: list[dict[str, str | None]] = []

    def __call__(self, request):
        headers = request.headers
        self.sent.append({k: headers.get(k) for k in ("x-api-key", "authorization", "x-goog-api-key")})
        return REJECTIONS.get(request.path.split("?")[0], GEMINI_400)


@pytest.fixture
def api():
    rejecter = Rejecter()
    with json_server(rejecter) as base:
        yield base, rejecter


CLEAN = {
    name: None
    for name in (
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
        "OPENAI_API_KEY",
    )
}
ANTHROPIC_CALL = """
import anthropic
client = anthropic.Anthropic(max_retries=0)
client.messages.create(model="claude-sonnet-5", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
"""
GEMINI_CALL = """
from google import genai
client = genai.Client()
client.models.generate_content(model="gemini-2.5-flash", contents="hi")
"""
COMPATIBLE_CALL = """
import openai
client = openai.OpenAI(max_retries=0)
client.chat.completions.create(model="meta-llama/Llama-3.3-70B-Instruct-Turbo", messages=[{"role": "user", "content": "hi"}])
"""


def _run(code: str, tmp_path, **env):
    return run_python(code, cwd=tmp_path, env={**CLEAN, "NO_PROXY": "*", **env}, timeout=120)


def _signature(result) -> str:
    line = result.stderr.strip().splitlines()[-1]
    assert f'  - "{line}"' in ENTRY.read_text(encoding="utf-8"), line
    return line


def test_anthropic_sends_the_api_key_before_the_auth_token_and_says_invalid_x_api_key(api, tmp_path):
    base, rejecter = api
    result = _run(
        ANTHROPIC_CALL,
        tmp_path,
        ANTHROPIC_BASE_URL=base,
        ANTHROPIC_API_KEY="sk-ant-old",
        ANTHROPIC_AUTH_TOKEN="tok-new",
    )
    assert _signature(result).startswith("anthropic.AuthenticationError: 401 invalid x-api-key (request_id: ")
    assert (
        "ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN are both set. Using ANTHROPIC_API_KEY." in result.stderr
    )
    sent = rejecter.sent[-1]
    assert "sk-ant-old" in (
        sent["x-api-key"] or sent["authorization"] or ""
    )  # the header's name varies by release
    assert "tok-new" not in str(sent)


def test_google_genai_sends_google_api_key_before_gemini_api_key(api, tmp_path):
    base, rejecter = api
    result = _run(
        GEMINI_CALL,
        tmp_path,
        GOOGLE_GEMINI_BASE_URL=base,
        GOOGLE_API_KEY="AIza-stale",
        GEMINI_API_KEY="AIza-new",
    )
    assert "Both GOOGLE_API_KEY and GEMINI_API_KEY are set. Using GOOGLE_API_KEY." in result.stderr
    assert _signature(result).startswith("google.genai.errors.ClientError: 400 INVALID_ARGUMENT. ")
    assert rejecter.sent[-1]["x-goog-api-key"] == "AIza-stale"


def test_an_openai_compatible_provider_s_rejection_through_the_openai_sdk(api, tmp_path):
    base, rejecter = api
    result = _run(
        COMPATIBLE_CALL, tmp_path, OPENAI_BASE_URL=base + "/v1", OPENAI_API_KEY="sk-proj-openai-key"
    )
    assert _signature(result) == (
        "openai.AuthenticationError: Error code: 401 - Invalid API key provided. "
        "You can find your API key at https://api.together.xyz/settings/api-keys."
    )
    assert rejecter.sent[-1]["authorization"] == "Bearer sk-proj-openai-key"


def test_load_dotenv_keeps_an_exported_key_unless_told_to_override(tmp_path):
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY=sk-ant-from-file\n", encoding="utf-8")
    code = "import os\nfrom dotenv import load_dotenv\nload_dotenv({override})\nprint(os.environ['ANTHROPIC_API_KEY'])"
    exported = {"ANTHROPIC_API_KEY": "sk-ant-exported"}
    assert _run(code.format(override=""), tmp_path, **exported).stdout.strip() == "sk-ant-exported"
    assert (
        _run(code.format(override="override=True"), tmp_path, **exported).stdout.strip() == "sk-ant-from-file"
    )


@pytest.fixture
def report(fix_code):
    namespace: dict = {"__name__": "entry_option_1"}
    exec(compile(fix_code(SLUG, 1), f"{SLUG}.md option 1", "exec"), namespace)
    return namespace["report"]


def test_option1_names_the_variable_sent_and_what_is_wrong_with_it(report):
    lines = report(
        {
            "GOOGLE_API_KEY": "AIzaSyStaleKey0123456789",
            "GEMINI_API_KEY": "AIzaSyNewKey0123456789",
            "ANTHROPIC_API_KEY": "sk-ant-api03-abcdefghij\n",
            "GROQ_API_KEY": '"gsk_abcdefghijklmnop"',
            "OPENROUTER_API_KEY": "sk-proj-openai0123456789",
        }
    )
    text = "\n".join(lines)
    assert "gemini (google-genai): sends GOOGLE_API_KEY=AIzaSy…(24 chars); ignores GEMINI_API_KEY" in text
    assert (
        "anthropic: sends ANTHROPIC_API_KEY=sk-ant…(24 chars)  <- leading/trailing whitespace or newline"
        in text
    )
    assert "groq: sends GROQ_API_KEY" in text and "quotes are part of the value" in text
    assert "openrouter: sends OPENROUTER_API_KEY" in text and "looks like a openai key" in text
    assert "openai:" not in text  # nothing set, nothing said
    assert report({}) == ["no provider key variable is set in this environment"]
    clean = report({"ANTHROPIC_API_KEY": "sk-ant-api03-abcdefghij"})
    assert clean == ["anthropic: sends ANTHROPIC_API_KEY=sk-ant…(23 chars)"]


def test_option1_runs_as_published_and_prints_only_masked_keys(fix_code, tmp_path):
    result = _run(fix_code(SLUG, 1), tmp_path, GEMINI_API_KEY="AIzaSySecretSecretSecret")
    assert result.returncode == 0, result.stderr
    assert "gemini (google-genai): sends GEMINI_API_KEY=AIzaSy…(24 chars)" in result.stdout
    assert "SecretSecret" not in result.stdout
