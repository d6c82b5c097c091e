"""Verified fix for solutions/hf-hub-rate-limited.md.

The project's huggingface_hub (2.4.0) talks to a local stand-in of huggingface.co (HF_ENDPOINT) that answers 429
the way the Hub does: an x-request-id, `RateLimit: "api";r=0;t=10` and `RateLimit-Policy: "fixed window";"api";
q=500;w=300` (resolvers: q=3000), and the Hub's JSON body `{"error": "We had to rate limit your IP ..."}`. Every
call runs in a child interpreter, with HF_ENDPOINT set before huggingface_hub is imported and time.sleep recorded
instead of slept, so nothing leaves 127.0.0.1 and the library's own retries take no time. The exception texts are
the entry's 2.x signatures: a listing (retried 5 times, after the reset + 1 s), a single API call (never retried),
a download whose HEAD is refused (LocalEntryNotFoundError, with the 429 as its cause and in the log lines), a
download refused after a good HEAD, a commit quota, whoami.

Older wordings: requests 2.34.2 and httpx 0.29.0 are installed and give the raw HTTP lines; huggingface_hub 0.x's
and 1.0/1.1's hf_raise_for_status formatting (`_format`: the server text after a blank line, the request id before
the first line end) and transformers' cached_files branch for an HfHubHTTPError are not, so small fakes of those
code paths, written into tmp_path, rebuild the text around the real exceptions. Their output was checked against
huggingface_hub 0.20.3, 0.36.2 and 1.1.0 and transformers 4.25.1, 4.57.6 and 5.25.0, run against the same kind of
stand-in (2026-12-07).

Then the entry's fixes: Option 1's token report (and a stand-in that rate-limits anonymous requests only),
Option 2's fetch_once (four processes at once download the repo once; a filled cache asks the Hub nothing, even
while the Hub answers only 429), Option 3's call_hub (waits the reset the Hub names, bounded, only on 429, also
for wrapped errors), Option 4's upload_folder (one commit for the folder, where a loop of upload_file makes one
per file).

Audit (2026-12-07): small fakes of huggingface_hub before 0.19 (HfFolder reads only HUGGING_FACE_HUB_TOKEN) and
before 0.20 (snapshot_download(local_files_only=True) raises FileNotFoundError or ValueError, not
LocalEntryNotFoundError) check Options 1 and 2 on old releases, and a listing read lazily checks that Option 3
retries list_models itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import huggingface_hub  # noqa: F401  (fails loudly when the dev extra is missing)
import pytest
import requests
from answers import confident_answer
from entry_blocks import option_blocks
from pyrun import run_python, script_names

from app.corpus.entries import parse_entry

SLUG = "hf-hub-rate-limited"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
ENTRY = parse_entry(SOLUTIONS / f"{SLUG}.md")
HUB = "https://huggingface.co"
RID = "Root=1-6a5b0c1d-0123456789abcdef01234567;9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f"
ANON = (
    "We had to rate limit your IP (203.0.113.7). To continue using our service, create a HF account or login to "
    "your existing account, and make sure you pass a HF_TOKEN if you're using the API."
)
COMMIT_QUOTA = "You have exceeded our hourly quotas for action: commit. We invite you to retry later."
SHA = "0123456789abcdef0123456789abcdef01234567"
FILES = {"config.json": b'{"model_type": "bert"}', "tokenizer.json": b"{}", "model.safetensors": b"\0" * 64}


class Request(NamedTuple):
    method: str
    path: str  # without the query
    query: str
    headers: dict  # names in lower case
    body: bytes


Reply = tuple[int, list, bytes]


def limited(bucket: str = "api", t: int = 10, r: int | None = 0, error: str | None = ANON) -> Reply:
    """The Hub's 429: the RateLimit headers (none when r is None) and its JSON body (none when error is None)."""
    headers = [("x-request-id", RID)]
    if r is not None:
        quota = 500 if bucket == "api" else 3000
        headers += [
            ("ratelimit", f'"{bucket}";r={r};t={t}'),
            ("ratelimit-policy", f'"fixed window";"{bucket}";q={quota};w=300'),
        ]
    return 429, headers, json.dumps({"error": error}).encode() if error else b""


def ok(payload) -> Reply:
    return 200, [], json.dumps(payload).encode()


class StandIn:
    """A tiny Hub: repos that hold FILES, preupload/commit, whoami; `rule(request)` may answer first (a 429)."""

    def __init__(self) -> None:
        self.rule: Callable[[Request], Reply | None] = lambda request: None
        self.seen: list[Request] = []
        self._lock = threading.Lock()

    def requests(self, method: str | None = None) -> list[str]:
        """`METHOD path` of each request that came, the daily agent-registry lookup of 2.x left out."""
        return [
            f"{r.method} {r.path}"
            for r in self.seen
            if r.path != "/api/agent-harnesses" and (method is None or r.method == method)
        ]

    def answer(self, request: Request) -> Reply:
        with self._lock:
            self.seen.append(request)
        if request.path == "/api/agent-harnesses":
            return 404, [], b"{}"
        reply = self.rule(request)
        return reply if reply is not None else self.serve(request)

    def serve(self, request: Request) -> Reply:
        parts = unquote(request.path).strip("/").split("/")
        if parts[:2] == ["api", "whoami-v2"]:
            return ok({"type": "user", "name": "alice"})
        if parts[0] == "api" and len(parts) >= 4 and parts[1] in ("models", "datasets"):
            repo_id, rest = "/".join(parts[2:4]), parts[4:]
            if rest[:1] == ["preupload"]:
                files = [
                    {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": None}
                    for f in json.loads(request.body)["files"]
                ]
                return ok({"files": files, "commitOid": SHA})
            if rest[:1] == ["commit"]:
                url = f"{HUB}/{repo_id}/commit/{SHA}"
                return ok({"commitUrl": url, "commitOid": SHA, "pullRequestUrl": None})
            if rest[:1] == ["tree"]:
                return ok(
                    [
                        {"type": "file", "path": k, "size": len(v), "oid": hashlib.sha1(v).hexdigest()}
                        for k, v in FILES.items()
                    ]
                )
            return ok(
                {"id": repo_id, "sha": SHA, "private": False, "siblings": [{"rfilename": k} for k in FILES]}
            )
        if "resolve" in parts:
            name = "/".join(parts[parts.index("resolve") + 2 :])
            if name not in FILES:
                return 404, [("X-Error-Code", "EntryNotFound")], b'{"error": "Entry not found"}'
            etag = '"' + hashlib.sha1(FILES[name]).hexdigest() + '"'
            return 200, [("X-Repo-Commit", SHA), ("ETag", etag)], FILES[name]
        return 404, [], b'{"error": "Not Found"}'


@pytest.fixture
def hub(tmp_path):
    """(stand-in, base URL, run): run(code, **env) runs code in a child with HF_ENDPOINT at the stand-in."""
    stand_in = StandIn()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            url = urlsplit(self.path)
            status, headers, data = stand_in.answer(
                Request(
                    self.command, url.path, url.query, {k.lower(): v for k, v in self.headers.items()}, body
                )
            )
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_HEAD = do_POST = _reply

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"

    def run(code: str, cwd: Path | None = None, home: Path | None = None, **extra: str | None):
        env: dict[str, str | None] = {
            k: None for k in os.environ if k.startswith("HF_") or "proxy" in k.lower()
        }
        env |= {"HUGGING_FACE_HUB_TOKEN": None, "NO_PROXY": "*", "no_proxy": "*", "HF_ENDPOINT": base}
        env |= {"HF_HOME": str(home or tmp_path / "hf"), "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
        return run_python(code, cwd=cwd or tmp_path, env=env | extra, timeout=90)

    yield stand_in, base, run
    srv.shutdown()
    srv.server_close()


RECORD_SLEEP = """
import json, time
slept = []
time.sleep = lambda s: slept.append(s)
"""

RAISE = (
    RECORD_SLEEP
    + """
from huggingface_hub import HfApi, hf_hub_download

def report(err):
    cause = err.__cause__
    return {"type": f"{type(err).__module__}.{type(err).__name__}", "text": str(err), "slept": slept,
            "cause": None if cause is None else f"{type(cause).__module__}.{type(cause).__name__}: {cause}"}

try:
    CALL
except Exception as err:
    print(json.dumps(report(err)))
else:
    print(json.dumps({"type": None}))
"""
)


def raised(run, base: str, call: str, **env) -> dict:
    result = run(RAISE.replace("CALL", call), **env)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    found["log"] = result.stderr
    for key in ("text", "cause"):
        if found.get(key):
            found[key] = found[key].replace(base, HUB)
    found["log"] = found["log"].replace(base, HUB)
    return found


def signature(text: str) -> str:
    """`text` if it is one of the entry's signatures word for word (else the assertion shows which ones are close)."""
    assert text in ENTRY.errors, [e for e in ENTRY.errors if e[:50] == text[:50]] or text
    return text


# --- the 2.x wordings, for real ----------------------------------------------------------------------------------
def test_a_listing_429_is_retried_5_times_after_the_reset_then_raised(hub):
    stand_in, base, run = hub
    stand_in.rule = lambda request: limited("api") if request.path == "/api/models" else None
    err = raised(run, base, 'list(HfApi().list_models(filter="gguf", sort="downloads", limit=500))')
    assert err["type"] == "huggingface_hub.errors.HfHubHTTPError"
    signature(f"{err['type']}: {err['text']}")
    assert err["text"].startswith(
        f"(Request ID: {RID})\n\n429 Too Many Requests: you have reached your 'api'"
    )
    assert stand_in.requests() == ["GET /api/models"] * 6  # the first page too, since 2.1
    assert err["slept"] == [11.0] * 5  # RateLimit t=10, + 1 s
    assert f"HTTP Error 429 thrown while requesting GET {HUB}/api/models\n" in err["log"]
    assert "Rate limited. Waiting 11.0s before retry [Retry 1/5]." in err["log"]


def test_a_single_api_call_is_never_retried_and_without_ratelimit_headers_says_for_url(hub):
    stand_in, base, run = hub
    stand_in.rule = lambda request: limited(r=None) if request.path.startswith("/api/datasets/") else None
    err = raised(run, base, 'HfApi().dataset_info("org/some-data")')
    signature(f"{err['type']}: {err['text']}")
    assert stand_in.requests() == ["GET /api/datasets/org/some-data"]
    assert err["slept"] == []

    # headers that are not the reason (r > 0) are ignored from 1.28; no body, no server text
    stand_in.rule = lambda request: (
        limited(r=5, error=None) if request.path.startswith("/api/models/") else None
    )
    err = raised(run, base, 'HfApi().model_info("org/some-model", revision="main")')
    signature(f"{err['type']}: {err['text']}")
    assert err["text"].endswith(
        "429 Too Many Requests for url: https://huggingface.co/api/models/org/some-model/revision/main."
    )


def test_a_refused_head_ends_as_the_offline_error_with_the_429_as_its_cause(hub):
    stand_in, base, run = hub
    stand_in.rule = lambda request: limited("resolvers") if "/resolve/" in request.path else None
    err = raised(run, base, 'hf_hub_download("org/some-model", "config.json")')
    # the last line is hf-hub-offline's wording: a look-alike this entry must not answer on its own
    last = f"{err['type']}: {err['text']}"
    assert last in ENTRY.not_errors
    # the cause holds the 429 (a HEAD has no body: no server text)
    signature(err["cause"])
    assert (
        stand_in.requests() == ["HEAD /org/some-model/resolve/main/config.json"] * 7
    )  # 1, then 1 + 5 retries
    assert err["slept"] == [11.0] * 5
    head_line = f"HTTP Error 429 thrown while requesting HEAD {HUB}/org/some-model/resolve/main/config.json"
    assert signature(head_line) + "\n" in err["log"]


def test_a_refused_download_after_a_good_head_and_transformers_wrapper(hub, tmp_path):
    stand_in, base, run = hub
    stand_in.rule = lambda request: (
        limited("resolvers") if request.method == "GET" and "/resolve/" in request.path else None
    )
    err = raised(run, base, 'hf_hub_download("org/some-model", "config.json")')
    assert err["type"] == "huggingface_hub.errors.HfHubHTTPError"
    assert err["text"].endswith(f"\n{ANON}")  # a GET has the body: the Hub's text is there
    assert stand_in.requests("GET") == ["GET /org/some-model/resolve/main/config.json"] * 6
    # transformers 4.57.6 / 5.25.0 utils/hub.py cached_files: an HfHubHTTPError that is not EntryNotFoundError
    (tmp_path / "fake_transformers_hub.py").write_text(TRANSFORMERS_CACHED_FILES, encoding="utf-8")
    code = (
        RECORD_SLEEP
        + "from fake_transformers_hub import cached_file\ncached_file('org/some-model', 'config.json')"
    )
    result = run(code, home=tmp_path / "hf2", PYTHONPATH=str(tmp_path))
    last = result.stderr.strip().splitlines()
    text = result.stderr[result.stderr.rindex("OSError: There was") :].strip().replace(base, HUB)
    assert last[-1] == ANON
    signature(text)


TRANSFORMERS_CACHED_FILES = '''
"""transformers 4.57.6 and 5.25.0 utils/hub.py cached_files, the branch for a Hub HTTP error (word for word)."""
from huggingface_hub import hf_hub_download
from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, LocalEntryNotFoundError


def cached_file(path_or_repo_id, filename):
    try:
        return hf_hub_download(path_or_repo_id, filename)
    except Exception as e:
        if isinstance(e, LocalEntryNotFoundError):
            raise OSError("We couldn't connect to 'https://huggingface.co' to load the files, and couldn't find them in the cached files.") from e
        elif isinstance(e, HfHubHTTPError) and not isinstance(e, EntryNotFoundError):
            raise OSError(f"There was a specific connection error when trying to load {path_or_repo_id}:\\n{e}") from e
        raise
'''


def test_the_listing_log_lines_name_the_wait(hub):
    stand_in, base, run = hub
    stand_in.rule = lambda request: limited("api", t=195) if "/tree/" in request.path else None
    call = (
        'list(HfApi().list_repo_tree("allenai/c4", path_in_repo="en", revision="'
        + C4
        + '", repo_type="dataset"))'
    )
    err = raised(run, base, call)
    assert err["type"] == "huggingface_hub.errors.HfHubHTTPError"
    signature(f"HTTP Error 429 thrown while requesting GET {HUB}/api/datasets/allenai/c4/tree/{C4}/en")
    assert signature("Rate limited. Waiting 196.0s before retry [Retry 1/5].") in err["log"]
    assert (
        f"HTTP Error 429 thrown while requesting GET {HUB}/api/datasets/allenai/c4/tree/{C4}/en\n"
        in err["log"]
    )


C4 = "1588ec454efa1a09f29cd18ddd04fe05fc8653a2"


def test_commit_quota_and_whoami_wordings(hub):
    stand_in, base, run = hub
    stand_in.rule = lambda request: (
        limited(r=None, error=COMMIT_QUOTA) if "/commit/" in request.path else None
    )
    call = 'HfApi().upload_file(path_or_fileobj=b"x", path_in_repo="a.txt", repo_id="org/some-data", repo_type="dataset")'
    err = raised(run, base, call, HF_TOKEN="hf_test")
    assert err["text"].splitlines()[-1] == signature(COMMIT_QUOTA)
    assert stand_in.requests("POST")[-1] == "POST /api/datasets/org/some-data/commit/main"
    assert len(stand_in.requests("POST")) == 2  # preupload, then the one commit: never retried

    stand_in.rule = lambda request: limited() if request.path == "/api/whoami-v2" else None
    err = raised(run, base, "HfApi().whoami()", HF_TOKEN="hf_test")
    signature(f"{err['type']}: {err['text']}")


# --- the 0.x and 1.0/1.1 wordings: real requests/httpx, a fake of the old formatting --------------------------------
OLD_FORMAT = '''
"""huggingface_hub 0.20.3-1.1.0 utils/_http.py (utils/_errors.py up to 0.24) _format for an error without a
dedicated branch: str(the HTTP library's error), the server text after a blank line (after one line end when the
text already has a blank line), the request id before the first line end."""


def hub_text(err, response):
    message = str(err)
    try:
        server = response.json().get("error") or ""
    except ValueError:
        server = ""
    if server and server.lower() not in message.lower():
        message += ("\\n" if "\\n\\n" in message else "\\n\\n") + server
    request_id = response.headers.get("x-request-id")
    if request_id and request_id.lower() not in message.lower():
        note = f" (Request ID: {request_id})"
        if "\\n" in message:
            i = message.index("\\n")
            message = message[:i] + note + message[i:]
        else:
            message += note
    return message.strip()
'''

OLD_WORDINGS = """
import json, sys
import httpx, requests
from old_format import hub_text
base, path, kind = sys.argv[1:4]
if kind == "requests":
    response = requests.request("GET" if "commit" not in path else "POST", base + path)
    try:
        response.raise_for_status()
    except requests.HTTPError as err:
        print(json.dumps({"raw": str(err), "hub": hub_text(err, response)}))
else:
    response = httpx.get(base + path)
    try:
        response.raise_for_status()
    except httpx.HTTPStatusError as err:
        print(json.dumps({"raw": str(err), "hub": hub_text(err, response)}))
"""


def old_wording(run, tmp_path, base: str, path: str, kind: str) -> dict:
    (tmp_path / "old_format.py").write_text(OLD_FORMAT, encoding="utf-8")
    result = run(OLD_WORDINGS.replace("sys.argv[1:4]", repr([base, path, kind])), PYTHONPATH=str(tmp_path))
    assert result.returncode == 0, result.stderr
    return {k: v.replace(base, HUB) for k, v in json.loads(result.stdout).items()}


def test_0x_and_1x_wordings(hub, tmp_path):
    stand_in, base, run = hub
    stand_in.rule = lambda request: limited()
    got = old_wording(run, tmp_path, base, "/api/models/org/some-model", "requests")
    signature(f"huggingface_hub.errors.HfHubHTTPError: {got['hub']}")  # 0.25-0.36
    got = old_wording(run, tmp_path, base, "/api/models/org/some-model", "httpx")
    signature(f"huggingface_hub.errors.HfHubHTTPError: {got['hub']}")  # 1.0, 1.1

    got = old_wording(run, tmp_path, base, "/meta-llama/Meta-Llama-3-8B/resolve/main/config.json", "requests")
    signature(f"requests.exceptions.HTTPError: {got['raw']}")

    stand_in.rule = lambda request: (
        429,
        [("x-request-id", "Root=1-65112399-12d63f7d7f28bfa40a36a0fd")],
        json.dumps({"error": COMMIT_QUOTA}).encode(),
    )
    got = old_wording(run, tmp_path, base, "/api/datasets/yuvalkirstain/pickapic_v2/commit/main", "requests")
    signature(f"huggingface_hub.utils._errors.HfHubHTTPError: {got['hub']}")  # up to 0.24


# --- the matcher ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "huggingface_hub.errors.HfHubHTTPError: 429 Client Error: Too Many Requests for url: "
        "https://huggingface.co/api/models/Qwen/Qwen2.5-7B-Instruct (Request ID: Root=1-69aa0000-1111222233334444aaaa)"
        f"\n\n{ANON.replace('203.0.113.7', '198.51.100.20')}",
        "requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: "
        "https://huggingface.co/BAAI/bge-small-en-v1.5/resolve/main/tokenizer_config.json",
        "429 Too Many Requests: you have reached your 'resolvers' rate limit.\nRetry after 42 seconds "
        "(0/5000 requests remaining in current 300s window).\nUrl: https://huggingface.co/org/m/resolve/main/x.bin.",
        "HTTP Error 429 thrown while requesting HEAD https://huggingface.co/Qwen/Qwen2.5-0.5B/resolve/main/config.json",
        "OSError: There was a specific connection error when trying to load bert-base-uncased:\n429 Client Error: "
        "Too Many Requests for url: https://huggingface.co/bert-base-uncased/resolve/main/config.json",
    ],
)
def test_the_matcher_answers_other_repos_ids_and_addresses(index, text):
    assert confident_answer(index, text) == SLUG


@pytest.mark.parametrize("text", ENTRY.not_errors)
def test_the_matcher_does_not_answer_the_look_alikes(index, text):
    assert confident_answer(index, text) != SLUG


# --- Option 1: a token from every process --------------------------------------------------------------------------
def test_option1_reports_whether_a_token_is_sent_and_a_token_lifts_the_anonymous_limit(hub, tmp_path):
    stand_in, base, run = hub
    code = option_blocks(SLUG, 1)[0][1]
    assert option_blocks(SLUG, 1)[0][0] == "python"
    assert run(code).stdout.startswith("ANONYMOUS:")
    assert run(code, HF_TOKEN="hf_test").stdout.startswith(
        "AUTHENTICATED with the HF_TOKEN environment variable"
    )
    disabled = run(code, HF_TOKEN="hf_test", HF_HUB_DISABLE_IMPLICIT_TOKEN="1").stdout
    assert "HF_HUB_DISABLE_IMPLICIT_TOKEN is set" in disabled
    (tmp_path / "hf").mkdir(exist_ok=True)
    (tmp_path / "hf" / "token").write_text("hf_saved")
    assert "saved login" in run(code).stdout

    # the Hub's anonymous limit is per IP: the same call with HF_TOKEN in the environment goes through
    stand_in.rule = lambda request: None if request.headers.get("authorization") else limited()
    err = raised(run, base, 'HfApi().model_info("org/some-model")', home=tmp_path / "empty")
    assert err["text"].endswith(ANON)
    assert raised(run, base, 'HfApi().model_info("org/some-model")', HF_TOKEN="hf_test")["type"] is None


OLD_HUB_TOKEN = {
    "__init__.py": '''
import os


class HfFolder:
    """huggingface_hub 0.11-0.18 utils/_hf_folder.py get_token: HUGGING_FACE_HUB_TOKEN, then the token file."""

    @classmethod
    def get_token(cls):
        token = os.environ.get("HUGGING_FACE_HUB_TOKEN")
        if token is None:
            try:
                with open(os.path.join(os.environ["HF_HOME"], "token")) as f:
                    token = f.read()
            except FileNotFoundError:
                pass
        return token
''',
    "constants.py": "HF_HUB_DISABLE_IMPLICIT_TOKEN = False\n",
}


def test_option1_says_when_a_release_before_0_19_ignores_hf_token(hub, tmp_path):
    """huggingface_hub before 0.19 (no get_token, HfFolder reads HUGGING_FACE_HUB_TOKEN only) ignores HF_TOKEN."""
    _, _, run = hub
    fake = tmp_path / "old_hub" / "huggingface_hub"
    fake.mkdir(parents=True)
    for name, text in OLD_HUB_TOKEN.items():
        (fake / name).write_text(text, encoding="utf-8")
    code = option_blocks(SLUG, 1)[0][1]
    old = {"PYTHONPATH": str(fake.parent)}
    ignored = run(code, HF_TOKEN="hf_test", **old).stdout
    assert not ignored.startswith("ANONYMOUS: no HF_TOKEN")  # the token is set: the release does not read it
    assert "HUGGING_FACE_HUB_TOKEN" in ignored and "0.19" in ignored
    assert run(code, HUGGING_FACE_HUB_TOKEN="hf_test", **old).stdout.startswith("AUTHENTICATED")
    assert run(code, **old).stdout.startswith("ANONYMOUS: no HF_TOKEN")
    # a token read from a file with its line end is still the environment's
    assert "the HF_TOKEN environment variable" in run(code, HF_TOKEN="hf_test \n").stdout


# --- Option 2: fetch once, then no request ---------------------------------------------------------------------------
FETCH = """
import sys
print(fetch_once("org/tiny"))
"""


def test_option2_four_processes_download_once_and_a_filled_cache_asks_nothing(hub, tmp_path):
    stand_in, _, run = hub
    code = option_blocks(SLUG, 2)[0][1] + FETCH

    def at_once(script: str, home: Path) -> list[str]:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: run(script, home=home), range(4)))
        assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
        return [r.stdout.strip().splitlines()[-1] for r in results]

    # without the fix every process asks the Hub for the repo again
    plain = at_once(
        'from huggingface_hub import snapshot_download\nprint(snapshot_download("org/tiny"))', tmp_path / "a"
    )
    assert len(set(plain)) == 1
    assert stand_in.requests("GET").count("GET /api/models/org/tiny/revision/main") == 4
    stand_in.seen.clear()

    folders = at_once(code, tmp_path / "b")
    assert len(set(folders)) == 1 and Path(folders[0], "config.json").read_bytes() == FILES["config.json"]
    got = stand_in.requests()
    assert got.count("GET /api/models/org/tiny/revision/main") == 1  # one process downloaded
    assert sorted(r for r in got if r.startswith("GET /org/tiny/resolve/")) == sorted(
        f"GET /org/tiny/resolve/{SHA}/{name}" for name in FILES
    )

    # the Hub now refuses everything: the cached repo is served without a single request
    stand_in.seen.clear()
    stand_in.rule = lambda request: limited("resolvers" if "/resolve/" in request.path else "api")
    again = run(code, home=tmp_path / "b")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == folders[0]
    assert stand_in.requests() == []


OLD_SNAPSHOT = """
import os, re
import huggingface_hub
from huggingface_hub import constants

_download = huggingface_hub.snapshot_download


def snapshot_download(repo_id, *, repo_type=None, revision=None, cache_dir=None, local_files_only=False, **kw):
    # huggingface_hub 0.11-0.19 _snapshot_download.py with local_files_only: a missing refs file is a
    # FileNotFoundError, a missing snapshot folder a ValueError (LocalEntryNotFoundError only from 0.20)
    if local_files_only:
        revision = revision or "main"
        storage = os.path.join(cache_dir or constants.HF_HUB_CACHE, f"{repo_type or 'model'}s--" + repo_id.replace("/", "--"))
        if re.fullmatch(r"[0-9a-f]{40}", revision):
            commit_hash = revision
        else:
            with open(os.path.join(storage, "refs", revision)) as f:
                commit_hash = f.read()
        folder = os.path.join(storage, "snapshots", commit_hash)
        if os.path.exists(folder):
            return folder
        raise ValueError("Cannot find an appropriate cached snapshot folder for the specified revision on the local disk")
    return _download(repo_id, repo_type=repo_type, revision=revision, cache_dir=cache_dir, **kw)


huggingface_hub.snapshot_download = snapshot_download
"""


def test_option2_downloads_on_releases_before_0_20(hub, tmp_path):
    """Before 0.20 an empty cache is a FileNotFoundError or ValueError, not LocalEntryNotFoundError: still download."""
    stand_in, _, run = hub
    future = "from __future__ import annotations\n"
    code = option_blocks(SLUG, 2)[0][1].replace(future, future + OLD_SNAPSHOT, 1) + FETCH
    assert OLD_SNAPSHOT in code
    first = run(code, home=tmp_path / "old")
    assert first.returncode == 0, first.stderr  # no refs/main yet
    assert stand_in.requests("GET").count("GET /api/models/org/tiny/revision/main") == 1
    folder = first.stdout.strip().splitlines()[-1]
    assert Path(folder, "config.json").read_bytes() == FILES["config.json"]
    # a refs file without its snapshot folder (an interrupted download)
    snapshots = Path(folder).parent
    (snapshots.parent / "refs" / "main").write_text("f" * 40)
    again = run(code, home=tmp_path / "old")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == folder


def test_option2_block_runs_as_published(tmp_path):
    result = run_python(option_blocks(SLUG, 2)[0][1], cwd=tmp_path, env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


# --- Option 3: wait as long as the Hub says, bounded ------------------------------------------------------------------
CALL_HUB = """
import json, time
slept = []
time.sleep = lambda s: slept.append(round(s, 2))
from huggingface_hub import HfApi
try:
    result = {"sha": call_hub(HfApi().model_info, "org/some-model").sha}
except Exception as err:
    result = {"raised": type(err).__name__}
print(json.dumps({**result, "slept": slept}))
"""


def call_hub_run(run, rule_answers: list[Reply | None], stand_in: StandIn) -> dict:
    replies = iter(rule_answers)
    stand_in.rule = lambda request: (
        next(replies, rule_answers[-1]) if request.path.startswith("/api/models/") else None
    )
    result = run(option_blocks(SLUG, 3)[0][1] + CALL_HUB)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_option3_waits_the_reset_and_then_succeeds(hub):
    stand_in, _, run = hub
    got = call_hub_run(run, [limited(t=7), limited(t=7), None], stand_in)
    assert got["sha"] == SHA
    assert len(got["slept"]) == 2 and all(8.0 <= s <= 12.0 for s in got["slept"])  # t, + 1-5 s of jitter
    assert stand_in.requests() == ["GET /api/models/org/some-model"] * 3


def test_option3_is_bounded_and_retries_only_a_429(hub):
    stand_in, _, run = hub
    got = call_hub_run(run, [limited(t=400)], stand_in)
    assert got["raised"] == "HfHubHTTPError"
    assert len(got["slept"]) == 3 and all(331.0 <= s <= 335.0 for s in got["slept"])  # capped at max_wait
    assert len(stand_in.requests()) == 4

    stand_in.seen.clear()
    not_found = (404, [("X-Error-Code", "RepoNotFound")], b'{"error": "Repository not found"}')
    got = call_hub_run(run, [not_found], stand_in)
    assert got == {"raised": "RepositoryNotFoundError", "slept": []}
    assert len(stand_in.requests()) == 1


LISTING = """
import json, time
slept = []
time.sleep = lambda s: slept.append(round(s, 2))
from huggingface_hub import HfApi
got = call_hub(HfApi().list_models, author="org", limit=2)
print(json.dumps({"type": type(got).__name__, "ids": [m.id for m in got], "slept": slept}))
"""


def test_option3_retries_a_listing_that_is_read_lazily(hub):
    """list_models returns a generator: its 429 comes while it is read, which call_hub must do inside the retry."""
    stand_in, _, run = hub
    answers = [limited(t=7)] * 6 + [ok([{"id": "org/a", "_id": "1"}, {"id": "org/b", "_id": "2"}])]
    replies = iter(answers)
    stand_in.rule = lambda request: next(replies, answers[-1]) if request.path == "/api/models" else None
    result = run(option_blocks(SLUG, 3)[0][1] + LISTING)
    assert result.returncode == 0, result.stderr  # the 429 escaped call_hub
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["type"] == "list" and got["ids"] == ["org/a", "org/b"]
    # 2.4.0 retries the first page 5 times itself (8 s each), then call_hub waits once (t + 1-5 s)
    assert got["slept"][:5] == [8.0] * 5 and len(got["slept"]) == 6 and 8.0 <= got["slept"][5] <= 12.0
    assert stand_in.requests() == ["GET /api/models"] * 7


WAITS = (
    RECORD_SLEEP
    + """
from huggingface_hub import hf_hub_download
from huggingface_hub.utils import LocalEntryNotFoundError
waits = {}
try:
    hf_hub_download("org/some-model", "config.json")
except LocalEntryNotFoundError as err:
    waits["hf_hub_download"] = hub_wait_seconds(err)
    try:
        raise OSError("There was a specific connection error when trying to load org/some-model") from err
    except OSError as wrapped:
        waits["wrapped"] = hub_wait_seconds(wrapped)
    waits["not_a_429"] = hub_wait_seconds(ValueError("429 Too Many Requests"))
print(json.dumps(waits))
"""
)


def test_option3_reads_the_wait_through_wrappers_and_headers(hub):
    stand_in, base, run = hub
    stand_in.rule = lambda request: limited("resolvers", t=42) if "/resolve/" in request.path else None
    result = run(option_blocks(SLUG, 3)[0][1] + WAITS)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "hf_hub_download": 42.0,
        "wrapped": 42.0,
        "not_a_429": None,
    }

    names = script_names(option_blocks(SLUG, 3)[0][1])  # a requests response (huggingface_hub 0.x)
    for reply, attempt, wait in [
        ((429, [("retry-after", "9")], b""), 1, 9.0),
        (limited(r=5, error=None), 1, 30.0),  # headers that are not the reason, no hint: 30 s, doubling
        (limited(r=5, error=None), 2, 60.0),
    ]:
        stand_in.rule = lambda request, reply=reply: reply
        response = requests.get(f"{base}/api/models/org/some-model", timeout=10)
        with pytest.raises(requests.HTTPError) as info:
            response.raise_for_status()
        assert names["hub_wait_seconds"](info.value, attempt) == wait


def test_option3_block_runs_as_published(tmp_path):
    result = run_python(option_blocks(SLUG, 3)[0][1], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


# --- Option 4: one commit for the folder -----------------------------------------------------------------------------
def test_option4_uploads_the_folder_in_one_commit(hub, tmp_path):
    stand_in, _, run = hub
    (tmp_path / "out").mkdir()
    for i in range(3):
        (tmp_path / "out" / f"part-{i}.parquet").write_bytes(b"PAR1" + bytes([i]))
    (tmp_path / "out" / "notes.txt").write_text("not uploaded")
    language, code = option_blocks(SLUG, 4)[0]
    assert language == "python"
    result = run(code, HF_TOKEN="hf_test")
    assert result.returncode == 0, result.stderr
    commits = [r for r in stand_in.seen if r.path.endswith("/commit/main")]
    assert [c.path for c in commits] == ["/api/datasets/me/my-data/commit/main"]
    lines = [json.loads(line) for line in commits[0].body.decode().splitlines()]
    assert sorted(x["value"]["path"] for x in lines if x["key"] == "file") == [
        f"data/part-{i}.parquet" for i in range(3)
    ]

    # the loop the entry marks WRONG: one commit per file
    stand_in.seen.clear()
    wrong = re.sub(r"(?m)^# ?", "", code.split("# WRONG")[1].split("api.upload_folder")[0])
    loop = (
        "from pathlib import Path\nfrom huggingface_hub import HfApi\napi = HfApi()\n"
        + wrong.split("\n", 1)[1]
    )
    result = run(loop, HF_TOKEN="hf_test")
    assert result.returncode == 0, result.stderr
    assert len([r for r in stand_in.seen if r.path.endswith("/commit/main")]) == 3
