"""Verified fix for solutions/harmless-warnings.md.

Produces real warnings (DeprecationWarning, UserWarning, RuntimeWarning) in a child process that
then fails with a real exception, and one that only warns and exits 0. Runs the entry's Option 1
code on the captured stderr: it must report the real exception line, not a warning, and say so
when there is no failure. Then checks Option 2 filters only the targeted warning.
"""

import subprocess
import sys

from pyrun import run_python

SLUG = "harmless-warnings"

NOISY_CRASH = """
import warnings
warnings.warn("datetime.datetime.utcnow() is deprecated and scheduled for removal", DeprecationWarning)
warnings.warn("pkg_resources is deprecated as an API", UserWarning)
warnings.warn("invalid value encountered in divide", RuntimeWarning)
config = {"model": "x"}
print(config["question"])
"""

NOISY_OK = """
import warnings
warnings.warn("TypedStorage is deprecated", UserWarning)
warnings.warn("something will change", FutureWarning)
print("done")
"""


def _real_error(fix_code, tmp_path, stderr: str) -> subprocess.CompletedProcess:
    """Option 1 as a script reading a captured stderr: `python real_error.py - < log`."""
    script = tmp_path / "real_error.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), "-"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        input=stderr,
    )


def test_warnings_are_printed_and_do_not_stop_the_program(tmp_path):
    result = run_python(NOISY_OK, "-W", "always", cwd=tmp_path)
    assert result.returncode == 0
    assert "UserWarning: TypedStorage is deprecated" in result.stderr
    assert "FutureWarning: something will change" in result.stderr
    assert "done" in result.stdout


def test_option1_finds_the_real_exception_under_warnings(fix_code, tmp_path):
    crash = run_python(NOISY_CRASH, "-W", "always", cwd=tmp_path)
    assert crash.returncode == 1
    assert crash.stderr.splitlines()[0].endswith(
        "DeprecationWarning: datetime.datetime.utcnow() is deprecated and scheduled for removal"
    )
    result = _real_error(fix_code, tmp_path, crash.stderr)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("real error: KeyError: 'question'")
    assert "Warning" not in result.stdout.split("(last frame")[0]


def test_option1_says_when_there_is_no_failure(fix_code, tmp_path):
    ok = run_python(NOISY_OK, "-W", "always", cwd=tmp_path)
    result = _real_error(fix_code, tmp_path, ok.stderr)
    assert result.returncode == 0, result.stderr
    assert "the warnings are not the failure" in result.stdout


def test_option1_demo_runs(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "real error: KeyError: 'question'" in result.stdout


def test_option2_filters_only_the_targeted_warning(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['something new']"
