"""Verified fix for solutions/inotify-watch-limit.md.

Creates real inotify watches with inotify_init1/inotify_add_watch (ctypes, Linux only) in a child
process, then runs the entry's own usage check (Option 1) and requires it to report that process
with the exact number of watches, and the per-user limits from /proc/sys/fs/inotify.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SLUG = "inotify-watch-limit"
pytestmark = pytest.mark.skipif(not Path("/proc/sys/fs/inotify").is_dir(), reason="needs Linux inotify")

WATCHER = textwrap.dedent(
    """
    import ctypes, os, sys, time
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(0)
    assert fd >= 0, ctypes.get_errno()
    root = sys.argv[1]
    count = 0
    for name in sorted(os.listdir(root)):
        wd = libc.inotify_add_watch(fd, os.path.join(root, name).encode(), 0x00000100)  # IN_CREATE
        assert wd >= 0, ctypes.get_errno()
        count += 1
    print(count, flush=True)
    sys.stdin.read()  # keep the watches until the test closes stdin
    """
)


def test_usage_check_counts_real_watches(fix_code, tmp_path):
    for i in range(37):
        (tmp_path / "tree" / f"dir{i:02d}").mkdir(parents=True)
    watcher = subprocess.Popen(
        [sys.executable, "-c", WATCHER, str(tmp_path / "tree")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout.readline().strip() == "37"
        script = tmp_path / "inotify_usage.py"
        script.write_text(fix_code(SLUG, 1), encoding="utf-8")
        result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        limit = Path("/proc/sys/fs/inotify/max_user_watches").read_text().strip()
        assert f"max_user_watches={limit}" in result.stdout
        line = next(ln for ln in result.stdout.splitlines() if f"pid {watcher.pid}:" in ln)
        assert line.split()[0] == "37" and "watches" in line
    finally:
        watcher.stdin.close()
        watcher.wait(timeout=10)
