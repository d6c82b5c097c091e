"""Verified fix for solutions/streamlit-removed-api.md.

The project does not install Streamlit, so the installs are fakes in tmp_path with the top-level names
of the real wheels' `streamlit/__init__.py`: 1.67.0 (no experimental_rerun / experimental_memo /
beta_columns / cache / experimental_get_query_params; a module `__getattr__` whose message names the
replacement, as streamlit/command_suggestions.py does from 1.65.0) and 1.25.0 (the old names, no
rerun / query_params). The tests reproduce the real AttributeError texts in a child interpreter, then
run the entry's own Option 1 checker (read from the Markdown) on a user's app.
"""

from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args

SLUG = "streamlit-removed-api"

COMMON = """
class _Column:
    def button(self, label):
        print("button", label)
        return True


def columns(n):
    return [_Column() for _ in range(n)]


class expander:
    def __init__(self, label):
        self.label = label

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


container = expander


def write(*args):
    print("write", *args)


def _decorator(func=None, **options):
    return func if callable(func) else (lambda f: f)
"""

STREAMLIT_1_67 = (
    COMMON
    + """
cache_data = cache_resource = fragment = dialog = _decorator


def rerun():
    print("rerun")


query_params = {}
_REMOVED = {
    "experimental_rerun": "st.rerun",
    "experimental_memo": "st.cache_data",
    "beta_columns": "st.columns",
    "beta_expander": "st.expander",
    "cache": "st.cache_data or st.cache_resource",
}


def __getattr__(name):
    message = f"module 'streamlit' has no attribute '{name}'"
    if name in _REMOVED:
        message += f". st.{name} has been removed. Use {_REMOVED[name]} instead."
    raise AttributeError(message, name=name, obj=None)
"""
)

STREAMLIT_1_25 = (
    COMMON
    + """
cache = cache_data = cache_resource = experimental_memo = experimental_singleton = _decorator


def experimental_rerun():
    print("experimental_rerun")


def experimental_get_query_params():
    return {}
"""
)

OLD_APP = """import streamlit as st


@st.experimental_memo(ttl=600)
def load(n):
    return list(range(n))


col1, col2 = st.beta_columns(2)
with st.beta_expander("More"):
    st.write(load(3))
if col1.button("Reset"):
    st.experimental_rerun()
"""

MIXED_APP = """import streamlit


@streamlit.cache(allow_output_mutation=True)
def model():
    return object()


params = streamlit.experimental_get_query_params()
streamlit.experimental_set_query_params(page="home")
"""

NEW_APP = """import streamlit as st

page = st.query_params.get("page", "home")
if st.chat_input("Say something"):
    st.rerun()
"""


def _site(tmp_path, release, text):
    site = tmp_path / f"site-{release}"
    write_file(site / "streamlit" / "__init__.py", text)
    fake_distribution(site, "streamlit", release, top_level="streamlit")
    return site


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reproduces_the_removed_name_errors(tmp_path):
    site = _site(tmp_path, "1.67.0", STREAMLIT_1_67)
    repro = run_args(["-c", "import streamlit as st; st.experimental_rerun()"], site, tmp_path)
    assert last_line(repro) == (
        "AttributeError: module 'streamlit' has no attribute 'experimental_rerun'. "
        "st.experimental_rerun has been removed. Use st.rerun instead."
    )
    old = _site(tmp_path, "1.25.0", STREAMLIT_1_25)
    repro = run_args(["-c", "import streamlit as st; st.rerun()"], old, tmp_path)
    assert last_line(repro) == "AttributeError: module 'streamlit' has no attribute 'rerun'"


def test_option1_lists_and_renames_on_a_new_install(fix_code, tmp_path):
    site = _site(tmp_path, "1.67.0", STREAMLIT_1_67)
    checker = _file(tmp_path, "st_check.py", fix_code(SLUG, 1))
    app = _file(tmp_path, "app.py", OLD_APP)
    before = run_args([str(app)], site, tmp_path)
    assert last_line(before) == (
        "AttributeError: module 'streamlit' has no attribute 'experimental_memo'. "
        "st.experimental_memo has been removed. Use st.cache_data instead."
    )

    listed = run_args([str(checker), str(app)], site, tmp_path)
    assert listed.returncode == 1, listed.stderr
    out = listed.stdout
    assert out.startswith("streamlit 1.67.0 (")
    assert f"{app}:4: st.experimental_memo -> st.cache_data  [fails from 1.37.0]" in out
    assert f"{app}:9: st.beta_columns -> st.columns  [fails from 1.23.0]" in out
    assert f"{app}:10: st.beta_expander -> st.expander  [fails from 1.23.0]" in out
    assert f"{app}:13: st.experimental_rerun -> st.rerun  [fails from 1.37.0]" in out
    assert app.read_text(encoding="utf-8") == OLD_APP  # listing does not write

    written = run_args([str(checker), "--write", str(app)], site, tmp_path)
    assert written.returncode == 1, written.stderr
    text = app.read_text(encoding="utf-8")
    assert "@st.cache_data(ttl=600)" in text and "st.columns(2)" in text
    assert 'with st.expander("More"):' in text and "    st.rerun()" in text

    again = run_args([str(checker), str(app)], site, tmp_path)
    assert again.returncode == 0, again.stdout
    assert "nothing fails on streamlit 1.67.0" in again.stdout
    after = run_args([str(app)], site, tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout.split() == ["write", "[0,", "1,", "2]", "button", "Reset", "rerun"]


def test_option1_only_lists_calls_that_need_a_choice(fix_code, tmp_path):
    site = _site(tmp_path, "1.67.0", STREAMLIT_1_67)
    checker = _file(tmp_path, "st_check.py", fix_code(SLUG, 1))
    app = _file(tmp_path, "app.py", MIXED_APP)
    result = run_args([str(checker), "--write", str(app)], site, tmp_path)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert (
        f"{app}:4: streamlit.cache -> @streamlit.cache_data for data (DataFrames, API results); "
        "@streamlit.cache_resource for models and connections"
    ) in out
    assert "[fails from 1.62.0]" in out
    assert (
        f"{app}:9: streamlit.experimental_get_query_params -> "
        "{k: streamlit.query_params.get_all(k) for k in streamlit.query_params}"
    ) in out
    assert (
        f"{app}:10: streamlit.experimental_set_query_params -> "
        "streamlit.query_params.clear(); streamlit.query_params.update(params)"
    ) in out
    assert app.read_text(encoding="utf-8") == MIXED_APP


def test_option1_on_an_old_install_names_the_newer_calls(fix_code, tmp_path):
    site = _site(tmp_path, "1.25.0", STREAMLIT_1_25)
    checker = _file(tmp_path, "st_check.py", fix_code(SLUG, 1))
    app = _file(tmp_path, "app.py", NEW_APP)
    result = run_args([str(checker), str(app)], site, tmp_path)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert out.startswith("streamlit 1.25.0 (")
    assert f"{app}:3: st.query_params needs streamlit >= 1.30.0: pip install -U streamlit" in out
    assert f"{app}:5: st.rerun needs streamlit >= 1.27.0: pip install -U streamlit" in out
    assert "chat_input" not in out  # 1.24.0 has it
    # old calls that still work here are listed, but not renamed to names this release lacks
    old = _file(tmp_path, "old.py", "import streamlit as st\n\nst.experimental_rerun()\n")
    result = run_args([str(checker), "--write", str(old)], site, tmp_path)
    assert result.returncode == 0, result.stdout
    assert (
        f"{old}:3: st.experimental_rerun -> st.rerun (needs streamlit >= 1.27.0: pip install -U streamlit)"
        "  [still works here, removed in 1.37.0]"
    ) in result.stdout
    assert old.read_text(encoding="utf-8") == "import streamlit as st\n\nst.experimental_rerun()\n"


def test_option1_says_when_streamlit_is_missing(fix_code, tmp_path):
    (tmp_path / "empty").mkdir()
    checker = _file(tmp_path, "st_check.py", fix_code(SLUG, 1))
    result = run_args([str(checker), str(_file(tmp_path, "app.py", OLD_APP))], tmp_path / "empty", tmp_path)
    assert result.returncode == 1
    assert "streamlit is not installed in this interpreter" in result.stderr
