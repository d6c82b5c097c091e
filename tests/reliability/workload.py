"""Load and its bookkeeping, shared by `tests/reliability/` and `bench/soak.py`.

Everything here talks to real things: a `synapse serve` subprocess over HTTP on 127.0.0.1
and the SQLite file it writes. An acknowledged write means a 2xx response was read by the
client; the database is then checked against the set of acknowledged ids, never against
raw counts. The tests run these functions small; the soak benchmark runs them bigger.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EVAL_SET = ROOT / "tests" / "eval" / "dev.jsonl"
GENEROUS_LIMITS = {"SYNAPSE_SUBMISSIONS_PER_HOUR": "1000000", "SYNAPSE_FEEDBACK_PER_HOUR": "1000000"}
MIX = {"search": 0.80, "feedback": 0.15, "submission": 0.05}
LOCKED = "database is locked"


# -- inputs ----------------------------------------------------------------------------------


def corpus_slugs() -> list[str]:
    return sorted(p.stem for p in SOLUTIONS.glob("*.md"))


def search_queries() -> list[str]:
    """Real-looking error texts (the matcher's labelled set), plus a few short ones."""
    queries = [json.loads(line)["q"] for line in EVAL_SET.read_text().splitlines() if line.strip()]
    return [*queries, "sqlite3.OperationalError: database is locked", "KeyError: 'OPENAI_API_KEY'", "x"]


def submission_payload(tag: str) -> dict:
    """A valid submission whose title and error signature no other submission shares."""
    return {
        "title": f"Reliability probe {tag} fails under load",
        "errors": [f"reliability.Probe{tag.replace('-', '')}Error: probe {tag} could not finish"],
        "symptom": f"- the probe `{tag}` stops with an error",
        "root_cause": f"Probe {tag} is synthetic: it exists to be stored and found again.",
        "fixes": [{"title": "Run it again", "language": "python", "code": f"print('probe {tag} ok')\n"}],
        "tags": ["reliability"],
    }


# -- mixed load ------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """What the clients sent and what the server acknowledged."""

    attempted: Counter = field(default_factory=Counter)  # kind -> requests sent
    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> responses
    server_errors: list[str] = field(default_factory=list)  # 5xx responses, with a body excerpt
    lock_errors: list[str] = field(default_factory=list)  # error responses that mention a locked database
    transport_errors: Counter = field(default_factory=Counter)  # exception name -> count
    feedback: dict[str, tuple[str, bool]] = field(default_factory=dict)  # acknowledged request_id -> vote
    submissions: dict[str, str] = field(default_factory=dict)  # acknowledged id -> title
    searches: int = 0  # acknowledged searches
    max_in_flight: int = 0
    seconds: float = 0.0

    @property
    def operations(self) -> int:
        return sum(self.attempted.values())

    @property
    def acknowledged_writes(self) -> int:
        return len(self.feedback) + len(self.submissions)

    def unexpected_statuses(self, allowed: dict[str, set[int]] | None = None) -> dict:
        allowed = allowed or {"search": {200}, "feedback": {200}, "submission": {201}}
        return {key: n for key, n in self.statuses.items() if key[1] not in allowed[key[0]]}

    def merge(self, other: LoadReport) -> None:
        self.attempted.update(other.attempted)
        self.statuses.update(other.statuses)
        self.server_errors += other.server_errors
        self.lock_errors += other.lock_errors
        self.transport_errors.update(other.transport_errors)
        self.feedback.update(other.feedback)
        self.submissions.update(other.submissions)
        self.searches += other.searches
        self.max_in_flight = max(self.max_in_flight, other.max_in_flight)
        self.seconds += other.seconds


class _InFlight:
    def __init__(self):
        self.now = self.peak = 0
        self.lock = threading.Lock()

    @contextmanager
    def request(self):
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            yield
        finally:
            with self.lock:
                self.now -= 1


def run_mixed_load(
    url: str,
    clients: int = 32,
    seconds: float = 10.0,
    max_ops: int | None = None,
    seed: int = 0,
    stop: threading.Event | None = None,
    timeout: float = 30.0,
    acks: list | None = None,
) -> LoadReport:
    """`clients` threads, each with its own keep-alive connection, until `seconds` pass, `max_ops`
    requests are sent, or `stop` is set: 80 % searches, 15 % feedback votes (unique request_id),
    5 % submissions (unique Idempotency-Key). Transport errors (a killed server) are counted and
    the client carries on. Each acknowledged write is also appended to `acks` as it happens."""
    slugs, queries = corpus_slugs(), search_queries()
    stop = stop or threading.Event()
    deadline = time.monotonic() + seconds
    budget = iter(range(max_ops)) if max_ops else None
    budget_lock = threading.Lock()
    in_flight = _InFlight()
    reports = [LoadReport() for _ in range(clients)]
    barrier = threading.Barrier(clients)

    def take_ticket() -> bool:
        if stop.is_set() or time.monotonic() > deadline:
            return False
        if budget is None:
            return True
        with budget_lock:
            return next(budget, None) is not None

    def client(n: int) -> None:
        rng, report = random.Random(seed * 1000 + n), reports[n]
        with httpx.Client(base_url=url, timeout=timeout) as http:
            barrier.wait()
            while take_ticket():
                roll = rng.random()
                kind = (
                    "search"
                    if roll < MIX["search"]
                    else "feedback"
                    if roll < 1 - MIX["submission"]
                    else "submission"
                )
                report.attempted[kind] += 1
                try:
                    with in_flight.request():
                        tag = f"{seed}-{n}-{report.attempted[kind]}"
                        if _one_request(http, kind, rng, slugs, queries, report, tag) and acks is not None:
                            acks.append(kind)
                except httpx.HTTPError as exc:
                    report.transport_errors[type(exc).__name__] += 1
                    time.sleep(0.05)  # the server is down: do not spin

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), name=f"load-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = LoadReport()
    for report in reports:
        total.merge(report)
    total.seconds = time.monotonic() - started
    total.max_in_flight = in_flight.peak
    return total


def _one_request(http: httpx.Client, kind, rng, slugs, queries, report: LoadReport, tag: str) -> bool:
    """Send one request of `kind`, record its outcome; True if it was an acknowledged write."""
    if kind == "search":
        q = rng.choice(queries)
        if rng.random() < 0.5 and len(q) < 2000:
            response = http.get("/search", params={"q": q, "limit": rng.randint(1, 10)})
        else:
            response = http.post("/search", json={"q": q, "limit": rng.randint(1, 10)})
    elif kind == "feedback":
        slug, worked, request_id = rng.choice(slugs), rng.random() < 0.7, uuid.uuid4().hex
        response = http.post(
            f"/api/solutions/{slug}/feedback", json={"worked": worked, "request_id": request_id}
        )
    else:
        payload = submission_payload(tag)
        response = http.post("/api/submissions", json=payload, headers={"Idempotency-Key": uuid.uuid4().hex})
    report.statuses[(kind, response.status_code)] += 1
    if response.status_code >= 500:
        report.server_errors.append(f"{kind} {response.status_code} {response.text[:300]}")
    if response.status_code >= 400 and "locked" in response.text.lower():
        report.lock_errors.append(f"{kind} {response.status_code} {response.text[:300]}")
    if kind == "search" and response.status_code == 200:
        report.searches += 1
    elif kind == "feedback" and response.status_code == 200:
        report.feedback[request_id] = (slug, worked)
        return True
    elif kind == "submission" and response.status_code == 201:
        report.submissions[response.json()["id"]] = payload["title"]
        return True
    return False


# -- the database after the fact ----------------------------------------------------------------


@dataclass
class DbCheck:
    integrity: str
    feedback_stored: int
    submissions_stored: int
    feedback_missing: list[str]  # acknowledged request_ids not in the database
    feedback_wrong: list[str]  # stored, but with another slug or vote than acknowledged
    submissions_missing: list[str]
    half_written: list[str]  # submissions that are not whole
    stats_mismatch: dict[str, tuple]  # slug -> (entry_stats worked/failed, feedback rows worked/failed)

    @property
    def ok(self) -> bool:
        return (
            self.integrity == "ok"
            and not (
                self.feedback_missing or self.feedback_wrong or self.submissions_missing or self.half_written
            )
            and not self.stats_mismatch
        )


def connect(db: Path) -> sqlite3.Connection:
    """A plain connection from outside the server (it recovers the WAL after a crash)."""
    return sqlite3.connect(db, timeout=30)


def check_db(db: Path, feedback: dict[str, tuple[str, bool]], submissions: dict[str, str]) -> DbCheck:
    """Integrity, acknowledged ⊆ stored, whole submissions, counters that agree with their rows."""
    from app.corpus.entries import EntryInvalid, parse_text

    with connect(db) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        stored_feedback = {
            r[0]: (r[1], bool(r[2])) for r in conn.execute("SELECT request_id, slug, worked FROM feedback")
        }
        rows = conn.execute(
            "SELECT id, status, slug, title, payload, markdown, created_at FROM submissions"
        ).fetchall()
        stats = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT slug, worked, failed FROM entry_stats")}
        votes = Counter()
        for slug, worked, n in conn.execute(
            "SELECT slug, worked, count(*) FROM feedback GROUP BY slug, worked"
        ):
            votes[(slug, bool(worked))] = n
    half_written = []
    stored_subs = {}
    for sub_id, status, slug, title, payload, markdown, created_at in rows:
        stored_subs[sub_id] = title
        try:
            data = json.loads(payload)
            assert status in ("pending", "approved", "rejected") and slug and created_at
            assert data["title"] == title and data["errors"] and data["fixes"]
            parse_text(markdown, slug=slug)
        except (AssertionError, KeyError, TypeError, ValueError, EntryInvalid) as exc:
            half_written.append(f"{sub_id}: {type(exc).__name__} {exc}")
    mismatch = {}
    for slug, (worked, failed) in stats.items():
        rows_say = (votes[(slug, True)], votes[(slug, False)])
        if (worked, failed) != rows_say:
            mismatch[slug] = ((worked, failed), rows_say)
    return DbCheck(
        integrity=integrity,
        feedback_stored=len(stored_feedback),
        submissions_stored=len(stored_subs),
        feedback_missing=sorted(set(feedback) - set(stored_feedback)),
        feedback_wrong=sorted(
            k for k, v in feedback.items() if k in stored_feedback and stored_feedback[k] != v
        ),
        submissions_missing=sorted(k for k in submissions if stored_subs.get(k) != submissions[k]),
        half_written=half_written,
        stats_mismatch=mismatch,
    )


def expected_stats(feedback: dict[str, tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    """entry_stats (worked, failed) per slug that exactly these votes produce on a fresh database."""
    counts: dict[str, list[int]] = {}
    for slug, worked in feedback.values():
        counts.setdefault(slug, [0, 0])[0 if worked else 1] += 1
    return {slug: (w, f) for slug, (w, f) in counts.items()}


def stored_stats(db: Path) -> dict[str, tuple[int, int]]:
    with connect(db) as conn:
        rows = conn.execute("SELECT slug, worked, failed FROM entry_stats WHERE worked > 0 OR failed > 0")
        return {slug: (worked, failed) for slug, worked, failed in rows}


def counter(db: Path, name: str) -> int:
    with connect(db) as conn:
        row = conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return row[0] if row else 0


def log_problems(log_text: str) -> dict[str, list[str]]:
    """Lines of a server log that must never appear: lock errors, tracebacks, 5xx access lines.
    Access-log lines echo the query string, so only their status is looked at."""
    found: dict[str, list[str]] = {"locked": [], "traceback": [], "5xx": []}
    for line in log_text.splitlines():
        if line.startswith("INFO:") and '" ' in line:
            status = line.rsplit('" ', 1)[1].split(" ", 1)[0]
            if status.startswith("5"):
                found["5xx"].append(line)
            continue
        if LOCKED in line:
            found["locked"].append(line)
        if "Traceback" in line:
            found["traceback"].append(line)
    return found


# -- crash safety ----------------------------------------------------------------------------


@dataclass
class CrashRound:
    up_seconds: float  # how long the load ran before the kill
    load: LoadReport
    check: DbCheck
    restart_seconds: float  # how long the next start took (no repair step in between)


def crash_rounds(
    server, kills: int, clients: int, seed: int, min_acks: int = 5, max_delay: float = 2.0
) -> list[CrashRound]:
    """Start, load, `kill -9` the whole process group at a random moment, check the file; repeat.

    The kill comes a random 0..`max_delay` seconds after the load has had `min_acks` writes
    acknowledged (so every round has something to lose, however slow the machine).
    Acknowledgements accumulate across rounds: a write acknowledged in round 1 must still be
    there after the kill of round 5. Each start after a kill is a plain start: no repair step.
    """
    rng = random.Random(seed)
    acked_feedback: dict[str, tuple[str, bool]] = {}
    acked_submissions: dict[str, str] = {}
    rounds = []
    server.start()
    for n in range(kills):
        stop, acks, result = threading.Event(), [], []
        loader = threading.Thread(
            target=lambda out, n, stop, acks: out.append(
                run_mixed_load(server.url, clients, 3600, seed=seed * 100 + n, stop=stop, acks=acks)
            ),
            args=(result, n, stop, acks),
        )
        started = time.monotonic()
        loader.start()
        while len(acks) < min_acks and time.monotonic() - started < 120:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, max_delay))
        up = time.monotonic() - started
        server.stop(9)
        stop.set()
        loader.join()
        load = result[0]
        acked_feedback.update(load.feedback)
        acked_submissions.update(load.submissions)
        check = check_db(server.db, acked_feedback, acked_submissions)
        started = time.monotonic()
        server.start()
        rounds.append(CrashRound(up, load, check, time.monotonic() - started))
    return rounds
