"""Verified fix for solutions/shared-library-not-found.md.

Reproduces the loader's "cannot open shared object file" error for real: through ctypes, and (when a
C compiler and Python headers are present) by importing a freshly compiled extension module whose
own dependency, libsynapsedep.so.1, is not on the loader's path. Then runs the entry's Option 1
script: it must name that library from the module's ldd scan, say nothing is missing once the
folder is on LD_LIBRARY_PATH, and map a libGL error text to the Debian package libgl1.
"""

import os
import shutil
import subprocess
import sys

import pytest

SLUG = "shared-library-not-found"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ld.so / ldd are Linux")

EXT_C = """
#include <Python.h>
int synapse_dep_answer(void);
static PyObject* answer(PyObject* self, PyObject* args) { return PyLong_FromLong(synapse_dep_answer()); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "synapse_fakeext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_synapse_fakeext(void) { return PyModule_Create(&def); }
"""


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def _run(args, cwd, **env):
    return subprocess.run(
        args, capture_output=True, text=True, cwd=cwd, env=_env(**env), timeout=60, check=False
    )


@pytest.fixture
def fake_extension(tmp_path, python_include):
    """mods/synapse_fakeext.so linked against libs/libsynapsedep.so.1 (a folder the loader does not search)."""
    include = python_include
    libs, mods = tmp_path / "libs", tmp_path / "mods"
    libs.mkdir()
    mods.mkdir()
    (tmp_path / "dep.c").write_text("int synapse_dep_answer(void) { return 42; }\n", encoding="utf-8")
    (tmp_path / "ext.c").write_text(EXT_C, encoding="utf-8")
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-Wl,-soname,libsynapsedep.so.1",
            "-o",
            str(libs / "libsynapsedep.so.1"),
            str(tmp_path / "dep.c"),
        ],
        check=True,
        timeout=60,
    )
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            f"-I{include}",
            "-o",
            str(mods / "synapse_fakeext.so"),
            str(tmp_path / "ext.c"),
            f"-L{libs}",
            "-l:libsynapsedep.so.1",
        ],
        check=True,
        timeout=60,
    )
    return mods, libs


def test_reproduces_oserror_from_ctypes(tmp_path):
    result = _run([sys.executable, "-c", "import ctypes; ctypes.CDLL('libsynapse-missing.so.1')"], tmp_path)
    assert result.returncode != 0
    assert (
        "OSError: libsynapse-missing.so.1: cannot open shared object file: No such file or directory"
        in result.stderr
    )


def test_reproduces_importerror_from_an_extension_module(fake_extension, tmp_path):
    mods, libs = fake_extension
    result = _run([sys.executable, "-c", "import synapse_fakeext"], tmp_path, PYTHONPATH=str(mods))
    assert result.returncode != 0
    assert (
        "ImportError: libsynapsedep.so.1: cannot open shared object file: No such file or directory"
        in result.stderr
    )
    fixed = _run(
        [sys.executable, "-c", "import synapse_fakeext; print(synapse_fakeext.answer())"],
        tmp_path,
        PYTHONPATH=str(mods),
        LD_LIBRARY_PATH=str(libs),
    )
    assert fixed.stdout.strip() == "42", fixed.stderr


def test_option1_names_the_missing_library_of_an_installed_module(fix_code, fake_extension, tmp_path):
    if shutil.which("ldd") is None:
        pytest.skip("no ldd")
    mods, libs = fake_extension
    script = tmp_path / "find_missing_libs.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _run([sys.executable, str(script), "synapse_fakeext"], tmp_path, PYTHONPATH=str(mods))
    assert result.returncode == 1, result.stderr
    assert f"libsynapsedep.so.1 is needed by {mods / 'synapse_fakeext.so'}" in result.stdout
    assert "MISSING libsynapsedep.so.1: apt-cache search --names-only libsynapsedep" in result.stdout

    # once the loader can find the folder, the same scan reports nothing missing
    result = _run(
        [sys.executable, str(script), "synapse_fakeext"],
        tmp_path,
        PYTHONPATH=str(mods),
        LD_LIBRARY_PATH=str(libs),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing is missing" in result.stdout


def test_option1_maps_error_texts_to_debian_packages(fix_code, tmp_path):
    script = tmp_path / "find_missing_libs.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    text = (
        "ImportError: libGL.so.1: cannot open shared object file: No such file or directory\n"
        "OSError: cannot load library 'libcairo.so.2': libcairo.so.2: cannot open shared object file"
    )
    result = _run([sys.executable, str(script), text], tmp_path)
    assert result.returncode == 1
    assert "MISSING libGL.so.1: apt-get install -y libgl1" in result.stdout
    assert "MISSING libcairo.so.2: apt-get install -y libcairo2" in result.stdout


def test_option1_runs_bare_and_refuses_a_module_that_is_not_installed(fix_code, tmp_path):
    bare = _run([sys.executable, "-c", fix_code(SLUG, 1)], tmp_path)
    assert bare.returncode == 0 and "usage:" in bare.stdout
    script = tmp_path / "find_missing_libs.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _run([sys.executable, str(script), "synapse_not_installed_xyz"], tmp_path)
    assert result.returncode == 1
    assert "is not installed" in result.stderr
