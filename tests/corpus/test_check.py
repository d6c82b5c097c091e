"""`synapse check`: every rule of the entry format is reported as `path:line: message`.

Each test breaks one rule in a small valid entry and states where the problem must be
reported: the path and the line exactly, the message by a stable part of its wording.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"

VALID = """\
---
title: Widget frobnication fails on Tuesdays
errors:
  - "WidgetError: frobnication refused on a Tuesday"
tags: [widgets]
languages: [python]
token_savings: 100
---

## Symptom
- The widget refuses to frobnicate.

## Root cause
Tuesdays are reserved for maintenance.

## Fix
### Option 1: Wait a day
Run it on Wednesday instead.
```python
import datetime

print(datetime.date.today())
```
"""

SIGNATURE = "WidgetError: frobnication refused on a Tuesday"
CODE = "```python\nimport datetime\n\nprint(datetime.date.today())\n```\n"
SYMPTOM = "## Symptom\n- The widget refuses to frobnicate.\n\n"
ROOT_CAUSE = "## Root cause\nTuesdays are reserved for maintenance.\n\n"


def edit(old: str, new: str, text: str = VALID) -> str:
    """`text` with `old` replaced once; fails loudly if the template no longer holds `old`."""
    assert text.count(old) == 1, f"fixture template does not contain {old!r} exactly once"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of `text` that contains `needle`."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the fixture")


def first_body_line(text: str) -> int:
    """The line right after the closing '---' of the front matter."""
    return text.split("\n").index("---", 1) + 2


@pytest.fixture
def run_check(capsys):
    """Run `synapse check PATH…` in-process; return (exit code, stdout lines)."""

    def run(*paths: Path) -> tuple[int, list[str]]:
        code = main(["check", *(str(p) for p in paths)])
        out = capsys.readouterr().out
        return code, out.splitlines()

    return run


def write(folder: Path, slug: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.md"
    path.write_text(text, encoding="utf-8")
    return path


def assert_reported(lines: list[str], path: Path, line: int, fragment: str) -> None:
    prefix = f"{path}:{line}: "
    hits = [out for out in lines if out.startswith(prefix) and fragment in out]
    assert hits, f"expected a line starting {prefix!r} containing {fragment!r}; got:\n" + "\n".join(lines)


# -- a valid entry ---------------------------------------------------------------


def test_a_valid_entry_passes_with_a_one_line_summary(tmp_path, run_check):
    path = write(tmp_path, "widget-tuesday", VALID)

    code, lines = run_check(path)

    assert code == 0
    assert len(lines) == 1
    assert lines[0].startswith("ok: 1 entries, 1 error signatures")


# -- one failing fixture per rule ------------------------------------------------


def test_a_missing_section_is_reported_at_the_start_of_the_body(tmp_path, run_check):
    text = edit(ROOT_CAUSE, "")
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, first_body_line(text), "missing section '## Root cause'")


@pytest.mark.parametrize(
    "errors_field",
    ["errors: []\n", "errors:\n", 'errors: [""]\n', "errors: ['   ']\n"],
    ids=["empty-list", "null", "one-empty-string", "one-blank-string"],
)
def test_empty_errors_are_reported_on_the_errors_line(tmp_path, run_check, errors_field):
    text = edit(f'errors:\n  - "{SIGNATURE}"\n', errors_field)
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "errors:"), "errors must list at least one error signature")


@pytest.mark.parametrize(
    "slug",
    [
        "Widget_Tuesday",
        "ab",
        "a" * 81,
        "double--hyphen",
        "-leading-hyphen",
        "trailing-hyphen-",
        "dots.in.name",
    ],
)
def test_a_bad_slug_in_the_file_name_is_reported_on_line_one(tmp_path, run_check, slug):
    path = write(tmp_path, slug, VALID)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, 1, f"bad slug {slug!r}")


@pytest.mark.parametrize("slug", ["abc", "a" * 80, "sqlite3-busy", "x-1-y"])
def test_slugs_at_the_edges_of_the_rule_are_accepted(tmp_path, run_check, slug):
    code, lines = run_check(write(tmp_path, slug, VALID))

    assert code == 0, lines


def test_python_that_does_not_compile_is_reported_on_the_bad_line_of_the_file(tmp_path, run_check):
    text = edit("print(datetime.date.today())", "print(datetime.date.today()))")
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "print(datetime"), "python code does not compile")


def test_python_errors_deeper_in_a_block_point_at_their_own_line(tmp_path, run_check):
    text = edit(CODE, "```python\nimport os\n\n\ndef main():\n    return os.getcwd(\n\n\nmain()\n```\n")
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "return os.getcwd("), "python code does not compile")


def test_an_unknown_front_matter_key_is_reported_on_its_line(tmp_path, run_check):
    text = edit("token_savings: 100\n", "token_savings: 100\nauthor: somebody\n")
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "author:"), "unknown front-matter key 'author'")


def test_the_same_slug_in_two_folders_checked_together_is_a_duplicate(tmp_path, run_check):
    first = write(tmp_path / "one", "widget-tuesday", VALID)
    other = edit(f'"{SIGNATURE}"', '"GadgetError: gadget refused on a Tuesday"')
    second = write(tmp_path / "two", "widget-tuesday", other)

    code, lines = run_check(first, second)

    assert code == 1
    assert_reported(lines, second, 1, "duplicate slug 'widget-tuesday'")
    assert not any(line.startswith(f"{first}:") for line in lines), "the first occurrence is the original"


@pytest.mark.parametrize(
    "copy",
    [SIGNATURE, "widgeterror:   FROBNICATION refused on a tuesday"],
    ids=["identical", "differs-only-in-case-and-spacing"],
)
def test_an_error_signature_listed_by_two_entries_is_a_duplicate(tmp_path, run_check, copy):
    first = write(tmp_path, "widget-tuesday", VALID)
    text = edit(
        f'errors:\n  - "{SIGNATURE}"\n',
        f'errors:\n  - "WidgetError: frobnication refused on a Wednesday"\n  - "{copy}"\n',
    )
    second = write(tmp_path, "widget-wednesday", text)

    code, lines = run_check(first, second)

    assert code == 1
    assert_reported(lines, second, line_of(text, copy), "duplicate error signature")
    assert any(str(first) in line for line in lines), "the message names the other entry"


def test_a_signature_listed_twice_in_one_entry_is_reported(tmp_path, run_check):
    text = edit(f'  - "{SIGNATURE}"\n', f'  - "{SIGNATURE}"\n  - "{SIGNATURE}"\n')
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "errors:") + 2, "error signature listed twice")


def test_a_fix_option_without_a_code_block_is_reported_on_its_heading(tmp_path, run_check):
    text = edit(CODE, "")
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "### Option 1"), "has no fenced code block")


def test_a_fix_section_without_options_is_reported_on_its_heading(tmp_path, run_check):
    text = edit("### Option 1: Wait a day\n", "")
    text = edit(CODE, "", text)
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "## Fix"), "at least one '### Option'")


def test_a_code_block_without_a_language_is_reported_on_its_fence(tmp_path, run_check):
    text = edit("```python\n", "```\n")
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "```"), "needs a language")


def test_sections_out_of_order_are_reported_on_the_first_heading(tmp_path, run_check):
    text = edit(SYMPTOM + ROOT_CAUSE, ROOT_CAUSE + SYMPTOM)
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "## Root cause"), "sections out of order")


def test_a_file_without_front_matter_is_reported_on_line_one(tmp_path, run_check):
    text = VALID.split("---\n", 2)[2]
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, 1, "missing YAML front matter")


def test_front_matter_that_is_never_closed_is_reported_on_line_one(tmp_path, run_check):
    text = edit("token_savings: 100\n---\n", "token_savings: 100\n")
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, 1, "front matter is not closed")


def test_invalid_yaml_is_reported_on_the_line_it_breaks(tmp_path, run_check):
    text = edit("tags: [widgets]\n", "tags: widgets: nested\n")
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "tags:"), "front matter is not valid YAML")


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path, run_check):
    text = edit("token_savings: 100\n", "token_savings: 100\nauthor: somebody\n")
    text = edit("```python\n", "```\n", text)
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "author:"), "unknown front-matter key")
    assert_reported(lines, path, line_of(text, "```"), "needs a language")


def test_a_folder_is_checked_file_by_file_and_good_files_stay_quiet(tmp_path, run_check):
    write(tmp_path, "widget-tuesday", VALID)
    bad = write(tmp_path, "widget-broken", edit(ROOT_CAUSE, "").replace(SIGNATURE, "WidgetError: other"))

    code, lines = run_check(tmp_path)

    assert code == 1
    assert lines and all(line.startswith(f"{bad}:") for line in lines), lines


# -- regressions: bugs found while writing these tests ---------


def test_a_python_block_after_a_shell_block_in_the_same_option_must_compile(tmp_path, run_check):
    text = edit(CODE, "```bash\npip install widgets\n```\n```python\nprint((\n```\n")
    path = write(tmp_path, "widget-tuesday", text)

    code, lines = run_check(path)

    assert code == 1
    assert_reported(lines, path, line_of(text, "print(("), "python code does not compile")


def test_a_duplicate_signature_in_a_flow_list_is_reported_on_its_own_line(tmp_path, run_check):
    first = write(tmp_path, "widget-tuesday", VALID)
    text = edit(f'errors:\n  - "{SIGNATURE}"\n', f'errors: ["WidgetError: other", "{SIGNATURE}"]\n')
    second = write(tmp_path, "widget-wednesday", text)

    code, lines = run_check(first, second)

    assert code == 1
    assert_reported(lines, second, line_of(text, "errors:"), "duplicate error signature")


# -- the real corpus, through the real command -----------------------------------


def synapse_check(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "check", *(str(p) for p in paths)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_real_solutions_folder_passes():
    result = synapse_check(SOLUTIONS)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: ")
    assert len(result.stdout.splitlines()) == 1


def test_a_broken_copy_of_a_real_entry_fails_with_path_and_line(tmp_path):
    copy = tmp_path / "sqlite-database-locked.md"
    shutil.copy(SOLUTIONS / "sqlite-database-locked.md", copy)
    original = copy.read_text(encoding="utf-8")
    header = "def connection(db_path: str) -> sqlite3.Connection:"
    broken = edit(header, header.rstrip(":"), original)
    copy.write_text(broken, encoding="utf-8")

    result = synapse_check(copy)

    assert result.returncode == 1
    assert_reported(result.stdout.splitlines(), copy, line_of(broken, "def connection("), "does not compile")


FRONT_MATTERS = [
    "title: A\nerrors: ['x: 1', \"y\"]\ntoken_savings: 1200\nupdated: 2026-01-05\nratio: 0.5\nempty:\nflag: yes\n",
    "base: &b {a: 1, b: [2, 3]}\nother:\n  <<: *b\n  c: 4\n",  # a merge key
    "shared: &s [a, b]\nagain: *s\n",  # an alias used twice
    "self: &r [1, *r]\n",  # a list that contains itself
    "pairs: !!omap [{a: 1}, {b: 2}]\nset: !!set {a, b}\nbin: !!binary aGVsbG8=\n",
    "? [complex, key]\n: value\n",  # not a plain key
    "dup: 1\ndup: 2\n",
    "deep: " + "[" * 700 + "]" * 700 + "\n",  # deeper than the fast path recurses
    "- just\n- a list\n",
    "plain scalar\n",
    "custom: !thing value\n",
]


@pytest.mark.parametrize("raw", FRONT_MATTERS)
def test_the_front_matter_reads_as_pyyaml_reads_it(raw):
    """Plain maps, lists and scalars are built without PyYAML's constructor, everything else by it:
    either way the data, or the error, is what PyYAML's safe loader (libyaml's parser) gives."""
    import yaml

    from app.corpus.entries import _load_yaml

    try:
        expected: object = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError) as exc:
        expected = type(exc)
    try:
        data: object = _load_yaml(raw)[0]
    except (yaml.YAMLError, RecursionError) as exc:
        data = type(exc)
    if raw.startswith("self:"):  # equal structure, compared by shape (a recursive list is not ==-comparable)
        assert isinstance(data, dict) and data["self"][0] == 1 and data["self"][1] is data["self"]
    else:
        assert data == expected


def test_every_entry_front_matter_reads_as_pyyaml_reads_it():
    import yaml

    from app.corpus.entries import _load_yaml

    for path in sorted((ROOT / "solutions").glob("*.md")):
        raw = path.read_text(encoding="utf-8").split("\n---", 1)[0].removeprefix("---\n")
        assert _load_yaml(raw)[0] == yaml.safe_load(raw), path.name
