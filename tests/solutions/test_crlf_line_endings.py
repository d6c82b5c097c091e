"""crlf-line-endings: real scripts with \\r\\n endings, the real kernel, shells, env and git, and the entry's own fixes.

Nothing is faked: each script is written with CRLF endings into tmp_path and started the way users start it,
in the C locale (ASCII quotes):
- `./run.sh` through this machine's bash: `cannot execute: required file not found` (bash 5.2) or
  `/bin/bash^M: bad interpreter: No such file or directory` (bash 5.1 and older, 5.3); `#!/usr/bin/env bash` and
  `#!/usr/bin/env python3`: coreutils env's `'bash\\r': No such file or directory`; `bash run.sh`:
  `$'\\r': command not found`, `set: pipefail\\r: invalid option name`, `syntax error near unexpected token`;
- a real child Python: `subprocess.run(["./run.sh"])` raises FileNotFoundError for a file that exists, and
  `os.execv` (what runc does for a container's entrypoint) fails with ENOENT, whose Go text runc prints as
  `exec /entrypoint.sh: no such file or directory`;
- real git with a private config: a clone with core.autocrlf=true checks LF-committed scripts out with CRLF, and
  a script committed with CRLF stays CRLF in a plain clone; a hook with a CRLF shebang gives
  `fatal: cannot run .git/hooks/pre-commit: No such file or directory`.
Then the entry's fixes, read from its Markdown: Option 1 (.gitattributes, renormalize, re-checkout) in both
repositories and its refusal when a script has uncommitted changes; Option 2 (od/sed/find) in a folder of CRLF
scripts; Option 3's Dockerfile RUN line run by /bin/sh in a copy of the app folder, after which the entrypoint
execs; Option 4's checker (exit 1, --fix, then exit 0; other files, .git and binaries left alone). Each message
produced is fed to the matcher: the wordings that show the \\r (`'bash\\r'`, `^M`, `$'\\r'`) must get this entry;
the ones that do not (bash 5.2's `cannot execute: required file not found`, runc's `exec /x: no such file or
directory`, `standard_init_linux.go`, a git hook's `cannot run`) must not get it confidently, because a binary
without its loader or a `#!` interpreter that is missing prints them alike (shown here with a real binary whose
loader path was changed); the look-alikes must not get it either.
Edge cases of the fixes, each a bug of an earlier version of the entry: Option 1 with a `.gitattributes` whose last
line has no newline, with other files staged, run twice, and with a commit that fails; Option 2's od line on a
`#!/usr/bin/env bash` script; Options 2 and 3 on a self-extracting installer; Option 4 on a mistyped path and on a
file it cannot read.
Not run here: Docker itself (no daemon; the RUN line and the execve are), macOS env and zsh (in the entry's source).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from entry_blocks import option_blocks
from git_env import isolated_git_env
from pyrun import run_args, run_python

SLUG = "crlf-line-endings"

CRLF_BASH = b"#!/bin/bash\r\nset -euo pipefail\r\necho ran\r\n"
C_LOCALE = {"LC_ALL": "C", "LANG": "C"}


def crlf(path: Path, text: str, mode: int = 0o755) -> Path:
    """Write `text` with Windows line endings, executable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", "\r\n").encode())
    path.chmod(mode)
    return path


def run(argv: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a program in the C locale; its output decoded as is (a \r stays a \r)."""
    done = subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        timeout=30,
        env={**os.environ, **C_LOCALE, **(env or {})},
        check=False,
    )
    return subprocess.CompletedProcess(argv, done.returncode, done.stdout.decode(), done.stderr.decode())


def bash(command: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return run(["bash", "-c", command], cwd, env)


def bash_version() -> tuple[int, int]:
    out = run(["bash", "-c", "echo ${BASH_VERSINFO[0]} ${BASH_VERSINFO[1]}"], Path.cwd()).stdout.split()
    return int(out[0]), int(out[1])


def loaderless_binary(path: Path) -> Path:
    """A copy of /bin/true whose ELF interpreter (the dynamic loader) names a file that does not exist: what a
    glibc binary in a musl image, or a 32-bit binary without its loader, looks like to execve (ENOENT)."""
    data = Path(shutil.which("true")).read_bytes()
    (loader,) = set(re.findall(rb"/lib[\w/.-]*/ld-[\w.-]+\.so\.\d", data))
    path.write_bytes(data.replace(loader, loader[:-1] + (b"8" if loader[-1:] != b"8" else b"9")))
    path.chmod(0o755)
    return path


# --- the error, as each tool prints it -------------------------------------------------------------------------
def test_a_crlf_shebang_is_an_interpreter_that_does_not_exist(entry, index, tmp_path):
    (tmp_path / "run.sh").write_bytes(CRLF_BASH)
    (tmp_path / "run.sh").chmod(0o755)
    started = bash("./run.sh", tmp_path)
    assert started.stdout == ""
    line = started.stderr.strip()
    if bash_version()[:2] == (5, 2):
        assert started.returncode == 127
        assert line == "bash: line 1: ./run.sh: cannot execute: required file not found"
        # bash 5.2 prints the same for a binary whose loader is missing: the wording does not show the \r
        loaderless_binary(tmp_path / "server")
        binary = bash("./server", tmp_path).stderr.strip()
        assert binary == "bash: line 1: ./server: cannot execute: required file not found"
        for text in (line, binary, "bash: ./run.sh: cannot execute: required file not found"):
            assert confident_answer(index, text) != SLUG, text
            assert text not in entry.errors
    else:
        assert started.returncode == 126
        assert line.endswith("./run.sh: /bin/bash^M: bad interpreter: No such file or directory")
        interactive = "bash: ./run.sh: /bin/bash^M: bad interpreter: No such file or directory"
        assert interactive in entry.errors
        assert_answers(index, SLUG, line)
        assert_answers(index, SLUG, f"$ ./run.sh\n{interactive}")
    # the wording bash 5.1 and 5.3 print (Debian 11, sid) is this entry's
    assert_answers(
        index, SLUG, "$ ./run.sh\nbash: ./run.sh: /bin/bash^M: bad interpreter: No such file or directory"
    )

    # the same bytes with LF endings run: nothing else is wrong with the script
    (tmp_path / "run.sh").write_bytes(CRLF_BASH.replace(b"\r\n", b"\n"))
    assert bash("./run.sh", tmp_path).stdout == "ran\n"


@pytest.mark.parametrize("interpreter", ["bash", "python3"])
def test_env_looks_for_a_program_whose_name_ends_in_cr(entry, index, tmp_path, interpreter):
    body = "echo ran" if interpreter == "bash" else "print('ran')"
    crlf(tmp_path / "tool", f"#!/usr/bin/env {interpreter}\n{body}\n")
    started = run(["./tool"], tmp_path)
    assert started.returncode == 127
    lines = started.stderr.strip().splitlines()
    assert lines[0] == f"/usr/bin/env: '{interpreter}\\r': No such file or directory"
    assert lines[0] in entry.errors
    # coreutils 9.1 and newer add the -S hint; 8.32 does not
    assert lines[1:] in ([], ["/usr/bin/env: use -[v]S to pass options in shebang lines"])
    assert_answers(index, SLUG, started.stderr)
    # coreutils 9.7 and 9.10 (Debian 13, sid) name themselves `env:`, in the C and a UTF-8 locale
    for quoted in (f"'{interpreter}\\r'", f"‘{interpreter}\\r’"):
        assert_answers(
            index,
            SLUG,
            f"env: {quoted}: No such file or directory\nenv: use -[v]S to pass options in shebang lines",
        )


def test_bash_reading_the_file_keeps_a_cr_on_every_word(entry, index, tmp_path):
    crlf(
        tmp_path / "deploy.sh",
        "#!/bin/bash\necho start\n\ncd /tmp\nmain() {\n  echo hi\n}\nmain\n",
    )
    read = bash("bash deploy.sh", tmp_path)
    assert read.stdout == "start\r\n"  # a command that runs gets its last argument with a \r
    errors = read.stderr.splitlines()
    assert errors[0] == "deploy.sh: line 3: $'\\r': command not found"
    assert errors[1] == "deploy.sh: line 4: cd: $'/tmp\\r': No such file or directory"
    assert errors[2] == "deploy.sh: line 5: syntax error near unexpected token `$'{\\r''"
    for line in errors[:3]:
        assert_answers(index, SLUG, line)

    crlf(tmp_path / "strict.sh", "#!/bin/bash\nset -euo pipefail\necho never\n")
    strict = bash("bash strict.sh", tmp_path)
    assert strict.returncode == 2 and strict.stdout == ""
    assert strict.stderr == "strict.sh: line 2: set: pipefail\r: invalid option name\n"
    # what a log keeps once the \r is dropped, and what a terminal shows when it is not
    assert_answers(index, SLUG, strict.stderr.replace("\r", ""))
    assert "./run.sh: line 2: set: pipefail: invalid option name" in entry.errors


def test_programs_that_start_it_say_the_existing_file_is_missing(index, tmp_path):
    script = tmp_path / "entrypoint.sh"
    script.write_bytes(b"#!/bin/sh\r\necho started\r\n")
    script.chmod(0o755)
    probe = """
import errno, os, subprocess, sys
try:
    subprocess.run(["./entrypoint.sh"])
except FileNotFoundError as e:
    print("subprocess:", e)
print("exists:", os.path.isfile("entrypoint.sh"))
try:
    os.execv(os.path.abspath("entrypoint.sh"), ["entrypoint.sh"])  # what runc does for ENTRYPOINT
except OSError as e:
    print("execve:", errno.errorcode[e.errno])
"""
    result = run_python(probe, cwd=tmp_path, env=C_LOCALE)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out == [
        "subprocess: [Errno 2] No such file or directory: './entrypoint.sh'",
        "exists: True",
        "execve: ENOENT",
    ]
    # a binary without its loader fails execve with the same errno, so runc prints the same line for it
    loaderless_binary(tmp_path / "server")
    binary = run_python(probe.replace("entrypoint.sh", "server"), cwd=tmp_path, env=C_LOCALE)
    assert binary.stdout.splitlines()[-1] == "execve: ENOENT"
    # runc 1.1+ prints `exec <path>: <Go's text for the errno>`; ENOENT is "no such file or directory"
    for text in (
        "web-1  | exec /entrypoint.sh: no such file or directory\nweb-1 exited with code 1",
        "exec /usr/local/bin/docker-entrypoint.sh: no such file or directory",
        "exec /app/server: no such file or directory",
        "standard_init_linux.go:228: exec user process caused: no such file or directory",
        'standard_init_linux.go:211: exec user process caused "no such file or directory"',
        "slurmdbd   | standard_init_linux.go:228: exec user process caused: no such file or directory\n"
        "slurmdbd exited with code 1",
    ):
        assert confident_answer(index, text) != SLUG, text


def test_a_git_hook_with_a_crlf_shebang(entry, index, tmp_path):
    env = isolated_git_env(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    assert run(["git", "init", "-q", "."], repo, env).returncode == 0
    crlf(repo / ".git" / "hooks" / "pre-commit", "#!/bin/sh\nexit 0\n")
    commit = run(["git", "commit", "-q", "--allow-empty", "-m", "x"], repo, env)
    assert commit.returncode != 0
    assert commit.stderr.strip() == "fatal: cannot run .git/hooks/pre-commit: No such file or directory"
    # a hook whose interpreter is not installed (`#!/bin/zsh` without zsh) prints the very same line
    (repo / ".git" / "hooks" / "pre-commit").write_bytes(b"#!/bin/no-such-shell\nexit 0\n")
    missing = run(["git", "commit", "-q", "--allow-empty", "-m", "x"], repo, env)
    assert missing.stderr == commit.stderr
    assert commit.stderr.strip() not in entry.errors
    assert confident_answer(index, commit.stderr) != SLUG


# --- Option 1: .gitattributes, in real repositories --------------------------------------------------------------
def git(repo: Path, env: dict, *args: str) -> str:
    done = run(["git", *args], repo, env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def origin(tmp_path: Path, env: dict, script: bytes) -> Path:
    repo = tmp_path / "origin"
    (repo / "scripts").mkdir(parents=True)
    (repo / "run.sh").write_bytes(script)
    (repo / "scripts" / "sub.sh").write_bytes(
        b"#!/bin/sh\necho sub\n".replace(b"\n", b"\r\n" if b"\r" in script else b"\n")
    )
    (repo / "README.txt").write_bytes(b"docs\r\n")
    for path in (repo / "run.sh", repo / "scripts" / "sub.sh"):
        path.chmod(0o755)
    git(repo, env, "init", "-q", ".")
    git(repo, env, "add", ".")
    git(repo, env, "commit", "-q", "-m", "init")
    return repo


def eol(repo: Path, env: dict) -> dict[str, str]:
    """path -> `i/.. w/..` from git ls-files --eol, for the scripts."""
    table = {}
    for line in git(repo, env, "ls-files", "--eol", "--", "*.sh").splitlines():
        info, path = line.split("\t")
        table[path] = " ".join(info.split()[:2])
    return table


@pytest.mark.parametrize("case", ["autocrlf-true-clone", "committed-with-crlf"])
def test_option1_gitattributes_fixes_the_checkout(fix_code, tmp_path, case):
    env = isolated_git_env(tmp_path)
    clone = tmp_path / "clone"
    if case == "autocrlf-true-clone":  # LF in the repository, CRLF written by a Windows-style checkout
        repo = origin(tmp_path, env, CRLF_BASH.replace(b"\r\n", b"\n"))
        git(tmp_path, env, "-c", "core.autocrlf=true", "clone", "-q", str(repo), str(clone))
        git(clone, env, "config", "core.autocrlf", "true")
        assert eol(clone, env) == {"run.sh": "i/lf w/crlf", "scripts/sub.sh": "i/lf w/crlf"}
    else:  # committed with CRLF by a client with core.autocrlf=false: every checkout has it
        repo = origin(tmp_path, env, CRLF_BASH)
        git(tmp_path, env, "clone", "-q", str(repo), str(clone))
        assert eol(clone, env) == {"run.sh": "i/crlf w/crlf", "scripts/sub.sh": "i/crlf w/crlf"}
    assert bash("./run.sh", clone).returncode in (126, 127)

    code = fix_code(SLUG, 1)
    fixed = bash(code, clone, env)
    assert fixed.returncode == 0, fixed.stderr
    assert eol(clone, env) == {"run.sh": "i/lf w/lf", "scripts/sub.sh": "i/lf w/lf"}
    assert bash("./run.sh && ./scripts/sub.sh", clone).stdout == "ran\nsub\n"
    assert os.access(clone / "run.sh", os.X_OK)
    assert git(clone, env, "status", "--porcelain") == ""
    assert git(clone, env, "log", "-1", "--format=%s") == "Check out shell scripts with LF line endings\n"
    assert (clone / ".gitattributes").read_text().splitlines() == ["*.sh text eol=lf"]
    assert (clone / "README.txt").read_bytes() == b"docs\r\n"  # other files are not touched

    # a fresh clone of the fixed history gets LF even with core.autocrlf=true
    git(clone, env, "push", "-q", str(repo), "HEAD:refs/heads/fixed")
    fresh = tmp_path / "fresh"
    git(tmp_path, env, "-c", "core.autocrlf=true", "clone", "-q", "-b", "fixed", str(repo), str(fresh))
    assert eol(fresh, env) == {"run.sh": "i/lf w/lf", "scripts/sub.sh": "i/lf w/lf"}
    assert bash("./run.sh", fresh).stdout == "ran\n"


def test_option1_refuses_while_scripts_have_uncommitted_changes(fix_code, tmp_path):
    env = isolated_git_env(tmp_path)
    repo = origin(tmp_path, env, CRLF_BASH.replace(b"\r\n", b"\n"))
    clone = tmp_path / "clone"
    git(tmp_path, env, "-c", "core.autocrlf=true", "clone", "-q", str(repo), str(clone))
    git(clone, env, "config", "core.autocrlf", "true")
    with (clone / "run.sh").open("ab") as f:
        f.write(b"echo local edit\r\n")
    before = git(clone, env, "rev-parse", "HEAD")

    refused = bash(fix_code(SLUG, 1), clone, env)
    assert (
        refused.stderr.strip() == "commit or stash your changes first (edited .sh files, or anything staged)"
    )
    assert git(clone, env, "rev-parse", "HEAD") == before
    assert not (clone / ".gitattributes").exists()
    assert (clone / "run.sh").read_bytes().endswith(b"echo local edit\r\n")  # the edit is kept


def autocrlf_clone(tmp_path: Path, env: dict) -> Path:
    """A clone with core.autocrlf=true of a repository whose scripts are committed with LF."""
    repo = origin(tmp_path, env, CRLF_BASH.replace(b"\r\n", b"\n"))
    clone = tmp_path / "clone"
    git(tmp_path, env, "-c", "core.autocrlf=true", "clone", "-q", str(repo), str(clone))
    git(clone, env, "config", "core.autocrlf", "true")
    return clone


def test_option1_refuses_while_other_files_are_staged(fix_code, tmp_path):
    # the fix commit must not take along work the user had staged (a config file with a secret, half an edit)
    env = isolated_git_env(tmp_path)
    clone = autocrlf_clone(tmp_path, env)
    (clone / "config.local").write_text("token=do-not-commit\n")
    git(clone, env, "add", "config.local")
    before = git(clone, env, "rev-parse", "HEAD")

    refused = bash(fix_code(SLUG, 1), clone, env)
    assert (
        refused.stderr.strip() == "commit or stash your changes first (edited .sh files, or anything staged)"
    )
    assert git(clone, env, "rev-parse", "HEAD") == before
    assert git(clone, env, "diff", "--cached", "--name-only") == "config.local\n"  # still only staged


def test_option1_keeps_the_last_line_of_a_gitattributes_without_newline(fix_code, tmp_path):
    # appending to `*.bat text eol=crlf` with no final newline made `*.bat text eol=crlf*.sh text eol=lf`:
    # neither rule worked, the scripts stayed CRLF and the block still exited 0
    env = isolated_git_env(tmp_path)
    repo = origin(tmp_path, env, CRLF_BASH.replace(b"\r\n", b"\n"))
    (repo / ".gitattributes").write_bytes(b"*.bat text eol=crlf")
    git(repo, env, "add", ".gitattributes")
    git(repo, env, "commit", "-q", "-m", "attributes")
    clone = tmp_path / "clone"
    git(tmp_path, env, "-c", "core.autocrlf=true", "clone", "-q", str(repo), str(clone))
    git(clone, env, "config", "core.autocrlf", "true")

    fixed = bash(fix_code(SLUG, 1), clone, env)
    assert fixed.returncode == 0, fixed.stderr
    assert (clone / ".gitattributes").read_bytes() == b"*.bat text eol=crlf\n*.sh text eol=lf\n"
    assert eol(clone, env) == {"run.sh": "i/lf w/lf", "scripts/sub.sh": "i/lf w/lf"}
    assert bash("./run.sh", clone).stdout == "ran\n"


def test_option1_run_twice_changes_nothing_the_second_time(fix_code, tmp_path):
    env = isolated_git_env(tmp_path)
    clone = autocrlf_clone(tmp_path, env)
    assert bash(fix_code(SLUG, 1), clone, env).returncode == 0
    after_first = git(clone, env, "rev-parse", "HEAD")

    again = bash(fix_code(SLUG, 1), clone, env)
    assert again.returncode == 0, again.stderr
    assert git(clone, env, "rev-parse", "HEAD") == after_first  # no second commit
    assert (clone / ".gitattributes").read_text().splitlines() == ["*.sh text eol=lf"]  # no second line
    assert git(clone, env, "status", "--porcelain") == ""
    assert bash("./run.sh", clone).stdout == "ran\n"


def test_option1_in_another_clone_after_pulling_the_fix(fix_code, tmp_path):
    # that clone checks .gitattributes out with CRLF (core.autocrlf=true): the block must still find its line
    env = isolated_git_env(tmp_path)
    clone = autocrlf_clone(tmp_path, env)
    other = tmp_path / "other"
    git(tmp_path, env, "-c", "core.autocrlf=true", "clone", "-q", str(tmp_path / "origin"), str(other))
    git(other, env, "config", "core.autocrlf", "true")
    assert bash(fix_code(SLUG, 1), clone, env).returncode == 0
    git(clone, env, "push", "-q", str(tmp_path / "origin"), "HEAD:refs/heads/fixed")
    git(other, env, "pull", "-q", "origin", "fixed")
    assert (other / ".gitattributes").read_bytes() == b"*.sh text eol=lf\r\n"
    assert eol(other, env) == {"run.sh": "i/lf w/crlf", "scripts/sub.sh": "i/lf w/crlf"}  # the pull left them
    pulled = git(other, env, "rev-parse", "HEAD")

    done = bash(fix_code(SLUG, 1), other, env)
    assert done.returncode == 0, done.stderr
    assert git(other, env, "rev-parse", "HEAD") == pulled  # nothing to commit there
    assert git(other, env, "status", "--porcelain") == ""
    assert eol(other, env) == {"run.sh": "i/lf w/lf", "scripts/sub.sh": "i/lf w/lf"}


def test_option1_stops_when_the_commit_fails(fix_code, tmp_path):
    # a failing pre-commit hook (or no user.email): the old block went on, `git checkout HEAD` undid the staged
    # renormalization, and it exited 0 with the scripts still committed and checked out with CRLF
    env = isolated_git_env(tmp_path)
    repo = origin(tmp_path, env, CRLF_BASH)
    clone = tmp_path / "clone"
    git(tmp_path, env, "clone", "-q", str(repo), str(clone))
    hook = clone / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'hook says no' >&2\nexit 1\n")
    hook.chmod(0o755)

    stopped = bash(fix_code(SLUG, 1), clone, env)
    assert stopped.returncode != 0
    assert "hook says no" in stopped.stderr
    assert eol(clone, env)["run.sh"].startswith("i/lf")  # the renormalized script is still staged
    hook.unlink()  # the cause fixed: commit, then the last three lines, as the entry says
    git(clone, env, "commit", "-q", "-m", "Check out shell scripts with LF line endings")
    code = fix_code(SLUG, 1)
    last_three = code[code.index("git rm --cached") : code.rindex("\nfi")]
    assert bash(last_three, clone, env).returncode == 0, last_three
    assert eol(clone, env) == {"run.sh": "i/lf w/lf", "scripts/sub.sh": "i/lf w/lf"}
    assert bash("./run.sh", clone).stdout == "ran\n"


def test_option1_block_is_what_the_entry_shows():
    (language, code), *_ = option_blocks(SLUG, 1)
    assert language == "bash"
    assert "git add --renormalize -- '*.sh'" in code and "git checkout HEAD -- '*.sh'" in code


# --- Option 2: convert in place -----------------------------------------------------------------------------------
def test_option2_sed_converts_the_scripts(fix_code, tmp_path):
    (tmp_path / "run.sh").write_bytes(CRLF_BASH)
    (tmp_path / "run.sh").chmod(0o755)
    crlf(tmp_path / "tools" / "sub.sh", "#!/bin/sh\necho sub\n")
    assert bash("./run.sh", tmp_path).returncode in (126, 127)

    done = bash(fix_code(SLUG, 2), tmp_path)
    assert done.returncode == 0, done.stderr
    first, ran = done.stdout.splitlines()[0], done.stdout.splitlines()[-1]
    assert re.search(r"h  \\r  \\n", first)  # the od line the entry tells to look for
    assert ran == "ran"
    assert b"\r" not in (tmp_path / "run.sh").read_bytes()
    assert (tmp_path / "tools" / "sub.sh").read_bytes() == b"#!/bin/sh\necho sub\n"
    assert os.access(tmp_path / "run.sh", os.X_OK)  # sed -i keeps the mode


def test_option2_od_line_shows_the_cr_of_a_long_shebang(fix_code, tmp_path):
    # `od -c run.sh | head -n 1` shows 16 bytes: `#!/usr/bin/env b`, and the \r comes after them
    crlf(tmp_path / "run.sh", "#!/usr/bin/env bash\necho ran\n")
    done = bash(fix_code(SLUG, 2), tmp_path)
    assert done.returncode == 0, done.stderr
    od_output = done.stdout.split("ran\n")[0]
    assert re.search(r"h  \\r  \\n", od_output), od_output
    assert done.stdout.endswith("ran\n")


def installer(path: Path) -> bytes:
    """A self-extracting installer (makeself, Miniconda): a script, then a binary payload with \\r\\n pairs."""
    data = (
        b"#!/bin/sh\necho installing\nexit 0\n__PAYLOAD__\n" + bytes(range(256)) * 4 + b"\x1f\x8b\r\n\0\r\n"
    )
    path.write_bytes(data)
    path.chmod(0o755)
    return data


def test_option2_leaves_an_installer_payload_alone(fix_code, tmp_path):
    (tmp_path / "run.sh").write_bytes(CRLF_BASH)
    (tmp_path / "run.sh").chmod(0o755)
    (tmp_path / "vendor").mkdir()
    payload = installer(tmp_path / "vendor" / "Miniconda3-latest-Linux-x86_64.sh")
    done = bash(fix_code(SLUG, 2), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("ran\n")
    assert (tmp_path / "vendor" / "Miniconda3-latest-Linux-x86_64.sh").read_bytes() == payload


# --- Option 3: the Dockerfile's RUN line ------------------------------------------------------------------------
def test_option3_run_line_makes_the_entrypoint_start(fix_code, tmp_path):
    dockerfile = fix_code(SLUG, 3)
    lines = [line.strip() for line in dockerfile.splitlines()]
    copy_at = lines.index("COPY . .")
    (run_line,) = [line for line in lines if line.startswith("RUN ")]
    assert lines.index(run_line) > copy_at
    entrypoint = re.search(r'ENTRYPOINT \["(.+)"\]', dockerfile).group(1)
    assert entrypoint == "./entrypoint.sh"

    app = tmp_path / "app"  # the build context, as a Windows checkout (core.autocrlf=true) leaves it
    crlf(app / "entrypoint.sh", '#!/bin/sh\nset -e\n. ./lib/common.sh\necho "entrypoint ran: $GREETING"\n')
    crlf(app / "lib" / "common.sh", "GREETING=hello\n", 0o644)
    (app / "data.csv").write_bytes(b"a,b\r\n")
    before = run_python(
        "import os\ntry:\n    os.execv('./entrypoint.sh', ['entrypoint.sh'])\nexcept OSError as e:\n    print(e.strerror)",
        cwd=app,
        env=C_LOCALE,
    )
    assert (
        before.stdout.strip() == "No such file or directory"
    )  # runc: exec ./entrypoint.sh: no such file ...
    (app / "entrypoint.sh").chmod(0o644)  # and a checkout made on Windows has no x bit either

    built = run(["/bin/sh", "-c", run_line[len("RUN ") :]], app)  # how docker runs a shell-form RUN
    assert built.returncode == 0, built.stderr
    started = run([entrypoint], app)  # exec form: execve, as runc does
    assert started.returncode == 0, started.stderr
    assert started.stdout == "entrypoint ran: hello\n"  # the sourced file lost its \r too
    assert (app / "data.csv").read_bytes() == b"a,b\r\n"


def test_option3_run_line_leaves_an_installer_payload_alone(fix_code, tmp_path):
    (run_line,) = [line.strip() for line in fix_code(SLUG, 3).splitlines() if line.startswith("RUN ")]
    app = tmp_path / "app"
    crlf(app / "entrypoint.sh", "#!/bin/sh\necho up\n")
    payload = installer(app / "Miniconda3-latest-Linux-x86_64.sh")
    built = run(["/bin/sh", "-c", run_line[len("RUN ") :]], app)
    assert built.returncode == 0, built.stderr
    assert (app / "Miniconda3-latest-Linux-x86_64.sh").read_bytes() == payload
    assert run(["./entrypoint.sh"], app).stdout == "up\n"


# --- Option 4: the checker ----------------------------------------------------------------------------------------
def test_option4_checker_finds_and_fixes_scripts(fix_code, tmp_path):
    checker = tmp_path / "check_line_endings.py"
    checker.write_text(fix_code(SLUG, 4), encoding="utf-8")
    tree = tmp_path / "tree"
    crlf(tree / "run.sh", "#!/bin/bash\necho ran\n")
    crlf(tree / "bin" / "tool", "#!/usr/bin/env python3\nprint('tool ran')\n")
    crlf(tree / "lib" / "common.bash", "X=1\n", 0o644)
    crlf(tree / "data.csv", "a,b\n1,2\n", 0o644)
    crlf(tree / ".git" / "hooks" / "x.sh", "#!/bin/sh\n")
    crlf(tree / "node_modules" / "pkg" / "cli.sh", "#!/bin/sh\n")
    (tree / "blob.sh").write_bytes(b"\x00\x01\r\n")
    (tree / "ok.sh").write_bytes(b"#!/bin/sh\necho ok\n")

    found = run_args([str(checker)], cwd=tree)
    assert found.returncode == 1
    assert found.stdout.splitlines() == [
        "CRLF line endings: bin/tool",
        "CRLF line endings: lib/common.bash",
        "CRLF line endings: run.sh",
    ]
    assert "add '*.sh text eol=lf' to .gitattributes" in found.stderr
    assert run(["./bin/tool"], tree).stderr.startswith("/usr/bin/env: 'python3\\r'")

    fixed = run_args([str(checker), "--fix"], cwd=tree)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines()[-1] == "3 script(s) fixed"
    assert run(["./run.sh"], tree).stdout == "ran\n"
    assert run(["./bin/tool"], tree).stdout == "tool ran\n"
    assert (tree / "data.csv").read_bytes() == b"a,b\r\n1,2\r\n"
    assert (tree / ".git" / "hooks" / "x.sh").read_bytes() == b"#!/bin/sh\r\n"
    assert (tree / "node_modules" / "pkg" / "cli.sh").read_bytes() == b"#!/bin/sh\r\n"
    assert (tree / "blob.sh").read_bytes() == b"\x00\x01\r\n"

    again = run_args([str(checker), "run.sh", "bin"], cwd=tree)
    assert again.returncode == 0 and again.stdout.strip() == "0 script(s) with CRLF"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_args([str(checker)], cwd=empty).returncode == 0  # as the entry checker runs it


def test_option4_a_path_that_does_not_exist_is_an_error(fix_code, tmp_path):
    # a mistyped path in CI used to pass as "0 script(s) with CRLF", exit 0
    checker = tmp_path / "check_line_endings.py"
    checker.write_text(fix_code(SLUG, 4), encoding="utf-8")
    crlf(tmp_path / "scripts" / "deploy.sh", "#!/bin/sh\n")
    typo = run_args([str(checker), "script/deploy.sh"], cwd=tmp_path)
    assert typo.returncode == 2
    assert "no such file or folder: script/deploy.sh" in typo.stderr
    assert run_args([str(checker), "scripts/deploy.sh"], cwd=tmp_path).returncode == 1


def test_option4_names_a_file_it_cannot_read_and_checks_the_rest(fix_code, tmp_path):
    # a file the user cannot read (another user's, mode 600) stopped the run with a traceback at that file;
    # as root every file is readable, so the open is refused the way the kernel would for another user
    (tmp_path / "check_line_endings.py").write_text(fix_code(SLUG, 4), encoding="utf-8")
    crlf(tmp_path / "tree" / "a_locked", "#!/bin/sh\n")
    crlf(tmp_path / "tree" / "b_run.sh", "#!/bin/sh\necho ran\n")
    refuse = (
        "import io, runpy, sys\n"
        "real_open = io.open\n"
        "def guarded(file, *args, **kwargs):\n"
        "    if str(file).endswith('a_locked'):\n"
        "        raise PermissionError(13, 'Permission denied', str(file))\n"
        "    return real_open(file, *args, **kwargs)\n"
        "io.open = guarded\n"
        "sys.argv = ['check_line_endings.py', '--fix', 'tree']\n"
        "runpy.run_path('check_line_endings.py', run_name='__main__')\n"
    )
    done = run_python(refuse, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip() == "cannot check tree/a_locked: Permission denied"
    assert done.returncode == 1
    assert (tmp_path / "tree" / "b_run.sh").read_bytes() == b"#!/bin/sh\necho ran\n"  # the rest was fixed


# --- the matcher ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "$ ./scripts/setup.sh\n-bash: ./scripts/setup.sh: /bin/bash^M: bad interpreter: No such file or directory",
        "$ make docker-init\n/usr/bin/env: ‘bash\\r’: No such file or directory\nmake: *** [Makefile:249: docker-init] Error 127",
        "Terraform fmt............................................................Failed\n- hook id: terraform_fmt\n"
        "- exit code: 2\n\n: invalid option namepre-commit/repo6f7es1d3/hooks/terraform_fmt.sh: line 2: set: pipefail",
        "> default@1.0.0 watch /home/u/web\n> pkg release -cw\n\n/usr/bin/env: ‘node\\r’: No such file or directory\n\n"
        "npm ERR! code ELIFECYCLE\nnpm ERR! errno ENOENT\nnpm ERR! syscall spawn",
        "env: node\\r: No such file or directory",
    ],
)
def test_pasted_reports_get_this_entry(index, text):
    assert_answers(index, SLUG, text)


def test_look_alikes_do_not_get_this_entry(entry, index):
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text
    assert confident_answer(index, "/usr/bin/env: 'node': No such file or directory") != SLUG


@pytest.mark.parametrize(
    "text",
    [
        # the same words without the \r, from other causes: a binary (32-bit, glibc in musl), a moved venv,
        # an interpreter that is really missing, a file that is really missing, options in a shebang
        "./myapp: cannot execute: required file not found",
        "-bash: ./cod4x18_dedrun: cannot execute: required file not found",
        "bash: /home/u/.venv/bin/pip: cannot execute: required file not found",
        "exec /bin/sh: no such file or directory",
        "bash: ./scripts/build.sh: No such file or directory",
        "/bin/bash: bad interpreter: No such file or directory",
        "bash: ./x.py: /usr/bin/python3: bad interpreter: No such file or directory",
        "./deploy.sh: /usr/local/bin/bash: bad interpreter: No such file or directory",
        "fatal: cannot run .husky/pre-commit: No such file or directory",
        "error: cannot spawn .git/hooks/pre-push: No such file or directory",
        "/bin/sh: 1: ./install.sh: not found",
        "/usr/bin/env: 'bash -e': No such file or directory\n/usr/bin/env: use -[v]S to pass options in shebang lines",
    ],
)
def test_wordings_without_the_cr_are_not_asserted(index, text):
    assert confident_answer(index, text) != SLUG


def test_the_tools_this_test_needs_are_here():
    for tool in ("bash", "git", "sed", "od", "find"):
        assert shutil.which(tool), tool
    assert Path("/usr/bin/env").exists() and Path("/bin/sh").exists()
