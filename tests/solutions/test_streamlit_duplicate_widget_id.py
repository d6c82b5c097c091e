"""Verified fix for solutions/streamlit-duplicate-widget-id.md.

The project does not install Streamlit, so a fake `streamlit` is written to tmp_path with the shape of
the real one (checked on 1.10.0, 1.30.0 and 1.40.2). `streamlit/errors.py` holds the exception
classes of the release (StreamlitDuplicateElementId/Key subclass DuplicateWidgetID from 1.39).
`streamlit/runtime/state/widgets.py` registers each widget under an ID made from its type and
label, or from `key=` when given, and raises that release's message on a second widget with the
same ID. 1.30+ also refuses a user key used twice; 1.10 folds the label into keyed IDs. The tests
reproduce the real texts in a child interpreter and check that each is one of the entry's
signatures. Then they run the entry's own Option 1 app against every release, once clicking a
Delete button, and the same app without its keys, which must fail.
"""

import re
from pathlib import Path

import pytest
from fake_site import write_file
from pyrun import run_args

from app.corpus.entries import parse_entry

SLUG = "streamlit-duplicate-widget-id"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
VERSIONS = ("1.10.0", "1.30.0", "1.40.2")

ERRORS = {
    "old": '''
import textwrap


class StreamlitAPIException(Exception):
    pass


class DuplicateWidgetID(StreamlitAPIException):
    pass


def duplicate(widget_type, user_key=None, tracks_keys=True):
    if user_key is not None and tracks_keys:  # 1.16 - 1.38
        message = """
            There are multiple widgets with the same `key='{user_key}'`.

            To fix this, please make sure that the `key` argument is unique for each
            widget you create.
            """
    elif user_key is not None:  # up to 1.15
        message = """
            There are multiple identical `st.{widget_type}` widgets with
            `key='{user_key}'`.

            To fix this, please make sure that the `key` argument is unique for
            each `st.{widget_type}` you create.
            """
    else:
        message = """
            There are multiple identical `st.{widget_type}` widgets with the
            same generated key.

            When a widget is created, it's assigned an internal key based on
            its structure. Multiple widgets with an identical structure will
            result in the same internal key, which causes this error.

            To fix this error, please pass a unique `key` argument to
            `st.{widget_type}`.
            """
    text = textwrap.dedent(message).strip("\\n").format(widget_type=widget_type, user_key=user_key)
    return DuplicateWidgetID(text)
''',
    "new": """
class StreamlitAPIException(Exception):
    pass


class DuplicateWidgetID(StreamlitAPIException):
    pass


class StreamlitDuplicateElementId(DuplicateWidgetID):
    def __init__(self, element_type):
        super().__init__(
            f"There are multiple `{element_type}` elements with the same "
            "auto-generated ID. When this element is created, it is assigned an "
            "internal ID based on the element type and provided parameters. Multiple "
            "elements with the same type and parameters will cause this error.\\n\\n"
            "To fix this error, please pass a unique `key` argument to the "
            f"`{element_type}` element."
        )


class StreamlitDuplicateElementKey(DuplicateWidgetID):
    def __init__(self, user_key):
        super().__init__(
            f"There are multiple elements with the same `key='{user_key}'`. "
            "To fix this, please make sure that the `key` argument is unique for "
            "each element you create."
        )


def duplicate(widget_type, user_key=None, tracks_keys=True):
    if user_key is not None:
        return StreamlitDuplicateElementKey(user_key)
    return StreamlitDuplicateElementId(widget_type)
""",
}

WIDGETS = """
import os

from streamlit import errors

TRACKS_KEYS = {tracks_keys}
_ids = set()
_keys = set()


def register_widget(widget_type, label, key=None):
    if key is None:
        widget_id = ("auto", widget_type, label)
    elif TRACKS_KEYS:
        widget_id = ("key", key)
    else:  # up to 1.15: the label is part of a keyed widget's ID
        widget_id = ("key", widget_type, label, key)
    if widget_id in _ids or (TRACKS_KEYS and key is not None and key in _keys):
        raise errors.duplicate(widget_type, key, TRACKS_KEYS)
    _ids.add(widget_id)
    if key is not None:
        _keys.add(key)
    print(widget_type, label, key)
    return key is not None and key == os.environ.get("CLICK")
"""

INIT = """
from streamlit.runtime.state.widgets import register_widget

__version__ = "{version}"


class _SessionState(dict):
    def __getattr__(self, name):
        return self[name]

    def __setattr__(self, name, value):
        self[name] = value


session_state = _SessionState()


class _Container:
    def write(self, *args):
        print("write", *args)

    def button(self, label, key=None):
        return register_widget("button", label, key)

    def text_input(self, label, key=None):
        register_widget("text_input", label, key)
        return ""


_main = _Container()
write = _main.write
button = _main.button
text_input = _main.text_input


def columns(spec):
    count = spec if isinstance(spec, int) else len(spec)
    return [_Container() for _ in range(count)]


def {rerun_name}():
    print("rerun", [todo["id"] for todo in session_state.get("todos", [])])
    raise SystemExit(0)
"""


def _v(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _fake_streamlit(site, version):
    new = _v(version) >= (1, 39)
    write_file(
        site / "streamlit" / "__init__.py",
        INIT.format(version=version, rerun_name="rerun" if _v(version) >= (1, 27) else "experimental_rerun"),
    )
    write_file(site / "streamlit" / "errors.py", ERRORS["new" if new else "old"])
    write_file(site / "streamlit" / "runtime" / "__init__.py")
    write_file(site / "streamlit" / "runtime" / "state" / "__init__.py")
    write_file(
        site / "streamlit" / "runtime" / "state" / "widgets.py",
        WIDGETS.format(tracks_keys=_v(version) >= (1, 16)),
    )


def _run_app(tmp_path, version, code, click=None):
    _fake_streamlit(tmp_path / "site", version)
    app = tmp_path / "app.py"
    app.write_text(code, encoding="utf-8")
    env = {"CLICK": click} if click else {"CLICK": None}
    return run_args([str(app)], path=tmp_path / "site", cwd=tmp_path, env=env, timeout=30)


def _raised(result) -> str:
    """The raised error as one line: from `streamlit.errors.` to the end, whitespace folded."""
    start = result.stderr.index("streamlit.errors.")
    return " ".join(result.stderr[start:].split())


def _signatures() -> set[str]:
    return {" ".join(text.split()) for text in parse_entry(MD).errors}


LOOP = 'import streamlit as st\nfor item in ["apple", "pear"]:\n    st.write(item)\n    st.button("Delete")\n'
SAME_KEY = 'import streamlit as st\nst.text_input("Name", key="name")\nst.text_input("Name", key="name")\n'


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("code", [LOOP, SAME_KEY], ids=["loop-without-key", "same-key"])
def test_reproduces_each_wording_and_entry_lists_it(tmp_path, version, code):
    result = _run_app(tmp_path, version, code)
    assert result.returncode != 0
    raised = _raised(result)
    assert raised in _signatures()
    if _v(version) < (1, 39):
        assert raised.startswith("streamlit.errors.DuplicateWidgetID: There are multiple ")
    else:
        assert re.match(r"streamlit\.errors\.StreamlitDuplicateElement(Id|Key): ", raised)


def test_one_key_on_two_labels_is_refused_from_1_16_only(tmp_path):
    code = 'import streamlit as st\nst.button("Go", key="go")\nst.text_input("Go too", key="go")\n'
    assert _run_app(tmp_path / "a", "1.10.0", code).returncode == 0
    result = _run_app(tmp_path / "b", "1.30.0", code)
    assert "There are multiple widgets with the same `key='go'`." in _raised(result)


@pytest.mark.parametrize("version", VERSIONS)
def test_option1_app_has_unique_keys(fix_code, tmp_path, version):
    result = _run_app(tmp_path, version, fix_code(SLUG, 1))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("button")] == [
        "button Delete del_1",
        "button Delete del_2",
        "button Delete del_3",
    ]
    assert "text_input Name billing_name" in lines
    assert "text_input Name shipping_name" in lines


@pytest.mark.parametrize("version", VERSIONS)
def test_option1_delete_button_removes_its_row(fix_code, tmp_path, version):
    result = _run_app(tmp_path, version, fix_code(SLUG, 1), click="del_1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "rerun [2, 3]"


def test_option1_without_its_keys_fails(fix_code, tmp_path):
    """The test has teeth: the same app without key= hits the error this entry is about."""
    code = re.sub(r", key=[^)]*\)", ")", fix_code(SLUG, 1))
    assert "key=" not in code.replace('"todos" not in', "")
    result = _run_app(tmp_path, "1.40.2", code)
    assert result.returncode != 0
    assert _raised(result).startswith(
        "streamlit.errors.StreamlitDuplicateElementId: There are multiple `button`"
    )
