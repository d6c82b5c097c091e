"""Rendering HTML pages: the Jinja2 environment, the page response, the friendly error page.

Autoescape is on for every template; the only values marked safe are the sanitised HTML
from `app.web.site.markdown_html`. Every page gets this browser's CSRF token (minted here when it has
none) and cache-busted URLs for the static files.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from app.text import clean_text
from app.web import csrf

log = logging.getLogger("synapse.views")
ERROR_TITLES = {
    400: "That request did not make sense",
    401: "Sign in needed",
    403: "Refused",
    404: "Not found",
    405: "Not allowed here",
    409: "Cannot do that now",
    413: "Too large",
    429: "Slow down",
    500: "Something went wrong",
    503: "Temporarily unavailable",
    507: "Out of space",
}


class Views:
    def __init__(self, templates: Path, static: Path):
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["thousands"] = lambda n: f"{int(n or 0):,}"
        self.env.globals["static"] = self._static_url
        self.static = static
        self._versions: dict[str, str] = {}

    def _static_url(self, name: str) -> str:
        """`/static/name?v=<content hash>`: browsers may cache it forever, edits still show up."""
        if name not in self._versions:
            path = self.static / name
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else "0"
            self._versions[name] = digest
        return f"/static/{name}?v={self._versions[name]}"

    def page(
        self, request: Request, template: str, context: dict, status: int = 200, headers: dict | None = None
    ) -> HTMLResponse:
        html = self.env.get_template(template).render(
            request=request, path=request.url.path, csrf_token=csrf.token(request), csrf_field=csrf.FIELD,
            honeypot=csrf.HONEYPOT, **context,
        )  # fmt: skip
        response = HTMLResponse(clean_text(html), status_code=status, headers=headers)
        csrf.set_cookie(request, response)
        return response

    def error(self, request: Request, status: int, message: str) -> HTMLResponse:
        """The friendly error page (what `create_app` gets as `HtmlRenderers.error`)."""
        title = ERROR_TITLES.get(status, "Request failed")
        context = {"status": status, "title": title, "message": message}
        try:
            return self.page(request, "error.html", context, status=status)
        except jinja2.TemplateError:  # a broken template must not turn an error page into a traceback
            log.exception("error page template failed")
            return HTMLResponse(f"<h1>{status} {title}</h1>", status_code=status)


def views(request: Request) -> Views:
    return request.app.state.views
