"""Hostile clients and hostile servers: schemathesis against the app's own schema, raw
sockets for bodies no HTTP library would send, bad servers for the skill, and a look at
which worker process holds which connection.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# -- hostile input: schemathesis against the live server -----------------------------------------


@dataclass
class FuzzReport:
    cases: Counter = field(default_factory=Counter)  # operation label -> cases sent
    failures: list[str] = field(default_factory=list)  # 5xx, tracebacks, broken connections
    refused_at_http_layer: int = 0  # negative cases whose request head exceeds the HTTP server's limit
    unsendable: int = 0  # cases the HTTP client itself refused to send (invalid header bytes)
    not_generatable: list[str] = field(default_factory=list)  # (operation, mode) with no invalid input
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.cases.values())


# h11 (uvicorn's HTTP parser) buffers at most this much of an incomplete request head and
# drops the connection beyond it; only deliberately invalid (negative) cases may go past it.
HTTP_HEAD_LIMIT = 16 * 1024


def run_schemathesis(base_url: str, max_examples: int, seed: int = 0) -> FuzzReport:
    """Every operation of the app's own OpenAPI schema, schema-valid and schema-invalid input,
    property-based; `not_a_server_error` on every response, no traceback in any body."""
    import requests
    import schemathesis
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    report = FuzzReport()
    started = time.monotonic()
    schema = schemathesis.openapi.from_url(base_url + "/openapi.json")
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            probe = _probe(operation, mode, base_url, session, report, max_examples, seed)
            try:
                probe()
            except Unsatisfiable:  # e.g. a path parameter that accepts any string has no invalid value
                report.not_generatable.append(f"{operation.label} [{mode.value}]")
    report.seconds = time.monotonic() - started
    return report


def _probe(operation, mode, base_url: str, session, report: FuzzReport, max_examples: int, seed: int):
    """A hypothesis test that sends `operation`'s generated cases and records what went wrong."""
    import requests
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error

    label = operation.label

    @hypothesis_seed(seed)
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def probe(case) -> None:
        report.cases[label] += 1
        try:
            response = case.call_and_validate(
                base_url=base_url, session=session, checks=[not_a_server_error], timeout=30
            )
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, UnicodeError):
            report.unsendable += 1
            return
        except requests.exceptions.RequestException as exc:  # refused, reset or cut off mid-response
            head = len(case.as_curl_command()) if mode is GenerationMode.NEGATIVE else 0
            if head > HTTP_HEAD_LIMIT:
                report.refused_at_http_layer += 1
            else:
                report.failures.append(f"{label} [{mode.value}] connection broken: {str(exc)[:300]}")
            return
        except AssertionError as exc:  # schemathesis' failure group: a 5xx
            report.failures.append(f"{label} [{mode.value}] {str(exc)[:600]}")
            return
        if "Traceback (most recent call last):\n" in response.text:
            report.failures.append(f"{label} [{mode.value}] traceback in the body")

    return probe


# -- the skill against a bad server -------------------------------------------------------------


@contextmanager
def bad_server(behaviour: Callable[[object], None]):
    """A TCP server on 127.0.0.1 that reads a request and then does `behaviour(connection)`."""
    import socket

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    held = []

    def serve(conn) -> None:
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            behaviour(conn)
        except OSError:
            pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()


# -- abuse ------------------------------------------------------------------------------------------


def child_pids(pid: int) -> list[int]:
    """Direct children of `pid` (uvicorn's worker processes under `synapse serve`)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


ESTABLISHED, LISTEN = "01", "0A"  # TCP states as /proc/net/tcp writes them


def connections_by_process(pids: list[int], port: int, state: str = ESTABLISHED) -> dict[int, int]:
    """How many TCP sockets on local `port` in `state` (established connections, or listening
    sockets) each process holds open."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            if int(parts[1].rsplit(":", 1)[1], 16) == port and parts[3] == state:
                inodes.add(parts[9])
    held = {}
    for pid in pids:
        count = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                count += 1
        held[pid] = count
    return held


def raw_post(
    port: int, path: str, head: dict[str, str], body_chunks, timeout: float = 10
) -> tuple[bytes, int, float]:
    """POST with hand-made framing; send `body_chunks` until the server answers.
    Returns (the response as far as it came within a moment, body bytes sent before the
    answer began, seconds until it began)."""
    import socket

    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in head.items()), "", ""]
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    started = time.monotonic()
    sent, answer = 0, b""
    try:
        sock.sendall("\r\n".join(lines).encode())
        sock.setblocking(False)
        for chunk in body_chunks:
            view = memoryview(chunk)
            while view and not answer:
                try:
                    n = sock.send(view)
                    view, sent = view[n:], sent + n
                except BlockingIOError:
                    time.sleep(0.001)
                except OSError:  # the server closed: its answer is (or was) in the receive buffer
                    break
                answer = _peek(sock)
            if answer or view:
                break
        deadline = time.monotonic() + timeout
        while not answer and time.monotonic() < deadline:
            answer = _peek(sock)
            time.sleep(0.001)
        seconds = time.monotonic() - started
        rest_until = time.monotonic() + 0.5  # the body may follow the head in another segment
        while time.monotonic() < rest_until and not answer.endswith(b"<reset>"):
            more = _peek(sock)
            if more == b"<reset>" or (more == b"" and _closed(sock)):
                break
            answer += more
            time.sleep(0.005)
    finally:
        sock.close()
    return answer, sent, seconds


def _closed(sock) -> bool:
    """True once the peer has closed (a read would return end-of-file)."""
    import socket

    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def _peek(sock) -> bytes:
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return b""
    except OSError:
        return b"<reset>"
