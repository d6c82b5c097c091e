"""The application factory: one app per settings object, each with its own store."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.config import Settings
from app.corpus.indexer import index_solutions
from app.search import service as search
from app.store.engine import open_store
from app.web.api import routes as api
from app.web.api import submissions as api_submissions
from app.web.errors import install_error_handlers
from app.web.renderers import HtmlRenderers
from app.web.responses import SafeJSONResponse
from app.web.security import EdgeMiddleware, RateLimiter
from app.web.site import docs_ui
from app.web.site import routes as pages

log = logging.getLogger("synapse")
LOGIN_ATTEMPTS_PER_HOUR = 30


def create_app(settings: Settings | None = None, html: HtmlRenderers | None = pages.HTML) -> FastAPI:
    """`html` renders the HTML twins of search and error answers for browsers (None: JSON only)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(
            settings.db, settings.database_url, settings.database_pool, settings.database_timeout
        )
        if settings.index_on_start:
            report = index_solutions(store, settings.solutions)
            if report.touched or report.problems:
                log.warning(report.summary())
            for problem in report.problems:
                log.warning("skipped invalid entry: %s", problem)
        app.state.store = store
        app.state.search_cache = search.SearchCache()  # repeated errors (GET/POST /search)
        app.state.limiter = RateLimiter(
            store,
            {
                "submission": settings.submissions_per_hour,
                "feedback": settings.feedback_per_hour,
                "login": LOGIN_ATTEMPTS_PER_HOUR,
            },
        )
        try:
            yield
        finally:
            store.close()  # writes the search counters still in memory first (app.store.deferred)

    app = FastAPI(
        title="SynapseAI",
        summary="Solved errors for AI agents: send an error, get the fix.",
        version="0.1.0",
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
        docs_url=None,  # /docs is docs_ui's: Swagger UI from /static under the strict CSP
        redoc_url=None,  # ReDoc would need a CDN script, which the CSP refuses
    )
    app.state.settings = settings
    app.state.html = html
    install_error_handlers(app, html.error if html else None)
    app.include_router(api.router)
    app.include_router(api_submissions.router)
    pages.mount(app, settings)
    app.include_router(docs_ui.router)
    # One pure-ASGI layer for body limit, security headers and gzip (app.web.security).
    app.add_middleware(EdgeMiddleware, max_bytes=settings.max_body_bytes, gzip_minimum_size=1000)
    return app
