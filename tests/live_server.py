"""`synapse serve` in a subprocess on 127.0.0.1, for the tests that need a real server.

A module of its own (not conftest.py): test files import it by name, and `conftest` is a
name several folders' conftest files share.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.store.engine import open_store
from app.store.sqlite_store import Store

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        for _attempt in range(3):
            if self._launch(env, timeout):
                return self
            if "address already in use" not in self.log_text().lower():
                raise RuntimeError(f"server exited early:\n{self.log_text()}")
            self.port = free_port()  # another test bound the port between free_port() and uvicorn
            self.url = f"http://127.0.0.1:{self.port}"
        raise RuntimeError(f"server found no free port:\n{self.log_text()}")

    def _launch(self, env: dict, timeout: float) -> bool:
        """Start the process; True once it has bound its port and answers /healthz, False if it exited.

        A 200 on the port alone proves nothing: another test's server can take the port between
        free_port() and uvicorn's bind and answer the health check, so uvicorn's own line saying it
        runs on this port must appear in this start's part of the log first."""
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
        start_of_log = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as log:  # the server writes to its own copy of the descriptor
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        bound = f"Uvicorn running on {self.url}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if bound in self._log_since(start_of_log):
                try:
                    if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                        return True
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not come up:\n{self.log_text()}")

    def stop(self, sig: int = 15) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def _log_since(self, offset: int) -> str:
        with open(self.log, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def open_store(self) -> Store:
        """A store on the server's own database, as `synapse review` would open it."""
        return open_store(self.db, self.database_url)
