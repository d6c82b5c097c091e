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
(`make verify`).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass
from pathlib import Path

from app.corpus.entries import CodeBlock, Entry, code_blocks

TIMEOUT_SECONDS = 60
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


def python_for(reqs: list[str]) -> Path:
    """An interpreter with `reqs` installed: a virtualenv cached by the requirement list."""
    if not reqs:
        return Path(sys.executable)
    folder = CACHE / hashlib.sha256("\n".join(reqs).encode()).hexdigest()[:16]
    python = folder / "bin" / "python"
    if not (folder / ".ready").exists():
        venv.create(folder, with_pip=True, clear=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *reqs], check=True, timeout=1800)
        (folder / ".ready").write_text("\n".join(reqs) + "\n")
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
    for entry in entries:
        for block in python_blocks(entry):
            if "norun" in block.attributes:
                results.append(run_block(entry, block))
            elif full:
                results.append(run_block(entry, block, python_for(requirements(block))))
            elif runnable_here(block):
                results.append(run_block(entry, block))
            else:
                reason = f"needs {', '.join(requirements(block))} (run by make verify)"
                results.append(BlockResult(entry.slug, block.line, "skipped", reason))
    return results
