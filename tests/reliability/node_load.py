"""Client threads that spread writes and reads over several server nodes, for the scale-out fault
tests: what was acknowledged (and when, by which node) is kept, so the test can check that the
database holds every acknowledged write after a node or the database went away."""

from __future__ import annotations

import threading
import time
import uuid

import httpx


class NodeLoad:
    """`clients` threads round-robin over `nodes`: votes (on the request numbers in `vote_kinds`
    of every four), a submission now and then, searches otherwise. A 2xx write is acknowledged; a
    503 with Retry-After is the honest answer to an outage; anything else lands in `bad`.
    Transport errors (a node that refuses connections) are listed, for the test to judge."""

    def __init__(self, nodes: list, clients: int, vote_kinds: tuple[int, ...] = (0,)):
        self.nodes = nodes
        self.vote_kinds = vote_kinds
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked_votes: set[str] = set()
        self.acked_submissions: set[str] = set()
        self.write_acks: list[tuple[float, str]] = []  # (monotonic time, node URL) per acknowledged write
        self.statuses: dict[int, int] = {}
        self.bad: list[str] = []
        self.transport_errors: list[str] = []
        self.threads = [threading.Thread(target=self.client, args=(k,)) for k in range(clients)]

    def client(self, k: int) -> None:
        i = 0
        with httpx.Client(timeout=30) as http:
            while not self.stop.is_set():
                i += 1
                node = self.nodes[(k + i) % len(self.nodes)]
                try:
                    self.one(http, node.url, k, i)
                except httpx.TransportError as exc:
                    with self.lock:
                        self.transport_errors.append(repr(exc))
                    time.sleep(0.02)

    def one(self, http: httpx.Client, base: str, k: int, i: int) -> None:
        kind = i % 4
        if kind in self.vote_kinds:
            rid = f"v-{k}-{i}-{uuid.uuid4().hex[:6]}"
            r = http.post(
                f"{base}/api/solutions/broken-pipe/feedback", json={"worked": i % 3 != 0, "request_id": rid}
            )
            self.note(r, base, lambda: self.acked_votes.add(rid))
        elif kind == 1 and i % 8 == 1:
            body = {
                "title": f"Model missing {k} {i}",
                "errors": [f"KeyError: 'model-{k}-{i}-{uuid.uuid4().hex[:6]}'"],
                "symptom": "- raises at once",
                "root_cause": "The model was never pulled into this server's store.",
                "fixes": [{"title": "Pull it", "language": "python", "code": "print('pull')\n"}],
                "tags": ["ollama"],
            }
            r = http.post(f"{base}/api/submissions", json=body)
            self.note(r, base, lambda: self.acked_submissions.add(r.json()["id"]))
        else:
            r = http.get(f"{base}/search", params={"q": "BrokenPipeError: [Errno 32] Broken pipe"})
            self.note(r, base, None)

    def note(self, r: httpx.Response, base: str, on_success) -> None:
        with self.lock:
            self.statuses[r.status_code] = self.statuses.get(r.status_code, 0) + 1
            if 200 <= r.status_code < 300:
                if on_success is not None:
                    on_success()
                    self.write_acks.append((time.monotonic(), base))
            elif r.status_code != 503 or not r.headers.get("retry-after", "").isdigit():
                self.bad.append(f"{r.status_code} {r.request.url.path}: {r.text[:200]}")

    def count(self, status: int) -> int:
        with self.lock:
            return self.statuses.get(status, 0)

    def acked(self) -> int:
        """Writes acknowledged so far (votes and submissions)."""
        with self.lock:
            return len(self.write_acks)

    def __enter__(self) -> NodeLoad:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)
