"""Scenario 6: the skill inside a host program, against servers that misbehave.

tests/skill/ already covers a refused connection and a server that accepts and never
answers. Here: bytes that are not HTTP, HTTP that is not JSON, JSON of the wrong shape, a
server error page, a redirect loop, a body trickled a byte at a time, an endless stream,
and 50 MB bodies (valid JSON and garbage). For each, a real host process that installed
the hook raises an error: its traceback and exit code must be exactly those of the same
program without the skill, it must never crash, and it must not be delayed past the time
budget (`SYNAPSE_TIMEOUT=1`) compared with a server that refuses the connection at once.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time

import pytest
from hostile import bad_server
from workload import ROOT

sys.path.insert(0, str(ROOT / "tests" / "skill"))
from skill_helpers import CLOSED_URL, run_python, skill_env

BUDGET = 1.0
ALLOWANCE = 0.75  # interpreter noise between two runs of the same script on a loaded machine
HUGE = 50 * 1024 * 1024

HOST = textwrap.dedent(
    """
    import os, sqlite3
    if os.environ.get("TEST_HOOK"):
        import synapse_skill
        synapse_skill.install()

    def save(conn):
        raise sqlite3.OperationalError("database is locked")

    print("host running", flush=True)
    save(None)
    """
)


def _http(status: str, body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


def _send(payload: bytes):
    def behaviour(conn) -> None:
        conn.sendall(payload)

    return behaviour


def _trickle(conn) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(600):
        conn.sendall(b" ")
        time.sleep(0.1)


def _endless(conn) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    block = b"%x\r\n%s\r\n" % (65536, b"[" * 65536)
    for _ in range(100_000):
        conn.sendall(block)


def _huge_json() -> bytes:
    result = {
        "slug": "x",
        "title": "t",
        "score": 1.0,
        "confident": False,
        "url": "/x",
        "why": {},
        "fix": None,
    }
    item = json.dumps(result).encode() + b","
    items = item * (HUGE // len(item))
    return _http(
        "200 OK", b'{"query": "q", "normalized": "q", "match": null, "results": [' + items[:-1] + b"]}"
    )


BEHAVIOURS = {
    "not-http": _send(b"\x00\xff garbage that is not HTTP at all \r\n\r\n" * 100),
    "not-json": _send(_http("200 OK", b"<html><body>hello</body></html>")),
    "wrong-shape": _send(_http("200 OK", b'{"results": "none", "match": 42}')),
    "json-list": _send(_http("200 OK", b"[1, 2, 3]")),
    "error-page": _send(
        _http("500 Internal Server Error", b"<pre>Traceback (most recent call last):</pre>", "text/html")
    ),
    "redirect-loop": _send(_http("302 Found", b"", extra="Location: /search\r\n")),
    "trickle": _trickle,
    "endless": _endless,
    "50MB-json": _send(_huge_json()),
    "50MB-garbage": _send(_http("200 OK", b"x" * HUGE)),
}


@pytest.fixture(scope="module")
def baselines(tmp_path_factory):
    """The host without the skill, and with it against a port that refuses at once."""
    tmp = tmp_path_factory.mktemp("host")
    script = tmp / "host.py"
    script.write_text(HOST)
    env = skill_env(tmp, SYNAPSE_TIMEOUT=str(BUDGET))
    plain = run_python(script, env)
    refused = run_python(script, {**env, "TEST_HOOK": "1", "SYNAPSE_URL": CLOSED_URL})
    assert "database is locked" in plain.stderr and plain.code == 1
    assert refused.stderr.startswith(plain.stderr)
    return script, env, plain, refused


@pytest.mark.parametrize("name", list(BEHAVIOURS))
def test_a_misbehaving_server_never_crashes_or_delays_the_host(baselines, name):
    script, env, plain, refused = baselines
    with bad_server(BEHAVIOURS[name]) as url:
        hooked = run_python(script, {**env, "TEST_HOOK": "1", "SYNAPSE_URL": url}, timeout=60)

    assert hooked.code == plain.code == 1
    assert hooked.stdout == plain.stdout == "host running\n"
    assert hooked.stderr.startswith(plain.stderr), "the host's traceback must come first, unchanged"
    added = hooked.stderr[len(plain.stderr) :]
    assert "Traceback" not in added, "the skill must not add a traceback of its own"
    assert "sqlite-database-locked" in added  # answered from the offline snapshot instead
    assert hooked.seconds - refused.seconds < BUDGET + ALLOWANCE, (hooked.seconds, refused.seconds)
