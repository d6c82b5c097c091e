"""Verified fixes for solutions/upstream-service-unavailable.md: 502/503/504 from a gateway in front of a service.

Everything runs against a local stand-in of a gateway (a thread in this process answering the statuses and bodies
nginx 1.22.1 sends), with the real requests, urllib3, httpx, aiohttp and tenacity of the dev extra, each client in
a child interpreter:
- requests, httpx, aiohttp and urllib raise the wordings the entry lists (with the server's own reason phrase,
  so nginx's `Gateway Time-out` comes through), and each, with the local URL replaced by a remote one as a
  user's traceback shows it, is answered by the entry; the look-alikes it lists are not;
- urllib3's Retry on a requests Session retries 503 and honours Retry-After, does not retry POST by default,
  ends in `RetryError ... too many 503 error responses` unless raise_on_status=False; httpx's transport
  `retries=` sends a 503 request once (it retries connection failures only): the entry's table;
- the entry's Option 1 and Option 2 blocks run as written (their demos serve 503/502 first), and their
  functions, against the stand-in: retries stop at the budget with the original HTTPError / HTTPStatusError /
  ClientResponseError, 4xx and 500 are not retried, Retry-After is read as seconds or an HTTP date and capped;
  Option 1's Retry caps Retry-After too and survives one urllib3 cannot read; the demos close their sockets;
- Option 3's probes run with only the tools the official images have: curl (no wget) in nginx's Debian image,
  neither in python:*-slim (the health check uses the app's Python).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml
from answers import assert_answers, confident_answer
from entry_blocks import option_blocks
from pyrun import run_python

SLUG = "upstream-service-unavailable"
NO_PROXY = {"NO_PROXY": "*", "no_proxy": "*"}
REASONS = {200: "OK", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}
# nginx's 502 and 504 phrases; nginx says `503 Service Temporarily Unavailable`, most other servers `Service Unavailable`
REASONS.update({502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"})


class Gateway:
    """The answers in order (the last repeats): (status, headers); records (method, path) of each request."""

    def __init__(self, *answers: tuple[int, dict]):
        self.answers = list(answers)
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def next(self, method: str, path: str) -> tuple[int, dict]:
        with self.lock:
            self.requests.append((method, path))
            return self.answers[min(len(self.requests), len(self.answers)) - 1]


@contextmanager
def gateway(*answers: tuple[int, dict]) -> Iterator[tuple[str, Gateway]]:
    script = Gateway(*answers)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            status, headers = script.next(self.command, self.path)
            if status == 200:
                body, kind = json.dumps({"ok": True}).encode(), "application/json"
            else:  # the page nginx 1.22.1 sends for its own errors
                line = f"{status} {REASONS[status]}"
                page = f"<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n<center><h1>{line}</h1></center>\r\n"
                body, kind = (
                    (page + "<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n").encode(),
                    "text/html",
                )
            self.send_response(status, REASONS[status])
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", script
    finally:
        server.shutdown()
        server.server_close()


def child(code: str, timeout: float = 30):
    return run_python(code, env=NO_PROXY, timeout=timeout)


def option_module(fix_code, option: int) -> str:
    """Python that defines an option's names without running its `__main__` demo."""
    return f"_ns = {{'__name__': 'fix_option'}}\nexec(compile({fix_code(SLUG, option)!r}, 'option', 'exec'), _ns)\n"


# --- the error: each client's wording ------------------------------------------------------------------------------
CLIENTS = r"""
import asyncio, traceback, urllib.request
import aiohttp, httpx, requests


def last(fn):
    try:
        fn()
    except Exception as exc:
        return traceback.format_exception_only(type(exc), exc)[-1].rstrip()
    return "no error"


async def with_aiohttp(u):
    async with aiohttp.ClientSession(raise_for_status=True) as session:
        async with session.get(u):
            pass


for status in (502, 503, 504):
    u = URL + "/%d/v1/items" % status
    print(last(lambda: requests.get(u).raise_for_status()))
    print(last(lambda: httpx.get(u).raise_for_status()).replace("\n", "\\n"))
    print(last(lambda: asyncio.run(with_aiohttp(u))))
    print(last(lambda: urllib.request.urlopen(u)))
"""


def test_the_clients_raise_the_entry_wordings_and_the_matcher_answers_them(entry, index):
    # the stand-in answers 502, 503, 504 for requests, httpx, aiohttp and urllib in turn
    answers = [(s, {}) for s in (502, 502, 502, 502, 503, 503, 503, 503, 504, 504, 504, 504)]
    with gateway(*answers) as (url, script):
        result = child(f"URL = {url!r}\n" + CLIENTS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 12 and len(script.requests) == 12
    remote = [line.replace(url, "https://api.example.com") for line in lines]
    remote = [re.sub(r"/50\d/v1/items", "/v1/items", line) for line in remote]
    expected = [
        "requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: https://api.example.com/v1/items",
        "httpx.HTTPStatusError: Server error '502 Bad Gateway' for url 'https://api.example.com/v1/items'\\n"
        "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/502",
        "aiohttp.client_exceptions.ClientResponseError: 502, message='Bad Gateway', url='https://api.example.com/v1/items'",
        "urllib.error.HTTPError: HTTP Error 502: Bad Gateway",
        "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: https://api.example.com/v1/items",
        "httpx.HTTPStatusError: Server error '503 Service Unavailable' for url 'https://api.example.com/v1/items'\\n"
        "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/503",
        "aiohttp.client_exceptions.ClientResponseError: 503, message='Service Unavailable', "
        "url='https://api.example.com/v1/items'",
        "urllib.error.HTTPError: HTTP Error 503: Service Unavailable",
        "requests.exceptions.HTTPError: 504 Server Error: Gateway Time-out for url: https://api.example.com/v1/items",
        "httpx.HTTPStatusError: Server error '504 Gateway Time-out' for url 'https://api.example.com/v1/items'\\n"
        "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/504",
        "aiohttp.client_exceptions.ClientResponseError: 504, message='Gateway Time-out', "
        "url='https://api.example.com/v1/items'",
        "urllib.error.HTTPError: HTTP Error 504: Gateway Time-out",
    ]
    assert remote == expected
    listed = {e.replace("\n", "\\n") for e in entry.errors}
    # httpx with nginx's 504 phrase is listed without its MDN line; every other wording is listed as printed
    unlisted = [line for line in remote if line not in listed]
    assert unlisted == [expected[9]]
    for line in remote:
        assert_answers(index, SLUG, line.replace("\\n", "\n"))


def test_a_pasted_traceback_and_gateway_bodies_are_answered(index):
    traceback_text = (
        "Traceback (most recent call last):\n"
        '  File "/app/sync.py", line 41, in fetch_page\n'
        "    response.raise_for_status()\n"
        '  File "/usr/local/lib/python3.12/site-packages/requests/models.py", line 1024, in raise_for_status\n'
        "    raise HTTPError(http_error_msg, response=self)\n"
        "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: "
        "https://api.acme-data.io/v2/records?page=3"
    )
    assert_answers(index, SLUG, traceback_text)
    assert_answers(
        index,
        SLUG,
        "503 Service Unavailable (error code: 0): upstream connect error or disconnect/reset before headers. "
        "reset reason: connection termination.",
    )
    assert_answers(index, SLUG, "AxiosError: Request failed with status code 504")


def test_the_look_alikes_are_not_answered_by_the_entry(entry, index):
    assert len(entry.not_errors) >= 8
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text


# --- which retry layer retries what (the entry's table) ------------------------------------------------------------
URLLIB3_RETRY = r"""
import sys, time
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


def session(**kw):
    s = requests.Session()
    s.mount("http://", HTTPAdapter(max_retries=Retry(total=3, status_forcelist=(502, 503, 504), backoff_factor=0, **kw)))
    return s


start = time.monotonic()
print(session().get(sys.argv[1] + "/get").status_code, round(time.monotonic() - start, 1))
print(session().post(sys.argv[1] + "/post", json={}).status_code)
try:
    session().get(sys.argv[1] + "/forever")
except requests.exceptions.RetryError as exc:
    print(type(exc).__name__, exc)
print(session(raise_on_status=False).get(sys.argv[1] + "/forever").status_code)
"""


def test_urllib3_retry_retries_get_honours_retry_after_and_skips_post():
    answers = [(503, {"Retry-After": "1"}), (200, {}), (503, {}), (503, {})]  # then 503 for good
    with gateway(*answers) as (url, script):
        result = run_python(URLLIB3_RETRY, env=NO_PROXY, args=[url])
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    status, waited = out[0].split()
    assert status == "200" and float(waited) >= 1.0  # the Retry-After: 1 was slept
    assert out[1] == "503"  # POST is not in DEFAULT_ALLOWED_METHODS: sent once
    assert re.fullmatch(
        r"RetryError HTTPConnectionPool\(host='127\.0\.0\.1', port=\d+\): Max retries exceeded with url: /forever "
        r"\(Caused by ResponseError\('too many 503 error responses'\)\)",
        out[2],
    )
    assert out[3] == "503"
    methods = [m for m, _ in script.requests]
    assert methods.count("POST") == 1
    assert [p for _, p in script.requests].count("/forever") == 8  # 1 + 3 retries, twice


def test_httpx_transport_retries_send_a_503_once():
    code = (
        "import sys, httpx\n"
        "with httpx.Client(transport=httpx.HTTPTransport(retries=3)) as c:\n"
        "    print(c.get(sys.argv[1]).status_code)\n"
    )
    with gateway((503, {}), (200, {})) as (url, script):
        result = run_python(code, env=NO_PROXY, args=[url + "/v1/items"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "503"
    assert len(script.requests) == 1


# --- Option 1: requests + urllib3 Retry ------------------------------------------------------------------------------
def test_option1_runs_as_written(fix_code):
    result = child(fix_code(SLUG, 1))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "answer: {'status': 200}"


def test_option1_session_retries_the_gateway_statuses_only(fix_code):
    code = option_module(fix_code, 1) + (
        "import sys, requests\n"
        "make_session, get_json = _ns['make_session'], _ns['get_json']\n"
        "s = make_session(retries=2, backoff_factor=0)\n"
        "print(get_json(s, sys.argv[1] + '/flaky'))\n"
        "for path in ('/down', '/missing'):\n"
        "    try:\n"
        "        get_json(s, sys.argv[1] + path)\n"
        "    except requests.exceptions.HTTPError as exc:\n"
        "        print(type(exc).__name__, str(exc).split(' for url')[0])\n"
        "r = make_session(retries=2, backoff_factor=0, retry_post=True).post(sys.argv[1] + '/post', json={})\n"
        "print('post', r.status_code)\n"
    )

    def answers():
        yield (502, {})
        yield (200, {})  # /flaky: 502 then 200
        for _ in range(3):
            yield (504, {})  # /down: 1 + 2 retries, all 504
        yield (404, {})  # /missing: not retried
        yield (503, {"Retry-After": "0"})
        yield (200, {})  # /post with retry_post=True

    with gateway(*answers()) as (url, script):
        result = run_python(code, env=NO_PROXY, args=[url])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "{'ok': True}",
        "HTTPError 504 Server Error: Gateway Time-out",
        "HTTPError 404 Client Error: Not Found",
        "post 200",
    ]
    paths = [p for _, p in script.requests]
    assert paths.count("/flaky") == 2 and paths.count("/down") == 3 and paths.count("/missing") == 1
    assert paths.count("/post") == 2


# --- Option 2: tenacity around httpx / aiohttp ------------------------------------------------------------------------
def test_option2_runs_as_written(fix_code):
    result = child(fix_code(SLUG, 2))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["httpx: {'status': 200}", "aiohttp: {'status': 200}"]


OPTION2_LIMITS = r"""
import asyncio, email.utils, sys, time, types
import aiohttp, httpx

get_json, get_json_async = _ns["get_json"], _ns["get_json_async"]
url = sys.argv[1]
with httpx.Client() as client:
    print(get_json(client, url + "/flaky"))
    for path in ("/down", "/limited", "/broken"):
        try:
            get_json(client, url + path)
        except httpx.HTTPStatusError as exc:
            print(type(exc).__name__, str(exc).splitlines()[0].replace(url, ""))


async def main():
    async with aiohttp.ClientSession() as session:
        try:
            await get_json_async(session, url + "/adown")
        except aiohttp.ClientResponseError as exc:
            print(type(exc).__name__, exc.status, exc.message)

asyncio.run(main())

seconds = _ns["retry_after_seconds"]
print(seconds({"Retry-After": "7"}), seconds({}), seconds({"Retry-After": "soon"}))
later = email.utils.formatdate(time.time() + 30, usegmt=True)
print(25 < seconds({"Retry-After": later}) <= 30)
outcome = types.SimpleNamespace(exception=lambda: httpx.HTTPStatusError(
    "x", request=httpx.Request("GET", url), response=httpx.Response(503, headers={"Retry-After": "3600"})))
print(_ns["wait_retry_after"](types.SimpleNamespace(outcome=outcome, attempt_number=1)))
bare = types.SimpleNamespace(exception=lambda: httpx.HTTPStatusError(
    "x", request=httpx.Request("GET", url), response=httpx.Response(502)))
waits = [_ns["wait_retry_after"](types.SimpleNamespace(outcome=bare, attempt_number=n)) for n in (1, 3, 9) for _ in range(50)]
print(max(waits[:50]) <= 1, max(waits[50:100]) <= 4, 4 < max(waits[100:]) <= 30, min(waits) >= 0)
"""


def test_option2_stops_at_the_budget_and_leaves_4xx_and_500_alone(fix_code):
    zero = {"Retry-After": "0"}  # no waiting in the test: the wait reads it

    def answers():
        yield (503, {"Retry-After": "1"})
        yield (200, {})  # /flaky
        for _ in range(5):
            yield (502, zero)  # /down: 5 attempts, then the last error
        yield (429, zero)  # /limited: a rate limit is not this entry's to retry
        yield (500, zero)  # /broken: the app's own error
        for _ in range(5):
            yield (504, zero)  # /adown through aiohttp

    with gateway(*answers()) as (url, script):
        start = time.monotonic()
        result = run_python(option_module(fix_code, 2) + OPTION2_LIMITS, env=NO_PROXY, args=[url])
        took = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "{'ok': True}",
        "HTTPStatusError Server error '502 Bad Gateway' for url '/down'",
        "HTTPStatusError Client error '429 Too Many Requests' for url '/limited'",
        "HTTPStatusError Server error '500 Internal Server Error' for url '/broken'",
        "ClientResponseError 504 Gateway Time-out",
        "7.0 None None",
        "True",
        "60.0",  # a Retry-After of an hour is capped at MAX_WAIT
        "True True True True",  # no Retry-After: full jitter, 0..2**(n-1) s, capped at 30 s
    ]
    paths = [p for _, p in script.requests]
    assert [paths.count(p) for p in ("/flaky", "/down", "/limited", "/broken", "/adown")] == [2, 5, 1, 1, 5]
    assert took >= 1.0  # the first Retry-After: 1 was waited


def test_option1_caps_retry_after_and_survives_one_urllib3_cannot_read(fix_code):
    # plain Retry: `InvalidHeader: Invalid Retry-After header: 120s` instead of a retry, and `Retry-After: 3600`
    # slept for an hour (urllib3 < 2.7; 6 hours at most from 2.7.0)
    code = option_module(fix_code, 1) + (
        "import sys\n"
        "s = _ns['make_session'](retries=2, backoff_factor=0)\n"
        "print(_ns['get_json'](s, sys.argv[1] + '/odd'))\n"
        "retry = s.get_adapter(sys.argv[1]).max_retries\n"
        "print(retry.parse_retry_after('3600'), retry.parse_retry_after('1.5'), type(retry.new()).__name__)\n"
    )
    with gateway((503, {"Retry-After": "120s"}), (200, {})) as (url, script):
        result = run_python(code, env=NO_PROXY, args=[url])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["{'ok': True}", "60.0 0.0 CappedRetry"]
    assert [p for _, p in script.requests] == ["/odd", "/odd"]


def test_the_demos_close_their_sockets(fix_code):
    for option in (1, 2):
        result = run_python(fix_code(SLUG, option), "-X", "dev", env=NO_PROXY)
        assert result.returncode == 0, result.stderr
        assert "ResourceWarning" not in result.stderr, (option, result.stderr)


# --- Option 3: the probes run where a user runs them ------------------------------------------------------------------
def image_path(tmp_path, *tools: str) -> str:
    """A PATH holding only these tools, like a container image that has them and nothing else (no wget in
    nginx's Debian image, neither curl nor wget in python:*-slim)."""
    folder = tmp_path / "bin"
    folder.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        target = sys.executable if tool == "python" else shutil.which(tool)
        assert target, tool
        (folder / tool).symlink_to(target)
    return str(folder)


def test_option3_probe_runs_in_the_nginx_image(tmp_path):
    # the official nginx image (Debian) has curl and no wget: a wget probe printed "unreachable" for a live upstream
    bash = dict(option_blocks(SLUG, 3))["bash"]
    (probe,) = [line for line in bash.splitlines() if line.startswith("docker compose exec nginx ")]
    probe = probe.removeprefix("docker compose exec nginx ").replace("app:8000", "127.0.0.1:PORT")
    env = {**os.environ, "PATH": image_path(tmp_path, "curl"), "NO_PROXY": "*", "no_proxy": "*"}
    with gateway((200, {})) as (url, _script):
        up = subprocess.run(
            ["/bin/sh", "-c", probe.replace("PORT", url.rsplit(":", 1)[1])], env=env, capture_output=True
        )
    assert up.stdout.decode().strip() == "200", up.stdout + up.stderr  # the upstream is reachable: say so
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, not listening: refused
        down = subprocess.run(
            ["/bin/sh", "-c", probe.replace("PORT", str(closed.getsockname()[1]))],
            env=env,
            capture_output=True,
        )
    assert down.stdout.decode().strip() == "000" and b"Failed to connect" in down.stderr


def test_option3_health_check_runs_in_a_python_slim_image(tmp_path):
    # python:*-slim has neither curl nor wget: a wget health check kept a live app unhealthy and nginx never started
    compose = dict(option_blocks(SLUG, 3))["yaml"]
    check = yaml.safe_load(compose)["services"]["app"]["healthcheck"]["test"]
    argv = ["/bin/sh", "-c", check[1]] if check[0] == "CMD-SHELL" else check[1:]
    env = {**os.environ, "PATH": image_path(tmp_path, "python"), "NO_PROXY": "*", "no_proxy": "*"}
    with gateway((200, {})) as (url, script):
        port = url.rsplit(":", 1)[1]
        healthy = subprocess.run([a.replace(":8000", f":{port}") for a in argv], env=env, capture_output=True)
    assert healthy.returncode == 0, healthy.stderr  # the app is up: the health check passes
    assert [p for _, p in script.requests] == ["/health"]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        down = subprocess.run([a.replace(":8000", f":{port}") for a in argv], env=env, capture_output=True)
    assert down.returncode != 0  # and fails when nothing answers
