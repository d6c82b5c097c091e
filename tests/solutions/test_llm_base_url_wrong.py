"""Verified fix for solutions/llm-base-url-wrong.md.

The real openai SDK against a local OpenAI-compatible server that serves its API under /v1 (and
answers other paths the way OpenAI, FastAPI servers and Ollama do): each wrong base URL gives the
entry's signature, Option 1 names the mistake and the value to use, and that value works, through
the same SDK, with the models probe listing the server's models.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_http import chat_completion, json_server
from pyrun import run_python

SLUG = "llm-base-url-wrong"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
REPLY = chat_completion("OK", "llama3.2")
MODELS = {
    "object": "list",
    "data": [{"id": "llama3.2", "object": "model", "created": 1, "owned_by": "local"}],
}


def openai_like(request):
    """Serves /v1/chat/completions and /v1/models; any other path gets OpenAI's own 404."""
    path = request.path.split("?")[0]
    if path == "/v1/chat/completions":
        return 200, REPLY
    if path == "/v1/models":
        return 200, MODELS
    message = f"Invalid URL ({request.method} {path})"
    return 404, {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}


@pytest.fixture(scope="module")
def server():
    with json_server(openai_like) as base:
        yield base


CHAT = """
import sys
from openai import OpenAI
client = OpenAI(base_url=sys.argv[1], api_key="none", max_retries=0)
print(client.chat.completions.create(model="llama3.2", messages=[{"role": "user", "content": "hi"}]).choices[0].message.content)
"""


def chat(base_url: str, tmp_path):
    return run_python(CHAT, cwd=tmp_path, args=[base_url], env={"NO_PROXY": "*", "OPENAI_BASE_URL": None})


@pytest.fixture
def option1(fix_code):
    namespace: dict = {"__name__": "entry_option_1"}
    exec(compile(fix_code(SLUG, 1), f"{SLUG}.md option 1", "exec"), namespace)
    return namespace


def _suggested(problems: list[str]) -> str:
    """The value Option 1 says to use: the last 'use …' / 'want …' of its messages."""
    value = problems[-1].split(" use ")[-1].split(" want ")[-1]
    return value


@pytest.mark.parametrize(
    ("wrong", "signature"),
    [
        (
            "{base}/v1/chat/completions",
            "openai.NotFoundError: Error code: 404 - Invalid URL (POST /v1/chat/completions/chat/completions)",
        ),
        ("{base}", None),  # OpenAI's own 404 for /chat/completions
    ],
)
def test_a_wrong_path_is_a_404_and_option1_names_the_value_that_works(
    server, tmp_path, option1, wrong, signature
):
    url = wrong.format(base=server)
    failed = chat(url, tmp_path)
    last = failed.stderr.strip().splitlines()[-1]
    assert failed.returncode == 1 and last.startswith(
        "openai.NotFoundError: Error code: 404 - Invalid URL (POST "
    )
    if signature:
        assert last == signature and f'  - "{signature}"' in ENTRY.read_text(encoding="utf-8")
    problems = option1["base_url_problems"](url)
    assert problems, url
    fixed = chat(_suggested(problems), tmp_path)
    assert fixed.returncode == 0 and fixed.stdout.strip() == "OK", (problems, fixed.stderr)


def test_a_url_without_a_scheme_is_a_connection_error_caused_by_unsupported_protocol(
    server, tmp_path, option1
):
    url = server.split("://")[1] + "/v1"
    failed = chat(url, tmp_path)
    assert "UnsupportedProtocol: Request URL is missing an 'http://' or 'https://' protocol." in failed.stderr
    assert failed.stderr.strip().splitlines()[-1] == "openai.APIConnectionError: Connection error."
    problems = option1["base_url_problems"](url)
    assert problems == [f"no scheme: use http://{url}"]
    assert chat(f"http://{url}", tmp_path).stdout.strip() == "OK"


def test_a_right_base_url_has_no_problem_and_the_probe_lists_the_models(server, tmp_path, option1, fix_code):
    assert option1["base_url_problems"](server + "/v1") == []
    assert option1["base_url_problems"](server + "/v1/") == []
    result = run_python(
        fix_code(SLUG, 1), cwd=tmp_path, args=[server + "/v1", "--probe"], env={"NO_PROXY": "*"}
    )
    assert result.returncode == 0, result.stderr
    assert f"requests go to {server}/v1/chat/completions" in result.stdout
    assert "models: ['llama3.2']" in result.stdout


def test_option1_runs_as_published_without_a_server(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, args=["localhost:11434/v1/chat/completions"])
    assert result.returncode == 0, result.stderr
    assert "no scheme: use http://localhost:11434/v1/chat/completions" in result.stdout
    assert "ends with the endpoint /chat/completions: use http://localhost:11434/v1" in result.stdout
