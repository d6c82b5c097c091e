"""Verified fix for solutions/uvicorn-websockets-missing.md.

Real uvicorn servers on 127.0.0.1, real clients, no network:

1. Reproduce: a FastAPI app with a WebSocket route, served by uvicorn in an environment that has
   every package of this venv except `websockets` and `wsproto` (a folder of links to the venv's
   site-packages, run with `python -S`), and by the full venv with `--ws none`. uvicorn logs the two
   warnings the entry lists and answers the handshake with the app's 404; the websockets client
   raises `InvalidStatus: server rejected WebSocket connection: HTTP 404`, aiohttp
   `WSServerHandshakeError: 404, message='Invalid response status'`.
2. Fix: Option 1's install, done offline by linking the venv's real `websockets` package into that
   environment, then a restart: the handshake is accepted. Option 2's checker (run by each
   interpreter) exits 1 without a library and names the implementation with one. Option 3's probe
   reads 404 / 101 / 403 from real servers. Option 4's `--ws websockets-sansio` command stops the start
   without the library and serves WebSocket with it.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest
import uvicorn
import websockets
from fake_http import free_port
from processes import stop
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from app.corpus.entries import parse_entry

SLUG = "uvicorn-websockets-missing"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

NO_LIBRARY = (
    "WARNING:  No supported WebSocket library detected. Please use \"pip install 'uvicorn[standard]'\", "
    "or install 'websockets' or 'wsproto' manually."
)
UNSUPPORTED = "WARNING:  Unsupported upgrade request."
CLIENT_404 = "server rejected WebSocket connection: HTTP 404"
APP_REFUSED_404 = "INFO:     connection rejected (404 Not Found)"

APP = """
from fastapi import FastAPI, HTTPException, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def ws(websocket: WebSocket):
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


@app.websocket("/rooms/{room}")
async def room(websocket: WebSocket, room: str):
    if room != "lobby":
        raise HTTPException(status_code=404, detail="Not Found")  # the app's own refusal
    await websocket.accept()
    await websocket.close()
"""

SITE = Path(uvicorn.__file__).resolve().parents[1]  # the venv's site-packages
WS_LIBRARIES = ("websockets", "wsproto")


def _without_ws_libraries(folder: Path) -> Path:
    """A site folder holding every package of this venv except websockets and wsproto (links)."""
    folder.mkdir()
    for item in SITE.iterdir():
        name = item.name.lower()
        if name.startswith(WS_LIBRARIES) or name.endswith(".pth") or name == "__pycache__":
            continue
        (folder / item.name).symlink_to(item)
    return folder


def _env(site: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UVICORN_") and k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if site is not None:
        env["PYTHONPATH"] = str(site)
    env.update(extra)
    return env


def _python(site: Path | None) -> list[str]:
    """The interpreter command: this venv, or (site given) one that sees only that site folder."""
    return [sys.executable, "-S"] if site is not None else [sys.executable]


@contextmanager
def _uvicorn(project: Path, *args: str, site: Path | None = None):
    """Start `python -m uvicorn main:app ARGS` on a free 127.0.0.1 port; yield (port, log reader)."""
    port = free_port()
    log_path = project / f"uvicorn-{port}.log"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [*_python(site), "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=project,
            env=_env(site),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "Uvicorn running on" not in log_path.read_text(encoding="utf-8"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not start: {log_path.read_text(encoding='utf-8')}")
            time.sleep(0.05)
        yield port, lambda: log_path.read_text(encoding="utf-8")
    finally:
        stop(proc)


def _wait_for(read, text: str) -> str:
    deadline = time.monotonic() + 5
    while text not in read() and time.monotonic() < deadline:
        time.sleep(0.05)
    return read()


def _websockets_client_error(port: int) -> InvalidStatus:
    with pytest.raises(InvalidStatus) as caught:
        connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10)
    return caught.value


def _aiohttp_client_error(port: int) -> str:
    async def attempt() -> str:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(
                    f"ws://127.0.0.1:{port}/ws", timeout=aiohttp.ClientWSTimeout(ws_close=5)
                ):
                    return "connected"
            except aiohttp.WSServerHandshakeError as exc:
                return str(exc)

    return asyncio.run(attempt())


def _hello(port: int, path: str = "/ws") -> str:
    with connect(f"ws://127.0.0.1:{port}{path}", open_timeout=10) as ws:
        return ws.recv(timeout=10)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "main.py").write_text(APP, encoding="utf-8")
    return tmp_path


@pytest.fixture
def bare_site(tmp_path):
    site = _without_ws_libraries(tmp_path / "site")
    check = subprocess.run(
        [
            *_python(site),
            "-c",
            "import fastapi, uvicorn\ntry:\n import websockets\nexcept ImportError: print('no websockets')",
        ],
        env=_env(site),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if check.returncode != 0 or "no websockets" not in check.stdout:
        pytest.fail(f"could not build a uvicorn environment without websockets: {check.stdout}{check.stderr}")
    return site


def test_the_entry_lists_the_server_s_texts_and_only_describes_the_client_s():
    entry = parse_entry(ENTRY)
    assert NO_LIBRARY in entry.errors
    # alone it is also printed, harmlessly, for an h2c upgrade with websockets installed: not decisive
    assert UNSUPPORTED not in entry.errors
    assert APP_REFUSED_404 in entry.not_errors
    # a client's 404 is any server without that route: described, never a signature of this cause
    assert not any(CLIENT_404 in e or "Invalid response status" in e for e in entry.errors)
    assert f"websockets.exceptions.InvalidStatus: {CLIENT_404}" in ENTRY.read_text(encoding="utf-8")


def test_reproduces_without_a_websocket_library(project, bare_site):
    with _uvicorn(project, site=bare_site) as (port, log):
        error = _websockets_client_error(port)
        assert str(error) == CLIENT_404
        assert error.response.status_code == 404
        assert error.response.body == b'{"detail":"Not Found"}'
        assert _aiohttp_client_error(port).startswith("404, message='Invalid response status'")
        text = _wait_for(log, '"GET /ws HTTP/1.1" 404 Not Found')
    assert f"{UNSUPPORTED}\n{NO_LIBRARY}\n" in text
    assert '"GET /ws HTTP/1.1" 404 Not Found' in text
    assert "[accepted]" not in text


def test_reproduces_with_ws_none(project):
    with _uvicorn(project, "--ws", "none") as (port, log):
        assert str(_websockets_client_error(port)) == CLIENT_404
        text = _wait_for(log, '"GET /ws HTTP/1.1" 404 Not Found')
    assert f"{UNSUPPORTED}\n{NO_LIBRARY}\n" in text


def test_option1_installing_websockets_and_restarting_fixes_it(fix_code, project, bare_site):
    install = fix_code(SLUG, 1)
    assert "python -m pip install 'uvicorn[standard]'" in install
    assert "python -m pip install websockets" in install
    # offline stand-in for that pip install: the venv's real websockets package, put on that environment's path
    for item in SITE.iterdir():
        if item.name.lower().startswith("websockets"):
            (bare_site / item.name).symlink_to(item)
    with _uvicorn(project, site=bare_site) as (port, log):  # the restart
        assert _hello(port) == "hello"
        text = _wait_for(log, '"WebSocket /ws" [accepted]')
    assert '"WebSocket /ws" [accepted]' in text
    assert "No supported WebSocket library detected" not in text


def _run(
    code: str, cwd: Path, site: Path | None = None, *args: str, **env: str
) -> subprocess.CompletedProcess:
    (cwd / "fix.py").write_text(code, encoding="utf-8")
    return subprocess.run(
        [*_python(site), "fix.py", *args],
        cwd=cwd,
        env=_env(site, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_option2_checker_fails_without_a_library_and_names_the_implementation_with_one(
    fix_code, tmp_path, bare_site
):
    code = fix_code(SLUG, 2)
    missing = _run(code, tmp_path, bare_site)
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert "websockets: not installed" in missing.stdout
    assert "--ws auto: no WebSocket library" in missing.stdout
    assert "-m pip install websockets" in missing.stdout

    present = _run(code, tmp_path)
    assert present.returncode == 0, present.stdout + present.stderr
    assert f"websockets: {websockets.__version__}" in present.stdout
    assert (
        "--ws auto: uvicorn.protocols.websockets.websockets_sansio_impl.WebSocketsSansIOProtocol"
        in present.stdout
    )

    switched_off = _run(code, tmp_path, None, UVICORN_WS="none")
    assert switched_off.returncode == 1
    assert "UVICORN_WS=none" in switched_off.stdout


def test_option3_probe_reads_404_101_and_403(fix_code, project, bare_site, tmp_path):
    code = fix_code(SLUG, 3)
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    with _uvicorn(project, site=bare_site) as (port, _log):
        broken = _run(code, probe_dir, None, f"ws://127.0.0.1:{port}/ws")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "HTTP 404 server='uvicorn'" in broken.stdout
    assert "answered as plain HTTP" in broken.stdout

    with _uvicorn(project) as (port, _log):
        fixed = _run(code, probe_dir, None, f"ws://127.0.0.1:{port}/ws")
        refused = _run(code, probe_dir, None, f"ws://127.0.0.1:{port}/no-such-route")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "HTTP 101" in fixed.stdout and "OK: the server accepted" in fixed.stdout
    assert refused.returncode == 1
    assert "HTTP 403" in refused.stdout and "library is there" in refused.stdout

    # the look-alike: websockets installed, the app itself answers the handshake with a 404
    with _uvicorn(project) as (port, log):
        with pytest.raises(InvalidStatus) as caught:
            connect(f"ws://127.0.0.1:{port}/rooms/nowhere", open_timeout=10)
        app_404 = _run(code, probe_dir, None, f"ws://127.0.0.1:{port}/rooms/nowhere")
        text = _wait_for(log, APP_REFUSED_404)
    assert str(caught.value) == CLIENT_404  # the same client text as a missing library
    assert caught.value.response.body == b'{"detail":"Not Found"}'
    assert "server" not in caught.value.response.headers
    assert '"WebSocket /rooms/nowhere" 404' in text and APP_REFUSED_404 in text
    assert "No supported WebSocket library detected" not in text
    assert app_404.returncode == 1
    assert "HTTP 404 server='?'" in app_404.stdout
    assert "app refused this connection itself" in app_404.stdout

    nobody = _run(code, probe_dir, None, f"ws://127.0.0.1:{free_port()}/ws")
    assert nobody.returncode == 2
    assert "no answer" in nobody.stdout


def test_option4_pinned_implementation_stops_the_start_without_the_library(fix_code, project, bare_site):
    commands = [
        line.split("#")[0].split() for line in fix_code(SLUG, 4).splitlines() if line.startswith("uvicorn ")
    ]
    pinned = next(argv for argv in commands if "websockets-sansio" in argv)
    assert pinned == ["uvicorn", "main:app", "--ws", "websockets-sansio"]
    argv = [*pinned[1:], "--host", "127.0.0.1", "--port", str(free_port())]
    stopped = subprocess.run(
        [*_python(bare_site), "-m", "uvicorn", *argv],
        cwd=project,
        env=_env(bare_site),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert stopped.returncode != 0
    assert "ModuleNotFoundError: No module named 'websockets'" in stopped.stderr
    assert "Uvicorn running on" not in stopped.stderr

    with _uvicorn(project, *pinned[2:]) as (port, log):
        assert _hello(port) == "hello"
        assert re.search(r'"WebSocket /ws" \[accepted\]', _wait_for(log, "[accepted]"))
