"""Verified fix for solutions/ollama-context-truncated.md.

ollama-python is not in the project's venv, so a small `ollama` package is written to tmp_path that
mirrors ollama-python 0.6.3: `_client.py` (Client(host) -> httpx.Client(base_url=_parse_host(host or
OLLAMA_HOST)); chat() POSTs /api/chat with ChatRequest(...).model_dump(exclude_none=True), so
`options` travels in the body; HTTP errors become ResponseError(e.response.text, status_code)) and
`_types.py` (ChatResponse with prompt_eval_count / eval_count / done_reason, subscriptable, `.get`;
ResponseError.__str__ = '{error} (status code: {status_code})'). httpx and pydantic are the real ones.

A local server answers /api/chat the way Ollama does when the prompt is longer than num_ctx: it
keeps num_ctx tokens (the Go runner's `new=limit`) and reports that as prompt_eval_count, with a 200;
num_ctx is the request's options.num_ctx, else 4096 (the VRAM-based default under 24 GiB). A model
whose context shift is off answers 400 with the llama-server runner's message.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest
from fake_http import json_server
from pyrun import run_python, script_names

SLUG = "ollama-context-truncated"
DEFAULT_NUM_CTX = 4096
CHARS_PER_TOKEN = 4  # the fake tokenizer: English-like text
TOO_LONG = (
    "the prompt is longer than the context length currently available to the model; shorten the prompt, "
    "adjust the context length in settings, or use a model with a longer context length"
)

FAKE_TYPES = """
import contextlib
import json
from typing import Any, Mapping, Optional, Sequence, Union

from pydantic import BaseModel


class SubscriptableBaseModel(BaseModel):
  def __getitem__(self, key: str) -> Any:
    if key in self:
      return getattr(self, key)
    raise KeyError(key)

  def __contains__(self, key: str) -> bool:
    if key in self.model_fields_set:
      return True
    if value := self.__class__.model_fields.get(key):
      return value.default is not None
    return False

  def get(self, key: str, default: Any = None) -> Any:
    return getattr(self, key) if hasattr(self, key) else default


class Options(SubscriptableBaseModel):
  num_ctx: Optional[int] = None
  num_keep: Optional[int] = None
  num_predict: Optional[int] = None
  temperature: Optional[float] = None


class Message(SubscriptableBaseModel):
  role: str
  content: Optional[str] = None


class ChatRequest(SubscriptableBaseModel):
  model: str
  stream: Optional[bool] = None
  options: Optional[Union[Mapping[str, Any], Options]] = None
  format: Optional[Any] = None
  keep_alive: Optional[Union[float, str]] = None
  messages: Optional[Sequence[Union[Mapping[str, Any], Message]]] = None


class ChatResponse(SubscriptableBaseModel):
  model: Optional[str] = None
  created_at: Optional[str] = None
  done: Optional[bool] = None
  done_reason: Optional[str] = None
  total_duration: Optional[int] = None
  load_duration: Optional[int] = None
  prompt_eval_count: Optional[int] = None
  prompt_eval_duration: Optional[int] = None
  eval_count: Optional[int] = None
  eval_duration: Optional[int] = None
  message: Message


class ResponseError(Exception):
  def __init__(self, error: str, status_code: int = -1):
    with contextlib.suppress(json.JSONDecodeError):
      error = json.loads(error).get('error', error)
    super().__init__(error)
    self.error = error
    self.status_code = status_code

  def __str__(self) -> str:
    return f'{self.error} (status code: {self.status_code})'
"""

FAKE_CLIENT = """
import os
from typing import Optional

import httpx

from ollama._types import ChatRequest, ChatResponse, ResponseError

CONNECTION_ERROR_MESSAGE = 'Failed to connect to Ollama. Please check that Ollama is downloaded, running and accessible. https://ollama.com/download'


def _parse_host(host: Optional[str]) -> str:
  host = (host or '127.0.0.1:11434').rstrip('/')
  return host if '://' in host else 'http://' + host


class Client:
  def __init__(self, host: Optional[str] = None, **kwargs) -> None:
    self._client = httpx.Client(base_url=_parse_host(host or os.getenv('OLLAMA_HOST')), timeout=None,
                                headers={'Content-Type': 'application/json', 'Accept': 'application/json'}, **kwargs)

  def _request_raw(self, *args, **kwargs):
    try:
      r = self._client.request(*args, **kwargs)
      r.raise_for_status()
      return r
    except httpx.HTTPStatusError as e:
      raise ResponseError(e.response.text, e.response.status_code) from None
    except httpx.ConnectError:
      raise ConnectionError(CONNECTION_ERROR_MESSAGE) from None

  def chat(self, model='', messages=None, *, stream=False, format=None, options=None, keep_alive=None):
    return ChatResponse(**self._request_raw('POST', '/api/chat', json=ChatRequest(
      model=model, messages=list(messages or []), stream=stream, format=format, options=options,
      keep_alive=keep_alive).model_dump(exclude_none=True)).json())


_client = Client()
chat = _client.chat
"""


@pytest.fixture
def fake_ollama_pkg(tmp_path):
    pkg = tmp_path / "site" / "ollama"
    pkg.mkdir(parents=True)
    (pkg / "_types.py").write_text(FAKE_TYPES)
    (pkg / "_client.py").write_text(FAKE_CLIENT)
    (pkg / "__init__.py").write_text(
        "from ollama._client import Client, chat\n"
        "from ollama._types import ChatResponse, Options, ResponseError\n"
    )
    return pkg.parent


class FakeOllama:
    """/api/chat as Ollama answers it; records each request body and the WARN line it would log."""

    def __init__(self):
        self.requests: list[dict] = []
        self.log: list[str] = []

    def __call__(self, request):
        body = request.json()
        self.requests.append(body)
        if request.path != "/api/chat":
            return 404, {"error": "404 page not found"}
        if body["model"] == "no-context-shift":
            return 400, {"error": TOO_LONG}
        num_ctx = (body.get("options") or {}).get("num_ctx") or DEFAULT_NUM_CTX
        chars = sum(len(m.get("content") or "") for m in body["messages"])
        tokens = math.ceil(chars / CHARS_PER_TOKEN) + 5 * len(body["messages"])  # + chat template
        seen = tokens
        if tokens > num_ctx:
            keep = 4
            seen = num_ctx
            self.log.append(
                f'level=WARN source=runner.go:131 msg="truncating input prompt" limit={num_ctx} '
                f"prompt={tokens} keep={keep} new={seen}"
            )
        return 200, {
            "model": body["model"],
            "created_at": "2026-12-06T10:00:00Z",
            "message": {"role": "assistant", "content": '{"answer": "ok"}'},
            "done": True,
            "done_reason": "stop",
            "total_duration": 1_000_000,
            "prompt_eval_count": seen,
            "eval_count": 7,
        }


@pytest.fixture
def server():
    fake = FakeOllama()
    with json_server(fake) as base:
        yield base, fake


def run_client(code: str, base: str, site, cwd):
    env = {"OLLAMA_HOST": base, "NO_PROXY": "*", "no_proxy": "*"}
    return run_python(code, cwd=cwd, path=site, env=env)


def option4_module(fix_code) -> str:
    return fix_code(SLUG, 4).split('if __name__ == "__main__":')[0]


LONG_PROMPT_DRIVER = """
import json
import ollama

messages = [
    {"role": "system", "content": "You are an agent. Reply as JSON with keys answer and sources."},
    {"role": "user", "content": "Context:\\n" + "A retrieved document sentence. " * 1500 + "\\nQuestion?"},
]
client = ollama.Client()
response = client.chat(model="llama3.2", messages=messages%s)
print("COUNT", response["prompt_eval_count"])
print("REPORT", check_reply(messages, response%s))
"""


def test_default_context_truncates_silently_and_option4_flags_it(server, fake_ollama_pkg, fix_code, tmp_path):
    base, fake = server
    code = option4_module(fix_code) + LONG_PROMPT_DRIVER % ("", "")
    result = run_client(code, base, fake_ollama_pkg, tmp_path)
    assert result.returncode == 0, result.stderr  # no error reaches the client
    assert "options" not in fake.requests[0]
    assert "COUNT 4096" in result.stdout
    report = result.stdout.split("REPORT ", 1)[1].strip()
    assert report.startswith("TRUNCATED: the model saw 4096 prompt tokens"), report
    assert fake.log and 'msg="truncating input prompt" limit=4096' in fake.log[0]


def test_option1_request_carries_num_ctx_and_nothing_is_cut(server, fake_ollama_pkg, fix_code, tmp_path):
    base, fake = server
    result = run_client(fix_code(SLUG, 1), base, fake_ollama_pkg, tmp_path)
    assert result.returncode == 0, result.stderr
    sent = fake.requests[0]
    assert sent["options"] == {"num_ctx": 16384}
    assert sent["model"] == "llama3.2" and sent["messages"][0]["role"] == "system"
    assert fake.log == []  # the prompt fit: no truncation line
    count = int(result.stdout.split("prompt tokens the model saw:")[1].split()[0])
    assert count < 16384
    # Option 4 agrees on the same reply
    namespace = script_names(option4_module(fix_code))
    body = sent["messages"]
    assert namespace["truncation_report"](body, count, 16384).startswith("ok:")


def test_option1_through_option4_driver_with_num_ctx(server, fake_ollama_pkg, fix_code, tmp_path):
    base, fake = server
    code = option4_module(fix_code) + LONG_PROMPT_DRIVER % (
        ', options={"num_ctx": 16384}',
        ", num_ctx=16384",
    )
    result = run_client(code, base, fake_ollama_pkg, tmp_path)
    assert result.returncode == 0, result.stderr
    assert fake.requests[0]["options"] == {"num_ctx": 16384}
    assert "REPORT ok:" in result.stdout and fake.log == []


def test_option4_decisions(fix_code):
    names = script_names(option4_module(fix_code))
    report = names["truncation_report"]
    short = [{"role": "user", "content": "hello there"}]
    assert report(short, 4096, 4096).startswith("TRUNCATED: the prompt filled the whole num_ctx=4096")
    assert report(short, 9, 4096).startswith("ok:")
    assert report(short, None).startswith("unknown:")
    long = [{"role": "user", "content": "x" * 60_000}]
    assert report(long, 2048).startswith("TRUNCATED")
    assert report(long, 15_000).startswith("ok:")
    # ollama-python 0.3.x replies are plain dicts: the same .get works
    assert names["check_reply"](long, {"prompt_eval_count": 2048}).startswith("TRUNCATED")


def test_option4_runs_as_published(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 4), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.strip().splitlines()
    assert first.startswith("TRUNCATED: the model saw 4096 prompt tokens")
    assert second.startswith("ok: 8031 prompt tokens")


def test_refusal_wording_matches_the_entry(server, fake_ollama_pkg, tmp_path):
    base, _ = server
    code = textwrap.dedent(
        """
        import ollama
        client = ollama.Client()
        client.chat(model="no-context-shift", messages=[{"role": "user", "content": "hi"}])
        """
    )
    result = run_client(code, base, fake_ollama_pkg, tmp_path)
    last = result.stderr.strip().splitlines()[-1]
    assert last == f"ollama._types.ResponseError: {TOO_LONG} (status code: 400)"
    entry_text = (Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md").read_text()
    assert last in entry_text  # the entry's signature is the exact text the client prints
