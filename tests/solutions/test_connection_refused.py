"""connection-refused: a port with no listener refuses connections; the entry's probe-and-wait fix connects."""

import sys

import pytest
from pyrun import run_python as run

SLUG = "connection-refused"


def test_connecting_to_a_port_without_listener_is_refused(silent_port):
    wrong = f"""
import socket
socket.create_connection(("127.0.0.1", {silent_port}), timeout=2)
"""
    result = run(wrong)
    assert result.returncode != 0
    if sys.platform.startswith("linux"):
        assert "ConnectionRefusedError: [Errno 111] Connection refused" in result.stderr
    else:
        assert "ConnectionRefusedError" in result.stderr


def test_httpx_wording(silent_port):
    import httpx

    with pytest.raises(httpx.ConnectError) as info:
        httpx.get(f"http://127.0.0.1:{silent_port}/", timeout=2)
    assert "Connection refused" in str(info.value)


def test_option1_probe_and_wait_connects(fix_code):
    code = fix_code(SLUG)
    result = run(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "before start: refused"
    assert lines[-1].startswith("connected to 127.0.0.1:")
    assert "ConnectionRefusedError" not in result.stderr


def test_option1_wait_fails_clearly_when_nothing_ever_listens(fix_code, silent_port):
    namespace: dict = {"__name__": "synapse_fix"}
    exec(compile(fix_code(SLUG), "<fix>", "exec"), namespace)
    assert namespace["probe"]("127.0.0.1", silent_port) == "refused"
    with pytest.raises(TimeoutError, match="still 'refused'"):
        namespace["wait_for_port"]("127.0.0.1", silent_port, timeout=0.5, interval=0.1)
