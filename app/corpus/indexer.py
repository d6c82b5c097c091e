"""`synapse index`: bring the store in line with `solutions/`, in one transaction.

Unchanged files are skipped by content hash, changed ones replaced, deleted ones removed.
A file whose size and mtime are those recorded at the last run is not even read
(the `index_files` table, a cache), so re-indexing a large corpus after one edit reads one file.
Parsing happens before the transaction, so the writer is never held while files parse; the
transaction only applies the differences, and a crash at any point leaves the previous index
whole. A first index (no corpus entry stored yet: nothing to serve, no vote to delay) writes
each entry as the parsing processes hand it over, in the same single transaction.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app.corpus import facets
from app.corpus.entries import Entry, EntryInvalid, Problem, content_hash, read_entry_text
from app.corpus.parsing import Parsed, index_item, parse_one
from app.corpus.rows import delete_entry, put_entry_rows, put_new_entries
from app.store import match_rows
from app.store.engine import dialect, index_writer
from app.store.sqlite_store import Store
from synapse_skill.matching import matcher

# A file written this close before a run may be written again within the same mtime tick
# (up to 2 s on some filesystems) without its stat changing: it is hashed again next run.
RACY_NS = 2_000_000_000
# Files to parse from which worker processes pay for their start (~0.2 s each, spawned).
PARALLEL_PARSE_MIN = 400
MAX_PARSE_WORKERS = 8
PARSE_CHUNK = 64
WRITE_BATCH = 128  # entries per batch of inserts into an empty store


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self) -> str:
        return (
            f"indexed: {len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged, {len(self.problems and {p.path for p in self.problems})} invalid"
        )


FileStat = tuple[str, int, int]  # (path, mtime_ns, size): plain tuples, there are 10k of them per run
Recorded = tuple[int, int, int, str]  # (mtime_ns, size, checked_ns, content_hash) at the last run


@dataclass
class Plan:
    """What the files say, worked out before the transaction."""

    parsed: dict[str, Entry] = field(default_factory=dict)
    prepared: dict[str, matcher.PreparedEntry] = field(default_factory=dict)  # slug → its matcher rows
    same: dict[str, tuple[str, str]] = field(default_factory=dict)  # slug → (path, hash) believed unchanged
    checked: list[tuple] = field(default_factory=list)  # index_files rows of the files read this run
    listed: dict[str, str] = field(default_factory=dict)  # path → slug of every file present
    # (path, text) of the files that differ; text None: the parsing process reads the file itself
    to_parse: list[tuple[str, str | None]] = field(default_factory=list)
    unread: dict[str, tuple[int, int]] = field(
        default_factory=dict
    )  # path → (mtime_ns, size) of a file not read yet
    started_ns: int = 0  # when this run began: the `checked_ns` of the files it reads

    def keep_all(self, report: IndexReport, parsing: Iterator[Parsed]) -> None:
        for parsed in parsing:
            _keep(self, report, parsed)

    def entries(self, report: IndexReport, parsing: Iterator[Parsed]) -> Iterator[Entry]:
        """The parsed entries: those kept already, then each one as `parsing` yields it. Kept as
        they come, so a transaction run again (a PostgreSQL retry) sees every one of them."""
        yield from list(self.parsed.values())
        for parsed in parsing:
            entry = _keep(self, report, parsed)
            if entry is not None:
                yield entry


@dataclass(frozen=True)
class StoreState:
    """The corpus hashes and file records, and a mark that tells whether anything wrote since."""

    recorded: dict[str, Recorded]
    stored: dict[str, str]  # slug → content hash of the corpus entries
    mark: tuple


def index_solutions(store: Store, folder: Path) -> IndexReport:
    report = IndexReport()
    started_ns = time.time_ns()
    files = scan(folder) if folder.is_dir() else []
    state = store.write(_store_state)
    plan = _plan(files, state, started_ns, report)
    with _parsing(plan.to_parse) as parsing:
        if state.stored:  # entries are being served: parse every file before holding the writer
            plan.keep_all(report, parsing)  # drains `parsing`: the write then finds every entry kept
        return store.write(lambda conn: _apply(conn, plan, state, report, parsing))


def _apply(
    conn, plan: Plan, state: StoreState, report: IndexReport, parsing: Iterator[Parsed]
) -> IndexReport:
    # PostgreSQL may run this again after a serialization failure: start the counts afresh.
    report.added, report.changed, report.removed, report.unchanged = [], [], [], 0
    now = state.stored if _write_mark(conn) == state.mark else _corpus_hashes(conn)
    for slug, (path, digest) in plan.same.items():
        if now.get(slug) == digest:
            report.unchanged += 1
        else:  # the store moved since the plan: parse this file too
            _keep(plan, report, parse_one((path, None)))
    index = index_writer(conn)  # None on PostgreSQL: each node indexes the committed rows itself
    index_rows = matcher.IndexRows(index) if index is not None else None
    signatures = []  # prepared while parsing, outside this transaction
    facet_counts: Counter = Counter()  # applied once: see facets.replace
    new: list[Entry] | None = [] if conn.execute("SELECT 1 FROM entries LIMIT 1").fetchone() is None else None
    for entry in plan.entries(report, parsing):
        slug = entry.slug
        if now.get(slug) == entry.content_hash:
            report.unchanged += 1
            continue
        signatures.append(plan.prepared.get(slug) or matcher.prepare_entry(index_item(entry)))
        if new is not None:  # an empty store: rows in batches, nothing to replace
            new.append(entry)
            if len(new) == WRITE_BATCH:
                put_new_entries(conn, new, "corpus", facet_counts)
                new.clear()
                if index_rows is not None:  # the matcher's rows too, while the rest still parse
                    index_rows.add(signatures)
                    signatures.clear()
            report.added.append(slug)
        else:
            existed = slug in now or conn.execute("SELECT 1 FROM entries WHERE slug = ?", (slug,)).fetchone()
            put_entry_rows(conn, entry, origin="corpus", facet_counts=facet_counts)
            (report.changed if existed else report.added).append(slug)
    if new:
        put_new_entries(conn, new, "corpus", facet_counts)
    if index_rows is not None:
        index_rows.add(signatures)  # one pass over the matcher's tables for the rest
        index_rows.finish()
    else:
        match_rows.put(conn, signatures)  # what PostgreSQL's nodes copy into their index
    for slug in now.keys() - set(plan.listed.values()):  # a broken file keeps its last good version
        delete_entry(conn, slug, facet_counts)
        report.removed.append(slug)
    facets.apply_counts(conn, facet_counts)
    _record_files(conn, plan.checked, state.recorded.keys() - plan.listed.keys())
    return report


def scan(folder: Path) -> list[FileStat]:
    """The folder's `*.md` files with their stat, in name order: one directory read, one stat each."""
    with os.scandir(folder) as found:
        return [
            (e.path, st.st_mtime_ns, st.st_size)
            for e in sorted(found, key=lambda e: e.name)
            if e.name.endswith(".md") and e.is_file()
            for st in (e.stat(),)
        ]


def _store_state(conn) -> StoreState:
    dialect(conn).ensure_index_files(conn)  # what the last runs saw of each file (a cache)
    recorded = {
        r[0]: r[1:]
        for r in conn.execute("SELECT path, mtime_ns, size, checked_ns, content_hash FROM index_files")
    }
    return StoreState(recorded, _corpus_hashes(conn), _write_mark(conn))


def _corpus_hashes(conn) -> dict[str, str]:
    """slug → content hash of every corpus entry (walks every row's overflow pages: ~30 ms at 10k)."""
    return dict(conn.execute("SELECT slug, content_hash FROM entries WHERE origin = 'corpus'").fetchall())


def _write_mark(conn) -> tuple:
    """Equal marks on the writer's connection mean nothing wrote in between, in this process or another."""
    return id(conn), dialect(conn).data_version(conn), conn.total_changes


def _unchanged_since(seen: Recorded, mtime_ns: int, size: int) -> bool:
    """Same stat as at the last run, and the file was not racily new then: it cannot have changed."""
    return seen[0] == mtime_ns and seen[1] == size and mtime_ns < seen[2] - RACY_NS


def _plan(files: list[FileStat], state: StoreState, started_ns: int, report: IndexReport) -> Plan:
    """Read only files whose stat moved; parse only files whose content differs from the store.

    With no entry stored yet every file is parsed, so a big first index leaves reading and hashing
    to the parsing processes too (in one process they were a second of serial work at 10k files)."""
    plan = Plan(started_ns=started_ns)
    if not state.stored and len(files) >= PARALLEL_PARSE_MIN:
        for path, mtime_ns, size in files:
            plan.listed[path] = os.path.basename(path)[:-3]
            plan.to_parse.append((path, None))
            plan.unread[path] = (mtime_ns, size)
        return plan
    for path, mtime_ns, size in files:
        slug = os.path.basename(path)[:-3]
        plan.listed[path] = slug
        seen = state.recorded.get(path)
        if seen is not None and _unchanged_since(seen, mtime_ns, size) and state.stored.get(slug) == seen[3]:
            plan.same[slug] = (path, seen[3])
            continue
        try:
            text = read_entry_text(Path(path))
        except EntryInvalid as exc:  # not UTF-8
            report.problems.extend(exc.problems)
            continue
        digest = content_hash(text)
        plan.checked.append((path, mtime_ns, size, started_ns, digest))
        if state.stored.get(slug) == digest:
            plan.same[slug] = (path, digest)
        else:
            plan.to_parse.append((path, text))
    return plan


def _keep(plan: Plan, report: IndexReport, parsed: Parsed) -> Entry | None:
    path, digest, entry, prepared, problems = parsed
    if path in plan.unread and digest is not None:  # read by a parsing process: record it as read
        plan.checked.append((path, *plan.unread.pop(path), plan.started_ns, digest))
    report.problems.extend(problems)
    if entry is None or prepared is None:
        return None
    plan.parsed[entry.slug] = entry
    plan.prepared[entry.slug] = prepared
    return entry


@contextmanager
def _parsing(items: list[tuple[str, str | None]]) -> Iterator[Iterator[Parsed]]:
    """Parse (path, text) pairs and prepare their matcher rows, lazily and in order: in parallel
    processes when there are enough to pay for starting them (a first index of a big corpus),
    since this, not writing, is most of a full index."""
    workers = min(os.cpu_count() or 1, MAX_PARSE_WORKERS)
    if len(items) < PARALLEL_PARSE_MIN or workers < 2:
        yield map(parse_one, items)
        return
    # "spawn": the caller has threads (the store's writer and readers), which fork does not copy safely.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool.map(parse_one, items, chunksize=PARSE_CHUNK)


def _record_files(conn, checked: list[tuple], gone: set[str]) -> None:
    conn.executemany(
        "INSERT INTO index_files (path, mtime_ns, size, checked_ns, content_hash) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (path) DO UPDATE SET mtime_ns = excluded.mtime_ns, size = excluded.size,"
        " checked_ns = excluded.checked_ns, content_hash = excluded.content_hash",
        checked,
    )
    conn.executemany("DELETE FROM index_files WHERE path = ?", [(path,) for path in gone])
