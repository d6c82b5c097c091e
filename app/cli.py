"""`synapse`: the server-side command line, a thin layer over the modules it calls."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from app.config import PROJECT_ROOT, Settings


def _settings(args) -> Settings:
    return Settings.from_env(db=getattr(args, "db", None), solutions=getattr(args, "solutions", None))


def cmd_check(args) -> int:
    from app.checker import check_files

    settings = _settings(args)
    paths = [Path(p) for p in args.paths] or [settings.solutions]
    report = check_files(paths, project_root=PROJECT_ROOT)
    for problem in report.problems:
        print(problem)
    if report.problems:
        print(f"{len(report.problems)} problem(s) in {len({p.path for p in report.problems})} file(s)", file=sys.stderr)
        return 1
    print(f"ok: {len(report.entries)} entries, {sum(len(e.errors) for e in report.entries)} error signatures")
    return 0


def cmd_index(args) -> int:
    from app.indexer import index_solutions
    from app.store import Store

    settings = _settings(args)
    store = Store(settings.db)
    try:
        report = index_solutions(store, settings.solutions)
    finally:
        store.close()
    for label, slugs in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        for slug in slugs:
            print(f"{label}: {slug}")
    for problem in report.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    print(report.summary())
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    settings = _settings(args)
    os.environ["SYNAPSE_DB"] = str(settings.db)
    os.environ["SYNAPSE_SOLUTIONS"] = str(settings.solutions)
    cmd_index(args)  # once here, so worker processes do not race to do it
    os.environ["SYNAPSE_INDEX_ON_START"] = "0"
    print(f"SynapseAI on http://{args.host}:{args.port}  (database {settings.db})", flush=True)
    uvicorn.run(
        "app.web:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
    )
    return 0


def cmd_search(args) -> int:
    from app import search
    from app.store import Store

    settings = _settings(args)
    text = sys.stdin.read() if args.text == ["-"] else " ".join(args.text)
    try:
        text, limit = search.validate(text, args.limit)
    except search.BadQuery as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = Store(settings.db)
    try:
        result = search.run_search(store.read(), text, limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps(result.body, indent=2))
        return 0
    print(_format_results(result.body))
    return 0 if result.best_confident else 1


def _format_results(body: dict) -> str:
    if not body["results"]:
        return "no match"
    lines = []
    for r in body["results"]:
        mark = "confident" if r["confident"] else "near miss"
        lines.append(f"{r['score']:5.1f}  {mark:9}  {r['slug']}  {r['title']}")
        lines.append(f"       matched: {r['why']['signature']}")
    return "\n".join(lines)


def cmd_doctor(args) -> int:
    from app import health
    from app.store import Store

    store = Store(_settings(args).db)
    try:
        print(json.dumps(health.report(store.read()), indent=2))
    finally:
        store.close()
    return 0


def cmd_eval(args) -> int:
    from app.evaluation import evaluate, load_cases, memory_index

    settings = _settings(args)
    report = evaluate(memory_index(settings.solutions), load_cases(args.set))
    print(report.summary())
    if args.failures:
        for kind, q, expect, got, score in report.failures:
            snippet = " ".join(q.split())[-160:]
            print(f"\n[{kind}] expected {expect} got {got} ({score:.1f})\n    {snippet}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="synapse", description="SynapseAI server: index, check, serve, search.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--db", type=Path, help="SQLite file (env SYNAPSE_DB; default ./var/synapse.db)")
        p.add_argument("--solutions", type=Path, help="entries folder (env SYNAPSE_SOLUTIONS; default ./solutions)")
        return p

    p = sub.add_parser("check", help="validate entries; print path:line: message for each problem")
    p.add_argument("paths", nargs="*", help="files or folders (default: the solutions folder)")
    p.add_argument("--solutions", type=Path, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_check)

    common(sub.add_parser("index", help="load solutions/ into the store (incremental, one transaction)")).set_defaults(
        func=cmd_index
    )

    p = common(sub.add_parser("serve", help="index, then serve the website and JSON API"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes (each has its own single writer)")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=cmd_serve)

    p = common(sub.add_parser("search", help="look an error up from the command line ('-' reads stdin)"))
    p.add_argument("text", nargs="+")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(func=cmd_search)

    common(sub.add_parser("doctor", help="report SQLite version, schema and journal mode")).set_defaults(
        func=cmd_doctor
    )
    p = sub.add_parser("eval", help="score the matcher on a labelled set of error texts")
    p.add_argument("--set", type=Path, default=PROJECT_ROOT / "tests" / "eval" / "dev.jsonl")
    p.add_argument("--solutions", type=Path, help="entries folder (default ./solutions)")
    p.add_argument("--failures", action="store_true", help="list every case answered wrongly")
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
