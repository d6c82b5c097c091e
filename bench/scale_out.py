"""PostgreSQL beside SQLite, in the same run: search latency, index visibility, nodes' throughput.

    .venv/bin/python -m bench.scale_out [--sizes 10000] [--nodes 1 3] [--requests 3000] [--json out.json]

Starts its own PostgreSQL server (tests/pg_server.py: Debian's binaries, a temporary folder,
a free port on 127.0.0.1, the unprivileged postgres user when run as root). Measures:

  * search p50/p99 at each size through the store interface (`store.read_now(run_search, …)`
    on the dev set's 509 texts), SQLite file vs PostgreSQL with the node's in-memory index,
    and how many answers are identical (all of them, by construction);
  * what a PostgreSQL node pays to keep its index current: the full build at start, the delay
    from a commit on one node to the change applied on another (LISTEN/NOTIFY), and, for the
    design not taken, one generation check per search;
  * HTTP throughput of 1 node against N nodes (`synapse serve`, one worker each) on one
    database, under a mixed load (searches, votes, entry pages) spread over the nodes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from app.corpus.indexer import index_solutions
from app.search.evaluation import load_cases
from app.search.service import run_search
from app.store.engine import dialect, open_store
from app.store.pg_store import PgStore
from bench.common import ROOT, free_port, pct, stop, wait_ready
from bench.corpus import corpus, write_markdown

sys.path.insert(0, str(ROOT / "tests"))
from pg_server import PgServer

QUERIES = ROOT / "tests" / "eval" / "dev.jsonl"


def _timed(store, cases) -> tuple[list[float], list[tuple]]:
    times, answers = [], []

    def one(conn, case):
        started = time.perf_counter()
        body = run_search(conn, case.q, 5, case.env).body
        times.append((time.perf_counter() - started) * 1000)
        answers.append((body["match"], [(r["slug"], r["score"]) for r in body["results"]]))

    for case in cases:
        store.read_now(one, case)
    return times, answers


def latency(pg: PgServer, size: int, work: Path) -> dict:
    folder = work / f"solutions-{size}"
    folder.mkdir()
    write_markdown(folder, corpus(size))
    cases = load_cases(QUERIES)
    sqlite_store = open_store(work / f"bench-{size}.db")
    pg_store = PgStore(pg.create_database())
    try:
        started = time.perf_counter()
        index_solutions(sqlite_store, folder)
        sqlite_index_s = time.perf_counter() - started
        started = time.perf_counter()
        index_solutions(pg_store, folder)
        pg_index_s = time.perf_counter() - started
        started = time.perf_counter()
        pg_store.index.start()
        build_s = time.perf_counter() - started
        _timed(sqlite_store, cases[:50])  # warm both caches alike
        _timed(pg_store, cases[:50])
        sqlite_ms, sqlite_answers = _timed(sqlite_store, cases)
        pg_ms, pg_answers = _timed(pg_store, cases)
        check_ms = [_ms(lambda: pg_store.read_now(lambda c: dialect(c).data_version(c))) for _ in range(500)]
    finally:
        sqlite_store.close()
        pg_store.close()
    return {
        "entries": size,
        "sqlite_p50_ms": pct(sqlite_ms, 50),
        "sqlite_p99_ms": pct(sqlite_ms, 99),
        "postgres_p50_ms": pct(pg_ms, 50),
        "postgres_p99_ms": pct(pg_ms, 99),
        "identical": sum(a == b for a, b in zip(sqlite_answers, pg_answers, strict=True)),
        "queries": len(cases),
        "sqlite_index_s": sqlite_index_s,
        "postgres_index_s": pg_index_s,
        "node_index_build_s": build_s,
        "generation_check_p50_ms": pct(check_ms, 50),
    }


def _ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def visibility(pg: PgServer, work: Path, samples: int = 30) -> dict:
    """Commit on node A, then wait until node B's index has applied it."""
    url = pg.create_database()
    folder = work / "vis"
    folder.mkdir()
    write_markdown(folder, corpus(200))
    a, b = PgStore(url), PgStore(url)
    try:
        index_solutions(a, folder)
        b.index.start()
        delays = []
        for i in range(samples):
            a.write(
                lambda c, n=i: c.execute(
                    "UPDATE entries SET title = title || ? WHERE slug = (SELECT min(slug) FROM entries)",
                    (f" {n}",),
                )
            )
            target = a.index.generation if a.index.started else _generation(a)
            started = time.perf_counter()
            while b.index.generation < target:
                time.sleep(0.0005)
            delays.append((time.perf_counter() - started) * 1000)
    finally:
        a.close()
        b.close()
    return {"visible_p50_ms": pct(delays, 50), "visible_max_ms": max(delays), "samples": samples}


def _generation(store: PgStore) -> int:
    return store.read_now(lambda c: dialect(c).data_version(c))


def throughput(pg: PgServer, nodes: int, requests: int, clients: int, work: Path) -> dict:
    url = pg.create_database()
    procs, urls = [], []
    env = {**os.environ, "SYNAPSE_DATABASE_URL": url, "SYNAPSE_FEEDBACK_PER_HOUR": "1000000"}
    try:
        for i in range(nodes):
            port = free_port()
            log = work / f"node-{nodes}-{i}.log"
            with open(log, "wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--log-level", "warning"],
                    cwd=ROOT, env={**env, "SYNAPSE_DB": str(work / "unused.db")}, stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            procs.append(proc)
            urls.append(f"http://127.0.0.1:{port}")
            wait_ready(proc, urls[-1] + "/healthz", log, timeout=180)
        cases = [c.q for c in load_cases(QUERIES)]
        counter = iter(range(requests))
        lock = threading.Lock()
        errors = []

        def client(k: int) -> None:
            with httpx.Client(timeout=60) as http:
                while True:
                    with lock:
                        i = next(counter, None)
                    if i is None:
                        return
                    base = urls[i % len(urls)]
                    kind = i % 10
                    if kind == 0:
                        r = http.post(f"{base}/api/solutions/broken-pipe/feedback", json={"worked": True})
                    elif kind == 1:
                        r = http.get(f"{base}/api/solutions/sqlite-database-locked")
                    else:
                        r = http.post(f"{base}/search", json={"q": cases[i % len(cases)]})
                    if r.status_code >= 400:
                        errors.append(r.status_code)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        for proc in procs:
            stop(proc)
    return {
        "nodes": nodes,
        "requests": requests,
        "seconds": elapsed,
        "rps": requests / elapsed,
        "errors": len(errors),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_out", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--nodes", type=int, nargs="*", default=[1, 3])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    pg = PgServer().init().start()
    results: dict = {"latency": [], "throughput": []}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            for n in args.nodes:
                results["throughput"].append(throughput(pg, n, args.requests, args.clients, work))
                print(json.dumps(results["throughput"][-1]), flush=True)
            results["visibility"] = visibility(pg, work)
            print(json.dumps(results["visibility"]), flush=True)
            for size in args.sizes:
                results["latency"].append(latency(pg, size, work))
                print(json.dumps(results["latency"][-1]), flush=True)
    finally:
        pg.destroy()
    if len(results["throughput"]) > 1:
        base = results["throughput"][0]["rps"]
        for row in results["throughput"]:
            row["ratio"] = row["rps"] / base
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
