"""Verified fix for solutions/langchain-import-moved.md.

Runs the entry's Option 1 lookup script (stdlib only, no langchain needed) on the error texts
reproduced on langchain 0.2.17 / 0.3.30 / 1.5.2 and checks each answer against the table in the
entry's Markdown, and that the script's dict and the Markdown table hold the same rows.
"""

import re
import subprocess
import sys
from pathlib import Path

from entry_tables import moved_names

SLUG = "langchain-import-moved"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ROW = re.compile(r"^\| `from ([\w.]+) import (\w+)` \| `(from [\w.]+ import \w+)` \| ([\w-]+) \| ([^|]+) \|$")


def _run(code: str, error: str, tmp_path) -> subprocess.CompletedProcess:
    script = tmp_path / "lc_moved.py"
    script.write_text(code, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), error], capture_output=True, text=True, timeout=30, check=False
    )


def test_table_has_the_names_people_hit():
    names = {name for _, name in moved_names(MD, ROW)}
    for name in [
        "ChatOpenAI",
        "OpenAI",
        "OpenAIEmbeddings",
        "PromptTemplate",
        "ChatPromptTemplate",
        "LLMChain",
        "ConversationBufferMemory",
        "RetrievalQA",
        "initialize_agent",
        "AgentExecutor",
        "Document",
        "RecursiveCharacterTextSplitter",
        "FAISS",
        "Chroma",
        "HumanMessage",
        "StrOutputParser",
        "tool",
    ]:
        assert name in names, name


def test_script_dict_matches_markdown_table(fix_code, tmp_path):
    namespace: dict = {}
    exec(compile(fix_code(SLUG, 1), "lc_moved.py", "exec"), namespace)
    assert namespace["MOVED"] == moved_names(MD, ROW)


CASES = [
    # (real error text, old (module, name) rows that must be printed)
    (
        "ImportError: cannot import name 'ChatOpenAI' from 'langchain.chat_models' "
        "(/tmp/lc/v1/lib/python3.11/site-packages/langchain/chat_models/__init__.py)",
        [("langchain.chat_models", "ChatOpenAI")],
    ),
    (
        "ImportError: cannot import name 'AgentExecutor' from 'langchain.agents' "
        "(/tmp/lc/v1/lib/python3.11/site-packages/langchain/agents/__init__.py)",
        [("langchain.agents", "AgentExecutor")],
    ),
    (
        "ImportError: cannot import name 'PromptTemplate' from 'langchain' "
        "(/tmp/lc/v1/lib/python3.11/site-packages/langchain/__init__.py)",
        [("langchain", "PromptTemplate")],
    ),
    (
        "ModuleNotFoundError: No module named 'langchain.schema'",
        [
            ("langchain.schema", "Document"),
            ("langchain.schema", "HumanMessage"),
            ("langchain.schema.output_parser", "StrOutputParser"),
        ],
    ),
    (
        "ModuleNotFoundError: No module named 'langchain.text_splitter'",
        [("langchain.text_splitter", "RecursiveCharacterTextSplitter")],
    ),
    (
        "ModuleNotFoundError: No module named 'langchain.memory'",
        [("langchain.memory", "ConversationBufferMemory")],
    ),
    (
        "ModuleNotFoundError: Module langchain_community.vectorstores not found. Please install langchain-community to "
        "access this module. You can install it using `pip install -U langchain-community`",
        [("langchain.vectorstores", "FAISS"), ("langchain.vectorstores", "Chroma")],
    ),
    (
        "ModuleNotFoundError: Module langchain_community.embeddings not found. Please install langchain-community to "
        "access this module. You can install it using `pip install -U langchain-community`",
        [("langchain.embeddings", "OpenAIEmbeddings")],
    ),
]


def test_option1_answers_match_the_table(fix_code, tmp_path):
    table = moved_names(MD, ROW)
    for error, keys in CASES:
        result = _run(fix_code(SLUG, 1), error, tmp_path)
        assert result.returncode == 0, (error, result.stderr)
        for key in keys:
            new, dist, since = table[key]
            line = next(ln for ln in result.stdout.splitlines() if f"'from {key[0]} import {key[1]}'" in ln)
            assert line.startswith(new) and f"pip install -U {dist};" in line and since in line, (error, line)


def test_option1_new_module_missing_and_unknown(fix_code, tmp_path):
    result = _run(fix_code(SLUG, 1), "ModuleNotFoundError: No module named 'langchain_classic'", tmp_path)
    assert result.returncode == 0 and "pip install -U langchain-classic" in result.stdout
    result = _run(
        fix_code(SLUG, 1),
        "ImportError: cannot import name 'cached_download' from 'huggingface_hub' (/x/__init__.py)",
        tmp_path,
    )
    assert result.returncode == 1 and "not a known LangChain move" in result.stdout
