"""Verified fix for solutions/db-connection-used-concurrently.md, on a real PostgreSQL server.

The session's server (tests/conftest.py `pg_server`, tests/pg_server.py) gets a new database per test. In a
child interpreter, two queries gathered on one asyncpg connection raise the real
`InterfaceError: cannot perform operation: another operation is in progress`, and one AsyncSession shared
by two tasks raises SQLAlchemy's `This session is provisioning a new connection` and, once it has its
connection, the asyncpg error wrapped by SQLAlchemy (a commit racing an execute). Then the entry's own code runs
from the Markdown: Option 1 (asyncpg pool, `async with pool.acquire()`), Option 2 (one AsyncSession per task)
and Option 3 (an asyncio.Lock around one shared connection); each gathers concurrent queries and must finish
without error. Needs asyncpg (the `dev` extra) and SQLAlchemy with greenlet.
"""

from __future__ import annotations

from pyrun import run_args, run_python

SLUG = "db-connection-used-concurrently"
BUSY = "cannot perform operation: another operation is in progress"

SHARED_CONNECTION = """
import asyncio, os, asyncpg

async def main():
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    await asyncio.gather(conn.fetchval("SELECT pg_sleep(0.2)"), conn.fetchval("SELECT 1"))

asyncio.run(main())
"""

SHARED_SESSION = """
import asyncio, os, sqlalchemy
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

async def race(engine, warm, second):
    session = AsyncSession(engine)
    if warm:
        await session.execute(text("SELECT 1"))  # the session now holds its connection
    first = session.execute(text("SELECT pg_sleep(0.2)"))
    other = session.commit() if second == "commit" else session.execute(text("SELECT 1"))
    for result in await asyncio.gather(first, other, return_exceptions=True):
        if isinstance(result, Exception):
            print(f"{type(result).__module__}.{type(result).__qualname__}: {result}".splitlines()[0])
    await engine.dispose()

async def main():
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://")
    print(sqlalchemy.__version__)
    await race(create_async_engine(url), False, "execute")
    await race(create_async_engine(url), True, "commit")

asyncio.run(main())
"""


def _env(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url}


def _run_option(fix_code, option: int, url: str, tmp_path):
    script = tmp_path / f"option{option}.py"
    script.write_text(fix_code(SLUG, option), encoding="utf-8")
    return run_args([str(script)], cwd=tmp_path, env=_env(url), timeout=60)


def test_reproduces_asyncpg_error_on_one_shared_connection(pg_url, tmp_path):
    result = run_python(SHARED_CONNECTION, cwd=tmp_path, env=_env(pg_url))
    assert result.returncode != 0
    # the traceback's last line, possibly followed by asyncio.run() cancelling the first query
    assert f"asyncpg.exceptions._base.InterfaceError: {BUSY}" in result.stderr.splitlines()
    assert "/asyncpg/connection.py" in result.stderr


def test_reproduces_sqlalchemy_errors_on_one_shared_session(pg_url, tmp_path):
    result = run_python(SHARED_SESSION, cwd=tmp_path, env=_env(pg_url))
    assert result.returncode == 0, result.stderr
    version, provisioning, busy = result.stdout.strip().splitlines()
    series = "".join(version.split(".")[:2])  # 2.0.x -> 20, 2.1.x -> 21 in the sqlalche.me link
    assert provisioning == (
        "sqlalchemy.exc.InvalidRequestError: This session is provisioning a new connection; "
        f"concurrent operations are not permitted (Background on this error at: https://sqlalche.me/e/{series}/isce)"
    )
    wrapped = "<class 'asyncpg.exceptions._base.InterfaceError'>: " if series == "20" else ""
    assert busy == (
        "sqlalchemy.exc.InterfaceError: (sqlalchemy.dialects.postgresql.asyncpg.InterfaceError) "
        f"{wrapped}{BUSY}"
    )


def test_option1_pool_runs_concurrent_queries(fix_code, pg_url, tmp_path):
    code = fix_code(SLUG, 1)
    assert "create_pool" in code and "pool.acquire()" in code
    result = _run_option(fix_code, 1, pg_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert BUSY not in result.stderr
    lines = result.stdout.splitlines()
    assert lines == [f"acquire: {list(range(20))}", f"pool.fetchval: {list(range(5))}"]


def test_option2_one_session_per_task(fix_code, pg_url, tmp_path):
    result = _run_option(fix_code, 2, pg_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(list(range(10)))


def test_option3_lock_serialises_one_connection(fix_code, pg_url, tmp_path):
    result = _run_option(fix_code, 3, pg_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(list(range(5)))
