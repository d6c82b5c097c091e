"""Verified fix for solutions/smolagents-renames.md.

The project does not install smolagents, so the installs are written to tmp_path with the shape of the
real wheels (checked on smolagents 1.13.0, 1.17.0 and 1.26.0): `smolagents/__init__.py` re-exports the
classes, `CodeAgent.__init__` passes unknown keywords on to `MultiStepAgent.__init__` (so the TypeError
names MultiStepAgent), 1.26.0 has InferenceClientModel and no HfApiModel, 1.13.0 the reverse, and
`smolagents/prompts/` holds only YAML files since 1.8. The tests reproduce the real error texts in a child
interpreter, then run the entry's own Option 1 script (read from the Markdown) against each install.
"""

import re
from pathlib import Path

from entry_tables import moved_names
from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args, script_names, succeeded

SLUG = "smolagents-renames"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ROW = re.compile(r"^\| `from ([\w.]+) import (\w+)` \| `(from [\w.]+ import \w+)` \| ([\w-]+) \| ([^|]+) \|$")

AGENTS = """
class MultiStepAgent:
    def __init__(self, tools, model, prompt_templates=None, {extra}max_steps=20, managed_agents=None, name=None,
                 description=None):
        self.tools, self.model = tools, model

class CodeAgent(MultiStepAgent):
    def __init__(self, tools, model, prompt_templates=None, additional_authorized_imports=None, executor_type="local",
                 **kwargs):
        super().__init__(tools=tools, model=model, prompt_templates=prompt_templates, **kwargs)

class ToolCallingAgent(MultiStepAgent):
    pass
"""


def _site(tmp_path, version: str, models: str, extra: str = ""):
    site = tmp_path / "site"
    write_file(site / "smolagents" / "agents.py", AGENTS.format(extra=extra))
    write_file(site / "smolagents" / "models.py", models)
    write_file(
        site / "smolagents" / "prompts" / "code_agent.yaml",
        "system_prompt: |-\n  You are an expert assistant\n",
    )
    write_file(
        site / "smolagents" / "__init__.py",
        "from .agents import *\nfrom .models import *\nfrom .agents import CodeAgent, ToolCallingAgent, MultiStepAgent\n",
    )
    fake_distribution(site, "smolagents", version, top_level="smolagents")
    return site


def _new(tmp_path):  # smolagents 1.26.0
    models = (
        "class InferenceClientModel: pass\nclass OpenAIServerModel: pass\nOpenAIModel = OpenAIServerModel\n"
    )
    return _site(tmp_path, "1.26.0", models, extra="instructions=None, ")


def _old(tmp_path):  # smolagents 1.13.0
    return _site(tmp_path, "1.13.0", "class HfApiModel: pass\nclass OpenAIServerModel: pass\n")


def _check(fix_code, site, tmp_path, text):
    return succeeded(["-c", fix_code(SLUG, 1), text], site, tmp_path)


def test_script_dict_matches_markdown_table(fix_code):
    assert script_names(fix_code(SLUG, 1))["MOVED"] == moved_names(MD, ROW)
    assert {name for _, name in moved_names(MD, ROW)} >= {"HfApiModel", "ManagedAgent", "CODE_SYSTEM_PROMPT"}


def test_old_names_on_new_release(fix_code, tmp_path):
    site = _new(tmp_path)
    repro = run_args(["-c", "from smolagents import CodeAgent, HfApiModel"], site, tmp_path)
    last = last_line(repro)
    assert last.startswith("ImportError: cannot import name 'HfApiModel' from 'smolagents' (")
    assert last.endswith("__init__.py)")
    out = _check(fix_code, site, tmp_path, last)
    assert "installed: smolagents 1.26.0" in out
    assert (
        "from smolagents import InferenceClientModel    # pip install -U smolagents; "
        "'from smolagents import HfApiModel' fails from smolagents 1.19 (renamed 1.14)"
    ) in out
    assert "predates" not in out

    repro = run_args(["-c", "from smolagents.prompts import CODE_SYSTEM_PROMPT"], site, tmp_path)
    assert (
        last_line(repro)
        == "ImportError: cannot import name 'CODE_SYSTEM_PROMPT' from 'smolagents.prompts' (unknown location)"
    )
    assert "from smolagents import PromptTemplates" in _check(fix_code, site, tmp_path, last_line(repro))


def test_removed_agent_keywords(fix_code, tmp_path):
    site = _new(tmp_path)
    code = (
        "from smolagents import CodeAgent\nCodeAgent(tools=[], model=None, system_prompt='You are helpful.')"
    )
    repro = run_args(["-c", code], site, tmp_path)
    assert (
        last_line(repro)
        == "TypeError: MultiStepAgent.__init__() got an unexpected keyword argument 'system_prompt'"
    )
    out = _check(fix_code, site, tmp_path, last_line(repro))
    assert (
        "system_prompt= is rejected from smolagents 1.8: CodeAgent(tools, model, instructions='...')" in out
    )
    text = "TypeError: MultiStepAgent.__init__() got an unexpected keyword argument 'use_e2b_executor'"
    assert "executor_type='e2b'" in _check(fix_code, site, tmp_path, text)


def test_new_names_on_old_release(fix_code, tmp_path):
    site = _old(tmp_path)
    repro = run_args(["-c", "from smolagents import InferenceClientModel"], site, tmp_path)
    assert last_line(repro).startswith(
        "ImportError: cannot import name 'InferenceClientModel' from 'smolagents' ("
    )
    out = _check(fix_code, site, tmp_path, last_line(repro))
    assert 'smolagents 1.13.0 predates this API (needs 1.14.0+): pip install -U "smolagents>=1.14.0"' in out
    code = "from smolagents import CodeAgent\nCodeAgent(tools=[], model=None, instructions='Be brief.')"
    repro = run_args(["-c", code], site, tmp_path)
    assert (
        last_line(repro)
        == "TypeError: MultiStepAgent.__init__() got an unexpected keyword argument 'instructions'"
    )
    assert "(needs 1.19.0+)" in _check(fix_code, site, tmp_path, last_line(repro))


def test_unknown_text_says_so(fix_code, tmp_path):
    out = _check(fix_code, _new(tmp_path), tmp_path, "ModuleNotFoundError: No module named 'smolagents'")
    assert "no smolagents rename recognised" in out
