"""Helpers for the skill tests: subprocess runners, canned server answers, request records."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKILL_DIR = ROOT / "skill" / "synapse-ai"
CLOSED_URL = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


def skill_env(tmp_path: Path, skill_dir: Path = SKILL_DIR, **settings: str) -> dict[str, str]:
    """Environment for a subprocess that imports the skill from `skill_dir` and nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNAPSE_") and k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(skill_dir)
    env["SYNAPSE_CACHE_DIR"] = str(tmp_path / "cache")
    env.update(settings)
    return env


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    seconds: float


def run_python(
    script: Path | str,
    env: dict[str, str],
    args: list[str] | None = None,
    stdin: str | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
) -> Ran:
    return _run([str(script), *(args or [])], env, stdin, timeout, cwd)


def run_skill_cli(args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 60) -> Ran:
    return _run(["-m", "synapse_skill", *args], env, stdin, timeout, None)


def _run(argv: list[str], env: dict[str, str], stdin: str | None, timeout: float, cwd: Path | None) -> Ran:
    """`python ARGV` in a subprocess with its exit code, output and wall time; never raises on failure."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, *argv],
        env=env,
        input=stdin,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )
    return Ran(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


SQLITE_RESULT = {
    "slug": "sqlite-database-locked",
    "title": 'SQLite "database is locked" with several workers',
    "score": 97.0,
    "confident": True,
    "url": "/solutions/sqlite-database-locked",
    "why": {
        "signature": "sqlite3.OperationalError: database is locked",
        "type_match": True,
        "terms": ["locked"],
        "env": [],
        "general": False,
    },
    "fix": {
        "title": "Connection per thread",
        "language": "python",
        "code": "conn = sqlite3.connect(path, timeout=30)\n",
    },
    "token_savings": 4500,
}


def search_body(query: str, results: list[dict] | None = None) -> dict:
    results = [SQLITE_RESULT] if results is None else results
    match = results[0]["slug"] if results and results[0]["confident"] else None
    return {
        "query": query,
        "normalized": "sqlite3.operationalerror: database is locked",
        "took_ms": 1.0,
        "match": match,
        "results": results,
    }


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    raw: bytes  # request line + headers + body, as received


@dataclass
class RecordingServer:
    """A real HTTP server on 127.0.0.1 that records every request and answers like SynapseAI."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    snapshot: dict | None = None
    snapshot_etag: str = ""

    def bodies(self, path: str) -> list[bytes]:
        return [r.body for r in self.requests if r.path == path]
