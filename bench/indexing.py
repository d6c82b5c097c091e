"""Indexing benchmark: `synapse index` of 10k Markdown entries, then the re-index of one edited file.

    .venv/bin/python -m bench.indexing [--quick]

The entries are written by `bench.corpus.write_markdown` (the app's own writer of the
format, valid by `synapse check`) into a temporary folder and dated an hour back, as a
checkout at rest is. The indexer runs in-process: `app.corpus.indexer.index_solutions(Store(db),
folder)`, exactly what `synapse index --db DB --solutions FOLDER` calls, on a fresh database.
CPU seconds are printed beside wall seconds: the machine is shared, CPU time drifts less.

Baselines in the same run, on the same files:
* parse only: `app.corpus.entries.parse_entry` on every file, no store (validation included);
* plain insert: one `executemany` of the same entries' main columns into a bare SQLite
  table in one transaction (what any store must at least write);
* for the one-file re-index: listing the folder with each file's stat (`indexer.scan`), the
  least any re-index must do to notice which file changed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.corpus.entries import Entry, parse_entry
from app.corpus.indexer import index_solutions, scan
from app.store.sqlite_store import Store
from bench.common import Row, Section, median, table, time_calls
from bench.corpus import CorpusEntry, as_markdown, corpus, write_markdown

SIZES = {"full": 10_000, "quick": 2_000}
EDITS = 9  # one-file re-indexes, each with a new revision of the same file
TARGET_FULL_S_PER_10K, TARGET_ONE_MS = 10.0, 200.0


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result): the store's writer thread counts as CPU too."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def write_corpus(folder: Path, items: list[CorpusEntry]) -> list[Path]:
    """One file per entry, dated an hour back (a fresh write is hashed again by the next run, see app/indexer.py)."""
    paths = write_markdown(folder, items)
    past = time.time() - 3600
    for path in paths:
        os.utime(path, (past, past))
    return paths


def plain_insert(db: Path, entries: list[Entry]) -> None:
    """The baseline store: the same entries' main columns, one executemany, one transaction."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE entries (slug TEXT PRIMARY KEY, title TEXT, errors TEXT, markdown TEXT, hash TEXT)"
        )
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?)",
            [(e.slug, e.title, json.dumps(e.errors), e.markdown, e.content_hash) for e in entries],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def edit_and_reindex(store: Store, folder: Path, entry: CorpusEntry, n: int) -> list[float]:
    """Milliseconds of `index_solutions` after each of `n` edits of one entry's file."""
    path = folder / f"{entry.slug}.md"
    times = []
    for revision in range(2, 2 + n):
        path.write_text(as_markdown(entry, revision), encoding="utf-8")
        seconds, _, report = timed(lambda: index_solutions(store, folder))
        assert report.changed == [entry.slug], report.summary()
        times.append(seconds * 1000)
    return times


def measure(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="synapse-bench-index-") as tmp:
        folder = Path(tmp) / "solutions"
        items = corpus(n)
        paths = write_corpus(folder, items)
        size = sum(p.stat().st_size for p in paths) / n
        parse_s, parse_cpu, entries = timed(lambda: [parse_entry(p) for p in paths])
        insert_s, _, _ = timed(lambda: plain_insert(Path(tmp) / "plain.db", entries))
        store = Store(Path(tmp) / "synapse.db")
        try:
            full_s, full_cpu, report = timed(lambda: index_solutions(store, folder))
            assert len(report.added) == n and not report.problems, report.summary()
            noop_s, _, _ = timed(lambda: index_solutions(store, folder))
            one_ms = edit_and_reindex(store, folder, items[n // 2], EDITS)
        finally:
            store.close()
        scan_ms = time_calls(lambda: scan(folder), EDITS)
        parse_one_ms = time_calls(lambda: parse_entry(paths[n // 2]), EDITS)
    return {
        "n": n,
        "bytes": size,
        "full_s": full_s,
        "full_cpu": full_cpu,
        "parse_s": parse_s,
        "parse_cpu": parse_cpu,
        "insert_s": insert_s,
        "noop_s": noop_s,
        "one_ms": median(one_ms),
        "one_max_ms": max(one_ms),
        "scan_ms": median(scan_ms),
        "parse_one_ms": median(parse_one_ms),
    }


def summary_rows(m: dict[str, float]) -> list[Row]:
    n = int(m["n"])
    target_s = TARGET_FULL_S_PER_10K * n / 10_000
    floor = m["parse_s"] + m["insert_s"]
    return [
        Row(
            f"Index: {n:,} Markdown entries into a fresh db (in-process)",
            f"{m['full_s']:.1f} s ({m['full_cpu']:.1f} s CPU)",
            f"{floor:.1f} s (parse only + plain executemany)",
            f"{m['full_s'] / floor:.2f}x",
            f"≤ {target_s:g} s ({TARGET_FULL_S_PER_10K:g} s per 10k)",
            m["full_s"] <= target_s,
        ),
        Row(
            f"Re-index after one file changed, {n:,} entries (median of {EDITS})",
            f"{m['one_ms']:.0f} ms",
            f"{m['scan_ms']:.0f} ms (listing the folder with stat)",
            f"{m['one_ms'] / m['scan_ms']:.1f}x",
            f"≤ {TARGET_ONE_MS:g} ms",
            m["one_ms"] <= TARGET_ONE_MS,
        ),
    ]


def detail_table(m: dict[str, float]) -> str:
    n = int(m["n"])
    rows = [
        (
            "full index (`index_solutions`, fresh db)",
            f"{m['full_s']:.2f} s wall, {m['full_cpu']:.2f} s CPU",
            f"{m['full_s'] / n * 1e6:.0f} µs",
        ),
        (
            "baseline: parse + validate every file, no store",
            f"{m['parse_s']:.2f} s wall, {m['parse_cpu']:.2f} s CPU",
            f"{m['parse_s'] / n * 1e6:.0f} µs",
        ),
        (
            "baseline: plain executemany of the parsed rows",
            f"{m['insert_s']:.2f} s",
            f"{m['insert_s'] / n * 1e6:.0f} µs",
        ),
        ("re-index, nothing changed", f"{m['noop_s'] * 1000:.0f} ms", "-"),
        (
            f"re-index, one file changed (median / max of {EDITS})",
            f"{m['one_ms']:.0f} / {m['one_max_ms']:.0f} ms",
            "-",
        ),
        ("baseline: list the folder with stat (`indexer.scan`)", f"{m['scan_ms']:.0f} ms", "-"),
        ("baseline: parse that one file", f"{m['parse_one_ms']:.1f} ms", "-"),
    ]
    lines = [
        f"{n:,} entries, {m['bytes'] / 1024:.1f} KiB each on average.",
        "",
        *table(("step", "time", "per entry"), rows),
    ]
    return "\n".join(lines)


def run(quick: bool) -> Section:
    m = measure(SIZES["quick" if quick else "full"])
    return Section("Indexing", summary_rows(m), detail_table(m))


if __name__ == "__main__":
    section = run(quick="--quick" in sys.argv)
    print(section.detail)
