"""The reliability scenarios of tests/reliability/, bigger, with the figures for docs/reliability.md.

    .venv/bin/python bench/soak.py              # full size, about 10-15 minutes on 2 cores
    .venv/bin/python bench/soak.py --quick      # a smoke run of the same code, about 3 minutes
    .venv/bin/python bench/soak.py --only 1,2   # some scenarios only

Each scenario runs the same functions as its test (tests/reliability/workload.py, faults.py, hostile.py) against a
real `synapse serve` on 127.0.0.1 and the SQLite file it writes, then prints one row of a
Markdown table: load, faults injected, bad inputs tried, 5xx responses, "database is
locked" errors, acknowledged vs found writes, integrity check. Progress goes to stderr, the
tables to stdout. Needs root (or CAP_SYS_ADMIN) for the full-disk scenario's tmpfs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "skill" / "synapse-ai"),
    str(ROOT / "tests"),  # tests/conftest.py (loaded below) imports its siblings, e.g. pg_server
    str(ROOT / "tests" / "reliability"),
    str(ROOT / "tests" / "skill"),
]

import faults  # noqa: E402
import hostile  # noqa: E402
import httpx  # noqa: E402
import workload  # noqa: E402


def _load_live_server():
    spec = importlib.util.spec_from_file_location("synapse_tests_conftest", ROOT / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LiveServer


LiveServer = _load_live_server()

SIZES = {
    "full": {
        "clients": 32,
        "seconds": 60,
        "kills": 10,
        "kill_clients": 16,
        "index_entries": 1500,
        "index_kills": 6,
        "fault_writes": 40,
        "wal_votes": 1000,
        "fuzz_examples": 200,
        "regex_chars": 100_000,
        "rate_requests": 200,
        "skill_runs": 3,
    },
    "quick": {
        "clients": 32,
        "seconds": 10,
        "kills": 2,
        "kill_clients": 16,
        "index_entries": 600,
        "index_kills": 2,
        "fault_writes": 6,
        "wal_votes": 200,
        "fuzz_examples": 15,
        "regex_chars": 20_000,
        "rate_requests": 60,
        "skill_runs": 1,
    },
}


@dataclass
class Row:
    scenario: str
    load: str
    faults: str
    bad_inputs: str
    five_xx: int
    lock_errors: int
    writes: str  # "acknowledged / found"
    integrity: str
    passed: bool
    note: str = ""


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def n(value: int) -> str:
    return f"{value:,}"


class Servers:
    """Fresh servers on fresh databases under one scratch folder, all stopped at the end."""

    def __init__(self, scratch: Path):
        self.scratch, self.started = scratch, []

    def new(self, name: str, **kwargs) -> LiveServer:
        folder = self.scratch / name
        folder.mkdir(parents=True, exist_ok=True)
        server = LiveServer(folder / "synapse.db", **kwargs)
        self.started.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.started:
            server.stop(9)


# -- 1. mixed load --------------------------------------------------------------------------------


def mixed_load(servers: Servers, size: dict) -> Row:
    server = servers.new("mixed", workers=4, env=workload.GENEROUS_LIMITS).start()
    load = workload.run_mixed_load(server.url, clients=size["clients"], seconds=size["seconds"], seed=1)
    server.stop()
    check = workload.check_db(server.db, load.feedback, load.submissions)
    problems = workload.log_problems(server.log_text())
    stats_equal = workload.stored_stats(server.db) == workload.expected_stats(load.feedback)
    searches_equal = workload.counter(server.db, "searches") == load.searches
    found = (
        len(load.feedback)
        - len(check.feedback_missing)
        + len(load.submissions)
        - len(check.submissions_missing)
    )
    stored = check.feedback_stored + check.submissions_stored
    five_xx = len(load.server_errors)
    locks = len(load.lock_errors) + len(problems["locked"])
    passed = (
        check.ok
        and five_xx == 0
        and locks == 0
        and not load.transport_errors
        and stats_equal
        and searches_equal
        and stored == load.acknowledged_writes
    )
    mix = ", ".join(f"{k} {n(v)}" for k, v in sorted(load.attempted.items()))
    return Row(
        "1. Mixed load, `serve --workers 4`",
        f"{size['clients']} clients, {load.seconds:.0f} s, {n(load.operations)} requests "
        f"({load.operations / load.seconds:.0f}/s; {mix})",
        "none",
        "none",
        five_xx,
        locks,
        f"{n(load.acknowledged_writes)} / {n(found)} (stored {n(stored)})",
        check.integrity,
        passed,
        f"entry_stats = acknowledged votes: {stats_equal}; searches counter = answered searches: {searches_equal}; "
        f"peak in flight {load.max_in_flight}; transport errors {dict(load.transport_errors) or 0}; "
        f"5xx by request kind {_five_xx_by_kind(load) or 0}",
    )


def _five_xx_by_kind(load: workload.LoadReport) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (kind, status), count in load.statuses.items():
        if status >= 500:
            counts[kind] = counts.get(kind, 0) + count
    return counts


# -- 2. crash safety ----------------------------------------------------------------------------------


def crash(servers: Servers, size: dict) -> Row:
    server = servers.new("crash", workers=2, env=workload.GENEROUS_LIMITS)
    rounds = workload.crash_rounds(server, kills=size["kills"], clients=size["kill_clients"], seed=7)
    last = rounds[-1].check
    acked = sum(r.load.acknowledged_writes for r in rounds)
    missing = len(last.feedback_missing) + len(last.submissions_missing)
    five_xx = sum(len(r.load.server_errors) for r in rounds)
    locks = sum(len(r.load.lock_errors) for r in rounds)
    ok_rounds = sum(r.check.ok for r in rounds)
    ops = sum(r.load.operations for r in rounds)
    up = sum(r.up_seconds for r in rounds)
    restart = max(r.restart_seconds for r in rounds)
    half = sum(len(r.check.half_written) for r in rounds)
    five_by_kind: dict[str, int] = {}
    for r in rounds:
        for kind, count in _five_xx_by_kind(r.load).items():
            five_by_kind[kind] = five_by_kind.get(kind, 0) + count
    server.stop(9)
    return Row(
        "2a. `kill -9` mid-load",
        f"{size['kill_clients']} clients, {up:.0f} s up, {n(ops)} requests",
        f"{len(rounds)} x SIGKILL to the process group at random moments",
        "none",
        five_xx,
        locks,
        f"{n(acked)} / {n(acked - missing)}",
        f"ok after {ok_rounds}/{len(rounds)} kills",
        ok_rounds == len(rounds) and five_xx == 0 and locks == 0 and missing == 0,
        f"half-written submissions {half}; counters = rows after every kill; slowest plain restart {restart:.1f} s; "
        f"5xx by request kind {five_by_kind or 0}",
    )


def index_kill(scratch: Path, size: dict) -> Row:
    """Independent trials: restore the old index, start `synapse index` on the bigger folder,
    kill it at a random moment of its write transaction (or just after it): each kill must
    leave the old index or the new one, never a mixture."""
    db, folder = scratch / "index" / "synapse.db", scratch / "index" / "solutions"
    saved = scratch / "index" / "before.db"
    faults.generate_entries(folder, 40)
    faults.synapse("index", db=db, solutions=folder, stdout=subprocess.DEVNULL).wait(300)
    shutil.copy(db, saved)  # the run above closed cleanly: the WAL is checkpointed and empty
    before = faults.index_state(db)
    faults.generate_entries(folder, size["index_entries"], revision=1)
    complete = scratch / "index" / "complete.db"
    shutil.copy(saved, complete)
    timing = faults.synapse("index", db=complete, solutions=folder, stdout=subprocess.DEVNULL)
    spread = 0.9 * _write_lock_seconds(timing, complete)
    after = faults.index_state(complete)
    kills = faults.index_kill_trials(db, folder, saved, size["index_kills"], spread, random.Random(11))
    completed = faults.synapse("index", db=db, solutions=folder, stdout=subprocess.DEVNULL).wait(900) == 0
    final = faults.index_state(db)
    old = sum(k.state == before for k in kills)
    new = sum(k.state == after for k in kills)
    inside = sum(k.killed_in_transaction for k in kills)
    return Row(
        "2b. `kill -9` of `synapse index`",
        f"{n(size['index_entries'])} entries (40 changed, rest new) in one transaction",
        f"{len(kills)} x SIGKILL, {inside} inside the write transaction",
        "none",
        0,
        0,
        f"old index whole after {old}, new index whole after {new}, mixture after {len(kills) - old - new}",
        final["integrity"],
        old + new == len(kills) and inside > 0 and completed and final == after,
        f"{len(before['entries'])} entries before, {len(after['entries'])} after; kills at random in "
        f"0-{spread:.1f} s after the write transaction began (it lasts about {spread / 0.9:.1f} s); a plain re-run after the last kill completed: {completed}",
    )


def _write_lock_seconds(proc: subprocess.Popen, db: Path) -> float:
    """How long the running `proc` holds the database's write lock (its longest hold)."""
    longest, since = 0.0, None
    while proc.poll() is None:
        now = time.monotonic()
        if faults.write_lock_held(db):
            since = since or now
            longest = max(longest, now - since)
        else:
            since = None
        time.sleep(0.005)
    return longest


# -- 3. writer faults ----------------------------------------------------------------------------------


def _fault_row(name: str, injected: str, run: faults.FaultRun, status: int) -> Row:
    acked = len(run.feedback) + len(run.submissions)
    found = acked - len(run.check.feedback_missing) - len(run.check.submissions_missing)
    refused = run.statuses.get(status, 0)
    unexpected = {s: c for s, c in run.statuses.items() if s not in (200, 201, status)}
    return Row(
        name,
        f"{n(sum(run.statuses.values()))} writes + as many searches while faulty",
        injected,
        "none",
        len(run.log_500s) + sum(c for s, c in unexpected.items() if s >= 500),
        0,
        f"{n(acked)} / {n(found)}",
        run.check.integrity,
        run.check.ok and run.recovered and not run.bad_errors and not unexpected and not run.log_500s,
        f"{refused} refused as {status} {dict(run.error_codes)}, all JSON with Retry-After: {not run.bad_errors}; "
        f"searches answered {run.reads_ok}; writes resumed without restart: {run.recovered}",
    )


def writer_faults(servers: Servers, scratch: Path, size: dict) -> list[Row]:
    rows = []
    run = faults.read_only_fault(servers.new("readonly", env=workload.GENEROUS_LIMITS), size["fault_writes"])
    rows.append(
        _fault_row("3a. Read-only database", f"`{faults.read_only_method()}` on the database file", run, 503)
    )
    if faults.can_mount(scratch / "probe"):
        with faults.SmallDisk(scratch / "disk", size_mb=8) as disk:
            server = servers.new("diskfull", env=workload.GENEROUS_LIMITS)
            run = faults.disk_full_fault(server, disk, writes=20, refusals=size["fault_writes"])
        rows.append(_fault_row("3b. Disk full", "8 MiB tmpfs filled with zeros, then emptied", run, 507))
    else:
        rows.append(
            Row("3b. Disk full", "-", "not run: mounting a tmpfs needs root", "-", 0, 0, "-", "-", False)
        )
    wal = faults.long_reader(servers.new("wal", env=workload.GENEROUS_LIMITS), size["wal_votes"])
    mib = 1024 * 1024
    rows.append(
        Row(
            "3c. Long reader pins the WAL",
            f"{n(2 * size['wal_votes'] + 20)} votes, 1 outside reader holding a snapshot",
            "read transaction held across half the writes",
            "none",
            0,
            0,
            f"{n(len(wal.feedback))} / {n(wal.check.feedback_stored)}",
            wal.check.integrity,
            wal.check.ok and wal.grown > wal.start and wal.reused <= wal.grown and wal.final == 0,
            f"WAL {wal.start / mib:.1f} MiB -> {wal.grown / mib:.1f} MiB while pinned; "
            f"{wal.reused / mib:.1f} MiB after as many writes again (reused); {wal.final} bytes after shutdown",
        )
    )
    return rows


# -- 4. hostile input -----------------------------------------------------------------------------------


def hostile_api(servers: Servers, size: dict) -> Row:
    server = servers.new("fuzz", env=workload.GENEROUS_LIMITS).start()
    report = hostile.run_schemathesis(server.url, max_examples=size["fuzz_examples"], seed=4)
    fts = fts5_probe(server.url)
    server.stop()
    problems = workload.log_problems(server.log_text())
    five_xx = len(problems["5xx"]) + fts["5xx"]
    operations = len(report.cases)
    return Row(
        "4a. Hostile HTTP input",
        f"1 client, {report.seconds:.0f} s, {n(report.total + fts['requests'])} requests",
        "none",
        f"{n(report.total)} schemathesis cases on {operations} operations (valid and invalid); "
        f"{fts['requests']} FTS5-syntax searches",
        five_xx,
        len(problems["locked"]),
        "n/a",
        "-",
        not report.failures and five_xx == 0 and not problems["traceback"],
        f"failures {len(report.failures)}; tracebacks in log {len(problems['traceback'])}; "
        f"refused at the HTTP layer (request head > 16 KiB) {report.refused_at_http_layer}; "
        f"unsendable {report.unsendable}; no invalid input possible for {len(report.not_generatable)}",
    )


def fts5_probe(url: str) -> dict:
    queries = ['"', '"x', "a AND", "OR OR", "NOT a", "NEAR(a b, 2)", "a*", "*", "^a", "tokens:a", "{tokens}: a",
               "(((a", "a)))", "-a", "+a", "a:b:c", "'; DROP TABLE entries; --", "\x00", "a" * 10_000,
               " ".join(["database"] * 2000)]  # fmt: skip
    result = {"requests": 0, "5xx": 0}
    with httpx.Client(base_url=url, timeout=60) as client:
        for q in queries:
            for response in (client.get("/search", params={"q": q}), client.post("/search", json={"q": q})):
                result["requests"] += 1
                result["5xx"] += response.status_code >= 500
    return result


REDOS_CHUNKS = ["a", " ", "\n", "a.", "(a.B) ", "aaaaaaaaaaError", "E   ", 'File "', "Traceback (most recent call last):\n",
                '  File "x.py", line 1, in f\n', "ValueError: ", "/a", "/-", "-/", "C:\\a\\", "'a", '"', "0x", "1.", "1:",
                "12:34:56.", "http://", "http://a@", "x://a:", "a@b.", "@", "sk-", "eyJ", "-----BEGIN PRIVATE KEY-----",
                "password=", "--token ", "/home/", "Bearer ", "\x1b[", "2024-01-01 00:00:00 ", "web_1  | ", "ERROR:",
                "error: ", "[SQL: ", "(Caused by X(", "a_", "A_", "x.py:1: ", "Warning: ", "\x00", "\ud800"]  # fmt: skip


def regex_timings(size: dict) -> tuple[Row, list[tuple]]:
    """Every regex-heavy function on adversarial inputs of `regex_chars`; then, for each
    function's slowest shape, the growth exponent fitted over 1/8, 1/4, 1/2 and all of that
    size (1 is linear time, 2 quadratic: catastrophic backtracking shows as 2 or more)."""
    from app.search.evaluation import memory_index
    from synapse_skill.matching import matcher
    from synapse_skill.matching.extract import extract
    from synapse_skill.matching.normalize import normalize
    from synapse_skill.redact import redact

    index = memory_index(workload.SOLUTIONS)
    functions = {
        "extract": extract,
        "normalize": normalize,
        "redact": lambda t: redact(t, env={}),
        "matcher.search": lambda t: matcher.search(index, t),
    }
    chars = size["regex_chars"]
    table, tried = [], 0
    for name, fn in functions.items():
        timed = []
        for chunk in REDOS_CHUNKS:
            timed.append((_best_of(fn, _repeat(chunk, chars), runs=2), chunk))
            tried += 1
        seconds, chunk = max(timed)
        sizes = [chars // 8, chars // 4, chars // 2, chars]
        exponent = _growth_exponent(sizes, [_best_of(fn, _repeat(chunk, k), runs=5) for k in sizes])
        tried += len(sizes)
        table.append((name, seconds, chunk, exponent))
        log(f"  {name}: worst {seconds * 1000:.0f} ms on {chunk!r} repeated; growth exponent {exponent:.2f}")
    slowest = max(t for _, t, _, _ in table)
    worst_exponent = max(e for *_, e in table)
    row = Row(
        "4b. ReDoS-shaped text",
        f"{len(REDOS_CHUNKS)} shapes x {len(functions)} functions at {n(chars)} chars",
        "none",
        f"{n(tried)} adversarial inputs",
        0,
        0,
        "n/a",
        "-",
        slowest < 5 and worst_exponent < 1.5,
        f"slowest call {slowest * 1000:.0f} ms; growth exponent of the slowest shape per function "
        f"{min(e for *_, e in table):.2f} to {worst_exponent:.2f} (1 = linear)",
    )
    return row, table


def _repeat(chunk: str, chars: int) -> str:
    return (chunk * (chars // len(chunk) + 1))[:chars]


def _growth_exponent(sizes: list[int], seconds: list[float]) -> float:
    """The least-squares slope of log(time) against log(size)."""
    xs = [math.log(x) for x in sizes]
    ys = [math.log(max(y, 1e-6)) for y in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def _best_of(fn, text: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn(text)
        times.append(time.perf_counter() - started)
    return min(times)


# -- 5. abuse ---------------------------------------------------------------------------------------------


def abuse(servers: Servers, size: dict) -> Row:
    limit = size["rate_requests"] // 4
    env = {
        "SYNAPSE_FEEDBACK_PER_HOUR": str(limit),
        "SYNAPSE_SUBMISSIONS_PER_HOUR": "5",
        "SYNAPSE_ADMIN_TOKEN": "t0ken",
    }
    server = servers.new("abuse", workers=4, env=env).start()
    statuses: list[int] = []
    lock = threading.Lock()
    clients = [httpx.Client(base_url=server.url, timeout=60) for _ in range(size["rate_requests"])]
    barrier = threading.Barrier(len(clients))

    def vote(client: httpx.Client) -> None:
        barrier.wait()
        status = client.post("/api/solutions/broken-pipe/feedback", json={"worked": True}).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=vote, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    held = hostile.connections_by_process(hostile.child_pids(server.proc.pid), server.port)
    for client in clients:
        client.close()
    rate_ok = statuses.count(200) == limit and statuses.count(429) == len(statuses) - limit

    bodies = []
    for path in ("/search", "/api/submissions", "/api/solutions/broken-pipe/feedback", "/submit"):
        answer, _, seconds = hostile.raw_post(
            server.port, path, {"Content-Length": str(1 << 30)}, [b"{" * 1024]
        )
        bodies.append(answer.startswith(b"HTTP/1.1 413 ") and seconds < 2)
    block = b"a" * 65536
    chunks = (b"%x\r\n%s\r\n" % (len(block), block) for _ in range(4096))
    answer, sent, _ = hostile.raw_post(server.port, "/search", {"Transfer-Encoding": "chunked"}, chunks)
    bodies.append(answer.startswith(b"HTTP/1.1 413 ") and sent < 16 * 1024 * 1024)

    admin = []
    with httpx.Client(base_url=server.url, timeout=60) as client:
        payload = workload.submission_payload(uuid.uuid4().hex[:8])
        sub_id = client.post("/api/submissions", json=payload).json()["id"]
        for headers in (
            {},
            {"authorization": "Bearer wrong"},
            {"authorization": "Basic t0ken"},
            {"cookie": "synapse_admin=1.x"},
        ):
            admin += [
                client.get("/admin/review", headers=headers).status_code,
                client.get(f"/admin/review/{sub_id}", headers=headers).status_code,
                client.post(f"/admin/review/{sub_id}/approve", headers=headers).status_code,
                client.post(
                    f"/admin/review/{sub_id}/reject", headers=headers, data={"reason": "x"}
                ).status_code,
            ]
        still_pending = client.get(f"/api/submissions/{sub_id}").json()["status"] == "pending"
        visible = _public_doors(client, sub_id, payload)
    server.stop()
    problems = workload.log_problems(server.log_text())
    admin_ok = all(s == 401 for s in admin) and still_pending
    return Row(
        "5. Abuse",
        f"{len(statuses)} simultaneous votes over {len(clients)} connections to 4 workers",
        "rate limit "
        f"{limit}/h shared by 4 processes; 1 GiB declared bodies; a 256 MiB chunked upload; admin without token",
        f"{len(statuses) + len(bodies) + len(admin) + len(visible)} abusive requests",
        len(problems["5xx"]),
        len(problems["locked"]),
        f"{statuses.count(200)} accepted of {len(statuses)} (limit {limit})",
        "-",
        rate_ok and all(bodies) and admin_ok and not any(visible.values()),
        f"workers that served the votes {sum(v > 0 for v in held.values())}/4; 413 before the body was read "
        f"{sum(bodies)}/{len(bodies)}; admin answers {sorted(set(admin))}; pending submission visible on "
        f"{sum(visible.values())}/{len(visible)} public doors",
    )


def _public_doors(client: httpx.Client, sub_id: str, payload: dict) -> dict[str, bool]:
    """Whether a pending submission shows on each public door (its status page may show only the status)."""
    error, title = payload["errors"][0], payload["title"]
    marker = error.split(":")[0]
    search = client.post("/search", json={"q": error, "limit": 50}).json()
    return {
        "status page": set(client.get(f"/api/submissions/{sub_id}").json()) != {"id", "status", "created_at"},
        "search": any(r["title"] == title for r in search["results"]),
        "search page": title in client.get("/search", params={"q": error, "format": "html"}).text,
        "browse": marker in client.get("/solutions", params={"tag": "reliability"}).text,
        "snapshot": marker in client.get("/api/snapshot").text,
        "llms.txt": marker in client.get("/llms.txt").text,
        "home": marker in client.get("/").text,
    }


# -- 6. the skill against bad servers -------------------------------------------------------------------


def skill_faults(size: dict) -> Row:
    import test_skill_faults as cases
    from skill_helpers import CLOSED_URL, run_python, skill_env

    tmp = Path(tempfile.mkdtemp(prefix="soak-skill-"))
    script = tmp / "host.py"
    script.write_text(cases.HOST)
    env = skill_env(tmp, SYNAPSE_TIMEOUT=str(cases.BUDGET))
    plain = run_python(script, env)
    refused = [run_python(script, {**env, "TEST_HOOK": "1", "SYNAPSE_URL": CLOSED_URL}) for _ in range(3)]
    baseline = statistics.median(r.seconds for r in refused)
    runs, broken, delays = 0, [], {}
    for name, behaviour in cases.BEHAVIOURS.items():
        for _ in range(size["skill_runs"]):
            with hostile.bad_server(behaviour) as url:
                hooked = run_python(script, {**env, "TEST_HOOK": "1", "SYNAPSE_URL": url}, timeout=120)
            runs += 1
            delays[name] = max(delays.get(name, 0.0), hooked.seconds - baseline)
            if hooked.code != plain.code or not hooked.stderr.startswith(plain.stderr):
                broken.append(name)
    shutil.rmtree(tmp, ignore_errors=True)
    over = {k: round(v, 1) for k, v in delays.items() if v > cases.BUDGET + cases.ALLOWANCE}
    return Row(
        "6. Skill vs bad servers",
        f"{runs} host processes, budget {cases.BUDGET:g} s",
        f"{len(cases.BEHAVIOURS)} server faults: " + ", ".join(cases.BEHAVIOURS),
        "responses that are not HTTP, not JSON, the wrong shape, endless, trickled, 50 MB",
        0,
        0,
        "n/a",
        "-",
        not broken and not over,
        f"host crashed or traceback changed: {len(broken)}; worst extra delay "
        f"{max(delays.values()):.1f} s ({max(delays, key=delays.get)}); over budget: {over or 'none'}",
    )


# -- the report ---------------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    head = (
        "| Scenario | Load (clients, duration, operations) | Faults injected | Bad inputs tried | 5xx | "
        "Lock errors | Acknowledged / found writes | Integrity check | Pass |"
    )
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        cells = [
            r.scenario,
            r.load,
            r.faults,
            r.bad_inputs,
            str(r.five_xx),
            str(r.lock_errors),
            r.writes,
            r.integrity,
        ]
        lines.append(
            "| "
            + " | ".join(c.replace("|", "\\|") for c in cells)
            + f" | {'yes' if r.passed else '**no**'} |"
        )
    return "\n".join(lines)


def environment() -> str:
    from app.store.connections import sqlite_info

    info = sqlite_info()
    return (
        f"Python {platform.python_version()}, SQLite {info.version} ({info.library}), {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}, load average before the run "
        f"{os.getloadavg()[0]:.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of the same code")
    parser.add_argument("--only", default="1,2,3,4,5,6", help="comma-separated scenario numbers")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    size = SIZES["quick" if args.quick else "full"]
    only = {int(x) for x in args.only.split(",")}
    scratch = Path(tempfile.mkdtemp(prefix="synapse-soak-"))
    servers = Servers(scratch)
    rows: list[Row] = []
    regex_table: list[tuple] = []
    started = time.monotonic()
    env_line = environment()
    try:
        steps = [
            (1, "mixed load", lambda: [mixed_load(servers, size)]),
            (2, "kill -9 mid-load", lambda: [crash(servers, size)]),
            (2, "kill -9 of synapse index", lambda: [index_kill(scratch, size)]),
            (3, "writer faults", lambda: writer_faults(servers, scratch, size)),
            (4, "schemathesis + FTS5", lambda: [hostile_api(servers, size)]),
            (5, "abuse", lambda: [abuse(servers, size)]),
            (6, "skill vs bad servers", lambda: [skill_faults(size)]),
        ]
        for number, name, step in steps:
            if number in only:
                log(f"scenario {number}: {name} ...")
                t = time.monotonic()
                rows += step()
                log(f"  done in {time.monotonic() - t:.0f} s: {rows[-1].note}")
            if number == 4 and 4 in only:
                log("scenario 4: ReDoS timings ...")
                row, regex_table = regex_timings(size)
                rows.append(row)
    finally:
        servers.stop_all()
        shutil.rmtree(scratch, ignore_errors=True)
    total = time.monotonic() - started
    print(f"Run: `{' '.join(['.venv/bin/python', 'bench/soak.py', *(argv or sys.argv[1:])])}` "
          f"({'quick' if args.quick else 'full'} size, {total / 60:.1f} min). {env_line}.\n")  # fmt: skip
    print(table(rows))
    print()
    for r in rows:
        print(f"- **{r.scenario}**: {r.note}")
    if regex_table:
        chars = n(size["regex_chars"])
        print(
            f"\n| Function | Slowest at {chars} chars | Input shape | Growth exponent (1 = linear, 2 = quadratic) |"
        )
        print("|---|---|---|---|")
        for name, seconds, chunk, exponent in regex_table:
            print(f"| `{name}` | {seconds * 1000:.0f} ms | `{chunk!r}` repeated | {exponent:.2f} |")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in rows], indent=2))
    return 0 if all(r.passed for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
