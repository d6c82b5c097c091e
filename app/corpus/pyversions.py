"""The oldest Python a fix block runs on, read from its code, against the oldest its entry claims.

The third audit's commonest find was fix code that crashed on the Python 3.8 or 3.9 its entry
claims: `list[dict]` or `str | None` in a signature (evaluated when the function is defined),
`importlib.metadata.packages_distributions()` (3.10), `asyncio.Runner` (3.11). Running every
block under every interpreter needs interpreters a fresh machine does not have; reading the
code does not. Two readings: vermin's tables of when each standard-library module, member and
keyword argument appeared, and, here, which annotations Python evaluates at definition time
(vermin either evaluates all of them or none).

A block that needs a newer Python says so (```` ```python python="3.11" ````), and so does an
entry whose fix holds only there (`applies_to: [{package: python, versions: ">=3.10"}]`). Code
under a guard (`if sys.version_info >= …`, `if hasattr(…)`, `try: … except (ImportError,
AttributeError)`) is the guard's business, not the block's minimum.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from packaging.specifiers import SpecifierSet

from app.corpus.entries import Applicability, CodeBlock

OLDEST_PYTHON = (3, 8)  # what fix code runs on unless its entry or block says otherwise
NEWEST_MINOR = 14
_BUILTIN_GENERICS = {"list", "dict", "tuple", "set", "frozenset", "type"}  # subscriptable from 3.9
_EVALUATES_ANNOTATIONS = re.compile(r"(?:^|\.)(?:BaseModel|BaseSettings|RootModel)$")  # pydantic
_VERMIN_LINE = re.compile(r"^L(?P<line>\d+)(?: C\d+)?: (?P<what>.+?) requires? !?2?,? ?3\.(?P<minor>\d+)")
_GUARD_WORDS = ("version_info", "hasattr(", "getattr(")
_GUARD_EXCEPTIONS = {"ImportError", "ModuleNotFoundError", "AttributeError", "TypeError", "Exception"}


def entry_oldest(applies_to: Iterable[Applicability]) -> tuple[int, int]:
    """The oldest Python 3 minor release the entry's `applies_to` allows, else OLDEST_PYTHON."""
    for item in applies_to:
        if item.package == "python" and item.versions:
            spec = SpecifierSet(item.versions)
            for minor in range(OLDEST_PYTHON[1], NEWEST_MINOR + 1):
                if spec.contains(f"3.{minor}.99", prereleases=True):
                    return (3, minor)
    return OLDEST_PYTHON


def declared_minimum(block: CodeBlock) -> tuple[int, int] | None:
    """The block's own `python="3.11"` attribute, if any."""
    value = block.attributes.get("python", "")
    m = re.fullmatch(r"3\.(\d{1,2})", value.strip())
    return (3, int(m.group(1))) if m else None


def needs(code: str) -> list[tuple[int, tuple[int, int], str]]:
    """(line, minimum Python, what needs it) for each part of `code` newer than OLDEST_PYTHON."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []  # compiling is another rule's job
    guarded = _guarded_lines(tree)
    found = [f for f in (*_annotation_needs(tree), *_library_needs(code)) if f[0] not in guarded]
    return sorted(set(found))


def block_problems(block: CodeBlock, entry_minimum: tuple[int, int]) -> list[tuple[int, str]]:
    """(file line, message) for what a Python block needs beyond what it and its entry claim."""
    if not block.python or "raises" in block.attributes:
        return []
    problems = []
    if "python" in block.attributes and declared_minimum(block) is None:
        problems.append(
            (block.line, f'python="{block.attributes["python"]}" should name a release like "3.11"')
        )
    allowed = max(entry_minimum, declared_minimum(block) or OLDEST_PYTHON)
    for line, version, what in needs(block.code):
        if version > allowed:
            problems.append(
                (
                    block.line + line,
                    f"{what} needs Python {version[0]}.{version[1]}, but the block should run on "
                    f"{allowed[0]}.{allowed[1]}: guard it, use an older form, or say "
                    f'python="{version[0]}.{version[1]}" on the fence',
                )
            )
    return problems


def _library_needs(code: str) -> list[tuple[int, tuple[int, int], str]]:
    import vermin  # a development tool: `synapse check` says so when it is missing

    config = vermin.Config()
    config.set_verbose(3)
    config.set_eval_annotations(False)  # annotations are read by _annotation_needs
    visitor = vermin.visit(code, config)
    if not isinstance(visitor, vermin.SourceVisitor):
        return []
    found = []
    for text in visitor.output_text().splitlines():
        m = _VERMIN_LINE.match(text.strip())
        if m and int(m.group("minor")) > OLDEST_PYTHON[1] and "annotation" not in m.group("what"):
            found.append((int(m.group("line")), (3, int(m.group("minor"))), m.group("what")))
    return found


def _annotation_needs(tree: ast.Module) -> list[tuple[int, tuple[int, int], str]]:
    """Annotations evaluated at definition time that use `X | Y` (3.10) or `list[...]` (3.9)."""
    postponed = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(a.name == "annotations" for a in node.names)
        for node in tree.body
    )
    found = []
    for annotation in _evaluated_annotations(tree, postponed):
        for node in ast.walk(annotation):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
                found.append((node.lineno, (3, 10), "the annotation `X | Y`"))
            elif isinstance(node, ast.Subscript):
                name = node.value.id if isinstance(node.value, ast.Name) else ""
                if name in _BUILTIN_GENERICS:
                    found.append((node.lineno, (3, 9), f"the annotation `{name}[...]`"))
    return found


def _evaluated_annotations(tree: ast.Module, postponed: bool) -> list[ast.expr]:
    """Signatures' and module/class variables' annotations (not a function's local variables);
    with postponed annotations only those of pydantic models, which evaluate them anyway."""
    out: list[ast.expr] = []

    def visit(body: list[ast.stmt], in_function: bool, model: bool) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not postponed:
                    args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                    args += [a for a in (node.args.vararg, node.args.kwarg) if a]
                    out.extend(a.annotation for a in args if a.annotation)
                    out.extend([node.returns] if node.returns else [])
                visit(node.body, True, False)
            elif isinstance(node, ast.ClassDef):
                is_model = any(_EVALUATES_ANNOTATIONS.search(ast.unparse(base)) for base in node.bases)
                visit(node.body, False, is_model)
            elif isinstance(node, ast.AnnAssign):
                if not in_function and (model or not postponed):
                    out.append(node.annotation)
            else:
                for child in _child_bodies(node):
                    visit(child, in_function, model)

    visit(tree.body, False, False)
    return out


def _child_bodies(node: ast.stmt) -> list[list[ast.stmt]]:
    bodies = [getattr(node, field, None) or [] for field in ("body", "orelse", "finalbody")]
    return bodies + [h.body for h in getattr(node, "handlers", None) or []]


def _guarded_lines(tree: ast.Module) -> set[int]:
    """Lines that run only where a version check or a fallback lets them: both branches of
    `if sys.version_info >= …` / `if hasattr(…)` (one is the new way, one the old), what follows
    `if not hasattr(…): return`, and the body of a `try` that catches ImportError or AttributeError."""
    lines: set[int] = set()

    def visit(body: list[ast.stmt]) -> None:
        for i, node in enumerate(body):
            if isinstance(node, ast.If) and any(w in ast.unparse(node.test) for w in _GUARD_WORDS):
                spans = [*node.body, *node.orelse]
                if isinstance(node.body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break)):
                    spans += body[i + 1 :]  # `if not hasattr(...): return` guards the rest
                lines.update(n for stmt in spans for n in _span(stmt))
            elif isinstance(node, ast.Try) and any(_catches_missing(h) for h in node.handlers):
                lines.update(n for stmt in node.body for n in _span(stmt))
            for child in _child_bodies(node):
                visit(child)

    visit(tree.body)
    return lines


def _catches_missing(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(ast.unparse(n).rsplit(".", 1)[-1] in _GUARD_EXCEPTIONS for n in names)


def _span(node: ast.stmt) -> range:
    return range(node.lineno, (getattr(node, "end_lineno", None) or node.lineno) + 1)
