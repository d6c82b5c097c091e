"""CSRF protection for the website's form posts: an origin check plus a double-submit token.

The origin check (`security.check_same_origin`: Sec-Fetch-Site / Origin) stops cross-site
forms in every current browser. The token covers the browsers and proxies that drop those
headers: a random value lives in a SameSite=Strict, HttpOnly cookie and is repeated in a
hidden field of every form; a post is accepted only when the two agree. A foreign site can
neither read the cookie nor make the browser send it along with its own post.
"""

from __future__ import annotations

import hmac
import re
import secrets

from fastapi import Request
from starlette.responses import Response

from app.web.errors import ApiError
from app.web.security import check_same_origin

COOKIE = "synapse_csrf"
FIELD = "csrf_token"
HONEYPOT = "website"  # a field people never see; bots fill it in
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def token(request: Request) -> str:
    """This browser's token: the cookie's value, or a new one that `set_cookie` will store."""
    existing = request.cookies.get(COOKIE, "")
    if _TOKEN.match(existing):
        return existing
    new = getattr(request.state, "csrf_new", None)
    if new is None:
        new = request.state.csrf_new = secrets.token_urlsafe(32)
    return new


def set_cookie(request: Request, response: Response) -> None:
    """Store a token minted while rendering this response (no-op when the browser has one)."""
    new = getattr(request.state, "csrf_new", None)
    if new:
        response.set_cookie(
            COOKIE, new, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
        )


def verify(request: Request, form) -> None:
    """Refuse a form post that is cross-site, lacks the matching token, or filled in the honeypot."""
    check_same_origin(request)
    cookie = request.cookies.get(COOKIE, "")
    sent = form.get(FIELD, "")
    if not (isinstance(sent, str) and _TOKEN.match(cookie) and hmac.compare_digest(cookie, sent)):
        raise ApiError(
            403, "csrf", "this form has expired or came from another site: reload the page and try again"
        )
    if form.get(HONEYPOT):
        raise ApiError(
            400,
            "rejected",
            "this form was filled in automatically; if you are a person, leave 'website' empty",
        )
