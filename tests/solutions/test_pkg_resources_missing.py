"""Verified fix for solutions/pkg-resources-missing.md.

Creates a real virtual environment without pip or setuptools (what `python -m venv` on 3.12+ and
`uv venv` give, as far as setuptools goes), shows `import pkg_resources` fails there with the real
ModuleNotFoundError, then runs the entry's Option 2 code (the standard-library replacement) in that
same environment: it must read a distribution's version, entry point and data file without
pkg_resources.
"""

import os
import subprocess
import sys
import venv

import pytest

SLUG = "pkg-resources-missing"


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """The interpreter of a venv with nothing installed (no pip, no setuptools)."""
    root = tmp_path_factory.mktemp("bare") / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False, clear=True).create(root)
    exe = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    assert exe.exists()
    return str(exe)


def _run(python, args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [python, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60, check=False
    )


def test_reproduces_no_module_named_pkg_resources(bare_python, tmp_path):
    result = _run(bare_python, ["-c", "import pkg_resources"], tmp_path)
    assert result.returncode != 0
    assert "ModuleNotFoundError: No module named 'pkg_resources'" in result.stderr
    result = _run(bare_python, ["-c", "from pkg_resources import get_distribution"], tmp_path)
    assert "No module named 'pkg_resources'" in result.stderr


@pytest.mark.skipif(sys.version_info < (3, 9), reason="Option 2 needs importlib.resources.files (3.9+)")
def test_option2_standard_library_replacement_runs_without_setuptools(fix_code, bare_python, tmp_path):
    script = tmp_path / "port.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")
    result = _run(bare_python, ["-W", "error", str(script)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "version: 1.2.0 | missing dist: None" in result.stdout
    assert "entry point: hello -> hello from demo_plugin" in result.stdout
    assert "resource: You are a helpful agent." in result.stdout
    assert "pkg_resources imported: False" in result.stdout
