"""From raw error text to a `Lookup`: redact, compact, ask the server, else the snapshot.

Only the redacted error lines leave the machine, not the whole traceback: source lines,
local paths and values stay local. Two facts go with them because they decide between
look-alikes: the frames that ran through installed libraries or the standard library,
cut to their public part with the function that ran (`File "site-packages/requests/models.py", in json`), and the client's
environment (`environment.client_env`: interpreter, platform, the versions of the
distributions the error involves).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from synapse_skill import offline, snapshot
from synapse_skill.answer import Answer, Lookup
from synapse_skill.config import Settings
from synapse_skill.environment import client_env, public_frames
from synapse_skill.errors import NotFound, ServerError, SnapshotError
from synapse_skill.matching.extract import extract
from synapse_skill.redact import redact

if TYPE_CHECKING:
    import httpx

    from synapse_skill.client import Client

MAX_TEXT_CHARS = 64 * 1024  # the tail of a long log: the error is at the end
MAX_QUERY_CHARS = 8 * 1024


def _client(settings: Settings, transport: httpx.BaseTransport | None) -> Client:
    """The HTTP client, imported on first use: an offline lookup never pays for httpx."""
    from synapse_skill.client import Client

    return Client(settings, transport)


def build_query(text: str, env: Mapping[str, str] | None = None) -> str:
    """The exact text that would be sent: the redacted error lines, chained errors first."""
    cleaned = redact(text[-MAX_TEXT_CHARS:], env)
    found = extract(cleaned)
    if not found.found:
        return found.primary.message[-MAX_QUERY_CHARS:].strip()
    lines: list[str] = public_frames(cleaned)
    for err in (*reversed(found.evidence), found.primary):
        line = err.line().strip()
        if line and line not in lines:
            lines.append(line)
    return "\n".join(lines)[-MAX_QUERY_CHARS:]


def lookup(
    text: str,
    settings: Settings | None = None,
    limit: int = 5,
    transport: httpx.BaseTransport | None = None,
    env: Mapping[str, str] | None = None,
) -> Lookup:
    """Look `text` up online within the time budget, else offline; never raises SynapseError."""
    settings = settings or Settings.from_env()
    query = build_query(text, env)
    if not query:
        return Lookup(query=query, note="no error text to look up")
    facts = client_env(query)
    note = "offline mode (SYNAPSE_OFFLINE=1)"
    if not settings.offline:
        started = time.perf_counter()
        try:
            body = _client(settings, transport).search(query, limit, facts)
            return _online(query, body, settings, started)
        except ServerError as exc:
            note = f"server {settings.url} unavailable ({exc}); answered from the offline snapshot"
    return lookup_offline(query, settings, limit, note, facts)


def lookup_offline(
    query: str, settings: Settings, limit: int = 5, note: str = "", facts: dict | None = None
) -> Lookup:
    try:
        loaded = snapshot.load(settings)
    except SnapshotError as exc:
        return Lookup(query=query, source="none", note=f"{note}; no usable snapshot: {exc}".lstrip("; "))
    index = offline.index_for(loaded.snapshot, settings.cache_path)
    # Offline, the server is not reachable: answers carry the entry path, not a link to it.
    normalized, answers, took_ms = index.search(query, limit, None, facts)
    return Lookup(query, normalized, tuple(answers), "offline", took_ms, note)


def _online(query: str, body: dict[str, Any], settings: Settings, started: float) -> Lookup:
    try:
        answers = tuple(Answer.from_result(r, "online", settings.url) for r in body["results"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ServerError(f"malformed search result: {exc}") from None
    took_ms = round((time.perf_counter() - started) * 1000, 1)
    return Lookup(query, str(body.get("normalized") or ""), answers, "online", took_ms)


def solution(
    slug: str, settings: Settings | None = None, transport: httpx.BaseTransport | None = None
) -> dict:
    """One entry: from the server (all fix options), else from the snapshot (first fix only)."""
    settings = settings or Settings.from_env()
    if not settings.offline:
        try:
            data = _client(settings, transport).solution(slug)
            return {**data, "source": "online"}
        except NotFound:
            raise
        except ServerError:
            pass
    entry = offline.index_for(snapshot.load(settings).snapshot, settings.cache_path).get(slug)
    if entry is None:
        raise NotFound(f"no solution named {slug!r} in the offline snapshot")
    return {**entry, "source": "offline"}


def feedback(
    slug: str, worked: bool, settings: Settings | None = None, transport: httpx.BaseTransport | None = None
):
    """Tell the server whether a fix worked. Needs the server: raises ServerError offline."""
    settings = settings or Settings.from_env()
    if settings.offline:
        raise ServerError("offline mode (SYNAPSE_OFFLINE=1): feedback needs the server")
    return _client(settings, transport).feedback(slug, worked)


def refresh_snapshot(settings: Settings | None = None, transport: httpx.BaseTransport | None = None) -> str:
    """Download the snapshot if it changed (If-None-Match); return 'updated' or 'unchanged'."""
    settings = settings or Settings.from_env()
    if settings.offline:
        raise ServerError("offline mode (SYNAPSE_OFFLINE=1): refreshing needs the server")
    meta = snapshot.read_meta(settings)
    cache_file, _ = snapshot.cache_paths(settings)
    etag = meta.get("etag") if meta.get("url") == settings.url and _usable(cache_file) else None
    data, new_etag = _client(settings, transport).snapshot(etag)
    if data is None:
        return "unchanged"
    snapshot.store_download(settings, data, new_etag, settings.url)
    return "updated"


def _usable(path) -> bool:
    try:
        snapshot.read(path)
    except SnapshotError:
        return False
    return True
