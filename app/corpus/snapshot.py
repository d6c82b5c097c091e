"""The published index in the skill's offline form (`GET /api/snapshot`, the bundled copy).

The format, its checksum and its ETag are defined once, in `synapse_skill.snapshot`; this
module only reads them out of the store or out of parsed entries. Regenerate the copy that
ships inside the skill folder with:

    python -m app.corpus.snapshot            # solutions/ → skill/synapse-ai/synapse_skill/data/snapshot.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.config import PROJECT_ROOT
from app.corpus.checker import entry_files
from app.corpus.entries import Entry, EntryInvalid, parse_entry
from synapse_skill import moves
from synapse_skill import snapshot as skill_snapshot
from synapse_skill.matching.index import Generality

BUNDLED_PATH = PROJECT_ROOT / "skill" / "synapse-ai" / "synapse_skill" / "data" / "snapshot.json"


def compact_entry(
    slug: str, title: str, errors, tags, token_savings, fix: dict | None, evidence: dict | None = None
) -> dict[str, Any]:
    """One entry of the snapshot; `evidence` holds its not_errors, libraries, applies_to, moved-names
    rows and `general` flag when it has any (an entry without them carries none of these keys)."""
    fix = fix or {}
    extra = {k: v for k, v in (evidence or {}).items() if v}
    return {
        "slug": slug,
        "title": title,
        "url": f"/solutions/{slug}",
        "errors": list(errors),
        "tags": list(tags),
        "token_savings": int(token_savings or 0),
        "fix": {
            "title": fix.get("title") or "",
            "language": fix.get("language") or "",
            "code": fix.get("code") or "",
        },
        **extra,
    }


def assemble(entries: list[dict[str, Any]], generated: str | None = None) -> dict[str, Any]:
    entries = sorted(entries, key=lambda e: e["slug"])
    return {
        "version": skill_snapshot.VERSION,
        "generated": generated or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "checksum": skill_snapshot.checksum(entries),
        "entries": entries,
    }


def build_snapshot(conn, generated: str | None = None) -> dict[str, Any]:
    """The snapshot of every published entry in the store, with its first fix option."""
    fixes = {
        row[0]: {"title": row[1], "language": row[2], "code": row[3]}
        for row in conn.execute(
            "SELECT f.slug, f.title, f.language, f.code FROM fixes f"
            " JOIN (SELECT slug, MIN(position) AS first FROM fixes GROUP BY slug) m"
            " ON m.slug = f.slug AND m.first = f.position"
        )
    }
    entries = [
        compact_entry(
            row[0],
            row[1],
            json.loads(row[2] or "[]"),
            json.loads(row[3] or "[]"),
            row[4],
            fixes.get(row[0]),
            {
                **{
                    k: json.loads(v or "[]")
                    for k, v in zip(("not_errors", "libraries", "applies_to"), row[5:8], strict=True)
                },
                "moves": list(moves.table(row[8])),
                "general": Generality(row[9]).spelling,
            },
        )
        for row in conn.execute(
            "SELECT slug, title, errors, tags, token_savings, not_errors, libraries, applies_to,"
            # only the Markdown that holds a moved-names table leaves the database
            " CASE WHEN markdown LIKE '%| `from %' THEN markdown ELSE '' END, general FROM entries"
        )
    ]
    return assemble(entries, generated)


def snapshot_etag(snapshot: dict[str, Any]) -> str:
    """Strong ETag for `GET /api/snapshot`; the same index always gives the same tag."""
    return skill_snapshot.etag_for(snapshot)


def snapshot_from_entries(entries: Iterable[Entry]) -> dict[str, Any]:
    """The snapshot of parsed entries; `generated` is the newest `updated` date, so an
    unchanged corpus regenerates byte for byte."""
    entries = list(entries)
    compact = [
        compact_entry(
            e.slug,
            e.title,
            e.errors,
            e.tags,
            e.token_savings,
            {"title": e.fixes[0].title, "language": e.fixes[0].language, "code": e.fixes[0].code}
            if e.fixes
            else None,
            {
                "not_errors": list(e.not_errors),
                "libraries": list(e.libraries),
                "applies_to": [[a.package, a.versions, a.platform] for a in e.applies_to],
                "moves": list(moves.table(e.markdown)),
                "general": e.general.spelling,
            },
        )
        for e in entries
    ]
    newest = max((e.updated for e in entries if e.updated), default="1970-01-01")
    return assemble(compact, generated=f"{newest}T00:00:00+00:00")


def write_bundled_snapshot(path: Path, entries: Iterable[Entry]) -> dict[str, Any]:
    """Write the snapshot of `entries` to `path` (atomically) and return it."""
    snap = snapshot_from_entries(entries)
    skill_snapshot.write(Path(path), snap)
    return snap


def load_solutions(folder: Path) -> tuple[list[Entry], list[str]]:
    entries: list[Entry] = []
    problems: list[str] = []
    for path in entry_files([Path(folder)]):
        try:
            entries.append(parse_entry(path))
        except EntryInvalid as exc:
            problems.extend(str(p) for p in exc.problems)
    return entries, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.corpus.snapshot", description=__doc__.split("\n")[0])
    parser.add_argument("--solutions", type=Path, default=PROJECT_ROOT / "solutions")
    parser.add_argument("--out", type=Path, default=BUNDLED_PATH)
    args = parser.parse_args(argv)
    entries, problems = load_solutions(args.solutions)
    for problem in problems:
        print(f"skipped: {problem}", file=sys.stderr)
    snap = write_bundled_snapshot(args.out, entries)
    print(f"wrote {args.out}: {len(snap['entries'])} entries, {snap['checksum']}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
