"""Verified fix for solutions/vectorstore-duplicate-ids.md.

The project does not install chromadb (it pulls onnxruntime and a Rust extension), so the Chroma tests write a
fake `chromadb` into tmp_path with the real raising code copied word for word:
- `chromadb/errors.py`: `ChromaError(Exception)` and `DuplicateIDError(ChromaError)` (chromadb 1.5.9; the same
  classes since 0.3.22);
- `chromadb/api/types.py`: `validate_ids` of chromadb 1.5.9 (identical in 0.4.6-1.5.9; 0.4.24 and 0.5.23 were run for
  real too), and for the old releases the 0.3.29 body (`found duplicates for: {dups}`, a set; 0.3.22-0.4.5);
- `chromadb/api/models/CollectionCommon.py`: `validation_context` of chromadb 1.5.9 (from 0.5.17 on; chromadb_source.py), which appends
  ` in add.` / ` in upsert.` to the message; the 0.4.24 fake has none.
A `Collection` with `add`/`upsert` (add keeps a stored record, upsert replaces it, as 1.5.9 does) and an
`EphemeralClient` complete the shape. The tests reproduce each Python wording the entry lists in a child interpreter,
then run the entry's own Option 1 code on the failing batches and write them. The PostgreSQL wordings are produced
for real (the session's PostgreSQL server, psycopg 3 and SQLAlchemy from the project's venv): a multi-row
`INSERT ... ON CONFLICT (id) DO UPDATE` like langchain-postgres' `PGVector.add_embeddings`, then the same batch
after Option 1.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from chromadb_source import VALIDATION_CONTEXT
from entry_blocks import option_blocks
from fake_site import write_files
from pyrun import last_line, run_python, script_names
from sqlalchemy.dialects.postgresql import insert

from app.corpus.entries import parse_entry

SLUG = "vectorstore-duplicate-ids"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")

ERRORS = """
class ChromaError(Exception):
    trace_id = None

    def code(self):
        return 400  # Bad Request

    def message(self):
        return ", ".join(self.args)


class DuplicateIDError(ChromaError):
    @classmethod
    def name(cls):
        return "DuplicateID"
"""

# chromadb 1.5.9 chromadb/api/types.py validate_ids (the same body since 0.4.6)
VALIDATE_IDS_NEW = """
from chromadb import errors


def validate_ids(ids):
    \"\"\"Validates ids to ensure it is a list of strings\"\"\"
    if not isinstance(ids, list):
        raise ValueError(f"Expected IDs to be a list, got {type(ids).__name__} as IDs")
    if len(ids) == 0:
        raise ValueError(f"Expected IDs to be a non-empty list, got {len(ids)} IDs")
    seen = set()
    dups = set()
    for id_ in ids:
        if not isinstance(id_, str):
            raise ValueError(f"Expected ID to be a str, got {id_}")
        if id_ in seen:
            dups.add(id_)
        else:
            seen.add(id_)
    if dups:
        n_dups = len(dups)
        if n_dups < 10:
            example_string = ", ".join(dups)
            message = (
                f"Expected IDs to be unique, found duplicates of: {example_string}"
            )
        else:
            examples = []
            for idx, dup in enumerate(dups):
                examples.append(dup)
                if idx == 10:
                    break
            example_string = (
                f"{', '.join(examples[:5])}, ..., {', '.join(examples[-5:])}"
            )
            message = f"Expected IDs to be unique, found {n_dups} duplicated IDs: {example_string}"
        raise errors.DuplicateIDError(message)
    return ids
"""

# chromadb 0.3.29 chromadb/api/types.py validate_ids (0.3.22-0.4.5)
VALIDATE_IDS_OLD = """
from chromadb import errors


def validate_ids(ids):
    \"\"\"Validates ids to ensure it is a list of strings\"\"\"
    if not isinstance(ids, list):
        raise ValueError(f"Expected IDs to be a list, got {ids}")
    if len(ids) == 0:
        raise ValueError(f"Expected IDs to be a non-empty list, got {ids}")
    for id in ids:
        if not isinstance(id, str):
            raise ValueError(f"Expected ID to be a str, got {id}")
    if len(ids) != len(set(ids)):
        dups = set([x for x in ids if ids.count(x) > 1])
        raise errors.DuplicateIDError(
            f"Expected IDs to be unique, found duplicates for: {dups}"
        )
    return ids
"""

# chromadb 1.5.9 chromadb/api/models/CollectionCommon.py (from 0.5.17 on)
NO_CONTEXT = """
def validation_context(name):
    return lambda func: func  # chromadb <= 0.5.16: the message has no ' in add.'
"""

COLLECTION = """
from chromadb.api.models.CollectionCommon import validation_context
from chromadb.api.types import validate_ids


class Collection:
    def __init__(self, name):
        self.name = name
        self._records = {}

    @validation_context("add")
    def _validate_add(self, ids, documents, metadatas):
        validate_ids(ids)
        return ids, documents or [None] * len(ids), metadatas or [None] * len(ids)

    @validation_context("upsert")
    def _validate_upsert(self, ids, documents, metadatas):
        validate_ids(ids)
        return ids, documents or [None] * len(ids), metadatas or [None] * len(ids)

    def add(self, ids, documents=None, metadatas=None, embeddings=None):
        for id_, doc, meta in zip(*self._validate_add(ids, documents, metadatas)):
            self._records.setdefault(id_, (doc, meta))  # an id already stored keeps its record

    def upsert(self, ids, documents=None, metadatas=None, embeddings=None):
        for id_, doc, meta in zip(*self._validate_upsert(ids, documents, metadatas)):
            self._records[id_] = (doc, meta)

    def count(self):
        return len(self._records)

    def get(self):
        ids = sorted(self._records)
        return {"ids": ids, "documents": [self._records[i][0] for i in ids]}
"""

INIT = """
__version__ = "{version}"
from chromadb.api.models.Collection import Collection


class EphemeralClient:
    def __init__(self):
        self._collections = {{}}

    def get_or_create_collection(self, name):
        return self._collections.setdefault(name, Collection(name))
"""

RELEASES = {
    "1.5.9": (VALIDATE_IDS_NEW, VALIDATION_CONTEXT),
    "0.4.24": (VALIDATE_IDS_NEW, NO_CONTEXT),
    "0.3.29": (VALIDATE_IDS_OLD, NO_CONTEXT),
}


def _chromadb(tmp_path, version="1.5.9"):
    validate, context = RELEASES[version]
    site = tmp_path / f"site-{version}"
    return write_files(
        site,
        {
            "chromadb/__init__.py": INIT.format(version=version),
            "chromadb/errors.py": ERRORS,
            "chromadb/api/__init__.py": "",
            "chromadb/api/types.py": validate,
            "chromadb/api/models/__init__.py": "",
            "chromadb/api/models/CollectionCommon.py": context,
            "chromadb/api/models/Collection.py": COLLECTION,
        },
    )


def _fails(site, tmp_path, call):
    code = f"import chromadb\ncol = chromadb.EphemeralClient().get_or_create_collection('docs')\n{call}\n"
    result = run_python(code, cwd=tmp_path, path=site)
    assert result.returncode != 0
    assert "chromadb/api/types.py" in result.stderr  # raised by validate_ids, before anything is stored
    return last_line(result)


def _sorted_ids(message: str) -> str:
    """The ids come from a Python set, in any order: the message with its id list sorted."""
    found = re.match(r"^(.*?(?:of: |for: \{))(.*?)(\}?(?: in \w+\.)?)$", message)
    assert found, message
    return found.group(1) + ", ".join(sorted(found.group(2).split(", "))) + found.group(3)


def _same_ids(got: str, signature: str) -> bool:
    return _sorted_ids(got) == _sorted_ids(signature)


def test_chroma_1x_wordings_name_the_call(tmp_path):
    site = _chromadb(tmp_path, "1.5.9")
    got = _fails(
        site, tmp_path, "col.add(ids=['doc1', 'doc2', 'doc1', 'doc2'], documents=['a', 'b', 'a', 'b'])"
    )
    assert _same_ids(got, ENTRY.errors[0])
    # LangChain's Chroma.add_texts calls collection.upsert with ids such as an md5 of the chunk text
    footer = hashlib.md5(b"Page footer").hexdigest()
    got = _fails(
        site,
        tmp_path,
        f"col.upsert(ids=[{footer!r}, 'x', {footer!r}], documents=['Page footer', 'x', 'Page footer'])",
    )
    assert got == ENTRY.errors[1]
    got = _fails(site, tmp_path, "col.add(ids=[f'id{i}' for i in range(12)] * 2)")
    head = ENTRY.errors[2].partition(" id1,")[0]
    assert (
        got.startswith(head)
        and got.endswith(" in add.")
        and got.count(", ") == ENTRY.errors[2].count(", ") == 11
    )
    # a batch without repeats is accepted, and a re-add of a stored id raises nothing
    ok = run_python(
        "import chromadb\ncol = chromadb.EphemeralClient().get_or_create_collection('d')\n"
        "col.add(ids=['a', 'b'])\ncol.add(ids=['a'])\nprint(col.count())\n",
        cwd=tmp_path,
        path=site,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "2"


def test_older_chroma_wordings(tmp_path):
    got = _fails(_chromadb(tmp_path, "0.4.24"), tmp_path, "col.add(ids=['doc1', 'doc2', 'doc1', 'doc2'])")
    assert _same_ids(got, ENTRY.errors[3])
    assert not got.endswith(" in add.")
    got = _fails(_chromadb(tmp_path, "0.3.29"), tmp_path, "col.add(ids=['doc1', 'doc2', 'doc1', 'doc2'])")
    assert got.startswith(
        "chromadb.errors.DuplicateIDError: Expected IDs to be unique, found duplicates for: {"
    )
    assert _same_ids(got, ENTRY.errors[4])


def _renamed(id_: str, text: str) -> str:
    return f"{id_}#{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"


def test_option1_demo_drops_repeats_and_renames_collisions(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "hash ids: ['h-intro', 'h-footer', 'h-part2'] dropped: ['h-footer']" in result.stdout
    new = [_renamed("a.pdf", t) for t in ("Intro to A", "Page footer", "Part two of A")]
    assert f"file ids: {[*new, 'b.pdf']} renamed: {dict.fromkeys(new, 'a.pdf')}" in result.stdout


@pytest.mark.parametrize("version", ["1.5.9", "0.4.24", "0.3.29"])
def test_option1_makes_the_failing_batches_writable(fix_code, tmp_path, version):
    site = _chromadb(tmp_path, version)
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    check = """
import json
import chromadb
from fix import dedupe_batch

col = chromadb.EphemeralClient().get_or_create_collection("docs")
texts = ["Intro", "Page footer", "Part two", "Page footer", "Other"]
metas = [{"source": "a.pdf"}, {"source": "a.pdf"}, {"source": "a.pdf"}, {"source": "b.pdf"}, {"source": "a.pdf"}]
by_text = [t.lower().replace(" ", "-") for t in texts]  # ids from the text: the footer repeats
ids, docs, m, report = dedupe_batch(by_text, texts, metas)
col.upsert(ids=ids, documents=docs, metadatas=m)
by_file = [x["source"] for x in metas]  # ids from the file name: 4 different chunks share "a.pdf"
ids2, docs2, m2, report2 = dedupe_batch(by_file, texts, metas)
files = chromadb.EphemeralClient().get_or_create_collection("files")
files.add(ids=ids2, documents=docs2, metadatas=m2)
print(json.dumps({"count": col.count(), "report": report, "files": files.get(), "report2": report2}))
"""
    result = run_python(check, cwd=tmp_path, path=[site, tmp_path])
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["count"] == 4
    assert out["report"] == {"dropped": ["page-footer"], "renamed": {}}
    assert out["files"]["ids"] == sorted(
        [_renamed("a.pdf", t) for t in ("Intro", "Page footer", "Part two", "Other")] + ["b.pdf"]
    )
    assert sorted(out["files"]["documents"]) == sorted(
        ["Intro", "Page footer", "Part two", "Page footer", "Other"]
    )
    assert out["report2"]["dropped"] == []
    assert set(out["report2"]["renamed"].values()) == {"a.pdf"}


def test_option1_edge_cases():
    dedupe_batch = script_names(option_blocks(SLUG, 1)[0][1])["dedupe_batch"]
    # None ids (LangChain fills them with uuid4) stay; an id that names two texts is renamed for both,
    # by text, so a batch id such as "a-1" is left alone and a repeat of a renamed chunk is dropped
    ids, texts, report = dedupe_batch(["a", None, "a", "a-1", None, "a"], ["x", "n", "y", "z", "n", "y"])
    assert ids == [_renamed("a", "x"), None, _renamed("a", "y"), "a-1", None]
    assert texts == ["x", "n", "y", "z", "n"]
    assert report == {"dropped": ["a"], "renamed": {_renamed("a", "x"): "a", _renamed("a", "y"): "a"}}
    # the same chunks in another order get the same ids (a re-run upserts them in place)
    again, _, _ = dedupe_batch(["a", "a"], ["y", "x"])
    assert again == [_renamed("a", "y"), _renamed("a", "x")]
    with pytest.raises(ValueError, match="taken"):
        dedupe_batch(["a", "a", _renamed("a", "y")], ["x", "y", "other"])
    with pytest.raises(ValueError, match="same length"):
        dedupe_batch(["a", "b"], ["x"])


def test_option1_renames_never_overwrite_a_stored_record(fix_code, tmp_path):
    """A '<id>-1' counter took the id of a record stored earlier; '<id>#<hash of the text>' does not."""
    site = _chromadb(tmp_path, "1.5.9")
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    check = """
import json
import chromadb
from fix import dedupe_batch

col = chromadb.EphemeralClient().get_or_create_collection("docs")
col.add(ids=["Intro-1"], documents=["a chapter stored earlier under the title Intro-1"])
ids, docs, report = dedupe_batch(["Intro", "Intro"], ["new chunk A", "new chunk B"])
col.upsert(ids=ids, documents=docs)
print(json.dumps(col.get()))
"""
    result = run_python(check, cwd=tmp_path, path=[site, tmp_path])
    assert result.returncode == 0, result.stderr
    stored = json.loads(result.stdout)
    assert sorted(stored["documents"]) == [
        "a chapter stored earlier under the title Intro-1",
        "new chunk A",
        "new chunk B",
    ]


def test_option2_ids_are_stable_and_distinct():
    chunk_id = script_names(option_blocks(SLUG, 2)[0][1])["chunk_id"]
    chunks = [
        ("a.pdf", "0:0", "Page footer"),
        ("a.pdf", "0:1200", "Page footer"),
        ("b.pdf", "0:0", "Page footer"),
    ]
    ids = [chunk_id(*c) for c in chunks]
    assert len(set(ids)) == 3
    assert ids == [chunk_id(*c) for c in chunks]  # the same chunk gets the same id on the next run


def _rows(with_repeat: bool):
    rows = [{"id": "h-footer", "document": "Page footer"}, {"id": "h-intro", "document": "Intro"}]
    return rows + ([{"id": "h-footer", "document": "Page footer"}] if with_repeat else [])


def test_postgres_on_conflict_batch_and_option1(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE langchain_pg_embedding (id varchar PRIMARY KEY, document varchar)")
        with pytest.raises(psycopg.errors.CardinalityViolation) as raw:
            conn.execute(
                "INSERT INTO langchain_pg_embedding (id, document) VALUES (%s, %s), (%s, %s), (%s, %s) "
                "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document",
                [v for row in _rows(True) for v in row.values()],
            )
    assert f"psycopg.errors.CardinalityViolation: {str(raw.value).splitlines()[0]}" == ENTRY.errors[10]

    # langchain-postgres 0.0.19 PGVector.add_embeddings: insert(...).values(data).on_conflict_do_update(index_elements=["id"])
    engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    table = sa.Table("langchain_pg_embedding", sa.MetaData(), autoload_with=engine)

    def write(rows):
        stmt = insert(table).values(rows)
        stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={"document": stmt.excluded.document})
        with engine.begin() as conn:
            conn.execute(stmt)

    with pytest.raises(sa.exc.ProgrammingError) as wrapped:
        write(_rows(True))
    text = f"sqlalchemy.exc.ProgrammingError: {wrapped.value}"
    assert "\n".join(text.splitlines()[:2]) == ENTRY.errors[9]

    dedupe_batch = script_names(option_blocks(SLUG, 1)[0][1])["dedupe_batch"]
    rows = _rows(True)
    ids, docs, report = dedupe_batch([r["id"] for r in rows], [r["document"] for r in rows])
    write([{"id": i, "document": d} for i, d in zip(ids, docs, strict=True)])
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM langchain_pg_embedding")).scalar() == 2
    assert report["dropped"] == ["h-footer"]
    engine.dispose()
