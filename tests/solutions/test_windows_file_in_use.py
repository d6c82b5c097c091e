"""Verified fix for solutions/windows-file-in-use.md.

WinError 32 needs Windows, so the sharing violation itself is simulated: the entry's Option 1 code is
loaded as a module and its retry helper is given an action that raises an OSError carrying
winerror=32 twice and then succeeds (a brief lock by another program), one that always does (bounded:
it re-raises), and an unrelated OSError (never retried). Option 1 and 2 must also run as scripts.
"""

import contextlib
import subprocess
import sys
import types

SLUG = "windows-file-in-use"


def _module(code: str) -> types.ModuleType:
    module = types.ModuleType("win_fix")
    exec(compile(code, "win_fix.py", "exec"), module.__dict__)
    return module


def _sharing_violation() -> OSError:
    exc = PermissionError(
        13, "The process cannot access the file because it is being used by another process"
    )
    exc.winerror = 32  # what Windows sets for ERROR_SHARING_VIOLATION
    return exc


def test_retries_a_brief_lock_then_succeeds(fix_code):
    fix = _module(fix_code(SLUG, 1))
    calls = []

    def flaky(path):
        calls.append(path)
        if len(calls) < 3:
            raise _sharing_violation()
        return "removed"

    assert fix.retry_while_locked(flaky, "report.csv", first_delay=0.001) == "removed"
    assert len(calls) == 3


def test_gives_up_after_a_bounded_number_of_attempts(fix_code):
    fix = _module(fix_code(SLUG, 1))
    calls = []

    def always_locked():
        calls.append(1)
        raise _sharing_violation()

    try:
        fix.retry_while_locked(always_locked, attempts=4, first_delay=0.001)
    except PermissionError as exc:
        assert exc.winerror == 32
    else:
        raise AssertionError("expected the sharing violation to be re-raised")
    assert len(calls) == 4


def test_does_not_retry_other_errors(fix_code):
    fix = _module(fix_code(SLUG, 1))
    calls = []

    def denied():
        calls.append(1)
        raise PermissionError(13, "Access is denied")

    with contextlib.suppress(PermissionError):
        fix.retry_while_locked(denied, first_delay=0.001)
    assert len(calls) == 1


def test_option_scripts_run(fix_code, tmp_path):
    for option in (1, 2):
        script = tmp_path / f"option{option}.py"
        script.write_text(fix_code(SLUG, option), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
