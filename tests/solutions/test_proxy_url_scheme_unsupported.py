"""Verified fix for solutions/proxy-url-scheme-unsupported.md.

The real httpx 0.29.0, httpx2 2.17.0, openai, anthropic, google-genai, requests 2.34.2 / urllib3 2.8.0 and
pip's vendored requests of the project's venv are run in child interpreters whose environment holds only
the proxy variables a test sets (no network: every error is raised while the client or the proxy manager
is built). The SOCKS packages are absent or stand-ins, whatever the venv holds: `sys.modules[name] = None`
makes `import socksio` / `import socks` fail as if not installed, and a stand-in `socksio` (httpx only
imports it when it builds a SOCKS transport, httpx 0.29.0 _transports/default.py) or `socks` (PySocks
1.7.1's PROXY_TYPE_SOCKS4 = 1 and PROXY_TYPE_SOCKS5 = 2, all that urllib3 2.8.0 contrib/socks.py reads when
it builds a SOCKSProxyManager) stands for the installed package. Then the entry's Option 1 script is run:
its report (masked password, the verdict for each client) and `fix_proxy_env()`, after which the clients
build with a socks5h:// proxy; and the entry's Option 2 claims (empty lowercase variable, NO_PROXY).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "proxy-url-scheme-unsupported"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")
SOCKS = "socks://127.0.0.1:7890/"

NO_SOCKSIO = "import sys; sys.modules['socksio'] = None\n"
NO_PYSOCKS = "import sys; sys.modules['socks'] = None\n"


def _env(**proxies: str) -> dict[str, str | None]:
    """Only the given proxy variables: those of the machine running the tests are removed."""
    names = {k for k in os.environ if "proxy" in k.lower()} | {
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
        "REQUEST_METHOD",
    }
    env: dict[str, str | None] = dict.fromkeys(names)
    env.update(proxies)
    return env


def _stubs(tmp_path):
    """Stand-ins for the installed socksio and PySocks (see the module docstring)."""
    site = tmp_path / "stubs"
    (site / "socksio").mkdir(parents=True)
    (site / "socksio" / "__init__.py").write_text("", encoding="utf-8")
    (site / "socks.py").write_text("PROXY_TYPE_SOCKS4 = 1\nPROXY_TYPE_SOCKS5 = 2\n", encoding="utf-8")
    return site


def _run(code: str, tmp_path, path=None, **proxies: str):
    return run_python(code, cwd=tmp_path, path=path, env=_env(**proxies))


@pytest.mark.parametrize(
    "build",
    [
        "import httpx; httpx.Client()",
        "import httpx2; httpx2.AsyncClient()",
        "import openai; openai.OpenAI(api_key='sk-test')",
        "import anthropic; anthropic.Anthropic(api_key='sk-ant-test')",
        "from google import genai; genai.Client(api_key='test')",
    ],
)
def test_socks_scheme_in_all_proxy_fails_when_the_client_is_built(build, tmp_path):
    """The error is raised by building the client (no request), whichever SDK builds it."""
    result = _run(build, tmp_path, ALL_PROXY=SOCKS)
    assert result.returncode != 0
    # anthropic 2.17.0 prints a second traceback after it (its client wrapper's __del__): see the entry
    assert ENTRY.errors[0] in result.stderr.splitlines()
    assert "_config.py" in result.stderr
    # the same client builds without the variable
    assert _run(build, tmp_path).returncode == 0


def test_other_wordings_of_the_httpx_error(tmp_path):
    code = textwrap.dedent("""
        import httpx
        for proxy in ("socks://127.0.0.1:7890", "socks4://127.0.0.1:1080", "127.0.0.1:7890", "socks5h://127.0.0.1:7890"):
            try:
                httpx.Client(proxy=proxy)
            except ValueError as exc:
                print(f"ValueError: {exc}")
            except ImportError as exc:
                print(f"ImportError: {exc}")
    """)
    result = _run(NO_SOCKSIO + code, tmp_path)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.splitlines()
    assert printed[:3] == [ENTRY.errors[1], ENTRY.errors[3], ENTRY.errors[4]]
    # httpx 0.29.0 accepts socks5h (0.22-0.27 did not): only the package is missing
    assert printed[3].startswith(
        "ImportError: Using SOCKS proxy, but the 'socksio' package is not installed."
    )
    assert printed[3] in ENTRY.markdown  # the entry quotes it word for word


def test_socks5_env_needs_socksio_and_no_proxy_for_the_host_does_not_help(tmp_path):
    build = "import openai; openai.OpenAI(api_key='sk-test')"
    result = _run(NO_SOCKSIO + build, tmp_path, HTTPS_PROXY="socks5://127.0.0.1:7890")
    assert last_line(result).startswith("ImportError: Using SOCKS proxy, but the 'socksio' package")
    # every proxy variable is turned into a transport when the client is built: NO_PROXY=host is no help
    result = _run(build, tmp_path, ALL_PROXY=SOCKS, NO_PROXY="api.openai.com")
    assert last_line(result) == ENTRY.errors[0]
    assert _run(build, tmp_path, ALL_PROXY=SOCKS, NO_PROXY="*").returncode == 0


def test_requests_and_pip_errors(tmp_path):
    get = "import requests; requests.get('https://api.openai.com/v1/models', timeout=5)"
    result = _run(NO_PYSOCKS + get, tmp_path, ALL_PROXY=SOCKS)
    assert last_line(result) == "requests.exceptions.InvalidSchema: Missing dependencies for SOCKS support."
    assert "requests/adapters.py" in result.stderr
    # with PySocks installed, the socks:// scheme is still not a SOCKS version urllib3 knows
    result = _run(get, tmp_path, path=_stubs(tmp_path), ALL_PROXY=SOCKS)
    assert last_line(result) == ENTRY.errors[5]
    assert "urllib3/contrib/socks.py" in result.stderr
    pip = "from pip._vendor import requests; requests.get('https://pypi.org/simple/six/', timeout=5)"
    result = _run(NO_PYSOCKS + pip, tmp_path, ALL_PROXY=SOCKS)
    assert last_line(result) == ENTRY.errors[6]


def test_an_empty_lowercase_variable_hides_the_uppercase_one(tmp_path):
    build = "import httpx; httpx.Client()"
    assert _run(build, tmp_path, ALL_PROXY=SOCKS, all_proxy="").returncode == 0
    assert last_line(_run(build, tmp_path, ALL_PROXY="", all_proxy=SOCKS)) == ENTRY.errors[0]


def test_option1_report_masks_the_password_and_names_each_failure(fix_code, tmp_path):
    (tmp_path / "proxy_doctor.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    code = NO_SOCKSIO + NO_PYSOCKS + "import runpy; runpy.run_path('proxy_doctor.py', run_name='__main__')\n"
    result = _run(
        code,
        tmp_path,
        ALL_PROXY="socks://alice:s3cret@127.0.0.1:7890/",
        HTTPS_PROXY="socks5://127.0.0.1:7891",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "s3cret" not in out
    assert "ALL_PROXY=socks://alice:***@127.0.0.1:7890/" in out
    all_block = out.split("[all]")[1].split("[https]")[0]
    assert "httpx/httpx2 : ValueError: Unknown scheme for proxy URL" in all_block
    assert "requests/pip : InvalidSchema: Missing dependencies for SOCKS support" in all_block
    assert "aiohttp      : ignored" in all_block
    https_block = out.split("[https]")[1]
    assert "httpx/httpx2 : ImportError: 'socksio' package is not installed" in https_block
    assert "aiohttp      : sent HTTP proxy requests to a SOCKS port" in https_block
    assert "export ALL_PROXY=socks5h://alice:***@127.0.0.1:7890/" in out
    assert "python -m pip install socksio pysocks" in out


def test_option1_runs_without_any_proxy(fix_code, tmp_path):
    result = _run(fix_code(SLUG, 1), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no proxy configured for this process"


def test_option1_fix_lets_the_clients_build_with_socks5h(fix_code, tmp_path):
    (tmp_path / "proxy_doctor.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    check = textwrap.dedent("""
        import os
        from proxy_doctor import fix_proxy_env, report

        assert fix_proxy_env() == {"ALL_PROXY": "socks5h://127.0.0.1:7890/", "all_proxy": "socks5h://127.0.0.1:7890/"}
        assert fix_proxy_env() == {}  # nothing left to rewrite
        assert "  httpx/httpx2 : ok" in report() and "  requests/pip : ok" in report()

        import httpx, openai, requests
        (transport,) = httpx.Client()._mounts.values()
        print("httpx proxy", transport._pool._proxy_url.scheme.decode(), transport._pool._proxy_url.port)
        openai.OpenAI(api_key="sk-test")
        manager = requests.Session().get_adapter("https://api.openai.com").proxy_manager_for(os.environ["ALL_PROXY"])
        print("requests rdns", manager.connection_pool_kw["_socks_options"]["rdns"])
    """)
    result = _run(check, tmp_path, path=[tmp_path, _stubs(tmp_path)], ALL_PROXY=SOCKS, all_proxy=SOCKS)
    assert result.returncode == 0, result.stderr
    assert "httpx proxy socks5h 7890" in result.stdout
    assert "requests rdns True" in result.stdout


def test_option2_python_block_removes_the_variable(tmp_path):
    (_, code), *_ = [b for b in option_blocks(SLUG, 2) if b[0] == "python"]
    build = code + "\nimport anthropic; anthropic.Anthropic(api_key='sk-ant-test'); print('built')\n"
    result = _run(build, tmp_path, ALL_PROXY=SOCKS, all_proxy=SOCKS)
    assert result.returncode == 0, result.stderr
    assert "built" in result.stdout
