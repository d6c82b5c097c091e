"""Verified fix for solutions/search-tool-api-key-invalid.md.

The project does not install tavily-python, so the tests write a fake `tavily` package into tmp_path
with the shape of the real tavily-python 0.8.5: `tavily/errors.py` with InvalidAPIKeyError and
UsageLimitExceededError, and `TavilyClient(api_key=..., api_base_url=...)` whose `search()` posts to
`<base>/search` with `Authorization: Bearer <key>` and whose `_handle_error_response` raises
`InvalidAPIKeyError(body["detail"]["error"])` for a 401 (copied from tavily/tavily.py 0.8.5). A local
HTTP server answers with the services' real error bodies (Tavily 401, SerpApi 401, Exa 401, Brave
422 SUBSCRIPTION_TOKEN_INVALID). The tests reproduce the error in a child interpreter, feed the
traceback to the matcher, then run the entry's Options 1-3 against the same server.
"""

import json

from answers import assert_answers
from fake_http import json_server
from fake_site import write_files
from pyrun import last_line, run_args, run_python, script_names

SLUG = "search-tool-api-key-invalid"

GOOD_KEY = "tvly-good0123456789abcdef"
BAD_KEY = "tvly-bad00123456789abcdef0zyxw"
BRAVE_KEY = "BSA0123456789abcdefghijklmnopqrs"
EXA_KEY = "4f9a2c1e-0123-4567-89ab-0123456789ab"
TAVILY_401 = {"detail": {"error": "Unauthorized: missing or invalid API key."}}
SERPAPI_401 = {"error": "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key"}
EXA_401 = {
    "requestId": "96f14cde7afe3470f566da32bf5bf461",
    "error": "Invalid API key",
    "tag": "INVALID_API_KEY",
}
BRAVE_422 = {
    "error": {
        "code": "SUBSCRIPTION_TOKEN_INVALID",
        "detail": "The provided subscription token is invalid.",
        "meta": {"component": "authentication"},
        "status": 422,
    }
}

TAVILY_ERRORS = """
class UsageLimitExceededError(Exception):
    def __init__(self, message: str):
        super().__init__(message)


class ForbiddenError(Exception):
    def __init__(self, message: str):
        super().__init__(message)


class BadRequestError(Exception):
    def __init__(self, message: str):
        super().__init__(message)


class InvalidAPIKeyError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
"""

TAVILY_CLIENT = """
import json
import os

import requests

from .errors import BadRequestError, ForbiddenError, InvalidAPIKeyError, UsageLimitExceededError


class TavilyClient:
    def __init__(self, api_key=None, api_base_url=None):
        if api_key is None:
            api_key = os.getenv("TAVILY_API_KEY")
        self.api_key = api_key or None
        self.base_url = api_base_url or "https://api.tavily.com"
        self.session = requests.Session()
        self.session.headers["Content-Type"] = "application/json"
        if self.api_key:
            self.session.headers["Authorization"] = f"Bearer {self.api_key}"

    def _handle_error_response(self, response) -> None:
        try:
            body = response.json()
        except Exception:
            body = None
        detail = ""
        if isinstance(body, dict):
            try:
                detail = body.get("detail", {}).get("error", None) or ""
            except Exception:
                detail = ""
        if response.status_code == 429:
            raise UsageLimitExceededError(detail)
        elif response.status_code in [403, 432, 433]:
            raise ForbiddenError(detail)
        elif response.status_code == 401:
            raise InvalidAPIKeyError(detail)
        elif response.status_code == 400:
            raise BadRequestError(detail)
        else:
            raise response.raise_for_status()

    def search(self, query, max_results=5):
        data = {"query": query, "max_results": max_results}
        response = self.session.post(self.base_url + "/search", data=json.dumps(data), timeout=60)
        if response.status_code == 200:
            return response.json()
        self._handle_error_response(response)
"""


def _tavily_site(tmp_path):
    site = tmp_path / "site"
    write_files(
        site,
        {
            "tavily/__init__.py": "from .tavily import TavilyClient\nfrom .errors import InvalidAPIKeyError\n",
            "tavily/errors.py": TAVILY_ERRORS,
            "tavily/tavily.py": TAVILY_CLIENT,
        },
    )
    return site


def _services(request):
    """One fake server for every service: only GOOD_KEY is accepted by the fake Tavily (/search, and /usage,
    which the preflight calls instead of a search)."""
    path = request.path.split("?")[0]
    if path in ("/search", "/usage") and request.headers.get("Authorization") is not None:  # Tavily
        if request.headers["Authorization"] == f"Bearer {GOOD_KEY}":
            return 200, {"query": "test", "results": [{"url": "https://example.com", "title": "t"}]}
        return 401, TAVILY_401
    if path == "/account.json":  # SerpApi
        return 401, SERPAPI_401
    if path == "/res/v1/web/search":  # Brave
        return 422, BRAVE_422
    if path == "/search" and request.headers.get("x-api-key"):  # Exa
        return 401, EXA_401
    return 404, {"error": "not found"}


REPRO = (
    "from tavily import TavilyClient\nTavilyClient(api_key={key!r}, api_base_url={url!r}).search('weather')\n"
)


def test_reproduces_invalid_api_key_and_the_matcher_answers_it(tmp_path, index):
    site = _tavily_site(tmp_path)
    with json_server(_services) as url:
        bad = run_python(REPRO.format(key=BAD_KEY, url=url), cwd=tmp_path, path=site)
        good = run_python(REPRO.format(key=GOOD_KEY, url=url), cwd=tmp_path, path=site)
    assert bad.returncode != 0
    assert "tavily/tavily.py" in bad.stderr
    assert last_line(bad) == "tavily.errors.InvalidAPIKeyError: Unauthorized: missing or invalid API key."
    assert good.returncode == 0, good.stderr
    assert_answers(index, SLUG, bad.stderr)
    serpapi = (
        "Traceback (most recent call last):\n"
        '  File "/app/agent.py", line 9, in <module>\n'
        "    print(search.run(query))\n"
        '  File "/app/.venv/lib/python3.11/site-packages/langchain_community/utilities/serpapi.py", line 134, '
        "in _process_response\n"
        "    raise ValueError(f\"Got error from SerpAPI: {res['error']}\")\n"
        f"ValueError: Got error from SerpAPI: {SERPAPI_401['error']}\n"
    )
    assert_answers(index, SLUG, serpapi)


def _preflight(tmp_path, code, url, env, *args):
    script = tmp_path / "search_preflight.py"
    script.write_text(code, encoding="utf-8")
    base = {f"SEARCH_PREFLIGHT_BASE_{name}": url for name in ("TAVILY", "SERPAPI", "SERPER", "BRAVE", "EXA")}
    clear = {
        name: None
        for name in (
            "TAVILY_API_KEY",
            "TAVILY_KEY",
            "SERPAPI_API_KEY",
            "SERPAPI_KEY",
            "SERPER_API_KEY",
            "BRAVE_SEARCH_API_KEY",
            "EXA_API_KEY",
        )
    }
    return run_args([str(script), *args], None, tmp_path, env={**clear, **base, **env})


def test_option1_preflight_names_the_rejected_keys_masked(fix_code, tmp_path):
    code = fix_code(SLUG, 1)
    with json_server(_services) as url:
        env = {
            "TAVILY_API_KEY": BAD_KEY,
            "SERPAPI_KEY": "0123456789abcdef0123456789abcdef",  # the serpapi package's example name
            "BRAVE_SEARCH_API_KEY": BRAVE_KEY,
            "EXA_API_KEY": EXA_KEY,
        }
        result = _preflight(tmp_path, code, url, env)
        assert result.returncode == 1, result.stderr
        out = result.stdout
        assert "tavily: TAVILY_API_KEY=tvly-…zyxw -> REJECTED (HTTP 401)" in out
        assert "Unauthorized: missing or invalid API key." in out
        assert "serpapi: SERPAPI_API_KEY is not set, but SERPAPI_KEY is: rename it to SERPAPI_API_KEY" in out
        assert "brave: BRAVE_SEARCH_API_KEY=BSA01…pqrs -> REJECTED (HTTP 422)" in out
        assert "exa: EXA_API_KEY=4f9a2…89ab -> REJECTED (HTTP 401)" in out
        assert BAD_KEY not in out and BRAVE_KEY not in out and EXA_KEY not in out  # keys only masked

        serp = _preflight(
            tmp_path, code, url, {"SERPAPI_API_KEY": "0123456789abcdef0123456789abcdef"}, "serpapi"
        )
        assert "serpapi: SERPAPI_API_KEY=01234…cdef -> REJECTED (HTTP 401): " in serp.stdout
        assert "Your API key should be here" in serp.stdout

        quoted = _preflight(tmp_path, code, url, {"TAVILY_API_KEY": f'"{GOOD_KEY}"'}, "tavily")
        assert quoted.returncode == 1
        assert "TAVILY_API_KEY still has quotes around it" in quoted.stdout
        other = _preflight(tmp_path, code, url, {"TAVILY_API_KEY": "0123456789abcdef0123"}, "tavily")
        assert "does not start with 'tvly-': a key of another service?" in other.stdout

        # the key only in .env of the working folder: loaded, accepted
        (tmp_path / ".env").write_text(f"TAVILY_API_KEY={GOOD_KEY}\n", encoding="utf-8")
        ok = _preflight(tmp_path, code, url, {})
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert ok.stdout.strip() == "tavily: TAVILY_API_KEY=tvly-…cdef -> ok"


def test_option2_cleans_a_quoted_padded_key_and_fails_clearly_without_one(fix_code, tmp_path, monkeypatch):
    code = fix_code(SLUG, 2)
    work = tmp_path / "work"
    work.mkdir()
    result = run_python(code, cwd=work, env={"TAVILY_API_KEY": None, "TAVILY_KEY": None})
    assert result.returncode == 0, result.stderr
    assert "TAVILY_API_KEY had quotes or whitespace around it: cleaned" in result.stderr
    assert "key ready: tvly-…cdef" in result.stdout
    assert "tvly-dev-0123456789abcdef" not in result.stdout + result.stderr

    # the cleaned key is the one the service accepts; the raw value is not
    site = _tavily_site(tmp_path)
    (work / ".env").write_text(
        f"TAVILY_API_KEY='\"{GOOD_KEY}\"'\n", encoding="utf-8"
    )  # quotes kept in the value
    use = code.split('if __name__ == "__main__":')[0] + (
        "from tavily import TavilyClient\n"
        "raw = os.environ.get('TAVILY_API_KEY')\n"
        "print(TavilyClient(api_key=search_key('TAVILY_API_KEY'), api_base_url=URL).search('x')['results'][0]['url'])\n"
        "TavilyClient(api_key=os.environ['TAVILY_API_KEY'], api_base_url=URL).search('x')\n"
    )
    with json_server(_services) as url:
        both = run_python(use.replace("URL", repr(url)), cwd=work, path=site, env={"TAVILY_API_KEY": None})
    assert "https://example.com" in both.stdout, both.stderr
    assert last_line(both) == "tavily.errors.InvalidAPIKeyError: Unauthorized: missing or invalid API key."

    # no key anywhere: a clear error naming the variable, before any request
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAVILY_API_KEY", raising=False)
    monkeypatch.delenv("TAVILY_KEY", raising=False)
    search_key = script_names(code)["search_key"]
    try:
        search_key("TAVILY_API_KEY", "TAVILY_KEY")
    except RuntimeError as exc:
        assert "TAVILY_API_KEY is not set in this process" in str(exc)
    else:
        raise AssertionError("search_key returned without a key")
    monkeypatch.setenv("TAVILY_KEY", GOOD_KEY)
    assert search_key("TAVILY_API_KEY", "TAVILY_KEY") == GOOD_KEY


def test_option3_stops_on_a_swallowed_401(fix_code, tmp_path):
    code = fix_code(SLUG, 3)
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "stopped: tavily: the service rejected the API key: "
        "ValueError('Error 401: Unauthorized: missing or invalid API key.')"
    )
    assert lines[1].startswith(
        "stopped: tavily: the service rejected the API key: HTTPError('401 Client Error"
    )
    assert lines[2] == "passed through: {'results': [{'url': 'https://example.com'}]}"

    # the real exception object a tool returns from the fake tavily client, and an Exa error text
    site = _tavily_site(tmp_path)
    names = code.split('if __name__ == "__main__":')[0]
    check = names + (
        "from tavily import TavilyClient\n"
        "try:\n"
        "    TavilyClient(api_key='tvly-x', api_base_url=URL).search('q')\n"
        "except Exception as e:\n"
        "    output = {'error': e}\n"
        "for out in (output, repr(ValueError('Request failed with status code 401: ' + EXA))):\n"
        "    try:\n"
        "        raise_if_key_rejected(out)\n"
        "    except SearchKeyRejected as exc:\n"
        "        print('stopped')\n"
        "print(raise_if_key_rejected('Python 3.13 was released in October 2024'))\n"
    )
    with json_server(_services) as url:
        done = run_python(
            check.replace("URL", repr(url)).replace("EXA", repr(json.dumps(EXA_401))), cwd=tmp_path, path=site
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["stopped", "stopped", "Python 3.13 was released in October 2024"]


class _Counting:
    """The services of `_services`, counting the requests; /account.json answers like a proxy's error page that
    shows the URL it was asked for (key included)."""

    def __init__(self):
        self.paths = []

    def __call__(self, request):
        self.paths.append(request.path.split("?")[0])
        if request.path.startswith("/account.json"):
            return 502, {"error": f"upstream failed for {request.path}"}
        return _services(request)


def test_option1_never_prints_a_key_nor_sends_a_malformed_one(fix_code, tmp_path):
    code = fix_code(SLUG, 1)
    server = _Counting()
    with json_server(server) as url:
        # a short key with a newline: the old message printed its first 12 characters, all of it
        padded = _preflight(tmp_path, code, url, {"TAVILY_API_KEY": "tvly-abc12\n"}, "tavily")
        assert "TAVILY_API_KEY has spaces or a newline around it" in padded.stdout
        assert "tvly-abc12" not in padded.stdout
        # a 13-character value: the old mask showed 9 of its 13 characters
        short = _preflight(tmp_path, code, url, {"TAVILY_API_KEY": "tvly-12345678"}, "tavily")
        assert "REJECTED (HTTP 401)" in short.stdout and "5678" not in short.stdout
        # a body that echoes the request URL (a proxy's error page): the key is blanked
        serp_key = "c0ffee" * 10 + "beef"
        echoed = _preflight(tmp_path, code, url, {"SERPAPI_API_KEY": serp_key}, "serpapi")
        assert echoed.returncode == 1
        assert "HTTP 502" in echoed.stdout and "api_key=***" in echoed.stdout
        assert serp_key not in echoed.stdout
        server.paths.clear()
        # a Tavily key in Serper's variable, a masked copy pasted as the key: no request, no traceback
        other = _preflight(tmp_path, code, url, {"SERPER_API_KEY": GOOD_KEY}, "serper")
        assert "SERPER_API_KEY = tvly-…cdef starts with 'tvly-': that is a tavily key" in other.stdout
        copied = _preflight(tmp_path, code, url, {"TAVILY_API_KEY": "tvly-…" + "a" * 20}, "tavily")
        assert copied.returncode == 1 and "Traceback" not in copied.stderr, copied.stderr
        assert "non-ASCII characters inside it" in copied.stdout
        assert server.paths == []
        # one request per service, even when it is named twice; an unknown name is an error, not a KeyError
        _preflight(tmp_path, code, url, {"TAVILY_API_KEY": GOOD_KEY}, "tavily", "tavily")
        assert server.paths == ["/usage"]
        unknown = _preflight(tmp_path, code, url, {}, "bing")
        assert unknown.returncode != 0 and "unknown service 'bing'" in unknown.stderr
        assert "KeyError" not in unknown.stderr


def test_option1_reports_an_empty_variable_that_hides_the_env_file(fix_code, tmp_path):
    code = fix_code(SLUG, 1)
    (tmp_path / ".env").write_text(f"TAVILY_API_KEY={GOOD_KEY}\n", encoding="utf-8")
    with json_server(_services) as url:
        result = _preflight(tmp_path, code, url, {"TAVILY_API_KEY": ""})
    assert result.returncode == 1, result.stdout
    assert "TAVILY_API_KEY is set but empty in this process" in result.stdout


def test_option2_masks_short_values_names_an_empty_variable_and_writes_no_file(
    fix_code, tmp_path, monkeypatch
):
    code = fix_code(SLUG, 2)
    work = tmp_path / "work"
    work.mkdir()
    demo = run_python(code, cwd=work, env={"TAVILY_API_KEY": None, "TAVILY_KEY": None})
    assert demo.returncode == 0, demo.stderr
    assert list(work.iterdir()) == []  # the demo wrote no .env that would shadow the project's
    short = run_python(code, cwd=work, env={"TAVILY_API_KEY": "abcdefgh"})
    assert short.returncode == 0, short.stderr
    assert "abcde" not in short.stdout + short.stderr

    (work / ".env").write_text(f"TAVILY_API_KEY={GOOD_KEY}\n", encoding="utf-8")
    monkeypatch.chdir(work)
    monkeypatch.setenv("TAVILY_API_KEY", "")
    search_key = script_names(code)["search_key"]
    try:
        search_key("TAVILY_API_KEY")
    except RuntimeError as exc:
        assert "TAVILY_API_KEY is set but empty in this process" in str(exc)
    else:
        raise AssertionError("search_key returned without a key")


def test_option3_lets_results_about_api_keys_through_and_hides_the_key(fix_code):
    names = script_names(fix_code(SLUG, 3))
    check, rejected = names["raise_if_key_rejected"], names["SearchKeyRejected"]
    result = "Fix 'Invalid API key' and '401 Client Error: Unauthorized' errors: https://example.com/api-keys"
    assert check(result) == result
    assert check([{"content": "InvalidAPIKeyError means a wrong key"}]) == [
        {"content": "InvalidAPIKeyError means a wrong key"}
    ]
    for swallowed in (
        "Error: ValueError('Error 401: Unauthorized: missing or invalid API key.')\n Please fix your mistakes.",
        {"error": "Invalid API key"},
    ):
        try:
            check(swallowed)
        except rejected:
            pass
        else:
            raise AssertionError(f"passed through: {swallowed!r}")
    secret = "0123456789abcdef" * 4
    error = Exception(
        f"401 Client Error: Unauthorized for url: https://serpapi.com/search?q=x&api_key={secret}"
    )
    try:
        check({"error": error}, "serpapi")
    except rejected as exc:
        assert secret not in str(exc) and "api_key=***" in str(exc)
    else:
        raise AssertionError("a serpapi 401 passed through")
