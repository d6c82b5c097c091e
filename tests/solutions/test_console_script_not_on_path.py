"""Verified fix for solutions/console-script-not-on-path.md.

Builds a real --user scripts folder (PYTHONUSERBASE) holding an executable `mytool`, shows the shell
and subprocess failures while that folder is off PATH, then runs the entry's own Option 2 script:
it must name the folder, say it is not on PATH and print the export line; with the folder on PATH
the command is found.
"""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

SLUG = "console-script-not-on-path"

pytestmark = pytest.mark.skipif(os.name == "nt", reason="builds a POSIX shell launcher")


def _user_scripts(userbase) -> str:
    env = dict(os.environ, PYTHONUSERBASE=str(userbase))
    code = (
        "import sysconfig\n"
        "s = sysconfig.get_preferred_scheme('user') if hasattr(sysconfig, 'get_preferred_scheme') else 'posix_user'\n"
        "print(sysconfig.get_path('scripts', s))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return out.stdout.strip()


@pytest.fixture
def user_tool(tmp_path):
    userbase = tmp_path / "userbase"
    scripts = Path(_user_scripts(userbase))
    scripts.mkdir(parents=True)
    tool = scripts / "mytool"
    tool.write_text("#!/bin/sh\necho mytool-ran\n", encoding="utf-8")
    tool.chmod(0o755)
    base_path = os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"])
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env.update(PYTHONUSERBASE=str(userbase), PATH=base_path, PYTHONDONTWRITEBYTECODE="1")
    return scripts, env


def test_reproduces_command_not_found(user_tool, tmp_path):
    _scripts, env = user_tool
    result = subprocess.run(["sh", "-c", "mytool"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 127
    assert "mytool: not found" in result.stderr or "command not found" in result.stderr
    code = "import subprocess\nsubprocess.run(['mytool'])\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert "FileNotFoundError: [Errno 2] No such file or directory: 'mytool'" in result.stderr


def test_option2_finds_the_folder_and_prints_the_path_line(fix_code, user_tool, tmp_path):
    scripts, env = user_tool
    script = tmp_path / "find_script.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), "mytool"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert f"{scripts} (NOT on PATH): contains mytool" in result.stdout
    assert f'export PATH="{scripts}:$PATH"' in result.stdout

    # applying the printed fix makes the bare command work
    env_fixed = dict(env, PATH=f"{scripts}{os.pathsep}{env['PATH']}")
    result = subprocess.run(
        [sys.executable, str(script), "mytool"],
        capture_output=True,
        text=True,
        env=env_fixed,
        cwd=tmp_path,
        timeout=30,
    )
    assert result.returncode == 0
    assert f"mytool is on PATH: {scripts / 'mytool'}" in result.stdout
    ran = subprocess.run(["mytool"], capture_output=True, text=True, env=env_fixed)
    assert ran.stdout.strip() == "mytool-ran"


def test_option2_reports_a_missing_install(fix_code, user_tool, tmp_path):
    _, env = user_tool
    script = tmp_path / "find_script.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), "no-such-tool-xyz"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    assert result.returncode == 1
    assert "is not installed for this interpreter" in result.stdout
    assert sysconfig.get_path("scripts") in result.stdout
