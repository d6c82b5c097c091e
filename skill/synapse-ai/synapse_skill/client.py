"""HTTP client for the SynapseAI server, bounded by a hard time budget.

httpx timeouts apply per phase (connect, each read), so a server that accepts and then
trickles or never answers could hold a caller for several timeouts. Each call therefore
runs in a daemon thread and the caller waits at most the budget; a call that overruns is
abandoned and reported as `ServerError`. The caller hands in only redacted text: this
module sends exactly the bytes it is given.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from synapse_skill.config import Settings
from synapse_skill.errors import NotFound, ServerError

T = TypeVar("T")
USER_AGENT = "synapse-skill/0.1"
# The snapshot of the whole index is the largest legitimate answer (~0.2 MB today).
MAX_RESPONSE_BYTES = 8_000_000


def call_within(seconds: float, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)` and return its result, or raise ServerError after `seconds`."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="synapse-skill-http", daemon=True).start()
    if not done.wait(seconds):
        raise ServerError(f"no answer within {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def search_request_body(query: str, limit: int, env: dict | None = None) -> bytes:
    """The exact bytes of a search request (also what `--show-query` prints)."""
    body: dict[str, Any] = {"q": query, "limit": limit}
    if env:
        body["env"] = env
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class Client:
    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.base_url = settings.url.rstrip("/")
        self.transport = transport

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        budget = self.settings.timeout
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **kwargs.pop("headers", {})}

        def send() -> httpx.Response:
            # Read at most MAX_RESPONSE_BYTES: a runaway answer must not hold the host past its budget.
            with (
                httpx.Client(transport=self.transport, timeout=budget) as http,
                http.stream(method, self.base_url + path, headers=headers, **kwargs) as streamed,
            ):
                body = bytearray()
                for chunk in streamed.iter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise ServerError(f"the answer is larger than {MAX_RESPONSE_BYTES // 1_000_000} MB")
                # iter_bytes() already undid any gzip: the rebuilt response must not claim it again.
                kept = [
                    (k, v)
                    for k, v in streamed.headers.items()
                    if k.lower() not in ("content-encoding", "content-length")
                ]
                return httpx.Response(
                    streamed.status_code, headers=kept, content=bytes(body), request=streamed.request
                )

        try:
            return call_within(budget, send)
        except httpx.HTTPError as exc:
            raise ServerError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if response.status_code == 404:
            raise NotFound(f"HTTP 404: {_error_message(response)}")
        if response.status_code >= 400:
            raise ServerError(f"HTTP {response.status_code}: {_error_message(response)}")
        try:
            return response.json()
        except ValueError:
            raise ServerError("the server did not answer with JSON") from None

    def search(self, query: str, limit: int = 5, env: dict | None = None) -> dict[str, Any]:
        response = self._request(
            "POST",
            "/search",
            content=search_request_body(query, limit, env),
            headers={"Content-Type": "application/json"},
        )
        body = self._json(response)
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise ServerError("the search answer has no results list")
        return body

    def solution(self, slug: str) -> dict[str, Any]:
        body = self._json(self._request("GET", f"/api/solutions/{quote(slug, safe='')}"))
        if not isinstance(body, dict):
            raise ServerError("the solution answer is not an object")
        return body

    def feedback(self, slug: str, worked: bool) -> dict[str, Any]:
        content = json.dumps({"worked": bool(worked)}).encode()
        response = self._request(
            "POST",
            f"/api/solutions/{quote(slug, safe='')}/feedback",
            content=content,
            headers={"Content-Type": "application/json"},
        )
        return self._json(response)

    def snapshot(self, etag: str | None) -> tuple[dict[str, Any] | None, str | None]:
        """(snapshot, etag), or (None, etag) when the server says our copy is current (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        response = self._request("GET", "/api/snapshot", headers=headers)
        if response.status_code == 304:
            return None, etag
        return self._json(response), response.headers.get("ETag")


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.reason_phrase or "error"
