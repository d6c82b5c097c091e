"""The website (issue 4): every page, the forms, and their protections, against a real server."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from app.config import Settings
from app.corpus.entries import parse_entry
from app.web.factory import create_app
from app.web.renderers import HtmlRenderers
from app.web.site import page_data
from app.web.site.markdown_html import code_html, markdown_html

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
LOCKED = "sqlite-database-locked"
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
TOKEN = "test-admin-token-0123456789"
NEW_ERROR = "quuxlib.FrobnicationError: the frobnicator refused widget 7 of batch"
XSS = {
    "script": "<script>window.__xss=1</script>",
    "img": "<img src=x onerror=window.__xss=1>",
    "link": "[click me](javascript:window.__xss=1)",
    "attr": '"><svg onload=window.__xss=1>',
    "html_link": '<a href="javascript:window.__xss=1">x</a>',
}
XSS_ALL = " ".join(XSS.values())


# -- helpers ----------------------------------------------------------------------------


class _Markup(HTMLParser):
    """Every tag and attribute the browser would build from a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def page_markup(html: str) -> list[tuple[str, dict]]:
    parser = _Markup()
    parser.feed(html)
    return parser.tags


def assert_no_injected_markup(html: str) -> None:
    """No script but our own file, no event handler, no javascript: URL, no image, no svg."""
    for tag, attrs in page_markup(html):
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/app.js"), attrs
        assert tag not in ("img", "svg", "iframe", "object", "embed"), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            assert not value.strip().lower().startswith(("javascript:", "data:text")), (tag, attrs)
        assert "style" not in attrs, (tag, attrs)  # the CSP forbids inline styles anyway


def csrf_token(client: httpx.Client, path: str = "/submit") -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, response.text[:300]
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, "every page with a form carries the CSRF token"
    return match.group(1)


def valid_submission(**changes) -> dict:
    form = {
        "title": "quuxlib FrobnicationError when a widget batch is too large",
        "errors": NEW_ERROR,
        "symptom": "- The frobnicator refuses a widget\n- Only with batches over 6 widgets",
        "root_cause": "quuxlib frobnicates at most six widgets per batch and says so only in this error.",
        "fix_title_1": "Split the batch",
        "fix_language_1": "python",
        "fix_code_1": "def batches(items, size=6):\n    for i in range(0, len(items), size):\n        yield items[i : i + size]\n",
        "fix_description_1": "Send at most six widgets at a time.",
        "tags": "quuxlib, batching",
        "environment": "quuxlib 2.x",
        "source": "reproduced locally",
        "token_savings": "1200",
    }
    form.update(changes)
    return form


def post_form(client: httpx.Client, path: str, data: dict, token: str | None, **headers) -> httpx.Response:
    body = dict(data)
    if token is not None:
        body["csrf_token"] = token
    return client.post(path, data=body, headers={**HTML, **headers})


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as c:
        yield c


@pytest.fixture
def server(own_server):
    return own_server(env={"SYNAPSE_ADMIN_TOKEN": TOKEN}).start()


@pytest.fixture
def browser_client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


# -- rendering (app.web.site.markdown_html) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">x</a>',
        "![x](http://tracker.example/p.png)",
        "```python\n<script>alert(1)</script>\n```",
        '```x" onmouseover="alert(1)\ncode\n```',
        "| a |\n|---|\n| <svg onload=alert(1)> |",
        "<details open ontoggle=alert(1)>",
    ],
)
def test_rendered_markdown_never_carries_markup_from_the_text(markdown):
    html = str(markdown_html(markdown))

    assert_no_injected_markup(html)  # text may still read "javascript:", but never as a link
    assert "<script" not in html and "<a href" not in html


def test_code_is_highlighted_and_escaped_and_an_unknown_language_is_plain():
    python = str(code_html('print("<b>")', "python"))
    unknown = str(code_html("<b>hi</b>", "no-such-language"))

    assert '<span class="nb">print</span>' in python and "&lt;b&gt;" in python
    assert (
        unknown
        == '<pre class="highlight" tabindex="0"><code class="language-no-such-language">&lt;b&gt;hi&lt;/b&gt;</code></pre>'
    )


def test_links_keep_only_http_and_relative_targets_and_get_a_safe_rel():
    html = str(markdown_html("[a](https://example.com) [b](/solutions/x) [c](ftp://example.com/f)"))

    assert 'href="https://example.com"' in html and 'href="/solutions/x"' in html
    assert 'href="ftp' not in html, "other schemes lose their link, the text stays"
    assert html.count("<a href=") == 2 and html.count('rel="noopener noreferrer nofollow ugc"') == 3


# -- pages ------------------------------------------------------------------------------


def test_the_home_page_has_the_search_box_the_numbers_and_the_lists(client):
    client.get("/search", params={"q": "sqlite3.OperationalError: database is locked"})

    # search counters are written about once a second (docs/reliability.md): wait for them
    deadline = time.monotonic() + 15
    response = client.get("/", headers=HTML)
    while "searches answered" not in response.text and time.monotonic() < deadline:
        time.sleep(0.2)
        response = client.get("/", headers=HTML)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html; charset=utf-8")
    html = response.text
    assert 'name="q"' in html and "data-search-box" in html
    for label in (
        "solved errors",
        "searches answered",
        "tokens saved",
        "Most searched",
        "Recently added",
        "Most wanted",
    ):
        assert label in html
    assert 'href="/submit"' in html
    assert re.search(r"<strong>\d[\d,]*</strong><span>solved errors", html)


def test_a_browser_search_gets_ranked_results_with_the_matched_signature_and_first_fix(client):
    response = client.get(
        "/search", params={"q": "sqlite3.OperationalError: database is locked"}, headers=HTML
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    entry = parse_entry(SOLUTIONS / f"{LOCKED}.md")
    assert f'href="/solutions/{LOCKED}"' in html
    assert "confident" in html
    assert "<mark>" in html, "the words shared with the signature are highlighted"
    assert entry.fixes[0].title in html
    assert 'class="highlight"' in html, "the first fix's code is highlighted server-side"


def test_a_moved_import_shows_the_new_import_on_the_results_page(client):
    error = (
        "ImportError: cannot import name 'ChatOpenAI' from 'langchain.chat_models' "
        "(/srv/.venv/lib/python3.12/site-packages/langchain/chat_models/__init__.py)"
    )
    html = client.get("/search", params={"q": error}, headers=HTML).text
    assert (
        '<p class="moved"><strong>Moved:</strong> <code>from langchain.chat_models import ChatOpenAI</code> '
        "is now <code>from langchain_openai import ChatOpenAI</code> (install <code>langchain-openai</code>"
    ) in html
    plain = client.get("/search", params={"q": "sqlite3.OperationalError: database is locked"}, headers=HTML)
    assert 'class="moved"' not in plain.text


def test_a_weak_match_is_marked_as_a_near_miss(client):
    response = client.get(
        "/search", params={"q": "database problem with my tables", "format": "html"}, headers=HTML
    )

    assert response.status_code == 200
    assert "near miss" in response.text or "No solution matches" in response.text
    assert 'class="badge ok"' not in response.text


def test_an_unknown_error_invites_a_submission(client):
    response = client.get("/search", params={"q": "zzqx: qwzzv vvkq", "format": "html"}, headers=HTML)

    assert response.status_code == 200
    assert "No solution matches this error yet" in response.text
    assert 'href="/submit?error=' in response.text


def test_an_empty_browser_search_is_a_friendly_400_page(client):
    response = client.get("/search", params={"q": "", "format": "html"}, headers=HTML)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text


def test_the_json_search_contract_is_untouched_for_api_clients(client):
    response = client.get("/search", params={"q": "database is locked"})

    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["match"] == LOCKED


def test_a_lone_surrogate_posted_as_json_to_the_html_page_is_not_a_500(client):
    body = '{"q": "sqlite3.OperationalError: database is locked \\ud800"}'

    response = client.post(
        "/search?format=html", content=body, headers={**HTML, "content-type": "application/json"}
    )

    assert response.status_code == 200
    assert "\ufffd" in response.text


def test_a_pasted_traceback_is_searched_from_the_form(client):
    token = csrf_token(client, "/")
    traceback = (
        'Traceback (most recent call last):\n  File "x.py", line 3, in <module>\n    conn.execute(q)\n'
    )
    traceback += "sqlite3.OperationalError: database is locked\n"

    response = post_form(client, "/search/form?format=html", {"q": traceback}, token)

    assert response.status_code == 200
    assert f'href="/solutions/{LOCKED}"' in response.text
    assert "confident" in response.text


def test_a_pasted_form_with_nothing_searchable_keeps_the_text_and_says_why(client):
    token = csrf_token(client, "/")

    response = post_form(client, "/search/form?format=html", {"q": "!!! ???"}, token)

    assert response.status_code == 400
    assert "no words to search for" in response.text
    assert "!!! ???" in response.text


def test_a_solution_page_shows_everything_an_entry_has(client):
    entry = parse_entry(SOLUTIONS / f"{LOCKED}.md")

    response = client.get(f"/solutions/{LOCKED}", headers=HTML)

    assert response.status_code == 200
    html = response.text
    assert entry.title.replace('"', "&#34;") in html
    for signature in entry.errors:
        assert _escaped(signature) in html
    for n, fix in enumerate(entry.fixes, start=1):
        assert f"Option {n}: {_escaped(fix.title)}" in html
        assert f'data-copy="code-{n}"' in html
    assert "✓ verified" in html and entry.verified_by in html
    assert "<table>" in html, "the Limits table"
    for words in ("Symptom", "Root cause", "Token savings", "Environment", "Source", "Matched", "This worked",
                  "Didn't work", "Star", "Related"):  # fmt: skip
        assert words in html
    assert f'href="/solutions/{LOCKED}.md"' in html


def test_every_solution_page_renders(client):
    for path in sorted(SOLUTIONS.glob("*.md")):
        response = client.get(f"/solutions/{path.stem}", headers=HTML)
        assert response.status_code == 200, path.stem
        assert_no_injected_markup(response.text)


def test_an_unknown_solution_is_a_friendly_404_page(client):
    response = client.get("/solutions/no-such-thing", headers=HTML)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text and "Traceback" not in response.text


def test_browse_lists_all_entries_over_pages(client):
    total = len(list(SOLUTIONS.glob("*.md")))
    seen = set()
    page = 1
    while True:
        html = client.get("/solutions", params={"page": page}, headers=HTML).text
        seen |= set(re.findall(r'class="entry-link" href="/solutions/([a-z0-9-]+)"', html))
        if 'rel="next"' not in html:
            break
        page += 1
    assert page > 1, "more entries than fit on one page"
    assert len(seen) >= total


def test_browse_filters_by_tag_and_language(client):
    tagged = client.get("/solutions", params={"tag": "sqlite"}, headers=HTML).text
    slugs = set(re.findall(r'class="entry-link" href="/solutions/([a-z0-9-]+)"', tagged))
    assert LOCKED in slugs
    for slug in slugs:
        assert "sqlite" in parse_entry(SOLUTIONS / f"{slug}.md").tags

    by_language = client.get("/solutions", params={"language": "go"}, headers=HTML).text
    slugs = set(re.findall(r'class="entry-link" href="/solutions/([a-z0-9-]+)"', by_language))
    assert slugs and all("go" in parse_entry(SOLUTIONS / f"{s}.md").languages for s in slugs)


def _plans(conn, page) -> dict[str, list[str]]:
    """Each statement a page function runs, with SQLite's plan for it."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        page(conn)
    finally:
        conn.set_trace_callback(None)
    return {
        sql: [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        for sql in statements
        if sql.lstrip().upper().startswith("SELECT")
    }


@pytest.mark.parametrize(
    "page",
    [
        page_data.home,
        lambda conn: page_data.browse(conn, page_data.BrowseQuery(sort="title", page=3)),
        lambda conn: page_data.browse(conn, page_data.BrowseQuery(sort="newest")),
    ],
    ids=["home", "browse-by-title", "browse-newest"],
)
def test_page_lists_read_their_rows_in_index_order(fresh_store, page):
    """No page reads every entry or every logged query to sort them (unbounded at 100k entries)."""
    for sql, plan in _plans(fresh_store.read(), page).items():
        if "FROM entries e, json_each" in sql or "query_clients" in sql:
            continue  # tag facets and "most wanted": aggregates, not ordered lists
        assert not any("TEMP B-TREE FOR ORDER BY" in step for step in plan), (sql, plan)
        for step in plan:
            if step.startswith("SCAN") and (
                "entries" in step or "queries" in step or step.startswith("SCAN e")
            ):
                assert "INDEX" in step, (sql, plan)


def test_related_and_most_searched_look_titles_up_by_slug(fresh_store):
    conn = fresh_store.read()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    page_data.most_searched(conn)
    page_data.related(conn, {"slug": "x", "errors": [], "tags": []})
    conn.set_trace_callback(None)
    assert not any(s.strip() == "SELECT slug, title FROM entries" for s in statements)


def test_browse_sorts_by_title(client):
    html = client.get("/solutions", params={"sort": "title"}, headers=HTML).text
    titles = re.findall(r'class="entry-link" href="/solutions/[a-z0-9-]+">([^<]+)</a>', html)
    assert titles == sorted(titles, key=str.lower)
    for sort in ("matched", "newest"):
        assert client.get("/solutions", params={"sort": sort}, headers=HTML).status_code == 200
    assert client.get("/solutions", params={"sort": "evil"}, headers=HTML).status_code == 400


def test_raw_markdown_is_the_file(client):
    for path in sorted(SOLUTIONS.glob("*.md")):
        response = client.get(f"/solutions/{path.stem}.md")
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/markdown; charset=utf-8"
        assert response.text == path.read_text(encoding="utf-8"), path.stem


def test_llms_txt_lists_every_entry(client):
    response = client.get("/llms.txt")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert text.startswith("# SynapseAI\n")
    for path in SOLUTIONS.glob("*.md"):
        assert f"/solutions/{path.stem}.md): " in text, path.stem


def test_the_highlight_stylesheet_and_static_files_are_served(client):
    css = client.get("/highlight.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "prefers-color-scheme: dark" in css.text
    for name in ("style.css", "app.js"):
        assert client.get(f"/static/{name}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/solutions", f"/solutions/{LOCKED}", "/submit", "/search?q=locked&format=html"]
)
def test_pages_carry_the_security_headers_and_no_inline_code(client, path):
    response = client.get(path, headers=HTML)

    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    assert_no_injected_markup(response.text)
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), "no inline script"
    assert "<style" not in response.text


def test_the_csrf_cookie_is_httponly_and_samesite_strict(live_server):
    response = httpx.get(live_server + "/submit", headers=HTML)

    cookie = response.headers["set-cookie"]
    assert cookie.startswith("synapse_csrf=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


def test_an_unexpected_error_is_a_friendly_500_page(tmp_path):
    app: FastAPI = create_app(Settings(db=tmp_path / "s.db", index_on_start=False))

    def boom():
        raise RuntimeError("secret internals")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/boom", headers=HTML)

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text


def test_the_html_renderers_are_the_ones_handed_to_the_factory(tmp_path):
    """No module global carries them: two apps in one process each answer with their own."""
    calls: list[str] = []

    def error(request, status, message):
        calls.append(f"error {status}")
        return HTMLResponse("own error page", status_code=status)

    def search(request, body):
        calls.append("search")
        return HTMLResponse("own results page")

    own = create_app(Settings(db=tmp_path / "a.db", index_on_start=False), html=HtmlRenderers(error, search))
    json_only = create_app(Settings(db=tmp_path / "b.db", index_on_start=False), html=None)
    with TestClient(own) as a, TestClient(json_only) as b:
        assert a.get("/search", params={"q": "database is locked"}, headers=HTML).text == "own results page"
        assert a.get("/no-such-page", headers=HTML).text == "own error page"
        assert b.get("/search", params={"q": "database is locked"}, headers=HTML).json()["results"] == []
        assert b.get("/no-such-page", headers=HTML).json()["error"]["code"] == "not_found"
    assert calls == ["search", "error 404"]


# -- forms: submit ----------------------------------------------------------------------


def test_an_invalid_submission_comes_back_with_input_kept_and_errors_by_field(browser_client):
    token = csrf_token(browser_client)
    data = valid_submission(title="", fix_code_1="def broken(:\n    pass\n")

    response = post_form(browser_client, "/submit", data, token)

    assert response.status_code == 400
    html = response.text
    assert 'id="err-title"' in html
    assert 'id="err-fix_code_1"' in html and "does not compile" in html
    assert _escaped(data["root_cause"]) in html, "the user's input is kept"
    assert 'aria-invalid="true"' in html


def test_a_valid_submission_is_pending_and_shown_nowhere_public(browser_client, server):
    token = csrf_token(browser_client)

    response = post_form(browser_client, "/submit", valid_submission(), token)

    assert response.status_code == 303
    thanks = response.headers["location"]
    assert re.fullmatch(r"/submit/thanks/sub_[0-9a-f]{12}", thanks)
    page = browser_client.get(thanks, headers=HTML)
    assert page.status_code == 200 and thanks.rsplit("/", 1)[1] in page.text
    assert "waiting for review" in page.text
    assert "FrobnicationError" not in page.text, "the pending text is not shown to anyone holding the id"

    slug = "quuxlib-frobnicationerror-when-a-widget-batch-is-too-large"
    listing = browser_client.get("/solutions", params={"tag": "quuxlib"}, headers=HTML).text
    assert "0 solutions" in listing and slug not in listing
    assert "quuxlib" not in browser_client.get("/llms.txt").text
    assert slug not in browser_client.get("/", headers=HTML).text
    assert (
        slug
        not in browser_client.get("/search", params={"q": NEW_ERROR, "format": "html"}, headers=HTML).text
    )
    assert slug not in {
        r["slug"] for r in browser_client.get("/search", params={"q": NEW_ERROR}).json()["results"]
    }
    assert browser_client.get(f"/solutions/{slug}", headers=HTML).status_code == 404
    assert browser_client.get(f"/solutions/{slug}.md").status_code == 404


def test_a_submission_an_entry_already_covers_says_so_before_accepting(browser_client):
    token = csrf_token(browser_client)
    data = valid_submission(
        errors="sqlite3.OperationalError: database is locked (while saving the agent memory)"
    )

    first = post_form(browser_client, "/submit", data, token)

    assert first.status_code == 200
    assert "This looks like an entry we already have" in first.text
    assert f'href="/solutions/{LOCKED}"' in first.text
    assert 'name="submit_anyway"' in first.text

    anyway = post_form(browser_client, "/submit", {**data, "submit_anyway": "1"}, token)
    assert anyway.status_code == 303


def test_the_same_form_sent_twice_is_one_submission(browser_client):
    token = csrf_token(browser_client)
    data = valid_submission(idempotency_key="f" * 32)

    first = post_form(browser_client, "/submit", data, token)
    second = post_form(browser_client, "/submit", data, token)

    assert first.headers["location"] == second.headers["location"]


def test_xss_in_every_submitted_field_never_becomes_markup(browser_client, server):
    token = csrf_token(browser_client)
    data = {
        key: f"{value} {XSS_ALL}"
        for key, value in valid_submission().items()
        if key not in ("token_savings", "fix_language_1", "tags")
    }
    data["errors"] = f"{NEW_ERROR} {XSS['script']}\n{NEW_ERROR} {XSS['img']}"
    data["fix_code_1"] = valid_submission()["fix_code_1"] + f"# {XSS_ALL}\n"
    data["tags"] = "quuxlib"
    data["fix_language_1"] = "python"
    data["contact"] = XSS["script"]
    data["title"] = f"Frobnication fails {XSS['script']} {XSS['attr']}"

    invalid = post_form(browser_client, "/submit", {**data, "fix_language_1": XSS["script"]}, token)
    assert invalid.status_code == 400
    assert_no_injected_markup(invalid.text)
    assert "&lt;script&gt;" in invalid.text

    created = post_form(browser_client, "/submit", data, token)
    assert created.status_code == 303, created.text[:2000]
    sub_id = created.headers["location"].rsplit("/", 1)[1]

    with httpx.Client(base_url=server.url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=30) as admin:
        detail = admin.get(f"/admin/review/{sub_id}", headers=HTML)
        assert detail.status_code == 200
        assert_no_injected_markup(detail.text)
        assert "&lt;script&gt;" in detail.text
        approved = admin.post(f"/admin/review/{sub_id}/approve", headers=HTML)
        assert approved.status_code == 303
        slug_url = approved.headers["location"]

    published = browser_client.get(slug_url, headers=HTML)
    assert published.status_code == 200
    assert_no_injected_markup(published.text)
    assert "&lt;script&gt;" in published.text
    for path in ("/", "/solutions?sort=newest"):
        assert_no_injected_markup(browser_client.get(path, headers=HTML).text)
    llms = browser_client.get("/llms.txt", headers=HTML)
    assert (
        llms.headers["content-type"].startswith("text/plain")
        and llms.headers["x-content-type-options"] == "nosniff"
    )
    results = browser_client.get("/search", params={"q": NEW_ERROR, "format": "html"}, headers=HTML)
    assert slug_url in results.text
    assert_no_injected_markup(results.text)


# -- forms: CSRF, honeypot, rate limits ---------------------------------------------------


@pytest.mark.parametrize(
    "headers, use_token",
    [
        ({"sec-fetch-site": "cross-site"}, True),
        ({"sec-fetch-site": "same-site"}, True),
        ({"origin": "https://evil.example"}, True),
        ({"origin": "null"}, True),
        ({}, False),
        ({}, "wrong"),
    ],
    ids=["cross-site", "same-site", "foreign-origin", "null-origin", "no-token", "wrong-token"],
)
@pytest.mark.parametrize(
    "path",
    ["/submit", f"/solutions/{LOCKED}/feedback", f"/solutions/{LOCKED}/star", "/search/form?format=html"],
)
def test_a_cross_site_or_tokenless_form_post_is_refused(client, path, headers, use_token):
    token = csrf_token(client, "/")
    if use_token == "wrong":
        token = "x" * 43
    elif not use_token:
        token = None
    data = {"q": "database is locked", "worked": "1", **valid_submission()}

    response = post_form(client, path, data, token, **headers)

    assert response.status_code == 403, response.text[:300]
    assert "Traceback" not in response.text


def test_a_filled_in_honeypot_is_refused(browser_client):
    token = csrf_token(browser_client)

    response = post_form(
        browser_client, "/submit", {**valid_submission(), "website": "http://spam.example"}, token
    )

    assert response.status_code == 400
    assert "/submit/thanks" not in response.headers.get("location", "")


def test_this_worked_updates_the_count_and_a_retry_counts_once(browser_client):
    page = browser_client.get(f"/solutions/{LOCKED}", headers=HTML).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)

    for _ in range(2):
        response = post_form(
            browser_client, f"/solutions/{LOCKED}/feedback", {"worked": "1", "request_id": request_id}, token
        )
        assert response.status_code == 303
    page = browser_client.get(response.headers["location"], headers=HTML).text

    assert re.search(r'data-stat="worked">1<', page)
    assert "your answer was counted" in page


def test_a_star_is_counted(browser_client):
    token = csrf_token(browser_client, f"/solutions/{LOCKED}")

    response = post_form(browser_client, f"/solutions/{LOCKED}/star", {}, token)
    as_json = browser_client.post(
        f"/solutions/{LOCKED}/star", data={"csrf_token": token}, headers={"accept": "application/json"}
    )

    assert response.status_code == 303
    assert as_json.json() == {"slug": LOCKED, "stars": 2}


def test_feedback_past_the_rate_limit_is_a_friendly_429(own_server):
    server = own_server(env={"SYNAPSE_FEEDBACK_PER_HOUR": "2"}).start()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        token = csrf_token(c, f"/solutions/{LOCKED}")
        codes = [
            post_form(c, f"/solutions/{LOCKED}/feedback", {"worked": "0"}, token).status_code
            for _ in range(3)
        ]
        last = post_form(c, f"/solutions/{LOCKED}/feedback", {"worked": "0"}, token)

    assert codes[:2] == [303, 303]
    assert last.status_code == 429
    assert last.headers["content-type"].startswith("text/html")
    assert "Slow down" in last.text


def test_submissions_past_the_rate_limit_are_refused(own_server):
    server = own_server(env={"SYNAPSE_SUBMISSIONS_PER_HOUR": "1"}).start()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        token = csrf_token(c)
        first = post_form(c, "/submit", valid_submission(), token)
        second = post_form(c, "/submit", valid_submission(title="Another frobnication failure"), token)

    assert first.status_code == 303
    assert second.status_code == 429


# -- admin --------------------------------------------------------------------------------


def test_admin_pages_do_not_exist_without_a_token(client):
    for path in ("/admin/review", "/admin/login", "/admin/review/sub_000000000000"):
        assert client.get(path, headers=HTML).status_code == 404
        assert client.get(path, headers={**HTML, "authorization": "Bearer anything"}).status_code == 404
    assert (
        client.post(
            "/admin/review/sub_000000000000/approve", headers={"authorization": "Bearer x"}
        ).status_code
        == 404
    )


def test_admin_needs_the_right_token(browser_client):
    assert browser_client.get("/admin/review", headers=HTML).status_code == 401
    wrong = browser_client.get("/admin/review", headers={**HTML, "authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    assert browser_client.get("/admin/review", headers={"authorization": f"Basic {TOKEN}"}).status_code == 401
    assert (
        browser_client.get("/admin/review", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    )


def test_admin_login_sets_a_strict_httponly_session_and_review_works_from_it(browser_client):
    sub_token = csrf_token(browser_client)
    created = post_form(browser_client, "/submit", valid_submission(), sub_token)
    sub_id = created.headers["location"].rsplit("/", 1)[1]
    token = csrf_token(browser_client, "/admin/login")

    wrong = post_form(browser_client, "/admin/login", {"token": "nope"}, token)
    assert wrong.status_code == 401
    login = post_form(browser_client, "/admin/login", {"token": TOKEN}, token)
    assert login.status_code == 303
    cookie = login.headers["set-cookie"]
    assert "synapse_admin=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert TOKEN not in cookie

    listing = browser_client.get("/admin/review", headers=HTML)
    assert listing.status_code == 200 and sub_id in listing.text
    assert post_form(browser_client, f"/admin/review/{sub_id}/approve", {}, None).status_code == 403, (
        "CSRF token"
    )
    rejected = post_form(
        browser_client, f"/admin/review/{sub_id}/reject", {"reason": "duplicate of another"}, token
    )
    assert rejected.status_code == 303
    status = browser_client.get(f"/submit/thanks/{sub_id}", headers=HTML).text
    assert "duplicate of another" in status
    again = post_form(browser_client, f"/admin/review/{sub_id}/approve", {}, token)
    assert again.status_code == 409


def test_approving_publishes_the_entry_at_once(browser_client, server):
    token = csrf_token(browser_client)
    created = post_form(browser_client, "/submit", valid_submission(), token)
    sub_id = created.headers["location"].rsplit("/", 1)[1]

    approved = browser_client.post(
        f"/admin/review/{sub_id}/approve", headers={"authorization": f"Bearer {TOKEN}"}
    )

    assert approved.status_code == 303
    slug = approved.headers["location"].rsplit("/", 1)[1]
    assert browser_client.get("/search", params={"q": NEW_ERROR}).json()["match"] == slug
    assert f"/solutions/{slug}.md" in browser_client.get("/llms.txt").text
    page = browser_client.get(f"/solutions/{slug}", headers=HTML)
    assert page.status_code == 200 and "Split the batch" in page.text
    assert browser_client.get(f"/solutions/{slug}.md").text.startswith(
        "---\ntitle: quuxlib FrobnicationError"
    )


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )
