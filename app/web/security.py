"""Request-level protections: body size limit, security headers, CSRF origin check, rate limits."""

from __future__ import annotations

import time

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipResponder

from app.store.engine import atomic
from app.web.errors import ApiError, error_response

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# One policy for every page, /docs included: Swagger UI is served from /static (app/web/site/docs_ui.py).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_GZIP_EXCLUDED = {t.lower() for t in DEFAULT_EXCLUDED_CONTENT_TYPES}


class EdgeMiddleware:
    """The one pure-ASGI middleware of the app: body size limit, gzip and security headers.

    It does in one layer what three stacked middlewares did (outermost first):

    - body limit: a body over `max_bytes` gets 413, from Content-Length or while streaming,
      never buffered;
    - security headers on every response (CSP and friends), `Cache-Control: no-store` under
      /admin, a year's `immutable` caching for /static files linked with their content hash
      (`?v=`, which changes with the file) and an hour for the others, `Vary: Accept` on
      /search (JSON or HTML by the Accept header);
    - gzip (Starlette's `GZipResponder`) for a client that accepts it; for one that does not,
      what Starlette's GZipMiddleware does then: `Vary: Accept-Encoding` on a response that
      would have been compressed, done here inline instead of through another send wrapper.
    """

    def __init__(self, app, max_bytes: int, gzip_minimum_size: int = 1000):
        self.app, self.max_bytes, self.minimum_size = app, max_bytes, gzip_minimum_size

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = accept_encoding = None
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                declared = value
            elif name == b"accept-encoding" and accept_encoding is None:
                accept_encoding = value
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._too_large(scope, receive, send)

        path = scope.get("path", "")
        private = path == "/admin" or path.startswith("/admin/")
        negotiated = path == "/search"
        static_cache = _static_cache(path, scope.get("query_string") or b"")
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge()
            return message

        async def secured_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = message.setdefault("headers", [])
                headers.extend(_SECURITY_HEADERS)
                if private:  # admin pages hold submissions and session state: never cache them
                    headers[:] = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                if negotiated:
                    _add_vary(headers, b"Accept")
                if static_cache and message.get("status") == 200:
                    headers[:] = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", static_cache))
            await send(message)

        try:
            if accept_encoding is not None and b"gzip" in accept_encoding:
                await GZipResponder(self.app, self.minimum_size)(scope, limited_receive, secured_send)
            else:
                await self.app(scope, limited_receive, _IdentitySend(secured_send, self.minimum_size))
        except _TooLarge:
            if not started:
                await self._too_large(scope, receive, send)

    async def _too_large(self, scope, receive, send):
        response = error_response(
            413, "too_large", f"request body is larger than the {self.max_bytes // 1024} KiB limit"
        )
        response.headers["connection"] = "close"
        await response(scope, receive, send)


def _static_cache(path: str, query: bytes) -> bytes | None:
    """Cache-Control for a /static file: fingerprinted links (`?v=<hash>`) never change."""
    if not path.startswith("/static/"):
        return None
    if any(part.startswith(b"v=") for part in query.split(b"&")):
        return b"public, max-age=31536000, immutable"
    return b"public, max-age=3600"


_SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class _IdentitySend:
    """Starlette's `IdentityResponder` (GZipMiddleware without gzip accepted) as a send callable:
    the start message waits for the first body so a response that gzip would have compressed
    gets `Vary: Accept-Encoding`, exactly as before the middlewares were merged."""

    __slots__ = ("body_started", "initial", "minimum_size", "passthrough", "send")

    def __init__(self, send, minimum_size: int):
        self.send, self.minimum_size = send, minimum_size
        self.initial: dict | None = None
        self.passthrough = self.body_started = False

    async def __call__(self, message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.initial = message
            headers = message.setdefault("headers", [])
            content_type = b""
            encoded = False
            for name, value in headers:
                lower = name.lower()
                if lower == b"content-encoding":
                    encoded = True
                elif lower == b"content-type" and not content_type:
                    content_type = value
            media = content_type.decode("latin-1").partition(";")[0].strip().lower()
            media_types = {media, media.partition("/")[0] + "/*"}
            if media.startswith("application/grpc+"):
                media_types.add("application/grpc")
            excluded = not media_types.isdisjoint(_GZIP_EXCLUDED)
            if encoded or message["status"] == 206 or excluded:
                self.passthrough = True
                await self.send(message)
        elif self.passthrough and kind in ("http.response.body", "http.response.pathsend"):
            await self.send(message)
        elif kind == "http.response.body" and not self.body_started:
            self.body_started = True
            initial = self.initial or {}
            if len(message.get("body", b"")) >= self.minimum_size or message.get("more_body", False):
                MutableHeaders(raw=initial["headers"]).add_vary_header("Accept-Encoding")
            await self.send(initial)
            await self.send(message)
        elif kind == "http.response.pathsend" and not self.passthrough:
            await self.send(self.initial or {})
            await self.send(message)
        else:  # later body chunks, early hints, trailers
            await self.send(message)


class _TooLarge(StarletteHTTPException):
    """Raised while the body streams in; an HTTPException so FastAPI's body parser lets it through."""

    def __init__(self):
        super().__init__(413, "request body is too large")


def _add_vary(headers: list, token: bytes) -> None:
    """Add `token` to the response's Vary header, merging with one already there."""
    for i, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            present = {v.strip().lower() for v in value.split(b",")}
            if token.lower() not in present and b"*" not in present:
                headers[i] = (name, value + b", " + token)
            return
    headers.append((b"vary", token))


def check_same_origin(request: Request) -> None:
    """CSRF defence for form posts: the browser must say the request came from this site.

    Browsers send `Sec-Fetch-Site` (and `Origin`) on every POST; a cross-site form gets
    `cross-site`. Clients that send neither (curl, agents) are not browsers and carry no
    ambient credentials, so they pass.
    """
    site = request.headers.get("sec-fetch-site")
    if site and site not in ("same-origin", "none"):
        raise ApiError(403, "cross_site", "cross-site form posts are refused")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin.rstrip("/") != expected:
            raise ApiError(403, "cross_site", "the request's Origin does not match this site")
    elif origin == "null":
        raise ApiError(403, "cross_site", "opaque-origin form posts are refused")


class RateLimiter:
    """Fixed-window counters kept in the database, so every worker process shares them."""

    def __init__(self, store, limits: dict[str, int], window_s: int = 3600):
        self.store, self.limits, self.window_s = store, limits, window_s

    async def check(self, request: Request, kind: str) -> None:
        limit = self.limits.get(kind)
        if not limit:
            return
        client = request.client.host if request.client else "unknown"
        window = int(time.time() // self.window_s)
        bucket = f"{kind}:{client}:{window}"
        hits = await self.store.awrite(_hit, bucket, window)
        if hits > limit:
            retry = self.window_s - int(time.time() % self.window_s)
            raise RateLimited(kind, limit, retry)


class RateLimited(ApiError):
    def __init__(self, kind: str, limit: int, retry_after: int):
        message = f"too many {kind} requests: at most {limit} per hour; try later"
        super().__init__(429, "rate_limited", message, {"Retry-After": str(retry_after)})


@atomic
def _hit(conn, bucket: str, window: int) -> int:
    # "window" quoted: a reserved word in PostgreSQL, a plain name in SQLite.
    conn.execute('DELETE FROM rate_hits WHERE "window" < ?', (window - 1,))
    conn.execute(
        'INSERT INTO rate_hits (bucket, "window", hits) VALUES (?, ?, 1) '
        "ON CONFLICT (bucket) DO UPDATE SET hits = rate_hits.hits + 1",
        (bucket, window),
    )
    return conn.execute("SELECT hits FROM rate_hits WHERE bucket = ?", (bucket,)).fetchone()[0]
