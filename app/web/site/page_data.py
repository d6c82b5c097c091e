"""What each HTML page shows, as plain data: the routes fetch it, the templates lay it out.

Reads only (each function takes a read connection). Keeping the queries here keeps
`app.web.site.routes` down to parse → call → render, and lets tests call these directly.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from app.corpus import facets
from app.corpus import rows as entries_db
from app.search import stats
from app.store.engine import dialect, index_reader
from app.submissions import review as submissions
from app.web.site.markdown_html import code_html, markdown_html
from synapse_skill.matching import matcher

PAGE_SIZE = 20
COMMON_SHARE = 20  # a tag or language held by more than 1/20 of the entries is read by probing
LLMS_SUMMARY = (
    "> A knowledge base of solved errors for AI agents: each entry lists the error signatures it answers,"
    " why they happen, and fix code. Look an error up with GET /search?q=ERROR_TEXT (JSON)."
)
# Case-insensitive order is lower(title) (ASCII folding on both engines), as in the indexes.
SORTS = {
    "title": "lower(e.title) ASC",
    "matched": "s.matched DESC, s.slug ASC",  # walks entry_stats_by_matched
    "newest": "e.published_at DESC, e.updated DESC, lower(e.title) ASC",
}
_WORD = re.compile(r"(\w+)")


# -- home ---------------------------------------------------------------------------------


def home(conn) -> dict:
    return {
        "numbers": stats.counters(conn),
        "most_searched": most_searched(conn),
        "most_wanted": stats.most_wanted(conn, limit=8),
        "recent": recent(conn, limit=8),
    }


def most_searched(conn, limit: int = 8) -> list[dict]:
    """Entries by how often searches landed on them (many differently worded queries reach one entry)."""
    queries = stats.most_searched(conn, limit=limit * 5)
    titles = _titles(conn, [row["last_slug"] for row in queries])
    by_slug: dict[str, dict] = {}
    for row in queries:
        slug = row["last_slug"]
        if slug in titles:
            item = by_slug.setdefault(slug, {"slug": slug, "title": titles[slug], "count": 0})
            item["count"] += row["count"]
    return sorted(by_slug.values(), key=lambda item: -item["count"])[:limit]


def recent(conn, limit: int = 8) -> list[dict]:
    latest = dialect(conn).greatest("coalesce(published_at, '')", "coalesce(updated, '')")  # as indexed
    rows = conn.execute(
        f"SELECT slug, title, updated, tags FROM entries ORDER BY {latest} DESC, slug LIMIT ?",
        (limit,),
    )
    return [{**dict(r), "tags": json.loads(r["tags"] or "[]")} for r in rows]


def _titles(conn, slugs: list[str]) -> dict[str, str]:
    """The titles of these entries only: a page never reads every title."""
    if not slugs:
        return {}
    marks = ",".join("?" * len(slugs))
    return dict(conn.execute(f"SELECT slug, title FROM entries WHERE slug IN ({marks})", slugs).fetchall())


# -- browse -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrowseQuery:
    tag: str = ""
    language: str = ""
    sort: str = "title"
    page: int = 1

    def link(self, **changes) -> str:
        """The browse URL for this query with some parameters changed (page resets unless given)."""
        values = {"tag": self.tag, "language": self.language, "sort": self.sort, "page": 1, **changes}
        parts = [
            f"{k}={_quote(str(v))}" for k, v in values.items() if v and not (k == "sort" and v == "title")
        ]
        parts = [p for p in parts if p != "page=1"]
        return "/solutions" + ("?" + "&".join(parts) if parts else "")


def browse(conn, query: BrowseQuery) -> dict:
    entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    filters = [(f, v) for f, v in ((facets.TAG, query.tag), (facets.LANGUAGE, query.language)) if v]
    held = {facet: facets.count(conn, facet, value) for facet, value in filters}  # each filter's count
    where = [facets.condition(facet, common=n * COMMON_SHARE > entries) for facet, n in held.items()]
    args = [value for _, value in filters]
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    if len(filters) > 1:
        total = conn.execute(f"SELECT count(*) FROM entries e {clause}", args).fetchone()[0]
    else:
        total = next(iter(held.values()), entries)  # a kept count: no rows counted
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, query.page), pages)
    rows = conn.execute(
        "SELECT e.slug, e.title, e.tags, e.languages, e.errors, e.updated, e.token_savings, e.verified_by,"
        " coalesce(s.matched, 0) AS matched, coalesce(s.worked, 0) AS worked"
        f" FROM entries e JOIN entry_stats s ON s.slug = e.slug {clause}"  # every entry has its row
        f" ORDER BY {SORTS[query.sort]} LIMIT ? OFFSET ?",
        [*args, PAGE_SIZE, (page - 1) * PAGE_SIZE],
    ).fetchall()
    items = [
        {
            **dict(r),
            "tags": json.loads(r["tags"] or "[]"),
            "languages": json.loads(r["languages"] or "[]"),
            "signature": (json.loads(r["errors"] or "[]") or [""])[0],
        }
        for r in rows
    ]
    return {
        "items": items,
        "total": total,
        "page": page,
        "pages": pages,
        "query": BrowseQuery(query.tag, query.language, query.sort, page),
        "tags": _options(conn, facets.TAG, query.tag, held),
        "languages": _options(conn, facets.LANGUAGE, query.language, held),
        "sorts": [("title", "Title"), ("matched", "Most matched"), ("newest", "Newest")],
    }


def _options(conn, facet: str, value: str | None, held: dict[str, int]) -> list[tuple[str, int]]:
    """The facet's most used values for the filter menu, with the value the page is filtered by
    (`held`: its count, read for the page already) kept in: a rarer tag than the top ones must
    still show as the selected one."""
    top = facets.top_values(conn, facet)
    if value and all(v != value for v, _ in top):
        return [*top, (value, held[facet])]
    return top


# -- one solution -------------------------------------------------------------------------


def solution(conn, slug: str) -> dict | None:
    row = entries_db.entry_row(conn, slug)
    if row is None:
        return None
    fixes = [
        {
            **fix,
            "description_html": markdown_html(fix["description"] or ""),
            "code_html": code_html(fix["code"], fix["language"] or ""),
        }
        for fix in row["fixes"]
    ]
    return {
        **row,
        "fixes": fixes,
        "symptom_html": markdown_html(row["symptom"] or ""),
        "root_cause_html": markdown_html(row["root_cause"] or ""),
        "limits_html": markdown_html(row["limits"] or "") if row["limits"] else "",
        "savings_html": markdown_html(row["savings_note"] or "") if row["savings_note"] else "",
        "related": related(conn, row),
        "source_url": safe_url(row.get("source") or ""),
    }


def safe_url(text: str) -> str:
    """`text` when it is a plain http(s) URL (no spaces, quotes or angle brackets), else ''."""
    text = text.strip()
    if re.fullmatch(r"https?://[^\s<>\"'`]{1,2000}", text):
        return text
    return ""


def related(conn, row: dict, limit: int = 6) -> list[dict]:
    """Entries sharing tags with this one, then entries whose signatures the matcher finds close."""
    found: dict[str, dict] = {}
    for sig in row["errors"][:2]:
        for hit in matcher.search(index_reader(conn), sig, limit=4).hits:
            if hit.slug != row["slug"] and hit.slug not in found and hit.score >= 40:
                found[hit.slug] = {"slug": hit.slug, "why": "similar error"}
    for slug, tags in facets.sharing_tags(conn, row["slug"], row["tags"], limit):
        found.setdefault(slug, {"slug": slug, "why": f"shares tags: {', '.join(sorted(tags))}"})
    chosen = list(found.values())[:limit]
    titles = _titles(conn, [item["slug"] for item in chosen])
    return [{**item, "title": titles.get(item["slug"], item["slug"])} for item in chosen]


def llms_txt(conn, base_url: str) -> str:
    """The llmstxt.org index: a title, a one-line summary, then one link per entry."""
    base = base_url.rstrip("/")
    lines = [
        "# SynapseAI",
        "",
        LLMS_SUMMARY,
        "",
        "## Solutions",
        "",
    ]
    for r in conn.execute("SELECT slug, title, errors FROM entries ORDER BY lower(title), slug"):
        errors = json.loads(r["errors"] or "[]")
        summary = " ".join((errors[0] if errors else "").split())[:200]
        lines.append(f"- [{_one_line(r['title'])}]({base}/solutions/{r['slug']}.md): {summary}")
    return "\n".join(lines) + "\n"


# -- search results -----------------------------------------------------------------------


def search_results(body: dict) -> list[dict]:
    """The API's results plus what the page adds: the signature split for highlighting, the code
    highlighted (the matcher already left out near misses below its relevance floor)."""
    out = []
    for result in body["results"]:
        why = result.get("why") or {}
        fix = result.get("fix") or {}
        out.append(
            {
                **result,
                "signature_parts": highlight_terms(why.get("signature") or "", why.get("terms") or ()),
                "fix_html": code_html(fix.get("code") or "", fix.get("language") or "")
                if fix.get("code")
                else "",
            }
        )
    return out


def highlight_terms(text: str, terms) -> list[tuple[str, bool]]:
    """Split `text` into (piece, is_shared_term) so a template can wrap the shared words in <mark>."""
    wanted = {str(t).lower() for t in terms}
    parts: list[tuple[str, bool]] = []
    for piece in _WORD.split(text):
        if not piece:
            continue
        hit = piece.lower() in wanted
        if parts and parts[-1][1] == hit:
            parts[-1] = (parts[-1][0] + piece, hit)
        else:
            parts.append((piece, hit))
    return parts


def _one_line(text: str) -> str:
    return " ".join(str(text).split()).replace("[", "(").replace("]", ")")


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


# -- submit and review --------------------------------------------------------------------

FIX_SLOTS = 3


def submit_form(values: dict, field_errors: dict, similar=()) -> dict:
    """The submit page's context: the user's input kept, errors by field, enough fix slots for the input."""
    filled = [
        n for n in range(1, submissions.MAX_FIXES + 1) if any(values.get(f"fix_{k}_{n}") for k in _FIX_KEYS)
    ]
    slots = max([FIX_SLOTS, *filled])
    return {
        "values": values,
        "field_errors": field_errors,
        "similar": list(similar),
        "fix_slots": list(range(1, slots + 1)),
        "limits": submissions.FIELD_LIMITS,
        "max_errors": submissions.MAX_ERRORS,
    }


def submission_view(row: dict) -> dict:
    """A pending submission as the reviewer sees it: the same rendering the published entry will get."""
    payload = row["payload"]
    fixes = [
        {**fix, "description_html": markdown_html(fix.get("description") or ""),
         "code_html": code_html(fix.get("code") or "", fix.get("language") or "")}
        for fix in payload.get("fixes", [])
    ]  # fmt: skip
    return {
        **row,
        "p": payload,
        "fixes": fixes,
        "symptom_html": markdown_html(payload.get("symptom") or ""),
        "root_cause_html": markdown_html(payload.get("root_cause") or ""),
    }


_FIX_KEYS = ("title", "language", "code", "description")
