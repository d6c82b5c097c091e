"""Verified fix for solutions/streamlit-set-page-config-first.md.

The project does not install Streamlit, so a fake `streamlit` is written to tmp_path with the shape of
the real one (checked on 1.10.0, 1.25.0, 1.30.0 and 1.40.2): `streamlit/errors.py` defines the
exceptions, and the script-run context (`streamlit/runtime/scriptrunner/script_run_context.py`)
refuses a page-config message after any other message of the run (`_set_page_config_allowed`),
with the text of the given release. Every element, a second `set_page_config` and a call of a
cached function (which draws a spinner) send a message. The tests reproduce the real error
text in a child interpreter, for each of the three wordings, and check that each wording is one of
the entry's signatures. Then they run the entry's own Option 1 app against the fake, and the same
app with `set_page_config` moved down, which must fail.
"""

from pathlib import Path

import pytest
from fake_site import write_file
from pyrun import run_args

from app.corpus.entries import parse_entry

SLUG = "streamlit-set-page-config-first"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
RULE = "and must be called as the first Streamlit command in your script."
WORDING = {  # release -> (exception class path, message) as the real wheels raise it
    "1.10.0": (
        "streamlit.errors.StreamlitAPIException",
        f"`set_page_config()` can only be called once per app, {RULE}",
    ),
    "1.30.0": (
        "streamlit.errors.StreamlitAPIException",
        f"`set_page_config()` can only be called once per app page, {RULE}",
    ),
    "1.40.2": (
        "streamlit.errors.StreamlitSetPageConfigMustBeFirstCommandError",
        f"`set_page_config()` can only be called once per app page, {RULE}",
    ),
}

ERRORS = """
class StreamlitAPIException(Exception):
    pass


class StreamlitSetPageConfigMustBeFirstCommandError(StreamlitAPIException):
    def __init__(self):
        super().__init__(MESSAGE)
"""

CONTEXT = """
from streamlit import errors


class ScriptRunContext:
    _set_page_config_allowed = True

    def enqueue(self, kind, payload):
        if kind == "page_config" and not self._set_page_config_allowed:
            raise {raise_expr}
        self._set_page_config_allowed = False  # any message ends the window, page config too
        print(kind, payload)


CTX = ScriptRunContext()
"""

INIT = """
import functools

from streamlit.runtime.scriptrunner.script_run_context import CTX

__version__ = "{version}"


def set_page_config(page_title=None, page_icon=None, layout="centered", initial_sidebar_state="auto"):
    CTX.enqueue("page_config", {{"title": page_title, "layout": layout}})


def _element(kind):
    def draw(*args, **kwargs):
        CTX.enqueue(kind, args)

    return draw


title = _element("title")
write = _element("write")
markdown = _element("markdown")


class _Sidebar:
    title = staticmethod(_element("sidebar.title"))
    write = staticmethod(_element("sidebar.write"))


sidebar = _Sidebar()


def cache_data(func):
    store = {{}}

    @functools.wraps(func)
    def wrapper(*args):
        CTX.enqueue("spinner", func.__name__)  # calling a cached function draws a spinner
        if args not in store:
            store[args] = func(*args)
        return store[args]

    return wrapper


experimental_memo = cache_data
"""


def _fake_streamlit(site, version="1.30.0"):
    cls, message = WORDING[version]
    if cls.endswith("MustBeFirstCommandError"):
        raise_expr = "errors.StreamlitSetPageConfigMustBeFirstCommandError()"
    else:
        raise_expr = f"errors.StreamlitAPIException({message!r} + DOCS)"
    docs = "\\n\\nFor more information refer to the [docs](https://docs.streamlit.io/library/api-reference/utilities/st.set_page_config)."
    write_file(site / "streamlit" / "__init__.py", INIT.format(version=version))
    write_file(site / "streamlit" / "errors.py", f"MESSAGE = {message!r}\n" + ERRORS)
    write_file(site / "streamlit" / "runtime" / "__init__.py")
    write_file(site / "streamlit" / "runtime" / "scriptrunner" / "__init__.py")
    write_file(
        site / "streamlit" / "runtime" / "scriptrunner" / "script_run_context.py",
        f'DOCS = "{docs}"\n' + CONTEXT.format(raise_expr=raise_expr),
    )
    return site


def _run_app(tmp_path, code, files=None):
    """Run `app.py` as a script with the fake streamlit (one script run of the app)."""
    app = tmp_path / "app" / "app.py"
    write_file(app, code)
    for name, text in (files or {}).items():
        write_file(app.with_name(name), text)
    return run_args([str(app)], path=tmp_path / "site", cwd=app.parent, timeout=30)


@pytest.mark.parametrize("version", sorted(WORDING))
def test_reproduces_each_release_wording(tmp_path, version):
    _fake_streamlit(tmp_path / "site", version)
    code = 'import streamlit as st\nst.title("hello")\nst.set_page_config(page_title="x", layout="wide")\n'
    result = _run_app(tmp_path, code)
    assert result.returncode != 0
    cls, message = WORDING[version]
    line = f"{cls}: {message}"
    assert line in result.stderr.splitlines()
    assert "script_run_context.py" in result.stderr
    assert line in parse_entry(MD).errors


@pytest.mark.parametrize(
    "code, files",
    [
        (  # a cached function called before set_page_config
            "import streamlit as st\n@st.cache_data\ndef load():\n    return 1\nload()\nst.set_page_config(layout='wide')\n",
            None,
        ),
        (  # an imported module that draws at import time
            "import streamlit as st\nimport helpers\nst.set_page_config(layout='wide')\n",
            {"helpers.py": "import streamlit as st\nst.sidebar.title('menu')\n"},
        ),
        (  # called twice in one run
            "import streamlit as st\nst.set_page_config(page_title='a')\nst.set_page_config(layout='wide')\n",
            None,
        ),
    ],
    ids=["cached-call", "imported-module", "twice"],
)
def test_hidden_early_callers_raise_too(tmp_path, code, files):
    _fake_streamlit(tmp_path / "site")
    result = _run_app(tmp_path, code, files)
    assert result.returncode != 0
    assert f"streamlit.errors.StreamlitAPIException: {WORDING['1.30.0'][1]}" in result.stderr


@pytest.mark.parametrize("version", sorted(WORDING))
def test_option1_app_runs_with_page_config_first(fix_code, tmp_path, version):
    _fake_streamlit(tmp_path / "site", version)
    result = _run_app(tmp_path, fix_code(SLUG, 1))
    assert result.returncode == 0, result.stderr
    kinds = [line.split()[0] for line in result.stdout.splitlines()]
    assert kinds == ["page_config", "spinner", "sidebar.title", "title", "write"]
    assert "'layout': 'wide'" in result.stdout.splitlines()[0]


def test_option1_moved_below_output_would_fail(fix_code, tmp_path):
    """The test has teeth: the same app with set_page_config after the first st.* call raises."""
    _fake_streamlit(tmp_path / "site")
    lines = fix_code(SLUG, 1).splitlines()
    config = next(i for i, line in enumerate(lines) if line.startswith("st.set_page_config("))
    moved = lines[:config] + lines[config + 1 :] + [lines[config]]
    result = _run_app(tmp_path, "\n".join(moved) + "\n")
    assert result.returncode != 0
    assert WORDING["1.30.0"][1] in result.stderr
