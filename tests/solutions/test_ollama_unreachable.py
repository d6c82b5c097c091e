"""Verified fix for solutions/ollama-unreachable.md.

Runs the entry's Option 1 probe in a child process against: a fake Ollama answering
GET /api/version (reachable), a closed port (refused: start the server / container hint), an
unresolvable host (DNS: host-gateway hint), 0.0.0.0 as a client target, and OLLAMA_HOST forms
without a scheme or port (defaults as in ollama-python: http and 11434).
"""

import os

import pytest
from fake_http import free_port, json_server
from pyrun import run_python

SLUG = "ollama-unreachable"


@pytest.fixture
def fake_ollama():
    version = {"version": "0.12.3"}
    with json_server(lambda request: (200 if request.path == "/api/version" else 404, version)) as base:
        yield int(base.rsplit(":", 1)[1])


@pytest.fixture
def closed_port():
    return free_port()  # nothing listens here any more


def _probe(code, tmp_path, ollama_host=None, *args):
    """The probe in a fresh interpreter with OLLAMA_HOST set to `ollama_host` (None: unset)."""
    return run_python(code, cwd=tmp_path, env={"OLLAMA_HOST": ollama_host}, args=args)


def test_reachable_server(fix_code, fake_ollama, tmp_path):
    result = _probe(fix_code(SLUG, 1), tmp_path, f"127.0.0.1:{fake_ollama}")  # no scheme: http assumed
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Ollama 0.12.3 is reachable at http://127.0.0.1:{fake_ollama}" in result.stdout


def test_url_argument_wins(fix_code, fake_ollama, tmp_path):
    result = _probe(fix_code(SLUG, 1), tmp_path, "127.0.0.1:1", f"http://127.0.0.1:{fake_ollama}/")
    assert result.returncode == 0, result.stdout + result.stderr


def test_refused_names_the_fix(fix_code, closed_port, tmp_path):
    result = _probe(fix_code(SLUG, 1), tmp_path, f"http://127.0.0.1:{closed_port}")
    assert result.returncode == 1
    assert "Connection refused" in result.stdout and "nothing listens there" in result.stdout


def test_zero_address_is_explained(fix_code, closed_port, tmp_path):
    result = _probe(fix_code(SLUG, 1), tmp_path, f"0.0.0.0:{closed_port}")
    assert result.returncode == 1
    assert "0.0.0.0 is a listen address" in result.stdout


def test_dns_failure_names_host_gateway(fix_code, tmp_path):
    result = _probe(fix_code(SLUG, 1), tmp_path, "http://no-such-ollama-host.invalid:11434")
    assert result.returncode == 1
    assert "does not resolve here" in result.stdout and "host-gateway" in result.stdout


def test_default_url_like_ollama_python(fix_code, tmp_path):
    namespace = {"__name__": "entry"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    saved = os.environ.pop("OLLAMA_HOST", None)
    try:
        assert namespace["ollama_base_url"]() == "http://127.0.0.1:11434"
        os.environ["OLLAMA_HOST"] = "ollama"
        assert namespace["ollama_base_url"]() == "http://ollama:11434"
    finally:
        os.environ.pop("OLLAMA_HOST", None)
        if saved is not None:
            os.environ["OLLAMA_HOST"] = saved


# Values from ollama-python 0.6.3 `ollama._client._parse_host` (its doctests, and run on that release):
# a scheme without a port means 80/443 there, not 11434; the old probe checked the wrong port.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://host.docker.internal", "http://host.docker.internal:80"),
        ("https://ollama.example.com", "https://ollama.example.com:443"),
        (":56789", "http://127.0.0.1:56789"),
        ("[::1]", "http://[::1]:11434"),
        ("example.com:56789/path/", "http://example.com:56789/path"),
    ],
)
def test_base_url_matches_ollama_python_parse_host(fix_code, value, expected):
    namespace = {"__name__": "entry"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    saved = os.environ.get("OLLAMA_HOST")
    os.environ["OLLAMA_HOST"] = value
    try:
        assert namespace["ollama_base_url"]() == expected
    finally:
        if saved is None:
            os.environ.pop("OLLAMA_HOST", None)
        else:
            os.environ["OLLAMA_HOST"] = saved
