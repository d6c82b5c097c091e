"""Verified fix for solutions/sqlite-unable-to-open.md.

Reproduces `sqlite3.OperationalError: unable to open database file` for real (a missing parent
directory, an unexpanded `~`, a path that is a directory) in a child process started from another
working directory, then runs the entry's own Option 1 code: it expands `~`, creates the folder,
opens the database, and turns a directory path into a clear message.
"""

import os
import subprocess
import sys

from pyrun import run_python

SLUG = "sqlite-unable-to-open"


def _run(code: str, cwd, home):
    return run_python(code, cwd=cwd, env={"HOME": str(home)})


def test_reproduces_missing_directory_and_tilde(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    for target in ("data/app.db", "~/agent/app.db", str(tmp_path)):
        result = _run(
            f"import sqlite3\nsqlite3.connect({target!r}).execute('CREATE TABLE t(x)')\n", tmp_path, home
        )
        assert result.returncode != 0, target
        assert "sqlite3.OperationalError: unable to open database file" in result.stderr, target


def test_option1_expands_home_creates_folder_and_opens(fix_code, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    result = _run(fix_code(SLUG, 1), elsewhere, home)
    assert result.returncode == 0, result.stderr
    assert "opened" in result.stdout
    assert "unable to open database file" not in result.stderr


def test_option1_relative_path_is_anchored_not_cwd_dependent(fix_code, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    script_dir = tmp_path / "project"
    script_dir.mkdir()
    script = script_dir / "app.py"
    script.write_text(
        fix_code(SLUG, 1)
        + "\nc = open_db('data/sub/app.db')\nc.execute('CREATE TABLE IF NOT EXISTS t(x)')\nc.commit()\n",
        encoding="utf-8",
    )
    other = tmp_path / "somewhere_else"
    other.mkdir()
    env = dict(os.environ, HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, str(script)],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=other,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert (script_dir / "data" / "sub" / "app.db").is_file()
    assert not (other / "data").exists()


def test_option1_directory_path_gives_a_clear_message(fix_code, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    code = fix_code(SLUG, 1) + f"\nopen_db({str(tmp_path)!r})\n"
    result = _run(code, tmp_path, home)
    assert result.returncode != 0
    assert "is a directory; give a file name" in result.stderr
