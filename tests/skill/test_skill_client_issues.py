"""Issue 16, the skill's command line as outside clients ran it (real subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from skill_helpers import SKILL_DIR, skill_env

SCRIPT = SKILL_DIR / "scripts" / "synapse_skill.py"


def _bare_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SYNAPSE_") and k not in ("PYTHONPATH", "PYTHONHOME")
    }
    env["SYNAPSE_CACHE_DIR"] = str(tmp_path / "cache")
    env.update(extra)
    return env


def test_missing_httpx_is_a_clear_message_and_exit_2_not_a_traceback(tmp_path):
    # -S: no site-packages on sys.path, so neither httpx nor rapidfuzz can be imported;
    # the script puts only the skill folder first on the path.
    probe = subprocess.run(
        [sys.executable, "-S", "-c", "import httpx"], capture_output=True, env=_bare_env(tmp_path)
    )
    assert probe.returncode != 0, "this interpreter still finds httpx without site-packages"
    for args in (
        ["search", "ValueError: boom"],
        ["search", "--show-query", "ValueError: boom"],
        ["snapshot"],
    ):
        proc = subprocess.run(
            [sys.executable, "-S", str(SCRIPT), *args],
            capture_output=True,
            text=True,
            env=_bare_env(tmp_path, SYNAPSE_OFFLINE="1"),
            stdin=subprocess.DEVNULL,
            timeout=60,
            cwd=tmp_path,
        )
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stdout == ""
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "httpx" in lines[0] and "pip install httpx rapidfuzz" in lines[0]


def test_run_without_httpx_keeps_the_commands_exit_code(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-S",
            str(SCRIPT),
            "run",
            "--",
            sys.executable,
            "-c",
            "import sys; sys.exit('boom')",
        ],
        capture_output=True,
        text=True,
        env=_bare_env(tmp_path, SYNAPSE_OFFLINE="1"),
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 1 and "boom" in proc.stderr and "Traceback" not in proc.stderr
    assert "pip install httpx rapidfuzz" in proc.stderr


def test_run_runs_the_command_in_the_current_directory(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "marker.txt").write_text("here")
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "run",
            "--",
            sys.executable,
            "-c",
            "import os; print(os.getcwd()); print(open('marker.txt').read())",
        ],
        capture_output=True,
        text=True,
        env=skill_env(tmp_path, SYNAPSE_OFFLINE="1"),
        timeout=60,
        cwd=project,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [str(project.resolve()), "here"]


def test_a_non_utf8_byte_on_stdin_does_not_crash(tmp_path):
    error = b'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad \xff byte\n'
    for args, extra in (
        (["search", "--show-query", "-"], {}),
        (["search", "-"], {"SYNAPSE_OFFLINE": "1"}),
        (["search", "--json", "-"], {"SYNAPSE_URL": "http://127.0.0.1:9", "SYNAPSE_TIMEOUT": "1"}),
    ):
        env = skill_env(tmp_path, LC_ALL="C", PYTHONUTF8="0", **extra)
        env.pop("PYTHONIOENCODING", None)
        proc = subprocess.run(
            [sys.executable, str(SCRIPT), *args], input=error, capture_output=True, env=env, timeout=60
        )
        assert proc.returncode in (0, 1), (args, proc.stderr.decode(errors="replace"))
        assert b"Traceback (most recent call last)" not in proc.stderr
        assert b"surrogates" not in proc.stderr


def test_offline_answers_name_the_slug_not_an_unreachable_server_url(tmp_path):
    down = "http://127.0.0.1:9"
    for extra in ({"SYNAPSE_OFFLINE": "1"}, {"SYNAPSE_URL": down, "SYNAPSE_TIMEOUT": "1"}):
        proc = subprocess.run(
            [sys.executable, str(SCRIPT), "search", "sqlite3.OperationalError: database is locked"],
            capture_output=True,
            text=True,
            env=skill_env(tmp_path, **extra),
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        assert "`sqlite-database-locked` (from the offline snapshot" in proc.stdout
        assert "http://" not in proc.stdout.replace(f"server {down} unavailable", "")
        assert "/solutions/" not in proc.stdout
