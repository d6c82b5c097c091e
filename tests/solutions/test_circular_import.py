"""Verified fixes for solutions/circular-import.md.

1. Reproduce shadowing: a script named csv.py that does `import csv` fails with the real
   "partially initialized module 'csv'" error (Python 3.13+: "consider renaming ... csv.py").
   Option 1's checker (read from the Markdown) names the file; after the rename it works.
2. Reproduce a real cycle: two modules importing names from each other fail with
   "cannot import name ... from partially initialized module"; Option 2's code loads fine.
"""

import os
import shutil
import subprocess
import sys
import textwrap

SLUG = "circular-import"


def run(args, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=30, env=env
    )


def test_local_file_shadowing_stdlib_reproduces_and_option1_fixes(tmp_path, fix_code):
    script = tmp_path / "csv.py"
    script.write_text("import csv\nprint('reader is', csv.reader)\n")

    broken = run([str(script)], cwd=tmp_path)
    assert broken.returncode != 0
    assert (
        "partially initialized module 'csv' has no attribute 'reader' (most likely due to a circular import)"
        in broken.stderr
        or "consider renaming" in broken.stderr
    )

    checker = fix_code(SLUG)
    report = run(["-c", checker, str(tmp_path)], cwd=tmp_path)
    assert report.returncode == 1, report.stdout + report.stderr
    assert "SHADOW csv.py" in report.stdout
    assert "standard-library module" in report.stdout

    # Apply the advice: rename and drop caches; the same code now runs.
    script.rename(tmp_path / "csv_report.py")
    shutil.rmtree(tmp_path / "__pycache__", ignore_errors=True)
    fixed = run([str(tmp_path / "csv_report.py")], cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert "reader is <built-in function reader>" in fixed.stdout

    clean = run(["-c", checker, str(tmp_path)], cwd=tmp_path)
    assert clean.returncode == 0
    assert "no shadowing files" in clean.stdout


def test_checker_ignores_ordinary_project_modules(tmp_path, fix_code):
    (tmp_path / "my_agent_tools.py").write_text("X = 1\n")
    (tmp_path / "pkg_zz_unique").mkdir()
    (tmp_path / "pkg_zz_unique" / "__init__.py").write_text("")
    report = run(["-c", fix_code(SLUG), str(tmp_path)], cwd=tmp_path)
    assert report.returncode == 0, report.stdout
    assert "SHADOW" not in report.stdout


WRONG_MODELS = textwrap.dedent(
    """
    from dataclasses import dataclass
    from services import price_with_tax


    @dataclass
    class Item:
        name: str
        price: float

        def total(self):
            return price_with_tax(self)
    """
)
WRONG_SERVICES = textwrap.dedent(
    """
    from models import Item

    TAX = 0.2


    def price_with_tax(item: Item) -> float:
        return round(item.price * (1 + TAX), 2)
    """
)


def test_real_cycle_reproduces_and_option2_fixes(tmp_path, fix_code):
    (tmp_path / "models.py").write_text(WRONG_MODELS)
    (tmp_path / "services.py").write_text(WRONG_SERVICES)
    broken = run(["-c", "import models"], cwd=tmp_path)
    assert broken.returncode != 0
    assert (
        "ImportError: cannot import name 'Item' from partially initialized module 'models' "
        "(most likely due to a circular import)" in broken.stderr
    )

    fixed = run(["-c", fix_code(SLUG, option=2)], cwd=tmp_path.parent)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == "ok 12.0 0.2"
