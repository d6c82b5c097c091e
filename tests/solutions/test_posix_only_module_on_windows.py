"""Verified fix for solutions/posix-only-module-on-windows.md.

Windows itself is not available here, so the test checks what can be checked on any OS: the entry's
Option 1 imports `fcntl`/`msvcrt` only under an `os.name` guard (so it imports on Windows), and its lock
really excludes a second process; Option 2 (the signal-free timeout) returns fast results and raises
TimeoutError for slow ones. The WRONG form, `signal.alarm`, is shown to be missing where SIGALRM is.
"""

import ast
import os
import subprocess
import sys
import time

SLUG = "posix-only-module-on-windows"


def test_option1_imports_platform_modules_only_under_a_guard(fix_code):
    tree = ast.parse(fix_code(SLUG, 1))
    top_level_imports = [
        alias.name
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert "fcntl" not in top_level_imports and "msvcrt" not in top_level_imports
    guarded = [n for n in tree.body if isinstance(n, ast.If) and "os.name" in ast.unparse(n.test)]
    assert guarded, "fcntl/msvcrt must be imported inside an `if os.name ...` block"


def test_option1_lock_excludes_a_second_process(fix_code, tmp_path):
    module = tmp_path / "portable_lock.py"
    module.write_text(fix_code(SLUG, 1), encoding="utf-8")
    lock_file = tmp_path / "app.lock"
    holder = (
        "import sys, time\nsys.path.insert(0, sys.argv[1])\nfrom portable_lock import file_lock\n"
        "with file_lock(sys.argv[2]):\n    print('locked', flush=True)\n    time.sleep(1.0)\n"
    )
    waiter = (
        "import sys, time\nsys.path.insert(0, sys.argv[1])\nfrom portable_lock import file_lock\n"
        "t = time.monotonic()\nwith file_lock(sys.argv[2]):\n    print(f'{time.monotonic() - t:.2f}')\n"
    )
    first = subprocess.Popen(
        [sys.executable, "-c", holder, str(tmp_path), str(lock_file)], stdout=subprocess.PIPE, text=True
    )
    assert first.stdout.readline().strip() == "locked"
    second = subprocess.run(
        [sys.executable, "-c", waiter, str(tmp_path), str(lock_file)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    first.wait(timeout=30)
    assert second.returncode == 0, second.stderr
    assert float(second.stdout.strip()) >= 0.5  # it had to wait for the holder to release


def test_option1_runs_as_published(fix_code, tmp_path):
    script = tmp_path / "lock_demo.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "holding" in result.stdout


def test_option2_timeout_without_signals(fix_code, tmp_path):
    script = tmp_path / "timeout_demo.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["done", "timed out after 0.2 s"]
    assert time.monotonic() - started < 20
    assert "signal.alarm" not in fix_code(SLUG, 2).replace(
        "# WRONG on Windows: signal.signal(signal.SIGALRM, handler); signal.alarm(5)", ""
    )


def test_wrong_form_needs_sigalrm():
    import signal

    if os.name == "nt":
        assert not hasattr(signal, "SIGALRM")
    else:
        assert hasattr(signal, "SIGALRM")  # the POSIX-only call the entry replaces
