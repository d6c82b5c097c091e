"""Submissions: validated like `synapse check`, stored pending and redacted, published only on approval.

Real stores (SQLite and PostgreSQL) with a few real entries indexed; one real server for what HTTP clients see.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.corpus.entries import EntryInvalid, parse_text
from app.corpus.indexer import index_solutions
from app.corpus.markdown import entry_markdown
from app.corpus.snapshot import build_snapshot
from app.search.service import run_search
from app.store.sqlite_store import Store
from app.submissions import review as submissions

ROOT = Path(__file__).resolve().parents[2]
NEW_ERROR = "ollama._types.ResponseError: model 'llama9' not found, try pulling it first"
OPENAI_KEY = "sk-proj-" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"


def valid(**changes) -> dict:
    """A correct submission in the JSON API's shape, with `changes` applied."""
    data = {
        "title": "Ollama says the model is not found",
        "errors": [NEW_ERROR],
        "symptom": "- `ollama.chat(model='llama9', ...)` raises at once\n- `ollama list` does not show the model",
        "root_cause": "The model was never pulled into this Ollama server's store.",
        "fixes": [
            {
                "title": "Pull the model before the first call",
                "language": "python",
                "code": "import ollama\n\nollama.pull('llama3')\n",
                "description": "Run once per server; pulls are cached.",
            }
        ],
        "tags": ["ollama", "llm"],
        "environment": "ollama-python 0.4, Ollama 0.5",
        "source": "Ollama API docs",
        "token_savings": 1500,
    }
    data.update(changes)
    return data


def html_form(**changes) -> dict[str, str]:
    """The same submission as the HTML form posts it: text fields, numbered fix slots."""
    data = {
        "title": "Ollama says the model is not found",
        "errors": NEW_ERROR + "\r\n",
        "symptom": "- `ollama.chat(model='llama9', ...)` raises at once\r\n- `ollama list` does not show the model",
        "root_cause": "The model was never pulled into this Ollama server's store.",
        "fix_title_1": "Pull the model before the first call",
        "fix_language_1": "python",
        "fix_code_1": "import ollama\r\n\r\nollama.pull('llama3')\r\n",
        "fix_description_1": "Run once per server; pulls are cached.",
        "fix_title_2": "",
        "fix_language_2": "",
        "fix_code_2": "",
        "tags": "ollama, llm",
        "environment": "ollama-python 0.4, Ollama 0.5",
        "source": "Ollama API docs",
        "token_savings": "1500",
        "contact": "",
        "website": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def store(engine_store, three_entries) -> Store:
    """A fresh store with three real entries published, on each engine (SQLite, PostgreSQL)."""
    index_solutions(engine_store, three_entries)
    return engine_store


def submit(store: Store, data: dict, key: str | None = None) -> str:
    form, errors = submissions.parse_form(data, store.read())
    assert errors == {}
    return store.write(submissions.create_submission, form, key)


def slugs_found(store: Store, query: str) -> list[str]:
    return [r["slug"] for r in run_search(store.read(), query, 10).body["results"]]


# -- valid submissions --------------------------------------------------------


def test_a_valid_submission_is_stored_pending_with_a_tracking_id(store):
    sub_id = submit(store, valid())

    assert sub_id.startswith("sub_") and len(sub_id) == 16
    [row] = submissions.list_submissions(store.read())
    assert (row["id"], row["status"], row["slug"]) == (
        sub_id,
        "pending",
        "ollama-says-the-model-is-not-found",
    )
    stored = submissions.get_submission(store.read(), sub_id)
    entry = parse_text(stored["markdown"], stored["slug"])  # stored as a valid entry file
    assert entry.errors == (NEW_ERROR,) and entry.fixes[0].title == "Pull the model before the first call"


def test_a_pending_submission_is_not_in_search_entries_or_the_snapshot(store):
    sub_id = submit(store, valid())
    slug = submissions.get_submission(store.read(), sub_id)["slug"]

    assert slug not in slugs_found(store, NEW_ERROR)
    assert store.read().execute("SELECT 1 FROM entries WHERE slug = ?", (slug,)).fetchone() is None
    assert slug not in {e["slug"] for e in build_snapshot(store.read())["entries"]}


def test_the_html_form_shape_reads_the_same_as_the_json_shape():
    from_json, json_errors = submissions.parse_form(valid())
    from_html, html_errors = submissions.parse_form(html_form())

    assert json_errors == html_errors == {}
    assert from_html == from_json
    assert from_html.languages == ["python"]  # taken from the fixes when not given


def test_the_same_idempotency_key_stores_one_submission(store):
    first = submit(store, valid(), key="retry-7f3a")
    again = submit(store, valid(), key="retry-7f3a")
    other = submit(store, valid(title="Ollama model not found, second report"), key="retry-8b1c")

    assert again == first and other != first
    assert len(submissions.list_submissions(store.read())) == 2


def test_slugs_stay_unique_against_entries_and_pending_submissions(store):
    first = submit(store, valid(title="SQLite database locked"))
    second = submit(store, valid(title="SQLite database locked", errors=["KeyError: 'llama9'"]))
    slugs = {r["id"]: r["slug"] for r in submissions.list_submissions(store.read())}

    assert slugs[first] == "sqlite-database-locked-2"  # the published entry holds the bare slug
    assert slugs[second] == "sqlite-database-locked-3"
    assert submissions.slugify("É") == "e-error" and len(submissions.slugify("word " * 40)) <= 80


# -- invalid submissions ------------------------------------------------------

INVALID = [
    ("title", {"title": "  "}),
    ("title", {"title": "x" * 201}),
    ("errors", {"errors": []}),
    ("errors", {"errors": ["ValueError: x" + "y" * 500]}),
    ("errors", {"errors": [f"E{i}: boom" for i in range(11)]}),
    ("errors", {"errors": ["ValueError: a", "valueerror:  A"]}),
    ("errors", {"errors": 7}),
    ("errors", {"errors": ["ValueError: one\nline two"]}),
    ("symptom", {"symptom": ""}),
    ("symptom", {"symptom": "s" * 8001}),
    ("symptom", {"symptom": "It fails.\n## Fix\nUse a lock."}),
    ("root_cause", {"root_cause": "r" * 8001}),
    ("root_cause", {"root_cause": "Cause\n---\nmore"}),
    ("fix_code_1", {"fixes": []}),
    ("fixes", {"fixes": [valid()["fixes"][0]] * 7}),
    ("fix_title_1", {"fixes": [{**valid()["fixes"][0], "title": ""}]}),
    ("fix_title_1", {"fixes": [{**valid()["fixes"][0], "title": "t" * 201}]}),
    ("fix_language_1", {"fixes": [{**valid()["fixes"][0], "language": ""}]}),
    ("fix_language_1", {"fixes": [{**valid()["fixes"][0], "language": "py thon"}]}),
    ("fix_code_1", {"fixes": [{**valid()["fixes"][0], "code": "   "}]}),
    ("fix_code_1", {"fixes": [{**valid()["fixes"][0], "code": "x = 1\n" * 3334}]}),
    ("fix_description_1", {"fixes": [{**valid()["fixes"][0], "description": "See:\n### Option 2: more"}]}),
    ("tags", {"tags": []}),
    ("tags", {"tags": [f"t{i}" for i in range(11)]}),
    ("tags", {"tags": ["t" * 41]}),
    ("tags", {"tags": ["<script>"]}),
    ("environment", {"environment": "e" * 501}),
    ("source", {"source": "s" * 501}),
    ("contact", {"contact": "c" * 201}),
    ("token_savings", {"token_savings": -5}),
    ("token_savings", {"token_savings": "lots"}),
]


@pytest.mark.parametrize(("field", "change"), INVALID, ids=[f"{f}-{i}" for i, (f, _) in enumerate(INVALID)])
def test_each_invalid_field_gets_a_message_on_that_field(field, change):
    _, errors = submissions.parse_form(valid(**change))

    assert field in errors, errors
    assert errors[field].strip()


def test_limits_apply_to_the_text_as_typed_not_as_redacted():
    symptom = ("- mail a@b.io\n" * 1000)[:8000]  # each address grows to "<email>" when redacted

    form, errors = submissions.parse_form(valid(symptom=symptom))

    assert errors == {} and len(form.symptom) > 8000


def test_python_that_does_not_compile_is_reported_on_its_own_code_field():
    _, errors = submissions.parse_form(
        html_form(fix_title_2="Retry", fix_language_2="python", fix_code_2="for i in range(3):\nprint(i)\n")
    )

    assert list(errors) == ["fix_code_2"]
    assert "does not compile" in errors["fix_code_2"] and "line 2 of the code" in errors["fix_code_2"]


def test_code_in_other_languages_is_not_compiled():
    _, errors = submissions.parse_form(html_form(fix_language_1="bash", fix_code_1="for i in (:"))

    assert errors == {}


def test_a_signature_a_published_entry_already_lists_is_refused(store):
    _, errors = submissions.parse_form(
        valid(errors=["sqlite3.OperationalError:  Database is locked"]), store.read()
    )

    assert "sqlite-database-locked" in errors["errors"]


def test_the_honeypot_gets_only_a_generic_error():
    _, errors = submissions.parse_form(html_form(website="https://cheap-pills.example"))

    assert errors == {submissions.FORM: submissions.GENERIC_REJECTION}


def test_an_unvalidated_invalid_form_is_never_stored(store):
    form, _ = submissions.parse_form(valid(symptom=""))

    with pytest.raises(EntryInvalid):
        store.write(submissions.create_submission, form, None)
    assert submissions.list_submissions(store.read(), status=None) == []


# -- redaction ----------------------------------------------------------------


def test_secrets_and_email_addresses_are_redacted_before_storage(store):
    sub_id = submit(
        store,
        valid(
            errors=[f"openai.AuthenticationError: Incorrect API key provided: {OPENAI_KEY}"],
            symptom=f"- fails with key {OPENAI_KEY}\n- reported by jane.doe@example.com",
            fixes=[
                {
                    "title": "Read the key from the environment",
                    "language": "python",
                    "code": f'import os\n\nKEY = "{OPENAI_KEY}"  # WRONG\ntoken = os.environ["OPENAI_API_KEY"]\n',
                }
            ],
            contact="jane.doe@example.com",
        ),
    )
    row = submissions.get_submission(store.read(), sub_id)
    stored = row["markdown"] + str(row["payload"]["fixes"]) + row["payload"]["symptom"] + row["title"]

    assert OPENAI_KEY not in stored and OPENAI_KEY[8:] not in stored
    assert "jane.doe@example.com" not in stored
    assert "<redacted:openai-key>" in row["markdown"] and "<email>" in row["markdown"]
    assert 'token = os.environ["OPENAI_API_KEY"]' in row["markdown"]  # code keeps its shape
    assert row["payload"]["contact"] == "jane.doe@example.com"  # given on purpose, never published
    assert "jane.doe" not in row["markdown"]


def test_code_keeps_its_shape_while_secret_shapes_in_it_are_redacted():
    code = (
        "token = get_token()\n"
        'conn = connect(password=os.environ["PGPASSWORD"], dsn="postgres://app:hunter2@db/app")\n'
        f'client = OpenAI(api_key="{OPENAI_KEY}")  # ask ops@example.com\n'
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n"
    )
    form, errors = submissions.parse_form(valid(fixes=[{"title": "t", "language": "text", "code": code}]))

    assert errors == {}
    assert form.fixes[0].code.split("\n") == [
        "token = get_token()",
        'conn = connect(password=os.environ["PGPASSWORD"], dsn="postgres://<redacted:credentials>@db/app")',
        'client = OpenAI(api_key="<redacted:openai-key>")  # ask <email>',
        "<redacted:private-key>",
    ]


# -- similar entries ----------------------------------------------------------


def test_similar_entries_finds_the_sqlite_entry_for_database_is_locked(store):
    form, _ = submissions.parse_form(
        valid(errors=["OperationalError: database is locked (while saving memory)"])
    )

    similar = submissions.similar_entries(store.read(), form)

    assert similar and similar[0]["slug"] == "sqlite-database-locked"
    assert similar[0]["url"] == "/solutions/sqlite-database-locked"


def test_similar_entries_is_empty_for_an_unknown_error(store):
    form, _ = submissions.parse_form(valid())

    assert submissions.similar_entries(store.read(), form) == []


# -- review -------------------------------------------------------------------


def test_approval_publishes_the_entry_and_search_finds_it_at_once(store):
    sub_id = submit(store, valid())

    slug = store.write(submissions.approve, sub_id)

    assert slugs_found(store, NEW_ERROR)[0] == slug
    assert run_search(store.read(), NEW_ERROR).body["match"] == slug
    row = store.read().execute("SELECT origin FROM entries WHERE slug = ?", (slug,)).fetchone()
    assert row[0] == "submission"  # until `synapse export` writes the file
    status = submissions.submission_status(store.read(), sub_id)
    assert status["status"] == "approved" and status["url"] == f"/solutions/{slug}"


def test_rejection_keeps_it_out_and_records_the_reason(store):
    sub_id = submit(store, valid())

    store.write(submissions.reject, sub_id, "duplicate of an upcoming entry")

    slug = submissions.get_submission(store.read(), sub_id)["slug"]
    assert slug not in slugs_found(store, NEW_ERROR)
    assert submissions.submission_status(store.read(), sub_id) == {
        "id": sub_id,
        "status": "rejected",
        "created_at": submissions.get_submission(store.read(), sub_id)["created_at"],
        "reviewed_at": submissions.get_submission(store.read(), sub_id)["reviewed_at"],
        "reason": "duplicate of an upcoming entry",
    }
    assert submissions.list_submissions(store.read()) == []
    assert [r["id"] for r in submissions.list_submissions(store.read(), "rejected")] == [sub_id]


def test_review_refuses_unknown_ids_decided_submissions_and_empty_reasons(store):
    sub_id = submit(store, valid())

    with pytest.raises(submissions.SubmissionError, match="reason"):
        store.write(submissions.reject, sub_id, "  ")
    store.write(submissions.approve, sub_id)
    with pytest.raises(submissions.SubmissionNotPending):
        store.write(submissions.approve, sub_id)
    with pytest.raises(submissions.SubmissionNotPending):
        store.write(submissions.reject, sub_id, "too late")
    with pytest.raises(submissions.SubmissionNotFound):
        store.write(submissions.approve, "sub_000000000000")


def test_approval_takes_a_new_slug_when_an_entry_took_it_meanwhile(store, tmp_path):
    sub_id = submit(store, valid())
    taken = submissions.get_submission(store.read(), sub_id)["slug"]
    other, _ = submissions.parse_form(valid(errors=["KeyError: 'llama9'"]))
    (tmp_path / "solutions" / f"{taken}.md").write_text(entry_markdown(other.draft()))
    index_solutions(store, tmp_path / "solutions")

    slug = store.write(submissions.approve, sub_id)

    assert slug == f"{taken}-2"
    assert slugs_found(store, NEW_ERROR)[0] == slug


# -- what a real server shows -------------------------------------------------


def test_a_server_serves_pending_submissions_nowhere_until_approved(own_server, tmp_path):
    server = own_server().start()
    store = Store(server.db)  # the same file, as `synapse review` would open it
    try:
        sub_id = submit(store, valid())
        slug = submissions.get_submission(store.read(), sub_id)["slug"]
        with httpx.Client(base_url=server.url, timeout=30) as client:
            assert client.get(f"/api/solutions/{slug}").status_code == 404
            assert slug not in {
                r["slug"] for r in client.get("/search", params={"q": NEW_ERROR}).json()["results"]
            }

            store.write(submissions.approve, sub_id)

            body = client.get("/search", params={"q": NEW_ERROR}).json()
            assert body["match"] == slug
            assert client.get(f"/api/solutions/{slug}").json()["title"] == valid()["title"]
    finally:
        store.close()
