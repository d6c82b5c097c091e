"""Run the `synapse` command line in a subprocess, as a user would, for the CLI tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def synapse(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """`python -m app.cli ARGS` from the project root; never raises on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        check=False,
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
