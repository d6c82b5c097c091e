"""Verified fix for solutions/langchain-agent-prompt-variables.md.

The project's venv has the real langchain-core (1.8.3 when this was written: prompts, `input_variables` and
`partial_variables`, MessagesPlaceholder, the fake models, tool rendering) but neither langchain nor
langchain-classic: adding one to the dev extra would change the project's shared dependency list for one test,
and each pulls its own release line of langchain-core (langchain 0.1.0 wants core 0.1.x). So each test writes into
tmp_path a small agents package with the constructors' own code path, on top of the real langchain-core:
- `langchain_classic` 1.0.8 (`langchain_classic/agents/<kind>/...py`; langchain 0.1.16-0.3.30 have the same checks
  under `langchain/agents/`): create_react_agent, create_structured_chat_agent, create_json_chat_agent
  ({'tools', 'tool_names', 'agent_scratchpad'}), create_xml_agent ({'tools', 'agent_scratchpad'}),
  create_tool_calling_agent and create_openai_tools_agent ({'agent_scratchpad'}), each checking
  `prompt.input_variables + list(prompt.partial_variables)` and raising `Prompt missing required variables:
  {missing_vars}`; create_openai_functions_agent's `Prompt must have input variable `agent_scratchpad`, but
  wasn't found. Found [...] instead.`; OpenAIFunctionsAgent's pydantic validator (`agent_scratchpad` should be
  one of the variables in the prompt, got [...]; reads input_variables only);
- `langchain` 0.1.0 (`langchain/agents/...`): the same checks on `prompt.input_variables` only, and no
  create_tool_calling_agent (it came in 0.1.16).
What a constructor returns is copied too: `RunnablePassthrough.assign(agent_scratchpad=<formatter>(intermediate
steps)) | prompt.partial(tools=..., tool_names=...) | model` (bound with its stop words, or its tools), with the
formatters format_log_to_str, format_log_to_messages, format_xml and format_to_tool_messages
(langchain_classic/agents/format_scratchpad/*.py) in one module; the output parsers are left out (the tests read
what the model was sent). Checked against the wheels and runs of langchain 0.1.0, 0.1.20, 0.2.17, 0.3.30 and
langchain-classic 1.0.8 (the entry's `source`).

The tests reproduce the entry's wordings (the MessagesPlaceholder one is raised by the real langchain-core), check
each against the entry's `errors` and the matcher, then run the entry's Option 1 code, read from the Markdown:
its checker agrees with both releases' constructors on every prompt of a matrix, its prompts pass them and give
the model the tools, the tool names and the previous steps, and the wrong scratchpad kind it reports really fails
or garbles the steps. Options 1 (second block), 2 and 4 need langchain-classic, langchain-community or langchain 1.x
from PyPI: they run under `make verify` (`deps=`).
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

import pytest
from fake_site import fake_distribution, write_files
from pyrun import run_python

from app.corpus.entries import parse_entry
from synapse_skill.matching import matcher

SLUG = "langchain-agent-prompt-variables"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
ENTRY = parse_entry(SOLUTIONS / f"{SLUG}.md")

# --- the fake agents package ----------------------------------------------------------------------------------
FORMAT_SCRATCHPAD = """
import json

from langchain_core.agents import AgentActionMessageLog
from langchain_core.messages import AIMessage, FunctionMessage, HumanMessage, ToolMessage


class ToolAgentAction(AgentActionMessageLog):
    tool_call_id: str


def format_log_to_str(intermediate_steps, observation_prefix="Observation: ", llm_prefix="Thought: "):
    thoughts = ""
    for action, observation in intermediate_steps:
        thoughts += action.log
        thoughts += f"\\n{observation_prefix}{observation}\\n{llm_prefix}"
    return thoughts


def format_log_to_messages(intermediate_steps, template_tool_response="{observation}"):
    thoughts = []
    for action, observation in intermediate_steps:
        thoughts.append(AIMessage(content=action.log))
        thoughts.append(HumanMessage(content=template_tool_response.format(observation=observation)))
    return thoughts


def format_xml(intermediate_steps):
    log = ""
    for action, observation in intermediate_steps:
        log += (
            f"<tool>{action.tool}</tool><tool_input>{action.tool_input}"
            f"</tool_input><observation>{observation}</observation>"
        )
    return log


def format_to_tool_messages(intermediate_steps):
    messages = []
    for action, observation in intermediate_steps:
        if isinstance(action, ToolAgentAction):
            content = observation if isinstance(observation, str) else json.dumps(observation)
            tool_message = ToolMessage(
                tool_call_id=action.tool_call_id, content=content, additional_kwargs={"name": action.tool}
            )
            new_messages = [*action.message_log, tool_message]
            messages.extend([new for new in new_messages if new not in messages])
        else:
            messages.append(AIMessage(content=action.log))
    return messages


def format_to_openai_function_messages(intermediate_steps):
    messages = []
    for action, observation in intermediate_steps:
        if isinstance(action, AgentActionMessageLog):
            messages.extend([*action.message_log, FunctionMessage(name=action.tool, content=str(observation))])
        else:
            messages.append(AIMessage(content=action.log))
    return messages
"""

TEXT_AGENT = """
from langchain_core.runnables import RunnablePassthrough
from langchain_core.tools import {renderer}

from {pkg}.agents.format_scratchpad import {formatter}


def {name}(llm, tools, prompt):
    missing_vars = {required}.difference(
        {known},
    )
    if missing_vars:
        msg = f"Prompt missing required variables: {{missing_vars}}"
        raise ValueError(msg)
    prompt = prompt.partial(
        tools={renderer}(list(tools)),
        tool_names=", ".join([t.name for t in tools]),
    )
    llm_with_stop = llm.bind(stop={stop!r})
    return (
        RunnablePassthrough.assign(
            agent_scratchpad=lambda x: {formatter}(x["intermediate_steps"]),
        )
        | prompt
        | llm_with_stop
    )
"""

XML_AGENT = """
from langchain_core.runnables import RunnablePassthrough
from langchain_core.tools import render_text_description

from {pkg}.agents.format_scratchpad import format_xml


def create_xml_agent(llm, tools, prompt):
    missing_vars = {{"tools", "agent_scratchpad"}}.difference(
        {known},
    )
    if missing_vars:
        msg = f"Prompt missing required variables: {{missing_vars}}"
        raise ValueError(msg)
    prompt = prompt.partial(tools=render_text_description(list(tools)))
    llm_with_stop = llm.bind(stop=["</tool_input>"])
    return (
        RunnablePassthrough.assign(agent_scratchpad=lambda x: format_xml(x["intermediate_steps"]))
        | prompt
        | llm_with_stop
    )
"""

TOOL_CALLING_AGENT = """
from langchain_core.runnables import RunnablePassthrough

from {pkg}.agents.format_scratchpad import format_to_tool_messages


def create_tool_calling_agent(llm, tools, prompt):
    missing_vars = {{"agent_scratchpad"}}.difference(
        {known},
    )
    if missing_vars:
        msg = f"Prompt missing required variables: {{missing_vars}}"
        raise ValueError(msg)
    if not hasattr(llm, "bind_tools"):
        msg = "This function requires a bind_tools() method be implemented on the LLM."
        raise ValueError(msg)
    llm_with_tools = llm.bind_tools(tools)
    return (
        RunnablePassthrough.assign(agent_scratchpad=lambda x: format_to_tool_messages(x["intermediate_steps"]))
        | prompt
        | llm_with_tools
    )
"""

OPENAI_TOOLS_AGENT = """
from langchain_core.runnables import RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_tool

from {pkg}.agents.format_scratchpad import format_to_tool_messages


def create_openai_tools_agent(llm, tools, prompt):
    missing_vars = {{"agent_scratchpad"}}.difference(
        {known},
    )
    if missing_vars:
        msg = f"Prompt missing required variables: {{missing_vars}}"
        raise ValueError(msg)
    llm_with_tools = llm.bind(tools=[convert_to_openai_tool(tool) for tool in tools])
    return (
        RunnablePassthrough.assign(agent_scratchpad=lambda x: format_to_tool_messages(x["intermediate_steps"]))
        | prompt
        | llm_with_tools
    )
"""

OPENAI_FUNCTIONS_AGENT = """
from typing import Any

from langchain_core.runnables import RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_function
from pydantic import BaseModel, ConfigDict, model_validator

from {pkg}.agents.format_scratchpad import format_to_openai_function_messages


class OpenAIFunctionsAgent(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    llm: Any
    tools: Any
    prompt: Any

    @model_validator(mode="after")
    def validate_prompt(self):
        prompt = self.prompt
        if "agent_scratchpad" not in prompt.input_variables:
            msg = (
                "`agent_scratchpad` should be one of the variables in the prompt, "
                f"got {{prompt.input_variables}}"
            )
            raise ValueError(msg)
        return self


def create_openai_functions_agent(llm, tools, prompt):
    if "agent_scratchpad" not in (
        {known}
    ):
        msg = (
            "Prompt must have input variable `agent_scratchpad`, but wasn't found. "
            f"Found {{prompt.input_variables}} instead."
        )
        raise ValueError(msg)
    llm_with_tools = llm.bind(functions=[convert_to_openai_function(t) for t in tools])
    return (
        RunnablePassthrough.assign(
            agent_scratchpad=lambda x: format_to_openai_function_messages(x["intermediate_steps"]),
        )
        | prompt
        | llm_with_tools
    )
"""

# name -> (module path, required variables, tools renderer, scratchpad formatter, stop words)
TEXT_AGENTS = {
    "create_react_agent": ("react/agent", "render_text_description", "format_log_to_str", ["\nObservation"]),
    "create_structured_chat_agent": (
        "structured_chat/base",
        "render_text_description_and_args",
        "format_log_to_str",
        ["Observation"],
    ),
    "create_json_chat_agent": (
        "json_chat/base",
        "render_text_description",
        "format_log_to_messages",
        ["\nObservation"],
    ),
}
RELEASES = {
    # release -> (package, distribution, what the checks count)
    "1.0.8": (
        "langchain_classic",
        "langchain-classic",
        "prompt.input_variables + list(prompt.partial_variables)",
    ),
    "0.1.0": ("langchain", "langchain", "prompt.input_variables"),
}


def install(site: Path, release: str) -> str:
    """Write the fake agents package of `release` into `site`; return its import name."""
    pkg, dist, known = RELEASES[release]
    files = {
        f"{pkg}/__init__.py": f"__version__ = {release!r}\n",
        f"{pkg}/agents/format_scratchpad.py": FORMAT_SCRATCHPAD,
        f"{pkg}/agents/xml/__init__.py": "",
        f"{pkg}/agents/xml/base.py": XML_AGENT.format(pkg=pkg, known=known),
        f"{pkg}/agents/openai_tools/__init__.py": "",
        f"{pkg}/agents/openai_tools/base.py": OPENAI_TOOLS_AGENT.format(pkg=pkg, known=known),
        f"{pkg}/agents/openai_functions_agent/__init__.py": "",
        f"{pkg}/agents/openai_functions_agent/base.py": OPENAI_FUNCTIONS_AGENT.format(pkg=pkg, known=known),
    }
    exports = [
        "from {pkg}.agents.xml.base import create_xml_agent",
        "from {pkg}.agents.openai_tools.base import create_openai_tools_agent",
        "from {pkg}.agents.openai_functions_agent.base import create_openai_functions_agent",
    ]
    if release != "0.1.0":  # the class's pydantic v2 error; 0.1.x raise pydantic v1's `__root__` form
        exports.append("from {pkg}.agents.openai_functions_agent.base import OpenAIFunctionsAgent")
    for name, (module, renderer, formatter, stop) in TEXT_AGENTS.items():
        required = '{"tools", "tool_names", "agent_scratchpad"}'
        files[f"{pkg}/agents/{module.split('/')[0]}/__init__.py"] = ""
        files[f"{pkg}/agents/{module}.py"] = TEXT_AGENT.format(
            pkg=pkg,
            name=name,
            renderer=renderer,
            formatter=formatter,
            stop=stop,
            required=required,
            known=known,
        )
        exports.append(f"from {{pkg}}.agents.{module.replace('/', '.')} import {name}")
    if release != "0.1.0":  # create_tool_calling_agent came in langchain 0.1.16
        files[f"{pkg}/agents/tool_calling_agent/__init__.py"] = ""
        files[f"{pkg}/agents/tool_calling_agent/base.py"] = TOOL_CALLING_AGENT.format(pkg=pkg, known=known)
        exports.append("from {pkg}.agents.tool_calling_agent.base import create_tool_calling_agent")
    files[f"{pkg}/agents/__init__.py"] = "\n".join(line.format(pkg=pkg) for line in exports) + "\n"
    write_files(site, files)
    fake_distribution(site, dist, release)
    return pkg


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    found = {}
    for release in RELEASES:
        site = tmp_path_factory.mktemp(f"site-{release}")
        install(site, release)
        found[release] = site
    return found


# --- helpers ----------------------------------------------------------------------------------------------------
COMMON = """
import json, sys, traceback
from langchain_core.agents import AgentAction
from langchain_core.language_models.fake import FakeListLLM
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder, PromptTemplate
from langchain_core.tools import tool

import {pkg}.agents as A
from {pkg}.agents.format_scratchpad import ToolAgentAction


@tool
def word_count(text: str) -> int:
    \"\"\"Count the words in a text.\"\"\"
    return len(text.split())


TOOLS = [word_count]


class RecordingLLM(FakeListLLM):
    sent: list = []

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        self.sent.append({{"prompt": prompt, "stop": stop}})
        return super()._call(prompt, stop, run_manager, **kwargs)


class RecordingChatModel(FakeMessagesListChatModel):
    sent: list = []

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.sent.append([(type(m).__name__, m.content) for m in messages])
        return super()._generate(messages, stop, run_manager, **kwargs)


def text_model():
    return RecordingLLM(responses=["Final Answer: 3"])


def chat_model():
    return RecordingChatModel(responses=[AIMessage(content="3 words")])


def model_for(name):
    return chat_model() if name in CHAT else text_model()


CHAT = {{"create_structured_chat_agent", "create_json_chat_agent", "create_tool_calling_agent",
        "create_openai_tools_agent", "create_openai_functions_agent"}}


def raised(call):
    \"\"\"`Type: message` as the traceback's last line prints it (qualified the way Python prints it), or None.\"\"\"
    try:
        call()
    except Exception as exc:
        return "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\\n")
    return None


REACT_STEP = AgentAction(tool="word_count", tool_input="one two three",
                         log="I should count.\\nAction: word_count\\nAction Input: one two three")
TOOL_CALL = AIMessage(content="", tool_calls=[{{"name": "word_count", "args": {{"text": "a b"}}, "id": "call_1"}}])
TOOL_STEP = ToolAgentAction(tool="word_count", tool_input={{"text": "a b"}}, log="", message_log=[TOOL_CALL],
                            tool_call_id="call_1")
"""


def run(site: Path, pkg: str, body: str, *extra_path: Path) -> dict:
    """Run COMMON + body against the fake package in a fresh interpreter; body prints one JSON object."""
    result = run_python(COMMON.format(pkg=pkg) + textwrap.dedent(body), path=[site, *extra_path], timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def missing_set(text: str) -> tuple[str, frozenset[str]] | None:
    """A `Prompt missing required variables: {...}` text as (prefix, names): the set prints in hash order."""
    found = re.fullmatch(r"(.*Prompt missing required variables: )(\{.*\})", text, re.S)
    if not found:
        return None
    return found.group(1), frozenset(ast.literal_eval(found.group(2)))


def claimed(text: str) -> bool:
    """The entry lists `text`, or (for a set printed in another order) the same names after the same prefix."""
    if text in ENTRY.errors:
        return True
    parsed = missing_set(text)
    return parsed is not None and parsed in {missing_set(e) for e in ENTRY.errors if missing_set(e)}


def answered(index, text: str) -> bool:
    hits = matcher.search(index, text).hits
    return bool(hits) and hits[0].slug == SLUG and hits[0].confident


# --- the wordings -----------------------------------------------------------------------------------------------
REPRODUCE = """
out = {}
text = PromptTemplate.from_template("You answer questions about cooking. Question: {input}")
chat = ChatPromptTemplate.from_messages([("system", "You are a helpful cook."), ("human", "{input}")])
tool_chat = ChatPromptTemplate.from_messages(
    [("system", "You are a helpful cook."), ("human", "{input}"), MessagesPlaceholder("agent_scratchpad")])
partialled = PromptTemplate.from_template(
    "Tools: {tools}\\nNames: {tool_names}\\nQuestion: {input}\\nThought:{agent_scratchpad}"
).partial(tools="word_count: counts", tool_names="word_count")
optional = ChatPromptTemplate.from_messages(
    [("system", "s"), ("human", "{input}"), MessagesPlaceholder("agent_scratchpad", optional=True)])
cases = {
    "react/text": ("create_react_agent", text),
    "react/tool_chat": ("create_react_agent", tool_chat),
    "structured/chat": ("create_structured_chat_agent", chat),
    "xml/text": ("create_xml_agent", text),
    "tool_calling/chat": ("create_tool_calling_agent", chat),
    "openai_tools/chat": ("create_openai_tools_agent", chat),
    "openai_functions/chat": ("create_openai_functions_agent", chat),
    "react/partialled": ("create_react_agent", partialled),
    "openai_tools/optional": ("create_openai_tools_agent", optional),
    "openai_functions/optional": ("create_openai_functions_agent", optional),
}
for case, (name, prompt) in cases.items():
    if hasattr(A, name):
        out[case] = raised(lambda: getattr(A, name)(model_for(name), TOOLS, prompt))
if hasattr(A, "OpenAIFunctionsAgent"):
    out["OpenAIFunctionsAgent/chat"] = raised(lambda: A.OpenAIFunctionsAgent(llm=chat_model(), tools=TOOLS, prompt=chat))
# A MessagesPlaceholder scratchpad in a ReAct prompt passes the check; the first step fails in langchain-core.
mp = ChatPromptTemplate.from_messages(
    [("system", "Tools: {tools} ({tool_names})"), ("human", "{input}"), MessagesPlaceholder("agent_scratchpad")])
agent = A.create_react_agent(text_model(), TOOLS, mp)
out["react/MessagesPlaceholder/invoke"] = raised(lambda: agent.invoke({"input": "q", "intermediate_steps": []}))
print(json.dumps(out))
"""

EXPECTED = {
    "1.0.8": {
        "react/text": "ValueError: Prompt missing required variables: {'tools', 'tool_names', 'agent_scratchpad'}",
        "react/tool_chat": "ValueError: Prompt missing required variables: {'tools', 'tool_names'}",
        "structured/chat": "ValueError: Prompt missing required variables: {'tools', 'tool_names', 'agent_scratchpad'}",
        "xml/text": "ValueError: Prompt missing required variables: {'agent_scratchpad', 'tools'}",
        "tool_calling/chat": "ValueError: Prompt missing required variables: {'agent_scratchpad'}",
        "openai_tools/chat": "ValueError: Prompt missing required variables: {'agent_scratchpad'}",
        "openai_functions/chat": (
            "ValueError: Prompt must have input variable `agent_scratchpad`, but wasn't found. Found ['input'] instead."
        ),
        "react/partialled": None,  # partial variables count from langchain 0.1.16
        "openai_tools/optional": None,
        "openai_functions/optional": None,
        "react/MessagesPlaceholder/invoke": (
            "ValueError: variable agent_scratchpad should be a list of base messages, got  of type <class 'str'>"
        ),
    },
    "0.1.0": {
        "react/text": "ValueError: Prompt missing required variables: {'tools', 'tool_names', 'agent_scratchpad'}",
        "react/tool_chat": "ValueError: Prompt missing required variables: {'tools', 'tool_names'}",
        "structured/chat": "ValueError: Prompt missing required variables: {'tools', 'tool_names', 'agent_scratchpad'}",
        "xml/text": "ValueError: Prompt missing required variables: {'agent_scratchpad', 'tools'}",
        "openai_tools/chat": "ValueError: Prompt missing required variables: {'agent_scratchpad'}",
        "openai_functions/chat": (
            "ValueError: Prompt must have input variable `agent_scratchpad`, but wasn't found. Found ['input'] instead."
        ),
        # the prompt has them, as partial variables, which 0.1.0-0.1.15 do not count
        "react/partialled": "ValueError: Prompt missing required variables: {'tools', 'tool_names'}",
        "openai_tools/optional": "ValueError: Prompt missing required variables: {'agent_scratchpad'}",
        "openai_functions/optional": (
            "ValueError: Prompt must have input variable `agent_scratchpad`, but wasn't found. Found ['input'] instead."
        ),
        "react/MessagesPlaceholder/invoke": (
            "ValueError: variable agent_scratchpad should be a list of base messages, got  of type <class 'str'>"
        ),
    },
}


@pytest.fixture(scope="module")
def reproduced(sites) -> dict[str, dict]:
    return {release: run(sites[release], RELEASES[release][0], REPRODUCE) for release in RELEASES}


def same(text: str | None, expected: str | None) -> bool:
    if text is None or expected is None:
        return text == expected
    return text == expected or (missing_set(text) is not None and missing_set(text) == missing_set(expected))


@pytest.mark.parametrize("release", list(RELEASES))
def test_the_constructors_refuse_prompts_without_their_variables(reproduced, release, index):
    got = reproduced[release]
    expected = EXPECTED[release]
    validation = got.pop("OpenAIFunctionsAgent/chat", None)
    assert set(got) == set(expected)
    for case, text in got.items():
        assert same(text, expected[case]), (case, text)
        if text is not None:
            assert claimed(text), (case, text)
            assert answered(index, text), (case, text)
    if release == "0.1.0":
        assert validation is None
        return
    # the class itself: pydantic's ValidationError around the validator's message
    assert validation.startswith(
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for OpenAIFunctionsAgent"
    )
    assert "`agent_scratchpad` should be one of the variables in the prompt, got ['input']" in validation
    first_two = "\n".join(validation.splitlines()[:2])
    assert answered(index, first_two), first_two


def test_the_set_prints_in_hash_order_and_every_order_is_answered(sites, index):
    """The missing names are a Python set: the order changes with PYTHONHASHSEED, the entry must not care."""
    orders = set()
    for seed in range(4):
        result = run_python(
            COMMON.format(pkg="langchain_classic")
            + 'print(raised(lambda: A.create_react_agent(text_model(), TOOLS, PromptTemplate.from_template("{input}"))))',
            path=[sites["1.0.8"]],
            env={"PYTHONHASHSEED": str(seed)},
        )
        assert result.returncode == 0, result.stderr
        orders.add(result.stdout.strip())
    assert len(orders) > 1  # the order really changes
    for text in orders:
        assert claimed(text), text
        assert answered(index, text), text


def test_the_look_alikes_are_not_this_entry(index):
    for text in ENTRY.not_errors:
        assert not answered(index, text), text
    # prompt-template-braces: a variable not passed at call time, not a prompt the constructor refuses
    hits = matcher.search(index, ENTRY.not_errors[0]).hits
    assert hits and hits[0].slug == "prompt-template-braces"


# --- the fix ----------------------------------------------------------------------------------------------------
@pytest.fixture
def fix_dir(fix_code, tmp_path) -> Path:
    folder = tmp_path / "fix"
    folder.mkdir()
    (folder / "option1.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    return folder


AGREE = """
import option1
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder, PromptTemplate

count_partials = {count_partials}
prompts = {{
    "text": PromptTemplate.from_template("Answer: {{input}}"),
    "react": option1.react_prompt('Reply as JSON like {{"a": 1}}.'),
    "tool_calling": option1.tool_calling_prompt('Reply as JSON like {{"a": 1}}.'),
    "chat": ChatPromptTemplate.from_messages([("system", "s"), ("human", "{{input}}")]),
    "react_chat_messages": ChatPromptTemplate.from_messages(
        [("system", "{{tools}} {{tool_names}}"), ("human", "{{input}}"), MessagesPlaceholder("agent_scratchpad")]),
    "optional": ChatPromptTemplate.from_messages(
        [("system", "s"), ("human", "{{input}}"), MessagesPlaceholder("agent_scratchpad", optional=True)]),
    "partialled": PromptTemplate.from_template("{{tools}} {{tool_names}} {{input}} {{agent_scratchpad}}").partial(
        tools="t", tool_names="n"),
    "scratchpad_text_in_chat": ChatPromptTemplate.from_messages(
        [("system", "s"), ("human", "{{input}}\\n{{agent_scratchpad}}")]),
}}
rows = []
for name in option1.AGENT_PROMPT_NEEDS:
    if not hasattr(A, name):
        continue
    for label, prompt in prompts.items():
        accepted = raised(lambda: getattr(A, name)(model_for(name), TOOLS, prompt)) is None
        problems = option1.agent_prompt_problems(prompt, name, count_partials=count_partials)
        rows.append([name, label, accepted, problems])
print(json.dumps({{"rows": rows}}))
"""


@pytest.mark.parametrize("release", list(RELEASES))
def test_option1_checker_agrees_with_the_constructors(sites, fix_dir, release):
    count_partials = release != "0.1.0"
    rows = run(sites[release], RELEASES[release][0], AGREE.format(count_partials=count_partials), fix_dir)[
        "rows"
    ]
    assert len(rows) >= 40
    disagree = [
        row for row in rows if row[2] != (not [p for p in row[3] if p.startswith("add ")])
    ]  # refused <=> a missing name
    assert disagree == []
    by = {(name, label): problems for name, label, _, problems in rows}
    # the wrong kinds it reports
    assert any("passes the scratchpad as text" in p for p in by["create_react_agent", "react_chat_messages"])
    assert any(
        "passes the scratchpad as messages" in p
        for p in by["create_openai_tools_agent", "scratchpad_text_in_chat"]
    )
    # its own prompts fit their constructors on every release
    for name in ("create_react_agent",):
        assert by[name, "react"] == []
    for name in ("create_openai_tools_agent", "create_openai_functions_agent", "create_tool_calling_agent"):
        if (name, "tool_calling") in by:
            assert by[name, "tool_calling"] == []


RUN_FIXED = """
import option1

out = {}
llm = RecordingLLM(responses=["I now know the final answer.\\nFinal Answer: 3 words"])
agent = A.create_react_agent(llm, TOOLS, option1.react_prompt('Reply in French, as JSON like {"n": 1}.'))
agent.invoke({"input": "How many words in 'one two three'?", "intermediate_steps": [(REACT_STEP, 3)]})
out["react"] = llm.sent[-1]

name = "create_tool_calling_agent" if hasattr(A, "create_tool_calling_agent") else "create_openai_tools_agent"
model = RecordingChatModel(responses=[AIMessage(content="2 words")])
agent = getattr(A, name)(model, TOOLS, option1.tool_calling_prompt('You are terse. Reply as JSON like {"n": 1}.'))
agent.invoke({"input": "How many words in 'a b'?", "intermediate_steps": [(TOOL_STEP, 2)]})
out["tool_calling"] = model.sent[-1]

# the wrong kind the checker warns about: a text {agent_scratchpad} in a tool-calling prompt raises nothing
wrong = ChatPromptTemplate.from_messages([("system", "You are terse."), ("human", "{input}\\n\\n{agent_scratchpad}")])
model = RecordingChatModel(responses=[AIMessage(content="2 words")])
getattr(A, name)(model, TOOLS, wrong).invoke({"input": "How many words in 'a b'?", "intermediate_steps": [(TOOL_STEP, 2)]})
out["text_scratchpad"] = model.sent[-1]
out["problems_of_wrong"] = option1.agent_prompt_problems(wrong, name)

# the user's own variables in the instructions are filled at invoke, not sent to the model as "{topic}"
llm = RecordingLLM(responses=["Final Answer: 3"])
agent = A.create_react_agent(llm, TOOLS, option1.react_prompt('You answer questions about {topic}. Reply as JSON like {"a": 1}.'))
agent.invoke({"input": "q", "topic": "cooking", "intermediate_steps": []})
out["react_own_variable"] = llm.sent[-1]["prompt"]
model = RecordingChatModel(responses=[AIMessage(content="ok")])
agent = getattr(A, name)(model, TOOLS, option1.tool_calling_prompt('You are a {role}. Reply as JSON like {"a": 1}.'))
agent.invoke({"input": "q", "role": "cook", "intermediate_steps": []})
out["tool_calling_own_variable"] = model.sent[-1][0]
print(json.dumps(out))
"""


@pytest.mark.parametrize("release", list(RELEASES))
def test_option1_prompts_give_the_model_the_tools_and_the_steps(sites, fix_dir, release):
    out = run(sites[release], RELEASES[release][0], RUN_FIXED, fix_dir)
    react = out["react"]["prompt"]
    assert react.startswith(
        'Reply in French, as JSON like {"n": 1}.\n'
    )  # the braces of the instructions kept as text
    assert (
        "word_count(text: str) -> int - Count the words in a text." in react
    )  # {tools}, rendered by the agent
    assert "should be one of [word_count]" in react  # {tool_names}
    assert react.endswith(
        "Question: How many words in 'one two three'?\n"
        "Thought:I should count.\nAction: word_count\nAction Input: one two three\nObservation: 3\nThought: "
    )  # {agent_scratchpad}: the step so far, as text
    assert out["react"]["stop"] == ["\nObservation"]

    assert out["tool_calling"] == [
        ["SystemMessage", 'You are terse. Reply as JSON like {"n": 1}.'],
        ["HumanMessage", "How many words in 'a b'?"],
        ["AIMessage", ""],  # the tool call, as a message
        ["ToolMessage", "2"],  # and its result
    ]
    # the text scratchpad runs, and hands the model the printed list instead of the messages
    human = out["text_scratchpad"][-1][1]
    assert out["text_scratchpad"][-1][0] == "HumanMessage" and "ToolMessage(content='2'" in human
    assert len(out["text_scratchpad"]) == 2  # no tool-call or tool-result message reached the model
    assert any("passes the scratchpad as messages" in p for p in out["problems_of_wrong"])
    # audit 2026-12-07: the first version inserted the instructions as a value, so "{topic}" reached the model
    # unfilled and the value passed at invoke was dropped without an error
    assert out["react_own_variable"].startswith(
        'You answer questions about cooking. Reply as JSON like {"a": 1}.\n'
    )
    assert out["tool_calling_own_variable"] == [
        "SystemMessage",
        'You are a cook. Reply as JSON like {"a": 1}.',
    ]


def test_option1_as_a_script(fix_code):
    result = run_python(fix_code(SLUG, 1), timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert (
        lines[0]
        == "['add {agent_scratchpad} to the prompt text', 'add {tool_names} to the prompt text', 'add {tools} to the prompt text']"
    )
    assert lines[1] == "[]"
    assert lines[2] == """['add MessagesPlaceholder("agent_scratchpad") after the human message']"""
    assert lines[3] == "[]"
    assert "passes the scratchpad as text" in lines[4]
