"""`synapse`: the server-side command line, a thin layer over the modules it calls."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from app.config import PROJECT_ROOT, Settings


def _settings(args) -> Settings:
    return Settings.from_env(
        db=getattr(args, "db", None),
        solutions=getattr(args, "solutions", None),
        database_url=getattr(args, "database_url", None),
    )


def _open_store(settings: Settings):
    """The store the settings name: PostgreSQL when a database URL is set, else the SQLite file."""
    from app.store.engine import open_store

    return open_store(settings.db, settings.database_url, settings.database_pool, settings.database_timeout)


def cmd_check(args) -> int:
    from app.corpus.checker import check_files

    settings = _settings(args)
    paths = [Path(p) for p in args.paths] or [settings.solutions]
    report = check_files(paths, project_root=PROJECT_ROOT)
    if args.stale:
        return _print_stale(report.entries, args.online)
    for problem in report.problems:
        print(problem)
    if report.problems:
        print(
            f"{len(report.problems)} problem(s) in {len({p.path for p in report.problems})} file(s)",
            file=sys.stderr,
        )
        return 1
    print(f"ok: {len(report.entries)} entries, {sum(len(e.errors) for e in report.entries)} error signatures")
    return 0


def _print_stale(entries, online: bool) -> int:
    import datetime as dt

    from app.corpus import staleness

    today = dt.date.today()
    if online:
        latest = staleness.latest_from_pypi(staleness.checked_packages(entries))
        staleness.save_latest(latest, today)
    else:
        latest = staleness.load_latest()
    retired = staleness.retired_models()
    stale = [(e, staleness.stale_reasons(e, latest, retired, today)) for e in entries]
    stale = [(e, reasons) for e, reasons in stale if reasons]
    for entry, reasons in stale:
        print(f"{entry.path}: {'; '.join(reasons)}")
    source = "PyPI" if online else f"{staleness.LATEST.name} (run with --online to refresh from PyPI)"
    print(
        f"{len(stale)} of {len(entries)} entries need checking again; current releases from {source}",
        file=sys.stderr,
    )
    return 1 if stale else 0


def cmd_index(args) -> int:
    from app.corpus.indexer import index_solutions

    settings = _settings(args)
    store = _open_store(settings)
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
    if report.problems:
        invalid = len({p.path for p in report.problems})
        print(
            f"{invalid} invalid file(s) not indexed (reasons above); every valid entry was indexed. "
            "Fix them (`synapse check FILE`) and run `synapse index` again.",
            file=sys.stderr,
        )
        return 1  # like `synapse check`: a script or CI sees that the corpus is not all in
    return 0


def cmd_serve(args) -> int:
    from app.web.serving import serve

    settings = _settings(args)
    os.environ["SYNAPSE_DB"] = str(settings.db)
    if settings.database_url:  # the worker processes read their settings from the environment
        os.environ["SYNAPSE_DATABASE_URL"] = settings.database_url
    os.environ["SYNAPSE_SOLUTIONS"] = str(settings.solutions)
    cmd_index(args)  # once here, so worker processes do not race to do it
    os.environ["SYNAPSE_INDEX_ON_START"] = "0"
    if not os.environ.get("SYNAPSE_PUBLIC_URL") and args.host not in ("0.0.0.0", "::", ""):
        os.environ["SYNAPSE_PUBLIC_URL"] = f"http://{args.host}:{args.port}"  # absolute links use this
    where = _database_label(settings)
    print(f"SynapseAI on http://{args.host}:{args.port}  (database {where})", flush=True)
    serve("app.web.factory:create_app", args.host, args.port, args.workers, args.log_level)
    return 0


def _database_label(settings: Settings) -> str:
    if settings.database_url:
        from app.store.pg_store import redacted_url

        return redacted_url(settings.database_url)
    return str(settings.db)


def cmd_search(args) -> int:
    from app.search import service as search

    settings = _settings(args)
    text = sys.stdin.read() if args.text == ["-"] else " ".join(args.text)
    try:
        text, limit = search.validate(text, args.limit)
    except search.BadQuery as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = _open_store(settings)
    try:
        _bring_up_to_date(store, settings)
        result = search.run_search(store.read(), text, limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps(result.body, indent=2))
        return 0
    print(_format_results(result.body))
    return 0 if result.best_confident else 1


def _bring_up_to_date(store, settings) -> None:
    """Index the entries folder before a search answers from the store.

    An empty store (a first run, a new --db) would answer nothing, and an embedded SQLite file
    left from an older checkout would answer with entries that have changed since (unchanged
    files cost a stat and a hash). A PostgreSQL store is shared by servers that index their own
    folder: there only an empty store is filled, never overwritten from this checkout.
    """
    from app.corpus.indexer import index_solutions

    empty = not store.read().execute("SELECT 1 FROM entries LIMIT 1").fetchone()
    if not empty and settings.database_url:
        return
    report = index_solutions(store, settings.solutions)
    if empty:
        print(
            f"the index was empty: indexed {len(report.added)} entries from {settings.solutions}",
            file=sys.stderr,
        )
    elif report.touched:
        print(f"the index was behind {settings.solutions}: {report.summary()}", file=sys.stderr)


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
    """Inspect only: a read-only connection, so no folder, file or migration is ever made here."""
    from app.store import health
    from app.store.connections import open_reader, sqlite

    if _settings(args).database_url:
        return _doctor_postgres(_settings(args).database_url)
    db = _settings(args).db
    missing = _missing_database(db)
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 1
    try:
        conn = open_reader(db)
        try:
            report = health.report(conn)
        finally:
            conn.close()
    except sqlite.Error as exc:
        print(
            f"error: {db} cannot be read as a SynapseAI database ({exc}); "
            "check the path, or give a new one to `synapse index --db PATH` to create it",
            file=sys.stderr,
        )
        return 1
    return _print_doctor_report(report)


def _print_doctor_report(report: dict) -> int:
    print(json.dumps(report, indent=2))
    if report["schema_version"] != report["expected_schema_version"]:
        print(
            f"note: schema {report['schema_version']}, this version expects "
            f"{report['expected_schema_version']}: `synapse index` or `synapse serve` migrates it",
            file=sys.stderr,
        )
    return 0


def _missing_database(db: Path) -> str | None:
    """Why there is no database file at `db`, in words, or None when there is one."""
    if db.is_file():
        return None
    hint = f"`synapse index --db {db}` (or `synapse serve`) creates it"
    if db.exists():
        return f"{db} is not a file, so it holds no database"
    if not db.parent.is_dir():
        return f"no database at {db}: the folder {db.parent} does not exist; {hint}"
    return f"no database at {db}: the file does not exist; {hint}"


def _doctor_postgres(url: str) -> int:
    """`synapse doctor` on PostgreSQL: inspect only (no pool, no migration)."""
    from app.store.pg_store import inspect

    try:
        report = inspect(url)
    except Exception as exc:
        print(f"error: PostgreSQL at {_redacted(url)} cannot be read ({exc})", file=sys.stderr)
        return 1
    return _print_doctor_report(report)


def _redacted(url: str) -> str:
    from app.store.pg_store import redacted_url

    return redacted_url(url)


def cmd_eval(args) -> int:
    from app.search.evaluation import evaluate, load_cases, memory_index

    settings = _settings(args)
    report = evaluate(memory_index(settings.solutions), load_cases(args.set))
    print(report.summary())
    if args.failures:
        for kind, q, expect, got, score in report.failures:
            snippet = " ".join(q.split())[-160:]
            print(f"\n[{kind}] expected {expect} got {got} ({score:.1f})\n    {snippet}")
    return 0


def cmd_verify(args) -> int:
    from app.corpus.verify import verify
    from app.search.evaluation import parse_folder

    settings = _settings(args)
    entries = [e for e in parse_folder(settings.solutions) if not args.slugs or e.slug in args.slugs]
    results = verify(entries, full=args.full)
    for result in results:
        if result.status != "passed" or args.verbose:
            print(result)
    counts = {s: sum(r.status == s for r in results) for s in ("passed", "failed", "skipped")}
    print(
        f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped", file=sys.stderr
    )
    return 1 if counts["failed"] else 0


def cmd_coverage(args) -> int:
    from app.search.evaluation import coverage, evaluate, load_cases, memory_index

    settings = _settings(args)
    report = evaluate(memory_index(settings.solutions), load_cases(args.set))
    rows = coverage(report)
    print(f"{'unanswered':>10}  {'of':>4}  topic  (example)")
    for topic, missed, total, example in rows[: args.top]:
        print(f"{missed:>10}  {total:>4}  {topic}  ({example})")
    print(
        f"{sum(r[1] for r in rows)} of {len(report.outcomes)} texts have no right confident answer",
        file=sys.stderr,
    )
    return 0


def cmd_review(args) -> int:
    from app.corpus.entries import EntryInvalid
    from app.submissions import review as submissions

    store = _open_store(_settings(args))
    try:
        if args.action == "list":
            rows = submissions.list_submissions(store.read(), None if args.status == "all" else args.status)
            for r in rows:
                print(f"{r['id']}  {r['status']:8}  {r['created_at']}  {r['slug']}  {r['title']}")
            which = "" if args.status == "all" else f"{args.status} "
            print(f"{len(rows)} {which}submission(s)", file=sys.stderr)
        elif args.action == "show":
            row = submissions.get_submission(store.read(), args.id)
            if row is None:
                raise submissions.SubmissionNotFound(f"no submission {args.id!r}")
            print(_format_submission(row))
        elif args.action == "approve":
            slug = store.write(submissions.approve, args.id)
            print(f"approved {args.id}: /solutions/{slug} is searchable now (`synapse export` writes it)")
        else:
            store.write(submissions.reject, args.id, args.reason)
            print(f"rejected {args.id}")
    except (
        submissions.SubmissionError,
        EntryInvalid,
    ) as exc:  # EntryInvalid: rules changed since it was sent
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def _format_submission(row: dict) -> str:
    keys = ("id", "status", "slug", "created_at", "reviewed_at", "reason")
    head = [f"{key}: {row[key]}" for key in keys if row[key]]
    if row["payload"].get("contact"):
        head.append(f"contact: {row['payload']['contact']}  (never published)")
    return "\n".join(head) + "\n\n" + row["markdown"]


def cmd_export(args) -> int:
    from app.submissions.export import ExportConflict, export_entries

    settings = _settings(args)
    folder = args.to or settings.solutions
    in_corpus = folder.resolve() == settings.solutions.resolve()
    store = _open_store(settings)
    try:
        paths = store.write(export_entries, folder, in_corpus)
    except ExportConflict as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    for path in paths:
        print(f"wrote {path}")
    print(f"exported {len(paths)} approved submission(s) to {folder}")
    if paths and not in_corpus:
        print("note: not in the solutions folder, so they stay published from the database", file=sys.stderr)
    return 0


def cmd_migrate(args) -> int:
    from app.store.engine import is_postgres_url
    from app.store.migrate import MigrateError, migrate_sqlite_to_postgres, sqlite_path
    from app.store.pg_store import redacted_url

    settings = _settings(args)
    source = sqlite_path(args.source) if args.source else settings.db
    target = args.target or settings.database_url
    if not is_postgres_url(target):
        print("error: --to must be a postgresql:// URL (or set SYNAPSE_DATABASE_URL)", file=sys.stderr)
        return 2
    try:
        report = migrate_sqlite_to_postgres(source, target, force=args.force)
    except MigrateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    print(f"copied {source} to {redacted_url(target)}: every table's rows and counter sums match")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synapse", description="SynapseAI server: index, check, serve, search."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--db", type=Path, help="SQLite file (env SYNAPSE_DB; default ./var/synapse.db)")
        p.add_argument(
            "--database-url",
            help="postgresql://user@host:port/db: use PostgreSQL instead of the SQLite file (env SYNAPSE_DATABASE_URL)",
        )
        p.add_argument(
            "--solutions", type=Path, help="entries folder (env SYNAPSE_SOLUTIONS; default ./solutions)"
        )
        return p

    p = sub.add_parser("check", help="validate entries; print path:line: message for each problem")
    p.add_argument("paths", nargs="*", help="files or folders (default: the solutions folder)")
    p.add_argument("--solutions", type=Path, help=argparse.SUPPRESS)
    p.add_argument(
        "--stale",
        action="store_true",
        help="list entries checked against older releases or naming retired models",
    )
    p.add_argument(
        "--online", action="store_true", help="with --stale: read current releases from PyPI and save them"
    )
    p.set_defaults(func=cmd_check)

    common(
        sub.add_parser("index", help="load solutions/ into the store (incremental, one transaction)")
    ).set_defaults(func=cmd_index)

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

    p = sub.add_parser("verify", help="run every Python block of the entries; say why a block cannot run")
    p.add_argument("slugs", nargs="*", help="only these entries")
    p.add_argument("--solutions", type=Path, help="entries folder (default ./solutions)")
    p.add_argument(
        "--full", action="store_true", help="install each block's imports from PyPI into cached venvs"
    )
    p.add_argument("--verbose", action="store_true", help="list passed blocks too")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "coverage", help="group the texts of a labelled set that get no right answer, by topic"
    )
    p.add_argument("--set", type=Path, default=PROJECT_ROOT / "tests" / "eval" / "byrepo.jsonl")
    p.add_argument("--solutions", type=Path, help="entries folder (default ./solutions)")
    p.add_argument("--top", type=int, default=30, help="how many topics to list")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser(
        "review", help="review submissions: list, show ID, approve ID, reject ID --reason TEXT"
    )
    actions = p.add_subparsers(dest="action", required=True)
    a = common(actions.add_parser("list", help="list submissions (pending unless --status says otherwise)"))
    a.add_argument("--status", choices=("pending", "approved", "rejected", "all"), default="pending")
    common(actions.add_parser("show", help="print one submission as the entry it would become")).add_argument(
        "id"
    )
    common(actions.add_parser("approve", help="publish it: searchable at once")).add_argument("id")
    a = common(actions.add_parser("reject", help="refuse it, with the reason the contributor will see"))
    a.add_argument("id")
    a.add_argument("--reason", required=True, help="shown on the submission's status page")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser(
        "migrate", help="copy a SQLite database into PostgreSQL (entries, votes, statistics, submissions)"
    )
    p.add_argument("--from", dest="source", help="sqlite:///path/to/synapse.db (default: --db / SYNAPSE_DB)")
    p.add_argument(
        "--to", dest="target", help="postgresql://user@host:port/db (default: SYNAPSE_DATABASE_URL)"
    )
    p.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--force", action="store_true", help="replace what the target database already holds")
    p.set_defaults(func=cmd_migrate)

    p = common(sub.add_parser("export", help="write approved submissions to solutions/<slug>.md"))
    p.add_argument("--to", type=Path, help="folder to write to (default: the solutions folder)")
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
