"""Verified fix for solutions/python-removed-stdlib.md.

Reproduces removals that the running interpreter really lacks (it is 3.10+: the collections ABC
aliases; on 3.11+ also inspect.getargspec and asyncio.coroutine; on 3.12+ imp), then runs the
entry's own Option 1 scanner on a legacy project written to tmp_path.
"""

import os
import subprocess
import sys
import textwrap

import pytest
from pyrun import cpythons

SLUG = "python-removed-stdlib"

LEGACY = textwrap.dedent(
    """
    import imp
    from collections import Mapping
    from distutils.version import LooseVersion
    import pipes
    from inspect import getargspec
    import asyncio
    import configparser
    import unittest
    cfg = configparser.SafeConfigParser()

    @asyncio.coroutine
    def old():
        yield

    class T(unittest.TestCase):
        def test(self):
            self.assertEquals(1, 1)

    def load(finder, name):
        return finder.find_module(name).load_module(name)
    """
)
MODERN = "from collections.abc import Mapping\nimport importlib\nimport shlex\nprint(shlex.quote('a b'))\n"


def _run(args, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, *args], check=False, capture_output=True, text=True, timeout=60, cwd=cwd, env=env
    )


def test_reproduces_collections_mapping_removal(tmp_path):
    result = _run(["-c", "from collections import Mapping"], tmp_path)
    assert "ImportError: cannot import name 'Mapping' from 'collections'" in result.stderr


def test_reproduces_getargspec_and_coroutine_removal(tmp_path):
    spec = _run(["-c", "from inspect import getargspec"], tmp_path)
    assert "cannot import name 'getargspec' from 'inspect'" in spec.stderr
    coro = _run(["-c", "import asyncio; asyncio.coroutine"], tmp_path)
    assert "AttributeError: module 'asyncio' has no attribute 'coroutine'" in coro.stderr


def test_option1_lists_every_removed_use_with_its_version(fix_code, tmp_path):
    project = tmp_path / "project"
    (project / ".venv" / "lib").mkdir(parents=True)
    (project / "legacy.py").write_text(LEGACY, encoding="utf-8")
    (project / "modern.py").write_text(MODERN, encoding="utf-8")
    (project / ".venv" / "lib" / "vendored.py").write_text("import imp\n", encoding="utf-8")
    tool = tmp_path / "removed_stdlib.py"
    tool.write_text(fix_code(SLUG, 1), encoding="utf-8")

    result = _run([str(tool), "project"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in [
        "legacy.py:2: removed in Python 3.12: import imp",
        "legacy.py:3: removed in Python 3.10: from collections import Mapping",
        "legacy.py:4: removed in Python 3.12: from distutils.version import LooseVersion",
        "legacy.py:5: removed in Python 3.13: import pipes",
        "legacy.py:6: removed in Python 3.11: from inspect import getargspec",
        "legacy.py:10: removed in Python 3.12: cfg = configparser.SafeConfigParser()",
        "legacy.py:12: removed in Python 3.11: @asyncio.coroutine",
        "legacy.py:18: removed in Python 3.12: self.assertEquals(1, 1)",
        "legacy.py:21: removed in Python 3.12: return finder.find_module(name).load_module(name)",
    ]:
        assert expected in out, out
    assert "modern.py" not in out and "vendored.py" not in out
    assert "9 use(s) of removed stdlib names" in out
    assert (project / "legacy.py").read_text(encoding="utf-8") == LEGACY  # report only


def test_option1_in_an_empty_folder_finds_nothing(fix_code, tmp_path):
    result = _run(["-c", fix_code(SLUG, 1)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 use(s) of removed stdlib names" in result.stdout


# A plugin loader of the kind snscrape and others shipped: walk a package's modules and load each
# through its finder. The old spelling, then the one the entry's table gives.
PLUGINS_OLD = """
import pkgutil, plugins
for finder, name, _ in pkgutil.iter_modules(plugins.__path__):
    finder.find_module(name).load_module(name)
print("loaded")
"""
PLUGINS_NEW = """
import importlib.util, pkgutil, sys, plugins
for finder, name, _ in pkgutil.iter_modules(plugins.__path__):
    spec = finder.find_spec(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
print("loaded", sys.modules["hello"].GREETING)
"""


@pytest.mark.parametrize("version", sorted(cpythons((3, 11), (3, 13))))
def test_finders_lost_find_module_in_312_and_find_spec_loads_the_plugin_everywhere(version, tmp_path):
    exe = cpythons((3, 11), (3, 13))[version]
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "plugins" / "hello.py").write_text("GREETING = 'hi'\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    run = lambda code: subprocess.run(  # noqa: E731
        [exe, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env
    )
    old, new = run(PLUGINS_OLD), run(PLUGINS_NEW)
    if version >= (3, 12):
        assert "AttributeError: 'FileFinder' object has no attribute 'find_module'" in old.stderr
    else:
        assert old.returncode == 0 and "loaded" in old.stdout, old.stderr
    assert new.returncode == 0 and new.stdout.strip() == "loaded hi", new.stderr
