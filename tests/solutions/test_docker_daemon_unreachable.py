"""Verified fixes for solutions/docker-daemon-unreachable.md, with the real docker SDK (docker-py) and no daemon.

Reproduced with docker.from_env(): DOCKER_HOST at a socket path that does not exist (FileNotFoundError(2, ...)),
at a socket file nobody listens on, as after a daemon crash (ConnectionRefusedError(111, ...)), and at a socket
the user may not open (PermissionError(13, ...); the child runs as `nobody` when the tests run as root).
Run: Option 5's docker_client_or_explain (from the Markdown) against each of these and against a tiny fake
daemon that answers /version and /_ping on a unix socket; the SDK's fallback to the CLI context
(DOCKER_CONFIG/currentContext) that Root cause 3 and Option 3 describe.
Not run here: Options 1-4 are docker CLI / systemctl / usermod / compose commands that need a real Docker
Engine (the docker CLI is not installed by `make test`).
"""

import json
import os
import socket
import socketserver
import subprocess
import threading
from hashlib import sha256
from http.server import BaseHTTPRequestHandler

import docker  # noqa: F401  (a dev dependency: fails loudly when missing)
import pytest
from pyrun import run_python

SLUG = "docker-daemon-unreachable"
FROM_ENV = "import docker; docker.from_env(timeout=5)"


class _Daemon(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.endswith("/_ping"):
            body, kind = b"OK", "text/plain"
        elif self.path.endswith("/version"):
            body = json.dumps({"ApiVersion": "1.45", "Version": "27.0.0", "MinAPIVersion": "1.24"}).encode()
            kind = "application/json"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self):
        return "unix"

    def log_message(self, *args):
        pass


@pytest.fixture
def sock_dir(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    folder.chmod(0o755)
    tmp_path.chmod(0o755)
    return folder


@pytest.fixture
def fake_daemon(sock_dir):
    path = sock_dir / "docker.sock"
    server = socketserver.ThreadingUnixStreamServer(str(path), _Daemon)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield path
    server.shutdown()
    server.server_close()


def env_for(host: str) -> dict:
    env = {k: None for k in os.environ if k.startswith("DOCKER_") or "proxy" in k.lower()}
    env["DOCKER_HOST"] = host
    return env


DROP_ROOT = """
import os, pwd
import docker  # imported while still root (the interpreter lives under /root); the code then runs as nobody
if os.getuid() == 0:
    nobody = pwd.getpwnam("nobody")
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)
"""


def fetch_failed(cause: str) -> str:
    """docker-py's message when the socket fails before the first API call, with the OS error it saw."""
    return f"docker.errors.DockerException: Error while fetching server API version: ('Connection aborted.', {cause})"


def run_denied(code: str, sock) -> subprocess.CompletedProcess:
    """Run code against a socket this user may not open: chmod 000, and as `nobody` when we are root."""
    sock.chmod(0)
    return run_python(DROP_ROOT + code, env=env_for(f"unix://{sock}"), cwd="/")


def test_no_socket_is_file_not_found(sock_dir):
    result = run_python(FROM_ENV, env=env_for(f"unix://{sock_dir}/missing.sock"))
    assert result.returncode == 1
    assert fetch_failed("FileNotFoundError(2, 'No such file or directory')") in result.stderr


def test_stale_socket_file_is_connection_refused(sock_dir):
    path = sock_dir / "stale.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))  # the file exists, nobody listens: what a crashed daemon leaves behind
    stale.close()
    result = run_python(FROM_ENV, env=env_for(f"unix://{path}"))
    assert result.returncode == 1
    assert fetch_failed("ConnectionRefusedError(111, 'Connection refused')") in result.stderr


def test_unreadable_socket_is_permission_error(fake_daemon):
    result = run_denied(FROM_ENV, fake_daemon)
    assert result.returncode == 1, result.stderr
    assert fetch_failed("PermissionError(13, 'Permission denied')") in result.stderr


def test_option5_explains_missing_daemon(fix_code, sock_dir):
    host = f"unix://{sock_dir}/missing.sock"
    result = run_python(fix_code(SLUG, 5), env=env_for(host))
    assert result.returncode == 1
    assert f"Docker unavailable at {host}: no daemon at DOCKER_HOST" in result.stderr
    assert "FileNotFoundError(2" in result.stderr
    assert "Traceback" not in result.stderr


def test_option5_explains_permission_denied(fix_code, fake_daemon):
    result = run_denied(fix_code(SLUG, 5), fake_daemon)
    assert result.returncode == 1
    assert "socket not accessible: add your user to the 'docker' group" in result.stderr
    assert "Traceback" not in result.stderr


def test_option5_connects_to_a_daemon(fix_code, fake_daemon):
    result = run_python(fix_code(SLUG, 5), env=env_for(f"unix://{fake_daemon}"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "docker server 27.0.0"


def test_from_env_falls_back_to_the_cli_context(tmp_path, fake_daemon):
    """docker-py 7.2 reads the CLI's current context when DOCKER_HOST is unset (client.py from_env use_context)."""
    config = tmp_path / "dockercfg"
    meta = config / "contexts" / "meta" / sha256(b"colima").hexdigest()
    meta.mkdir(parents=True)
    endpoint = {"docker": {"Host": f"unix://{fake_daemon}", "SkipTLSVerify": False}}
    (meta / "meta.json").write_text(json.dumps({"Name": "colima", "Metadata": {}, "Endpoints": endpoint}))
    (config / "config.json").write_text(json.dumps({"currentContext": "colima"}))
    code = "import docker; c = docker.from_env(timeout=5); print(c.api.base_url, c.version()['Version'])"
    env = env_for("")
    env.update(DOCKER_HOST=None, DOCKER_CONFIG=str(config))
    result = run_python(code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "27.0.0"
    # DOCKER_HOST still wins over the context, and use_context=False ignores the context:
    env["DOCKER_HOST"] = f"unix://{tmp_path}/missing.sock"
    assert "FileNotFoundError(2" in run_python(code, env=env).stderr
    env["DOCKER_HOST"] = None
    no_ctx = "import docker; docker.from_env(timeout=5, use_context=False).version()"
    assert run_python(no_ctx, env=env).returncode == 1
