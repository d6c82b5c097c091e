"""`python -m app.corpus.known_packages RANKING`: the import names of PyPI's most-downloaded projects.

`No module named 'peft.tuners'` or `cannot import name 'X' from 'mcp.shared.exceptions'` is a
release that moved or dropped a name when `peft` or `mcp` is a package from PyPI, and the
project's own layout when the name is the project's (`No module named 'private_gpt.paths'`).
Without the path in the message, the one thing that tells them apart is whether the top-level
name is a package people install. The matcher reads the list this writes
(skill/synapse-ai/synapse_skill/data/known-packages.json).

RANKING is a download ranking: a TSV with `name` and `rank…` columns (the machine's package list,
../.library/env/packages/pypi.tsv here) or hugovk's top-pypi-packages JSON (`rows` of `project`).
Import names are derived from project names (`langchain-core` → `langchain_core`,
`faiss-cpu` → `faiss`, `google-cloud-storage` → `google`); words projects use for their own
modules (`utils`, `config`, `models`) are left out even when a project of that name exists.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from synapse_skill.matching.packages import KNOWN

# Words a project names its own modules with: a PyPI project of that name (`utils`, `config`)
# does not make `No module named 'utils.helpers'` a release's doing.
GENERIC = frozenset(
    [
        "agent",
        "agents",
        "api",
        "app",
        "application",
        "apps",
        "backend",
        "base",
        "cli",
        "client",
        "common",
        "config",
        "configs",
        "constants",
        "core",
        "data",
        "database",
        "db",
        "demo",
        "engine",
        "examples",
        "frontend",
        "helper",
        "helpers",
        "lib",
        "libs",
        "llm",
        "logger",
        "main",
        "model",
        "models",
        "module",
        "modules",
        "pipeline",
        "pipelines",
        "plugins",
        "prompts",
        "run",
        "scripts",
        "server",
        "service",
        "services",
        "settings",
        "shared",
        "src",
        "test",
        "tests",
        "tools",
        "types",
        "ui",
        "util",
        "utils",
        "web",
    ]
)
# Parts a project name adds around its import name: `faiss-cpu`, `guardrails-ai`, `python-dotenv`.
_AFFIXES = re.compile(r"^(?:python|py)_|_(?:ai|cpu|gpu|python|py|sdk|binary|headless|bin)$")
# Well-known projects whose import name is another word altogether.
RENAMED = {
    "pyyaml": "yaml",
    "opencv_python": "cv2",
    "pillow": "pil",
    "beautifulsoup4": "bs4",
    "pyjwt": "jwt",
    "pymupdf": "fitz",
    "scikit_learn": "sklearn",
    "scikit_image": "skimage",
    "pyserial": "serial",
    "python_docx": "docx",
    "faiss_cpu": "faiss",
    "arize_phoenix": "phoenix",
    "fschat": "fastchat",
    "protobuf": "google",
}
# A first part shared by this many projects is a namespace: `google-cloud-*`, `azure-*`.
NAMESPACE_MIN = 3


def import_name(project: str) -> str:
    return re.sub(r"[-.]+", "_", project.strip().lower())


def shared_first_words(names: Iterable[str]) -> list[str]:
    """First words that many projects' import names share (`google_cloud_*`, `azure_*`,
    `opentelemetry_*`): each is an import name people install even when no project of that very name
    exists."""
    firsts = Counter(name.split("_", 1)[0] for name in names if "_" in name)
    return sorted(first for first, count in firsts.items() if count >= NAMESPACE_MIN and len(first) >= 3)


def import_names(projects: Iterable[str]) -> list[str]:
    """The import names a set of projects most likely provides, generic words left out."""
    names = [import_name(p) for p in projects if p.strip()]
    found = set(names)
    found.update(_AFFIXES.sub("", n) for n in names)
    found.update(RENAMED[n] for n in names if n in RENAMED)
    found.update(shared_first_words(names))
    return sorted(n for n in found if n and n not in GENERIC and re.fullmatch(r"[a-z_][a-z0-9_]*", n))


def read_ranking(path: Path, top: int) -> list[str]:
    """The `top` best-ranked project names of a TSV (`name`, `rank…`) or a top-pypi-packages JSON."""
    if path.suffix == ".json":
        rows = json.loads(path.read_text())["rows"]
        return [row["project"] for row in rows[:top]]
    ranked = []
    with path.open(newline="") as f:
        # a summary may hold a lone `"`: read quotes as text, or one swallows the rows after it
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        rank_column = next(c for c in reader.fieldnames or () if c.startswith("rank"))
        for row in reader:
            rank = (row.get(rank_column) or "").strip()
            if rank.isdigit() and int(rank) <= top:
                ranked.append((int(rank), row["name"]))
    return [name for _, name in sorted(ranked)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ranking", type=Path)
    parser.add_argument("--top", type=int, default=15000)
    parser.add_argument("--out", type=Path, default=KNOWN)
    args = parser.parse_args(argv)
    projects = read_ranking(args.ranking, args.top)
    names = import_names(projects)
    args.out.write_text(
        json.dumps(
            {
                "source": f"{args.ranking.name}: the {len(projects)} most-downloaded PyPI projects",
                "names": names,
            },
            indent=0,
        )
        + "\n"
    )
    print(f"{len(names)} import names from {len(projects)} projects -> {args.out}")


if __name__ == "__main__":
    main()
