"""permission-denied: real EACCES from the kernel, and the entry's fixes.

Root ignores file modes for reads and writes, so the write errors are made by a child Python that drops to
uid/gid 65534 (nobody) after its imports (the interpreter under /root is not readable by nobody afterwards, so
everything it needs is imported first). Executing a file without any x bit fails even for root.
Reproduced: `PermissionError: [Errno 13] Permission denied: '<path>'` and `./run.sh: Permission denied`, plus
the CRLF-shebang failure that Option 2 diagnoses. Run from the Markdown: Option 1 (as nobody, with an
unwritable cache folder and working directory it falls back to the temp folder; as root it uses
XDG_CACHE_HOME), Option 2's shell lines (the git line in a throwaway repository with private config),
Option 5's find/chown/chmod (without `sudo`: root already). Not run: Option 3 (Docker), Option 4 (pip/npm
need the network), noexec mounts, Windows errors (WinError 5), npm/.NET/Rust/apt messages.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from pyrun import run_python as run

SLUG = "permission-denied"
NOBODY = 65534

DROP = """
import os, sys, tempfile, pathlib, io, encodings.utf_8, traceback
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
"""


@pytest.fixture(autouse=True)
def needs_root():
    if os.geteuid() != 0:
        pytest.fail("these tests switch to uid 65534 in a child process: run them as root (make test does)")


def sh(command: str, cwd, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        env=env or dict(os.environ),
    )


def commands(code: str) -> list[str]:
    return [
        line.split("  #")[0].strip()
        for line in code.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_writing_into_a_directory_of_another_user_is_refused(open_base):
    locked = open_base / "locked"
    locked.mkdir(mode=0o755)
    result = run(DROP + f"open({str(locked / 'out.json')!r}, 'w')", cwd=open_base)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"PermissionError: [Errno 13] Permission denied: '{locked / 'out.json'}'"
    )


def test_executing_a_file_without_x_bit_is_refused_even_for_root(tmp_path):
    (tmp_path / "run.sh").write_text("#!/bin/bash\necho hi\n")
    result = sh("./run.sh", tmp_path)
    assert result.returncode == 126
    assert "./run.sh: Permission denied" in result.stderr


def test_option1_falls_back_to_a_writable_directory(tmp_path, open_base, fix_code):
    locked = open_base / "locked"  # root-owned 0755: nobody cannot create anything in it
    locked.mkdir(mode=0o755)
    temp = open_base / "tmp"
    temp.mkdir()
    os.chown(temp, NOBODY, NOBODY)
    env = {"HOME": str(locked), "XDG_CACHE_HOME": str(locked / "cache"), "TMPDIR": str(temp)}
    result = run(DROP + fix_code(SLUG), cwd=locked, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {temp / 'my-agent' / 'result.json'}"
    assert (temp / "my-agent" / "result.json").read_text() == '{"ok": true}'
    assert not (temp / "my-agent" / ".write-test").exists()

    cache = tmp_path / "cache"
    as_root = run(fix_code(SLUG), cwd=tmp_path, env={"XDG_CACHE_HOME": str(cache)})
    assert as_root.stdout.strip() == f"wrote {cache / 'my-agent' / 'result.json'}"


def test_option2_execute_bit_interpreter_and_git(tmp_path, fix_code):
    lines = commands(fix_code(SLUG, 2))
    ls_line, chmod_line, git_line, bash_line, findmnt_line, od_line = lines
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/bash\necho ran\n")
    script.chmod(0o644)

    assert sh(ls_line, tmp_path).stdout.startswith("-rw-r--r--")
    assert sh(bash_line, tmp_path).stdout.strip() == "ran"  # no x bit needed through the interpreter
    done = sh(chmod_line, tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "ran"

    script.chmod(0o644)  # as committed from a checkout without the bit
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / "gitconfig"), GIT_CONFIG_SYSTEM=os.devnull,
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")  # fmt: skip
    assert sh("git init -q . && git add run.sh", tmp_path, env).returncode == 0
    assert sh("git ls-files -s run.sh", tmp_path, env).stdout.startswith("100644")
    committed = sh(git_line, tmp_path, env)
    assert committed.returncode == 0, committed.stderr
    assert sh("git ls-tree HEAD run.sh", tmp_path, env).stdout.startswith("100755")

    mount = sh(findmnt_line, tmp_path)
    assert mount.returncode in (0, 1) and mount.stdout.strip() in ("", "noexec")

    script.write_bytes(b"#!/bin/bash\r\necho ran\r\n")
    script.chmod(0o755)
    crlf = sh("./run.sh", tmp_path)
    assert crlf.returncode == 127
    assert "bad interpreter" in crlf.stderr or "cannot execute: required file not found" in crlf.stderr
    assert "\\r  \\n" in sh(od_line, tmp_path).stdout


def test_option5_take_back_ownership(tmp_path, fix_code):
    project = tmp_path / "project"
    data = project / "data"
    data.mkdir(parents=True)
    (data / "result.json").write_text("{}")
    (project / ".venv").mkdir()
    for path in (data, data / "result.json", project / ".venv"):
        os.chown(path, NOBODY, NOBODY)
    os.chmod(data / "result.json", 0o400)
    find_line, chown_line, chmod_line = commands(fix_code(SLUG, 5))
    found = sh(find_line, project).stdout.split()
    assert sorted(found) == ["./.venv", "./data", "./data/result.json"]
    assert chown_line.startswith("sudo ")
    assert sh(chown_line.removeprefix("sudo "), project).returncode == 0
    assert sh(chmod_line, project).returncode == 0
    assert sh(find_line, project).stdout.strip() == ""
    assert (data / "result.json").stat().st_mode & 0o777 == 0o600  # u+rw, X adds no x to a file
    assert data.stat().st_mode & 0o700 == 0o700
    assert shutil.which("bash")
