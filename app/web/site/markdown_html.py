"""Markdown and code → HTML that is safe to put in a page.

Entries come from strangers (the submit form), so rendering has two independent layers:
markdown-it's `js-default` preset (raw HTML off, unsafe link schemes refused) and then nh3
(the ammonia sanitiser) with a short allowlist of tags, attributes, classes and URL schemes.
Either layer alone would stop `<script>`, `javascript:` links and event attributes; both
together mean a bug in one is not an XSS. Code is highlighted by Pygments, whose output
escapes every character of the source; an unknown language is escaped as plain text.

Results are cached by input text: the same entry renders to the same HTML every time.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from app.text import clean_text

MAX_MARKDOWN_CHARS = 128 * 1024  # markdown-it's advisories are all DoS: cap the input
# Both keep every token colour at 4.5:1 or more against their background (WCAG AA; "friendly",
# the old light style, went down to 2.6:1). tests/browser/test_accessibility.py checks it.
LIGHT_STYLE, DARK_STYLE = "xcode", "monokai"

_TOKEN_CLASSES = frozenset(c for c in STANDARD_TYPES.values() if c)
_LANGUAGE_CLASS = re.compile(r"^language-[a-z0-9+#._-]{1,32}$")
_LANGUAGE_NAME = re.compile(r"^[a-z0-9+#._-]{1,32}$")
_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "strong", "em", "s", "del",
    "code", "pre", "span", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}, "code": {"class"},
               "span": {"class"}, "pre": {"class", "tabindex"}}  # fmt: skip


def _keep_safe_classes(tag: str, attr: str, value: str) -> str | None:
    """nh3 attribute filter: classes survive only if they are Pygments token classes or `language-x`."""
    if attr == "tabindex":  # code blocks scroll, so they must be reachable from the keyboard
        return "0" if tag == "pre" and value == "0" else None
    if attr != "class":
        return value
    if tag == "code":
        kept = [c for c in value.split() if _LANGUAGE_CLASS.match(c)]
    elif tag == "span":
        kept = [c for c in value.split() if c in _TOKEN_CLASSES]
    else:  # pre
        kept = [c for c in value.split() if c == "highlight"]
    return " ".join(kept) or None


def sanitize(fragment: str) -> str:
    return nh3.clean(
        clean_text(fragment),  # nh3 takes only text UTF-8 can carry
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        attribute_filter=_keep_safe_classes,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow ugc",
        strip_comments=True,
    )


def _code_html(code: str, language: str) -> str:
    """Highlighted code as `<pre class="highlight"><code class="language-x">…</code></pre>`."""
    lang = (language or "").strip().lower()
    try:
        body = highlight(code, get_lexer_by_name(lang), HtmlFormatter(nowrap=True)) if lang else None
    except ClassNotFound:
        body = None
    if body is None:
        body = html.escape(code)
    lang_class = f' class="language-{lang}"' if _LANGUAGE_NAME.match(lang) else ""
    return f'<pre class="highlight" tabindex="0"><code{lang_class}>{body}</code></pre>'


def _fence_highlighter(code: str, language: str, _attrs) -> str:
    return _code_html(code, language.split()[0] if language else "")


_markdown = MarkdownIt("js-default", {"highlight": _fence_highlighter})


@lru_cache(maxsize=2048)
def markdown_html(text: str) -> Markup:
    """Markdown from an entry or a submission → sanitised HTML, safe to insert unescaped."""
    text = clean_text(text or "")
    if len(text) > MAX_MARKDOWN_CHARS:
        return Markup(f'<pre tabindex="0">{html.escape(text)}</pre>')
    # indented code blocks skip the highlighter: make them keyboard-scrollable as well
    return Markup(sanitize(_markdown.render(text).replace("<pre>", '<pre tabindex="0">')))


@lru_cache(maxsize=2048)
def code_html(code: str, language: str) -> Markup:
    """One fix option's code block, highlighted (and sanitised like everything else)."""
    return Markup(sanitize(_code_html(code or "", language or "")))


def highlight_css() -> str:
    """Pygments token colours for light pages, and for dark ones under prefers-color-scheme."""
    light = HtmlFormatter(style=LIGHT_STYLE).get_style_defs(".highlight")
    dark = HtmlFormatter(style=DARK_STYLE).get_style_defs(".highlight")
    dark = "\n".join("  " + line for line in dark.splitlines())
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
