"""git-dubious-ownership: a real repository owned by another uid, real git, and each fix that runs here.

The test runs as root (as `make test` does) and hands a fresh repository to uid 4242 with os.chown. Git's
global and system config are redirected to files of the test (HOME, GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM),
so nothing outside tmp_path changes; SUDO_UID (which makes git trust that uid) is removed. Reproduced:
exit 128 with `detected dubious ownership in repository at '<path>'` and git's own `safe.directory` hint.
Run from the Markdown, each on a fresh config, with `/workspace` rewritten to the test repository: Option 1's
lines (`--global`, `'*'`, `--system`, `-c`), Option 2's `run:` line (GITHUB_WORKSPACE set), Option 4's Python
(marked norun in the entry; run here in the repository), Option 5's stat/chown (without `sudo`: root already).
The Limits' trailing `/*` claim is checked against the installed git. Not run: the Dockerfile of Option 3,
Windows SID wording, the older 2.35.2-2.37 wording, libgit2/VS Code/Go messages.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from pyrun import run_python as run

SLUG = "git-dubious-ownership"
OTHER_UID = 4242


def git_version() -> tuple[int, ...]:
    out = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True).stdout
    return tuple(int(part) for part in re.search(r"(\d+)\.(\d+)\.(\d+)", out).groups())


@pytest.fixture
def repo(tmp_path):
    if os.geteuid() != 0:
        pytest.fail("this test hands a repository to another uid: run it as root (make test does)")
    path = tmp_path / "workspace"
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.chown(name, OTHER_UID, OTHER_UID)
    return path


@pytest.fixture
def git_env(tmp_path):
    """Fresh, private global/system git config for every call of make()."""
    counter = iter(range(100))

    def make() -> dict:
        home = tmp_path / f"home{next(counter)}"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "SUDO_"))}
        env.update(
            HOME=str(home), GIT_CONFIG_GLOBAL=str(home / "global"), GIT_CONFIG_SYSTEM=str(home / "system")
        )
        return env

    return make


def sh(command: str, env: dict, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command], env=env, cwd=cwd, capture_output=True, text=True, timeout=30
    )


def status(repo, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(repo), "status", "--short"], env=env, capture_output=True, text=True
    )


def commands(code: str) -> list[str]:
    """The shell commands of a bash block, comments dropped."""
    return [
        line.split("  #")[0].strip()
        for line in code.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_repository_of_another_user_is_refused(repo, git_env):
    result = status(repo, git_env())
    assert result.returncode == 128
    assert f"fatal: detected dubious ownership in repository at '{repo}'" in result.stderr
    assert "To add an exception for this directory, call:" in result.stderr
    assert f"git config --global --add safe.directory {repo}" in result.stderr


def test_option1_each_line_trusts_the_repository(repo, git_env, fix_code):
    lines = [line.replace("/workspace", str(repo)) for line in commands(fix_code(SLUG))]
    assert len(lines) == 5
    add_global, get_all, add_star, add_system, one_off = lines
    env = git_env()
    assert sh(add_global, env, repo).returncode == 0
    assert sh(get_all, env, repo).stdout.strip() == str(repo)
    assert status(repo, env).returncode == 0
    for line in (add_star, add_system):
        env = git_env()
        assert status(repo, env).returncode == 128
        assert sh(line, env, repo).returncode == 0
        assert status(repo, env).returncode == 0, line
    assert (
        f"directory = {repo}" in Path(env["GIT_CONFIG_SYSTEM"]).read_text()
    )  # --system went to the test's file
    result = sh(one_off, git_env(), repo)
    assert result.returncode == 0, result.stderr
    assert "On branch" in result.stdout


def test_option2_ci_step(repo, git_env, fix_code):
    step = next(line for line in fix_code(SLUG, 2).splitlines() if "run: git config" in line)
    env = dict(git_env(), GITHUB_WORKSPACE=str(repo))
    assert sh(step.split("run:", 1)[1].strip(), env, repo).returncode == 0
    assert status(repo, env).returncode == 0


def test_option4_environment_config_from_python(repo, git_env, fix_code):
    env = git_env()
    result = run(fix_code(SLUG, 4), cwd=repo, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(repo)
    assert status(repo, env).returncode == 128  # nothing was written to any config file


def test_option5_take_ownership(repo, git_env, fix_code):
    env = git_env()
    stat_line, chown_line = commands(fix_code(SLUG, 5))
    before = sh(stat_line, env, repo).stdout.splitlines()
    assert len(before) == 2 and not any(line.startswith("root:") for line in before), before
    assert chown_line.startswith("sudo ")
    assert sh(chown_line.removeprefix("sudo "), env, repo).returncode == 0
    assert sh(stat_line, env, repo).stdout.splitlines() == ["root:root .", "root:root .git"]
    assert status(repo, env).returncode == 0


def test_limits_trailing_star_needs_git_2_46(repo, git_env):
    env = git_env()
    sh(f"git config --global --add safe.directory '{repo.parent}/*'", env, repo)
    expected = 0 if git_version() >= (2, 46) else 128
    assert status(repo, env).returncode == expected
