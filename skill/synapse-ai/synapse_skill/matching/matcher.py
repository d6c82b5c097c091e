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
from dataclasses import dataclass, replace

from synapse_skill.matching import evidence
from synapse_skill.matching import score as scoring
from synapse_skill.matching.extract import extract
from synapse_skill.matching.index import FORMAT as INDEX_FORMAT
from synapse_skill.matching.index import (
    Generality,
    IndexCache,
    IndexItem,
    IndexRows,
    PreparedEntry,
    all_ids,
    create_schema,
    drop_schema,
    index_entries,
    index_entry,
    index_prepared,
    prepare_entry,
    read_prepared,
    read_snapshot,
    remove_entry,
    stale_format,
    stored_rows,
)
from synapse_skill.matching.score import Query, Signature, prepare_error

__all__ = [
    "INDEX_FORMAT",
    "Generality",
    "Hit",
    "IndexCache",
    "IndexItem",
    "IndexRows",
    "Outcome",
    "PreparedEntry",
    "create_schema",
    "drop_schema",
    "index_entries",
    "index_entry",
    "index_prepared",
    "prepare_entry",
    "read_prepared",
    "read_snapshot",
    "remove_entry",
    "search",
    "stale_format",
    "stored_rows",
]

# Calibrated on tests/eval/dev.jsonl (see docs/matching.md): the lowest score at which a
# top answer is trusted, and how far ahead of the next entry it must be.
CONFIDENT_SCORE = 60.0
CONFIDENT_MARGIN = 0.1
EVIDENCE_DISCOUNT = 0.93  # chained/wrapped errors count, a little less than the raised one
# A query that reads at least about as much like one of an entry's `not_errors` as like the
# entry itself is that look-alike: the entry is not an answer to it.
NOT_ERROR_MARGIN = 3.0
NOT_ERROR_PENALTY = 35.0
# A placeholder signature's shape (`cannot import name 'X' from 'pkg'`) is the general answer: an
# entry about the very package the message names, scoring at least SHAPE_DEFERS_TO, comes first.
SHAPE_DEFERENCE = 30.0
SHAPE_DEFERS_TO = 50.0
# A near miss (not confident) is shown only at this score or above and when it shares a real
# word with the query: `the` and `in` in common are noise, not a lead (API, CLI, site, skill).
NEAR_MISS_FLOOR = 30.0
NEAR_MISS_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "could",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "no",
        "not",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
    ]
)


@dataclass(frozen=True)
class Hit:
    slug: str
    score: float
    confident: bool
    signature: str
    type_match: bool | None
    terms: tuple[str, ...]
    frames: tuple[str, ...] = ()  # what the traceback's frames said about this entry
    env: tuple[str, ...] = ()  # what the client's environment said about it
    conflicts: tuple[str, ...] = ()  # decisive parts of the message that differ from the signature
    not_error: str | None = None  # the entry's look-alike the query resembles as much
    general: bool = False  # the entry's advice says where to look, not what to change (never confident)


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
    env: Mapping | None = None,
) -> Outcome:
    """Rank entries for `text`.

    Without `cache`, the connection's own (`conn.match_cache`, as the server's read
    connections carry) is used, or a fresh one.
    `worked(slugs)` gives the "worked" votes of the entries found, for the tie-break; it is
    asked only about those, so its cost does not grow with the corpus.

    `brute=True` scores every signature (the benchmark's baseline); give it a cache big enough
    for the whole index, or it reloads signatures on every call.
    `env` is the client's environment (`{"python": …, "platform": …, "packages": {…}}`),
    weighed against each entry's `applies_to`.
    """
    started = time.perf_counter()
    cache = _cache_for(conn) if cache is None else cache
    extracted = extract(text)
    errors = [prepare_error(err, around=text) for err in extracted.all_errors()]
    installed = evidence.installed_distribution(errors[0].features, env)
    if installed:  # the client's own import machinery shows what the text can only name
        errors[0] = replace(errors[0], features=errors[0].features | {"module_source": "installed"})
    words = sorted({t for p in errors for t in (*p.tokens, p.bare) if t})
    with read_snapshot(conn):
        cache.sync(conn)
        df = cache.frequencies(conn, words)
        # the type leads its first words: a lookup of the first words' rarest pair may rest on it
        primary_words = [t for t in (errors[0].bare, *errors[0].tokens) if t]
        skeleton = [t for t in errors[0].tokens if t not in errors[0].slots]
        evidence_words = [[t for t in (e.bare, *e.tokens) if t] for e in errors[1:]]
        ids = (
            all_ids(conn)
            if brute
            else cache.candidates(conn, primary_words, words, df, skeleton, evidence_words)
        )
        if not brute:
            ids = list(dict.fromkeys([*ids, *cache.shape_ids(conn)]))
        signatures = cache.signatures(conn, ids)
        idf_of = cache.idf(conn, words)
        queries = [Query(p, 1.0 if i == 0 else EVIDENCE_DISCOUNT, idf_of) for i, p in enumerate(errors)]
        best, look_alikes = _best_per_entry(queries, signatures, limit)
        facts = cache.facts(conn, best)

    # the exception's own type names its library too: `openai.error.AuthenticationError`
    query_words = frozenset(t for p in errors for t in p.tokens) | {
        part.lower() for p in errors if p.type for part in p.type.split(".")
    }
    services = evidence.services_named(text)
    ports = evidence.ports_connected(text)
    query_words |= services
    # a generic entry (no libraries) defers to one about the service whose port the error names
    about_service = (
        evidence.entries_about_any(
            services,
            {slug: facts[slug].libraries for slug, (score, _, _) in best.items() if score >= SHAPE_DEFERS_TO},
        )
        if services  # most errors name no service's port
        else set()
    )
    query_subject = errors[0].features.get("module_subject")
    shape_matched = any(sig.shape is not None for _, sig, _ in best.values())
    about_subject = (
        evidence.entries_about(
            query_subject,
            {slug: facts[slug].libraries for slug, (score, _, _) in best.items() if score >= SHAPE_DEFERS_TO},
        )
        if shape_matched
        else set()
    )
    query_names = evidence.names_in(query_words, extracted.frames)
    judged = {}
    for slug, (score, sig, lexical) in best.items():
        libraries = facts[slug].libraries
        if sig.shape is not None and about_subject - {slug}:
            score -= SHAPE_DEFERENCE
            lexical = replace(
                lexical, conflicts=(*lexical.conflicts, f"{query_subject}: see {min(about_subject - {slug})}")
            )
        # (unless the signature it matched is itself that service's wording) and ranks below it
        if not libraries and about_service and not services & evidence.services_named(sig.text):
            score = min(score - SHAPE_DEFERENCE, max(best[s][0] for s in about_service) - 1)
            lexical = replace(
                lexical, conflicts=(*lexical.conflicts, f"the service's port: see {min(about_service)}")
            )
        judgement = evidence.combine(
            evidence.frames_evidence(libraries, extracted.frames, extracted.installed, query_subject),
            evidence.named_library_evidence(sig.token_set, libraries, query_names),
            evidence.env_evidence(facts[slug].applies_to, env, extracted.runs_on),
        )
        if installed and sig.shape is not None:  # what let the shape answer: say it in why.env
            judgement = replace(
                judgement, env=(*judgement.env, f"{query_subject} is installed ({installed})")
            )
        score += judgement.adjustment
        subject = evidence.subject_conflicts(query_subject, sig.subject, libraries)
        subject += evidence.other_service_port(sig.text, libraries, ports, query_words)
        if subject:
            score -= scoring.DECISIVE_CONFLICT_PENALTY
            lexical = replace(lexical, conflicts=lexical.conflicts + subject)
        look_alike = look_alikes.get(slug)
        if look_alike and look_alike[0] >= score - NOT_ERROR_MARGIN:
            score -= NOT_ERROR_PENALTY
        else:
            look_alike = None
        judged[slug] = (score, sig, lexical, judgement, look_alike[1] if look_alike else None)
    votes = worked(list(judged)) if worked else {}
    ranked = sorted(judged.items(), key=lambda kv: (-round(kv[1][0], 1), -votes.get(kv[0], 0), kv[0]))
    # only a warning, then a traceback cut before its exception line: the failure is not in the text
    unseen = (
        ("the failure is not shown: a warning, then a traceback cut short",)
        if extracted.failure_missing
        else ()
    )
    hits = []
    for i, (slug, (score, sig, lexical, judgement, not_error)) in enumerate(ranked[:limit]):
        runner_up = ranked[i + 1][1][0] if i + 1 < len(ranked) else 0.0
        # Contradicting evidence (a decisive part, a look-alike, a version or platform) rules the
        # entry out as the answer, however well the rest of the text matches.
        contradicted = judgement.veto or bool(lexical.conflicts) or not_error is not None or bool(unseen)
        # A general entry (a validation error of the caller's own data, …) is offered, not asserted:
        # on errors sampled by repository its text matched as well when the cause was another.
        general = facts[slug].general_for(extracted.raised_in_library)
        confident = (
            i == 0
            and not contradicted
            and not general
            and not scoring.thin(sig, lexical)
            and not scoring.common_words_only(sig, lexical, score, idf_of, cache.size)
            and score >= CONFIDENT_SCORE
            and score - runner_up >= CONFIDENT_MARGIN
        )
        hits.append(
            Hit(
                slug,
                round(max(0.0, min(score, 100.0)), 1),
                confident,
                sig.text,
                lexical.type_match,
                lexical.terms(sig),
                judgement.frames,
                judgement.env,
                lexical.conflicts + unseen,
                not_error,
                general,
            )
        )
    hits = [hit for hit in hits if hit.confident or worth_showing(hit)]
    primary = errors[0]
    normalized = f"{primary.type.lower()}: {primary.norm}" if primary.type else primary.norm
    return Outcome(normalized, hits, round((time.perf_counter() - started) * 1000, 3))


def worth_showing(hit: Hit) -> bool:
    """A near miss above the relevance floor that shares a real (non stop-) word with the query."""
    if hit.score < NEAR_MISS_FLOOR:
        return False
    return not hit.terms or any(t not in NEAR_MISS_STOP_WORDS for t in hit.terms)


def _cache_for(conn) -> IndexCache:
    cache = getattr(conn, "match_cache", None)
    return IndexCache() if cache is None else cache


def _best_per_entry(queries: list[Query], signatures: list[Signature], limit: int) -> tuple[dict, dict]:
    """Each entry's best (score, signature, lexical) over its signatures and the raised errors,
    and, for those entries, how well the raised error reads like one of their `not_errors`.

    Stage 1 scores every pair lexically, with the most the fuzzy part could add; stage 2
    runs rapidfuzz only while a pair can still reach the top `limit` entries.
    """
    pairs: list[tuple[float, Query, Signature, scoring.Lexical, float | None]] = []
    primary = queries[0].prepared
    negatives = [sig for sig in signatures if sig.negative]
    for sig in signatures:
        if sig.negative:
            continue
        conflict = scoring.module_conflict(primary, sig)
        for i, query in enumerate(queries):
            if i and conflict:
                continue  # the raised error names a different library's exception of that name
            lexical = scoring.lexical(query, sig)
            if sig.shape is None:
                pairs.append(
                    (query.weight * (lexical.score + 100 * scoring.W_FUZZY), query, sig, lexical, None)
                )
                continue
            # a placeholder signature's words are `X` and `pkg`: only its shape says anything
            shaped = scoring.shaped(query, sig, lexical) if i == 0 else None
            if shaped is not None:
                pairs.append((shaped, query, sig, lexical, shaped))
    pairs.sort(key=lambda p: -p[0])

    best: dict[str, tuple] = {}
    bar = float("-inf")  # the (limit+1)-th best entry score so far: pairs below it cannot matter
    for upper_bound, query, sig, lexical, shaped in pairs:
        if upper_bound < bar:
            break
        if shaped is None:
            # a pair that cannot beat its entry's best signature so far changes nothing
            above = None
            if sig.slug in best:
                above = (best[sig.slug][0] / query.weight - lexical.score) / (100 * scoring.W_FUZZY)
            fuzzy = scoring.fuzzy_above(query.prepared, sig, above)
            if fuzzy is None:
                continue
            score = query.weight * (lexical.score + 100 * scoring.W_FUZZY * fuzzy)
        else:
            score = shaped
        if sig.slug not in best or score > best[sig.slug][0]:
            best[sig.slug] = (score, sig, lexical)
            if len(best) > limit:
                bar = sorted((b[0] for b in best.values()), reverse=True)[limit]
    look_alikes: dict[str, tuple[float, str]] = {}
    for sig in negatives:
        if sig.slug in best:
            if _only_the_shape(sig, best[sig.slug][1], primary) or _word_for_word(best[sig.slug][1], primary):
                continue
            lexical = scoring.lexical(queries[0], sig)
            if sig.shape is None:
                score = lexical.score + 100 * scoring.W_FUZZY * scoring.fuzzy(primary, sig)
            else:
                score = scoring.shaped(queries[0], sig, lexical) or float("-inf")
            if score > look_alikes.get(sig.slug, (float("-inf"), ""))[0]:
                look_alikes[sig.slug] = (score, sig.text)
    return best, look_alikes


def _word_for_word(matched: Signature, primary: scoring.Prepared) -> bool:
    """The raised error is one of the entry's own signatures, word for word: no look-alike, however
    close, reads more like it than that (the weights of shared words move as the corpus grows)."""
    return bool(primary.norm) and matched.norm == primary.norm and matched.bare == primary.bare


def _only_the_shape(look_alike: Signature, matched: Signature, primary: scoring.Prepared) -> bool:
    """A look-alike about the same package, written in the very shape of the signature the error
    matched with other names (`cannot import name 'create_agent' from 'langchain.agents'` beside
    `… 'PromptTemplate' from 'langchain'`), says something only about errors that name what it
    names: an import of another name from that package reads like it only as much as like the entry."""
    subject = look_alike.features.get("module_subject")
    if subject is None or subject != primary.features.get("module_subject"):
        return False
    own = (look_alike.decisive | look_alike.examples) - (matched.decisive | matched.examples)
    if not own or own & primary.token_set:
        return False
    return scoring.message_shape(look_alike.text) == scoring.message_shape(matched.text)


def hit_result(
    hit: Hit, *, title: str, url: str | None, fix: dict, token_savings: int, moved: dict | None = None
) -> dict:
    """One result of the search contract (DESIGN.md), the same for the server and the skill offline.
    `moved` is the row of the entry's moved-names table the error names (`synapse_skill.moves`)."""
    return {
        "slug": hit.slug,
        "title": title,
        "score": hit.score,
        "confident": hit.confident,
        "url": url,
        "why": {
            "signature": hit.signature,
            "type_match": hit.type_match,
            "terms": list(hit.terms),
            "frames": list(hit.frames),
            "env": list(hit.env),
            "conflicts": list(hit.conflicts),
            "not_error": hit.not_error,
            "general": hit.general,
        },
        "fix": fix,
        "token_savings": token_savings,
        "moved": moved,
    }
