"""Verified fix for solutions/package-version-skew.md.

Builds a fake site-packages in tmp_path: `fakelib` 2.0.0 (which renamed `old_download` to
`new_download` and dropped the submodule `utils._errors`) and `consumer` 1.0, which still imports the
old name and declares `Requires-Dist: fakelib<2`. The real ImportError / ModuleNotFoundError are
reproduced in a child interpreter, then the entry's own Option 1 script (read from the Markdown)
must name the installed version, the requirement that is violated, the changelog and the successor;
Option 3 must run as published.
"""

import os
import subprocess
import sys

SLUG = "package-version-skew"


def _dist_info(site, name, version, top, requires=(), urls=()):
    info = site / f"{name}-{version}.dist-info"
    info.mkdir()
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    lines += [f"Project-URL: {u}" for u in urls]
    (info / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (info / "top_level.txt").write_text(top + "\n", encoding="utf-8")


def _site(tmp_path):
    site = tmp_path / "lib" / "site-packages"
    (site / "fakelib" / "utils").mkdir(parents=True)
    (site / "fakelib" / "__init__.py").write_text(
        "def new_download(repo_id, filename):\n    return filename\n"
    )
    (site / "fakelib" / "utils" / "__init__.py").write_text("")
    (site / "fakelib" / "utils" / "_headers.py").write_text("")
    _dist_info(
        site, "fakelib", "2.0.0", "fakelib", urls=["Changelog, https://example.invalid/fakelib/changelog"]
    )
    (site / "consumer").mkdir()
    (site / "consumer" / "__init__.py").write_text("from fakelib import old_download\n")
    _dist_info(site, "consumer", "1.0", "consumer", requires=["fakelib<2"])
    work = tmp_path / "work"
    work.mkdir()
    return site, work


def _run(args, site, cwd):
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, *args], check=False, capture_output=True, text=True, timeout=60, cwd=cwd, env=env
    )


def test_reproduces_cannot_import_name_from_site_packages(tmp_path):
    site, work = _site(tmp_path)
    result = _run(["-c", "import consumer"], site, work)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: cannot import name 'old_download' from 'fakelib' (")
    assert "site-packages" in last and last.endswith("__init__.py)")


def test_option1_names_version_requirement_changelog_and_successor(fix_code, tmp_path):
    site, work = _site(tmp_path)
    error = _run(["-c", "import consumer"], site, work).stderr.strip().splitlines()[-1]
    result = _run(["-c", fix_code(SLUG, 1), error], site, work)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "installed: fakelib==2.0.0" in out
    assert "consumer 1.0 requires fakelib<2" in out
    assert "https://example.invalid/fakelib/changelog" in out
    assert "'fakelib' has no 'old_download' in this version" in out
    assert "new_download" in out
    assert "shadows" not in out


def test_option1_dotted_submodule_that_was_removed(fix_code, tmp_path):
    site, work = _site(tmp_path)
    repro = _run(["-c", "import fakelib.utils._errors"], site, work)
    assert "ModuleNotFoundError: No module named 'fakelib.utils._errors'" in repro.stderr
    result = _run(["-c", fix_code(SLUG, 1), repro.stderr.strip().splitlines()[-1]], site, work)
    assert result.returncode == 0, result.stderr
    assert "'fakelib.utils' has no submodule '_errors' in this version" in result.stdout


def test_option1_flags_a_local_file_that_shadows_the_package(fix_code, tmp_path):
    site, work = _site(tmp_path)
    (work / "fakelib.py").write_text("x = 1\n")
    result = _run(["-c", fix_code(SLUG, 1), "cannot import name 'new_download' from 'fakelib'"], site, work)
    assert result.returncode == 0, result.stderr
    assert "shadows the package" in result.stdout


def test_option1_default_demo_runs(fix_code, tmp_path):
    site, work = _site(tmp_path)
    result = _run(["-c", fix_code(SLUG, 1)], site, work)
    assert result.returncode == 0, result.stderr
    assert "'collections' has no 'Mapping' in this version" in result.stdout


def test_option3_feature_detection_runs(fix_code, tmp_path):
    site, work = _site(tmp_path)
    result = _run(["-c", fix_code(SLUG, 3)], site, work)
    assert result.returncode == 0, result.stderr
    assert "True" in result.stdout
