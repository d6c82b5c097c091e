"""Verified fix for solutions/langgraph-checkpointer-config.md, on the real langgraph of the project's venv.

langgraph 1.2.24 with langgraph-checkpoint 4.3.2 and langchain-core 1.8.3 (the dev extra). Every script runs
in a fresh interpreter; one call per script is asserted by the last line of its real traceback, the variants
by `Type: message` as the script prints it for these builtin exceptions (the same text). The tests reproduce
the entry's 1.x signatures (the `Checkpointer requires ...` ValueError from invoke, stream, ainvoke and astream
with no config, `{}` or an empty `configurable`; `KeyError: 'thread_id'` / `'configurable'` from the saver and
the state methods; `get_state()` without its config; `No checkpointer set`), then run the entry's Options 1, 2
and 4 as published and check they keep one state per thread; Options 1 and 2 with their config or their
checkpointer taken out fail again with the entry's signatures. A subgraph's `No checkpointer set` and the empty
state a saver of its own would read (Option 2's exception) are run. Two prose claims are run too: a top-level
`thread_id` works, and InMemorySaver takes ainvoke/aget_state.

Not run here (the packages are not in the project's venv; the entry's source says where they were run):
the older releases' key lists, SqliteSaver/AsyncSqliteSaver/PostgresSaver wordings and Option 3
(`deps=` block, run by `make verify`), langgraph-api's `Heads up! ... custom checkpointer`, LangGraph.js.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "langgraph-checkpointer-config"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ERRORS = parse_entry(ENTRY).errors
MISSING_CONFIG = ERRORS[0]  # the 1.x wording

GRAPH = """
import asyncio, sys
from typing import TypedDict
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

class State(TypedDict):
    n: int

builder = StateGraph(State)
builder.add_node("step", lambda state: {"n": state["n"] + 1})
builder.add_edge(START, "step")
builder.add_edge("step", END)
graph = builder.compile(checkpointer=InMemorySaver())
"""


def langgraph_present() -> None:
    if importlib.util.find_spec("langgraph") is None:
        pytest.fail(
            "langgraph is not installed in this venv: it is in the dev extra (pip install -e '.[dev]')"
        )


def error(code: str, tmp_path) -> str:
    """The error a script ends with: the last line of its real traceback."""
    langgraph_present()
    result = run_python(code, cwd=tmp_path, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    return last_line(result)


def output(code: str, tmp_path) -> list[str]:
    """The lines a script that must succeed prints."""
    langgraph_present()
    result = run_python(code, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


CATCH = """
def show(call):
    try:
        call()
    except Exception as exc:  # the traceback's last line, for these builtin exceptions
        print(f"{type(exc).__name__}: {exc}")
    else:
        print("no error")
"""


def test_a_run_without_configurable_raises_the_first_signature(tmp_path):
    assert error(GRAPH + "graph.invoke({'n': 1})\n", tmp_path) == MISSING_CONFIG
    calls = [
        "graph.invoke({'n': 1}, {})",
        "graph.invoke({'n': 1}, config={'configurable': {}})",
        "list(graph.stream({'n': 1}))",
        "asyncio.run(graph.ainvoke({'n': 1}))",
        "asyncio.run(graph.astream({'n': 1}).__anext__())",
    ]
    script = GRAPH + CATCH + "".join(f"show(lambda: {call})\n" for call in calls)
    assert output(script, tmp_path) == [MISSING_CONFIG] * len(calls)


def test_wrong_or_missing_thread_config_in_the_saver_and_the_state_methods(tmp_path):
    other_key = GRAPH + "graph.invoke({'n': 1}, {'configurable': {'user_id': 'u1'}})\n"
    assert error(other_key, tmp_path) == "KeyError: 'thread_id'" == ERRORS[4]
    assert error(GRAPH + "graph.get_state({})\n", tmp_path) == "KeyError: 'configurable'" == ERRORS[5]
    assert error(GRAPH + "graph.get_state()\n", tmp_path) == ERRORS[6]
    no_saver = GRAPH + "builder.compile().get_state({'configurable': {'thread_id': '1'}})\n"
    assert error(no_saver, tmp_path) == "ValueError: No checkpointer set" == ERRORS[7]
    calls = [
        "graph.get_state({'configurable': {'user_id': 'u1'}})",
        "list(graph.get_state_history({'configurable': {'user_id': 'u1'}}))",
        "graph.update_state({'configurable': {'user_id': 'u1'}}, {'n': 5})",
        "graph.update_state({}, {'n': 5})",
    ]
    script = GRAPH + CATCH + "".join(f"show(lambda: {call})\n" for call in calls)
    assert output(script, tmp_path) == [ERRORS[4], ERRORS[4], ERRORS[4], ERRORS[5]]


def test_what_the_entry_says_works_does(tmp_path):
    """A top-level thread_id (moved into configurable by langchain-core), and InMemorySaver with the async calls."""
    lines = output(
        GRAPH
        + "print('top level', graph.invoke({'n': 1}, {'thread_id': 't1'}))\n"
        + "print('same thread', graph.get_state({'configurable': {'thread_id': 't1'}}).values)\n"
        + "config = {'configurable': {'thread_id': 't2'}}\n"
        + "print('async', asyncio.run(graph.ainvoke({'n': 10}, config)))\n"
        + "print('async state', asyncio.run(graph.aget_state(config)).values)\n",
        tmp_path,
    )
    assert lines == ["top level {'n': 2}", "same thread {'n': 2}", "async {'n': 11}", "async state {'n': 11}"]


def test_option1_keeps_one_state_per_thread(fix_code, tmp_path):
    code = fix_code(SLUG, 1)
    assert output(code, tmp_path) == ["alice: you said: hi, how are you?", "bob: you said: hello"]

    without = code.replace('return {"configurable": {"thread_id": thread_id}}', "return {}")
    assert without != code
    assert error(without, tmp_path) == MISSING_CONFIG


def test_option2_reads_and_updates_the_thread(fix_code, tmp_path):
    code = fix_code(SLUG, 2)
    assert output(code, tmp_path) == [
        "state: ['question 1', 'answer to question 1']",
        "after update: ['question 1', 'answer to question 1', 'note added by hand']",
        "checkpoints on this thread: 4",
    ]

    no_saver = code.replace("builder.compile(checkpointer=InMemorySaver())", "builder.compile()")
    assert no_saver != code
    assert error(no_saver, tmp_path) == ERRORS[7]
    bare = code.replace("graph.get_state(config).values", "graph.get_state({}).values", 1)
    assert error(bare, tmp_path) == ERRORS[5]


def test_option4_graph_has_no_checkpointer_and_runs_without_a_thread(fix_code, tmp_path):
    code = fix_code(SLUG, 4)
    assert output(code, tmp_path) == ["checkpointer: None"]
    # locally, without a checkpointer, the graph needs no thread id at all
    assert output(code + "\nprint(graph.invoke({'log': ['question 1']}))\n", tmp_path) == [
        "checkpointer: None",
        "{'log': ['question 1', 'answer to question 1']}",
    ]


def test_a_subgraph_is_read_through_its_parent_not_its_own_saver(tmp_path):
    """Option 2's exception: a subgraph runs on its parent's saver, so its own get_state raises `No checkpointer set`,
    and a saver of its own would be an empty one (empty values, no error); the parent holds the state."""
    subgraph = """
sub = builder.compile({saver})
parent_builder = StateGraph(State)
parent_builder.add_node("sub", sub)
parent_builder.add_edge(START, "sub")
parent_builder.add_edge("sub", END)
parent = parent_builder.compile(checkpointer=InMemorySaver())
config = {{"configurable": {{"thread_id": "t1"}}}}
print("parent", parent.invoke({{"n": 1}}, config))
"""
    lines = output(
        GRAPH + subgraph.format(saver="") + CATCH + "show(lambda: sub.get_state(config))\n", tmp_path
    )
    assert lines == ["parent {'n': 2}", ERRORS[7]]
    own = GRAPH + subgraph.format(saver="checkpointer=InMemorySaver()")
    lines = output(
        own
        + "print('own', sub.get_state(config).values)\nprint('via parent', parent.get_state(config).values)\n",
        tmp_path,
    )
    assert lines == ["parent {'n': 2}", "own {}", "via parent {'n': 2}"]
