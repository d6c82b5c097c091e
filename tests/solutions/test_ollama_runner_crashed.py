"""Verified fix for solutions/ollama-runner-crashed.md.

A fake Ollama answers /api/chat with HTTP 500 and the runner-crash bodies the real server sends.
The test reproduces the failure over HTTP, then runs the entry's Option 1 classifier on those
texts and on server-log lines: memory, old Ollama, corrupt blob and GPU-runtime causes are told
apart, unknown text points to the server log, and the demo runs.
"""

import httpx
import pytest
from fake_http import json_server
from pyrun import run_python

SLUG = "ollama-runner-crashed"
BODIES = {
    "oom-killed": "llama runner process has terminated: signal: killed",
    "precheck": "model requires more system memory (8.2 GiB) than is available (3.1 GiB)",
    "arch": "llama runner process has terminated: exit status 1: error loading model: unknown model architecture: 'mllama'",
    "dll": "llama runner process has terminated: exit status 0xc0000135",
    "crash": "llama runner process has terminated: exit status 2",
}


@pytest.fixture
def fake_ollama():
    with json_server(lambda request: (500, {"error": BODIES[request.json()["model"]]})) as base:
        yield base


@pytest.fixture
def explain(fix_code):
    namespace = {"__name__": "entry_option1"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    return namespace["explain_runner_failure"]


def _chat(base, model):
    response = httpx.post(
        base + "/api/chat", json={"model": model, "messages": []}, trust_env=False, timeout=10
    )
    return response.status_code, response.json()["error"]


def test_reproduces_runner_errors(fake_ollama):
    status, error = _chat(fake_ollama, "crash")
    assert status == 500
    assert error == "llama runner process has terminated: exit status 2"


@pytest.mark.parametrize(
    "model,expected",
    [
        ("oom-killed", "not enough RAM/VRAM"),
        ("precheck", "not enough RAM/VRAM"),
        ("arch", "does not know the model's architecture"),
        ("dll", "GPU runtime/driver libraries"),
        ("crash", "the runner crashed"),
    ],
)
def test_option1_classifies_api_errors(explain, fake_ollama, model, expected):
    _, error = _chat(fake_ollama, model)
    cause, fix = explain(error)
    assert expected in cause
    assert fix


def test_option1_classifies_log_lines(explain):
    log = (
        "llama_model_load: error loading model: gguf_init_from_file: invalid magic characters\n"
        "llama runner process has terminated: exit status 1"
    )
    assert "corrupt" in explain(log)[0]
    assert (
        "RAM/VRAM"
        in explain(
            "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 5120 MiB "
            "on device 0: cudaMalloc failed: out of memory"
        )[0]
    )


def test_option1_unknown_points_to_the_log(explain):
    cause, fix = explain("something odd happened")
    assert cause.startswith("unknown")
    assert "journalctl -u ollama" in fix


def test_option1_demo_runs(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("cause:") == 4
