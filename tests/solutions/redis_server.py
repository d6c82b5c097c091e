"""A real redis-server on 127.0.0.1 for the Redis entries' tests (Debian's package; `make test` installs it)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

from fake_http import free_port


def start_redis(folder, *extra: str, port: int | None = None) -> tuple[subprocess.Popen, int]:
    """Start redis-server (no persistence, files in `folder`) and wait until it accepts connections;
    returns (process, port). A missing binary fails loudly: these tests never skip."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(
            "redis-server is not installed: `apt-get install redis-server` (make test does it)"
        )
    port = port or free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"redis-server did not start on port {port}") from None
            time.sleep(0.02)
