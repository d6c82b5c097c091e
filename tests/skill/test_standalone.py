"""The skill folder copied alone, with a venv that holds only httpx and rapidfuzz.

This is how `clawhub install` leaves it: no project, no `pip install -e`, no mcp. The venv
is built once (from the package registry) and reused across runs under a fixed path.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from skill_helpers import SKILL_DIR, skill_env

REQUIREMENTS = ["httpx", "rapidfuzz"]
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@pytest.fixture(scope="session")
def bare_venv() -> Path:
    key = hashlib.sha256(f"{sys.version}|{sys.base_prefix}|{REQUIREMENTS}".encode()).hexdigest()[:12]
    venv = Path(os.environ.get("TMPDIR", "/tmp")) / f"synapse-skill-venv-{key}"
    marker = venv / ".complete"
    with open(f"{venv}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time, across xdist workers and runs
        if not marker.exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120, env=CLEAN_ENV)
            subprocess.run(
                [
                    str(_venv_python(venv)),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    *REQUIREMENTS,
                ],
                check=True,
                timeout=600,
                env=CLEAN_ENV,
            )
            marker.write_text("ok")
    return _venv_python(venv)


@pytest.fixture
def lone_skill(tmp_path) -> Path:
    dest = tmp_path / "skills" / "synapse-ai"
    shutil.copytree(SKILL_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _bare_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = skill_env(tmp_path, **settings)
    env.pop("PYTHONPATH")  # the script must find its package by itself
    return env


def test_bare_venv_has_only_httpx_and_rapidfuzz(bare_venv):
    names = subprocess.run(
        [
            str(bare_venv),
            "-c",
            "import importlib.metadata as m; print(sorted(d.metadata['Name'].lower() for d in m.distributions()))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=CLEAN_ENV,
        cwd="/",
    ).stdout
    installed = set(json.loads(names.replace("'", '"')))
    assert {"httpx", "rapidfuzz"} <= installed
    assert not installed & {"synapse-ai", "mcp", "platformdirs", "fastapi", "pyyaml"}


def test_copied_skill_answers_search_offline(bare_venv, lone_skill, tmp_path):
    proc = subprocess.run(
        [str(bare_venv), "scripts/synapse_skill.py", "search", "--json", "-"],
        input="sqlite3.OperationalError: database is locked\n",
        check=False,
        capture_output=True,
        text=True,
        cwd=lone_skill,
        env=_bare_env(tmp_path, SYNAPSE_OFFLINE="1"),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    body = json.loads(proc.stdout)
    assert body["match"] == "sqlite-database-locked" and body["source"] == "offline"


def test_copied_skill_answers_when_the_server_is_unreachable(bare_venv, lone_skill, tmp_path):
    proc = subprocess.run(
        [
            str(bare_venv),
            str(lone_skill / "scripts" / "synapse_skill.py"),
            "search",
            "RuntimeError: Event loop is closed",
        ],
        check=False,
        capture_output=True,
        text=True,
        env=_bare_env(tmp_path, SYNAPSE_URL="http://127.0.0.1:9"),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "known fix" in proc.stdout and "Source: offline" in proc.stdout


def test_copied_skill_hook_works_in_the_bare_venv(bare_venv, lone_skill, tmp_path):
    script = tmp_path / "agent.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(lone_skill)!r})
        import synapse_skill
        synapse_skill.install()
        raise RuntimeError("Event loop is closed")
    """)
    )
    proc = subprocess.run(
        [str(bare_venv), str(script)],
        check=False,
        capture_output=True,
        text=True,
        env=_bare_env(tmp_path, SYNAPSE_OFFLINE="1"),
        timeout=60,
    )
    assert proc.returncode == 1
    assert "RuntimeError: Event loop is closed" in proc.stderr and "=== SynapseAI: known fix" in proc.stderr
    assert str(tmp_path / "cache") not in proc.stderr


def test_mcp_in_the_bare_venv_explains_the_missing_extra(bare_venv, lone_skill, tmp_path):
    proc = subprocess.run(
        [str(bare_venv), "scripts/synapse_skill.py", "mcp"],
        check=False,
        capture_output=True,
        text=True,
        cwd=lone_skill,
        env=_bare_env(tmp_path),
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert (
        proc.returncode == 2
        and "pip install mcp" in proc.stderr
        and "synapse-ai[mcp]" not in proc.stderr
        and proc.stdout == ""
    )
