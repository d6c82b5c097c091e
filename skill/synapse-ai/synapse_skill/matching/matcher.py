"""The matcher: from raw error text to ranked entries, or an honest "no confident match".

One implementation for the server (over its store) and the skill offline (over an
in-memory copy of the snapshot). It needs only the standard library's `sqlite3` with
FTS5 and rapidfuzz.

Pipeline: extract the error → normalise → FTS5 candidates from the rarest query terms
(bounded work however common a word is, `match_index`) → IDF-weighted word overlap and
rapidfuzz against each candidate signature, plus exception-type agreement (`scoring`)
→ calibrated `confident` flag.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from synapse_skill.matching import score as scoring
from synapse_skill.matching.extract import extract
from synapse_skill.matching.index import (
    IndexCache,
    all_ids,
    create_schema,
    drop_schema,
    index_entries,
    index_entry,
    read_snapshot,
    remove_entry,
)
from synapse_skill.matching.score import Query, Signature, prepare_error

__all__ = [
    "Hit", "IndexCache", "Outcome", "create_schema", "drop_schema", "index_entries", "index_entry",
    "read_snapshot", "remove_entry", "search",
]

# Calibrated on tests/eval/dev.jsonl (see docs/matching.md): the lowest score at which a
# top answer is trusted, and how far ahead of the next entry it must be.
CONFIDENT_SCORE = 60.0
CONFIDENT_MARGIN = 0.1
EVIDENCE_DISCOUNT = 0.93  # chained/wrapped errors count, a little less than the raised one


@dataclass(frozen=True)
class Hit:
    slug: str
    score: float
    confident: bool
    signature: str
    type_match: bool | None
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    normalized: str
    hits: list[Hit]
    took_ms: float


def search(
    conn,
    text: str,
    limit: int = 5,
    worked: Callable[[Iterable[str]], Mapping[str, int]] | None = None,
    brute: bool = False,
    cache: IndexCache | None = None,
) -> Outcome:
    """Rank entries for `text`.

    Without `cache`, the connection's own (`conn.match_cache`, as the server's read
    connections carry) is used, or a fresh one.
    `worked(slugs)` gives the "worked" votes of the entries found, for the tie-break; it is
    asked only about those, so its cost does not grow with the corpus.

    `brute=True` scores every signature (the benchmark's baseline); give it a cache big enough
    for the whole index, or it reloads signatures on every call.
    """
    started = time.perf_counter()
    cache = _cache_for(conn) if cache is None else cache
    errors = [prepare_error(err) for err in extract(text).all_errors()]
    words = sorted({t for p in errors for t in (*p.tokens, p.bare) if t})
    with read_snapshot(conn):
        cache.sync(conn)
        df = cache.frequencies(conn, words)
        primary_words = [t for t in (*errors[0].tokens, errors[0].bare) if t]
        ids = all_ids(conn) if brute else cache.candidates(conn, primary_words, words, df)
        signatures = cache.signatures(conn, ids)
        idf_of = cache.idf(conn, words)
        queries = [Query(p, 1.0 if i == 0 else EVIDENCE_DISCOUNT, idf_of) for i, p in enumerate(errors)]
        best = _best_per_entry(queries, signatures, limit)

    votes = worked(list(best)) if worked else {}
    ranked = sorted(best.items(), key=lambda kv: (-round(kv[1][0], 1), -votes.get(kv[0], 0), kv[0]))
    hits = []
    for i, (slug, (score, sig, lexical)) in enumerate(ranked[:limit]):
        runner_up = ranked[i + 1][1][0] if i + 1 < len(ranked) else 0.0
        confident = i == 0 and score >= CONFIDENT_SCORE and score - runner_up >= CONFIDENT_MARGIN
        hits.append(Hit(slug, round(max(0.0, min(score, 100.0)), 1), confident, sig.text, lexical.type_match, lexical.terms(sig)))
    primary = errors[0]
    normalized = f"{primary.type.lower()}: {primary.norm}" if primary.type else primary.norm
    return Outcome(normalized, hits, round((time.perf_counter() - started) * 1000, 3))


def _cache_for(conn) -> IndexCache:
    cache = getattr(conn, "match_cache", None)
    return IndexCache() if cache is None else cache


def _best_per_entry(queries: list[Query], signatures: list[Signature], limit: int) -> dict:
    """Each entry's best (score, signature, lexical) over its signatures and the raised errors.

    Stage 1 scores every pair lexically, with the most the fuzzy part could add; stage 2
    runs rapidfuzz only while a pair can still reach the top `limit` entries.
    """
    pairs = []
    primary = queries[0].prepared
    for sig in signatures:
        conflict = scoring.module_conflict(primary, sig)
        for i, query in enumerate(queries):
            if i and conflict:
                continue  # the raised error names a different library's exception of that name
            lexical = scoring.lexical(query, sig)
            pairs.append((query.weight * (lexical.score + 100 * scoring.W_FUZZY), query, sig, lexical))
    pairs.sort(key=lambda p: -p[0])

    best: dict[str, tuple] = {}
    bar = float("-inf")  # the (limit+1)-th best entry score so far: pairs below it cannot matter
    for upper_bound, query, sig, lexical in pairs:
        if upper_bound < bar:
            break
        score = query.weight * (lexical.score + 100 * scoring.W_FUZZY * scoring.fuzzy(query.prepared, sig))
        if sig.slug not in best or score > best[sig.slug][0]:
            best[sig.slug] = (score, sig, lexical)
            if len(best) > limit:
                bar = sorted((b[0] for b in best.values()), reverse=True)[limit]
    return best
