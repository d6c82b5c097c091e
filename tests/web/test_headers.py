"""Response headers and small site plumbing: gzip, no-store on /admin, Vary on /search, absolute
links from the configured public URL (never the Host header), the favicon, and /docs offline
under the strict CSP. TestClient against the real app on a real SQLite file."""

from __future__ import annotations

import gzip
import re

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.web.factory import create_app

TOKEN = "headers-test-admin-token-0123456789"
PUBLIC = "https://synapse.example.org"
LOCKED = "sqlite-database-locked"
GZIP = {"accept-encoding": "gzip"}


@pytest.fixture
def client(tmp_path, three_entries):
    settings = Settings(
        db=tmp_path / "headers.db", solutions=three_entries, admin_token=TOKEN, public_url=PUBLIC
    )
    with TestClient(create_app(settings)) as c:
        yield c


def raw_body(response) -> bytes:
    """The bytes as sent on the wire (httpx decodes gzip for `.content`)."""
    return b"".join(response.iter_raw())


# -- 1. gzip ---------------------------------------------------------------------------------


def test_a_solution_page_is_gzipped(client):
    with client.stream("GET", f"/solutions/{LOCKED}", headers={**GZIP, "accept": "text/html"}) as r:
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in r.headers["vary"].lower()
        assert b"<html" in gzip.decompress(raw_body(r))


def test_search_json_is_gzipped(client):
    with client.stream(
        "GET",
        "/search",
        params={"q": "sqlite3.OperationalError: database is locked"},
        headers={**GZIP, "accept": "application/json"},
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/json")
        assert r.headers["content-encoding"] == "gzip"
        assert b'"results"' in gzip.decompress(raw_body(r))


def test_a_small_response_is_not_compressed(client):
    with client.stream("GET", "/healthz", headers=GZIP) as r:
        assert r.status_code == 200
        body = raw_body(r)
        assert len(body) < 1000
        assert "content-encoding" not in r.headers


def test_no_gzip_without_accept_encoding(client):
    with client.stream("GET", f"/solutions/{LOCKED}", headers={"accept-encoding": "identity"}) as r:
        assert "content-encoding" not in r.headers
        assert b"<html" in raw_body(r)


# -- 2. no-store on /admin -------------------------------------------------------------------


def test_admin_login_page_is_no_store(client):
    r = client.get("/admin/login", headers={"accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"


def test_admin_review_page_is_no_store(client):
    r = client.get("/admin/review", headers={"authorization": f"Bearer {TOKEN}", "accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"


def test_admin_refusals_are_no_store_too(client):
    r = client.get("/admin/review", headers={"accept": "text/html"})
    assert r.status_code == 401
    assert r.headers["cache-control"] == "no-store"


def test_public_pages_are_not_no_store(client):
    assert "no-store" not in client.get("/").headers.get("cache-control", "")


# -- 3. Vary: Accept on /search -------------------------------------------------------------


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_search_get_varies_on_accept(client, accept):
    r = client.get("/search", params={"q": "database is locked"}, headers={"accept": accept})
    assert r.status_code == 200
    assert "accept" in vary(r)


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_search_post_varies_on_accept(client, accept):
    r = client.post("/search", json={"q": "database is locked"}, headers={"accept": accept})
    assert r.status_code == 200
    assert "accept" in vary(r)


def test_vary_keeps_both_accept_and_accept_encoding(client):
    r = client.get(
        "/search", params={"q": "database is locked " * 20}, headers={**GZIP, "accept": "application/json"}
    )
    assert r.headers.get("content-encoding") == "gzip"
    assert {"accept", "accept-encoding"} <= vary(r)
    assert len(r.headers.get_list("vary")) == 1


def test_search_errors_vary_on_accept_too(client):
    assert "accept" in vary(client.get("/search", params={"q": ""}))


# -- 4. absolute links from the configured public URL ----------------------------------------


def test_llms_txt_links_use_the_public_url_not_the_host_header(client):
    r = client.get("/llms.txt", headers={"host": "evil.example"})
    assert r.status_code == 200
    assert "evil.example" not in r.text
    assert f"({PUBLIC}/solutions/{LOCKED}.md)" in r.text


def test_llms_txt_ignores_a_spoofed_base_url(tmp_path, three_entries):
    app = create_app(Settings(db=tmp_path / "h.db", solutions=three_entries, public_url=PUBLIC + "/"))
    with TestClient(app, base_url="http://evil.example") as c:
        text = c.get("/llms.txt", headers={"x-forwarded-host": "evil.example"}).text
    assert "evil.example" not in text
    assert f"({PUBLIC}/solutions/" in text and "//solutions" not in text


def test_public_url_setting():
    assert Settings().public_url == "http://127.0.0.1:8000"
    assert Settings.from_env({"SYNAPSE_PUBLIC_URL": PUBLIC}).public_url == PUBLIC


# -- 5. favicon -------------------------------------------------------------------------------


def test_favicon(client):
    r = client.get("/favicon.ico", follow_redirects=False)
    assert r.status_code in (301, 302, 307, 308)
    assert r.headers["location"] == "/static/favicon.svg"
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in icon.content


def test_pages_link_the_favicon(client):
    html = client.get("/", headers={"accept": "text/html"}).text
    link = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', html)
    assert link and link.group(1).startswith("/static/favicon.svg")
    assert client.get(link.group(1)).status_code == 200


# -- 6. /docs offline under the strict CSP ---------------------------------------------------


def test_docs_is_served_from_static_under_the_strict_csp(client):
    r = client.get("/docs")
    assert r.status_code == 200
    html = r.text
    urls = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert urls and all(u.startswith("/static/") for u in urls), urls
    assert "/static/swagger/swagger-ui-bundle.js" in urls
    assert "/static/swagger/swagger-ui.css" in urls
    assert "http://" not in html and "https://" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, (
        "inline script would need 'unsafe-inline'"
    )
    csp = r.headers["content-security-policy"]
    assert "://" not in csp and "http" not in csp and "cdn" not in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self';" in csp
    assert csp == client.get("/").headers["content-security-policy"]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_swagger_assets_are_committed_with_their_version(client):
    folder = PROJECT_ROOT / "static" / "swagger"
    assert re.search(r"swagger-ui-dist \d+\.\d+\.\d+", (folder / "VERSION").read_text())
    init = (folder / "swagger-init.js").read_text()
    assert "SwaggerUIBundle(" in init and "validatorUrl: null" in init
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404


def test_fingerprinted_static_files_are_cached_for_a_year_the_others_for_an_hour(client):
    page = client.get("/", headers={"accept": "text/html"}).text
    linked = re.search(r'href="(/static/style\.css\?v=[0-9a-f]+)"', page).group(1)
    fingerprinted = client.get(linked)
    assert fingerprinted.status_code == 200
    assert fingerprinted.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = client.get("/static/style.css")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "public, max-age=3600"
    assert "cache-control" not in client.get("/static/no-such-file.css").headers  # a 404 is not cached
    assert "immutable" not in client.get("/solutions/sqlite-database-locked").headers.get("cache-control", "")
