"""Verified fix for solutions/chroma-client-migration.md.

The project does not install chromadb (it pulls onnxruntime and a Rust extension), so the tests write
a fake `chromadb` into tmp_path with the shape of the real 0.4+ releases: `chromadb/config.py` whose
`Settings.__getitem__` raises the real LEGACY_ERROR text (copied from chromadb 1.5.9) for the old
`chroma_db_impl` values, `chromadb/api/client.py` whose `Client` has no `persist`, and a
`PersistentClient` that writes every upsert to a file under `path` at once. The 0.6.3 variant
returns `CollectionName` strings from `list_collections()` (whose Collection attributes raise the
real NotImplementedError), the 1.5.9 variant Collection objects. The tests reproduce the errors in
a child interpreter, then run the entry's own Option 1 and Option 2 code against the fakes.
"""

import json

from fake_site import fake_distribution
from pyrun import last_line, run_args, run_python

SLUG = "chroma-client-migration"

LEGACY_ERROR = (
    "\033[91mYou are using a deprecated configuration of Chroma.\n\n"
    "\033[94mIf you do not have data you wish to migrate, you only need to change how you construct\n"
    'your Chroma client. Please see the "New Clients" section of https://docs.trychroma.com/deployment/migration.\n'
    "________________________________________________________________________________________________\n\n"
    "If you do have data you wish to migrate, we have a migration tool you can use in order to\n"
    "migrate your data to the new Chroma architecture.\n"
    "Please `pip install chroma-migrate` and run `chroma-migrate` to migrate your data and then\n"
    "change how you construct your Chroma client.\n\n"
    "See https://docs.trychroma.com/deployment/migration for more information or join our discord at "
    "https://discord.gg/MMeYNTmh3x for help!\033[0m"
)

CONFIG = f"""
LEGACY_ERROR = {LEGACY_ERROR!r}

_legacy_config_values = {{
    "duckdb", "duckdb+parquet", "clickhouse", "local", "rest",
    "chromadb.db.duckdb.DuckDB", "chromadb.db.duckdb.PersistentDuckDB",
    "chromadb.db.clickhouse.Clickhouse", "chromadb.api.local.LocalAPI",
}}


class Settings:
    def __init__(self, **values):
        self.chroma_db_impl = None
        self.chroma_api_impl = "chromadb.api.segment.SegmentAPI"
        self.is_persistent = False
        self.persist_directory = "./chroma"
        self.anonymized_telemetry = True
        self.__dict__.update(values)

    def keys(self):
        return list(self.__dict__)

    def __getitem__(self, key):
        val = getattr(self, key)
        # Error on legacy config values
        if isinstance(val, str) and val in _legacy_config_values:
            raise ValueError(LEGACY_ERROR)
        return val
"""

COLLECTION = """
import json
from pathlib import Path


class Collection:
    def __init__(self, client, name, metadata=None):
        self._client = client
        self.name = name
        self.metadata = metadata

    def __repr__(self):
        return f"Collection(name={self.name})"

    def _records(self):
        return self._client._data[self.name]["records"]

    def upsert(self, ids, embeddings, documents=None, metadatas=None):
        if len(set(ids)) != len(ids):
            raise ValueError("Expected IDs to be unique")
        for i, id_ in enumerate(ids):
            meta = metadatas[i] if metadatas else None
            if meta == {}:
                raise ValueError("Expected metadata to be a non-empty dict, got 0 metadata attributes")
            self._records()[id_] = {
                "embedding": [float(x) for x in embeddings[i]],
                "document": documents[i] if documents else None,
                "metadata": meta,
            }
        self._client._save()  # every write is on disk when the call returns

    add = upsert

    def count(self):
        return len(self._records())

    def get(self):
        records = self._records()
        return {
            "ids": list(records),
            "documents": [r["document"] for r in records.values()],
            "metadatas": [r["metadata"] for r in records.values()],
        }

    def query(self, query_embeddings, n_results=10):
        out = []
        for q in query_embeddings:
            ranked = sorted(
                self._records().items(), key=lambda kv: sum((a - b) ** 2 for a, b in zip(q, kv[1]["embedding"]))
            )
            out.append([id_ for id_, _ in ranked[:n_results]])
        return {"ids": out}


class CollectionName(str):
    def __getattr__(self, item):
        if item in ("add", "upsert", "count", "get", "query", "name", "metadata"):
            raise NotImplementedError(
                f"In Chroma v0.6.0, list_collections only returns collection names. "
                f"Use Client.get_collection({str(self)}) to access {item}. "
                f"See https://docs.trychroma.com/deployment/migration for more information."
            )
        raise AttributeError(f"'CollectionName' object has no attribute '{item}'")
"""

CLIENT = """
import json
from pathlib import Path

import chromadb
from chromadb.api.models.Collection import Collection, CollectionName


class Client:
    def __init__(self, settings):
        # as SharedSystemClient: the API implementation is checked first (plain attribute access) ...
        if settings.chroma_api_impl not in ("chromadb.api.segment.SegmentAPI", "chromadb.api.fastapi.FastAPI"):
            raise ValueError(f"Unsupported Chroma API implementation {settings.chroma_api_impl}")
        # ... then System(settings) reads every setting through Settings.__getitem__
        for key in settings.keys():
            if settings[key] is not None:
                pass
        self._file = Path(settings.persist_directory, "chroma.sqlite3") if settings.is_persistent else None
        self._data = json.loads(self._file.read_text()) if self._file and self._file.exists() else {}

    def _save(self):
        if self._file:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            self._file.write_text(json.dumps(self._data))

    def get_or_create_collection(self, name, metadata=None, embedding_function="default"):
        self._data.setdefault(name, {"metadata": metadata, "records": {}})
        self._save()
        return Collection(self, name, self._data[name]["metadata"])

    def get_collection(self, name, embedding_function="default"):
        if not isinstance(name, str):
            raise TypeError(f"argument 'name': '{type(name).__name__}' object cannot be converted to 'PyString'")
        if name not in self._data:
            raise chromadb.errors.NotFoundError(f"Collection [{name}] does not exist")
        return Collection(self, name, self._data[name]["metadata"])

    def list_collections(self):
        if chromadb.__version__.startswith("0.6."):
            return [CollectionName(name) for name in self._data]
        return [Collection(self, name, self._data[name]["metadata"]) for name in self._data]
"""

INIT = """
__version__ = "{version}"

from chromadb import errors
from chromadb.api.client import Client as ClientCreator
from chromadb.config import Settings


def Client(settings=Settings()):
    return ClientCreator(settings)


def EphemeralClient(settings=None):
    return ClientCreator(settings or Settings())


def PersistentClient(path="./chroma", settings=None):
    settings = settings or Settings()
    settings.persist_directory = str(path)
    settings.is_persistent = True
    return ClientCreator(settings)
"""

# a stand-in for pyarrow.parquet: the fake "parquet" files hold JSON rows
PARQUET = """
import json


class _Table:
    def __init__(self, rows):
        self._rows = rows

    def to_pylist(self):
        return list(self._rows)


def read_table(path):
    with open(path, encoding="utf-8") as f:
        return _Table(json.load(f))
"""


def _site(tmp_path, version="1.5.9"):
    site = tmp_path / f"site-{version}"
    fake_distribution(
        site,
        "chromadb",
        version,
        {
            "chromadb/__init__.py": INIT.format(version=version),
            "chromadb/errors.py": "class NotFoundError(Exception):\n    pass\n",
            "chromadb/config.py": CONFIG,
            "chromadb/api/__init__.py": "",
            "chromadb/api/client.py": CLIENT,
            "chromadb/api/models/__init__.py": "",
            "chromadb/api/models/Collection.py": COLLECTION,
        },
    )
    return site


LEGACY_CODE = """
import chromadb
from chromadb.config import Settings

client = chromadb.Client(Settings(chroma_db_impl="duckdb+parquet", persist_directory="db"))
"""


def test_reproduces_deprecated_configuration_and_persist_errors(tmp_path):
    site = _site(tmp_path)
    result = run_python(LEGACY_CODE, cwd=tmp_path, path=site)
    assert result.returncode != 0
    assert "chromadb/config.py" in result.stderr
    assert "ValueError: \x1b[91mYou are using a deprecated configuration of Chroma." in result.stderr
    assert "Please `pip install chroma-migrate` and run `chroma-migrate`" in result.stderr

    rest = "import chromadb\nfrom chromadb.config import Settings\nchromadb.Client(Settings(chroma_api_impl='rest'))\n"
    result = run_python(rest, cwd=tmp_path, path=site)
    assert last_line(result) == "ValueError: Unsupported Chroma API implementation rest"

    result = run_python(
        "import chromadb\nchromadb.PersistentClient(path='db').persist()\n", cwd=tmp_path, path=site
    )
    assert last_line(result) == "AttributeError: 'Client' object has no attribute 'persist'"


def test_option1_persists_without_persist_call(fix_code, tmp_path):
    site = _site(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    result = run_python(fix_code(SLUG, 1), cwd=work, path=site)
    assert result.returncode == 0, result.stderr
    assert "chromadb 1.5.9 collections: ['docs'] count: 2" in result.stdout
    assert "nearest: ['doc-1']" in result.stdout
    # a new process reads the data back: nothing had to call persist()
    reopen = "import chromadb\nprint(chromadb.PersistentClient(path='./chroma_db').get_collection('docs').count())\n"
    result = run_python(reopen, cwd=work, path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"


def test_option1_reads_names_on_06_where_the_old_loop_fails(fix_code, tmp_path):
    site = _site(tmp_path, "0.6.3")
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert "chromadb 0.6.3 collections: ['docs'] count: 2" in result.stdout

    old_loop = "import chromadb\nprint([c.name for c in chromadb.PersistentClient(path='./chroma_db').list_collections()])\n"
    result = run_python(old_loop, cwd=tmp_path, path=site)
    assert last_line(result).startswith(
        "NotImplementedError: In Chroma v0.6.0, list_collections only returns collection names."
    )


def test_option2_copies_a_03_store(fix_code, tmp_path):
    site = _site(tmp_path)
    (tmp_path / "pyarrow").mkdir()
    (tmp_path / "pyarrow" / "__init__.py").write_text("")
    (tmp_path / "pyarrow" / "parquet.py").write_text(PARQUET)
    old = tmp_path / "old_db"  # what chromadb 0.3.29 wrote (columns as in its parquet files)
    old.mkdir()
    collections = [
        {"uuid": "u1", "name": "docs", "metadata": '{"hnsw:space": "cosine"}'},
        {"uuid": "u2", "name": "plain", "metadata": "{}"},
    ]
    rows = [
        {
            "collection_uuid": "u1",
            "uuid": "e1",
            "embedding": [1.0, 2.0],
            "document": "alpha",
            "id": "a",
            "metadata": '{"src": "x"}',
        },
        {
            "collection_uuid": "u1",
            "uuid": "e2",
            "embedding": [2.0, 1.0],
            "document": "beta",
            "id": "b",
            "metadata": "null",
        },
        {
            "collection_uuid": "u1",
            "uuid": "e3",
            "embedding": [2.0, 2.0],
            "document": "beta2",
            "id": "b",
            "metadata": "{}",
        },
        {
            "collection_uuid": "u2",
            "uuid": "e4",
            "embedding": [0.5, 0.5],
            "document": "one",
            "id": "p1",
            "metadata": None,
        },
    ]
    (old / "chroma-collections.parquet").write_text(json.dumps(collections))
    (old / "chroma-embeddings.parquet").write_text(json.dumps(rows))

    script = tmp_path / "migrate_chroma_03.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")
    result = run_args([str(script), str(old), "new_db"], [site, tmp_path], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "docs: 2 records in new_db" in result.stdout
    assert "plain: 1 records in new_db" in result.stdout

    stored = json.loads((tmp_path / "new_db" / "chroma.sqlite3").read_text())
    assert stored["docs"]["metadata"] == {"hnsw:space": "cosine"}
    assert stored["plain"]["metadata"] is None
    assert stored["docs"]["records"]["a"] == {
        "embedding": [1.0, 2.0],
        "document": "alpha",
        "metadata": {"src": "x"},
    }
    assert stored["docs"]["records"]["b"]["document"] == "beta2"
