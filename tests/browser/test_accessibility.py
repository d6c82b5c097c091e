"""axe-core in a real Chromium: no serious or critical violations on the public pages, light and dark."""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PAGES = {
    "home": "/",
    "results": "/search?q=database%20is%20locked",
    "no-match": "/search?q=zzqx%20frobnicated%20wibble%20nothing%20matches",
    "solution": "/solutions/sqlite-database-locked",
    "submit": "/submit",
}
SCHEMES = ["light", "dark"]
BLOCKING = {"serious", "critical"}


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:8]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_serious_or_critical_axe_violations(browser, site, scheme):
    """Every page, one server per colour scheme (starting a server is the slow part)."""
    # bypass_csp only lets Playwright inject axe as an inline <script>; the site's own CSP is
    # still sent and still applies to everything the pages load themselves.
    context = browser.new_context(
        base_url=site.url,
        viewport={"width": 1280, "height": 900},
        color_scheme=scheme,
        bypass_csp=True,
        extra_http_headers={"Accept": "text/html"},
    )
    context.set_default_timeout(15_000)
    failures = []
    try:
        page = context.new_page()
        for name, path in PAGES.items():
            response = page.goto(path)
            assert response is not None and response.ok, f"{path} answered {response and response.status}"
            assert "text/html" in response.headers.get("content-type", ""), path
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
            if blocking:
                failures.append(f"{name} {path}:\n{describe(blocking)}")
    finally:
        context.close()
    assert not failures, f"axe-core serious/critical violations ({scheme} scheme):\n" + "\n".join(failures)
