"""The website's routes. Each one parses the request, calls one domain or `page_data`
function, and renders a template; the work itself lives in those modules.

Every read goes through `store.execute_read` (a read thread with its own connection), so
the event loop only parses and renders; form posts also read the body and wait on the writer.
Every form post passes `csrf.verify` (origin check + token + honeypot) first.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from app.config import PROJECT_ROOT, Settings
from app.corpus import rows as entries_db
from app.corpus.entries import EntryInvalid
from app.search import service as search
from app.search import stats
from app.search.stars import add_star
from app.store.sqlite_store import Store
from app.submissions import review as submissions
from app.web import admin_auth, csrf
from app.web.deps import get_store
from app.web.errors import ApiError
from app.web.renderers import HtmlRenderers
from app.web.security import check_same_origin
from app.web.site import page_data
from app.web.site.markdown_html import highlight_css
from app.web.site.templates import Views, views

router = APIRouter(include_in_schema=False)
StoreDep = Annotated[Store, Depends(get_store)]
Admin = Annotated[str, Depends(admin_auth.require_admin)]  # "bearer" or "cookie"
FORM_LIMITS = {"max_files": 0, "max_fields": 80, "max_part_size": 256 * 1024}
VOTED_COOKIE = "synapse_voted_"  # + slug: one feedback vote per browser and entry


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the website to `app`: its templates, routes and static files."""
    app.state.views = Views(settings.templates, PROJECT_ROOT / "static")
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")


async def read_form(request: Request):
    """The posted form, size-limited, after the CSRF, origin and honeypot checks."""
    form = await request.form(**FORM_LIMITS)
    csrf.verify(request, form)
    return form


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"no {what} here")


# -- home, search --------------------------------------------------------------------------


@router.get("/")
async def home(request: Request, store: StoreDep):
    return views(request).page(request, "home.html", await store.execute_read(page_data.home))


def render_search_page(request: Request, body: dict, status: int = 200, error: str = "") -> HTMLResponse:
    """The HTML twin of the JSON search answer (`app.web.api.routes` calls this for browsers)."""
    context = {
        "body": body,
        "q": body.get("query", ""),
        "results": page_data.search_results(body),
        "error": error,
    }
    return views(request).page(request, "results.html", context, status=status)


def render_error_page(request: Request, status: int, message: str) -> Response:
    return views(request).error(request, status, message)


# What `create_app` hands the JSON routes and the error handlers for browsers.
HTML = HtmlRenderers(error=render_error_page, search=render_search_page)


@router.post("/search/form")
async def search_form(request: Request, store: StoreDep):
    """A pasted traceback (too long for a URL) posted from the textarea form."""
    form = await read_form(request)
    q = str(form.get("q", ""))
    try:
        q, limit = search.validate(q, 5)
    except search.BadQuery as exc:
        body = {"query": q, "normalized": "", "took_ms": 0, "match": None, "results": []}
        return render_search_page(request, body, status=400, error=str(exc))
    result = await store.execute_read(search.run_search, q, limit)
    search.record(store, result, request.client.host if request.client else None)
    return render_search_page(request, result.body)


# -- solutions -----------------------------------------------------------------------------


@router.get("/solutions")
async def browse(
    request: Request,
    store: StoreDep,
    tag: Annotated[str, Query(max_length=100)] = "",
    language: Annotated[str, Query(max_length=100)] = "",
    sort: Annotated[str, Query(pattern="^(title|matched|newest)$")] = "title",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
):
    data = await store.execute_read(page_data.browse, page_data.BrowseQuery(tag, language, sort, page))
    return views(request).page(request, "browse.html", data)


@router.get("/solutions/{slug}.md")
async def solution_markdown(slug: str, store: StoreDep):
    text = await store.execute_read(entries_db.raw_markdown, slug)
    if text is None:
        raise not_found("solution")
    return Response(text, media_type="text/markdown; charset=utf-8")


@router.get("/solutions/{slug}")
async def solution(request: Request, slug: str, store: StoreDep, voted: str = "", starred: str = ""):
    entry = await store.execute_read(page_data.solution, slug)
    if entry is None:
        raise not_found("solution")
    context = {
        "entry": entry,
        "voted": voted in ("1", "0"),
        "already_voted": voted == "again",
        "starred": starred == "1",
        "request_id": uuid.uuid4().hex,
    }
    return views(request).page(request, "solution.html", context)


@router.post("/solutions/{slug}/feedback")
async def solution_feedback(request: Request, slug: str, store: StoreDep):
    form = await read_form(request)
    await request.app.state.limiter.check(request, "feedback")
    worked = form.get("worked") == "1"
    cookie = VOTED_COOKIE + slug
    if request.cookies.get(cookie):  # this browser already voted: a reload or a second click
        return RedirectResponse(f"/solutions/{slug}?voted=again#feedback", status_code=303)
    request_id = str(form.get("request_id") or uuid.uuid4().hex)[:64]
    if not await store.awrite(stats.record_feedback, slug, worked, request_id):
        raise not_found("solution")
    response = RedirectResponse(f"/solutions/{slug}?voted={int(worked)}#feedback", status_code=303)
    response.set_cookie(
        cookie, "1", max_age=365 * 86400, path=f"/solutions/{slug}", httponly=True, samesite="lax"
    )
    return response


@router.post("/solutions/{slug}/star")
async def solution_star(request: Request, slug: str, store: StoreDep):
    await read_form(request)
    await request.app.state.limiter.check(request, "feedback")
    stars = await store.awrite(add_star, slug)
    if stars is None:
        raise not_found("solution")
    if "application/json" in request.headers.get("accept", ""):
        return {"slug": slug, "stars": stars}
    return RedirectResponse(f"/solutions/{slug}?starred=1#feedback", status_code=303)


@router.get("/llms.txt")
async def llms_txt(request: Request, store: StoreDep):
    # Absolute links come from the configured public URL, never from the request's Host header.
    base = request.app.state.settings.public_url
    return PlainTextResponse(await store.execute_read(page_data.llms_txt, base))


@router.get("/highlight.css")
def highlight_stylesheet():
    return Response(
        highlight_css(), media_type="text/css", headers={"cache-control": "public, max-age=86400"}
    )


# -- submit --------------------------------------------------------------------------------


@router.get("/submit")
def submit_form(request: Request, error: Annotated[str, Query(max_length=2000)] = ""):
    values = {"errors": error, "idempotency_key": uuid.uuid4().hex}
    return views(request).page(request, "submit.html", page_data.submit_form(values, {}))


@router.post("/submit")
async def submit(request: Request, store: StoreDep):
    form = await read_form(request)
    await request.app.state.limiter.check(request, "submission")
    values = {k: v for k, v in form.items() if isinstance(v, str) and k not in (csrf.FIELD, csrf.HONEYPOT)}
    parsed, field_errors = await store.execute_read(lambda conn: submissions.parse_form(values, conn))
    if field_errors:
        context = page_data.submit_form(values, field_errors)
        return views(request).page(request, "submit.html", context, status=400)
    if not values.get("submit_anyway"):
        similar = await store.execute_read(submissions.similar_entries, parsed)
        if similar:
            return views(request).page(request, "submit.html", page_data.submit_form(values, {}, similar))
    key = values.get("idempotency_key") or uuid.uuid4().hex
    submission_id = await store.awrite(submissions.create_submission, parsed, key[:64])
    return RedirectResponse(f"/submit/thanks/{submission_id}", status_code=303)


@router.get("/submit/thanks/{submission_id}")
async def submit_thanks(request: Request, submission_id: str, store: StoreDep):
    status = await store.execute_read(submissions.submission_status, submission_id)
    if status is None:
        raise not_found("submission")
    return views(request).page(request, "thanks.html", {"submission": status})


# -- admin review --------------------------------------------------------------------------


@router.get("/admin/login")
def admin_login_form(request: Request):
    admin_auth.configured_token(request)
    return views(request).page(request, "admin_login.html", {"error": ""})


@router.post("/admin/login")
async def admin_login(request: Request):
    token = admin_auth.configured_token(request)
    await request.app.state.limiter.check(request, "login")  # guessing tokens costs an hour per 30 tries
    form = await read_form(request)
    if not admin_auth.token_matches(token, str(form.get("token", ""))):
        return views(request).page(request, "admin_login.html", {"error": "wrong token"}, status=401)
    response = RedirectResponse("/admin/review", status_code=303)
    admin_auth.start_session(request, response, token)
    return response


@router.post("/admin/logout")
async def admin_logout(request: Request):
    admin_auth.configured_token(request)
    await read_form(request)
    response = RedirectResponse("/", status_code=303)
    admin_auth.end_session(response)
    return response


@router.get("/admin/review")
async def review_list(
    request: Request,
    auth: Admin,
    store: StoreDep,
    status: Annotated[str, Query(pattern="^(pending|approved|rejected)$")] = "pending",
):
    items = await store.execute_read(submissions.list_submissions, status)
    wanted = await store.execute_read(stats.most_wanted, 20)
    context = {"items": items, "status": status, "wanted": wanted}
    return views(request).page(request, "admin_list.html", context)


@router.post("/admin/wanted/hide")
async def wanted_hide(request: Request, auth: Admin, store: StoreDep):
    """Hide one query from the home page's "most wanted" (CSRF-checked like every admin form)."""
    form = await _admin_form(request, auth)
    norm = str(form.get("norm", ""))[:1000]
    if not await store.awrite(stats.hide_wanted, norm):
        raise not_found("query")
    return RedirectResponse("/admin/review", status_code=303)


@router.get("/admin/review/{submission_id}")
async def review_detail(request: Request, submission_id: str, auth: Admin, store: StoreDep):
    found = await store.execute_read(submissions.get_submission, submission_id)
    if found is None:
        raise not_found("submission")
    return views(request).page(request, "admin_detail.html", {"item": page_data.submission_view(found)})


async def _admin_form(request: Request, auth: str):
    """Admin posts from a browser session need the CSRF token; a Bearer-token script does not."""
    if auth == "cookie":
        return await read_form(request)
    check_same_origin(request)
    return await request.form(**FORM_LIMITS)


async def _review(store, action, *args):
    """Run a review write unit; what cannot be done becomes a 404/409 page for the maintainer."""
    try:
        return await store.awrite(action, *args)
    except submissions.SubmissionNotFound:
        raise not_found("submission") from None
    except (submissions.SubmissionError, EntryInvalid) as exc:
        raise ApiError(409, "conflict", str(exc)) from None


@router.post("/admin/review/{submission_id}/approve")
async def review_approve(request: Request, submission_id: str, auth: Admin, store: StoreDep):
    await _admin_form(request, auth)
    slug = await _review(store, submissions.approve, submission_id)
    return RedirectResponse(f"/solutions/{slug}", status_code=303)


@router.post("/admin/review/{submission_id}/reject")
async def review_reject(request: Request, submission_id: str, auth: Admin, store: StoreDep):
    form = await _admin_form(request, auth)
    reason = str(form.get("reason", ""))[:2000]
    await _review(store, submissions.reject, submission_id, reason)
    return RedirectResponse("/admin/review", status_code=303)
