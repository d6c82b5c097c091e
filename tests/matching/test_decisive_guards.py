"""Each decisive feature skips texts without its guard words: the guard must never hide a match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.corpus.snapshot import load_solutions
from synapse_skill.matching import decisive
from synapse_skill.matching.extract import extract

ROOT = Path(__file__).resolve().parents[2]


def texts() -> list[str]:
    """Every signature and look-alike of the corpus, every eval text (not the held-out sets)
    and each error line extracted from them."""
    out = []
    for entry in load_solutions(ROOT / "solutions")[0]:
        out += [*entry.errors, *entry.not_errors]
    for path in sorted((ROOT / "tests" / "eval").glob("*.jsonl")):
        if "holdout" in path.name:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)["q"]
                out += [q, *(err.line() for err in extract(q).all_errors())]
    return out


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return texts()


@pytest.mark.parametrize("feature", decisive.FEATURES, ids=lambda f: f.name)
def test_a_feature_s_guard_words_are_in_every_text_it_matches(feature, corpus_texts):
    assert feature.needs, "every feature names its guard words"
    matched = [
        t
        for t in corpus_texts
        if feature.pattern.search(t) or (feature.applies_to is not None and feature.applies_to.search(t))
    ]
    missed = [t for t in matched if not any(word in t.lower() for word in feature.needs)]
    assert not missed, missed[:3]


def test_guards_skip_work_but_change_no_feature():
    text = "ImportError: cannot import name 'X' from 'pkg' (/srv/app/.venv/lib/python3.12/site-packages/pkg/__init__.py)"
    assert decisive.features(text) == {
        "import_from_kind": "package",
        "import_origin": "installed",
        "imported_name": "public",
        "module_subject": "pkg",
        "shadowing": "no",
        "import_lack": "name",
        "module_source": "placeholder",
        "circular": "no",
    }
    assert decisive.features("ValueError: nothing decisive here") == {}
