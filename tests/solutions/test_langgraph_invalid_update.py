"""Verified fix for solutions/langgraph-invalid-update.md.

The project installs neither langgraph nor langchain-core, so both are small fakes in tmp_path, shaped
like langgraph 1.2.24 (with langchain-core 1.8.3). What decides the entry is copied word for word:
`langgraph/errors.py` (`ErrorCode`, `create_error_message` with the docs.langchain.com suffix),
`langgraph/channels/last_value.py` (`LastValue.update`: more than one write in a step raises
`At key '...': Can receive only one value per step. ...`), `langgraph/channels/binop.py`
(`BinaryOperatorAggregate.update` folds every write with the reducer; its Overwrite branch left out)
and the return-value check of `_get_updates` in `langgraph/graph/state.py` (`None` is no update, a dict
is read by key, an object with annotations by attribute, anything else raises `Expected dict, got ...`).
The graph runner around them is a minimal Pregel loop: nodes that share a step run in name order, their
writes are grouped per key and applied after the step, a list of sources in `add_edge` waits for all of
them. `add_messages` appends and replaces by id, as the real reducer does for message objects.

The tests reproduce the entry's first signature and its node-return signature, then run the entry's own
Option 1 script and check it merges both parallel branches; the same script with its reducers removed
fails again with the first signature.
"""

from pathlib import Path

from fake_site import write_files
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "langgraph-invalid-update"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

LANGCHAIN_CORE = {
    "langchain_core/__init__.py": "__version__ = '1.8.3'\n",
    "langchain_core/messages.py": """
        class BaseMessage:
            type = "base"

            def __init__(self, content="", id=None, **kwargs):
                self.content = content
                self.id = id
                self.additional_kwargs = {}
                self.response_metadata = {}

            def __repr__(self):
                return (
                    f"{type(self).__name__}(content={self.content!r}, "
                    "additional_kwargs={}, response_metadata={}" + self._extra() + ")"
                )

            def _extra(self):
                return ""


        class HumanMessage(BaseMessage):
            type = "human"


        class AIMessage(BaseMessage):
            type = "ai"

            def __init__(self, content="", id=None, **kwargs):
                super().__init__(content, id, **kwargs)
                self.tool_calls = []
                self.invalid_tool_calls = []

            def _extra(self):
                return ", tool_calls=[], invalid_tool_calls=[]"
    """,
}

LANGGRAPH = {
    "langgraph/__init__.py": "",
    # langgraph 1.2.24 langgraph/errors.py, word for word (the parts used here)
    "langgraph/errors.py": """
        from enum import Enum


        class ErrorCode(Enum):
            GRAPH_RECURSION_LIMIT = "GRAPH_RECURSION_LIMIT"
            INVALID_CONCURRENT_GRAPH_UPDATE = "INVALID_CONCURRENT_GRAPH_UPDATE"
            INVALID_GRAPH_NODE_RETURN_VALUE = "INVALID_GRAPH_NODE_RETURN_VALUE"
            MULTIPLE_SUBGRAPHS = "MULTIPLE_SUBGRAPHS"
            INVALID_CHAT_HISTORY = "INVALID_CHAT_HISTORY"


        def create_error_message(*, message: str, error_code: ErrorCode) -> str:
            return (
                f"{message}\\n"
                "For troubleshooting, visit: https://docs.langchain.com/oss/python/langgraph/"
                f"errors/{error_code.value}"
            )


        class EmptyChannelError(Exception):
            pass


        class InvalidUpdateError(Exception):
            \"\"\"Raised when attempting to update a channel with an invalid set of updates.\"\"\"

            pass
    """,
    "langgraph/channels/__init__.py": "",
    # langgraph 1.2.24 langgraph/channels/last_value.py: update() word for word
    "langgraph/channels/last_value.py": """
        from typing import Any, Sequence

        from langgraph.errors import EmptyChannelError, ErrorCode, InvalidUpdateError, create_error_message

        MISSING = object()


        class LastValue:
            \"\"\"Stores the last value received, can receive at most one value per step.\"\"\"

            def __init__(self, typ: Any, key: str = "") -> None:
                self.typ = typ
                self.key = key
                self.value = MISSING

            def update(self, values: Sequence) -> bool:
                if len(values) == 0:
                    return False
                if len(values) != 1:
                    msg = create_error_message(
                        message=f"At key '{self.key}': Can receive only one value per step. Use an Annotated key to handle multiple values.",
                        error_code=ErrorCode.INVALID_CONCURRENT_GRAPH_UPDATE,
                    )
                    raise InvalidUpdateError(msg)

                self.value = values[-1]
                return True

            def get(self):
                if self.value is MISSING:
                    raise EmptyChannelError()
                return self.value

            def is_available(self) -> bool:
                return self.value is not MISSING
    """,
    # langgraph 1.2.24 langgraph/channels/binop.py: update() without the Overwrite branch
    "langgraph/channels/binop.py": """
        from typing import Any, Callable, Sequence

        from langgraph.channels.last_value import MISSING
        from langgraph.errors import EmptyChannelError


        class BinaryOperatorAggregate:
            def __init__(self, typ: Any, operator: Callable) -> None:
                self.typ = typ
                self.operator = operator
                try:
                    self.value = typ()
                except Exception:
                    self.value = MISSING

            def update(self, values: Sequence) -> bool:
                if not values:
                    return False
                if self.value is MISSING:
                    self.value = values[0]
                    values = values[1:]
                for value in values:
                    self.value = self.operator(self.value, value)
                return True

            def get(self):
                if self.value is MISSING:
                    raise EmptyChannelError()
                return self.value

            def is_available(self) -> bool:
                return self.value is not MISSING
    """,
    "langgraph/graph/__init__.py": "from langgraph.graph.state import END, START, StateGraph\n",
    "langgraph/graph/message.py": """
        import uuid


        def add_messages(left, right):
            left = list(left) if isinstance(left, list) else [left]
            right = list(right) if isinstance(right, list) else [right]
            for m in left + right:
                if m.id is None:
                    m.id = str(uuid.uuid4())
            merged = left.copy()
            merged_by_id = {m.id: i for i, m in enumerate(merged)}
            for m in right:
                if (existing_idx := merged_by_id.get(m.id)) is not None:
                    merged[existing_idx] = m
                else:
                    merged_by_id[m.id] = len(merged)
                    merged.append(m)
            return merged
    """,
    "langgraph/graph/state.py": """
        import typing
        from typing import Annotated, Any, get_args, get_origin

        from langgraph.channels.binop import BinaryOperatorAggregate
        from langgraph.channels.last_value import LastValue
        from langgraph.errors import ErrorCode, InvalidUpdateError, create_error_message

        START = "__start__"
        END = "__end__"


        def _channel(key, hint):
            if get_origin(hint) is Annotated:
                base, *meta = get_args(hint)
                for item in meta:
                    if callable(item):
                        return BinaryOperatorAggregate(get_origin(base) or base, item)
                hint = base
            return LastValue(hint, key)


        def get_cached_annotated_keys(t):
            keys = []
            for base in reversed(t.__mro__):
                keys.extend(base.__dict__.get("__annotations__", {}))
            return tuple(keys)


        class StateGraph:
            def __init__(self, state_schema):
                self.schema = state_schema
                self.hints = typing.get_type_hints(state_schema, include_extras=True)
                self.nodes = {}
                self.edges = []

            def add_node(self, name, action):
                self.nodes[name] = action
                return self

            def add_edge(self, start_key, end_key):
                self.edges.append((tuple(start_key) if isinstance(start_key, list) else (start_key,), end_key))
                return self

            def compile(self):
                return CompiledStateGraph(self)


        class CompiledStateGraph:
            def __init__(self, builder):
                self.builder = builder
                self.output_keys = list(builder.hints)

            # langgraph 1.2.24 graph/state.py attach_node._get_updates, without the Command branches
            def _get_updates(self, input):
                output_keys = self.output_keys
                if input is None:
                    return None
                elif isinstance(input, dict):
                    return [(k, v) for k, v in input.items() if k in output_keys]
                elif (t := type(input)) and get_cached_annotated_keys(t):
                    return [(k, getattr(input, k)) for k in output_keys if hasattr(input, k)]
                else:
                    msg = create_error_message(
                        message=f"Expected dict, got {input}",
                        error_code=ErrorCode.INVALID_GRAPH_NODE_RETURN_VALUE,
                    )
                    raise InvalidUpdateError(msg)

            def invoke(self, input):
                channels = {k: _channel(k, h) for k, h in self.builder.hints.items()}
                for key, value in input.items():
                    if key in channels:
                        channels[key].update([value])
                ran = {START}
                waiting = {i: set() for i, _ in enumerate(self.builder.edges)}
                for _step in range(25):
                    nxt = set()
                    for i, (sources, dest) in enumerate(self.builder.edges):
                        waiting[i] |= ran & set(sources)
                        if dest != END and waiting[i] == set(sources):
                            nxt.add(dest)
                            waiting[i] = set()
                    if not nxt:
                        break
                    state = {k: c.get() for k, c in channels.items() if c.is_available()}
                    writes = {}
                    for name in sorted(nxt):
                        for key, value in self._get_updates(self.builder.nodes[name](dict(state))) or ():
                            writes.setdefault(key, []).append(value)
                    for key, values in writes.items():
                        channels[key].update(values)
                    ran = nxt
                return {k: c.get() for k, c in channels.items() if c.is_available()}
    """,
}

# The graph of the entry's Symptom: two nodes in one step both return `messages`, a key with no reducer.
PARALLEL = """
from typing import TypedDict

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END, START, StateGraph


class State(TypedDict):
    messages: list


builder = StateGraph(State)
builder.add_node("researcher", lambda state: {"messages": [AIMessage("facts found")]})
builder.add_node("critic", lambda state: {"messages": [AIMessage("risks found")]})
builder.add_edge(START, "researcher")
builder.add_edge(START, "critic")
builder.add_edge("researcher", END)
builder.add_edge("critic", END)
builder.compile().invoke({"messages": [HumanMessage("hi")]})
"""

RETURNS = """
from typing import Annotated, TypedDict

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages


class State(TypedDict):
    messages: Annotated[list, add_messages]


def run(node):
    builder = StateGraph(State)
    builder.add_node("agent", node)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", END)
    return builder.compile().invoke({"messages": [HumanMessage("hi")]})


reply = AIMessage("Hello! How can I help?")
print("dict:", len(run(lambda state: {"messages": [reply]})["messages"]))
print("none:", len(run(lambda state: None)["messages"]))
run(lambda state: [reply])
"""


def _site(tmp_path):
    return write_files(tmp_path / "site", {**LANGCHAIN_CORE, **LANGGRAPH})


def _tail(result, lines):
    return "\n".join(result.stderr.strip().splitlines()[-lines:])


def test_parallel_writes_to_a_plain_key_raise_the_first_signature(tmp_path):
    result = run_python(PARALLEL, cwd=tmp_path, path=_site(tmp_path))
    assert result.returncode != 0
    assert _tail(result, 2) == parse_entry(ENTRY).errors[0]


def test_a_node_returning_a_list_raises_the_return_value_signature(tmp_path):
    result = run_python(RETURNS, cwd=tmp_path, path=_site(tmp_path))
    assert result.returncode != 0
    assert result.stdout == "dict: 2\nnone: 1\n"  # a dict is applied, None is no update
    expected = next(e for e in parse_entry(ENTRY).errors if "got [AIMessage(" in e)
    assert _tail(result, 2) == expected


def test_option1_merges_both_parallel_branches(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=_site(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "messages: 4 last: answer built from 2 notes",
        "notes: ['critique', 'research']",
    ]


def test_option1_without_its_reducers_fails_again(fix_code, tmp_path):
    code = fix_code(SLUG, 1)
    stripped = code.replace("Annotated[list, add_messages]", "list").replace(
        "Annotated[list, operator.add]", "list"
    )
    assert stripped != code
    result = run_python(stripped, cwd=tmp_path, path=_site(tmp_path))
    assert result.returncode != 0
    assert _tail(result, 2) == parse_entry(ENTRY).errors[0]
