"""Scenario 4: hostile input against every endpoint and every parser.

- schemathesis drives every operation of the app's own OpenAPI schema, with input that
  fits the schema and input that does not, against a live server: no 5xx, no traceback;
- hypothesis throws arbitrary unicode (lone surrogates and NUL included), 1 MB tracebacks,
  deep chains and ReDoS-shaped strings at the extractor, normaliser, redactor and matcher:
  no exception, and each call returns (the 100 KB timings are in bench/soak.py);
- the entry parser lets only `EntryInvalid` escape; the Markdown renderer emits no script,
  no event attribute, no `javascript:` link, whatever it is given; FTS5 syntax in a search
  is a search, never a 500.
"""

from __future__ import annotations

import html.parser
import socket
from functools import cache
from urllib.parse import quote

import httpx
import pytest
from hostile import run_schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from workload import GENEROUS_LIMITS, SOLUTIONS, log_problems

from app.corpus.entries import EntryInvalid, parse_text
from app.search.evaluation import memory_index
from app.web.site.markdown_html import code_html, markdown_html
from synapse_skill.matching import matcher
from synapse_skill.matching.extract import Extracted, extract
from synapse_skill.matching.normalize import normalize
from synapse_skill.redact import redact

EXAMPLES = 60
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- inputs ----------------------------------------------------------------------------------

CHARS = st.one_of(
    st.characters(), st.characters(categories=["Cs"]), st.sampled_from("\x00\r\n\t\x1b'\"()[]:/\\")
)
FRAGMENTS = [
    "Traceback (most recent call last):",
    '  File "/home/alice/app.py", line 12, in handler',
    "    conn.execute(sql)",
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
    "sqlite3.OperationalError: database is locked",
    "E       KeyError: 'OPENAI_API_KEY'",
    "web-1  | ",
    "2024-05-01 12:00:00,123 ERROR app.main: ",
    "requests.exceptions.ConnectionError: (Caused by NewConnectionError('<x>: Failed: [Errno 111] refused'))",
    "(sqlite3.OperationalError) ",
    "\x1b[31m",
    "error: ",
    "fatal: ",
    "ValueError      Traceback (most recent call last)",
    "Cell In[3], line 1",
    "password=hunter2 Bearer abc.def.ghi sk-" + "a" * 40,
]
ERROR_TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(CHARS, max_size=80)), max_size=30).map(
    "\n".join
)
ANY_TEXT = st.one_of(st.text(CHARS, max_size=2000), ERROR_TEXT)

FRAME = '  File "/home/u/app.py", line 12, in handler\n    do()\n'
ONE_MB_TRACEBACK = "Traceback (most recent call last):\n" + FRAME * 20_000 + "ValueError: at the end\n"
DEEP_CHAIN = (
    (
        "Traceback (most recent call last):\n" + FRAME + "KeyError: 'k'\n\n"
        "During handling of the above exception, another exception occurred:\n\n"
    )
    * 2000
    + "Traceback (most recent call last):\n"
    + FRAME
    + "RuntimeError: last\n"
)
DEEP_NESTING = "RuntimeError: " + "(Caused by X(" * 5000 + ")" * 10000
REDOS_SHAPES = [
    chunk * (20_000 // len(chunk))
    for chunk in (
        "a.",
        "(a.B) ",
        "aaaaaaaaaaError",
        "E   ",
        'File "',
        "/a",
        "-/",
        "C:\\a\\",
        "'a",
        '"',
        "http://a@",
        "x://a:",
        "a@b.",
        "password=",
        "--token ",
        "-----BEGIN PRIVATE KEY-----",
        "eyJ",
        "Bearer ",
        "\x1b[",
        "2024-01-01 00:00:00 ",
        "web_1  | ",
        "1.",
        "0x",
        "(Caused by X(",
        "\x00",
        "\ud800",
    )
]
HUGE = [ONE_MB_TRACEBACK, DEEP_CHAIN, DEEP_NESTING]


@cache
def index():
    return memory_index(SOLUTIONS)


def call(fn, text: str):
    """Call fn on hostile text: it must return, not raise. How long it takes is measured in
    bench/soak.py (growth exponent per function), never asserted in a test."""
    return fn(text)


# -- the matcher's text functions --------------------------------------------------------------


@FAST
@given(text=ANY_TEXT)
@example(text="")
@example(text="\x00" * 1000 + "ValueError: \x00")
@example(text="\ud800\udfff KeyError: '\udc80'")
def test_extract_normalize_redact_take_any_text(text):
    found = call(extract, text)
    assert isinstance(found, Extracted) and isinstance(found.primary.message, str)
    assert isinstance(call(normalize, text), str)
    assert isinstance(call(redact, text), str)


@FAST
@given(text=ANY_TEXT)
def test_match_search_ranks_any_text_within_0_to_100(text):
    conn = index()  # built (once) outside the timed call
    outcome = call(lambda t: matcher.search(conn, t, limit=5), text)
    assert len(outcome.hits) <= 5
    assert all(0 <= hit.score <= 100 for hit in outcome.hits)
    assert [h.score for h in outcome.hits] == sorted((h.score for h in outcome.hits), reverse=True)


@pytest.mark.parametrize("text", HUGE, ids=["1MB-traceback", "2000-chained", "5000-nested"])
def test_huge_and_deep_errors_are_handled(text):
    assert call(extract, text).primary.type
    call(normalize, text)
    call(redact, text)
    conn = index()
    call(lambda t: matcher.search(conn, t), text)


def test_the_exception_at_the_end_of_a_1_mb_traceback_is_found():
    assert extract(ONE_MB_TRACEBACK).primary == extract(ONE_MB_TRACEBACK[-2000:]).primary


@pytest.mark.parametrize("text", REDOS_SHAPES, ids=lambda t: repr(t[:8]))
def test_redos_shaped_input_returns(text):
    conn = index()
    for fn in (extract, normalize, redact, lambda t: matcher.search(conn, t)):
        call(fn, text)


# -- the entry parser ----------------------------------------------------------------------------

FRONT_MATTER = st.lists(
    st.one_of(
        st.sampled_from(
            ["title: x", "errors:", '  - "ValueError: x"', "tags: [a]", "tags: [", "a: &a [*a]", "- x"]
        ),
        st.text(CHARS, max_size=60),
    ),
    max_size=12,
).map("\n".join)
ENTRY_TEXT = st.one_of(
    st.text(CHARS, max_size=3000),
    st.tuples(FRONT_MATTER, st.text(CHARS, max_size=500)).map(
        lambda p: (
            f"---\n{p[0]}\n---\n## Symptom\n- {p[1]}\n## Root cause\n{p[1]}\n## Fix\n### Option 1: x\n```python\n{p[1]}\n```\n"
        )
    ),
)


@FAST
@given(text=ENTRY_TEXT)
@example(text="\ud800")  # a lone surrogate in the body: found by this test, once raised UnicodeEncodeError
def test_entry_parser_raises_only_entry_invalid(text):
    try:
        entry = parse_text(text, slug="hostile-entry")
    except EntryInvalid as exc:
        assert exc.problems and all(p.line >= 1 and p.message for p in exc.problems)
    else:
        assert entry.title and entry.errors and entry.fixes


@pytest.mark.parametrize("nesting", ["[" * 5000, "{a: " * 5000])
def test_deeply_nested_front_matter_is_an_invalid_entry(nesting):
    with pytest.raises(EntryInvalid):
        parse_text(f"---\ntitle: {nesting}\n---\n", slug="hostile-entry")


# -- the Markdown renderer ------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<a href='x' onclick='alert(1)'>y</a>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<style>*{x:expression(alert(1))}</style>",
    "<base href=javascript:alert(1)//>",
    "<object data=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x",
    '<img src="x" onerror\x00=alert(1)>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&colon;alert(1))",
    "[x](  javascript:alert(1)  )",
    "[a](<javascript:alert(1)>)",
    "[x]: javascript:alert(1)\n\n[y][x]",
    "![x](javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<http://x.com/"onmouseover="alert(1)>',
    '```python" onmouseover="alert(1)\n<script>alert(1)</script>\n```',
    "```\n</code></pre><script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "\x00<script>alert(1)</script>",
]
ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "strong", "em", "s", "del",
    "code", "pre", "span", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


class _Elements(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def assert_inert(output: str) -> None:
    assert "<script" not in output.lower()
    parser = _Elements()
    parser.feed(output)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, (tag, output[:300])
        for name, value in attrs:
            assert not name.lower().startswith("on"), (tag, name, output[:300])
            squashed = "".join(ch for ch in (value or "") if ch > " ").lower()
            assert not squashed.startswith(("javascript:", "vbscript:", "data:")), (tag, value)
            if name == "href":
                assert squashed.startswith(("http://", "https://", "/", "#")) or ":" not in squashed, value


@pytest.mark.parametrize("text", XSS, ids=range(len(XSS)))
def test_xss_corpus_renders_inert(text):
    assert_inert(str(markdown_html(text)))
    for language in ("python", "html", "", 'x" onclick="alert(1)', "<script>"):
        assert_inert(str(code_html(text, language)))


@FAST
@given(parts=st.lists(st.one_of(st.sampled_from(XSS), st.text(CHARS, max_size=40)), min_size=1, max_size=8))
def test_any_mix_of_markdown_and_html_renders_inert(parts):
    text = "\n".join(parts)
    assert_inert(str(markdown_html(text)))
    assert_inert(str(code_html(text, "python")))


# -- the live server -------------------------------------------------------------------------------

FTS5_SYNTAX = [
    '"',
    '"unterminated',
    "a AND",
    "OR OR OR",
    "NOT a",
    "NEAR(a b, 2)",
    "a*",
    "*",
    "^a",
    "tokens:a",
    "{tokens}: a",
    "(((a",
    "a))) ",
    "-a",
    "+a",
    "a:b:c",
    "match_fts MATCH 'x'",
    "'; DROP TABLE entries; --",
    "\x00",
    "a" * 10_000,
    " ".join(["database"] * 2000),
    "sqlite3.OperationalError: database is locked AND NOT (x OR y*)",
]


def test_schemathesis_finds_no_server_error_in_any_operation(own_server):
    server = own_server(env=GENEROUS_LIMITS).start()

    report = run_schemathesis(server.url, max_examples=15, seed=4)

    assert report.failures == []
    labels = set(report.cases)
    for operation in (
        "GET /search",
        "POST /search",
        "POST /api/solutions/{slug}/feedback",
        "POST /api/submissions",
    ):
        assert operation in labels
    assert all(n > 0 for n in report.cases.values())
    assert report.total >= 120
    assert log_problems(server.log_text()) == {"locked": [], "traceback": [], "5xx": []}


def test_fts5_syntax_in_a_search_is_a_search(own_server):
    server = own_server().start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for q in FTS5_SYNTAX:
            for response in (
                client.get("/search", params={"q": q}),
                client.post("/search", json={"q": q}),
                client.post(
                    "/search", json={"q": q}, headers={"accept": "text/html"}, params={"format": "html"}
                ),
            ):
                assert response.status_code in (200, 400), (q[:40], response.status_code, response.text[:200])
                assert "Traceback (most recent call last):\n" not in response.text
                assert "fts5" not in response.text.lower()
                if response.status_code == 400 and "json" in response.headers["content-type"]:
                    assert response.json()["error"]["code"] in ("bad_query", "invalid_request")


def raw_get(url: str, target: str) -> bytes:
    """The status line of a GET sent as raw bytes (httpx refuses to build URLs this long)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        try:
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            return sock.makefile("rb").readline()
        except OSError:  # reset by the server
            return b""


def test_a_get_search_as_long_as_the_schema_allows_gets_an_http_answer(own_server):
    server = own_server().start()
    status = raw_get(server.url, "/search?q=" + quote("é" * 40_000))
    assert status.startswith(b"HTTP/1.1 200"), status


def test_a_lone_surrogate_in_front_matter_is_an_invalid_entry():
    """libyaml accepts UTF-8 only; such text must be reported, not raise UnicodeEncodeError."""
    with pytest.raises(EntryInvalid):
        parse_text('---\ntitle: \ud800\nerrors: ["x"]\n---\n', slug="hostile-entry")
