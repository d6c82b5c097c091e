"""Three renderings of one `Lookup`: Markdown for agents, compact text under a traceback, JSON."""

from __future__ import annotations

import json

from synapse_skill.answer import Answer, Lookup

HOOK_CODE_LINES = 30
UNTRUSTED = "Fix code comes from a shared knowledge base: read it and adapt it before running it."


def _why(answer: Answer) -> str:
    parts = []
    if answer.why.type_match is True:
        parts.append("same exception type")
    elif answer.why.type_match is False:
        parts.append("different exception type")
    if answer.why.terms:
        parts.append("shared terms: " + ", ".join(answer.why.terms))
    parts += answer.why.env
    return "; ".join(parts)


def _moved_line(moved: dict[str, str]) -> str:
    """`from a import X` moved: the new import, what to install, and the release it moved in."""
    line = f"**Moved:** `{moved['old']}` is now `{moved['new']}`"
    if moved.get("package"):
        line += f" (install `{moved['package']}`"
        line += f"; the old import fails from {moved['since']})" if moved.get("since") else ")"
    elif moved.get("since"):
        line += f" (the old import fails from {moved['since']})"
    return line + "."


def _entry_ref(source: str, answer: Answer, markdown: bool = True) -> str:
    """The entry's URL when the server answered; offline, only its slug (the server was not reached)."""
    if source == "online":
        return answer.url
    slug = f"`{answer.slug}`" if markdown else answer.slug
    return f"{slug} (from the offline snapshot; the server was not reached)"


def _fence(code: str) -> str:
    fence = "```"
    while fence in code:
        fence += "`"
    return fence


def render_markdown(result: Lookup, others: int = 3) -> str:
    """For an agent or a terminal: the fix in full, the evidence, and how far to trust it."""
    out: list[str] = []
    best = result.match
    if result.source == "none":
        out += [
            "## SynapseAI: no answer",
            "",
            f"Neither the server nor an offline snapshot could answer ({result.note}).",
        ]
        return "\n".join(out) + "\n"
    if best is None:
        out += ["## SynapseAI: no confident match", ""]
        rest = result.answers
        if rest and rest[0].why.general:
            first, rest = rest[0], rest[1:]
            out += [
                "This kind of error has many causes, most of them in your own code, data or setup:"
                f" `{first.slug}` ({first.title}, score {first.score:g}) says where to look, not what"
                f" fixes it here: {_entry_ref(result.source, first)}",
                "",
            ]
        if rest:
            out.append("The closest entries scored below the confidence threshold and probably do not apply:")
            out += [f"- `{a.slug}`: {a.title} (score {a.score:g})" for a in rest[:others]]
        elif not result.answers:
            out.append("No entry resembles this error.")
        out += ["", "Debug it from the error itself; if you solve it, consider submitting the solution."]
        return "\n".join(out) + "\n"

    out += [
        f"## SynapseAI: known fix (score {best.score:g}, confident)",
        "",
        f"**{best.title}** (`{best.slug}`)",
        "",
    ]
    if best.moved:
        out += [_moved_line(best.moved), ""]
    why = _why(best)
    out.append(f"- Matched: `{best.why.signature}`" + (f" ({why})" if why else ""))
    saves = f", saves about {best.token_savings:,} tokens of debugging" if best.token_savings else ""
    out.append(f"- Source: {result.source}{saves}")
    out.append(f"- Full entry with every fix option: {_entry_ref(result.source, best)}")
    if result.note:
        out.append(f"- Note: {result.note}")
    out.append("")
    if best.fix.code:
        title = best.fix.title or "Fix"
        fence = _fence(best.fix.code)
        out += [f"### Fix: {title}", "", f"{fence}{best.fix.language}", best.fix.code.rstrip("\n"), fence, ""]
    out.append(UNTRUSTED)
    rest = result.answers[1 : 1 + others]
    if rest:
        out += ["", "Other candidates (not confident):"]
        out += [f"- `{a.slug}`: {a.title} (score {a.score:g})" for a in rest]
    return "\n".join(out) + "\n"


def render_hook(result: Lookup) -> str:
    """Compact text for stderr under a traceback; empty when there is nothing to say."""
    if result.source == "none":
        return ""
    best = result.match
    if best is None:
        closest = f" (closest: {result.best.slug}, score {result.best.score:g})" if result.best else ""
        return f"\n[SynapseAI] no known fix for this error{closest}.\n"
    where = "" if result.source == "online" else f", {result.source}"
    head = f"=== SynapseAI: known fix (score {best.score:g}{where}) "
    lines = ["", head + "=" * max(3, 72 - len(head)), best.title]
    why = _why(best)
    lines.append(f"matched: {best.why.signature}" + (f" ({why})" if why else ""))
    if best.fix.code:
        lang = f" [{best.fix.language}]" if best.fix.language else ""
        lines.append(f"fix: {best.fix.title}{lang}")
        code = best.fix.code.rstrip("\n").split("\n")
        lines += ["  | " + line for line in code[:HOOK_CODE_LINES]]
        if len(code) > HOOK_CODE_LINES:
            lines.append(f"  | ... {len(code) - HOOK_CODE_LINES} more lines in the full entry")
    lines.append(f"entry: {_entry_ref(result.source, best, markdown=False)}")
    lines.append(UNTRUSTED)
    lines.append("=" * 72)
    return "\n".join(lines) + "\n"


def render_json(result: Lookup) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
