"""Run every benchmark, print one summary table, rewrite the table in docs/performance.md.

    .venv/bin/python -m bench [--quick] [--only match http ...] [--no-doc]

`--quick` shrinks sizes and durations (for a smoke run); the default is the full set,
which takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import importlib
import time

from bench.common import summary_table, write_doc

BENCHMARKS = ["match", "http", "writes", "indexing", "skill", "memory"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=BENCHMARKS)
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    sections = []
    for name in args.only:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        section = module.run(quick=args.quick)
        print(section.detail.strip(), "\n", flush=True)
        sections.append(section)
    print(summary_table(sections))
    if not args.no_doc:
        write_doc(sections, started)
        print("\nwrote docs/performance.md")


if __name__ == "__main__":
    main()
