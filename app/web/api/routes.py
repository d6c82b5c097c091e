"""JSON API routes. Each route parses, calls one domain function, and renders."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr

from app.corpus import rows as entries_db
from app.corpus import snapshot
from app.search import service as search
from app.search import stats
from app.store import health
from app.store.connections import ReaderConnection
from app.store.sqlite_store import Store
from app.web.api.models import FeedbackRecorded, Health, SearchResponse, Snapshot, Solution, Stats
from app.web.deps import get_store
from app.web.errors import ApiError, wants_html
from app.web.renderers import html_renderers
from app.web.responses import SafeJSONResponse

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]


class SearchRequest(BaseModel):
    q: StrictStr = Field(description="error text: a message, a whole traceback, a log excerpt")
    limit: StrictInt = Field(default=5, description="results to return, 1-50")
    env: dict[str, Any] | None = Field(
        default=None,
        description="the client's environment, weighed against each entry's applies_to: "
        '{"python": "3.11.7", "platform": "linux", "packages": {"langchain-core": "0.3.15"}, '
        '"modules": {"langchain_core": "langchain-core"}} (modules: the installed distribution of each '
        "top-level module the error involves; names and versions only, never paths or variables)",
    )


class FeedbackRequest(BaseModel):
    worked: StrictBool
    request_id: StrictStr | None = Field(default=None, max_length=64, description="retry key; counted once")


# A search of an error up to a few KiB (a one-liner, a usual traceback) takes about a
# millisecond of CPU: less than handing it to a pool thread and back. Longer texts (up to
# 64 KiB, and the hostile shapes measured in docs/reliability.md) go to the pool, so one
# big query never holds the event loop.
INLINE_QUERY_CHARS = 8 * 1024


async def _search(request: Request, q: object, limit: object, env: object = None) -> Response:
    store: Store = request.app.state.store
    cache: search.SearchCache = request.app.state.search_cache
    if store.inline_reads and isinstance(q, str) and len(q) <= INLINE_QUERY_CHARS:
        result = store.read_now(_validated_search, q, limit, env, cache)
    else:
        result = await store.execute_read(_validated_search, q, limit, env, cache)
    search.record(store, result, request.client.host if request.client else None)
    html = html_renderers(request)
    if html is not None and wants_html(request):
        return html.search(request, result.body)
    return Response(result.json_bytes(), media_type="application/json")


def _validated_search(
    conn: ReaderConnection, q: object, limit: object, env: object, cache: search.SearchCache
) -> search.SearchResult:
    try:
        text, count = search.validate(q, limit)
        client_env = search.validate_env(env)
    except search.BadQuery as exc:
        raise ApiError(400, "bad_query", str(exc)) from None
    return cache.search(conn, text, count, client_env)


# Also HTML, for browsers (an Accept header led by text/html, or format=html).
SEARCH_HTML: dict[int | str, dict[str, Any]] = {200: {"content": {"text/html": {}}}}


@router.get(
    "/search", summary="Look an error up (query string)", response_model=SearchResponse, responses=SEARCH_HTML
)
async def search_get(
    request: Request,
    # Bounds are checked by `search.validate`, as for POST: one rule, one error for both routes.
    q: str = Query(..., description=f"the error text, at most {search.MAX_QUERY_CHARS} characters"),
    limit: int = Query(5, description=f"results to return, 1-{search.MAX_LIMIT}"),
    format: str | None = Query(None, pattern="^(json|html)$"),
) -> Response:
    return await _search(request, q, limit)


@router.post(
    "/search",
    summary="Look an error up (JSON body, up to 64 KiB of traceback)",
    response_model=SearchResponse,
    responses=SEARCH_HTML,
)
async def search_post(
    request: Request,
    body: SearchRequest,
    format: str | None = Query(None, pattern="^(json|html)$"),
) -> Response:
    return await _search(request, body.q, body.limit, body.env)


@router.get("/api/solutions/{slug}", summary="One entry with all its fix options", response_model=Solution)
async def solution_json(slug: str, store: StoreDep) -> Solution:
    row = await store.execute_read(entries_db.entry_row, slug)
    if row is None:
        raise ApiError(404, "not_found", f"no solution named {slug!r}")
    return Solution.model_validate({name: row[name] for name in Solution.model_fields})


@router.post(
    "/api/solutions/{slug}/feedback", summary="Report whether the fix worked", response_model=FeedbackRecorded
)
async def feedback(slug: str, body: FeedbackRequest, request: Request, store: StoreDep) -> FeedbackRecorded:
    await request.app.state.limiter.check(request, "feedback")
    request_id = body.request_id or uuid.uuid4().hex
    found = await store.awrite(stats.record_feedback, slug, body.worked, request_id)
    if not found:
        raise ApiError(404, "not_found", f"no solution named {slug!r}")
    counts = await store.execute_read(entries_db.entry_stats, slug)
    return FeedbackRecorded(slug=slug, recorded=True, request_id=request_id, stats=Stats(**counts))


@router.get("/healthz", summary="Liveness, SQLite version and index size", response_model=Health)
async def healthz(store: StoreDep) -> Health:
    return Health.model_validate(await store.execute_read(health.report))


@router.get(
    "/api/snapshot",
    summary="The published index, compact, for the skill's offline mode",
    response_model=Snapshot,
    responses={304: {"description": "unchanged since the ETag sent in If-None-Match"}},
)
async def snapshot_json(request: Request, store: StoreDep) -> Response:
    return await store.execute_read(_snapshot_response, request.headers.get("if-none-match", ""))


def _snapshot_response(conn: ReaderConnection, if_none_match: str) -> Response:
    """Built and encoded on the read thread: the whole index is too big to encode on the loop."""
    data = snapshot.build_snapshot(conn)
    etag = snapshot.snapshot_etag(data)
    if etag in if_none_match:
        return Response(status_code=304, headers={"ETag": etag})
    return SafeJSONResponse(data, headers={"ETag": etag, "Cache-Control": "no-cache"})
