"""Matcher latency in process at 1k / 10k / 100k entries, beside two baselines of the same run.

    .venv/bin/python -m bench.match [--sizes 1000 10000 100000] [--brute-sample 10]

Each corpus holds the real entries of solutions/ plus synthetic ones built from the same
vocabulary (bench/corpus.py), so real words are shared by thousands of signatures. Queries
are the labelled dev set (tests/eval/dev.jsonl): whole tracebacks, log lines, one-liners and
errors no entry covers. Per size it prints the production path's p50/p99 beside
  * bm25: plain FTS5 — the OR of the query's words ranked by bm25, top 5 (no scoring; on
    a sample of 100 queries),
  * brute-rf: rapidfuzz `process.extractOne` over every normalised signature (C speed),
  * brute-full: our full scorer over every signature (all loaded and weighed beforehand),
    the reference for the answers,
and how often the production path gives the same confident answer (or abstention) as
brute-full: on every dev query at 1k, on a sample above.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time

from rapidfuzz import fuzz, process

from app.search.evaluation import load_cases
from bench.common import ROOT, Row, Section, median, pct
from bench.corpus import corpus
from synapse_skill.matching import matcher
from synapse_skill.matching.extract import extract
from synapse_skill.matching.normalize import normalize
from synapse_skill.matching.score import prepare_error

TARGET_P50_MS, TARGET_P99_MS = 2.0, 10.0
BM25_QUERIES = 100  # plain bm25 over every word is slow on big corpora: timed on a sample


def build(n_entries: int) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    matcher.create_schema(conn)
    matcher.index_entries(conn, [(e.slug, list(e.signatures), e.title) for e in corpus(n_entries)])
    conn.commit()
    return conn


def answer(outcome: matcher.Outcome) -> str | None:
    top = outcome.hits[0] if outcome.hits else None
    return top.slug if top and top.confident else None


def bm25_top(conn: sqlite3.Connection, text: str) -> list[int]:
    """What plain full-text search would do: every query word, OR-ed, ranked by bm25."""
    words = sorted({t for err in extract(text).all_errors() for t in prepare_error(err).tokens})
    if not words:
        return []
    fts_query = " OR ".join('"' + w.replace('"', '""') + '"' for w in words[:64])
    rows = conn.execute(
        "SELECT rowid FROM match_fts WHERE match_fts MATCH ? ORDER BY rank LIMIT 5", (fts_query,)
    )
    return [r[0] for r in rows]


def timed(fn, items) -> tuple[list[float], list]:
    times, results = [], []
    for item in items:
        t0 = time.perf_counter()
        results.append(fn(item))
        times.append((time.perf_counter() - t0) * 1000)
    return times, results


def measure(size: int, queries: list[str], sample: list[str]) -> dict:
    started = time.perf_counter()
    conn = build(size)
    build_s = time.perf_counter() - started
    n_sigs = conn.execute("SELECT count(*) FROM match_signatures").fetchone()[0]
    cache = matcher.IndexCache()  # as the server keeps one per reader thread
    for q in queries[:20]:
        matcher.search(conn, q, cache=cache)
    fast_ms, fast = timed(lambda q: answer(matcher.search(conn, q, cache=cache)), queries)
    bm25_ms, _ = timed(
        lambda q: bm25_top(conn, q), random.Random(5).sample(queries, min(BM25_QUERIES, len(queries)))
    )
    norms = [n for (n,) in conn.execute("SELECT norm FROM match_signatures")]
    rf_ms, _ = timed(
        lambda q: process.extractOne(normalize(q)[:400], norms, scorer=fuzz.token_set_ratio), sample
    )
    check = queries if size <= 1000 else sample
    everything = matcher.IndexCache(max_signatures=n_sigs)  # brute force with every signature loaded once
    matcher.search(conn, queries[0], brute=True, cache=everything)
    full_ms, full = timed(lambda q: answer(matcher.search(conn, q, brute=True, cache=everything)), check)
    fast_by_query = dict(zip(queries, fast, strict=True))
    same = sum(fast_by_query[q] == a for q, a in zip(check, full, strict=True))
    conn.close()
    return {
        "size": size,
        "signatures": n_sigs,
        "build_s": build_s,
        "fast_p50": median(fast_ms),
        "fast_p99": pct(fast_ms, 99),
        "bm25_p50": median(bm25_ms),
        "bm25_p99": pct(bm25_ms, 99),
        "rf_p50": median(rf_ms),
        "full_p50": median(full_ms),
        "same": same,
        "checked": len(check),
    }


def detail_table(results: list[dict]) -> str:
    lines = [
        "| entries | signatures | build s | matcher p50 ms | matcher p99 ms | FTS5 bm25 p50 / p99 ms | brute-rf p50 ms "
        "| brute-full p50 ms | speed-up vs brute-full | same answer as brute-full |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['signatures']:,} | {r['build_s']:.1f} | {r['fast_p50']:.2f} | {r['fast_p99']:.2f} "
            f"| {r['bm25_p50']:.2f} / {r['bm25_p99']:.2f} | {r['rf_p50']:.1f} | {r['full_p50']:.1f} "
            f"| {r['full_p50'] / r['fast_p50']:.0f}x | {r['same']}/{r['checked']} |"
        )
    return "\n".join(lines)


def run(quick: bool = False, sizes: list[int] | None = None, brute_sample: int = 10) -> Section:
    sizes = sizes or ([1000, 10000] if quick else [1000, 10000, 100000])
    queries = [c.q for c in load_cases(ROOT / "tests" / "eval" / "dev.jsonl")]
    sample = random.Random(11).sample(queries, min(brute_sample, len(queries)))
    results = []
    for size in sizes:
        results.append(measure(size, queries, sample))
        print(detail_table(results[-1:]).splitlines()[-1], flush=True)
    rows = [
        Row(
            f"match, {r['size']:,} entries ({r['signatures']:,} signatures)",
            f"p50 {r['fast_p50']:.2f} ms, p99 {r['fast_p99']:.2f} ms",
            f"brute force p50 {r['full_p50']:.0f} ms; FTS5 bm25 p50 {r['bm25_p50']:.2f} ms",
            f"{r['full_p50'] / r['fast_p50']:.0f}x faster than brute force; same answer {r['same']}/{r['checked']}",
            f"p50 ≤ {TARGET_P50_MS:g} ms, p99 ≤ {TARGET_P99_MS:g} ms" if r["size"] >= 100000 else "-",
            (r["fast_p50"] <= TARGET_P50_MS and r["fast_p99"] <= TARGET_P99_MS)
            if r["size"] >= 100000
            else None,
        )
        for r in results
    ]
    note = f"Queries: the {len(queries)} dev-set cases; brute force timed on {len(sample)} of them."
    return Section("Matcher latency in process", rows, note + "\n\n" + detail_table(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--brute-sample", type=int, default=10, help="queries timed on the brute-force paths")
    args = parser.parse_args()
    section = run(sizes=args.sizes, brute_sample=args.brute_sample)
    print(section.detail)


if __name__ == "__main__":
    main()
