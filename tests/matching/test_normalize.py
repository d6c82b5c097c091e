"""Normalisation: run-specific values become placeholders; the words that decide a fix stay."""

from __future__ import annotations

import pytest

from synapse_skill.matching.normalize import normalize, shape, slot_values, tokens


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("object at 0x7f3a2b1c", "object at _hex_"),
        ("id 123e4567-e89b-12d3-a456-426614174000 failed", "id _uuid_ failed"),
        ("at 2025-01-02 10:11:12 it broke", "at _date_ it broke"),
        ("took 1.5s", "took _duration_"),
        ("allocate 2.00 GiB", "allocate _num_ gib"),
        ("connect to 10.1.2.3:5432", "connect to _ip_"),
        ("see https://platform.openai.com/account/api-keys now", "see platform.openai.com now"),
        ("File /home/alice/project/app.py, line 3", "file _path_ app.py , line 3"),
        ("C:\\Users\\bob\\proj\\main.py failed", "_path_ main.py failed"),
        (  # botocore: the error code stays, the operation it happened in goes
            "An error occurred (ThrottlingException) when calling the InvokeModel operation (reached max "
            "retries: 4): Too many requests",
            "throttlingexception: too many requests",
        ),
    ],
)
def test_placeholders(raw, expected):
    assert normalize(raw) == expected


def test_decisive_words_survive():
    assert "choices" in tokens(normalize("KeyError: 'choices'"))
    assert "requests" in tokens(normalize("No module named 'requests'"))
    assert "98" in tokens(normalize("OSError: [Errno 98] Address already in use"))
    assert "429" in tokens(normalize("Error code: 429"))


def test_env_var_shaped_values_are_tagged():
    assert "_qenv_" in tokens(normalize("KeyError: 'OPENAI_API_KEY'"))
    assert "_qenv_" not in tokens(normalize("KeyError: 'choices'"))


def test_snake_case_names_split_into_words():
    assert tokens(normalize("KeyError: 'ANTHROPIC_API_KEY'"))[:4] == ["keyerror", "anthropic", "api", "key"]


def test_contractions_do_not_open_a_quote():
    assert (
        normalize("We couldn't connect to 'https://huggingface.co'")
        == "we could not connect to huggingface.co"
    )


def test_slot_values_are_short_quoted_values_only():
    assert slot_values("KeyError: 'OPENAI_API_KEY'") == ["OPENAI_API_KEY"]
    assert slot_values(
        "{'message': 'Rate limit reached for gpt-4o in organization org-x on tokens per min'}"
    ) == ["message"]


def test_dunder_names_are_words_not_placeholders():
    # `__main__` and `__init__` are identifiers; only the normaliser's own `_path_`-style
    # placeholders, standing alone, are placeholders
    assert tokens(normalize('File "app.py", in __init__ and __main__')) == [
        "file",
        "app",
        "py",
        "in",
        "init",
        "and",
        "main",
    ]
    assert "_path_" in tokens(normalize("at /srv/app/main.py"))


@pytest.mark.parametrize(
    "unquoted",
    [
        "/home/dev/app/.venv/bin/python: No module named uvicorn",  # `python -m uvicorn` (runpy)
        "C:\\Python311\\python.exe: No module named uvicorn",
        "ImportError: No module named uvicorn",  # Python 2
    ],
)
def test_an_unquoted_module_name_reads_as_python_3_s_quoted_one(unquoted):
    # the same missing module, so the same words and the same varying part as Python 3's message
    quoted = "No module named 'uvicorn'"
    assert slot_values(unquoted) == slot_values(quoted) == ["uvicorn"]
    assert shape(unquoted)[-4:] == shape(quoted)
    assert "python" not in tokens(normalize(unquoted))


def test_only_a_module_name_after_no_module_named_is_quoted():
    assert slot_values("run: No module named z; 'z' is not a package") == ["z", "z"]
    assert slot_values("ImportError: No module named 'x'") == ["x"]
    assert slot_values("see python.org: no modules here") == []
