"""postgres-auth-failed: password, missing-role, no-password and peer failures on a real PostgreSQL server.

The session's PostgreSQL server (tests/conftest.py `pg_server`, which trusts everyone) gets two extra
pg_hba.conf lines for this test's own role names only (scram-sha-256 over TCP, peer on the Unix socket),
reloaded, and removed again afterwards. Reproduced with psycopg 3 and psql (same libpq as psycopg2):
wrong password, non-existent role (same client message, server log DETAIL differs), role without a
password, no password sent (`fe_sendauth`), peer authentication on the socket, a raw `@ : / % #` password
in the URL. Option 1's code (read from the Markdown) builds a URL that connects, and the Limits' PGPASSWORD
claim is checked. Not run here: Option 2 (Docker), Option 3's `sudo -u postgres` (no sudo; the peer/TCP
difference it relies on is tested), asyncpg, JDBC and Node messages (those clients are not installed).
"""

from __future__ import annotations

import subprocess
import time
import uuid
from urllib.parse import quote

import psycopg
import pytest
from pyrun import run_python as run

SLUG = "postgres-auth-failed"
PASSWORD = "p@ss:w/rd%#1"


@pytest.fixture
def auth_server(pg_server):
    """The session's server, demanding a password (TCP) or peer identity (socket) for this test's roles."""
    tag = uuid.uuid4().hex[:8]
    roles = {name: f"{name}_{tag}" for name in ("pw", "nopw", "ghost", "peer")}
    hba = pg_server.data / "pg_hba.conf"
    original = hba.read_text()
    extra = (
        f"host all {roles['pw']},{roles['nopw']},{roles['ghost']} 127.0.0.1/32 scram-sha-256\n"
        f"local all {roles['peer']} peer\n"
    )
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {roles['pw']} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f"CREATE ROLE {roles['nopw']} LOGIN")
        conn.execute(f"CREATE ROLE {roles['peer']} LOGIN")
        hba.write_text(extra + original)
        conn.execute("SELECT pg_reload_conf()")
    base = f"127.0.0.1:{pg_server.port}/postgres"
    deadline = time.monotonic() + 10
    while True:  # the reload is asynchronous: wait until the new rule answers
        try:
            psycopg.connect(f"postgresql://{roles['pw']}:wrong@{base}").close()
        except psycopg.OperationalError as exc:
            if "password authentication failed" in str(exc):
                break
        if time.monotonic() > deadline:
            raise RuntimeError("pg_hba.conf reload did not take effect")
        time.sleep(0.05)
    yield pg_server, roles, base
    hba.write_text(original)
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
        for name in ("pw", "nopw", "peer"):
            conn.execute(f"DROP ROLE IF EXISTS {roles[name]}")


def fails(conninfo: str = "", **kwargs) -> str:
    with pytest.raises(psycopg.OperationalError) as info:
        psycopg.connect(conninfo, **kwargs).close()
    return str(info.value)


def test_wrong_password_and_missing_role_give_the_same_client_message(auth_server):
    server, roles, base = auth_server
    prefix = f'connection failed: connection to server at "127.0.0.1", port {server.port} failed: '
    for role in (roles["pw"], roles["ghost"], roles["nopw"]):
        message = fails(f"postgresql://{role}:wrong@{base}")
        assert message == prefix + f'FATAL:  password authentication failed for user "{role}"'
    log = server.log_text()
    assert f'DETAIL:  Role "{roles["ghost"]}" does not exist.' in log
    assert f'DETAIL:  User "{roles["nopw"]}" has no password assigned.' in log
    matched = (
        "Connection matched pg_hba.conf line"
        if int(server.bin.parent.name) <= 15
        else "Connection matched file"
    )
    assert matched in log


def test_psql_wording(auth_server):
    server, roles, base = auth_server
    result = subprocess.run(
        [str(server.bin / "psql"), "-w", f"postgresql://{roles['pw']}:wrong@{base}", "-c", "SELECT 1"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f'psql: error: connection to server at "127.0.0.1", port {server.port} failed: '
        f'FATAL:  password authentication failed for user "{roles["pw"]}"'
    )


def test_no_password_and_peer_variants(auth_server, monkeypatch):
    server, roles, base = auth_server
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/pgpass")
    assert fails(f"postgresql://{roles['pw']}@{base}").endswith("failed: fe_sendauth: no password supplied")
    peer = fails(host=str(server.root), port=server.port, user=roles["peer"], dbname="postgres")
    assert peer.startswith('connection failed: connection to server on socket "')
    assert peer.endswith(f'failed: FATAL:  Peer authentication failed for user "{roles["peer"]}"')
    # Option 3's point: over TCP (host=127.0.0.1) the same kind of role gets password auth, not peer.
    assert "password authentication failed" in fails(f"postgresql://{roles['pw']}:wrong@{base}")


def test_raw_special_characters_break_the_url(auth_server):
    _, roles, base = auth_server
    with pytest.raises(psycopg.ProgrammingError, match="invalid percent-encoded token"):
        psycopg.connect(f"postgresql://{roles['pw']}:{PASSWORD}@{base}")


def test_option1_demo_prints_masked_url(fix_code):
    result = run(fix_code(SLUG))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "connecting as 'app' to 127.0.0.1:5433/appdb with a 12-char password",
        "postgresql+psycopg://app:***@127.0.0.1:5433/appdb",
    ]


def test_option1_url_connects_and_missing_values_fail_early(auth_server, fix_code, monkeypatch, capsys):
    server, roles, _ = auth_server
    namespace: dict = {"__name__": "synapse_fix"}
    exec(compile(fix_code(SLUG), "<fix>", "exec"), namespace)
    monkeypatch.setenv("DB_USER", roles["pw"])
    monkeypatch.setenv("DB_PASSWORD", PASSWORD)
    monkeypatch.setenv("DB_NAME", "postgres")
    monkeypatch.setenv("DB_HOST", "127.0.0.1")
    monkeypatch.setenv("DB_PORT", str(server.port))
    url = namespace["database_url"]()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == roles["pw"]
    assert "with a 12-char password" in capsys.readouterr().out

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import URL

    engine = create_engine(namespace["database_url"]("postgresql+psycopg"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar_one() == roles["pw"]
    engine.dispose()
    parts = URL.create(
        "postgresql+psycopg", username=roles["pw"], password=PASSWORD, host="127.0.0.1",
        port=server.port, database="postgres",
    )  # fmt: skip
    engine = create_engine(parts)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()

    monkeypatch.setenv("DB_PASSWORD", "")
    with pytest.raises(SystemExit, match="unset or empty: DB_PASSWORD"):
        namespace["database_url"]()
    monkeypatch.setenv("DB_PASSWORD", PASSWORD + "\r")
    namespace["database_url"]()
    assert "warning: password has surrounding spaces, quotes or CR/LF" in capsys.readouterr().out


def test_limits_pgpassword_fills_only_an_omitted_password(auth_server, monkeypatch):
    _, roles, base = auth_server
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    assert "password authentication failed" in fails(f"postgresql://{roles['pw']}:wrong@{base}")
    psycopg.connect(f"postgresql://{roles['pw']}@{base}").close()
    monkeypatch.setenv("PGPASSWORD", "stale")
    psycopg.connect(f"postgresql://{roles['pw']}:{quote(PASSWORD, safe='')}@{base}").close()
