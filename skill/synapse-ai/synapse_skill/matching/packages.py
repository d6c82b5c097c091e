"""Whether a top-level module name is a package people install from PyPI.

`No module named 'peft.tuners'` is a release that moved a module when `peft` comes from PyPI,
and the project's own layout when the name is the project's. The list is the import names of
PyPI's most-downloaded projects (written by `python -m app.corpus.known_packages`), without the
words projects name their own modules with (`utils`, `models`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

KNOWN = Path(__file__).resolve().parent.parent / "data" / "known-packages.json"


@functools.cache
def _names() -> frozenset[str]:
    return frozenset(json.loads(KNOWN.read_text(encoding="utf-8"))["names"])


def is_known_package(module: str) -> bool:
    """`langchain_core`, `faiss`, `google`: yes; `private_gpt`, `utils`: no (only the top level counts)."""
    return module.split(".", 1)[0].lower() in _names()
