"""Synthetic corpora for the benchmarks: the real entries plus generated ones.

Generated signatures reuse the real corpus's words, with the common error words
over-represented, so a real word is shared by hundreds or thousands of signatures as it
would be in a large knowledge base. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from app.checker import check_files
from bench.common import ROOT
from synapse_skill.normalize import normalize, tokens

MODULES = ["db", "net", "io", "cache", "auth", "llm", "queue", "store", "sync", "api", "core", "worker", "tools"]
SUFFIXES = ["Error", "Exception", "Failure", "Timeout", "Warning"]
FILLER = ["failed", "could", "not", "connect", "open", "read", "write", "file", "database", "table", "index", "session", "client", "server", "request", "response", "timeout", "limit", "exceeded", "invalid", "missing", "unknown", "cannot", "found", "value", "type", "key", "token", "model", "process", "thread", "lock", "permission", "denied", "refused", "closed", "reset", "memory", "disk", "space", "queue", "worker", "retry", "after", "status", "code", "host", "port", "path"]


@dataclass(frozen=True)
class CorpusEntry:
    slug: str
    title: str
    signatures: tuple[str, ...]


@lru_cache(maxsize=1)
def real_entries() -> tuple[CorpusEntry, ...]:
    """The reviewed entries of solutions/, as the matcher sees them."""
    entries = check_files([ROOT / "solutions"]).entries
    return tuple(CorpusEntry(e.slug, e.title, tuple(e.errors)) for e in entries)


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """Every distinctive word of the real signatures (no placeholders)."""
    words = {t for e in real_entries() for s in e.signatures for t in tokens(normalize(s)) if not t.startswith("_")}
    return tuple(sorted(words))


def synthetic_entries(n_entries: int, seed: int = 7) -> list[CorpusEntry]:
    """`n_entries` generated entries with 3–7 signatures each."""
    rng = random.Random(seed)
    words = FILLER * 6 + list(vocabulary())
    entries = []
    for i in range(n_entries):
        sigs = []
        for _ in range(rng.randint(3, 7)):
            exc = f"{rng.choice(MODULES)}{rng.randint(1, 400)}.{rng.choice(FILLER).title()}{rng.choice(SUFFIXES)}"
            msg = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
            sigs.append(f"{exc}: {msg} {rng.choice(FILLER)}_{i}")
        title = " ".join(rng.choice(words) for _ in range(rng.randint(3, 7))).capitalize()
        entries.append(CorpusEntry(f"synthetic-{i}", title, tuple(sigs)))
    return entries


def corpus(n_total: int) -> list[CorpusEntry]:
    """The real entries topped up with synthetic ones to `n_total`."""
    real = list(real_entries())
    return real + synthetic_entries(max(0, n_total - len(real)))
