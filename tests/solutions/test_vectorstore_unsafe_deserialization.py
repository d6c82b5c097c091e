"""Verified fix for solutions/vectorstore-unsafe-deserialization.md.

The project installs neither langchain-community, langchain-core nor faiss, so they are fakes in tmp_path.
`FAISS.load_local` mirrors langchain_community/vectorstores/faiss.py word for word where it matters:
- 0.4.2 (lines 1166-1218): `load_local(folder_path, embeddings, index_name="index", *,
  allow_dangerous_deserialization=False, io_flags=0, **kwargs)`, the guard raised before any file is opened
  ("... and know that no one else has modified the file ..."), then faiss.read_index of `{index_name}.faiss` and
  pickle.load of `{index_name}.pkl` -> `(docstore, index_to_docstore_id)`;
- 0.0.27 (lines 1091-1137): the first release with the guard, wording "... and no that no one else ...";
- 0.0.26 (lines 1091-1117): no guard, `**kwargs` passed on to `FAISS.__init__`, which has no such parameter.
`save_local(folder_path, index_name="index")` writes the same two files (the fake's `.faiss` holds JSON vectors instead of
faiss's binary format, and `faiss.read_index` raises faiss 1.15.1's FileIOReader RuntimeError for a missing file).
`langchain_core.embeddings.DeterministicFakeEmbedding(size=...)` gives one fixed vector per text, like the real one.

The tests reproduce both wordings and the old release's TypeError in a child interpreter, show that with the flag a
tampered index.pkl really runs its payload (and without it the guard stops before the file is opened), then run the
entry's own Option 1 and Option 2 code with real files in tmp_path: Option 2 must refuse a tampered pickle before
unpickling it, a different embedding model, a missing manifest and a wrong key.
"""

import textwrap
from pathlib import Path

import pytest
from fake_site import write_files
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "vectorstore-unsafe-deserialization"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

# langchain_community/vectorstores/faiss.py, FAISS.load_local guard, 0.2.0 - 0.4.2 and 0.0.27 - 0.0.38.
GUARD = {
    "0.4.2": """
        if not allow_dangerous_deserialization:
            raise ValueError(
                "The de-serialization relies loading a pickle file. "
                "Pickle files can be modified to deliver a malicious payload that "
                "results in execution of arbitrary code on your machine."
                "You will need to set `allow_dangerous_deserialization` to `True` to "
                "enable deserialization. If you do this, make sure that you "
                "trust the source of the data. For example, if you are loading a "
                "file that you created, and know that no one else has modified the "
                "file, then this is safe to do. Do not set this to `True` if you are "
                "loading a file from an untrusted source (e.g., some random site on "
                "the internet.)."
            )
""",
    "0.0.27": """
        if not allow_dangerous_deserialization:
            raise ValueError(
                "The de-serialization relies loading a pickle file. "
                "Pickle files can be modified to deliver a malicious payload that "
                "results in execution of arbitrary code on your machine."
                "You will need to set `allow_dangerous_deserialization` to `True` to "
                "enable deserialization. If you do this, make sure that you "
                "trust the source of the data. For example, if you are loading a "
                "file that you created, and no that no one else has modified the file, "
                "then this is safe to do. Do not set this to `True` if you are loading "
                "a file from an untrusted source (e.g., some random site on the "
                "internet.)."
            )
""",
}

SIGNATURE = {
    "0.4.2": (
        "cls, folder_path, embeddings, index_name='index', *, "
        "allow_dangerous_deserialization=False, io_flags=0, **kwargs"
    ),
    "0.0.27": "cls, folder_path, embeddings, index_name='index', *, allow_dangerous_deserialization=False, **kwargs",
    "0.0.26": "cls, folder_path, embeddings, index_name='index', **kwargs",
}

FAISS_MODULE = '''
import json
import pickle
import uuid
from pathlib import Path

from langchain_core.documents import Document


class _FlatIndex:
    """Stands in for faiss.IndexFlatL2 (faiss-cpu is not installed here)."""

    def __init__(self, vectors):
        self.vectors = [list(v) for v in vectors]

    @property
    def ntotal(self):
        return len(self.vectors)


def _read_index(path):
    """faiss.read_index: faiss 1.15.1's message for a file it cannot open."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RuntimeError(
            "Error in faiss::FileIOReader::FileIOReader(const char*) at /project/faiss/impl/io.cpp:69: "
            f"Error: 'f' failed: could not open {path} for reading: {exc.strerror}"
        ) from None
    return _FlatIndex(json.loads(text))


class FAISS:
    def __init__(self, embedding_function, index, docstore, index_to_docstore_id, relevance_score_fn=None,
                 normalize_L2=False, distance_strategy="EUCLIDEAN_DISTANCE"):
        self.embedding_function = embedding_function
        self.index = index
        self.docstore = docstore
        self.index_to_docstore_id = index_to_docstore_id

    @classmethod
    def from_texts(cls, texts, embedding, metadatas=None, ids=None, **kwargs):
        texts = list(texts)
        ids = ids or [str(uuid.uuid4()) for _ in texts]
        metadatas = metadatas or [{} for _ in texts]
        docstore = {i: Document(page_content=t, metadata=m) for i, t, m in zip(ids, texts, metadatas)}
        index = _FlatIndex(embedding.embed_documents(texts))
        return cls(embedding, index, docstore, dict(enumerate(ids)), **kwargs)

    def save_local(self, folder_path, index_name="index"):
        path = Path(folder_path)
        path.mkdir(exist_ok=True, parents=True)
        (path / f"{index_name}.faiss").write_text(json.dumps(self.index.vectors), encoding="utf-8")
        with open(path / f"{index_name}.pkl", "wb") as f:
            pickle.dump((self.docstore, self.index_to_docstore_id), f)

    @classmethod
    def load_local(SIGNATURE):
GUARD
        path = Path(folder_path)
        index = _read_index(str(path / f"{index_name}.faiss"))
        with open(path / f"{index_name}.pkl", "rb") as f:
            docstore, index_to_docstore_id = pickle.load(f)
        return cls(embeddings, index, docstore, index_to_docstore_id, **kwargs)

    def similarity_search(self, query, k=4):
        q = self.embedding_function.embed_query(query)
        dist = [sum((a - b) ** 2 for a, b in zip(q, v)) for v in self.index.vectors]
        order = sorted(range(len(dist)), key=dist.__getitem__)[:k]
        return [self.docstore[self.index_to_docstore_id[i]] for i in order]
'''

CORE = {
    "langchain_core/__init__.py": "__version__ = '1.8.4'\n",
    "langchain_core/documents/__init__.py": (
        "class Document:\n"
        "    def __init__(self, page_content, metadata=None):\n"
        "        self.page_content = page_content\n"
        "        self.metadata = metadata or {}\n"
    ),
    "langchain_core/embeddings/__init__.py": (
        "import hashlib\n"
        "import random\n\n\n"
        "class DeterministicFakeEmbedding:\n"
        "    def __init__(self, size):\n"
        "        self.size = size\n\n"
        "    def _vector(self, text):\n"
        "        rng = random.Random(int(hashlib.sha256(text.encode()).hexdigest(), 16) % 10**8)\n"
        "        return [rng.gauss(0, 1) for _ in range(self.size)]\n\n"
        "    def embed_documents(self, texts):\n"
        "        return [self._vector(t) for t in texts]\n\n"
        "    def embed_query(self, text):\n"
        "        return self._vector(text)\n"
    ),
}

BUILD = """
from langchain_community.vectorstores import FAISS
from langchain_core.embeddings import DeterministicFakeEmbedding

emb = DeterministicFakeEmbedding(size=8)
FAISS.from_texts(["alpha", "beta"], emb).save_local("faiss_index")
"""

# A pickle whose loading creates the file `pwned`: what a tampered index.pkl can do.
PAYLOAD = """
import pickle


class Payload:
    def __reduce__(self):
        return (open, ("pwned", "w"))


with open("faiss_index/index.pkl", "wb") as f:
    pickle.dump(Payload(), f)
"""


def _site(tmp_path, version="0.4.2"):
    site = tmp_path / f"site-{version}"
    faiss = FAISS_MODULE.replace("SIGNATURE", SIGNATURE[version]).replace("GUARD\n", GUARD.get(version, ""))
    community = {
        "langchain_community/__init__.py": f"__version__ = {version!r}\n",
        "langchain_community/vectorstores/__init__.py": "from .faiss import FAISS\n",
        "langchain_community/vectorstores/faiss.py": faiss,
    }
    return write_files(write_files(site, CORE), community, dedent=False)


def _work(tmp_path, name):
    work = tmp_path / name
    work.mkdir()
    return work


@pytest.mark.parametrize(("version", "which"), [("0.4.2", 0), ("0.0.27", 1)])
def test_reproduces_the_guard_in_both_wordings(tmp_path, version, which):
    site, work = _site(tmp_path, version), _work(tmp_path, "work")
    result = run_python(BUILD + 'FAISS.load_local("faiss_index", emb)\n', cwd=work, path=site)
    assert result.returncode != 0
    assert "langchain_community/vectorstores/faiss.py" in result.stderr
    assert "in load_local" in result.stderr
    assert last_line(result) == parse_entry(ENTRY).errors[which]
    # the flag passed positionally is not accepted either: it is keyword-only
    positional = run_python(
        BUILD + 'FAISS.load_local("faiss_index", emb, "index", True)\n', cwd=work, path=site
    )
    assert positional.returncode != 0
    assert "positional argument" in last_line(positional)


def test_release_without_the_guard_rejects_the_flag(tmp_path):
    site, work = _site(tmp_path, "0.0.26"), _work(tmp_path, "work")
    result = run_python(
        BUILD + 'FAISS.load_local("faiss_index", emb, allow_dangerous_deserialization=True)\n',
        cwd=work,
        path=site,
    )
    assert result.returncode != 0
    assert last_line(result) == parse_entry(ENTRY).errors[4]
    # without the flag the old release loads (no guard at all)
    ok = run_python(BUILD + 'print(FAISS.load_local("faiss_index", emb).index.ntotal)\n', cwd=work, path=site)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "2"


def test_the_flag_really_unpickles_a_tampered_file_and_the_guard_stops_before_opening_it(tmp_path):
    site, work = _site(tmp_path), _work(tmp_path, "work")
    refused = run_python(BUILD + PAYLOAD + 'FAISS.load_local("faiss_index", emb)\n', cwd=work, path=site)
    assert refused.returncode != 0
    assert last_line(refused).startswith("ValueError: The de-serialization relies loading a pickle file.")
    assert not (work / "pwned").exists()
    run_python(
        BUILD + PAYLOAD + 'FAISS.load_local("faiss_index", emb, allow_dangerous_deserialization=True)\n',
        cwd=work,
        path=site,
    )
    assert (work / "pwned").exists()  # the payload ran as soon as load_local opened index.pkl


def test_missing_folder_is_faiss_own_error_not_the_guard(tmp_path):
    site, work = _site(tmp_path), _work(tmp_path, "work")
    code = (
        "from langchain_community.vectorstores import FAISS\n"
        "from langchain_core.embeddings import DeterministicFakeEmbedding\n"
        'FAISS.load_local("missing", DeterministicFakeEmbedding(size=8), allow_dangerous_deserialization=True)\n'
    )
    result = run_python(code, cwd=work, path=site)
    assert result.returncode != 0
    assert last_line(result).startswith(
        "RuntimeError: Error in faiss::FileIOReader::FileIOReader(const char*)"
    )
    assert last_line(result) not in parse_entry(ENTRY).errors


@pytest.mark.parametrize("version", ["0.4.2", "0.0.27"])
def test_option1_builds_saves_and_loads_its_own_folder(fix_code, tmp_path, version):
    site, work = _site(tmp_path, version), _work(tmp_path, "work")
    for _ in range(2):  # first run builds and saves, second run only loads the saved folder
        result = run_python(fix_code(SLUG, 1), cwd=work, path=site)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "loaded 2 vectors: pickle runs code when it loads"
    assert sorted(p.name for p in (work / "faiss_index").iterdir()) == ["index.faiss", "index.pkl"]


def test_option2_script_loads_a_signed_folder_and_refuses_a_changed_one(fix_code, tmp_path):
    site, work = _site(tmp_path), _work(tmp_path, "work")
    result = run_python(fix_code(SLUG, 2), cwd=work, path=site, env={"INDEX_SIGNING_KEY": None})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "loaded 2 vectors",
        "refused: signed_index: files changed since they were signed; not unpickling them",
    ]
    assert (work / "signed_index" / "manifest.json").is_file()


def test_option2_refuses_a_payload_before_unpickling_it(fix_code, tmp_path):
    site, work = _site(tmp_path), _work(tmp_path, "work")
    (work / "fix.py").write_text(fix_code(SLUG, 2), encoding="utf-8")
    check = textwrap.dedent(
        """
        import os
        import pickle
        import shutil

        from fix import load_signed, save_signed
        from langchain_community.vectorstores import FAISS
        from langchain_core.embeddings import DeterministicFakeEmbedding

        emb = DeterministicFakeEmbedding(size=8)
        os.environ["INDEX_SIGNING_KEY"] = "k" * 32
        save_signed(FAISS.from_texts(["alpha", "beta"], emb), "idx", "model-a")
        print("hit:", load_signed("idx", emb, "model-a").similarity_search("beta", k=1)[0].page_content)

        for label, call in [
            ("other model", lambda: load_signed("idx", emb, "model-b")),
            ("other key", lambda: (os.environ.update(INDEX_SIGNING_KEY="x" * 32), load_signed("idx", emb, "model-a"))),
        ]:
            try:
                call()
            except (ValueError, PermissionError) as exc:
                print(label, type(exc).__name__)
        os.environ["INDEX_SIGNING_KEY"] = "k" * 32

        class Payload:
            def __reduce__(self):
                return (open, ("pwned", "w"))

        with open("idx/index.pkl", "wb") as f:
            pickle.dump(Payload(), f)
        try:
            load_signed("idx", emb, "model-a")
        except PermissionError as exc:
            print("tampered:", exc)
        print("payload ran:", os.path.exists("pwned"))

        shutil.copytree("idx", "unsigned")
        os.remove("unsigned/manifest.json")
        try:
            load_signed("unsigned", emb, "model-a")
        except PermissionError as exc:
            print("unsigned:", exc)

        del os.environ["INDEX_SIGNING_KEY"]
        try:
            load_signed("idx", emb, "model-a")
        except RuntimeError as exc:
            print("no key:", exc)
        """
    )
    result = run_python(check, cwd=work, path=[site, work])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "hit: beta",
        "other model ValueError",
        "other key PermissionError",
        "tampered: idx: files changed since they were signed; not unpickling them",
        "payload ran: False",
        "unsigned: unsigned: no manifest.json; not saved by save_signed(): rebuild it from the documents",
        "no key: set INDEX_SIGNING_KEY to a secret of 16+ characters (e.g. from secrets.token_hex(32))",
    ]
    assert not (work / "pwned").exists()
