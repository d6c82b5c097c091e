"""Verified fixes for solutions/sqlite-extension-loading.md: a SQLite extension that will not load from Python.

sqlite-vec is not a project dependency, so a stand-in `sqlite_vec` 0.1.9 is written into tmp_path: its
`__init__.py` has the real release's `loadable_path()` (the package folder's `vec0`, no suffix) and
`load(conn)` (`conn.load_extension(loadable_path())`), and its `vec0.so` is a real SQLite loadable extension
compiled here with gcc and SQLite's own headers, whose entry point `sqlite3_vec_init` registers `vec_version()`
(returning 'v0.1.9', as the real one does). Everything else is real:
- the project's interpreter is a pyenv build without `--enable-loadable-sqlite-extensions`: both extension
  methods are missing and the real AttributeErrors come out of the real `sqlite3` module;
- an interpreter of this machine that has the methods (Debian's /usr/bin/python3) gives the real SQLite
  errors: `no such function: vec_version` / `no such module: vec0` on a connection that never loaded it,
  `not authorized` from SQL's load_extension() and after enable_load_extension(False), `vec0.so: cannot open
  shared object file` for a wrong path;
- the `pysqlite3` of Option 1's fallback is built the way pysqlite3-binary 0.5.4.post2 is laid out
  (`pysqlite3/__init__.py` importing `pysqlite3.dbapi2`, which is CPython's `sqlite3/dbapi2.py` importing from
  `pysqlite3._sqlite3`), from the `_sqlite3` extension module of an interpreter of the same ABI that was built
  with extension loading: a real sqlite3 driver that can load extensions, under the project's interpreter.
Options 1 and 2 (SQLAlchemy's "connect" event, with the project's SQLAlchemy) run as the entry prints them.
Option 3 (apsw) is not run here: apsw is not in the dev extra (it ran with apsw 3.54.1.0, see the entry).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from fake_site import fake_distribution

SLUG = "sqlite-extension-loading"

# What `make test` must provide beyond the Makefile's `toolchain` target (gcc g++ binutils python3-dev, which
# pulls Debian's python3.11 with its _sqlite3): SQLite's headers, and a venv made from a CPython 3.11 built
# without --enable-loadable-sqlite-extensions (pyenv's default build), whose ABI Debian 12's python3.11 shares.
NEEDS = (
    "needs the Debian packages gcc (Makefile toolchain), libsqlite3-dev (sqlite3ext.h) and python3.11 (pulled by"
    " python3-dev), and a venv made from a CPython 3.11 built without --enable-loadable-sqlite-extensions"
    " (pyenv's default build)"
)

EXTENSION_C = r"""
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

static void vec_version(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3_result_text(ctx, "v0.1.9", -1, SQLITE_STATIC);
}

int sqlite3_vec_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  return sqlite3_create_function_v2(db, "vec_version", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, 0, vec_version, 0, 0, 0);
}
"""

# sqlite_vec/__init__.py of sqlite-vec 0.1.9 (its loading part, as released)
SQLITE_VEC_INIT = '''
from os import path
import sqlite3

__version__ = "0.1.9"
__version_info__ = tuple(__version__.split("."))

def loadable_path():
  """ Returns the full path to the sqlite-vec loadable SQLite extension bundled with this package """

  loadable_path = path.join(path.dirname(__file__), "vec0")
  return path.normpath(loadable_path)

def load(conn: sqlite3.Connection)  -> None:
  """ Load the sqlite-vec SQLite extension into the given database connection. """

  conn.load_extension(loadable_path())
'''

CAN_LOAD = "import sqlite3; print(hasattr(sqlite3.Connection, 'enable_load_extension'))"
ABI = "import sysconfig, _sqlite3; print(sysconfig.get_config_var('EXT_SUFFIX')); print(_sqlite3.__file__)"


def _python(exe: str, code: str, path: list[Path], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=os.pathsep.join(map(str, path)))
    return subprocess.run(
        [exe, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _can_load(exe: str) -> bool:
    done = subprocess.run([exe, "-c", CAN_LOAD], capture_output=True, text=True, timeout=30, check=False)
    return done.stdout.strip() == "True"


@pytest.fixture(scope="module")
def loading_python() -> str:
    """An interpreter of this machine whose sqlite3 module has enable_load_extension (Debian's python3)."""
    candidates = sorted(glob.glob("/usr/bin/python3.*[0-9]")) + sorted(
        glob.glob("/usr/local/bin/python3.*[0-9]")
    )
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python")))
    found = next((exe for exe in candidates if os.access(exe, os.X_OK) and _can_load(exe)), None)
    assert found, (
        f"no Python with loadable SQLite extensions on this machine (Debian's python3 has them): {NEEDS}"
    )
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The stand-in sqlite-vec 0.1.9: the release's __init__.py and a real vec0.so built here."""
    include = Path("/usr/include/sqlite3ext.h")
    assert shutil.which("gcc") and include.is_file(), NEEDS
    site = tmp_path_factory.mktemp("site")
    fake_distribution(site, "sqlite-vec", "0.1.9", {"sqlite_vec/__init__.py": SQLITE_VEC_INIT})
    (site / "vec0.c").write_text(EXTENSION_C, encoding="utf-8")
    build = subprocess.run(
        ["gcc", "-fPIC", "-shared", "-O1", str(site / "vec0.c"), "-o", str(site / "sqlite_vec" / "vec0.so")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    return site


@pytest.fixture(scope="module")
def pysqlite3_site(tmp_path_factory, loading_python) -> Path:
    """A pysqlite3 (pysqlite3-binary's layout) for this interpreter, from the _sqlite3 of a Python that can load."""
    ours = sysconfig.get_config_var("EXT_SUFFIX")
    candidates = [loading_python, *sorted(glob.glob("/usr/bin/python3.*[0-9]"))]
    for exe in candidates:
        done = subprocess.run([exe, "-c", ABI], capture_output=True, text=True, timeout=30, check=False)
        lines = done.stdout.split()
        if done.returncode == 0 and lines[0] == ours and _can_load(exe):
            module = Path(lines[1])
            break
    else:
        pytest.fail(f"no Python with loadable extensions and the ABI {ours} of {sys.executable}: {NEEDS}")
    site = tmp_path_factory.mktemp("pysqlite3")
    (site / "pysqlite3").mkdir()
    shutil.copy(module, site / "pysqlite3" / module.name)
    (site / "pysqlite3" / "__init__.py").write_text("from pysqlite3.dbapi2 import *\n", encoding="utf-8")
    dbapi2 = (module.parents[1] / "sqlite3" / "dbapi2.py").read_text(encoding="utf-8")
    assert "from _sqlite3 import *" in dbapi2
    (site / "pysqlite3" / "dbapi2.py").write_text(
        dbapi2.replace("from _sqlite3 import *", "from pysqlite3._sqlite3 import *"), encoding="utf-8"
    )
    return site


def test_a_python_built_without_extension_loading_has_no_methods(entry, index, site, tmp_path):
    assert not _can_load(sys.executable), f"{sys.executable} can load extensions: {NEEDS}"
    enable = "import sqlite3\nconn = sqlite3.connect(':memory:')\nconn.enable_load_extension(True)\n"
    result = _python(sys.executable, enable, [site], tmp_path)
    raised = result.stderr.strip().splitlines()[-1]
    assert raised == "AttributeError: 'sqlite3.Connection' object has no attribute 'enable_load_extension'"
    assert raised in entry.errors
    assert_answers(index, SLUG, result.stderr)

    load = "import sqlite3, sqlite_vec\nsqlite_vec.load(sqlite3.connect(':memory:'))\n"
    result = _python(sys.executable, load, [site], tmp_path)
    raised = result.stderr.strip().splitlines()[-1]
    assert raised == "AttributeError: 'sqlite3.Connection' object has no attribute 'load_extension'"
    assert "sqlite_vec/__init__.py" in result.stderr
    assert raised in entry.errors
    assert_answers(index, SLUG, result.stderr)


SQLITE_ERRORS = """
import os, sqlite3, sqlite_vec

def show(name, fn):
    try:
        fn()
        print(name, "| ok")
    except sqlite3.OperationalError as error:
        print(name, "|", error)

fresh = sqlite3.connect(":memory:")
show("function", lambda: fresh.execute("select vec_version()"))
show("module", lambda: fresh.execute("create virtual table v using vec0(embedding float[4])"))
show("sql", lambda: fresh.execute("select load_extension(?)", [sqlite_vec.loadable_path()]))
fresh.enable_load_extension(False)
show("disabled", lambda: sqlite_vec.load(fresh))
fresh.enable_load_extension(True)
show("path", lambda: fresh.load_extension("vec0"))
show("loaded", lambda: sqlite_vec.load(fresh))
show("same", lambda: fresh.execute("select vec_version()"))
show("other", lambda: sqlite3.connect(":memory:").execute("select vec_version()"))
"""


def test_sqlite_s_own_errors_on_a_python_that_can_load(entry, index, site, tmp_path, loading_python):
    result = _python(loading_python, SQLITE_ERRORS, [site], tmp_path)
    assert result.returncode == 0, result.stderr
    seen = dict(line.split(" | ", 1) for line in result.stdout.splitlines())
    assert seen == {
        "function": "no such function: vec_version",
        "module": "no such module: vec0",
        "sql": "not authorized",
        "disabled": "not authorized",
        "path": "vec0.so: cannot open shared object file: No such file or directory",
        "loaded": "ok",
        "same": "ok",
        "other": "no such function: vec_version",  # a second connection never loaded it
    }
    for key in ("function", "module", "sql"):
        raised = f"sqlite3.OperationalError: {seen[key]}"
        assert raised in entry.errors
        traceback = (
            f'Traceback (most recent call last):\n  File "/app/memory.py", line 12, in <module>\n{raised}\n'
        )
        assert_answers(index, SLUG, traceback)
    # a file the loader cannot open reads like any missing shared library: the entry names it in its
    # prose only, and does not claim another library's `cannot open shared object file`
    assert f"sqlite3.OperationalError: {seen['path']}" not in entry.errors
    missing_library = "ImportError: libstdc++.so.6: cannot open shared object file: No such file or directory"
    assert confident_answer(index, missing_library) != SLUG


def test_option1_loads_it_in_every_connection(fix_code, site, pysqlite3_site, loading_python, tmp_path):
    code = fix_code(SLUG, 1)
    # a Python that can load: the stdlib driver, both connections have vec_version()
    result = _python(loading_python, code, [site], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("sqlite3 (") == 2 and result.stdout.count("'v0.1.9')") == 2, result.stdout
    # the project's Python cannot: without pysqlite3 the helper has nothing to load with ...
    result = _python(sys.executable, code, [site], tmp_path)
    assert result.stderr.strip().splitlines()[-1] == "ModuleNotFoundError: No module named 'pysqlite3'"
    # ... with it, it switches driver and both connections load the extension
    result = _python(sys.executable, code, [site, pysqlite3_site], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("pysqlite3.dbapi2 (") == 2 and result.stdout.count("'v0.1.9')") == 2, (
        result.stdout
    )


ONE_RAW_CONNECTION = """
import sqlite_vec
from pysqlite3 import dbapi2 as driver
from sqlalchemy import create_engine, text

engine = create_engine("sqlite:///app.db", module=driver)
raw = engine.raw_connection()  # loaded into this one connection only
raw.driver_connection.enable_load_extension(True)
sqlite_vec.load(raw.driver_connection)
with engine.connect() as other:
    other.execute(text("select vec_version()"))
"""


def test_option2_loads_it_in_every_pooled_connection(entry, index, fix_code, site, pysqlite3_site, tmp_path):
    result = _python(sys.executable, ONE_RAW_CONNECTION, [site, pysqlite3_site], tmp_path)
    raised = result.stderr.strip().splitlines()
    assert (
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such function: vec_version" in raised
    )
    assert (
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such function: vec_version"
        in entry.errors
    )
    assert_answers(index, SLUG, result.stderr)

    fixed = tmp_path / "fixed"
    fixed.mkdir()
    result = _python(sys.executable, fix_code(SLUG, 2), [site, pysqlite3_site], fixed)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "v0.1.9 v0.1.9"


FAILED_LOAD = """
source = open("fix.py").read().split("first, second")[0]  # the helper, without the demo
exec(compile(source, "fix.py", "exec"))
try:
    connect("app.db")
except driver.OperationalError as error:
    print("raised |", error)
    frame = error.__traceback__.tb_next.tb_frame  # connect()'s frame, kept alive by the saved error
    conn = frame.f_locals["conn"]
    try:
        conn.execute("select load_extension('x')")
        print("after | open")
    except driver.ProgrammingError as closed:
        print("after |", closed)
    except driver.OperationalError as still_open:
        print("after | open:", still_open)
"""


def test_option1_closes_the_connection_when_the_load_fails(fix_code, site, loading_python, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(site / "sqlite_vec", broken / "sqlite_vec")
    (broken / "sqlite_vec" / "vec0.so").unlink()  # a wheel for another platform, a deleted file...
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _python(loading_python, FAILED_LOAD, [broken], tmp_path)
    assert result.returncode == 0, result.stderr
    seen = dict(line.split(" | ", 1) for line in result.stdout.splitlines())
    assert seen["raised"].endswith(
        "sqlite_vec/vec0.so: cannot open shared object file: No such file or directory"
    )
    # before: the connection stayed open with loading enabled ("open: ..." from SQL's load_extension)
    assert seen["after"] == "Cannot operate on a closed database.", seen


FAKE_TOOL = """#!/bin/sh
echo "$(basename "$0") $* LDFLAGS=${LDFLAGS:-}" >> "$LOG"
case "$(basename "$0") $1" in
  "pyenv version-name") echo 3.12.1 ;;
  "pyenv prefix") echo "$ROOT/versions/$2" ;;
  "uname "*) echo "$OS" ;;
  "brew --prefix") echo /opt/homebrew/opt/sqlite ;;
  "python -m"|"python -c") [ "$1" = -m ] && mkdir -p .venv/bin && cp "$0" .venv/bin/pip; echo True ;;
esac
exit 0
"""


@pytest.mark.parametrize("system", ["Linux", "Darwin"])
def test_option4_rebuilds_the_version_in_use(fix_code, tmp_path, system):
    fake = tmp_path / "bin"
    (tmp_path / "versions" / "3.12.1" / "bin").mkdir(parents=True)
    fake.mkdir()
    for name, where in [(n, fake) for n in ("pyenv", "python", "uname", "brew")] + [
        ("python", tmp_path / "versions" / "3.12.1" / "bin")
    ]:
        (where / name).write_text(FAKE_TOOL, encoding="utf-8")
        (where / name).chmod(0o755)
    log = tmp_path / "log"
    env = dict(
        os.environ,
        PATH=f"{fake}{os.pathsep}{os.environ['PATH']}",
        LOG=str(log),
        ROOT=str(tmp_path),
        OS=system,
    )
    env.pop("LDFLAGS", None)
    done = subprocess.run(
        ["bash", "-c", fix_code(SLUG, 4)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    installs = [call for call in calls if call.startswith("pyenv install")]
    # before: `pyenv install --force 3.12`, which installs the newest 3.12.x, not the 3.12.1 in use
    assert len(installs) == 1 and installs[0].split(" LDFLAGS=")[0] == "pyenv install --force 3.12.1", calls
    if system == "Darwin":  # before: no LDFLAGS, so Apple's SQLite and again no enable_load_extension
        assert installs[0].endswith("LDFLAGS=-L/opt/homebrew/opt/sqlite/lib"), calls
    else:
        assert installs[0].endswith("LDFLAGS="), calls
    assert any(call.startswith("pip install -r requirements.txt") for call in calls), calls
