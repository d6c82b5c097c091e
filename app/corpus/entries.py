"""Solution entries: Markdown with YAML front matter → validated `Entry` records.

The entry format is a contract (DESIGN.md). Every problem is reported with the line it
sits on, so `synapse check` can print `path:line: message` and editors can jump to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from app.corpus import blocks as markdown_blocks
from app.corpus.blocks import Fence, Heading
from synapse_skill.matching.index import Generality

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MIN, SLUG_MAX = 3, 80
ALLOWED_KEYS = (
    "title",
    "errors",
    "tags",
    "languages",
    "token_savings",
    "environment",
    "source",
    "verified_by",
    "updated",
    "not_errors",
    "libraries",
    "applies_to",
    "checked",
    "general",
)
REQUIRED_SECTIONS = ("Symptom", "Root cause", "Fix")
SECTION_ORDER = ("Symptom", "Root cause", "Fix", "Limits", "Token savings")
OPTION_PREFIX_RE = re.compile(r"^option\s+\d+\s*[:.\-–]\s*", re.IGNORECASE)

# libyaml's parser when PyYAML was built with it: the pure-Python one is most of the cost of
# indexing a large corpus. Both build the same nodes; constructing them stays in Python. The
# C composer recurses on the C stack (a crash, not a RecursionError, at ~20k levels), so text
# that could nest deeper than C_YAML_MAX_NESTING (one level needs a bracket or a line) goes
# to the Python parser, which fails cleanly.
_CYamlLoader = getattr(yaml, "CSafeLoader", None)
C_YAML_MAX_NESTING = 2000


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class EntryInvalid(ValueError):
    """Raised when an entry breaks the format; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class FixOption:
    title: str
    description: str
    language: str
    code: str
    line: int
    attributes: str = ""  # the fence's info string after the language (`norun="why"`, `raises="Name"`)


@dataclass(frozen=True)
class Applicability:
    """Where an entry holds: a distribution (or `python`) in a PEP 440 range, or a platform."""

    package: str = ""
    versions: str = ""
    platform: str = ""


@dataclass(frozen=True)
class Checked:
    """What the entry's claims were last checked against: a date and the versions then current."""

    date: str
    packages: tuple[tuple[str, str], ...] = ()


PLATFORMS = ("linux", "windows", "macos")


@dataclass(frozen=True)
class Entry:
    slug: str
    title: str
    errors: tuple[str, ...]
    tags: tuple[str, ...]
    languages: tuple[str, ...]
    token_savings: int
    environment: str
    source: str
    verified_by: str
    updated: str
    symptom: str
    root_cause: str
    fixes: tuple[FixOption, ...]
    limits: str
    savings_note: str
    markdown: str
    content_hash: str
    path: str = ""
    error_lines: tuple[int, ...] = field(default=(), compare=False)
    not_error_lines: tuple[int, ...] = field(default=(), compare=False)
    not_errors: tuple[str, ...] = ()
    libraries: tuple[str, ...] = ()
    applies_to: tuple[Applicability, ...] = ()
    checked: Checked | None = None
    # about a family of errors whose cause is the caller's own: offered, never the confident answer
    # (`IN_LIBRARIES`: only when an installed package's code raised the error)
    general: Generality = Generality.SPECIFIC


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_entry_text(path: Path) -> str:
    """The file's text with plain line ends: what `Entry.markdown` and `Entry.content_hash` are of."""
    try:
        return Path(path).read_text(encoding="utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise EntryInvalid([Problem(str(path), 1, "file is not valid UTF-8")]) from None


def parse_entry(path: Path) -> Entry:
    """Read and validate one file; raise `EntryInvalid` listing every problem."""
    path = Path(path)
    return parse_text(read_entry_text(path), slug=path.stem, path=str(path))


def parse_text(text: str, slug: str, path: str = "<text>") -> Entry:
    """Parse entry Markdown given as a string (submissions use this before a file exists)."""
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(path, line, message))

    if not (SLUG_MIN <= len(slug) <= SLUG_MAX) or not SLUG_RE.match(slug):
        problem(1, f"bad slug {slug!r}: use 3-80 chars of a-z, 0-9 and single hyphens")

    text = text.replace("\r\n", "\n")
    if not _utf8_encodable(text):  # a lone surrogate (`\ud800`) has no UTF-8 bytes to store or parse
        problem(1, "the text is not valid Unicode (it holds a lone surrogate)")
        raise EntryInvalid(problems)
    meta, body, body_offset, key_lines = _split_front_matter(text, problem)
    fields = _validate_meta(
        meta if meta is not None else {}, key_lines, problem if meta is not None else _ignore
    )
    blocks = markdown_blocks.parse(body)  # parsed once; sections, fixes and code checks all read it
    sections = _sections(blocks, body, body_offset, problem)
    _check_python_blocks(blocks, body_offset, problem)
    fixes = _fix_options(sections.get("Fix"), blocks, body, body_offset, problem)

    if problems:
        raise EntryInvalid(problems)
    return Entry(
        slug=slug,
        title=fields["title"],
        errors=tuple(fields["errors"]),
        tags=tuple(fields["tags"]),
        languages=tuple(fields["languages"]),
        token_savings=fields["token_savings"],
        environment=fields["environment"],
        source=fields["source"],
        verified_by=fields["verified_by"],
        updated=fields["updated"],
        symptom=_section_text(sections, "Symptom", body),
        root_cause=_section_text(sections, "Root cause", body),
        fixes=tuple(fixes),
        limits=_section_text(sections, "Limits", body),
        savings_note=_section_text(sections, "Token savings", body),
        markdown=text,
        content_hash=content_hash(text),
        path=path,
        error_lines=tuple(fields["error_lines"]),
        not_errors=tuple(fields["not_errors"]),
        not_error_lines=tuple(key_lines.get("__not_errors_items__") or ()),
        libraries=tuple(fields["libraries"]),
        applies_to=tuple(fields["applies_to"]),
        checked=fields["checked"],
        general=fields["general"],
    )


def _split_front_matter(text, problem):
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problem(1, "missing YAML front matter (the file must start with a '---' line)")
        return {}, text, 0, {}
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problem(1, "front matter is not closed by a '---' line")
        return {}, "", 0, {}
    raw = "\n".join(lines[1:end])
    key_lines: dict[str, object] = {}
    for i, line in enumerate(lines[1:end], start=2):
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if m:
            key_lines.setdefault(m.group(1), i)
    try:
        meta, key_lines["__errors_items__"], key_lines["__not_errors_items__"] = _load_yaml(raw)
        meta = meta or {}
    except RecursionError:
        problem(2, "front matter is nested too deeply to read")
        meta = None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem(line, f"front matter is not valid YAML: {getattr(exc, 'problem', exc)}")
        meta = None  # the fields could not be read, so they are not reported missing
    if meta is not None and not isinstance(meta, dict):
        problem(2, "front matter must be a mapping of keys to values")
        meta = {}
    body = "\n".join(lines[end + 1 :])
    return meta, body, end + 1, key_lines


def _utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _load_yaml(raw: str) -> tuple[object, list[int], list[int]]:
    """The front matter's data and the file line of each `errors` and `not_errors` item, from one parse."""
    nesting_bound = raw.count("[") + raw.count("{") + raw.count("\n")
    # (text with a lone surrogate, which libyaml cannot take, was refused before: parse_text)
    fast = _CYamlLoader is not None and nesting_bound <= C_YAML_MAX_NESTING
    loader_class = _CYamlLoader if fast and _CYamlLoader is not None else yaml.SafeLoader
    loader = loader_class(raw)
    try:
        root = loader.get_single_node()
        data = _construct(loader, root) if root is not None else None
    finally:
        loader.dispose()
    return data, _sequence_item_lines(root, "errors"), _sequence_item_lines(root, "not_errors")


_STR_TAG, _SEQ_TAG, _MAP_TAG, _MERGE_TAG = (
    f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map", "merge")
)


def _construct(loader: yaml.SafeLoader, root: yaml.Node) -> object:
    """The document's data. A front matter is maps, lists and plain scalars, which are built
    straight from the node tree (PyYAML's generic constructor costs ~4 µs a node, half of reading
    a front matter); anything else (merge keys, sets, aliases that recur, complex keys, deep
    nesting) goes to PyYAML's constructor, so the result is always what `yaml.safe_load` gives."""
    try:
        return _plain(loader, root, set())
    except (LookupError, RecursionError):
        return loader.construct_document(root)


def _plain(loader: yaml.SafeLoader, node: yaml.Node, path: set[int]) -> object:
    if isinstance(node, yaml.ScalarNode):  # strings as they are; numbers, dates and nulls by PyYAML
        return node.value if node.tag == _STR_TAG else loader.construct_object(node)
    if id(node) in path:
        raise LookupError("a structure that contains itself")
    path.add(id(node))
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
        data: object = [_plain(loader, item, path) for item in node.value]
    elif (
        isinstance(node, yaml.MappingNode)
        and node.tag == _MAP_TAG
        and all(_plain_key(k) for k, _ in node.value)
    ):
        data = {_plain(loader, key, path): _plain(loader, value, path) for key, value in node.value}
    else:
        raise LookupError(node.tag)
    path.discard(id(node))
    return data


def _plain_key(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag != _MERGE_TAG


def _sequence_item_lines(root: yaml.Node | None, key: str) -> list[int]:
    """File line of each item of a top-level YAML list (block or flow style, comments allowed)."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key_node, value_node in root.value:
        if key_node.value == key and isinstance(value_node, yaml.SequenceNode):
            return [item.start_mark.line + 2 for item in value_node.value]
    return []


def _string_list(value) -> list[str] | None:
    """A list of strings; numbers are taken as text (YAML reads `429` as an int)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
    ):
        return None
    return [str(v).strip() for v in value]


def _ignore(line: int, message: str) -> None:
    """A problem sink for checks whose input could not be read (already reported once)."""


def _validate_meta(meta: dict, key_lines: dict, problem) -> dict:
    def line_of(key: str) -> int:
        return key_lines.get(key, 1)

    for key in meta:
        if key not in ALLOWED_KEYS:
            problem(
                line_of(str(key)), f"unknown front-matter key {key!r} (allowed: {', '.join(ALLOWED_KEYS)})"
            )

    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        problem(line_of("title"), "title is required")
        title = ""

    errors = _string_list(meta.get("errors"))
    error_lines: list[int] = []
    if errors is None or not any(errors):
        problem(line_of("errors"), "errors must list at least one error signature")
        errors = []
    else:
        item_lines = key_lines.get("__errors_items__") or []
        base = line_of("errors")
        kept = []
        for i, sig in enumerate(errors):
            line = item_lines[i] if i < len(item_lines) else base + 1 + i
            if not sig:
                problem(line, "empty error signature")
                continue
            kept.append(sig)
            error_lines.append(line)
        errors = kept

    tags = _string_list(meta.get("tags"))
    if not tags or not any(tags):
        problem(line_of("tags"), "tags must list at least one tag")
        tags = []

    languages = _string_list(meta.get("languages", [])) or []

    savings = meta.get("token_savings", 0)
    if isinstance(savings, bool) or not isinstance(savings, int) or savings < 0:
        problem(line_of("token_savings"), "token_savings must be a whole number >= 0")
        savings = 0

    text_fields = {}
    for key in ("environment", "source", "verified_by"):
        value = meta.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            problem(line_of(key), f"{key} must be a string")
            value = ""
        text_fields[key] = value.strip()

    updated = meta.get("updated", "")
    if isinstance(updated, dt.date):
        updated = updated.isoformat()
    elif updated and not (isinstance(updated, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", updated)):
        problem(line_of("updated"), "updated must be a date written YYYY-MM-DD")
        updated = ""

    not_errors = _string_list(meta.get("not_errors", [])) or []
    if "not_errors" in meta and _string_list(meta["not_errors"]) is None:
        problem(line_of("not_errors"), "not_errors must be a list of error texts")
    libraries = _string_list(meta.get("libraries", [])) or []
    if "libraries" in meta and _string_list(meta["libraries"]) is None:
        problem(line_of("libraries"), "libraries must be a list of top-level module names")
    general = Generality.read(meta.get("general", False))
    if general is None:
        problem(line_of("general"), "general must be true, false or in_libraries")
        general = Generality.SPECIFIC

    return {
        "not_errors": [t for t in not_errors if t],
        "libraries": [lib for lib in libraries if lib],
        "applies_to": _applies_to(meta.get("applies_to", []), line_of("applies_to"), problem),
        "checked": _checked(meta.get("checked"), line_of("checked"), problem),
        "general": general,
        "title": title.strip(),
        "errors": errors,
        "error_lines": error_lines,
        "tags": [t for t in tags if t],
        "languages": [lang for lang in languages if lang],
        "token_savings": savings,
        "updated": updated or "",
        **text_fields,
    }


def _applies_to(value, line: int, problem) -> list[Applicability]:
    """`applies_to` items: `{package: NAME, versions: SPECIFIERS}` or `{platform: linux|windows|macos}`."""
    if value in (None, []):
        return []
    if not isinstance(value, list):
        problem(line, "applies_to must be a list of {package, versions} or {platform} items")
        return []
    items = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"package", "versions", "platform"}:
            problem(
                line,
                f"applies_to item {item!r}: use {{package: NAME, versions: '>=1.0'}} or {{platform: linux}}",
            )
            continue
        package, versions, platform = (
            str(item.get(k, "") or "").strip() for k in ("package", "versions", "platform")
        )
        if platform:
            if package or versions or platform not in PLATFORMS:
                problem(line, f"applies_to platform must be one of {', '.join(PLATFORMS)}, alone")
                continue
        elif not package or not versions:
            problem(line, f"applies_to item {item!r} needs both package and versions")
            continue
        else:
            try:
                SpecifierSet(versions)
            except InvalidSpecifier:
                problem(
                    line, f"applies_to versions {versions!r} is not a PEP 440 specifier (e.g. '>=1.0,<2')"
                )
                continue
        items.append(Applicability(package=package.lower(), versions=versions, platform=platform))
    return items


def _checked(value, line: int, problem) -> Checked | None:
    """`checked: {date: YYYY-MM-DD, packages: {dist: version}}`: what the claims were checked against."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"date", "packages"}:
        problem(line, "checked must be {date: YYYY-MM-DD, packages: {distribution: version}}")
        return None
    date = value.get("date")
    if isinstance(date, dt.date):
        date = date.isoformat()
    if not (isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date)):
        problem(line, "checked.date must be a date written YYYY-MM-DD")
        return None
    packages = value.get("packages") or {}
    if not isinstance(packages, dict):
        problem(line, "checked.packages must map distribution names to versions")
        return None
    pairs = []
    for name, version in packages.items():
        try:
            Version(str(version))
        except InvalidVersion:
            problem(line, f"checked.packages: {name}: {version!r} is not a version")
            continue
        pairs.append((str(name).lower(), str(version)))
    return Checked(date=date, packages=tuple(sorted(pairs)))


@dataclass
class _Section:
    name: str
    line: int  # 1-based line of the heading in the file
    start: int  # 0-based body line after the heading
    end: int  # 0-based body line where the next H2 starts


def _sections(blocks: list[Heading | Fence], body: str, offset: int, problem) -> dict[str, _Section]:
    heads = [(b.line, b.text) for b in blocks if isinstance(b, Heading) and b.level == 2]
    n_lines = body.count("\n") + 1
    found: dict[str, _Section] = {}
    order: list[str] = []
    for idx, (start, name) in enumerate(heads):
        end = heads[idx + 1][0] if idx + 1 < len(heads) else n_lines
        canonical = next((s for s in SECTION_ORDER if s.lower() == name.lower()), None)
        line = offset + start + 1
        if canonical is None:
            problem(line, f"unknown section '## {name}' (allowed: {', '.join(SECTION_ORDER)})")
            continue
        if canonical in found:
            problem(line, f"section '## {canonical}' appears twice")
            continue
        found[canonical] = _Section(canonical, line, start + 1, end)
        order.append(canonical)
    for name in REQUIRED_SECTIONS:
        if name not in found:
            problem(offset + 1 if offset else 1, f"missing section '## {name}'")
        elif not "\n".join(body.split("\n")[found[name].start : found[name].end]).strip():
            problem(found[name].line, f"section '## {name}' is empty")
    expected = [s for s in SECTION_ORDER if s in found]
    if order != expected:
        problem(found[order[0]].line if order else 1, f"sections out of order: use {' → '.join(expected)}")
    return found


def _section_text(sections: dict[str, _Section], name: str, body: str) -> str:
    sec = sections.get(name)
    if sec is None:
        return ""
    return "\n".join(body.split("\n")[sec.start : sec.end]).strip()


def _fix_options(
    fix: _Section | None, blocks: list[Heading | Fence], body: str, offset: int, problem
) -> list[FixOption]:
    """The `### Option` blocks of the Fix section; block lines are body lines (0-based)."""
    if fix is None:
        return []
    inside = [b for b in blocks if fix.start <= b.line < fix.end]
    heads = [(b.line, b.text) for b in inside if isinstance(b, Heading) and b.level == 3]
    if not heads:
        problem(fix.line, "the Fix section needs at least one '### Option' with a code block")
        return []
    fences = [b for b in inside if isinstance(b, Fence)]
    lines = body.split("\n")
    options = []
    for idx, (start, heading) in enumerate(heads):
        end = heads[idx + 1][0] if idx + 1 < len(heads) else fix.end
        line = offset + start + 1
        own = [f for f in fences if start <= f.line < end]
        if not own:
            problem(line, f"fix option '{heading}' has no fenced code block")
            continue
        fence = own[0]
        language = fence.language
        if not language:
            problem(offset + fence.line + 1, f"code block of fix option '{heading}' needs a language")
        title = OPTION_PREFIX_RE.sub("", heading).strip() or heading
        description = "\n".join(lines[start + 1 : fence.line]).strip()
        options.append(FixOption(title, description, language, fence.code, line, fence.attributes))
    return options


PYTHON_LANGUAGES = ("python", "py", "python3")


def _check_python_blocks(blocks: list[Heading | Fence], offset: int, problem) -> None:
    """Every python block in the entry must compile, wherever it sits."""
    for block in blocks:
        if isinstance(block, Fence) and block.language in PYTHON_LANGUAGES:
            _check_python(block.code, offset + block.line + 1, problem)


def _check_python(code: str, fence_line: int, problem) -> None:
    try:
        compile(code, "<fix>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        problem(fence_line + (exc.lineno or 1), f"python code does not compile: {exc.msg}")
    except ValueError as exc:  # e.g. NUL bytes in the source
        problem(fence_line + 1, f"python code does not compile: {exc}")


def signature_key(signature: str) -> str:
    """Two signatures that differ only in case or spacing are the same signature."""
    return " ".join(signature.split()).casefold()


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block of an entry, with the attributes of its info string (`norun="why"`)."""

    language: str
    attributes: dict
    code: str
    line: int  # 1-based file line of the opening fence

    @property
    def python(self) -> bool:
        return self.language in PYTHON_LANGUAGES


_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


def code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced code block of an entry's Markdown, wherever it sits."""
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    offset = 0
    if lines and lines[0].strip() == "---":
        offset = next((i + 1 for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
    found = []
    for block in markdown_blocks.parse("\n".join(lines[offset:])):
        if isinstance(block, Fence):
            found.append(
                CodeBlock(
                    block.language,
                    dict(_ATTRIBUTE.findall(block.attributes)),
                    block.code,
                    offset + block.line + 1,
                )
            )
    return found
