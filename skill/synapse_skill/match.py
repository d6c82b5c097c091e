"""The matcher: from raw error text to ranked entries, or an honest "no confident match".

One implementation for the server (over its store) and the skill offline (over an
in-memory copy of the snapshot). It needs only the standard library's `sqlite3` with
FTS5 and rapidfuzz.

Pipeline: extract the error → normalise → FTS5 candidates from the rarest query terms
(bounded work however common a word is) → rapidfuzz + IDF-weighted term overlap against
each candidate signature, plus exception-type agreement → calibrated `confident` flag.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz import fuzz

from synapse_skill.extract import RaisedError, extract
from synapse_skill.normalize import normalize, slot_values, tokens

# Calibrated on tests/eval/dev.jsonl (see docs/matching.md): the lowest score at which a
# top answer is trusted, and how far ahead of the next entry it must be.
CONFIDENT_SCORE = 64.0
CONFIDENT_MARGIN = 0.1
CANDIDATE_LIMIT = 24
COMMON_TERM_SHARE = 0.05  # a term in more than 5 % of signatures does not pick candidates
MAX_QUERY_TERMS = 6
ALL_OF_TERMS = 3
RARE_TERM_DOCS = 100  # above this many signatures a word is too common to rank a union by
EVIDENCE_DISCOUNT = 0.93  # chained/wrapped errors count, a little less than the raised one
FUZZY_CHARS = 400

TYPE_ALIASES = [
    {"ratelimiterror", "ratelimitexceeded", "toomanyrequests"},
    {"apitimeouterror", "readtimeout", "readtimeouterror", "timeouterror", "timeout", "timeoutexception"},
    {"connecterror", "connectionrefusederror", "newconnectionerror", "apiconnectionerror"},
    {"sslcertverificationerror", "sslerror", "certificateerror"},
    {"outofmemoryerror", "cudaoutofmemoryerror"},
    {"internalservererror", "overloadederror", "apistatuserror", "serviceunavailableerror"},
    {"modulenotfounderror", "importerror"},
    {"oserror", "ioerror", "environmenterror"},
    {"authenticationerror", "unauthorizederror", "permissiondeniederror"},
    {"badrequesterror", "invalidrequesterror", "contextwindowexceedederror"},
]
_ALIAS = {name: i for i, group in enumerate(TYPE_ALIASES) for name in group}

SCHEMA = """
CREATE TABLE IF NOT EXISTS match_signatures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL,
    signature TEXT NOT NULL,
    exc_type TEXT,
    norm TEXT NOT NULL,
    tokens TEXT NOT NULL,
    examples TEXT NOT NULL DEFAULT ''  -- tokens of quoted values that vary across the entry's signatures
);
CREATE INDEX IF NOT EXISTS match_signatures_slug ON match_signatures(slug);
CREATE TABLE IF NOT EXISTS match_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS match_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS match_fts USING fts5(tokens, content='', tokenize="unicode61 tokenchars '_'");
"""


# -- index maintenance (called by the server's single writer, or on a private in-memory db) --


def create_schema(conn) -> None:
    """Create the matcher's tables; statement by statement so it can run inside a transaction."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def index_entry(conn, slug: str, signatures: list[str], title: str = "") -> None:
    """(Re)index the signatures of one entry; its title tells which quoted values matter."""
    remove_entry(conn, slug)
    prepared = [prepare(signature) for signature in signatures]
    title_tokens = frozenset(tokens(normalize(title)))
    for signature, sig in zip(signatures, prepared):
        examples = " ".join(sorted(_example_tokens(sig, title_tokens)))
        fts_tokens = " ".join(sig.tokens + ((sig.bare,) if sig.bare else ()))
        cur = conn.execute(
            "INSERT INTO match_signatures (slug, signature, exc_type, norm, tokens, examples)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (slug, signature, sig.type, sig.norm, fts_tokens, examples),
        )
        conn.execute("INSERT INTO match_fts (rowid, tokens) VALUES (?, ?)", (cur.lastrowid, fts_tokens))
        _adjust_terms(conn, set(fts_tokens.split()), +1)


def _example_tokens(sig: Prepared, title_tokens: frozenset) -> set[str]:
    """Quoted-value tokens the entry's title does not name: illustrations of a varying name.

    The coroutine entry's title names `'coroutine'`, so that value decides a match; the
    pickle entry's `'main.<locals>.worker'` or module-not-found's `'requests'` are examples.
    """
    return {t for t in sig.slots if t not in title_tokens}


def remove_entry(conn, slug: str) -> None:
    rows = conn.execute("SELECT id, tokens FROM match_signatures WHERE slug = ?", (slug,)).fetchall()
    for row_id, toks in rows:
        conn.execute("INSERT INTO match_fts (match_fts, rowid, tokens) VALUES ('delete', ?, ?)", (row_id, toks))
        _adjust_terms(conn, set(toks.split()), -1)
    conn.execute("DELETE FROM match_signatures WHERE slug = ?", (slug,))
    conn.execute("DELETE FROM match_terms WHERE df <= 0")


def _adjust_terms(conn, terms: set[str], delta: int) -> None:
    conn.executemany(
        "INSERT INTO match_terms (term, df) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
        [(t, delta) for t in terms],
    )
    conn.execute(
        "INSERT INTO match_meta (key, value) VALUES ('signatures', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
        (delta,),
    )


# Numbers that name the error: errno and Windows error codes, HTTP status codes.
_CODE_NUMBER = re.compile(r"(?:errno|winerror|error code:?|error|status(?: code)?:?)\s?-?(\d{1,5})\b")
_WRAPPER_PREFIX = re.compile(r"^\((?:[A-Za-z_][\w]{0,60}\.){0,6}[A-Za-z_]\w{0,80}\)\s?")

# Words that occur in errors of every kind (and JSON error bodies): weak evidence whatever
# their frequency in a small corpus.
GENERIC_WORDS = frozenset(
    ["a", "an", "the", "of", "to", "in", "on", "at", "for", "from", "with", "by", "and", "or", "not", "no", "is", "are", "was", "be", "been", "it", "this", "that", "these", "error", "errors", "message", "type", "code", "param", "params", "status", "detail", "details", "invalid", "request", "response", "none", "null", "true", "false", "object", "line", "file", "most", "recent", "call", "last", "traceback", "exception", "raised", "occurred", "during", "handling", "above", "following", "cause", "direct", "please", "try", "again", "see", "more", "information", "use", "using", "value"]
)
GENERIC_WEIGHT = 0.2
MISSING_DECISIVE_PENALTY = 20.0
W_COVERAGE, W_PRECISION, W_FUZZY = 0.45, 0.30, 0.25
TYPE_BONUS, TYPE_PENALTY = 5.0, 25.0

# -- prepared text -----------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """One error (a signature, or one error found in a query) ready for scoring."""

    type: str | None
    bare: str | None
    norm: str
    tokens: tuple[str, ...]  # of the message only; the type is compared on its own
    text: str
    token_set: frozenset = field(default=frozenset())
    slots: frozenset = field(default=frozenset())  # tokens of short quoted values
    slot_list: tuple = ()  # the same, per quoted value, in order
    template: str = ""  # the message with its quoted values blanked


def _prepare_error(err: RaisedError) -> Prepared:
    message = _WRAPPER_PREFIX.sub("", err.message)  # `(sqlite3.OperationalError) …`: the type is evidence
    norm = normalize(message)
    toks = tokens(norm)
    values = slot_values(message)
    slot_list = tuple(frozenset(t for t in tokens(normalize(v)) if not t.startswith("_")) for v in values)
    template = message
    for value in values:
        template = template.replace(value, "")
    bare = err.bare_type.lower() if err.bare_type else None
    if bare in ("error", "exception"):
        bare = None
    codes = frozenset(m.group(1) for m in _CODE_NUMBER.finditer(norm))
    slot_list = slot_list + ((codes,) if codes else ())
    slots = frozenset().union(*slot_list) if slot_list else frozenset()
    return Prepared(err.type, bare, norm, tuple(toks), err.line(), frozenset(toks), slots, slot_list, normalize(template))


@lru_cache(maxsize=65536)
def prepare(signature: str) -> Prepared:
    return replace(_prepare_error(extract(signature).primary), text=signature)


# -- search ------------------------------------------------------------------


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


class TermCache:
    """Document frequencies already read from one connection, dropped whenever the index changes.

    Keep one per connection (the server keeps one per reader thread). Validity is checked on
    every search with `PRAGMA data_version` (other connections' commits) and the connection's
    own change counter, so a cached value is never older than the index it describes.
    """

    def __init__(self) -> None:
        self._version: tuple[int, int] | None = None
        self._df: dict[str, int] = {}

    def frequencies(self, conn, terms: list[str]) -> dict[str, int]:
        version = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
        if version != self._version:
            self._version, self._df = version, {}
        unknown = [t for t in terms if t not in self._df]
        if unknown:
            found = _document_frequencies(conn, unknown)
            self._df.update({t: found.get(t, 0) for t in unknown})
        return {t: self._df[t] for t in terms if self._df[t]}


def search(
    conn,
    text: str,
    limit: int = 5,
    worked: dict[str, int] | None = None,
    brute: bool = False,
    cache: TermCache | None = None,
) -> Outcome:
    """Rank entries for `text`. `brute=True` scores every signature (the benchmark's baseline)."""
    cache = cache or TermCache()
    started = time.perf_counter()
    found = extract(text)
    queries = [(_prepare_error(err), 1.0 if i == 0 else EVIDENCE_DISCOUNT) for i, err in enumerate(found.all_errors())]
    all_tokens = sorted({t for q, _ in queries for t in (*q.tokens, q.bare) if t})
    n_signatures = _signature_count(conn)
    df = cache.frequencies(conn, all_tokens)
    rows = _all_rows(conn) if brute else _candidate_rows(conn, all_tokens, df, n_signatures)
    signatures = [(slug, prepare(text), frozenset(examples.split())) for slug, text, examples in rows]
    missing = sorted({t for _, sig, _ in signatures for t in sig.token_set} - df.keys())
    df.update(cache.frequencies(conn, missing))
    idf = _idf_table(df, n_signatures)
    weighted = [(query, _query_weights(query, idf), weight) for query, weight in queries]

    # Stage 1: cheap lexical scores for every (signature, raised error) pair, with the most the
    # fuzzy part could add. Stage 2: rapidfuzz only while a pair can still reach the top results.
    pairs = []
    for slug, sig, examples in signatures:
        sig_weights = _signature_weights(sig, examples, idf)
        primary_conflict = _module_conflict(queries[0][0], sig)
        for i, (query, query_weights, weight) in enumerate(weighted):
            if i and primary_conflict:
                continue  # the raised error names a different library's exception of that name
            lexical = _lexical(query, query_weights, sig, sig_weights, examples)
            pairs.append((weight * (lexical.score + 100 * W_FUZZY), weight, slug, sig, query, lexical))
    pairs.sort(key=lambda p: -p[0])

    best: dict[str, tuple[float, str, bool | None, tuple[str, ...]]] = {}
    for upper_bound, weight, slug, sig, query, lexical in pairs:
        if len(best) > limit and upper_bound < heapq.nlargest(limit + 1, (b[0] for b in best.values()))[-1]:
            break
        score = weight * (lexical.score + 100 * W_FUZZY * _fuzzy(query, sig))
        if slug not in best or score > best[slug][0]:
            best[slug] = (score, sig.text, lexical.type_match, lexical.terms())

    worked = worked or {}
    ranked = sorted(best.items(), key=lambda kv: (-round(kv[1][0], 1), -worked.get(kv[0], 0), kv[0]))
    hits = []
    for i, (slug, (score, signature, type_match, shared)) in enumerate(ranked[:limit]):
        runner_up = _next_other_score(ranked, i)
        confident = i == 0 and score >= CONFIDENT_SCORE and score - runner_up >= CONFIDENT_MARGIN
        hits.append(Hit(slug, round(max(0.0, min(score, 100.0)), 1), confident, signature, type_match, shared))
    primary = queries[0][0]
    normalized = f"{primary.type.lower()}: {primary.norm}" if primary.type else primary.norm
    return Outcome(normalized, hits, round((time.perf_counter() - started) * 1000, 3))


def _next_other_score(ranked, i: int) -> float:
    return ranked[i + 1][1][0] if i + 1 < len(ranked) else 0.0


def _signature_count(conn) -> int:
    row = conn.execute("SELECT value FROM match_meta WHERE key = 'signatures'").fetchone()
    return max(int(row[0]) if row else 0, 1)


def _document_frequencies(conn, terms: list[str]) -> dict[str, int]:
    if not terms:
        return {}
    marks = ",".join("?" * len(terms))
    return dict(conn.execute(f"SELECT term, df FROM match_terms WHERE term IN ({marks})", terms).fetchall())


def _fts_ids(conn, terms: list[str], operator: str) -> list[int]:
    fts_query = f" {operator} ".join('"' + t.replace('"', '""') + '"' for t in terms)
    rows = conn.execute(
        "SELECT rowid FROM match_fts WHERE match_fts MATCH ? ORDER BY rank LIMIT ?", (fts_query, CANDIDATE_LIMIT)
    )
    return [r[0] for r in rows]


def _candidate_rows(conn, terms: list[str], df: dict[str, int], n: int) -> list[tuple[str, str, str]]:
    """Signatures of the entries that share the query's rarest words, found through FTS5.

    The work is bounded however common the words are: first the signatures holding *all*
    of the few rarest words (an intersection, usually small); only when that finds too few,
    any of the rare words, leaving out words so common they say nothing.
    """
    known = sorted((t for t in terms if df.get(t)), key=lambda t: (df[t], t))
    if not known:
        return []
    ids: list[int] = []
    # Ranking is what costs in FTS5 (bm25 for every matching row), so rank small sets:
    # intersections of the rarest words first, then the union of words that are still rare.
    groups = [known[:ALL_OF_TERMS], *itertools.combinations(known[: ALL_OF_TERMS + 1], 2)] if len(known) > 1 else []
    for group in dict.fromkeys(tuple(g) for g in groups):
        ids.extend(i for i in _fts_ids(conn, list(group), "AND") if i not in ids)
        if len(ids) >= CANDIDATE_LIMIT:
            break
    if len(ids) < CANDIDATE_LIMIT:  # also gives near misses from other entries
        rare_cap = max(RARE_TERM_DOCS, int(n * COMMON_TERM_SHARE)) if n < RARE_TERM_DOCS * 20 else RARE_TERM_DOCS
        rare = [t for t in known if df[t] <= rare_cap][:MAX_QUERY_TERMS] or known[:1]
        ids.extend(i for i in _fts_ids(conn, rare, "OR") if i not in ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return conn.execute(
        "SELECT slug, signature, examples FROM match_signatures WHERE slug IN "
        f"(SELECT slug FROM match_signatures WHERE id IN ({marks}))",
        ids,
    ).fetchall()


def _all_rows(conn) -> list[tuple[str, str]]:
    return conn.execute("SELECT slug, signature, examples FROM match_signatures").fetchall()


def _idf_table(df: dict[str, int], n: int) -> dict[str, float]:
    """Inverse document frequency of every term we know; unknown terms weigh 1 (mostly run noise)."""
    return {term: math.log(1 + n / d) for term, d in df.items() if d}


PLACEHOLDER_WEIGHT = 0.25  # `_num_`, `_path_`: say little about which fix applies
DECISIVE_WEIGHT = 2.0  # a quoted value that does not vary across the entry (`'coroutine'`)
EXAMPLE_WEIGHT = 0.3  # a quoted value the entry shows with several values (`'requests'`, `'numpy'`)


@lru_cache(maxsize=65536)
def _signature_factors(sig: Prepared, examples: frozenset) -> tuple[tuple[str, float], ...]:
    """How much each signature token counts before rarity: decisive values double, noise little."""
    factors = []
    for t in sig.token_set:
        if t == "_qenv_":
            factor = DECISIVE_WEIGHT
        elif t.startswith("_"):
            factor = PLACEHOLDER_WEIGHT
        elif t in examples:
            factor = EXAMPLE_WEIGHT
        elif t in sig.slots:
            factor = DECISIVE_WEIGHT
        elif t in GENERIC_WORDS:
            factor = GENERIC_WEIGHT
        else:
            factor = 1.0
        factors.append((t, factor))
    return tuple(factors)


def _signature_weights(sig: Prepared, examples: frozenset, idf: dict) -> tuple[dict[str, float], float]:
    weights = {t: idf.get(t, 1.0) * f for t, f in _signature_factors(sig, examples)}
    return weights, sum(weights.values()) or 1.0


def _query_weights(query: Prepared, idf: dict) -> tuple[dict[str, float], float]:
    weights = {}
    for t in query.token_set:
        if t.startswith("_") and t != "_qenv_":
            factor = PLACEHOLDER_WEIGHT
        else:
            factor = GENERIC_WEIGHT if t in GENERIC_WORDS else 1.0
        weights[t] = idf.get(t, 1.0) * factor
    return weights, sum(weights.values()) or 1.0


@dataclass(frozen=True)
class _Lexical:
    score: float  # everything but the fuzzy part, on the 0-100 scale
    type_match: bool | None
    shared: frozenset
    weights: dict

    def terms(self) -> tuple[str, ...]:
        """The shared words that weigh most: the explanation shown as `why.terms`."""
        words = (t for t in self.shared if not t.startswith("_"))
        return tuple(sorted(words, key=lambda t: (-self.weights[t], t))[:5])


def _lexical(query: Prepared, query_weights: tuple, sig: Prepared, sig_weights: tuple, examples: frozenset) -> _Lexical:
    """IDF-weighted term overlap both ways, decisive values, exception-type agreement."""
    (q_weights, q_total), (s_weights, s_total) = query_weights, sig_weights
    shared = query.token_set & sig.token_set
    if sig.token_set:
        coverage = sum(s_weights[t] for t in shared) / s_total
        precision = sum(q_weights[t] for t in shared) / q_total
    else:  # a bare exception name (`java.util.ConcurrentModificationException`): the name is everything
        coverage = precision = float(_same_qualified_type(query, sig))
    score = 100 * (W_COVERAGE * coverage + W_PRECISION * precision)
    missing_decisive = [t for t in sig.slots - examples - query.token_set if not t.startswith("_")]
    if "_qenv_" in sig.token_set and "_qenv_" not in query.token_set:
        missing_decisive.append("_qenv_")
    score -= MISSING_DECISIVE_PENALTY * min(2, len(missing_decisive))
    type_match = _type_agreement(query, sig)
    if type_match is True:
        score += TYPE_BONUS
    elif type_match is False:
        score -= TYPE_PENALTY
    return _Lexical(score, type_match, shared, s_weights)


def _fuzzy(query: Prepared, sig: Prepared) -> float:
    """rapidfuzz similarity of the normalised messages, 0-1 (word-set and best-window)."""
    if not sig.norm:
        return float(_same_qualified_type(query, sig))
    q_text, s_text = query.norm[:FUZZY_CHARS], sig.norm[:FUZZY_CHARS]
    return (fuzz.token_set_ratio(q_text, s_text) + fuzz.partial_ratio(s_text, q_text)) / 200


def _same_qualified_type(query: Prepared, sig: Prepared) -> bool:
    return bool(query.type and sig.type and query.type.lower() == sig.type.lower())


def _module_conflict(query: Prepared, sig: Prepared) -> bool:
    """Same class name from different libraries: `requests…JSONDecodeError` is not `json…JSONDecodeError`."""
    if not query.bare or query.bare != sig.bare or "." not in query.type or "." not in sig.type:
        return False
    return query.type.split(".")[0].lower() != sig.type.split(".")[0].lower()


def _type_agreement(query: Prepared, sig: Prepared) -> bool | None:
    """True if both name the same exception (bare, qualified or a known alias); None if either has none."""
    if not query.bare or not sig.bare:
        return None
    if query.bare == sig.bare:
        return not _module_conflict(query, sig)
    a, b = _ALIAS.get(query.bare), _ALIAS.get(sig.bare)
    if a is not None and a == b:
        return True
    return False
