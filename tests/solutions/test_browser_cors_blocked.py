"""Verified fix for solutions/browser-cors-blocked.md, in a real browser.

Debian's Chromium, driven by Playwright, loads a page from one 127.0.0.1 port and calls APIs on other
ports, all served by real uvicorn: a FastAPI app without CORS (a `uvicorn` subprocess, whose access log
shows the refused preflight), and small ASGI apps that get CORS wrong in the ways the entry lists. The
console lines Chromium prints are compared with the entry's `errors` after swapping the real ports for
the entry's example origins. Then the entry's Option 1 (`main.py` with CORSMiddleware) runs as a real
`uvicorn main:app`, and the same page reads the answer, while a page on an origin it does not list is
still refused. Firefox's and Safari's texts come from their sources and are not run here.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS
from processes import stop

from app.corpus.entries import parse_entry

SLUG = "browser-cors-blocked"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
API_EXAMPLE = "http://localhost:8000"  # the origins the entry's signatures are written with
PAGE_EXAMPLE = "http://localhost:5173"

NO_CORS_API = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/api/chat")
def read():
    return {"reply": "hello"}


@app.post("/api/chat")
def chat(body: dict):
    return {"reply": "you said " + str(body.get("message", ""))}
"""


def errors() -> list[str]:
    return parse_entry(ENTRY).errors


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class InProcess:
    """Real uvicorn servers on 127.0.0.1, each in a thread of this process."""

    def __init__(self) -> None:
        self.servers: list[tuple[object, threading.Thread]] = []

    def start(self, app, port: int) -> str:
        import uvicorn

        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        self.servers.append((server, thread))
        wait_for_port(port)
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        for server, thread in self.servers:
            server.should_exit = True  # type: ignore[attr-defined]
            thread.join(10)


@pytest.fixture
def servers() -> Iterator[InProcess]:
    started = InProcess()
    yield started
    started.stop()


@pytest.fixture
def uvicorn_app(tmp_path):
    """`start(code, env)`: run `python -m uvicorn main:app` on a free port with main.py = code; (url, log)."""
    procs: list[subprocess.Popen] = []

    def start(code: str, env: dict[str, str] | None = None, name: str = "api") -> tuple[str, Path]:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "main.py").write_text(code, encoding="utf-8")
        log = folder / "uvicorn.log"
        port = free_port()
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)],
                cwd=folder,
                env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {})),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        procs.append(proc)
        wait_for_port(port, proc)
        return f"http://127.0.0.1:{port}", log

    yield start
    for proc in procs:
        stop(proc)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed at /usr/bin/chromium (make chromium installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed in this interpreter")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


async def front_end(scope, receive, send):
    """The page the browser loads: its origin is what the APIs must allow."""
    body = b"<!doctype html><title>front end</title><p>front end</p>"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
    await send({"type": "http.response.body", "body": body})


def run_in_page(browser, page_url: str, script: str) -> tuple[str, list[str]]:
    """Evaluate `script` (a promise) on the page; its result or rejection, and the console's errors."""
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    try:
        page.goto(page_url + "/")
        result = page.evaluate(f"({script}).then(String).catch(e => 'rejected: ' + String(e))")
        deadline = time.monotonic() + 5
        while result.startswith("rejected") and time.monotonic() < deadline:
            if any("CORS policy" in line or "net::ERR_" in line for line in console):
                break
            page.wait_for_timeout(50)
        page.wait_for_timeout(100)
    finally:
        context.close()
    return result, console


def blocked_lines(
    console: list[str], api: str, page: str, api_as=API_EXAMPLE, page_as=PAGE_EXAMPLE
) -> list[str]:
    """The console's CORS lines, with the real origins replaced by the entry's example ones."""
    return [
        line.replace(api, api_as).replace(f"'{page}'", f"'{page_as}'")
        for line in console
        if "blocked by CORS policy" in line
    ]


POST_JSON = (
    "fetch('{api}/api/chat', {{method: 'POST', headers: {{'Content-Type': 'application/json'}},"
    " body: JSON.stringify({{message: 'hi'}})}}).then(r => r.json()).then(j => j.reply)"
)
XHR_GET = (
    "new Promise((ok, fail) => {{ const x = new XMLHttpRequest(); x.open('GET', '{api}/api/chat');"
    " x.onload = () => ok(x.responseText); x.onerror = () => fail(new Error('xhr status ' + x.status));"
    " x.send(); }})"
)


def test_chromium_blocks_an_api_that_sends_no_cors_headers(browser, servers, uvicorn_app):
    page = servers.start(front_end, free_port())
    api, log = uvicorn_app(NO_CORS_API)
    known = errors()

    # a simple GET: the server answers 200, the browser hides the answer from the page
    result, console = run_in_page(browser, page, f"fetch('{api}/api/chat').then(r => r.json())")
    assert result == "rejected: TypeError: Failed to fetch"
    assert blocked_lines(console, api, page) == [known[0]]
    assert re.search(r'"GET /api/chat HTTP/1\.1" 200 OK', log.read_text())

    # a JSON POST needs a preflight; FastAPI's router answers OPTIONS with 405 and the POST is never sent
    result, console = run_in_page(browser, page, POST_JSON.format(api=api))
    assert result == "rejected: TypeError: Failed to fetch"
    assert blocked_lines(console, api, page) == [known[1]]
    access = log.read_text()
    preflight = [line for line in access.splitlines() if '"OPTIONS /api/chat' in line]
    assert preflight, access
    assert re.sub(r"127\.0\.0\.1:\d+ - ", "127.0.0.1:52814 - ", preflight[0]) in known
    assert '"POST /api/chat' not in access

    # XMLHttpRequest (axios) says so in its own words
    result, console = run_in_page(browser, page, XHR_GET.format(api=api))
    assert result == "rejected: Error: xhr status 0"
    assert blocked_lines(console, api, page) == [known[3]]

    # the look-alike: nothing listening gives the same TypeError but no CORS line
    closed = f"http://127.0.0.1:{free_port()}"
    result, console = run_in_page(browser, page, f"fetch('{closed}/api/chat')")
    assert result == "rejected: TypeError: Failed to fetch"
    assert "Failed to load resource: net::ERR_CONNECTION_REFUSED" in console
    assert "Failed to load resource: net::ERR_CONNECTION_REFUSED" in parse_entry(ENTRY).not_errors
    assert not any("CORS" in line for line in console)


def misconfigured(mode: str):
    """An API that gets CORS wrong in one of the ways the entry lists."""

    async def app(scope, receive, send):
        origin = dict(scope["headers"]).get(b"origin", b"")
        preflight = scope["method"] == "OPTIONS"
        headers = [(b"content-type", b"application/json")]
        status = 200
        if mode == "wildcard":  # what Express cors({origin: "*", credentials: true}) sends
            headers += [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-credentials", b"true"),
            ]
        elif mode == "narrow-preflight":  # the origin is allowed, the method and header are not
            headers.append((b"access-control-allow-origin", origin))
            if preflight:
                headers.append((b"access-control-allow-methods", b"GET, POST"))
                status = 204
        elif mode == "fixed-origin":  # one hard-coded origin, whatever the page's is
            headers.append((b"access-control-allow-origin", PAGE_EXAMPLE.encode()))
        elif mode == "twice":  # the app and a proxy both add the header
            headers += [(b"access-control-allow-origin", b"*"), (b"access-control-allow-origin", b"*")]
        elif mode == "no-credentials":  # the origin is echoed, credentials are not allowed
            headers.append((b"access-control-allow-origin", origin))
        elif mode == "crash":  # a 500 from outside the CORS middleware: no header at all
            status = 500
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if status == 204 else b"{}"})

    return app


def test_chromium_wordings_for_cors_configured_wrong(browser, servers):
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    known = errors()
    page_port = free_port()
    page = servers.start(front_end, page_port)

    half = FastAPI()  # cause 2: the origin is allowed, but allow_methods defaults to GET only

    @half.post("/api/chat")
    def chat(body: dict):
        return {"reply": "never seen"}

    half.add_middleware(CORSMiddleware, allow_origins=[page])
    api = servers.start(half, free_port())
    result, console = run_in_page(browser, page, POST_JSON.format(api=api))
    assert result == "rejected: TypeError: Failed to fetch"
    assert blocked_lines(console, api, page) == [known[2]]  # It does not have HTTP ok status.

    cases = [
        ("wildcard", "fetch('{api}/api/me', {{credentials: 'include'}})", PAGE_EXAMPLE, 7),
        (
            "narrow-preflight",
            "fetch('{api}/api/chat', {{headers: {{Authorization: 'Bearer t'}}}})",
            PAGE_EXAMPLE,
            5,
        ),
        ("narrow-preflight", "fetch('{api}/api/items/1', {{method: 'DELETE'}})", PAGE_EXAMPLE, 6),
        ("fixed-origin", "fetch('{api}/api/chat')", "http://127.0.0.1:5173", 8),
        ("twice", "fetch('{api}/api/chat')", PAGE_EXAMPLE, 9),
        ("no-credentials", "fetch('{api}/api/me', {{credentials: 'include'}})", PAGE_EXAMPLE, 18),
        # cause 5: today's Chrome words a crash exactly like a missing CORS setup (no status in the line)
        ("crash", "fetch('{api}/api/chat')", PAGE_EXAMPLE, 0),
    ]
    for mode, script, page_as, index in cases:
        api = servers.start(misconfigured(mode), free_port())
        result, console = run_in_page(browser, page, script.format(api=api))
        assert result == "rejected: TypeError: Failed to fetch", (mode, result)
        assert blocked_lines(console, api, page, page_as=page_as) == [known[index]], (mode, console)

    # Safari's "X cannot load URL due to access control checks." follows every access-control failure (mixed
    # content and cancelled same-origin requests too, WebKit ThreadableLoader::logError): never a signature
    assert not [line for line in known if line.endswith("due to access control checks.")]


def test_option1_lets_the_page_read_the_answer_and_still_refuses_other_origins(
    browser, servers, uvicorn_app, fix_code
):
    page = servers.start(front_end, free_port())
    stranger = servers.start(front_end, free_port())  # a page on an origin the API does not list
    # as people write it: with a trailing slash, and the dev server's localhost twin
    api, log = uvicorn_app(
        fix_code(SLUG, 1), env={"FRONTEND_ORIGINS": f"{page}/, http://localhost:5173"}, name="fixed"
    )

    result, console = run_in_page(browser, page, POST_JSON.format(api=api))
    assert result == "you said hi", console
    assert not [line for line in console if "CORS" in line]

    with_token = (
        f"fetch('{api}/api/chat', {{method: 'POST', headers: {{'Content-Type': 'application/json',"
        " Authorization: 'Bearer t'}, body: JSON.stringify({message: 'again'})}).then(r => r.json())"
        ".then(j => j.reply)"
    )
    result, console = run_in_page(browser, page, with_token)
    assert result == "you said again", console

    # not "*": another origin's preflight gets 400 without the header, and the POST never runs
    result, console = run_in_page(browser, stranger, POST_JSON.format(api=api))
    assert result == "rejected: TypeError: Failed to fetch"
    assert blocked_lines(console, api, stranger) == [errors()[1]]
    assert '"OPTIONS /api/chat HTTP/1.1" 400 Bad Request' in log.read_text()
    assert log.read_text().count('"POST /api/chat HTTP/1.1" 200 OK') == 2
