"""`synapse-skill`: the skill's command line, a thin layer over `lookup`, `runner` and `snapshot`.

Exit codes of `search`: 0 a confident match, 1 no confident match (or no answer at all),
2 bad usage. `run` exits with the command's own exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from synapse_skill.config import Settings


def _settings(args: argparse.Namespace) -> Settings:
    base = Settings.from_env()
    return Settings(
        url=(args.url or base.url).rstrip("/"),
        offline=args.offline or base.offline,
        timeout=args.timeout if args.timeout is not None else base.timeout,
        cache_dir=base.cache_dir,
    )


def _read_text(parts: list[str]) -> str:
    if parts == ["-"] or not parts:
        # Bytes, decoded leniently: a stray non-UTF-8 byte must not become a lone surrogate
        # (the C locale's surrogateescape) that later fails to encode as UTF-8.
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            return sys.stdin.read()
        return stream.read().decode("utf-8", errors="replace")
    return " ".join(parts)


REQUIRED_PACKAGES = ("httpx", "rapidfuzz")
INSTALL_HINT = "pip install httpx rapidfuzz"


def missing_packages() -> list[str]:
    """The required packages this interpreter cannot import (checked without importing them)."""
    import importlib.util

    return [name for name in REQUIRED_PACKAGES if importlib.util.find_spec(name) is None]


def _missing_message(missing: list[str]) -> str:
    return (
        f"synapse-skill: missing Python package{'s' if len(missing) > 1 else ''} "
        f"{', '.join(missing)} for {sys.executable}; install with: {INSTALL_HINT}"
    )


def cmd_search(args: argparse.Namespace) -> int:
    from synapse_skill.environment import client_env
    from synapse_skill.lookup import build_query, lookup
    from synapse_skill.render import render_json, render_markdown

    settings = _settings(args)
    text = _read_text(args.text)
    if args.show_query:
        query = build_query(text)
        facts = client_env(query)
        if settings.offline:
            print("# offline mode: nothing is sent; the snapshot is searched for:")
            print(query)
            print(f"# with the environment: {json.dumps(facts, ensure_ascii=False)}")
        else:
            from synapse_skill.client import search_request_body

            print(f"# POST {settings.url}/search  (Content-Type: application/json); nothing was sent")
            print(search_request_body(query, args.limit, facts).decode("utf-8"))
        return 0
    result = lookup(text, settings, limit=args.limit)
    sys.stdout.write(render_json(result) if args.json else render_markdown(result))
    return 0 if result.match else 1


def cmd_run(args: argparse.Namespace) -> int:
    from synapse_skill import runner
    from synapse_skill.hooks import report_text

    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        print(
            "synapse-skill run: give a command after --, e.g. synapse-skill run -- pytest -x", file=sys.stderr
        )
        return 2
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        finished = runner.run(cmd)
    except FileNotFoundError:
        print(f"synapse-skill run: command not found: {cmd[0]}", file=sys.stderr)
        return 127
    except PermissionError:
        print(f"synapse-skill run: permission denied: {cmd[0]}", file=sys.stderr)
        return 126
    if finished.exit_code != 0 and finished.stderr_tail.strip():
        if missing := missing_packages():
            print(_missing_message(missing), file=sys.stderr)
            return finished.exit_code
        report_text(finished.stderr_tail, _settings(args), outcomes=False)  # never raises
    return finished.exit_code


def cmd_snapshot(args: argparse.Namespace) -> int:
    from synapse_skill import snapshot
    from synapse_skill.errors import SnapshotError, SynapseError
    from synapse_skill.lookup import refresh_snapshot

    settings = _settings(args)
    if args.refresh:
        try:
            status = refresh_snapshot(settings)
        except SynapseError as exc:
            print(f"synapse-skill snapshot: refresh failed: {exc}", file=sys.stderr)
            return 1
        print(f"refresh: {status}")
    try:
        loaded = snapshot.load(settings)
    except SnapshotError as exc:
        print(f"no usable snapshot: {exc}", file=sys.stderr)
        return 1
    info = {
        "origin": loaded.origin,
        "path": str(loaded.path),
        "version": loaded.snapshot["version"],
        "generated": loaded.snapshot.get("generated"),
        "entries": len(loaded.snapshot["entries"]),
        "checksum": loaded.snapshot["checksum"],
    }
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key}: {value}")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from synapse_skill.errors import SynapseError
    from synapse_skill.lookup import feedback

    try:
        body = feedback(args.slug, args.worked, _settings(args))
    except SynapseError as exc:
        print(f"synapse-skill feedback: {exc}", file=sys.stderr)
        return 1
    print(f"recorded: {args.slug} {'worked' if args.worked else 'failed'}")
    if isinstance(body, dict) and body.get("stats"):
        print(f"stats: {json.dumps(body['stats'])}")
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    from synapse_skill.mcp_server import main as mcp_main

    return mcp_main(_settings(args))


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="SynapseAI server (default: $SYNAPSE_URL or http://127.0.0.1:8000)")
    common.add_argument(
        "--offline", action="store_true", help="use only the local snapshot ($SYNAPSE_OFFLINE=1)"
    )
    common.add_argument(
        "--timeout", type=float, help="network budget in seconds ($SYNAPSE_TIMEOUT, default 2)"
    )

    parser = argparse.ArgumentParser(
        prog="synapse-skill", description="Find the known fix for an error: SynapseAI's agent-side tool."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("search", parents=[common], help="look up an error (TEXT, or - for stdin)")
    p.add_argument("text", nargs="*", help="the error text; '-' or nothing reads stdin")
    p.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    p.add_argument("--limit", type=int, default=5, help="results to ask for (1-50)")
    p.add_argument("--show-query", action="store_true", help="print exactly what would be sent, send nothing")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("run", parents=[common], help="run a command; when it fails, look up its error")
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="-- then the command and its arguments")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("snapshot", parents=[common], help="show the offline snapshot in use")
    p.add_argument("--refresh", action="store_true", help="download a newer snapshot from the server first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("feedback", parents=[common], help="report whether a fix worked")
    p.add_argument("slug")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--worked", dest="worked", action="store_true")
    group.add_argument("--failed", dest="worked", action="store_false")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser(
        "mcp",
        parents=[common],
        help="serve the tools over MCP (stdio); needs the mcp package (pip install mcp)",
    )
    p.set_defaults(func=cmd_mcp)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:  # an ASCII terminal (C locale) must not turn output into a traceback
        reconfigure(errors="replace")
    if getattr(args, "limit", 5) is not None and not 1 <= getattr(args, "limit", 5) <= 50:
        parser.error("--limit must be between 1 and 50")
    if args.command != "run" and (missing := missing_packages()):
        # Exit 2, not a traceback and 1: 1 means "no confident match" to the agent.
        print(_missing_message(missing), file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `synapse-skill search … | head`
        return 0
