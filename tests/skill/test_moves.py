"""Moved names: the table rows of a migration entry, and the one row an error names (never a guess)."""

from __future__ import annotations

from synapse_skill import moves

TABLE = """\
| old | new | install | fails from |
|---|---|---|---|
| `from langchain.chat_models import ChatOpenAI` | `from langchain_openai import ChatOpenAI` | langchain-openai | 0.2; 1.0 |
| `from langchain.chat_models import ChatAnthropic` | `from langchain_anthropic import ChatAnthropic` | langchain-anthropic | 0.2; 1.0 |
| `from llama_index import VectorStoreIndex` | `from llama_index.core import VectorStoreIndex` | llama-index-core | |
"""


def test_a_table_s_rows_are_read_with_empty_columns_kept_empty():
    rows = moves.table("# An entry\n\n" + TABLE + "\nMore prose.\n")
    assert len(rows) == 3
    assert rows[2] == {
        "old": "from llama_index import VectorStoreIndex",
        "new": "from llama_index.core import VectorStoreIndex",
        "package": "llama-index-core",
        "since": "",
    }
    assert moves.table("no table here | `x` |") == ()


def test_cannot_import_name_names_its_row():
    rows = moves.table(TABLE)
    text = "ImportError: cannot import name 'ChatAnthropic' from 'langchain.chat_models' (/x/site-packages/langchain/chat_models/__init__.py)"
    assert moves.named_by(text, rows)["new"] == "from langchain_anthropic import ChatAnthropic"


def test_a_missing_module_names_a_row_only_through_the_traceback_s_own_import_line():
    rows = moves.table(TABLE)
    bare = "ModuleNotFoundError: No module named 'langchain.chat_models'"
    assert moves.named_by(bare, rows) is None  # two names moved out of that module: no guess
    framed = (
        '  File "/app/bot.py", line 2, in <module>\n'
        "    from langchain.chat_models import ChatAnthropic\n" + bare
    )
    assert moves.named_by(framed, rows)["package"] == "langchain-anthropic"


def test_a_name_the_table_does_not_hold_is_not_named():
    rows = moves.table(TABLE)
    assert (
        moves.named_by("ImportError: cannot import name 'ChatMistral' from 'langchain.chat_models'", rows)
        is None
    )
    assert not moves.names_an_import("KeyError: 'choices'")
