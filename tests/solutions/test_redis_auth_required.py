"""redis-auth-required: NOAUTH / WRONGPASS against a real redis-server, with real redis-py and redis-cli.

A redis-server of the test's own (`--requirepass`, an ACL user `app`, no persistence, a free port on 127.0.0.1)
and one without a password. Reproduced with redis-py (RESP3 default of 8.x and protocol=2): no password, wrong
password, the password in the user-name slot of the URL, a raw `@:/%#` password in the URL, a password sent
to a server without one; redis-cli's NOAUTH / WRONGPASS lines. Run from the Markdown: Option 1 (demo output,
then its URL for the default user and for the ACL user), Option 2's redis-cli lines (port rewritten to the
test server's; the docker compose line is not run), Option 3 (marked norun in the entry because `make verify`
has no server; run here with REDIS_URL). Not reproduced: ioredis/Node messages (no Node client installed).

Needs: Debian's redis-server (redis-server + redis-cli) and redis-py; the fixture fails, never skips.
"""

from __future__ import annotations

import os
import subprocess
from urllib.parse import quote

import pytest
import redis  # redis-py: the pyproject dev extra; never skipped
from pyrun import run_python as run
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis_server import start_redis

SLUG = "redis-auth-required"
PASSWORD = "p@ss:w/rd%#1"
# redis-py 8 retries AuthenticationError (a ConnectionError) 10 times with backoff: a few seconds per failure.
# The failing clients below get no retries; the message is the same.
ONCE = {"retry": Retry(NoBackoff(), 0)}


@pytest.fixture
def secured(tmp_path):
    """redis-server with requirepass PASSWORD and an ACL user `app` with the same password."""
    proc, port = start_redis(tmp_path, "--requirepass", PASSWORD)
    admin = redis.Redis(port=port, password=PASSWORD)
    admin.acl_setuser("app", enabled=True, passwords=[f"+{PASSWORD}"], keys=["*"], commands=["+@all"])
    admin.close()
    yield port
    proc.kill()
    proc.wait()


@pytest.fixture
def open_server(tmp_path):
    proc, port = start_redis(tmp_path / "..")
    yield port
    proc.kill()
    proc.wait()


def failure(client) -> str:
    with pytest.raises(redis.exceptions.AuthenticationError) as info:
        client.ping()
    client.close()
    return str(info.value)


def test_missing_and_wrong_credentials(secured):
    port = secured
    assert failure(redis.Redis(port=port, protocol=2, **ONCE)) == "Authentication required."
    if redis.utils.DEFAULT_RESP_VERSION == 3:  # redis-py 8.x: HELLO 3 on connect
        assert failure(redis.Redis(port=port, **ONCE)).startswith(
            "HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
            "<user> <pass> option can be used to authenticate the client and select the RESP protocol version"
        )
    wrong = "invalid username-password pair or user is disabled."
    assert failure(redis.Redis(port=port, password="wrong", **ONCE)) == wrong
    # the password in the user-name slot of the URL
    assert failure(redis.from_url(f"redis://s3cret@127.0.0.1:{port}/0", **ONCE)) == wrong
    with pytest.raises(ValueError, match="Port could not be cast to integer value as 'w'"):
        redis.from_url(f"redis://:{PASSWORD}@127.0.0.1:{port}/0")
    encoded = quote(PASSWORD, safe="")
    for url in (f"redis://:{encoded}@127.0.0.1:{port}/0", f"redis://default:{encoded}@127.0.0.1:{port}/0"):
        assert redis.from_url(url).ping() is True


def test_password_sent_to_a_server_without_one(open_server):
    port = open_server
    assert failure(redis.Redis(port=port, password="x", protocol=2, **ONCE)).startswith(
        "AUTH <password> called without any password configured for the default user."
    )
    # RESP3 (redis-py 8's default) authenticates with HELLO 3 AUTH default x, which the nopass default user accepts
    client = redis.Redis(port=port, password="x", protocol=3)
    assert client.ping() is True
    client.close()


def test_redis_cli_wording(secured):
    port = secured
    noauth = subprocess.run(
        ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=10
    )
    assert noauth.stdout.strip() == "NOAUTH Authentication required."
    env = dict(os.environ, REDISCLI_AUTH="bad")
    wrongpass = subprocess.run(
        ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=10, env=env
    )
    assert "AUTH failed: WRONGPASS invalid username-password pair or user is disabled." in wrongpass.stderr


def test_option1_demo_output(fix_code):
    result = run(fix_code(SLUG))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "redis://app:***@127.0.0.1:6379/0"


@pytest.mark.parametrize("user", ["", "app"])
def test_option1_url_authenticates(secured, fix_code, monkeypatch, user):
    namespace: dict = {"__name__": "synapse_fix"}
    exec(compile(fix_code(SLUG), "<fix>", "exec"), namespace)
    monkeypatch.setenv("REDIS_PORT", str(secured))
    monkeypatch.setenv("REDIS_USERNAME", user)
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    client = redis.from_url(namespace["redis_url"]())
    assert client.ping() is True
    assert client.acl_whoami() == (user or "default")
    client.close()
    monkeypatch.setenv("REDIS_PASSWORD", "")
    assert namespace["redis_url"]() == f"redis://127.0.0.1:{secured}/0"
    # keyword arguments: no escaping needed
    keywords = redis.Redis(port=secured, username=user or None, password=PASSWORD)
    assert keywords.ping() is True
    keywords.close()


def test_option2_redis_cli_lines(secured, fix_code):
    port = secured
    lines = [line.split("  #")[0].strip() for line in fix_code(SLUG, 2).splitlines()]
    cli = [line for line in lines if "redis-cli" in line and not line.startswith("docker")]
    assert len(cli) == 4
    env = dict(os.environ, REDIS_PASSWORD=PASSWORD)
    outputs = []
    for line in cli:
        command = line.replace(" -p 6379", "").replace("redis-cli ", f"redis-cli -p {port} ")
        result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=10, env=env)
        outputs.append(result.stdout.strip())
    assert outputs == ["NOAUTH Authentication required.", "PONG", "PONG", "default"]


def test_option3_async_client(secured, fix_code):
    url = f"redis://app:{quote(PASSWORD, safe='')}@127.0.0.1:{secured}/0"
    result = run(fix_code(SLUG, 3), env={"REDIS_URL": url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_authentication_errors_are_retried_by_default(secured):
    """The Symptom's note: a failed AUTH is retried like a lost connection (counted on the server, not timed)."""
    assert issubclass(redis.exceptions.AuthenticationError, redis.exceptions.ConnectionError)
    default = redis.Redis(port=secured, password="wrong")
    assert default.get_retry().get_retries() == 10
    default.close()
    admin = redis.Redis(port=secured, password=PASSWORD)
    before = admin.info("stats")["total_connections_received"]
    failure(redis.Redis(port=secured, password="wrong", retry=Retry(NoBackoff(), 3)))
    assert admin.info("stats")["total_connections_received"] - before == 4  # 1 attempt + 3 retries
    admin.close()
