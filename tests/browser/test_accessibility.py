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


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("style_name", ["LIGHT_STYLE", "DARK_STYLE"])
def test_every_code_token_colour_meets_wcag_aa(style_name):
    """axe only sees the tokens the pages happen to show: check all of the style's colours."""
    from pygments.styles import get_style_by_name

    from app.web.site import markdown_html

    style = get_style_by_name(getattr(markdown_html, style_name))
    background = style.background_color
    low = []
    for token, spec in style:
        if spec["color"]:
            ratio = contrast("#" + spec["color"], "#" + spec["bgcolor"] if spec["bgcolor"] else background)
            if ratio < 4.5:
                low.append(f"{token}: #{spec['color']} is {ratio:.2f}:1")
    assert not low, f"{style.__name__} ({background}) has token colours under 4.5:1: {low}"


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
