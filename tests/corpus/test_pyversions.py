"""Fix code must run on the oldest Python its block and entry claim (app.corpus.pyversions).

Each case is code that really fails on that release (or really does not), written from what
CPython evaluates at definition time and from when the standard library grew a member; the
expected release is stated, not computed from the code under test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.corpus.entries import Applicability, CodeBlock
from app.corpus.pyversions import OLDEST_PYTHON, block_problems, entry_oldest, needs

ROOT = Path(__file__).resolve().parents[2]


def versions(code: str) -> list[tuple[int, int]]:
    return [version for _, version, _ in needs(code)]


@pytest.mark.parametrize(
    "code,expected",
    [
        # a signature's annotations are evaluated by `def` (TypeError on 3.8: 'type' object is not subscriptable)
        ("def f(rows: list[dict]) -> None:\n    pass\n", [(3, 9)]),
        ("def f(name: str | None = None):\n    pass\n", [(3, 10)]),
        # module and class variables' annotations are evaluated too, a function's local ones never are
        ("seen: set[str] = set()\n", [(3, 9)]),
        ("class C:\n    limit: int | None = None\n", [(3, 10)]),
        ("def f():\n    last: Exception | None = None\n    return last\n", []),
        # postponed annotations are strings, except where pydantic evaluates them anyway
        ("from __future__ import annotations\ndef f(rows: list[dict]) -> str | None:\n    pass\n", []),
        (
            "from __future__ import annotations\nfrom pydantic import BaseModel\n"
            "class M(BaseModel):\n    tags: list[str] = []\n",
            [(3, 9)],
        ),
        # `|` between flags is not a union
        ("import os\nmode = os.R_OK | os.W_OK\n", []),
    ],
)
def test_evaluated_annotations(code, expected):
    assert versions(code) == expected


@pytest.mark.parametrize(
    "code,expected",
    [
        ("import asyncio\nwith asyncio.Runner() as r:\n    pass\n", [(3, 11)]),
        ("import importlib.metadata as md\nmd.packages_distributions()\n", [(3, 10)]),
        # behind a version check, a hasattr() test or an early return, the newer call is the guard's business
        (
            "import asyncio, sys\nif sys.version_info >= (3, 11):\n    with asyncio.Runner() as r:\n        pass\n",
            [],
        ),
        (
            "import importlib.metadata as md\ndef dists(top):\n    if not hasattr(md, 'packages_distributions'):\n"
            "        return []\n    return md.packages_distributions().get(top, [])\n",
            [],
        ),
        (
            "import asyncio\ntry:\n    runner = asyncio.Runner()\nexcept AttributeError:\n    runner = None\n",
            [],
        ),
        (
            "import importlib.metadata as md\ndef dists(top):\n    if hasattr(md, 'packages_distributions'):\n"
            "        return md.packages_distributions().get(top, [])\n    return []\n",
            [],
        ),
    ],
)
def test_standard_library_members(code, expected):
    assert versions(code) == expected


def test_a_block_or_its_entry_may_claim_a_newer_python():
    code = "import asyncio\nwith asyncio.Runner() as r:\n    pass\n"
    [(line, message)] = block_problems(CodeBlock("python", {}, code, 10), OLDEST_PYTHON)
    assert line == 12 and "needs Python 3.11" in message and "should run on 3.8" in message
    assert block_problems(CodeBlock("python", {"python": "3.11"}, code, 10), OLDEST_PYTHON) == []
    assert block_problems(CodeBlock("python", {}, code, 10), (3, 11)) == []
    # the code a `raises=` block shows is the failing one: its version is not the point
    assert block_problems(CodeBlock("python", {"raises": "AttributeError"}, code, 10), OLDEST_PYTHON) == []
    [(_, bad)] = [
        p for p in block_problems(CodeBlock("python", {"python": "3.x"}, "pass\n", 3), OLDEST_PYTHON)
    ]
    assert 'python="3.x"' in bad


def test_an_entry_claims_its_oldest_python_with_applies_to():
    assert entry_oldest([]) == OLDEST_PYTHON
    assert entry_oldest([Applicability(package="python", versions=">=3.10")]) == (3, 10)
    assert entry_oldest([Applicability(package="python", versions="~=3.11")]) == (3, 11)
    assert entry_oldest([Applicability(package="langchain-core", versions=">=0.3")]) == OLDEST_PYTHON


def test_synapse_check_reports_the_line(tmp_path):
    entry = tmp_path / "runner-demo.md"
    entry.write_text(
        '---\ntitle: Runner demo fails\nerrors:\n  - "RuntimeError: runner demo"\ntags: [asyncio]\n'
        "languages: [python]\ntoken_savings: 100\n---\n\n## Symptom\n- s\n\n## Root cause\nr\n\n## Fix\n"
        "### Option 1: Keep one loop (try first)\n```python\nimport asyncio\n\nwith asyncio.Runner() as runner:\n"
        "    print(runner.run(asyncio.sleep(0, 'x')))\n```\n\n## Limits\nl\n\n## Token savings\nt\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "check", str(entry)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 1
    assert f"{entry}:21: 'asyncio.Runner' member needs Python 3.11" in result.stdout + result.stderr
