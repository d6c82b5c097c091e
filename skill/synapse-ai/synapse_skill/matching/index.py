"""The matcher's index: signatures prepared once when written, found again through FTS5.

Writers (the server's single writer, or the skill on its private in-memory copy) call
`index_entries` / `remove_entry`; every signature is stored already normalised, with its
words, quoted values and type, so a search never re-parses a signature. Document
frequencies live in `match_terms`, kept exact on every change, for IDF weights.

Readers keep one `IndexCache` per connection: frequencies and loaded signatures, valid
until the index changes.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from functools import partial

from synapse_skill.matching import decisive
from synapse_skill.matching.extract import extract
from synapse_skill.matching.normalize import has_wildcard, normalize, tokens
from synapse_skill.matching.score import Prepared, Signature, idf, prepare

FORMAT = 41  # bump when the stored columns or the tokens change; the store rebuilds the index then

SCHEMA = """
CREATE TABLE IF NOT EXISTS match_signatures (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    signature TEXT NOT NULL,
    exc_type TEXT,
    bare TEXT,
    norm TEXT NOT NULL,
    terms TEXT NOT NULL,       -- words of the message, space-separated
    slots TEXT NOT NULL,       -- words of short quoted values and error codes
    examples TEXT NOT NULL,    -- the slot words the entry's title does not name: illustrations
    negative INTEGER NOT NULL, -- 1: one of the entry's not_errors, a look-alike it must not answer
    features TEXT NOT NULL     -- its decisive parts as JSON ('' for none): regexes run once, when written
);
CREATE TABLE IF NOT EXISTS match_entries (
    slug TEXT PRIMARY KEY,
    libraries TEXT NOT NULL,   -- JSON list: top-level modules the entry is about (frame evidence)
    applies_to TEXT NOT NULL,  -- JSON list of [package, PEP 440 versions, platform] (env evidence)
    general INTEGER NOT NULL   -- Generality: 1 never confident, 2 not when an installed package raised
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS match_signatures_slug ON match_signatures(slug);
CREATE TABLE IF NOT EXISTS match_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS match_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS match_fts USING fts5(tokens, content='', tokenize="unicode61 tokenchars '_'");
"""
TABLES = ("match_fts", "match_signatures", "match_terms", "match_meta", "match_entries")

CANDIDATE_LIMIT = 16
ALL_OF_TERMS = 3
MAX_QUERY_TERMS = 6
# Above this many signatures a word is too common to rank a union by. Raised from 100 at 123 entries:
# `use` (in `Connection in use`, and in every `browser_use` signature) had reached 102 signatures.
RARE_TERM_DOCS = 120
SIBLING_ENTRIES = 4  # how many of the best-ranked hits bring every signature of their entry
# When the best-ranked hits belong to this many entries or fewer, the message's skeleton is looked up too.
FEW_ENTRIES = 3
# A message's first words name the error; a rare word in its tail is often boilerplate (a help
# centre's address) that another entry's message shares: the lead words are looked up too.
LEAD_WORDS = 8
MAX_EVIDENCE_LOOKUPS = 2  # the errors read as evidence whose rarest pair is looked up
MAX_REMEMBERED_QUERIES = 4096  # on small indexes: a word in more than 5 % of signatures picks nothing
MAX_REMEMBERED_LOOKUPS = 16_384  # FTS5 lookups of word groups, ≤ CANDIDATE_LIMIT ids each


# -- writing -------------------------------------------------------------------


def create_schema(conn) -> None:
    """Create the matcher's tables; statement by statement so it can run inside a transaction."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT OR IGNORE INTO match_meta (key, value) VALUES ('format', ?)", (FORMAT,))


def drop_schema(conn) -> None:
    for table in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {table}")


class Generality(IntEnum):
    """How far an entry's advice reaches (`general:` in the front matter), stored as its number."""

    SPECIFIC = 0  # it fixes the errors it matches: it may be the confident answer
    ALWAYS = 1  # `general: true`: a family of errors whose cause is the caller's own; says where to look
    # `general: in_libraries`: the caller's own bug when the caller's code raised it (a `None` where data
    # was expected); when an installed package's code raised it, the value was that package's
    IN_LIBRARIES = 2

    @property
    def spelling(self) -> bool | str:
        """As the front matter and the snapshot write it (older skills read only `true`)."""
        return "in_libraries" if self is Generality.IN_LIBRARIES else self is Generality.ALWAYS

    @classmethod
    def read(cls, spelling: object) -> Generality | None:
        """From the front matter's or the snapshot's spelling; None for anything else (a number is
        not a spelling, though `1 == True`)."""
        return next(
            (level for level in cls if level.spelling == spelling and type(spelling) in (bool, str)), None
        )


@dataclass(frozen=True)
class IndexItem:
    """What the matcher needs of one entry: its signatures, and the evidence beyond them."""

    slug: str
    signatures: Sequence[str]
    title: str = ""
    not_errors: Sequence[str] = ()  # look-alikes this entry must not answer
    libraries: Sequence[str] = ()  # top-level modules it is about, as traceback frames name them
    applies_to: Sequence[tuple[str, str, str]] = ()  # (package, PEP 440 versions, platform)
    general: Generality = Generality.SPECIFIC


@dataclass(frozen=True)
class EntryFacts:
    libraries: frozenset[str]
    applies_to: tuple[tuple[str, str, str], ...]
    general: Generality = Generality.SPECIFIC

    def general_for(self, raised_in_library: bool) -> bool:
        """Whether the entry's advice only says where to look for this error (never confident)."""
        return self.general is Generality.ALWAYS or (
            self.general is Generality.IN_LIBRARIES and raised_in_library
        )


def index_entry(conn, slug: str, signatures: list[str], title: str = "") -> None:
    """(Re)index the signatures of one entry; its title tells which quoted values matter."""
    index_entries(conn, [IndexItem(slug, signatures, title)])


@dataclass(frozen=True)
class PreparedEntry:
    """An entry's index rows worked out without a connection (`prepare_entry`): the costly part
    of indexing, which can run before the write transaction and in other processes."""

    item: IndexItem
    # (signature, type, bare, norm, tokens, slots, slots outside the title, negative, decisive
    # features, FTS content)
    signatures: tuple[tuple[str, str | None, str | None, str, str, str, str, int, str, str], ...]


def prepare_entry(item: IndexItem) -> PreparedEntry:
    title_words = frozenset(tokens(normalize(item.title)))
    texts = [(text, 0) for text in item.signatures] + [(text, 1) for text in item.not_errors]
    rows = []
    for text, negative in texts:
        sig = prepare(text, with_features=False)  # its features are stored apart (`stored_features`)
        rows.append(
            (
                text,
                sig.type,
                sig.bare,
                sig.norm,
                " ".join(sig.tokens),
                " ".join(sorted(sig.slots)),
                " ".join(sorted(sig.slots - title_words)),
                negative,
                stored_features(text),
                _fts_content(sig.tokens, sig.bare, text, negative),
            )
        )
    return PreparedEntry(item, tuple(rows))


def index_entries(conn, items: Iterable[IndexItem | tuple[str, Sequence[str], str]]) -> None:
    """(Re)index many entries at once: one pass of inserts, one update of the frequencies."""
    index_prepared(conn, [prepare_entry(i if isinstance(i, IndexItem) else IndexItem(*i)) for i in items])


def index_prepared(conn, entries: Sequence[PreparedEntry]) -> None:
    """`index_entries` for entries already prepared: only the writes."""
    rows = IndexRows(conn)
    rows.add(entries)
    rows.finish()


class IndexRows:
    """The writes of `index_prepared`, fed in batches: each batch's rows as it comes, the word
    frequencies and the generation once, at `finish`. A first index of a large corpus writes the
    matcher's rows while the rest of the files still parse, not all of them after the last one."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.df: Counter[str] = Counter()
        self.signatures = self.words = 0
        self.entries = 0

    def add(self, entries: Sequence[PreparedEntry]) -> None:
        if not entries:
            return
        conn = self.conn
        self.entries += len(entries)
        for prepared in entries:
            remove_entry(conn, prepared.item.slug)
        next_id = (conn.execute("SELECT max(id) FROM match_signatures").fetchone()[0] or 0) + 1
        rows: list[tuple] = []
        fts_rows: list[tuple[int, str]] = []
        for prepared in entries:
            for *columns, content in prepared.signatures:
                rows.append((next_id, prepared.item.slug, *columns))
                fts_rows.append((next_id, content))
                words = content.split()
                self.df.update(set(words))
                self.words += len(words)
                next_id += 1
        conn.executemany("INSERT INTO match_signatures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("INSERT INTO match_fts (rowid, tokens) VALUES (?, ?)", fts_rows)
        conn.executemany(
            "INSERT INTO match_entries (slug, libraries, applies_to, general) VALUES (?, ?, ?, ?)",
            [
                (
                    p.item.slug,
                    json.dumps(sorted(p.item.libraries)),
                    json.dumps([list(a) for a in p.item.applies_to]),
                    int(p.item.general),
                )
                for p in entries
            ],
        )
        self.signatures += len(rows)

    def finish(self) -> None:
        """Frequencies and the signature count, then the generation readers watch: once.

        When these writes are most of the index (a first index, a rebuild), FTS5's segments are
        merged into one: each lookup then reads one b-tree instead of one per segment (−15 % of
        the candidate lookups' time at 100k entries; the same rows in the same order). After a
        small change merging is left to FTS5's automerge: `optimize` rewrites the whole index."""
        if not self.entries:
            return  # nothing changed: the generation readers watch must not move
        _adjust_counts(self.conn, self.df, self.signatures, self.words)
        total = self.conn.execute("SELECT value FROM match_meta WHERE key = 'signatures'").fetchone()[0]
        if self.signatures * 2 >= total:
            self.conn.execute("INSERT INTO match_fts (match_fts) VALUES ('optimize')")
        self.df, self.signatures, self.words, self.entries = Counter(), 0, 0, 0


def read_prepared(conn) -> list[PreparedEntry]:
    """Every entry's rows as this index holds them (what `index_prepared` wrote), in slug order:
    copying an index elsewhere without preparing its signatures again."""
    facts = {
        slug: (json.loads(libraries), [tuple(a) for a in json.loads(applies_to)], Generality(general))
        for slug, libraries, applies_to, general in conn.execute(
            "SELECT slug, libraries, applies_to, general FROM match_entries"
        )
    }
    grouped: dict[str, list[tuple]] = {}
    for slug, *columns in conn.execute(
        "SELECT slug, signature, exc_type, bare, norm, terms, slots, examples, negative, features"
        " FROM match_signatures ORDER BY slug, id"
    ):
        terms, bare = columns[4], columns[2]
        grouped.setdefault(slug, []).append(
            (*columns, _fts_content(terms.split(), bare, columns[0], columns[7]))
        )
    return [
        PreparedEntry(IndexItem(slug, (), "", (), *facts.get(slug, ([], [], False))), tuple(rows))
        for slug, rows in sorted(grouped.items())
    ]


def remove_entry(conn, slug: str) -> None:
    rows = conn.execute(
        "SELECT id, terms, bare, signature, negative FROM match_signatures WHERE slug = ?", (slug,)
    ).fetchall()
    if not rows:
        return
    df: Counter[str] = Counter()
    words = 0
    for row_id, terms, bare, signature, negative in rows:
        content = _fts_content(terms.split(), bare, signature, negative)
        conn.execute(
            "INSERT INTO match_fts (match_fts, rowid, tokens) VALUES ('delete', ?, ?)", (row_id, content)
        )
        fts_words = content.split()
        df.update({t: -1 for t in set(fts_words)})
        words += len(fts_words)
    conn.execute("DELETE FROM match_signatures WHERE slug = ?", (slug,))
    conn.execute("DELETE FROM match_entries WHERE slug = ?", (slug,))
    _adjust_counts(conn, df, -len(rows), -words)
    conn.execute("DELETE FROM match_terms WHERE df <= 0")


SHAPE_MARK = "_shape_"  # an FTS token of the signatures written with placeholder names
NEGATIVE_MARK = "_not_"  # an FTS token of the look-alikes (`not_errors`), which some lookups leave out


_PLAIN_WORD = re.compile(r"[a-z0-9_]+")


def _fts_content(words: Iterable[str], bare: str | None, signature: str, negative: int) -> str:
    """The words FTS5 indexes: only `[a-z0-9_]` words (the message's tokens are; an exception
    name is cut to them), so its tokenizer reads exactly `content.split()`, which lets
    `bm25_order` rank rows as FTS5 does."""
    marks = [SHAPE_MARK] if has_wildcard(signature) else []
    if negative:
        marks.append(NEGATIVE_MARK)
    return " ".join([*words, *marks, *_PLAIN_WORD.findall(bare)] if bare else [*words, *marks])


def stored_rows(rows: Iterable[Sequence]) -> tuple[tuple, ...]:
    """Prepared rows kept elsewhere (PostgreSQL's `match_rows`), with the FTS content worked out
    again under this format: it is cheap, and rows stored by an older format stay usable (those
    stored before the features were get them now)."""
    return tuple(
        (
            *row[:8],
            row[8] if len(row) > 9 else stored_features(str(row[0])),
            _fts_content(str(row[4]).split(), row[2], str(row[0]), int(row[7])),
        )
        for row in rows
    )


def stored_features(signature: str) -> str:
    """A signature's decisive parts as stored: JSON, or '' for none (most signatures)."""
    found = decisive.features(signature) | decisive.context(signature, extract(signature).primary.line())
    return json.dumps(found, sort_keys=True) if found else ""


def _adjust_counts(conn, df: Counter, signatures: int, words: int) -> None:
    """Keep frequencies and the counts of signatures and of their FTS5 words exact (FTS5's own
    for bm25, in this transaction already), and bump the generation readers watch."""
    conn.executemany(
        "INSERT INTO match_terms (term, df) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
        df.items(),
    )
    conn.executemany(
        "INSERT INTO match_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
        [("signatures", signatures), ("words", words), ("generation", 1)],
    )


# -- reading -------------------------------------------------------------------


@contextmanager
def read_snapshot(conn) -> Iterator[None]:
    """One read transaction around several reads: one consistent view, one lock acquisition.

    On a WAL file every statement outside a transaction takes and drops its own read lock,
    which costs more than the statement itself for the matcher's small lookups. Inside a
    transaction the caller already opened, this does nothing.
    """
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


_COLUMNS = "id, slug, signature, exc_type, bare, norm, terms, slots, examples, negative, features"


class IndexCache:
    """Frequencies and loaded signatures of one connection, dropped whenever the index changes.

    Keep one per connection (the server's read connections carry theirs as `match_cache`,
    which `match.search` uses when given none). Validity is checked on every search against
    the index generation, which every change of the matcher's tables bumps in the same
    transaction (other connections' writes, such as search counters, leave it alone), so
    nothing cached is older than the index it describes. At most `max_signatures` signatures
    are kept (oldest first out), which bounds memory on big indexes.
    """

    def __init__(self, max_signatures: int = 20_000) -> None:
        self.max_signatures = max_signatures
        self._generation: tuple[int, int] | None = None
        self._df: dict[str, int] = {}
        self._idf: dict[str, float] = {}
        self._signatures: dict[int, Signature] = {}
        self._candidates: dict[tuple, list[int]] = {}  # the same error again: no FTS5 queries
        self._lookups: dict[tuple[object, ...], list[int]] = {}  # the same rare words again: no FTS5 query
        self._facts: dict[str, EntryFacts] = {}
        self._shapes: list[int] | None = None
        self.size = self.words = 1  # signatures, and their FTS5 words: bm25's N and mean length

    def __len__(self) -> int:
        """How many signatures are loaded."""
        return len(self._signatures)

    def sync(self, conn) -> None:
        meta = dict(
            conn.execute(
                "SELECT key, value FROM match_meta WHERE key IN ('generation', 'signatures', 'words')"
            )
        )
        # The connection's own change counter covers a writer that searches inside its transaction.
        generation = (meta.get("generation", 0), conn.total_changes)
        if generation != self._generation:
            self._generation, self._df, self._idf, self._signatures = generation, {}, {}, {}
            self._candidates, self._lookups, self._facts, self._shapes = {}, {}, {}, None
            self.words = max(int(meta.get("words", 0)), 1)
            self.size = max(int(meta.get("signatures", 0)), 1)

    def shape_ids(self, conn) -> list[int]:
        """The signatures written with placeholder names (`'X'`, `'pkg'`): judged for every query,
        since the words that find candidates are the names, and a shape has none of its own."""
        if self._shapes is None:
            found = conn.execute("SELECT rowid FROM match_fts WHERE match_fts MATCH ?", (f'"{SHAPE_MARK}"',))
            self._shapes = sorted(row[0] for row in found)
        return self._shapes

    def frequencies(self, conn, terms: Iterable[str]) -> dict[str, int]:
        """Document frequency of each term (0 for a word no signature has)."""
        terms = list(dict.fromkeys(terms))
        unknown = [t for t in terms if t not in self._df]
        for start in range(0, len(unknown), 500):
            chunk = unknown[start : start + 500]
            found = dict(
                conn.execute(f"SELECT term, df FROM match_terms WHERE term IN ({_marks(chunk)})", chunk)
            )
            self._df.update({t: found.get(t, 0) for t in chunk})
        return {t: self._df[t] for t in terms}

    def idf(self, conn, terms: Iterable[str]) -> dict[str, float]:
        """IDF weight of each term under the current index."""
        terms = list(terms)
        unknown = [t for t in terms if t not in self._idf]
        if unknown:
            df = self.frequencies(conn, unknown)
            self._idf.update({t: idf(df[t], self.size) for t in unknown})
        return self._idf

    def candidates(
        self,
        conn,
        primary: list[str],
        terms: list[str],
        df: dict[str, int],
        skeleton: Sequence[str] = (),
        evidence: Sequence[Sequence[str]] = (),
    ) -> list[int]:
        """`candidate_ids`, remembered for this index generation (errors recur; agents retry)."""
        key = (tuple(primary), tuple(terms), tuple(skeleton), tuple(map(tuple, evidence)))
        ids = self._candidates.get(key)
        if ids is None:
            ids = self._candidates[key] = candidate_ids(
                conn, partial(self.fts_ids, conn), primary, terms, df, skeleton, evidence
            )
            if len(self._candidates) > MAX_REMEMBERED_QUERIES:
                del self._candidates[next(iter(self._candidates))]
        return ids

    def fts_ids(self, conn, terms: list[str], operator: str, positive_only: bool = False) -> list[int]:
        """One FTS5 lookup (`_ranked_ids`), remembered for this index generation: errors of one kind
        share their rarest words, and on a big index each lookup of common words reads long lists.
        `positive_only` leaves the look-alikes (`not_errors`) out."""
        key = (operator, positive_only, *terms)
        ids = self._lookups.get(key)
        if ids is None:
            ids = self._lookups[key] = self._ranked_ids(conn, terms, operator, positive_only)
            if len(self._lookups) > MAX_REMEMBERED_LOOKUPS:
                del self._lookups[next(iter(self._lookups))]
        return ids

    def _ranked_ids(self, conn, terms: list[str], operator: str, positive_only: bool) -> list[int]:
        """The rows FTS5's `ORDER BY rank` would give. To rank, FTS5 counts every row holding each
        word (bm25's IDF), walking whole lists of common words even when two rows match; when at
        most CANDIDATE_LIMIT rows match (most lookups: all of them become candidates and are
        loaded anyway), the same bm25 is worked out here from their words and the known counts."""
        query = _fts_query(terms, operator, positive_only)
        found = [
            r[0]
            for r in conn.execute(
                "SELECT rowid FROM match_fts WHERE match_fts MATCH ? LIMIT ?", (query, CANDIDATE_LIMIT + 1)
            )
        ]
        if len(found) > CANDIDATE_LIMIT:
            return _fts_ids(conn, query)
        loaded = self._load(conn, found)
        df = self.frequencies(conn, terms)
        if len(loaded) < len(found) or any(df[t] > self.size for t in terms):
            return _fts_ids(
                conn, query
            )  # rows and counts disagree (never within one of our writes): FTS5 ranks
        words = {
            row: _fts_content(sig.tokens, sig.bare, sig.text, sig.negative).split()
            for row, sig in loaded.items()
        }
        return bm25_order(words, terms, df, self.size, self.words)

    def signatures(self, conn, ids: list[int]) -> list[Signature]:
        """The stored signatures with these ids, loading the ones not cached yet."""
        found = self._load(conn, ids)
        return [found[i] for i in ids if i in found]

    def _load(self, conn, ids: list[int]) -> dict[int, Signature]:
        missing = [i for i in ids if i not in self._signatures]
        loaded: dict[int, Signature] = {}
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM match_signatures WHERE id IN ({_marks(chunk)})", chunk
            ).fetchall()
            prepared = {
                row[0]: (row[1], _prepared(row), frozenset(row[8].split()), bool(row[9])) for row in rows
            }
            idf_of = self.idf(
                conn, itertools.chain.from_iterable(p.tokens for _, p, _, _ in prepared.values())
            )
            for row_id, (slug, fields, examples, negative) in prepared.items():
                loaded[row_id] = Signature(slug, fields, examples, idf_of, negative)
        found = {i: sig for i in ids if (sig := self._signatures.get(i) or loaded.get(i)) is not None}
        self._signatures.update(loaded)
        while len(self._signatures) > self.max_signatures:
            del self._signatures[next(iter(self._signatures))]
        return found

    def facts(self, conn, slugs: Iterable[str]) -> dict[str, EntryFacts]:
        """Each entry's libraries and `applies_to`, for the evidence beyond the message."""
        slugs = list(dict.fromkeys(slugs))
        missing = [s for s in slugs if s not in self._facts]
        if missing:
            rows = conn.execute(
                f"SELECT slug, libraries, applies_to, general FROM match_entries WHERE slug IN ({_marks(missing)})",
                missing,
            )
            for slug, libraries, applies_to, general in rows:
                self._facts[slug] = EntryFacts(
                    frozenset(json.loads(libraries)),
                    tuple(tuple(a) for a in json.loads(applies_to)),
                    Generality(general),
                )
        none = EntryFacts(frozenset(), ())
        return {s: self._facts.get(s, none) for s in slugs}


def _prepared(row) -> Prepared:
    signature, exc_type, bare, norm, terms, slots = row[2:8]
    return Prepared(
        exc_type,
        bare,
        norm,
        tuple(terms.split()),
        signature,
        frozenset(slots.split()),
        json.loads(row[10]) if row[10] else {},
    )


def _marks(values: list) -> str:
    return ",".join("?" * len(values))


def stale_format(conn) -> bool:
    """True when the stored index was built by another format (columns or tokenisation), or there
    is none (a migration dropped it for `migrate` to build once every column is in place)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'match_meta'").fetchone() is None:
        return True
    row = conn.execute("SELECT value FROM match_meta WHERE key = 'format'").fetchone()
    return row is None or row[0] != FORMAT


def all_ids(conn) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM match_signatures")]


def candidate_ids(
    conn,
    lookup: Callable[..., list[int]],
    primary: list[str],
    terms: list[str],
    df: dict[str, int],
    skeleton: Sequence[str] = (),
    evidence: Sequence[Sequence[str]] = (),
) -> list[int]:
    """Signatures of the entries that share the query's rarest words, found through FTS5.

    The work is bounded however common the words are: first the signatures holding *all*
    of the few rarest words (an intersection, usually small); only when that finds too few,
    any of the rare words, leaving out words so common they say nothing. The raised error's
    own words (`primary`) go first: a chained or wrapped error's words are evidence, and
    sometimes noise (frames glued to a message), so they must not crowd it out.

    The rarest words are often the varying part (`llama_index` in `No module named
    'llama_index'`), which one specific entry may hold in many signatures, filling every
    place. The message's `skeleton` (its words outside quoted values: `no module named`) is
    looked up too when the best-ranked rare-word hits belong to at most three entries (a straggler
    further down does not count: `sentence_transformers` leads to an entry quoting LangChain's
    "Could not import sentence_transformers", one about transformers and one quoting Sentence
    Transformers' own refusal of remote code), so the entry about that
    message in general is judged beside them (not otherwise: more candidates would be more chances
    for a generic entry to answer what it does not fix).

    The two rarest of the message's first words are looked up together as well (a long message's
    rarest words may be boilerplate of its tail that another entry's message shares), and so are
    the two rarest of its last words (a wrapped error's innermost cause comes last).

    The two rarest words of each error read as `evidence` (a chained cause, a logged record) are
    looked up together too: the primary's common words (`RuntimeError`, `failed`) can fill every
    place before the terms' rare words are reached (`database is locked` under an app's own
    `RuntimeError: job 42 failed`).

    `lookup(words, "AND" | "OR"[, positive_only])` is the FTS5 lookup (`IndexCache.fts_ids`, which remembers them).
    """
    numbered = "errno" in terms or "errno" in primary  # `[Errno 24]`: there the number is the error
    ranked = [rarest_first(words, df, numbered) for words in (primary, terms)]
    if not ranked[1]:
        return []
    ids: dict[int, None] = {}
    # Ranking is what costs in FTS5 (bm25 for every matching row), so rank small sets:
    # intersections of the rarest words first, then the union of words that are still rare.
    groups = []
    for known in ranked:
        if len(known) > 1:
            groups += [known[:ALL_OF_TERMS], *itertools.combinations(known[:ALL_OF_TERMS], 2)]
    unique_groups = list(dict.fromkeys(tuple(g) for g in groups))
    looked: set[tuple[str, ...]] = set()
    for group in unique_groups:
        ids.update(dict.fromkeys(lookup(list(group), "AND")))
        looked.add(group)
        if len(ids) >= CANDIDATE_LIMIT:
            break
    crowded = len(looked) < len(unique_groups)  # the rare words' groups were never reached
    if len(ids) < CANDIDATE_LIMIT:  # also gives near misses from other entries
        known = list(dict.fromkeys(ranked[0] + ranked[1]))
        rare = [t for t in known if df[t] <= RARE_TERM_DOCS][:MAX_QUERY_TERMS] or known[:1]
        ids.update(dict.fromkeys(lookup(rare, "OR")))
    # The two rarest of the first words, and of the last words, each pair looked up together: a
    # wrapped error's innermost cause comes last (`untar error: exit status 1: write x.zip: no space
    # left on device`), and rare but incidental words (file names, step numbers) crowd it out above
    for end in (primary[:LEAD_WORDS], primary[-LEAD_WORDS:]):
        pair = rarest_first(end, df, numbered)[:2]
        # (not when the pair was one of the groups above, nor when a word is too common to say much)
        if len(pair) == 2 and max(df[t] for t in pair) <= RARE_TERM_DOCS and tuple(pair) not in groups:
            ids.update(dict.fromkeys(lookup(pair, "AND")))
    for words in evidence[:MAX_EVIDENCE_LOOKUPS] if crowded else ():
        pair = rarest_first(words, df, numbered)[:2]
        if len(pair) == 2 and max(df[t] for t in pair) <= RARE_TERM_DOCS and tuple(pair) not in looked:
            ids.update(dict.fromkeys(lookup(pair, "AND")))
    if not ids:
        return []
    # The entries of the first-ranked hits are judged by all their signatures; the rest by
    # the signature FTS5 found, which bounds the work on big indexes.
    leaders = list(ids)[:SIBLING_ENTRIES]
    siblings = conn.execute(
        "SELECT id, slug FROM match_signatures WHERE slug IN "
        f"(SELECT slug FROM match_signatures WHERE id IN ({_marks(leaders)}))",
        leaders,
    ).fetchall()
    few_entries = len({slug for _, slug in siblings}) <= FEW_ENTRIES
    ids.update(dict.fromkeys(i for i, _ in siblings))
    frame = rarest_first(skeleton, df, numbered)[:ALL_OF_TERMS]
    if few_entries and len(frame) > 1:  # the general entry's own signatures, not look-alikes
        ids.update(dict.fromkeys(lookup(frame, "AND", True)))
    return list(ids)


def rarest_first(words: Iterable[str], df: dict[str, int], numbered: bool = False) -> list[str]:
    """The indexed words, rarest first. A one- or two-digit number is rare among signatures but says
    less than a word about which error it is (a line number, a count in a code excerpt): unless the
    text is an errno's (`numbered`), it comes after the words, not where its rarity would put it."""

    def key(term: str) -> tuple[bool, int, str]:
        return (not numbered and len(term) <= 2 and term.isdigit(), df[term], term)

    return sorted({t for t in words if df.get(t)}, key=key)


def _fts_query(terms: list[str], operator: str, positive_only: bool = False) -> str:
    """The FTS5 query; leaving the look-alikes out changes no rank (a NOT phrase scores nothing)."""
    query = f" {operator} ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return f'({query}) NOT "{NEGATIVE_MARK}"' if positive_only else query


def _fts_ids(conn, fts_query: str) -> list[int]:
    rows = conn.execute(
        "SELECT rowid FROM match_fts WHERE match_fts MATCH ? ORDER BY rank LIMIT ?",
        (fts_query, CANDIDATE_LIMIT),
    )
    return [r[0] for r in rows]


# FTS5's bm25() as ext/fts5/fts5_aux.c computes it: its constants, the same operations in the
# same order (so the same doubles), ties in rowid order as FTS5's sort leaves them.
BM25_K1, BM25_B = 1.2, 0.75


def bm25_order(
    rows: dict[int, list[str]], terms: list[str], df: dict[str, int], n_rows: int, n_tokens: int
) -> list[int]:
    """`rows` (rowid → its words) best first, as `ORDER BY rank` orders them for these terms."""
    avgdl = n_tokens / n_rows
    idfs = []
    for term in terms:
        idf = math.log((n_rows - df[term] + 0.5) / (df[term] + 0.5))
        idfs.append(idf if idf > 0.0 else 1e-6)

    def rank(row: int) -> tuple[float, int]:
        words = rows[row]
        size = float(len(words))
        score = 0.0
        for idf, term in zip(idfs, terms, strict=True):
            freq = float(words.count(term))
            score += idf * (
                (freq * (BM25_K1 + 1.0)) / (freq + BM25_K1 * (1 - BM25_B + BM25_B * size / avgdl))
            )
        return -1.0 * score, row

    return sorted(rows, key=rank)
