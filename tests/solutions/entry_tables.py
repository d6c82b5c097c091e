"""The rows of a Markdown table in an entry, for tests that compare a fix script's data with it."""

from __future__ import annotations

import re
from pathlib import Path


def table_rows(md: Path, row: re.Pattern[str]) -> list[tuple[str, ...]]:
    """The groups of every line of `md` that `row` matches, each stripped."""
    rows = []
    for line in md.read_text(encoding="utf-8").splitlines():
        m = row.match(line.strip())
        if m:
            rows.append(tuple(g.strip() for g in m.groups()))
    return rows


def moved_names(md: Path, row: re.Pattern[str]) -> dict[tuple[str, str], tuple[str, str, str]]:
    """A migration entry's table of moved names: (old module, name) → (new module, package, since)."""
    return {
        (module, name): (new, package, since) for module, name, new, package, since in table_rows(md, row)
    }
