"""How well one raised error matches one signature, on a 0-100 scale.

Two kinds of evidence: which words they share, weighted by rarity (IDF) and by what the
word is (a quoted value that decides the fix, a placeholder, a word every error has), and
how alike the two messages read (rapidfuzz). Exception-type agreement adds or subtracts.
Everything about a signature that does not depend on the query is computed once, when it
is loaded (`Signature`); per query only set intersections and a few sums remain.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from synapse_skill.matching import decisive as decisive_parts
from synapse_skill.matching.extract import RaisedError, extract
from synapse_skill.matching.normalize import (
    WILDCARDS,
    has_wildcard,
    normalize,
    same_shape,
    shape,
    slot_values,
    tokens,
)

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
# Libraries whose exception classes are one family: litellm's AuthenticationError, RateLimitError,
# BadRequestError… subclass openai's (litellm/exceptions.py), so the same class name is the same error.
_ONE_FAMILY = {"litellm": "openai"}

# Words that occur in errors of every kind (and JSON error bodies): weak evidence whatever
# their frequency in a small corpus.
GENERIC_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "with",
        "by",
        "and",
        "or",
        "not",
        "no",
        "is",
        "are",
        "was",
        "be",
        "been",
        "it",
        "this",
        "that",
        "these",
        "error",
        "errors",
        "message",
        "type",
        "code",
        "param",
        "params",
        "status",
        "detail",
        "details",
        "invalid",
        "request",
        "response",
        "none",
        "null",
        "true",
        "false",
        "object",
        "line",
        "file",
        "most",
        "recent",
        "call",
        "last",
        "traceback",
        "exception",
        "raised",
        "occurred",
        "during",
        "handling",
        "above",
        "following",
        "cause",
        "direct",
        "please",
        "try",
        "again",
        "see",
        "more",
        "information",
        "use",
        "using",
        "value",
        # where in the input an error happened, not which error it is
        "column",
        "char",
        "position",
        "offset",
    ]
)
GENERIC_WEIGHT = 0.2
PLACEHOLDER_WEIGHT = 0.25  # `_num_`, `_path_`: say little about which fix applies
DECISIVE_WEIGHT = 2.0  # a quoted value that does not vary across the entry (`'coroutine'`)
EXAMPLE_WEIGHT = 0.3  # a quoted value the entry shows with several values (`'requests'`, `'numpy'`)
ENV_TAG = "_qenv_"  # a quoted UPPER_SNAKE name: an environment variable

MISSING_DECISIVE_PENALTY = 20.0
DECISIVE_CONFLICT_PENALTY = 40.0  # an errno, a status, a module depth that differ: not the same error
W_COVERAGE, W_PRECISION, W_FUZZY = 0.45, 0.30, 0.25
TYPE_BONUS, TYPE_PENALTY = 5.0, 25.0
SHAPE_SCORE = 75.0  # a query of a placeholder signature's shape: confident, below a named match
# The same shape when only the package's name (one PyPI's most-downloaded projects install), not its
# path, shows a package: offered first, never confident (half such answers were another cause).
SHAPE_LEAD_SCORE = 50.0
FUZZY_CHARS = 400

# Numbers that name the error: errno and Windows error codes, HTTP status codes.
_CODE_NUMBER = re.compile(r"(?:errno|winerror|error code:?|error|status(?: code)?:?)\s?-?(\d{1,5})\b")
# The attribute an object lacks is the value of its message whether quoted (Python's own
# `has no attribute 'x'`) or not (transformers' `LlamaTokenizerFast has no attribute chat_template`).
_BARE_ATTRIBUTE = re.compile(r"has no attribute (\w{1,80})")
_WRAPPER_PREFIX = re.compile(r"^\((?:[A-Za-z_][\w]{0,60}\.){0,6}[A-Za-z_]\w{0,80}\)\s?")


@dataclass(frozen=True)
class Prepared:
    """One error (a signature, or one error found in a query) normalised for scoring."""

    type: str | None
    bare: str | None  # the class name without its module, lower-case; None for `Error`
    norm: str
    tokens: tuple[str, ...]  # of the message only; the type is compared on its own
    text: str
    slots: frozenset  # tokens of short quoted values and of error codes
    features: dict = field(default_factory=dict, compare=False)  # decisive parts (`decisive.features`)
    shape: tuple[str, ...] = field(default=(), compare=False)  # its words without names (`normalize.shape`)

    @property
    def token_set(self) -> frozenset:
        return frozenset(self.tokens)


def prepare_error(err: RaisedError, with_features: bool = True, around: str = "") -> Prepared:
    """One raised error prepared for scoring; `around` is the text it was found in (its context)."""
    message = _WRAPPER_PREFIX.sub("", err.message)  # `(sqlite3.OperationalError) …`: the type is evidence
    norm = normalize(message)
    toks = tuple(dict.fromkeys(tokens(norm)))
    slots = {t for v in slot_values(message) for t in tokens(normalize(v)) if not t.startswith("_")}
    slots.update(m.group(1) for m in _CODE_NUMBER.finditer(norm))
    slots.update(t for m in _BARE_ATTRIBUTE.finditer(message) for t in tokens(normalize(m.group(1))))
    bare = err.bare_type.lower() if err.bare_type else None
    if bare in ("error", "exception"):
        bare = None
    if not with_features:  # indexing: features and shapes are read again from the text at search time
        return Prepared(err.type, bare, norm, toks, err.line(), frozenset(slots))
    features = decisive_parts.features(err.line()) | decisive_parts.context(around, err.line())
    return Prepared(err.type, bare, norm, toks, err.line(), frozenset(slots), features, shape(message))


def prepare(signature: str, with_features: bool = True) -> Prepared:
    """A signature as written in an entry, prepared like a raised error."""
    prepared = prepare_error(extract(signature).primary, with_features, around=signature)
    return Prepared(
        prepared.type,
        prepared.bare,
        prepared.norm,
        prepared.tokens,
        signature,
        prepared.slots,
        prepared.features,
    )


def idf(df: int, n: int) -> float:
    """Rarity of a word among `n` signatures; a word no signature has weighs 1 (mostly run noise)."""
    return math.log(1 + n / df) if df else 1.0


class Signature:
    """A stored signature with everything query-independent precomputed (weights, decisive words)."""

    __slots__ = (
        "bare",
        "decisive",
        "examples",
        "features",
        "negative",
        "norm",
        "shape",
        "slug",
        "subject",
        "text",
        "token_set",
        "tokens",
        "total",
        "type",
        "weights",
        "whole_values",
    )

    def __init__(
        self,
        slug: str,
        prepared: Prepared,
        examples: frozenset,
        idf_of: dict[str, float],
        negative: bool = False,
    ):
        self.slug, self.text, self.norm = slug, prepared.text, prepared.norm
        self.negative = negative  # one of the entry's `not_errors`: a look-alike it must not answer
        self.type, self.bare = prepared.type, prepared.bare
        self.tokens, self.token_set = prepared.tokens, prepared.token_set
        self.examples = examples
        slots = prepared.slots
        self.weights = {t: idf_of[t] * _signature_factor(t, slots, examples) for t in self.token_set}
        self.total = sum(self.weights.values()) or 1.0
        decisive = {t for t in prepared.slots - examples if not t.startswith("_")}
        if ENV_TAG in self.token_set:
            decisive.add(ENV_TAG)
        # A signature written with placeholder names matches by its shape (`shaped`); the
        # placeholders stand for any name, so they never decide, whatever the title says.
        self.shape = _signature_shape(prepared.text)
        if self.shape is not None:
            decisive -= _PLACEHOLDER_WORDS
        self.decisive = frozenset(decisive)
        self.whole_values = _whole_values(prepared.text, self.decisive)
        self.features = {
            name: value
            for name, value in prepared.features.items()
            if name not in decisive_parts.SUBJECT_FEATURES or value in self.decisive
        }
        self.subject = prepared.features.get("module_subject")  # the package the message is about


@functools.lru_cache(maxsize=4096)
def message_shape(text: str) -> tuple[str, ...]:
    """The shape (`normalize.shape`) of a signature's raised message, names left out."""
    return shape(_WRAPPER_PREFIX.sub("", extract(text).primary.message))


_PLACEHOLDER_WORDS = frozenset(t for w in WILDCARDS for t in tokens(normalize(w)))


def _signature_shape(text: str) -> tuple[str, ...] | None:
    if not has_wildcard(text):
        return None
    return message_shape(text) or None


def _signature_factor(t: str, slots: frozenset, examples: frozenset) -> float:
    """How much a signature word counts before rarity: decisive values double, noise little."""
    if t == ENV_TAG:
        return DECISIVE_WEIGHT
    if t.startswith("_"):
        return PLACEHOLDER_WEIGHT
    if t in examples:
        return EXAMPLE_WEIGHT
    if t in slots:
        return DECISIVE_WEIGHT
    return GENERIC_WEIGHT if t in GENERIC_WORDS else 1.0


# A name is one unit with its `_` and `-` joints: `'name'` is not `'model_name'`, `'__name__'` or `lc-serve`.
_NAME_UNIT = re.compile(r"[A-Za-z0-9_\-]+")


def _whole_values(text: str, decisive: frozenset) -> frozenset:
    """A signature's decisive quoted names (`'name'`, `'initiate_chat'`; not a URL, a dotted path or
    a sentence), each as written (lower-case, `-` read as `_`) and as its word tokens."""
    return frozenset(
        (_unit(v), tuple(found))
        for v in slot_values(text)
        if _NAME_UNIT.fullmatch(v) and (found := tokens(normalize(v))) and decisive.issuperset(found)
    )


def _unit(name: str) -> str:
    return name.lower().replace("-", "_")


class Query:
    """One raised error of the query, with its word weights under the current index."""

    __slots__ = ("_units", "only_a_value", "prepared", "token_set", "total", "weight", "weights")

    def __init__(self, prepared: Prepared, weight: float, idf_of: dict[str, float]):
        self.prepared, self.weight = prepared, weight
        self.token_set = prepared.token_set
        self.weights = {t: idf_of[t] * _query_factor(t) for t in self.token_set}
        self.total = sum(self.weights.values()) or 1.0
        self.only_a_value = _only_a_value(prepared)  # read for every candidate signature
        self._units: tuple[str, ...] | None = None

    def units(self) -> tuple[str, ...]:
        """The names the error shows, each whole (`_NAME_UNIT`, read as `_unit`), computed once."""
        if self._units is None:
            self._units = tuple(dict.fromkeys(_unit(u) for u in _NAME_UNIT.findall(self.prepared.text)))
        return self._units


def _query_factor(t: str) -> float:
    if t.startswith("_") and t != ENV_TAG:
        return PLACEHOLDER_WEIGHT
    return GENERIC_WEIGHT if t in GENERIC_WORDS else 1.0


@dataclass(slots=True)  # built for every candidate pair (~47 a search): a frozen init costs twice as much
class Lexical:
    score: float  # everything but the fuzzy part, on the 0-100 scale
    type_match: bool | None
    shared: frozenset
    conflicts: tuple[str, ...] = ()  # decisive parts that differ (`errno 99 ≠ 98`)

    def terms(self, sig: Signature) -> tuple[str, ...]:
        """The shared words that weigh most: the explanation shown as `why.terms`."""
        words = (t for t in self.shared if not t.startswith("_"))
        return tuple(sorted(words, key=lambda t: (-sig.weights[t], t))[:5])


def lexical(query: Query, sig: Signature) -> Lexical:
    """IDF-weighted word overlap both ways, decisive values, exception-type agreement."""
    shared = query.token_set & sig.token_set
    if sig.token_set:
        s_weights, q_weights = sig.weights, query.weights
        coverage = sum(map(s_weights.__getitem__, shared)) / sig.total
        precision = sum(map(q_weights.__getitem__, shared)) / query.total
    else:  # a bare exception name (`java.util.ConcurrentModificationException`): the name is everything
        coverage = precision = float(_same_qualified_type(query.prepared, sig))
    score = 100 * (W_COVERAGE * coverage + W_PRECISION * precision)
    missing = len(sig.decisive - query.token_set)
    score -= MISSING_DECISIVE_PENALTY * min(2, missing)
    type_match = type_agreement(query.prepared, sig)
    if type_match is True:
        score += TYPE_BONUS
    elif type_match is False or (sig.bare is None and query.only_a_value):
        score -= TYPE_PENALTY
    conflicts = decisive_parts.conflicts(query.prepared.features, sig.features) if sig.features else ()
    if sig.whole_values:  # most signatures quote no decisive name
        conflicts += _part_of_longer_names(query, sig)
    if conflicts:
        score -= DECISIVE_CONFLICT_PENALTY
    return Lexical(score, type_match, shared, conflicts)


def _part_of_longer_names(query: Query, sig: Signature) -> tuple[str, ...]:
    """A decisive quoted name the error shows only inside a longer one (`'name'` in `'__name__'`),
    or a name of several words whose words it shows only apart (`initiate the chat` is prose, not
    the method `'initiate_chat'`)."""
    found = []
    for name, words in sig.whole_values:
        if not query.token_set.issuperset(words) or name in query.units():
            continue
        if len(words) > 1:
            found.append(f"{' '.join(words)} ≠ {name}")
        elif longer := next((u for u in query.units() if words[0] in tokens(normalize(u))), None):
            found.append(f"{longer} ≠ {name}")
    return tuple(found)


def thin(sig: Signature, lexical: Lexical) -> bool:
    """One real word in common and no exception type to compare (`No tasks defined` against
    `ReferenceError: File is not defined`): a likeness of wording, not evidence of the same error.
    A signature that is itself one real word without a type (`Killed`) is matched by that word."""
    if lexical.type_match is not None or sig.shape is not None:
        return False
    shared = [t for t in lexical.shared if _informative(t)]
    if len(shared) > 1:
        return False
    return sig.bare is not None or sum(map(_informative, sig.token_set)) > 1


# Below WEAK_SCORE an answer needs one rare word in common with the error, or the same exception
# type: on errors sampled by repository, answers scoring 60-65 on common words alone (`docker`,
# `daemon`, `unknown`, `command`, `str`) were another cause in every case read (docs/matching.md).
WEAK_SCORE = 65.0
RARE_WORD_IDF = 5.0  # a word in fewer than about one signature in 150
# An AttributeError's words around its two names are the same for every class and attribute (`object
# has no attribute`): the same type adds nothing to them (`module layoutparser has no attribute
# Detectron2LayoutModel` had matched `'_RSAPublicKey' object has no attribute 'sign'` at 61.6).
TYPES_NAMING_NO_CAUSE = frozenset({"attributeerror"})


def common_words_only(
    sig: Signature, lexical: Lexical, score: float, idf_of: Mapping[str, float], size: int
) -> bool:
    """A low score earned only by words many signatures share: a likeness, not the same error.
    In an index too small to tell (under 150 signatures), a word of one signature is rare."""
    if score >= WEAK_SCORE or sig.shape is not None or not sig.token_set:
        return False
    if lexical.type_match is True and sig.bare not in TYPES_NAMING_NO_CAUSE:
        return False
    rare = min(RARE_WORD_IDF, idf(1, size))
    return not any(idf_of.get(t, 0.0) >= rare for t in lexical.shared if not t.startswith("_"))


def _informative(t: str) -> bool:
    return not t.startswith("_") and t not in GENERIC_WORDS


def _only_a_value(error: Prepared) -> bool:
    """An exception whose message is nothing but a quoted value (`KeyError: 'id'`): the type says
    what failed, the value only where, so a signature without a type does not share it by words."""
    return error.bare is not None and bool(error.tokens) and error.slots.issuperset(error.tokens)


def shaped(query: Query, sig: Signature, lexical: Lexical) -> float | None:
    """The score of a query that reads as a placeholder signature's shape (`cannot import name
    'X' from 'pkg'`), else None. It says which kind of error this is, never which package, so it
    stays below what a signature naming the package scores; the exception type still counts."""
    if sig.shape is None or not same_shape(query.prepared.shape, sig.shape):
        return None
    # Without words of its own, a shape is only as good as its decisive parts: the query must
    # show each of them (`(…/site-packages/pkg/…)`), not merely not contradict them.
    if not decisive_parts.shows(query.prepared.features, sig.features):
        return None
    shown = query.prepared.features.get("module_source")
    named_only = sig.features.get("module_source") == "placeholder" and shown == "pypi"
    score = SHAPE_LEAD_SCORE if named_only else SHAPE_SCORE
    if lexical.type_match is True:
        score += TYPE_BONUS
    elif lexical.type_match is False:
        score -= TYPE_PENALTY
    return score


def fuzzy(query: Prepared, sig: Signature) -> float:
    """rapidfuzz similarity of the normalised messages, 0-1 (word-set and best-window)."""
    similarity = fuzzy_above(query, sig, None)
    assert similarity is not None  # without a floor there is always an answer
    return similarity


def fuzzy_above(query: Prepared, sig: Signature, above: float | None) -> float | None:
    """`fuzzy`, or None as soon as the word-set part shows it cannot exceed `above`: the
    best-window part (most of the cost) is then not computed."""
    if not sig.norm:
        return float(_same_qualified_type(query, sig))
    if len(query.tokens) < 2 and not query.slots:
        return 0.0  # one bare word (`ValueError: C`) is part of any sentence: no likeness to weigh
    q_text, s_text = query.norm[:FUZZY_CHARS], sig.norm[:FUZZY_CHARS]
    word_set = fuzz.token_set_ratio(q_text, s_text)
    if above is not None and (word_set + 100) / 200 <= above:
        return None
    return (word_set + fuzz.partial_ratio(s_text, q_text)) / 200


def _same_qualified_type(query: Prepared, sig: Signature) -> bool:
    return bool(query.type and sig.type and query.type.lower() == sig.type.lower())


def module_conflict(query: Prepared, sig: Signature) -> bool:
    """Same class name from different libraries: `requests…JSONDecodeError` is not `json…JSONDecodeError`."""
    if not query.bare or query.bare != sig.bare or not query.type or not sig.type:
        return False
    if "." not in query.type or "." not in sig.type:
        return False
    a, b = (t.split(".")[0].lower() for t in (query.type, sig.type))
    return _ONE_FAMILY.get(a, a) != _ONE_FAMILY.get(b, b)


def type_agreement(query: Prepared, sig: Signature) -> bool | None:
    """True if both name the same exception (bare, qualified or a known alias); None if either has none."""
    if not query.bare or not sig.bare:
        return None
    if query.bare == sig.bare:
        return not module_conflict(query, sig)
    a, b = _ALIAS.get(query.bare), _ALIAS.get(sig.bare)
    return a is not None and a == b
