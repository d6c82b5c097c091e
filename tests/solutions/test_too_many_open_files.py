"""Verified fix for solutions/too-many-open-files.md.

1. Reproduce: under a 64-descriptor limit, opening files and keeping them (the leak)
   fails with the real "OSError: [Errno 24] Too many open files".
2. Fix: the entry's Option 1 code (read from the Markdown) processes 500 files under the
   same limit without the error.
Runs in subprocesses so the lowered limit never touches the pytest process.
"""

import sys
import textwrap

import pytest
from pyrun import run_python

SLUG = "too-many-open-files"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is Unix-only")

WRONG = textwrap.dedent(
    """
    import resource, tempfile
    from pathlib import Path

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = 64 if hard == resource.RLIM_INFINITY else min(64, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))

    with tempfile.TemporaryDirectory() as tmp:
        handles = []
        for i in range(500):
            path = Path(tmp) / f"part-{i:04d}.txt"
            path.write_text("a\\nb\\n")
            handles.append(open(path))  # WRONG: opened, referenced, never closed
    """
)


def test_leaking_files_reproduces_errno_24():
    proc = run_python(WRONG)
    assert proc.returncode != 0
    assert "OSError: [Errno 24] Too many open files" in proc.stderr


def test_option1_processes_500_files_under_the_same_limit(fix_code):
    proc = run_python(fix_code(SLUG))
    assert proc.returncode == 0, proc.stderr
    assert "Too many open files" not in proc.stderr
    assert "ok: 1000 lines from 500 files under a 64-descriptor limit" in proc.stdout


def test_option1_does_not_leak_descriptors(fix_code):
    # Call the published functions repeatedly in a child process and compare descriptor counts.
    code = fix_code(SLUG) + textwrap.dedent(
        """

        import tempfile as _t
        from pathlib import Path as _P
        with _t.TemporaryDirectory() as _tmp:
            _paths = []
            for _i in range(200):
                _p = _P(_tmp) / f"x{_i}.txt"
                _p.write_text("1\\n")
                _paths.append(_p)
            count_all(_paths)  # warm up the pool machinery once
            _before = open_fd_count()
            for _ in range(5):
                assert count_all(_paths) == 200
            _after = open_fd_count()
        print("delta", _after - _before)
        """
    )
    code = code.replace('if __name__ == "__main__":', "if False:", 1)
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert "delta 0" in proc.stdout
