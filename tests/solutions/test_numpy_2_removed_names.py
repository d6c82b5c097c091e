"""Verified fix for solutions/numpy-2-removed-names.md.

With the NumPy 2 the project installs, old NumPy-1 code fails with the real messages; the entry's
Option 2 scanner lists every removed name, `--fix` rewrites them, and the rewritten file then runs
and prints the same values the names stood for.
"""

import os
import subprocess
import sys
import textwrap

import numpy
import pytest

SLUG = "numpy-2-removed-names"

pytestmark = pytest.mark.skipif(int(numpy.__version__.split(".")[0]) < 2, reason="needs NumPy 2")

OLD_CODE = textwrap.dedent(
    """
    import numpy as np
    a = np.array([1.0, np.NaN, np.Inf], dtype=np.float_)
    b = np.product([1, 2, 3]) + np.cumproduct([1, 2])[-1]
    c = np.array([1, 2], dtype=np.float)
    d = np.NINF ** 2                       # must stay +inf after the rewrite
    e = bool(np.isnan(np.NaN) and a[1] != np.NaN)
    s = (np.string_("x"), np.unicode_("y"), np.complex_(1), np.round_(1.26, 1))
    keep = np.float64(2) + np.nan         # current names stay untouched
    print(a.dtype, b, c.dtype, d, e, s[2], keep)
    """
)


def _run(args, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, *args], check=False, capture_output=True, text=True, timeout=60, cwd=cwd, env=env
    )


def test_reproduces_the_removal_messages(tmp_path):
    nan = _run(["-c", "import numpy as np; np.NaN"], tmp_path)
    assert (
        "AttributeError: `np.NaN` was removed in the NumPy 2.0 release. Use `np.nan` instead." in nan.stderr
    )
    product = _run(["-c", "import numpy as np; np.product([1, 2])"], tmp_path)
    assert "AttributeError: module 'numpy' has no attribute 'product'" in product.stderr
    builtin_alias = _run(["-c", "import numpy as np; np.float"], tmp_path)
    assert "`np.float` was a deprecated alias for the builtin `float`" in builtin_alias.stderr


def test_option2_lists_then_fixes_and_the_code_runs(fix_code, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "old.py").write_text(OLD_CODE, encoding="utf-8")
    tool = tmp_path / "numpy2_names.py"
    tool.write_text(fix_code(SLUG, 2), encoding="utf-8")

    before = _run(["old.py"], project)
    assert before.returncode != 0 and "was removed in the NumPy 2.0 release" in before.stderr

    listed = _run([str(tool), "project"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "old.py:3: np.NaN -> np.nan" in listed.stdout
    assert "np.float -> float" in listed.stdout
    assert "np.NINF -> (-np.inf)" in listed.stdout
    assert "np.float64" not in listed.stdout.replace("np.float_ -> np.float64", "")
    assert (project / "old.py").read_text(encoding="utf-8") == OLD_CODE  # listing does not write

    fixed = _run([str(tool), "--fix", "project"], tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert "rewritten" in fixed.stdout

    after = _run(["old.py"], project)
    assert after.returncode == 0, after.stderr
    assert after.stdout.split() == ["float64", "8", "float64", "inf", "True", "(1+0j)", "nan"]


def test_option2_in_an_empty_folder_finds_nothing(fix_code, tmp_path):
    result = _run(["-c", fix_code(SLUG, 2)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 removed NumPy name(s)" in result.stdout


def test_option2_lists_in1d_and_bool_but_never_rewrites_them(fix_code, tmp_path):
    """np.isin keeps the input's shape where np.in1d flattened it, and np.bool is NumPy's bool_ again in
    NumPy 2 (isinstance(np.True_, bool) is False): a blind rename would change what the code computes."""
    project = tmp_path / "project"
    project.mkdir()
    code = (
        "import numpy as np\n"
        "a = np.array([[1, 2], [3, 4]])\n"
        "flags = np.in1d(a, [2, 3])\n"
        "print(flags.shape, isinstance(np.True_, np.bool), np.row_stack([a, a]).shape)\n"
    )
    (project / "mixed.py").write_text(code, encoding="utf-8")
    tool = tmp_path / "numpy2_names.py"
    tool.write_text(fix_code(SLUG, 2), encoding="utf-8")

    listed = _run([str(tool), "project"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "mixed.py:3: np.in1d -> rewrite by hand: np.isin(a, b).ravel()" in listed.stdout
    assert "mixed.py:4: np.bool -> rewrite by hand" in listed.stdout
    assert "mixed.py:4: np.row_stack -> np.vstack" in listed.stdout

    fixed = _run([str(tool), "--fix", "project"], tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    text = (project / "mixed.py").read_text(encoding="utf-8")
    assert "np.in1d(a, [2, 3])" in text and "np.bool)" in text  # left for a human
    assert "np.vstack([a, a])" in text and "row_stack" not in text

    # what the hand rewrite keeps: the flat result in1d gave, on the NumPy installed here
    same = _run(
        [
            "-c",
            "import numpy as np; a = np.array([[1, 2], [3, 4]]); "
            "print(np.isin(a, [2, 3]).shape, np.isin(a, [2, 3]).ravel().shape, "
            "isinstance(np.True_, np.bool), isinstance(np.True_, bool))",
        ],
        tmp_path,
    )
    assert same.returncode == 0, same.stderr
    assert same.stdout.split(") ") == ["(2, 2", "(4,", "True False\n"]
