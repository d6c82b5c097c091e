"""How `synapse serve` runs uvicorn: one function, so the benchmark's baseline app runs the same way."""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol


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
        http=NoDelayH11Protocol,
        # GET /search accepts a 64 KiB query; percent-encoded that is a request head of up to ~600 KB.
        h11_max_incomplete_event_size=1024 * 1024,
    )
