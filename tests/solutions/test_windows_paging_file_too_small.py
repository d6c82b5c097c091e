"""Verified fix for solutions/windows-paging-file-too-small.md.

This machine is Linux and has no torch, so the Windows DLL loader is a fake in tmp_path while the
code that formats the message is torch's own: the block `if sys.platform == "win32": ... _load_dll_libraries()`
is copied word for word from torch 2.14.1's torch/__init__.py (the wheel torch-2.14.1-cp311-cp311-
manylinux_2_28_x86_64.whl; the same `Error loading "{dll}" or one of its dependencies.` text is in 1.6.0-2.14.1),
and the older loop `for dll in dlls: ctypes.CDLL(dll)` word for word from torch 1.5.0. The fake `ctypes` gives
that code what Windows would: `kernel32.LoadLibraryExW` returns NULL with last error 1455, `FormatError` returns
the system text with its CR LF, `WinError` is CPython 3.11's Lib/ctypes/__init__.py word for word, an OSError
with `winerror` prints `[WinError N] text` as CPython's OSError_str does on Windows, and `CDLL` fails the way
_ctypes' load_library does (PyErr_SetFromWindowsErr, which strips trailing dots). Each run is a child interpreter
doing `import torch`; its last stderr line must be the entry's signature. A real spawn-context multiprocessing
pool shows what Option 2 says about workers re-importing modules. Option 4's script runs here (not Windows: exit
0) and its arithmetic is fed fake MEMORYSTATUSEX values; its struct is checked against the documented layout.
"""

import ctypes
import re
import textwrap
from pathlib import Path
from types import SimpleNamespace

from entry_blocks import option_blocks
from pyrun import last_line, run_args, run_python, script_names

from app.corpus.entries import parse_entry

SLUG = "windows-paging-file-too-small"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
GIB = 1024**3

# ctypes as torch's loader sees it on Windows when the commit limit is exhausted.
FAKE_CTYPES = r'''
import builtins
import os

_LAST_ERROR = int(os.environ.get("FAKE_LAST_ERROR", "1455"))
_LANG = os.environ.get("FAKE_WINDOWS_LANG", "en")
# FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM, ...) texts; Windows ends each with CR LF
_MESSAGES = {
    ("en", 1455): "The paging file is too small for this operation to complete.\r\n",
    ("zh", 1455): "\u9875\u9762\u6587\u4ef6\u592a\u5c0f\uff0c\u65e0\u6cd5\u5b8c\u6210\u64cd\u4f5c\u3002\r\n",
    ("es", 1455): "El archivo de paginaci\u00f3n es demasiado peque\u00f1o para completar la operaci\u00f3n.\r\n",
    ("en", 126): "The specified module could not be found.\r\n",
}


class OSError(builtins.OSError):
    """An OSError that prints as CPython's does on Windows when winerror is set (Objects/exceptions.c)."""

    __module__ = "builtins"

    def __init__(self, errno=None, strerror=None, filename=None, winerror=None):
        super().__init__(errno, strerror, filename)
        self.winerror = winerror

    def __str__(self):
        if self.winerror and self.strerror:
            return "[WinError %s] %s" % (self.winerror, self.strerror)
        return super().__str__()


def FormatError(code):
    return _MESSAGES[(_LANG, code)]


def get_last_error():
    return _LAST_ERROR


GetLastError = get_last_error
c_void_p = object()  # only assigned to restype


# CPython 3.11 Lib/ctypes/__init__.py, word for word
def WinError(code=None, descr=None):
    if code is None:
        code = GetLastError()
    if descr is None:
        descr = FormatError(code).strip()
    return OSError(None, descr, None, code)


def _set_from_windows_err(code):
    """PyErr_SetFromWindowsErr (Python/errors.c): "remove trailing cr/lf and dots"."""
    text = FormatError(code)
    while text and (text[-1] <= " " or text[-1] == "."):
        text = text[:-1]
    return OSError(None, text, None, code)


class _Function:
    def __init__(self, result):
        self.result = result
        self.restype = None

    def __call__(self, *args):
        return self.result


class _Kernel32:
    AddDllDirectory = _Function(1)
    SetErrorMode = _Function(0)
    LoadLibraryExW = _Function(None)  # NULL: the load failed, the reason is in get_last_error()
    LoadLibraryW = _Function(None)


def WinDLL(name, use_last_error=False):
    return _Kernel32()


class CDLL:
    def __init__(self, name, *args, **kwargs):
        if os.path.isabs(name):  # a DLL of torch\lib (the VC++ runtime names load fine)
            raise _set_from_windows_err(_LAST_ERROR)


def rust_io_error(code):
    """What safetensors raises when its memory map fails: Rust std's Windows error_string (FormatMessageW,
    trim_end) in io::Error's Display "{detail} (os error {code})", turned into a plain OSError by PyO3."""
    return builtins.OSError("%s (os error %d)" % (FormatError(code).rstrip(), code))
'''

HEADER = """
import builtins
import glob
import os
import platform
import sys
import sysconfig
import textwrap

import _fake_windows as ctypes

sysconfig.get_config_vars()  # computed as on this machine before sys.platform says win32
os.add_dll_directory = lambda path: None  # a Windows-only function
sys.platform = "win32"
"""

# torch 2.14.1 torch/__init__.py, word for word (1.6.0-2.13.0 raise the same text the same way)
TORCH_2_14_1 = r'''
if sys.platform == "win32":

    def _load_dll_libraries() -> None:
        import importlib.util
        import sysconfig

        from torch.version import cuda as cuda_version

        pfiles_path = os.getenv("ProgramFiles", r"C:\Program Files")
        py_dll_path = os.path.join(sys.exec_prefix, "Library", "bin")
        th_dll_path = os.path.join(os.path.dirname(__file__), "lib")
        # Anchor the DLL dir on the compiled _C extension rather than __file__:
        # editable installs (e.g. scikit-build-core) run this __init__ from the
        # source tree, whose lib/ is empty, while _C and its dependent DLLs live
        # in the installed tree. In a wheel install both resolve to the same dir.
        _spec = importlib.util.find_spec("torch._C")
        if _spec is not None and _spec.origin:
            th_dll_path = os.path.join(os.path.dirname(_spec.origin), "lib")
        usebase_path = os.path.join(
            sysconfig.get_config_var("userbase"), "Library", "bin"
        )
        py_root_bin_path = os.path.join(sys.exec_prefix, "bin")

        # When users create a virtualenv that inherits the base environment,
        # we will need to add the corresponding library directory into
        # DLL search directories. Otherwise, it will rely on `PATH` which
        # is dependent on user settings.
        if sys.exec_prefix != sys.base_exec_prefix:
            base_py_dll_path = os.path.join(sys.base_exec_prefix, "Library", "bin")
        else:
            base_py_dll_path = ""

        dll_paths = [
            p
            for p in (
                th_dll_path,
                py_dll_path,
                base_py_dll_path,
                usebase_path,
                py_root_bin_path,
            )
            if os.path.exists(p)
        ]

        if not builtins.any(
            os.path.exists(os.path.join(p, "nvToolsExt64_1.dll")) for p in dll_paths
        ):
            nvtoolsext_dll_path = os.path.join(
                os.getenv(
                    "NVTOOLSEXT_PATH",
                    os.path.join(pfiles_path, "NVIDIA Corporation", "NvToolsExt"),
                ),
                "bin",
                "x64",
            )
        else:
            nvtoolsext_dll_path = ""

        if cuda_version and builtins.all(
            not glob.glob(os.path.join(p, "cudart64*.dll")) for p in dll_paths
        ):
            cuda_version_1 = cuda_version.replace(".", "_")
            cuda_path_var = "CUDA_PATH_V" + cuda_version_1
            default_path = os.path.join(
                pfiles_path, "NVIDIA GPU Computing Toolkit", "CUDA", f"v{cuda_version}"
            )
            cuda_path = os.path.join(os.getenv(cuda_path_var, default_path), "bin")
        else:
            cuda_path = ""

        dll_paths.extend(
            p for p in (nvtoolsext_dll_path, cuda_path) if os.path.exists(p)
        )

        kernel32 = ctypes.WinDLL("kernel32.dll", use_last_error=True)
        with_load_library_flags = hasattr(kernel32, "AddDllDirectory")
        prev_error_mode = kernel32.SetErrorMode(0x0001)

        kernel32.LoadLibraryW.restype = ctypes.c_void_p
        if with_load_library_flags:
            kernel32.LoadLibraryExW.restype = ctypes.c_void_p

        for dll_path in dll_paths:
            os.add_dll_directory(dll_path)

        try:
            ctypes.CDLL("vcruntime140.dll")
            ctypes.CDLL("msvcp140.dll")
            if platform.machine() != "ARM64":
                ctypes.CDLL("vcruntime140_1.dll")
        except OSError:
            print(
                textwrap.dedent(
                    """
                    Microsoft Visual C++ Redistributable is not installed, this may lead to the DLL load failure.
                    It can be downloaded at https://aka.ms/vs/17/release/vc_redist.x64.exe
                    """
                ).strip()
            )

        dlls = glob.glob(os.path.join(th_dll_path, "*.dll"))
        path_patched = False
        for dll in dlls:
            is_loaded = False
            if with_load_library_flags:
                res = kernel32.LoadLibraryExW(dll, None, 0x00001100)
                last_error = ctypes.get_last_error()
                if res is None and last_error != 126:
                    err = ctypes.WinError(last_error)
                    err.strerror += (
                        f' Error loading "{dll}" or one of its dependencies.'
                    )
                    raise err
                elif res is not None:
                    is_loaded = True
            if not is_loaded:
                if not path_patched:
                    os.environ["PATH"] = ";".join(dll_paths + [os.environ["PATH"]])
                    path_patched = True
                res = kernel32.LoadLibraryW(dll)
                if res is None:
                    err = ctypes.WinError(ctypes.get_last_error())
                    err.strerror += (
                        f' Error loading "{dll}" or one of its dependencies.'
                    )
                    raise err

        kernel32.SetErrorMode(prev_error_mode)

    _load_dll_libraries()
    del _load_dll_libraries
'''

# torch 1.5.0 torch/__init__.py: th_dll_path and the loading loop, word for word (dedented)
TORCH_1_5_0 = """
th_dll_path = os.path.join(os.path.dirname(__file__), 'lib')
import glob
dlls = glob.glob(os.path.join(th_dll_path, '*.dll'))
for dll in dlls:
    ctypes.CDLL(dll)
"""

DLL = "cudnn_adv_infer64_8.dll"


def _site(tmp_path, init_body):
    site = tmp_path / "site"
    (site / "torch" / "lib").mkdir(parents=True)
    (site / "_fake_windows.py").write_text(FAKE_CTYPES, encoding="utf-8")
    (site / "torch" / "__init__.py").write_text(HEADER + init_body, encoding="utf-8")
    (site / "torch" / "version.py").write_text('cuda = "11.8"\n', encoding="utf-8")
    (site / "torch" / "lib" / DLL).write_bytes(b"MZ")
    return site


def _template(text):
    """The message with the DLL path taken out: the path is the user's, the rest is torch's and Windows'."""
    return re.sub(r'Error loading "[^"]+"', 'Error loading "<dll>"', text)


def _import_torch(tmp_path, body, **env):
    site = _site(tmp_path, body)
    result = run_python("import torch\n", cwd=tmp_path, path=site, env=env)
    return site, result


def test_torch_dll_loader_prints_the_entry_s_signature(tmp_path):
    site, result = _import_torch(tmp_path, TORCH_2_14_1)
    assert result.returncode == 1
    dll = site / "torch" / "lib" / DLL
    expected = (
        "OSError: [WinError 1455] The paging file is too small for this operation to complete. "
        f'Error loading "{dll}" or one of its dependencies.'
    )
    assert last_line(result) == expected
    assert "in _load_dll_libraries" in result.stderr
    errors = parse_entry(ENTRY).errors
    assert _template(errors[0]) == _template(expected)
    assert _template(errors[1]) == _template(expected)


def test_localized_windows_text_keeps_torch_s_suffix(tmp_path):
    _, result = _import_torch(tmp_path, TORCH_2_14_1, FAKE_WINDOWS_LANG="zh")
    assert result.returncode == 1
    line = last_line(result)
    assert line.startswith("OSError: [WinError 1455] \u9875\u9762\u6587\u4ef6\u592a\u5c0f")
    assert _template(line) == _template(parse_entry(ENTRY).errors[2])


def test_error_126_is_skipped_not_raised(tmp_path):
    # torch retries a 126 ("not found") with LoadLibraryW on PATH; here that fails too and raises 126 from there:
    # the 1455 text is only ever the paging file
    _, result = _import_torch(tmp_path, TORCH_2_14_1, FAKE_LAST_ERROR="126")
    assert result.returncode == 1
    assert last_line(result).startswith(
        "OSError: [WinError 126] The specified module could not be found. Error loading"
    )
    assert last_line(result) not in parse_entry(ENTRY).errors


def test_torch_1_5_plain_cdll_has_no_suffix_and_no_period(tmp_path):
    _, result = _import_torch(tmp_path, TORCH_1_5_0)
    assert result.returncode == 1
    assert last_line(result) == parse_entry(ENTRY).errors[3]
    assert (
        last_line(result)
        == "OSError: [WinError 1455] The paging file is too small for this operation to complete"
    )


def test_safetensors_memory_map_error_text(tmp_path):
    site = _site(tmp_path, "")
    code = "import _fake_windows\nraise _fake_windows.rust_io_error(1455)\n"
    errors = parse_entry(ENTRY).errors
    for lang, wanted in (("en", errors[-3]), ("zh", errors[-2]), ("es", errors[-1])):
        result = run_python(code, cwd=tmp_path, path=site, env={"FAKE_WINDOWS_LANG": lang})
        assert last_line(result) == wanted


def test_spawned_workers_reimport_modules_and_unguarded_code(tmp_path):
    """Option 2's claim: with spawn (Windows' only start method) every worker re-imports the main script's
    modules, and runs its top-level code unless it sits under the __main__ guard. Each process leaves a file."""
    (tmp_path / "heavy.py").write_text(
        'import os\nopen(f"imported-{os.getpid()}", "w").close()\n', encoding="utf-8"
    )
    script = tmp_path / "train.py"
    script.write_text(
        textwrap.dedent(
            """
            import multiprocessing
            import os

            import heavy

            open(f"toplevel-{os.getpid()}", "w").close()


            def work(x):
                return x * 2


            def main():
                open(f"model-{os.getpid()}", "w").close()
                ctx = multiprocessing.get_context("spawn")
                workers = [ctx.Process(target=work, args=(n,)) for n in range(2)]
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join()
                print("exit codes", [worker.exitcode for worker in workers])


            if __name__ == "__main__":
                main()
            """
        ),
        encoding="utf-8",
    )
    result = run_args([str(script)], path=tmp_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "exit codes [0, 0]"
    assert len(list(tmp_path.glob("imported-*"))) == 3  # the parent and each of the 2 workers
    assert len(list(tmp_path.glob("toplevel-*"))) == 3  # unguarded top-level code runs in every worker
    assert len(list(tmp_path.glob("model-*"))) == 1  # code under the guard runs once


def test_option1_queries_documented_wmi_properties():
    blocks = option_blocks(SLUG, 1)
    assert blocks and blocks[0][0] == "powershell"
    code = blocks[0][1]
    assert (
        "Get-CimInstance Win32_PageFileUsage | Select-Object Name, AllocatedBaseSize, CurrentUsage, PeakUsage"
        in code
    )
    assert "Get-CimInstance Win32_PageFileSetting | Select-Object Name, InitialSize, MaximumSize" in code
    assert "(Get-CimInstance Win32_ComputerSystem).AutomaticManagedPagefile" in code
    assert "Set-CimInstance -Property @{AutomaticManagedPagefile = $true}" in code


def test_option4_script_exits_cleanly_off_windows(fix_code, tmp_path):
    script = tmp_path / "commit_check.py"
    script.write_text(fix_code(SLUG, 4), encoding="utf-8")
    for args in ([], ["12"], ["--import", "json"]):
        result = run_args([str(script), *args], cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("not Windows: the commit limit and error 1455 are Windows-only")


def test_option4_struct_matches_memorystatusex(fix_code):
    struct = script_names(fix_code(SLUG, 4))["MEMORYSTATUSEX"]
    # sysinfoapi.h: DWORD dwLength, DWORD dwMemoryLoad, then seven DWORDLONG
    assert ctypes.sizeof(struct) == 64
    assert [name for name, _ in struct._fields_] == [
        "dwLength",
        "dwMemoryLoad",
        "ullTotalPhys",
        "ullAvailPhys",
        "ullTotalPageFile",
        "ullAvailPageFile",
        "ullTotalVirtual",
        "ullAvailVirtual",
        "ullAvailExtendedVirtual",
    ]
    assert struct.ullTotalPageFile.offset == 24 and struct.ullAvailPageFile.offset == 32
    status = struct(dwLength=64, ullTotalPhys=16 * GIB, ullTotalPageFile=24 * GIB, ullAvailPageFile=3 * GIB)
    lines, ok = script_names(fix_code(SLUG, 4))["report"](status)
    assert ok and "can still commit:              3.0 GiB" in lines


def status(ram, limit, free):
    return SimpleNamespace(ullTotalPhys=ram * GIB, ullTotalPageFile=limit * GIB, ullAvailPageFile=free * GIB)


def test_option4_report_arithmetic(fix_code):
    report = script_names(fix_code(SLUG, 4))["report"]
    lines, ok = report(status(16, 24, 3), need_gib=12)
    assert not ok
    assert lines[:5] == [
        "RAM:                          16.0 GiB",
        "page files (about):            8.0 GiB",
        "commit limit (RAM + pages):   24.0 GiB",
        "committed now:                21.0 GiB (88%)",
        "can still commit:              3.0 GiB",
    ]
    assert lines[-1] == "NOT ENOUGH: need 12.0 GiB, 3.0 GiB free -> enlarge the page file or load less"

    lines, ok = report(status(16, 24, 3), need_gib=2)
    assert ok and not any(line.startswith(("NOT ENOUGH", "less than")) for line in lines)

    lines, ok = report(status(16, 24, 2))  # 2 of 24 GiB free: under 10%
    assert ok and lines[-1].startswith("less than 10% of the commit limit is free")

    lines, ok = report(status(16, 15.8, 6))  # "No paging file": the limit is a bit under the RAM
    assert ok and "page files (about):            0.0 GiB" in lines
    assert "no or almost no page file: the commit limit is about your RAM -> Option 1" in lines


def test_option4_main_and_import_measure_on_a_fake_windows(fix_code, capsys):
    names = script_names(fix_code(SLUG, 4))
    main = names["main"]

    assert main(["12"], platform="win32", read=lambda: status(16, 24, 3)) == 1
    assert "NOT ENOUGH: need 12.0 GiB" in capsys.readouterr().out
    assert main([], platform="win32", read=lambda: status(16, 24, 3)) == 0
    capsys.readouterr()

    readings = iter([status(16, 24, 10), status(16, 24, 8.5), status(16, 24, 8.5)])
    assert main(["--import", "json", "8"], platform="win32", read=lambda: next(readings)) == 0
    out = capsys.readouterr().out
    assert out.startswith("import json committed 1.50 GiB\n")
    assert "can still commit:              8.5 GiB" in out
