"""Every error a client can see, in one place: a JSON body `{"error": {"code", "message"}}`.

Routes raise `ApiError`; the handlers below turn it (and validation errors, storage faults
such as a full disk, and anything unexpected) into a clean 4xx/5xx response. No traceback
ever reaches a client, and no error closes the client's keep-alive connection.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.store.engine import database_error_classes, storage_fault
from app.web.renderers import ErrorPage
from app.web.responses import SafeJSONResponse

log = logging.getLogger("synapse.errors")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> SafeJSONResponse:
    return SafeJSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def _describe_validation(exc: RequestValidationError, request: Request | None = None) -> str:
    parts = []
    for err in exc.errors()[:5]:
        whole_body = _body_problem(err, request)
        if whole_body:  # the body as a whole is unusable: nothing to say about its fields
            return whole_body
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        msg = err.get("msg", "invalid")
        if err.get("type") == "string_pattern_mismatch":  # a plain sentence, not the regex
            msg = "is not one of the accepted values"
        parts.append(f"{where or 'request'}: {msg}")
    return "; ".join(parts) or "invalid request"


def _body_problem(err: Mapping, request: Request | None) -> str | None:
    """A JSON body that cannot be read at all, said in words with what to send instead
    (pydantic alone says "1: JSON decode error" or "Input should be a valid dictionary")."""
    loc = tuple(err.get("loc", ()))
    if not loc or loc[0] != "body":
        return None
    kind = err.get("type")
    if kind == "json_invalid":
        reason = str((err.get("ctx") or {}).get("error") or "unreadable")
        at = f", at character {loc[1] + 1}" if len(loc) > 1 and isinstance(loc[1], int) else ""
        what = f"the request body is not valid JSON ({reason}{at})"
    elif len(loc) > 1:
        return None  # one field is wrong: said field by field
    elif kind == "missing":
        what = "the request body is empty"
    elif kind in ("model_attributes_type", "model_type", "dict_type"):
        sent = (request.headers.get("content-type") or "") if request is not None else ""
        sent = sent.split(";")[0].strip()
        if sent and "json" not in sent:
            what = f"the request body was sent as {sent}, not as JSON"
        else:
            what = "the request body is JSON, but not an object"
    else:
        return None
    return f"{what}: send a JSON object{_required_fields(request)}, with the header Content-Type: application/json"


def _required_fields(request: Request | None) -> str:
    """' with "q" (what it is)' for the route's body model, from its own field descriptions."""
    route = request.scope.get("route") if request is not None else None
    body_field = getattr(route, "body_field", None)
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    fields = getattr(model, "model_fields", None)
    if not isinstance(fields, dict):
        return ""
    named = [
        f'"{name}" ({info.description})' if info.description else f'"{name}"'
        for name, info in fields.items()
        if info.is_required()
    ]
    return f" with {' and '.join(named)}" if named else ""


def wants_html(request: Request) -> bool:
    """One rule for every answer, success or error: `format=json|html` wins; `/api/` is always
    JSON; otherwise a client whose first Accept type is HTML (a browser) gets HTML."""
    chosen = request.query_params.get("format")
    if chosen in ("json", "html"):
        return chosen == "html"
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "").split(",")[0]


def _respond(
    render_html: ErrorPage | None,
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if render_html is not None and wants_html(request):
        response = render_html(request, status, message)
        response.headers.update(headers or {})
        return response
    return error_response(status, code, message, headers)


# A storage fault is the server's problem, not the client's, and it passes: 503/507 with Retry-After.
STORAGE_FAULTS = {
    "full": (507, "storage_full", "the server's disk is full, so nothing was saved; try again later"),
    "read_only": (
        503,
        "read_only",
        "the database is read-only right now, so nothing was saved; try again later",
    ),
    "io": (503, "storage_error", "the server cannot read or write its database right now; try again later"),
    "busy": (503, "busy", "the database is busy; try again in a moment"),
}
RETRY_AFTER_S = 30


def _unexpected(render_html: ErrorPage | None, request: Request, exc: BaseException) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(
        render_html, request, 500, "internal", "something went wrong on our side; it has been logged"
    )


class _LastResort:
    """Answers an unexpected exception with the 500 error and does not re-raise it.

    Starlette's own 500 handler re-raises after answering, and uvicorn then closes the
    connection, so a keep-alive client's next request fails with "connection reset".
    """

    def __init__(self, app: ASGIApp, render_html: ErrorPage | None):
        self.app = app
        self.render_html = render_html

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except StarletteHTTPException:
            raise  # the body limit's 413 is answered further out
        except Exception as exc:
            if started:
                raise
            await _unexpected(self.render_html, Request(scope), exc)(scope, receive, send)


def install_error_handlers(app: FastAPI, render_html: ErrorPage | None) -> None:
    """Answer every error as JSON, or with `render_html` when a browser asked for HTML."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return _respond(render_html, request, exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _respond(render_html, request, 400, "invalid_request", _describe_validation(exc, request))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}
        code = codes.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        return _respond(render_html, request, exc.status_code, code, message, exc.headers)

    async def database_error(request: Request, exc: Exception) -> Response:
        fault = storage_fault(exc)
        if fault is None:  # a bug (bad SQL, a constraint the code should have checked), not a fault
            return _unexpected(render_html, request, exc)
        status, code, message = STORAGE_FAULTS[fault]
        log.error("storage fault (%s) on %s %s: %s", fault, request.method, request.url.path, exc)
        return _respond(render_html, request, status, code, message, {"Retry-After": str(RETRY_AFTER_S)})

    for error_class in database_error_classes():
        app.add_exception_handler(error_class, database_error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return _unexpected(render_html, request, exc)

    app.add_middleware(_LastResort, render_html=render_html)
