"""Verified fix for solutions/langgraph-api-moved.md.

The project does not install LangGraph, so the installs are written to tmp_path with the shape of the
real wheels (checked on langgraph 0.0.69, 0.2.76, 0.3.34 and 1.2.24): `langgraph/` is a namespace
package (no `__init__.py`) shared by langgraph, langgraph-prebuilt and the langgraph-checkpoint*
distributions; 1.x has no `tool_executor` and no `checkpoint/sqlite` unless langgraph-checkpoint-sqlite
is installed; an in-place upgrade from 0.2 leaves langgraph-prebuilt's metadata without its files.
The tests reproduce the real ImportError / ModuleNotFoundError texts in a child interpreter, then run
the entry's own Option 1 script (read from the Markdown) against each install.
"""

import re
from pathlib import Path

from entry_tables import moved_names
from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args

SLUG = "langgraph-api-moved"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ROW = re.compile(r"^\| `from ([\w.]+) import (\w+)` \| `(from [\w.]+ import \w+)` \| ([\w-]+) \| ([^|]+) \|$")


# The children run with `-S` (no site-packages): langgraph is a namespace package, and the real one the
# dev extra installs would merge its portions with the fake site's and hide the breakage being staged.
def _site_1x(tmp_path, prebuilt_files=True):
    """langgraph 1.2.24 + langgraph-prebuilt 1.1.3 + langgraph-checkpoint 4.3.2, no checkpoint-sqlite."""
    site = tmp_path / "site"
    write_file(
        site / "langgraph" / "graph" / "__init__.py", "StateGraph = MessagesState = START = END = object\n"
    )
    write_file(site / "langgraph" / "types.py", "Command = Send = object\n")
    write_file(
        site / "langgraph" / "checkpoint" / "memory" / "__init__.py", "MemorySaver = InMemorySaver = object\n"
    )
    if prebuilt_files:
        write_file(
            site / "langgraph" / "prebuilt" / "__init__.py",
            "ToolNode = tools_condition = create_react_agent = object\n",
        )
    fake_distribution(site, "langgraph", "1.2.24", top_level="langgraph")
    fake_distribution(site, "langgraph-prebuilt", "1.1.3", top_level="langgraph")
    fake_distribution(site, "langgraph-checkpoint", "4.3.2", top_level="langgraph")
    return site


def test_script_dict_matches_markdown_table(fix_code):
    namespace: dict = {}
    exec(compile(fix_code(SLUG, 1), "lg_check.py", "exec"), namespace)
    assert namespace["MOVED"] == moved_names(MD, ROW)
    assert {name for _, name in moved_names(MD, ROW)} >= {
        "ToolExecutor",
        "ToolInvocation",
        "SqliteSaver",
        "MemorySaver",
        "create_react_agent",
        "MessageGraph",
        "Send",
    }


def test_tool_executor_removed(fix_code, tmp_path):
    site = _site_1x(tmp_path)
    repro = run_args(
        ["-S", "-c", "from langgraph.prebuilt import ToolExecutor, ToolInvocation"], site, tmp_path
    )
    last = last_line(repro)
    assert last.startswith("ImportError: cannot import name 'ToolExecutor' from 'langgraph.prebuilt' (")
    assert last.endswith("__init__.py)")
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last], site, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "installed: langgraph 1.2.24, langgraph-prebuilt 1.1.3, langgraph-checkpoint 4.3.2" in out
    assert (
        "from langgraph.prebuilt import ToolNode    # pip install -U langgraph-prebuilt; "
        "'from langgraph.prebuilt import ToolExecutor' fails from langgraph 0.3 (deprecated 0.2)"
    ) in out
    assert "BROKEN" not in out


def test_sqlite_saver_is_a_separate_distribution(fix_code, tmp_path):
    site = _site_1x(tmp_path)
    repro = run_args(["-S", "-c", "from langgraph.checkpoint.sqlite import SqliteSaver"], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'langgraph.checkpoint.sqlite'"
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert "pip install -U langgraph-checkpoint-sqlite" in result.stdout
    repro = run_args(["-S", "-c", "from langgraph.checkpoint import MemorySaver"], site, tmp_path)
    assert (
        last_line(repro)
        == "ImportError: cannot import name 'MemorySaver' from 'langgraph.checkpoint' (unknown location)"
    )
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert (
        "from langgraph.checkpoint.memory import MemorySaver    # pip install -U langgraph-checkpoint"
        in result.stdout
    )
    text = "AttributeError: '_GeneratorContextManager' object has no attribute 'get_next_version'"
    result = run_args(["-S", "-c", fix_code(SLUG, 1), text], site, tmp_path)
    assert "with SqliteSaver.from_conn_string('checkpoints.db') as cp" in result.stdout


def test_prebuilt_files_deleted_by_in_place_upgrade(fix_code, tmp_path):
    site = _site_1x(tmp_path, prebuilt_files=False)
    repro = run_args(["-S", "-c", "from langgraph.prebuilt import ToolNode"], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'langgraph.prebuilt'"
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert "BROKEN: langgraph-prebuilt 1.1.3 is installed but langgraph/prebuilt/ is missing" in result.stdout
    assert 'pip install --force-reinstall --no-deps "langgraph-prebuilt==1.1.3"' in result.stdout
    # a leftover empty folder gives the "(unknown location)" form of the same breakage
    (site / "langgraph" / "prebuilt").mkdir()
    repro = run_args(["-S", "-c", "from langgraph.prebuilt import ToolNode"], site, tmp_path)
    assert (
        last_line(repro)
        == "ImportError: cannot import name 'ToolNode' from 'langgraph.prebuilt' (unknown location)"
    )
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert "BROKEN: langgraph-prebuilt 1.1.3" in result.stdout


def test_new_code_on_old_install_and_keyword_removals(fix_code, tmp_path):
    site = tmp_path / "site"
    write_file(site / "langgraph" / "graph" / "__init__.py", "StateGraph = object\n")
    write_file(site / "langgraph" / "prebuilt" / "__init__.py", "ToolExecutor = ToolNode = object\n")
    fake_distribution(site, "langgraph", "0.0.69", top_level="langgraph")
    repro = run_args(["-S", "-c", "from langgraph.types import Command, interrupt"], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'langgraph.types'"
    result = run_args(["-S", "-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert (
        "langgraph.types (Command from 0.2.46, interrupt from 0.2.47) exists from langgraph 0.2.24 on; installed: 0.0.69"
        in result.stdout
    )
    assert "BROKEN" not in result.stdout
    text = "TypeError: create_react_agent() got unexpected keyword arguments: {'state_modifier': 'Be brief.'}"
    result = run_args(["-S", "-c", fix_code(SLUG, 1), text], site, tmp_path)
    assert "create_react_agent(model, tools, prompt=...)" in result.stdout


def test_unknown_text_says_so(fix_code, tmp_path):
    site = _site_1x(tmp_path)
    result = run_args(["-S", "-c", fix_code(SLUG, 1), "KeyError: 'messages'"], site, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no LangGraph move recognised" in result.stdout
