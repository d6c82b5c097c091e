"""Verified fix for solutions/uvicorn-app-import-string.md.

Builds a small project whose FastAPI app lives in a package, in a plain sub-folder under another
name, and behind a factory; reproduces uvicorn's `Could not import module` / `Attribute not found`
/ import-string warning with the real uvicorn, then runs the entry's own scanner (Option 1) and
starts uvicorn with each command it prints until the app reports startup.
"""

import os
import shlex
import subprocess
import sys
import time

from fake_http import free_port
from processes import stop

SLUG = "uvicorn-app-import-string"


def _make_project(root):
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "main.py").write_text(
        "from fastapi import FastAPI\n\napp = FastAPI()\n", encoding="utf-8"
    )
    (root / "src" / "api").mkdir(parents=True)
    (root / "src" / "api" / "server.py").write_text(
        "from fastapi import FastAPI\n\napi = FastAPI()\n", encoding="utf-8"
    )
    (root / "app" / "factory.py").write_text(
        "from fastapi import FastAPI\n\n\ndef create_app():\n    return FastAPI()\n", encoding="utf-8"
    )


def _uvicorn(args, cwd, timeout=30):
    return subprocess.run(
        [sys.executable, "-m", "uvicorn", *args, "--port", str(free_port())],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_reproduces_could_not_import_module(tmp_path):
    _make_project(tmp_path)
    result = _uvicorn(["main:app"], tmp_path)
    assert result.returncode != 0
    assert 'Error loading ASGI app. Could not import module "main".' in result.stderr


def test_reproduces_attribute_not_found(tmp_path):
    _make_project(tmp_path)
    result = _uvicorn(["server:app", "--app-dir", "src/api"], tmp_path)
    assert result.returncode != 0
    assert 'Attribute "app" not found in module "server".' in result.stderr


def test_reproduces_import_string_warning_for_reload(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(
        "import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\n"
        f"uvicorn.run(app, reload=True, port={free_port()})\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode != 0
    assert (
        "You must pass the application as an import string to enable 'reload' or 'workers'." in result.stderr
    )


def _serve_until_started(command: list[str], cwd) -> str:
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Application startup complete" in line:
                break
    finally:
        stop(proc)
    return "".join(output)


def test_option1_commands_start_every_app(fix_code, tmp_path):
    _make_project(tmp_path)
    scanner = tmp_path / "find_asgi_app.py"
    scanner.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(scanner)], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    commands = [
        line.split(": ", 1)[1]
        for line in result.stdout.splitlines()
        if ": uvicorn " in line and not line.startswith(" ")
    ]
    assert "uvicorn app.main:app" in commands
    assert "uvicorn server:api --app-dir " + os.path.join("src", "api") in commands
    assert "uvicorn app.factory:create_app --factory" in commands
    for command in commands:
        argv = [sys.executable, "-m", *shlex.split(command), "--port", str(free_port())]
        output = _serve_until_started(argv, tmp_path)
        assert "Application startup complete" in output, (command, output)
        assert "Error loading ASGI app" not in output


def test_option1_in_an_empty_folder_exits_cleanly(fix_code, tmp_path):
    scanner = tmp_path / "find_asgi_app.py"
    scanner.write_text(fix_code(SLUG, 1), encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, str(scanner), str(empty)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert "no `app = FastAPI()" in result.stdout
