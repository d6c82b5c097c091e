"""Shared fixtures: real SQLite files, a real PostgreSQL server, a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class LiveServer:
    """`synapse serve` in a subprocess; stop() and start() again to simulate restarts.

    With `database_url` the server runs on PostgreSQL (SYNAPSE_DATABASE_URL), else on the file `db`."""

    def __init__(
        self,
        db: Path,
        solutions: Path = SOLUTIONS,
        workers: int = 1,
        env: dict | None = None,
        database_url: str = "",
    ):
        self.db, self.solutions, self.workers = db, solutions, workers
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log = db.with_suffix(".log")

    def start(self, timeout: float = 120) -> LiveServer:
        env = {
            **os.environ,
            "SYNAPSE_DB": str(self.db),
            "SYNAPSE_SOLUTIONS": str(self.solutions),
            **({"SYNAPSE_DATABASE_URL": self.database_url} if self.database_url else {}),
            **self.extra_env,
        }
        cmd = [
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        with open(self.log, "ab") as log:  # the server writes to its own copy of the descriptor
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not come up:\n{self.log.read_text()}")

    def stop(self, sig: int = 15) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def open_store(self) -> Store:
        """A store on the server's own database, as `synapse review` would open it."""
        return open_store(self.db, self.database_url)


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
