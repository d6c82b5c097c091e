"""Verified fix for solutions/playwright-browser-missing.md.

The project does not install Playwright, so this test puts a stand-in `playwright` distribution on
PYTHONPATH whose `python -m playwright install --dry-run` prints the real 1.65.3 format (title line,
then `Install location:`) for a browsers folder in tmp_path. It runs the entry's own check (Option 1)
and checks that it reports the missing builds with an install command bound to the same interpreter,
sees them once the folders exist, and handles an interpreter without Playwright.
"""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest
from fake_site import fake_distribution

SLUG = "playwright-browser-missing"

MAIN = textwrap.dedent(
    """
    import os, sys
    root = os.environ["PLAYWRIGHT_BROWSERS_PATH"]
    args = sys.argv[1:]
    assert args[:2] == ["install", "--dry-run"], args
    print("Chrome for Testing 159.0.8154.6 (playwright chromium v1255)")
    print(f"  Install location:    {root}/chromium-1255")
    print("  Download url:        https://cdn.example/chrome-linux64.zip")
    print("")
    print("Chrome Headless Shell 159.0.8154.6 (playwright chromium-headless-shell v1255)")
    print(f"  Install location:    {root}/chromium_headless_shell-1255")
    print("")
    """
)


def _fake_playwright(site):
    files = {"playwright/__init__.py": "", "playwright/__main__.py": MAIN}
    fake_distribution(site, "playwright", "1.65.3", files)


def _run(code_path, env, *args):
    return subprocess.run(
        [sys.executable, str(code_path), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_reports_missing_builds_and_the_interpreter_bound_command(fix_code, tmp_path):
    site, browsers = tmp_path / "site", tmp_path / "browsers"
    _fake_playwright(site)
    script = tmp_path / "check_playwright.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(site), PLAYWRIGHT_BROWSERS_PATH=str(browsers))

    result = _run(script, env)
    assert result.returncode == 0, result.stderr
    assert f"playwright 1.65.3 for {sys.executable}" in result.stdout
    assert "MISSING Chrome Headless Shell" in result.stdout
    assert str(browsers / "chromium_headless_shell-1255") in result.stdout
    assert f"{sys.executable} -m playwright install chromium" in result.stdout

    # folders without Playwright's INSTALLATION_COMPLETE marker: an interrupted download
    (browsers / "chromium-1255").mkdir(parents=True)
    (browsers / "chromium_headless_shell-1255").mkdir()
    result = _run(script, env)
    assert "MISSING" not in result.stdout
    assert "PARTIAL Chrome Headless Shell" in result.stdout
    assert "all expected builds are present" not in result.stdout
    assert f"{sys.executable} -m playwright install chromium" in result.stdout

    for build in ("chromium-1255", "chromium_headless_shell-1255"):
        (browsers / build / "INSTALLATION_COMPLETE").write_text("", encoding="utf-8")
    result = _run(script, env)
    assert result.returncode == 0
    assert "MISSING" not in result.stdout and "PARTIAL" not in result.stdout
    assert "all expected builds are present" in result.stdout


def test_interpreter_without_playwright(fix_code, tmp_path):
    script = tmp_path / "check_playwright.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # -S: without site-packages this interpreter has no Playwright, as on a machine that lacks it.
    result = subprocess.run(
        [sys.executable, "-S", str(script)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert f"playwright is not installed for {sys.executable}" in result.stdout
    assert "-m pip install playwright" in result.stdout


def test_real_playwright_if_installed(fix_code, tmp_path):
    """With a real Playwright: reproduce the launch error, then check the entry's report on it."""
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed in this interpreter")
    browsers = tmp_path / "empty-browsers"
    env = dict(os.environ, PLAYWRIGHT_BROWSERS_PATH=str(browsers))
    env.pop("PYTHONPATH", None)
    launch = subprocess.run(
        [
            sys.executable,
            "-c",
            "from playwright.sync_api import sync_playwright\n"
            "with sync_playwright() as p:\n    p.chromium.launch()\n",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert launch.returncode != 0
    assert "Executable doesn't exist at" in launch.stderr
    assert str(browsers) in launch.stderr

    script = tmp_path / "check_playwright.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _run(script, env)
    assert result.returncode == 0, result.stderr
    assert "MISSING" in result.stdout
    assert f"{sys.executable} -m playwright install chromium" in result.stdout
