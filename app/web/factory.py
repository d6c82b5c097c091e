"""The application factory: one app per settings object, each with its own store."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.config import Settings
from app.corpus.indexer import index_solutions
from app.store.sqlite_store import Store
from app.web.api import routes as api
from app.web.api import submissions as api_submissions
from app.web.errors import install_error_handlers
from app.web.responses import SafeJSONResponse
from app.web.security import BodyLimitMiddleware, RateLimiter, SecurityHeadersMiddleware
from app.web.site import routes as pages

log = logging.getLogger("synapse")
LOGIN_ATTEMPTS_PER_HOUR = 30


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store = Store(settings.db)
        if settings.index_on_start:
            report = index_solutions(store, settings.solutions)
            if report.touched or report.problems:
                log.warning(report.summary())
            for problem in report.problems:
                log.warning("skipped invalid entry: %s", problem)
        app.state.store = store
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
            store.close()

    app = FastAPI(
        title="SynapseAI",
        summary="Solved errors for AI agents: send an error, get the fix.",
        version="0.1.0",
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
    )
    app.state.settings = settings
    app.state.render_search_page = None
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(api_submissions.router)
    _mount_pages(app, settings)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    return app


def _mount_pages(app: FastAPI, settings: Settings) -> None:
    """The website (HTML pages, static files, HTML error pages) lives in app.web.site.routes."""
    pages.mount(app, settings)
