"""An entry's fenced blocks as the tests run them: every block of one fix option, read by the parser the
indexer uses (`fix_code` gives the first), and the block that shows the wrong code."""

from __future__ import annotations

from pathlib import Path

from app.corpus.blocks import Fence, Heading, parse
from app.corpus.entries import Entry, code_blocks

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


def option_blocks(slug: str, option: int) -> list[tuple[str, str]]:
    """(language, code without its last line end) of each fenced block under `### Option <option>:`."""
    found: list[tuple[str, str]] = []
    inside = False
    for block in parse((SOLUTIONS / f"{slug}.md").read_text(encoding="utf-8")):
        if isinstance(block, Heading):
            inside = block.level == 3 and block.text.startswith(f"Option {option}:")
        elif inside and isinstance(block, Fence):
            found.append((block.language, block.code.removesuffix("\n")))
    return found


def raising_block(entry: Entry) -> str:
    """The code of the entry's one Python block marked `raises=`: the wrong code it shows."""
    (block,) = [b for b in code_blocks(entry.markdown) if b.python and "raises" in b.attributes]
    return block.code
