"""git-lfs-missing: real git, no git-lfs, repositories built in tmp_path, and the entry's own checker.

Git LFS stores a pointer text in the git history, so a repository "using LFS" is, for git alone, a
`.gitattributes` with `filter=lfs` and committed pointer files: the test builds one, and clones it over
file:// with a PATH holding only git (git-lfs is absent even where it is installed system-wide) and a private
HOME/global config. Reproduced with git alone, as git-lfs 3.3.0 users see it: `git lfs pull` ->
`git: 'lfs' is not a git command`; a clone with the filter settings `git lfs install` writes ->
`git-lfs filter-process: ... not found` and `smudge filter lfs failed` (or, a race, `the remote end hung up`); the post-checkout hook git-lfs 3.3.0
writes (its template, byte for byte) -> `This repository is configured for Git LFS but 'git-lfs' was not found
on your path ...`; a clone without LFS settings -> pointer files in the tree. Then the entry's Option 1
(check_lfs.py) runs on each clone: it must name the pointers and the real size, say git-lfs is missing, spot
the failed checkout and print the commands (with `hf download` for a huggingface.co origin), and pass a clone
whose files are real. Not run here (they need git-lfs or a network): Options 2-4; see the entry's source.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from git_env import isolated_git_env
from pyrun import run_args

from app.corpus.entries import parse_entry

SLUG = "git-lfs-missing"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

OID = "8cc07c26c43af761395303fe5bca1ec0788c010c80f21a82cb8bccfe4e8a916c"
REAL_SIZE = 4965799096
POINTER = f"version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize {REAL_SIZE}\n"
ATTRIBUTES = "*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
# what `git lfs install` writes to the user's global config (git-lfs 3.3.0)
LFS_CONFIG = (
    '[filter "lfs"]\n\tsmudge = git-lfs smudge -- %f\n\tprocess = git-lfs filter-process\n'
    "\trequired = true\n\tclean = git-lfs clean -- %f\n"
)
# the post-checkout hook git-lfs 3.3.0 writes into .git/hooks (its hookBaseContent, Command = post-checkout)
HOOK = (
    "#!/bin/sh\n"
    'command -v git-lfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository is configured for Git LFS but '
    "'git-lfs' was not found on your path. If you no longer wish to use Git LFS, remove this hook by deleting "
    "'.git/hooks/post-checkout'.\\n\"; exit 2; }\n"
    'git lfs post-checkout "$@"\n'
)


@pytest.fixture
def env(tmp_path) -> dict:
    """PATH with git only (no git-lfs), private HOME and git config, fixed identity."""
    git = shutil.which("git")
    assert git is not None, "these tests run git (a clone of this repository has it)"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(git)
    return isolated_git_env(tmp_path, PATH=str(bin_dir))


def git(env: dict, *args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=30, check=False
    )


def lfs_origin(tmp_path, env) -> str:
    """A repository that uses Git LFS, as git stores it: .gitattributes and a committed pointer."""
    src = tmp_path / "src"
    src.mkdir()
    (src / ".gitattributes").write_text(ATTRIBUTES)
    (src / "model.safetensors").write_text(POINTER)
    (src / "config.json").write_text('{"model_type": "llama"}\n')
    for args in (("init", "-q", "-b", "main"), ("add", "."), ("commit", "-qm", "weights in LFS")):
        assert git(env, *args, cwd=src).returncode == 0
    assert git(env, "clone", "-q", "--bare", str(src), str(tmp_path / "origin.git")).returncode == 0
    return f"file://{tmp_path / 'origin.git'}"


def check_lfs(fix_code, tmp_path, env, repo) -> subprocess.CompletedProcess:
    script = tmp_path / "check_lfs.py"
    script.write_text(fix_code(SLUG, 1))
    child = {k: env[k] for k in ("HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "LC_ALL")}
    return run_args([str(script), str(repo)], env={**child, "PATH": env["PATH"]})


def signatures() -> tuple[str, ...]:
    return parse_entry(ENTRY).errors


def test_git_lfs_not_installed_is_reproduced_and_a_signature(tmp_path, env):
    result = git(env, "lfs", "pull", cwd=tmp_path)
    assert result.returncode == 1
    assert "git: 'lfs' is not a git command. See 'git --help'." in result.stderr
    assert "git: 'lfs' is not a git command." in signatures()  # the signature is the start of that line


def test_clone_without_lfs_config_leaves_pointers_and_option1_names_them(fix_code, tmp_path, env):
    origin = lfs_origin(tmp_path, env)
    clone = tmp_path / "clone"
    assert git(env, "clone", "-q", origin, str(clone)).returncode == 0  # silently: no LFS settings here
    assert (clone / "model.safetensors").read_text() == POINTER
    git(
        env,
        "-C",
        str(clone),
        "remote",
        "set-url",
        "origin",
        "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct",
    )

    result = check_lfs(fix_code, tmp_path, env, clone)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert f"POINTER model.safetensors: a stub in place of {REAL_SIZE:,} bytes" in out
    assert "config.json" not in out
    assert re.search(r"git-lfs on PATH: +NOT FOUND", out)
    assert "install git-lfs: sudo apt-get install git-lfs" in out
    assert "git lfs install" in out
    assert f"git -C {clone} lfs pull" in out
    assert f"hf download Qwen/Qwen2.5-0.5B-Instruct --local-dir {clone}" in out
    assert "checkout of this clone failed" not in out


def test_configured_but_absent_git_lfs_fails_the_checkout_and_option1_sees_it(fix_code, tmp_path, env):
    origin = lfs_origin(tmp_path, env)
    Path(env["GIT_CONFIG_GLOBAL"]).write_text(LFS_CONFIG)  # `git lfs install` ran once, git-lfs is gone
    clone = tmp_path / "clone"
    result = git(env, "clone", origin, str(clone))
    assert result.returncode == 128
    # /bin/sh prints `1: git-lfs: not found` (dash), `line 1: git-lfs: command not found` (bash 5) ...
    assert re.search(r"git-lfs filter-process: (1: |line 1: )?git-lfs: (command )?not found", result.stderr)
    # then, depending on whether git wrote to the dead filter before it exited, one of these two
    assert (
        "fatal: model.safetensors: smudge filter lfs failed" in result.stderr
        or "fatal: the remote end hung up unexpectedly" in result.stderr
    )
    assert "fatal: model.safetensors: smudge filter lfs failed" in signatures()
    assert "Clone succeeded, but checkout failed." in result.stderr

    result = check_lfs(fix_code, tmp_path, env, clone)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "LFS filter configured:  git-lfs filter-process" in result.stdout
    assert "the checkout of this clone failed" in result.stdout
    assert f"git -C {clone} reset -q" in result.stdout
    assert f"git -C {clone} lfs pull" in result.stdout


def test_lfs_hook_without_git_lfs_prints_the_signature(tmp_path, env):
    origin = lfs_origin(tmp_path, env)
    clone = tmp_path / "clone"
    assert git(env, "clone", "-q", origin, str(clone)).returncode == 0
    hook = clone / ".git" / "hooks" / "post-checkout"
    hook.write_text(HOOK)
    hook.chmod(0o755)
    result = git(env, "checkout", "-b", "other", cwd=clone)
    assert result.returncode == 1
    message = next(line for line in result.stderr.splitlines() if line.startswith("This repository"))
    assert message in signatures()


def test_option1_passes_a_clone_with_real_files_and_an_empty_folder(fix_code, tmp_path, env):
    origin = lfs_origin(tmp_path, env)
    clone = tmp_path / "clone"
    assert git(env, "clone", "-q", origin, str(clone)).returncode == 0
    (clone / "model.safetensors").write_bytes(os.urandom(2048))  # what `git lfs pull` puts there
    fake_lfs = Path(env["PATH"]) / "git-lfs"  # only has to exist on PATH for the checker
    fake_lfs.write_text("#!/bin/sh\nexit 0\n")
    fake_lfs.chmod(0o755)
    Path(env["GIT_CONFIG_GLOBAL"]).write_text(LFS_CONFIG)

    result = check_lfs(fix_code, tmp_path, env, clone)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "repository uses LFS:    yes" in result.stdout
    assert "OK: no Git LFS content is missing here" in result.stdout

    empty = tmp_path / "empty"
    empty.mkdir()
    result = check_lfs(fix_code, tmp_path, env, empty)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "repository uses LFS:    no" in result.stdout
