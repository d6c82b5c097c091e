"""Verified fix for solutions/db-connection-closed-idle.md, on the tests' real PostgreSQL server.

Idle connections are closed three real ways, without network: a TCP proxy on 127.0.0.1 (in this file) that closes
both sides of a connection after 0.5 s without traffic, like a load balancer's idle timeout, or forgets it and answers
the next packet with a reset, like a NAT or firewall that dropped its state; the server's own `idle_session_timeout`
(set on the test's database only); and `pg_terminate_backend`. The child interpreters then print the errors of
psycopg 3, SQLAlchemy (psycopg and asyncpg drivers), asyncpg and psql, which must be the entry's texts. Then the
entry's own code runs, read from the Markdown: Option 1 (pool_pre_ping, pool_recycle), Option 2 (one retry of a read),
Option 3 (libpq keepalives, read back from the socket) and Option 4 (psycopg_pool with check=, asyncpg pool) must give
working connections after the same closes. psycopg2 is not in the dev extra: its texts were reproduced in a throwaway
venv (see the entry's source); psql prints the same libpq text here. Option 5 (Django settings) is not run.
Needs the Debian `postgresql` package (psql, the server), psycopg, psycopg-pool, asyncpg and SQLAlchemy[asyncio].
"""

from __future__ import annotations

import selectors
import shutil
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "db-connection-closed-idle"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ERRORS = parse_entry(ENTRY).errors
LIBPQ_CLOSED = (
    "server closed the connection unexpectedly\n"
    "\tThis probably means the server terminated abnormally\n"
    "\tbefore or while processing the request."
)
SERIES = "".join(sqlalchemy.__version__.split(".")[:2])  # 2.0.x -> 20, 2.1.x -> 21


class IdleProxy:
    """Forwards 127.0.0.1:port to PostgreSQL and drops connections idle for `idle` seconds.

    mode "fin": closes both sides (what a load balancer or pooler does at its idle timeout);
    mode "rst": closes the server side, then answers the client's next bytes with a TCP reset.
    """

    def __init__(self, target_port: int, idle: float = 0.5, mode: str = "fin") -> None:
        self.target = ("127.0.0.1", target_port)
        self.idle = idle
        self.mode = mode
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database: str, driver: str = "postgresql") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        server = socket.create_connection(self.target)
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, server)
        sel.register(server, selectors.EVENT_READ, client)
        last = time.monotonic()
        try:
            while True:
                events = sel.select(0.05)
                if not events and time.monotonic() - last > self.idle:
                    if self.mode == "rst":
                        sel.unregister(server)
                        server.close()
                        sel.select(30)  # the client's next query
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                for key, _ in events:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
                    last = time.monotonic()
        except OSError:
            return
        finally:
            client.close()
            server.close()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def _database(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.fixture
def proxy(pg_url):
    proxies: list[IdleProxy] = []

    def make(mode: str = "fin") -> IdleProxy:
        proxies.append(IdleProxy(_port(pg_url), 0.5, mode))
        return proxies[-1]

    yield make
    for p in proxies:
        p.close()


def _idle_timeout_db(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE \"{_database(pg_url)}\" SET idle_session_timeout = '1s'")


KILL = """
import os, psycopg
def kill_backends():
    with psycopg.connect(os.environ["ADMIN_URL"], autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE datname = current_database() AND pid <> pg_backend_pid()")
"""

SHOW = """
def show(exc):
    print("ERR", f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}".splitlines()[0])
"""


def _run(code: str, url: str, admin_url: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return run_python(code, env={"DATABASE_URL": url, "ADMIN_URL": admin_url}, timeout=timeout)


def _errors(result: subprocess.CompletedProcess) -> list[str]:
    return [line[4:] for line in result.stdout.splitlines() if line.startswith("ERR ")]


def test_proxy_idle_close_gives_the_psycopg_and_sqlalchemy_texts(proxy, pg_url):
    fin = proxy("fin")
    code = (
        SHOW
        + """
import os, time, psycopg
from sqlalchemy import create_engine, text
url = os.environ["DATABASE_URL"]
conn = psycopg.connect(url); conn.execute("SELECT 1"); conn.commit()
time.sleep(1)
try:
    conn.execute("SELECT 1")
except psycopg.Error as exc:
    show(exc)
    print("FULL", repr(str(exc)))
engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
with engine.connect() as c:
    c.execute(text("SELECT 1"))
time.sleep(1)
try:
    with engine.connect() as c:
        c.execute(text("SELECT 1"))
except Exception as exc:
    show(exc)
    print("INVALIDATED", exc.connection_invalidated)
"""
    )
    result = _run(code, fin.url(_database(pg_url)), pg_url)
    assert result.returncode == 0, result.stderr
    assert _errors(result) == [ERRORS[6], ERRORS[7]]
    assert f"FULL {('consuming input failed: ' + LIBPQ_CLOSED)!r}" in result.stdout
    assert "INVALIDATED True" in result.stdout  # SQLAlchemy knows it is a disconnect


def test_psql_prints_the_libpq_text_of_psycopg2(proxy, pg_url):
    psql = shutil.which("psql") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))), None)
    if psql is None:
        pytest.fail("needs psql from the Debian postgresql package")
    fin = proxy("fin")
    interactive = subprocess.run(
        [str(psql), fin.url(_database(pg_url)), "-X"],
        input="SELECT 1;\n\\! sleep 1\nSELECT 2;\n",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert LIBPQ_CLOSED in interactive.stderr, interactive.stdout + interactive.stderr
    assert ERRORS[0] == "psycopg2.OperationalError: " + LIBPQ_CLOSED  # the same libpq paragraph


def test_a_new_connection_closed_at_start_up_is_the_connect_time_look_alike():
    """A port that accepts and closes a *new* connection: libpq's paragraph after `connection to server at … failed:`."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def slam() -> None:
        for _ in range(2):  # sslmode=disable: one attempt; a second one would be closed the same way
            try:
                client, _ = listener.accept()
            except OSError:
                return
            client.recv(64)
            client.close()

    threading.Thread(target=slam, daemon=True).start()
    port = listener.getsockname()[1]
    try:
        with pytest.raises(psycopg.OperationalError) as info:
            psycopg.connect(
                f"postgresql://postgres@127.0.0.1:{port}/postgres?sslmode=disable", connect_timeout=5
            )
    finally:
        listener.close()
    text = str(info.value)
    assert f'connection to server at "127.0.0.1", port {port} failed: ' + LIBPQ_CLOSED in text, text
    look_alike = next(n for n in parse_entry(ENTRY).not_errors if "failed: server closed" in n)
    assert look_alike.endswith("failed: " + LIBPQ_CLOSED)


def test_asyncpg_texts_for_a_closed_and_a_forgotten_connection(proxy, pg_url):
    fin, rst = proxy("fin"), proxy("rst")
    code = (
        SHOW
        + """
import asyncio, os, sys, asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
async def raw(url):
    conn = await asyncpg.connect(url)
    await conn.fetchval("SELECT 1")
    await asyncio.sleep(1)
    try:
        await conn.fetchval("SELECT 1")
    except Exception as exc:
        show(exc)
async def wrapped(url):
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://"))
    async with engine.connect() as c:
        await c.execute(text("SELECT 1"))
    await asyncio.sleep(1)
    try:
        async with engine.connect() as c:
            await c.execute(text("SELECT 1"))
    except Exception as exc:
        show(exc)
    await engine.dispose()
for url in sys.argv[1:]:
    asyncio.run(raw(url))
    asyncio.run(wrapped(url))
"""
    )
    db = _database(pg_url)
    result = run_python(code, args=[fin.url(db), rst.url(db)], timeout=60)
    assert result.returncode == 0, result.stderr
    closed, closed_sa, dropped, dropped_sa = _errors(result)
    assert closed == "asyncpg.exceptions._base.InterfaceError: connection is closed"
    assert dropped == ERRORS[10]
    if SERIES == "20":
        assert closed_sa == ERRORS[11]
        assert dropped_sa == ERRORS[12]
    else:  # 2.1 drops "<class ...>: " and raises the dropped connection as DBAPIError
        assert closed_sa == ERRORS[11].replace("<class 'asyncpg.exceptions._base.InterfaceError'>: ", "")
        assert dropped_sa == (
            "sqlalchemy.exc.DBAPIError: (sqlalchemy.dialects.postgresql.asyncpg.Error) "
            "connection was closed in the middle of operation"
        )


def test_server_idle_session_timeout_and_terminate(pg_url):
    _idle_timeout_db(pg_url)
    code = (
        SHOW
        + KILL
        + """
import time
conn = psycopg.connect(os.environ["DATABASE_URL"]); conn.execute("SELECT 1"); conn.commit()
time.sleep(1.5)
for _ in range(2):
    try:
        conn.execute("SELECT 1")
    except psycopg.Error as exc:
        show(exc)
conn = psycopg.connect(os.environ["DATABASE_URL"]); conn.execute("SELECT 1"); conn.commit()
kill_backends(); time.sleep(0.3)
try:
    conn.execute("SELECT 1")
except psycopg.Error as exc:
    show(exc)
"""
    )
    result = _run(code, pg_url, pg_url)
    assert result.returncode == 0, result.stderr
    assert _errors(result) == [
        ERRORS[9],
        "psycopg.OperationalError: the connection is closed",
        "psycopg.errors.AdminShutdown: terminating connection due to administrator command",
    ]


def test_option1_pre_ping_and_recycle_replace_dead_connections(fix_code, proxy, pg_url):
    code = (
        fix_code(SLUG, 1)
        + KILL
        + SHOW
        + """
import sys
url = os.environ["DATABASE_URL"]
def once(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar_one()
engine = make_engine(url)
once(engine); kill_backends(); time.sleep(0.3)
print("after terminate", once(engine))
proxied = make_engine(sys.argv[1])
once(proxied); time.sleep(1)
print("after proxy idle close", once(proxied))
# idle_session_timeout 1 s on this database: recycling at 0.5 s, without pre-ping, never meets it
recycled = create_engine(url, pool_recycle=0.5)
once(recycled); time.sleep(1.5)
print("recycled", once(recycled))
plain = create_engine(url)
once(plain); time.sleep(1.5)
try:
    once(plain)
except Exception as exc:
    show(exc)
"""
    )
    _idle_timeout_db(pg_url)
    url = pg_url.replace("postgresql://", "postgresql+psycopg://")
    code = "import time\n" + code
    fin = proxy("fin")
    result = run_python(
        code,
        env={"DATABASE_URL": url, "ADMIN_URL": pg_url},
        args=[fin.url(_database(pg_url), "postgresql+psycopg")],
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == ["ok 1", "after terminate 1", "after proxy idle close 1", "recycled 1"]
    assert _errors(result) == [
        "sqlalchemy.exc.OperationalError: (psycopg.errors.IdleSessionTimeout) "
        "terminating connection due to idle-session timeout"
    ]


def test_option1_pre_ping_with_asyncpg_after_a_silent_drop(fix_code, proxy, pg_url):
    rst = proxy("rst")
    code = """
import asyncio, sys
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
async def main():
    engine = create_async_engine(sys.argv[1], pool_pre_ping=True, pool_recycle=240)
    async with engine.connect() as c:
        await c.execute(text("SELECT 1"))
    await asyncio.sleep(1)
    async with engine.connect() as c:
        print("asyncpg pre-ping", (await c.execute(text("SELECT 1"))).scalar_one())
    await engine.dispose()
asyncio.run(main())
"""
    assert "pool_pre_ping=True" in fix_code(SLUG, 1)  # the same arguments, for create_async_engine
    result = run_python(code, args=[rst.url(_database(pg_url), "postgresql+asyncpg")])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "asyncpg pre-ping 1"


def test_option2_retries_a_read_once_and_never_a_write(fix_code, pg_url):
    code = (
        fix_code(SLUG, 2)
        + KILL
        + SHOW
        + """
import time
engine = create_engine(os.environ["DATABASE_URL"])  # no pre-ping: the retry alone must cope
with engine.begin() as conn:
    conn.execute(text("CREATE TABLE t (x int)"))
print("read", read_with_one_retry(engine, "SELECT 1 AS one"))
kill_backends(); time.sleep(0.3)
print("read after terminate", read_with_one_retry(engine, "SELECT :n AS n", {"n": 2}))
kill_backends(); time.sleep(0.3)
try:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
except Exception as exc:
    show(exc)
with engine.connect() as conn:
    print("rows", conn.execute(text("SELECT count(*) FROM t")).scalar_one())
"""
    )
    url = pg_url.replace("postgresql://", "postgresql+psycopg://")
    result = _run(code, url, pg_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["[(1,)]", "read [(1,)]", "read after terminate [(2,)]"]
    assert _errors(result) == [
        "sqlalchemy.exc.OperationalError: (psycopg.errors.AdminShutdown) "
        "terminating connection due to administrator command"
    ]
    assert lines[-1] == "rows 0"  # the write failed loudly and was not replayed


def test_option3_sets_the_keepalive_timers_on_the_socket(fix_code, pg_url):
    code = (
        fix_code(SLUG, 3)
        + """
import socket
raw = engine.raw_connection()
sock = socket.socket(fileno=raw.driver_connection.pgconn.socket)
try:
    print("SO_KEEPALIVE", sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
    print("TCP_KEEPIDLE", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE))
    print("TCP_KEEPINTVL", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL))
    print("TCP_KEEPCNT", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT))
finally:
    sock.detach()
    raw.close()
"""
    )
    url = pg_url.replace("postgresql://", "postgresql+psycopg://")
    result = _run(code, url, pg_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ok 1",
        "SO_KEEPALIVE 1",
        "TCP_KEEPIDLE 60",
        "TCP_KEEPINTVL 10",
        "TCP_KEEPCNT 5",
    ]


def test_option4_pools_hand_out_live_connections_after_terminate(fix_code, pg_url):
    # check= and ConnectionPool.check_connection are new in psycopg_pool 3.2 (3.1.9 has neither: AttributeError)
    assert "psycopg_pool 3.2+" in fix_code(SLUG, 4)
    demo = _run(fix_code(SLUG, 4), pg_url, pg_url)
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.splitlines() == ["psycopg_pool 1", "asyncpg pool 1"]

    driver = (
        KILL
        + """
import asyncio, time
fix = {"__name__": "fix_option4"}  # the entry's module body: its pool and functions, not its demo
exec(compile(os.environ["FIX"], "option4.py", "exec"), fix)
print("first", fix["read_one"]())
kill_backends(); time.sleep(0.3)
print("psycopg_pool after terminate", fix["read_one"]())
async def asyncpg_after_terminate():
    async with fix["asyncpg"].create_pool(
        fix["URL"], min_size=1, max_size=2, max_inactive_connection_lifetime=240
    ) as apool:
        await apool.fetchval("SELECT 1")
        kill_backends(); await asyncio.sleep(0.3)
        return await apool.fetchval("SELECT 2")
print("asyncpg pool after terminate", asyncio.run(asyncpg_after_terminate()))
fix["pool"].close()
"""
    )
    result = run_python(driver, env={"DATABASE_URL": pg_url, "ADMIN_URL": pg_url, "FIX": fix_code(SLUG, 4)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "first 1",
        "psycopg_pool after terminate 1",
        "asyncpg pool after terminate 2",
    ]
