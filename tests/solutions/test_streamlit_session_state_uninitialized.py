"""Verified fix for solutions/streamlit-session-state-uninitialized.md.

The project does not install Streamlit, so a fake `streamlit` is written into a `site-packages` folder under
tmp_path with the code path of the real one (checked against the wheels and runs of 1.12.0, 1.30.0, 1.40.2 and
1.67.0, and the message texts of 0.84.0-1.67.0):
- `runtime/state/session_state.py`: SessionState keeps `_old_state`, `_new_session_state` and
  `_new_widget_state` (widget values under `$$WIDGET_ID-...` ids, user keys mapped to them); `__getitem__`
  raises a bare KeyError in `_getitem` and re-raises `KeyError(_missing_key_error_message(key))`; before a
  run it compacts the state, takes the frontend's widget values and calls the callbacks of changed widgets;
  after a run that did not stop on an exception it drops the state of widgets that run did not draw.
  The message has no `More info` up to 1.1, the library/advanced-features link in 1.2-1.35, the
  develop/concepts/architecture link from 1.36. (Up to 1.11 the same classes live in `streamlit/state/`.)
- `session_state_proxy.py`: `st.session_state` turns the KeyError into
  `AttributeError(_missing_attr_error_message(key))` for attribute access; without a script-run context
  (`python app.py`, a worker thread) it logs `Session state does not function when running a script without
  streamlit run` and uses a new empty state per access (up to 1.34) or one process-wide stand-in (1.35+).
- `runtime/scriptrunner/script_runner.py`: `python -m streamlit run APP` runs APP as `__main__` (installed in
  sys.modules, as the real ScriptRunner does) once per action of a scripted browser (FAKE_ST_ACTIONS: run,
  click a button, set a widget, send a chat message, switch page, open a new tab = a new session) and logs
  the traceback under the server log's line: `Uncaught app exception` up to 1.40, `Uncaught app execution` from 1.41
  (streamlit/error_util.py).
The tests reproduce the wordings and the causes the entry names, check each text against the entry's
signatures and the matcher, then run the entry's own fix code (Options 1, 2 and 4) under the fake runner,
each next to the same app without the fix, which must fail.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from pathlib import Path

import pytest
from fake_site import write_files
from pyrun import last_line, run_args

from app.corpus.entries import parse_entry
from app.search.evaluation import memory_index
from synapse_skill.matching import matcher

SLUG = "streamlit-session-state-uninitialized"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
MD = SOLUTIONS / f"{SLUG}.md"

MORE_INFO = {
    "library": " More info: https://docs.streamlit.io/library/advanced-features/session-state#initialization",
    "develop": " More info: https://docs.streamlit.io/develop/concepts/architecture/session-state#initialization",
}

SESSION_STATE = """
import copy

from streamlit.runtime.scriptrunner import get_script_run_ctx

MORE_INFO = {more_info!r}


def _missing_key_error_message(key):
    return f'st.session_state has no key "{{key}}". Did you forget to initialize it?' + MORE_INFO


def is_widget_id(key):
    return key.startswith("$$WIDGET_ID")


class WidgetMetadata:
    def __init__(self, widget_id, default, trigger, callback, args, kwargs):
        self.id, self.default, self.trigger = widget_id, default, trigger
        self.callback, self.args, self.kwargs = callback, args or (), kwargs or {{}}


class SessionState:
    def __init__(self):
        self._old_state = {{}}
        self._new_session_state = {{}}
        self._new_widget_state = {{}}
        self._key_id_mapping = {{}}
        self._widget_metadata = {{}}

    def _get_widget_id(self, key):
        return self._key_id_mapping.get(key, key)

    def __getitem__(self, key):
        widget_id = self._get_widget_id(key)
        try:
            return self._getitem(widget_id, key)
        except KeyError:
            raise KeyError(_missing_key_error_message(key))

    def _getitem(self, widget_id, user_key):
        for store, name in (
            (self._new_session_state, user_key),
            (self._new_widget_state, widget_id),
            (self._old_state, widget_id),
            (self._old_state, user_key),
        ):
            if name in store:
                return store[name]
        raise KeyError

    def __setitem__(self, key, value):
        self._new_session_state[key] = value

    def __delitem__(self, key):
        widget_id = self._get_widget_id(key)
        if not (key in self or widget_id in self):
            raise KeyError(_missing_key_error_message(key))
        for store, name in ((self._new_session_state, key), (self._old_state, key),
                            (self._new_widget_state, widget_id), (self._old_state, widget_id)):
            store.pop(name, None)

    def __contains__(self, key):
        try:
            self[key]
        except KeyError:
            return False
        return True

    def _keys(self):
        keys = set(self._old_state) | set(self._new_session_state) | set(self._new_widget_state)
        return keys

    def filtered_state(self):
        wid_to_key = {{wid: key for key, wid in self._key_id_mapping.items()}}
        state = {{}}
        for name in self._keys():
            if is_widget_id(name) and name not in wid_to_key:
                continue
            try:
                state[wid_to_key.get(name, name)] = self[name]
            except KeyError:
                pass
        return state

    # The run cycle, as ScriptRunner drives it.
    def on_script_will_rerun(self, widget_states):
        self._reset_triggers()
        for name in list(self._keys()):
            try:
                self._old_state[name] = self[name]
            except KeyError:
                pass
        self._new_session_state.clear()
        self._new_widget_state.clear()
        for widget_id, value in widget_states.items():
            if widget_id in self._widget_metadata:
                self._new_widget_state[widget_id] = value
        for widget_id in list(self._new_widget_state):
            if self._new_widget_state[widget_id] != self._old_state.get(widget_id):
                meta = self._widget_metadata[widget_id]
                if meta.callback is not None:
                    meta.callback(*meta.args, **meta.kwargs)

    def on_script_finished(self, widget_ids_this_run):
        self._reset_triggers()
        self._new_widget_state = {{k: v for k, v in self._new_widget_state.items() if k in widget_ids_this_run}}
        self._old_state = {{
            k: v for k, v in self._old_state.items() if k in widget_ids_this_run or not is_widget_id(k)
        }}

    def _reset_triggers(self):
        for store in (self._new_widget_state, self._old_state):
            for name in store:
                meta = self._widget_metadata.get(name)
                if meta is not None and meta.trigger:
                    store[name] = meta.default

    def register_widget(self, metadata, user_key):
        widget_id = metadata.id
        self._widget_metadata[widget_id] = metadata
        if user_key is not None:
            self._key_id_mapping[user_key] = widget_id
        if widget_id not in self and (user_key is None or user_key not in self):
            self._new_widget_state[widget_id] = copy.deepcopy(metadata.default)
        return copy.deepcopy(self[widget_id])
"""

SAFE_SESSION_STATE = """
import threading


class SafeSessionState:
    def __init__(self, state):
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_lock", threading.RLock())

    def __getitem__(self, key):
        with self._lock:
            return self._state[key]

    def __setitem__(self, key, value):
        with self._lock:
            self._state[key] = value

    def __delitem__(self, key):
        with self._lock:
            del self._state[key]

    def __contains__(self, key):
        with self._lock:
            return key in self._state

    def filtered_state(self):
        with self._lock:
            return self._state.filtered_state()

    def register_widget(self, metadata, user_key):
        with self._lock:
            return self._state.register_widget(metadata, user_key)
"""

SESSION_STATE_PROXY = """
import logging
from collections.abc import MutableMapping

from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState

_LOGGER = logging.getLogger(__name__)
MOCK_STATE = {mock_state}  # 1.35+: one process-wide stand-in; before: a new empty state per access
_state_use_warning_already_displayed = False
_mock_session_state = None


def get_session_state():
    global _state_use_warning_already_displayed, _mock_session_state
    ctx = get_script_run_ctx()
    if ctx is None:
        if not _state_use_warning_already_displayed:
            _state_use_warning_already_displayed = True
            if not runtime.exists():
                _LOGGER.warning("Session state does not function when running a script without `streamlit run`")
        if not MOCK_STATE:
            return SafeSessionState(SessionState())
        if _mock_session_state is None:
            _mock_session_state = SafeSessionState(SessionState())
        return _mock_session_state
    return ctx.session_state


class SessionStateProxy(MutableMapping):
    def __iter__(self):
        return iter(get_session_state().filtered_state())

    def __len__(self):
        return len(get_session_state().filtered_state())

    def __getitem__(self, key):
        return get_session_state()[str(key)]

    def __setitem__(self, key, value):
        get_session_state()[str(key)] = value

    def __delitem__(self, key):
        del get_session_state()[str(key)]

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(_missing_attr_error_message(key))

    def __setattr__(self, key, value):
        self[key] = value

    def __delattr__(self, key):
        try:
            del self[key]
        except KeyError:
            raise AttributeError(_missing_attr_error_message(key))


def _missing_attr_error_message(attr_name):
    return f'st.session_state has no attribute "{{attr_name}}". Did you forget to initialize it?' + {more_info!r}
"""

SCRIPTRUNNER_INIT = """
import threading

_ATTR = "streamlit_script_run_ctx"


class ScriptRunContext:
    def __init__(self, session_state, page):
        self.session_state = session_state
        self.page = page
        self.widget_ids_this_run = set()
        self.widgets_by_label = {}


def add_script_run_ctx(thread=None, ctx=None):
    setattr(thread or threading.current_thread(), _ATTR, ctx)


def get_script_run_ctx():
    return getattr(threading.current_thread(), _ATTR, None)
"""

SCRIPT_RUNNER = """
import datetime
import json
import os
import sys
import traceback
import types

from streamlit import runtime
from streamlit.runtime.scriptrunner import ScriptRunContext, add_script_run_ctx
from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState


def _log(message):
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    print(f"{stamp} {message}", file=sys.stderr, flush=True)


class Browser:
    '''One browser tab: a session on the server and the values its widgets show.'''

    def __init__(self, main_script, page=None):
        self.main_script = main_script
        self.page = page or main_script
        self.state = SessionState()
        self.safe = SafeSessionState(self.state)
        self.values = {}  # widget id -> value the tab sends back on the next run
        self.labels = {}  # label -> widget id, from the last run
        self.runs = 0

    def run(self, action):
        kind, *args = action
        sent = dict(self.values)
        if kind == "click":
            sent[self.labels[args[0]]] = True
        elif kind in ("set", "chat"):
            sent[self.labels[args[0]]] = args[1]
            if kind == "set":
                self.values[self.labels[args[0]]] = args[1]
        elif kind == "page":
            self.page = os.path.join(os.path.dirname(self.main_script), args[0])
        self.runs += 1
        print(f"--- run {self.runs}: {action}", flush=True)
        ctx = ScriptRunContext(self.safe, self.page)
        add_script_run_ctx(ctx=ctx)
        premature_stop = False
        try:
            module = types.ModuleType("__main__")
            sys.modules["__main__"] = module
            module.__dict__["__file__"] = self.page
            if self.runs > 1:
                self.state.on_script_will_rerun(sent)
            with open(self.page, encoding="utf-8") as script:
                code = compile(script.read(), self.page, "exec")
            exec(code, module.__dict__)
        except Exception as exc:
            _log("Uncaught app exception")
            traceback.print_exc()
            print(f"UI: {type(exc).__name__}: {exc}", flush=True)
            premature_stop = True
        finally:
            if not premature_stop:
                self.state.on_script_finished(ctx.widget_ids_this_run)
            add_script_run_ctx(ctx=None)
        self.labels = dict(ctx.widgets_by_label)
        self.values = {wid: v for wid, v in self.values.items() if wid in ctx.widget_ids_this_run}


def main(app):
    runtime._EXISTS = True
    sys.path.insert(0, os.path.dirname(os.path.abspath(app)))
    main_script = os.path.abspath(app)
    browser = Browser(main_script)
    for action in json.loads(os.environ.get("FAKE_ST_ACTIONS", '[["run"]]')):
        if action[0] == "new_tab":
            page = os.path.join(os.path.dirname(main_script), action[1]) if len(action) > 1 else None
            browser = Browser(main_script, page)
            action = ["run"]
        browser.run(action)
"""

ELEMENTS = """
import hashlib

from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state.session_state import WidgetMetadata


def _out(*parts):
    print(" ".join(str(part) for part in parts), flush=True)


def _widget(kind, label, default, key=None, trigger=False, on_change=None, args=None, kwargs=None):
    ctx = get_script_run_ctx()
    if ctx is None:  # bare mode: a widget just returns its default
        return default
    digest = hashlib.md5(f"{kind}-{label}-{ctx.page}".encode()).hexdigest()
    widget_id = f"$$WIDGET_ID-{digest}-{key}"
    ctx.widget_ids_this_run.add(widget_id)
    ctx.widgets_by_label[label] = widget_id
    meta = WidgetMetadata(widget_id, default, trigger, on_change, args, kwargs)
    return ctx.session_state.register_widget(meta, key)


def button(label, key=None, on_click=None, args=None, kwargs=None):
    return _widget("button", label, False, key, True, on_click, args, kwargs)


def checkbox(label, value=False, key=None, on_change=None, args=None, kwargs=None):
    return _widget("checkbox", label, value, key, False, on_change, args, kwargs)


def slider(label, min_value=0, max_value=100, value=None, key=None, on_change=None, args=None, kwargs=None):
    return _widget("slider", label, min_value if value is None else value, key, False, on_change, args, kwargs)


def text_input(label, value="", key=None, on_change=None, args=None, kwargs=None):
    return _widget("text_input", label, value, key, False, on_change, args, kwargs)


def chat_input(placeholder="Your message", key=None, on_submit=None, args=None, kwargs=None):
    return _widget("chat_input", placeholder, None, key, True, on_submit, args, kwargs)


class chat_message:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        _out("chat_message", self.name)
        return self

    def __exit__(self, *exc):
        return False


def write(*args):
    _out("write", *args)


def caption(text):
    _out("caption", text)
"""

INIT = """
import logging

logging.basicConfig(format="%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s", datefmt="%Y-%m-%d %H:%M:%S")

from streamlit.elements import button, caption, chat_message, checkbox, slider, text_input, write
from streamlit.runtime.state.session_state_proxy import SessionStateProxy

__version__ = "{version}"
session_state = SessionStateProxy()
{chat_input}
"""

MAIN = """
import sys

if sys.argv[1:2] == ["run"]:
    from streamlit.runtime.scriptrunner.script_runner import main

    main(sys.argv[2])
"""


def _v(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _uncaught(version: str) -> str:
    """The server log's line above an app's traceback in this release (streamlit/error_util.py)."""
    return "Uncaught app exception" if _v(version) < (1, 41) else "Uncaught app execution"


UNCAUGHT = ("Uncaught app exception", "Uncaught app execution")


def _more_info(version: str) -> str:
    if _v(version) < (1, 2):
        return ""
    return MORE_INFO["library"] if _v(version) < (1, 36) else MORE_INFO["develop"]


def _fake_streamlit(root: Path, version: str) -> Path:
    site = root / "lib" / "site-packages"
    more_info = _more_info(version)
    write_files(
        site,
        {
            "streamlit/__init__.py": INIT.format(
                version=version,
                chat_input="from streamlit.elements import chat_input" if _v(version) >= (1, 24) else "",
            ),
            "streamlit/__main__.py": MAIN,
            "streamlit/elements.py": ELEMENTS,
            "streamlit/runtime/__init__.py": "_EXISTS = False\n\n\ndef exists():\n    return _EXISTS\n",
            "streamlit/runtime/scriptrunner/__init__.py": SCRIPTRUNNER_INIT,
            "streamlit/runtime/scriptrunner/script_runner.py": SCRIPT_RUNNER.replace(
                "Uncaught app exception", _uncaught(version)
            ),
            "streamlit/runtime/state/__init__.py": "",
            "streamlit/runtime/state/session_state.py": SESSION_STATE.format(more_info=more_info),
            "streamlit/runtime/state/safe_session_state.py": SAFE_SESSION_STATE,
            "streamlit/runtime/state/session_state_proxy.py": SESSION_STATE_PROXY.format(
                more_info=more_info, mock_state=_v(version) >= (1, 35)
            ),
        },
    )
    return site


def _serve(tmp_path: Path, version: str, files: dict[str, str], actions=(("run",),), app="app.py"):
    """`streamlit run app.py` in the fake, driven by a scripted browser; the completed process."""
    site = _fake_streamlit(tmp_path / "fake", version)
    for name, code in files.items():
        target = tmp_path / "app" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(code), encoding="utf-8")
    env = {"FAKE_ST_ACTIONS": json.dumps([list(action) for action in actions])}
    return run_args(["-m", "streamlit", "run", app], path=site, cwd=tmp_path / "app", env=env, timeout=30)


def _bare(tmp_path: Path, version: str, code: str):
    """`python app.py` with the fake installed: no Streamlit server, no session."""
    site = _fake_streamlit(tmp_path / "fake", version)
    (tmp_path / "app.py").write_text(textwrap.dedent(code), encoding="utf-8")
    return run_args(["app.py"], path=site, cwd=tmp_path, timeout=30)


def _raised(result) -> list[str]:
    """The error each failed run raised, as the last line of its logged traceback."""
    blocks = re.split("|".join(UNCAUGHT), result.stderr)[1:]
    return [block.strip().splitlines()[-1] for block in blocks]


def _signatures() -> set[str]:
    return set(parse_entry(MD).errors)


@functools.cache
def _index():
    return memory_index(SOLUTIONS)


def _answers(text: str):
    hits = matcher.search(_index(), text).hits
    return hits[0] if hits else None


def _assert_this_entry_answers(text: str) -> None:
    top = _answers(text)
    assert top is not None and top.slug == SLUG and top.confident, (text, top)


READ_ITEM = """
import streamlit as st
for message in st.session_state["messages"]:
    st.write(message)
"""

READ_ATTR = """
import streamlit as st
for message in st.session_state.{name}:
    st.write(message)
"""


@pytest.mark.parametrize("version", ["1.1.0", "1.12.0", "1.30.0", "1.40.2", "1.67.0"])
def test_reproduces_each_wording_and_the_entry_lists_it(tmp_path, version):
    attr_name = "messages" if _v(version) < (1, 2) else "chat_history"
    item = _serve(tmp_path / "item", version, {"app.py": READ_ITEM})
    attr = _serve(tmp_path / "attr", version, {"app.py": READ_ATTR.format(name=attr_name)})
    [key_error] = _raised(item)
    [attr_error] = _raised(attr)
    tail = _more_info(version)
    assert (
        key_error
        == f"KeyError: 'st.session_state has no key \"messages\". Did you forget to initialize it?{tail}'"
    )
    assert (
        attr_error
        == f'AttributeError: st.session_state has no attribute "{attr_name}". Did you forget to initialize it?{tail}'
    )
    assert {key_error, attr_error} <= _signatures()
    # the attribute read is chained to the two KeyErrors, as the real traceback shows
    assert attr.stderr.count("During handling of the above exception, another exception occurred") == 2
    assert _uncaught(version) in item.stderr  # `execution`, not `exception`, from 1.41
    assert "site-packages/streamlit/runtime/state/session_state_proxy.py" in attr.stderr
    _assert_this_entry_answers(item.stderr)
    _assert_this_entry_answers(attr.stderr)


def test_other_key_names_and_a_pasted_message_match_as_the_entry_s(tmp_path):
    result = _serve(tmp_path, "1.67.0", {"app.py": READ_ATTR.format(name="conversation")})
    [raised] = _raised(result)
    assert raised not in _signatures()  # another key name: the matcher, not the list, has to find it
    _assert_this_entry_answers(raised)
    _assert_this_entry_answers('st.session_state has no key "page". Did you forget to initialize it?')


BRANCH = """
import streamlit as st
if st.button("Start"):
    st.session_state.started = True
st.write("started:", st.session_state.started)
"""

STATE_MODULE = {
    "state.py": """
        import streamlit as st
        st.session_state.setdefault("messages", [])  # module level: runs once per server process
    """,
    "app.py": """
        import streamlit as st
        import state  # noqa: F401
        st.write("messages:", len(st.session_state.messages))
    """,
}

HIDDEN_WIDGET = """
import streamlit as st
if st.checkbox("Show settings", value=True):
    st.slider("Volume", 0, 100, value=50, key="volume")
st.write("volume:", st.session_state["volume"])
"""

CALLBACK_WITHOUT_KEY = """
import streamlit as st
def save():
    st.session_state.saved = st.session_state.comment
st.text_input("Comment", on_change=save)
st.write("saved:", st.session_state.get("saved"))
"""

PAGES = {
    "Home.py": """
        import streamlit as st
        st.session_state.setdefault("user", "ann")
        st.text_input("Name", key="name")
    """,
    "pages/2_Report.py": """
        import streamlit as st
        st.write("user:", st.session_state.user)
        st.write("name:", st.session_state["name"])
    """,
}

CAUSES = {
    "a key set only in a button branch, first run": ({"app.py": BRANCH}, [["run"]], "app.py", [0]),
    "module-level init, second tab": (STATE_MODULE, [["run"], ["new_tab"]], "app.py", [1]),
    "keyed widget hidden, two runs later": (
        {"app.py": HIDDEN_WIDGET},
        [["run"], ["set", "Show settings", False], ["run"]],
        "app.py",
        [2],
    ),
    "callback reads a key the widget was not given": (
        {"app.py": CALLBACK_WITHOUT_KEY},
        [["run"], ["set", "Comment", "hi"]],
        "app.py",
        [1],
    ),
    "a page opened by its URL": (PAGES, [["new_tab", "pages/2_Report.py"]], "Home.py", [0]),
    "a Home widget key read on the next page, rerun": (
        PAGES,
        [["run"], ["set", "Name", "Bob"], ["page", "pages/2_Report.py"], ["run"]],
        "Home.py",
        [3],
    ),
}


@pytest.mark.parametrize("cause", list(CAUSES))
def test_each_cause_the_entry_names_fails_only_where_it_says(tmp_path, cause):
    files, actions, app, failing_runs = CAUSES[cause]
    result = _serve(tmp_path, "1.67.0", files, actions, app=app)
    runs = result.stdout.split("--- run ")[1:]
    failed = [n for n, run in enumerate(runs) if "UI: " in run]
    assert failed == failing_runs, result.stdout + result.stderr
    for raised in _raised(result):
        assert "Did you forget to initialize it?" in raised
        _assert_this_entry_answers(raised)


@pytest.mark.parametrize(("version", "works"), [("1.12.0", False), ("1.30.0", False), ("1.40.2", True)])
def test_bare_python_app_py_has_no_session_and_up_to_1_34_not_even_a_stand_in(tmp_path, version, works):
    code = """
        import streamlit as st
        st.session_state.setdefault("messages", [])
        print("messages:", st.session_state["messages"])
    """
    result = _bare(tmp_path, version, code)
    assert "Session state does not function when running a script without `streamlit run`" in result.stderr
    assert (result.returncode == 0) is works, result.stderr
    if not works:
        assert last_line(result) in _signatures()
    _assert_this_entry_answers(result.stderr)


THREAD_READS_STATE = """
import threading
import streamlit as st
st.session_state.setdefault("messages", ["hello there"])
out = {}
def work():
    try:
        out["words"] = len(st.session_state.messages)
    except AttributeError as exc:
        out["error"] = str(exc)
worker = threading.Thread(target=work)
worker.start()
worker.join()
st.write(out)
"""


def test_a_worker_thread_does_not_see_the_session(tmp_path):
    result = _serve(tmp_path, "1.40.2", {"app.py": THREAD_READS_STATE})
    assert not _raised(result), result.stderr
    assert (
        "'error': 'st.session_state has no attribute \"messages\". Did you forget to initialize it?"
        in result.stdout
    )


OPTION1_ACTIONS = [
    ["run"],
    ["click", "Like"],
    ["click", "Start"],
    ["chat", "Say something", "hi"],
    ["run"],
    ["new_tab"],
]


@pytest.mark.parametrize("version", ["1.30.0", "1.40.2", "1.67.0"])
def test_option1_app_survives_clicks_chat_reruns_and_a_new_tab(fix_code, tmp_path, version):
    result = _serve(tmp_path, version, {"app.py": fix_code(SLUG, 1)}, OPTION1_ACTIONS)
    assert not _raised(result), result.stderr
    runs = result.stdout.split("--- run ")[1:]
    assert "write likes: 0" in runs[0]
    assert "write likes: 1" in runs[1]  # the callback ran before the script body and found the key
    assert "write You said: hi" in runs[3] and "write You said: hi" in runs[4]  # kept across reruns
    assert "write likes: 0" in runs[5] and "You said" not in runs[5]  # a new tab starts clean
    assert all("caption model: default" in run for run in runs)


def test_option1_without_its_initialization_fails_with_this_error(fix_code, tmp_path):
    """The test has teeth: the same app without the setdefault lines fails on the first run."""
    code = "\n".join(
        line for line in fix_code(SLUG, 1).splitlines() if not line.startswith("st.session_state.setdefault")
    )
    assert "setdefault" not in code
    result = _serve(tmp_path, "1.67.0", {"app.py": code}, OPTION1_ACTIONS[:1])
    [raised] = _raised(result)
    assert raised.startswith('AttributeError: st.session_state has no attribute "')
    _assert_this_entry_answers(raised)


OPTION2_ACTIONS = [
    ["run"],
    ["set", "Volume", 70],
    ["set", "Show settings", False],
    ["run"],
    ["set", "Show settings", True],
]


@pytest.mark.parametrize("version", ["1.12.0", "1.30.0", "1.67.0"])
def test_option2_copy_outlives_the_hidden_widget(fix_code, tmp_path, version):
    result = _serve(tmp_path, version, {"app.py": fix_code(SLUG, 2)}, OPTION2_ACTIONS)
    assert not _raised(result), result.stderr
    runs = result.stdout.split("--- run ")[1:]
    assert "write volume: 50" in runs[0]
    assert all("write volume: 70" in run for run in runs[1:])


def test_option2_reading_the_widget_key_instead_fails_two_runs_after_hiding(fix_code, tmp_path):
    code = fix_code(SLUG, 2).replace(
        'st.write("volume:", st.session_state.saved_volume)', 'st.write("volume:", st.session_state.volume)'
    )
    assert "st.session_state.volume)" in code
    result = _serve(tmp_path, "1.67.0", {"app.py": code}, OPTION2_ACTIONS[:4])
    runs = result.stdout.split("--- run ")[1:]
    assert [n for n, run in enumerate(runs) if "UI: " in run] == [3]
    [raised] = _raised(result)
    assert (
        raised
        == f'AttributeError: st.session_state has no attribute "volume". Did you forget to initialize it?{MORE_INFO["develop"]}'
    )


def test_option3_says_streamlit_run(fix_code):
    assert "streamlit run app.py" in fix_code(SLUG, 3)


@pytest.mark.parametrize("version", ["1.12.0", "1.67.0"])
def test_option4_worker_gets_its_input_as_arguments(fix_code, tmp_path, version):
    result = _serve(tmp_path, version, {"app.py": fix_code(SLUG, 4)}, [["run"], ["run"]])
    assert not _raised(result), result.stderr
    assert result.stdout.count("write words: 5") == 2


def test_option4_worker_reading_session_state_itself_fails(fix_code, tmp_path):
    code = fix_code(SLUG, 4).replace("for m in messages)", "for m in st.session_state.messages)")
    assert "in st.session_state.messages)" in code
    result = _serve(tmp_path, "1.67.0", {"app.py": code})
    [raised] = _raised(result)  # raised in the thread, handed back and re-raised by the script
    assert raised.startswith('AttributeError: st.session_state has no attribute "messages"'), result.stderr
    assert "write words: 5" not in result.stdout


@pytest.mark.parametrize("version", ["1.12.0", "1.67.0"])
def test_option4_a_failing_worker_shows_its_own_error_not_a_missing_result(fix_code, tmp_path, version):
    """Chat messages are dicts (Option 1's): the worker fails, and the app must show why, not `KeyError: 'words'`."""
    code = fix_code(SLUG, 4).replace(
        '["hello there", "how are you"]', '[{"role": "user", "content": "hello there how are you"}]'
    )
    assert '"role": "user"' in code
    result = _serve(tmp_path, version, {"app.py": code})
    [raised] = _raised(result)
    assert raised == "AttributeError: 'dict' object has no attribute 'split'", result.stderr
    assert "UI: KeyError" not in result.stdout


def test_the_entry_s_look_alikes_are_not_answered_by_it():
    for text in parse_entry(MD).not_errors:
        top = _answers(text)
        assert top is None or not (top.slug == SLUG and top.confident), text
