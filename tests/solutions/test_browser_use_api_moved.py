"""Verified fix for solutions/browser-use-api-moved.md.

The project does not install browser-use, so the installs are written to tmp_path with the shape of the
real wheels (read and imported on 0.1.40, 0.5.11, 0.7.12 and 0.13.14): from 0.5 on `browser_use/__init__.py`
and `browser_use/browser/__init__.py` export their names lazily through a module `__getattr__` that raises
AttributeError for unknown names; 0.6+ has no `browser/browser.py` or `browser/context.py`; 0.7+ has
`tools/` and a `controller/` holding only `__init__.py`; 0.1.x has no `browser/__init__.py` (a namespace
package) and no `llm/` or `tools/`. The tests reproduce the real ImportError / ModuleNotFoundError texts in
a child interpreter, then run the entry's own Option 1 script (read from the Markdown) against each install.
"""

import json
import re
from pathlib import Path

from entry_tables import moved_names
from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args, script_names, succeeded

SLUG = "browser-use-api-moved"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ROW = re.compile(r"^\| `from ([\w.]+) import (\w+)` \| `(from [\w.]+ import \w+)` \| ([\w-]+) \| ([^|]+) \|$")

LAZY = """
_LAZY_IMPORTS = {lazy!r}


def __getattr__(name):
    if name in _LAZY_IMPORTS:
        from importlib import import_module

        module_path, attr_name = _LAZY_IMPORTS[name]
        attr = getattr(import_module(module_path), attr_name)
        globals()[name] = attr
        return attr
    raise AttributeError(f"module '{{__name__}}' has no attribute '{{name}}'")
"""


def _site_new(tmp_path):
    """browser-use 0.13.14: lazy exports, BrowserSession/BrowserProfile, tools/, controller/__init__.py only."""
    site = tmp_path / "new"
    pkg = site / "browser_use"
    top = {
        "Agent": ("browser_use.agent.service", "Agent"),
        "ActionResult": ("browser_use.agent.views", "ActionResult"),
        "BrowserSession": ("browser_use.browser", "BrowserSession"),
        "Browser": ("browser_use.browser", "BrowserSession"),
        "BrowserProfile": ("browser_use.browser", "BrowserProfile"),
        "Tools": ("browser_use.tools.service", "Tools"),
        "Controller": ("browser_use.tools.service", "Controller"),
        "ChatOpenAI": ("browser_use.llm.openai.chat", "ChatOpenAI"),
    }
    write_file(pkg / "__init__.py", LAZY.format(lazy=top))
    browser = {
        "BrowserProfile": ("browser_use.browser.profile", "BrowserProfile"),
        "BrowserSession": ("browser_use.browser.session", "BrowserSession"),
    }
    write_file(pkg / "browser" / "__init__.py", LAZY.format(lazy=browser))
    write_file(pkg / "browser" / "profile.py", "class BrowserProfile:\n    pass\n")
    write_file(pkg / "browser" / "session.py", "class BrowserSession:\n    pass\n")
    write_file(pkg / "browser" / "views.py", "class BrowserStateSummary:\n    pass\n")
    write_file(pkg / "agent" / "__init__.py")
    write_file(pkg / "agent" / "service.py", "class Agent:\n    pass\n")
    write_file(pkg / "agent" / "views.py", "class ActionResult:\n    pass\n")
    write_file(pkg / "tools" / "__init__.py")
    write_file(pkg / "tools" / "service.py", "class Tools:\n    pass\n\n\nController = Tools\n")
    write_file(pkg / "tools" / "registry" / "__init__.py")
    write_file(pkg / "tools" / "registry" / "service.py", "class Registry:\n    pass\n")
    write_file(pkg / "controller" / "__init__.py", "from browser_use.tools.service import Controller\n")
    write_file(pkg / "llm" / "__init__.py")
    write_file(pkg / "llm" / "openai" / "__init__.py")
    write_file(pkg / "llm" / "openai" / "chat.py", "class ChatOpenAI:\n    pass\n")
    fake_distribution(site, "browser-use", "0.13.14", top_level="browser_use")
    return site


def _site_old(tmp_path):
    """browser-use 0.1.40: eager exports, browser/ without __init__.py, no llm/ and no tools/."""
    site = tmp_path / "old"
    pkg = site / "browser_use"
    write_file(
        pkg / "__init__.py",
        "from browser_use.browser.browser import Browser, BrowserConfig\n"
        "from browser_use.browser.context import BrowserContextConfig\n"
        "from browser_use.controller.service import Controller\n",
    )
    write_file(
        pkg / "browser" / "browser.py", "class BrowserConfig:\n    pass\n\n\nclass Browser:\n    pass\n"
    )
    write_file(
        pkg / "browser" / "context.py",
        "class BrowserContextConfig:\n    pass\n\n\nclass BrowserContext:\n    pass\n",
    )
    write_file(pkg / "browser" / "views.py", "class BrowserState:\n    pass\n")
    write_file(pkg / "controller" / "__init__.py")
    write_file(pkg / "controller" / "service.py", "class Controller:\n    pass\n")
    fake_distribution(site, "browser-use", "0.1.40", top_level="browser_use")
    return site


TRY_ALL = """
import json, sys
out = {}
for stmt in json.loads(sys.argv[1]):
    try:
        exec(stmt, {})
        out[stmt] = None
    except ImportError as e:
        out[stmt] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
"""


def _try_imports(site, tmp_path, statements):
    return json.loads(succeeded(["-c", TRY_ALL, json.dumps(statements)], site, tmp_path))


def _check(fix_code, site, tmp_path, text):
    return succeeded(["-c", fix_code(SLUG, 1), text], site, tmp_path)


def test_script_dict_matches_markdown_table(fix_code):
    assert script_names(fix_code(SLUG, 1))["MOVED"] == moved_names(MD, ROW)
    assert {name for _, name in moved_names(MD, ROW)} >= {
        "Browser",
        "BrowserConfig",
        "BrowserContext",
        "BrowserContextConfig",
        "Controller",
    }


def test_every_old_import_fails_on_the_new_shape_and_its_new_import_works(fix_code, tmp_path):
    site = _site_new(tmp_path)
    table = moved_names(MD, ROW)
    old = [f"from {module} import {name}" for module, name in table]
    errors = _try_imports(site, tmp_path, old + [new for new, _, _ in table.values()])
    texts = []
    for (module, name), (new, _, _) in table.items():
        assert errors[new] is None, new
        error = errors[f"from {module} import {name}"]
        assert error is not None, (module, name)
        # the texts in the entry's errors: (only the path differs)
        if error.startswith("ImportError"):
            assert error.startswith(f"ImportError: cannot import name '{name}' from '{module}' (")
            assert error.endswith(".py)")
        else:
            missing = re.fullmatch(r"ModuleNotFoundError: No module named '([\w.]+)'", error)[1]
            assert module.startswith(missing)
        texts.append(f"{error}\n    from {module} import {name}")
    out = _check(fix_code, site, tmp_path, "\n".join(texts))
    assert "installed: browser-use 0.13.14" in out
    for (module, name), (new, _, since) in table.items():
        assert f"{new}    # was 'from {module} import {name}', which fails from browser-use {since}" in out
    # unchanged names and the aliases new code may still use
    ok = "from browser_use import Agent, ActionResult, Browser, Controller, Tools, ChatOpenAI, BrowserSession"
    assert _try_imports(site, tmp_path, [ok, "from browser_use.controller import Controller"]) == {
        ok: None,
        "from browser_use.controller import Controller": None,
    }


def test_real_error_lines_from_the_entry(fix_code, tmp_path):
    site = _site_new(tmp_path)
    repro = run_args(["-c", "from browser_use import Browser, BrowserConfig"], site, tmp_path)
    last = last_line(repro)
    assert last.startswith("ImportError: cannot import name 'BrowserConfig' from 'browser_use' (")
    assert last.endswith("__init__.py)")
    out = _check(fix_code, site, tmp_path, last)
    assert "from browser_use import BrowserProfile    # was 'from browser_use import BrowserConfig'" in out
    repro = run_args(["-c", "from browser_use.controller.service import Controller"], site, tmp_path)
    assert last_line(repro) == "ModuleNotFoundError: No module named 'browser_use.controller.service'"
    out = _check(fix_code, site, tmp_path, last_line(repro))
    assert (
        "from browser_use import Tools    # was 'from browser_use.controller.service import Controller'"
        in out
    )
    # a bare "No module named" without the import line lists every row of that module
    out = _check(
        fix_code, site, tmp_path, "ModuleNotFoundError: No module named 'browser_use.browser.context'"
    )
    assert out.count("# was 'from browser_use.browser.context import") == 2


def test_old_script_file_and_langchain_model(fix_code, tmp_path):
    site = _site_new(tmp_path)
    script = tmp_path / "agent_demo.py"
    script.write_text(
        "from browser_use import Agent, Browser, BrowserConfig\n"
        "from browser_use.browser.context import (\n    BrowserContext,\n    BrowserContextConfig,\n)\n"
        "from browser_use.controller.service import Controller\n"
        "from langchain_openai import ChatOpenAI\n",
        encoding="utf-8",
    )
    out = _check(fix_code, site, tmp_path, str(script))
    assert out.count("# was ") == 4
    assert "'from browser_use.browser.context import BrowserContextConfig'" in out
    assert "takes its own chat models, not LangChain's: from browser_use import ChatOpenAI" in out
    for text in (
        "AttributeError: 'ChatOpenAI' object has no attribute 'provider'. Did you mean: 'profile'?",
        "ValueError: invalid llm, must be from browser_use.llm",
    ):
        assert "not LangChain's" in _check(fix_code, site, tmp_path, text)
    out = _check(
        fix_code,
        site,
        tmp_path,
        "TypeError: BrowserSession.__init__() got an unexpected keyword argument 'config'",
    )
    assert "BrowserSession(browser_profile=BrowserProfile(headless=True, ...))" in out


def test_new_code_on_an_old_install(fix_code, tmp_path):
    site = _site_old(tmp_path)
    errors = _try_imports(
        site,
        tmp_path,
        [
            "from browser_use import ChatOpenAI",
            "from browser_use.llm import ChatOpenAI",
            "from browser_use.browser import BrowserSession",
            "from browser_use.browser.browser import Browser, BrowserConfig",
        ],
    )
    assert errors["from browser_use.browser.browser import Browser, BrowserConfig"] is None
    assert (
        errors["from browser_use.llm import ChatOpenAI"]
        == "ModuleNotFoundError: No module named 'browser_use.llm'"
    )
    assert (
        errors["from browser_use.browser import BrowserSession"]
        == "ImportError: cannot import name 'BrowserSession' from 'browser_use.browser' (unknown location)"
    )
    chat = errors["from browser_use import ChatOpenAI"]
    assert chat.startswith("ImportError: cannot import name 'ChatOpenAI' from 'browser_use' (")
    out = _check(fix_code, site, tmp_path, chat)
    assert "ChatOpenAI exists from browser-use 0.4.2 on; installed: 0.1.40: pip install -U browser-use" in out
    out = _check(fix_code, site, tmp_path, "ModuleNotFoundError: No module named 'browser_use.llm'")
    assert "browser_use.llm exists from browser-use 0.3.3 on; installed: 0.1.40" in out
    # the same text on a new install is not "too old"
    assert "exists from" not in _check(fix_code, _site_new(tmp_path), tmp_path, chat)


def test_unknown_text_says_so(fix_code, tmp_path):
    out = _check(fix_code, _site_new(tmp_path), tmp_path, "KeyError: 'messages'")
    assert "no browser-use move recognised" in out
