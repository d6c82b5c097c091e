"""What a lookup found, as plain data. Rendering lives in `render.py`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin


@dataclass(frozen=True)
class Why:
    """Why this entry matched: the signature it matched and the evidence."""

    signature: str = ""
    type_match: bool | None = None
    terms: tuple[str, ...] = ()
    env: tuple[str, ...] = ()  # what the client's environment said: a version in range, a package installed
    general: bool = False  # the entry says where to look for this kind of error, not what fixes it


@dataclass(frozen=True)
class Fix:
    """The entry's first fix option. Its code is untrusted input: read it before running it."""

    title: str = ""
    language: str = ""
    code: str = ""


@dataclass(frozen=True)
class Answer:
    """One entry that may fix the error. Trust it only when `confident` is true."""

    slug: str
    title: str
    score: float
    confident: bool
    url: str
    why: Why = field(default_factory=Why)
    fix: Fix = field(default_factory=Fix)
    token_savings: int = 0
    source: str = "online"  # "online" (the server) or "offline" (the local snapshot)
    # the entry's moved-names row the error names: {"old", "new", "package", "since"}, or None
    moved: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["why"]["terms"] = list(self.why.terms)
        data["why"]["env"] = list(self.why.env)
        return data

    @classmethod
    def from_result(cls, result: dict[str, Any], source: str, base_url: str | None = None) -> Answer:
        """Build from one item of the server's `results` list (or the same shape made offline)."""
        why = result.get("why") or {}
        fix = result.get("fix") or {}
        url = str(result.get("url") or f"/solutions/{result['slug']}")
        if base_url:
            url = urljoin(base_url.rstrip("/") + "/", url.lstrip("/"))
        return cls(
            slug=str(result["slug"]),
            title=str(result.get("title") or ""),
            score=float(result.get("score") or 0.0),
            confident=bool(result.get("confident")),
            url=url,
            why=Why(
                signature=str(why.get("signature") or ""),
                type_match=why.get("type_match"),
                terms=tuple(str(t) for t in why.get("terms") or ()),
                env=tuple(str(e) for e in why.get("env") or ()),
                general=why.get("general") is True,
            ),
            fix=Fix(
                title=str(fix.get("title") or ""),
                language=str(fix.get("language") or ""),
                code=str(fix.get("code") or ""),
            ),
            token_savings=int(result.get("token_savings") or 0),
            source=source,
            moved=_moved(result.get("moved")),
        )


def _moved(row: Any) -> dict[str, str] | None:
    """A server's `moved` row, kept only in the shape the contract gives it."""
    if not isinstance(row, dict) or not row.get("old") or not row.get("new"):
        return None
    return {key: str(row.get(key) or "") for key in ("old", "new", "package", "since")}


@dataclass(frozen=True)
class Lookup:
    """One lookup: exactly what was sent (or would be), and what came back."""

    query: str
    normalized: str = ""
    answers: tuple[Answer, ...] = ()
    source: str = "none"  # "online", "offline", or "none" when neither server nor snapshot answered
    took_ms: float = 0.0
    note: str = ""  # why the lookup went offline or found nothing

    @property
    def best(self) -> Answer | None:
        return self.answers[0] if self.answers else None

    @property
    def match(self) -> Answer | None:
        """The top answer when it is confident, else None."""
        best = self.best
        return best if best is not None and best.confident else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "normalized": self.normalized,
            "source": self.source,
            "took_ms": self.took_ms,
            "note": self.note,
            "match": self.match.slug if self.match else None,
            "results": [a.to_dict() for a in self.answers],
        }
