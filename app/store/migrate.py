"""`synapse migrate`: copy a SQLite database into PostgreSQL, losing nothing.

Entries with their fixes, votes (feedback and entry_stats), search statistics (queries,
their salted client hashes and the salt itself, counters), submissions with their review
state, rate-limit windows and the indexer's file records are copied in one PostgreSQL
transaction, from one read snapshot of the SQLite file (opened read-only: the source is
never changed, and a server may keep running on it). Before COMMIT the row count of every
table and the sums of every counter are compared with the source; any difference rolls
the whole copy back. A target that holds data is refused unless `force` is given, which
empties it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from app.store import match_rows, pg_schema
from app.store.connections import open_reader
from app.store.schema import SCHEMA_VERSION
from synapse_skill.matching import matcher

# Parents before children (fixes refer to entries). Each: table, columns compared by sum.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("entries", ("token_savings",)),
    ("entry_facets", ()),
    ("facet_counts", ("n",)),
    ("fixes", ("position",)),
    ("submissions", ()),
    ("feedback", ("worked",)),
    ("entry_stats", ("matched", "worked", "failed", "stars")),
    ("queries", ("count", "confident", "hidden")),
    ("query_clients", ()),
    ("query_salt", ()),
    ("counters", ("value",)),
    ("rate_hits", ("hits",)),
    ("index_files", ()),
)
SERIAL_IDS = ("fixes", "feedback")  # their id sequences continue after the copied ids


class MigrateError(RuntimeError):
    """The copy cannot be made, or would not be faithful; nothing was written."""


@dataclass
class MigrateReport:
    counts: dict[str, int] = field(default_factory=dict)  # table → rows copied (= rows in the source)
    sums: dict[str, int] = field(default_factory=dict)  # "table.column" → the same sum on both sides

    def summary(self) -> str:
        lines = [f"{table:14} {count:>8} rows" for table, count in self.counts.items()]
        return "\n".join(lines)


def sqlite_path(source: str) -> Path:
    """`sqlite:///abs/path.db`, `sqlite://relative.db` or a plain path → the file's path."""
    for prefix in ("sqlite:///", "sqlite://"):
        if source.startswith(prefix):
            rest = source[len(prefix) :]
            return Path("/" + rest if prefix == "sqlite:///" else rest)
    return Path(source)


def target_has_data(raw: psycopg.Connection) -> dict[str, int]:
    """Tables of the target that hold rows (query_salt's one generated row does not count)."""
    found = {}
    for table, _ in TABLES:
        if table == "query_salt":
            continue
        n = raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        if n:
            found[table] = int(n)
    return found


def migrate_sqlite_to_postgres(source: Path, url: str, force: bool = False) -> MigrateReport:
    if not source.is_file():
        raise MigrateError(f"no SQLite database at {source}")
    src = open_reader(source)
    try:
        version = src.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise MigrateError(
                f"{source} has schema {version}, this version copies schema {SCHEMA_VERSION}: "
                f"run `synapse index --db {source}` first (it migrates the file)"
            )
        with psycopg.connect(url, autocommit=True) as raw:
            pg_schema.migrate(raw)
            present = target_has_data(raw)
            if present and not force:
                listed = ", ".join(f"{t} ({n})" for t, n in present.items())
                raise MigrateError(f"the target already holds data: {listed}; give --force to replace it")
            src.execute("BEGIN")  # one read snapshot of the source for the whole copy
            try:
                with raw.transaction():
                    return _copy(src, raw)
            finally:
                src.execute("COMMIT")
    finally:
        src.close()


def _copy(src, raw: psycopg.Connection) -> MigrateReport:
    report = MigrateReport()
    names = ", ".join(table for table, _ in TABLES)
    raw.execute(f"TRUNCATE {names}, entry_changes, match_rows")
    # Running nodes rebuild their matcher index: the change log no longer reaches their generation.
    raw.execute("UPDATE synapse_meta SET generation = generation + 1, pruned_below = generation + 1")
    for table, summed in TABLES:
        columns = [row[1] for row in src.execute(f"PRAGMA table_info({table})")]
        target = {
            r[0]
            for r in raw.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
            )
        }
        missing = [c for c in columns if c not in target]
        if missing:
            raise MigrateError(f"{table}: the target has no column {', '.join(missing)}")
        quoted = ", ".join(f'"{c}"' for c in columns)
        rows = 0
        with raw.cursor().copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in src.execute(f"SELECT {quoted} FROM {table}"):
                copy.write_row([_text(v) for v in row])
                rows += 1
        report.counts[table] = rows
        _compare(src, raw, table, summed, rows, report)
    # The nodes copy each entry's prepared matcher rows (app.store.match_rows): take them from
    # the source's own index instead of preparing every signature again.
    # (A source index of another format is not copied: the nodes prepare those entries.)
    if not matcher.stale_format(src):
        with raw.cursor() as cur:
            cur.executemany(
                "INSERT INTO match_rows (slug, rows) VALUES (%s, %s)",
                [match_rows.as_row(p) for p in matcher.read_prepared(src)],
            )
    for table in SERIAL_IDS:
        raw.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
        )
    return report


def _compare(src, raw, table: str, summed: tuple[str, ...], rows: int, report: MigrateReport) -> None:
    copied = raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if copied != rows or rows != src.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
        raise MigrateError(f"{table}: {rows} rows in the source, {copied} in the target")
    for column in summed:
        theirs = src.execute(f'SELECT coalesce(sum("{column}"), 0) FROM {table}').fetchone()[0]
        ours = raw.execute(f'SELECT coalesce(sum("{column}"), 0) FROM {table}').fetchone()[0]
        if int(theirs) != int(ours):
            raise MigrateError(f"{table}.{column}: sum {theirs} in the source, {ours} in the target")
        report.sums[f"{table}.{column}"] = int(ours)


def _text(value):
    """PostgreSQL text cannot hold NUL (SQLite's can): it becomes U+FFFD, as in the store."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value
