"""Verified fix for solutions/sqlite-database-locked.md.

Reproduces "database is locked" and the same-thread ProgrammingError with the real sqlite3
module, then runs the entry's own published fix code and checks the errors are gone.
"""

import sqlite3
import threading

import pytest
from pyrun import run_python as _run

SLUG = "sqlite-database-locked"


def test_reproduces_database_is_locked(tmp_path):
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE t(x)")
    holder.commit()
    holder.execute("BEGIN IMMEDIATE")  # another worker holds the write lock
    # WRONG: a second connection that will not wait for the lock
    other = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("INSERT INTO t VALUES (1)")
    finally:
        other.close()
        holder.rollback()
        holder.close()


def test_reproduces_same_thread_error(tmp_path):
    # WRONG: one connection created here, used from another thread
    conn = sqlite3.connect(tmp_path / "shared.db")
    errors: list[Exception] = []

    def use_it():
        try:
            conn.execute("SELECT 1")
        except sqlite3.ProgrammingError as exc:  # captured to assert on it in the main thread
            errors.append(exc)

    worker = threading.Thread(target=use_it)
    worker.start()
    worker.join()
    conn.close()
    assert errors and isinstance(errors[0], sqlite3.ProgrammingError)
    assert "SQLite objects created in a thread can only be used in that same thread" in str(errors[0])


def test_reproduces_locked_under_contention_without_busy_timeout(fix_code):
    # The same demo as Option 1, but with the busy timeout removed: it must fail for real.
    code = fix_code(SLUG)
    wrong = code.replace(
        "sqlite3.connect(db_path, timeout=30)\n        conns",
        "sqlite3.connect(db_path, timeout=0)\n        conns",
    )
    assert wrong != code
    result = _run(wrong)
    assert result.returncode != 0
    assert "sqlite3.OperationalError: database is locked" in result.stderr


def test_option1_connection_per_thread_fixes_it(fix_code):
    result = _run(fix_code(SLUG))
    assert result.returncode == 0, result.stderr
    assert "rows=81" in result.stdout  # 80 worker rows + the slow writer's row
    assert "database is locked" not in result.stderr
    assert "ProgrammingError" not in result.stderr


def test_option2_wal_lets_a_commit_through_an_open_reader(fix_code):
    result = _run(fix_code(SLUG, option=2))
    assert result.returncode == 0, result.stderr
    assert "committed while a reader was open" in result.stdout


def test_option3_single_writer_serialises_all_writes(fix_code):
    result = _run(fix_code(SLUG, option=3))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "200"
