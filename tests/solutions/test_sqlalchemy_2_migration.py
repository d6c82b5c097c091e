"""Verified fix for solutions/sqlalchemy-2-migration.md.

SQLAlchemy is not a dependency of this project, so these tests run only where it is installed
(`pip install "sqlalchemy>=2"` in the test environment) and are skipped otherwise. Where it is,
they reproduce the 1.x-style failures against the real library and run the entry's own
2.0-style Core and ORM code with deprecation warnings turned into errors.
"""

import pytest
from pyrun import run_python

sqlalchemy = pytest.importorskip("sqlalchemy")
if int(sqlalchemy.__version__.split(".")[0]) < 2:
    pytest.skip("needs SQLAlchemy 2.x", allow_module_level=True)

SLUG = "sqlalchemy-2-migration"


def _run(code, cwd):
    return run_python(code, "-W", "error::DeprecationWarning", cwd=cwd)


def test_reproduces_1x_style_failures(tmp_path):
    code = (
        "import sqlalchemy as sa\n"
        "e = sa.create_engine('sqlite://')\n"
        "for f in (lambda: e.execute('SELECT 1'), lambda: e.connect().execute('SELECT 1'),\n"
        "          lambda: sa.select([sa.table('users', sa.column('id'))]), lambda: sa.MetaData(bind=e)):\n"
        "    try:\n"
        "        f()\n"
        "    except Exception as exc:\n"
        "        print(type(exc).__name__, exc)\n"
    )
    out = _run(code, tmp_path).stdout
    assert "AttributeError 'Engine' object has no attribute 'execute'" in out
    assert "ObjectNotExecutableError Not an executable object: 'SELECT 1'" in out
    assert "Column expression, FROM clause, or other columns clause element expected" in out
    assert "unexpected keyword argument 'bind'" in out


def test_option1_core_code_runs_on_2x(fix_code, tmp_path):
    r = _run(fix_code(SLUG, 1), tmp_path)
    assert r.returncode == 0, r.stderr
    assert "ada ada {'id': 1, 'name': 'ada'}" in r.stdout
    assert "['ada', 'bob', 'cy'] cy" in r.stdout and "['users']" in r.stdout


def test_option2_orm_code_runs_on_2x(fix_code, tmp_path):
    r = _run(fix_code(SLUG, 2), tmp_path)
    assert r.returncode == 0, r.stderr
    assert "True 2 ['ada', 'bob']" in r.stdout
