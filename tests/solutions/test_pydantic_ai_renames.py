"""Verified fix for solutions/pydantic-ai-renames.md.

The project does not install Pydantic AI, so the installs are written to tmp_path with the shape of the
real wheels (checked on pydantic-ai-slim 0.0.20, 0.4.11, 1.107.10, 2.0.0 and 2.78.0): on 2.78.0
`pydantic_ai/models/openai/` is a package whose module `__getattr__` raises an ImportError naming the
V2 replacement, `Agent.__init__` takes no `**kwargs` (so `result_type=` is a plain TypeError) and there
is no `models/gemini.py`; on 0.0.20 `pydantic_ai/models/openai.py` is a module without OpenAIChatModel
and `run_sync` returns a `RunResult` with `.data` only. The tests reproduce the real error texts in a
child interpreter, then run the entry's own Option 1 script (read from the Markdown) against each install.
"""

import re
from pathlib import Path

from entry_tables import moved_names
from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args, script_names, succeeded

SLUG = "pydantic-ai-renames"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ROW = re.compile(r"^\| `from ([\w.]+) import (\w+)` \| `(from [\w.]+ import \w+)` \| ([\w-]+) \| ([^|]+) \|$")

# pydantic_ai/_removed_names.py of 2.78.0, as the module-level __getattr__ of models/openai and usage
REMOVED = """
def removed(module, replacements):
    def __getattr__(name):
        if name not in replacements:
            raise AttributeError(f'module {module!r} has no attribute {name!r}')
        raise ImportError(f'`{module}.{name}` was removed in Pydantic AI V2: {replacements[name]} '
                          'See https://pydantic.dev/docs/ai/overview/migration/', name=module)
    return __getattr__
"""
AGENT_V2 = """
class AgentRunResult:
    def __init__(self, output):
        self.output = output

class Agent:
    def __init__(self, model=None, *, output_type=str, retries=1, name=None):
        self.model, self.output_type = model, output_type

    def run_sync(self, prompt, *, output_type=None):
        return AgentRunResult('success (no tool calls)')
"""
AGENT_OLD = """
class RunResult:
    def __init__(self, data):
        self.data = data

class Agent:
    def __init__(self, model=None, *, result_type=str, result_tool_name='final_result', result_retries=None):
        self.model = model

    def run_sync(self, prompt, *, result_type=None):
        return RunResult('success (no tool calls)')
"""


def _site_v2(tmp_path):
    """pydantic-ai-slim 2.78.0: the names Pydantic AI V2 removed raise the V2 ImportError."""
    site = tmp_path / "site"
    write_file(site / "pydantic_ai" / "__init__.py", "from .agent import Agent, AgentRunResult\n")
    write_file(site / "pydantic_ai" / "agent" / "__init__.py", AGENT_V2)
    write_file(site / "pydantic_ai" / "_removed_names.py", REMOVED)
    write_file(site / "pydantic_ai" / "models" / "__init__.py")
    write_file(
        site / "pydantic_ai" / "models" / "openai" / "__init__.py",
        "from ..._removed_names import removed\n"
        "class OpenAIChatModel: pass\nclass OpenAIResponsesModel: pass\nclass OpenAIChatModelSettings(dict): pass\n"
        "__getattr__ = removed(__name__, {'OpenAIModel': 'use `OpenAIChatModel` (the same Chat Completions API), "
        "or `OpenAIResponsesModel`.', 'OpenAIModelSettings': 'use `OpenAIChatModelSettings`.'})\n",
    )
    write_file(site / "pydantic_ai" / "models" / "google.py", "class GoogleModel: pass\n")
    write_file(site / "pydantic_ai" / "providers" / "__init__.py")
    write_file(site / "pydantic_ai" / "providers" / "openai.py", "class OpenAIProvider: pass\n")
    fake_distribution(site, "pydantic-ai-slim", "2.78.0", top_level="pydantic_ai")
    fake_distribution(site, "pydantic", "2.14.4", top_level="pydantic")
    return site


def _site_old(tmp_path):
    """pydantic-ai-slim 0.0.20: models/openai.py has OpenAIModel(api_key=...) only, no providers package."""
    site = tmp_path / "site"
    write_file(site / "pydantic_ai" / "__init__.py", "from .agent import Agent\n")
    write_file(site / "pydantic_ai" / "agent.py", AGENT_OLD)
    write_file(site / "pydantic_ai" / "models" / "__init__.py")
    write_file(
        site / "pydantic_ai" / "models" / "openai.py",
        "class OpenAIModel:\n    def __init__(self, model_name, *, api_key=None, base_url=None):\n        pass\n",
    )
    fake_distribution(site, "pydantic-ai-slim", "0.0.20", top_level="pydantic_ai")
    return site


def _check(fix_code, site, tmp_path, text):
    return succeeded(["-c", fix_code(SLUG, 1), text], site, tmp_path)


def test_script_dict_matches_markdown_table(fix_code):
    assert script_names(fix_code(SLUG, 1))["MOVED"] == moved_names(MD, ROW)
    assert {name for _, name in moved_names(MD, ROW)} >= {"OpenAIModel", "Usage", "GeminiModel", "RunResult"}


def test_v1_code_on_v2(fix_code, tmp_path):
    site = _site_v2(tmp_path)
    repro = run_args(["-c", "from pydantic_ai.models.openai import OpenAIModel"], site, tmp_path)
    last = last_line(repro)
    assert last == (
        "ImportError: `pydantic_ai.models.openai.OpenAIModel` was removed in Pydantic AI V2: use `OpenAIChatModel` "
        "(the same Chat Completions API), or `OpenAIResponsesModel`. See https://pydantic.dev/docs/ai/overview/migration/"
    )
    out = _check(fix_code, site, tmp_path, last)
    assert "installed: pydantic-ai-slim 2.78.0, pydantic 2.14.4" in out
    assert (
        "from pydantic_ai.models.openai import OpenAIChatModel    # pip install -U pydantic-ai-slim; "
        "'from pydantic_ai.models.openai import OpenAIModel' fails from pydantic-ai 2.0"
    ) in out
    assert "predates" not in out

    repro = run_args(["-c", "from pydantic_ai.models.gemini import GeminiModel"], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'pydantic_ai.models.gemini'"
    assert "from pydantic_ai.models.google import GoogleModel" in _check(
        fix_code, site, tmp_path, last_line(repro)
    )


def test_result_type_and_data_on_v2(fix_code, tmp_path):
    site = _site_v2(tmp_path)
    repro = run_args(["-c", "from pydantic_ai import Agent; Agent('test', result_type=int)"], site, tmp_path)
    assert last_line(repro) == "TypeError: Agent.__init__() got an unexpected keyword argument 'result_type'"
    out = _check(fix_code, site, tmp_path, last_line(repro))
    assert "Agent(model, output_type=MyModel)" in out
    repro = run_args(
        ["-c", "from pydantic_ai import Agent; print(Agent('test').run_sync('hi').data)"], site, tmp_path
    )
    assert last_line(repro) == "AttributeError: 'AgentRunResult' object has no attribute 'data'"
    assert "result.output  # result.data removed in 0.6" in _check(fix_code, site, tmp_path, last_line(repro))
    text = "TypeError: OpenAIChatModel.__init__() got an unexpected keyword argument 'api_key'"
    assert "provider=OpenAIProvider(api_key=..., base_url=...)" in _check(fix_code, site, tmp_path, text)


def test_new_code_on_old_install(fix_code, tmp_path):
    site = _site_old(tmp_path)
    repro = run_args(["-c", "from pydantic_ai.models.openai import OpenAIChatModel"], site, tmp_path)
    last = last_line(repro)
    assert last.startswith(
        "ImportError: cannot import name 'OpenAIChatModel' from 'pydantic_ai.models.openai' ("
    )
    assert last.endswith("openai.py)")
    out = _check(fix_code, site, tmp_path, last)
    assert "installed: pydantic-ai-slim 0.0.20" in out
    assert (
        'pydantic-ai-slim 0.0.20 predates this API (needs 0.7.6+): pip install -U "pydantic-ai-slim[openai]>=0.7.6"'
        in out
    )
    repro = run_args(["-c", "from pydantic_ai import Agent; Agent('test', output_type=int)"], site, tmp_path)
    assert last_line(repro) == "TypeError: Agent.__init__() got an unexpected keyword argument 'output_type'"
    assert "(needs 0.1.0+)" in _check(fix_code, site, tmp_path, last_line(repro))
    repro = run_args(
        ["-c", "from pydantic_ai import Agent; Agent('test').run_sync('hi').output"], site, tmp_path
    )
    assert last_line(repro) == "AttributeError: 'RunResult' object has no attribute 'output'"
    assert "(needs 0.1.0+)" in _check(fix_code, site, tmp_path, last_line(repro))
    repro = run_args(["-c", "from pydantic_ai.providers.openai import OpenAIProvider"], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'pydantic_ai.providers'"
    assert "(needs 0.0.36+)" in _check(fix_code, site, tmp_path, last_line(repro))


def test_unknown_text_says_so(fix_code, tmp_path):
    out = _check(
        fix_code,
        _site_v2(tmp_path),
        tmp_path,
        "pydantic_core._pydantic_core.ValidationError: 1 validation error",
    )
    assert "no Pydantic AI rename recognised" in out
