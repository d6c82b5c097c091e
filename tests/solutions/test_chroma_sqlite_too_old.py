"""Verified fix for solutions/chroma-sqlite-too-old.md.

chromadb is not a project dependency, so a stand-in `chromadb` package written to tmp_path runs
the same import-time check as chromadb/__init__.py (1.5.9): `sqlite3.sqlite_version_info <
(3, 35, 0)` -> RuntimeError. The child process makes the standard library's sqlite3 report
3.31.1 (Ubuntu 20.04). A stand-in `pysqlite3` module wraps the real sqlite3 but reports a new
version, as pysqlite3-binary does. Then the entry's own Option 1 code must make the import pass,
leave a new-enough system SQLite alone, and stop with a clear message when pysqlite3 is missing.
"""

import textwrap

from pyrun import run_python

SLUG = "chroma-sqlite-too-old"

FAKE_CHROMADB = """
import sqlite3

if sqlite3.sqlite_version_info < (3, 35, 0):
    raise RuntimeError(
        "\\033[91mYour system has an unsupported version of sqlite3. Chroma \\
                    requires sqlite3 >= 3.35.0.\\033[0m\\n"
        "\\033[94mPlease visit \\
                    https://docs.trychroma.com/troubleshooting#sqlite to learn how \\
                    to upgrade.\\033[0m"
    )

def PersistentClient(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER) STRICT")  # a real query through the swapped module
    return conn
"""

FAKE_PYSQLITE3 = """
import sqlite3 as _std
from sqlite3 import *  # noqa: F401,F403  (the real driver underneath)
from sqlite3 import dbapi2  # noqa: F401
sqlite_version_info = (3, 51, 1)
sqlite_version = "3.51.1"
"""

OLD_SQLITE = 'import sqlite3\nsqlite3.sqlite_version_info = (3, 31, 1)\nsqlite3.sqlite_version = "3.31.1"\n'


def _setup(tmp_path, fix_code, with_pysqlite3=True):
    (tmp_path / "chromadb").mkdir()
    (tmp_path / "chromadb" / "__init__.py").write_text(FAKE_CHROMADB, encoding="utf-8")
    if with_pysqlite3:
        (tmp_path / "pysqlite3.py").write_text(FAKE_PYSQLITE3, encoding="utf-8")
    (tmp_path / "sqlite_fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")


def test_reproduces_the_runtime_error_on_old_sqlite(fix_code, tmp_path):
    _setup(tmp_path, fix_code)
    result = run_python(OLD_SQLITE + "import chromadb\n", cwd=tmp_path)
    assert result.returncode != 0
    assert "RuntimeError" in result.stderr
    assert "Your system has an unsupported version of sqlite3. Chroma" in result.stderr
    assert "requires sqlite3 >= 3.35.0." in result.stderr


def test_option1_swaps_in_pysqlite3_before_chromadb(fix_code, tmp_path):
    _setup(tmp_path, fix_code)
    code = OLD_SQLITE + textwrap.dedent(
        """
        from sqlite_fix import ensure_new_sqlite
        print(ensure_new_sqlite())
        import chromadb, sys
        chromadb.PersistentClient("data.db")
        print("chromadb imported with", sys.modules["sqlite3"].__name__, sys.modules["sqlite3"].sqlite_version)
        """
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "pysqlite3 3.51.1 (replaces system 3.31.1)" in result.stdout
    assert "chromadb imported with pysqlite3 3.51.1" in result.stdout


def test_option1_leaves_a_new_enough_sqlite_alone(fix_code, tmp_path):
    _setup(tmp_path, fix_code)
    result = run_python(
        "from sqlite_fix import ensure_new_sqlite\nprint(ensure_new_sqlite())\nimport chromadb\n",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "(system, new enough)" in result.stdout


def test_option1_explains_when_pysqlite3_is_missing(fix_code, tmp_path):
    _setup(tmp_path, fix_code, with_pysqlite3=False)
    result = run_python(
        OLD_SQLITE + "from sqlite_fix import ensure_new_sqlite\nensure_new_sqlite()\n", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "SQLite 3.31.1 is older than 3.35.0: pip install pysqlite3-binary" in result.stderr
    assert "Traceback" not in result.stderr
