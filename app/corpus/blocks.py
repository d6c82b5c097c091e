"""The block structure an entry's checks read: its headings and fenced code blocks, with lines.

Parsed by pulldown-cmark (through pyromark, a CommonMark parser written in Rust): indexing a large
corpus spends most of its time here, and the pure-Python parser took ~0.4 ms per entry where this
takes ~0.1 ms. Headings count only at the top level (a `## ` inside a list item or a block quote
is not a section); fenced blocks count at any depth, since every Python block must compile
wherever it sits and a fix option's code may sit in a list item.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyromark


@dataclass(frozen=True)
class Heading:
    level: int
    line: int  # 0-based line of the text parsed
    text: str  # the heading's inline source, stripped (`Option 1: use `x``)


@dataclass(frozen=True)
class Fence:
    line: int  # 0-based line of the opening fence
    info: str  # the info string after the opening fence (`python norun="why"`)
    code: str  # the content, each line as CommonMark reads it (fence indentation removed)

    @property
    def language(self) -> str:
        """The info string's first word, lower-cased (`python`), or "" for a bare fence."""
        words = self.info.split(maxsplit=1)
        return words[0].lower() if words else ""

    @property
    def attributes(self) -> str:
        """What follows the language in the info string (`norun="why"`)."""
        words = self.info.split(maxsplit=1)
        return words[1].strip() if len(words) > 1 else ""


def parse(text: str) -> list[Heading | Fence]:
    """The top-level headings and every fenced code block of `text`, in order."""
    raw = text.encode("utf-8")  # the parser's ranges are byte offsets
    found: list[Heading | Fence] = []
    depth = 0
    heading: tuple[int, int] | None = None  # level and start offset of the heading being read
    inline = (-1, -1)  # start and end offsets of its inline parts (emphasis and code spans included)
    fence: tuple[int, str] | None = None  # start offset and info string of the fenced block being read
    code: list[str] = []
    for event, span in pyromark.events_with_range(text):
        start = event.get("Start") if isinstance(event, dict) else None
        end = isinstance(event, dict) and "End" in event
        if end:
            depth -= 1
        if heading is not None and depth > 0:
            inline = (span["start"] if inline[0] < 0 else inline[0], span["end"])
        elif heading is not None and end:
            words = raw[inline[0] : inline[1]].decode("utf-8").strip() if inline[0] >= 0 else ""
            found.append(Heading(heading[0], raw.count(b"\n", 0, heading[1]), words))
            heading = None
        elif fence is not None and end:
            found.append(Fence(raw.count(b"\n", 0, fence[0]), fence[1], "".join(code)))
            fence = None
        elif fence is not None and isinstance(event, dict) and "Text" in event:
            code.append(event["Text"])
        elif isinstance(start, dict) and "Heading" in start and depth == 0:
            heading, inline = (int(start["Heading"]["level"][1:]), span["start"]), (-1, -1)
        elif isinstance(start, dict) and isinstance(start.get("CodeBlock"), dict):  # indented blocks: a str
            fence, code = (span["start"], start["CodeBlock"]["Fenced"]), []
        if start is not None:
            depth += 1
    return found
