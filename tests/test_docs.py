"""The contracts in docs/ cannot drift from the code: every command, route and front-matter field
is documented (as sqlite-utils' test_docs.py does for its CLI)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from app import cli
from app.config import Settings
from app.corpus.entries import ALLOWED_KEYS
from app.web.api.models import FirstFix, SearchHit, SearchResponse, Why
from app.web.factory import create_app
from synapse_skill import cli as skill_cli

DOCS = Path(__file__).resolve().parents[1] / "docs"


def subcommands(parser: argparse.ArgumentParser) -> list[str]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(actions[0].choices) if actions else []


@pytest.mark.parametrize("command", subcommands(cli.build_parser()))
def test_every_synapse_command_is_documented(command):
    assert f"`synapse {command}" in (DOCS / "cli.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", subcommands(skill_cli.build_parser()))
def test_every_skill_command_is_documented(command):
    assert f"`synapse-skill {command}" in (DOCS / "cli.md").read_text(encoding="utf-8")


def test_every_route_is_documented(tmp_path):
    app = create_app(Settings(db=tmp_path / "docs.db", solutions=tmp_path))
    documented = (DOCS / "api.md").read_text(encoding="utf-8")
    paths = {route.path for route in app.routes if getattr(route, "methods", None)}
    paths -= {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"} - {
        p for p in paths if p in documented
    }
    missing = sorted(p for p in paths if f"{p}`" not in documented and f"{p} " not in documented)
    assert missing == []


@pytest.mark.parametrize("field", ALLOWED_KEYS)
def test_every_front_matter_field_is_documented(field):
    assert re.search(rf"^\| `{field}` \|", (DOCS / "entry-format.md").read_text(encoding="utf-8"), re.M)


def test_the_readme_links_the_contracts():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    for doc in ("docs/entry-format.md", "docs/api.md", "docs/cli.md", "docs/matching.md"):
        assert doc in readme
    assert "../shared" not in readme


def _readme_json_example() -> dict:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## A 30-second tour", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    return json.loads(block)


def test_the_readme_search_example_has_the_fields_of_a_real_answer():
    example = _readme_json_example()
    top = example["results"][0]

    assert set(example) == set(SearchResponse.model_fields)
    assert set(top) == set(SearchHit.model_fields)
    assert set(top["why"]) == set(Why.model_fields)
    assert set(top["fix"]) == set(FirstFix.model_fields)


def test_the_readme_commands_exist():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    used = set(re.findall(r"\.venv/bin/synapse (\w+)", readme))
    used |= set(re.findall(r"`synapse (\w+)", readme))

    assert used and used <= set(subcommands(cli.build_parser()))


def test_the_exit_codes_of_synapse_are_documented():
    text = " ".join((DOCS / "cli.md").read_text(encoding="utf-8").split())

    assert "Exit codes of `synapse`:" in text
    assert "`index`: some files invalid, the valid ones indexed" in text
    assert "`doctor`: no readable database" in text
