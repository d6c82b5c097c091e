"""Verified fix for solutions/pip-build-wheel-failed.md.

Makes a local package whose in-tree PEP 517 backend compiles a C file that includes a header the
machine does not have, installs it with the real pip offline, and checks pip's failure wording; then
feeds that log to the entry's own diagnosis script (Option 1), which must name the missing header.
A second package fails while preparing metadata (as psycopg2 does without pg_config).
"""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from in_tree_backend import in_tree_project

SLUG = "pip-build-wheel-failed"

COMPILING_BACKEND = textwrap.dedent(
    """
    import os, subprocess, sys

    def get_requires_for_build_wheel(config_settings=None):
        return []

    def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
        info = os.path.join(metadata_directory, "fastvec-0.1.dist-info")
        os.makedirs(info)
        with open(os.path.join(info, "METADATA"), "w") as fh:
            fh.write("Metadata-Version: 2.1\\nName: fastvec\\nVersion: 0.1\\n")
        return "fastvec-0.1.dist-info"

    def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
        cmd = [os.environ.get("CC", "cc"), "-c", "fastvec.c", "-o", "fastvec.o"]
        print(" ".join(cmd))
        done = subprocess.run(cmd)
        if done.returncode:
            sys.exit(f"error: command '{cmd[0]}' failed with exit code {done.returncode}")
        raise SystemExit("unexpected: compiled")
    """
)

METADATA_BACKEND = textwrap.dedent(
    """
    def get_requires_for_build_wheel(config_settings=None):
        raise RuntimeError("Error: pg_config executable not found.")

    def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
        raise RuntimeError("Error: pg_config executable not found.")

    def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
        raise RuntimeError("Error: pg_config executable not found.")
    """
)


def _package(root, backend):
    in_tree_project(root, "fastvec", backend)
    (root / "fastvec.c").write_text("#include <synapse_missing_lib.h>\nint x;\n", encoding="utf-8")
    return root


def _pip_install(path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--no-build-isolation",
            "--disable-pip-version-check",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )


def _diagnose(fix_code, tmp_path, log):
    script = tmp_path / "why_build_failed.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    (tmp_path / "pip.log").write_text(log, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), str(tmp_path / "pip.log")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to reproduce a compile error")
def test_missing_header_is_named(fix_code, tmp_path):
    result = _pip_install(_package(tmp_path / "fastvec", COMPILING_BACKEND))
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Building wheel for fastvec (pyproject.toml) did not run successfully" in log
    assert "Failed building wheel for fastvec" in log
    assert "synapse_missing_lib.h" in log

    summary = _diagnose(fix_code, tmp_path, log)
    assert summary.returncode == 1
    assert "CAUSE: header synapse_missing_lib.h is missing" in summary.stdout
    assert "--only-binary=:all: --dry-run fastvec" in summary.stdout


def test_metadata_failure_and_pg_config(fix_code, tmp_path):
    result = _pip_install(_package(tmp_path / "fastvec", METADATA_BACKEND))
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "subprocess-exited-with-error" in log
    assert "pg_config executable not found" in log

    summary = _diagnose(fix_code, tmp_path, log)
    assert "psycopg2-binary" in summary.stdout


def test_no_arguments_prints_usage(fix_code, tmp_path):
    script = tmp_path / "why_build_failed.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "usage:" in result.stdout
