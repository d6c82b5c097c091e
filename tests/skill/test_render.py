"""The three renderings of a lookup: Markdown for agents, compact stderr text, JSON."""

from __future__ import annotations

import json

from skill_helpers import SQLITE_RESULT

from synapse_skill.answer import Answer, Lookup
from synapse_skill.render import HOOK_CODE_LINES, render_hook, render_json, render_markdown


def lookup_with(*results: dict, source: str = "online", note: str = "") -> Lookup:
    answers = tuple(Answer.from_result(r, source, "http://kb.test") for r in results)
    return Lookup("q", "n", answers, source, 1.0, note)


def unsure(slug: str, score: float) -> dict:
    return {**SQLITE_RESULT, "slug": slug, "score": score, "confident": False}


def test_markdown_shows_the_fix_in_a_fence_that_its_code_cannot_close():
    code = "print('```')\n"
    text = render_markdown(
        lookup_with({**SQLITE_RESULT, "fix": {"title": "T", "language": "python", "code": code}})
    )
    assert "\n````python\nprint('```')\n````\n" in text
    assert text.startswith("## SynapseAI: known fix (score 97, confident)")


def test_markdown_without_a_confident_match_lists_candidates_as_not_applicable():
    text = render_markdown(lookup_with(unsure("a-b", 40.0), unsure("c-d", 30.0)))
    assert text.startswith("## SynapseAI: no confident match")
    assert "- `a-b`" in text and "```" not in text


def test_hook_text_is_compact_and_bounded():
    code = "\n".join(f"line {i}" for i in range(100))
    text = render_hook(
        lookup_with({**SQLITE_RESULT, "fix": {"title": "T", "language": "python", "code": code}})
    )
    assert text.startswith("\n=== SynapseAI: known fix (score 97) ")
    assert text.count("  | line") == HOOK_CODE_LINES and f"{100 - HOOK_CODE_LINES} more lines" in text
    assert text.rstrip().endswith("=" * 72)


def test_hook_says_one_line_when_unsure_and_nothing_when_nobody_answered():
    assert (
        render_hook(lookup_with(unsure("a-b", 40.0)))
        == "\n[SynapseAI] no known fix for this error (closest: a-b, score 40).\n"
    )
    assert render_hook(Lookup("q", source="none", note="server down; no snapshot")) == ""


def test_json_carries_the_match_and_every_result():
    body = json.loads(render_json(lookup_with(SQLITE_RESULT, unsure("a-b", 40.0), source="offline")))
    assert body["match"] == "sqlite-database-locked" and body["source"] == "offline"
    assert [r["slug"] for r in body["results"]] == ["sqlite-database-locked", "a-b"]
