"""Synthetic corpora for the benchmarks: the real entries plus generated ones.

Generated signatures reuse the real corpus's words, with the common error words
over-represented, so a real word is shared by hundreds or thousands of signatures as it
would be in a large knowledge base. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.corpus import markdown as export
from app.corpus.checker import check_files
from app.corpus.entries import Entry, FixOption
from bench.common import ROOT
from synapse_skill.matching.normalize import normalize, tokens

MODULES = [
    "db",
    "net",
    "io",
    "cache",
    "auth",
    "llm",
    "queue",
    "store",
    "sync",
    "api",
    "core",
    "worker",
    "tools",
]
SUFFIXES = ["Error", "Exception", "Failure", "Timeout", "Warning"]
FILLER = [
    "failed",
    "could",
    "not",
    "connect",
    "open",
    "read",
    "write",
    "file",
    "database",
    "table",
    "index",
    "session",
    "client",
    "server",
    "request",
    "response",
    "timeout",
    "limit",
    "exceeded",
    "invalid",
    "missing",
    "unknown",
    "cannot",
    "found",
    "value",
    "type",
    "key",
    "token",
    "model",
    "process",
    "thread",
    "lock",
    "permission",
    "denied",
    "refused",
    "closed",
    "reset",
    "memory",
    "disk",
    "space",
    "queue",
    "worker",
    "retry",
    "after",
    "status",
    "code",
    "host",
    "port",
    "path",
]


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
    words = {
        t for e in real_entries() for s in e.signatures for t in tokens(normalize(s)) if not t.startswith("_")
    }
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


def as_markdown(entry: CorpusEntry, revision: int = 1) -> str:
    """`entry` as a valid entry file, written by the app's own writer of the format (app.corpus.markdown).
    A new `revision` changes the body, as an edit would."""
    return export.entry_markdown(as_entry(entry, revision))


def as_entry(entry: CorpusEntry, revision: int = 1) -> Entry:
    """`entry` with every field a real one has, about the size of a real one (no Markdown yet)."""
    rng = random.Random(entry.slug)
    words = FILLER + list(vocabulary())

    def prose(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n))

    fixes = tuple(
        FixOption(prose(6), prose(25) + ".", "python", _fix_code(rng, k + revision), 0) for k in (1, 2)
    )
    return Entry(
        slug=entry.slug,
        title=entry.title,
        errors=entry.signatures,
        tags=tuple(sorted({rng.choice(FILLER) for _ in range(3)})),
        languages=("python",),
        token_savings=rng.randint(500, 5000),
        environment="generated for the benchmarks",
        source="",
        verified_by="",
        updated=f"2026-01-{rng.randint(1, 28):02d}",
        symptom="\n".join(f"- `{sig}`" for sig in entry.signatures),
        root_cause=prose(80) + ".",
        fixes=fixes,
        limits=f"Revision {revision}: {prose(20)}.",
        savings_note="",
        markdown="",
        content_hash="",
    )


def _fix_code(rng: random.Random, retries: int) -> str:
    """A small python function that compiles, as every python block of an entry must."""
    name = "_".join(rng.choice(FILLER) for _ in range(2))
    message = " ".join(rng.choice(FILLER) for _ in range(6))
    return (
        f"def {name}(retries: int = {retries}) -> str:\n"
        "    for attempt in range(retries):\n"
        "        try:\n"
        f"            return {message!r}\n"
        "        except OSError as exc:\n"
        "            print(attempt, exc)\n"
        "    raise RuntimeError('gave up')\n"
    )


def write_markdown(folder: Path, entries: list[CorpusEntry]) -> list[Path]:
    """One `<slug>.md` per entry in `folder`; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for entry in entries:
        path = folder / f"{entry.slug}.md"
        path.write_text(as_markdown(entry), encoding="utf-8")
        paths.append(path)
    return paths
