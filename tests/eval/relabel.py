"""Set `expect` on by-repository lines whose labelled topic has become an entry.

The by-repository samples label every text with its root cause (`topic`), whether or not an
entry covered it when it was sampled (tests/eval/TOPICS.md). When an entry for that topic
lands, its lines become positives for it. This step reads only the labels, never the texts,
so it may run on the held-out file without looking at it:

    python tests/eval/relabel.py tests/eval/byrepo.jsonl tests/eval/byrepo_holdout.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


def relabel(path: Path, slugs: set[str]) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    changed, out = 0, []
    for line in lines:
        row = json.loads(line)
        if row.get("expect") is None and row.get("topic") in slugs:
            row["expect"], row["kind"] = row["topic"], "positive"
            changed += 1
        out.append(json.dumps(row, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return changed


def main(argv: list[str]) -> int:
    slugs = {p.stem for p in SOLUTIONS.glob("*.md")}
    for name in argv:
        print(f"{name}: {relabel(Path(name), slugs)} line(s) now expect their topic's entry")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
