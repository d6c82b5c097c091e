"""Verified fixes for solutions/no-space-left.md: real ENOSPC, no mocks.

Reproduced: writing to /dev/full gives the kernel's `OSError: [Errno 28] No space left on device`; inside a
private mount namespace (`unshare -rm`, so nothing is mounted on the host and nothing needs unmounting) a
256 KiB tmpfs fills up for real: a file write fails with Errno 28, SQLite says `database or disk is full`, and a
tmpfs with few inodes refuses new files while `df` still shows free blocks (the entry's inode case).
Run: Option 5's write_atomically (from the Markdown) writes a file; refuses up front on the full filesystem
(OSError 28, nothing written); when the space goes between its check and its write, cleans up its temp file
and leaves no partial target; its __main__ demo honours TMPDIR.
Not run here: Options 1-4 are shell / Dockerfile recipes (df, du, docker prune, pip cache) meant for the
machine that is full. Needs util-linux `unshare` and unprivileged user namespaces (or root).
"""

import shutil
import subprocess
import sys

from pyrun import run_python

SLUG = "no-space-left"


def test_dev_full_gives_errno_28():
    result = run_python("f = open('/dev/full', 'wb', buffering=0)\nf.write(b'x')\n")
    assert result.returncode == 1
    assert "OSError: [Errno 28] No space left on device" in result.stderr


IN_TINY_TMPFS = r"""
import os, shutil, sqlite3, sys, tempfile
from pathlib import Path

full, few_inodes = Path(sys.argv[1]), Path(sys.argv[2])
namespace = {"__name__": "fix"}
exec(sys.argv[3], namespace)
write_atomically = namespace["write_atomically"]

# 1. a plain write that does not fit
try:
    (full / "big.bin").write_bytes(b"x" * 512 * 1024)
except OSError as exc:
    print("WRITE", exc.errno, exc)
(full / "big.bin").unlink(missing_ok=True)

# 2. SQLite on the same filesystem
db = sqlite3.connect(full / "app.db")
try:
    db.execute("create table t (x blob)")
    for _ in range(100):
        db.execute("insert into t values (randomblob(16384))")
    db.commit()
except sqlite3.OperationalError as exc:
    print("SQLITE", exc)
db.close()
for p in full.iterdir():
    p.unlink()

# 3. inodes: free blocks, but no new file
created = 0
try:
    for i in range(100):
        (few_inodes / f"f{i}").write_text("x")
        created += 1
except OSError as exc:
    st = os.statvfs(few_inodes)
    print("INODES", exc.errno, created, "free_blocks", st.f_bfree > 0, "free_inodes", st.f_ffree)

# 4. Option 5: refused up front (headroom 0, data larger than the filesystem)
target = full / "out" / "result.bin"
try:
    write_atomically(target, b"y" * 512 * 1024, headroom=0)
except OSError as exc:
    print("PRECHECK", exc.errno, exc.strerror, "exists", target.exists(), sorted(p.name for p in target.parent.iterdir()))

# 5. Option 5: the space disappears between its check and its write (another writer): no partial file left
free = shutil.disk_usage(full).free
hog = full / "hog.bin"
with open(hog, "wb") as fh:  # fill most of the disk; a negative headroom stands in for the stale check
    fh.write(b"h" * (free - 64 * 1024))
try:
    write_atomically(target, b"z" * (128 * 1024), headroom=-(free))
except OSError as exc:
    print("MIDWRITE", exc.errno, "exists", target.exists(), sorted(p.name for p in target.parent.iterdir()))
hog.unlink()

# 6. Option 5 succeeds when there is room
write_atomically(target, b"ok" * 1024, headroom=0)
print("OK", target.read_bytes()[:2].decode(), target.stat().st_size, sorted(p.name for p in target.parent.iterdir()))
"""


def in_namespace(tmp_path, code, *args, env=None):
    full, few = tmp_path / "full", tmp_path / "few_inodes"
    full.mkdir()
    few.mkdir()
    unshare = shutil.which("unshare")
    assert unshare, "util-linux `unshare` is needed to mount a private tmpfs"
    script = (
        f"mount -t tmpfs -o size=256k tmpfs {full} && "
        f"mount -t tmpfs -o size=1m,nr_inodes=8 tmpfs {few} && "
        f'exec "{sys.executable}" -c "$0" "$@"'
    )
    return subprocess.run(
        [unshare, "-rm", "sh", "-c", script, code, str(full), str(few), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_tiny_tmpfs_reproduces_and_option5_behaves(tmp_path, fix_code):
    result = in_namespace(tmp_path, IN_TINY_TMPFS, fix_code(SLUG, 5))
    assert result.returncode == 0, result.stderr
    out = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert out["WRITE"] == "28 [Errno 28] No space left on device"
    assert out["SQLITE"] == "database or disk is full"
    assert out["INODES"].startswith("28 ") and "free_blocks True free_inodes 0" in out["INODES"]
    assert out["PRECHECK"].startswith("28 only 0 MiB free on the filesystem of ") and out[
        "PRECHECK"
    ].endswith("exists False []")
    assert out["MIDWRITE"] == "28 exists False []"  # temp file removed, no truncated result.bin
    assert out["OK"] == "ok 2048 ['result.bin']"


def test_option5_demo_uses_tmpdir(tmp_path, fix_code):
    result = run_python(fix_code(SLUG, 5), env={"TMPDIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {tmp_path}/synapse-demo/result.bin 1024 bytes"


def test_option2_hf_cache_rm_needs_the_type_prefix(tmp_path):
    """Option 2 removes a cached model with `hf cache rm model/<repo id>` (the ID column of `hf cache ls`)."""
    import os
    from pathlib import Path

    sha = "86b5e0934494bd15c9632b12f734a8a67f723594"
    repo = tmp_path / "hf" / "hub" / "models--bert-base-uncased"
    (repo / "snapshots" / sha).mkdir(parents=True)
    (repo / "blobs").mkdir()
    (repo / "refs").mkdir()
    (repo / "blobs" / "abc").write_text("{}")
    (repo / "snapshots" / sha / "config.json").symlink_to("../../blobs/abc")
    (repo / "refs" / "main").write_text(sha)
    hf = Path(sys.executable).parent / "hf"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_HOME=str(tmp_path / "hf"), NO_COLOR="1")

    def cli(*args):
        return subprocess.run([str(hf), "cache", *args], capture_output=True, text=True, env=env, timeout=60)

    listed = cli("ls")
    assert "model/bert-base-uncased" in listed.stdout, listed.stdout + listed.stderr
    bare = cli("rm", "bert-base-uncased", "--yes")
    assert "Could not find in cache" in bare.stdout + bare.stderr
    assert repo.exists()
    typed = cli("rm", "model/bert-base-uncased", "--yes")
    assert typed.returncode == 0, typed.stdout + typed.stderr
    assert not repo.exists()
