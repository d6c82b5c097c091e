"""Verified fix for solutions/package-install-broken.md.

A fake installed distribution in tmp_path, shaped like a real wheel install (checked on typer 0.9.0,
0.12.0 and 0.12.5 with pip 23.2.1 and 26.3): the package folder plus `<dist>-<version>.dist-info/` with
METADATA and a RECORD holding each file's urlsafe-base64 sha256 and size, as importlib.metadata reads
it. Each test breaks it the way a mixed install does (a file of another release written over a listed
one, a listed file deleted, a module no RECORD lists, two distributions listing the same files),
reproduces the ImportError raised inside the package in a child interpreter, then runs the entry's
own Option 1 script with that traceback and checks what it reports and the repair command it prints.
"""

import base64
import hashlib
import shutil
import sys
from pathlib import Path

from pyrun import run_args

SLUG = "package-install-broken"

# release 1.0.0 of "mixpkg": __init__ imports main, main imports a name of core
RELEASE_1 = {
    "mixpkg/__init__.py": "from .main import run\n__version__ = '1.0.0'\n",
    "mixpkg/main.py": "from .core import DEFAULT_MODE\n\n\ndef run():\n    return DEFAULT_MODE\n",
    "mixpkg/core.py": "DEFAULT_MODE = 'plain'\n",
    "mixpkg/utils/__init__.py": "",
}
# main.py of release 2.0.0: imports a module and a name that 1.0.0 does not have
MAIN_2 = "from ._completion import init\nfrom .core import DEFAULT_MARKUP_MODE\n\n\ndef run():\n    return init()\n"


def _record_line(site: Path, rel: str) -> str:
    data = (site / rel).read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{rel},sha256={digest},{len(data)}\n"


def _install(site: Path, dist: str, version: str, files: dict[str, str]) -> Path:
    """Write `files` and a dist-info whose RECORD lists them with their real sha256, as pip does."""
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
    rows = [_record_line(site, rel) for rel in [*files, f"{info.name}/METADATA", f"{info.name}/INSTALLER"]]
    (info / "RECORD").write_text("".join(rows) + f"{info.name}/RECORD,,\n", encoding="utf-8")
    return info


def _import_error(site: Path, tmp_path: Path) -> str:
    """The traceback of `import mixpkg` in a fresh interpreter (the error the user pastes)."""
    result = run_args(["-S", "-c", "import mixpkg"], site, tmp_path)
    assert result.returncode != 0
    return result.stderr


def last_line_of(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def _option1(fix_code, site: Path, tmp_path: Path, text: str) -> str:
    # -S: only the fake site is on sys.path (the project's own venv is not what is checked, and is slow to scan)
    result = run_args(["-S", "-c", fix_code(SLUG, 1), text], site, tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def test_intact_install_imports_and_is_reported_ok(fix_code, tmp_path):
    site = tmp_path / "site"
    _install(site, "mixpkg", "1.0.0", RELEASE_1)
    assert run_args(["-c", "import mixpkg; print(mixpkg.run())"], site, tmp_path).stdout == "plain\n"
    out = _option1(fix_code, site, tmp_path, "mixpkg")
    assert f"OK: every file of mixpkg 1.0.0 ({site})" in out
    assert "BROKEN" not in out and "REPAIR" not in out


def test_file_of_another_release_over_a_listed_one(fix_code, tmp_path):
    site = tmp_path / "site"
    _install(site, "mixpkg", "1.0.0", RELEASE_1)
    (site / "mixpkg" / "main.py").write_text(
        MAIN_2.replace("from ._completion import init\n", ""), encoding="utf-8"
    )
    # same size, other bytes: only the sha256 tells it from the listed file
    (site / "mixpkg" / "core.py").write_text("DEFAULT_MODE = 'PLAIN'\n", encoding="utf-8")
    trace = _import_error(site, tmp_path)
    assert f'File "{site / "mixpkg" / "main.py"}", line 1, in <module>' in trace
    assert last_line_of(trace) == (
        f"ImportError: cannot import name 'DEFAULT_MARKUP_MODE' from 'mixpkg.core' ({site / 'mixpkg' / 'core.py'})"
    )
    out = _option1(fix_code, site, tmp_path, trace)
    assert "module: mixpkg.core;" in out
    assert "  changed: mixpkg/main.py\n" in out
    assert "  changed: mixpkg/core.py\n" in out
    assert "missing:" not in out and "extra:" not in out
    assert f"BROKEN: mixpkg 1.0.0 ({site}): 0 missing, 2 changed, 0 not in any RECORD" in out
    assert (
        f"REPAIR: {sys.executable} -m pip install --force-reinstall --no-deps --no-cache-dir 'mixpkg==1.0.0'"
        in out
    )


def test_listed_file_deleted(fix_code, tmp_path):
    site = tmp_path / "site"
    _install(site, "mixpkg", "1.0.0", RELEASE_1)
    (site / "mixpkg" / "core.py").unlink()
    trace = _import_error(site, tmp_path)
    assert last_line_of(trace) == "ModuleNotFoundError: No module named 'mixpkg.core'"
    out = _option1(fix_code, site, tmp_path, trace)
    assert "  missing: mixpkg/core.py\n" in out
    assert "BROKEN: mixpkg 1.0.0" in out and "1 missing, 0 changed, 0 not in any RECORD" in out
    assert "--force-reinstall --no-deps --no-cache-dir 'mixpkg==1.0.0'" in out


def test_unlisted_module_of_another_release_is_a_leftover(fix_code, tmp_path):
    site = tmp_path / "site"
    _install(site, "mixpkg", "1.0.0", RELEASE_1)
    (site / "mixpkg" / "main.py").write_text(MAIN_2, encoding="utf-8")
    (site / "mixpkg" / "_completion.py").write_text("def init():\n    return 'rich'\n", encoding="utf-8")
    (site / "mixpkg" / "utils" / "_new_helpers.py").write_text("", encoding="utf-8")
    trace = _import_error(site, tmp_path)
    assert last_line_of(trace).startswith(
        "ImportError: cannot import name 'DEFAULT_MARKUP_MODE' from 'mixpkg.core'"
    )
    out = _option1(fix_code, site, tmp_path, trace)
    assert "  changed: mixpkg/main.py\n" in out
    assert "  extra: mixpkg/_completion.py\n" in out
    assert "  extra: mixpkg/utils/_new_helpers.py\n" in out
    assert "0 missing, 1 changed, 2 not in any RECORD" in out
    assert f"pip uninstall mixpkg, then delete {site / 'mixpkg'}, then install 'mixpkg==1.0.0' again" in out


def test_split_distributions_sharing_files(fix_code, tmp_path):
    # typer 0.12: typer and typer-slim both list typer/*; uninstalling one deleted the files of the other
    site = tmp_path / "site"
    _install(site, "mixpkg-slim", "1.0.0", RELEASE_1)
    _install(site, "mixpkg", "1.0.0", RELEASE_1)
    out = _option1(fix_code, site, tmp_path, "No module named 'mixpkg.core'")
    assert "SHARED: mixpkg 1.0.0 lists the same files as mixpkg-slim 1.0.0" in out
    assert "SHARED: mixpkg-slim 1.0.0 lists the same files as mixpkg 1.0.0" in out
    assert "BROKEN" not in out
    shutil.rmtree(site / "mixpkg")  # what `pip uninstall mixpkg-slim` does when it lists every file
    trace = _import_error(site, tmp_path)
    assert last_line_of(trace) == "ModuleNotFoundError: No module named 'mixpkg'"
    out = _option1(fix_code, site, tmp_path, "mixpkg")
    assert "'mixpkg' found in: no folder on sys.path" in out
    assert "BROKEN: mixpkg 1.0.0" in out and "4 missing, 0 changed, 0 not in any RECORD" in out
    assert "--force-reinstall --no-deps --no-cache-dir 'mixpkg==1.0.0'" in out


def test_two_releases_metadata_in_one_folder(fix_code, tmp_path):
    site = tmp_path / "site"
    _install(site, "mixpkg", "1.0.0", RELEASE_1)
    _install(site, "mixpkg", "2.0.0", {**RELEASE_1, "mixpkg/main.py": MAIN_2, "mixpkg/_completion.py": ""})
    out = _option1(fix_code, site, tmp_path, "cannot import name 'init' from 'mixpkg._completion'")
    assert f"TWO RELEASES' METADATA: mixpkg 2.0.0 ({site}) and another mixpkg in the same folder" in out
    assert f"repeat `{sys.executable} -m pip uninstall mixpkg` until it finds none" in out


def test_not_a_distribution(fix_code, tmp_path):
    site = tmp_path / "site"
    (site / "loosepkg").mkdir(parents=True)
    (site / "loosepkg" / "__init__.py").write_text("from .gone import x\n", encoding="utf-8")
    out = _option1(fix_code, site, tmp_path, "No module named 'loosepkg.gone'")
    assert "no installed distribution lists files of 'loosepkg.gone'" in out


def test_no_argument_prints_usage(fix_code, tmp_path):
    result = run_args(["-c", fix_code(SLUG, 1)], None, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage: python check_install.py" in result.stdout
