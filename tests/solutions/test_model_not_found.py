"""Verified fix for solutions/model-not-found.md.

A stdlib fake OpenAI-compatible server answers `POST /v1/chat/completions` with OpenAI's real
404 `model_not_found` body for an unknown model and lists its models at `GET /v1/models`.
The entry's Option 1 script is run against it: a wrong id exits 1 and names the close real
ids; a served id, and an Ollama-style bare name with an implicit `:latest` tag, resolve.
"""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from fake_http import json_server

SLUG = "model-not-found"
SERVED = ["gpt-4o", "gpt-4o-mini", "llama3.2:latest"]


def _answer(request):
    if request.method == "GET":
        if request.path == "/v1/models":
            return 200, {"object": "list", "data": [{"id": m, "object": "model"} for m in SERVED]}
        return 404, {"error": {"message": "Invalid URL", "type": "invalid_request_error"}}
    model = request.json()["model"]
    if model in SERVED:
        return 200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}]}
    return (
        404,
        {
            "error": {
                "message": f"The model `{model}` does not exist or you do not have access to it.",
                "type": "invalid_request_error",
                "param": None,
                "code": "model_not_found",
            }
        },
    )


@pytest.fixture
def server():
    with json_server(_answer) as base:
        yield f"{base}/v1"


def _env(base_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(OPENAI_BASE_URL=base_url, OPENAI_API_KEY="sk-test", PYTHONDONTWRITEBYTECODE="1")
    return env


def _run(code: str, base_url: str, model: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, model],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
        env=_env(base_url),
        check=False,
    )


def test_reproduces_model_not_found_404(server):
    request = urllib.request.Request(
        server + "/chat/completions",
        method="POST",
        data=json.dumps({"model": "gpt-5o", "messages": []}).encode(),
        headers={"content-type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(request, timeout=10)
    assert info.value.code == 404
    error = json.loads(info.value.read())["error"]
    assert error["code"] == "model_not_found"
    assert "The model `gpt-5o` does not exist" in error["message"]


def test_option1_rejects_wrong_id_and_names_close_matches(fix_code, server, tmp_path):
    result = _run(fix_code(SLUG, 1), server, "gpt-5o", tmp_path)
    assert result.returncode == 1
    assert "model 'gpt-5o' is not served" in result.stderr
    assert "gpt-4o" in result.stderr


def test_option1_accepts_served_id(fix_code, server, tmp_path):
    result = _run(fix_code(SLUG, 1), server, "gpt-4o-mini", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "use model='gpt-4o-mini'" in result.stdout


def test_option1_accepts_ollama_name_without_tag(fix_code, server, tmp_path):
    result = _run(fix_code(SLUG, 1), server, "llama3.2", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "use model='llama3.2:latest'" in result.stdout
