"""Verified fix for solutions/package-version-skew.md.

Builds a fake site-packages in tmp_path: `fakelib` 2.0.0 (which renamed `old_download` to
`new_download` and dropped the submodule `utils._errors`) and `consumer` 1.0, which still imports the
old name and declares `Requires-Dist: fakelib<2`. The real ImportError / ModuleNotFoundError are
reproduced in a child interpreter, then the entry's own Option 1 script (read from the Markdown)
must name the installed version, the requirement that is violated, the changelog and the successor;
Option 3 must run as published.
"""

from fake_site import fake_distribution
from pyrun import run_python

SLUG = "package-version-skew"


def _site(tmp_path):
    site = tmp_path / "lib" / "site-packages"
    fakelib = {
        "fakelib/__init__.py": "def new_download(repo_id, filename):\n    return filename\n",
        "fakelib/utils/__init__.py": "",
        "fakelib/utils/_headers.py": "",
    }
    changelog = "Project-URL: Changelog, https://example.invalid/fakelib/changelog"
    fake_distribution(site, "fakelib", "2.0.0", fakelib, metadata=[changelog], top_level="fakelib")
    consumer = {"consumer/__init__.py": "from fakelib import old_download\n"}
    fake_distribution(site, "consumer", "1.0", consumer, requires=["fakelib<2"], top_level="consumer")
    work = tmp_path / "work"
    work.mkdir()
    return site, work


def test_reproduces_cannot_import_name_from_site_packages(tmp_path):
    site, work = _site(tmp_path)
    result = run_python("import consumer", cwd=work, path=site)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: cannot import name 'old_download' from 'fakelib' (")
    assert "site-packages" in last and last.endswith("__init__.py)")


def test_option1_names_version_requirement_changelog_and_successor(fix_code, tmp_path):
    site, work = _site(tmp_path)
    error = run_python("import consumer", cwd=work, path=site).stderr.strip().splitlines()[-1]
    result = run_python(fix_code(SLUG, 1), cwd=work, path=site, args=[error])
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
    repro = run_python("import fakelib.utils._errors", cwd=work, path=site)
    assert "ModuleNotFoundError: No module named 'fakelib.utils._errors'" in repro.stderr
    result = run_python(fix_code(SLUG, 1), cwd=work, path=site, args=[repro.stderr.strip().splitlines()[-1]])
    assert result.returncode == 0, result.stderr
    assert "'fakelib.utils' has no submodule '_errors' in this version" in result.stdout


def test_option1_flags_a_local_file_that_shadows_the_package(fix_code, tmp_path):
    site, work = _site(tmp_path)
    (work / "fakelib.py").write_text("x = 1\n")
    result = run_python(
        fix_code(SLUG, 1), cwd=work, path=site, args=["cannot import name 'new_download' from 'fakelib'"]
    )
    assert result.returncode == 0, result.stderr
    assert "shadows the package" in result.stdout


def test_option1_default_demo_runs(fix_code, tmp_path):
    site, work = _site(tmp_path)
    result = run_python(fix_code(SLUG, 1), cwd=work, path=site)
    assert result.returncode == 0, result.stderr
    assert "'collections' has no 'Mapping' in this version" in result.stdout


def test_option3_feature_detection_runs(fix_code, tmp_path):
    site, work = _site(tmp_path)
    result = run_python(fix_code(SLUG, 3), cwd=work, path=site)
    assert result.returncode == 0, result.stderr
    assert "True" in result.stdout
