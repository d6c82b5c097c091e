"""Who may use /admin: the holder of SYNAPSE_ADMIN_TOKEN, and nobody when it is unset.

The token arrives as `Authorization: Bearer …` (scripts) or once through the login form,
which then sets a session cookie. The cookie never holds the token: it holds an expiry and
an HMAC of it keyed by the token, so changing the token logs every browser out. Every
comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from fastapi import Request
from starlette.responses import Response

from app.web.errors import ApiError

COOKIE = "synapse_admin"
SESSION_SECONDS = 8 * 3600


def configured_token(request: Request) -> str:
    """The admin token; 404 (the pages do not exist) when none is configured."""
    token = request.app.state.settings.admin_token
    if not token:
        raise ApiError(404, "not_found", "no such page")
    return token


def token_matches(token: str, offered: str) -> bool:
    return hmac.compare_digest(token.encode(), offered.encode())


def require_admin(request: Request) -> str:
    """Dependency for admin routes: returns how the caller proved it ("bearer" or "cookie"), or raises."""
    token = configured_token(request)
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, offered = header.partition(" ")
        if scheme.lower() == "bearer" and token_matches(token, offered.strip()):
            return "bearer"
        raise ApiError(401, "unauthorized", "wrong admin token")
    if _session_valid(token, request.cookies.get(COOKIE, "")):
        return "cookie"
    raise ApiError(401, "unauthorized", "sign in with the admin token to review submissions")


def start_session(request: Request, response: Response, token: str) -> None:
    expires = int(time.time()) + SESSION_SECONDS
    response.set_cookie(
        COOKIE,
        f"{expires}.{_sign(token, expires)}",
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/admin",
    )


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/admin")


def _sign(token: str, expires: int) -> str:
    return hmac.new(token.encode(), f"synapse-admin:{expires}".encode(), hashlib.sha256).hexdigest()


def _session_valid(token: str, value: str) -> bool:
    expires, _, signature = value.partition(".")
    if not expires.isdigit() or int(expires) < time.time():
        return False
    return hmac.compare_digest(signature.encode(), _sign(token, int(expires)).encode())
