"""Verified fixes for solutions/pydantic-validation-error.md.

Reproduces every message the entry quotes with the installed pydantic 2 (missing, int_parsing,
string_type, literal_error, extra_forbidden, model_type, value_error) and with `pydantic.v1` (the v1
wordings), then runs the entry's own code: Option 1 (model accepting the real shape + `explain`),
Option 2 (validate / re-ask loop), and Option 3 (`chat.completions.parse` with the real openai SDK)
against a local stand-in for the Chat Completions endpoint (fake_http) instead of api.openai.com.
"""

from __future__ import annotations

import json
from typing import Literal

import pytest
from fake_http import chat_completion, json_server
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pyrun import run_python

SLUG = "pydantic-validation-error"


class Item(BaseModel):
    x: int


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    age: int
    mood: Literal["happy", "sad"]
    item: Item | None = None

    @field_validator("name")
    @classmethod
    def needs_space(cls, v: str) -> str:
        if " " not in v:
            raise ValueError("must contain a space")
        return v


OK = {"name": "a b", "age": 1, "mood": "sad"}


@pytest.mark.parametrize(
    ("data", "quoted"),
    [
        ({"age": 3}, "Field required [type=missing, input_value={'age': 3}, input_type=dict]"),
        (
            {**OK, "age": "forty"},
            "Input should be a valid integer, unable to parse string as an integer "
            "[type=int_parsing, input_value='forty', input_type=str]",
        ),
        (
            {**OK, "name": None},
            "Input should be a valid string [type=string_type, input_value=None, input_type=NoneType]",
        ),
        (
            {**OK, "mood": "HAPPY"},
            "Input should be 'happy' or 'sad' [type=literal_error, input_value='HAPPY', input_type=str]",
        ),
        (
            {**OK, "extra": 1},
            "Extra inputs are not permitted [type=extra_forbidden, input_value=1, input_type=int]",
        ),
        (
            {**OK, "item": "x"},
            "Input should be a valid dictionary or instance of Item [type=model_type, input_value='x', input_type=str]",
        ),
        (
            {**OK, "name": "john"},
            "Value error, must contain a space [type=value_error, input_value='john', input_type=str]",
        ),
    ],
)
def test_pydantic2_messages_as_quoted(data, quoted):
    with pytest.raises(ValidationError) as info:
        Model.model_validate(data)
    text = str(info.value)
    assert (
        type(info.value).__module__ + "." + type(info.value).__qualname__
        == "pydantic_core._pydantic_core.ValidationError"
    )
    assert "validation error" in text.splitlines()[0] and text.splitlines()[0].endswith("for Model")
    assert quoted in text


def test_optional_without_default_is_still_required():
    class M(BaseModel):
        estimate: int | None

    with pytest.raises(ValidationError, match=r"estimate\n  Field required \[type=missing"):
        M.model_validate({})
    assert M.model_validate({"estimate": None}).estimate is None


def test_pydantic_v1_messages_as_quoted():
    from pydantic.v1 import BaseModel as V1Model
    from pydantic.v1 import Extra

    class M(V1Model):
        class Config:
            extra = Extra.forbid

        a: int
        b: str

    with pytest.raises(Exception) as info:
        M(b=None, c=1)
    assert type(info.value).__name__ == "ValidationError"
    text = str(info.value)
    assert text.startswith("3 validation errors for M")
    assert "field required (type=value_error.missing)" in text
    assert "none is not an allowed value (type=type_error.none.not_allowed)" in text
    assert "extra fields not permitted (type=value_error.extra)" in text
    with pytest.raises(Exception, match=r"value is not a valid integer \(type=type_error.integer\)"):
        M(a="x", b="s")


@pytest.fixture
def option(fix_code):
    def load(n: int) -> dict:
        namespace: dict = {"__name__": f"entry_option_{n}"}
        exec(compile(fix_code(SLUG, n), f"{SLUG} option {n}", "exec"), namespace)
        return namespace

    return load


def test_option1_accepts_the_real_shape_and_explains_the_rest(option):
    ns = option(1)  # its own demo runs while loading
    task = ns["Task"].model_validate(
        {"title": "Write tests", "priority": "HIGH ", "estimate_hours": "3h", "owner": "ada", "color": "red"}
    )
    assert (task.priority, task.estimate_hours, task.assignee) == ("high", 3.0, "ada")
    assert not hasattr(task, "color")
    assert ns["Task"].model_validate({"title": "t", "assignedTo": "bob"}).assignee == "bob"
    with pytest.raises(ValidationError) as info:
        ns["Task"].model_validate({"priority": "urgent"})
    explained = ns["explain"](info.value)
    assert "title: Field required (got {'priority': 'urgent'})" in explained
    assert "priority: Input should be 'low', 'medium' or 'high' (got 'urgent')" in explained


def test_option1_demo_output(fix_code):
    result = run_python(fix_code(SLUG, 1))
    assert result.returncode == 0, result.stderr
    assert "title='Write tests' priority='high' estimate_hours=3.0 assignee='ada'" in result.stdout
    assert "2 errors: title: Field required" in result.stdout


def test_option2_reasks_with_the_errors_and_gives_up_after_the_limit(option):
    ns = option(2)
    generate_valid, person = ns["generate_valid"], ns["Person"]
    prompts: list[str] = []
    replies = iter(['{"name": "Ada", "age": "thirty-six"}', '```json\n{"name": "Ada", "age": 36}\n```'])

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(replies)

    assert generate_valid(ask, person, "Extract the person.") == person(name="Ada", age=36)
    assert len(prompts) == 2
    assert '"required": ["name", "age"]' in prompts[0]  # the JSON schema is in the prompt
    assert "unable to parse string as an integer" in prompts[1]  # the exact errors are sent back

    calls: list[str] = []
    with pytest.raises(ValidationError, match="age"):
        generate_valid(lambda p: calls.append(p) or '{"name": "Ada"}', person, "Extract.", attempts=3)
    assert len(calls) == 3


def _chat_completion(request):
    body = request.json()
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    content = {"title": "Login crash", "severity": "high", "component": None}
    if set(schema["required"]) != {"title", "severity", "component"}:  # strict mode rule the entry states
        return 400, {
            "error": {"message": "schema: every property must be required", "type": "invalid_request_error"}
        }
    return 200, chat_completion(json.dumps(content), body["model"], refusal=None)


def test_option3_structured_output_parses_into_the_model(fix_code):
    import openai  # noqa: F401 (a dev-extra dependency of this option)

    with json_server(_chat_completion) as base:
        result = run_python(
            fix_code(SLUG, 3),
            env={"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": base + "/v1", "OPENAI_MODEL": "test-model"},
            timeout=30,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "title='Login crash' severity='high' component=None"
