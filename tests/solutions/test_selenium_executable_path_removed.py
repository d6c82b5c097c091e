"""Verified fix for solutions/selenium-executable-path-removed.md.

The project does not install Selenium, so two releases are faked in tmp_path with the constructor
signatures of the real wheels (read on selenium 4.9.1 and 4.10.0): 4.9.1's `webdriver.Chrome` still
takes `executable_path`, `chrome_options`, `desired_capabilities`, ... and has `find_element_by_*`
(gone since 4.3.0, kept here only in the old fake); 4.10.0's takes only `options`, `service`,
`keep_alive`. The fake driver "starts" by printing the driver path and the browser arguments, and
answers `get`/`title`/`find_element` from the page's HTML. The tests reproduce the real TypeError and
AttributeError texts in a child interpreter, check the entry lists them, then run the entry's own
Option 1 code against both releases.
"""

from pathlib import Path

import pytest
from fake_site import write_file
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "selenium-executable-path-removed"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

BY = 'class By:\n    ID = "id"\n    XPATH = "xpath"\n    TAG_NAME = "tag name"\n    CSS_SELECTOR = "css selector"\n'

OPTIONS = """
class Options:
    _ignore_local_proxy = False

    def __init__(self):
        self.arguments = []
        self.capabilities = {"browserName": "chrome"}

    def add_argument(self, argument):
        self.arguments.append(argument)

    def set_capability(self, name, value):
        self.capabilities[name] = value
"""

SERVICE = """
DEFAULT_EXECUTABLE_PATH = "chromedriver"


class Service:
    def __init__(self, executable_path=DEFAULT_EXECUTABLE_PATH, port=0, service_args=None, log_path=None, env=None, **kwargs):
        self.path = executable_path
        self.service_args = list(service_args or [])
"""

REMOTE = """
import re
import sys
from urllib.parse import unquote


class WebElement:
    def __init__(self, text):
        self.text = text


class WebDriver:
    def _start(self, service, options):
        options._ignore_local_proxy  # what 4.10 reads first from options (a str there fails)
        print("started", service.path, "with", " ".join(options.arguments), file=sys.stderr)
        self._html = ""

    def get(self, url):
        self._html = unquote(url.split(",", 1)[1]) if url.startswith("data:") else ""

    @property
    def title(self):
        found = re.search(r"<title>([^<]*)", self._html)
        return found.group(1) if found else ""

    def find_element(self, by="id", value=None):
        tag = value[2:] if by == "xpath" and value.startswith("//") else value
        found = re.search(rf"<{tag}\\b[^>]*>([^<]*)", self._html) if by in ("xpath", "tag name") else None
        if found is None:
            raise LookupError(f"no such element: {by} {value}")
        return WebElement(found.group(1))

    def quit(self):
        print("quit", file=sys.stderr)
{old_locators}
"""

OLD_LOCATORS = """
    def find_element_by_xpath(self, xpath):
        return self.find_element(by="xpath", value=xpath)
"""

CHROME_4_10 = """
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver as RemoteWebDriver


class WebDriver(RemoteWebDriver):
    def __init__(
        self,
        options: Options = None,
        service: Service = None,
        keep_alive: bool = True,
    ) -> None:
        self._start(service or Service(), options or Options())
"""

CHROME_4_9 = """
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver as RemoteWebDriver

DEFAULT_EXECUTABLE_PATH = "chromedriver"


class WebDriver(RemoteWebDriver):
    def __init__(
        self,
        executable_path=DEFAULT_EXECUTABLE_PATH,
        port=0,
        options: Options = None,
        service_args=None,
        desired_capabilities=None,
        service_log_path=None,
        chrome_options=None,
        service: Service = None,
        keep_alive=None,
    ) -> None:
        if service is None:
            service = Service(executable_path, port, service_args, service_log_path)
        self._start(service, options or chrome_options or Options())
"""


def _selenium(tmp_path: Path, version: str) -> Path:
    """A fake selenium `version` ("4.9.1" or "4.10.0") in tmp_path/site."""
    site = tmp_path / "site"
    pkg = site / "selenium"
    write_file(pkg / "__init__.py", f'__version__ = "{version}"\n')
    write_file(
        pkg / "webdriver" / "__init__.py",
        "from .chrome.options import Options as ChromeOptions  # noqa\n"
        "from .chrome.webdriver import WebDriver as Chrome  # noqa\n"
        "from .remote.webdriver import WebDriver as Remote  # noqa\n",
    )
    write_file(pkg / "webdriver" / "common" / "__init__.py")
    write_file(pkg / "webdriver" / "common" / "by.py", BY)
    write_file(pkg / "webdriver" / "remote" / "__init__.py")
    old = version == "4.9.1"
    write_file(
        pkg / "webdriver" / "remote" / "webdriver.py",
        REMOTE.replace("{old_locators}", OLD_LOCATORS if old else ""),
    )
    write_file(pkg / "webdriver" / "chrome" / "__init__.py")
    write_file(pkg / "webdriver" / "chrome" / "options.py", OPTIONS)
    write_file(pkg / "webdriver" / "chrome" / "service.py", SERVICE)
    write_file(pkg / "webdriver" / "chrome" / "webdriver.py", CHROME_4_9 if old else CHROME_4_10)
    return site


OLD_CODE = {
    "executable_path": (
        "from selenium import webdriver\noptions = webdriver.ChromeOptions()\n"
        "driver = webdriver.Chrome(executable_path='/usr/bin/chromedriver', chrome_options=options)\n"
    ),
    "chrome_options": (
        "from selenium import webdriver\ndriver = webdriver.Chrome(chrome_options=webdriver.ChromeOptions())\n"
    ),
    "desired_capabilities": (
        "from selenium import webdriver\ndriver = webdriver.Chrome(desired_capabilities={'browserName': 'chrome'})\n"
    ),
    "positional": "from selenium import webdriver\ndriver = webdriver.Chrome('/usr/bin/chromedriver')\n",
    "find_element_by_xpath": (
        "from selenium import webdriver\nfrom selenium.webdriver.chrome.service import Service\n"
        "driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'))\n"
        "driver.get('data:text/html,<p>hi</p>')\ndriver.find_element_by_xpath('//p')\n"
    ),
}

EXPECTED_4_10 = {
    "executable_path": "TypeError: WebDriver.__init__() got an unexpected keyword argument 'executable_path'",
    "chrome_options": "TypeError: WebDriver.__init__() got an unexpected keyword argument 'chrome_options'",
    "desired_capabilities": "TypeError: WebDriver.__init__() got an unexpected keyword argument 'desired_capabilities'",
    "positional": "AttributeError: 'str' object has no attribute '_ignore_local_proxy'",
    "find_element_by_xpath": "AttributeError: 'WebDriver' object has no attribute 'find_element_by_xpath'",
}


@pytest.mark.parametrize("case", sorted(OLD_CODE))
def test_old_code_fails_on_4_10_and_runs_on_4_9(tmp_path, case):
    new_site = _selenium(tmp_path / "new", "4.10.0")
    result = run_python(OLD_CODE[case], cwd=tmp_path, path=new_site)
    assert result.returncode != 0
    assert last_line(result) == EXPECTED_4_10[case]
    entry = parse_entry(MD)
    if case == "positional":  # too generic for a signature (other libraries print it): named in Symptom only
        assert f"`{EXPECTED_4_10[case]}` (4.10)" in entry.symptom
    else:
        assert EXPECTED_4_10[case] in entry.errors  # the entry answers the text the fake prints
    if (
        case != "positional"
    ):  # 4.9.1 took the path as its first argument too, but the fake does not model that
        old_site = _selenium(tmp_path / "old", "4.9.1")
        result = run_python(OLD_CODE[case], cwd=tmp_path, path=old_site)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("version", ["4.10.0", "4.9.1"])
def test_option1_starts_the_driver(fix_code, tmp_path, version):
    site = _selenium(tmp_path, version)
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok hi\n"
    assert "started /usr/bin/chromedriver with --headless=new --no-sandbox" in result.stderr
    assert "quit" in result.stderr
