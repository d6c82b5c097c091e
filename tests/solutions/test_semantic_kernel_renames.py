"""Verified fix for solutions/semantic-kernel-renames.md.

The project does not install Semantic Kernel, so the installs are written to tmp_path with the shape
of the real wheels (checked on semantic-kernel 0.3.15.dev0, 1.0.0 and 1.45.0): 1.45.0's Kernel has
add_plugin/add_service/invoke and no import_skill, no `semantic_kernel.planners`, and a
`semantic_kernel/connectors/memory.py` module where 1.33 had a `memory/` package; 0.3.15.dev0's Kernel
has import_skill and no add_plugin. Each has a dist-info so importlib.metadata sees it. The tests
reproduce the real AttributeError / ModuleNotFoundError texts in a child interpreter, then run the
entry's own Option 1 script (read from the Markdown) against each install.
"""

import re
from pathlib import Path

from entry_tables import table_rows
from fake_site import write_file
from pyrun import last_line, run_args

SLUG = "semantic-kernel-renames"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \| ([^|]+) \|$")


def _install(tmp_path, version, kernel_methods):
    site = tmp_path / "site"
    methods = "".join(f"    def {m}(self, *a, **k):\n        return None\n" for m in kernel_methods)
    write_file(site / "semantic_kernel" / "__init__.py", "from semantic_kernel.kernel import Kernel\n")
    write_file(site / "semantic_kernel" / "kernel.py", f"class Kernel:\n{methods}")
    write_file(site / "semantic_kernel" / "connectors" / "__init__.py")
    info = site / f"semantic_kernel-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: semantic-kernel\nVersion: {version}\n", encoding="utf-8"
    )
    return site


def _site_145(tmp_path):
    site = _install(
        tmp_path, "1.45.0", ["add_plugin", "add_service", "add_function", "invoke", "invoke_prompt"]
    )
    write_file(
        site / "semantic_kernel" / "functions" / "__init__.py", "kernel_function = KernelArguments = object\n"
    )
    write_file(
        site / "semantic_kernel" / "connectors" / "memory.py", ""
    )  # 1.34+: a module, no longer a package
    return site


def _table() -> dict:
    return {old: (new, since) for old, new, since in table_rows(MD, ROW)}


def test_script_dict_matches_markdown_table(fix_code):
    namespace: dict = {}
    exec(compile(fix_code(SLUG, 1), "sk_check.py", "exec"), namespace)
    assert namespace["MOVED"] == _table()
    assert {
        "kernel.import_skill",
        "kernel.add_chat_service",
        "semantic_kernel.planners",
        "ContextVariables",
        "semantic_kernel.skill_definition",
        "FunctionCallBehavior",
    } <= set(_table())


def test_skills_api_on_1x(fix_code, tmp_path):
    site = _site_145(tmp_path)
    code = "import semantic_kernel as sk\nk = sk.Kernel()\nk.import_skill(object(), skill_name='math')\n"
    repro = run_args(["-c", code], site, tmp_path)
    assert last_line(repro) == "AttributeError: 'Kernel' object has no attribute 'import_skill'"
    result = run_args(["-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "installed: semantic-kernel 1.45.0" in result.stdout
    assert (
        'kernel.import_skill -> kernel.add_plugin(MathPlugin(), plugin_name="math")    # gone from 0.4.6.dev0'
        in result.stdout
    )
    assert "predates" not in result.stdout


def test_planners_and_memory_package_removed(fix_code, tmp_path):
    site = _site_145(tmp_path)
    repro = run_args(["-c", "from semantic_kernel.planners import SequentialPlanner"], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'semantic_kernel.planners'"
    result = run_args(["-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert "semantic_kernel.planners -> FunctionChoiceBehavior.Auto()    # gone from 1.33.0" in result.stdout
    repro = run_args(
        ["-c", "from semantic_kernel.connectors.memory.chroma import ChromaMemoryStore"], site, tmp_path
    )
    assert last_line(repro) == (
        "ModuleNotFoundError: No module named 'semantic_kernel.connectors.memory.chroma'; "
        "'semantic_kernel.connectors.memory' is not a package"
    )
    result = run_args(["-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert (
        "semantic_kernel.connectors.memory -> from semantic_kernel.connectors.memory_stores.chroma"
        in result.stdout
    )


def test_new_code_on_an_old_pinned_release(fix_code, tmp_path):
    site = _install(
        tmp_path, "0.3.15.dev0", ["import_skill", "add_chat_service", "run_async", "create_semantic_function"]
    )
    repro = run_args(
        ["-c", "import semantic_kernel as sk\nsk.Kernel().add_plugin(object(), plugin_name='m')\n"],
        site,
        tmp_path,
    )
    assert last_line(repro) == "AttributeError: 'Kernel' object has no attribute 'add_plugin'"
    result = run_args(["-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert (
        "kernel.add_plugin exists from semantic-kernel 0.5 on; installed 0.3.15.dev0 is older"
        in result.stdout
    )
    repro = run_args(["-c", "from semantic_kernel.functions import kernel_function"], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'semantic_kernel.functions'"
    result = run_args(["-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert (
        "semantic_kernel.functions exists from semantic-kernel 0.9 on; installed 0.3.15.dev0 is older"
        in result.stdout
    )


def test_not_installed_and_unknown_text(fix_code, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_args(["-c", fix_code(SLUG, 1), "KeyError: 'x'"], empty, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "not installed: pip install -U semantic-kernel" in result.stdout
    assert "no Semantic Kernel rename recognised" in result.stdout
