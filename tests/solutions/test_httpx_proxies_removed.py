"""Verified fix for solutions/httpx-proxies-removed.md.

Uses the httpx the project installs (>= 0.28): reproduces the TypeErrors for `proxies=` and `app=`,
runs the entry's Option 1 code (a real localhost proxy and an in-process ASGI app), and runs
Option 2's version check against fake old SDK installations (dist-info only) written to tmp_path.
"""

import httpx
import pytest
from fake_site import fake_distribution
from pyrun import run_python

SLUG = "httpx-proxies-removed"

pytestmark = pytest.mark.skipif(
    tuple(int(p) for p in httpx.__version__.split(".")[:2]) < (0, 28), reason="needs httpx >= 0.28"
)


def test_reproduces_proxies_and_app_typeerrors(tmp_path):
    proxies = run_python("import httpx\nhttpx.Client(proxies='http://127.0.0.1:3128')", cwd=tmp_path)
    assert "TypeError: Client.__init__() got an unexpected keyword argument 'proxies'" in proxies.stderr
    app = run_python("import httpx\nhttpx.AsyncClient(app=object(), base_url='http://test')", cwd=tmp_path)
    assert "TypeError: AsyncClient.__init__() got an unexpected keyword argument 'app'" in app.stderr


def test_reproduces_a_library_forwarding_proxies(tmp_path):
    # the shape of openai<=1.55.2 / anthropic<=0.39.0: a subclass that always forwards proxies=
    code = (
        "import httpx\n"
        "class SyncHttpxClientWrapper(httpx.Client):\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "SyncHttpxClientWrapper(base_url='https://api.example.com', proxies=None, timeout=5)\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert "in __init__" in result.stderr  # raised from the subclass's super().__init__(**kwargs)
    assert "TypeError: Client.__init__() got an unexpected keyword argument 'proxies'" in result.stderr


def test_option1_proxy_mounts_and_asgi_transport_work(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "proxy saw: ['http://service.internal/a', 'http://service.internal/b']" in result.stdout


def test_option2_names_the_sdk_to_upgrade(fix_code, tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "openai", "1.55.2")
    fake_distribution(site, "anthropic", "0.40.0")
    fake_distribution(site, "starlette", "0.36.3")
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "openai 1.55.2: passes proxies=/app= to httpx, upgrade to >=1.55.3" in out
    assert "anthropic 0.40.0: ok" in out
    assert '-m pip install -U "openai>=1.55.3" "starlette>=0.37.2"' in out


def test_option2_with_current_sdks_points_at_own_code(fix_code, tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "openai", "1.55.3")
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert "openai 1.55.3: ok" in result.stdout
    assert "look for proxies= / app= in your own code" in result.stdout
