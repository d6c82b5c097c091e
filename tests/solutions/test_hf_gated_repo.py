"""Verified fix for solutions/hf-gated-repo.md.

A local HF_ENDPOINT behaves like the Hub for a gated repo: the auth-check route answers 401 with
`X-Error-Code: GatedRepo` without a token, 401 for an invalid token, 403 GatedRepo for a valid
but unapproved account, 200 once approved, 404 RepoNotFound for a missing repo. The entry's
Option 1 script is run in a child process for each case, with tokens from HF_TOKEN and from the
saved-login file under HF_HOME.
"""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pyrun import run_python

SLUG = "hf-gated-repo"
REPO = "meta-llama/Llama-3.1-8B-Instruct"


class _Hub(BaseHTTPRequestHandler):
    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        repo = self.path.split("/api/models/")[-1].rsplit("/auth-check", 1)[0]
        if repo == "nobody/missing":
            status, code, msg = 404, "RepoNotFound", "Repository not found"
        elif not auth:
            status, code, msg = (
                401,
                "GatedRepo",
                (
                    f"Access to model {repo} is restricted. You must have access "
                    "to it and be authenticated to access it. Please log in."
                ),
            )
        elif auth == "Bearer hf_unapproved":
            status, code, msg = (
                403,
                "GatedRepo",
                (
                    f"Access to model {repo} is restricted and you are not in the "
                    f"authorized list. Visit https://huggingface.co/{repo} to ask for access."
                ),
            )
        elif auth == "Bearer hf_approved":
            status, code, msg = 200, "", ""
        else:
            status, code, msg = 401, "", "Invalid credentials in Authorization header"
        body = json.dumps({"error": msg} if msg else {}).encode()
        self.send_response(status)
        if code:
            self.send_header("X-Error-Code", code)
        if msg:
            self.send_header("X-Error-Message", msg)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def hub():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _without_hf_settings() -> dict[str, str | None]:
    """The caller's Hugging Face settings and proxies, removed (None) from the child's environment."""
    return {
        k: None
        for k in os.environ
        if k.startswith("HF_") or k == "HUGGING_FACE_HUB_TOKEN" or "proxy" in k.lower()
    }


def _run(code, hub, tmp_path, repo=REPO, token=None, saved=None):
    env = {**_without_hf_settings(), "HF_ENDPOINT": hub, "HF_HOME": str(tmp_path / "hf_home")}
    if token:
        env["HF_TOKEN"] = token
    if saved:
        (tmp_path / "hf_home").mkdir(exist_ok=True)
        (tmp_path / "hf_home" / "token").write_text(saved + "\n")
    return run_python(code, cwd=tmp_path, env=env, args=[repo])


def test_reproduces_gated_401(hub):
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(f"{hub}/api/models/{REPO}/auth-check", timeout=10)
    assert info.value.code == 401
    assert info.value.headers["X-Error-Code"] == "GatedRepo"
    assert "is restricted" in info.value.headers["X-Error-Message"]


def test_no_token(fix_code, hub, tmp_path):
    result = _run(fix_code(SLUG, 1), hub, tmp_path)
    assert result.returncode == 1
    assert "no Hugging Face token" in result.stdout and "hf auth login" in result.stdout


def test_bad_token(fix_code, hub, tmp_path):
    result = _run(fix_code(SLUG, 1), hub, tmp_path, token="hf_revoked")
    assert result.returncode == 1
    assert "token was rejected" in result.stdout


def test_unapproved_account(fix_code, hub, tmp_path):
    result = _run(fix_code(SLUG, 1), hub, tmp_path, token="hf_unapproved")
    assert result.returncode == 1
    assert "no access yet" in result.stdout and f"{hub}/{REPO}" in result.stdout


def test_approved_via_saved_login(fix_code, hub, tmp_path):
    result = _run(fix_code(SLUG, 1), hub, tmp_path, saved="hf_approved")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK (token)" in result.stdout


def test_env_token_wins_over_saved_login(fix_code, hub, tmp_path):
    result = _run(fix_code(SLUG, 1), hub, tmp_path, token="hf_unapproved", saved="hf_approved")
    assert result.returncode == 1
    assert "no access yet" in result.stdout


def test_missing_repo(fix_code, hub, tmp_path):
    result = _run(fix_code(SLUG, 1), hub, tmp_path, repo="nobody/missing")
    assert result.returncode == 1
    assert "does not exist or is private" in result.stdout


def test_saved_login_under_xdg_cache_home(fix_code, hub, tmp_path):
    """huggingface_hub puts HF_HOME at $XDG_CACHE_HOME/huggingface when only XDG_CACHE_HOME is set
    (constants.py); the check must read the saved login from there, not from ~/.cache."""
    xdg = tmp_path / "xdg_cache"
    (xdg / "huggingface").mkdir(parents=True)
    (xdg / "huggingface" / "token").write_text("hf_approved\n")
    env = {
        **_without_hf_settings(),
        "HF_ENDPOINT": hub,
        "XDG_CACHE_HOME": str(xdg),
        "HOME": str(tmp_path / "home"),
    }
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, env=env, args=[REPO])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK (token)" in result.stdout
