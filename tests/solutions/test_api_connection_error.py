"""Verified fix for solutions/api-connection-error.md.

The SDKs raise `APIConnectionError: Connection error.` for any transport failure and keep the
real error as `__cause__`. The test reproduces the underlying httpx failures the SDK wraps
(a closed port, https:// against a plain-HTTP port) and runs the entry's Option 1 layer check
against the same targets: each failure is named at the right layer; a working URL passes.
"""

import os
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer

import httpx
import pytest
from fake_http import QuietHandler, free_port

SLUG = "api-connection-error"


class _Ok(QuietHandler):
    def do_GET(self):
        self.reply(b"{}")


@pytest.fixture
def plain_http_port():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def closed_port():
    return free_port()  # nothing listens here any more


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "OPENAI_BASE_URL"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def _check(code: str, url: str, tmp_path, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, url],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
        env=_env(**extra),
        check=False,
    )


def test_reproduces_the_transport_errors_the_sdk_wraps(closed_port, plain_http_port):
    with httpx.Client(trust_env=False) as client:
        with pytest.raises(httpx.ConnectError, match="Connection refused"):
            client.get(f"http://127.0.0.1:{closed_port}/v1/models")
        with pytest.raises(
            httpx.ConnectError, match=r"WRONG_VERSION_NUMBER|wrong version number|record layer"
        ):
            client.get(f"https://127.0.0.1:{plain_http_port}/v1/models")


def test_option1_names_a_refused_port(fix_code, closed_port, tmp_path):
    result = _check(fix_code(SLUG, 1), f"http://127.0.0.1:{closed_port}/v1", tmp_path)
    assert result.returncode == 1
    assert "TCP REFUSED" in result.stdout
    assert "UNREACHABLE" in result.stdout


def test_option1_names_https_against_plain_http(fix_code, plain_http_port, tmp_path):
    result = _check(fix_code(SLUG, 1), f"https://127.0.0.1:{plain_http_port}/v1", tmp_path)
    assert result.returncode == 1
    assert "TCP ok" in result.stdout
    assert "TLS FAILED" in result.stdout and "use http://" in result.stdout


def test_option1_passes_a_working_endpoint(fix_code, plain_http_port, tmp_path):
    result = _check(fix_code(SLUG, 1), f"http://127.0.0.1:{plain_http_port}/v1", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "REACHABLE" in result.stdout


def test_option1_reports_a_dead_proxy_first(fix_code, closed_port, plain_http_port, tmp_path):
    result = _check(
        fix_code(SLUG, 1),
        f"http://127.0.0.1:{plain_http_port}/v1",
        tmp_path,
        HTTP_PROXY=f"http://127.0.0.1:{closed_port}",
    )
    assert result.returncode == 1
    assert "PROXY UNREACHABLE" in result.stdout


def test_option1_uses_openai_base_url_when_no_argument(fix_code, closed_port, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG, 1)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
        check=False,
        env=_env(OPENAI_BASE_URL=f"http://127.0.0.1:{closed_port}/v1"),
    )
    assert result.returncode == 1
    assert f"127.0.0.1:{closed_port}" in result.stdout
