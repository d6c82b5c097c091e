"""Check the migration entries' tables of moved imports against the real packages.

An entry such as langchain-import-moved tells an agent "`from OLD import NAME` is now
`from NEW import NAME`, install DIST". A wrong row sends the agent to a name that does not
exist, so every row is tried, not read: `python -m app.corpus.import_tables` installs the old
release set and the new one in throwaway virtualenvs from PyPI, tries each import in each, and
writes the outcome with the exact installed versions to solutions/data/import-tables/<slug>.json.
The tests (tests/corpus/test_import_tables.py) read that file and need no network.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.corpus.verify import distribution, install_venv
from synapse_skill import moves

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
DATA = SOLUTIONS / "data" / "import-tables"
IMPORT_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Releases:
    """What to install for one entry: the old release set(s) and the core of the new one.

    `old` maps a label to requirements; the first label is the set every row is tried in unless
    `old_for` assigns the row (by its old `module:name`) to another label, for names that were
    already gone from the first set (llama-index's pre-0.6 names). The new set is `new_core` plus
    every distribution of the table's install column, unpinned: the current releases.
    `family` prefixes choose which installed distributions the JSON records.
    """

    old: dict[str, list[str]]
    new_core: list[str]
    family: tuple[str, ...]
    old_for: dict[str, str]


RELEASES = {
    # The table says the old names fail from 0.2 (without langchain-community) or 1.0: 0.1.20 is
    # the last release before both, and pulls langchain-community 0.0.x itself.
    "langchain-import-moved": Releases(
        old={"0.1": ["langchain==0.1.20"]},
        new_core=["langchain"],
        family=("langchain",),
        old_for={},
    ),
    # Old names fail from 0.2 (checkpoint moves) and 0.3 (ToolExecutor): 0.1.19 is the last 0.1.
    # PostgresSaver was never inside langgraph: its old import is tried with the first
    # langgraph-checkpoint-postgres beside langgraph 0.2. aiosqlite: langgraph 0.1's
    # checkpoint/aiosqlite.py imports it without requiring it (users of that module installed it).
    "langgraph-api-moved": Releases(
        old={
            "0.1": ["langgraph==0.1.19", "aiosqlite"],
            "0.2+postgres": ["langgraph==0.2.0", "langgraph-checkpoint-postgres==1.0.0", "psycopg[binary]"],
        },
        new_core=["langgraph", "psycopg[binary]"],
        family=("langgraph", "langchain"),
        old_for={"langgraph.checkpoint.postgres:PostgresSaver": "0.2+postgres"},
    ),
    # 1.107.10 is the last 1.x (OpenAIModel, Usage, models.gemini still there); it needs the
    # opentelemetry-api of its time (1.45 lacks `_events`; so does 0.5.0). RunResult left in 0.0.30 and the
    # format_as_xml module in 0.6: those rows are tried in 0.0.20 and 0.5.0.
    "pydantic-ai-renames": Releases(
        old={
            "1.107": ["pydantic-ai-slim[openai]==1.107.10", "opentelemetry-api==1.36.0"],
            "0.0.20": ["pydantic-ai-slim[openai]==0.0.20"],
            "0.5": ["pydantic-ai-slim[openai]==0.5.0", "opentelemetry-api==1.36.0"],
        },
        new_core=["pydantic-ai-slim[openai]"],
        family=("pydantic-ai", "google-genai"),
        old_for={
            "pydantic_ai.result:RunResult": "0.0.20",
            "pydantic_ai.format_as_xml:format_as_xml": "0.5",
        },
    ),
    # HfApiModel is still importable (deprecated) in 1.18.0; ManagedAgent and smolagents/prompts.py
    # were gone in 1.8.0, so those rows are tried in 1.7.0.
    "smolagents-renames": Releases(
        old={"1.18": ["smolagents==1.18.0"], "1.7": ["smolagents==1.7.0"]},
        new_core=["smolagents"],
        family=("smolagents",),
        old_for={
            "smolagents:ManagedAgent": "1.7",
            "smolagents.prompts:CODE_SYSTEM_PROMPT": "1.7",
        },
    ),
    # 0.5.11 is the last release with browser/browser.py, browser/context.py and the controller
    # package; it imports pydantic_settings without requiring it. BrowserState left in 0.2.1.
    "browser-use-api-moved": Releases(
        old={"0.5": ["browser-use==0.5.11", "pydantic-settings"], "0.1": ["browser-use==0.1.48"]},
        new_core=["browser-use"],
        family=("browser-use",),
        old_for={"browser_use.browser.views:BrowserState": "0.1"},
    ),
    # Two SDKs, not two releases of one: the old set is the last google-generativeai (0.8.6, whose
    # support ended 2025-11-30), the new one google-genai; neither installs the other.
    "google-genai-sdk-mixup": Releases(
        old={"0.8": ["google-generativeai==0.8.6"]},
        new_core=["google-genai"],
        family=("google-genai", "google-generativeai"),
        old_for={},
    ),
    # 0.9.48 is the last release before the llama-index-core split (0.10). GPTSimpleVectorIndex
    # left in 0.6.0, and the gpt_index module is gpt-index <= 0.5.x: each is tried in 0.5.27, with
    # tqdm, which 0.5.27 imports without declaring it.
    "llama-index-core-imports": Releases(
        old={
            "0.9": ["llama-index==0.9.48"],
            "llama-index 0.5": ["llama-index==0.5.27", "tqdm"],
            "gpt-index 0.5": ["gpt-index==0.5.27", "tqdm"],
        },
        new_core=["llama-index"],
        family=("llama-index", "gpt-index"),
        old_for={
            "llama_index:GPTSimpleVectorIndex": "llama-index 0.5",
            "gpt_index:GPTSimpleVectorIndex": "gpt-index 0.5",
        },
    ),
}


@dataclass(frozen=True)
class ImportRow:
    """One row of an entry's table of moved names."""

    module: str  # old module
    name: str
    new: str  # the new import statement, `from M import N`
    dist: str  # what to pip install for the new import
    since: str  # "old import fails from" (or the entry's note column)

    @property
    def old(self) -> str:
        return f"from {self.module} import {self.name}"

    @property
    def key(self) -> str:
        return f"{self.module}:{self.name}"


def import_rows(text: str) -> list[ImportRow]:
    """The rows of the table of moved imports in an entry's Markdown, read as search reads them."""
    return [
        ImportRow(*split_import(row["old"]), row["new"], row["package"], row["since"])
        for row in moves.table(text)
    ]


def split_import(statement: str) -> tuple[str, str]:
    """`from a.b import C` -> ("a.b", "C")."""
    m = re.fullmatch(r"from ([\w.]+) import (\w+)", statement)
    if not m:
        raise ValueError(f"not a `from M import N` statement: {statement!r}")
    return m.group(1), m.group(2)


# Runs inside the checked interpreter: one fresh process for the whole list, so one import's
# failure is caught and the next is still tried. Prints {"module:name": null | "Error: text"}.
_PROBE = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
out = {}
for module, name in json.loads(sys.argv[1]):
    try:
        exec(f"from {module} import {name}", {})
        out[f"{module}:{name}"] = None
    except BaseException as e:  # SystemExit and friends from an import count as failures
        out[f"{module}:{name}"] = f"{type(e).__name__}: {e}"[:300]
print("\n" + json.dumps(out))
"""

_VERSIONS = r"""
import json, sys
from importlib import metadata
prefixes = json.loads(sys.argv[1])
out = {}
for d in metadata.distributions():
    name = (d.metadata["Name"] or "").lower().replace("_", "-")
    if name.startswith(tuple(prefixes)):
        out[name] = d.version
print(json.dumps(out))
"""


def import_errors(python: Path | str, pairs: list[tuple[str, str]]) -> dict[str, str | None]:
    """`from module import name` for each pair, in one subprocess of `python`: None or the error."""
    done = subprocess.run(
        [str(python), "-c", _PROBE, json.dumps(pairs)],
        capture_output=True,
        text=True,
        timeout=IMPORT_TIMEOUT_SECONDS,
        check=True,
        cwd=tempfile.gettempdir(),  # not the project folder, whose packages would shadow the venv's
    )
    result: dict[str, str | None] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def installed_versions(python: Path | str, prefixes: tuple[str, ...]) -> dict[str, str]:
    """Versions of the distributions installed in `python` whose names start with `prefixes`."""
    done = subprocess.run(
        [str(python), "-c", _VERSIONS, json.dumps(list(prefixes))],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    versions: dict[str, str] = json.loads(done.stdout)
    return dict(sorted(versions.items()))


def _names(reqs: list[str]) -> tuple[str, ...]:
    """The distributions `reqs` name, as the JSON records them: `psycopg[binary]` -> `psycopg`."""
    return tuple(distribution(r) for r in reqs)


def check_entry(slug: str, releases: Releases, workdir: Path) -> dict:
    """Install the entry's release sets under `workdir`, try every row, return the JSON record."""
    rows = import_rows((SOLUTIONS / f"{slug}.md").read_text(encoding="utf-8"))
    labels = list(releases.old)
    old_results: dict[str, str | None] = {}
    old_versions: dict[str, dict[str, str]] = {}
    for i, label in enumerate(labels):
        mine = [r for r in rows if releases.old_for.get(r.key, labels[0]) == label]
        python = install_venv(workdir / f"old{i}", releases.old[label])
        old_results.update(import_errors(python, [(r.module, r.name) for r in mine]))
        old_versions[label] = installed_versions(python, releases.family + _names(releases.old[label]))
    new_reqs = sorted(set(releases.new_core) | {r.dist for r in rows})
    python = install_venv(workdir / "new", new_reqs)
    pairs = sorted({(r.module, r.name) for r in rows} | {split_import(r.new) for r in rows})
    new_results = import_errors(python, pairs)
    record_rows = []
    for r in rows:
        checks = {
            "old_in_old": old_results[r.key],
            "old_in_new": new_results[r.key],
            "new_in_new": new_results["{}:{}".format(*split_import(r.new))],
        }
        row: dict = {"old": r.old, "new": r.new, "dist": r.dist, "since": r.since}
        row |= {k: v is None for k, v in checks.items()}
        if releases.old_for.get(r.key):
            row["old_set"] = releases.old_for[r.key]
        # the throwaway folder's name would change the file at every run
        errors = {k: v.replace(str(workdir), "<venv>") for k, v in checks.items() if v is not None}
        if errors:
            row["errors"] = errors
        record_rows.append(row)
    record = {
        "checked": datetime.date.today().isoformat(),
        "python": sys.version.split()[0],
        "old": old_versions[labels[0]],
        "new": installed_versions(python, releases.family + _names(new_reqs)),
        "new_requirements": new_reqs,
        "rows": record_rows,
    }
    if len(labels) > 1:
        record["old_other"] = {label: old_versions[label] for label in labels[1:]}
    return record


def main(argv: list[str] | None = None) -> int:
    """`python -m app.corpus.import_tables [--entry SLUG ...]`: regenerate the checked tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entry", action="append", choices=sorted(RELEASES), help="default: every entry")
    args = parser.parse_args(argv)
    DATA.mkdir(parents=True, exist_ok=True)
    failed = 0
    for slug in args.entry or sorted(RELEASES):
        with tempfile.TemporaryDirectory(prefix=f"import-tables-{slug}-") as tmp:
            record = check_entry(slug, RELEASES[slug], Path(tmp))
        out = DATA / f"{slug}.json"
        out.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        bad = [r["old"] for r in record["rows"] if not (r["old_in_old"] and r["new_in_new"])]
        failed += len(bad)
        print(f"{out.relative_to(ROOT)}: {len(record['rows'])} rows, {len(bad)} not holding")
        for old in bad:
            print(f"  {old}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
