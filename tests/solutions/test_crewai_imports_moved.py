"""Verified fix for solutions/crewai-imports-moved.md.

The project does not install CrewAI (crewai 1.x pulls chromadb, lancedb, tokenizers...), so the installs
are written to tmp_path with the shape of the real wheels (read on crewai 0.51.1, 0.76.9, 0.79.0, 1.15.30
and crewai-tools 0.8.3, 0.17.0, 0.25.0, 1.15.30): `crewai/tools/__init__.py` is empty up to 0.76.9 and
exports BaseTool and tool from 0.79.0; `crewai_tools/__init__.py` exports BaseTool, Tool and tool up to
0.17.0 (0.14.0-0.17.0 by importing crewai.tools.base_tool) and none of them from 0.25.0. The tests
reproduce the real ImportError / ModuleNotFoundError texts in a child interpreter, then run the entry's
own Option 1 script (read from the Markdown) against each install. Children run with -S: the fake
site is on PYTHONPATH, and metadata lookups then skip the project's own site-packages (faster, and a
crewai installed there cannot leak in).
"""

import re
from pathlib import Path

from entry_tables import moved_names
from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args, script_names

SLUG = "crewai-imports-moved"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ROW = re.compile(r"^\| `from ([\w.]+) import (\w+)` \| `(from [\w.]+ import \w+)` \| ([\w-]+) \| ([^|]+) \|$")


def _site_new(tmp_path, crewai="1.15.30", tools="1.15.30"):
    """crewai + crewai-tools 1.15.30: the tool classes live in crewai.tools only."""
    site = tmp_path / "site"
    write_file(site / "crewai" / "__init__.py", "Agent = Crew = Process = Task = LLM = Flow = object\n")
    write_file(
        site / "crewai" / "tools" / "__init__.py",
        "from crewai.tools.base_tool import BaseTool, EnvVar, tool\n",
    )
    write_file(
        site / "crewai" / "tools" / "base_tool.py",
        "BaseTool = Tool = EnvVar = object\n\n\ndef tool(*args):\n    return args\n",
    )
    write_file(site / "crewai_tools" / "__init__.py", "from crewai_tools.tools.rag.rag_tool import RagTool\n")
    write_file(site / "crewai_tools" / "tools" / "__init__.py")
    write_file(site / "crewai_tools" / "tools" / "rag" / "__init__.py")
    write_file(site / "crewai_tools" / "tools" / "rag" / "rag_tool.py", "RagTool = object\n")
    fake_distribution(site, "crewai", crewai, top_level="crewai")
    fake_distribution(site, "crewai-tools", tools, requires=[f"crewai=={tools}"], top_level="crewai_tools")
    return site


def _site_old(tmp_path, crewai="0.51.1", tools="0.8.3"):
    """crewai 0.51.1 + crewai-tools 0.8.3 (the pair its tools extra pins): tools in crewai_tools."""
    site = tmp_path / "site"
    write_file(site / "crewai" / "__init__.py", "Agent = Crew = Process = Task = Pipeline = object\n")
    write_file(site / "crewai" / "tools" / "__init__.py")  # empty up to 0.76.9
    write_file(site / "crewai" / "tools" / "agent_tools.py")
    write_file(site / "crewai_tools" / "__init__.py", "from .tools.base_tool import BaseTool, Tool, tool\n")
    write_file(site / "crewai_tools" / "tools" / "__init__.py")
    write_file(
        site / "crewai_tools" / "tools" / "base_tool.py",
        "BaseTool = Tool = object\n\n\ndef tool(*a):\n    return a\n",
    )
    fake_distribution(site, "crewai", crewai, top_level="crewai")
    fake_distribution(site, "crewai-tools", tools, top_level="crewai_tools")
    return site


def test_script_dict_matches_markdown_table(fix_code):
    assert script_names(fix_code(SLUG, 1))["MOVED"] == moved_names(MD, ROW)
    assert {name for _, name in moved_names(MD, ROW)} >= {"BaseTool", "tool", "Tool", "Pipeline", "Router"}


def test_basetool_moved_to_crewai_tools(fix_code, tmp_path):
    site = _site_new(tmp_path)
    repro = run_args(["-S", "-c", "from crewai_tools import BaseTool"], site, tmp_path)
    last = last_line(repro)
    assert last.startswith("ImportError: cannot import name 'BaseTool' from 'crewai_tools' (")
    assert last.endswith("__init__.py)")
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last], site, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "installed: crewai 1.15.30, crewai-tools 1.15.30" in out
    assert "tool imports for crewai 1.15.30: from crewai.tools import BaseTool, tool" in out
    assert (
        "from crewai.tools import BaseTool    # pip install -U crewai; 'from crewai_tools import BaseTool' "
        "fails from crewai-tools 0.25.0 (new import from crewai 0.79.0)"
    ) in out
    assert "MISMATCH" not in out and "BROKEN" not in out
    # the import the script prints works on this install
    fixed = run_args(["-S", "-c", "from crewai.tools import BaseTool, tool; print('ok')"], site, tmp_path)
    assert fixed.stdout.strip() == "ok", fixed.stderr
    repro = run_args(["-S", "-c", "from crewai_tools import tool"], site, tmp_path)
    assert last_line(repro).startswith("ImportError: cannot import name 'tool' from 'crewai_tools' (")
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert "from crewai.tools import tool    # pip install -U crewai" in result.stdout


def test_new_import_on_old_crewai(fix_code, tmp_path):
    site = _site_old(tmp_path)
    repro = run_args(["-S", "-c", "from crewai.tools import BaseTool"], site, tmp_path)
    last = last_line(repro)
    assert last.startswith("ImportError: cannot import name 'BaseTool' from 'crewai.tools' (")
    assert last.endswith("__init__.py)")
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last], site, tmp_path)
    out = result.stdout
    assert "tool imports for crewai 0.51.1: from crewai_tools import BaseTool, tool" in out
    assert (
        'crewai.tools.BaseTool exists from crewai 0.79.0 on; installed: crewai 0.51.1: pip install -U "crewai[tools]"'
        in out
    )
    assert "or, on this release: from crewai_tools import BaseTool" in out
    ok = run_args(["-S", "-c", "from crewai_tools import BaseTool, tool; print('ok')"], site, tmp_path)
    assert ok.stdout.strip() == "ok", ok.stderr


def test_crewai_tools_017_with_old_crewai_is_broken(fix_code, tmp_path):
    site = _site_old(tmp_path, crewai="0.76.9", tools="0.17.0")
    # crewai-tools 0.14.0-0.17.0 import crewai's BaseTool
    write_file(
        site / "crewai_tools" / "tools" / "base_tool.py",
        "from crewai.tools.base_tool import BaseTool\nTool = tool = object\n",
    )
    repro = run_args(["-S", "-c", "from crewai_tools import SerperDevTool"], site, tmp_path)
    last = last_line(repro)
    assert last == "ModuleNotFoundError: No module named 'crewai.tools.base_tool'"
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last], site, tmp_path)
    out = result.stdout
    assert (
        "BROKEN: crewai-tools 0.17.0 imports crewai.tools.base_tool, which crewai 0.76.9 lacks (added in 0.79.0)"
        in out
    )
    assert "crewai.tools.base_tool exists from crewai 0.79.0 on; installed: crewai 0.76.9" in out


def test_crewai_tools_missing_and_mismatched_pair(fix_code, tmp_path):
    site = _site_new(tmp_path)
    for info in site.glob("crewai_tools-*.dist-info"):
        for f in info.iterdir():
            f.unlink()
        info.rmdir()
    for f in sorted((site / "crewai_tools").rglob("*"), reverse=True):
        f.unlink() if f.is_file() else f.rmdir()
    (site / "crewai_tools").rmdir()
    repro = run_args(["-S", "-c", "from crewai_tools import SerperDevTool"], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'crewai_tools'"
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert (
        '-m pip install "crewai[tools]==1.15.30"    # crewai-tools is a separate distribution'
        in result.stdout
    )

    other = _site_new(tmp_path / "other", crewai="1.15.30", tools="1.14.1")
    result = run_args(
        ["-S", "-c", fix_code(SLUG, 1), "ImportError: cannot import name 'Tool' from 'crewai_tools'"],
        other,
        tmp_path,
    )
    assert (
        'MISMATCH: crewai-tools 1.14.1 needs crewai==1.14.1: pip install -U "crewai[tools]"' in result.stdout
    )
    assert "from crewai.tools.base_tool import Tool    # pip install -U crewai" in result.stdout


def test_llm_extras_task_output_and_removed_names(fix_code, tmp_path):
    site = _site_new(tmp_path)
    code = fix_code(SLUG, 1)
    text = (
        "ImportError: Unable to initialize LLM with model 'groq/llama-3.1-8b-instant'. The model did not match any "
        "supported native provider (openai, anthropic), and the LiteLLM fallback package is not installed."
    )
    assert (
        '-m pip install "crewai[litellm]==1.15.30"'
        in run_args(["-S", "-c", code, text], site, tmp_path).stdout
    )
    text = 'ImportError: Anthropic native provider not available, to install: uv add "crewai[anthropic]"'
    assert (
        '-m pip install "crewai[anthropic]==1.15.30"'
        in run_args(["-S", "-c", code, text], site, tmp_path).stdout
    )
    text = "AttributeError: 'TaskOutput' object has no attribute 'raw_output'"
    assert (
        "task.output.raw (also .pydantic, .json_dict)"
        in run_args(["-S", "-c", code, text], site, tmp_path).stdout
    )
    repro = run_args(["-S", "-c", "from crewai.pipeline import Pipeline"], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'crewai.pipeline'"
    out = run_args(["-S", "-c", code, last_line(repro)], site, tmp_path).stdout
    assert (
        "from crewai.flow.flow import Flow    # pip install -U crewai; 'from crewai.pipeline import Pipeline'"
        in out
    )


def test_unknown_text_says_so(fix_code, tmp_path):
    site = _site_new(tmp_path)
    result = run_args(["-S", "-c", fix_code(SLUG, 1), "KeyError: 'messages'"], site, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no CrewAI move recognised" in result.stdout
