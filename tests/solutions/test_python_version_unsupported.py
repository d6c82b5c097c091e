"""Verified fix for solutions/python-version-unsupported.md.

Builds a tiny local package index (PEP 503 folder, offline) holding demo-pkg 1.0 (Requires-Python
>=3) and 2.0 (Requires-Python >=4.0, which no Python 3 satisfies). pip refuses 2.0 with the real
"requires a different Python" / "No matching distribution" errors; the entry's Option 2 script,
run against the same index, names 1.0 as the release to pin, and that pin installs.
"""

import os
import subprocess
import sys
import zipfile

import pytest

SLUG = "python-version-unsupported"


def _wheel(folder, version: str, requires_python: str):
    path = folder / f"demo_pkg-{version}-py3-none-any.whl"
    info = f"demo_pkg-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("demo_pkg/__init__.py", f"VERSION = {version!r}\n")
        zf.writestr(
            f"{info}/METADATA",
            f"Metadata-Version: 2.1\nName: demo-pkg\nVersion: {version}\n"
            f"Requires-Python: {requires_python}\n",
        )
        zf.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        zf.writestr(f"{info}/RECORD", "")
    return path


@pytest.fixture
def index(tmp_path):
    project = tmp_path / "index" / "demo-pkg"
    project.mkdir(parents=True)
    links = []
    for version, spec in (("1.0", ">=3"), ("2.0", ">=4.0")):
        wheel = _wheel(project, version, spec)
        links.append(
            f'<a href="{wheel.name}" data-requires-python="{spec.replace(">", "&gt;")}">{wheel.name}</a>'
        )
    (project / "index.html").write_text(
        "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_INDEX_URL=(tmp_path / "index").as_uri(),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return project, env


def _pip(env, *args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "pip", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_reproduces_requires_a_different_python(index, tmp_path):
    project, env = index
    running = ".".join(map(str, sys.version_info[:3]))
    result = _pip(
        env, "install", "--dry-run", "--no-deps", str(project / "demo_pkg-2.0-py3-none-any.whl"), cwd=tmp_path
    )
    assert result.returncode != 0
    assert f"ERROR: Package 'demo-pkg' requires a different Python: {running} not in '>=4.0'" in result.stderr

    result = _pip(env, "install", "--dry-run", "demo-pkg==2.0", cwd=tmp_path)
    assert result.returncode != 0
    assert (
        "Could not find a version that satisfies the requirement demo-pkg==2.0 (from versions: 1.0)"
        in result.stderr
    )
    assert "No matching distribution found for demo-pkg==2.0" in result.stderr


def test_option2_names_the_newest_release_for_this_python_and_it_installs(fix_code, index, tmp_path):
    _, env = index
    script = tmp_path / "newest_for_this_python.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), "demo-pkg"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo-pkg: newest release for Python" in result.stdout
    assert 'python -m pip install "demo-pkg==1.0"' in result.stdout

    target = tmp_path / "target"
    installed = _pip(env, "install", "--no-deps", "--target", str(target), "demo-pkg==1.0", cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    assert (target / "demo_pkg" / "__init__.py").read_text(encoding="utf-8") == "VERSION = '1.0'\n"


def test_option2_says_so_when_no_release_fits(fix_code, index, tmp_path):
    _, env = index
    script = tmp_path / "newest_for_this_python.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), "no-such-demo-pkg"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "no-such-demo-pkg: no release installs on Python" in result.stdout
    assert "Option 1" in result.stdout


def test_option2_without_arguments_just_reports_the_interpreter(fix_code, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG, 2)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert sys.executable in result.stdout
