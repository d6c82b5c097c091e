"""Run every benchmark and print one summary table; `--write-docs` also rewrites the generated
part of docs/performance.md.

    .venv/bin/python -m bench [--quick] [--only match http ...] [--write-docs]

`--quick` shrinks sizes and durations (for a smoke run); the default is the full set,
which takes a few minutes on 2 cores. Without `--write-docs` nothing in the repository
changes: a run on a loaded or different machine does not overwrite the published figures.
"""

from __future__ import annotations

import argparse
import importlib
import time

from bench.common import summary_table, write_doc

# The name on the command line -> its module. The HTTP benchmark's module is not `bench/http.py`:
# run as a script, bench/ comes first on sys.path and that file would shadow the standard `http`.
MODULES = {
    "match": "bench.match",
    "http": "bench.http_load",
    "writes": "bench.writes",
    "indexing": "bench.indexing",
    "skill": "bench.skill",
    "memory": "bench.memory",
    "pages": "bench.pages",
}
BENCHMARKS = list(MODULES)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=BENCHMARKS)
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="rewrite the generated table in docs/performance.md (default: print only)",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    sections = []
    for name in args.only:
        module = importlib.import_module(MODULES[name])
        print(f"== {name}", flush=True)
        section = module.run(quick=args.quick)
        print(section.detail.strip(), "\n", flush=True)
        sections.append(section)
    print(summary_table(sections))
    if args.write_docs:
        write_doc(sections, started)
        print("\nwrote docs/performance.md")
    else:
        print("\ndocs/performance.md left unchanged (`python -m bench --write-docs` rewrites its table)")


if __name__ == "__main__":
    main()
