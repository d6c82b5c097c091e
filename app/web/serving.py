"""How `synapse serve` runs uvicorn: one function, so the benchmark's baseline app runs the same way."""

from __future__ import annotations

import copy
import logging
import socket
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol


class PathOnlyAccessLog(logging.Filter):
    """Logs each request's path without its query string.

    `GET /search?q=...` carries a user's error text (up to 64 KiB: tokens, host and user names,
    file paths); uvicorn's access line would write all of it to every log. The line keeps
    client, method, path, HTTP version and status.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn's access record: (client_addr, method, path_with_query, http_version, status_code)
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up, with `PathOnlyAccessLog` on its access logger (every worker
    process applies this dictionary itself)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["path_only"] = {"()": f"{__name__}.PathOnlyAccessLog"}
    config["loggers"]["uvicorn.access"]["filters"] = ["path_only"]
    return config


class NoDelayH11Protocol(H11Protocol):
    """h11, with TCP_NODELAY on every connection, whatever the number of workers.

    asyncio turns TCP_NODELAY on only for sockets that say they are TCP; with `--workers` > 1
    uvicorn shares a listening socket created without naming the protocol, so the accepted
    connections keep Nagle's algorithm. A response is two writes (head, then body): the body
    then waits for the client's delayed ACK, about 40 ms per request (measured: bench/http_load.py).
    """

    def connection_made(self, transport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def serve(factory: str, host: str, port: int, workers: int, log_level: str) -> None:
    """Run the app factory at `factory` ("module:function") under uvicorn until stopped."""
    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=log_config(),
        http=NoDelayH11Protocol,
        # GET /search accepts a 64 KiB query; percent-encoded that is a request head of up to ~600 KB.
        h11_max_incomplete_event_size=1024 * 1024,
    )
