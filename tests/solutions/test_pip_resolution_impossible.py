"""Verified fix for solutions/pip-resolution-impossible.md.

Builds tiny wheels in tmp_path (agentkit 1.0 needs httpcore<1.0, agentkit 2.0 and webclient 3.0 need
httpcore>=1.0) and runs the real pip offline (--no-index --find-links) to reproduce
ResolutionImpossible, then feeds pip's output to the entry's own summariser (Option 1) and runs the
unpinned command it suggests, which pip resolves.
"""

import base64
import hashlib
import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

SLUG = "pip-resolution-impossible"


def _wheel(dest: Path, name: str, version: str, requires=()) -> None:
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(dest / f"{name}-{version}-py3-none-any.whl", "w") as zf:
        for arc, text in files.items():
            data = text.encode()
            zf.writestr(arc, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arc},sha256={digest},{len(data)}")
        record.append(f"{dist}/RECORD,,")
        zf.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")


def _index(tmp_path: Path) -> Path:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "agentkit", "1.0", ["httpcore<1.0"])
    _wheel(wheels, "agentkit", "2.0", ["httpcore>=1.0"])
    _wheel(wheels, "webclient", "3.0", ["httpcore>=1.0,<2"])
    _wheel(wheels, "httpcore", "0.18")
    _wheel(wheels, "httpcore", "1.0")
    return wheels


def _pip(wheels: Path, *reqs: str) -> subprocess.CompletedProcess:
    # only the wheels built here: no machine pip config, find-links or constraints, no installed packages
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--no-index",
            "--find-links",
            str(wheels),
            "--disable-pip-version-check",
            *reqs,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def _explain(fix_code, tmp_path: Path, pip_output: str) -> subprocess.CompletedProcess:
    script = tmp_path / "explain_conflict.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    report = tmp_path / "pip-output.txt"
    report.write_text(pip_output, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), str(report)], capture_output=True, text=True, timeout=30, check=False
    )


def test_reproduces_resolution_impossible(tmp_path):
    result = _pip(_index(tmp_path), "agentkit==1.0", "webclient==3.0")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "ResolutionImpossible" in out
    assert "Cannot install agentkit==1.0 and webclient==3.0" in out
    assert "agentkit 1.0 depends on httpcore<1.0" in out


def test_option1_names_the_conflict_and_its_command_resolves(fix_code, tmp_path):
    wheels = _index(tmp_path)
    failed = _pip(wheels, "agentkit==1.0", "webclient==3.0")
    summary = _explain(fix_code, tmp_path, failed.stdout + failed.stderr)
    assert summary.returncode == 1
    assert "httpcore is required as:" in summary.stdout
    assert "by agentkit 1.0" in summary.stdout and "by webclient 3.0" in summary.stdout
    assert "    agentkit==1.0" in summary.stdout and "    webclient==3.0" in summary.stdout

    suggested = next(
        line.strip()
        for line in summary.stdout.splitlines()
        if line.strip().startswith("python -m pip install --dry-run")
    )
    reqs = shlex.split(suggested)[len(["python", "-m", "pip", "install", "--dry-run"]) :]
    assert reqs == ["agentkit", "webclient"]
    resolved = _pip(wheels, *reqs)
    assert resolved.returncode == 0, resolved.stderr
    assert "Would install agentkit-2.0 httpcore-1.0 webclient-3.0" in resolved.stdout


def test_option1_marks_the_users_own_pin(fix_code, tmp_path):
    failed = _pip(_index(tmp_path), "webclient==3.0", "httpcore==0.18")
    summary = _explain(fix_code, tmp_path, failed.stdout + failed.stderr)
    assert "==0.18" in summary.stdout and "by YOU" in summary.stdout
    assert "    httpcore==0.18" in summary.stdout


def test_option1_without_a_report(fix_code, tmp_path):
    summary = _explain(fix_code, tmp_path, "Successfully installed httpcore-1.0\n")
    assert summary.returncode == 0
    assert "no 'The conflict is caused by:' lines found" in summary.stdout
