"""Verified fix for solutions/cli-subcommand-missing.md.

Puts two copies of a small argparse CLI on PATH: an old one (1.0, no `serve`) first and a new one
(2.0, with `serve`) later. Running `mytool serve` reproduces argparse's real "invalid choice" error;
the entry's Option 1 script must show that the copy used lacks `serve`, that the later copy has it,
and point at that copy; with the new copy first it reports success.
"""

import os
import subprocess
import sys

import pytest

SLUG = "cli-subcommand-missing"

pytestmark = pytest.mark.skipif(os.name == "nt", reason="builds POSIX executables with a shebang")

CLI = """#!{python}
import argparse
p = argparse.ArgumentParser(prog="mytool")
p.add_argument("--version", action="version", version="mytool {version}")
sub = p.add_subparsers(dest="command")
{parsers}
p.parse_args()
"""


@pytest.fixture
def two_copies(tmp_path):
    old, new = tmp_path / "old" / "bin", tmp_path / "new" / "bin"
    for folder, version, parsers in (
        (old, "1.0", 'sub.add_parser("run")'),
        (new, "2.0", 'sub.add_parser("run")\nsub.add_parser("serve")'),
    ):
        folder.mkdir(parents=True)
        tool = folder / "mytool"
        tool.write_text(CLI.format(python=sys.executable, version=version, parsers=parsers), encoding="utf-8")
        tool.chmod(0o755)
    return old, new


def _env(*folders) -> dict:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env["PATH"] = os.pathsep.join([*map(str, folders), "/usr/bin", "/bin"])
    return env


def _script(fix_code, tmp_path):
    script = tmp_path / "which_cli.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return script


def test_reproduces_invalid_choice(two_copies, tmp_path):
    old, new = two_copies
    result = subprocess.run(
        ["mytool", "serve"],
        capture_output=True,
        text=True,
        env=_env(old, new),
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "mytool: error: argument command: invalid choice: 'serve' (choose from 'run')" in result.stderr


def test_option1_finds_the_old_copy_first_on_path(fix_code, two_copies, tmp_path):
    old, new = two_copies
    result = subprocess.run(
        [sys.executable, str(_script(fix_code, tmp_path)), "mytool", "serve"],
        capture_output=True,
        text=True,
        env=_env(old, new),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert f"USED  {old / 'mytool'}: mytool 1.0 | `serve`: MISSING" in result.stdout
    assert f"later {new / 'mytool'}: mytool 2.0 | `serve`: available" in result.stdout
    assert f"fix: call {new / 'mytool'} directly" in result.stdout


def test_option1_reports_success_when_the_new_copy_comes_first(fix_code, two_copies, tmp_path):
    old, new = two_copies
    result = subprocess.run(
        [sys.executable, str(_script(fix_code, tmp_path)), "mytool", "serve"],
        capture_output=True,
        text=True,
        env=_env(new, old),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"USED  {new / 'mytool'}: mytool 2.0 | `serve`: available" in result.stdout
    served = subprocess.run(
        ["mytool", "serve"],
        capture_output=True,
        text=True,
        env=_env(new, old),
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert served.returncode == 0, served.stderr


def test_option1_when_no_copy_has_the_subcommand(fix_code, two_copies, tmp_path):
    old, _ = two_copies
    result = subprocess.run(
        [sys.executable, str(_script(fix_code, tmp_path)), "mytool", "serve"],
        capture_output=True,
        text=True,
        env=_env(old),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "fix: no copy has `serve`: upgrade mytool" in result.stdout
    bare = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG, 1)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert bare.returncode == 0 and "usage:" in bare.stdout
