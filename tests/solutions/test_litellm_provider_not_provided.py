"""Verified fix for solutions/litellm-provider-not-provided.md.

The project does not install LiteLLM, so the tests write a fake `litellm` to tmp_path, shaped like the
real releases (checked on litellm 1.14.4, 1.55.10 and 1.110.2): `litellm.get_llm_provider(model,
custom_llm_provider=None, api_base=None, ...)` returns `(model, provider, api_key, api_base)` for a model
with a prefix from `litellm.provider_list` (removing it), for a bare name in the model list that ships
with the release, or with `custom_llm_provider`; anything else raises the real message, as
`litellm.exceptions.BadRequestError` (whose text starts `litellm.BadRequestError: `) on current releases
and as `ValueError` on 1.14 (whose provider list has no `ollama_chat`, `gemini`, `hosted_vllm`). A bare
provider name fails on `model.split("/", 1)[1]`, which current releases wrap as `GetLLMProvider
Exception`. The tests reproduce the real texts in a child interpreter, then run the entry's own Option 1
script against each install.
"""

from fake_site import fake_distribution, write_file
from pyrun import run_args, succeeded

SLUG = "litellm-provider-not-provided"

NEW_INIT = """\
import enum

from litellm import exceptions

suppress_debug_info = False


class LlmProviders(str, enum.Enum):  # 1.110 lists str enums; `"ollama" in provider_list` is True
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    AZURE = "azure"
    OLLAMA = "ollama"
    OLLAMA_CHAT = "ollama_chat"
    GEMINI = "gemini"
    OPENROUTER = "openrouter"
    HUGGINGFACE = "huggingface"
    HOSTED_VLLM = "hosted_vllm"
    LM_STUDIO = "lm_studio"
    MISTRAL = "mistral"
    GROQ = "groq"
    DEEPSEEK = "deepseek"


provider_list = list(LlmProviders)
open_ai_chat_completion_models = {"gpt-4o", "gpt-4o-mini"}
anthropic_models = {"claude-sonnet-4-5"}


def get_llm_provider(model, custom_llm_provider=None, api_base=None, api_key=None, litellm_params=None):
    try:
        if custom_llm_provider:
            return model, custom_llm_provider, None, api_base
        if model.split("/", 1)[0] in provider_list:
            custom_llm_provider = model.split("/", 1)[0]
            model = model.split("/", 1)[1]
            return model, custom_llm_provider, None, api_base
        if model in open_ai_chat_completion_models:
            custom_llm_provider = "openai"
        elif model in anthropic_models:
            custom_llm_provider = "anthropic"
        if not custom_llm_provider:
            if suppress_debug_info is False:
                print()
                print("\\033[1;31mProvider List: https://docs.litellm.ai/docs/providers\\033[0m")
                print()
            error_str = (
                f"LLM Provider NOT provided. Pass in the LLM provider you are trying to call. You passed model={model}"
                "\\n Pass model as E.g. For 'Huggingface' inference endpoints pass in "
                "`completion(model='huggingface/starcoder',..)` Learn more: https://docs.litellm.ai/docs/providers"
            )
            raise exceptions.BadRequestError(message=error_str, model=model, response=None, llm_provider="")
        return model, custom_llm_provider, None, api_base
    except Exception as e:
        if isinstance(e, exceptions.BadRequestError):
            raise e
        raise exceptions.BadRequestError(
            message=f"GetLLMProvider Exception - {e}\\n\\noriginal model: {model}",
            model=model,
            response=None,
            llm_provider="",
        )


def completion(model=None, messages=None, **kwargs):
    model, provider, _, api_base = get_llm_provider(
        model, kwargs.get("custom_llm_provider"), kwargs.get("api_base")
    )
    return {"provider": provider, "model": model, "api_base": api_base}
"""

NEW_EXCEPTIONS = """\
class BadRequestError(Exception):  # the real class derives from openai.BadRequestError
    def __init__(self, message, model, llm_provider, response=None, litellm_debug_info=None):
        self.status_code = 400
        self.message = f"litellm.BadRequestError: {message}"
        self.model = model
        self.llm_provider = llm_provider
        super().__init__(self.message)

    def __str__(self):
        return self.message
"""

OLD_INIT = """\
provider_list = ["openai", "azure", "anthropic", "huggingface", "ollama", "openrouter", "mistral"]
open_ai_chat_models = ["gpt-4", "gpt-3.5-turbo"]


def get_llm_provider(model, custom_llm_provider=None, api_base=None):
    if custom_llm_provider:
        return model, custom_llm_provider, None, api_base
    if model.split("/", 1)[0] in provider_list:
        custom_llm_provider = model.split("/", 1)[0]
        model = model.split("/", 1)[1]
        return model, custom_llm_provider, None, api_base
    if model in open_ai_chat_models:
        return model, "openai", None, api_base
    print()
    print("\\033[1;31mProvider List: https://docs.litellm.ai/docs/providers\\033[0m")
    print()
    raise ValueError(
        "LLM Provider NOT provided. Pass in the LLM provider you are trying to call. E.g. For 'Huggingface' "
        f"inference endpoints pass in `completion(model='huggingface/{model}',..)` "
        "Learn more: https://docs.litellm.ai/docs/providers"
    )
"""


def _site(tmp_path, old: bool = False):
    site = tmp_path / "site"
    if old:
        write_file(site / "litellm" / "__init__.py", OLD_INIT)
        fake_distribution(site, "litellm", "1.14.4", top_level="litellm")
    else:
        write_file(site / "litellm" / "__init__.py", NEW_INIT)
        write_file(site / "litellm" / "exceptions.py", NEW_EXCEPTIONS)
        fake_distribution(site, "litellm", "1.110.2", top_level="litellm")
    return site


def _check(fix_code, site, tmp_path, *args: str) -> str:
    return succeeded(["-c", fix_code(SLUG, 1), *args], site, tmp_path)


def test_reproduces_the_real_messages(tmp_path):
    site = _site(tmp_path)
    call = "import litellm; litellm.completion(model={!r}, messages=[{{'role': 'user', 'content': 'hi'}}])"
    repro = run_args(["-c", call.format("llama3")], site, tmp_path)
    assert (
        "litellm.exceptions.BadRequestError: litellm.BadRequestError: LLM Provider NOT provided. Pass in the "
        "LLM provider you are trying to call. You passed model=llama3\n Pass model as E.g. For 'Huggingface' "
        "inference endpoints pass in `completion(model='huggingface/starcoder',..)`"
    ) in repro.stderr
    assert "Provider List: https://docs.litellm.ai/docs/providers" in repro.stdout
    repro = run_args(["-c", call.format("mistral")], site, tmp_path)
    assert (
        "litellm.BadRequestError: GetLLMProvider Exception - list index out of range\n\noriginal model: mistral"
        in (repro.stderr)
    )
    fixed = run_args(
        ["-c", "import litellm; print(litellm.completion(model='ollama_chat/llama3'))"], site, tmp_path
    )
    assert "'provider': 'ollama_chat', 'model': 'llama3'" in fixed.stdout


def test_bare_local_model_gets_prefixed_candidates(fix_code, tmp_path):
    site = _site(tmp_path)
    out = _check(fix_code, site, tmp_path, "llama3")
    assert "litellm 1.110.2: model='llama3' -> LLM Provider NOT provided" in out
    assert 'model="ollama_chat/llama3"    # Ollama: api_base="http://localhost:11434" (no /v1)' in out
    assert 'model="ollama/llama3"' in out
    assert 'model="openai/llama3"' in out
    assert "Provider List" not in out  # the banner of get_llm_provider is swallowed
    assert "huggingface/" not in out and "anthropic/" not in out


def test_pasted_error_and_openai_compatible_base_url(fix_code, tmp_path):
    site = _site(tmp_path)
    text = (
        "litellm.exceptions.BadRequestError: litellm.BadRequestError: LLM Provider NOT provided. Pass in the LLM "
        "provider you are trying to call. You passed model=Qwen/Qwen2.5-7B-Instruct\n Pass model as E.g. For "
        "'Huggingface' inference endpoints pass in `completion(model='huggingface/starcoder',..)` Learn more: "
        "https://docs.litellm.ai/docs/providers"
    )
    out = _check(fix_code, site, tmp_path, text, "http://localhost:8000/v1")
    assert "model='Qwen/Qwen2.5-7B-Instruct' -> LLM Provider NOT provided" in out
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("model=")]
    assert lines[0].startswith('model="openai/Qwen/Qwen2.5-7B-Instruct"')
    assert 'api_base="http://localhost:8000/v1"' in lines[0]
    assert not any("ollama" in line for line in lines)  # a vLLM URL is not Ollama


def test_routable_models_case_and_provider_names(fix_code, tmp_path):
    site = _site(tmp_path)
    out = _check(fix_code, site, tmp_path, "ollama/llama3")
    assert "model='ollama/llama3' -> provider 'ollama': LiteLLM can route it" in out
    out = _check(fix_code, site, tmp_path, "gpt-4o")
    assert "provider 'openai'" in out
    out = _check(fix_code, site, tmp_path, "Ollama/llama3")
    assert 'model="ollama/llama3"    # provider prefixes are lower case' in out
    text = "litellm.BadRequestError: GetLLMProvider Exception - list index out of range\n\noriginal model: mistral"
    out = _check(fix_code, site, tmp_path, text)
    assert "'mistral' is a provider name, not a model: write mistral/<model id>" in out
    out = _check(fix_code, site, tmp_path, "claude-3-5-sonnet-20241022")
    assert 'model="anthropic/claude-3-5-sonnet-20241022"' in out
    assert "ollama" not in out


def test_old_release_without_newer_prefixes(fix_code, tmp_path):
    site = _site(tmp_path, old=True)
    repro = run_args(["-c", "import litellm; litellm.get_llm_provider('ollama_chat/llama3')"], site, tmp_path)
    assert repro.stderr.strip().splitlines()[-1] == (
        "ValueError: LLM Provider NOT provided. Pass in the LLM provider you are trying to call. E.g. For "
        "'Huggingface' inference endpoints pass in `completion(model='huggingface/ollama_chat/llama3',..)` "
        "Learn more: https://docs.litellm.ai/docs/providers"
    )
    out = _check(fix_code, site, tmp_path, repro.stderr)
    assert "litellm 1.14.4: model='ollama_chat/llama3' -> LLM Provider NOT provided" in out
    assert "litellm 1.14.4 predates the 'ollama_chat' provider: pip install -U litellm" in out
    assert 'model="ollama/llama3"' in out
    assert 'model="ollama_chat/' not in out  # not offered: this release rejects it
    out = _check(fix_code, site, tmp_path, "gemini/gemini-1.5-pro")
    assert "predates the 'gemini' provider" in out
    assert "no candidate: see docs.litellm.ai/docs/providers" in out
