"""Fixtures for the verified-fix tests: they run the code that the entries themselves publish."""

from pathlib import Path

import pytest

from app.corpus.entries import parse_entry

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


@pytest.fixture
def fix_code():
    """Return the first code block of fix option N of an entry, read from its Markdown file."""

    def get(slug: str, option: int = 1) -> str:
        entry = parse_entry(SOLUTIONS / f"{slug}.md")
        return entry.fixes[option - 1].code

    return get
