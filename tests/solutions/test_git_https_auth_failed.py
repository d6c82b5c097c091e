"""git-https-auth-failed: real git (and real pip) against a local smart-HTTP git server, and the entry's own fixes.

The server is Python's http.server in front of `git http-backend` serving a bare repository at /org/repo.git, and
answers as the hosts do: without a credential 401 (WWW-Authenticate: Basic); with a wrong password 401 and GitHub's
text/plain body (`Support for password authentication was removed on August 13, 2021.` ...); with the token the real
repository; in mode "forbidden" 403 with `Permission to org/repo.git denied to user.`; in mode "missing" 404 with
`Repository not found.`. git gets a private HOME/global config (no system config, no GIT_* from outside).
Reproduced: each client message of the entry's signatures (the local base URL written back as https://github.com),
`No such device or address` without a controlling terminal, pip's `git+` clone under PIP_NO_INPUT. Then Option 1's
two lines (helper in ~/.gitconfig, then `ls-remote` without prompts), including a stale stored password that git
erases after one refusal, and Option 2's environment-only configuration letting real pip clone the private repository.
Not run: the Dockerfile and Actions YAML, Options 3-5 (they need the real hosts or an SSH server).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from git_env import isolated_git_env

from app.corpus.entries import parse_entry

SLUG = "git-https-auth-failed"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
TOKEN = "ghp_localtesttoken123"
GITHUB_401 = (
    "Support for password authentication was removed on August 13, 2021.\n"
    "Please see https://docs.github.com/get-started/getting-started-with-git/about-remote-repositories"
    "#cloning-with-https-urls for information on currently recommended modes of authentication.\n"
)


class GitHost:
    def __init__(self, root: Path):
        self.root = root
        self.mode = "private"
        self.seen_users: list[str] = []


def _handler(host: GitHost):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _text(self, status, text, headers=()):
            data = text.encode()
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if host.mode == "forbidden":
                return self._text(403, "Permission to org/repo.git denied to user.\n")
            if host.mode == "missing":
                return self._text(404, "Repository not found.\n")
            auth = self.headers.get("Authorization")
            challenge = [("WWW-Authenticate", 'Basic realm="GitHub"')]
            if not auth:
                return self._text(401, "", challenge)
            user, _, password = base64.b64decode(auth.split()[1]).decode().partition(":")
            host.seen_users.append(user)
            if password != TOKEN:
                return self._text(401, GITHUB_401, challenge)
            path, _, query = self.path.partition("?")
            env = dict(
                os.environ,
                GIT_PROJECT_ROOT=str(host.root),
                GIT_HTTP_EXPORT_ALL="1",
                PATH_INFO=path,
                QUERY_STRING=query,
                REQUEST_METHOD=self.command,
                CONTENT_TYPE=self.headers.get("Content-Type", ""),
                CONTENT_LENGTH=str(len(body)),
                REMOTE_USER=user,
                REMOTE_ADDR="127.0.0.1",
                GIT_PROTOCOL=self.headers.get("Git-Protocol", ""),
            )
            out = subprocess.run(
                ["git", "http-backend"], input=body, env=env, capture_output=True, check=True
            ).stdout
            head, _, payload = out.partition(b"\r\n\r\n")
            status, headers = 200, []
            for line in head.decode().split("\r\n"):
                name, _, value = line.partition(": ")
                if name.lower() == "status":
                    status = int(value.split()[0])
                else:
                    headers.append((name, value))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

    return Handler


@pytest.fixture
def env(tmp_path) -> dict:
    return isolated_git_env(tmp_path)


@pytest.fixture
def server(tmp_path, env):
    root = tmp_path / "srv"
    bare = root / "org" / "repo.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True, env=env)
    seed = tmp_path / "seed"
    subprocess.run(["git", "init", "-q", "-b", "main", str(seed)], check=True, env=env)
    (seed / "README").write_text("hello\n")
    for args in (["add", "README"], ["commit", "-qm", "init"], ["push", "-q", str(bare), "main"]):
        subprocess.run(["git", "-C", str(seed), *args], check=True, env=env)
    host = GitHost(root)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _handler(host))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", host
    finally:
        srv.shutdown()
        srv.server_close()


def git(env, *args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], env=env, capture_output=True, text=True, timeout=60, **kw)


def as_github(text: str, base: str) -> list[str]:
    host = base.removeprefix("http://")
    return (
        text.replace(base, "https://github.com")
        .replace(f"http://x-access-token@{host}", "https://x-access-token@github.com")
        .splitlines()
    )


def test_client_messages_are_the_entry_s_signatures(server, env):
    base, host = server
    url = f"{base}/org/repo.git"
    errors = set(parse_entry(ENTRY).errors)

    quiet = dict(env, GIT_TERMINAL_PROMPT="0")
    result = git(quiet, "ls-remote", url)
    assert result.returncode == 128
    assert as_github(result.stderr, base) == [
        "fatal: could not read Username for 'https://github.com': terminal prompts disabled"
    ]
    result = git(quiet, "ls-remote", url.replace("http://", "http://x-access-token@"))
    assert as_github(result.stderr, base) == [
        "fatal: could not read Password for 'https://x-access-token@github.com': terminal prompts disabled"
    ]

    # no controlling terminal at all (docker build, cron): git cannot open /dev/tty
    result = git(env, "ls-remote", url, stdin=subprocess.DEVNULL, start_new_session=True)
    assert as_github(result.stderr, base) == [
        "fatal: could not read Username for 'https://github.com': No such device or address"
    ]

    # an account password: the host's 401 body comes out as remote: lines, the URL without the password
    result = git(env, "ls-remote", url.replace("http://", "http://me:hunter2@"))
    lines = as_github(result.stderr, base)
    assert lines == [
        "remote: Support for password authentication was removed on August 13, 2021.",
        "remote: Please see https://docs.github.com/get-started/getting-started-with-git/about-remote-repositories"
        "#cloning-with-https-urls for information on currently recommended modes of authentication.",
        "fatal: Authentication failed for 'https://github.com/org/repo.git/'",
    ]
    assert "hunter2" not in result.stderr
    assert set(lines) <= errors

    for host.mode, expected in (
        (
            "forbidden",
            [
                "remote: Permission to org/repo.git denied to user.",
                "fatal: unable to access 'https://github.com/org/repo.git/': The requested URL returned error: 403",
            ],
        ),
        (
            "missing",
            [
                "remote: Repository not found.",
                "fatal: repository 'https://github.com/org/repo.git/' not found",
            ],
        ),
    ):
        lines = as_github(git(env, "ls-remote", url).stderr, base)
        assert lines == expected
        assert set(lines) <= errors


def test_pip_git_requirement_without_credentials(server, env, tmp_path):
    base, _ = server
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", f"git+{base}/org/repo.git"],
        env=dict(env, PIP_NO_INPUT="1"),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Running command git clone --filter=blob:none --quiet" in out
    assert f"fatal: could not read Username for '{base}': terminal prompts disabled" in out
    assert "did not run successfully." in out


def bash(line: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True, timeout=60)


def test_option1_helper_answers_with_the_token(server, env):
    base, host = server
    (language, code), *_ = option_blocks(SLUG, 1)
    assert language == "bash"
    lines = [line.split("   #")[0].replace("https://github.com", base) for line in code.splitlines()]
    assert len(lines) == 2
    configure, check = lines
    assert check.endswith(f"git ls-remote {base}/org/repo.git")

    # a stale password stored by an earlier helper, listed before Option 1's helper
    Path(env["HOME"], ".git-credentials").write_text(base.replace("http://", "http://me:oldpassword@") + "\n")
    assert git(env, "config", "--global", "credential.helper", "store").returncode == 0
    assert bash(configure, env).returncode == 0

    with_token = dict(env, GIT_TOKEN=TOKEN)
    first = bash(check, with_token)
    assert first.returncode == 128  # the stored old password is tried first ...
    assert "fatal: Authentication failed for" in first.stderr
    assert Path(env["HOME"], ".git-credentials").read_text().strip() == ""  # ... and erased by git

    without_token = bash(check, env)
    assert without_token.returncode == 128
    assert "GIT_TOKEN" in without_token.stderr  # the helper says what is missing

    second = bash(check, with_token)
    assert second.returncode == 0, second.stderr
    assert "refs/heads/main" in second.stdout
    assert host.seen_users[-1] == "x-access-token"
    # the helper writes nothing, but a storing helper also configured keeps a copy after a success
    assert TOKEN not in Path(env["GIT_CONFIG_GLOBAL"]).read_text()
    assert TOKEN in Path(env["HOME"], ".git-credentials").read_text()

    # Option 1's helper alone, and GIT_USER for hosts that want the account name
    assert git(env, "config", "--global", "--unset", "credential.helper").returncode == 0
    Path(env["HOME"], ".git-credentials").unlink()
    assert bash(check, dict(with_token, GIT_USER="octocat")).returncode == 0
    assert host.seen_users[-1] == "octocat"
    for path in Path(env["HOME"]).rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_text(errors="replace"), path


def test_option2_environment_only_lets_pip_clone(server, env, tmp_path):
    base, host = server
    (language, code), *_ = option_blocks(SLUG, 2)
    assert language == "bash"
    exports = [line.split("   #")[0] for line in code.splitlines() if line.startswith("export ")]
    assert len(exports) == 4
    script = "\n".join(exports).replace("https://github.com", base)
    pip = f'{sys.executable} -m pip install --no-deps --no-index "git+{base}/org/repo.git"'
    result = subprocess.run(
        ["bash", "-c", f"{script}\ngit ls-remote {base}/org/repo.git && {pip}"],
        env=dict(env, GIT_TOKEN=TOKEN),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    out = result.stdout + result.stderr
    assert "refs/heads/main" in out  # git ls-remote authenticated
    assert "could not read Username" not in out
    # pip cloned the repository and only then failed: it holds no Python project
    assert "does not appear to be a Python project" in out, out
    assert host.seen_users and set(host.seen_users) == {"x-access-token"}
    assert not Path(env["HOME"], ".gitconfig").exists()  # nothing written to the global config
