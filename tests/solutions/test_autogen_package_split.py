"""Verified fix for solutions/autogen-package-split.md.

The project does not install AutoGen, so the installs are written to tmp_path with the shape of the
real wheels: pyautogen 0.10.0 (an empty `pyautogen` proxy) + autogen-agentchat 0.7.5
(`autogen_agentchat`), which has no `autogen` module; pyautogen 0.2.35 and autogen-agentchat 0.2.40,
which both ship `autogen/`. Each has a dist-info with RECORD so importlib.metadata sees it. The tests
reproduce `No module named 'autogen'` and run the entry's own Option 1 check against those installs.
Option 2 (the 0.4 port) runs only where autogen-agentchat is really installed.
"""

from fake_site import fake_distribution
from pyrun import run_python

SLUG = "autogen-package-split"


def _new_generation(tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "pyautogen", "0.10.0", {"pyautogen/__init__.py": ""})
    fake_distribution(
        site, "autogen-agentchat", "0.7.5", {"autogen_agentchat/__init__.py": "__version__ = '0.7.5'\n"}
    )
    return site


def test_reproduces_no_module_named_autogen_after_pip_install_pyautogen(tmp_path):
    site = _new_generation(tmp_path)
    result = run_python("import autogen\n", cwd=tmp_path, path=site)
    assert result.returncode != 0
    assert "ModuleNotFoundError: No module named 'autogen'" in result.stderr
    assert run_python("import autogen_agentchat, pyautogen\n", cwd=tmp_path, path=site).returncode == 0


def test_option1_shows_which_package_provides_which_import(fix_code, tmp_path):
    site = _new_generation(tmp_path)
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("import autogen ") and "NOT importable" in line for line in lines), (
        result.stdout
    )
    assert any(
        line.startswith("import autogen_agentchat") and "from autogen-agentchat 0.7.5" in line
        for line in lines
    ), result.stdout
    assert "pyautogen 0.10.0" in result.stdout
    assert 'pip install "autogen-agentchat~=0.2.0"' in result.stdout
    assert "CONFLICT" not in result.stdout


def test_option1_flags_two_packages_writing_the_autogen_folder(fix_code, tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "pyautogen", "0.2.35", {"autogen/__init__.py": ""})
    fake_distribution(site, "autogen-agentchat", "0.2.40", {"autogen/__init__.py": ""})
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert "CONFLICT: autogen-agentchat and pyautogen all write the same autogen/ folder" in result.stdout
