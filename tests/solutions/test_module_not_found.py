"""module-not-found: real interpreters (fresh venvs), real imports, real pip and pytest; no network.

Two venvs made with `python -m venv --without-pip` (fast): `bare` has no pip at all (the `No module named pip`
error), `other` reaches this project's own pip through a .pth file so it can install offline. Reproduced:
`No module named 'requests'` in a venv although this test's interpreter has requests (one interpreter's
packages are not another's), `<python>: No module named pip`, `No module named 'app'` for `python app/main.py`,
and pytest failing to import a src-layout package. Run from the Markdown: Option 1 (its interpreter probe, and
its `python -m pip install` line with the package swapped for a local wheel built here, PIP_NO_INDEX=1), Option 3
(`python -m app.main`, the PYTHONPATH line, the pytest `pythonpath` setting), Option 4's cell, Option 5's
`require()` in the bare venv. Not run: Option 1's uv line (uv not installed), Option 2 (PyPI downloads;
`ensurepip` takes ~7 s), Option 3's `pip install -e .` (needs the build backend from PyPI), Jupyter/IDE setup.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from entry_blocks import option_blocks

SLUG = "module-not-found"


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(PYTHONDONTWRITEBYTECODE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def sh(command: str, cwd, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def make_venv(path: Path, with_project_pip: bool = False) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=60)
    if with_project_pip:
        site = subprocess.run(
            [str(path / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        link = path / "project-pip"
        link.mkdir()
        (link / "pip").symlink_to(Path(sysconfig.get_paths()["purelib"]) / "pip")
        Path(site, "project_pip.pth").write_text(f"{link}\n")
    return path / "bin" / "python"


def make_wheel(folder: Path) -> Path:
    """A minimal pure-Python wheel of a module nobody has installed."""
    wheel = folder / "synapse_demo_mod-1.0-py3-none-any.whl"
    info = "synapse_demo_mod-1.0.dist-info"
    files = {
        "synapse_demo_mod.py": "VALUE = 42\n",
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: synapse-demo-mod\nVersion: 1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: synapse-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr(f"{info}/RECORD", "".join(f"{name},,\n" for name in [*files, f"{info}/RECORD"]))
    return wheel


@pytest.fixture(scope="module")
def venvs(tmp_path_factory):
    root = tmp_path_factory.mktemp("venvs")
    return make_venv(root / "bare"), make_venv(root / "other", with_project_pip=True)


def test_each_interpreter_has_its_own_packages(venvs):
    bare, _ = venvs
    import requests  # noqa: F401  (installed for this interpreter)

    result = subprocess.run(
        [str(bare), "-c", "import requests"], capture_output=True, text=True, env=clean_env()
    )
    assert result.stderr.strip().splitlines()[-1] == "ModuleNotFoundError: No module named 'requests'"
    nopip = subprocess.run(
        [str(bare), "-m", "pip", "--version"], capture_output=True, text=True, env=clean_env()
    )
    assert nopip.returncode == 1
    assert nopip.stderr.strip() == f"{bare}: No module named pip"


def test_option1_install_with_the_running_interpreter(venvs, fix_code, tmp_path):
    bare, other = venvs
    lines = [
        line.split("  #")[0].strip() for line in fix_code(SLUG).splitlines() if line.startswith("python ")
    ]
    probe, version, install = lines
    env = clean_env(PATH=f"{other.parent}{os.pathsep}{os.environ['PATH']}", PIP_NO_INDEX="1")
    assert sh(probe, tmp_path, env).stdout.split() == [str(other), str(other.parent.parent)]
    assert sh(version, tmp_path, env).returncode == 0
    assert install.endswith(" requests")
    wheel = make_wheel(tmp_path)
    done = sh(install.removesuffix("requests") + str(wheel), tmp_path, env)
    assert done.returncode == 0, done.stderr
    imported = sh('python -c "import synapse_demo_mod; print(synapse_demo_mod.VALUE)"', tmp_path, env)
    assert imported.stdout.strip() == "42"
    elsewhere = subprocess.run(
        [str(bare), "-c", "import synapse_demo_mod"], capture_output=True, text=True, env=clean_env()
    )
    assert "ModuleNotFoundError: No module named 'synapse_demo_mod'" in elsewhere.stderr


def test_option3_run_as_module_or_with_pythonpath(venvs, tmp_path, fix_code):
    bare, _ = venvs  # this project's own venv has a package named `app` installed: use a clean interpreter
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "util.py").write_text("NAME = 'util'\n")
    (project / "app" / "main.py").write_text("from app import util\nprint('main ok', util.NAME)\n")
    (project / "src" / "mypkg").mkdir(parents=True)
    (project / "src" / "mypkg" / "__init__.py").write_text("")
    (project / "src" / "mypkg" / "cli.py").write_text("print('cli ok')\n")
    env = clean_env(PATH=f"{bare.parent}{os.pathsep}{os.environ['PATH']}")

    wrong = sh("python app/main.py", project, env)
    assert wrong.stderr.strip().splitlines()[-1] == "ModuleNotFoundError: No module named 'app'"
    lines = [line.split("  #")[0].strip() for line in fix_code(SLUG, 3).splitlines()]
    module_line = next(line for line in lines if line.startswith("python -m app.main"))
    path_line = next(line for line in lines if line.startswith("PYTHONPATH=src"))
    assert sh(module_line, project, env).stdout.strip() == "main ok util"
    assert sh(path_line, project, env).stdout.strip() == "cli ok"


def test_option3_pytest_pythonpath_setting(tmp_path):
    toml = next(code for language, code in option_blocks(SLUG, 3) if language == "toml")
    project = tmp_path / "proj"
    (project / "src" / "mypkg").mkdir(parents=True)
    (project / "src" / "mypkg" / "__init__.py").write_text("ANSWER = 42\n")
    (project / "tests").mkdir()
    (project / "tests" / "test_pkg.py").write_text(
        "import mypkg\n\ndef test_answer():\n    assert mypkg.ANSWER == 42\n"
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    (project / "pyproject.toml").write_text("[project]\nname = 'proj'\nversion = '0'\n")
    env = clean_env(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTEST_ADDOPTS="")
    before = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env, timeout=60)
    assert before.returncode != 0
    assert "ModuleNotFoundError: No module named 'mypkg'" in before.stdout
    (project / "pyproject.toml").write_text("[project]\nname = 'proj'\nversion = '0'\n\n" + toml + "\n")
    after = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env, timeout=60)
    assert after.returncode == 0, after.stdout
    assert "1 passed" in after.stdout


def test_option4_cell_shows_the_kernel_interpreter(venvs, fix_code):
    bare, _ = venvs
    result = subprocess.run(
        [str(bare), "-c", fix_code(SLUG, 4)], capture_output=True, text=True, env=clean_env()
    )
    assert result.stdout.strip() == str(bare)


def test_option5_require_explains_the_fix(venvs, fix_code, tmp_path):
    bare, _ = venvs
    code = fix_code(SLUG, 5)
    demo = subprocess.run([str(bare), "-c", code], capture_output=True, text=True, env=clean_env())
    assert demo.stdout.strip() == f"json ok from {bare}"

    missing = subprocess.run(
        [str(bare), "-c", code.replace('if __name__ == "__main__":', "if False:") + "\nrequire('yaml')\n"],
        capture_output=True, text=True, env=clean_env(),
    )  # fmt: skip
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"missing 'yaml' in {bare}\n  fix: {bare} -m pip install pyyaml"

    (tmp_path / "outer_pkg_zz.py").write_text("import inner_missing_zz\n")
    inner = subprocess.run(
        [str(bare), "-c", code.replace('if __name__ == "__main__":', "if False:") + "\nrequire('outer_pkg_zz')\n"],
        capture_output=True, text=True, env=clean_env(PYTHONPATH=str(tmp_path)),
    )  # fmt: skip
    assert inner.stderr.strip().splitlines()[-1] == "ModuleNotFoundError: No module named 'inner_missing_zz'"
