"""Verified fix for solutions/llm-unsupported-parameter.md.

The project does not install openai, so a fake `openai` package is written to tmp_path: its
`OpenAI().chat.completions.create()` validates the body per model the way the API does (rules and
message texts from the issue threads the entry cites; the `Error code: 400 - {...}` form is what
openai-python 1.109.1 printed for those bodies from a local server). The test reproduces the real
400 in a child interpreter, checks it is one of the entry's signatures, then runs the entry's own
Option 1 code: the kwargs it builds are accepted for every model family, and `repair_from_error`
turns each rejected request into an accepted one in a single step.
"""

from pathlib import Path

import pytest
from fake_site import fake_distribution
from pyrun import last_line, run_args, run_python, script_names

from app.corpus.entries import parse_entry

SLUG = "llm-unsupported-parameter"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

FAKE_OPENAI = r"""
import re

REASONING = re.compile(r"^(o\d|gpt-5(?!.*-chat))")


class BadRequestError(Exception):
    def __init__(self, body):
        self.body = body["error"]
        self.param, self.code = self.body["param"], self.body["code"]
        super().__init__(f"Error code: 400 - {body!r}")


def _reject(message, param, code):
    raise BadRequestError({"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}})


class _Completions:
    def create(self, *, model, messages, **kw):
        if REASONING.match(model):
            if "max_tokens" in kw:
                _reject("Unsupported parameter: 'max_tokens' is not supported with this model. "
                        "Use 'max_completion_tokens' instead.", "max_tokens", "unsupported_parameter")
            sampling_ok = model.startswith("gpt-5") and kw.get("reasoning_effort") == "none"
            if "temperature" in kw and kw["temperature"] != 1 and not sampling_ok:
                _reject(f"Unsupported value: 'temperature' does not support {kw['temperature']} with this model. "
                        "Only the default (1) value is supported.", "temperature", "unsupported_value")
            for key in ("top_p", "presence_penalty", "frequency_penalty", "logprobs"):
                if key in kw and not sampling_ok:
                    _reject(f"Unsupported parameter: '{key}' is not supported with this model.", key,
                            "unsupported_parameter")
            if model.startswith(("o1-mini", "o1-preview")):
                for i, message in enumerate(messages):
                    if message["role"] == "system":
                        _reject(f"Unsupported value: 'messages[{i}].role' does not support 'system' with this model.",
                                f"messages[{i}].role", "unsupported_value")
        elif "reasoning_effort" in kw:
            _reject("Unrecognized request argument supplied: reasoning_effort", None, None)
        return {"model": model, "sent": sorted(kw)}


class _Chat:
    completions = _Completions()


class OpenAI:
    def __init__(self, **kwargs):
        self.chat = _Chat()
"""

MESSAGES = [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "2+2?"}]
GPT4O_STYLE = {"max_tokens": 200, "temperature": 0.2, "top_p": 0.9, "presence_penalty": 0.1}
MODELS = ["gpt-4o", "o1-mini", "o3-mini", "o4-mini", "gpt-5-mini", "gpt-5.2", "gpt-5.2-chat-latest"]


@pytest.fixture
def site(tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "openai", "1.109.1", {"openai/__init__.py": FAKE_OPENAI})
    return site


@pytest.fixture
def entry(fix_code):
    return script_names(fix_code(SLUG, 1))


def _call(site, tmp_path, model, kwargs):
    code = (
        "import openai\n"
        f"openai.OpenAI(api_key='sk-test').chat.completions.create(model={model!r}, messages={MESSAGES!r}, **{kwargs!r})\n"
    )
    return run_python(code, path=site, cwd=tmp_path)


def test_reproduces_the_real_400s_and_they_are_signatures(site, tmp_path):
    signatures = parse_entry(MD).errors
    repro = _call(site, tmp_path, "o3-mini", GPT4O_STYLE)
    assert last_line(repro) in signatures
    assert "Use 'max_completion_tokens' instead." in last_line(repro)
    repro = _call(site, tmp_path, "gpt-5-mini", {"temperature": 0.2})
    assert last_line(repro) in signatures
    repro = _call(site, tmp_path, "gpt-4o-mini", {"reasoning_effort": "low"})
    assert last_line(repro) in signatures
    assert _call(site, tmp_path, "gpt-4o", GPT4O_STYLE).returncode == 0


def test_option1_kwargs_are_accepted_by_every_family(entry, site, tmp_path):
    build = entry["openai_chat_kwargs"]
    for model in MODELS:
        kwargs = build(model, MESSAGES, reasoning_effort="low", **GPT4O_STYLE)
        assert kwargs["model"] == model
        code = f"import openai\nprint(openai.OpenAI().chat.completions.create(**{kwargs!r}))\n"
        result = run_python(code, path=site, cwd=tmp_path)
        assert result.returncode == 0, (model, kwargs, result.stderr)
    assert build("gpt-4o", MESSAGES, **GPT4O_STYLE, reasoning_effort="low") == {
        "model": "gpt-4o",
        "messages": MESSAGES,
        **GPT4O_STYLE,
    }
    o3 = build("openai/o3-mini", MESSAGES, **GPT4O_STYLE)
    assert o3 == {"model": "openai/o3-mini", "messages": MESSAGES, "max_completion_tokens": 200}
    assert [m["role"] for m in build("o1-mini", MESSAGES)["messages"]] == ["user", "user"]
    assert build("gpt-5.2", MESSAGES, temperature=0.2, reasoning_effort="none")["temperature"] == 0.2
    assert build("o3", MESSAGES, temperature=1)["temperature"] == 1


def test_repair_from_error_fixes_each_rejection_in_one_step(entry, site, tmp_path):
    repair = entry["repair_from_error"]
    code_for = "import openai\nprint(openai.OpenAI().chat.completions.create(**{!r}))\n".format
    cases = [
        ("o3-mini", {"max_tokens": 200}),
        ("gpt-5-mini", {"temperature": 0.2}),
        ("o4-mini", {"top_p": 0.9}),
        ("o1-mini", {}),
        ("gpt-4o-mini", {"reasoning_effort": "low"}),
    ]
    for model, params in cases:
        kwargs = {"model": model, "messages": MESSAGES, **params}
        failed = run_python(code_for(kwargs), path=site, cwd=tmp_path)
        assert failed.returncode != 0
        fixed = repair(kwargs, last_line(failed))
        assert fixed is not None, last_line(failed)
        result = run_python(code_for(fixed), path=site, cwd=tmp_path)
        assert result.returncode == 0, (model, fixed, result.stderr)
    assert repair(
        {"model": "o3", "max_tokens": 5},
        "Error code: 400 - Unsupported parameter: 'max_tokens' is "
        "not supported with this model. Use 'max_completion_tokens' instead.",
    ) == {"model": "o3", "max_completion_tokens": 5}


def test_anthropic_and_litellm_wordings(entry):
    build, repair = entry["anthropic_kwargs"], entry["repair_from_error"]
    msgs = MESSAGES[1:]
    both = build("claude-sonnet-4-5-20250929", msgs, max_tokens=200000, temperature=0.2, top_p=0.9)
    assert both == {
        "model": "claude-sonnet-4-5-20250929",
        "messages": msgs,
        "max_tokens": 64000,
        "temperature": 0.2,
    }
    assert build("anthropic/claude-opus-4-7", msgs, max_tokens=1024, temperature=0.2, top_k=5) == {
        "model": "anthropic/claude-opus-4-7",
        "messages": msgs,
        "max_tokens": 1024,
    }
    base = {"model": "claude-x", "messages": msgs, "max_tokens": 128001, "temperature": 0.2, "top_p": 0.9}
    assert (
        repair(
            base,
            "max_tokens: 128001 > 64000, which is the maximum allowed number of output tokens for "
            "claude-opus-4-5-20251101",
        )["max_tokens"]
        == 64000
    )
    assert "top_p" not in repair(
        base, "`temperature` and `top_p` cannot both be specified for this model. Please use only one."
    )
    assert "temperature" not in repair(
        base,
        "anthropic.BadRequestError: 400 `temperature` is deprecated for this "
        "model. (path: /v1/messages, type: invalid_request_error)",
    )
    litellm_texts = [t for t in parse_entry(MD).errors if "UnsupportedParamsError" in t]
    assert len(litellm_texts) >= 4
    for text in litellm_texts:
        assert "temperature" not in repair(base, text), text
    cap = "max_tokens is too large: 8192. This model supports at most 4096 completion tokens, whereas you provided 8192."
    assert repair({"model": "gpt-4-1106-preview", "max_tokens": 8192}, cap)["max_tokens"] == 4096
    assert repair({"model": "gpt-4o", "max_completion_tokens": 8192}, cap) == {
        "model": "gpt-4o",
        "max_completion_tokens": 4096,
    }
    # not this entry's errors: nothing to repair
    assert (
        repair(
            base,
            "This model's maximum context length is 128000 tokens. However, your messages resulted "
            "in 130000 tokens. Please reduce the length of the messages.",
        )
        is None
    )
    assert repair(base, "openai.RateLimitError: Error code: 429") is None


def test_option1_runs_as_a_script(fix_code, tmp_path):
    script = tmp_path / "opt1.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = run_args([str(script)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "o3-mini {'model': 'o3-mini', 'reasoning_effort': 'low', 'max_completion_tokens': 200}"
        in result.stdout
    )
