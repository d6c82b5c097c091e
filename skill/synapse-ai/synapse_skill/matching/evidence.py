"""Evidence beyond the message: which library raised (the frames), and where the client runs (env).

Two errors can read alike and need different fixes: `Expecting value: line 1 column 1
(char 0)` from `requests/models.py` is an HTML page where JSON was expected, not a model's
reply. An entry names the libraries it is about (`libraries:`) and where it holds
(`applies_to:`); a traceback's frames and the client's `env` then agree with it, and move
it up a little, or contradict it, and move it down. A contradicted version or platform is
strong evidence (the fix cannot apply); frames are weaker (a library's error can surface
through another's frames), so they demote less.

`packaging` evaluates version ranges when it is installed (the server always has it); the
skill runs without it, and then the env says nothing rather than guessing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

try:  # optional on the agent side: the skill needs only httpx and rapidfuzz
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version
except ImportError:  # pragma: no cover - exercised by the standalone skill tests
    SpecifierSet = None  # type: ignore[assignment,misc]

FRAME_BONUS = 4.0
FRAME_PENALTY = 20.0
UNNAMED_LIBRARY_PENALTY = 15.0
ENV_BONUS = 3.0
ENV_PENALTY = 40.0

PLATFORM_NAMES = {
    "linux": "linux",
    "win32": "windows",
    "windows": "windows",
    "cygwin": "windows",
    "darwin": "macos",
    "macos": "macos",
    "mac": "macos",
    "osx": "macos",
}


# A connection to a service's own default port names the service, whatever client raised the
# error (`dial tcp [::1]:11434: connect: connection refused` is Ollama, `ECONNREFUSED
# 127.0.0.1:6379` Redis): the library names the entries about each service list.
SERVICE_PORTS = {
    "3306": ("pymysql", "mysqldb"),
    "5432": ("psycopg", "psycopg2"),
    "6333": ("qdrant_client",),
    "6379": ("redis",),
    "9200": ("elasticsearch",),
    "11434": ("ollama",),
    "19530": ("pymilvus",),
    "27017": ("pymongo",),
}
# `localhost:6379`, `port=6379`, and Python's address tuples (`('127.0.0.1', 5433)`)
_PORT = re.compile(r"(?:[\w\]]:|\bport[=:]?\s?['\"]?|\d['\"],\s?)(\d{4,5})\b", re.I)


def services_named(text: str) -> frozenset[str]:
    """The libraries of the services whose default ports the text connects to."""
    return frozenset(lib for port in _PORT.findall(text) for lib in SERVICE_PORTS.get(port, ()))


def ports_connected(text: str) -> frozenset[str]:
    """The ports the text connects to (`localhost:3030`, `port=6379`, `('::1', 6379)`)."""
    return frozenset(_PORT.findall(text))


def other_service_port(
    signature: str, libraries: Iterable[str], ports: frozenset[str], query_words: frozenset[str]
) -> tuple[str, ...]:
    """An entry about a service whose signature connects to the service's own port (Redis's
    `localhost:6379`) does not answer an error connecting to another port, unless the error names
    the service's library anyway."""
    if not ports:  # most errors connect to no port: no regex over the candidate's signature then
        return ()
    wanted = services_named(signature) & {lib.lower() for lib in libraries}
    if not wanted or wanted & query_words:
        return ()
    if any(lib in wanted for port in ports for lib in SERVICE_PORTS.get(port, ())):
        return ()
    return (f"port {', '.join(sorted(ports))} ≠ {', '.join(sorted(wanted))}'s port",)


@dataclass(frozen=True)
class Judgement:
    adjustment: float = 0.0
    veto: bool = False  # the fix cannot apply (a version or platform outside the entry's range)
    frames: tuple[str, ...] = ()  # what the frames said: "requests (agrees)", "redis (no frame of redis)"
    env: tuple[str, ...] = ()  # what the env said: "langchain-core 0.1.2 does not match >=0.2"


def canonical(name: str) -> str:
    """PEP 503 name: `Langchain_Core` and `langchain-core` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def frames_evidence(
    libraries: Iterable[str], frames: tuple[str, ...], installed: tuple[str, ...], subject: str | None = None
) -> Judgement:
    """Agreement when a frame ran through one of the entry's libraries; contradiction when the
    traceback went through installed libraries and none of them is the entry's — unless the
    message is about one of them (`subject`: flask_login's frames importing a name werkzeug
    removed are the importer, the error is werkzeug's)."""
    wanted = {canonical(lib) for lib in libraries}
    if not wanted or not frames:
        return Judgement()
    agree = [f for f in frames if canonical(f) in wanted]
    if agree:
        return Judgement(FRAME_BONUS, frames=tuple(f"{f} (agrees)" for f in agree))
    if installed and not names(libraries, subject):
        return Judgement(-FRAME_PENALTY, frames=tuple(f"{f} (not this entry's)" for f in installed[-3:]))
    return Judgement()


def named_library_evidence(
    signature_words: frozenset[str],
    libraries: Iterable[str],
    query_names: frozenset[str],
) -> Judgement:
    """A signature that names the entry's library (`redis … Name or service not known`) is about
    that library: a query that names it nowhere (`query_names`: its words and frames, each in
    every spelling `names_in` gives) is another failure."""
    named = {name for lib in libraries for name in _spellings(lib)} & signature_words
    if not named or named & query_names:
        return Judgement()
    return Judgement(
        -UNNAMED_LIBRARY_PENALTY, frames=tuple(f"{lib} (not named in the error)" for lib in sorted(named))
    )


def names_in(query_words: Iterable[str], frames: Iterable[str]) -> frozenset[str]:
    """Every spelling of every word and frame of a query: worked out once per search."""
    return frozenset(n for word in (*query_words, *frames) for n in _spellings(word))


@functools.lru_cache(maxsize=4096)
def _spellings(library: str) -> frozenset[str]:
    """A library as an error names it: `huggingface_hub` also as `huggingface` (its URL's host)."""
    lower = library.lower()
    family = re.split(r"[_\-.]", lower)[0]
    return frozenset({lower, family}) if len(family) >= 5 else frozenset({lower})


def subject_conflicts(
    query_subject: str | None, signature_subject: str | None, libraries: Iterable[str]
) -> tuple[str, ...]:
    """A message about one of the entry's libraries (`No module named 'semantic_kernel.core_skills'`)
    does not answer the same message about a package the entry is not about (`'mlx.core'`)."""
    if not names(libraries, signature_subject) or names(libraries, query_subject):
        return ()
    return (f"module_subject {query_subject} ≠ {signature_subject}",)


def entries_about(subject: str | None, libraries: Mapping[str, Iterable[str]]) -> set[str]:
    """The entries whose `libraries` name the package a message is about."""
    return {slug for slug, libs in libraries.items() if names(libs, subject)}


def entries_about_any(packages: Iterable[str], libraries: Mapping[str, Iterable[str]]) -> set[str]:
    """The entries whose `libraries` name any of these packages."""
    return {slug for package in packages for slug in entries_about(package, libraries)}


def names(libraries: Iterable[str], package: str | None) -> bool:
    """Whether `libraries` name `package` (PEP 503 spelling: `semantic_kernel` is `semantic-kernel`)."""
    return bool(package) and canonical(str(package)) in {canonical(lib) for lib in libraries}


def env_evidence(
    applies_to: Iterable[tuple[str, str, str]], env: Mapping | None, runs_on: str | None = None
) -> Judgement:
    """Each `applies_to` rule the client's env can check: a contradiction outweighs everything.

    Without a platform in the env, the one the traceback's own files show (`runs_on`: "windows",
    or "posix", which is not Windows but may be Linux or macOS) stands in for it."""
    if not applies_to or not (env or runs_on):
        return Judgement()  # most entries hold everywhere, and most texts come without either
    env = env or {}
    packages = {canonical(str(k)): str(v) for k, v in (env.get("packages") or {}).items()}
    platform = PLATFORM_NAMES.get(str(env.get("platform", "")).lower())
    shown = "" if platform else " (the traceback's paths)"
    platform = platform or runs_on
    agree: list[str] = []
    contradict: list[str] = []
    for package, versions, wanted_platform in applies_to:
        if wanted_platform:
            if platform == "posix" and wanted_platform != "windows":
                continue  # Linux or macOS: says nothing about either
            if platform:
                (agree if platform == wanted_platform else contradict).append(
                    f"platform {platform}{shown} {'is' if platform == wanted_platform else 'is not'} {wanted_platform}"
                )
            continue
        if SpecifierSet is None:
            continue
        have = str(env.get("python", "")) if package == "python" else packages.get(canonical(package))
        verdict = _in_range(have, versions)
        if verdict is not None:
            (agree if verdict else contradict).append(
                f"{package} {have} {'matches' if verdict else 'does not match'} {versions}"
            )
    if contradict:
        return Judgement(-ENV_PENALTY, veto=True, env=tuple(contradict + agree))
    if agree:
        return Judgement(ENV_BONUS, env=tuple(agree))
    return Judgement()


def installed_distribution(features: Mapping[str, str], env: Mapping | None) -> str | None:
    """The distribution the client's env says installs the package an import lacked a part of.

    The message alone shows a package people install only by its name (`No module named
    'pipecat.audio'`: pipecat is on PyPI), which is not proof it is installed here; the client
    can say so (`env.modules`). Only a part missing from a known package counts: a whole package
    missing although its distribution is installed is another error (a broken install), and a
    project's own module installed in development mode is its layout, not a release.
    """
    modules = (env or {}).get("modules") or {}
    subject = features.get("module_subject")
    if not subject or features.get("module_source") != "pypi" or subject not in modules:
        return None
    if features.get("import_lack") == "module" and features.get("module_depth") != "submodule":
        return None
    return str(modules[subject])


def _in_range(version: str | None, versions: str) -> bool | None:
    if not version:
        return None
    try:
        return SpecifierSet(versions).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return None


def combine(*judgements: Judgement) -> Judgement:
    return Judgement(
        sum(j.adjustment for j in judgements),
        any(j.veto for j in judgements),
        tuple(f for j in judgements for f in j.frames),
        tuple(e for j in judgements for e in j.env),
    )
