"""Verified fix for solutions/selenium-driver-not-found.md.

The project does not install Selenium or a browser, so the tests build a fake `selenium` in tmp_path
shaped like the real wheels (dist-info, `selenium/common/exceptions.py` with the real message
formatting, `selenium/webdriver/common/<platform>/selenium-manager` in 4.51) whose `webdriver.Chrome`
looks the driver up the way each release does and raises the messages reproduced with the real
selenium 4.5.0 and 4.51.0 (PATH without chromedriver, SE_OFFLINE=true, a mode-644 driver, a wrong
binary_location). Stand-in `chromedriver` and `chromium` executables print the real `--version`
lines. Each test reproduces the error, runs the entry's Option 1 script with the same PATH and HOME,
and then runs the code it printed, which must start the fake driver with the fake browser.
"""

import os

from fake_site import fake_distribution
from pyrun import last_line, run_args, run_python

SLUG = "selenium-driver-not-found"

DOCS = "For documentation on this error, please visit: https://www.selenium.dev/documentation/webdriver/troubleshooting/errors"
DRIVER_VERSION = (
    "ChromeDriver 156.0.8078.114 (ea19f9737303a76e07b53c6a1eec43355aca3b1d-refs/branch-heads/8078_108@{#5})"
)
BROWSER_VERSION = "Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)"

EXCEPTIONS = """
SUPPORT_MSG = "For documentation on this error, please visit:"
ERROR_URL = "https://www.selenium.dev/documentation/webdriver/troubleshooting/errors"


class WebDriverException(Exception):
    def __init__(self, msg=None, screen=None, stacktrace=None):
        super().__init__()
        self.msg = msg

    def __str__(self):
        return f"Message: {self.msg}\\n"


class SessionNotCreatedException(WebDriverException):
    pass


class NoSuchDriverException(WebDriverException):
    def __init__(self, msg=None, screen=None, stacktrace=None):
        super().__init__(f"{msg}; {SUPPORT_MSG} {ERROR_URL}/driver_location", screen, stacktrace)
"""

OPTIONS = """
class Options:
    def __init__(self):
        self.binary_location = ""
        self.arguments = []

    def add_argument(self, argument):
        self.arguments.append(argument)
"""

SERVICE = """
class Service:
    def __init__(self, executable_path=None, port=0):
        self.path = executable_path
"""

# what chromedriver does once started: find the browser (binary_location, else by name on PATH)
START = """
import os
import shutil
import subprocess

from selenium.common.exceptions import SessionNotCreatedException


def start(driver, options):
    subprocess.run([driver, "--version"], check=True, capture_output=True)
    binary = options.binary_location if options else ""
    if binary and not os.path.isfile(binary):
        raise SessionNotCreatedException(f"session not created\\nfrom unknown error: no chrome binary at {binary}")
    binary = binary or shutil.which("chromium") or shutil.which("google-chrome")
    if not binary:
        raise SessionNotCreatedException("session not created\\nfrom unknown error: cannot find Chrome binary")
    print("STARTED", driver, binary)
"""

# selenium 4.5.0: PATH lookup only (common/service.py, the errno checks of _start_process)
WEBDRIVER_45 = """
import os
import shutil

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome._start import start

HINT = "Please see https://chromedriver.chromium.org/home"


class WebDriver:
    def __init__(self, executable_path="chromedriver", options=None, service=None):
        path = service.path if service else executable_path
        found = shutil.which(path)
        if found is None:
            folders = os.environ.get("PATH", "").split(os.pathsep)
            if os.path.isfile(path) or any(os.path.isfile(os.path.join(d, path)) for d in folders):
                raise WebDriverException(f"'{os.path.basename(path)}' executable may have wrong permissions. {HINT}")
            raise WebDriverException(f"'{os.path.basename(path)}' executable needs to be in PATH. {HINT}")
        start(found, options)
"""

# selenium 4.51.0: a Service path is used as given, else Selenium Manager (here: offline, PATH only)
WEBDRIVER_451 = """
import os
import shutil
from pathlib import Path

from selenium.common.exceptions import NoSuchDriverException, WebDriverException
from selenium.webdriver.chrome._start import start


class WebDriver:
    def __init__(self, options=None, service=None):
        path = service.path if service else None
        try:
            if path:
                if not Path(path).is_file():
                    raise ValueError(f"The path is not a valid file: {path}")
            else:
                path = shutil.which("chromedriver") or ""
                if os.environ.get("SE_OFFLINE") != "true":
                    raise WebDriverException("Unsuccessful command executed: selenium-manager --browser chrome")
                if not Path(path).is_file():
                    raise ValueError(f"The driver path is not a valid file: {path}")
        except Exception as err:
            raise NoSuchDriverException("Unable to obtain driver for chrome") from err
        if not os.access(path, os.X_OK):
            raise WebDriverException(f"'{os.path.basename(path)}' executable may have wrong permissions.")
        start(path, options)
"""

MANAGER_FOLDERS = ("linux-x86_64", "linux-arm64", "macos")


def _fake_selenium(site, version, *, manager=True):
    new = version == "4.51.0"  # Selenium Manager era; "4.5.0" is the PATH-only era
    files = {
        "selenium/__init__.py": f"__version__ = {version!r}\n",
        "selenium/common/__init__.py": "",
        "selenium/common/exceptions.py": EXCEPTIONS,
        "selenium/webdriver/__init__.py": (
            "from selenium.webdriver.chrome.webdriver import WebDriver as Chrome\n"
            "from selenium.webdriver.chrome.options import Options as ChromeOptions\n"
        ),
        "selenium/webdriver/common/__init__.py": "",
        "selenium/webdriver/chrome/__init__.py": "",
        "selenium/webdriver/chrome/options.py": OPTIONS,
        "selenium/webdriver/chrome/service.py": SERVICE,
        "selenium/webdriver/chrome/_start.py": START,
        "selenium/webdriver/chrome/webdriver.py": WEBDRIVER_451 if new else WEBDRIVER_45,
    }
    if new and manager:
        for folder in MANAGER_FOLDERS:
            files[f"selenium/webdriver/common/{folder}/selenium-manager"] = "stand-in\n"
    fake_distribution(site, "selenium", version, files, top_level="selenium")


def _exe(path, output, mode=0o755):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '{output}'\n", encoding="utf-8")
    path.chmod(mode)
    return path


def _machine(tmp_path, version, **kw):
    """A fake selenium, a browser on PATH, a chromedriver in Selenium Manager's cache but not on PATH."""
    site = tmp_path / "site"
    _fake_selenium(site, version, **kw)
    browser = _exe(tmp_path / "browser" / "chromium", BROWSER_VERSION)
    home = tmp_path / "home"
    cached = _exe(
        home / ".cache" / "selenium" / "chromedriver" / "linux64" / "156.0.8078.114" / "chromedriver",
        DRIVER_VERSION,
    )
    env = {"PATH": os.pathsep.join([str(tmp_path / "bin"), str(browser.parent)]), "HOME": str(home)}
    (tmp_path / "bin").mkdir()
    return site, env, browser, cached


def _doctor(fix_code, tmp_path, site, env):
    script = tmp_path / "selenium_doctor.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return run_args([str(script)], site, tmp_path, env=env)


def _printed_code(output: str) -> str:
    start = output.index("--- pass them explicitly")
    block = output[start:].split("\n", 1)[1]
    return block[: block.index("\n---")]


def _assert_starts(code, tmp_path, site, env, driver, browser):
    """The code the doctor printed starts the (stand-in) browser with that driver."""
    started = run_python(code, cwd=tmp_path, path=site, env=env)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == f"STARTED {driver} {browser}"


def test_selenium_45_path_error_then_printed_code_starts(fix_code, tmp_path):
    site, env, browser, cached = _machine(tmp_path, "4.5.0")
    failing = "from selenium import webdriver\nwebdriver.Chrome()\n"
    result = run_python(failing, cwd=tmp_path, path=site, env=env)
    assert last_line(result) == (
        "selenium.common.exceptions.WebDriverException: Message: 'chromedriver' executable needs to be in PATH. "
        "Please see https://chromedriver.chromium.org/home"
    )

    report = _doctor(fix_code, tmp_path, site, env)
    assert report.returncode == 0, report.stdout + report.stderr
    assert "selenium: 4.5.0" in report.stdout
    assert "none before selenium 4.6" in report.stdout
    assert f"driver    {cached} {DRIVER_VERSION}" in report.stdout
    assert f"browser  {browser} {BROWSER_VERSION}" in report.stdout
    code = _printed_code(report.stdout)
    assert f"Service(executable_path='{cached}')" in code
    _assert_starts(code, tmp_path, site, env, cached, browser)


def test_selenium_451_offline_no_such_driver_then_printed_code_starts(fix_code, tmp_path):
    site, env, browser, cached = _machine(tmp_path, "4.51.0")
    env["SE_OFFLINE"] = "true"
    failing = "from selenium import webdriver\nwebdriver.Chrome()\n"
    result = run_python(failing, cwd=tmp_path, path=site, env=env)
    assert last_line(result) == (
        "selenium.common.exceptions.NoSuchDriverException: Message: Unable to obtain driver for chrome; "
        f"{DOCS}/driver_location"
    )
    assert "ValueError: The driver path is not a valid file: " in result.stderr

    report = _doctor(fix_code, tmp_path, site, env)
    assert report.returncode == 0, report.stdout + report.stderr
    assert "selenium: 4.51.0" in report.stdout
    assert "/selenium/webdriver/common/" in report.stdout.split("Selenium Manager: ")[1].splitlines()[0]
    assert "SE_OFFLINE=true: Selenium Manager downloads nothing" in report.stdout
    code = _printed_code(report.stdout)
    assert f"options.binary_location = '{browser}'" in code
    _assert_starts(code, tmp_path, site, env, cached, browser)


def test_non_executable_driver_is_flagged_and_chmod_fixes_it(fix_code, tmp_path):
    site, env, browser, _ = _machine(tmp_path, "4.51.0")
    stale = _exe(tmp_path / "bin" / "chromedriver", DRIVER_VERSION, mode=0o644)
    failing = (
        "from selenium import webdriver\nfrom selenium.webdriver.chrome.service import Service\n"
        f"webdriver.Chrome(service=Service({str(stale)!r}))\n"
    )
    result = run_python(failing, cwd=tmp_path, path=site, env=env)
    assert last_line(result) == (
        "selenium.common.exceptions.WebDriverException: Message: 'chromedriver' executable may have wrong permissions."
    )

    report = _doctor(fix_code, tmp_path, site, env)
    assert f"NOT EXECUTABLE {stale}" in report.stdout
    assert f"fix: chmod +x {stale}" in report.stdout
    assert f"'{stale}'" not in _printed_code(report.stdout)  # the unusable driver is never suggested

    stale.chmod(0o755)  # the printed fix
    report = _doctor(fix_code, tmp_path, site, env)
    assert "NOT EXECUTABLE" not in report.stdout
    code = _printed_code(report.stdout)
    assert f"Service(executable_path='{stale}')" in code  # PATH comes first
    _assert_starts(code, tmp_path, site, env, stale, browser)


def test_missing_selenium_manager_and_missing_browser_are_reported(fix_code, tmp_path):
    site, env, browser, cached = _machine(tmp_path, "4.51.0", manager=False)
    browser.unlink()
    failing = (
        "from selenium import webdriver\nfrom selenium.webdriver.chrome.service import Service\n"
        "options = webdriver.ChromeOptions()\noptions.binary_location = '/opt/google/chrome/chrome'\n"
        f"webdriver.Chrome(service=Service({str(cached)!r}), options=options)\n"
    )
    result = run_python(failing, cwd=tmp_path, path=site, env=env)
    assert "from unknown error: no chrome binary at /opt/google/chrome/chrome" in result.stderr

    report = _doctor(fix_code, tmp_path, site, env)
    assert report.returncode == 1, report.stdout + report.stderr
    assert "Selenium Manager: NOT AVAILABLE (missing: looked for " in report.stdout
    assert "browser  NOT FOUND (chrome)" in report.stdout
    assert "set options.binary_location to its executable" in report.stdout
    assert "options.binary_location" not in _printed_code(report.stdout)
