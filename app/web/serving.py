"""How `synapse serve` runs uvicorn: one function, so the benchmark's baseline app runs the same way."""

from __future__ import annotations

import asyncio
import copy
import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

log = logging.getLogger("uvicorn.error")


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


class ReusePortLoop(asyncio.SelectorEventLoop):
    """asyncio's loop for each of several workers: it listens on a socket of its own, bound to the
    shared address with SO_REUSEPORT, so the kernel spreads new connections across the workers.

    On uvicorn's one shared socket every worker wakes for a new connection and the first one
    accepts all that are pending: a burst of keep-alive connections (a load generator, a proxy's
    pool, agents starting together) lands on one worker while the others idle (measured with
    two workers and 16 connections: all 16 on one worker in some runs, which then served at the
    speed of one). The supervisor's socket, bound but never listened on, only holds the port.
    """

    async def create_server(self, protocol_factory, host=None, port=None, *, sock=None, **kwargs):
        if sock is not None and sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT):
            sock = _reuse_port_socket(sock.family, sock.getsockname())
        return await super().create_server(protocol_factory, host, port, sock=sock, **kwargs)


def _reuse_port_socket(family: int, address) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def _port_holder(host: str, port: int) -> socket.socket:
    """The supervisor's socket: the address bound with SO_REUSEPORT, for the workers' listeners."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = _reuse_port_socket(family, (host, port))
    except OSError as exc:
        log.error(exc)
        sys.exit(STARTUP_FAILURE)
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    log.info("Uvicorn running on http://%s:%d (Press CTRL+C to quit)", shown, sock.getsockname()[1])
    sock.set_inheritable(True)
    return sock


def serve(factory: str, host: str, port: int, workers: int, log_level: str) -> None:
    """Run the app factory at `factory` ("module:function") under uvicorn until stopped."""
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_level": log_level,
        "log_config": log_config(),
        "http": NoDelayH11Protocol,
        # GET /search accepts a 64 KiB query; percent-encoded that is a request head of up to ~600 KB.
        "h11_max_incomplete_event_size": 1024 * 1024,
    }
    if workers <= 1 or not sys.platform.startswith("linux"):  # elsewhere SO_REUSEPORT does not spread
        uvicorn.run(factory, **options)
        return
    config = uvicorn.Config(factory, loop=f"{__name__}:ReusePortLoop", **options)
    Multiprocess(config, sockets=[_port_holder(host, port)]).run()
