"""/docs (Swagger UI served from /static, no CDN, no inline script) and /favicon.ico."""

from __future__ import annotations

import html
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse

router = APIRouter(include_in_schema=False)
FAVICON = "/static/favicon.svg"
SWAGGER_INIT = "/static/swagger/swagger-init.js"
_INLINE_SCRIPT = re.compile(r"<script>.*?</script>", re.S)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    app = request.app
    page = bytes(
        get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} - API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url=FAVICON,
        ).body
    ).decode()
    # The CSP allows no inline script: the init FastAPI writes inline runs from a static file instead.
    init = f'<script src="{SWAGGER_INIT}" data-openapi-url="{html.escape(app.openapi_url)}"></script>'
    page, replaced = _INLINE_SCRIPT.subn(lambda _: init, page)
    if replaced != 1:
        raise RuntimeError("get_swagger_ui_html changed shape: expected exactly one inline <script>")
    return HTMLResponse(page)


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    return RedirectResponse(FAVICON, status_code=301)
