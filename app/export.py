"""Entries back to Markdown: the writer of the entry format, and `synapse export`.

Submissions flow form → pending row → review → published row → `solutions/<slug>.md`.
`entry_markdown` is the one place that writes the format (DESIGN.md), so a submission is
validated as exactly the file it will become, and `parse_text(entry_markdown(entry))`
gives the entry back. `render_entry` also says which lines each form field landed on,
so a parser problem (`path:line: message`) can be shown next to the field that caused it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import yaml

from app.entries import content_hash

if TYPE_CHECKING:
    from app.entries import Entry
    from app.submissions import SubmissionForm

_WIDE = 10**6  # never fold a YAML line: the parser reports one error signature per line


class _Fix(Protocol):
    title: str
    language: str
    code: str
    description: str


@dataclass
class RenderedEntry:
    text: str
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # form field → (first, last) file line

    def field_at(self, line: int) -> str | None:
        """The form field whose text sits on `line` (1-based), the narrowest span first."""
        best: tuple[int, str] | None = None
        for name, (first, last) in self.spans.items():
            if first <= line <= last and (best is None or last - first < best[0]):
                best = (last - first, name)
        return best[1] if best else None


class ExportConflict(RuntimeError):
    """A target file exists with other content: exporting would overwrite a corpus file."""


def entry_markdown(item: Entry | SubmissionForm, updated: str | None = None) -> str:
    """The entry format for a parsed `Entry` or a submission form."""
    return render_entry(item, updated).text


def render_entry(item: Entry | SubmissionForm, updated: str | None = None) -> RenderedEntry:
    """Write the entry format and record each form field's lines (fix fields are numbered from 1)."""
    out = _Lines()
    out.add("---")
    out.add(f"title: {_scalar(item.title)}", "title")
    out.add("errors:", "errors")
    for error in item.errors:
        out.add(f"  - {_quoted(error)}", "errors")
    out.add(f"tags: {_flow(item.tags)}", "tags")
    if item.languages:
        out.add(f"languages: {_flow(item.languages)}", "languages")
    out.add(f"token_savings: {int(item.token_savings)}", "token_savings")
    for key in ("environment", "source", "verified_by"):
        value = getattr(item, key, "")
        if value:
            out.add(f"{key}: {_scalar(value)}", key)
    stamp = item.updated if hasattr(item, "updated") else updated or dt.date.today().isoformat()
    if stamp:
        out.add(f"updated: {stamp}")
    out.add("---")
    out.add("")
    out.section("Symptom", item.symptom, "symptom")
    out.section("Root cause", item.root_cause, "root_cause")
    out.add("## Fix")
    for n, fix in enumerate(item.fixes, start=1):
        _fix_option(out, n, fix)
    out.section("Limits", getattr(item, "limits", ""), "limits", optional=True)
    out.section("Token savings", getattr(item, "savings_note", ""), "savings_note", optional=True)
    return RenderedEntry("\n".join(out.lines).rstrip("\n") + "\n", out.spans)


def _fix_option(out: _Lines, n: int, fix: _Fix) -> None:
    out.add(f"### Option {n}: {fix.title}", f"fix_title_{n}")
    if fix.description.strip():
        out.block(fix.description.strip(), f"fix_description_{n}")
    code = fix.code if not fix.code or fix.code.endswith("\n") else fix.code + "\n"
    fence = "`" * max(3, _longest_backtick_run(code) + 1)
    out.add(f"{fence}{fix.language}", f"fix_language_{n}")
    if code:
        out.block(code[:-1], f"fix_code_{n}")
    out.add(fence, f"fix_code_{n}")
    out.add("")


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.spans: dict[str, tuple[int, int]] = {}

    def add(self, line: str, name: str | None = None) -> None:
        self.lines.append(line)
        if name:
            self._mark(name, len(self.lines), len(self.lines))

    def block(self, text: str, name: str) -> None:
        first = len(self.lines) + 1
        self.lines.extend(text.split("\n"))
        self._mark(name, first, len(self.lines))

    def section(self, heading: str, text: str, name: str, optional: bool = False) -> None:
        if optional and not text.strip():
            return
        self.add(f"## {heading}", name)
        if text.strip():
            self.block(text.strip(), name)
        self.add("")

    def _mark(self, name: str, first: int, last: int) -> None:
        old = self.spans.get(name)
        self.spans[name] = (min(first, old[0]), max(last, old[1])) if old else (first, last)


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def _scalar(value: str) -> str:
    """A YAML scalar on one line: plain when YAML reads it back unchanged, quoted otherwise."""
    dumped = yaml.safe_dump({"k": value}, allow_unicode=True, width=_WIDE)[3:].rstrip("\n")
    return dumped if "\n" not in dumped else _quoted(value)


def _quoted(value: str) -> str:
    return yaml.safe_dump(value, default_style='"', allow_unicode=True, width=_WIDE).rstrip("\n")


def _flow(values: Sequence[str]) -> str:
    return yaml.safe_dump(list(values), default_flow_style=True, allow_unicode=True, width=_WIDE).rstrip("\n")


# -- synapse export ----------------------------------------------------------


def export_entries(conn, folder: Path, mark_exported: bool = True) -> list[Path]:
    """Write every approved-but-unexported entry to `folder/<slug>.md`; a write unit.

    Each file is written to a temporary name and renamed, so a reader (or `synapse index`)
    never sees half a file. The stored Markdown is written byte for byte: it is the text
    that was validated and reviewed. The row then becomes a corpus entry with the file's
    hash, so the next `synapse index` finds it unchanged. Nothing is written if any target
    already exists with other content (a corpus file is never overwritten).

    `mark_exported=False` writes copies elsewhere and leaves the rows as they are: an entry
    marked 'corpus' whose file is not in the indexed folder would be removed by the next index.
    """
    folder = Path(folder)
    rows = conn.execute(
        "SELECT slug, markdown FROM entries WHERE origin = 'submission' ORDER BY slug"
    ).fetchall()
    targets = [(folder / f"{slug}.md", markdown) for slug, markdown in rows]
    clashes = [str(p) for p, text in targets if p.exists() and p.read_text(encoding="utf-8") != text]
    if clashes:
        raise ExportConflict(f"refusing to overwrite files with other content: {', '.join(clashes)}")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path, text in targets:
        _write_atomically(path, text)
        if mark_exported:
            conn.execute(
                "UPDATE entries SET origin = 'corpus', content_hash = ?, path = ? WHERE slug = ?",
                (content_hash(text), str(path), path.stem),
            )
        written.append(path)
    if written:
        _fsync_dir(folder)
    return written


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")  # not *.md: the indexer never picks it up
    try:
        with open(tmp, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
