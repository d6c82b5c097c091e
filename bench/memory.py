"""Memory benchmark: resident size of one `synapse serve` worker with 100k entries indexed.

    .venv/bin/python -m bench.memory [--quick]

Two real servers, one after the other, each `synapse serve --workers 1` (uvicorn then serves
in the `synapse serve` process itself, so its /proc/PID/status is the worker's):
* baseline: a fresh database, indexed by the server at start from the real solutions/;
* large: the same, plus n - 41 generated entries (`bench.corpus.as_entry`, no Markdown
  files) written before the server starts through the app's own row writer
  (`app.corpus.rows.put_entry` in one `Store.write`), as published approved submissions
  (origin 'submission'), so the server's start-up index of solutions/ keeps them: the
  server sees a normal database of n entries. Their stored Markdown is a plain rendering
  of the same fields (`plain_markdown`): the server never parses it, and the export writer's
  YAML quoting would double the build time.
Each server first answers a warm-up of searches (the dev-set queries through `GET /search`),
then VmRSS (now) and VmHWM (peak) are read from /proc.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from app.corpus.entries import Entry, content_hash
from app.corpus.rows import put_entry
from app.store.sqlite_store import Store
from bench.common import ROOT, Row, Section, free_port, stop, wait_ready
from bench.corpus import as_entry, real_entries, synthetic_entries

SIZES = {"full": 100_000, "quick": 10_000}
WARMUP = 200


def build_db(db: Path, n_synthetic: int) -> None:
    """n_synthetic generated entries, published as approved submissions (the index of solutions/ keeps them)."""
    rows = []
    for item in synthetic_entries(n_synthetic):
        entry = as_entry(item)
        text = plain_markdown(entry)
        rows.append(dataclasses.replace(entry, markdown=text, content_hash=content_hash(text)))

    def write(conn) -> None:
        for entry in rows:
            put_entry(conn, entry, origin="submission")

    store = Store(db)
    try:
        store.write(write)
    finally:
        store.close()


def plain_markdown(entry: Entry) -> str:
    """The entry's text at its real size, without the front matter's YAML quoting."""
    fixes = "\n".join(f"### {f.title}\n{f.description}\n```{f.language}\n{f.code}```\n" for f in entry.fixes)
    errors = "\n".join(f"  - {e}" for e in entry.errors)
    return (
        f"---\ntitle: {entry.title}\nerrors:\n{errors}\n---\n\n## Symptom\n{entry.symptom}\n\n"
        f"## Root cause\n{entry.root_cause}\n\n## Fix\n{fixes}\n## Limits\n{entry.limits}\n"
    )


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "SYNAPSE_DB": str(db), "SYNAPSE_SOLUTIONS": str(ROOT / "solutions")}
    cmd = [
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )


def warm_up(url: str, queries: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        for q in queries:
            client.get("/search", params={"q": q}).raise_for_status()


def resident_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of `pid`, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def serve_and_measure(db: Path, queries: list[str]) -> dict[str, int]:
    """Start a server on `db`, warm it up with searches, read its memory; always stop it."""
    port, log = free_port(), db.with_suffix(".log")
    proc = start_server(db, port, log)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(proc, url + "/healthz", log, timeout=300)
        warm_up(url, queries)
        entries = httpx.get(url + "/healthz", timeout=30).json()["entries"]
        return {**resident_kib(proc.pid), "entries": entries}
    finally:
        stop(proc)


def dev_queries(n: int) -> list[str]:
    lines = (ROOT / "tests" / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["q"] for line in lines if line.strip()][:n]


def measure(n: int) -> dict:
    queries = dev_queries(WARMUP)
    with tempfile.TemporaryDirectory(prefix="synapse-bench-memory-") as tmp:
        base = serve_and_measure(Path(tmp) / "real.db", queries)
        big_db = Path(tmp) / "large.db"
        started = time.perf_counter()
        build_db(big_db, n - len(real_entries()))
        build_s = time.perf_counter() - started
        big = serve_and_measure(big_db, queries)
        size = sum(p.stat().st_size for p in Path(tmp).glob("large.db*"))
    return {"n": n, "base": base, "big": big, "build_s": build_s, "db_bytes": size}


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def summary_rows(m: dict) -> list[Row]:
    base, big = m["base"], m["big"]
    return [
        Row(
            f"Memory: one `synapse serve` worker, {big['entries']:,} entries, after {WARMUP} searches (VmRSS)",
            f"{mib(big['VmRSS'])} (peak {mib(big['VmHWM'])})",
            f"{mib(base['VmRSS'])} ({base['entries']} real entries; peak {mib(base['VmHWM'])})",
            f"{big['VmRSS'] / base['VmRSS']:.2f}x",
        )
    ]


def detail_table(m: dict) -> str:
    base, big = m["base"], m["big"]
    per_entry = (big["VmRSS"] - base["VmRSS"]) * 1024 / max(1, big["entries"] - base["entries"])
    lines = [
        f"Large database built in {m['build_s']:.0f} s through `put_entry` (no Markdown files); "
        f"{m['db_bytes'] / 1024 / 1024:.0f} MiB on disk.",
        "",
        "| server | entries | VmRSS | VmHWM (peak) |",
        "|---|---|---|---|",
        f"| baseline: real corpus | {base['entries']:,} | {mib(base['VmRSS'])} | {mib(base['VmHWM'])} |",
        f"| large | {big['entries']:,} | {mib(big['VmRSS'])} | {mib(big['VmHWM'])} |",
        "",
        f"About {per_entry / 1024:.1f} KiB of resident memory per added entry.",
    ]
    return "\n".join(lines)


def run(quick: bool) -> Section:
    m = measure(SIZES["quick" if quick else "full"])
    return Section("Memory", summary_rows(m), detail_table(m))


if __name__ == "__main__":
    section = run(quick="--quick" in sys.argv)
    print(section.detail)
