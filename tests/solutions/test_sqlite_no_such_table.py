"""Verified fix for solutions/sqlite-no-such-table.md.

Reproduces `sqlite3.OperationalError: no such table` for real in child processes: a relative path
run from another working directory silently creates a second, empty database, and a second
`:memory:` connection is a different database. Then runs the entry's Option 1 code: it opens the
intended file by absolute path with mode=rw, lists its tables, and refuses to create an empty file.
"""

from pyrun import run_python

SLUG = "sqlite-no-such-table"


def test_reproduces_relative_path_from_another_cwd(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    made = run_python(
        "import sqlite3\nc = sqlite3.connect('app.db')\nc.execute('CREATE TABLE users(id)')\nc.commit()\n",
        cwd=project,
    )
    assert made.returncode == 0, made.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_python(
        "import sqlite3\nsqlite3.connect('app.db').execute('SELECT * FROM users')\n", cwd=elsewhere
    )
    assert "sqlite3.OperationalError: no such table: users" in result.stderr
    assert (elsewhere / "app.db").exists()  # the silent, empty second database


def test_reproduces_separate_memory_databases(tmp_path):
    code = (
        "import sqlite3\n"
        "a = sqlite3.connect(':memory:')\na.execute('CREATE TABLE users(id)')\n"
        "sqlite3.connect(':memory:').execute('SELECT * FROM users')\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert "sqlite3.OperationalError: no such table: users" in result.stderr


def test_option1_opens_the_intended_file_and_lists_tables(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "tables: ['users']" in result.stdout
    assert "0 users" in result.stdout


def test_option1_refuses_to_create_an_empty_database(fix_code, tmp_path):
    missing = tmp_path / "nowhere" / "app.db"
    code = (
        fix_code(SLUG, 1).split('if __name__ == "__main__":')[0]
        + f"\nopen_existing(Path({str(missing)!r}))\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode != 0
    assert "FileNotFoundError: no database at" in result.stderr
    assert not missing.exists()


def test_option1_mode_rw_does_not_create_the_file(fix_code, tmp_path):
    # even if the is_file() guard is bypassed, mode=rw makes SQLite refuse to create the file
    target = tmp_path / "ghost.db"
    code = (
        "import sqlite3\nfrom pathlib import Path\n"
        f"p = Path({str(target)!r})\n"
        "sqlite3.connect(f'{p.as_uri()}?mode=rw', uri=True)\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert "unable to open database file" in result.stderr
    assert not target.exists()


def test_option1_describe_flags_an_empty_database(fix_code, tmp_path):
    code = (
        fix_code(SLUG, 1).split('if __name__ == "__main__":')[0]
        + "\nimport sqlite3\nprint(describe(sqlite3.connect(':memory:')))\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "NONE - empty or wrong database" in result.stdout
