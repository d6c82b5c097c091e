"""Skill fixtures: real subprocesses, real sockets, and a tiny HTTP server that records requests.

`synapse_skill` is imported from the skill folder whether or not the project is installed,
and every subprocess gets a clean SYNAPSE_* environment with its own cache directory.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import sys
import threading
from pathlib import Path

import pytest
from skill_helpers import (  # pytest put this folder on sys.path
    SQLITE_RESULT,
    Recorded,
    RecordingServer,
    search_body,
)

HERE = Path(__file__).resolve().parent
SKILL_DIR = HERE.parents[1] / "skill" / "synapse-ai"
for folder in (SKILL_DIR, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(autouse=True)
def clean_skill_env(monkeypatch, tmp_path):
    """No test sees the developer's SYNAPSE_* settings or cache."""
    for name in list(os.environ):
        if name.startswith("SYNAPSE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SYNAPSE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def recording_server():
    state = RecordingServer()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

        def _record(self) -> Recorded:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            raw = self.requestline.encode() + b"\r\n" + bytes(self.headers) + body
            rec = Recorded(self.command, self.path, dict(self.headers), body, raw)
            state.requests.append(rec)
            return rec

        def _send(self, status: int, payload: dict | None, headers: dict | None = None) -> None:
            data = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if payload is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            rec = self._record()
            if rec.path == "/search":
                self._send(200, search_body(json.loads(rec.body)["q"]))
            elif rec.path.endswith("/feedback"):
                slug = rec.path.split("/")[3]
                self._send(200, {"slug": slug, "recorded": True, "stats": {"worked": 0, "failed": 1}})
            else:
                self._send(404, {"error": {"code": "not_found", "message": "no such route"}})

        def do_GET(self):
            rec = self._record()
            if rec.path == "/api/snapshot" and state.snapshot is not None:
                if rec.headers.get("If-None-Match") == state.snapshot_etag:
                    self._send(304, None, {"ETag": state.snapshot_etag})
                else:
                    self._send(200, state.snapshot, {"ETag": state.snapshot_etag})
            elif rec.path == "/api/solutions/sqlite-database-locked":
                self._send(
                    200, {"slug": "sqlite-database-locked", "title": SQLITE_RESULT["title"], "fixes": []}
                )
            else:
                self._send(404, {"error": {"code": "not_found", "message": "not found"}})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def hanging_server():
    """Accepts connections and never answers: the worst server a hook can meet."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


@pytest.fixture
def skill_copy_without_snapshot(tmp_path) -> Path:
    """The skill folder copied alone, minus its bundled snapshot: nothing to answer offline."""
    dest = tmp_path / "synapse-ai"
    shutil.copytree(SKILL_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "synapse_skill" / "data" / "snapshot.json").unlink()
    return dest
