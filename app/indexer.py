"""`synapse index`: bring the store in line with `solutions/`, in one transaction.

Unchanged files are skipped by content hash, changed ones replaced, deleted ones removed.
Parsing happens before the transaction; the transaction only applies the differences, so
a crash at any point leaves the previous index whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.checker import entry_files
from app.entries import Entry, EntryInvalid, Problem, parse_entry
from app.entries_db import delete_entry, put_entry
from app.store import Store


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


def index_solutions(store: Store, folder: Path) -> IndexReport:
    report = IndexReport()
    parsed: dict[str, Entry] = {}
    for path in entry_files([folder]) if folder.is_dir() else []:
        try:
            entry = parse_entry(path)
        except EntryInvalid as exc:
            report.problems.extend(exc.problems)
            continue
        parsed[entry.slug] = entry

    def apply(conn) -> IndexReport:
        stored = dict(conn.execute("SELECT slug, content_hash FROM entries WHERE origin = 'corpus'").fetchall())
        others = {r[0] for r in conn.execute("SELECT slug FROM entries WHERE origin != 'corpus'")}
        invalid_slugs = {Path(p.path).stem for p in report.problems}
        for slug, entry in parsed.items():
            if stored.get(slug) == entry.content_hash:
                report.unchanged += 1
                continue
            put_entry(conn, entry, origin="corpus")
            (report.changed if slug in stored or slug in others else report.added).append(slug)
        for slug in stored.keys() - parsed.keys():
            if slug in invalid_slugs:
                continue  # a broken edit keeps the last good version published
            delete_entry(conn, slug)
            report.removed.append(slug)
        return report

    return store.write(apply)
