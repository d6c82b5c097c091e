"""Verified fix for solutions/hf-repo-not-found.md.

The real huggingface_hub of the project (2.4.0) talks to a local HF_ENDPOINT that answers like the Hub, with
the headers hf_raise_for_status reads (X-Error-Code, X-Error-Message, x-request-id): a missing or private
repo is 401 `RepoNotFound` without a token (server text `Invalid username or password.`) and 404 with a
valid token that cannot see it, a rejected token is 401 `Invalid credentials in Authorization header`
without an error code, a missing revision is 404 `RevisionNotFound`. The exception texts are the entry's
signatures; transformers' OSError is checked with a stand-in of transformers 5.25.0 utils/hub.py
cached_files (its except branch and message, word for word) over the real hf_hub_download. Then the
entry's Option 1 script runs against the same server in each state and must print the verdict the entry
promises.
"""

from __future__ import annotations

import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import huggingface_hub  # noqa: F401  (fails loudly when the dev extra is missing)
import pytest
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "hf-repo-not-found"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
SHA = "0123456789abcdef0123456789abcdef01234567"
REQUEST_ID = "Root=1-6a5cbd82-64ad3af51d3235dc40308d9e;0c9a6ad2-e5d1-4f8d-9a24-3d3c0de14c87"
TOKENS = {"hf_alice": "alice", "hf_bob": "bob", "hf_carol": "carol"}
REPOS = {
    ("model", "my-org/my-model"): {"private": False, "owner": None, "revisions": {"main", "v1.0"}},
    ("model", "my-org/private-model"): {"private": True, "owner": "alice", "revisions": {"main"}},
    ("dataset", "my-org/my-data"): {"private": False, "owner": None, "revisions": {"main"}},
}
REFS = {
    "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": SHA}],
    "tags": [{"name": "v1.0", "ref": "refs/tags/v1.0", "targetCommit": SHA}],
    "converts": [],
}


class _Hub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in [*headers, ("x-request-id", REQUEST_ID), ("content-type", "application/json")]:
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status, code, message):
        headers = [("X-Error-Message", message)] + ([("X-Error-Code", code)] if code else [])
        self._send(status, {"error": message}, headers)

    def do_GET(self):
        url = urlsplit(self.path)
        parts = unquote(url.path).strip("/").split("/")
        auth = self.headers.get("Authorization", "")
        user = TOKENS.get(auth.removeprefix("Bearer ")) if auth else None
        if auth and user is None:
            return self._error(401, None, "Invalid credentials in Authorization header")
        if parts == ["api", "whoami-v2"]:
            if user is None:
                return self._error(401, None, "Invalid credentials in Authorization header")
            return self._send(200, {"type": "user", "name": user})
        if parts[0] == "api" and len(parts) == 2 and parts[1] in ("models", "datasets", "spaces"):
            author = parse_qs(url.query).get("author", [""])[0]
            kind = parts[1][:-1]
            listed = [
                {"id": rid, "private": repo["private"]}
                for (t, rid), repo in REPOS.items()
                if t == kind
                and rid.startswith(author + "/")
                and (not repo["private"] or repo["owner"] == user)
            ]
            return self._send(200, listed)
        rest = []
        if parts[0] == "api" and len(parts) >= 4:  # /api/{type}s/{ns}/{name}[/revision/{rev} | /refs]
            kind, repo_id, rest = parts[1][:-1], "/".join(parts[2:4]), parts[4:]
            revision = rest[1] if rest[:1] == ["revision"] else "main"
        elif "resolve" in parts:  # /{ns}/{name}/resolve/{rev}/{file}
            i = parts.index("resolve")
            kind, repo_id, revision = "model", "/".join(parts[:i]), parts[i + 1]
        else:
            return self._send(404, {"error": "Not Found"})
        repo = REPOS.get((kind, repo_id))
        if repo is None or (repo["private"] and repo["owner"] != user):
            if user == "carol":  # a token the Hub refuses for this repo
                return self._error(403, None, "Forbidden")
            if user is None:
                return self._error(401, "RepoNotFound", "Invalid username or password.")
            return self._error(404, "RepoNotFound", "Repository not found")
        if revision not in repo["revisions"]:
            return self._error(404, "RevisionNotFound", "Revision not found")
        if rest[:1] == ["refs"]:
            return self._send(200, REFS)
        return self._send(200, {"id": repo_id, "sha": SHA, "private": repo["private"], "siblings": []})

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def hub(tmp_path):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"

    def run(code: str, token: str | None = None, args=()):
        env = {k: None for k in os.environ if k.startswith("HF_") or "proxy" in k.lower()}
        env |= {"HF_ENDPOINT": base, "HF_HOME": str(tmp_path / "hf"), "NO_PROXY": "*"}
        env |= {"HF_TOKEN": token} if token else {"HUGGING_FACE_HUB_TOKEN": None}
        return run_python(code, cwd=tmp_path, env=env, args=args)

    yield base, run
    srv.shutdown()
    srv.server_close()


def _signature(index: int, base: str) -> str:
    """The entry's signature `index`, its Hub API URL moved to the local endpoint (other links stay)."""
    return parse_entry(ENTRY).errors[index].replace("https://huggingface.co/api/", f"{base}/api/")


RAISE = """
import sys
from huggingface_hub import HfApi
try:
    HfApi().model_info(sys.argv[1], revision=sys.argv[2])
except Exception as exc:
    print(f"{type(exc).__module__}.{type(exc).__name__}: {exc}")
"""


@pytest.mark.parametrize(
    ("token", "repo", "revision", "index"),
    [
        (None, "my-org/my-modle", "main", 0),  # no token: 401 + the Hub's "Invalid username or password."
        ("hf_bob", "my-org/my-modle", "main", 1),  # a valid token that cannot see it: 404, no suffix
        (None, "my-org/private-model", "main", 0),  # private without a token: the very same 401
        ("hf_bad", "my-org/my-model", "main", 8),  # a rejected token: HfHubHTTPError, not RepoNotFound
        (None, "my-org/my-model", "v9", 13),  # a missing revision
    ],
)
def test_huggingface_hub_raises_the_entry_s_signatures(hub, token, repo, revision, index):
    base, run = hub
    result = run(RAISE, token, args=[repo, revision])
    assert result.returncode == 0, result.stderr
    expected = _signature(index, base)
    if repo != "my-org/my-modle":
        expected = expected.replace("my-org/my-modle", repo).replace(
            "/revision/main", f"/revision/{revision}"
        )
    # the entry quotes the message from its first own words: `XError: 401 Client Error. (Request ID: …)`
    # heads every Hub error alike
    assert f"(Request ID: {REQUEST_ID})" in result.stdout
    printed = re.sub(r" ?\(Request ID: [^)]*\)", "", result.stdout.strip())
    assert printed.startswith("huggingface_hub.errors.") and printed.endswith(expected)


# transformers 5.25.0 utils/hub.py cached_files: the except branch around hf_hub_download, word for word.
TRANSFORMERS_HUB = """
import sys
from huggingface_hub import hf_hub_download
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError


def cached_file(path_or_repo_id, filename, revision=None, token=None):
    try:
        return hf_hub_download(path_or_repo_id, filename, revision=revision, token=token)
    except Exception as e:
        if isinstance(e, RepositoryNotFoundError) and not isinstance(e, GatedRepoError):
            raise OSError(
                f"{path_or_repo_id} is not a local folder and is not a valid model identifier "
                "listed on 'https://huggingface.co/models'\\nIf this is a private repository, make sure to pass a token "
                "having permission to this repo either by logging in with `hf auth login` or by passing "
                "`token=<your_token>`"
            ) from e
        elif isinstance(e, RevisionNotFoundError):
            raise OSError(
                f"{revision} is not a valid git identifier (branch name, tag name or commit id) that exists "
                "for this model name. Check the model page at "
                f"'https://huggingface.co/{path_or_repo_id}' for available revisions."
            ) from e
        raise


try:
    cached_file(sys.argv[1], "config.json", revision=sys.argv[2])
except OSError as exc:
    print(f"{type(exc).__name__}: {exc}")
    print("CAUSE", type(exc.__cause__).__name__, exc.__cause__.response.status_code)
"""


def test_transformers_wording_over_the_real_download(hub):
    base, run = hub
    result = run(TRANSFORMERS_HUB, args=["my-org/my-modle", "main"])
    assert result.returncode == 0, result.stderr
    message, cause = result.stdout.strip().rsplit("\n", 1)
    assert message == _signature(10, base)  # the OSError names huggingface.co whatever the endpoint
    assert cause == "CAUSE RepositoryNotFoundError 401"
    result = run(TRANSFORMERS_HUB, args=["my-org/my-model", "v9"])
    message, cause = result.stdout.strip().rsplit("\n", 1)
    assert message == _signature(14, base)
    assert cause == "CAUSE RevisionNotFoundError 404"


@pytest.mark.parametrize(
    ("token", "args", "verdict", "says"),
    [
        (None, ["my-org/my-modle"], "not-found-anonymous", "Similar models: my-org/my-model."),
        (
            None,
            ["my-org/private-model"],
            "not-found-anonymous",
            "or the repo is private. If it is private, log in",
        ),
        ("hf_alice", ["my-org/private-model"], "ok", "is visible to user 'alice'"),
        (
            "hf_bob",
            ["my-org/private-model"],
            "not-visible-to-token",
            "user 'bob' cannot see model my-org/private-model",
        ),
        ("hf_bad", ["my-org/my-model"], "token-rejected", "the Hub rejects this token"),
        ("hf_carol", ["my-org/private-model"], "forbidden", "a fine-grained token needs read access"),
        (
            None,
            ["my-org/my-data"],
            "wrong-type",
            "my-org/my-data is a dataset, not a model: pass repo_type='dataset'",
        ),
        (None, ["my-org/my-data", "dataset"], "ok", "dataset my-org/my-data is visible to anonymous"),
        (
            None,
            ["my-org/my-model", "model", "v9"],
            "no-revision",
            "no revision 'v9'; branches and tags: main, v1.0.",
        ),
    ],
)
def test_option1_names_the_case(hub, fix_code, token, args, verdict, says):
    base, run = hub
    result = run(fix_code(SLUG, 1), token, args=args)
    out = result.stdout.strip()
    assert out.startswith(f"{verdict}: "), (out, result.stderr)
    assert says in out
    assert result.returncode == (0 if verdict == "ok" else 1)
    if verdict.startswith(
        "not-"
    ):  # the endpoint is not huggingface.co: the mirror note is part of the answer
        assert f"HF_ENDPOINT is {base}: a mirror may not have this repo" in out


def test_option1_without_arguments_prints_usage(hub, fix_code):
    _, run = hub
    result = run(fix_code(SLUG, 1))
    assert result.returncode == 1 and "usage: python check_hf_repo.py REPO_ID" in result.stderr
