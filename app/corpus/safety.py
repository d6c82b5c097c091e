"""Rules for fix code an agent may run without reading: what `synapse check` refuses.

An agent applies a fix as given. Three kinds of code do harm when applied blindly: a
destructive command (uninstalling, deleting, dropping) run unconditionally; a retry with no
bound, or a retry loop around a client that already retries (the load multiplies); and TLS
verification switched off. Each is allowed only in its warning form: the line carries a
comment that says what it does (`# destructive: …`, `# insecure: …`); a destructive command
may also run behind a condition (`pip show x && pip uninstall -y x`), or clear a cache.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from app.corpus.entries import CodeBlock

WARNING_COMMENT = re.compile(r"#\s*(?:destructive|insecure)\s*:", re.IGNORECASE)
# A destructive command after a test on the same line runs only when the test passes.
_CONDITIONAL = re.compile(r"(?:&&|\|\||\bif\b|\bthen\b).*$")
_CACHE_PATHS = re.compile(r"(?:/var/lib/apt/lists|__pycache__|\.cache\b|/tmp/|\.pytest_cache|\*\.pyc)")


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    message: str


LINE_RULES = (
    Rule(
        "destructive",
        re.compile(
            r"\b(?:pip3?|python3? -m pip|conda|uv pip) (?:uninstall|remove)\b.*(?:-y\b|--yes\b)"
            r"|\brm -(?:[a-z]*r[a-z]*f|[a-z]*f[a-z]*r)\b|\bDROP (?:TABLE|DATABASE|SCHEMA)\b|\bTRUNCATE TABLE\b"
            r"|\bdocker (?:system|volume|image) prune\b|\bgit (?:reset --hard|clean -[a-z]*f)",
            re.IGNORECASE,
        ),
        "destructive command: comment it out or say what it destroys on the line (`# destructive: …`)",
    ),
    Rule(
        "insecure",
        re.compile(
            r"verify\s*=\s*False|_create_unverified_context|CERT_NONE|check_hostname\s*=\s*False"
            r"|NODE_TLS_REJECT_UNAUTHORIZED\s*=\s*['\"]?0|PYTHONHTTPSVERIFY\s*=\s*['\"]?0|\bcurl\b[^\n#]*\s(?:-k|--insecure)\b"
            r"|rejectUnauthorized\s*:\s*false"
        ),
        "TLS verification disabled: fix the trust store instead, or mark the line `# insecure: …`",
    ),
    Rule(
        "unbounded-retry",
        re.compile(r"\bmax_retries\s*=\s*None\b|\bRetry\(\s*total\s*=\s*None|\bstop_never\b"),
        "retry without a bound: give it a maximum number of attempts or a deadline",
    ),
)
_BACKOFF = re.compile(r"@backoff\.on_(?:exception|predicate)\((?P<args>[^)]*)\)")
_OUTER_RETRY = re.compile(r"@(?:tenacity\.)?retry\b|@backoff\.on_exception|for attempt in range\(")
_CLIENT_RETRIES = re.compile(r"\bmax_retries\s*=\s*(?P<n>[1-9]\d*)")


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based file line
    message: str


def findings(block: CodeBlock) -> list[Finding]:
    """What in one block breaks a rule; lines are file lines."""
    found = []
    lines = block.code.split("\n")
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//", "--", "REM ")) or WARNING_COMMENT.search(line):
            continue
        for rule in LINE_RULES:
            m = rule.pattern.search(line)
            if not m:
                continue
            if rule.name == "destructive" and (
                _CONDITIONAL.search(line[: m.start()]) or _CACHE_PATHS.search(line)
            ):
                continue
            found.append(Finding(block.line + 1 + i, rule.message))
    code = block.code
    found += _unbounded_tenacity(block)
    for m in _BACKOFF.finditer(code):
        if "max_tries" not in m.group("args") and "max_time" not in m.group("args"):
            found.append(
                Finding(
                    _line_of(block, m.start()), "backoff without max_tries or max_time: it retries forever"
                )
            )
    if _OUTER_RETRY.search(code):
        for m in _CLIENT_RETRIES.finditer(code):
            found.append(
                Finding(
                    _line_of(block, m.start()),
                    "nested retries: the client retries inside a retry loop; set max_retries=0 on the client",
                )
            )
    return found


def _unbounded_tenacity(block: CodeBlock) -> list[Finding]:
    """`@retry` / `@retry(...)` from tenacity without `stop=`: tenacity's default is to retry forever."""
    if not block.python or "retry" not in block.code:
        return []
    try:
        tree = ast.parse(block.code)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        for decorator in getattr(node, "decorator_list", []):
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if (
                name == "retry"
                and "tenacity" in block.code
                and not any(k.arg == "stop" for k in (call.keywords if call else []))
            ):
                found.append(
                    Finding(
                        block.line + decorator.lineno, "tenacity @retry without stop=: it retries forever"
                    )
                )
    return found


def _line_of(block: CodeBlock, offset: int) -> int:
    return block.line + 1 + block.code.count("\n", 0, offset)
