"""Matcher benchmark: per-query latency at 1k / 10k / 100k entries, against brute force.

    .venv/bin/python bench/match.py [--sizes 1000 10000 100000] [--brute-sample 30]

Each corpus holds the real entries of solutions/ plus synthetic ones built from the same
vocabulary (so real words are shared by thousands of entries, as in a large corpus).
Queries are the labelled dev set (tests/eval/dev.jsonl). For each size it prints the
FTS5-candidate path's p50/p99 beside two baselines measured in the same run:
  * brute-rf: rapidfuzz `process.extractOne` over every normalised signature (C speed),
  * brute-full: our full scorer over every signature (same answers by construction),
and the share of dev queries where the fast path's answer equals the full brute force.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "skill"))

from app.checker import check_files
from app.evaluation import load_cases
from synapse_skill import match
from synapse_skill.normalize import normalize, tokens

MODULES = ["db", "net", "io", "cache", "auth", "llm", "queue", "store", "sync", "api", "core", "worker", "tools"]
SUFFIXES = ["Error", "Exception", "Failure", "Timeout", "Warning"]
FILLER = ["failed", "could", "not", "connect", "open", "read", "write", "file", "database", "table", "index", "session", "client", "server", "request", "response", "timeout", "limit", "exceeded", "invalid", "missing", "unknown", "cannot", "found", "value", "type", "key", "token", "model", "process", "thread", "lock", "permission", "denied", "refused", "closed", "reset", "memory", "disk", "space", "queue", "worker", "retry", "after", "status", "code", "host", "port", "path"]


def synthetic_signatures(n_entries: int, vocabulary: list[str], seed: int = 7) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    words = FILLER * 6 + vocabulary  # real words, the common ones over-represented
    entries = []
    for i in range(n_entries):
        sigs = []
        for _ in range(rng.randint(3, 7)):
            exc = f"{rng.choice(MODULES)}{rng.randint(1, 400)}.{rng.choice(FILLER).title()}{rng.choice(SUFFIXES)}"
            msg = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
            sigs.append(f"{exc}: {msg} {rng.choice(FILLER)}_{i}")
        entries.append((f"synthetic-{i}", sigs, ""))
    return entries


def build(n_total: int, real: list[tuple[str, list[str]]], vocabulary: list[str]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    match.create_schema(conn)
    conn.execute("BEGIN")
    for slug, sigs, title in real + synthetic_signatures(max(0, n_total - len(real)), vocabulary):
        match.index_entry(conn, slug, sigs, title)
    conn.execute("COMMIT")
    return conn


def answer(outcome) -> str | None:
    top = outcome.hits[0] if outcome.hits else None
    return top.slug if top and top.confident else None


def pct(values: list[float], p: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--brute-sample", type=int, default=30, help="queries timed on the brute-force paths")
    args = parser.parse_args()

    entries = check_files([ROOT / "solutions"]).entries
    real = [(e.slug, list(e.errors), e.title) for e in entries]
    vocabulary = sorted({t for _, sigs, _ in real for s in sigs for t in tokens(normalize(s)) if not t.startswith("_")})
    queries = [c.q for c in load_cases(ROOT / "tests" / "eval" / "dev.jsonl")]
    rng = random.Random(11)
    sample = rng.sample(queries, min(args.brute_sample, len(queries)))

    print(f"{len(real)} real entries, {len(queries)} dev queries, brute-force timed on {len(sample)} of them\n")
    header = (
        "| entries | signatures | build s | fast p50 ms | fast p99 ms | brute-rf p50 ms | brute-full p50 ms "
        "| speed-up vs brute-full | same answer as brute-full |"
    )
    print(header)
    print("|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        started = time.perf_counter()
        conn = build(size, real, vocabulary)
        build_s = time.perf_counter() - started
        n_sigs = conn.execute("SELECT count(*) FROM match_signatures").fetchone()[0]
        cache = match.TermCache()  # as the server keeps one per reader thread
        for q in queries[:20]:  # warm caches
            match.search(conn, q, cache=cache)

        fast_ms, fast_answers = [], {}
        for q in queries:
            t0 = time.perf_counter()
            out = match.search(conn, q, cache=cache)
            fast_ms.append((time.perf_counter() - t0) * 1000)
            fast_answers[q] = answer(out)

        norms = [match.prepare(s).norm for (s,) in conn.execute("SELECT signature FROM match_signatures")]
        rf_ms = []
        for q in sample:
            t0 = time.perf_counter()
            process.extractOne(normalize(q)[:400], norms, scorer=fuzz.token_set_ratio)
            rf_ms.append((time.perf_counter() - t0) * 1000)

        # The full brute force is the reference for answers; on big corpora only the sample is affordable.
        check = queries if size <= 1000 else sample
        full_ms, same = [], 0
        for q in check:
            t0 = time.perf_counter()
            out = match.search(conn, q, brute=True)
            full_ms.append((time.perf_counter() - t0) * 1000)
            same += answer(out) == fast_answers[q]
        p50 = statistics.median(fast_ms)
        print(
            f"| {size:,} | {n_sigs:,} | {build_s:.1f} | {p50:.2f} | {pct(fast_ms, 99):.2f} | "
            f"{statistics.median(rf_ms):.1f} | {statistics.median(full_ms):.1f} | "
            f"{statistics.median(full_ms) / p50:.0f}x | {same}/{len(check)} |",
            flush=True,
        )
        conn.close()


if __name__ == "__main__":
    main()
