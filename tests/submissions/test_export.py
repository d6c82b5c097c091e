"""Markdown out: `entry_markdown` writes the entry format so that parsing gives the entry back,
and `export_entries` turns approved submissions into corpus files the indexer sees as unchanged."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.corpus.entries import Entry, parse_entry, parse_text
from app.corpus.indexer import index_solutions
from app.corpus.markdown import entry_markdown
from app.corpus.rows import entry_row
from app.store.sqlite_store import Store
from app.submissions import review as submissions
from app.submissions.export import ExportConflict, export_entries

ROOT = Path(__file__).resolve().parents[2]
REAL_FILES = sorted((ROOT / "solutions").glob("*.md"))


def content(entry: Entry) -> Entry:
    """The entry without what depends on the file's exact text (its markdown, hash, path, line numbers)."""
    fixes = tuple(dataclasses.replace(f, line=0) for f in entry.fixes)
    return dataclasses.replace(entry, markdown="", content_hash="", path="", fixes=fixes)


@pytest.mark.parametrize("path", REAL_FILES, ids=[p.stem for p in REAL_FILES])
def test_every_real_entry_round_trips_through_entry_markdown(path):
    entry = parse_entry(path)

    again = parse_text(entry_markdown(entry), slug=entry.slug)

    assert content(again) == content(entry)


def test_the_corpus_is_not_empty():
    assert len(REAL_FILES) >= 40


# -- submission forms -------------------------------------------------------

line = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)
prose = st.text(
    st.sampled_from(list("abc XYZ 09 \"':#-*_`~[]()<>{}|!&%@\\/=+\n\t.,;?é→")), min_size=1, max_size=120
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=line, error=line, symptom=prose, cause=prose, fix_title=line, description=prose, code=prose)
@example("t", "E: x", "a\n## Fix\nb", "c", "f", "d", "x")
@example("t #", "E: x", "s", "a\n---\nb", "f ##", "d\n### Option 2: more", "````\n```\n")
@example("- t: 'x'", '"E": x', "s\n```\ncode", "c", "f", "```py\ny\n```", "~~~\n\n  x")
def test_an_accepted_form_is_stored_as_exactly_what_was_typed(
    title, error, symptom, cause, fix_title, description, code
):
    """Whatever the text, the form is either refused on a field or stored without a silent change."""
    data = {
        "title": title,
        "errors": [error],
        "symptom": symptom,
        "root_cause": cause,
        "fixes": [{"title": fix_title, "language": "text", "code": code, "description": description}],
        "tags": ["t"],
    }
    form, errors = submissions.parse_form(data)
    if errors:
        assert set(errors) <= {
            "title",
            "errors",
            "symptom",
            "root_cause",
            "fix_title_1",
            "fix_code_1",
            "fix_description_1",
            "form",
        }
        return
    entry = parse_text(entry_markdown(form.draft()), slug="s-1")
    assert (entry.title, list(entry.errors), entry.symptom, entry.root_cause) == (
        form.title,
        form.errors,
        form.symptom,
        form.root_cause,
    )
    [fix] = entry.fixes
    assert (fix.title, fix.description, fix.code) == (
        form.fixes[0].title,
        form.fixes[0].description,
        form.fixes[0].code + "\n",
    )


def test_ordinary_text_with_quotes_colons_and_hashes_is_accepted():
    form, errors = submissions.parse_form(
        {
            "title": 'KeyError: "model" # in C# and "yes"',
            "errors": ["KeyError: 'model'", "- not a list item: {curly} [square] *star* &amp; 100%"],
            "symptom": "Fails on `x['model']`: see #123.\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |",
            "root_cause": "Key 'model' is missing ~ sometimes.",
            "fixes": [
                {"title": "Use .get(): safe", "language": "python", "code": "x = {}.get('model')  # ok\n"}
            ],
            "tags": ["python", "c#"],
            "environment": "key: value; also 'quotes'",
        }
    )

    assert errors == {}
    assert parse_text(entry_markdown(form.draft()), slug="key-error").title == form.title


# -- synapse export ---------------------------------------------------------


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "solutions"
    folder.mkdir()
    shutil.copy(ROOT / "solutions" / "broken-pipe.md", folder / "broken-pipe.md")
    return folder


@pytest.fixture
def store(tmp_path, corpus) -> Store:
    store = Store(tmp_path / "synapse.db")
    index_solutions(store, corpus)
    yield store
    store.close()


def approved(store: Store, title: str = "Ollama model not found") -> str:
    form, errors = submissions.parse_form(
        {
            "title": title,
            "errors": [f"ollama._types.ResponseError: model '{title}' not found"],
            "symptom": "- raises at once",
            "root_cause": "Never pulled.",
            "fixes": [{"title": "Pull it", "language": "bash", "code": "ollama pull llama3"}],
            "tags": ["ollama"],
        }
    )
    assert errors == {}
    sub_id = store.write(submissions.create_submission, form, None)
    return store.write(submissions.approve, sub_id)


def test_export_writes_the_file_and_the_next_index_reports_it_unchanged(store, corpus):
    slug = approved(store)
    published = entry_row(store.read(), slug)

    written = store.write(export_entries, corpus)

    assert written == [corpus / f"{slug}.md"]
    assert written[0].read_text() == published["markdown"]
    assert sorted(p.name for p in corpus.iterdir()) == ["broken-pipe.md", f"{slug}.md"]  # no temporary left
    report = index_solutions(store, corpus)
    assert (report.added, report.changed, report.removed, report.unchanged) == ([], [], [], 2)
    after = entry_row(store.read(), slug)
    assert after["origin"] == "corpus"
    for key in ("title", "errors", "tags", "languages", "symptom", "root_cause", "fixes", "content_hash"):
        assert after[key] == published[key], key
    assert content(parse_entry(written[0])) == content(parse_text(published["markdown"], slug))


def test_a_second_export_writes_nothing(store, corpus):
    approved(store)
    store.write(export_entries, corpus)

    assert store.write(export_entries, corpus) == []


def test_export_refuses_to_overwrite_a_file_with_other_content(store, corpus):
    slug = approved(store)
    (corpus / f"{slug}.md").write_text("a maintainer's draft\n")

    with pytest.raises(ExportConflict, match=slug):
        store.write(export_entries, corpus)

    assert (corpus / f"{slug}.md").read_text() == "a maintainer's draft\n"
    assert entry_row(store.read(), slug)["origin"] == "submission"


def test_export_elsewhere_can_leave_the_rows_unmarked(store, corpus, tmp_path):
    slug = approved(store)

    written = store.write(export_entries, tmp_path / "copies", False)

    assert written == [tmp_path / "copies" / f"{slug}.md"]
    assert entry_row(store.read(), slug)["origin"] == "submission"
    assert index_solutions(store, corpus).removed == []  # still published from the database
