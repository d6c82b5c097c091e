"""Run a snippet of Python in a fresh interpreter, the way the verified-fix tests need."""

from __future__ import annotations

import subprocess
import sys


def run_python(code: str, *flags: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """`python [flags] -c code`; output captured as text; never raises on a non-zero exit."""
    return subprocess.run(
        [sys.executable, *flags, "-c", code], check=False, capture_output=True, text=True, timeout=timeout
    )
