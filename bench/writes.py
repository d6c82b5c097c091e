"""Writes benchmark: the single writer's group commit against one transaction per write.

    .venv/bin/python -m bench.writes [--quick]

In-process, on a temporary database indexed from solutions/, 16 threads at a time:

* group commit: each thread calls `Store.write(stats.record_feedback, ...)` (what
  `POST /api/solutions/{slug}/feedback` awaits) and `Store.write(stats.record_search, ...)`
  (the counter every search queues); the writer thread batches whatever is queued into one
  `BEGIN IMMEDIATE ... COMMIT`;
* baseline, same run, same SQL, same concurrency: each thread owns a plain connection with
  the writer's pragmas (`app.store.connections.open_writer`) and runs `BEGIN IMMEDIATE`, the same
  write function, `COMMIT` per write; plus one thread alone, which shows the price of a
  commit without lock waits.

Then search latency through `search.run_search` + `search.record` (exactly what the API
route calls, minus HTTP) on one thread, first alone, then while 16 threads send feedback
votes through the same store as fast as they can. Rate limits do not apply in-process.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from app.corpus.indexer import index_solutions
from app.search import service as search
from app.search import stats
from app.store.connections import open_writer
from app.store.sqlite_store import Store
from bench.common import ROOT, Row, Section, median, pct
from bench.http_load import FINAL_ERRORS, SHORT_QUERIES, traceback_text

THREADS = 16
SIZES = {"full": {"seconds": 3.0, "rounds": 2}, "quick": {"seconds": 1.0, "rounds": 1}}


def template_db(folder: Path) -> tuple[Path, list[str]]:
    """An indexed database to copy for every phase (checkpointed, so the main file is whole); its slugs."""
    path = folder / "template.db"
    store = Store(path)
    try:
        index_solutions(store, ROOT / "solutions")
        slugs = [r[0] for r in store.read().execute("SELECT slug FROM entries ORDER BY slug")]
    finally:
        store.close()
    return path, slugs


def fresh_copy(template: Path, folder: Path, name: str) -> Path:
    path = folder / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, path)
    return path


def feedback_args(slugs: list[str], i: int) -> tuple:
    return (slugs[i % len(slugs)], i % 3 != 0, uuid.uuid4().hex)


def counter_args(slugs: list[str], i: int) -> tuple:
    return (f"synthetic error {i % 50}: _num_ things went wrong", slugs[i % len(slugs)] if i % 2 else None)


KINDS = {
    "feedback vote": (stats.record_feedback, feedback_args),
    "search counter": (stats.record_search, counter_args),
}


def hammer(
    threads: int, seconds: float, session: Callable[[], AbstractContextManager[Callable[[int], None]]]
) -> float:
    """Writes per second when `threads` threads write for `seconds`, each through its own `session()`."""
    counts = [0] * threads
    start = threading.Barrier(threads + 1)
    deadline = 0.0

    def worker(t: int) -> None:
        with session() as write:
            start.wait()
            i = 0
            while time.perf_counter() < deadline:
                write(t * 1_000_000 + i)
                i += 1
        counts[t] = i

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    deadline = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.perf_counter() - began)


def group_commit_rate(db: Path, kind: str, slugs: list[str], seconds: float) -> float:
    fn, make_args = KINDS[kind]
    store = Store(db)

    @contextmanager
    def session():
        yield lambda i: store.write(fn, *make_args(slugs, i))

    try:
        return hammer(THREADS, seconds, session)
    finally:
        store.close()


def per_transaction_rate(db: Path, kind: str, slugs: list[str], seconds: float, threads: int) -> float:
    fn, make_args = KINDS[kind]

    @contextmanager
    def session():
        conn = open_writer(db)  # in the writing thread: a connection never crosses threads

        def write(i: int) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                fn(conn, *make_args(slugs, i))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        try:
            yield write
        finally:
            conn.close()

    return hammer(threads, seconds, session)


def search_latencies(store: Store, seconds: float) -> list[float]:
    """Milliseconds per search, one thread, the API's calls: run_search then the queued counter."""
    queries = SHORT_QUERIES + [traceback_text(*err) for err in FINAL_ERRORS]
    conn = store.read()
    out = []
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        search.record(store, search.run_search(conn, queries[i % len(queries)], 5))
        out.append((time.perf_counter() - t0) * 1000)
        i += 1
    return out


def searches_under_writes(db: Path, slugs: list[str], seconds: float) -> dict[str, tuple[list[float], float]]:
    """Search latencies alone and beside 16 threads of feedback votes; the vote rate reached."""
    store = Store(db)
    try:
        search_latencies(store, min(1.0, seconds))  # warm the reader and its cache
        alone = search_latencies(store, seconds)
        stop = threading.Event()
        votes = [0]

        def voter(t: int) -> None:
            i = 0
            while not stop.is_set():
                store.write(stats.record_feedback, *feedback_args(slugs, t * 1_000_000 + i))
                i += 1
            votes[0] += i

        pool = [threading.Thread(target=voter, args=(t,)) for t in range(THREADS)]
        began = time.perf_counter()
        for thread in pool:
            thread.start()
        busy = search_latencies(store, seconds)
        stop.set()
        for thread in pool:
            thread.join()
        return {"alone": (alone, 0.0), "busy": (busy, votes[0] / (time.perf_counter() - began))}
    finally:
        store.close()


def run(quick: bool) -> Section:
    size = SIZES["quick" if quick else "full"]
    seconds = size["seconds"]
    rates: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="synapse-bench-writes-") as tmp:
        folder = Path(tmp)
        template, slugs = template_db(folder)
        for _ in range(size["rounds"]):  # alternate, so drift on a shared machine hits every mode
            for kind in KINDS:
                for mode, measure in (
                    ("group", lambda db, k: group_commit_rate(db, k, slugs, seconds)),
                    ("per-txn", lambda db, k: per_transaction_rate(db, k, slugs, seconds, THREADS)),
                    ("per-txn 1 thread", lambda db, k: per_transaction_rate(db, k, slugs, seconds, 1)),
                ):
                    db = fresh_copy(template, folder, "phase")
                    rates.setdefault((kind, mode), []).append(measure(db, kind))
        latencies = searches_under_writes(fresh_copy(template, folder, "search"), slugs, seconds * 2)
    return Section("Writes", summary_rows(rates, latencies), detail_table(rates, latencies))


def summary_rows(rates, latencies) -> list[Row]:
    rows = []
    for kind in KINDS:
        group, single = median(rates[(kind, "group")]), median(rates[(kind, "per-txn")])
        rows.append(
            Row(
                f"Writes: {kind}s/s, {THREADS} threads, group commit",
                f"{group:,.0f}/s",
                f"{single:,.0f}/s (one transaction per write)",
                f"{group / single:.1f}x",
            )
        )
    alone, busy = latencies["alone"][0], latencies["busy"][0]
    rows.append(
        Row(
            "Search p99 while feedback votes are written (in-process)",
            f"{pct(busy, 99):.1f} ms",
            f"{pct(alone, 99):.1f} ms (no writes)",
            f"{pct(busy, 99) / pct(alone, 99):.2f}x",
        )
    )
    return rows


def detail_table(rates, latencies) -> str:
    lines = [
        f"| write | group commit, {THREADS} threads | one transaction per write, {THREADS} threads | ratio "
        "| one transaction per write, 1 thread |",
        "|---|---|---|---|---|",
    ]
    for kind in KINDS:
        group, single, alone = (median(rates[(kind, m)]) for m in ("group", "per-txn", "per-txn 1 thread"))
        lines.append(
            f"| {kind} | {group:,.0f}/s | {single:,.0f}/s | {group / single:.1f}x | {alone:,.0f}/s |"
        )
    lines += [
        "",
        "| search (run_search + its counter), 1 thread | searches | p50 | p99 | feedback votes meanwhile |",
        "|---|---|---|---|---|",
    ]
    for label, key in (("alone", "alone"), (f"beside {THREADS} threads writing feedback votes", "busy")):
        values, vote_rate = latencies[key]
        votes = f"{vote_rate:,.0f}/s" if vote_rate else "-"
        lines.append(
            f"| {label} | {len(values)} | {pct(values, 50):.2f} ms | {pct(values, 99):.2f} ms | {votes} |"
        )
    lines += [
        "",
        "Rates are medians of alternating rounds; every phase starts from a fresh copy of the same indexed database.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    from bench.common import summary_table

    section = run(quick="--quick" in sys.argv)
    print(section.detail)
    print()
    print(summary_table([section]))
