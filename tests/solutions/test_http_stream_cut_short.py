"""Verified fix for solutions/http-stream-cut-short.md.

A real asyncio server on 127.0.0.1 sends a response's headers and part of its body, then closes the
connection: httpx, requests/urllib3, urllib, aiohttp, the anthropic SDK and Node's fetch raise the texts
the entry lists (each compared with its `errors`). Then the cause the entry puts first, for real: Debian's
nginx (`make nginx` installs it) with `proxy_read_timeout 1s` in front of a uvicorn app whose stream is
silent for 2 s cuts the stream and logs `upstream timed out`. On that setup the entry's own code runs:
Option 1's timing helper names the 1 s idle timeout, Option 2's nginx block (only its proxy_pass address
changed) lets the stream finish and passes the first event on before the pause ends, Option 3's pings
keep the stream alive through the 1 s timeout, and Option 4 resumes a cut download and stays bounded.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import anthropic
import httpx
import pytest
import requests
import urllib3
import uvicorn
from entry_blocks import option_blocks
from pyrun import run_python
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from app.corpus.entries import parse_entry

SLUG = "http-stream-cut-short"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
NGINX = "/usr/sbin/nginx"

SSE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
# the cut falls between two chunks (after a whole event), or inside a chunk announced as 0x20 bytes
BETWEEN_CHUNKS = SSE_HEAD + b"d\r\ndata: hello\n\n\r\n"
INSIDE_CHUNK = SSE_HEAD + b"20\r\nonly ten b"
SHORT_LENGTH = (
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a": "' + b"x" * 37
)


@pytest.fixture(scope="module")
def errors() -> set[str]:
    return set(parse_entry(ENTRY).errors)


@contextmanager
def cutting_server(payload: bytes, hits: list | None = None) -> Iterator[str]:
    """An asyncio server that answers every request with `payload` and closes the connection (`hits` counts them)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if hits is not None:
            hits.append(1)
        writer.write(payload)
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.close()

    async def start() -> None:
        holder["server"] = await asyncio.start_server(handle, "127.0.0.1", 0)
        holder["port"] = holder["server"].sockets[0].getsockname()[1]
        ready.set()

    thread = threading.Thread(
        target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True
    )
    thread.start()
    assert ready.wait(10)
    try:
        yield f"http://127.0.0.1:{holder['port']}/v1/stream"
    finally:
        loop.call_soon_threadsafe(holder["server"].close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def raised(call) -> BaseException:
    try:
        call()
    except BaseException as exc:  # the error is what the test looks at
        return exc
    pytest.fail("no error was raised")


def chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The error and its causes (raise ... from) or contexts."""
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def shown(exc: BaseException) -> str:
    """The last line of a traceback: module.Class: message."""
    return f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}".replace("builtins.", "")


def test_httpx_and_h11_texts(errors):
    def read(url):
        with httpx.stream("GET", url, timeout=10) as response:
            for _ in response.iter_lines():
                pass

    with cutting_server(BETWEEN_CHUNKS) as url:
        exc = raised(lambda: read(url))
    texts = {shown(e).replace("._exceptions.", ".") for e in chain(exc)}
    for name in ("httpx", "httpcore", "h11._util"):
        line = f"{name}.RemoteProtocolError: peer closed connection without sending complete message body (incomplete chunked read)"
        assert line in texts and line in errors
    with cutting_server(SHORT_LENGTH) as url:
        exc = raised(lambda: httpx.get(url, timeout=10))
    assert (
        str(exc)
        == "peer closed connection without sending complete message body (received 44 bytes, expected 100)"
    )
    assert f"httpx.RemoteProtocolError: {exc}" in errors


def test_requests_urllib3_and_urllib_texts(errors):
    def read(url):
        with requests.get(url, stream=True, timeout=10) as response:
            for _ in response.iter_lines():
                pass

    with cutting_server(BETWEEN_CHUNKS) as url:
        exc = raised(lambda: read(url))
    assert isinstance(exc, requests.exceptions.ChunkedEncodingError)
    if tuple(int(p) for p in urllib3.__version__.split(".")[:3]) >= (2, 2, 1):
        assert str(exc) == "Response ended prematurely"
    else:  # urllib3 1.26 to 2.2.0
        assert "InvalidChunkLength(got length b'', 0 bytes read)" in str(exc)
    assert f"requests.exceptions.ChunkedEncodingError: {exc}" in errors

    with cutting_server(INSIDE_CHUNK) as url:
        exc = raised(lambda: read(url))
    assert (
        f"requests.exceptions.ChunkedEncodingError: {exc}" in errors
    )  # IncompleteRead(10 bytes read, 22 more expected)

    with cutting_server(SHORT_LENGTH) as url:
        exc = raised(lambda: urllib3.PoolManager().request("GET", url, retries=False))
        assert f"urllib3.exceptions.ProtocolError: {exc}" in errors
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        exc = raised(lambda: opener.open(url, timeout=10).read())
    assert f"http.client.IncompleteRead: {exc!r}" in errors


def test_aiohttp_texts(errors):
    async def read(url):
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            async for _ in response.content:
                pass

    for payload, part in ((BETWEEN_CHUNKS, "TransferEncodingError"), (SHORT_LENGTH, "ContentLengthError")):
        with cutting_server(payload) as url:
            exc = raised(lambda url=url: asyncio.run(read(url)))
        assert isinstance(exc, aiohttp.ClientPayloadError)
        assert part in str(exc)
        assert f"aiohttp.client_exceptions.ClientPayloadError: {exc}" in errors


def test_anthropic_stream_text(errors):
    with cutting_server(BETWEEN_CHUNKS) as url:
        client = anthropic.Anthropic(base_url=url.rsplit("/v1", 1)[0], api_key="test", max_retries=0)

        def stream():
            with client.messages.stream(
                model="m", max_tokens=5, messages=[{"role": "user", "content": "hi"}]
            ) as s:
                for _ in s.text_stream:
                    pass

        exc = raised(stream)
    host = url.split("/")[2]
    assert isinstance(exc, anthropic.APIConnectionError)
    assert f"anthropic.APIConnectionError: {exc}".replace(host, "api.anthropic.com") in errors


def test_node_fetch_text(errors):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed (make node installs it)")
    script = "fetch(process.argv[1]).then(r => r.text()).catch(e => console.log(String(e) + '|' + e.cause.message + '|' + e.cause.code))"
    with cutting_server(INSIDE_CHUNK) as url:
        out = subprocess.run(
            [node, "-e", script, url], capture_output=True, text=True, timeout=30
        ).stdout.strip()
    text, cause, code = out.split("|")
    assert (text, cause, code) == ("TypeError: terminated", "other side closed", "UND_ERR_SOCKET")
    # undici's own body timeout prints the same `TypeError: terminated` (its cause is BodyTimeoutError):
    # the entry claims the text only together with the cause that tells a cut from a client timeout
    assert text not in errors
    assert f"{text}\n  [cause]: SocketError: {cause}\n    code: '{code}'" in errors


# --- the cause, for real: nginx's proxy_read_timeout on a stream that goes quiet ---------------------


def events_app(with_pings) -> Starlette:
    async def paused():
        yield 'data: {"token": "Hello"}\n\n'
        await asyncio.sleep(2.0)  # the model thinks: longer than nginx's 1 s proxy_read_timeout
        yield 'data: {"token": " world"}\n\n'
        yield "data: [DONE]\n\n"

    async def pause(request):
        return StreamingResponse(paused(), media_type="text/event-stream")

    async def pinged(request):
        return StreamingResponse(with_pings(paused(), every=0.3), media_type="text/event-stream")

    return Starlette(routes=[Route("/{prefix}/pause", pause), Route("/{prefix}/pinged", pinged)])


@contextmanager
def live_uvicorn(app) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def nginx_config(folder: Path, port: int, upstream: str, option2: str) -> str:
    temp = "".join(
        f"    {k}_temp_path {folder / k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    published = option2.replace("http://127.0.0.1:8000", upstream)
    assert published != option2, (
        "Option 2's block no longer proxies to http://127.0.0.1:8000: update this test"
    )
    return (
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        + "events {\n    worker_connections 64;\n}\n"
        + f"http {{\n    access_log off;\n{temp}"
        + f"    server {{\n        listen 127.0.0.1:{port};\n"
        + "        location /short/ {\n"
        + f"            proxy_pass {upstream};\n            proxy_http_version 1.1;\n"
        + "            proxy_read_timeout 1s;\n            proxy_buffering off;\n        }\n"
        + "".join(f"        {line}\n" for line in published.splitlines())
        + "    }\n}\n"
    )


@pytest.fixture(scope="module")
def entry_code() -> dict:
    """Options 1, 3 and 4 as published, executed as modules (their demos do not run)."""
    code = {}
    for n in (1, 3, 4):
        namespace: dict = {"__name__": f"option{n}"}
        exec(compile(option_blocks(SLUG, n)[0][1], f"option{n}.py", "exec"), namespace)
        code[n] = namespace
    return code


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, entry_code) -> Iterator[tuple[str, Path]]:
    """nginx on a free port in front of the uvicorn app: /short/ with a 1 s read timeout, /v1/ with Option 2's block."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail("nginx is needed: `make nginx` (apt-get install nginx)")
    (lang, option2), *_ = option_blocks(SLUG, 2)
    assert lang == "nginx"
    folder = tmp_path_factory.mktemp("nginx")
    with live_uvicorn(events_app(entry_code[3]["with_pings"])) as upstream:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        conf = folder / "nginx.conf"
        conf.write_text(nginx_config(folder, port, upstream, option2), encoding="utf-8")
        with open(folder / "stderr.log", "ab") as out:
            proc = subprocess.Popen(
                [NGINX, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while True:
                assert proc.poll() is None, (folder / "stderr.log").read_text() + (
                    folder / "error.log"
                ).read_text()
                try:
                    httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}", folder / "error.log"
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def sse_lines(url: str) -> tuple[list[str], float]:
    """Every non-empty line of the stream, and the seconds until the first one arrived."""
    lines, first, start = [], None, time.monotonic()
    with httpx.stream("GET", url, timeout=httpx.Timeout(10.0)) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                lines.append(line)
                first = first if first is not None else time.monotonic() - start
    return lines, first or 0.0


def test_nginx_read_timeout_cuts_a_quiet_stream(proxy, errors):
    base, error_log = proxy
    exc = raised(lambda: sse_lines(f"{base}/short/pause"))
    assert isinstance(exc, httpx.RemoteProtocolError)
    assert f"httpx.RemoteProtocolError: {exc}" in errors
    assert "upstream timed out (110: Connection timed out) while reading upstream" in error_log.read_text()


def test_option1_times_the_cut_and_names_the_idle_timeout(proxy, entry_code):
    base, _ = proxy
    body, report = entry_code[1]["stream_with_timing"](f"{base}/short/pause", trust_env=False)
    assert body == b'data: {"token": "Hello"}\n\n'  # what arrived is kept
    assert report["error"].startswith(
        "RemoteProtocolError: peer closed connection without sending complete message body"
    )
    assert 0.8 <= report["seconds_silent_before_cut"] <= 1.8, report
    verdict = entry_code[1]["explain"](report, idle_timeouts=(1, 60))
    assert "idle/read timeout of 1 s" in verdict
    # a complete stream gives no report
    body, report = entry_code[1]["stream_with_timing"](f"{base}/v1/pause", trust_env=False)
    assert report is None and body.endswith(b"data: [DONE]\n\n")


def test_option1_demo_runs(tmp_path):
    result = run_python(option_blocks(SLUG, 1)[0][1], cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "idle/read timeout of 1 s" in result.stdout


def test_option2_nginx_block_lets_the_stream_finish(proxy):
    base, _ = proxy
    lines, first = sse_lines(f"{base}/v1/pause")
    assert lines == ['data: {"token": "Hello"}', 'data: {"token": " world"}', "data: [DONE]"]
    assert first < 1.5  # proxy_buffering off: the first event is passed on before the 2 s pause ends


def test_option3_pings_keep_the_stream_alive_through_the_timeout(proxy):
    base, _ = proxy
    lines, _ = sse_lines(f"{base}/short/pinged")  # the same 1 s proxy_read_timeout that cut /short/pause
    assert [line for line in lines if not line.startswith(":")] == [
        'data: {"token": "Hello"}',
        'data: {"token": " world"}',
        "data: [DONE]",
    ]
    assert ": ping" in lines


def test_option3_demo_runs(tmp_path):
    result = run_python(option_blocks(SLUG, 3)[0][1], cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "': ping\\n\\n'" in result.stdout and "[DONE]" in result.stdout


def test_option4_resumes_a_cut_download(tmp_path):
    result = run_python(option_blocks(SLUG, 4)[0][1], cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (
        "cut after 300000 bytes (peer closed connection without sending complete message body"
        in result.stdout
    )
    assert "complete: 1048576 bytes" in result.stdout


def test_option4_gives_up_after_its_attempts(entry_code, tmp_path):
    hits: list = []
    with cutting_server(SHORT_LENGTH, hits) as url:
        exc = raised(
            lambda: entry_code[4]["download"](url, str(tmp_path / "out.json"), attempts=3, trust_env=False)
        )
    assert isinstance(exc, httpx.RemoteProtocolError)
    assert len(hits) == 3  # bounded: exactly `attempts` requests
    assert not (tmp_path / "out.json").exists()  # an incomplete file never takes the real name
