"""Verified fix for solutions/duckduckgo-search-ratelimit.md.

duckduckgo_search / ddgs are not in the project venv, so `duckduckgo_search` is a fake in tmp_path whose
exceptions.py is the real 8.1.1 one and whose `DDGS._get_url` / `text` / `_text_html` copy the raising
logic of duckduckgo_search 7.5.5 / 8.0.0 (duckduckgo_search.py: 200 returns the response; 202, 301, 403,
400, 429, 418 raise `RatelimitException(f"{resp.url} {resp.status_code} Ratelimit")`; text() tries the
backends and re-raises the last error as `DuckDuckGoSearchException(err)`). The fake sends the real
request to a local HTTP server (the host of https://html.duckduckgo.com is mapped to it by FAKE_DDG_BASE)
that answers 202 or 200 from a script. The tests reproduce both wordings in a child interpreter, then run
the entry's Option 1 code against the server: two rate-limited attempts then 200 return results after two retries (and
caches them), always 202 gives up after N attempts with the original error; no network.
"""

import textwrap
from pathlib import Path

from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "duckduckgo-search-ratelimit"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

EXCEPTIONS = '''
class DuckDuckGoSearchException(Exception):
    """Base exception class for duckduckgo_search."""


class RatelimitException(DuckDuckGoSearchException):
    """Raised for rate limit exceeded errors during API requests."""


class TimeoutException(DuckDuckGoSearchException):
    """Raised for timeout errors during API requests."""


class ConversationLimitException(DuckDuckGoSearchException):
    """Raised for conversation limit during API requests to AI endpoint."""
'''

DDGS = """
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from random import shuffle

from .exceptions import DuckDuckGoSearchException, RatelimitException, TimeoutException

logger = logging.getLogger("duckduckgo_search.DDGS")


class _Resp:
    def __init__(self, url, status_code, content):
        self.url, self.status_code, self.content = url, status_code, content


class DDGS:
    def __init__(self, timeout=10):
        self.timeout = timeout

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def _request(self, method, url, data):
        parts = urllib.parse.urlsplit(url)
        local = os.environ["FAKE_DDG_BASE"] + parts.path  # the real URL, served by the local test server
        body = urllib.parse.urlencode(data or {}).encode()
        req = urllib.request.Request(local, data=body, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return _Resp(url, r.status, r.read())
        except urllib.error.HTTPError as e:
            return _Resp(url, e.code, e.read())

    def _get_url(self, method, url, params=None, content=None, data=None):
        try:
            resp = self._request(method, url, data)
        except Exception as ex:
            if "time" in str(ex).lower():
                raise TimeoutException(f"{url} {type(ex).__name__}: {ex}") from ex
            raise DuckDuckGoSearchException(f"{url} {type(ex).__name__}: {ex}") from ex
        logger.debug(f"_get_url() {resp.url} {resp.status_code}")
        if resp.status_code == 200:
            return resp
        elif resp.status_code in (202, 301, 403, 400, 429, 418):
            raise RatelimitException(f"{resp.url} {resp.status_code} Ratelimit")
        raise DuckDuckGoSearchException(f"{resp.url} return None. {params=} {content=} {data=}")

    def text(self, keywords, region="wt-wt", safesearch="moderate", timelimit=None, backend="auto", max_results=None):
        backends = ["html", "lite"] if backend == "auto" else [backend]
        shuffle(backends)
        results, err = [], None
        for b in backends:
            try:
                if b == "html":
                    results = self._text_html(keywords, region, timelimit, max_results)
                elif b == "lite":
                    results = self._text_lite(keywords, region, timelimit, max_results)
                return results
            except Exception as ex:
                logger.info(f"Error to search using {b} backend: {ex}")
                err = ex

        raise DuckDuckGoSearchException(err)

    def _text_html(self, keywords, region="wt-wt", timelimit=None, max_results=None):
        payload = {"q": keywords, "s": "0", "o": "json", "api": "d.js", "vqd": "", "kl": region, "bing_market": region}
        resp = self._get_url("POST", "https://html.duckduckgo.com/html", data=payload)
        lines = resp.content.decode().splitlines()
        return [{"title": t, "href": "https://example.org/" + t, "body": t} for t in lines][:max_results]

    def _text_lite(self, keywords, region="wt-wt", timelimit=None, max_results=None):
        resp = self._get_url("POST", "https://lite.duckduckgo.com/lite/", data={"q": keywords, "kl": region})
        return [{"title": t, "href": "", "body": t} for t in resp.content.decode().splitlines()][:max_results]
"""

SERVER = """
import os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATUSES = [int(s) for s in os.environ.get("FAKE_DDG_SCRIPT", "202").split(",")]
HITS = []


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        status = STATUSES[min(len(HITS), len(STATUSES) - 1)]
        HITS.append((self.path, status))
        body = b"Python\\nPython docs" if status == 200 else b"<html>anomaly-modal captcha</html>"
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
os.environ["FAKE_DDG_BASE"] = "http://127.0.0.1:%d" % srv.server_address[1]
"""


def _site(tmp_path):
    pkg = tmp_path / "site" / "duckduckgo_search"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .duckduckgo_search import DDGS\n__version__ = '8.0.0'\n")
    (pkg / "exceptions.py").write_text(textwrap.dedent(EXCEPTIONS))
    (pkg / "duckduckgo_search.py").write_text(textwrap.dedent(DDGS))
    return tmp_path / "site"


def test_reproduces_the_ratelimit_wordings(tmp_path):
    site = _site(tmp_path)
    errors = parse_entry(ENTRY).errors
    direct = SERVER + "from duckduckgo_search import DDGS\nDDGS()._text_html('python')\n"
    result = run_python(direct, cwd=tmp_path, path=site)
    assert result.returncode != 0
    assert (
        last_line(result) == errors[0]
    )  # RatelimitException: https://html.duckduckgo.com/html 202 Ratelimit
    wrapped = SERVER + "from duckduckgo_search import DDGS\nDDGS().text('python', backend='html')\n"
    result = run_python(wrapped, cwd=tmp_path, path=site)
    assert last_line(result) == errors[4]  # DuckDuckGoSearchException: ... 202 Ratelimit
    ok = SERVER + "from duckduckgo_search import DDGS\nprint(DDGS().text('python', backend='lite'))\n"
    result = run_python(ok, cwd=tmp_path, path=site, env={"FAKE_DDG_SCRIPT": "200"})
    assert result.returncode == 0, result.stderr
    assert "'title': 'Python'" in result.stdout


def test_option1_demo_runs_offline(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("rate limited (") == 2
    assert result.stdout.rstrip().endswith("calls: 3")


CHECK = """
from fix import search_with_backoff, _cache

delays = []
try:
    out = search_with_backoff("python", max_results=2, attempts=ATTEMPTS, base=1.0, sleep=delays.append)
    print("results:", [r["title"] for r in out])
    again = search_with_backoff("python", max_results=2, attempts=ATTEMPTS, base=1.0, sleep=delays.append)
    print("cached:", again is out)
except Exception as exc:
    print("gave up:", type(exc).__name__, exc)
print("delays:", len(delays), all(0.5 * 2 ** i <= d <= 2 ** i for i, d in enumerate(delays)))
print("hits:", len(HITS), [s for _, s in HITS])
"""


def _run_option1(fix_code, tmp_path, attempts: int, statuses: str):
    """Option 1's wrapper, published as is, against the fake server answering `statuses` in turn."""
    site = _site(tmp_path)
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    code = SERVER + CHECK.replace("ATTEMPTS", str(attempts))
    result = run_python(code, cwd=tmp_path, path=[site, tmp_path], env={"FAKE_DDG_SCRIPT": statuses})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_option1_retries_then_returns_results(fix_code, tmp_path):
    stdout = _run_option1(fix_code, tmp_path, 4, "202,202,202,202,200")
    assert "results: ['Python', 'Python docs']" in stdout
    assert "cached: True" in stdout
    assert "delays: 2 True" in stdout
    # two failed attempts (each tries html and lite), then the third attempt gets 200
    assert "hits: 5 [202, 202, 202, 202, 200]" in stdout


def test_option1_gives_up_after_n_attempts(fix_code, tmp_path):
    stdout = _run_option1(fix_code, tmp_path, 3, "202")
    # ddgs is absent here, so the default search falls back to duckduckgo_search; its text() wraps the error
    assert "gave up: DuckDuckGoSearchException https://" in stdout
    assert "202 Ratelimit" in stdout
    assert "delays: 2 True" in stdout
    assert "hits: 6 [202, 202, 202, 202, 202, 202]" in stdout  # 3 attempts x (html + lite)


def test_option1_does_not_retry_other_errors(fix_code, tmp_path):
    stdout = _run_option1(fix_code, tmp_path, 4, "500")
    assert "gave up: DuckDuckGoSearchException" in stdout
    assert "return None." in stdout
    assert "delays: 0 True" in stdout
