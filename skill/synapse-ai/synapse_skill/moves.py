"""Moved names: a migration entry's table of old and new imports, and the row an error names.

Migration entries (langchain-import-moved, llama-index-core-imports, langgraph-api-moved) keep
a Markdown table `| `from OLD import NAME` | `from NEW import NAME` | distribution | since |`,
checked against the released packages (`make import-tables`). When the raised error names one
of its rows (`cannot import name 'ChatOpenAI' from 'langchain.chat_models'`), the answer can
say the new import, what to install and the release the old one stopped working in, before the
agent reads any fix code. Only an exact row is named: a guess would be a confident wrong line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

_ROW = re.compile(
    r"^\|\s*`from ([\w.]{1,200}) import (\w{1,120})`\s*\|\s*`(from [\w.]{1,200} import \w{1,120})`\s*\|"
    r"\s*([\w.-]{0,80})\s*\|\s*([^|]{0,200}?)\s*\|$"
)
_IMPORT_NAME = re.compile(r"cannot import name ['\"](\w{1,120})['\"] from ['\"]([\w.]{1,200})['\"]")
_NO_MODULE = re.compile(r"no module named ['\"]([\w.]{1,200})['\"]", re.I)
_FROM_IMPORT = r"from {module} import \(?\s{{0,4}}(\w{{1,120}})"


@functools.lru_cache(maxsize=64)
def table(markdown: str) -> tuple[dict[str, str], ...]:
    """The moved-names rows of an entry's Markdown: old import, new import, package, since.

    Remembered per text: a search for a moved import reads its entry's table again and again, and
    parsing it costs ~0.2 ms. The rows are shared: read them, do not change them."""
    if "| `from " not in markdown:
        return ()
    rows = (_ROW.match(line.strip()) for line in markdown.splitlines() if line.startswith("| `from "))
    return tuple(
        {"old": f"from {m[1]} import {m[2]}", "new": m[3], "package": m[4], "since": m[5]} for m in rows if m
    )


def names_an_import(text: str) -> bool:
    """Whether the error could name a row at all (most errors do not: skip the lookup)."""
    return "import name" in text or "o module named" in text


def named_by(text: str, rows: Iterable[Mapping[str, str]]) -> dict[str, str] | None:
    """The row the error names: the module and name of `cannot import name 'N' from 'M'`, or of
    `No module named 'M'` with the traceback's own `from M import N` line; else None."""
    m = _IMPORT_NAME.search(text)
    if m:
        wanted = f"from {m[2]} import {m[1]}"
    else:
        m = _NO_MODULE.search(text)
        if not m:
            return None
        module = m[1]
        line = re.search(_FROM_IMPORT.format(module=re.escape(module)), text)
        if not line:
            return None
        wanted = f"from {module} import {line[1]}"
    return next((dict(row) for row in rows if row.get("old") == wanted), None)
