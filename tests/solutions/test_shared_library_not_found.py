"""Verified fix for solutions/shared-library-not-found.md.

Reproduces the loader's "cannot open shared object file" error for real: through ctypes, and (when a
C compiler and Python headers are present) by importing a freshly compiled extension module whose
own dependency, libsynapsedep.so.1, is not on the loader's path. Then runs the entry's Option 1
script: it must name that library from the module's ldd scan, say nothing is missing once the
folder is on LD_LIBRARY_PATH, and map a libGL error text to the Debian package libgl1.

psycopg 3 without [binary]: the real psycopg package of this environment fails to import with
"no pq wrapper available" while the system libpq is hidden from the child interpreter; the script must
name libpq.so.5, its Debian package and the psycopg[binary] alternative, from the error text and from
the installed package, and say nothing is missing once psycopg_binary is there or libpq is visible.
"""

import ctypes.util
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

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


# psycopg 3 installed without [binary] opens the system libpq with ctypes; without it `import psycopg`
# fails with "no pq wrapper available". The real psycopg package of this environment is copied into a
# site folder that the child sees alone (`python -S`: no psycopg_binary, no psycopg_c), and the system
# libpq is hidden from the child for real: in a mount namespace (`unshare -rm`) its files are covered
# with /dev/null and /etc/ld.so.cache with a cache rebuilt without them, so ctypes.util.find_library("pq")
# finds nothing, as on a machine without libpq5. Where there is no libpq at all, the child runs as is.

NO_PQ_WRAPPER = (
    "ImportError: no pq wrapper available.\n"
    "Attempts made:\n"
    "- couldn't import psycopg 'c' implementation: No module named 'psycopg_c'\n"
    "- couldn't import psycopg 'binary' implementation: No module named 'psycopg_binary'\n"
    "- couldn't import psycopg 'python' implementation: libpq library not found"
)

# sh -c HIDE_LIBPQ sh CACHE "FILES" argv...
HIDE_LIBPQ = """set -e
cache=$1; files=$2; shift 2
mount --make-rprivate /
for f in $files; do mount --bind /dev/null "$f"; done
ldconfig -X -C "$cache" 2>/dev/null
mount --bind "$cache" /etc/ld.so.cache
exec "$@"
"""

# psycopg's own pq loader without the rest of the package (which needs a working implementation)
LOAD_PQ = (
    "import sys, types; pkg = types.ModuleType('psycopg'); pkg.__path__ = [sys.argv[1]]; "
    "sys.modules['psycopg'] = pkg; import psycopg.pq; print(psycopg.pq.__impl__)"
)

FAKE_BINARY_PQ = """__impl__ = "binary"
__build_version__ = 180000
version = lambda: 180000
PGconn = PGresult = Conninfo = Escaping = PGcancel = PGcancelConn = object
"""


@pytest.fixture
def psycopg_site(tmp_path):
    """site/ holding the real psycopg package (and typing_extensions) and nothing else."""
    spec = importlib.util.find_spec("psycopg")
    assert spec is not None and spec.origin, "psycopg is in the dev extra"
    site = tmp_path / "site"
    shutil.copytree(Path(spec.origin).parent, site / "psycopg", ignore=shutil.ignore_patterns("__pycache__"))
    typing_extensions = importlib.util.find_spec("typing_extensions")
    if typing_extensions is not None and typing_extensions.origin:
        shutil.copy(typing_extensions.origin, site)
    return site


def _libpq_files() -> list[str]:
    """The files behind every libpq that the loader cache lists."""
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    listing = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=60, check=False).stdout
    found = re.findall(r"^\s*libpq\.so\S* \(.*\) => (\S+)$", listing, re.MULTILINE)
    return sorted({os.path.realpath(path) for path in found})


@pytest.fixture
def without_libpq(tmp_path):
    """A function turning argv into one that runs where ctypes.util.find_library('pq') is None."""
    if ctypes.util.find_library("pq") is None:
        return list
    assert shutil.which("unshare") and shutil.which("ldconfig"), (
        "util-linux and libc-bin hide the system libpq"
    )
    cache, files = str(tmp_path / "ld.so.cache"), " ".join(_libpq_files())

    def wrap(argv):
        return ["unshare", "-rm", "sh", "-c", HIDE_LIBPQ, "sh", cache, files, *argv]

    probe = _run(
        wrap([sys.executable, "-c", "import ctypes.util; print(ctypes.util.find_library('pq'))"]), tmp_path
    )
    assert probe.stdout.strip() == "None", f"could not hide the system libpq: {probe.stderr.strip()[-300:]}"
    return wrap


def test_reproduces_psycopg_no_pq_wrapper(psycopg_site, without_libpq, tmp_path):
    result = _run(
        without_libpq([sys.executable, "-S", "-c", "import psycopg"]), tmp_path, PYTHONPATH=str(psycopg_site)
    )
    assert result.returncode != 0
    assert NO_PQ_WRAPPER in result.stderr, result.stderr
    assert f"{psycopg_site / 'psycopg' / 'pq' / '__init__.py'}" in result.stderr

    # the wording when PSYCOPG_IMPL asks for the pure-Python implementation
    requested = _run(
        without_libpq([sys.executable, "-S", "-c", "import psycopg"]),
        tmp_path,
        PYTHONPATH=str(psycopg_site),
        PSYCOPG_IMPL="python",
    )
    assert (
        "ImportError: couldn't import requested psycopg 'python' implementation: libpq library not found"
        in requested.stderr
    ), requested.stderr


def test_psycopg_loads_once_binary_or_the_system_libpq_is_there(psycopg_site, without_libpq, tmp_path):
    loader = [sys.executable, "-S", "-c", LOAD_PQ, str(psycopg_site / "psycopg")]
    # the loader alone fails the same way, so the runs below test the fix, not the stub package
    failed = _run(without_libpq(loader), tmp_path, PYTHONPATH=str(psycopg_site))
    assert "- couldn't import psycopg 'python' implementation: libpq library not found" in failed.stderr
    # with psycopg_binary (what `pip install "psycopg[binary]"` adds) no system libpq is needed
    binary_site = tmp_path / "binary-site"
    (binary_site / "psycopg_binary").mkdir(parents=True)
    (binary_site / "psycopg_binary" / "__init__.py").write_text("", encoding="utf-8")
    (binary_site / "psycopg_binary" / "pq.py").write_text(FAKE_BINARY_PQ, encoding="utf-8")
    path = os.pathsep.join([str(psycopg_site), str(binary_site)])
    fixed = _run(without_libpq(loader), tmp_path, PYTHONPATH=path)
    assert fixed.stdout.strip() == "binary", fixed.stderr
    # with the system libpq visible, the pure-Python implementation loads it
    if ctypes.util.find_library("pq") is not None:
        system = _run(loader, tmp_path, PYTHONPATH=str(psycopg_site))
        assert system.stdout.strip() == "python", system.stderr


def test_option1_names_libpq_for_psycopg(fix_code, psycopg_site, without_libpq, tmp_path):
    script = tmp_path / "find_missing_libs.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    error = _run(
        without_libpq([sys.executable, "-S", "-c", "import psycopg"]), tmp_path, PYTHONPATH=str(psycopg_site)
    )
    assert NO_PQ_WRAPPER in error.stderr

    # from the error text
    result = _run([sys.executable, str(script), error.stderr], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "MISSING libpq.so.5: apt-get install -y libpq5" in result.stdout
    assert 'or, without the system library: pip install "psycopg[binary]"' in result.stdout

    assert shutil.which("ldd"), "libc-bin's ldd is what Option 1 reads"
    # from the installed package: ldd sees nothing (psycopg is pure Python), the run-time check does
    scan = [sys.executable, "-S", str(script), "psycopg"]
    result = _run(without_libpq(scan), tmp_path, PYTHONPATH=str(psycopg_site))
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "libpq.so.5 is needed by psycopg at run time (ctypes.util.find_library('pq') finds nothing)"
        in result.stdout
    )
    assert "MISSING libpq.so.5: apt-get install -y libpq5" in result.stdout

    # psycopg_binary installed: nothing is missing even without the system libpq
    binary_site = tmp_path / "binary-site"
    (binary_site / "psycopg_binary").mkdir(parents=True)
    (binary_site / "psycopg_binary" / "__init__.py").write_text("", encoding="utf-8")
    path = os.pathsep.join([str(psycopg_site), str(binary_site)])
    result = _run(without_libpq(scan), tmp_path, PYTHONPATH=path)
    assert result.returncode == 0 and "nothing is missing" in result.stdout, result.stdout + result.stderr

    # the system libpq visible: nothing is missing either
    if ctypes.util.find_library("pq") is not None:
        result = _run(scan, tmp_path, PYTHONPATH=str(psycopg_site))
        assert result.returncode == 0 and "nothing is missing" in result.stdout, result.stdout + result.stderr
