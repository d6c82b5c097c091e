"""A real PostgreSQL server for the tests: Debian's binaries, a temporary folder, a free port.

`initdb` refuses to run as root, so as root the server's programs run as the unprivileged
`postgres` user (`runuser`), in a folder that user owns. The server listens on 127.0.0.1
only, with its Unix socket in the same folder; fsync is off (the tests kill processes, not
the machine). Nothing here skips: if no PostgreSQL can start, the tests that need it fail
with the server's own log.

For failover tests: `standby()` makes a streaming-replication standby of a running server
(`pg_basebackup -R`: its own folder and port), `replicate_synchronously()` makes the primary
acknowledge a commit only once the standby has it, `promote()` turns the standby into the
primary, and `multi_host_url()` is the libpq URL that reaches whichever of them is writable.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

USER = "postgres"


def bin_dir() -> Path:
    """The newest Debian PostgreSQL's bin folder (`make test` installs the package when missing)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed: `apt-get install postgresql` (make test does it), "
            "then run the tests again"
        )
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One PostgreSQL cluster in a temporary folder; `url(db)` for a database on it."""

    def __init__(self) -> None:
        self.bin = bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="synapse-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            entry = pwd.getpwnam(USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", USER, "--"] if self.as_root else []
        return subprocess.run(
            [*prefix, *cmd], cwd=self.root, capture_output=True, text=True, check=check, timeout=120
        )

    def init(self) -> PgServer:
        try:
            self._run(
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"initdb failed:\n{exc.stdout}\n{exc.stderr}") from None
        return self

    def start(self) -> PgServer:
        options = " ".join(
            [
                f"-p {self.port}",
                "-h 127.0.0.1",
                f"-k {self.root}",
                "-c fsync=off",
                "-c full_page_writes=off",
                "-c max_connections=300",
                "-c shared_buffers=64MB",
            ]
        )
        result = self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", options, "start", check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL did not start:\n{result.stdout}\n{result.stderr}\n{self.log_text()}"
            )
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    # -- replication: a standby, synchronous commits, promotion ---------------------------------

    def standby(self) -> PgServer:
        """A new server (not started) holding a base backup of this running one, set up by
        `pg_basebackup -R` to stream its WAL (standby.signal, primary_conninfo)."""
        replica = PgServer()
        try:
            replica._run(
                str(self.bin / "pg_basebackup"), "-D", str(replica.data), "-R", "-X", "stream",
                "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "--no-sync",
                "--checkpoint=fast",  # the default (spread) waits most of checkpoint_timeout
            )  # fmt: skip
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(replica.root, ignore_errors=True)
            raise RuntimeError(f"pg_basebackup failed:\n{exc.stdout}\n{exc.stderr}") from None
        return replica

    def replicate_synchronously(self, timeout: float = 60) -> None:
        """Make COMMIT wait until a standby has flushed the transaction (synchronous_standby_names,
        set on this primary only, after the base backup: a promoted standby must not wait for
        a standby of its own), then wait until a standby streams as `sync`."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
            conn.execute("SELECT pg_reload_conf()")
            deadline = time.monotonic() + timeout
            while not conn.execute(
                "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'sync'"
            ).fetchone():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no synchronous standby after {timeout} s:\n{self.log_text()}")
                time.sleep(0.1)

    def promote(self) -> None:
        """This standby becomes a primary (`pg_ctl promote`, waiting until it accepts writes)."""
        result = self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "promote", check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"promotion failed:\n{result.stdout}\n{result.stderr}\n{self.log_text()}")

    def create_database(self, name: str | None = None) -> str:
        """A new, empty database; its URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def multi_host_url(servers: list[PgServer], database: str = "postgres") -> str:
    """One libpq URL for several servers; `target_session_attrs=read-write` makes every new
    connection skip the ones that are down or read-only (a standby) and land on the primary."""
    hosts = ",".join(f"127.0.0.1:{server.port}" for server in servers)
    return f"postgresql://{USER}@{hosts}/{database}?target_session_attrs=read-write"
