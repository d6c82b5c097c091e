"""Shared fixtures: real SQLite files, a real PostgreSQL server, a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from live_server import LiveServer
from pg_server import PgServer

from app.store.engine import open_store
from app.store.sqlite_store import Store

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"


THREE_ENTRIES = ("sqlite-database-locked", "json-not-serializable", "broken-pipe")


@pytest.fixture
def three_entries(tmp_path) -> Path:
    """A solutions folder holding copies of three real, valid entries."""
    folder = tmp_path / "solutions"
    folder.mkdir()
    for slug in THREE_ENTRIES:
        shutil.copy(SOLUTIONS / f"{slug}.md", folder / f"{slug}.md")
    return folder


@pytest.fixture
def fresh_store(tmp_path):
    """A store on its own new database file."""
    store = Store(tmp_path / "synapse.db")
    yield store
    store.close()


# -- PostgreSQL: one real server per test session (per xdist worker), a new database per test --

ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of this session's own (tests/pg_server.py); never skipped."""
    server = PgServer().init().start()
    yield server
    server.destroy()


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a new, empty database on the session's PostgreSQL server."""
    return pg_server.create_database()


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    """Run the test once on each storage engine."""
    return request.param


@pytest.fixture
def database_url(engine, request) -> str:
    """'' for SQLite; a new PostgreSQL database's URL for PostgreSQL (the server starts only then)."""
    return request.getfixturevalue("pg_url") if engine == "postgresql" else ""


@pytest.fixture
def engine_store(database_url, tmp_path):
    """A store on a new database of the test's engine."""
    store = open_store(tmp_path / "synapse.db", database_url)
    yield store
    store.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One real server for read-mostly tests, on a temporary database indexed from solutions/."""
    server = LiveServer(tmp_path_factory.mktemp("live") / "synapse.db").start()
    yield server.url
    server.stop()


@pytest.fixture
def own_server(tmp_path):
    """A server of the test's own, for tests that write or restart it."""
    servers: list[LiveServer] = []

    def make(**kwargs) -> LiveServer:
        server = LiveServer(tmp_path / "synapse.db", **kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop(9)
