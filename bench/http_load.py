"""HTTP benchmark: GET and POST /search on a real `synapse serve`, beside a no-op FastAPI app.

    .venv/bin/python -m bench.http_load [--quick]

Both servers run as subprocesses on 127.0.0.1 with the same uvicorn settings (1, then 2
workers); the no-op app (bench/noop_app.py) takes the same requests and answers a constant,
so the ratio is the share of the HTTP stack's own ceiling that search keeps. The load
generator is wrk (Debian's package, installed here when missing):

* maximum rate: closed loop, 16 connections, wrk's own latency percentiles;
* 50 % and 80 % of that maximum: open loop. wrk 4 has no rate option, so a Lua script
  gives each connection (one per wrk thread) a fixed send schedule and measures every
  latency from the request's *scheduled* start, as wrk2 does, so a stall is charged to
  the requests queued behind it (no coordinated omission).

Measurements alternate between the two servers so drift on this shared machine hits both.
Search is not rate limited (only feedback, submissions and logins are), so the app runs
with its default settings on a temporary database indexed from solutions/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

from bench.common import ROOT, Row, Section, free_port, pct, stop, wait_ready

CONNECTIONS = 16
RATE_SHARES = (0.5, 0.8)
TARGET_SHARE = 0.5
# `repeats`: closed-loop runs per server, alternating; the median one is kept. Each wrk run opens
# its 16 connections anew and uvicorn's workers split them unevenly (a worker's accept loop takes
# every pending connection at once), so one two-worker run can land anywhere between ~30 % and
# ~110 % of the other server's: a single run measures the split, the median measures the server.
SIZES = {
    "full": {"warmup": 1, "max": 5, "repeats": 3, "rate": 4, "noop_rates": True},
    "quick": {"warmup": 1, "max": 2, "repeats": 1, "rate": 1, "noop_rates": False},
}

SHORT_QUERIES = [
    "sqlite3.OperationalError: database is locked",
    "RuntimeError: Event loop is closed",
    "KeyError: 'OPENAI_API_KEY'",
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached', 'type': 'requests'}}",
    "ModuleNotFoundError: No module named 'langchain_community'",
    "OSError: [Errno 28] No space left on device",
    "ValueError: invoice total does not match the sum of its line items",  # a miss
    "git: fatal: detected dubious ownership in repository at '/srv/agent'",
]

# Errors never seen before: `{n}` becomes a different name or number on every request, so the
# response cache never answers and every search runs the matcher and renders its answer.
NEW_QUERIES = [
    "ModuleNotFoundError: No module named 'vendor_{n}'",
    "KeyError: 'ACME_{n}_API_KEY'",
    "FileNotFoundError: [Errno 2] No such file or directory: '/srv/data/run-{n}.json'",
    "ValueError: invoice {n} total does not match the sum of its line items",
    "requests.exceptions.ConnectionError: HTTPConnectionPool(host='svc-{n}.internal', port=8080): "
    "Max retries exceeded with url: /v1/jobs",
    "sqlite3.OperationalError: no such table: orders_{n}",
    "AttributeError: 'NoneType' object has no attribute 'field_{n}'",
    "TimeoutError: job {n} did not finish within 30 seconds",
]
NEW = "NEW"  # the benchmark's name for GETs of never-seen errors
MARK = quote("{n}")

# A worker that checkpoints to SQLite through SQLAlchemy, as an agent would paste it: chained
# exceptions, ~5 KB. {error} is the raised error line; {exc} its type for SQLAlchemy's wrapper.
SITE = "/srv/agent/.venv/lib/python3.12/site-packages"
TRACEBACK = f"""Traceback (most recent call last):
  File "{SITE}/sqlalchemy/engine/base.py", line 1967, in _exec_single_context
    self.dialect.do_execute(cursor, str_statement, effective_parameters, context)
  File "{SITE}/sqlalchemy/engine/default.py", line 941, in do_execute
    cursor.execute(statement, parameters)
{{error}}

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/srv/agent/workers/research/main.py", line 61, in <module>
    asyncio.run(main())
  File "/usr/lib/python3.12/asyncio/runners.py", line 194, in run
    return runner.run(main)
  File "/usr/lib/python3.12/asyncio/runners.py", line 118, in run
    return self._loop.run_until_complete(task)
  File "/usr/lib/python3.12/asyncio/base_events.py", line 687, in run_until_complete
    return future.result()
  File "/srv/agent/workers/research/main.py", line 47, in main
    result = await asyncio.to_thread(graph.invoke, {{{{"topic": topic}}}}, config)
  File "/usr/lib/python3.12/asyncio/threads.py", line 25, in to_thread
    return await loop.run_in_executor(None, func_call)
  File "/usr/lib/python3.12/concurrent/futures/thread.py", line 58, in run
    result = self.fn(*self.args, **self.kwargs)
  File "{SITE}/langgraph/pregel/__init__.py", line 1940, in invoke
    for chunk in self.stream(input, config, stream_mode=stream_mode):
  File "{SITE}/langgraph/pregel/__init__.py", line 1671, in stream
    for _ in runner.tick(loop.tasks.values(), timeout=self.step_timeout):
  File "{SITE}/langgraph/pregel/runner.py", line 230, in tick
    run_with_retry(t, retry_policy, configurable={{{{CONFIG_KEY_SEND: writer}}}})
  File "{SITE}/langgraph/pregel/retry.py", line 40, in run_with_retry
    return task.proc.invoke(task.input, config)
  File "{SITE}/langgraph/utils/runnable.py", line 546, in invoke
    input = step.invoke(input, config, **kwargs)
  File "{SITE}/langgraph/utils/runnable.py", line 310, in invoke
    ret = context.run(self.func, *args, **kwargs)
  File "/srv/agent/workers/research/nodes.py", line 214, in save_findings
    repo.save_batch(state["findings"], run_id=state["run_id"])
  File "/srv/agent/workers/research/repository.py", line 88, in save_batch
    session.commit()
  File "{SITE}/sqlalchemy/orm/session.py", line 2032, in commit
    trans.commit(_to_root=True)
  File "{SITE}/sqlalchemy/orm/state_changes.py", line 139, in _go
    ret_value = fn(self, *arg, **kw)
  File "{SITE}/sqlalchemy/orm/session.py", line 1313, in commit
    self._prepare_impl()
  File "{SITE}/sqlalchemy/orm/session.py", line 1288, in _prepare_impl
    self.session.flush()
  File "{SITE}/sqlalchemy/orm/session.py", line 4352, in flush
    self._flush(objects)
  File "{SITE}/sqlalchemy/orm/unitofwork.py", line 466, in execute
    rec.execute(self)
  File "{SITE}/sqlalchemy/orm/persistence.py", line 1143, in _emit_insert_statements
    result = connection.execute(statement, multiparams, execution_options=execution_options)
  File "{SITE}/sqlalchemy/engine/base.py", line 1418, in execute
    return meth(self, distilled_parameters, execution_options or NO_OPTIONS)
  File "{SITE}/sqlalchemy/engine/base.py", line 1640, in _execute_clauseelement
    ret = self._execute_context(dialect, dialect.execution_ctx_cls._init_compiled, compiled_sql)
  File "{SITE}/sqlalchemy/engine/base.py", line 1846, in _execute_context
    return self._exec_single_context(dialect, context, statement, parameters)
  File "{SITE}/sqlalchemy/engine/base.py", line 1986, in _exec_single_context
    self._handle_dbapi_exception(e, str_statement, effective_parameters, cursor, context)
  File "{SITE}/sqlalchemy/engine/base.py", line 2355, in _handle_dbapi_exception
    raise sqlalchemy_exception.with_traceback(exc_info[2]) from e
sqlalchemy.exc.OperationalError: ({{exc}}) {{message}}
[SQL: INSERT INTO findings (run_id, source_url, title, summary, created_at) VALUES (?, ?, ?, ?, ?)]
[parameters: ('7f3c2a9e-4d1b-4e8a-9c55-2b1f0d6e8a41', 'https://arxiv.org/abs/2403.01234', 'Retrieval-augmented \
agents under load', 'The paper measures tool-call latency of retrieval agents and finds that most of the time goes \
to waiting on shared storage ...', '2026-11-24 06:41:07.118302')]
(Background on this error at: https://sqlalche.me/e/20/e3q8)
"""
FINAL_ERRORS = [
    ("sqlite3.OperationalError", "database is locked"),
    ("sqlite3.OperationalError", "disk I/O error"),
    ("sqlite3.ProgrammingError", "Cannot operate on a closed database."),
    ("sqlite3.OperationalError", "unable to open database file"),
]


@dataclass
class Load:
    """One wrk run: achieved rate, latency percentiles (ms) and failed requests."""

    rps: float
    p50: float
    p99: float
    errors: int
    asked: float | None = None  # the open-loop rate requested; None for closed loop
    spread: tuple[float, float] | None = None  # lowest and highest rate of the repeated runs


class WrkMissing(RuntimeError):
    """wrk is not installed and could not be installed."""


def traceback_text(exc: str, message: str) -> str:
    """The worker's traceback, ending in `exc: message`."""
    return TRACEBACK.format(error=f"{exc}: {message}", exc=exc, message=message)


def requests_for(method: str) -> list[tuple[str, str, str]]:
    """The rotating (method, path, body) requests of one benchmark."""
    if method == "GET":
        return [("GET", f"/search?q={quote(q)}", "") for q in SHORT_QUERIES]
    if method == NEW:
        return [("GET", f"/search?q={quote(q)}", "") for q in NEW_QUERIES]
    return [("POST", "/search", json.dumps({"q": traceback_text(*err), "limit": 5})) for err in FINAL_ERRORS]


def lua_string(text: str) -> str:
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def wrk_script(requests: list[tuple[str, str, str]], rate: float | None) -> str:
    """A wrk Lua script that rotates `requests`; with `rate` (req/s, all connections), open loop."""
    items = ",\n".join(f"  {{{lua_string(m)}, {lua_string(p)}, {lua_string(b)}}}" for m, p, b in requests)
    common = f"""
local items = {{
{items}
}}
local built, turn = {{}}, 0
local headers = {{["Content-Type"] = "application/json"}}
function init(args)
  for i, it in ipairs(items) do
    built[i] = wrk.format(it[1], it[2], it[1] == "POST" and headers or nil, it[3] ~= "" and it[3] or nil)
  end
end
function request()
  turn = turn % #built + 1
  return built[turn]
end
"""
    fresh = (
        f"""
local ids = 0
function setup(thread)
  ids = ids + 1
  thread:set("id", ids)
end
function request()
  turn = turn + 1
  local it = items[(turn - 1) % #items + 1]
  return wrk.format("GET", (it[2]:gsub("{MARK.replace("%", "%%")}", (id or 0) .. "x" .. turn)))
end
"""
        if any(MARK in path for _, path, _ in requests)
        else ""
    )
    if rate is None:
        return (
            common
            + fresh
            + """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""
        )
    interval_us = CONNECTIONS / rate * 1e6
    return (
        common
        + f"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct {{ long tv_sec; long tv_nsec; }} bench_timespec;
int clock_gettime(int clock, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end
local interval = {interval_us}
local threads = {{}}
slot, lat, bad = 0, {{}}, 0  -- slot: this thread's place in the stagger, set by setup()
function setup(thread)
  thread:set("slot", #threads)
  table.insert(threads, thread)
end
local next_at, started
function delay()
  if next_at == nil then next_at = now_us() + slot * interval / {CONNECTIONS} end
  local wait = next_at - now_us()
  return wait > 0 and math.floor(wait / 1000) or 0
end
local plain_request = request
function request()
  if next_at ~= nil then  -- nil only for wrk's one check call before the run
    started = math.min(now_us(), next_at)  -- a late send counts from its scheduled time
    next_at = next_at + interval
  end
  return plain_request()
end
function response(status, headers, body)
  lat[#lat + 1] = now_us() - started
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout))
  for _, t in ipairs(threads) do
    io.write("BAD ", t:get("bad"), "\\n")
    io.write("LAT ", table.concat(t:get("lat"), " "), "\\n")
  end
end
"""
    )


def run_wrk(wrk: str, url: str, method: str, seconds: int, rate: float | None, workdir: Path) -> Load:
    """One wrk run against `url`; closed loop when `rate` is None."""
    script = workdir / ("open.lua" if rate else "closed.lua")
    script.write_text(wrk_script(requests_for(method), rate))
    threads = CONNECTIONS if rate else 2
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    lines = out.splitlines()
    result = next(line.split()[1:] for line in lines if line.startswith("RESULT "))
    requests, duration_us, errors = int(result[0]), int(result[1]), int(result[2])
    rps = requests / (duration_us / 1e6)
    if rate is None:
        return Load(rps, int(result[3]) / 1000, int(result[4]) / 1000, errors)
    latencies = [float(v) / 1000 for line in lines if line.startswith("LAT ") for v in line.split()[1:]]
    errors += sum(int(line.split()[1]) for line in lines if line.startswith("BAD "))
    return Load(rps, pct(latencies, 50), pct(latencies, 99), errors, rate)


def ensure_wrk() -> str:
    """wrk's path; installs Debian's package when it is missing (needs root and apt-get)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (apt-get install wrk) ...", file=sys.stderr, flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True)
        found = shutil.which("wrk")
        if found:
            return found
    raise WrkMissing(
        "wrk is not installed and `apt-get install wrk` was not possible here (needs root and Debian's apt)"
    )


@contextmanager
def server(cmd: list[str], port: int, log: Path, env: dict[str, str] | None = None):
    """Run a server subprocess in its own process group until /healthz answers; kill the group after."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_ready(proc, f"http://127.0.0.1:{port}/healthz", log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def servers(stack: ExitStack, workers: int, workdir: Path) -> dict[str, str]:
    """Start the no-op app and `synapse serve` (same uvicorn settings, same worker count); their URLs."""
    common = ["--host", "127.0.0.1", "--workers", str(workers), "--log-level", "warning"]
    urls = {}
    port = free_port()
    urls["no-op"] = stack.enter_context(
        server(
            [sys.executable, "-m", "bench.noop_app", "--port", str(port), *common], port, workdir / "noop.log"
        )
    )
    port = free_port()
    serve = [
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--db",
        str(workdir / "synapse.db"),
        "--port",
        str(port),
        *common,
    ]
    urls["search"] = stack.enter_context(server(serve, port, workdir / "synapse.log"))
    return urls


def measure(wrk: str, urls: dict[str, str], method: str, size: dict, workdir: Path) -> dict[str, dict]:
    """Max rate, then the open-loop shares, alternating between the two servers."""
    if method == NEW:  # closed loop only, beside the no-op GET measured in the same run
        urls = {"search": urls["search"]}
    results: dict[str, dict] = {name: {} for name in urls}
    for url in urls.values():
        run_wrk(wrk, url, method, size["warmup"], None, workdir)
    repeated: dict[str, list[Load]] = {name: [] for name in urls}
    for _ in range(size["repeats"]):
        for name, url in urls.items():
            repeated[name].append(run_wrk(wrk, url, method, size["max"], None, workdir))
    for name, loads in repeated.items():
        results[name]["max"] = median_run(loads)
    if method == NEW:
        return results
    for share in RATE_SHARES:
        for name, url in urls.items():
            if name == "no-op" and not size["noop_rates"]:
                continue
            rate = share * results[name]["max"].rps
            results[name][share] = run_wrk(wrk, url, method, size["rate"], rate, workdir)
    return results


def median_run(loads: list[Load]) -> Load:
    """The run of median rate, with the range of all of them and every run's failed requests."""
    ordered = sorted(loads, key=lambda load: load.rps)
    middle = ordered[len(ordered) // 2]
    spread = (ordered[0].rps, ordered[-1].rps) if len(ordered) > 1 else None
    return replace(middle, errors=sum(load.errors for load in loads), spread=spread)


def cell(load: Load | None) -> str:
    if load is None:
        return "-"
    asked = f" (asked {load.asked:,.0f})" if load.asked else ""
    spread = f" (runs {load.spread[0]:,.0f}-{load.spread[1]:,.0f})" if load.spread else ""
    return f"{load.rps:,.0f} req/s{asked}{spread}, {load.p50:.1f} / {load.p99:.1f} ms"


REQUEST_NAMES = {
    "GET": "GET /search?q=<short>",
    NEW: "GET /search?q=<short, never seen>",
    "POST": "POST /search (5 KB traceback)",
}


def detail_table(all_results: list[tuple[int, str, dict]]) -> str:
    lines = [
        "| request | workers | server | max (closed loop): req/s, p50 / p99 | at 50 %: req/s, p50 / p99 "
        "| at 80 %: req/s, p50 / p99 | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for workers, method, results in all_results:
        request = REQUEST_NAMES[method]
        for name, runs in results.items():
            failed = sum(load.errors for load in runs.values())
            lines.append(
                f"| {request} | {workers} | {name} | {cell(runs['max'])} | {cell(runs.get(0.5))} "
                f"| {cell(runs.get(0.8))} | {failed} |"
            )
    lines.append("")
    lines.append(
        f"wrk 4.1 on 127.0.0.1, {CONNECTIONS} connections; maximum = closed loop, the median of "
        f"{SIZES['full']['repeats']} alternating runs (their range in brackets; each run's connections are split "
        "between the workers anew); 50 % / 80 % = open loop at that "
        "share of the same server's maximum, latency from each request's scheduled start (no coordinated "
        "omission). The open-loop generator (one wrk thread per connection, Lua on every response) shares the "
        "2 cores with the server, so where the achieved rate falls short of the asked one the pair saturated "
        "and its latencies are queueing. Corpus: solutions/ as indexed by `synapse serve`; every search is also "
        "counted (in memory, written about once a second); repeated queries are answered from the "
        "response cache while the index generation is unchanged. <short, never seen>: eight error texts "
        "with a fresh name or number in every request, so no answer comes from the response cache "
        "(closed loop only; its baseline is the no-op GET of the same run)."
    )
    return "\n".join(lines)


def rows_for(all_results: list[tuple[int, str, dict]]) -> list[Row]:
    rows = []
    noop_get = {
        workers: results["no-op"]["max"].rps for workers, method, results in all_results if method == "GET"
    }
    for workers, method, results in all_results:
        search = results["search"]["max"].rps
        noop = noop_get[workers] if method == NEW else results["no-op"]["max"].rps
        ratio = search / noop
        what = "GET /search, never-seen errors" if method == NEW else f"{method} /search"
        rows.append(
            Row(
                f"HTTP {what}, {workers} worker{'s' if workers > 1 else ''}: max throughput",
                f"{search:,.0f} req/s",
                f"{noop:,.0f} req/s (no-op FastAPI)",
                f"{ratio:.0%}",
                f"≥ {TARGET_SHARE:.0%} of no-op",
                ratio >= TARGET_SHARE,
            )
        )
    return rows


def run(quick: bool) -> Section:
    size = SIZES["quick" if quick else "full"]
    try:
        wrk = ensure_wrk()
    except WrkMissing as exc:
        print(f"HTTP benchmark not run: {exc}", file=sys.stderr)
        return Section("HTTP throughput and latency", [Row("HTTP /search", f"not run: {exc}")], "")
    all_results = []
    with tempfile.TemporaryDirectory(prefix="synapse-bench-http-") as tmp:
        workdir = Path(tmp)
        for workers in (1, 2):
            with ExitStack() as stack:
                urls = servers(stack, workers, workdir)
                for method in ("GET", NEW, "POST"):
                    all_results.append((workers, method, measure(wrk, urls, method, size, workdir)))
    return Section("HTTP throughput and latency", rows_for(all_results), detail_table(all_results))


if __name__ == "__main__":
    from bench.common import summary_table

    section = run(quick="--quick" in sys.argv)
    print(section.detail)
    print()
    print(summary_table([section]))
