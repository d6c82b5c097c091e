"""Issue 16, the website as outside clients found it: most wanted, relevance floor, traceback
results, the solution page, votes and plain error pages (TestClient against the real app)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.corpus.entries import parse_entry
from app.search import stats
from app.web.factory import create_app
from synapse_skill.matching.matcher import Hit, worth_showing

HTML = {"accept": "text/html"}
TOKEN = "test-admin-token-0123456789"
LOCKED = "sqlite-database-locked"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
WANTED = "flurbdb.ZonkError: cannot frob db-01.corp.example.com port 5433 as user 'alice' (zonk 77)"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(db=tmp_path_factory.mktemp("i16") / "s.db", admin_token=TOKEN))


def client_at(app, host: str) -> TestClient:
    return TestClient(app, client=(host, 40000), headers=HTML)


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_most_wanted_needs_three_distinct_clients_and_is_redacted_and_readable(app):
    with client_at(app, "10.0.0.1") as one:
        for _ in range(5):  # one client repeating itself is not "wanted"
            assert one.get("/search", params={"q": WANTED}).status_code == 200
        one.app.state.store.flush()  # search counters are written once a second; now, for the test
        home = one.get("/").text
        assert "cannot frob" not in home
    for host in ("10.0.0.2", "10.0.0.3"):
        with client_at(app, host) as other:
            other.get("/search", params={"q": WANTED})
    with client_at(app, "10.0.0.4") as viewer:
        for _ in range(50):
            home = viewer.get("/").text
            if "cannot frob" in home:
                break
        wanted = home[home.index("Most wanted") :]
        assert "cannot frob <host> port N as user <user>" in wanted.replace("&lt;", "<").replace("&gt;", ">")
        assert "3 clients" in wanted
        for leak in ("db-01", "corp.example.com", "alice", "_num_", "_ip_"):
            assert leak not in wanted, leak
        assert "/submit?error=" in wanted


def test_an_admin_hides_a_wanted_query_with_csrf(app):
    for host in ("10.1.0.1", "10.1.0.2", "10.1.0.3"):
        with client_at(app, host) as c:
            c.get("/search", params={"q": "zorgblat.FrumpError: the grommet 12 fell off"})
    with client_at(app, "10.0.0.9") as admin:  # one client per `with`: each runs the app's lifespan
        login = admin.get("/admin/login")
        admin.post(
            "/admin/login",
            data={"token": TOKEN, "csrf_token": csrf(login.text)},
            headers={"origin": "http://testserver"},
        )
        page = ""
        for _ in range(50):
            page = admin.get("/admin/review").text
            if "grommet" in page:
                break
        assert "the grommet 12 fell off" in page
        norm = re.search(r'name="norm" value="([^"]*grommet[^"]*)"', page).group(1)
        refused = admin.post(
            "/admin/wanted/hide", data={"norm": norm}, headers={"origin": "http://testserver"}
        )
        assert refused.status_code in (400, 403)
        done = admin.post(
            "/admin/wanted/hide",
            data={"norm": norm, "csrf_token": csrf(page)},
            headers={"origin": "http://testserver"},
        )
        assert done.status_code == 200
        assert "grommet" not in admin.get("/").text
        assert admin.get("/admin/review").headers  # still reachable


def near_miss(score: float, *terms: str) -> Hit:
    return Hit("some-entry", score, False, "signature", None, terms)


def test_relevance_floor_and_empty_state_offers_submit(app):
    assert not worth_showing(near_miss(25, "database"))
    assert not worth_showing(near_miss(60, "the", "in"))
    assert worth_showing(near_miss(60, "locked"))
    with client_at(app, "10.2.0.1") as c:
        # the API, the CLI and the skill share the floor: nonsense gets no near misses anywhere
        api = {"accept": "application/json"}
        assert c.get("/search", params={"q": "the thing in the box"}, headers=api).json()["results"] == []
        answer = c.post(
            "/search",
            json={
                "q": 'Traceback (most recent call last):\n  File "x.py", line 1\nZeroDivisionError: the box'
            },
            headers=api,
        )
        assert answer.status_code == 200, answer.text
        traceback_results = answer.json()["results"]
        assert all(r["confident"] or r["score"] >= 30 for r in traceback_results)
        page = c.get("/search", params={"q": "the thing in the box"}).text
        assert "near miss" not in page
        assert "/submit?error=the%20thing%20in%20the%20box" in page and "submit a solution" in page


def test_a_traceback_is_one_preformatted_block_with_a_share_link(app):
    tb = 'Traceback (most recent call last):\n  File "x.py", line 3, in <module>\nsqlite3.OperationalError: database is locked\n'
    with client_at(app, "10.3.0.1") as c:
        page = c.get("/search", params={"q": tb}).text
        block = re.search(r"<pre class=\"pasted\" tabindex=\"0\"[^>]*>(.*?)</pre>", page, re.S)
        assert block and "line 3, in &lt;module&gt;\nsqlite3.OperationalError" in block.group(1)
        share = re.search(r'href="(/search\?format=html&amp;q=[^"]+)"', page).group(1).replace("&amp;", "&")
        again = c.get(share)
        assert again.status_code == 200 and LOCKED in again.text


def test_solution_page_toc_source_link_and_no_zero_figures(app):
    with client_at(app, "10.4.0.1") as c:
        page = c.get(f"/solutions/{LOCKED}").text
        toc = page[
            page.index('aria-label="On this page"') : page.index(
                "</nav>", page.index('aria-label="On this page"')
            )
        ]
        for anchor in ("#h-symptom", "#h-cause", "#option-1", "#feedback"):
            assert anchor in toc
        assert "About 0 tokens" not in page
        home = c.get("/").text
        assert not re.search(r"<strong>0</strong><span>(searches answered|tokens saved)", home)


def test_tag_filter_keeps_the_active_tag_and_400_is_plain(app):
    with client_at(app, "10.5.0.1") as c:
        page = c.get("/solutions", params={"tag": "sqlite"}).text
        assert re.search(r'<option value="sqlite"[^>]*selected', page)
        # a tag too rare for the menu's most used ones still shows as the active filter
        menu = re.findall(r'<option value="([^"]+)"', c.get("/solutions").text)
        counts = Counter(t for path in SOLUTIONS.glob("*.md") for t in parse_entry(path).tags)
        rare = next(tag for tag, n in sorted(counts.items(), reverse=True) if n == 1 and tag not in menu)
        page = c.get("/solutions", params={"tag": rare}).text
        assert re.search(rf'<option value="{re.escape(rare)}"[^>]*selected>{re.escape(rare)} \(1\)', page)
        bad = c.get("/solutions", params={"sort": "bogus"})
        assert bad.status_code == 400
        assert "^(" not in bad.text and "pattern" not in bad.text
        assert "not one of the accepted values" in bad.text


def test_recently_added_is_newest_first(app):
    with client_at(app, "10.6.0.1") as c:
        store = c.app.state.store
        dates = store.read_now(
            lambda conn: [
                r[0]
                for r in conn.execute(
                    "SELECT max(coalesce(published_at, ''), coalesce(updated, '')) FROM entries"
                    " ORDER BY 1 DESC LIMIT 8"
                )
            ]
        )
        from app.web.site import page_data

        recent = store.read_now(page_data.recent)
        got = [
            store.read_now(
                lambda conn, s=e["slug"]: conn.execute(
                    "SELECT max(coalesce(published_at, ''), coalesce(updated, '')) FROM entries WHERE slug = ?",
                    (s,),
                ).fetchone()[0]
            )
            for e in recent
        ]
        assert got == sorted(got, reverse=True) and got[0] == dates[0]


def test_a_reload_cannot_vote_twice(app):
    with client_at(app, "10.7.0.1") as c:

        def vote():
            page = c.get(f"/solutions/{LOCKED}").text
            rid = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
            return c.post(
                f"/solutions/{LOCKED}/feedback",
                data={"worked": "1", "request_id": rid, "csrf_token": csrf(page)},
                headers={"origin": "http://testserver"},
            )

        def worked() -> int:
            return int(
                re.search(r'data-stat="worked">([\d,]+)<', c.get(f"/solutions/{LOCKED}").text).group(1)
            )

        before = worked()
        first, second = vote(), vote()
        assert "answer was counted" in first.text
        assert "once per browser" in second.text
        assert worked() == before + 1


def test_readable_query_removes_placeholders_hosts_and_users():
    text = stats.readable_query("connect to api.acme.io port _num_ failed for user 'bob' (_ip_)")
    assert "_num_" not in text and "_ip_" not in text and "acme" not in text and "bob" not in text
