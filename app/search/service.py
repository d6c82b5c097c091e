"""Search as a service: matcher outcome + entry data → the contract's JSON shape.

The JSON route, the HTML page and the CLI all call `run_search`; they differ only in how
they render its result.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import partial

from app.corpus import rows as entries_db
from app.search import stats
from app.store.engine import index_generation, index_reader
from app.text import clean_text, encode_json
from synapse_skill import moves
from synapse_skill.matching import matcher

MAX_QUERY_CHARS = 64 * 1024
MAX_LIMIT = 50


class BadQuery(ValueError):
    """The query cannot be searched; the message says why, for the client."""


def validate(q, limit) -> tuple[str, int]:
    if not isinstance(q, str):
        raise BadQuery("q must be a string")
    if not q.strip():
        raise BadQuery("q is empty: send the error text to look up")
    if len(q) > MAX_QUERY_CHARS:
        raise BadQuery(f"q is too long: at most {MAX_QUERY_CHARS} characters")
    q = clean_text(q).replace("\x00", "")
    if not any(ch.isalnum() for ch in q):
        raise BadQuery("q has no words to search for (only punctuation or search syntax)")
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise BadQuery("limit must be a whole number")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}")
    return q, limit


MAX_ENV_PACKAGES = 200
_ENV_VALUE = re.compile(r"^[\w.+!-]{1,100}$")
_MODULE_NAME = re.compile(r"^[A-Za-z_]\w{0,99}$")


def validate_env(env) -> dict | None:
    """The client's environment: interpreter, platform, versions of the distributions in the error.

    Only short names and versions are accepted (never paths or variables): a value that is
    not one is refused, so nothing private can be smuggled into the matcher or the logs.
    """
    if env is None:
        return None
    if not isinstance(env, dict) or set(env) - {"python", "platform", "packages", "modules"}:
        raise BadQuery('env must be an object with "python", "platform", "packages" and "modules" only')
    for key in ("python", "platform"):
        value = env.get(key)
        if value is not None and not (isinstance(value, str) and _ENV_VALUE.fullmatch(value)):
            raise BadQuery(f"env.{key} must be a short version or name such as 3.11.7 or linux")
    packages = _name_map(
        env, "packages", _ENV_VALUE, "distribution names to versions", '{"langchain-core": "0.3.15"}'
    )
    modules = _name_map(
        env, "modules", _MODULE_NAME, "top-level module names to distributions", '{"yaml": "pyyaml"}'
    )
    return {
        "python": env.get("python"),
        "platform": env.get("platform"),
        "packages": packages,
        "modules": modules,
    }


def _name_map(env: dict, key: str, names: re.Pattern, what: str, example: str) -> dict:
    """`env[key]`: at most MAX_ENV_PACKAGES short names, each mapped to a short name or version."""
    value = env.get(key) or {}
    if not isinstance(value, dict) or len(value) > MAX_ENV_PACKAGES:
        raise BadQuery(f"env.{key} must map at most {MAX_ENV_PACKAGES} {what}")
    for name, item in value.items():
        if not (
            isinstance(name, str)
            and names.fullmatch(name)
            and isinstance(item, str)
            and _ENV_VALUE.fullmatch(item)
        ):
            raise BadQuery(f"env.{key} must map {what}, e.g. {example}")
    return dict(value)


@dataclass
class SearchResult:
    body: dict
    best_confident: str | None
    normalized: str
    _json: bytes | None = field(default=None, repr=False, compare=False)

    def json_bytes(self) -> bytes:
        """The body as the API sends it, encoded once: a cached answer to a repeated error goes
        out again as the same bytes (encoding ~8 KB of answer cost about a quarter of a request)."""
        if self._json is None:
            self._json = encode_json(self.body)
        return self._json


def run_search(conn, q: str, limit: int = 5, env: dict | None = None) -> SearchResult:
    index = index_reader(conn)  # the connection itself on SQLite; this node's index on PostgreSQL
    with matcher.read_snapshot(index):  # one consistent view of the index and the entries
        worked = partial(entries_db.worked_counts, conn)
        outcome = matcher.search(index, q, limit=limit, worked=worked, env=env)
        info = entries_db.first_fixes(conn, [h.slug for h in outcome.hits])
        top = outcome.hits[0].slug if outcome.hits and moves.names_an_import(q) else None
        markdown = entries_db.raw_markdown(conn, top) if top else None
    results = []
    for hit in outcome.hits:
        data = info.get(hit.slug)
        if data is None:  # removed between the match and this read
            continue
        results.append(
            matcher.hit_result(
                hit,
                title=data["title"],
                url=f"/solutions/{hit.slug}",
                fix=data["fix"],
                token_savings=data["token_savings"],
                moved=moves.named_by(q, moves.table(markdown)) if markdown and hit.slug == top else None,
            )
        )
    best = results[0]["slug"] if results and results[0]["confident"] else None
    body = {
        "query": q,
        "normalized": outcome.normalized,
        "took_ms": outcome.took_ms,
        "match": best,
        "results": results,
    }
    return SearchResult(body, best, outcome.normalized)


class SearchCache:
    """Recent answers of `run_search`, for repeated errors: at most `size` (least recently used
    dropped), keyed by (query text, limit, env, index generation), so an answer is never served
    once the index or the data it read has changed (`app.store.engine.index_generation`), nor
    after `max_age_s` (the votes' tie-break on PostgreSQL is not in the generation). A cached
    answer is counted like any other (`record`)."""

    # Longer texts are searched but not kept: 1,024 answers stay within ~20 MB per process.
    MAX_QUERY_CHARS = 8 * 1024

    def __init__(self, size: int = 1024, max_age_s: float = 1.0):
        self.size, self.max_age_s = size, max_age_s
        self._items: OrderedDict[tuple, tuple[float, SearchResult]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def search(self, conn, q: str, limit: int = 5, env: dict | None = None) -> SearchResult:
        if len(q) > self.MAX_QUERY_CHARS:
            return run_search(conn, q, limit, env)
        env_key = None if env is None else json.dumps(env, sort_keys=True)
        key = (q, limit, env_key, index_generation(conn))
        now = time.monotonic()
        with self._lock:
            item = self._items.get(key)
            if item is not None and now - item[0] <= self.max_age_s:
                self._items.move_to_end(key)
                self.hits += 1
                return item[1]
            self.misses += 1
        result = run_search(conn, q, limit, env)
        if index_generation(conn) != key[-1]:
            return result  # the index changed during the search (or was built by it): not kept
        with self._lock:
            self._items[key] = (now, result)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._items)


def record(store, result: SearchResult, client: str | None = None) -> None:
    """Count the search (redacted, normalised query only) without making the client wait: in
    memory, written about once a second (`stats.SearchCounters`). `client` (the client
    address) is stored only as a salted hash, for "most wanted"."""
    stats.search_counters(store).add(result.normalized, result.best_confident, client)
