"""Verified fix for solutions/compiled-extension-abi-mismatch.md.

Reproduces the loader's "undefined symbol" error for real: a freshly compiled C++ extension module
calls `c10::synapse_missing(int)`, a function in PyTorch's `c10` namespace that no loaded library
defines (as when flash-attn or vllm built for one torch is imported into another). Then runs the
entry's Option 1 script on that error and that `.so`: without torch it must demangle the symbol,
name PyTorch's c10 library and say torch is not importable; with a stand-in `torch` package whose
`lib/libc10.so` exports `c10::synapse_missing(long)` it must report the exact symbol that torch
lacks and what it has instead, and with a `libc10.so` that exports the right one, that nothing is
missing (and the extension then imports). Matching the error texts is other tests' job.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pyrun import run_args, run_python

SLUG = "compiled-extension-abi-mismatch"
SYMBOL = "_ZN3c1015synapse_missingEi"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ld.so wording is Linux")

EXT_CPP = """
#include <Python.h>
namespace c10 { void synapse_missing(int); }
static PyObject* answer(PyObject*, PyObject*) { c10::synapse_missing(1); return PyLong_FromLong(42); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "synapse_abiext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_synapse_abiext(void) { return PyModule_Create(&def); }
"""

# Without g++: the same mangled name, declared from C through an asm label.
EXT_C = f"""
#include <Python.h>
void synapse_missing(int) __asm__("{SYMBOL}");
static PyObject* answer(PyObject* self, PyObject* args) {{ synapse_missing(1); return PyLong_FromLong(42); }}
static PyMethodDef methods[] = {{{{"answer", answer, METH_NOARGS, ""}}, {{NULL, NULL, 0, NULL}}}};
static struct PyModuleDef def = {{PyModuleDef_HEAD_INIT, "synapse_abiext", NULL, -1, methods}};
PyMODINIT_FUNC PyInit_synapse_abiext(void) {{ return PyModule_Create(&def); }}
"""

FAKE_TORCH_INIT = '__version__ = "2.9.9+cpu"\nfrom . import _C, version  # noqa: F401\n'


def _compiler() -> tuple[str, str, str]:
    """(compiler, source, suffix): g++ with real C++, else gcc (python_include made sure of it) with an asm label."""
    if shutil.which("g++"):
        return "g++", EXT_CPP, "cpp"
    return "gcc", EXT_C, "c"


def _shared(compiler: str, source: Path, output: Path, *flags: str) -> None:
    subprocess.run(
        [compiler, "-shared", "-fPIC", *flags, "-o", str(output), str(source)], check=True, timeout=120
    )


def _libc10(tmp_path: Path, folder: Path, parameter: str) -> Path:
    """folder/libc10.so exporting c10::synapse_missing(<parameter>) (mangled by hand without g++)."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("g++"):
        src = tmp_path / f"c10_{parameter}.cpp"
        src.write_text(f"namespace c10 {{ void synapse_missing({parameter}) {{}} }}\n", encoding="utf-8")
        compiler = "g++"
    else:
        code = {"int": "i", "long": "l"}[parameter]
        src = tmp_path / f"c10_{parameter}.c"
        src.write_text(
            f'void f({parameter} x) __asm__("_ZN3c1015synapse_missingE{code}");\nvoid f({parameter} x) {{}}\n',
            encoding="utf-8",
        )
        compiler = "gcc"
    _shared(compiler, src, folder / "libc10.so")
    return folder / "libc10.so"


@pytest.fixture
def extension(tmp_path, python_include) -> Path:
    """mods/synapse_abiext.so: an extension module that needs c10::synapse_missing(int)."""
    include = python_include
    compiler, source, suffix = _compiler()
    src = tmp_path / f"ext.{suffix}"
    src.write_text(source, encoding="utf-8")
    mods = tmp_path / "mods"
    mods.mkdir()
    so = mods / "synapse_abiext.so"
    _shared(compiler, src, so, f"-I{include}")
    return so


@pytest.fixture
def script(fix_code, tmp_path) -> Path:
    path = tmp_path / "find_abi_mismatch.py"
    path.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return path


def _import_error(so: Path, tmp_path: Path) -> str:
    result = run_python("import synapse_abiext", path=so.parent, cwd=tmp_path)
    assert result.returncode != 0
    return result.stderr.strip().splitlines()[-1]


def _fake_torch(root: Path, tmp_path: Path, parameter: str) -> Path:
    """root/torch: version 2.9.9+cpu, cxx11 ABI on, and lib/libc10.so exporting synapse_missing(<parameter>)."""
    pkg = root / "torch"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(FAKE_TORCH_INIT, encoding="utf-8")
    (pkg / "_C.py").write_text("_GLIBCXX_USE_CXX11_ABI = True\n", encoding="utf-8")
    (pkg / "version.py").write_text("cuda = None\n", encoding="utf-8")
    _libc10(tmp_path, pkg / "lib", parameter)
    return root


def test_reproduces_the_loader_error(extension, tmp_path):
    assert _import_error(extension, tmp_path) == f"ImportError: {extension}: undefined symbol: {SYMBOL}"


def test_the_extension_imports_once_a_library_exports_the_symbol(extension, tmp_path):
    # torch loads libc10.so globally before its extensions: a libc10 with the right symbol cures the import
    lib = _libc10(tmp_path, tmp_path / "good", "int")
    code = (
        f"import ctypes; ctypes.CDLL({str(lib)!r}, mode=ctypes.RTLD_GLOBAL)\n"
        "import synapse_abiext; print(synapse_abiext.answer())"
    )
    result = run_python(code, path=extension.parent, cwd=tmp_path)
    assert result.stdout.strip() == "42", result.stderr


def test_option1_without_torch_demangles_and_blames_pytorch(extension, script, tmp_path):
    error = _import_error(extension, tmp_path)
    result = run_args([str(script), error], cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "torch:   NOT importable in this interpreter (ModuleNotFoundError" in out
    assert f"extension: {extension}\n" in out
    assert f"undefined symbol: {SYMBOL}" in out
    if shutil.which("c++filt"):
        assert "demangled: c10::synapse_missing(int)" in out
    else:
        assert "demangled: c10::synapse_missing(...)" in out
    assert "belongs to: PyTorch core (libc10.so / libc10_cuda.so)" in out
    assert (
        "VERDICT: the extension was compiled against PyTorch, and this interpreter has no importable torch."
        in out
    )
    if shutil.which("nm"):
        assert "synapse_abiext.so needs 1 PyTorch symbols" in out


def test_option1_with_a_torch_that_changed_the_signature(extension, script, tmp_path):
    if shutil.which("nm") is None:
        pytest.skip("needs nm (binutils)")
    site = _fake_torch(tmp_path / "site", tmp_path, "long")
    error = _import_error(extension, tmp_path)
    result = run_args([str(script), error], path=site, cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "torch:   2.9.9+cpu  CUDA none (CPU build)  cxx11 ABI True" in out
    if shutil.which("c++filt"):
        assert "missing from torch/lib: c10::synapse_missing(int)" in out
        assert "this torch has instead: c10::synapse_missing(long)" in out
    else:
        assert "missing from torch/lib: c10::synapse_missing(...)" in out
    assert (
        "VERDICT: the extension was compiled against a different PyTorch build than this one: torch 2.9.9+cpu"
        in out
    )


def test_option1_with_a_torch_that_has_the_symbol(extension, script, tmp_path):
    if shutil.which("nm") is None:
        pytest.skip("needs nm (binutils)")
    site = _fake_torch(tmp_path / "site", tmp_path, "int")
    result = run_args([str(script), str(extension)], path=site, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "synapse_abiext.so needs 1 PyTorch symbols\n  this torch exports all of them" in result.stdout
    assert "VERDICT" not in result.stdout


def test_option1_reads_abi_and_xformers_wordings_and_runs_bare(script, tmp_path):
    text = (
        "OSError: /venv/lib/python3.11/site-packages/torchaudio/lib/libtorchaudio.so: undefined symbol: "
        "_ZN3c1013MessageLogger6streamB5cxx11Ev\n"
        "WARNING[XFORMERS]: xFormers can't load C++/CUDA extensions. xFormers was built for:\n"
        "    PyTorch 2.2.0+cu121 with CUDA 1201 (you have 2.3.0+cu121)"
    )
    result = run_args([str(script), text], cwd=tmp_path)
    assert result.returncode == 1
    assert (
        "xformers was built for torch 2.2.0+cu121 (CUDA 1201); this environment has 2.3.0+cu121"
        in result.stdout
    )
    assert "built with the NEW C++ ABI (_GLIBCXX_USE_CXX11_ABI=1)" in result.stdout

    other = run_args(
        [str(script), "ImportError: /x/quantizer_op.so: undefined symbol: curandCreateGenerator"]
    )
    assert other.returncode == 0
    assert "belongs to: not a PyTorch symbol" in other.stdout
    assert "linked without the library that defines it" in other.stdout

    bare = run_args([str(script)], cwd=tmp_path)
    assert bare.returncode == 0 and "usage:" in bare.stdout
