"""Verified fix for solutions/cannot-assign-requested-address.md.

Reproduces `OSError: [Errno 99] Cannot assign requested address` by binding 203.0.113.5
(TEST-NET-3, never a local address), then runs the entry's Option 1 code: the helper reports the
address as not bindable and falls back to all interfaces, keeps a valid one, and the demo serves.
"""

import errno
import socket
import sys

import pytest
from pyrun import run_python

SLUG = "cannot-assign-requested-address"
FOREIGN_IP = "203.0.113.5"


@pytest.fixture
def helper(fix_code):
    namespace = {"__name__": "entry_option1"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    return namespace


@pytest.mark.skipif(sys.platform != "linux", reason="errno 99 is the Linux number")
def test_reproduces_errno_99():
    with socket.socket() as sock, pytest.raises(OSError) as info:
        sock.bind((FOREIGN_IP, 0))
    assert info.value.errno == errno.EADDRNOTAVAIL == 99
    assert "Cannot assign requested address" in str(info.value)


def test_option1_falls_back_for_a_foreign_ip(helper, capsys):
    assert helper["can_bind"](FOREIGN_IP) is False
    assert helper["bind_host"](FOREIGN_IP) == "0.0.0.0"
    assert "is not an address of this host" in capsys.readouterr().err


def test_option1_keeps_a_local_ip(helper):
    assert helper["can_bind"]("127.0.0.1") is True
    assert helper["bind_host"]("127.0.0.1") == "127.0.0.1"
    assert "127.0.0.1" in helper["local_addresses"]()


def test_option1_demo_serves(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "listening on ('0.0.0.0'" in result.stdout
