"""`synapse check`: every rule of the entry format, across a whole set of files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.corpus.entries import Entry, EntryInvalid, Problem, parse_entry, signature_key


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
        entries.append(entry)
    problems.extend(_cross_entry_problems(entries))
    return CheckReport(entries, problems)


def _cross_entry_problems(entries: list[Entry]) -> list[Problem]:
    problems = []
    slugs: dict[str, Entry] = {}
    signatures: dict[str, Entry] = {}
    for entry in entries:
        if entry.slug in slugs:
            problems.append(Problem(entry.path, 1, f"duplicate slug {entry.slug!r} (also {slugs[entry.slug].path})"))
        slugs.setdefault(entry.slug, entry)
        for i, sig in enumerate(entry.errors):
            key = signature_key(sig)
            other = signatures.get(key)
            line = entry.error_lines[i] if i < len(entry.error_lines) else 1
            if other is not None and other is not entry:
                problems.append(Problem(entry.path, line, f"duplicate error signature {sig!r} (also in {other.path})"))
            elif other is entry:
                problems.append(Problem(entry.path, line, f"error signature listed twice: {sig!r}"))
            signatures.setdefault(key, entry)
    return problems
