"""The submission form: either shape in, a validated and redacted `SubmissionForm` out.

Validation is `synapse check`'s: the form is written as the entry file it would become
(`app.corpus.markdown.render_entry`) and parsed by `app.corpus.entries.parse_text`; each problem is put
back on the form field whose lines it names, so the page can show it next to that field.
Field names are the HTML form's: `title`, `errors`, `symptom`, `root_cause`, `tags`,
`languages`, `environment`, `source`, `contact`, `token_savings`, `fix_title_N`,
`fix_language_N`, `fix_code_N`, `fix_description_N` (N = 1..6), and `form` for the rest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.corpus.entries import Entry, EntryInvalid, parse_text, signature_key
from app.corpus.markdown import DraftFix, EntryDraft, RenderedEntry, render_entry
from synapse_skill.redact import redact, secret_env_values

MAX_ERRORS, MAX_FIXES, MAX_TAGS, MAX_LANGUAGES = 10, 6, 10, 10
# Longest accepted text per form field, as typed (HTML `maxlength`). `error` and `tag` are per
# item; `errors`, `tags` and `languages` are whole text fields (one per line / comma-separated).
FIELD_LIMITS: dict[str, int] = {
    "title": 200,
    "error": 500,
    "errors": MAX_ERRORS * 502,
    "symptom": 8000,
    "root_cause": 8000,
    "fix_title": 200,
    "fix_language": 30,
    "fix_code": 20000,
    "fix_description": 4000,
    "tag": 40,
    "tags": MAX_TAGS * 42,
    "languages": MAX_LANGUAGES * 42,
    "environment": 500,
    "source": 500,
    "contact": 200,
}
MAX_TOKEN_SAVINGS = 1_000_000
HONEYPOT = "website"  # hidden from people by the form's CSS; bots fill it in
GENERIC_REJECTION = "the submission could not be accepted"
FORM = "form"  # the key of errors that belong to no single field

_NAME_RE = re.compile(r"^[a-z0-9+#.][a-z0-9+#._-]*$")  # tags and languages
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SECRET_MARK_RE = re.compile(r"<redacted[^>]*>")
_WORD_GAP_RE = re.compile(r"([\s=(),;{}\[\]]+)")  # code split so `key=value` pairs fall apart
_PRIVATE_KEY_RE = re.compile(
    r"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----.*?(?:-----END[A-Z ]{0,40}PRIVATE KEY-----|\Z)", re.DOTALL
)
_SPECIFIC_REDACTION_RE = re.compile(r"<redacted:(?!token>)[^>]+>|<email>|<user>")


@dataclass
class FixInput:
    title: str
    language: str
    code: str
    description: str = ""


@dataclass
class SubmissionForm:
    title: str = ""
    errors: list[str] = field(default_factory=list)
    symptom: str = ""
    root_cause: str = ""
    fixes: list[FixInput] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    environment: str = ""
    source: str = ""
    contact: str = ""
    token_savings: int = 0

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> SubmissionForm:
        """The form back from its stored JSON (`submissions.payload`)."""
        known = {f.name for f in dataclasses.fields(cls)}
        data = {k: v for k, v in payload.items() if k in known}
        data["fixes"] = [FixInput(**fix) for fix in payload.get("fixes", [])]
        return cls(**data)

    def draft(self, updated: str | None = None) -> EntryDraft:
        """The entry this form would become (dated today unless told); `contact` is not part of it."""
        return EntryDraft(
            title=self.title,
            errors=self.errors,
            tags=self.tags,
            symptom=self.symptom,
            root_cause=self.root_cause,
            fixes=[DraftFix(f.title, f.language, f.code, f.description) for f in self.fixes],
            updated=updated or dt.date.today().isoformat(),
            languages=self.languages,
            token_savings=self.token_savings,
            environment=self.environment,
            source=self.source,
        )


def parse_form(data: Mapping[str, Any], conn=None) -> tuple[SubmissionForm, dict[str, str]]:
    """Read a submission (JSON shape or HTML form shape) and validate it as `synapse check` would.

    Returns the form (secrets already redacted: what the page shows back is what would be
    stored) and `{field: message}`, empty when valid. Fix fields are named `fix_code_1`…
    after the HTML slot (or the JSON list position). Given a read connection, an error
    signature that a published entry already lists is refused too, as `synapse check` would.
    """
    reader = _Reader(data)
    form = SubmissionForm(
        title=_one_line(reader.text("title")),
        errors=[line for line in (e.strip() for e in reader.items("errors", "\n")) if line],
        symptom=reader.text("symptom").strip(),
        root_cause=reader.text("root_cause").strip(),
        fixes=[],
        tags=_names(reader.items("tags", ",")),
        languages=_names(reader.items("languages", ",")),
        environment=_one_line(reader.text("environment")),
        source=_one_line(reader.text("source")),
        contact=_one_line(reader.text("contact")),
        token_savings=reader.number("token_savings"),
    )
    slots = reader.fixes()
    form.fixes = [fix for _, fix in slots]
    if not form.languages:  # the fixes' languages, when the contributor did not list any
        form.languages = _names([fix.language for fix in form.fixes if _NAME_RE.match(fix.language)])
    if data.get(HONEYPOT):
        return redact_form(form), {FORM: GENERIC_REJECTION}
    errors = reader.errors
    _check_fields(form, [n for n, _ in slots], errors, reader.fix_count)  # limits apply to what was typed
    form = redact_form(form)
    _check_as_entry(form, [n for n, _ in slots], errors)  # the rules apply to what would be stored
    if conn is not None:
        for index, slug in duplicate_signatures(conn, form.errors).items():
            errors.setdefault("errors", f"{form.errors[index]!r} is already answered by the entry {slug!r}")
    return form, errors


class _Reader:
    """Reads fields from either shape; a field of the wrong type becomes a message, not an exception."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}
        self.fix_count = 0

    def text(self, key: str, data: Mapping[str, Any] | None = None, name: str | None = None) -> str:
        value = (self.data if data is None else data).get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.errors.setdefault(name or key, "must be text")
            return ""
        return _CONTROL_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))

    def items(self, key: str, separator: str) -> list[str]:
        value = self.data.get(key)
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                self.errors.setdefault(key, "must be a list of text")
                return []
            if key == "errors" and any("\n" in v.strip() for v in value):
                self.errors.setdefault(key, "each error signature must be one line")
            return [_CONTROL_RE.sub("", v.replace("\r", "")) for v in value]
        return self.text(key).split(separator)

    def number(self, key: str) -> int:
        value = self.data.get(key)
        if value is None or value == "":
            return 0
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKEN_SAVINGS:
            self.errors.setdefault(key, f"must be a whole number from 0 to {MAX_TOKEN_SAVINGS}")
            return 0
        return value

    def fixes(self) -> list[tuple[int, FixInput]]:
        """(slot number, fix) for each fix option given; empty HTML slots are skipped."""
        value = self.data.get("fixes")
        if isinstance(value, list):
            self.fix_count = len(value)
            return [(n, self._fix(item, n)) for n, item in enumerate(value, start=1)]
        if value is not None:
            self.errors.setdefault("fixes", "must be a list of fix options")
            return []
        slots = []
        for n in range(1, MAX_FIXES + 1):
            item = {k: self.data.get(f"fix_{k}_{n}") for k in ("title", "language", "code", "description")}
            if any(isinstance(v, str) and v.strip() for v in item.values()):
                slots.append((n, self._fix(item, n)))
        self.fix_count = len(slots)
        return slots

    def _fix(self, item: Any, n: int) -> FixInput:
        if not isinstance(item, Mapping):
            self.errors.setdefault(
                f"fix_code_{n}", "each fix option must be an object with title, language, code"
            )
            return FixInput("", "", "")
        return FixInput(
            title=_one_line(self.text("title", item, f"fix_title_{n}")),
            language=self.text("language", item, f"fix_language_{n}").strip().lower(),
            code=self.text("code", item, f"fix_code_{n}").strip("\n"),
            description=self.text("description", item, f"fix_description_{n}").strip(),
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _names(values: list[str]) -> list[str]:
    """Tags and languages: lower case, inner spaces as hyphens, each once, in order."""
    seen: dict[str, None] = {}
    for value in values:
        name = "-".join(value.lower().split())
        if name:
            seen.setdefault(name)
    return list(seen)


def _check_fields(form: SubmissionForm, slots: list[int], errors: dict[str, str], fix_count: int) -> None:
    def need(name: str, value: str, limit_key: str, what: str) -> None:
        if not value.strip():
            errors.setdefault(name, f"{what} is required")
        elif len(value) > FIELD_LIMITS[limit_key]:
            errors.setdefault(name, f"at most {FIELD_LIMITS[limit_key]} characters (this has {len(value)})")

    need("title", form.title, "title", "a title")
    if not form.errors:
        errors.setdefault("errors", "give at least one error message, as it is printed (one per line)")
    elif len(form.errors) > MAX_ERRORS:
        errors.setdefault("errors", f"at most {MAX_ERRORS} error signatures")
    for error in form.errors:
        if len(error) > FIELD_LIMITS["error"]:
            errors.setdefault("errors", f"each error signature: at most {FIELD_LIMITS['error']} characters")
    if len({signature_key(e) for e in form.errors}) < len(form.errors):
        errors.setdefault("errors", "an error signature is listed twice")
    need("symptom", form.symptom, "symptom", "the symptom")
    need("root_cause", form.root_cause, "root_cause", "the root cause")
    if not form.fixes and "fixes" not in errors:
        errors.setdefault("fix_code_1", "give at least one fix option: a title, a language and code")
    if fix_count > MAX_FIXES:
        errors.setdefault("fixes", f"at most {MAX_FIXES} fix options")
    for n, fix in zip(slots, form.fixes, strict=False):
        need(f"fix_title_{n}", fix.title, "fix_title", "a title for this fix")
        need(f"fix_language_{n}", fix.language, "fix_language", "the code's language (python, bash, …)")
        if fix.language and not _NAME_RE.match(fix.language):
            errors.setdefault(f"fix_language_{n}", "one word: letters, digits, + # . _ -")
        need(f"fix_code_{n}", fix.code, "fix_code", "code")
        if len(fix.description) > FIELD_LIMITS["fix_description"]:
            errors.setdefault(f"fix_description_{n}", f"at most {FIELD_LIMITS['fix_description']} characters")
    _check_names(form.tags, "tags", MAX_TAGS, errors, required=True)
    _check_names(form.languages, "languages", MAX_LANGUAGES, errors, required=False)
    for name in ("environment", "source", "contact"):
        if len(getattr(form, name)) > FIELD_LIMITS[name]:
            errors.setdefault(name, f"at most {FIELD_LIMITS[name]} characters")


def _check_names(names: list[str], key: str, most: int, errors: dict[str, str], required: bool) -> None:
    if required and not names:
        errors.setdefault(key, "give at least one tag, separated by commas")
    elif len(names) > most:
        errors.setdefault(key, f"at most {most}, separated by commas")
    for name in names:
        if len(name) > FIELD_LIMITS["tag"] or not _NAME_RE.match(name):
            errors.setdefault(key, f"{name[:50]!r}: up to {FIELD_LIMITS['tag']} of a-z 0-9 + # . _ -")


def _check_as_entry(form: SubmissionForm, slots: list[int], errors: dict[str, str]) -> None:
    """Parse the entry file the form would become; put each problem on its field.

    A problem on no field (the generated `## Fix` heading, say) is almost always a
    consequence of one that is; it is shown only when nothing else is.
    """
    rendered = render_entry(form.draft())
    rename = {
        f"fix_{part}_{i}": f"fix_{part}_{n}" for i, n in enumerate(slots, start=1) for part in _FIX_PARTS
    }
    try:
        entry = parse_text(rendered.text, slug=slugify(form.title))
    except EntryInvalid as exc:
        unplaced = []
        for problem in exc.problems:
            name, message = _locate(rendered, problem.line, problem.message)
            if name == FORM:
                unplaced.append(message)
            else:
                errors.setdefault(rename.get(name, name), message)
        if unplaced and not errors:
            errors[FORM] = unplaced[0]
        return
    for name, message in _changed_fields(form, entry).items():
        errors.setdefault(rename.get(name, name), message)


_FIX_PARTS = ("title", "language", "code", "description")
LAYOUT = (
    "this text holds Markdown structure that changes the entry's layout (a line starting with"
    " '## ' or '### ', a ``` fence, or a '---' line under text); reword or indent it"
)

TITLE_LAYOUT = "Markdown reads this title differently (trailing '#' characters?); reword it"


def _locate(rendered: RenderedEntry, line: int, message: str) -> tuple[str, str]:
    """The form field a parser problem belongs to, and the message to show there."""
    name = rendered.field_at(line) or FORM
    if name.startswith("fix_title_") and "no fenced code block" in message:
        return name.replace("fix_title_", "fix_description_"), LAYOUT  # a heading in the description split it
    prose = name in ("symptom", "root_cause") or name.startswith("fix_description_")
    if prose and ("section" in message or "fix option" in message):
        return name, LAYOUT
    if name.startswith("fix_code_") and line >= rendered.spans[name][0]:
        message = f"{message} (line {line - rendered.spans[name][0] + 1} of the code)"
    return name, message


def _changed_fields(form: SubmissionForm, entry: Entry) -> dict[str, str]:
    """Fields whose text the parser read back differently: they hold Markdown structure (a heading, a fence)."""
    message = LAYOUT
    changed: dict[str, str] = {}
    for name in ("title", "errors", "tags", "symptom", "root_cause"):
        have, want = getattr(entry, name), getattr(form, name)
        if (list(have) if isinstance(have, tuple) else have) != want:
            changed[name] = TITLE_LAYOUT if name == "title" else message
    for n, (fix, got) in enumerate(zip(form.fixes, entry.fixes, strict=False), start=1):
        want = (fix.title, fix.description, fix.language, fix.code + "\n")
        have = (got.title, got.description, got.language, got.code)
        for part, a, b in zip(("title", "description", "language", "code"), want, have, strict=True):
            if a != b:
                changed.setdefault(f"fix_{part}_{n}", TITLE_LAYOUT if part == "title" else message)
                break
    if len(entry.fixes) != len(form.fixes) and not changed and form.fixes:
        changed[f"fix_description_{len(form.fixes)}"] = message
    return changed


def redact_form(form: SubmissionForm) -> SubmissionForm:
    """Secrets and personal data out of every field (idempotent). Code keeps its shape.

    The contact field is the one place a contributor gives an address on purpose; it is
    stored for the reviewer, never published, and redacted only when it holds a secret.
    """
    env = {name: value for value, name in secret_env_values(os.environ).items()}  # read once, not per field

    def clean(text: str) -> str:
        return redact(text, env)

    contact = clean(form.contact)
    if not _SECRET_MARK_RE.search(contact):  # only the address itself was taken out: keep it
        contact = form.contact
    return dataclasses.replace(
        form,
        title=clean(form.title),
        errors=[clean(e) for e in form.errors],
        symptom=clean(form.symptom),
        root_cause=clean(form.root_cause),
        fixes=[
            FixInput(clean(f.title), f.language, _redact_code(f.code, env), clean(f.description))
            for f in form.fixes
        ],
        tags=list(form.tags),
        languages=list(form.languages),
        environment=clean(form.environment),
        source=clean(form.source),
        contact=contact,
    )


def _redact_code(code: str, env: Mapping[str, str]) -> str:
    """Redact real secret shapes in code but leave `token = get_token()` alone.

    `redact` also replaces the value of any `password=`/`token:` pair, which in code is an
    expression, not a secret; that would break the fix. So in code, each word on a line that
    `redact` would change is redacted alone, and keeps its redaction only when a specific
    shape (a provider key, a JWT, credentials in a URL, an e-mail) was found in it.
    """
    code = _PRIVATE_KEY_RE.sub("<redacted:private-key>", code)  # the one secret that spans lines
    whole = redact(code, env)
    if whole == code:
        return code
    before, after = code.split("\n"), whole.split("\n")
    changed = (
        [b != a for b, a in zip(before, after, strict=True)]
        if len(before) == len(after)
        else [True] * len(before)
    )
    return "\n".join(
        _redact_words(line, env) if hit else line for line, hit in zip(before, changed, strict=True)
    )


def _redact_words(line: str, env: Mapping[str, str]) -> str:
    specific = _SPECIFIC_REDACTION_RE.findall
    parts = _WORD_GAP_RE.split(line)
    for i, word in enumerate(parts):
        if word and not _WORD_GAP_RE.fullmatch(word):
            cleaned = redact(word, env)
            if len(specific(cleaned)) > len(specific(word)):
                parts[i] = cleaned
    return "".join(parts)


# -- slugs and the published corpus ---------------------------------------------


def slugify(title: str, conn=None) -> str:
    """A slug for the title (3-80 chars). Given a connection, one no entry or pending submission holds."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(base) > 72:  # room for a "-NN" suffix
        cut = base[:72]
        base = (cut[: cut.rfind("-")] if cut.rfind("-") >= 20 else cut).strip("-")
    if len(base) < 3:
        base = f"{base}-error".strip("-")
    if conn is None:
        return base
    like = (base, f"{base}-%")
    taken = {r[0] for r in conn.execute("SELECT slug FROM entries WHERE slug = ? OR slug LIKE ?", like)}
    taken |= {
        r[0]
        for r in conn.execute(
            "SELECT slug FROM submissions WHERE status = 'pending' AND (slug = ? OR slug LIKE ?)", like
        )
    }
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def duplicate_signatures(conn, errors: list[str]) -> dict[int, str]:
    """Index of each error that a published entry already lists (case and spacing ignored) → that slug."""
    published: dict[str, str] = {}
    for slug, listed in conn.execute("SELECT slug, errors FROM entries"):
        for sig in json.loads(listed or "[]"):
            published.setdefault(signature_key(sig), slug)
    return {i: published[signature_key(e)] for i, e in enumerate(errors) if signature_key(e) in published}
