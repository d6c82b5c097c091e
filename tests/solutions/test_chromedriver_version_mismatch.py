"""Verified fix for solutions/chromedriver-version-mismatch.md.

The real mismatch (chromedriver 150 from chromedriver-py, Debian chromium 156, selenium 4.51) was
reproduced by hand when the entry was written; CI has no browser, so this test uses stand-in
`chromium` and `chromedriver` executables that print the real `--version` formats, and runs the
entry's own check (Option 1): it must flag a stale driver that comes first on PATH, and pass once
only a matching driver is left.
"""

import os
import subprocess
import sys

import pytest

SLUG = "chromedriver-version-mismatch"
pytestmark = pytest.mark.skipif(os.name == "nt", reason="stand-in executables are shell scripts")


def _exe(folder, name, output):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{output}'\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def _check(fix_code, tmp_path, path_dirs):
    script = tmp_path / "check_chromedriver.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    env = dict(os.environ, PATH=os.pathsep.join(str(d) for d in path_dirs), HOME=str(tmp_path / "home"))
    return subprocess.run(
        [sys.executable, str(script), str(tmp_path / "browser" / "chromium")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_flags_a_stale_driver_first_on_path_then_passes(fix_code, tmp_path):
    _exe(tmp_path / "browser", "chromium", "Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)")
    stale = _exe(
        tmp_path / "old",
        "chromedriver",
        "ChromeDriver 150.0.7871.124 (9261fd0a595ac4964ea84e6bd4a025c1173a2ffa-refs/branch-heads/7871@{#3359})",
    )
    _exe(
        tmp_path / "new", "chromedriver", "ChromeDriver 156.0.8078.114 (ea19aaaa-refs/branch-heads/8078@{#1})"
    )

    result = _check(fix_code, tmp_path, [tmp_path / "old", tmp_path / "new"])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "-> 156.0.8078.114 (major 156)" in result.stdout
    assert f"MISMATCH chromedriver 150.0.7871.124: {stale}" in result.stdout
    assert "remove or rename the mismatched one(s) on PATH" in result.stdout

    stale.rename(stale.with_name("chromedriver.old"))  # the entry's fix
    result = _check(fix_code, tmp_path, [tmp_path / "old", tmp_path / "new"])
    assert result.returncode == 0, result.stdout
    assert "ok       chromedriver 156.0.8078.114" in result.stdout
    assert "MISMATCH" not in result.stdout


def test_reports_stale_driver_in_the_webdriver_manager_cache(fix_code, tmp_path):
    _exe(tmp_path / "browser", "chromium", "Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)")
    _exe(
        tmp_path / "home" / ".wdm" / "drivers" / "chromedriver" / "linux64" / "114.0.5735.90",
        "chromedriver",
        "ChromeDriver 114.0.5735.90 (386bc09e8f4f2e025eddae123f36f6263096ae49-refs/branch-heads/5735@{#1052})",
    )
    result = _check(fix_code, tmp_path, [tmp_path / "empty"])
    assert "MISMATCH chromedriver 114.0.5735.90" in result.stdout
