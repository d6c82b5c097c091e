"""The website in a real browser: search, copy, submit → review → search, feedback, phone width, XSS."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
LOCKED = "sqlite-database-locked"
NEW_ERROR = "quuxlib.FrobnicationError: the frobnicator refused widget 7 of batch"
XSS_FLAG = "window.__xss"
PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=2>",
    "[click](javascript:window.__xss=3)",
    '"><svg onload=window.__xss=4>',
    '<a href="javascript:window.__xss=5">x</a>',
    "{{ 7*7 }}",
]
XSS = " ".join(PAYLOADS)


def assert_no_xss(page: Page) -> None:
    assert page.evaluate(f"typeof {XSS_FLAG}") == "undefined", f"an XSS payload ran on {page.url}"
    for link in page.locator("a[href]").all():
        assert not (link.get_attribute("href") or "").strip().lower().startswith("javascript:")
    assert page.locator("main img, main svg, main script").count() == 0


def fill_submission(page: Page, **fields: str) -> None:
    for name, value in fields.items():
        page.locator(f'[name="{name}"]').fill(value)


def valid_fields(**changes: str) -> dict[str, str]:
    fields = {
        "title": "quuxlib FrobnicationError when a widget batch is too large",
        "errors": NEW_ERROR,
        "symptom": "- The frobnicator refuses a widget\n- Only with batches of more than six widgets",
        "root_cause": "quuxlib frobnicates at most six widgets per batch.",
        "fix_title_1": "Split the batch",
        "fix_language_1": "python",
        "fix_code_1": "def batches(items, size=6):\n    for i in range(0, len(items), size):\n        yield items[i : i + size]",
        "tags": "quuxlib, batching",
    }
    fields.update(changes)
    return fields


def search_from_home(page: Page, text: str) -> None:
    page.goto("/")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("/")
    box = page.locator("#q")
    expect(box).to_be_focused()
    expect(box).to_have_value("")  # the shortcut focuses; it must not type a slash into the query
    box.type(text)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))


def test_search_from_the_home_page_lands_on_the_right_entry(page: Page):
    search_from_home(page, "sqlite3.OperationalError: database is locked")

    first = page.locator("ol.results > li").first
    expect(first.locator(".badge.ok")).to_have_text("confident")
    expect(first.locator("mark").first).to_be_visible()
    first.locator("a.result-title").click()

    page.wait_for_url(f"**/solutions/{LOCKED}")
    expect(page.locator("h1")).to_contain_text("database is locked")


def test_the_copy_button_puts_the_code_on_the_clipboard(browser, site):
    context = browser.new_context(base_url=site.url, permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(f"/solutions/{LOCKED}")
        expected = httpx.get(f"{site.url}/api/solutions/{LOCKED}").json()["fixes"][0]["code"]

        button = page.locator('button.copy[data-copy="code-1"]')
        expect(button).to_be_visible()
        button.click()

        expect(button).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == expected
    finally:
        context.close()


def test_without_javascript_the_code_is_still_there_to_select(browser, site):
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/solutions/{LOCKED}")
        expect(page.locator("#code-1 code")).to_be_visible()
        expect(page.locator('button.copy[data-copy="code-1"]')).to_be_hidden()
    finally:
        context.close()


def test_submit_with_an_error_fix_it_approve_on_the_cli_and_find_it(page: Page, site):
    page.goto("/submit")
    fill_submission(page, **valid_fields(root_cause=""))
    page.locator("button[type=submit].primary").click()

    expect(page.locator("#err-root_cause")).to_be_visible()
    expect(page.locator('[name="title"]')).to_have_value(valid_fields()["title"])
    expect(page.locator('[name="fix_code_1"]')).to_have_value(valid_fields()["fix_code_1"])
    page.locator('[name="root_cause"]').fill(valid_fields()["root_cause"])
    page.locator("button[type=submit].primary").click()

    page.wait_for_url(re.compile(r"/submit/thanks/sub_[0-9a-f]{12}$"))
    sub_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("code.tracking")).to_have_text(sub_id)

    search_from_home(page, NEW_ERROR)
    assert page.locator("a.result-title", has_text="quuxlib").count() == 0, "pending: not searchable"

    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "review", "approve", sub_id, "--db", str(site.db)],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    search_from_home(page, NEW_ERROR)
    first = page.locator("ol.results > li").first
    expect(first.locator(".badge.ok")).to_have_text("confident")
    first.locator("a.result-title").click()
    expect(page.locator("h1")).to_have_text(valid_fields()["title"])
    expect(page.locator("#code-1")).to_contain_text("def batches")


def test_this_worked_updates_the_count(page: Page):
    page.goto(f"/solutions/{LOCKED}")
    worked = page.locator('[data-stat="worked"]')
    expect(worked).to_have_text("0")

    page.locator("button.good").click()

    expect(worked).to_have_text("1")
    expect(page.locator("[data-feedback-status]")).to_contain_text("counted")
    page.reload()
    expect(worked).to_have_text("1")


def test_this_worked_without_javascript_posts_the_form(browser, site):
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/solutions/{LOCKED}")
        page.locator("button.bad").click()
        page.wait_for_url(re.compile(r"voted=0"))
        expect(page.locator('[data-stat="failed"]')).to_have_text("1")
    finally:
        context.close()


PHONE_PAGES = [
    "/",
    "/search?format=html&q=sqlite3.OperationalError%3A+database+is+locked",
    f"/solutions/{LOCKED}",
    "/solutions/context-length-exceeded",
    "/solutions",
    "/submit",
]


def test_pages_fit_a_390_px_phone(browser, site):
    context = browser.new_context(base_url=site.url, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        for path in PHONE_PAGES:
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
            expect(page.locator("h1").first).to_be_visible()
            box = page.locator("[data-search-box]").first
            assert box.bounding_box()["width"] > 200, f"the search box is usable on {path}"
    finally:
        context.close()


def test_an_xss_payload_in_every_field_never_runs(page: Page, site, admin_token):
    fields = {
        "title": f"Frobnication fails {PAYLOADS[0]} {PAYLOADS[3]}",
        "errors": f"{NEW_ERROR} {PAYLOADS[0]}\n{NEW_ERROR} {PAYLOADS[1]}",
        "symptom": f"- {XSS}",
        "root_cause": XSS,
        "fix_title_1": f"Split {PAYLOADS[1]}",
        "fix_language_1": "python",
        "fix_description_1": XSS,
        "fix_code_1": f"x = 1  # {XSS}",
        "tags": "quuxlib",
        "environment": XSS[:400],
        "source": XSS[:400],
        "contact": PAYLOADS[0],
    }
    page.goto("/submit")
    fill_submission(page, **{**fields, "fix_language_1": PAYLOADS[0]})
    page.locator("button[type=submit].primary").click()
    expect(page.locator("#err-fix_language_1")).to_be_visible()
    assert_no_xss(page)

    page.locator('[name="fix_language_1"]').fill("python")
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/submit/thanks/"))
    assert_no_xss(page)
    sub_id = page.url.rsplit("/", 1)[1]

    page.goto("/admin/login")
    page.locator("#token").fill(admin_token)
    page.locator("button[type=submit].primary").click()
    page.wait_for_url("**/admin/review")
    assert_no_xss(page)
    page.locator(f'a[href="/admin/review/{sub_id}"]').click()
    expect(page.locator("h1")).to_contain_text("<script>")
    assert_no_xss(page)
    page.locator("button.good").click()  # approve

    page.wait_for_url(re.compile(r"/solutions/frobnication-fails"))
    expect(page.locator("h1")).to_contain_text("<script>window.__xss=1</script>")
    assert_no_xss(page)
    for path in ("/", "/solutions?sort=newest", f"/search?format=html&q={NEW_ERROR}"):
        page.goto(path)
        assert_no_xss(page)
