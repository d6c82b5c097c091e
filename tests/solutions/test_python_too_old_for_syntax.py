"""Verified fix for solutions/python-too-old-for-syntax.md.

Reproduces the "too old interpreter" failures for real: with older CPython builds when the machine
has them (pyenv, python3.X on PATH), and always through `ast.parse(feature_version=...)`, which is
the compiler's own check for grammar newer than a given release. Then runs the entry's three fix
blocks: the interpreter finder, the backported module (on every interpreter found) and the guard.
"""

import ast
import glob
import os
import shutil
import subprocess
import sys

import pytest
from answers import assert_answers
from pyrun import cpythons

SLUG = "python-too-old-for-syntax"


INTERPRETERS = cpythons((3, 7), (3, 13))
OLD = {v: exe for v, exe in INTERPRETERS.items() if v < (3, 9)}
PYTHON2 = next(
    iter(sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/2.7*/bin/python")))), None
) or shutil.which("python2")


def _run(exe, code, *args, cwd=None):
    return subprocess.run(
        [exe, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_compiler_rejects_grammar_newer_than_the_target_release():
    with pytest.raises(SyntaxError, match=r"Pattern matching is only supported in Python 3\.10 and greater"):
        ast.parse("match cmd:\n    case 1:\n        pass\n", feature_version=(3, 9))


@pytest.mark.skipif(not OLD, reason="no CPython < 3.10 on this machine")
def test_reproduces_pep604_and_pep585_errors_on_an_old_interpreter():
    exe = OLD[min(OLD)]
    r = _run(exe, "def f(x: int | None = None): pass")
    assert "TypeError: unsupported operand type(s) for |: 'type' and 'NoneType'" in r.stderr
    r = _run(exe, "from typing import Self")
    assert "ImportError: cannot import name 'Self' from 'typing'" in r.stderr
    r = _run(exe, "import tomllib")
    assert "No module named 'tomllib'" in r.stderr


# Grammar an older interpreter rejects with a bare `invalid syntax`: the line above the caret says
# which construct, and the matcher reads it (a Python 2 running Python 3 code is the oldest case).
OLD_GRAMMAR = [  # construct, code, the first release that runs it
    ("parenthesised with", "with (open(__file__) as a, open(__file__) as b):\n    pass\n", (3, 9)),
    (
        "parenthesised with over lines",
        "with (\n    open(__file__) as a,\n    open(__file__) as b,\n):\n    pass\n",
        (3, 9),
    ),
    ("f-string reusing its quotes", 'd = {"a": 1}\nprint(f"{d["a"]}")\n', (3, 12)),
]
PYTHON2_GRAMMAR = [
    ("f-string", 'name = "x"\nprint(f"hello {name}")\n'),
    ("annotation", "def find_config(path: str):\n    return path\n"),
    ("keyword-only argument", "def f(self, *args, opts=None, **kwargs):\n    return opts\n"),
    ("async def", "async def main():\n    return 1\n"),
]


@pytest.mark.skipif(not OLD, reason="no CPython < 3.9 on this machine")
@pytest.mark.parametrize("construct, code, since", OLD_GRAMMAR, ids=[c for c, _, _ in OLD_GRAMMAR])
def test_newer_grammar_fails_on_3_8_and_the_matcher_says_why(construct, code, since, index, tmp_path):
    (tmp_path / "new.py").write_text(code, encoding="utf-8")
    failed = _run(OLD[max(OLD)], "import runpy; runpy.run_path('new.py')", cwd=tmp_path)
    assert failed.stderr.rstrip().endswith("SyntaxError: invalid syntax"), failed.stderr
    assert_answers(index, SLUG, failed.stderr)
    for version, exe in INTERPRETERS.items():  # the same code runs from the release that added it on
        if version >= since:
            assert _run(exe, "import runpy; runpy.run_path('new.py')", cwd=tmp_path).returncode == 0, version


@pytest.mark.skipif(PYTHON2 is None, reason="no Python 2 on this machine")
@pytest.mark.parametrize("construct, code", PYTHON2_GRAMMAR, ids=[c for c, _ in PYTHON2_GRAMMAR])
def test_python_3_code_fails_on_python_2_and_the_matcher_says_why(construct, code, index, tmp_path):
    (tmp_path / "new.py").write_text(code, encoding="utf-8")
    failed = subprocess.run([PYTHON2, "new.py"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert failed.stderr.rstrip().endswith("SyntaxError: invalid syntax"), failed.stderr
    assert_answers(index, SLUG, failed.stderr)
    assert _run(sys.executable, "import runpy; runpy.run_path('new.py')", cwd=tmp_path).returncode == 0


def test_option1_lists_interpreters_and_reports_when_none_is_new_enough(fix_code, tmp_path):
    code = fix_code(SLUG, 1)
    ok = _run(sys.executable, code, "{}.{}".format(*sys.version_info[:2]), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "code needs: Python {}.{}+".format(*sys.version_info[:2]) in ok.stdout
    assert "create the venv with it:" in ok.stdout
    too_new = _run(sys.executable, code, "3.99", cwd=tmp_path)
    assert too_new.returncode == 1
    assert "no installed interpreter is new enough: install Python 3.99+" in too_new.stdout


def test_option1_reads_requires_python_and_runs_on_old_interpreters(fix_code, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.10"\n')
    for exe in [sys.executable, *list(OLD.values())]:
        r = _run(exe, fix_code(SLUG, 1), cwd=tmp_path)
        assert "code needs: Python 3.10+" in r.stdout, (exe, r.stderr)
        assert "Traceback" not in r.stderr


def test_option2_backport_runs_on_every_interpreter_found(fix_code, tmp_path):
    for version, exe in sorted({**INTERPRETERS, tuple(sys.version_info[:2]): sys.executable}.items()):
        r = _run(exe, fix_code(SLUG, 2), cwd=tmp_path)
        assert r.returncode == 0, (version, r.stderr)
        assert "Config(name='demo2', retries=3, tags=None) action run pair a/b" in r.stdout


def test_option3_guard_exits_with_a_message_instead_of_a_traceback(fix_code, tmp_path):
    code = fix_code(SLUG, 3)
    assert "REQUIRED = (3, 10)" in code
    passes = _run(sys.executable, code.replace("REQUIRED = (3, 10)", "REQUIRED = (3, 7)"), cwd=tmp_path)
    assert passes.returncode == 0 and "running on Python" in passes.stdout
    fails = _run(sys.executable, code.replace("REQUIRED = (3, 10)", "REQUIRED = (3, 99)"), cwd=tmp_path)
    assert fails.returncode == 1
    assert "This program needs Python 3.99 or newer" in fails.stderr
    assert "Traceback" not in fails.stderr
    for exe in OLD.values():  # the real case: the shipped guard on a 3.7-3.9 interpreter
        r = _run(exe, code, cwd=tmp_path)
        assert r.returncode == 1 and "needs Python 3.10 or newer" in r.stderr


def test_option1_reads_py_launcher_paths_with_spaces(fix_code, tmp_path):
    """`py -0p` lists interpreters under C:\\Program Files and user folders with spaces; both launcher formats."""
    (tmp_path / "which_python.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    listing = (
        " -V:3.13 *        C:\\Users\\Jane Doe\\AppData\\Local\\Programs\\Python\\Python313\\python.exe\n"
        " -V:3.12          C:\\Program Files\\Python312\\python.exe\n"
        "Installed Pythons found by py Launcher for Windows\n"
        " -3.9-64        C:\\Program Files\\Python39\\python.exe *\n"
        " -3.8-32        C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python38-32\\python.exe\n"
    )
    code = "import sys, which_python; print(which_python.py_launcher_paths(sys.stdin.read()))"
    r = subprocess.run(
        [sys.executable, "-c", code],
        input=listing,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(tmp_path)},
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == repr(
        [
            "C:\\Users\\Jane Doe\\AppData\\Local\\Programs\\Python\\Python313\\python.exe",
            "C:\\Program Files\\Python312\\python.exe",
            "C:\\Program Files\\Python39\\python.exe",
            "C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python38-32\\python.exe",
        ]
    )
