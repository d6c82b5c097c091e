"""Verified fix for solutions/chroma-embedding-function-signature.md.

The project does not install chromadb (onnxruntime, a Rust extension), so the tests write a fake `chromadb` into
tmp_path with the shape of two real releases and their code paths, copied from the wheels:
- 1.5.9: `chromadb/api/types.py` with `EmbeddingFunction` (a Protocol whose `__init_subclass__` rewraps a
  subclass's `__call__` as `__call__(self, input)`, and which gives it `embed_query`, `name`, `is_legacy`) and
  `validate_embedding_function` (parameter names of `type(ef).__call__` against `['self', 'input']`, the message with
  the /guides/embeddings and /deployment/migration links); `chromadb/api/models/CollectionCommon.py`, whose
  `__init__` runs that check and whose `_embed` calls `embed_query(input=...)` for `query_texts`, inside the
  `validation_context` decorator that appends ` in query.`; `chromadb/api/collection_configuration.py`
  `validate_embedding_function_conflict_on_get`, called by `get_collection`/`get_or_create_collection` with the
  collection's persisted `{"type": "legacy"}` config, so it calls `embedding_function.name()`;
- 0.4.22: no `__init_subclass__`, no `embed_query`/`name`, no check on get, and the 0.4.16-0.5.0 links.
The tests reproduce each wording in a child interpreter (a class with `texts`, a LangChain `Embeddings` object, a
bound method, the class itself, a class without the base class on a get and on a query), check that the traceback is
answered by this entry, then run the entry's own Options 1-3 against both fakes. Option 4's pip line must keep numpy
below 2 (with numpy 2, chromadb 0.4.15 loses deletes), and what LangChain, langchain-huggingface and ragas say about
their own embeddings objects (`'SentenceTransformer' object has no attribute 'embed_query'`, ...) must not be answered.
"""

import shlex
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from chromadb_source import VALIDATION_CONTEXT
from fake_site import fake_distribution
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "chroma-embedding-function-signature"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"

LINKS = {
    "1.5.9": (
        "https://docs.trychroma.com/guides/embeddings",
        "https://docs.trychroma.com/deployment/migration#migration-to-0.4.16---november-7,-2023",
    ),
    "0.4.22": (
        "https://docs.trychroma.com/embeddings",
        "https://docs.trychroma.com/migration#migration-to-0416---november-7-2023",
    ),
}

TYPES = """
import warnings
from inspect import signature
from typing import Any, Dict, List, Protocol, TypeVar, Union

Document = str
Documents = List[Document]
Embedding = List[float]
Embeddings = List[Embedding]
Images = List[Any]
Embeddable = Union[Documents, Images]
D = TypeVar("D", bound=Embeddable, contravariant=True)
WRAP_SUBCLASSES = {wrap}


def validate_embeddings(embeddings):
    if not isinstance(embeddings, list) or not all(isinstance(e, list) for e in embeddings):
        raise ValueError(
            "Expected embeddings to be a list of floats or ints, a list of lists, a numpy array, "
            f"or a list of numpy arrays, got {{embeddings}}"
        )
    return embeddings


class EmbeddingFunction(Protocol[D]):
    def __call__(self, input: D) -> Embeddings: ...

    if WRAP_SUBCLASSES:  # 0.4.23 and later

        def __init_subclass__(cls) -> None:
            super().__init_subclass__()
            call = getattr(cls, "__call__")

            def __call__(self, input):
                result = call(self, input)
                assert result is not None
                return validate_embeddings([list(map(float, e)) for e in result])

            setattr(cls, "__call__", __call__)

        def embed_query(self, input: D) -> Embeddings:
            return self.__call__(input)

        @staticmethod
        def name() -> str:
            warnings.warn(
                "The EmbeddingFunction class does not implement name(). This will be required in a future version.",
                DeprecationWarning,
                stacklevel=2,
            )
            return NotImplemented


def validate_embedding_function(
    embedding_function: EmbeddingFunction[Embeddable],
) -> None:
    function_signature = signature(
        embedding_function.__class__.__call__
    ).parameters.keys()
    protocol_signature = signature(EmbeddingFunction.__call__).parameters.keys()

    if not function_signature == protocol_signature:
        raise ValueError(
            f"Expected EmbeddingFunction.__call__ to have the following signature: {{protocol_signature}}, got {{function_signature}}\\n"
            "Please see {docs} for details of the EmbeddingFunction interface.\\n"
            "Please note the recent change to the EmbeddingFunction interface: {migration} \\n"
        )
"""

CONFIGURATION = """
def validate_embedding_function_conflict_on_get(embedding_function, persisted_ef_config):
    if persisted_ef_config is not None and embedding_function is not None:
        if (
            embedding_function.name() != "default"
            and persisted_ef_config.get("name") is not None
            and persisted_ef_config.get("name") != embedding_function.name()
        ):
            raise ValueError(
                "An embedding function already exists in the collection configuration, and a new one is provided. "
                "If this is intentional, please embed documents separately. Embedding function conflict: "
                f"new: {embedding_function.name()} vs persisted: {persisted_ef_config.get('name')}"
            )
    return None
"""

COLLECTION = """
from chromadb.api.types import validate_embedding_function, validate_embeddings

QUERY_EMBED = {query_embed}  # 1.1.0 and later: query_texts go through embed_query(input=...)


class Collection:
    def __init__(self, client, name, embedding_function=None):
        self._client = client
        self.name = name
        # Check to make sure the embedding function has the right signature, as defined by the EmbeddingFunction protocol
        if embedding_function is not None:
            validate_embedding_function(embedding_function)
        self._embedding_function = embedding_function

    def _embed(self, input, is_query=False):
        if is_query and QUERY_EMBED:
            return self._embedding_function.embed_query(input=input)
        return self._embedding_function(input=input)

    @validation_context("add")
    def add(self, ids, documents):
        vectors = validate_embeddings(self._embed(input=documents))
        self._client._data.setdefault(self.name, {{}}).update(zip(ids, vectors))

    @validation_context("query")
    def query(self, query_texts, n_results=10):
        records = self._client._data.get(self.name, {{}})
        out = []
        for q in self._embed(input=query_texts, is_query=True):
            ranked = sorted(records, key=lambda i: sum((a - b) ** 2 for a, b in zip(q, records[i])))
            out.append(ranked[:n_results])
        return {{"ids": out}}
"""

CLIENT = """
from chromadb.api.collection_configuration import validate_embedding_function_conflict_on_get
from chromadb.api.models.CollectionCommon import Collection

CHECK_ON_GET = {check_on_get}  # 1.0.12 and later


class Client:
    def __init__(self):
        self._data = {{}}

    def create_collection(self, name, embedding_function=None):
        return Collection(self, name, embedding_function)

    def get_or_create_collection(self, name, embedding_function=None):
        self._data.setdefault(name, {{}})
        if CHECK_ON_GET:
            persisted_ef_config = {{"type": "legacy"}}  # what 1.x stores for a function without name()/get_config()
            validate_embedding_function_conflict_on_get(embedding_function, persisted_ef_config)
        return Collection(self, name, embedding_function)

    get_collection = get_or_create_collection
"""

INIT = """
__version__ = "{version}"

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.api.client import Client


def EphemeralClient():
    return Client()
"""


def _site(tmp_path, version="1.5.9"):
    new = version == "1.5.9"
    docs, migration = LINKS[version]
    site = tmp_path / f"site-{version}"
    fake_distribution(
        site,
        "chromadb",
        version,
        {
            "chromadb/__init__.py": INIT.format(version=version),
            "chromadb/api/__init__.py": "",
            "chromadb/api/types.py": TYPES.format(wrap=new, docs=docs, migration=migration),
            "chromadb/api/collection_configuration.py": CONFIGURATION,
            "chromadb/api/client.py": CLIENT.format(check_on_get=new),
            "chromadb/api/models/__init__.py": "",
            "chromadb/api/models/CollectionCommon.py": VALIDATION_CONTEXT
            + COLLECTION.format(query_embed=new),
        },
    )
    return site


CASES = """
import sys
import chromadb
from chromadb import EmbeddingFunction
from langchain_core.embeddings import DeterministicFakeEmbedding


class TextsEF:  # written for chromadb <= 0.4.15
    def __call__(self, texts):
        return [[float(len(t)), 1.0] for t in texts]


class SubTextsEF(EmbeddingFunction):
    def __call__(self, texts):
        return [[float(len(t)), 1.0] for t in texts]


class PlainInputEF:  # right parameter, no base class
    def __call__(self, input):
        return [[float(len(t)), 1.0] for t in input]


class SubInputEF(EmbeddingFunction):
    def __call__(self, input):
        return [[float(len(t)), 1.0] for t in input]


lc = DeterministicFakeEmbedding(size=4)
efs = {
    "texts": TextsEF(),
    "subclass_texts": SubTextsEF(),
    "langchain": lc,
    "bound_method": lc.embed_documents,
    "the_class": SubInputEF,
    "plain_input": PlainInputEF(),
}
case, method = sys.argv[1], sys.argv[2]
collection = getattr(chromadb.EphemeralClient(), method)("docs", embedding_function=efs[case])
collection.add(ids=["a", "b"], documents=["hello", "hi there"])
print(collection.query(query_texts=["hello"], n_results=1)["ids"])
"""


def _run(site, tmp_path, case, method="create_collection"):
    return run_python(CASES, cwd=tmp_path, path=site, args=[case, method])


def _signature_error(got: str, version: str = "1.5.9") -> str:
    docs, migration = LINKS[version]
    return (
        "ValueError: Expected EmbeddingFunction.__call__ to have the following signature: "
        f"odict_keys(['self', 'input']), got odict_keys({got})\n"
        f"Please see {docs} for details of the EmbeddingFunction interface.\n"
        f"Please note the recent change to the EmbeddingFunction interface: {migration}"
    )


def test_reproduces_the_signature_errors_of_1_5_9(tmp_path, index):
    site = _site(tmp_path)
    for case, got in [
        ("texts", "['self', 'texts']"),
        ("langchain", "['args', 'kwargs']"),
        ("bound_method", "['self', 'args', 'kwargs']"),
        ("the_class", "['self', 'args', 'kwargs']"),
    ]:
        result = _run(site, tmp_path, case)
        assert result.returncode == 1, (case, result.stdout)
        assert 'chromadb/api/types.py", line' in result.stderr
        assert "in validate_embedding_function" in result.stderr
        assert _signature_error(got) in result.stderr, (case, result.stderr[-600:])
        assert_answers(index, SLUG, result.stderr)
    # since 0.4.23 a subclass passes whatever its parameter is called (its __call__ is rewrapped)
    result = _run(site, tmp_path, "subclass_texts")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[['a']]"


def test_reproduces_the_1x_name_and_embed_query_errors(tmp_path, index):
    site = _site(tmp_path)
    result = _run(site, tmp_path, "langchain", "get_or_create_collection")
    assert "in validate_embedding_function_conflict_on_get" in result.stderr
    assert last_line(result) == "AttributeError: 'DeterministicFakeEmbedding' object has no attribute 'name'"
    assert_answers(index, SLUG, result.stderr.replace("DeterministicFakeEmbedding", "HuggingFaceEmbeddings"))

    result = _run(site, tmp_path, "plain_input", "get_collection")
    assert last_line(result) == "AttributeError: 'PlainInputEF' object has no attribute 'name'"

    result = _run(site, tmp_path, "plain_input")  # create works, add works, the query asks for embed_query
    assert "in _embed" in result.stderr
    assert (
        last_line(result) == "AttributeError: 'PlainInputEF' object has no attribute 'embed_query' in query."
    )
    assert_answers(index, SLUG, result.stderr)


def test_0_4_22_refuses_a_subclass_with_texts(tmp_path):
    site = _site(tmp_path, "0.4.22")
    result = _run(site, tmp_path, "subclass_texts")
    assert _signature_error("['self', 'texts']", "0.4.22") in result.stderr
    # no name() check and no embed_query yet: a class without the base class passes
    result = _run(site, tmp_path, "plain_input", "get_or_create_collection")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[['a']]"


@pytest.mark.parametrize("version", ["1.5.9", "0.4.22"])
def test_option1_subclass_with_input(fix_code, tmp_path, version):
    code = fix_code(SLUG, 1)
    assert "def __call__(self, input: Documents)" in code
    result = run_python(code, cwd=tmp_path, path=_site(tmp_path, version))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"chromadb {version} nearest: ['a']"


@pytest.mark.parametrize("version", ["1.5.9", "0.4.22"])
def test_option2_adapts_langchain_embeddings(fix_code, tmp_path, version):
    code = fix_code(SLUG, 2)
    wrong = code.replace(
        "embedding_function=LangChainEmbeddingFunction(lc_embeddings)", "embedding_function=lc_embeddings"
    )
    assert wrong != code
    site = _site(tmp_path, version)
    result = run_python(wrong, cwd=tmp_path, path=site)
    assert result.returncode == 1
    if version == "1.5.9":
        assert (
            last_line(result) == "AttributeError: 'DeterministicFakeEmbedding' object has no attribute 'name'"
        )
    else:
        assert _signature_error("['args', 'kwargs']", version) in result.stderr

    result = run_python(code, cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"chromadb {version} nearest: ['b']"


def test_option2_query_goes_through_the_models_embed_query(fix_code, tmp_path):
    """On 1.1+ the adapter's embed_query is what embeds query_texts: a model whose queries differ is honoured."""
    code = fix_code(SLUG, 2).replace(
        "lc_embeddings = DeterministicFakeEmbedding(size=8)",
        "class Asym(DeterministicFakeEmbedding):\n"
        "    def embed_query(self, text):\n"
        "        return super().embed_query('hello world')\n"
        "lc_embeddings = Asym(size=8)",
    )
    result = run_python(code, cwd=tmp_path, path=_site(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "chromadb 1.5.9 nearest: ['a']"


@pytest.mark.parametrize("version", ["1.5.9", "0.4.22"])
def test_option3_wraps_a_plain_function(fix_code, tmp_path, version):
    code = fix_code(SLUG, 3)
    site = _site(tmp_path, version)
    wrong = code.replace(
        "embedding_function=FunctionEmbedding(embed_texts)", "embedding_function=embed_texts"
    )
    assert wrong != code
    result = run_python(
        wrong.replace("get_or_create_collection", "create_collection"), cwd=tmp_path, path=site
    )
    assert _signature_error("['self', 'args', 'kwargs']", version) in result.stderr

    result = run_python(code, cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"chromadb {version} nearest: ['a']"


def test_entry_blocks_and_links_match_the_fakes():
    entry = parse_entry(SOLUTIONS / f"{SLUG}.md")
    text = (SOLUTIONS / f"{SLUG}.md").read_text(encoding="utf-8")
    for docs, migration in LINKS.values():
        assert docs in text and migration in text
    assert len(entry.fixes) == 4


def _pip_requirements(block: str) -> dict[str, SpecifierSet]:
    """The distributions a `pip install ...` line of a bash block asks for, with their specifiers."""
    requirements = {}
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words[:2] == ["pip", "install"]:
            for word in words[2:]:
                if not word.startswith("-"):
                    requirement = Requirement(word)
                    requirements[canonicalize_name(requirement.name)] = requirement.specifier
    return requirements


def test_option4_pins_numpy_below_2(fix_code):
    """chromadb 0.4.15 asks only for numpy>=1.22.5, so pip resolves it to numpy 2.x today. It still imports there,
    but a delete() on a PersistentClient collection hits `np.NaN` (removed in NumPy 2.0) in
    segment/impl/vector/brute_force_index.py: the consumer only logs the error and the deleted ids stay in the vector
    index (real 0.4.15 + numpy 2.4.6: 5 added, 3 deleted, count() 2, a query returned 4 ids)."""
    requirements = _pip_requirements(fix_code(SLUG, 4))
    assert "0.4.15" in requirements["chromadb"]
    numpy = requirements.get("numpy", SpecifierSet(">=1.22.5"))  # without a pin: chromadb 0.4.15's own range
    assert "2.4.6" not in numpy, f"pip would install numpy 2 with chromadb 0.4.15 ({numpy or 'no pin'})"
    assert "1.26.4" in numpy


# What a LangChain vector store says when it is given something that is not a LangChain `Embeddings`
# (langchain-chroma 1.1.0 similarity_search, langchain-ai/langchain#19171 and #16034), what ragas' own embeddings
# classes say, and other attributes of LangChain embeddings: not chromadb's check, and not this entry's answer.
LOOK_ALIKES = [
    "AttributeError: 'SentenceTransformer' object has no attribute 'embed_query'",
    "AttributeError: 'function' object has no attribute 'embed_query'",
    "AttributeError: 'list' object has no attribute 'embed_query'",
    "AttributeError: 'dict' object has no attribute 'embed_query'",
    "AttributeError: 'OpenAIEmbeddings' object has no attribute 'embed_query'",
    "AttributeError: 'HuggingFaceEmbeddings' object has no attribute 'embed_query'",
    "AttributeError: 'OpenAIEmbeddings' object has no attribute 'model_name'",
    "AttributeError: 'HuggingFaceEmbeddings' object has no attribute 'client'",
    "AttributeError: 'HuggingFaceEmbeddings' object has no attribute 'model'",
    "AttributeError: 'HuggingFaceEmbeddings' object has no attribute 'encode'",
    "TypeError: HuggingFaceEmbeddings.embed_query() got an unexpected keyword argument 'input'",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_langchain_side_look_alikes_are_not_answered(index, text):
    assert confident_answer(index, text) != SLUG, text


def test_chromadb_embed_query_wording_is_answered_whatever_the_class(index):
    for name in ["MyEmbeddingFunction", "OllamaEmbeddingFunction", "ChromaEmbedder"]:
        assert_answers(
            index, SLUG, f"AttributeError: '{name}' object has no attribute 'embed_query' in query."
        )
        assert_answers(
            index,
            SLUG,
            f"TypeError: {name}.embed_query() got an unexpected keyword argument 'input' in query.",
        )
