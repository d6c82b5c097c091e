"""Verified fix for solutions/windows-console-unicode-encode.md.

Simulates a redirected Windows console on any OS with PYTHONIOENCODING=cp1252 (the codec Python
uses for a pipe on Western Windows): the plain print of a check mark fails with the 'charmap'
UnicodeEncodeError; the entry's Option 1 code runs under the same conditions, writes UTF-8 and a
UTF-8 file; Option 3's subprocess pattern works even when the parent's own environment is cp1252.
"""

import os
import subprocess
import sys

SLUG = "windows-console-unicode-encode"


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUTF8", "PYTHONIOENCODING")}
    env.update(extra)
    return env


def test_reproduces_charmap_encode_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "print('done \\u2713')"],
        cwd=tmp_path,
        env=_env(PYTHONIOENCODING="cp1252"),
        capture_output=True,
        check=False,
    )
    assert result.returncode != 0
    assert b"UnicodeEncodeError: 'charmap' codec can't encode character '\\u2713'" in result.stderr


def test_reproduces_logging_error(tmp_path):
    code = "import logging, sys\nlogging.basicConfig(stream=sys.stdout)\nlogging.warning('ok \\u2705')\n"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=_env(PYTHONIOENCODING="cp1252"),
        capture_output=True,
        check=False,
    )
    assert b"--- Logging error ---" in result.stderr


def test_option1_prints_utf8_under_cp1252(fix_code, tmp_path):
    script = tmp_path / "app.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_env(PYTHONIOENCODING="cp1252"),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")
    assert "done \u2713" in text and "\u2705" in text and "\u4e2d\u6587" in text
    assert "stdout encoding: utf-8" in text
    assert (tmp_path / "report.txt").read_text(encoding="utf-8") == "\u2713 saved\n"


def test_option3_child_output_decodes(fix_code, tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(fix_code(SLUG, 3), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_env(PYTHONIOENCODING="cp1252"),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == b"'step 1 \\u2713 \\u2192 \\u2705'"
