"""What the matcher answers: for the verified-fix tests that check their entry's own wordings."""

from __future__ import annotations

from synapse_skill.matching import matcher


def confident_answer(index, text: str) -> str | None:
    """The slug the matcher confidently answers `text` with, or None."""
    hits = matcher.search(index, text, limit=3).hits
    return hits[0].slug if hits and hits[0].confident else None


def assert_answers(index, slug: str, text: str) -> None:
    """The matcher's confident answer to `text` (a traceback as printed) is the entry `slug`."""
    hits = matcher.search(index, text).hits
    assert hits, text
    assert (hits[0].slug, hits[0].confident) == (slug, True), (text[-300:], hits[0].slug, hits[0].score)
