"""Verified fix for solutions/connect-timeout.md.

A real connect timeout, offline: a local listener whose accept queue is full (Linux then drops every new
SYN, as a firewall would), next to a closed port (refused) and a listener that completes TCP but never
answers the TLS hello. The installed httpx and requests print the entry's wordings against them in a
child interpreter; then the entry's own Option 1 script (read from the Markdown) must tell the three
apart, name the proxy from the environment and say when that proxy is the part that does not answer.
"""

from __future__ import annotations

import re
import socket
import time

import pytest
from pyrun import run_args, run_python

SLUG = "connect-timeout"
NO_PROXY_ENV = {name: None for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")}
NO_PROXY_ENV.update({name.lower(): None for name in NO_PROXY_ENV})


@pytest.fixture
def dropped_port():
    """A port on 127.0.0.1 whose accept queue is full: connecting to it times out."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    waiting = []
    for _ in range(8):
        client = socket.socket()
        client.setblocking(False)
        client.connect_ex(server.getsockname())
        waiting.append(client)
    time.sleep(0.1)
    yield server.getsockname()[1]
    for sock in (server, *waiting):
        sock.close()


@pytest.fixture
def mute_tls_port():
    """A listener the kernel connects to, that never answers the TLS ClientHello."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


def test_real_httpx_and_requests_wordings(dropped_port, mute_tls_port):
    code = f"""
import asyncio, traceback
import httpx, requests


async def fetch_async():
    async with httpx.AsyncClient(timeout=0.25) as client:
        await client.get("http://127.0.0.1:{dropped_port}/")


calls = (
    lambda: httpx.get("http://127.0.0.1:{dropped_port}/", timeout=0.25),
    lambda: requests.get("http://127.0.0.1:{dropped_port}/x", timeout=0.25),
    lambda: httpx.get("https://127.0.0.1:{mute_tls_port}/", timeout=0.25),
    lambda: asyncio.run(fetch_async()),
)
for call in calls:
    try:
        call()
    except Exception as err:
        print(traceback.format_exception_only(type(err), err)[-1].strip())
"""
    result = run_python(code, env=NO_PROXY_ENV)
    assert result.returncode == 0, result.stderr
    httpx_line, requests_line, tls_line, async_line = result.stdout.splitlines()
    assert httpx_line == "httpx.ConnectTimeout: timed out"
    port = dropped_port
    assert re.fullmatch(
        rf"requests\.exceptions\.ConnectTimeout: HTTPConnectionPool\(host='127\.0\.0\.1', port={port}\): "
        rf"Max retries exceeded with url: /x \(Caused by ConnectTimeoutError\(<HTTPConnection\(host='127\.0\.0\.1', "
        rf"port={port}\) at 0x[0-9a-f]+>, 'Connection to 127\.0\.0\.1 timed out\. \(connect timeout=0\.25\)'\)\)",
        requests_line,
    ), requests_line
    assert re.fullmatch(r"httpx\.ConnectTimeout: _ssl\.c:\d+: The handshake operation timed out", tls_line)
    assert async_line == "httpx.ConnectTimeout"  # AsyncClient: the bare class, no message


def test_option1_tells_timeout_from_refused_and_tls(fix_code, dropped_port, mute_tls_port, silent_port):
    urls = [
        f"http://127.0.0.1:{dropped_port}/",
        f"127.0.0.1:{silent_port}",
        f"https://127.0.0.1:{mute_tls_port}/",
    ]
    result = run_args(["-c", fix_code(SLUG, 1), "--timeout", "0.3", *urls], env=NO_PROXY_ENV)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"{urls[0]} -> 127.0.0.1:{dropped_port}: connect timed out" in out
    assert f"{urls[1]} -> 127.0.0.1:{silent_port}: refused" in out
    assert f"{urls[2]} -> 127.0.0.1:{mute_tls_port}: connected, but TLS handshake timed out" in out
    verdicts = [line for line in out.splitlines() if line.startswith("=> ")]
    assert verdicts[0].startswith("=> connect timed out: nothing answered the SYN")
    assert verdicts[1].startswith("=> refused:")
    assert verdicts[2].startswith("=> TCP connects but the TLS hello gets no answer")
    assert out.count("proxy for") == 3 and "none (HTTPS_PROXY" in out


def test_option1_names_the_proxy_and_blames_it_when_it_is_the_silent_part(
    fix_code, dropped_port, silent_port
):
    url = f"http://127.0.0.1:{silent_port}/"
    proxy = f"http://127.0.0.1:{dropped_port}"
    env = {**NO_PROXY_ENV, "HTTP_PROXY": proxy}
    result = run_args(["-c", fix_code(SLUG, 1), "--timeout", "0.3", url], env=env)
    assert result.returncode == 0, result.stderr
    assert f"proxy for {url}: {proxy} -> connect timed out" in result.stdout
    assert "=> the proxy itself does not answer (connect timed out)" in result.stdout
    # NO_PROXY exempts the host: no proxy, and the direct verdict stands
    env["NO_PROXY"] = "127.0.0.1"
    result = run_args(["-c", fix_code(SLUG, 1), "--timeout", "0.3", url], env=env)
    assert f"proxy for {url}: none" in result.stdout
    assert "=> refused:" in result.stdout


def test_option1_without_arguments_demonstrates_the_verdicts(fix_code):
    result = run_args(["-c", fix_code(SLUG, 1)], env=NO_PROXY_ENV)
    assert result.returncode == 0, result.stderr
    verdicts = [line.rsplit(": ", 1)[-1] for line in result.stdout.splitlines()]
    assert verdicts == ["connect timed out", "refused", "connected, but TLS handshake timed out"]
