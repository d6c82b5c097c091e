"""Run a snippet of Python in a fresh interpreter, the way the verified-fix tests need."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path


def run_python(
    code: str,
    *flags: str,
    timeout: float = 60,
    cwd: str | os.PathLike | None = None,
    path: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
    env: Mapping[str, str | None] | None = None,
    args: Sequence[str] = (),
) -> subprocess.CompletedProcess:
    """`python [flags] -c code [args]`; output captured as text; never raises on a non-zero exit.

    The child gets this process's environment, with PYTHONDONTWRITEBYTECODE=1 (no `__pycache__` left in
    fake site folders or project copies) and PYTHONPATH set to exactly `path` (one folder or several;
    none by default: an inherited PYTHONPATH never leaks into the child), then `env` on top (a value of
    None removes that variable).
    """
    return run_args([*flags, "-c", code, *args], path, cwd, timeout=timeout, env=env)


def run_args(
    argv: Sequence[str],
    path: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
    cwd: str | os.PathLike | None = None,
    *,
    timeout: float = 60,
    env: Mapping[str, str | None] | None = None,
) -> subprocess.CompletedProcess:
    """`python *argv` (a script and its arguments, or `-c code …`) in `run_python`'s environment."""
    child = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    child.pop("PYTHONPATH", None)
    folders = [path] if isinstance(path, str | os.PathLike) else list(path or ())
    if folders:
        child["PYTHONPATH"] = os.pathsep.join(str(folder) for folder in folders)
    for name, value in (env or {}).items():
        if value is None:
            child.pop(name, None)
        else:
            child[name] = value
    return subprocess.run(
        [sys.executable, *argv],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=child,
    )


def last_line(result: subprocess.CompletedProcess) -> str:
    """The last line the child wrote to stderr: the raised error of a traceback."""
    return result.stderr.strip().splitlines()[-1]


def succeeded(
    argv: Sequence[str],
    path: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
    cwd: str | os.PathLike | None = None,
) -> str:
    """`run_args` that must exit 0 (else the child's stderr is the failure): its stdout."""
    result = run_args(argv, path, cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def script_names(code: str) -> dict:
    """The names a fix script defines (its tables, its functions), from running its module body in
    this process under a name other than `__main__`, so its command-line part does not run."""
    namespace: dict = {"__name__": "fix_script"}
    exec(compile(code, "fix_script.py", "exec"), namespace)
    return namespace


def cpythons(lowest: tuple[int, int], highest: tuple[int, int]) -> dict[tuple[int, int], str]:
    """(major, minor) -> an executable, for each CPython on this machine (pyenv's builds and those on
    PATH) from `lowest` to `highest`: for the tests that run one fix under every Python they can."""
    found: dict[tuple[int, int], str] = {}
    paths = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python")))
    paths += [shutil.which(f"python3.{minor}") for minor in range(lowest[1], highest[1] + 1)]
    for exe in filter(None, paths):
        done = subprocess.run(
            [exe, "-c", "import sys; print('%d %d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode == 0:
            major, minor = map(int, done.stdout.split())
            if lowest <= (major, minor) <= highest:
                found.setdefault((major, minor), exe)
    return found


def interpreters_by_version(lowest: tuple[int, int], highest: tuple[int, int]) -> dict[str, str]:
    """ "3.X" -> an executable, oldest first: `cpythons`, and always the one running the tests (a
    parametrised test then has at least one case on any machine)."""
    found = {f"{major}.{minor}": exe for (major, minor), exe in cpythons(lowest, highest).items()}
    found.setdefault(f"{sys.version_info[0]}.{sys.version_info[1]}", sys.executable)
    return dict(sorted(found.items(), key=lambda item: int(item[0].split(".")[1])))


def run_script_on(exe: str, code: str, folder: Path, *flags: str) -> subprocess.CompletedProcess:
    """Run `code` as `folder/block.py` under the interpreter `exe` (flags such as `-W error` first)."""
    (folder / "block.py").write_text(code, encoding="utf-8")
    return subprocess.run(
        [exe, *flags, "block.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
    )
