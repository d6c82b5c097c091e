"""Verified fix for solutions/streamlit-cli-moved.md.

The project does not install Streamlit, so both layouts are fakes in tmp_path with the module paths
of the real wheels: 1.11 (`streamlit/cli.py`, `streamlit/scriptrunner/`) and 1.12+
(`streamlit/web/cli.py`, `streamlit/runtime/scriptrunner/`). The fake `cli.main()` prints the argv
it would run. The tests reproduce `No module named 'streamlit.cli'` on the new layout, then run the
entry's own Option 1 launcher and Option 2 context-helper import against both layouts.
"""

import os
import subprocess
import sys

from pyrun import run_python

SLUG = "streamlit-cli-moved"

CLI = "import sys\n\ndef main():\n    print('{where}', sys.argv[1:])\n    return 0\n"
CTX = (
    "def get_script_run_ctx():\n    return None\n\n"
    "def add_script_run_ctx(thread=None, ctx=None):\n    return thread\n"
)


def _write(root, rel: str, text: str = "") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _new_layout(site):  # streamlit >= 1.12
    _write(site, "streamlit/__init__.py", "__version__ = '1.67.0'\n")
    _write(site, "streamlit/web/__init__.py")
    _write(site, "streamlit/web/cli.py", CLI.format(where="streamlit.web.cli"))
    _write(site, "streamlit/runtime/__init__.py")
    _write(site, "streamlit/runtime/scriptrunner/__init__.py", CTX)


def _old_layout(site):  # streamlit 1.8 - 1.11
    _write(site, "streamlit/__init__.py", "__version__ = '1.11.1'\n")
    _write(site, "streamlit/cli.py", CLI.format(where="streamlit.cli"))
    _write(site, "streamlit/scriptrunner/__init__.py", CTX)


def _launch(launcher, tmp_path, *args: str) -> subprocess.CompletedProcess:
    """`python launcher args` as a user runs it, with the fake streamlit in tmp_path/site."""
    return subprocess.run(
        [sys.executable, str(launcher), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(tmp_path / "site")),
    )


def test_reproduces_streamlit_cli_import_error_on_new_layout(tmp_path):
    _new_layout(tmp_path / "site")
    result = run_python("from streamlit import cli as stcli\n", cwd=tmp_path, path=tmp_path / "site")
    assert result.returncode != 0
    assert "ImportError: cannot import name 'cli' from 'streamlit'" in result.stderr
    result = run_python("import streamlit.cli\n", cwd=tmp_path, path=tmp_path / "site")
    assert "ModuleNotFoundError: No module named 'streamlit.cli'" in result.stderr


def test_option1_launcher_uses_web_cli_on_new_layout(fix_code, tmp_path):
    _new_layout(tmp_path / "site")
    launcher = tmp_path / "app" / "run.py"
    launcher.parent.mkdir()
    launcher.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _launch(launcher, tmp_path, "--server.port", "8600")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("streamlit.web.cli ['run', ")
    assert str(launcher.with_name("app.py")) in result.stdout
    assert "'--server.port', '8600'" in result.stdout


def test_option1_launcher_falls_back_to_old_cli(fix_code, tmp_path):
    _old_layout(tmp_path / "site")
    launcher = tmp_path / "run.py"
    launcher.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _launch(launcher, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("streamlit.cli ['run', ")


def test_option1_launcher_does_not_hide_a_missing_streamlit(fix_code, tmp_path):
    (tmp_path / "site").mkdir()
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=tmp_path / "site")
    assert result.returncode != 0
    assert "No module named 'streamlit'" in result.stderr


def test_option2_finds_context_helpers_in_both_layouts(fix_code, tmp_path):
    for layout, expected in (
        (_new_layout, "streamlit.runtime.scriptrunner"),
        (_old_layout, "streamlit.scriptrunner"),
    ):
        site = tmp_path / expected
        layout(site)
        result = run_python(fix_code(SLUG, 2), cwd=tmp_path, path=site)
        assert result.returncode == 0, result.stderr
        assert f"context helpers from {expected}" in result.stdout
        assert "context outside `streamlit run`: None" in result.stdout


def test_option2_reraises_a_broken_dependency(fix_code, tmp_path):
    site = tmp_path / "site"
    _new_layout(site)
    _write(site, "streamlit/runtime/scriptrunner/__init__.py", "import pyarrow_not_installed_here\n")
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path, path=site)
    assert result.returncode != 0
    assert "No module named 'pyarrow_not_installed_here'" in result.stderr
