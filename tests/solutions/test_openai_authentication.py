"""Verified fixes for solutions/openai-authentication.md, with the real openai SDK (dev extra).

A local server (fake_http) stands in for api.openai.com: it accepts exactly one key, answers anything
else with OpenAI's real 401 `invalid_api_key` body, and a wrong OpenAI-Organization header with the
401 `mismatched_organization` body. Reproduced: the SDK's "Missing credentials" error for an unset and
an empty key, and `openai.AuthenticationError: Error code: 401 - Incorrect API key provided ...`.
Run: Option 1 (key inspection + models.list) on a clean, a quoted/newline-damaged, a quotes-only and a
wrong key; Option 2 (python-dotenv override) with a stale exported key and the good key in .env;
Option 3 (client construction: local, OpenRouter, Azure, org/project headers dropped), no network needed.
"""

from __future__ import annotations

import openai
import pytest
from fake_http import json_server
from pyrun import run_python

SLUG = "openai-authentication"
GOOD = "sk-proj-good-key-1234"
INVALID = "Incorrect API key provided: {masked}. You can find your API key at https://platform.openai.com/account/api-keys."


def _answer(request):
    auth = request.headers.get("authorization", "")
    key = auth.removeprefix("Bearer ")
    if key != GOOD:
        masked = f"{key[:8]}****{key[-4:]}"
        error = {"message": INVALID.format(masked=masked), "type": "invalid_request_error", "param": None}
        return 401, {"error": {**error, "code": "invalid_api_key"}}
    org = request.headers.get("openai-organization")
    if org not in (None, "org-right"):
        return 401, {
            "error": {
                "message": "OpenAI-Organization header should match organization for API key",
                "type": "invalid_request_error",
                "param": None,
                "code": "mismatched_organization",
            }
        }
    return 200, {
        "object": "list",
        "data": [{"id": "test-model", "object": "model", "created": 0, "owned_by": "x"}],
    }


@pytest.fixture(scope="module")
def api():
    with json_server(_answer) as base:
        yield base + "/v1"


def _env(api: str, key: str | None, **extra: str | None) -> dict:
    return {
        "OPENAI_API_KEY": key,
        "OPENAI_BASE_URL": api,
        "OPENAI_ORG_ID": None,
        "OPENAI_PROJECT_ID": None,
        "OPENAI_ADMIN_KEY": None,
        **extra,
    }


@pytest.fixture
def setenv(monkeypatch):
    """Set (or, with None, remove) environment variables for this test; restored afterwards."""

    def apply(values: dict) -> None:
        for name, value in values.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)

    return apply


@pytest.fixture
def run_option(fix_code):
    """Run fix option N in this process (openai is imported once) as a script; returns its namespace."""

    def run(option: int, extra: str = "") -> dict:
        namespace: dict = {"__name__": "__main__"}
        exec(compile(fix_code(SLUG, option) + extra, f"{SLUG} option {option}", "exec"), namespace)
        return namespace

    return run


MISSING = (
    "Missing credentials. Please pass an `api_key`, `workload_identity`, `admin_api_key`, "
    "or set the `OPENAI_API_KEY` or `OPENAI_ADMIN_KEY` environment variable."
)


@pytest.mark.parametrize("key", [None, ""])
def test_unset_or_empty_key_fails_when_the_client_is_built(api, setenv, key):
    setenv(_env(api, key))
    with pytest.raises(openai.OpenAIError) as info:
        openai.OpenAI()
    assert f"{type(info.value).__module__}.{type(info.value).__qualname__}" == "openai.OpenAIError"
    assert str(info.value) == MISSING


def test_wrong_key_is_a_401_authentication_error(api, setenv):
    setenv(_env(api, "sk-proj-old-revoked-9999"))
    with pytest.raises(openai.AuthenticationError) as info:
        openai.OpenAI(max_retries=0).models.list()
    assert f"{type(info.value).__module__}.{type(info.value).__qualname__}" == "openai.AuthenticationError"
    assert str(info.value).startswith("Error code: 401 - Incorrect API key provided: sk-proj-****9999.")
    assert (info.value.status_code, info.value.code) == (401, "invalid_api_key")


def test_organization_that_does_not_match_the_key(api, setenv):
    setenv(_env(api, GOOD, OPENAI_ORG_ID="org-other"))
    with pytest.raises(openai.AuthenticationError) as info:
        openai.OpenAI(max_retries=0).models.list()
    assert (
        str(info.value)
        == "Error code: 401 - OpenAI-Organization header should match organization for API key"
    )
    assert info.value.code == "mismatched_organization"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (GOOD, ["OPENAI_API_KEY: sk-proj...1234 (21 chars)", "key OK, first model: test-model"]),
        # quotes kept by `docker run --env-file` plus a trailing newline: reported, then cleaned and accepted
        (
            f'"{GOOD}"\n',
            [
                "PROBLEMS: leading/trailing whitespace or newline; quotes are part of the value",
                "key OK, first model: test-model",
            ],
        ),
        ("sk-proj-old-revoked-9999", ["rejected: invalid_api_key - create a new key"]),
        ("your-api-key-here", ["does not start with sk-", "rejected: invalid_api_key"]),
    ],
)
def test_option1_names_the_problem_and_verifies_the_key(run_option, setenv, capsys, api, raw, expected):
    setenv(_env(api, raw))
    run_option(1)
    out = capsys.readouterr().out
    for text in expected:
        assert text in out
    assert GOOD not in out  # never prints the whole secret
    assert f"OPENAI_BASE_URL: {api}" in out


def test_option1_quotes_only_key_is_reported_not_crashing(run_option, setenv, capsys, api):
    # `OPENAI_API_KEY=""` in an env file passed to docker: the value is two quote characters.
    # (The first version passed the cleaned, empty key to OpenAI() and crashed with "Missing credentials".)
    setenv(_env(api, '""'))
    run_option(1)
    out = capsys.readouterr().out
    assert "quotes are part of the value" in out
    assert "key OK" not in out and "rejected" not in out


def test_option2_env_file_wins_over_a_stale_exported_key(fix_code, tmp_path, api):
    import dotenv  # noqa: F401 (a dev-extra dependency of this option)

    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={GOOD}\n")
    stale = _env(api, "sk-proj-old-revoked-9999")
    default = run_python(
        "import os\nfrom dotenv import load_dotenv\nload_dotenv()\nprint(os.environ['OPENAI_API_KEY'])\n"
        + fix_code(SLUG, 2),
        cwd=tmp_path,
        env=stale,
        timeout=30,
    )
    # without override the exported key wins ... and Option 2's own load_dotenv(override=True) replaces it
    assert default.returncode == 0, default.stderr
    assert default.stdout.splitlines() == ["sk-proj-old-revoked-9999", "test-model"]


def test_option2_without_any_key_fails_clearly(fix_code, tmp_path, api):
    import dotenv  # noqa: F401 (a dev-extra dependency of this option)

    (tmp_path / ".env").write_text("OTHER=1\n")
    missing = run_python(fix_code(SLUG, 2), cwd=tmp_path, env=_env(api, None), timeout=30)
    assert missing.returncode != 0
    assert "RuntimeError: OPENAI_API_KEY is not set" in missing.stderr


def test_option3_builds_each_client_for_its_endpoint(run_option, setenv, api):
    setenv(
        _env(
            api,
            GOOD,
            OPENROUTER_API_KEY="sk-or-v1-test",
            AZURE_OPENAI_API_KEY="azure-key",
            AZURE_OPENAI_ENDPOINT="https://name.openai.azure.com",
            OPENAI_ORG_ID="org-other",
            OPENAI_PROJECT_ID="proj_other",
            OPENAI_BASE_URL=None,
        )
    )
    ns = run_option(3)
    assert [str(ns[name].base_url) for name in ("local", "router", "azure")] == [
        "http://localhost:11434/v1/",
        "https://openrouter.ai/api/v1/",
        "https://name.openai.azure.com/openai/",
    ]
    official = ns["official"]
    assert (official.organization, official.project, official.api_key) == (None, None, GOOD)  # overrides gone


def test_option3_empty_provider_key_names_the_wrong_variable(run_option, setenv, api):
    # The entry's reason for os.environ[...]: with .get(..., "") the SDK blames OPENAI_API_KEY.
    setenv(_env(api, None, OPENROUTER_API_KEY=None))
    with pytest.raises(openai.OpenAIError, match="OPENAI_API_KEY"):
        openai.OpenAI(base_url="https://openrouter.ai/api/v1", api_key="")
    with pytest.raises(KeyError, match="OPENROUTER_API_KEY"):
        run_option(3)
