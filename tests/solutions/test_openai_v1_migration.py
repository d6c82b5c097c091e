"""solutions/openai-v1-migration.md: 0.x-style dict access on the typed responses of openai>=1.

openai 0.x returned `OpenAIObject`, a dict subclass, so `resp["choices"]` and `resp.get("choices")`
worked. From 1.0 on, `client.chat.completions.create()` returns pydantic models: a half-ported call
site fails on the first dict access. The venv's real openai SDK talks to a local stand-in of the
chat completions endpoint; the errors it raises must be the entry's signatures word for word, and
the entry's fix (attributes, or `model_dump()` where old code needs a dict) must read the reply.
"""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
from fake_http import json_server

from app.corpus.entries import parse_entry

SLUG = "openai-v1-migration"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")


def _chat(request) -> tuple:
    body = request.json()
    message = {"role": "assistant", "content": "Bonjour"}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return 200, {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": body["model"],
        "choices": [choice],
    }


@pytest.fixture(scope="module")
def response():
    with json_server(_chat) as base:
        client = openai.OpenAI(api_key="sk-test", base_url=base + "/v1", max_retries=0, timeout=10)
        messages = [{"role": "user", "content": "Say hello in French"}]
        yield client.chat.completions.create(model="gpt-6-luna", messages=messages)


def _error(call) -> str:
    with pytest.raises(Exception) as caught:
        call()
    return f"{type(caught.value).__name__}: {caught.value}"


@pytest.mark.parametrize(
    "old_style",
    [
        lambda r: r.get("choices"),  # resp.get("choices")[0]...
        lambda r: r.choices[0].message.get("content"),  # half-ported: attribute, then .get
        lambda r: r["choices"][0]["message"]["content"],  # resp["choices"]...
    ],
    ids=["response.get", "message.get", "subscript"],
)
def test_dict_access_on_a_v1_response_raises_a_signature_of_the_entry(response, old_style):
    assert _error(lambda: old_style(response)) in ENTRY.errors


def test_the_get_wordings_are_these(response):
    assert (
        _error(lambda: response.get("choices"))
        == "AttributeError: 'ChatCompletion' object has no attribute 'get'"
    )
    assert (
        _error(lambda: response.choices[0].message.get("content"))
        == "AttributeError: 'ChatCompletionMessage' object has no attribute 'get'"
    )


def test_the_fix_reads_the_reply(response):
    assert response.choices[0].message.content == "Bonjour"  # Option 1: attributes
    as_dict = response.model_dump()  # Option 1's note: a dict for old code downstream
    assert as_dict.get("choices")[0]["message"].get("content") == "Bonjour"
