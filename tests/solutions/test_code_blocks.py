"""Every Python block of every entry runs as the entry says (the part this interpreter can run).

Blocks whose imports this interpreter lacks run under `make verify`, with their packages from
PyPI; `norun` blocks must say why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.corpus.entries import parse_entry
from app.corpus.verify import python_blocks, run_block, runnable_here

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
ENTRIES = sorted(SOLUTIONS.glob("*.md"))


@pytest.mark.parametrize("path", ENTRIES, ids=[p.stem for p in ENTRIES])
def test_the_entry_s_python_blocks_run_as_it_says(path):
    entry = parse_entry(path)
    failed = []
    for block in python_blocks(entry):
        if "norun" in block.attributes:
            assert block.attributes["norun"].strip(), f"{path.name}:{block.line}: norun needs a reason"
        elif runnable_here(block):
            result = run_block(entry, block)
            if result.status != "passed":
                failed.append(str(result))
    assert failed == []
