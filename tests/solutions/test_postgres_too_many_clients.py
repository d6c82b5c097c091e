"""postgres-too-many-clients: real connection exhaustion on real PostgreSQL servers, and the entry's fixes.

`max_connections` cannot be lowered on the session's server (tests/conftest.py `pg_server`, 300 slots, shared
by other tests), so the slot errors use a second, tiny server made by the same tests/pg_server.py class
(max_connections=6, superuser_reserved_connections=2, set in postgresql.conf so ALTER SYSTEM can override it).
Reproduced: `remaining connection slots are reserved for ...`, `sorry, too many clients already` (psycopg 3
and SQLAlchemy), the per-database and per-role limits (on the session's server), and SQLAlchemy's own
`QueuePool limit ... reached`. Run from the Markdown: Option 1 (one engine, sized pool, sessions returned,
on the session's server), Option 2's SQL (through psql; its emergency query once more with the 10-minute
threshold set to 0 to show it frees the slots), Option 3's NullPool engine (created only: no PgBouncer here;
pgbouncer.ini is not run) and Option 4's `ALTER SYSTEM` line (takes effect only after the restart).
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import psycopg
import pytest
from entry_blocks import option_blocks
from pg_server import PgServer

SLUG = "postgres-too-many-clients"


class TinyServer(PgServer):
    """A PostgreSQL server with 6 connection slots, 2 of them reserved for superusers."""

    def start(self) -> TinyServer:
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("max_connections = 6\nsuperuser_reserved_connections = 2\nfsync = off\n")
        result = self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", f"-p {self.port} -h 127.0.0.1 -k {self.root}", "start", check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start:\n{result.stderr}\n{self.log_text()}")
        return self


def tiny_server() -> TinyServer:
    server = TinyServer().init().start()
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("CREATE ROLE app LOGIN")
        conn.execute("CREATE DATABASE app OWNER app")
    return server


@pytest.fixture(scope="module")
def tiny():
    """Shared by the tests that leave max_connections alone (each closes what it opens)."""
    server = tiny_server()
    yield server
    server.destroy()


@pytest.fixture
def own_tiny():
    server = tiny_server()
    yield server
    server.destroy()


def app_url(server: PgServer, name: str = "leaky") -> str:
    return f"postgresql://app@127.0.0.1:{server.port}/app?application_name={name}"


def psql(server: PgServer, *args: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ, PGHOST="127.0.0.1", PGPORT=str(server.port), PGUSER="postgres", PGDATABASE="postgres"
    )
    return subprocess.run(
        [str(server.bin / "psql"), "-X", "-v", "ON_ERROR_STOP=1", *args],
        capture_output=True, text=True, timeout=30, env=env,
    )  # fmt: skip


def until_every_slot_is_free(server: PgServer) -> None:
    """A closed or terminated client's backend leaves its slot a moment later, not at once: wait for
    it (at most ~10 s), so a test that fills the slots does not count its predecessor's."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
    for _ in range(200):
        result = psql(server, "-At", "-c", query)  # fails too while every slot is still taken
        if result.returncode == 0 and result.stdout.strip() == "0":
            return
        time.sleep(0.05)
    raise AssertionError(f"client backends still hold slots: {result.stdout or result.stderr}")


def reserved_wording(server: PgServer) -> str:
    if int(server.bin.parent.name) >= 16:
        return "remaining connection slots are reserved for roles with the SUPERUSER attribute"
    return "remaining connection slots are reserved for non-replication superuser connections"


def test_full_server_rejects_new_clients(tiny):
    until_every_slot_is_free(tiny)
    held = [psycopg.connect(app_url(tiny)) for _ in range(4)]  # 6 - 2 reserved
    prefix = f'connection failed: connection to server at "127.0.0.1", port {tiny.port} failed: FATAL:  '
    with pytest.raises(psycopg.OperationalError) as info:
        psycopg.connect(app_url(tiny))
    assert str(info.value) == prefix + reserved_wording(tiny)
    held += [psycopg.connect(tiny.url()) for _ in range(2)]  # superusers take the reserved slots
    with pytest.raises(psycopg.OperationalError) as info:
        psycopg.connect(tiny.url())
    assert str(info.value) == prefix + "sorry, too many clients already"

    import sqlalchemy

    engine = sqlalchemy.create_engine(tiny.url().replace("postgresql://", "postgresql+psycopg://"))
    with pytest.raises(sqlalchemy.exc.OperationalError) as info:
        engine.connect()
    assert "(psycopg.OperationalError) connection failed: " in str(info.value)
    assert "FATAL:  sorry, too many clients already" in str(info.value)
    engine.dispose()
    for conn in held:
        conn.close()


def test_option2_sql_shows_and_frees_the_held_slots(tiny, fix_code):
    until_every_slot_is_free(tiny)
    held = [psycopg.connect(app_url(tiny)) for _ in range(4)]
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(app_url(tiny, "web"))
    sql = fix_code(SLUG, 2)
    result = psql(tiny, "-A", "-F", "|", "-c", sql)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "6" in lines  # SHOW max_connections
    assert any(line.startswith("leaky|app|127.0.0.1|idle|4|") for line in lines), result.stdout
    assert "(0 rows)" in result.stdout  # nothing has been idle for 10 minutes yet
    settings = psql(tiny, "-At", "-c", "SELECT unnest(setconfig) FROM pg_db_role_setting")
    assert settings.stdout.split() == [
        "idle_in_transaction_session_timeout=60s",
        "idle_session_timeout=15min",
    ]

    emergency = sql.replace("interval '10 minutes'", "interval '0 seconds'")
    assert emergency != sql
    assert psql(tiny, "-c", emergency).returncode == 0
    until_every_slot_is_free(tiny)  # the terminated sessions' backends are gone
    with psycopg.connect(app_url(tiny, "web")) as conn:  # the idle sessions were terminated: a slot is free
        assert conn.execute("SELECT 1").fetchone() == (1,)
    for conn in held:
        conn.close()


def test_option4_alter_system_needs_a_restart(own_tiny, fix_code):
    tiny = own_tiny
    line = next(line for line in fix_code(SLUG, 4).splitlines() if line.startswith("psql "))
    command = line.split("#")[0].strip()
    env = dict(
        os.environ, PGHOST="127.0.0.1", PGPORT=str(tiny.port), PGUSER="postgres", PGDATABASE="postgres"
    )
    env["PATH"] = f"{tiny.bin}{os.pathsep}{env['PATH']}"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert psql(tiny, "-At", "-c", "SHOW max_connections").stdout.strip() == "6"
    tiny.restart()
    assert psql(tiny, "-At", "-c", "SHOW max_connections").stdout.strip() == "200"


def test_database_and_role_connection_limits(pg_server, pg_url):
    """Superusers are exempt from both limits, so two ordinary roles are used."""
    tag = uuid.uuid4().hex[:8]
    first, second = f"limited_{tag}", f"other_{tag}"
    database = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_server.url(), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {first} LOGIN CONNECTION LIMIT 1")
        admin.execute(f"CREATE ROLE {second} LOGIN")
        admin.execute(f'ALTER DATABASE "{database}" CONNECTION LIMIT 1')
    base = f"127.0.0.1:{pg_server.port}"
    try:
        with psycopg.connect(f"postgresql://{first}@{base}/{database}"):
            with pytest.raises(
                psycopg.OperationalError, match=f'FATAL:  too many connections for database "{database}"'
            ):
                psycopg.connect(f"postgresql://{second}@{base}/{database}")
            with pytest.raises(
                psycopg.OperationalError, match=f'FATAL:  too many connections for role "{first}"'
            ):
                psycopg.connect(f"postgresql://{first}@{base}/postgres")
    finally:
        with psycopg.connect(pg_server.url(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{database}" CONNECTION LIMIT -1')
            admin.execute(f"DROP ROLE {first}")
            admin.execute(f"DROP ROLE {second}")


def test_queuepool_limit_wording_and_defaults(pg_url):
    import sqlalchemy

    url = pg_url.replace("postgresql://", "postgresql+psycopg://")
    default = sqlalchemy.create_engine(url)
    assert (default.pool.size(), default.pool._max_overflow, default.pool._timeout) == (5, 10, 30)
    tight = sqlalchemy.create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    held = tight.connect()
    with pytest.raises(sqlalchemy.exc.TimeoutError) as info:
        tight.connect()
    assert str(info.value).startswith(
        "QueuePool limit of size 1 overflow 0 reached, connection timed out, timeout 0.10"
    )
    held.close()
    tight.dispose()


def test_option1_one_pool_sized_and_always_returned(pg_url, fix_code, monkeypatch):
    from sqlalchemy import text

    monkeypatch.setenv("DATABASE_URL", pg_url.replace("postgresql://", "postgresql+psycopg://"))
    namespace: dict = {"__name__": "synapse_fix"}
    exec(compile(fix_code(SLUG, 1), "<fix>", "exec"), namespace)
    engine = namespace["engine"]
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._timeout) == (6, 4, 30)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE users (id int)"))
        conn.execute(text("INSERT INTO users VALUES (1), (2)"))
    for _ in range(20):
        assert namespace["count_users"]() == 2
    assert engine.pool.checkedout() == 0
    database = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres") as admin:
        opened = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchone()[0]
    assert opened == 1  # twenty calls, one pooled server connection

    dependency = namespace["get_db"]()
    session = next(dependency)
    session.execute(text("SELECT 1"))
    assert engine.pool.checkedout() == 1
    with pytest.raises(ZeroDivisionError):
        dependency.throw(
            ZeroDivisionError
        )  # an error in the endpoint: the `with` still returns the connection
    assert engine.pool.checkedout() == 0
    namespace["session_for_worker"]().close()
    engine.dispose(close=False)  # the call the comment recommends after fork exists with that signature
    engine.dispose()


def test_option3_engine_uses_nullpool():
    from sqlalchemy.pool import NullPool

    namespace: dict = {"__name__": "synapse_fix"}
    code = next(code for language, code in option_blocks(SLUG, 3) if language == "python")
    exec(compile(code, "<fix>", "exec"), namespace)
    engine = namespace["engine"]
    assert isinstance(engine.pool, NullPool)
    assert engine.url.port == 6432
