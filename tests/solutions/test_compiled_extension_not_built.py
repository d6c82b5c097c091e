"""Verified fix for solutions/compiled-extension-not-built.md.

Builds a tiny package, synapse_fastpkg, whose `answer()` needs its compiled `_C` extension (loaded lazily,
as sam2 and detectron2 do). The extension is compiled with gcc into an "installed" folder on PYTHONPATH;
a source checkout of the same package (pyproject.toml, no `.so`) sits next to a script. Run from the
checkout, Python imports the checkout and the extension is missing; run from elsewhere, or with
`python -P` (the entry's Option 2), the installed copy works. The entry's Option 1 script must name the
source checkout in that case, and an ABI tag mismatch when the only `.so` is built for another Python.
"""

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from pyrun import last_line, run_args, run_python

SLUG = "compiled-extension-not-built"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="gcc-built .so, Linux suffixes")

EXT_C = """
#include <Python.h>
static PyObject* answer(PyObject* self, PyObject* args) { return PyLong_FromLong(42); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_C", NULL, -1, methods};
PyMODINIT_FUNC PyInit__C(void) { return PyModule_Create(&def); }
"""

INIT = '''"""A package with a compiled part, imported on first use."""


def answer():
    from synapse_fastpkg import _C

    return _C.answer()
'''

USE = "import synapse_fastpkg\nprint(synapse_fastpkg.answer())\n"


@pytest.fixture
def layout(tmp_path, python_include):
    """tmp/site/synapse_fastpkg (with _C<EXT_SUFFIX>) and tmp/checkout/{synapse_fastpkg, pyproject.toml, use.py}."""
    include = python_include
    site, checkout = tmp_path / "site", tmp_path / "checkout"
    for root in (site, checkout):
        (root / "synapse_fastpkg").mkdir(parents=True)
        (root / "synapse_fastpkg" / "__init__.py").write_text(INIT, encoding="utf-8")
    (checkout / "pyproject.toml").write_text(
        '[project]\nname = "synapse-fastpkg"\nversion = "0.1"\n', encoding="utf-8"
    )
    (checkout / "use.py").write_text(USE, encoding="utf-8")
    (tmp_path / "ext.c").write_text(EXT_C, encoding="utf-8")
    so = site / "synapse_fastpkg" / f"_C{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", f"-I{include}", "-o", str(so), str(tmp_path / "ext.c")],
        check=True,
        timeout=120,
    )
    return site, checkout, so


@pytest.fixture
def script(fix_code, tmp_path) -> Path:
    path = tmp_path / "find_missing_extension.py"
    path.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return path


def test_the_checkout_shadows_the_installed_extension(layout, tmp_path):
    site, checkout, _ = layout
    lazy = run_args(["use.py"], path=site, cwd=checkout)
    init = checkout / "synapse_fastpkg" / "__init__.py"
    assert last_line(lazy) == f"ImportError: cannot import name '_C' from 'synapse_fastpkg' ({init})"
    direct = run_python("import synapse_fastpkg._C", path=site, cwd=checkout)
    assert last_line(direct) == "ModuleNotFoundError: No module named 'synapse_fastpkg._C'"
    # the same import from another folder finds the installed copy and its extension
    elsewhere = run_python(USE, path=site, cwd=tmp_path)
    assert elsewhere.stdout.strip() == "42", elsewhere.stderr


def test_option1_names_the_source_checkout(layout, script):
    site, checkout, _ = layout
    error = last_line(run_args(["use.py"], path=site, cwd=checkout))
    result = run_args([str(script), error], path=site, cwd=checkout)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert f"package: synapse_fastpkg imported from {checkout / 'synapse_fastpkg'}" in out
    assert f"that is the current directory, not the installed copy in {site / 'synapse_fastpkg'}" in out
    assert "compiled files for synapse_fastpkg._C: NONE" in out
    assert "VERDICT: SOURCE CHECKOUT WITHOUT THE EXTENSION" in out
    assert "run from another folder or with python -P (Option 2)" in out

    # the ModuleNotFoundError wording, without a path: the script finds the same copy by itself
    text = "ModuleNotFoundError: No module named 'synapse_fastpkg._C'"
    result = run_args([str(script), text], path=site, cwd=checkout)
    assert result.returncode == 1
    assert "VERDICT: SOURCE CHECKOUT WITHOUT THE EXTENSION" in result.stdout


def test_option1_names_an_abi_tag_mismatch(layout, script, tmp_path):
    site, _, so = layout
    other = "cpython-39" if sys.version_info[:2] != (3, 9) else "cpython-310"
    ours = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
    wrong = so.with_name(so.name.replace(ours, other))
    assert wrong != so
    so.rename(wrong)  # an extension built for another Python: this interpreter does not even look at it
    failed = run_python(USE, path=site, cwd=tmp_path)
    error = last_line(failed)
    assert (
        error
        == f"ImportError: cannot import name '_C' from 'synapse_fastpkg' ({site / 'synapse_fastpkg' / '__init__.py'})"
    )
    result = run_args([str(script), error], path=site, cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert f"{wrong}  [tag {wrong.name[3:-3]}: NOT for this interpreter]" in out
    assert f"VERDICT: ABI TAG MISMATCH: {wrong.name} was built for '{wrong.name[3:-3]}'" in out
    assert sysconfig.get_config_var("EXT_SUFFIX") in out


def test_option1_present_extension_and_other_errors(layout, script, tmp_path):
    site, _, so = layout
    result = run_args([str(script), "synapse_fastpkg._C"], path=site, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{so}  [tag {so.name[3:-3]}: loads here]" in result.stdout
    assert "VERDICT: the compiled part is present and matches this interpreter" in result.stdout

    missing_package = run_args(
        [str(script), "ModuleNotFoundError: No module named 'requests_not_here'"], cwd=tmp_path
    )
    assert missing_package.returncode == 0
    assert "is a package that is not installed, not a missing extension" in missing_package.stdout

    bare = run_args([str(script)], cwd=tmp_path)
    assert bare.returncode == 0 and "usage:" in bare.stdout


def test_option2_python_P_imports_the_installed_copy(layout):
    site, checkout, _ = layout
    fixed = run_args(["-P", "use.py"], path=site, cwd=checkout)
    assert fixed.stdout.strip() == "42", fixed.stderr
    safe = run_args(["use.py"], path=site, cwd=checkout, env={"PYTHONSAFEPATH": "1"})
    assert safe.stdout.strip() == "42", safe.stderr
