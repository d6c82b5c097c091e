"""Verified fixes for solutions/multiprocessing-spawn-main-guard.md: processes started while the main module is
being re-imported by a spawn/forkserver child.

Reproduced for real, in child interpreters run as script files (spawn re-imports the main module by its path):
- on every CPython 3.8-3.13 found on the machine (pyenv), the entry's own failing block (a ProcessPoolExecutor at top
  level, spawn context): each worker prints `RuntimeError: An attempt has been made to start a new process before the
  current process has finished its bootstrapping phase.` from multiprocessing/spawn.py `_check_not_importing_main`,
  and the parent raises `BrokenProcessPool`; the "Safe importing of main module" sentence is printed by 3.12+ and
  not by 3.10 and older (3.11 gained it in a bugfix release: 3.11.2 lacks it, 3.11.7 has it, so 3.11 is not asserted);
  Option 1 runs on each of them;
- forkserver as 3.8-3.13 ship it: an unguarded Process.start() fails the same way in the child; with the fork server
  preloading __main__ (3.14, the Linux default there; simulated on a patched copy of multiprocessing) it fails once,
  in the fork server, and the parent gets EOFError/ConnectionResetError instead of BrokenProcessPool;
- a top-level set_start_method('spawn') fails in every child (`context has already been set`) even with the pool
  guarded; moved under the guard it runs;
- a guarded script whose imported module starts a pool at import time still fails (the entry's note under Option 1);
- uvicorn (the project's own, real release): an unguarded `uvicorn.run("main:app", reload=True)` fails in the spawned
  reload child; the entry's Option 3 block, as main.py, serves a request;
- Option 2 (freeze_support) runs unfrozen, and the same program without it, given the arguments a PyInstaller-frozen
  worker receives (`--multiprocessing-fork tracker_fd=12 pipe_handle=14`), prints the argparse error the entry lists.
  The frozen build itself was checked by hand with PyInstaller 6.22.3 (not in the dev extra; a build takes ~15 s);
- every reproduced traceback is fed to the matcher: the entry must be its confident answer; the look-alikes must not be.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from entry_blocks import option_blocks, raising_block
from pyrun import interpreters_by_version, run_script_on

SLUG = "multiprocessing-spawn-main-guard"
PYTHONS = interpreters_by_version((3, 8), (3, 13))
BOOTSTRAP = "An attempt has been made to start a new process before the\n        current process has finished its bootstrapping phase."
SAFE_IMPORTING = 'To fix this issue, refer to the "Safe importing of main module"'


def version_of(exe: str) -> tuple[int, int]:
    out = subprocess.run(
        [exe, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True
    )
    major, minor = map(int, out.stdout.split())
    return major, minor


@pytest.mark.parametrize("version", list(PYTHONS))
def test_unguarded_pool_fails_and_option_1_runs(version, entry, tmp_path, fix_code, index):
    exe = PYTHONS[version]
    wrong = run_script_on(exe, raising_block(entry), tmp_path)
    assert wrong.returncode != 0
    assert BOOTSTRAP in wrong.stderr, wrong.stderr[-2000:]
    assert "_check_not_importing_main" in wrong.stderr and "_fixup_main_from_path" in wrong.stderr
    # the pool's own error, then at times the resource tracker's warning about leaked semaphores (3.12)
    assert any(
        line.startswith("concurrent.futures.process.BrokenProcessPool") for line in wrong.stderr.splitlines()
    )
    minor = version_of(exe)[1]
    if minor >= 12:
        assert SAFE_IMPORTING in wrong.stderr
    elif minor <= 10:
        assert SAFE_IMPORTING not in wrong.stderr
    # The workers' tracebacks (two of them, their lines may interleave), as people paste them, are the entry's.
    workers = wrong.stderr[: wrong.stderr.rindex("Traceback (most recent call last):")]
    assert_answers(index, SLUG, workers)

    fixed = run_script_on(exe, fix_code(SLUG, 1), tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines() == ["[0, 1, 4, 9, 16]", "[0, 1, 4, 9, 16]"]
    assert "bootstrapping" not in fixed.stderr


def test_forkserver_and_import_time_pools_fail_the_same_way(tmp_path, index):
    forkserver = tmp_path / "fs"
    forkserver.mkdir()
    code = (
        "import multiprocessing as mp\n\n\ndef work():\n    print('child ran')\n\n\n"
        "p = mp.get_context('forkserver').Process(target=work)\np.start()\np.join()\nprint('exitcode', p.exitcode)\n"
    )
    result = run_script_on(sys.executable, code, forkserver)
    assert BOOTSTRAP in result.stderr and "forkserver.py" in result.stderr, result.stderr[-2000:]
    assert "child ran" not in result.stdout and "exitcode 1" in result.stdout
    assert_answers(index, SLUG, result.stderr)

    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "mylib.py").write_text(
        "import multiprocessing as mp\nfrom concurrent.futures import ProcessPoolExecutor\n\n\n"
        "def _ping(x):\n    return x\n\n\n"
        "_pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context('spawn'))\n"
        "WARM = _pool.submit(_ping, 1).result()\n"
    )
    guarded = "import mylib\n\nif __name__ == '__main__':\n    print('warm', mylib.WARM)\n"
    result = run_script_on(sys.executable, guarded, lib)
    assert result.returncode != 0 and "warm" not in result.stdout
    assert BOOTSTRAP in result.stderr and "mylib.py" in result.stderr


def test_option_2_freeze_support_and_the_frozen_worker_arguments(tmp_path, fix_code, index):
    code = fix_code(SLUG, 2)
    assert "mp.freeze_support()" in code
    ok = run_script_on(sys.executable, code, tmp_path)  # not frozen: freeze_support() is a no-op
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "[0, 1, 4, 9]"

    # What a frozen worker is started with (PyInstaller on Linux, seen with 6.22.3): without freeze_support()
    # the program's own argparse meets these arguments.
    (tmp_path / "cli.py").write_text(code.replace("    mp.freeze_support()", "    pass"), encoding="utf-8")
    worker_argv = ["--multiprocessing-fork", "tracker_fd=12", "pipe_handle=14"]
    done = subprocess.run(
        [sys.executable, "cli.py", *worker_argv], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    line = done.stderr.strip().splitlines()[-1]
    assert (
        line == "cli.py: error: unrecognized arguments: --multiprocessing-fork tracker_fd=12 pipe_handle=14"
    )
    assert confident_answer(index, line.replace("cli.py:", "cli:")) == SLUG


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(folder: Path) -> subprocess.Popen:
    """`python main.py` in `folder`, its output in folder/log.txt (read while it runs)."""
    log = (folder / "log.txt").open("w", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "main.py"],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # uvicorn's reloader and its child: stopped together below
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
    )


def wait_for(folder: Path, proc: subprocess.Popen, text: str, seconds: float = 4) -> str:
    """The log once it shows `text` (or the process ended, or time ran out)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if text in (folder / "log.txt").read_text(encoding="utf-8"):
            break
        time.sleep(0.1)
    return (folder / "log.txt").read_text(encoding="utf-8")


def stop(proc: subprocess.Popen, folder: Path) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return (folder / "log.txt").read_text(encoding="utf-8")


def test_uvicorn_reload_unguarded_fails_and_option_3_serves(tmp_path, index):
    import uvicorn  # noqa: F401  (a project dependency: a missing one fails here, loudly)

    (lang, served), _torch = option_blocks(SLUG, 3)
    assert lang.startswith("python") and 'uvicorn.run("main:app"' in served
    port = free_port()
    served = served.replace("port=8000", f"port={port}")

    wrong_dir = tmp_path / "wrong"
    wrong_dir.mkdir()
    body, guard = served.split('if __name__ == "__main__":\n')
    (wrong_dir / "main.py").write_text(
        body + guard.strip() + "\n", encoding="utf-8"
    )  # uvicorn.run at top level
    proc = start(wrong_dir)
    wait_for(wrong_dir, proc, "produce an executable.")
    time.sleep(0.2)  # the rest of the message
    err = stop(proc, wrong_dir)
    assert BOOTSTRAP in err and "basereload.py" in err, err[-2000:]
    traceback = err[err.index("Traceback (most recent call last):") :]
    assert_answers(index, SLUG, traceback)

    right_dir = tmp_path / "right"
    right_dir.mkdir()
    (right_dir / "main.py").write_text(served, encoding="utf-8")
    proc = start(right_dir)
    try:
        answer = None
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline and answer is None:
            try:
                answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
            except OSError:
                time.sleep(0.1)
    finally:
        err = stop(proc, right_dir)
    assert answer == b"ok", err[-2000:]
    assert "bootstrapping" not in err


@pytest.mark.parametrize(
    "text",
    [
        "AttributeError: Can't get attribute 'square' on <module '__main__' (built-in)>",
        "AttributeError: Can't pickle local object 'main.<locals>.worker'",
        "RuntimeError: context has already been set",
        "RuntimeError: DataLoader worker (pid 2900) is killed by signal: Killed.",
        "mytool: error: unrecognized arguments: --prot 3",
    ],
)
def test_look_alikes_are_not_this_entry(index, text):
    assert confident_answer(index, text) != SLUG


def test_top_level_set_start_method_fails_even_with_the_pool_guarded(tmp_path):
    """The entry's not-this-entry note: the `set_start_method` line itself must go under the guard."""
    body = (
        "import multiprocessing as mp\nfrom concurrent.futures import ProcessPoolExecutor\n\n{top}\n\n"
        "def square(x):\n    return x * x\n\n\n"
        "if __name__ == '__main__':\n{guarded}"
        "    with ProcessPoolExecutor(max_workers=2) as pool:\n        print(list(pool.map(square, range(4))))\n"
    )
    top = body.format(top="mp.set_start_method('spawn')", guarded="")
    wrong = run_script_on(sys.executable, top, tmp_path)
    assert "RuntimeError: context has already been set" in wrong.stderr, wrong.stderr[-2000:]
    # the pool's own error, then at times the resource tracker's warning about leaked semaphores (3.12)
    assert any(
        line.startswith("concurrent.futures.process.BrokenProcessPool") for line in wrong.stderr.splitlines()
    )

    guarded = body.format(top="", guarded="    mp.set_start_method('spawn')\n")
    right = run_script_on(sys.executable, guarded, tmp_path)
    assert right.returncode == 0, right.stderr
    assert right.stdout.strip() == "[0, 1, 4, 9]"


def test_a_fork_server_that_preloads_main_fails_once_and_the_parent_loses_it(tmp_path, index):
    """Python 3.14's forkserver imports __main__ in the fork server itself (cpython#126631, PR #135295). Simulated
    here by applying that fix to a copy of this interpreter's multiprocessing: the RuntimeError is printed once, from
    forkserver.py main, and the parent fails on the dead server (EOFError here; 3.14, which adds an authkey
    handshake, raises ConnectionResetError), with no BrokenProcessPool and no per-worker tracebacks."""
    import multiprocessing
    import shutil

    copy = tmp_path / "stdlib"
    shutil.copytree(Path(multiprocessing.__file__).parent, copy / "multiprocessing")
    server = copy / "multiprocessing" / "forkserver.py"
    old = "                data = {x: y for x, y in data.items() if x in desired_keys}\n"
    source = server.read_text(encoding="utf-8")
    assert old in source
    fixed = (
        "                if 'init_main_from_path' in data:\n"
        "                    data['main_path'] = data['init_main_from_path']\n" + old
    )
    server.write_text(source.replace(old, fixed), encoding="utf-8")

    (tmp_path / "block.py").write_text(
        "import multiprocessing as mp\nfrom concurrent.futures import ProcessPoolExecutor\n\n\n"
        "def square(x):\n    return x * x\n\n\n"
        "with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context('forkserver')) as pool:\n"
        "    print(list(pool.map(square, range(4))))\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "block.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1"),
    )
    assert done.returncode != 0
    assert done.stderr.count("finished its bootstrapping phase") == 1, done.stderr[-3000:]
    assert "in import_main_path" in done.stderr and "forkserver.py" in done.stderr
    # the parent's own error (a resource tracker's warning may follow it)
    raised = [
        line for line in done.stderr.splitlines() if line.startswith(("EOFError", "ConnectionResetError"))
    ]
    assert raised, done.stderr[-3000:]
    assert "BrokenProcessPool" not in done.stderr
    assert_answers(index, SLUG, done.stderr)
