"""The HTML twins of JSON answers, handed to `create_app` by whoever provides a website.

The JSON routes and the error handlers call them only when a browser asked for HTML; they
never import the website, so an app built without one answers JSON everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.responses import Response

ErrorPage = Callable[[Request, int, str], Response]
SearchPage = Callable[[Request, dict], Response]


@dataclass(frozen=True)
class HtmlRenderers:
    error: ErrorPage  # (request, status, message) -> the friendly error page
    search: SearchPage  # (request, search body) -> the results page


def html_renderers(request: Request) -> HtmlRenderers | None:
    """The renderers `create_app` was given (None: a JSON-only app)."""
    return request.app.state.html
