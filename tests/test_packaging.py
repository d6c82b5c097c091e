"""What `pip` builds from this project: a real wheel, from a copy of the sources (so the build
writes nothing into the repository), read as an installer would read it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "app", source / "app", ignore=ignore)
    shutil.copytree(ROOT / "skill", source / "skill", ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (built,) = out.glob("synapse_ai-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


@pytest.mark.parametrize("package", ["app", "synapse_skill"])
def test_the_wheel_marks_each_package_as_typed(wheel, package):
    # PEP 561: without py.typed a type checker ignores the annotations of the installed package.
    assert f"{package}/py.typed" in wheel.namelist()


def test_the_wheel_carries_the_data_files_the_code_reads(wheel):
    names = set(wheel.namelist())

    assert "synapse_skill/data/snapshot.json" in names
    assert {"app/corpus/data/latest-versions.json", "app/corpus/data/model-retirements.json"} <= names
    assert "synapse_skill/matching/matcher.py" in names
