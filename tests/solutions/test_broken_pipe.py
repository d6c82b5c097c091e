"""Verified fix for solutions/broken-pipe.md.

1. Reproduce: a script that prints many lines, whose reader closes the pipe after one line
   (what `| head -n 1` does), dies with "BrokenPipeError: [Errno 32] Broken pipe".
2. Fix: the entry's Option 1 code (read from the Markdown), run the same way, exits 0
   with no traceback and no "Exception ignored" line.
"""

import subprocess
import sys

SLUG = "broken-pipe"

WRONG = "for i in range(200_000):\n    print(f'row {i}')\n"


def run_and_close_after_first_line(code: str) -> tuple[str, int, str]:
    """Start `code`, read one line of its stdout, close the pipe like `head -n 1` does."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = proc.stdout.readline().decode()
    proc.stdout.close()  # the reader goes away; the writer still has ~2 MB to write
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return first, proc.returncode, err.decode()


def test_printing_into_closed_pipe_reproduces_broken_pipe():
    first, code, err = run_and_close_after_first_line(WRONG)
    assert first.strip() == "row 0"
    assert code != 0
    assert "BrokenPipeError: [Errno 32] Broken pipe" in err or "[WinError 232]" in err


def test_option1_exits_quietly_when_reader_goes_away(fix_code):
    first, code, err = run_and_close_after_first_line(fix_code(SLUG))
    assert first.strip() == "row 0"
    assert code == 0, err
    assert "BrokenPipeError" not in err
    assert "Exception ignored" not in err
    assert err.strip() == ""


def test_option1_still_writes_everything_when_reader_keeps_reading(fix_code):
    proc = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG)], check=False, capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 200_000
    assert lines[-1] == "row 199999"
