"""Verified fix for solutions/langsmith-tracing-failed.md.

langsmith is not in this venv, so a small fake package in tmp_path stands in for it. The fake copies,
word for word, the parts of langsmith 0.15.1 that produce and gate these lines:
- utils.py: the exception classes, `get_env_var` (lru_cache, LANGSMITH_ before LANGCHAIN_),
  `tracing_is_enabled` (context override, global fallback, then TRACING_V2 before TRACING, `== "true"`),
  `raise_for_status_with_text`, `get_api_url`, `get_api_key`, `get_workspace_id`;
- client.py: `_validate_api_key_if_hosted` (the LangSmithMissingAPIKeyWarning),
  `request_with_retries` (the 401/403/429 mapping, the org-scoped 403 message, retry-after on 429),
  the multipart sender's `logger.warning(f"Failed to multipart ingest runs: {exc_desc}")`
  (traceback.format_exception_only), `list_projects` (GET /sessions);
- run_helpers.tracing_context(enabled=...) and run_trees.configure(enabled=...).
The tracing queue and thread pool are cut down to one background thread per run. The real `requests`
talks to a local server that answers as LangSmith does: 403 `{"error":"Forbidden"}\\n`, 401
`{"detail":"Invalid token"}`, 429. The real langsmith 0.1.147, 0.3.45 and 0.15.1 printed these same
lines against the same server (host aside). The test shows that the traced function still returns, that
the log line is the entry's signature, that Option 1 sends nothing even when LANGCHAIN_TRACING_V2=true
is left over (while LANGSMITH_TRACING=false alone does not help), and that Option 2's check names
401, 403 and success.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from fake_site import write_files
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "langsmith-tracing-failed"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
HOSTED = "https://api.smith.langchain.com"

UTILS = '''
import contextlib
import functools
import os
from typing import Optional

import requests


class LangSmithError(Exception):
    """An error occurred while communicating with the LangSmith API."""


class LangSmithAPIError(LangSmithError):
    """Internal server error while communicating with LangSmith."""


class LangSmithRequestTimeout(LangSmithError):
    """Client took too long to send request body."""


class LangSmithUserError(LangSmithError):
    """User error caused an exception when communicating with LangSmith."""


class LangSmithRateLimitError(LangSmithError):
    """You have exceeded the rate limit for the LangSmith API."""


class LangSmithAuthError(LangSmithError):
    """Couldn't authenticate with the LangSmith API."""


class LangSmithNotFoundError(LangSmithError):
    """Couldn't find the requested resource."""


class LangSmithConflictError(LangSmithError):
    """The resource already exists."""


class LangSmithConnectionError(LangSmithError):
    """Couldn't connect to the LangSmith API."""


class LangSmithWarning(UserWarning):
    """Base class for warnings."""


class LangSmithMissingAPIKeyWarning(LangSmithWarning):
    """Warning for missing API key."""


def tracing_is_enabled(ctx=None):
    """Return True if tracing is enabled."""
    import langsmith._context as _context
    from langsmith.run_helpers import get_tracing_context

    tc = ctx or get_tracing_context()
    if tc["enabled"] is not None:
        return tc["enabled"]
    if _context._GLOBAL_TRACING_ENABLED is not None:
        return _context._GLOBAL_TRACING_ENABLED
    var_result = get_env_var("TRACING_V2", default=get_env_var("TRACING", default=""))
    return var_result == "true"


def raise_for_status_with_text(response) -> None:
    """Raise an error with the response text."""
    try:
        response.raise_for_status()
    except requests.HTTPError as e:
        raise requests.HTTPError(str(e), response.text, response=response) from e


@functools.lru_cache(maxsize=100)
def get_env_var(name: str, default: Optional[str] = None, *, namespaces=("LANGSMITH", "LANGCHAIN")) -> Optional[str]:
    names = [f"{namespace}_{name}" for namespace in namespaces]
    for name in names:
        value = os.environ.get(name)
        if value is not None and value.strip() != "":
            return value
    return default


def get_api_url(api_url: Optional[str]) -> str:
    _api_url = api_url or get_env_var("ENDPOINT", default="https://api.smith.langchain.com")
    if not _api_url.strip():
        raise LangSmithUserError("LangSmith API URL cannot be empty")
    return _api_url.strip().strip('"').strip("'").rstrip("/")


def get_api_key(api_key: Optional[str]) -> Optional[str]:
    api_key_ = api_key if api_key is not None else get_env_var("API_KEY", default=None)
    if api_key_ is None or not api_key_.strip():
        return None
    return api_key_.strip().strip('"').strip("'")


def get_workspace_id(workspace_id: Optional[str]) -> Optional[str]:
    workspace_id_ = workspace_id if workspace_id is not None else get_env_var("WORKSPACE_ID", default=None)
    if workspace_id_ is None or not workspace_id_.strip():
        return None
    return workspace_id_.strip().strip('"').strip("'")
'''

CLIENT = """
import logging
import random
import threading
import time
import traceback
import warnings
from urllib import parse as urllib_parse

import requests

from langsmith import utils as ls_utils

logger = logging.getLogger("langsmith.client")


def _is_langchain_hosted(url: str) -> bool:
    try:
        netloc = urllib_parse.urlsplit(url).netloc.split(":")[0]
        return netloc == "langchain.com" or netloc.endswith(".langchain.com")
    except Exception:
        return False


def _validate_api_key_if_hosted(api_url, api_key, tracing_mode=None) -> None:
    if not api_key:
        if _is_langchain_hosted(api_url) and tracing_mode != "otel" and ls_utils.tracing_is_enabled():
            warnings.warn(
                "API key must be provided when using hosted LangSmith API",
                ls_utils.LangSmithMissingAPIKeyWarning,
            )


class Client:
    def __init__(self, api_url=None, *, api_key=None, workspace_id=None):
        self.api_url = ls_utils.get_api_url(api_url)
        self.api_key = ls_utils.get_api_key(api_key)
        self._workspace_id = ls_utils.get_workspace_id(workspace_id)
        _validate_api_key_if_hosted(self.api_url, self.api_key)
        self.session = requests.Session()
        self._threads = []

    @property
    def _headers(self):
        headers = {"User-Agent": "langsmith-py/0.15.1", "Accept": "application/json"}
        if self.api_key:
            headers["x-api-key"] = self.api_key
        if self._workspace_id:
            headers["X-Tenant-Id"] = self._workspace_id
        return headers

    def request_with_retries(self, method, pathname, *, request_kwargs=None, stop_after_attempt=1, _context=""):
        url = pathname if pathname.startswith("http") else self.api_url + pathname
        request_kwargs = {"headers": self._headers, "timeout": 5, **(request_kwargs or {})}
        response = None
        for idx in range(stop_after_attempt):
            try:
                try:
                    response = self.session.request(method, url, stream=False, **request_kwargs)
                    ls_utils.raise_for_status_with_text(response)
                    return response
                except requests.HTTPError as e:
                    if response is not None:
                        if response.status_code == 429:
                            raise ls_utils.LangSmithRateLimitError(
                                f"Rate limit exceeded for {pathname}. {repr(e)}{_context}"
                            )
                        elif response.status_code == 401:
                            raise ls_utils.LangSmithAuthError(
                                f"Authentication failed for {pathname}. {repr(e)}{_context}"
                            )
                        elif response.status_code == 403:
                            try:
                                error_data = response.json()
                                error_code = error_data.get("error", "")
                                if error_code == "org_scoped_key_requires_workspace":
                                    raise ls_utils.LangSmithUserError(
                                        "This API key is org-scoped and requires workspace specification. "
                                        "Please provide 'workspace_id' parameter, "
                                        "or set LANGSMITH_WORKSPACE_ID environment variable."
                                    )
                            except (ValueError, KeyError):
                                pass
                            raise ls_utils.LangSmithError(f"Failed to {method} {pathname} in LangSmith API. {repr(e)}")
                        else:
                            raise ls_utils.LangSmithError(f"Failed to {method} {pathname} in LangSmith API. {repr(e)}")
                    raise ls_utils.LangSmithUserError(f"Failed to {method} {pathname} in LangSmith API. {repr(e)}")
            except ls_utils.LangSmithRateLimitError:
                if idx + 1 == stop_after_attempt:
                    raise
                retry_after = float(response.headers.get("retry-after", "30"))
                time.sleep(retry_after * 2**idx + random.random() * 0.01)
        raise ls_utils.LangSmithError(f"Failed to {method} {pathname} in LangSmith API.")

    def list_projects(self, limit=None):
        params = {"limit": limit, "offset": 0}
        response = self.request_with_retries("GET", "/sessions?" + urllib_parse.urlencode(params))
        yield from response.json()

    def _multipart_ingest(self, runs):
        _context = "; ".join(f"trace={run['trace_id']},id={run['id']}" for run in runs)
        try:
            self.request_with_retries(
                "POST",
                f"{self.api_url}/runs/multipart",
                request_kwargs={"data": repr(runs).encode(), "headers": self._headers},
                stop_after_attempt=2,
                _context=_context,
            )
        except (ls_utils.LangSmithConnectionError, ls_utils.LangSmithAPIError) as exc:
            logger.warning(f"Failed to multipart ingest runs: {exc}")
        except Exception as e:
            try:
                exc_desc_lines = traceback.format_exception_only(type(e), e)
                exc_desc = "".join(exc_desc_lines).rstrip()
                logger.warning(f"Failed to multipart ingest runs: {exc_desc}")
            except Exception:
                logger.warning(f"Failed to multipart ingest runs: {repr(e)}")

    def create_run(self, run):
        thread = threading.Thread(target=self._multipart_ingest, args=([run],))
        thread.start()
        self._threads.append(thread)

    def flush(self):
        for thread in self._threads:
            thread.join()
"""

FILES = {
    "langsmith/__init__.py": (
        "__version__ = '0.15.1'\n"
        "from langsmith import utils\n"
        "from langsmith.client import Client\n"
        "from langsmith.run_helpers import traceable, tracing_context\n"
        "from langsmith.run_trees import configure\n"
    ),
    "langsmith/_context.py": (
        "import contextvars\n"
        "_TRACING_ENABLED = contextvars.ContextVar('_TRACING_ENABLED', default=None)\n"
        "_GLOBAL_TRACING_ENABLED = None\n"
    ),
    "langsmith/utils.py": UTILS,
    "langsmith/client.py": CLIENT,
    "langsmith/run_trees.py": """
        import threading
        import langsmith._context as _context

        _CLIENT = None
        _LOCK = threading.Lock()


        def get_cached_client():
            global _CLIENT
            from langsmith.client import Client
            with _LOCK:
                if _CLIENT is None:
                    _CLIENT = Client()
            return _CLIENT


        def configure(*, enabled=None):
            _context._TRACING_ENABLED.set(enabled)
            _context._GLOBAL_TRACING_ENABLED = enabled
        """,
    "langsmith/run_helpers.py": """
        import contextlib
        import functools
        import uuid

        import langsmith._context as _context
        from langsmith import utils as ls_utils


        def get_tracing_context():
            return {"enabled": _context._TRACING_ENABLED.get()}


        @contextlib.contextmanager
        def tracing_context(*, enabled=None, **kwargs):
            token = _context._TRACING_ENABLED.set(enabled)
            try:
                yield
            finally:
                _context._TRACING_ENABLED.reset(token)


        def traceable(func):
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                result = func(*args, **kwargs)
                if ls_utils.tracing_is_enabled():
                    from langsmith.run_trees import get_cached_client
                    run_id = str(uuid.uuid4())
                    get_cached_client().create_run({"id": run_id, "trace_id": run_id, "name": func.__name__})
                return result

            return wrapper
        """,
}

# An app with a traced function, as in the LangSmith quickstart; flush() waits for the background sender.
APP = """
import logging
logging.basicConfig(level=logging.WARNING, format="%(levelname)s:%(name)s:%(message)s")
from langsmith import traceable
from langsmith.run_trees import get_cached_client

@traceable
def answer(question):
    return "answer to " + question

print(answer("hi"))
get_cached_client().flush()
"""

ENV_NAMES = (
    "LANGSMITH_TRACING_V2",
    "LANGCHAIN_TRACING_V2",
    "LANGSMITH_TRACING",
    "LANGCHAIN_TRACING",
    "LANGSMITH_API_KEY",
    "LANGCHAIN_API_KEY",
    "LANGSMITH_ENDPOINT",
    "LANGCHAIN_ENDPOINT",
    "LANGSMITH_WORKSPACE_ID",
    "LANGCHAIN_WORKSPACE_ID",
)

FORBIDDEN = (403, b'{"error":"Forbidden"}\n')
INVALID_TOKEN = (401, b'{"detail":"Invalid token"}')
TRACE_IDS = re.compile(r"trace=[0-9a-f-]{36},id=[0-9a-f-]{36}")


@pytest.fixture
def site(tmp_path):
    return write_files(tmp_path / "site", FILES)


@contextmanager
def langsmith_server(status: int, body: bytes):
    """A fake LangSmith API: every /runs/... and /sessions request gets (status, body); yields (base URL, requests)."""
    seen: list[tuple[str, str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def _reply(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            seen.append((self.command, self.path, dict(self.headers)))
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "0")
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _reply

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", seen
    finally:
        srv.shutdown()
        srv.server_close()


def run_app(code, site, tmp_path, base=None, **env):
    """Run `code` with the fake langsmith, only the LangSmith variables given here set."""
    child = dict.fromkeys(ENV_NAMES)
    if base:
        child["LANGSMITH_ENDPOINT"] = base
    child.update(env)
    return run_python(code, cwd=tmp_path, path=site, env=child)


def warnings_of(result) -> list[str]:
    prefix = "WARNING:langsmith.client:"
    return [line.removeprefix(prefix) for line in result.stderr.splitlines() if line.startswith(prefix)]


def hosted(line: str, base: str) -> str:
    return line.replace(base, HOSTED)


def test_403_is_a_background_warning_and_the_entry_s_first_signature(site, tmp_path):
    entry = parse_entry(ENTRY)
    with langsmith_server(*FORBIDDEN) as (base, seen):
        result = run_app(
            APP, site, tmp_path, base, LANGSMITH_TRACING="true", LANGSMITH_API_KEY="lsv2_pt_revoked"
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "answer to hi"  # the app's own call is unaffected
    assert [m for m, p, _ in seen] == ["POST"] and seen[0][1] == "/runs/multipart"
    assert seen[0][2]["x-api-key"] == "lsv2_pt_revoked"
    [line] = warnings_of(result)
    assert hosted(line, base) == entry.errors[0]


def test_401_invalid_token_matches_the_entry_s_signature(site, tmp_path):
    entry = parse_entry(ENTRY)
    with langsmith_server(*INVALID_TOKEN) as (base, _):
        result = run_app(
            APP, site, tmp_path, base, LANGCHAIN_TRACING_V2="true", LANGCHAIN_API_KEY="lsv2_pt_typo"
        )
    assert result.stdout.strip() == "answer to hi"
    [line] = warnings_of(result)
    signature = next(
        e
        for e in entry.errors
        if e.startswith("Failed to multipart ingest runs: langsmith.utils.LangSmithAuthError")
    )
    assert TRACE_IDS.sub("IDS", hosted(line, base)) == TRACE_IDS.sub("IDS", signature)


def test_429_and_org_scoped_key_match_the_entry_s_signatures(site, tmp_path):
    entry = parse_entry(ENTRY)
    with langsmith_server(429, b'{"detail":"Too many requests"}') as (base, seen):
        result = run_app(APP, site, tmp_path, base, LANGSMITH_TRACING="true", LANGSMITH_API_KEY="lsv2_pt_ok")
    assert len(seen) == 2  # retried once after Retry-After, then given up
    [line] = warnings_of(result)
    assert hosted(line, base).startswith(entry.errors[8])

    with langsmith_server(403, b'{"error":"org_scoped_key_requires_workspace"}') as (base, _):
        result = run_app(APP, site, tmp_path, base, LANGSMITH_TRACING="true", LANGSMITH_API_KEY="lsv2_sk_org")
    assert warnings_of(result) == [entry.errors[10]]


def test_missing_key_warning_on_the_hosted_endpoint_only_while_tracing(site, tmp_path):
    entry = parse_entry(ENTRY)
    code = "import langsmith\nclient = langsmith.Client()\nprint(client.api_url, client.api_key)\n"
    result = run_app(
        code, site, tmp_path, LANGSMITH_TRACING="true"
    )  # no key, default endpoint, no request made
    assert result.stdout.strip() == f"{HOSTED} None"
    assert entry.errors[11] in result.stderr
    quiet = run_app(code, site, tmp_path)
    assert "LangSmithMissingAPIKeyWarning" not in quiet.stderr


def test_option1_switches_tracing_off_even_with_a_leftover_langchain_tracing_v2(fix_code, site, tmp_path):
    leftover = {
        "LANGCHAIN_TRACING_V2": "true",
        "LANGSMITH_TRACING": "true",
        "LANGSMITH_API_KEY": "lsv2_pt_placeholder",
    }
    with langsmith_server(*FORBIDDEN) as (base, seen):
        result = run_app(fix_code(SLUG, 1) + APP, site, tmp_path, base, **leftover)
    assert result.returncode == 0, result.stderr
    assert "LangSmith tracing off: LANGSMITH_TRACING_V2=false" in result.stdout
    assert result.stdout.strip().endswith("answer to hi")
    assert seen == [] and warnings_of(result) == []

    # What the entry warns against: LANGSMITH_TRACING=false alone, LANGCHAIN_TRACING_V2=true still wins
    with langsmith_server(*FORBIDDEN) as (base, seen):
        result = run_app(APP, site, tmp_path, base, **{**leftover, "LANGSMITH_TRACING": "false"})
    assert len(seen) == 1 and len(warnings_of(result)) == 1

    # ... and the switch must come before the first traced call: the value is cached
    late = APP.replace(
        'print(answer("hi"))', 'print(answer("hi"))\n' + fix_code(SLUG, 1) + 'print(answer("again"))'
    )
    with langsmith_server(*FORBIDDEN) as (base, seen):
        run_app(late, site, tmp_path, base, **leftover)
    assert len(seen) == 2


def test_option1_tracing_context_and_configure_send_nothing(site, tmp_path):
    [(language, code)] = [block for block in option_blocks(SLUG, 1) if "tracing_context" in block[1]]
    assert language == "python"
    with langsmith_server(*FORBIDDEN) as (base, seen):
        result = run_app(
            code, site, tmp_path, base, LANGSMITH_TRACING="true", LANGSMITH_API_KEY="lsv2_pt_placeholder"
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["42", "42"]
    assert seen == []


@pytest.mark.parametrize(
    ("answer", "verdict", "code"),
    [
        (INVALID_TOKEN, "REJECTED (401): the key is wrong, revoked, or from another region.", 1),
        (
            FORBIDDEN,
            "FORBIDDEN (403): no access here: region, workspace (LANGSMITH_WORKSPACE_ID) or plan.",
            1,
        ),
        ((200, b"[]"), "OK: the key is accepted by this endpoint", 0),
    ],
)
def test_option2_check_names_what_the_server_said(fix_code, site, tmp_path, answer, verdict, code):
    env = {
        "LANGCHAIN_TRACING_V2": "true",
        "LANGSMITH_API_KEY": "lsv2_pt_0123456789ab",
        "LANGCHAIN_API_KEY": "lsv2_pt_stale_old_key",
        "LANGSMITH_WORKSPACE_ID": "ws-1",
    }
    with langsmith_server(*answer) as (base, seen):
        result = run_app(fix_code(SLUG, 2), site, tmp_path, base, **env)
    assert result.returncode == code, result.stderr
    assert verdict in result.stdout
    assert "tracing: 'true' from LANGCHAIN_TRACING_V2" in result.stdout
    assert "api key: lsv2_pt_...ab from LANGSMITH_API_KEY" in result.stdout  # LANGSMITH_ beats LANGCHAIN_
    assert "workspace: ws-1 from LANGSMITH_WORKSPACE_ID" in result.stdout
    [(method, path, headers)] = seen
    assert (method, path) == ("GET", "/sessions?limit=1&offset=0")
    assert headers["x-api-key"] == "lsv2_pt_0123456789ab" and headers["X-Tenant-Id"] == "ws-1"
