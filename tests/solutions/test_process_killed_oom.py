"""Verified fix for solutions/process-killed-oom.md.

Where the machine allows it (Linux, root, a writable cgroup-v1 memory hierarchy), creates a 200 MiB
memory cgroup, runs a memory hog inside it to get a real OOM kill (bash 'Killed' / exit 137,
subprocess returncode -9), then runs the entry's own check (Option 1) in the same cgroup: it must
print the limit and the OOM-kill counter. Option 2's streaming/cap demo must run and survive.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

SLUG = "process-killed-oom"
MEMORY_V1 = Path("/sys/fs/cgroup/memory")
HOG = "blocks = [bytearray(50 * 1024 * 1024) for _ in range(200)]\nprint('survived')\n"


@pytest.fixture
def small_cgroup():
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not (MEMORY_V1 / "cgroup.procs").exists():
        pytest.skip("needs root and a cgroup-v1 memory hierarchy to cause a real OOM kill")
    group = MEMORY_V1 / f"synapse-oom-{uuid.uuid4().hex[:8]}"
    try:
        group.mkdir()
        (group / "memory.limit_in_bytes").write_text(str(200 * 1024 * 1024))
    except OSError as exc:
        pytest.skip(f"cannot create a memory cgroup here: {exc}")
    try:
        yield group
    finally:
        for _ in range(50):
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)


def _in_group(group: Path, argv: list[str]) -> subprocess.CompletedProcess:
    launcher = f'echo $$ > "{group}/cgroup.procs" && exec "$@"'
    return subprocess.run(
        ["bash", "-c", launcher, "bash", *argv], capture_output=True, text=True, timeout=120, check=False
    )


def test_real_oom_kill_then_check_reports_it(small_cgroup, fix_code, tmp_path):
    killed = _in_group(small_cgroup, [sys.executable, "-c", HOG])
    assert killed.returncode == -9 or killed.returncode == 137, killed
    assert "survived" not in killed.stdout
    assert "Traceback" not in killed.stderr  # SIGKILL: no Python traceback at all

    shell = subprocess.run(
        [
            "bash",
            "-c",
            f'echo $$ > "{small_cgroup}/cgroup.procs"; "{sys.executable}" -c "{HOG}"; echo "status=$?"',
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "status=137" in shell.stdout

    script = tmp_path / "oom_check.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    report = _in_group(small_cgroup, [sys.executable, str(script), "137"])
    assert report.returncode == 0, report.stderr
    assert "exit code 137 = killed by signal 9 (SIGKILL)" in report.stdout
    assert "memory limit of this cgroup/container: 200.0 MiB" in report.stdout
    assert "OOM KILLS in this cgroup:" in report.stdout


def test_check_runs_anywhere(fix_code, tmp_path):
    script = tmp_path / "oom_check.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script), "-9"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "killed by signal 9 (SIGKILL)" in result.stdout


def test_option2_streams_and_survives_the_cap(fix_code, tmp_path):
    script = tmp_path / "stream.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "total=14850000" in result.stdout
    assert "MemoryError raised under the cap" in result.stdout
