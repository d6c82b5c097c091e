"""git-push-rejected: real git pushing to local bare repositories, and the entry's own fixes.

Every client wording is git's own (the git installed here, 2.39.5 when written): `(fetch first)`, `(non-fast-forward)`,
`(stale info)`, `(already exists)`, `src refspec main does not match any`, `refusing to merge unrelated histories`,
`Need to specify how to reconcile divergent branches.`, `(shallow update not allowed)`, `(branch is currently checked out)`.
The hosts' refusals come through the same channel the hosts use: a receive hook on the bare repository writes their texts
to stderr (git shows them as `remote:` lines) and refuses the ref. A pre-receive hook gives `(pre-receive hook declined)`
(GitHub GH001, GitLab); a proc-receive hook (receive.procReceiveRefs, git 2.29+) answers `ng <ref> <reason>`, which is
how GitHub's own reasons reach the client (`(protected branch hook declined)`, `(push declined due to repository rule
violations)`, the workflow-scope reason). The texts are GitHub's and GitLab's as quoted in the entry's source
(GitLab lib/gitlab/checks/branch_check.rb; GitHub from public issue threads). Local paths are written back as
https://github.com/org/repo.git before comparing with the entry's signatures.
Then each option's code runs as published: Option 1 (pull --rebase --autostash, push), Option 2 (merge with
--allow-unrelated-histories -X ours), Option 3 (first commit, rename to main), Option 4's first two lines (a new
branch passes a hook that protects main; `gh` is not run), Option 5 (reset --soft, untrack, recommit) against a hook
refusing large blobs with GH001's texts, Option 6 (fetch, log, --force-with-lease), Option 7 (new tag, --unshallow)
and the entry's receive.denyCurrentBranch line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from git_env import isolated_git_env

from app.corpus.entries import parse_entry

SLUG = "git-push-rejected"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
URL = "https://github.com/org/repo.git"

PROC_RECEIVE = """\
import os, sys

def read_pkt(f):
    n = int(f.read(4), 16)
    return "" if n == 0 else f.read(n - 4).decode().rstrip("\\n")

def write_pkt(f, text=None):
    data = b"" if text is None else (text + "\\n").encode()
    f.write(b"0000" if text is None else b"%04x" % (len(data) + 4) + data)
    f.flush()

inp, out = sys.stdin.buffer, sys.stdout.buffer
while read_pkt(inp):
    pass
write_pkt(out, "version=1")
write_pkt(out)
refs = []
while True:
    line = read_pkt(inp)
    if not line:
        break
    refs.append(line.split()[2])
sys.stderr.write(os.environ["REJECT_TEXT"])
for ref in refs:
    write_pkt(out, "ng %s %s" % (ref, os.environ["REJECT_REASON"]))
write_pkt(out)
"""

PRE_RECEIVE = """\
import os, sys
if os.environ.get("REJECT_REF", "") in ("",) + tuple(line.split()[2] for line in sys.stdin.read().splitlines()):
    sys.stderr.write(os.environ["REJECT_TEXT"])
    sys.exit(1)
"""

# GitHub's GH001 hook, as it prints: the limit is 100 MB there; the test uses 1 MB and prints GitHub's figures
LARGE_FILE_HOOK = """\
import subprocess, sys
ZERO = "0" * 40
bad = []
for line in sys.stdin.read().splitlines():
    old, new, ref = line.split()
    span = [new] if old == ZERO else [new, "^" + old]
    objects = subprocess.run(["git", "rev-list", "--objects", *span], capture_output=True, text=True, check=True).stdout
    for entry in objects.splitlines():
        sha, _, path = entry.partition(" ")
        size = int(subprocess.run(["git", "cat-file", "-s", sha], capture_output=True, text=True).stdout)
        if path and size > 1_000_000:
            bad.append(path)
if bad:
    sys.stderr.write("error: Trace: 83e8ea79de23baec9c518a4d315dd573d674408018cc5f3819c790d19f05bdb0\\n")
    sys.stderr.write("error: See https://gh.io/lfs for more information.\\n")
    for path in sorted(set(bad)):
        sys.stderr.write(f"error: File {path} is 123.45 MB; this exceeds GitHub's file size limit of 100.00 MB\\n")
    sys.stderr.write("error: GH001: Large files detected. You may want to try Git Large File Storage"
                     " - https://git-lfs.github.com.\\n")
    sys.exit(1)
"""


@pytest.fixture
def env(tmp_path) -> dict:
    return isolated_git_env(tmp_path)


@pytest.fixture
def errors() -> set[str]:
    return set(parse_entry(ENTRY).errors)


def git(env: dict, cwd: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=60, **kw
    )


def ok(env: dict, cwd: Path, *args: str) -> str:
    result = git(env, cwd, *args)
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout


def bash(code: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def shown(result: subprocess.CompletedProcess, remote: Path) -> list[str]:
    """git's stderr as the entry quotes it: the remote path as a GitHub URL, each line stripped."""
    text = result.stderr.replace(str(remote), URL)
    return [line.strip() for line in text.splitlines() if line.strip()]


def hook(repo: Path, name: str, body: str) -> None:
    path = repo / "hooks" / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)


def host(tmp_path: Path, env: dict, name: str = "remote.git") -> Path:
    """A bare repository whose main holds one commit."""
    bare = tmp_path / name
    ok(env, tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / f"seed-{name}"
    ok(env, tmp_path, "clone", "-q", str(bare), str(seed))
    ok(env, seed, "commit", "-q", "--allow-empty", "-m", "base")
    ok(env, seed, "push", "-q", "origin", "main")
    return bare


def clone(env: dict, bare: Path, where: Path) -> Path:
    ok(env, where.parent, "clone", "-q", str(bare), str(where))
    return where


def commit(env: dict, repo: Path, name: str, content: str = "x\n") -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text(content)
    ok(env, repo, "add", name)
    ok(env, repo, "commit", "-q", "-m", f"add {name}")


def remote_log(env: dict, bare: Path, ref: str = "main") -> list[str]:
    return ok(env, bare, "log", "--format=%s", ref).splitlines()


def test_fast_forward_rejections_are_the_signatures(tmp_path, env, errors):
    bare = host(tmp_path, env)
    alice, bob = clone(env, bare, tmp_path / "alice"), clone(env, bare, tmp_path / "bob")
    commit(env, alice, "a.txt")
    ok(env, alice, "push", "-q", "origin", "main")
    commit(env, bob, "b.txt")

    fetch_first = shown(git(env, bob, "push", "origin", "main"), bare)
    assert fetch_first[1:4] == [
        "! [rejected]        main -> main (fetch first)",
        f"error: failed to push some refs to '{URL}'",
        fetch_first[3],
    ]
    assert fetch_first[3].startswith(
        "hint: Updates were rejected because the remote contains work that you do"
    )
    assert set(fetch_first[1:4]) <= errors
    assert "hint: See the 'Note about fast-forwards' in 'git push --help' for details." in fetch_first

    ok(env, bob, "fetch", "-q")
    behind = shown(git(env, bob, "push", "origin", "main"), bare)
    assert behind[1] == "! [rejected]        main -> main (non-fast-forward)"
    assert behind[3] == "hint: Updates were rejected because the tip of your current branch is behind"
    assert behind[4] in errors  # its second line, in either release's wording
    assert set(behind[1:4]) <= errors

    ok(env, bob, "switch", "-q", "-c", "other")
    other = shown(git(env, bob, "push", "origin", "main"), bare)
    assert other[3] == "hint: Updates were rejected because a pushed branch tip is behind its remote"
    assert other[3] in errors
    ok(env, bob, "switch", "-q", "main")

    pulled = git(env, bob, "pull")
    assert pulled.returncode == 128
    lines = shown(pulled, bare)
    assert lines[-1] == "fatal: Need to specify how to reconcile divergent branches."
    assert {
        lines[-1],
        "hint: You have divergent branches and need to specify how to reconcile them.",
    } <= errors
    assert "hint: You have divergent branches and need to specify how to reconcile them." in lines


def test_option1_rebases_and_pushes(tmp_path, env):
    bare = host(tmp_path, env)
    alice, bob = clone(env, bare, tmp_path / "alice"), clone(env, bare, tmp_path / "bob")
    commit(env, alice, "a.txt")
    ok(env, alice, "push", "-q", "origin", "main")
    commit(env, bob, "b.txt")
    (bob / "notes.txt").write_text("work in progress\n")  # uncommitted, tracked below
    ok(env, bob, "add", "notes.txt")
    assert git(env, bob, "push", "origin", "main").returncode == 1

    (language, code), *_ = option_blocks(SLUG, 1)
    assert language == "bash"
    result = bash(code, env, bob)
    assert result.returncode == 0, result.stderr
    assert remote_log(env, bare) == [
        "add b.txt",
        "add a.txt",
        "base",
    ]  # both kept, bob's on top, no merge commit
    assert ok(env, bob, "status", "--porcelain").strip() == "A  notes.txt"  # the autostash came back
    assert ok(env, bob, "rev-parse", "--abbrev-ref", "main@{upstream}").strip() == "origin/main"


def test_unrelated_histories_and_option2(tmp_path, env, errors):
    bare = tmp_path / "remote.git"
    ok(env, tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = clone(env, bare, tmp_path / "seed")
    commit(env, seed, "README.md", "# repo\n")
    commit(env, seed, "LICENSE", "MIT\n")
    ok(env, seed, "push", "-q", "origin", "main")

    local = tmp_path / "local"
    ok(env, tmp_path, "init", "-q", "-b", "main", str(local))
    commit(env, local, "README.md", "# my project\n")
    commit(env, local, "app.py", "print('hi')\n")
    ok(env, local, "remote", "add", "origin", str(bare))

    assert "! [rejected]        main -> main (fetch first)" in shown(
        git(env, local, "push", "-u", "origin", "main"), bare
    )
    merged = git(env, local, "pull", "--no-rebase", "origin", "main")
    assert merged.returncode == 128
    assert shown(merged, bare)[-1] == "fatal: refusing to merge unrelated histories"
    assert "fatal: refusing to merge unrelated histories" in errors

    (language, code), *_ = option_blocks(SLUG, 2)
    assert language == "bash"
    result = bash(code, env, local)
    assert result.returncode == 0, result.stderr
    log = remote_log(env, bare)
    assert log[0] == "Merge the repository's initial commit"
    assert {"add README.md", "add LICENSE", "add app.py"} <= set(log)  # both histories kept
    assert ok(env, bare, "show", "main:README.md") == "# my project\n"  # ours wins where both have the file
    assert ok(env, bare, "show", "main:LICENSE") == "MIT\n"  # the host's own files come in

    # the entry's alternative for a host repository holding nothing wanted: a lease after the fetch
    other = tmp_path / "other"
    ok(env, tmp_path, "init", "-q", "-b", "main", str(other))
    commit(env, other, "main.py")
    ok(env, other, "remote", "add", "origin", str(bare))
    ok(env, other, "fetch", "-q", "origin")
    assert git(env, other, "push", "--force-with-lease", "-u", "origin", "main").returncode == 0
    assert remote_log(env, bare) == ["add main.py"]


def test_src_refspec_and_option3(tmp_path, env, errors):
    (language, code), *_ = option_blocks(SLUG, 3)
    assert language == "bash"

    for has_commit in (False, True):
        bare = tmp_path / f"remote-{has_commit}.git"
        ok(env, tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
        repo = tmp_path / f"repo-{has_commit}"
        ok(env, tmp_path, "init", "-q", "-b", "master", str(repo))
        ok(env, repo, "remote", "add", "origin", str(bare))
        (repo / "app.py").write_text("print('hi')\n")
        if has_commit:
            ok(env, repo, "add", "app.py")
            ok(env, repo, "commit", "-q", "-m", "mine")

        lines = shown(git(env, repo, "push", "-u", "origin", "main"), bare)
        assert lines == [
            "error: src refspec main does not match any",
            f"error: failed to push some refs to '{URL}'",
        ]
        assert set(lines) <= errors

        result = bash(code, env, repo)
        assert result.returncode == 0, result.stderr
        assert remote_log(env, bare) == (["mine"] if has_commit else ["Initial commit"])
        assert ok(env, bare, "show", "main:app.py") == "print('hi')\n"
        assert ok(env, repo, "branch", "--show-current").strip() == "main"


HOST_REFUSALS = {
    "gh006": (
        "proc-receive",
        "protected branch hook declined",
        "error: GH006: Protected branch update failed for refs/heads/main.\n"
        "error: Changes must be made through a pull request.\n",
    ),
    "gh013": (
        "proc-receive",
        "push declined due to repository rule violations",
        "error: GH013: Repository rule violations found for refs/heads/main.\n"
        "Review all repository rules at https://github.com/org/repo/rules?ref=refs%2Fheads%2Fmain\n"
        "\n- Changes must be made through a pull request.\n\n- Cannot force-push to this branch\n\n",
    ),
    "secret": (
        "proc-receive",
        "push declined due to repository rule violations",
        "error: GH013: Repository rule violations found for refs/heads/main.\n\n- GITHUB PUSH PROTECTION\n"
        "  —————————————————————————————————————————\n    Resolve the following violations before pushing again\n\n"
        "    - Push cannot contain secrets\n\n",
    ),
    "workflow": (
        "proc-receive",
        "refusing to allow a Personal Access Token to create or update workflow `.github/workflows/ci.yml`"
        " without `workflow` scope",
        "",
    ),
    "gitlab": (
        "pre-receive",
        None,
        "GitLab: You are not allowed to push code to protected branches on this project.\n",
    ),
    "gitlab-force": (
        "pre-receive",
        None,
        "GitLab: You are not allowed to force push code to a protected branch on this project.\n",
    ),
}


@pytest.mark.parametrize("case", sorted(HOST_REFUSALS))
def test_host_refusals_come_through_as_remote_lines(tmp_path, env, errors, case):
    kind, reason, text = HOST_REFUSALS[case]
    bare = host(tmp_path, env)
    if kind == "proc-receive":
        hook(bare, "proc-receive", PROC_RECEIVE)
        ok(env, bare, "config", "receive.procReceiveRefs", "refs/heads")
    else:
        hook(bare, "pre-receive", PRE_RECEIVE)
    repo = clone(env, bare, tmp_path / "repo")
    commit(env, repo, "a.txt")

    result = git(dict(env, REJECT_TEXT=text, REJECT_REASON=reason or ""), repo, "push", "origin", "main")
    assert result.returncode == 1
    lines = shown(result, bare)
    expected_remote = ["remote:" + (" " + line if line.strip() else "") for line in text.splitlines()]
    assert [line for line in lines if line.startswith("remote:")] == [
        line.strip() for line in expected_remote
    ]
    rejected = f"! [remote rejected] main -> main ({reason or 'pre-receive hook declined'})"
    assert lines[-2:] == [rejected, f"error: failed to push some refs to '{URL}'"]
    assert rejected in errors
    signature_lines = {
        line
        for line in lines
        if any(
            word in line
            for word in (
                "GH0",
                "GitLab:",
                "Changes must",
                "PROTECTION",
                "secrets",
                "force-push",
                "Review all",
            )
        )
    }
    assert signature_lines <= errors
    assert remote_log(env, bare) == ["base"]  # nothing moved


def test_option4_pushes_a_branch_past_a_protected_main(tmp_path, env):
    bare = host(tmp_path, env)
    hook(bare, "pre-receive", PRE_RECEIVE)
    repo = clone(env, bare, tmp_path / "repo")
    commit(env, repo, "fix.py")
    guarded = dict(
        env,
        REJECT_REF="refs/heads/main",
        REJECT_TEXT="error: GH006: Protected branch update failed for refs/heads/main.\n",
    )
    assert "! [remote rejected] main -> main (pre-receive hook declined)" in shown(
        git(guarded, repo, "push", "origin", "main"), bare
    )

    (language, code), *_ = option_blocks(SLUG, 4)
    assert language == "bash"
    first, second, third = [line.split("   #")[0].strip() for line in code.splitlines()]
    assert third.startswith("gh pr create --fill --base main")
    result = bash(f"{first}\n{second}", guarded, repo)
    assert result.returncode == 0, result.stderr
    assert remote_log(env, bare, "fix/my-change") == ["add fix.py", "base"]
    assert remote_log(env, bare) == ["base"]


def test_option5_takes_a_large_file_out_of_unpushed_commits(tmp_path, env, errors):
    bare = host(tmp_path, env)
    hook(bare, "pre-receive", LARGE_FILE_HOOK)
    repo = clone(env, bare, tmp_path / "repo")
    commit(env, repo, "train.py", "print('train')\n")
    (repo / "models").mkdir()
    (repo / "models" / "model.bin").write_bytes(b"\0" * 2_000_000)
    ok(env, repo, "add", "models/model.bin")
    ok(env, repo, "commit", "-q", "-m", "add weights")
    ok(
        env, repo, "rm", "-q", "--cached", "models/model.bin"
    )  # what people try first: remove it in a new commit
    ok(env, repo, "commit", "-q", "-m", "remove weights")

    lines = shown(git(env, repo, "push", "origin", "main"), bare)
    assert (
        "remote: error: File models/model.bin is 123.45 MB; this exceeds GitHub's file size limit of 100.00 MB"
        in lines
    )
    assert {
        "remote: error: GH001: Large files detected. You may want to try Git Large File Storage - https://git-lfs.github.com.",
        "remote: error: File models/model.bin is 123.45 MB; this exceeds GitHub's file size limit of 100.00 MB",
        "! [remote rejected] main -> main (pre-receive hook declined)",
    } <= set(lines) & errors  # still refused: the older commit holds the file

    ok(env, repo, "add", "models/model.bin")  # back to a state where the file is tracked
    ok(env, repo, "commit", "-q", "-m", "weights again")
    (language, code), *_ = option_blocks(SLUG, 5)
    assert language == "bash"
    result = bash(code, env, repo)
    assert result.returncode == 0, result.stderr
    assert remote_log(env, bare) == ["Add model code (weights kept out of git)", "base"]
    assert ok(env, bare, "show", "main:train.py") == "print('train')\n"
    assert "models/model.bin" not in ok(env, bare, "ls-tree", "-r", "--name-only", "main")
    assert (repo / "models" / "model.bin").stat().st_size == 2_000_000  # still on disk
    assert ok(env, repo, "status", "--porcelain") == ""  # ignored now


def test_option6_lease_after_a_rewrite_and_stale_info(tmp_path, env, errors):
    (language, code), *_ = option_blocks(SLUG, 6)
    assert language == "bash"
    bare = host(tmp_path, env)
    mine, theirs = clone(env, bare, tmp_path / "mine"), clone(env, bare, tmp_path / "theirs")

    # my own branch, amended after it was pushed
    commit(env, mine, "a.txt")
    ok(env, mine, "push", "-q", "origin", "main")
    ok(env, mine, "commit", "-q", "--amend", "-m", "add a.txt, reworded")
    assert "! [rejected]        main -> main (non-fast-forward)" in shown(
        git(env, mine, "push", "origin", "main"), bare
    )
    result = bash(code, env, mine)
    assert result.returncode == 0, result.stderr
    assert [line.split(" ", 1)[1] for line in result.stdout.splitlines()] == [
        "add a.txt"
    ]  # only my old version
    assert remote_log(env, bare) == ["add a.txt, reworded", "base"]

    # someone else pushed since my last fetch: the lease refuses
    ok(env, theirs, "pull", "-q")
    commit(env, theirs, "t.txt")
    ok(env, theirs, "push", "-q", "origin", "main")
    ok(env, mine, "commit", "-q", "--amend", "-m", "reworded again")
    stale = shown(git(env, mine, "push", "--force-with-lease", "origin", "main"), bare)
    assert stale[1:3] == [
        "! [rejected]        main -> main (stale info)",
        f"error: failed to push some refs to '{URL}'",
    ]
    assert set(stale[1:3]) <= errors
    check = bash("\n".join(code.splitlines()[:3]), env, mine)  # the entry's check, without its push
    subjects = [line.split(" ", 1)[1] for line in check.stdout.splitlines()]
    assert "add t.txt" in subjects  # it shows their commit: Option 1, not a force push


def test_option7_tag_shallow_and_checked_out_branch(tmp_path, env, errors):
    (language, code), *_ = option_blocks(SLUG, 7)
    assert language == "bash"
    tag_line, unshallow_line = [line.split("   #")[0].strip() for line in code.splitlines()]

    bare = host(tmp_path, env)
    alice, bob = clone(env, bare, tmp_path / "alice"), clone(env, bare, tmp_path / "bob")
    ok(env, alice, "tag", "v1.0")
    ok(env, alice, "push", "-q", "origin", "v1.0")
    commit(env, bob, "b.txt")
    ok(env, bob, "tag", "v1.0")
    lines = shown(git(env, bob, "push", "origin", "v1.0"), bare)
    assert lines[1:4] == [
        "! [rejected]        v1.0 -> v1.0 (already exists)",
        f"error: failed to push some refs to '{URL}'",
        "hint: Updates were rejected because the tag already exists in the remote.",
    ]
    assert set(lines[1:4]) <= errors
    assert bash(tag_line, env, bob).returncode == 0
    assert ok(env, bare, "rev-parse", "v1.0.1") == ok(env, bob, "rev-parse", "HEAD")

    shallow = tmp_path / "shallow"
    ok(env, tmp_path, "clone", "-q", "--depth", "1", f"file://{bare}", str(shallow))
    commit(env, shallow, "c.txt")
    target = tmp_path / "target.git"
    ok(env, tmp_path, "init", "-q", "--bare", "-b", "main", str(target))
    ok(env, shallow, "remote", "add", "mirror", str(target))
    lines = shown(git(env, shallow, "push", "mirror", "main"), target)
    assert lines[-2] == "! [remote rejected] main -> main (shallow update not allowed)"
    assert lines[-2] in errors
    assert bash(unshallow_line, env, shallow).returncode == 0
    assert git(env, shallow, "push", "mirror", "main").returncode == 0

    work = tmp_path / "work"  # a non-bare remote with main checked out
    ok(env, tmp_path, "init", "-q", "-b", "main", str(work))
    commit(env, work, "w.txt")
    pusher = clone(env, work, tmp_path / "pusher")
    commit(env, pusher, "p.txt")
    lines = shown(git(env, pusher, "push", "origin", "main"), work)
    assert "remote: error: refusing to update checked out branch: refs/heads/main" in lines
    assert "! [remote rejected] main -> main (branch is currently checked out)" in lines
    assert {"remote: error: refusing to update checked out branch: refs/heads/main"} <= errors
    assert "git config receive.denyCurrentBranch updateInstead" in ENTRY.read_text(encoding="utf-8")
    ok(
        env, work, "config", "receive.denyCurrentBranch", "updateInstead"
    )  # the entry's line, run on the remote
    assert git(env, pusher, "push", "origin", "main").returncode == 0
    assert (work / "p.txt").read_text() == "x\n"  # its work tree followed
