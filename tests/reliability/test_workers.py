"""Several worker processes share the load of a burst of keep-alive connections.

On one shared listening socket the worker that wakes first accepts every pending connection,
so 16 connections opened together could all land on one of two workers, which then serves at
the speed of one. Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel
spreads new connections over them.
"""

from __future__ import annotations

import socket
import time

from hostile import LISTEN, child_pids, connections_by_process


def test_each_worker_listens_on_its_own_socket_and_a_burst_of_connections_reaches_both(own_server):
    server = own_server(workers=2).start()
    listening = worker_listeners(server)
    workers = [pid for pid, count in listening.items() if count]  # (not multiprocessing's tracker)
    assert len(workers) == 2 and all(listening[pid] == 1 for pid in workers)
    assert connections_by_process([server.proc.pid], server.port, LISTEN) == {server.proc.pid: 0}

    # 16 connections opened at once, as a load generator or a proxy's keep-alive pool opens them
    burst = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(16)]
    try:
        for conn in burst:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for conn in burst:
            assert conn.recv(64).startswith(b"HTTP/1.1 200")
        held = connections_by_process(workers, server.port)
        assert sum(held.values()) == 16
        # all 16 on one worker: 2 chances in 65,536 with the kernel's spread, routine on a shared socket
        assert all(count > 0 for count in held.values()), held
    finally:
        for conn in burst:
            conn.close()


def worker_listeners(server, timeout: float = 30) -> dict[int, int]:
    """Listening sockets per child process, once two children listen (/healthz answers as soon as
    the first worker is up; the second may still be starting)."""
    deadline = time.monotonic() + timeout
    while True:
        listening = connections_by_process(child_pids(server.proc.pid), server.port, LISTEN)
        if sum(1 for count in listening.values() if count) >= 2 or time.monotonic() > deadline:
            return listening
        time.sleep(0.1)
