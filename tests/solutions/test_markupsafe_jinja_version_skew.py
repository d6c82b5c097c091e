"""Verified fix for solutions/markupsafe-jinja-version-skew.md.

Reproduces both removals for real against the installed Jinja2 3.1 / MarkupSafe 2.1+ (old `jinja2`
names and `markupsafe.soft_unicode`, the latter through a tiny Jinja2-2.x-style module that imports it),
then runs the entry's own Option 1 code.
"""

from pyrun import run_python

SLUG = "markupsafe-jinja-version-skew"


def test_reproduces_removed_jinja2_names(tmp_path):
    for name in ("escape", "Markup", "contextfunction", "environmentfilter"):
        result = run_python(f"from jinja2 import {name}", cwd=tmp_path)
        assert f"ImportError: cannot import name '{name}' from 'jinja2'" in result.stderr


def test_reproduces_removed_jinja2_attributes(tmp_path):
    # the decorator form old extensions use (`@jinja2.contextfilter`) fails as an attribute
    for name in ("contextfilter", "contextfunction", "escape", "Markup"):
        result = run_python(f"import jinja2\njinja2.{name}", cwd=tmp_path)
        assert f"AttributeError: module 'jinja2' has no attribute '{name}'" in result.stderr


def test_reproduces_soft_unicode_removed(tmp_path):
    old = tmp_path / "old_filters.py"  # what jinja2 2.x's filters.py does at import time
    old.write_text("from markupsafe import soft_unicode\n", encoding="utf-8")
    result = run_python("import old_filters", cwd=tmp_path)
    assert "ImportError: cannot import name 'soft_unicode' from 'markupsafe'" in result.stderr


def test_option1_runs_on_current_jinja2_and_escapes(fix_code, tmp_path):
    code = fix_code(SLUG, 1)
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "<b>&lt;script&gt;</b> from docs &lt;i&gt;"
    assert lines[1] == "&lt;a&gt; 42"
    assert "from jinja2 import Markup" not in code.replace("#   from jinja2 import Markup, escape", "")
