"""The writer of the entry format: an `EntryDraft` → Markdown.

`render_entry` is the one place that writes the format (DESIGN.md). A parsed `Entry` and a
submission form both turn into an `EntryDraft` first, so this module knows neither the web
form nor the review workflow, and a submission is validated as exactly the file it will
become: `parse_text(entry_markdown(entry))` gives the entry back. `render_entry` also says
which lines each field landed on, so a parser problem (`path:line: message`) can be shown
next to the form field that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import yaml

from app.corpus.entries import Applicability, Checked, Entry
from synapse_skill.matching.index import Generality

_WIDE = 10**6  # never fold a YAML line: the parser reports one error signature per line


@dataclass(frozen=True)
class DraftFix:
    title: str
    language: str
    code: str
    description: str = ""
    attributes: str = ""  # the fence's info string after the language: `norun="…"`, `raises="…"`


@dataclass(frozen=True)
class EntryDraft:
    """Everything the entry format holds, before it is text: what `render_entry` writes."""

    title: str
    errors: Sequence[str]
    tags: Sequence[str]
    symptom: str
    root_cause: str
    fixes: Sequence[DraftFix]
    updated: str
    languages: Sequence[str] = ()
    token_savings: int = 0
    environment: str = ""
    source: str = ""
    verified_by: str = ""
    not_errors: Sequence[str] = ()
    libraries: Sequence[str] = ()
    applies_to: Sequence[Applicability] = ()
    checked: Checked | None = None
    general: Generality = Generality.SPECIFIC
    limits: str = ""
    savings_note: str = ""


def draft_of(entry: Entry) -> EntryDraft:
    """A parsed entry as a draft, to write it back unchanged."""
    return EntryDraft(
        title=entry.title,
        errors=entry.errors,
        tags=entry.tags,
        symptom=entry.symptom,
        root_cause=entry.root_cause,
        fixes=[DraftFix(f.title, f.language, f.code, f.description, f.attributes) for f in entry.fixes],
        updated=entry.updated,
        languages=entry.languages,
        token_savings=entry.token_savings,
        environment=entry.environment,
        source=entry.source,
        verified_by=entry.verified_by,
        not_errors=entry.not_errors,
        libraries=entry.libraries,
        applies_to=entry.applies_to,
        checked=entry.checked,
        general=entry.general,
        limits=entry.limits,
        savings_note=entry.savings_note,
    )


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


def entry_markdown(item: EntryDraft | Entry) -> str:
    """The entry format of a draft, or of a parsed entry (written back unchanged)."""
    return render_entry(draft_of(item) if isinstance(item, Entry) else item).text


def render_entry(item: EntryDraft) -> RenderedEntry:
    """Write the entry format and record each field's lines (fix fields are numbered from 1)."""
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
        value = getattr(item, key)
        if value:
            out.add(f"{key}: {_scalar(value)}", key)
    for key in ("not_errors", "libraries"):
        values = getattr(item, key)
        if values:
            out.add(f"{key}:", key)
            for value in values:
                out.add(f"  - {_quoted(value)}", key)
    if item.applies_to:
        out.add("applies_to:")
        for rule in item.applies_to:
            fields = (
                {"platform": rule.platform}
                if rule.platform
                else {"package": rule.package, "versions": rule.versions}
            )
            out.add(f"  - {_flow_map(fields)}")
    if item.checked:
        out.add(f"checked: {_flow_map({'date': item.checked.date, 'packages': dict(item.checked.packages)})}")
    if item.general:
        out.add(f"general: {str(item.general.spelling).lower()}")
    if item.updated:
        out.add(f"updated: {item.updated}")
    out.add("---")
    out.add("")
    out.section("Symptom", item.symptom, "symptom")
    out.section("Root cause", item.root_cause, "root_cause")
    out.add("## Fix")
    for n, fix in enumerate(item.fixes, start=1):
        _fix_option(out, n, fix)
    out.section("Limits", item.limits, "limits", optional=True)
    out.section("Token savings", item.savings_note, "savings_note", optional=True)
    return RenderedEntry("\n".join(out.lines).rstrip("\n") + "\n", out.spans)


def _fix_option(out: _Lines, n: int, fix: DraftFix) -> None:
    out.add(f"### Option {n}: {fix.title}", f"fix_title_{n}")
    if fix.description.strip():
        out.block(fix.description.strip(), f"fix_description_{n}")
    code = fix.code if not fix.code or fix.code.endswith("\n") else fix.code + "\n"
    fence = "`" * max(3, _longest_backtick_run(code) + 1)
    info = f"{fix.language} {fix.attributes}" if fix.attributes else fix.language
    out.add(f"{fence}{info}", f"fix_language_{n}")
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


def _flow_map(value: dict) -> str:
    return yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=_WIDE
    ).rstrip("\n")
