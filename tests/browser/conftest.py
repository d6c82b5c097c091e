"""Real Chromium (Debian's package) driven by Playwright against a real uvicorn server."""

from __future__ import annotations

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS

ADMIN_TOKEN = "browser-test-admin-token-42"


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module: Playwright's sync API keeps an asyncio loop running in
    this thread while it is open, which later asyncio users in the same worker must not see."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: `make test` installs it (make chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def admin_token() -> str:
    return ADMIN_TOKEN


@pytest.fixture
def site(own_server):
    """A server of this test's own, with the admin pages on."""
    return own_server(env={"SYNAPSE_ADMIN_TOKEN": ADMIN_TOKEN}).start()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    pg.js_errors = errors
    yield pg
    context.close()
    assert not errors, f"JavaScript errors or dialogs on the page: {errors}"
