"""Verified fix for solutions/llama-index-core-imports.md.

The project does not install LlamaIndex, so the installs are written to tmp_path with the shape of
the real wheels (checked on llama-index 0.9.48, llama-index-core 0.10.68.post1 / 0.14.25): the 0.10+
layout (a `llama_index/` namespace without `__init__.py`, `llama_index/core/` from llama-index-core),
the 0.9 layout (`llama_index/__init__.py` plus its own small `llama_index/core/`), and the in-place
upgrade that lost `llama_index/core/__init__.py`. Each has a dist-info so importlib.metadata sees it.
The tests reproduce the real ImportError / ModuleNotFoundError texts in a child interpreter, then run
the entry's own Option 1 script (read from the Markdown) against each install.
"""

import re
from pathlib import Path

from entry_tables import moved_names
from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args

SLUG = "llama-index-core-imports"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ROW = re.compile(
    r"^\| `from ([\w.]+) import (\w+)` \| `(from [\w.]+ import \w+)` \| ([\w-]+) \|\s*([^|]*?)\s*\|$"
)


def _new_layout(tmp_path, core_init=True):
    """llama-index 0.14.25 (meta) + llama-index-core 0.14.25, no integration of kind 'embeddings'."""
    site = tmp_path / "site"
    if core_init:
        write_file(
            site / "llama_index" / "core" / "__init__.py",
            "VectorStoreIndex = SimpleDirectoryReader = Settings = ServiceContext = object\n",
        )
    write_file(site / "llama_index" / "core" / "llms" / "types.py")
    write_file(site / "llama_index" / "core" / "node_parser" / "__init__.py", "SentenceSplitter = object\n")
    write_file(site / "llama_index" / "llms" / "openai" / "__init__.py", "OpenAI = object\n")
    fake_distribution(site, "llama-index-core", "0.14.25", top_level="llama_index")
    fake_distribution(site, "llama-index-llms-openai", "0.8.3", top_level="llama_index")
    fake_distribution(site, "llama-index", "0.14.25", top_level="llama_index")
    return site


def _old_layout(tmp_path):
    """llama-index 0.9.48: a regular llama_index package with a small llama_index/core of its own."""
    site = tmp_path / "site"
    write_file(site / "llama_index" / "__init__.py", "VectorStoreIndex = ServiceContext = object\n")
    write_file(site / "llama_index" / "core" / "__init__.py", "")
    fake_distribution(site, "llama-index", "0.9.48", top_level="llama_index")
    return site


def test_script_dict_matches_markdown_table(fix_code):
    namespace: dict = {}
    exec(compile(fix_code(SLUG, 1), "li_check.py", "exec"), namespace)
    assert namespace["MOVED"] == moved_names(MD, ROW)
    assert len(moved_names(MD, ROW)) >= 20


def test_old_import_on_new_layout(fix_code, tmp_path):
    site = _new_layout(tmp_path)
    write_file(tmp_path / "app.py", "from llama_index import VectorStoreIndex, SimpleDirectoryReader\n")
    repro = run_args(["app.py"], site, tmp_path)  # a file, so the traceback shows the failing import line
    assert (
        last_line(repro)
        == "ImportError: cannot import name 'VectorStoreIndex' from 'llama_index' (unknown location)"
    )
    assert "from llama_index import VectorStoreIndex, SimpleDirectoryReader" in repro.stderr
    result = run_args(["-c", fix_code(SLUG, 1), repro.stderr], site, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "installed: llama-index 0.14.25, llama-index-core 0.14.25" in out
    assert "0.10+ layout" in out
    assert "from llama_index.core import VectorStoreIndex    # pip install -U llama-index-core" in out
    assert "from llama_index.core import SimpleDirectoryReader" in out  # read from the traceback's code line
    assert "BROKEN" not in out and "MIXED" not in out


def test_missing_integration_package(fix_code, tmp_path):
    site = _new_layout(tmp_path)
    code = "from llama_index.embeddings.huggingface import HuggingFaceEmbedding"
    repro = run_args(["-c", code], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'llama_index.embeddings'"
    result = run_args(["-c", fix_code(SLUG, 1), f"{code}\n{last_line(repro)}"], site, tmp_path)
    assert (
        "pip install -U llama-index-embeddings-huggingface    # provides llama_index.embeddings.huggingface"
        in result.stdout
    )
    # the bare message alone names only the kind
    result = run_args(["-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert "no llama_index.embeddings integration is installed" in result.stdout
    # a 0.9 module that moved under core: the script finds it on disk
    result = run_args(
        ["-c", fix_code(SLUG, 1), "ModuleNotFoundError: No module named 'llama_index.node_parser'"],
        site,
        tmp_path,
    )
    assert (
        "from llama_index.core.node_parser import ...    # moved under llama_index.core in 0.10"
        in result.stdout
    )


def test_service_context_and_package_not_found_messages(fix_code, tmp_path):
    site = _new_layout(tmp_path)
    text = (
        "ValueError: ServiceContext is deprecated. Use llama_index.settings.Settings instead, or pass in modules "
        "to local functions/methods/interfaces.\n"
        "ImportError: `llama-index-embeddings-openai` package not found, please run `pip install llama-index-embeddings-openai`"
    )
    result = run_args(["-c", fix_code(SLUG, 1), text], site, tmp_path)
    assert (
        "from llama_index.core import Settings    # pip install -U llama-index-core; Settings.llm"
        in result.stdout
    )
    assert "pip install -U llama-index-embeddings-openai" in result.stdout


def test_new_import_on_0_9_install(fix_code, tmp_path):
    site = _old_layout(tmp_path)
    repro = run_args(["-c", "from llama_index.core import VectorStoreIndex"], site, tmp_path)
    last = last_line(repro)
    assert last.startswith("ImportError: cannot import name 'VectorStoreIndex' from 'llama_index.core' (")
    assert "site-packages" not in last or last.endswith("__init__.py)")
    result = run_args(["-c", fix_code(SLUG, 1), last], site, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "installed: llama-index 0.9.48" in result.stdout
    assert "pre-0.10 layout" in result.stdout
    assert "new-style code on llama-index < 0.10: pip install -U llama-index" in result.stdout


def test_in_place_upgrade_that_lost_core_init(fix_code, tmp_path):
    site = _new_layout(tmp_path, core_init=False)
    repro = run_args(["-c", "from llama_index.core import VectorStoreIndex"], site, tmp_path)
    assert (
        last_line(repro)
        == "ImportError: cannot import name 'VectorStoreIndex' from 'llama_index.core' (unknown location)"
    )
    result = run_args(["-c", fix_code(SLUG, 1), last_line(repro)], site, tmp_path)
    assert "BROKEN: llama_index/core/__init__.py is missing" in result.stdout
    assert 'pip install --force-reinstall --no-deps "llama-index-core==0.14.25"' in result.stdout


def test_old_files_beside_core_are_flagged(fix_code, tmp_path):
    site = _new_layout(tmp_path)
    write_file(site / "llama_index" / "__init__.py", "")  # left behind by llama-index 0.9.x
    result = run_args(
        ["-c", fix_code(SLUG, 1), "ModuleNotFoundError: No module named 'gpt_index'"], site, tmp_path
    )
    assert "MIXED: files of llama-index < 0.10" in result.stdout
    assert "gpt_index is the pre-0.6 name" in result.stdout


def test_nothing_installed_and_unknown_text(fix_code, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_args(["-c", fix_code(SLUG, 1), "KeyError: 'x'"], empty, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "LlamaIndex is not installed in this interpreter" in result.stdout
    assert "no LlamaIndex move recognised" in result.stdout
