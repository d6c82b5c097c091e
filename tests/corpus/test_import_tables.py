"""The migration entries' tables of moved imports hold against the real packages.

`python -m app.corpus.import_tables` (make import-tables) tried every row in the old and the new
release sets from PyPI and wrote solutions/data/import-tables/<slug>.json; these tests read those
files (no network) and fail when the Markdown table and the checked result part ways.
"""

from __future__ import annotations

import datetime
import json
import sys

import pytest

from app.corpus.import_tables import (
    DATA,
    RELEASES,
    SOLUTIONS,
    ImportRow,
    import_errors,
    import_rows,
    split_import,
)


def _record(slug: str) -> dict:
    path = DATA / f"{slug}.json"
    assert path.exists(), f"{path} missing: run `make import-tables`"
    return json.loads(path.read_text(encoding="utf-8"))


def _table(slug: str) -> list[ImportRow]:
    return import_rows((SOLUTIONS / f"{slug}.md").read_text(encoding="utf-8"))


def test_every_checked_file_has_its_entry_in_releases():
    assert {p.stem for p in DATA.glob("*.json")} == set(RELEASES)


@pytest.mark.parametrize("slug", sorted(RELEASES))
def test_markdown_table_and_checked_rows_are_the_same(slug):
    table = [(r.old, r.new, r.dist, r.since) for r in _table(slug)]
    checked = [(r["old"], r["new"], r["dist"], r["since"]) for r in _record(slug)["rows"]]
    assert table, slug
    assert sorted(table) == sorted(checked), (
        "the table changed since it was checked: run `make import-tables`"
    )


@pytest.mark.parametrize("slug", sorted(RELEASES))
def test_new_import_works_in_the_new_release_set(slug):
    record = _record(slug)
    assert [r["new"] for r in record["rows"] if not r["new_in_new"]] == []
    # the new set has every distribution the install column names, each at a recorded version
    assert {r["dist"] for r in record["rows"]} <= set(record["new"])


@pytest.mark.parametrize("slug", sorted(RELEASES))
def test_old_import_works_in_the_old_release_set(slug):
    record = _record(slug)
    assert [r["old"] for r in record["rows"] if not r["old_in_old"]] == []
    assert record["old"]
    releases = RELEASES[slug]
    for row in record["rows"]:
        key = "{}:{}".format(*split_import(row["old"]))
        assert row.get("old_set") == releases.old_for.get(key), row["old"]
        if "old_set" in row:
            assert record["old_other"][row["old_set"]], row["old"]


@pytest.mark.parametrize("slug", sorted(RELEASES))
def test_old_import_fails_in_the_new_release_set_unless_the_table_says_it_still_works(slug):
    """A name still importable on the new releases must be marked so: a deprecated alias
    ("deprecated 1.0, ...") or a row whose import is unchanged and only needs its distribution."""
    for row in _record(slug)["rows"]:
        still_works = row["old"] == row["new"] or row["since"].startswith("deprecated")
        assert row["old_in_new"] == still_works, (row["old"], row["since"], row.get("errors"))


@pytest.mark.parametrize("slug", sorted(RELEASES))
def test_checked_record_names_date_and_releases(slug):
    record = _record(slug)
    datetime.date.fromisoformat(record["checked"])
    assert record["new_requirements"] == sorted(set(RELEASES[slug].new_core) | {r.dist for r in _table(slug)})
    assert all(isinstance(v, str) and v[0].isdigit() for v in record["new"].values())


def test_import_rows_parses_the_table_and_nothing_else():
    text = "\n".join(
        [
            "| old import | new import | install | old import fails from |",
            "|---|---|---|---|",
            "| `from langchain.chains import LLMChain` | `from langchain_classic.chains import LLMChain` | langchain-classic | 1.0 |",
            "| `from llama_index import Document` | `from llama_index.core import Document` | llama-index-core | |",
            "| `from a import b` | `not an import` | x | 1 |",
            "Prose with `from a import b` in it.",
        ]
    )
    rows = import_rows(text)
    assert rows == [
        ImportRow(
            "langchain.chains",
            "LLMChain",
            "from langchain_classic.chains import LLMChain",
            "langchain-classic",
            "1.0",
        ),
        ImportRow("llama_index", "Document", "from llama_index.core import Document", "llama-index-core", ""),
    ]
    assert rows[0].old == "from langchain.chains import LLMChain"
    assert rows[0].key == "langchain.chains:LLMChain"
    assert split_import(rows[1].new) == ("llama_index.core", "Document")
    with pytest.raises(ValueError):
        split_import("import os")


def test_import_errors_tries_each_name_in_one_interpreter():
    pairs = [("json", "dumps"), ("json", "no_such_name"), ("no_such_module_xyz", "x"), ("os", "path")]
    errors = import_errors(sys.executable, pairs)
    assert {key: error is None for key, error in errors.items()} == {
        "json:dumps": True,
        "json:no_such_name": False,
        "no_such_module_xyz:x": False,
        "os:path": True,
    }
