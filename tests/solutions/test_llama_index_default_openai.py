"""Verified fix for solutions/llama-index-default-openai.md.

The project's venv has no LlamaIndex, so each test writes into tmp_path a small `llama_index` with the code path
of the real one, and a dist-info per distribution so importlib.metadata sees it:
- `Settings.llm` / `Settings.embed_model` resolve "default" lazily through `resolve_llm` / `resolve_embed_model`
  (llama_index/core/llms/utils.py, core/embeddings/utils.py), which import the OpenAI integrations, re-raise any
  ImportError as "`<dist>` package not found" and wrap the integration's `validate_openai_api_key` ValueError in
  the "Could not load OpenAI ..." text: with the `To disable the LLM entirely, set llm=None.` line before core
  0.14.7 and the docs.llamaindex.ai embeddings link before 0.14.8;
- VectorStoreIndex (and load_index_from_storage, which builds one) takes `embed_model or Settings.embed_model`;
  as_query_engine takes `llm or Settings.llm`; as_chat_engine's default chat_mode goes through
  AgentRunner.from_llm, which imports llama_index.llms.openai, before core 0.13.0;
  SemanticSplitterNodeParser.from_defaults() without embed_model makes OpenAIEmbedding() itself;
- the OpenAI class reads `metadata` (its model-name table, `openai_modelname_to_contextsize`) before any
  request; OpenAIEmbedding checks `model=` against its enum; OpenAILike / OpenAILikeEmbedding take any name.
The texts, their order and where they are raised were checked against llama-index-core 0.10.68.post1, 0.11.23,
0.12.52.post1 and 0.14.25 (and the 0.14.6-0.14.8 wheels) with llama-index-llms-openai 0.1.31-0.8.3 and
llama-index-embeddings-openai 0.1.11-0.7.0; the model table below is llama-index-llms-openai 0.1.31's. Requests
go to a local stand-in (fake_http) of an OpenAI-compatible server and of Ollama's native API. The entry's own
Options 1-4 run against these installs, read from the Markdown.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_http import chat_completion, json_server
from fake_site import fake_distribution, write_files
from pyrun import run_python

from app.corpus.entries import parse_entry
from synapse_skill.matching import matcher

SLUG = "llama-index-default-openai"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
ENTRY = parse_entry(SOLUTIONS / f"{SLUG}.md")
NO_OPENAI_ENV = {"OPENAI_API_KEY": None, "OPENAI_API_BASE": None, "OPENAI_BASE_URL": None, "IS_TESTING": None}

# llama-index-llms-openai 0.1.31 (llama_index/llms/openai/utils.py ALL_AVAILABLE_MODELS), in its order
MODELS_0_1_31 = [
    "gpt-4",
    "gpt-4-32k",
    "gpt-4-1106-preview",
    "gpt-4-0125-preview",
    "gpt-4-turbo-preview",
    "gpt-4-vision-preview",
    "gpt-4-1106-vision-preview",
    "gpt-4-turbo-2024-04-09",
    "gpt-4-turbo",
    "gpt-4o",
    "gpt-4o-2024-05-13",
    "gpt-4o-2024-08-06",
    "gpt-4o-mini",
    "gpt-4o-mini-2024-07-18",
    "gpt-4-0613",
    "gpt-4-32k-0613",
    "gpt-4-0314",
    "gpt-4-32k-0314",
    "gpt-3.5-turbo",
    "gpt-3.5-turbo-16k",
    "gpt-3.5-turbo-0125",
    "gpt-3.5-turbo-1106",
    "gpt-3.5-turbo-0613",
    "gpt-3.5-turbo-16k-0613",
    "gpt-3.5-turbo-0301",
    "text-davinci-003",
    "text-davinci-002",
    "gpt-3.5-turbo-instruct",
    "text-ada-001",
    "text-babbage-001",
    "text-curie-001",
    "ada",
    "babbage",
    "curie",
    "davinci",
    "gpt-35-turbo-16k",
    "gpt-35-turbo",
    "gpt-35-turbo-0125",
    "gpt-35-turbo-1106",
    "gpt-35-turbo-0613",
    "gpt-35-turbo-16k-0613",
]

CORE = {
    "llama_index/core/__init__.py": """
        from llama_index.core.settings import Settings
        from llama_index.core.schema import Document
        from llama_index.core.storage import StorageContext
        from llama_index.core.indices import VectorStoreIndex, load_index_from_storage
        """,
    "llama_index/core/schema.py": """
        class Document:
            def __init__(self, text=""):
                self.text = text
        """,
    "llama_index/core/llms/__init__.py": """
        class LLM:
            model = "unknown"

        class MockLLM(LLM):
            model = "mock"

            def complete(self, prompt):
                return prompt
        """,
    "llama_index/core/llms/utils.py": """
        from llama_index.core._release import RELEASE
        from llama_index.core.llms import LLM, MockLLM


        def resolve_llm(llm=None):
            if llm == "default":
                try:
                    from llama_index.llms.openai import OpenAI
                    from llama_index.llms.openai.utils import validate_openai_api_key

                    llm = OpenAI()
                    validate_openai_api_key(llm.api_key)
                except ImportError:
                    raise ImportError(
                        "`llama-index-llms-openai` package not found, "
                        "please run `pip install llama-index-llms-openai`"
                    )
                except ValueError as e:
                    trailer = "\\nTo disable the LLM entirely, set llm=None." if RELEASE < (0, 14, 7) else ""
                    raise ValueError(
                        "\\n******\\n"
                        "Could not load OpenAI model. "
                        "If you intended to use OpenAI, please check your OPENAI_API_KEY.\\n"
                        "Original error:\\n"
                        f"{e!s}{trailer}"
                        "\\n******"
                    )
            if llm is None:
                print("LLM is explicitly disabled. Using MockLLM.")
                llm = MockLLM()
            assert isinstance(llm, LLM)
            return llm
        """,
    "llama_index/core/embeddings/__init__.py": """
        class BaseEmbedding:
            model_name = "unknown"

        class MockEmbedding(BaseEmbedding):
            model_name = "mock"

            def __init__(self, embed_dim):
                self.embed_dim = embed_dim

            def get_text_embedding(self, text):
                return [float(len(text) % 7)] * self.embed_dim
        """,
    "llama_index/core/embeddings/utils.py": """
        from llama_index.core._release import RELEASE
        from llama_index.core.embeddings import BaseEmbedding


        def resolve_embed_model(embed_model=None):
            if embed_model == "default":
                try:
                    from llama_index.embeddings.openai import OpenAIEmbedding
                    from llama_index.embeddings.openai.utils import validate_openai_api_key

                    embed_model = OpenAIEmbedding()
                    validate_openai_api_key(embed_model.api_key)
                except ImportError:
                    raise ImportError(
                        "`llama-index-embeddings-openai` package not found, "
                        "please run `pip install llama-index-embeddings-openai`"
                    )
                except ValueError as e:
                    docs = (
                        "https://developers.llamaindex.ai/python/framework/module_guides/models/embeddings/"
                        if RELEASE >= (0, 14, 8)
                        else "https://docs.llamaindex.ai/en/stable/module_guides/models/embeddings.html#modules"
                    )
                    raise ValueError(
                        "\\n******\\n"
                        "Could not load OpenAI embedding model. "
                        "If you intended to use OpenAI, please check your OPENAI_API_KEY.\\n"
                        "Original error:\\n"
                        f"{e!s}"
                        "\\nConsider using embed_model='local'.\\n"
                        f"Visit our documentation for more embedding options: {docs}"
                        "\\n******"
                    )
            assert isinstance(embed_model, BaseEmbedding)
            return embed_model
        """,
    "llama_index/core/settings.py": """
        from llama_index.core.embeddings.utils import resolve_embed_model
        from llama_index.core.llms.utils import resolve_llm


        class _Settings:
            _llm = None
            _embed_model = None

            @property
            def llm(self):
                if self._llm is None:
                    self._llm = resolve_llm("default")
                return self._llm

            @llm.setter
            def llm(self, llm):
                self._llm = resolve_llm(llm)

            @property
            def embed_model(self):
                if self._embed_model is None:
                    self._embed_model = resolve_embed_model("default")
                return self._embed_model

            @embed_model.setter
            def embed_model(self, embed_model):
                self._embed_model = resolve_embed_model(embed_model)


        Settings = _Settings()
        """,
    "llama_index/core/storage.py": """
        import json
        import os


        class StorageContext:
            def __init__(self, texts=None):
                self.texts = list(texts or [])

            @classmethod
            def from_defaults(cls, persist_dir=None):
                if persist_dir is None:
                    return cls()
                with open(os.path.join(persist_dir, "docstore.json")) as f:
                    return cls(json.load(f))

            def persist(self, persist_dir):
                os.makedirs(persist_dir, exist_ok=True)
                with open(os.path.join(persist_dir, "docstore.json"), "w") as f:
                    json.dump(self.texts, f)
        """,
    "llama_index/core/indices.py": """
        from llama_index.core._release import RELEASE
        from llama_index.core.embeddings.utils import resolve_embed_model
        from llama_index.core.settings import Settings
        from llama_index.core.storage import StorageContext


        class Response:
            def __init__(self, text):
                self.response = text

            def __str__(self):
                return self.response


        class QueryEngine:
            def __init__(self, index, llm):
                self.index, self.llm = index, llm

            def query(self, question):
                vector = self.index.embed_model.get_text_embedding(question)
                scores = [sum(a * b for a, b in zip(vector, v)) for v in self.index.vectors]
                context = self.index.storage_context.texts[scores.index(max(scores))]
                return Response(self.llm.complete(f"Context: {context}\\nQuestion: {question}"))


        class CondensePlusContextChatEngine(QueryEngine):
            def chat(self, message):
                return self.query(message)


        class VectorStoreIndex:
            def __init__(self, texts=None, storage_context=None, embed_model=None):
                self.storage_context = storage_context or StorageContext(texts)
                self.embed_model = resolve_embed_model(embed_model or Settings.embed_model)
                self.vectors = [self.embed_model.get_text_embedding(t) for t in self.storage_context.texts]

            @classmethod
            def from_documents(cls, documents, embed_model=None):
                return cls([d.text for d in documents], embed_model=embed_model)

            def as_query_engine(self, llm=None):
                return QueryEngine(self, llm or Settings.llm)

            def as_chat_engine(self, chat_mode="best", llm=None):
                if RELEASE < (0, 13) and chat_mode in ("best", "react", "openai"):
                    # AgentRunner.from_llm (llama_index/core/agent/runner/base.py)
                    try:
                        from llama_index.llms.openai import OpenAI  # noqa: F401
                    except ImportError:
                        raise ImportError(
                            "`llama-index-llms-openai` package not found. Please "
                            "install by running `pip install llama-index-llms-openai`."
                        )
                return CondensePlusContextChatEngine(self, llm or Settings.llm)


        def load_index_from_storage(storage_context, **kwargs):
            return VectorStoreIndex(storage_context=storage_context, **kwargs)
        """,
    "llama_index/core/node_parser/__init__.py": """
        class SemanticSplitterNodeParser:
            def __init__(self, embed_model):
                self.embed_model = embed_model

            @classmethod
            def from_defaults(cls, embed_model=None):
                if embed_model is None:
                    try:
                        from llama_index.embeddings.openai import OpenAIEmbedding

                        embed_model = embed_model or OpenAIEmbedding()
                    except ImportError:
                        raise ImportError(
                            "`llama-index-embeddings-openai` package not found, "
                            "please run `pip install llama-index-embeddings-openai`"
                        )
                return cls(embed_model)
        """,
}

HTTP = """
    import json
    import urllib.request


    def post(base, path, key, body):
        request = urllib.request.Request(
            base.rstrip("/") + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    """

MISSING_KEY = '''
    import os

    MISSING_API_KEY_ERROR_MESSAGE = """No API key found for OpenAI.
    Please set either the OPENAI_API_KEY environment variable or \\
    openai.api_key prior to initialization.
    API keys can be found or created at \\
    https://platform.openai.com/account/api-keys
    """


    def validate_openai_api_key(api_key=None):
        openai_api_key = api_key or os.environ.get("OPENAI_API_KEY", "")
        if not openai_api_key:
            raise ValueError(MISSING_API_KEY_ERROR_MESSAGE)
    '''

LLMS_OPENAI = {
    "llama_index/llms/openai/__init__.py": "from llama_index.llms.openai.base import OpenAI\n",
    "llama_index/llms/openai/utils.py": MISSING_KEY
    + f"""
    ALL_AVAILABLE_MODELS = dict.fromkeys({MODELS_0_1_31!r}, 8192)


    def openai_modelname_to_contextsize(modelname):
        if modelname.startswith("ft:"):
            modelname = modelname.split(":")[1]
        if modelname not in ALL_AVAILABLE_MODELS:
            raise ValueError(
                f"Unknown model {{modelname!r}}. Please provide a valid OpenAI model name in:"
                f" {{', '.join(ALL_AVAILABLE_MODELS.keys())}}"
            )
        return ALL_AVAILABLE_MODELS[modelname]
    """,
    "llama_index/llms/openai/base.py": """
        import os
        from types import SimpleNamespace

        from llama_index.core.llms import LLM
        from llama_index.core._http import post
        from llama_index.llms.openai.utils import openai_modelname_to_contextsize


        class OpenAI(LLM):
            def __init__(self, model="gpt-3.5-turbo", api_key=None, api_base=None, **kwargs):
                self.model = model
                self.api_key = api_key or os.environ.get("OPENAI_API_KEY", "")
                self.api_base = api_base or os.environ.get("OPENAI_API_BASE") or "https://api.openai.com/v1"

            @property
            def metadata(self):
                window = openai_modelname_to_contextsize(self.model)
                return SimpleNamespace(context_window=window, is_chat_model=True)

            def complete(self, prompt):
                if self.metadata.is_chat_model:  # read before any request, as the real _complete does
                    body = {"model": self.model, "messages": [{"role": "user", "content": prompt}]}
                    return post(self.api_base, "/chat/completions", self.api_key, body)["choices"][0]["message"]["content"]
                body = {"model": self.model, "prompt": prompt}
                return post(self.api_base, "/completions", self.api_key, body)["choices"][0]["text"]
        """,
}

EMBEDDINGS_OPENAI = {
    "llama_index/embeddings/openai/__init__.py": "from llama_index.embeddings.openai.base import OpenAIEmbedding\n",
    "llama_index/embeddings/openai/utils.py": MISSING_KEY,
    "llama_index/embeddings/openai/base.py": """
        import os
        from enum import Enum

        from llama_index.core.embeddings import BaseEmbedding
        from llama_index.core._http import post


        class OpenAIEmbeddingModelType(str, Enum):
            TEXT_EMBED_ADA_002 = "text-embedding-ada-002"
            TEXT_EMBED_3_LARGE = "text-embedding-3-large"
            TEXT_EMBED_3_SMALL = "text-embedding-3-small"


        class OpenAIEmbedding(BaseEmbedding):
            def __init__(self, model="text-embedding-ada-002", api_key=None, api_base=None, **kwargs):
                OpenAIEmbeddingModelType(model)  # get_engine: only OpenAI's embedding models
                self.model_name = kwargs.pop("model_name", model)
                self.api_key = api_key or os.environ.get("OPENAI_API_KEY", "")
                self.api_base = api_base or os.environ.get("OPENAI_API_BASE") or "https://api.openai.com/v1"

            def get_text_embedding(self, text):
                body = {"model": self.model_name, "input": [text]}
                return post(self.api_base, "/embeddings", self.api_key, body)["data"][0]["embedding"]
        """,
}

LLMS_OPENAI_LIKE = {
    "llama_index/llms/openai_like/__init__.py": """
        from types import SimpleNamespace

        from llama_index.llms.openai import OpenAI


        class OpenAILike(OpenAI):
            def __init__(self, model, api_base=None, api_key=None, context_window=3900, is_chat_model=False,
                         is_function_calling_model=False, **kwargs):
                super().__init__(model=model, api_key=api_key, api_base=api_base)
                self.context_window, self.is_chat_model = context_window, is_chat_model

            @property
            def metadata(self):
                return SimpleNamespace(context_window=self.context_window, is_chat_model=self.is_chat_model)
        """,
}

EMBEDDINGS_OPENAI_LIKE = {
    "llama_index/embeddings/openai_like/__init__.py": """
        from llama_index.embeddings.openai import OpenAIEmbedding


        class OpenAILikeEmbedding(OpenAIEmbedding):
            def __init__(self, model_name, api_base=None, api_key=None, **kwargs):
                super().__init__(model_name=model_name, api_base=api_base, api_key=api_key)
        """,
}

OLLAMA = {
    "llama_index/llms/ollama/__init__.py": """
        from llama_index.core.llms import LLM
        from llama_index.core._http import post


        class Ollama(LLM):
            def __init__(self, model, base_url="http://localhost:11434", request_timeout=30.0, context_window=-1):
                self.model, self.base_url = model, base_url

            def complete(self, prompt):
                body = {"model": self.model, "messages": [{"role": "user", "content": prompt}], "stream": False}
                return post(self.base_url, "/api/chat", "", body)["message"]["content"]
        """,
    "llama_index/embeddings/ollama/__init__.py": """
        from llama_index.core.embeddings import BaseEmbedding
        from llama_index.core._http import post


        class OllamaEmbedding(BaseEmbedding):
            def __init__(self, model_name, base_url="http://localhost:11434"):
                self.model_name, self.base_url = model_name, base_url

            def get_text_embedding(self, text):
                return post(self.base_url, "/api/embed", "", {"model": self.model_name, "input": text})["embeddings"][0]
        """,
}


def install(tmp_path: Path, core: str = "0.14.25", *parts: str) -> Path:
    """A site folder with llama-index-core `core` and the named integrations (`llms-openai`,
    `embeddings-openai`, `llms-openai-like`, `embeddings-openai-like`, `ollama`: both Ollama packages)."""
    site = tmp_path / "site"
    release = tuple(int(p) for p in core.split(".")[:3])
    write_files(
        site,
        {
            **CORE,
            "llama_index/core/_http.py": HTTP,
            "llama_index/core/_release.py": f"RELEASE = {release!r}\n",
        },
    )
    fake_distribution(site, "llama-index-core", core, top_level="llama_index")
    for part, files, dists in (
        ("llms-openai", LLMS_OPENAI, ["llama-index-llms-openai"]),
        ("embeddings-openai", EMBEDDINGS_OPENAI, ["llama-index-embeddings-openai"]),
        ("llms-openai-like", LLMS_OPENAI_LIKE, ["llama-index-llms-openai-like"]),
        ("embeddings-openai-like", EMBEDDINGS_OPENAI_LIKE, ["llama-index-embeddings-openai-like"]),
        ("ollama", OLLAMA, ["llama-index-llms-ollama", "llama-index-embeddings-ollama"]),
    ):
        if part in parts:
            write_files(site, files)
            for dist in dists:
                fake_distribution(site, dist, "0.1.0", top_level="llama_index")
    return site


class Server:
    """An OpenAI-compatible server (/v1/embeddings, /v1/chat/completions) and Ollama's native API."""

    def __init__(self):
        self.seen: list[tuple[str, str]] = []

    def __call__(self, request):
        body = request.json()
        self.seen.append((request.path, body.get("model")))
        if request.path.endswith("/embeddings"):
            data = [
                {"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]}
                for i, _ in enumerate(body["input"])
            ]
            return 200, {"object": "list", "model": body["model"], "data": data}
        if request.path == "/api/embed":
            return 200, {"model": body["model"], "embeddings": [[0.1, 0.2, 0.3]]}
        if request.path == "/api/chat":
            return 200, {
                "model": body["model"],
                "message": {"role": "assistant", "content": "blue"},
                "done": True,
            }
        return 200, chat_completion("blue", model=body["model"])


@pytest.fixture
def server():
    answer = Server()
    with json_server(answer) as url:
        answer.url = url
        yield answer


def raise_text(result) -> str:
    """The raised exception as the traceback prints it, without the frames: `Type: message` (multi-line)."""
    tail = result.stderr.rsplit("Traceback (most recent call last):\n", 1)[-1]
    lines = tail.splitlines()
    start = next(i for i, line in enumerate(lines) if line and not line.startswith(" "))
    return "\n".join(lines[start:]).rstrip()


def assert_answered(index, result) -> None:
    hits = matcher.search(index, result.stderr).hits
    assert hits and hits[0].slug == SLUG and hits[0].confident, [(h.slug, h.confident) for h in hits[:3]]


APP = """
import sys
from llama_index.core import Document, Settings, VectorStoreIndex

if sys.argv[1] == "llm":
    Settings.llm.complete("hi")
else:
    VectorStoreIndex.from_documents([Document(text="The sky is blue.")])
"""


@pytest.mark.parametrize("what", ["llm", "embed"])
def test_core_alone_asks_for_the_openai_integrations(tmp_path, index, what):
    site = install(tmp_path, "0.14.25")
    result = run_python(APP, path=site, env=NO_OPENAI_ENV, args=[what])
    dist = "llama-index-llms-openai" if what == "llm" else "llama-index-embeddings-openai"
    text = raise_text(result)
    assert text == f"ImportError: `{dist}` package not found, please run `pip install {dist}`"
    assert text in ENTRY.errors
    assert_answered(index, result)


@pytest.mark.parametrize("core", ["0.12.52", "0.14.6", "0.14.7", "0.14.25"])
@pytest.mark.parametrize("what", ["llm", "embed"])
def test_no_key_gives_the_could_not_load_texts_of_each_release(tmp_path, index, core, what):
    site = install(tmp_path, core, "llms-openai", "embeddings-openai")
    result = run_python(APP, path=site, env=NO_OPENAI_ENV, args=[what])
    assert "ValueError: No API key found for OpenAI." in result.stderr  # the chained cause, printed first
    assert "During handling of the above exception, another exception occurred:" in result.stderr
    text = raise_text(result)
    assert text in ENTRY.errors, text
    assert ("set llm=None" in text) == (what == "llm" and core in ("0.12.52", "0.14.6"))
    assert ("developers.llamaindex.ai" in text) == (what == "embed" and core == "0.14.25")
    assert_answered(index, result)


def test_the_chained_cause_alone_is_not_a_signature(index):
    # `No API key found for OpenAI` alone reads like any app's own check (`ValueError: OpenAI API key not
    # found.` from ChatDev's camel/utils.py): the wrapped `Could not load OpenAI …` texts say LlamaIndex
    assert not [e for e in ENTRY.errors if e.startswith("ValueError: No API key found for OpenAI.")]
    hits = matcher.search(index, "ValueError: OpenAI API key not found.").hits
    assert not any(h.slug == SLUG and h.confident for h in hits)


CHAT = """
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM

index = VectorStoreIndex.from_documents([Document(text="The sky is blue.")], embed_model=MockEmbedding(embed_dim=8))
print(type(index.as_chat_engine(llm=MockLLM())).__name__)
"""


def test_chat_engine_of_0_12_needs_the_openai_integration_despite_llm(tmp_path, index):
    site = install(tmp_path, "0.12.52")
    result = run_python(CHAT, path=site, env=NO_OPENAI_ENV)
    text = raise_text(result)
    assert text == (
        "ImportError: `llama-index-llms-openai` package not found. Please install by running "
        "`pip install llama-index-llms-openai`."
    )
    assert text in ENTRY.errors
    assert_answered(index, result)
    later = run_python(CHAT, path=install(tmp_path / "later", "0.14.25"), env=NO_OPENAI_ENV)
    assert later.returncode == 0 and later.stdout.strip() == "CondensePlusContextChatEngine", later.stderr


def test_openai_class_refuses_a_local_model_name_before_any_request(tmp_path, index, server):
    site = install(tmp_path, "0.10.68", "llms-openai", "embeddings-openai")
    code = (
        "import sys\nfrom llama_index.llms.openai import OpenAI\n"
        "print(OpenAI(model='llama3.1:8b', api_base=sys.argv[1] + '/v1', api_key='ollama').complete('hi'))\n"
    )
    result = run_python(code, path=site, env=NO_OPENAI_ENV, args=[server.url])
    text = raise_text(result)
    assert text.startswith(
        "ValueError: Unknown model 'llama3.1:8b'. Please provide a valid OpenAI model name in: gpt-4,"
    )
    assert text in ENTRY.errors
    assert server.seen == []  # refused by the name table, not by the server
    assert_answered(index, result)
    code = (
        "import sys\nfrom llama_index.embeddings.openai import OpenAIEmbedding\n"
        "OpenAIEmbedding(model='nomic-embed-text', api_base=sys.argv[1] + '/v1', api_key='ollama')\n"
    )
    result = run_python(code, path=site, env=NO_OPENAI_ENV, args=[server.url])
    assert raise_text(result) == "ValueError: 'nomic-embed-text' is not a valid OpenAIEmbeddingModelType"
    assert raise_text(result) in ENTRY.errors
    assert_answered(index, result)


USE_OPTION = """
import sys
from llama_index.core import Document, Settings, VectorStoreIndex

namespace = {"__name__": "fix"}
exec(compile(open(sys.argv[1]).read(), "option.py", "exec"), namespace)
{call}
index = VectorStoreIndex.from_documents([Document(text="The sky is blue."), Document(text="Grass is green.")])
print(index.as_query_engine().query("What colour is the sky?"))
print(type(Settings.llm).__name__, type(Settings.embed_model).__name__)
"""


def run_option(tmp_path, site, code: str, call: str, url: str):
    script = tmp_path / "option.py"
    script.write_text(code, encoding="utf-8")
    return run_python(
        USE_OPTION.replace("{call}", call), path=site, env=NO_OPENAI_ENV, args=[str(script), url]
    )


@pytest.mark.parametrize(
    ("core", "parts", "embed_class"),
    [
        (
            "0.14.25",
            ("llms-openai", "embeddings-openai", "llms-openai-like", "embeddings-openai-like"),
            "OpenAILikeEmbedding",
        ),
        (
            "0.10.68",
            ("llms-openai", "embeddings-openai", "llms-openai-like"),
            "OpenAIEmbedding",
        ),  # no OpenAILikeEmbedding
    ],
)
def test_option1_sends_both_models_to_the_configured_server(
    tmp_path, fix_code, server, core, parts, embed_class
):
    site = install(tmp_path, core, *parts)
    assert run_python(APP, path=site, env=NO_OPENAI_ENV, args=["embed"]).returncode != 0  # the failure first
    call = 'namespace["configure_models"](base_url=sys.argv[2] + "/v1")'
    result = run_option(tmp_path, site, fix_code(SLUG, 1), call, server.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["blue", f"OpenAILike {embed_class}"]
    assert server.seen == [("/v1/embeddings", "nomic-embed-text")] * 3 + [
        ("/v1/chat/completions", "llama3.1:8b")
    ]


def test_option1_as_a_script_builds_the_clients_without_a_request(tmp_path, fix_code):
    site = install(
        tmp_path, "0.14.25", "llms-openai", "embeddings-openai", "llms-openai-like", "embeddings-openai-like"
    )
    result = run_python(fix_code(SLUG, 1), path=site, env=NO_OPENAI_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "LLM: OpenAILike llama3.1:8b at http://localhost:11434/v1, context window 8192",
        "embeddings: OpenAILikeEmbedding nomic-embed-text",
    ]


def test_option2_uses_ollamas_own_api(tmp_path, fix_code, server):
    site = install(tmp_path, "0.14.25", "ollama")
    code = fix_code(SLUG, 2).replace('"http://localhost:11434"', "sys.argv[2]")
    assert code != fix_code(SLUG, 2)
    result = run_option(tmp_path, site, "import sys\n" + code, "", server.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Ollama llama3.1:8b | OllamaEmbedding nomic-embed-text",
        "blue",
        "Ollama OllamaEmbedding",
    ]
    assert server.seen == [("/api/embed", "nomic-embed-text")] * 3 + [("/api/chat", "llama3.1:8b")]


LEAKS = """
import sys, tempfile
from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex, load_index_from_storage
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM
from llama_index.core.node_parser import SemanticSplitterNodeParser

step = sys.argv[1]
folder = tempfile.mkdtemp()
index = VectorStoreIndex.from_documents([Document(text="The sky is blue.")], embed_model=MockEmbedding(embed_dim=8))
if step == "load":
    index.storage_context.persist(persist_dir=folder)
    load_index_from_storage(StorageContext.from_defaults(persist_dir=folder))
elif step == "chat":
    index.as_chat_engine(llm=MockLLM())
else:
    Settings.embed_model = MockEmbedding(embed_dim=8)
    SemanticSplitterNodeParser.from_defaults()
"""


@pytest.mark.parametrize("step", ["load", "chat", "splitter"])
def test_steps_that_do_not_read_where_the_model_was_given(tmp_path, index, step):
    site = install(tmp_path, "0.12.52")
    result = run_python(LEAKS, path=site, env=NO_OPENAI_ENV, args=[step])
    assert raise_text(result) in ENTRY.errors
    assert "package not found" in raise_text(result)
    assert_answered(index, result)


def test_option3_passes_the_models_to_those_steps(tmp_path, fix_code):
    site = install(tmp_path, "0.12.52")  # no OpenAI integration at all: any fallback would fail
    result = run_python(fix_code(SLUG, 3), path=site, env=NO_OPENAI_ENV, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Response", "CondensePlusContextChatEngine MockEmbedding"]


KEEP_SAVED = """
import inspect, json, os, sys
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import MockLLM

namespace = {"__name__": "fix"}
exec(compile(open(sys.argv[1]).read(), "option.py", "exec"), namespace)
helper = next(f for f in namespace.values() if inspect.isfunction(f) and f.__module__ == "fix"
              and "persist_dir" in inspect.signature(f).parameters)
folder = sys.argv[2]
saved = VectorStoreIndex.from_documents([Document(text="Grass is green.")], embed_model=MockEmbedding(embed_dim=8))
saved.storage_context.persist(persist_dir=folder)
index, chat, splitter = helper([Document(text="The sky is blue.")], MockLLM(), MockEmbedding(embed_dim=8), folder)
print(json.dumps(index.storage_context.texts))
with open(os.path.join(folder, "docstore.json")) as f:
    print(f.read())
"""


def test_option3_loads_a_saved_index_without_overwriting_it(tmp_path, fix_code):
    """Audit: the first version rebuilt the index from `documents` and persisted it over the saved one."""
    site = install(tmp_path, "0.12.52")
    script = tmp_path / "option.py"
    script.write_text(fix_code(SLUG, 3), encoding="utf-8")
    folder = tmp_path / "storage"
    result = run_python(KEEP_SAVED, path=site, env=NO_OPENAI_ENV, args=[str(script), str(folder)])
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [["Grass is green."]] * 2


def test_option4_names_what_core_hides(tmp_path, fix_code):
    site = install(tmp_path, "0.14.25")
    # a llama-index-llms-openai for another core: installed, but its import fails
    write_files(
        site,
        {"llama_index/llms/openai/__init__.py": "from llama_index.core.llms.function_calling import X\n"},
    )
    fake_distribution(site, "llama-index-llms-openai", "0.1.31", top_level="llama_index")
    hidden = run_python(APP, path=site, env=NO_OPENAI_ENV, args=["llm"])
    assert raise_text(hidden) == (
        "ImportError: `llama-index-llms-openai` package not found, please run `pip install llama-index-llms-openai`"
    )
    text = "ValueError: Unknown model 'llama3.1:8b'. ... ValueError: Unknown model 'gpt-6-luna'. ..."
    result = run_python(fix_code(SLUG, 4), path=site, env=NO_OPENAI_ENV, args=[text])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "installed: llama-index-core 0.14.25, llama-index-llms-openai 0.1.31" in out
    assert (
        "llama-index-llms-openai 0.1.31 is installed but does not import (ModuleNotFoundError: "
        "No module named 'llama_index.core.llms.function_calling'): pip install -U llama-index-core llama-index-llms-openai"
    ) in out
    assert "llama-index-embeddings-openai is not installed: the OpenAI default cannot load" in out
    assert "OPENAI_API_KEY is not set in this process" in out
    assert "'llama3.1:8b' is not an OpenAI model" in out
    assert "'gpt-6-luna' is not in the model table of llama-index-llms-openai 0.1.31" in out
    quoted = run_python(
        fix_code(SLUG, 4), path=site, env={**NO_OPENAI_ENV, "OPENAI_API_KEY": '"sk-x"'}, args=[""]
    )
    assert "OPENAI_API_KEY has quotes or spaces around its value" in quoted.stdout


def test_option4_reads_the_other_wordings(tmp_path, fix_code):
    site = install(tmp_path, "0.14.25", "llms-openai", "embeddings-openai")
    skew = next(e for e in ENTRY.errors if "validation errors for OpenAI" in e)
    agent = next(e for e in ENTRY.errors if "Please install by running" in e)
    enum = next(e for e in ENTRY.errors if "OpenAIEmbeddingModelType" in e)
    result = run_python(
        fix_code(SLUG, 4),
        path=site,
        env={**NO_OPENAI_ENV, "OPENAI_API_KEY": "sk-x"},
        args=[skew, agent, enum],
    )
    assert result.returncode == 0, result.stderr
    assert "does not import" not in result.stdout and "is not installed" not in result.stdout
    assert "OPENAI_API_KEY is set in this process" in result.stdout
    assert "the OpenAI class itself failed to build" in result.stdout
    assert 'as_chat_engine(chat_mode="condense_plus_context", llm=your_llm)' in result.stdout
    assert "use OpenAILikeEmbedding(model_name='nomic-embed-text'" in result.stdout
    assert "on llama-index-core 0.10/0.11 OpenAIEmbedding(model_name='nomic-embed-text'" in result.stdout


def test_option4_tells_open_weight_and_known_names_from_too_new_ones(tmp_path, fix_code):
    """Audit: the first version sent `gpt-oss:20b` (an Ollama tag) to `pip install -U llama-index-llms-openai`,
    and called a name that the installed table has "not in the model table"."""
    site = install(tmp_path, "0.14.25", "llms-openai", "embeddings-openai")
    text = " ".join(
        f"ValueError: Unknown model '{name}'. Please provide a valid OpenAI model name in: gpt-4, ..."
        for name in ("gpt-oss:20b", "gpt-oss-120b", "gpt-4o", "gpt-6-luna")
    )
    result = run_python(fix_code(SLUG, 4), path=site, env=NO_OPENAI_ENV, args=[text])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "'gpt-oss:20b' is not an OpenAI model" in out
    assert "'gpt-oss-120b' is not an OpenAI model" in out
    assert "'gpt-4o' is in the model table of llama-index-llms-openai 0.1.0 here" in out
    assert "'gpt-6-luna' is not in the model table of llama-index-llms-openai 0.1.0" in out
    assert "'gpt-oss:20b' is not in the model table" not in out and "'gpt-4o' is not in" not in out


def test_the_openai_default_wordings_belong_to_this_entry_not_the_import_entry():
    imports = parse_entry(SOLUTIONS / "llama-index-core-imports.md")
    for dist in ("llama-index-llms-openai", "llama-index-embeddings-openai"):
        text = f"ImportError: `{dist}` package not found, please run `pip install {dist}`"
        assert text in ENTRY.errors and text not in imports.errors and text in imports.not_errors
    huggingface = next(e for e in imports.errors if "llama-index-embeddings-huggingface" in e)
    assert huggingface in ENTRY.not_errors
    assert json.dumps(ENTRY.errors)  # plain strings, as the index stores them
