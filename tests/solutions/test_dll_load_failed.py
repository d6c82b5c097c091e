"""Verified fix for solutions/dll-load-failed.md.

The Windows loader cannot run here, so this checks what can be checked on any OS: the entry's
Option 1 script maps each real Windows wording (CPython's "DLL load failed while importing X: ...",
torch's "[WinError N] ... Error loading ... or one of its dependencies", ctypes' "Could not find
module") to the right cause, imports a module in a child process and reports its error, and runs
bare; Option 3 runs as published. On Windows the same script also checks the VC++ runtime DLLs.
"""

import os
import subprocess
import sys

import pytest

SLUG = "dll-load-failed"

CASES = [
    (
        "ImportError: DLL load failed while importing _multiarray_umath: The specified module could not be found.",
        "Visual C++ Redistributable (x64), activate the conda env",
    ),
    (
        'OSError: [WinError 126] The specified module could not be found. Error loading "C:\\v\\torch\\lib\\fbgemm.dll" '
        "or one of its dependencies.",
        "not on the DLL search path",
    ),
    (
        "FileNotFoundError: Could not find module 'C:\\a\\geos_c.dll' (or one of its dependencies). "
        "Try using the full path with constructor syntax.",
        "os.add_dll_directory()",
    ),
    (
        "ImportError: DLL load failed while importing _psycopg: The specified procedure could not be found.",
        "two different versions of one DLL",
    ),
    ("OSError: [WinError 193] %1 is not a valid Win32 application", "32-bit / 64-bit mismatch"),
    (
        "OSError: [WinError 1114] A dynamic link library (DLL) initialization routine failed. Error loading "
        '"C:\\v\\torch\\lib\\c10.dll" or one of its dependencies.',
        "outdated Visual C++ runtime",
    ),
    (
        "ImportError: DLL load failed while importing _C: An Application Control policy has blocked this file.",
        "application-control policy",
    ),
]


def _run(args, cwd):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False
    )


@pytest.fixture
def doctor(fix_code, tmp_path):
    script = tmp_path / "dll_doctor.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return script


@pytest.mark.parametrize("text, expected", CASES)
def test_option1_maps_each_windows_wording_to_its_cause(doctor, tmp_path, text, expected):
    result = _run([str(doctor), text], tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"Python {sys.version.split()[0]}" in result.stdout
    assert expected in result.stdout


def test_option1_imports_in_a_child_process(doctor, tmp_path):
    ok = _run([str(doctor), "json"], tmp_path)
    assert ok.returncode == 0 and "import json: OK" in ok.stdout
    (tmp_path / "broken_ext.py").write_text(
        'raise ImportError("DLL load failed while importing _broken: The specified module could not be found.")\n',
        encoding="utf-8",
    )
    bad = _run([str(doctor), "broken_ext"], tmp_path)
    assert bad.returncode == 1
    assert "import broken_ext: ImportError: DLL load failed while importing _broken" in bad.stdout
    assert "cause: a DLL that the module needs is missing" in bad.stdout


def test_option1_unrelated_text_and_bare_run(fix_code, doctor, tmp_path):
    other = _run([str(doctor), "ModuleNotFoundError: No module named 'requests'"], tmp_path)
    assert "no known Windows DLL cause" in other.stdout
    bare = _run(["-c", fix_code(SLUG, 1)], tmp_path)
    assert bare.returncode == 0 and "usage:" in bare.stdout


def test_option3_runs_as_published(fix_code, tmp_path):
    result = _run(["-c", fix_code(SLUG, 3)], tmp_path)
    assert result.returncode == 0, result.stderr
