"""`synapse verify`: run the Python blocks of the entries, the way an agent applying them would.

Compiling a block proves little: an audit found code that compiled and dropped the user's
message. Every ```python block runs as-is, in an empty temporary folder, in an interpreter
that has the block's imports installed, and must exit 0 within the time limit. A block that
shows the failing code says so (`raises="ModuleNotFoundError"`) and must fail with that
error; a block that cannot run here says why (`norun="needs a CUDA GPU"`) and is skipped
with its reason. Proxies point at a closed port, so a block that reaches for the network
fails fast instead of hanging.

Two ways to run: `local` uses this interpreter and runs only blocks whose imports it has (the
part of `make test`); `full` builds a cached virtualenv per set of requirements from PyPI
(`make verify`). SYNAPSE_VERIFY_REPLACE names requirements to install instead of those of the
same distribution (a CPU wheel of torch on disk for a pinned CUDA build); results say so.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass, replace
from pathlib import Path

from app.corpus.entries import CodeBlock, Entry, code_blocks

TIMEOUT_SECONDS = 60
INSTALL_TIMEOUT_SECONDS = 1800
CACHE = Path(os.environ.get("SYNAPSE_VERIFY_CACHE", Path.home() / ".cache" / "synapse-verify"))
CLOSED_PROXY = "http://127.0.0.1:9"
# Import names whose distribution is called something else on PyPI.
DISTRIBUTION_OF = {
    "yaml": "pyyaml",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "sklearn": "scikit-learn",
    "dotenv": "python-dotenv",
    "bs4": "beautifulsoup4",
    "docx": "python-docx",
    "fitz": "pymupdf",
    "google": "google-genai",
    "jwt": "pyjwt",
    "psycopg2": "psycopg2-binary",
    "attr": "attrs",
    "dateutil": "python-dateutil",
    "serial": "pyserial",
}


@dataclass(frozen=True)
class BlockResult:
    entry: str
    line: int
    status: str  # passed | failed | skipped
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.entry}:{self.line}: {self.status}{': ' + self.detail if self.detail else ''}"


def imported_modules(code: str) -> list[str]:
    """Top-level modules a block imports, outside the standard library."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module.split(".")[0])
    return sorted({n for n in names if n not in sys.stdlib_module_names and n != "__future__"})


def requirements(block: CodeBlock) -> list[str]:
    """What to install to run a block: its `deps` attribute, else its imports' distributions."""
    if block.attributes.get("deps"):
        return sorted(block.attributes["deps"].split())
    return sorted(DISTRIBUTION_OF.get(m, m) for m in imported_modules(block.code))


def runnable_here(block: CodeBlock) -> bool:
    """This interpreter has every module the block imports (the `local` way of running)."""
    if block.attributes.get("deps"):
        return False
    return all(importlib.util.find_spec(m) is not None for m in imported_modules(block.code))


def distribution(requirement: str) -> str:
    """The normalised distribution a requirement names: `Flask_SQLAlchemy[x]>=3` -> `flask-sqlalchemy`."""
    return re.sub(r"[-_.]+", "-", re.split(r"[\s\[<>=!~;@(]", requirement.strip(), maxsplit=1)[0]).lower()


def replaced(reqs: list[str], replacements: str) -> list[str]:
    """`reqs` with each requirement whose distribution `replacements` names swapped for that one.

    `replacements` is SYNAPSE_VERIFY_REPLACE: requirements separated by spaces, installed instead of
    any block requirement of the same distribution (`torch==2.13.0+cpu` for `torch==2.15.0`, when
    only a CPU wheel of another release can be installed on this machine).
    """
    instead = {distribution(r): r for r in replacements.split()}
    return sorted({instead.get(distribution(r), r) for r in reqs})


class InstallFailed(Exception):
    """pip could not install a block's requirements; the message is pip's own last words."""


def python_for(reqs: list[str]) -> Path:
    """An interpreter with `reqs` installed: a virtualenv cached by the requirement list.

    pip runs with this process's environment, so pip's own settings apply to the installs
    (`PIP_CONSTRAINT`, `PIP_FIND_LINKS`, `PIP_INDEX_URL`...). When pip fails, InstallFailed says why
    and nothing is cached: the next run tries again.
    """
    if not reqs:
        return Path(sys.executable)
    folder = CACHE / hashlib.sha256("\n".join(reqs).encode()).hexdigest()[:16]
    if not (folder / ".ready").exists():
        install_venv(folder, reqs)
        (folder / ".ready").write_text("\n".join(reqs) + "\n")
    return folder / "bin" / "python"


def install_venv(folder: Path, reqs: list[str]) -> Path:
    """A fresh virtualenv in `folder` with `reqs` installed by pip (pip's own settings apply); its
    interpreter. InstallFailed carries pip's own reason."""
    venv.create(folder, with_pip=True, clear=True)
    python = folder / "bin" / "python"
    try:
        subprocess.run(
            [python, "-m", "pip", "install", "-q", *reqs],
            check=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as failed:
        lines = [line for line in (failed.stderr or "").splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("ERROR")] or lines
        reason = errors[0].strip() if errors else f"exit {failed.returncode}"
        raise InstallFailed(f"cannot install {' '.join(reqs)}: {reason[:300]}") from None
    except subprocess.TimeoutExpired:
        raise InstallFailed(
            f"cannot install {' '.join(reqs)}: pip still running after {INSTALL_TIMEOUT_SECONDS} s"
        ) from None
    return python


def run_block(entry: Entry, block: CodeBlock, python: Path | None = None) -> BlockResult:
    """Run one block as `python block.py` in an empty folder; judge it by its attributes."""
    if "norun" in block.attributes:
        return BlockResult(
            entry.slug, block.line, "skipped", block.attributes["norun"] or "norun without a reason"
        )
    python = python or Path(sys.executable)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        **{k: CLOSED_PROXY for k in ("HTTP_PROXY", "HTTPS_PROXY")},
        "HF_HUB_OFFLINE": "1",
    }
    with tempfile.TemporaryDirectory(prefix=f"verify-{entry.slug}-") as folder:
        (Path(folder) / "block.py").write_text(block.code, encoding="utf-8")
        try:
            done = subprocess.run(
                [str(python), "block.py"],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            return BlockResult(entry.slug, block.line, "failed", f"still running after {TIMEOUT_SECONDS} s")
    last = (done.stderr.strip().splitlines() or [""])[-1][:300]
    expected = block.attributes.get("raises")
    if expected:
        if done.returncode != 0 and expected in done.stderr:
            return BlockResult(entry.slug, block.line, "passed", f"raised {expected} as the entry says")
        return BlockResult(
            entry.slug, block.line, "failed", f"should raise {expected}; exit {done.returncode}: {last}"
        )
    if done.returncode == 0:
        return BlockResult(entry.slug, block.line, "passed")
    return BlockResult(entry.slug, block.line, "failed", f"exit {done.returncode}: {last}")


def python_blocks(entry: Entry) -> list[CodeBlock]:
    return [block for block in code_blocks(entry.markdown) if block.python]


def verify(entries: list[Entry], full: bool) -> list[BlockResult]:
    """Run every Python block; run `local`ly, blocks needing what this interpreter lacks are skipped."""
    results = []
    cannot_install: dict[tuple[str, ...], str] = {}  # pip is not asked twice for what it refused
    replacements = os.environ.get("SYNAPSE_VERIFY_REPLACE", "")
    for entry in entries:
        for block in python_blocks(entry):
            if "norun" in block.attributes:
                results.append(run_block(entry, block))
            elif full:
                results.append(run_installed(entry, block, replacements, cannot_install))
            elif runnable_here(block):
                results.append(run_block(entry, block))
            else:
                reason = f"needs {', '.join(requirements(block))} (run by make verify)"
                results.append(BlockResult(entry.slug, block.line, "skipped", reason))
    return results


def run_installed(
    entry: Entry, block: CodeBlock, replacements: str, cannot_install: dict[tuple[str, ...], str]
) -> BlockResult:
    """Run a block in a venv holding its requirements (some replaced); a failed install fails the block."""
    wanted = requirements(block)
    reqs = replaced(wanted, replacements)
    try:
        if tuple(reqs) in cannot_install:
            raise InstallFailed(cannot_install[tuple(reqs)])
        python = python_for(reqs)
    except InstallFailed as failed:
        cannot_install[tuple(reqs)] = str(failed)
        return BlockResult(entry.slug, block.line, "failed", str(failed))
    result = run_block(entry, block, python)
    swapped = [r for r in reqs if r not in wanted]
    if swapped:  # say so: the block ran with other releases than it names
        note = f"with {' '.join(swapped)} instead of {' '.join(r for r in wanted if r not in reqs)}"
        result = replace(result, detail=f"{result.detail}; {note}" if result.detail else note)
    return result
