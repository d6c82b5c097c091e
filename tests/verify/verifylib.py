"""Helpers for tests/verify: pinned venvs, a fake LLM API, the python blocks of an entry.

These tests run under `make verify`, not `make test`: each builds (once) a virtual
environment holding exactly the pinned requirements it names, cached under
~/.cache/synapse-verify/<hash of the requirement list>, and runs code in it in a
subprocess with a timeout. The first run needs PyPI; later runs reuse the cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CACHE = Path(os.environ.get("SYNAPSE_VERIFY_CACHE", Path.home() / ".cache" / "synapse-verify"))
INSTALL_TIMEOUT = 900


@dataclass(frozen=True)
class Venv:
    path: Path
    requirements: tuple[str, ...]

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def bin(self, name: str) -> Path:
        return self.path / "bin" / name

    def run(
        self,
        code: str,
        *,
        timeout: float = 60,
        env: dict[str, str] | None = None,
        unset: Iterable[str] = (),
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess:
        """`python -c code` in this venv; the whole process group is killed on timeout (TimeoutExpired is raised)."""
        return run_command([str(self.python), "-c", code], timeout=timeout, env=env, unset=unset, cwd=cwd)


def run_command(
    argv: list[str],
    *,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    unset: Iterable[str] = (),
    cwd: Path | None = None,
) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in set(unset) and not k.startswith("PYTEST_")}
    full_env.pop("VIRTUAL_ENV", None)
    full_env.update(env or {})
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
        cwd=cwd,
        start_new_session=True,  # so a hung grandchild (a forked worker) dies with it
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def pinned_venv(*requirements: str) -> Venv:
    """A venv with exactly these requirements (pin them: `pkg==X.Y.Z`), built once and cached by their hash."""
    reqs = tuple(sorted(requirements))
    key = hashlib.sha256(json.dumps([sys.version_info[:2], reqs]).encode()).hexdigest()[:16]
    path = CACHE / key
    ready = path / ".synapse-verify-ready"
    if ready.exists():
        return Venv(path, reqs)
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time per requirement list (xdist, parallel runs)
        if not ready.exists():
            shutil.rmtree(path, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=INSTALL_TIMEOUT)
            if reqs:
                subprocess.run(
                    [
                        str(path / "bin" / "python"),
                        "-m",
                        "pip",
                        "install",
                        "-q",
                        "--disable-pip-version-check",
                        *reqs,
                    ],
                    check=True,
                    timeout=INSTALL_TIMEOUT,
                )
            (path / "requirements.txt").write_text("\n".join(reqs) + "\n")
            ready.write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    return Venv(path, reqs)


# --- a fake OpenAI / Anthropic API on 127.0.0.1 ------------------------------------------------


class FakeAPI:
    """Answers /v1/chat/completions and /v1/messages; what it answers is chosen by the request's `model`.

    m-529 always 529 overloaded_error; m-529-once once, then 200; m-500 / m-503 / m-504 always; m-404 not_found_error;
    m-429-secs / m-429-date: one 429 with Retry-After in seconds (1) / as an HTTP date (2 s ahead), then 200;
    m-429-always; m-429-quota (insufficient_quota); m-stream-overload: 200 stream with an error event; else 200.
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                api.answer(self, body.get("model", ""), self.path.endswith("/messages"))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def count(self, model: str) -> int:
        with self.lock:
            return self.counts.get(model, 0)

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()

    @staticmethod
    def _send(handler, status: int, payload, headers=(), content_type="application/json") -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(data)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def answer(self, handler, model: str, anthropic: bool) -> None:
        with self.lock:
            self.counts[model] = seen = self.counts.get(model, 0) + 1

        def fail(status: int, kind: str, message: str, headers=()):
            if anthropic:
                body = {"type": "error", "error": {"type": kind, "message": message}}
            else:
                body = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
            self._send(handler, status, body, headers)

        if model == "m-529" or (model == "m-529-once" and seen == 1):
            return fail(529, "overloaded_error", "Overloaded")
        if model == "m-500":
            return fail(500, "api_error", "Internal server error")
        if model == "m-503":
            return fail(503, "api_error", "Service unavailable")
        if model == "m-504":
            return fail(504, "api_error", "Gateway timeout")
        if model == "m-404":
            return fail(404, "not_found_error", f"model: {model}")
        if model == "m-429-quota":
            return fail(
                429,
                "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.",
            )
        if model == "m-429-always" or (model in ("m-429-secs", "m-429-date") and seen == 1):
            retry_after = formatdate(time.time() + 2, usegmt=True) if model == "m-429-date" else "1"
            kind = "rate_limit_error" if anthropic else "rate_limit_exceeded"
            return fail(
                429, kind, "Rate limit reached for requests per min (RPM)", [("retry-after", retry_after)]
            )
        if model == "m-stream-overload":
            start = {
                "type": "message_start",
                "message": {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 1, "output_tokens": 0},
                },
            }
            error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
            stream = f"event: message_start\ndata: {json.dumps(start)}\n\nevent: error\ndata: {json.dumps(error)}\n\n"
            return self._send(handler, 200, stream.encode(), content_type="text/event-stream")
        if anthropic:
            return self._send(
                handler,
                200,
                {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": f"ok from {model}"}],
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": {"input_tokens": 3, "output_tokens": 3},
                },
            )
        return self._send(
            handler,
            200,
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"ok from {model}"},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6},
            },
        )


def start_fake_api() -> FakeAPI:
    api = FakeAPI()
    api.thread.start()
    return api


def stop_fake_api(api: FakeAPI) -> None:
    api.server.shutdown()
    api.server.server_close()


# --- entries -------------------------------------------------------------------------------------

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


def python_blocks(slug: str) -> list[tuple[str, str]]:
    """(info string, code) of every ```python block of an entry, in order, read from its Markdown."""
    from markdown_it import MarkdownIt

    text = (SOLUTIONS / f"{slug}.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").parse(text)
    return [(t.info, t.content) for t in tokens if t.type == "fence" and t.info.split()[:1] == ["python"]]


ENTRY_DRIVER = """
import json, os, sys
namespace = {"__name__": "entry"}  # not __main__: the entry's live demo stays out
exec(compile(open(os.environ["ENTRY_CODE"]).read(), "entry", "exec"), namespace)
globals().update(namespace)
"""


def entry_program(tmp_path: Path, code: str, driver: str) -> tuple[str, dict[str, str]]:
    """A `python -c` program that loads `code` (an entry's blocks) as a module, then runs `driver`."""
    path = tmp_path / "entry_code.py"
    path.write_text(code)
    return ENTRY_DRIVER + driver, {"ENTRY_CODE": str(path)}
