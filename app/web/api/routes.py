"""JSON API routes. Each route parses, calls one domain function, and renders."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from app.corpus import rows as entries_db
from app.corpus import snapshot
from app.search import service as search
from app.search import stats
from app.store import health
from app.web.deps import get_reader, get_store
from app.web.errors import ApiError, wants_html
from app.web.responses import SafeJSONResponse

router = APIRouter()


class SearchRequest(BaseModel):
    q: StrictStr = Field(description="error text: a message, a whole traceback, a log excerpt")
    limit: StrictInt = Field(default=5, description="results to return, 1-50")
    env: dict[str, Any] | None = Field(
        default=None,
        description="the client's environment, weighed against each entry's applies_to: "
        '{"python": "3.11.7", "platform": "linux", "packages": {"langchain-core": "0.3.15"}} '
        "(names and versions only, never paths or variables)",
    )


class FeedbackRequest(BaseModel):
    worked: StrictBool
    request_id: StrictStr | None = Field(default=None, max_length=64, description="retry key; counted once")


# A search of an error up to a few KiB (a one-liner, a usual traceback) takes about a
# millisecond of CPU: less than handing it to a pool thread and back. Longer texts (up to
# 64 KiB, and the hostile shapes measured in docs/reliability.md) go to the pool, so one
# big query never holds the event loop.
INLINE_QUERY_CHARS = 8 * 1024


def _search(request: Request, q, limit, env=None):
    try:
        q, limit = search.validate(q, limit)
        env = search.validate_env(env)
    except search.BadQuery as exc:
        raise ApiError(400, "bad_query", str(exc)) from None
    store = request.app.state.store
    result = search.run_search(store.reader, q, limit, env)
    search.record(store, result)
    if wants_html(request) and request.app.state.render_search_page:
        return request.app.state.render_search_page(request, result.body)
    return SafeJSONResponse(result.body)


async def _search_where_cheapest(request: Request, q, limit, env=None):
    if isinstance(q, str) and len(q) <= INLINE_QUERY_CHARS:
        return _search(request, q, limit, env)
    return await run_in_threadpool(_search, request, q, limit, env)


@router.get("/search", summary="Look an error up (query string)")
async def search_get(
    request: Request,
    # Bounds are checked by `search.validate`, as for POST: one rule, one error for both routes.
    q: str = Query(..., description=f"the error text, at most {search.MAX_QUERY_CHARS} characters"),
    limit: int = Query(5, description=f"results to return, 1-{search.MAX_LIMIT}"),
    format: str | None = Query(None, pattern="^(json|html)$"),
):
    return await _search_where_cheapest(request, q, limit)


@router.post("/search", summary="Look an error up (JSON body, up to 64 KiB of traceback)")
async def search_post(
    request: Request,
    body: SearchRequest,
    format: str | None = Query(None, pattern="^(json|html)$"),
):
    return await _search_where_cheapest(request, body.q, body.limit, body.env)


@router.get("/api/solutions/{slug}", summary="One entry with all its fix options")
def solution_json(slug: str, conn=Depends(get_reader)):
    row = entries_db.entry_row(conn, slug)
    if row is None:
        raise ApiError(404, "not_found", f"no solution named {slug!r}")
    row.pop("markdown", None)
    row.pop("path", None)
    return row


@router.post("/api/solutions/{slug}/feedback", summary="Report whether the fix worked")
async def feedback(slug: str, body: FeedbackRequest, request: Request, store=Depends(get_store)):
    await request.app.state.limiter.check(request, "feedback")
    request_id = body.request_id or uuid.uuid4().hex
    found = await store.awrite(stats.record_feedback, slug, body.worked, request_id)
    if not found:
        raise ApiError(404, "not_found", f"no solution named {slug!r}")
    row = entries_db.entry_row(store.read(), slug)
    return {"slug": slug, "recorded": True, "request_id": request_id, "stats": row["stats"] if row else {}}


@router.get("/healthz", summary="Liveness, SQLite version and index size")
def healthz(conn=Depends(get_reader)):
    return health.report(conn)


@router.get("/api/snapshot", summary="The published index, compact, for the skill's offline mode")
def snapshot_json(request: Request, conn=Depends(get_reader)):
    data = snapshot.build_snapshot(conn)
    etag = snapshot.snapshot_etag(data)
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": etag})
    return SafeJSONResponse(data, headers={"ETag": etag, "Cache-Control": "no-cache"})
