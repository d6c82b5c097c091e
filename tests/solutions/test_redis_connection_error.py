"""redis-connection-error: a refused connection with real redis-py / redis-cli, and the entry's fixes on a real server.

Reproduced: `Error 111 connecting to <host>:<port>. Connection refused.` (sync redis-py, only at the first
command, not when the client is created), the redis.asyncio wording, redis-cli's `Could not connect to Redis at
...: Connection refused`, redis-py's default of 10 connect retries. Run from the Markdown: Option 1's redis-cli
check (the docker/apt/brew lines and the compose file are not run: no Docker here), Option 2 (fails fast with
its message on a closed port; one retry layer: the connection attempts are counted on a listener; its demo
against a real redis-server), Option 3 (its client, host rewritten to the test server's, survives a server
restart). Not run: Option 4 (remote server config and TLS), Windows error 10061, DNS errors (-2/-3: no resolver
answer is guaranteed offline), Celery/kombu, ioredis, Lettuce (not installed).

Needs: Debian's redis-server (redis-server + redis-cli) and redis-py; the fixtures fail, never skip.
"""

from __future__ import annotations

import ast
import asyncio
import os
import socket
import subprocess

import pytest
import redis  # redis-py: the pyproject dev extra; never skipped
from fake_http import free_port
from pyrun import run_python as run
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.retry import Retry
from redis_server import start_redis

SLUG = "redis-connection-error"
ONCE = {"retry": Retry(NoBackoff(), 0)}


@pytest.fixture
def server(tmp_path):
    port = free_port()
    procs = [start_redis(tmp_path, port=port)[0]]

    class Server:
        url = f"redis://127.0.0.1:{port}/0"

        def restart(self) -> None:
            procs[-1].kill()
            procs[-1].wait()
            procs.append(start_redis(tmp_path, port=port)[0])

    yield Server()
    procs[-1].kill()
    procs[-1].wait()


def test_refused_at_first_command_not_at_creation(silent_port):
    client = redis.Redis(host="127.0.0.1", port=silent_port, **ONCE)  # no connection yet
    with pytest.raises(redis.exceptions.ConnectionError) as info:
        client.ping()
    assert str(info.value) == f"Error 111 connecting to 127.0.0.1:{silent_port}. Connection refused."
    with pytest.raises(redis.exceptions.ConnectionError) as info:
        redis.Redis(host="localhost", port=silent_port, **ONCE).ping()
    assert str(info.value) == f"Error 111 connecting to localhost:{silent_port}. Connection refused."


def test_asyncio_wording(silent_port):
    import redis.asyncio as aredis
    from redis.asyncio.retry import Retry as AsyncRetry

    async def main() -> str:
        client = aredis.Redis(host="127.0.0.1", port=silent_port, retry=AsyncRetry(NoBackoff(), 0))
        try:
            await client.ping()
        except redis.exceptions.ConnectionError as exc:
            return str(exc)
        finally:
            await client.aclose()
        return "connected"

    assert asyncio.run(main()) == (
        f"Error 111 connecting to 127.0.0.1:{silent_port}. Connect call failed ('127.0.0.1', {silent_port})."
    )


def test_default_client_retries_the_connect_ten_times():
    retry = redis.Redis().get_retry()
    assert retry.get_retries() == 10
    assert isinstance(retry._backoff, ExponentialWithJitterBackoff)


def test_option1_redis_cli_check(fix_code, server, silent_port):
    line = fix_code(SLUG).splitlines()[0].split("  #")[0].strip()
    assert line.startswith("redis-cli -u")
    ok = subprocess.run(
        ["bash", "-c", line],
        env=dict(os.environ, REDIS_URL=server.url),
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert ok.stdout.strip() == "PONG"
    down = subprocess.run(
        ["bash", "-c", line], env=dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{silent_port}/0"),
        capture_output=True, text=True, timeout=10,
    )  # fmt: skip
    assert (
        f"Could not connect to Redis at 127.0.0.1:{silent_port}: Connection refused"
        in down.stdout + down.stderr
    )


def test_option2_has_a_single_retry_layer(fix_code):
    tree = ast.parse(fix_code(SLUG, 2))
    loops = [node for node in ast.walk(tree) if isinstance(node, (ast.For, ast.While))]
    assert loops == [], "no retry loop around ping(): redis-py retries the connect itself"
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("from_url")
    ]
    assert calls and any(kw.arg == "retry" for kw in calls[0].keywords), (
        "the retry policy is given to the client"
    )


def test_option2_fails_fast_with_a_clear_message(fix_code, silent_port):
    namespace: dict = {"__name__": "synapse_fix"}
    exec(compile(fix_code(SLUG, 2), "<fix>", "exec"), namespace)
    url = f"redis://127.0.0.1:{silent_port}/0"
    with pytest.raises(RuntimeError) as info:
        namespace["connect_redis"](url, retries=0)
    assert str(info.value).startswith(
        f"Redis at {url} is not reachable (Error 111 connecting to 127.0.0.1:{silent_port}. Connection refused.)"
    )
    assert isinstance(info.value.__cause__, redis.exceptions.ConnectionError)


def test_option2_makes_exactly_retries_plus_one_attempts(fix_code, silent_port, monkeypatch):
    """Every TCP connect the process makes is counted (the real connect still runs and is refused)."""
    namespace: dict = {"__name__": "synapse_fix"}
    exec(compile(fix_code(SLUG, 2), "<fix>", "exec"), namespace)
    attempts = []
    real_connect = socket.socket.connect

    def counting_connect(sock, address):
        attempts.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", counting_connect)
    with pytest.raises(RuntimeError, match="is not reachable"):
        namespace["connect_redis"](f"redis://127.0.0.1:{silent_port}/0", retries=1)
    assert attempts == [("127.0.0.1", silent_port)] * 2  # 1 attempt + 1 retry: no second layer around ping()


def test_option2_demo_against_a_real_server(fix_code, server):
    result = run(fix_code(SLUG, 2), env={"REDIS_URL": server.url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "b'ok'"


def test_option3_client_survives_a_server_restart(fix_code, server):
    code = fix_code(SLUG, 3)
    assert '"redis://redis:6379/0"' in code
    namespace: dict = {"__name__": "synapse_fix"}
    exec(compile(code.replace("redis://redis:6379/0", server.url), "<fix>", "exec"), namespace)
    client = namespace["client"]
    assert client.get_retry().get_retries() == 5
    assert client.ping() is True
    server.restart()  # the pooled connection is now dead
    assert client.set("k", "v") is True
    assert client.get("k") == b"v"
    client.close()
