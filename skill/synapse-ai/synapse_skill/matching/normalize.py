"""Normalise error text so that two occurrences of the same error look alike.

Values that change from run to run (numbers, addresses, ids, paths, URLs, dates) become
placeholders. Words that decide which fix applies stay: the name of a missing key or
module, errno codes, HTTP status codes. A quoted value is kept *and* tagged with its
shape (`_qenv_` for an UPPER_SNAKE name), so `KeyError: 'ANTHROPIC_API_KEY'` stays close
to `KeyError: 'OPENAI_API_KEY'` and far from `KeyError: 'choices'`.

Standard library only; every pattern is linear-time.
"""

from __future__ import annotations

import re

# (pattern, replacement, a substring it cannot match without, whether it needs a digit): the
# guards skip the patterns that cannot apply, which is most of them for most messages.
_SUBSTITUTIONS: list[tuple[re.Pattern, str, str, bool]] = [
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE),
        " _uuid_ ",
        "-",
        False,
    ),
    # botocore's wrapper: the error code decides, the operation it happened in varies
    # (`An error occurred (ValidationException) when calling the Converse operation: …`).
    (
        re.compile(
            r"an error occurred \((\w{1,80})\) when calling the \w{1,80} operation(?: \(reached max retries: \d{1,3}\))?:",
            re.I,
        ),
        r" \1: ",
        "when calling the",
        False,
    ),
    # Keep the host of a URL (it often names the service), drop scheme, path and query.
    (
        re.compile(r"\b(?:https?|wss?|ftp)://(?:[^\s/@]{1,200}@)?([A-Za-z0-9.-]{1,253})[^\s'\")\]>]{0,2000}"),
        r" \1 ",
        "://",
        False,
    ),
    (re.compile(r"\bunix://[^\s'\")]{1,500}"), " _socket_ ", "://", False),
    (re.compile(r"\b0x[0-9a-f]{1,16}\b", re.IGNORECASE), " _hex_ ", "0", False),
    (re.compile(r"\b[0-9a-f]{12,64}\b", re.IGNORECASE), " _hex_ ", "", False),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"), " _date_ ", "-", True),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:\.\d{1,9})?\b"), " _time_ ", ":", True),
    # Windows and POSIX paths; the file name survives (`docker.sock`, `libGL.so.1`).
    (
        re.compile(r"\b[A-Za-z]:\\(?:[^\\\s'\"]{1,255}\\){0,40}([^\\\s'\"]{0,255})"),
        r" _path_ \1 ",
        "\\",
        False,
    ),
    (
        re.compile(r"(?<![\w.])~?(?:/[^/\s'\":,()\[\]]{1,255}){1,40}/([^/\s'\":,()\[\]]{1,255})"),
        r" _path_ \1 ",
        "/",
        False,
    ),
    (re.compile(r"(?<=[\s'\"(=])/[A-Za-z0-9_.-]{1,255}(?=[\s'\"),:]|$)"), " _path_ ", "/", False),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b"), " _ip_ ", ".", True),
    (
        re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds|minutes|min|h)\b", re.IGNORECASE),
        " _duration_ ",
        "",
        True,
    ),
    (re.compile(r"\b\d+\.\d+\b"), " _num_ ", ".", True),
    (re.compile(r"\b\d{4,}\b"), " _num_ ", "", True),
]
_DIGIT = re.compile(r"\d")
_QUOTED = re.compile(r"'([^'\n]{1,200})'|\"([^\"\n]{1,200})\"")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z]{2,}$")
_SNAKE = re.compile(r"(?<=[a-z0-9])_(?=[a-z0-9])")
_TOKEN = re.compile(r"(?<![a-z0-9_])_[a-z]+_(?![a-z0-9_])|[a-z0-9]+")
_CONTRACTIONS = {
    "can't": "cannot",
    "couldn't": "could not",
    "won't": "will not",
    "isn't": "is not",
    "doesn't": "does not",
    "don't": "do not",
    "wasn't": "was not",
    "didn't": "did not",
    "can\u2019t": "cannot",
}
_CONTRACTIONS.update({short.capitalize(): full.capitalize() for short, full in list(_CONTRACTIONS.items())})


# Python 2 and `python -m` (runpy) print the module unquoted, runpy after the interpreter's path:
# `/usr/bin/python3: No module named uvicorn`. Without the path and quoted, it is the very message
# Python 3 raises, and its name varies like any quoted value.
_UNQUOTED_MODULE = re.compile(
    r"(?:(?<![^\s])\S{0,400}?python[\d.]{0,5}(?:\.exe)?: )?\b(No module named) ([A-Za-z_][\w.]{0,200})\b"
)


def _canonical(text: str) -> str:
    """One spelling for messages written two ways: contractions expanded, a module name quoted."""
    if "No module named " in text:
        text = _UNQUOTED_MODULE.sub(r"\1 '\2'", text)
    if "'" not in text and "\u2019" not in text:
        return text
    for short, full in _CONTRACTIONS.items():
        text = text.replace(short, full)
    return text


def _tag_quoted(match: re.Match) -> str:
    value = match.group(1) if match.group(1) is not None else match.group(2)
    tag = " _qenv_ " if _ENV_NAME.match(value) else " "
    return f" {value}{tag}"


def normalize(text: str) -> str:
    """Lower-case text with placeholders; quoted values kept, env-var-shaped ones tagged."""
    text = _canonical(text)
    if "'" in text or '"' in text:
        text = _QUOTED.sub(_tag_quoted, text)
    has_digit = _DIGIT.search(text) is not None
    for pattern, replacement, guard, needs_digit in _SUBSTITUTIONS:
        if (guard in text) and (has_digit or not needs_digit):
            text = pattern.sub(replacement, text)
    text = _SNAKE.sub(" ", text.lower())
    return " ".join(text.split())


SLOT_MAX_CHARS = 40
SLOT_MAX_TOKENS = 3


def slot_values(text: str) -> list[str]:
    """Short quoted values (a key, a module, a codec): the parts of a message that vary by case.

    Whether such a value decides the fix depends on the entry: `'OPENAI_API_KEY'` in a
    KeyError does, `'requests'` in "No module named" does not. The matcher decides per entry.
    """
    text = _canonical(text)
    values = []
    for m in _QUOTED.finditer(text):
        value = m.group(1) if m.group(1) is not None else m.group(2)
        if len(value) <= SLOT_MAX_CHARS and len(tokens(normalize(value))) <= SLOT_MAX_TOKENS:
            values.append(value)
    return values


def tokens(normalized: str) -> list[str]:
    """Word tokens of normalised text; `snake_case` names split into their words."""
    return _TOKEN.findall(normalized)


# In a signature, a quoted placeholder stands for any name: `cannot import name 'X' from 'pkg'`.
WILDCARDS = ("X", "pkg", "pkg.X")
_QUOTED_WILDCARDS = tuple(f"{quote}{value}{quote}" for value in WILDCARDS for quote in "'\"")
SHAPE_TAIL_TOKENS = 8  # what a message may add after the shape (`. Did you mean: 'x'?`)
_LOCATION = re.compile(r"\s\((?:[^()]{0,400}[/\\][^()]{0,400}|unknown location)\)")


def has_wildcard(text: str) -> bool:
    """True when a signature is written with placeholder names, so its shape is what matches.
    (Read for every signature loaded and indexed: a substring test first, the quotes parsed only then.)"""
    if not any(quoted in text for quoted in _QUOTED_WILDCARDS):
        return False
    return any(value in WILDCARDS for value in slot_values(text))


def shape(message: str) -> tuple[str, ...]:
    """The words of a message with every quoted value, every path and the location of a module
    left out: what stays the same whichever package and name an error is about."""
    text = _QUOTED.sub(" _q_ ", _canonical(message))
    return tuple(tokens(normalize(_LOCATION.sub(" ", text))))


def same_shape(query: tuple[str, ...], signature: tuple[str, ...]) -> bool:
    """The query reads as the signature's shape, followed by at most a short tail."""
    n = len(signature)
    return n > 0 and query[:n] == signature and len(query) - n <= SHAPE_TAIL_TOKENS
