"""Verified fix for solutions/prompt-template-braces.md: the real langchain-core and Python's own str.format.

langchain-core (installed in the project's venv; 1.8.3 when this was written, which needs no network to
build or invoke a prompt) raises, for a JSON example in a ChatPromptTemplate, the KeyError the entry lists
first, word for word as Python prints it, with its `Note:` line; a real variable nobody passes gives the
`missing variables {'context'}` form; a bare string on a template that a literal brace gave a second
variable gives the TypeError; nested JSON, a regex count and `{user.name}` are refused when the template is
built; `validate_template=True` gives the ValidationError. Python's str.format raises its KeyError,
IndexError and ValueErrors. Each of those printed lines is compared with the entry's `errors`.

Then the entry's own fix code runs as published, in a fresh interpreter: Option 1 escapes the JSON and
the model sees single braces (and its `escape_braces()` also gets nested JSON, `{}`, a regex and LaTeX
past the construction-time checks, unchanged), Option 2 passes JSON, chat history and user text with
braces through unchanged, Option 3 names the missing variable and its `partial()` default can be
overridden, Option 4's mustache template keeps the user's text intact (and the `{{question}}` it warns
about really HTML-escapes it), Option 5's `fill()` leaves JSON alone, never re-reads a value and still
refuses a placeholder without a value. Option 3's own last check fails when a call-time value does not beat
`partial()` (langchain-core 0.1.0-0.1.3, simulated by taking the value away). The two str.format KeyErrors of a
JSON key stay in the Symptom, not in `errors`: normalised, they read like any dict's KeyError.

The 0.x wordings, langchain-classic's `Missing some input keys` and `Prompt missing required variables`, langchain
0.1.7's `A single string input was passed in` and LangChain.js were checked in throwaway environments (the entry's
`source`); they are not installed here.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from pyrun import run_python, script_names

from app.corpus.entries import parse_entry

SLUG = "prompt-template-braces"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
PARSED = parse_entry(ENTRY)
ERRORS = PARSED.errors

# Python's own KeyError for a JSON key reads, once normalised, like any dict's KeyError: 'name', so the entry
# names it in its Symptom but does not claim it in `errors`.
KEYERROR_JSON = "KeyError: '\"name\"'"
KEYERROR_MULTILINE_JSON = "KeyError: '\\n  \"name\"'"


def error(prefix: str) -> str:
    """The one `errors` line that starts with prefix (looked up by text, so reordering the list breaks nothing)."""
    found = [line for line in ERRORS if line.startswith(prefix)]
    assert len(found) == 1, (prefix, found)
    return found[0]


def in_prose_not_errors(text: str) -> None:
    """A wording the entry shows its reader but does not claim as a signature."""
    assert text not in ERRORS, text
    assert text in PARSED.symptom, text


def printed(exc: BaseException) -> str:
    """The exception as the last lines of a traceback show it."""
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def raised(call) -> str:
    try:
        call()
    except Exception as exc:  # the test wants whatever the library raises, as printed
        return printed(exc)
    raise AssertionError("no error raised")


@pytest.fixture(scope="module")
def lc():
    """langchain-core from the venv; the construction-time checks the entry quotes need 1.2.28+."""
    try:
        import langchain_core
        from langchain_core import prompts
    except ImportError:
        pytest.fail("langchain-core is not installed in this venv: it belongs in the project's dev extra")
    major, minor, patch = (int(part) for part in langchain_core.__version__.split(".")[:3])
    if (major, minor, patch) < (1, 2, 28):
        pytest.fail(f"langchain-core {langchain_core.__version__} is older than the 1.2.28 the entry quotes")
    return prompts


def test_json_example_in_a_chat_template_is_read_as_a_variable(lc):
    prompt = lc.ChatPromptTemplate.from_messages(
        [("system", 'Answer as JSON: {"name": "...", "age": 0}'), ("human", "{question}")]
    )
    assert prompt.input_variables == ['"name"', "question"]
    with pytest.raises(KeyError) as caught:
        prompt.invoke({"question": "hi"})
    chat_keyerror = error("KeyError: 'Input to ChatPromptTemplate is missing variables")
    assert printed(caught.value) == chat_keyerror
    # the Note line, as it reads unescaped
    assert error("Note: if you intended") in caught.value.args[0].splitlines()

    # the same, printed by a fresh interpreter as the last line of its traceback
    child = run_python(
        "from langchain_core.prompts import ChatPromptTemplate\n"
        'ChatPromptTemplate.from_messages([(\'system\', \'Answer as JSON: {"name": "...", "age": 0}\'),'
        " ('human', '{question}')]).invoke({'question': 'hi'})\n"
    )
    assert child.returncode == 1
    assert child.stderr.strip().splitlines()[-1] == chat_keyerror

    # format_messages() skips the check: Python's own KeyError
    assert raised(lambda: prompt.format_messages(question="hi")) == KEYERROR_JSON
    in_prose_not_errors(KEYERROR_JSON)
    # multi-line JSON names the key with its newline and indent
    multi = lc.PromptTemplate.from_template('Reply with:\n{\n  "name": "..."\n}\nQ: {question}')
    assert multi.input_variables == ['\n  "name"', "question"]


def test_a_real_variable_nobody_passes(lc):
    prompt = lc.PromptTemplate.from_template("Context: {context}\nQuestion: {question}")
    text = raised(lambda: prompt.invoke({"question": "What is RAG?"}))
    expected = error('KeyError: "Input to PromptTemplate is missing variables')
    assert text.startswith(expected[:-1] + "\\nNote: if you intended {context} to be part of the string")


def test_a_bare_string_on_a_template_a_literal_brace_gave_two_variables(lc):
    prompt = lc.ChatPromptTemplate.from_messages([("system", 'JSON {"name": 1}'), ("human", "{question}")])
    assert raised(lambda: prompt.invoke("hi")).splitlines()[0] == error("TypeError: Expected mapping type")
    single = lc.ChatPromptTemplate.from_messages([("human", "{question}")])
    assert single.invoke("hi").to_messages()[0].content == "hi"  # one real variable takes a string


def test_construction_time_refusals_and_validate_template(lc):
    assert raised(lambda: lc.PromptTemplate.from_template('Return {"a": {"b": 1}} for {q}')) == error(
        "ValueError: Invalid format specifier"
    )
    assert raised(lambda: lc.PromptTemplate.from_template(r"Match \d{3}-\d{4} in {q}")) == error(
        "ValueError: Invalid variable name '3'"
    )
    assert raised(lambda: lc.PromptTemplate.from_template("Hi {user.name}")) == error(
        "ValueError: Invalid variable name 'user.name'"
    )
    text = raised(
        lambda: lc.PromptTemplate(
            template='JSON {"a": 1} {question}', input_variables=["question"], validate_template=True
        )
    )
    assert text.startswith(
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for PromptTemplate"
    )
    assert error("Value error, Invalid prompt schema") in text


# a prompt holding JSON or code, formatted with str.format: (template, the error Python 3.8+ prints)
STR_FORMAT = [
    ('Reply with JSON:\n{\n  "name": "...",\n  "age": 0\n}\nQuestion: {question}', KEYERROR_MULTILINE_JSON),
    ('Reply as {"name": "..."} to {question}', KEYERROR_JSON),
    (
        "Return {} if none: {question}",
        "IndexError: Replacement index 0 out of range for positional args tuple",
    ),
    ("Use a set { like {question}", "ValueError: unexpected '{' in field name"),
    ("Return x } for {question}", "ValueError: Single '}' encountered in format string"),
    ("Return {question} and {", "ValueError: Single '{' encountered in format string"),
]


@pytest.mark.parametrize(("template", "expected"), STR_FORMAT)
def test_python_str_format_on_a_prompt_holding_json(template, expected):
    assert raised(lambda: template.format(question="hi")) == expected
    if expected.startswith("KeyError"):
        in_prose_not_errors(expected)
    else:
        assert expected in ERRORS
    mapped = raised(lambda: template.format_map({"question": "hi"}))
    if "{}" in template:  # format_map has no positional arguments at all
        assert mapped == "ValueError: Format string contains positional fields"
    else:
        assert mapped == expected


def run_option(fix_code, option: int, tmp_path) -> str:
    result = run_python(fix_code(SLUG, option), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_option1_escapes_the_literal_braces(fix_code, tmp_path, lc):
    out = run_option(fix_code, 1, tmp_path)
    assert out.splitlines() == [
        "read as variables: ['\"name\"']",
        'Answer only with JSON like {"name": "...", "born": 0}.',
        "Who wrote Dune?",
    ]
    escape_braces = script_names(fix_code(SLUG, 1))["escape_braces"]
    for literal in (
        'Return {"a": {"b": [1, {"c": 2}]}}',  # refused unescaped: nested replacement fields
        r"Dates look like \d{4}-\d{2}-\d{2}; counts like \d{1,3}",  # refused unescaped: all digits
        r"Use \frac{a}{b} and an empty {} when unsure",
        "Call user.name as {user.name}",
    ):
        prompt = lc.ChatPromptTemplate.from_messages([("system", escape_braces(literal)), ("human", "{q}")])
        assert prompt.input_variables == ["q"]
        assert prompt.invoke({"q": "x"}).to_messages()[0].content == literal


def test_option2_passes_json_history_and_user_text_unchanged(fix_code, tmp_path):
    out = run_option(fix_code, 2, tmp_path)
    assert out.startswith(
        'system: Answer only with JSON shaped like this example:\n{\n  "name": "Ada Lovelace",'
    )
    assert 'human: My order was {"id": 7, "items": [{"sku": "A1"}]}\n' in out
    assert 'ai: {"status": "shipped"}\n' in out
    assert out.endswith('human: And this one? {"id": 8}\n')


def test_option3_names_the_missing_variable_and_defaults_it(fix_code, tmp_path):
    code = fix_code(SLUG, 3)
    assert run_option(fix_code, 3, tmp_path).splitlines() == [
        "the prompt needs: ['language', 'text'] - missing: ['language']",
        "Translate the user's text into French.",
        "Translate the user's text into German.",
    ]
    # langchain-core 0.1.0-0.1.3 invoke() dropped a call-time value for a partial() variable; the code must say so
    # loudly, not print the default twice: run it with the call-time value taken away, as those releases did
    call_time = 'with_default.invoke({**inputs, "language": "German"})'
    assert call_time in code
    dropped = run_python(code.replace(call_time, "with_default.invoke(inputs)"), cwd=tmp_path)
    assert dropped.returncode == 1, dropped.stdout
    assert "AssertionError: Translate the user's text into French." in dropped.stderr


def test_option4_mustache_keeps_json_and_the_user_text(fix_code, tmp_path):
    code = fix_code(SLUG, 4)
    assert run_option(fix_code, 4, tmp_path).splitlines() == [
        'Answer only with JSON like {"name": "...", "born": 0}.',
        'Is "R&D" <b>taxed</b>?',
    ]
    # what the entry warns about: double braces HTML-escape the user's text
    assert '"{{{question}}}"' in code
    escaped = run_python(code.replace('"{{{question}}}"', '"{{question}}"'), cwd=tmp_path)
    assert escaped.returncode == 1
    assert "AssertionError: Is &quot;R&amp;D&quot; &lt;b&gt;taxed&lt;/b&gt;?" in escaped.stderr


def test_mustache_reads_a_literal_double_brace_and_jinja2_refuses_only_dict_blocks(lc):
    """Option 4's prose and Limits: what mustache and jinja2 do with the text around the variables."""
    vue = lc.PromptTemplate.from_template("Vue: <p>{{ msg }}</p> for {{{q}}}", template_format="mustache")
    assert vue.input_variables == ["msg", "q"]  # the snippet's {{ msg }} is a mustache tag
    nested = lc.PromptTemplate.from_template(
        'Return {"a": {"b": {"c": 1}}} for {{{q}}}', template_format="mustache"
    )
    assert nested.invoke({"q": "x"}).to_string() == 'Return {"a": {"b": {"c": 1}}} for x'
    # jinja2: a message given as a dict is accepted; a dict content block other than text or image is refused
    as_dict = lc.ChatPromptTemplate.from_messages(
        [{"role": "user", "content": "{{ x }}"}], template_format="jinja2"
    )
    assert as_dict.input_variables == ["x"]
    block = [{"type": "file", "source_type": "base64", "data": "{{ x }}"}]
    text = raised(lambda: lc.ChatPromptTemplate.from_messages([("user", block)], template_format="jinja2"))
    assert text.startswith(
        "ValueError: jinja2 is unsafe and is not supported for templates expressed as dicts."
    )


def test_option5_fill_leaves_json_alone_and_refuses_a_missing_value(fix_code, tmp_path):
    out = run_option(fix_code, 5, tmp_path)
    assert out.startswith("str.format fails: KeyError('\\n  \"name\"')\nReply with JSON only, like:\n{\n")
    assert out.endswith("Question: Who wrote {Dune}?\n")
    fill = script_names(fix_code(SLUG, 5))["fill"]
    assert fill("Return {} or {1,3} or {a: 1} for {q}", q="x {y}") == "Return {} or {1,3} or {a: 1} for x {y}"
    assert fill("{a}{b}", a="{b}", b="B") == "{b}B"  # one pass: a value is never re-read
    with pytest.raises(KeyError, match=r"no value for \['context'\]"):
        fill("Context: {context}\nQ: {q}", q="x")
