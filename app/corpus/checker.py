"""`synapse check`: every rule of the entry format, across a whole set of files."""

from __future__ import annotations

import importlib.util
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.corpus import pyversions, safety
from app.corpus.entries import Entry, EntryInvalid, Problem, code_blocks, parse_entry, signature_key
from app.corpus.parsing import index_item
from synapse_skill.matching import matcher


@dataclass
class CheckReport:
    entries: list[Entry]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def entry_files(paths: list[Path]) -> list[Path]:
    """Expand directories to their `*.md` files, sorted so output is stable."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.md") if p.is_file()))
        else:
            files.append(path)
    return files


def check_files(paths: list[Path], project_root: Path | None = None) -> CheckReport:
    """Validate each file, then the rules that span files (duplicate slugs and signatures)."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    versions_checked = importlib.util.find_spec("vermin") is not None  # a `dev` extra
    if not versions_checked:
        problems.append(
            Problem("vermin", 1, "not installed (pip install -e '.[dev]'): Python versions unchecked")
        )
    for path in entry_files(paths):
        if not path.exists():
            problems.append(Problem(str(path), 1, "no such file"))
            continue
        try:
            entry = parse_entry(path)
        except EntryInvalid as exc:
            problems.extend(exc.problems)
            continue
        if entry.verified_by and project_root and not (project_root / entry.verified_by).is_file():
            problems.append(Problem(entry.path, 1, f"verified_by names a missing file: {entry.verified_by}"))
        problems.extend(safety_problems(entry))
        problems.extend(python_version_problems(entry) if versions_checked else [])
        entries.append(entry)
    problems.extend(_cross_entry_problems(entries))
    problems.extend(look_alike_problems(entries))
    return CheckReport(entries, problems)


def memory_index(entries: list[Entry]) -> sqlite3.Connection:
    """These entries in a private in-memory matcher index (no store needed)."""
    conn = sqlite3.connect(":memory:")
    matcher.create_schema(conn)
    matcher.index_entries(conn, [index_item(e) for e in entries])
    return conn


def look_alike_problems(entries: list[Entry]) -> list[Problem]:
    """An entry must not confidently answer the look-alikes it lists as `not_errors`."""
    if not any(e.not_errors for e in entries):
        return []
    conn = memory_index(entries)
    problems = []
    for entry in entries:
        own = {signature_key(sig) for sig in entry.errors}
        for i, text in enumerate(entry.not_errors):
            line = entry.not_error_lines[i] if i < len(entry.not_error_lines) else 1
            if signature_key(text) in own:
                problems.append(
                    Problem(entry.path, line, f"not_errors item is also one of its errors: {text!r}")
                )
                continue
            hits = matcher.search(conn, text, limit=1).hits
            if hits and hits[0].confident and hits[0].slug == entry.slug:
                problems.append(
                    Problem(
                        entry.path,
                        line,
                        f"answers its own not_errors item confidently ({hits[0].score}): {text!r}",
                    )
                )
    return problems


def safety_problems(entry: Entry) -> list[Problem]:
    """Fix code that would harm an agent applying it blindly (`app.corpus.safety`)."""
    return [
        Problem(entry.path, finding.line, finding.message)
        for block in code_blocks(entry.markdown)
        for finding in safety.findings(block)
    ]


def python_version_problems(entry: Entry) -> list[Problem]:
    """Fix code that needs a newer Python than its block and entry claim (see pyversions)."""
    oldest = pyversions.entry_oldest(entry.applies_to)
    return [
        Problem(entry.path, line, message)
        for block in code_blocks(entry.markdown)
        for line, message in pyversions.block_problems(block, oldest)
    ]


def _cross_entry_problems(entries: list[Entry]) -> list[Problem]:
    problems = []
    slugs: dict[str, Entry] = {}
    signatures: dict[str, Entry] = {}
    for entry in entries:
        if entry.slug in slugs:
            problems.append(
                Problem(entry.path, 1, f"duplicate slug {entry.slug!r} (also {slugs[entry.slug].path})")
            )
        slugs.setdefault(entry.slug, entry)
        for i, sig in enumerate(entry.errors):
            key = signature_key(sig)
            other = signatures.get(key)
            line = entry.error_lines[i] if i < len(entry.error_lines) else 1
            if other is not None and other is not entry:
                problems.append(
                    Problem(entry.path, line, f"duplicate error signature {sig!r} (also in {other.path})")
                )
            elif other is entry:
                problems.append(Problem(entry.path, line, f"error signature listed twice: {sig!r}"))
            signatures.setdefault(key, entry)
    return problems
