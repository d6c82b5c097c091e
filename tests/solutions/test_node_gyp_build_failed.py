"""Verified fix for solutions/node-gyp-build-failed.md.

Real npm, real node-gyp (the one npm bundles: 12.4.0 with npm 11.19.1; Debian's npm 9.2.0 runs Debian's
node-gyp 9.3.0), real make and gcc, the node on PATH and its own headers (`<prefix>/include/node`,
passed as npm_config_nodedir so nothing is downloaded). Each test installs a one-file addon package
from a tarball made once per module (a `binding.gyp` and no install script, so npm runs `node-gyp
rebuild` itself, as for hnswlib-node) with PATH narrowed to a folder of links to every system tool
except the ones a test takes away:
- without make: `gyp ERR! build error` / `Error: not found: make`; without g++/cc: `make: ...: No such
  file or directory` then ``make` failed with exit code: 2``; without Python: `Could not find any
  Python installation to use`. The matcher answers each log with the entry, Option 1's script names
  the cause, and with the tool back (Option 3), or Python named through `PYTHON`, the same install
  builds an addon that loads.
- NODE_MODULE_VERSION: an addon that registers itself the way node.h's NODE_MODULE macro does
  (node_module_register, with the NODE_MODULE_VERSION of node_version.h), compiled with
  -DOTHER_NODE_MODULE_VERSION set to another Node's number (108, Node 18's; 93 when this node is
  18), is refused by this node with Node's own message; Option 2's `npm rebuild` compiles it again and
  it loads. The package is named better-sqlite3 (build/Release/better_sqlite3.node) as in the reports
  the entry quotes. Option 1 names the package to rebuild and npm 12's approval step.
- Option 4: a package that brings its own node-gyp 9.4.1 builds with that one, not npm's. A local
  registry serves a stand-in node-gyp 9.4.1 whose bin prints what the real 9.4.1 printed on Python
  3.12.1 (its gyp/pylib/gyp/input.py importing distutils) and exits 1, a node-gyp 11.5.0 whose bin
  runs the node-gyp npm itself runs, and left-pad 1.0.0 and 1.1.0; `npm ls node-gyp` names the nested
  one, and the entry's own `overrides` JSON and commands make the same project build while
  package-lock.json keeps left-pad at 1.0.0.
The other logs (Visual Studio lookup, C++20 and V8 errors against Node 24/26 headers, distutils,
prebuild-install, node-pre-gyp, npm 6 on Python 3.11, npm 12's blocked install script) were recorded
from the real releases named in the entry's source field: each holds one of the entry's signatures,
and Option 1 must name its cause, under every CPython from 3.8 on. Option 1's advice is checked
against recorded facts of the real releases: the npm it installs runs on the Node of the log (npm
10.9.9, 11.21.3 and 12.2.3 `engines`), and the Python it names is one the old node-gyp runs on.
Option 1 runs in-process (compiled once per module) except where the script itself is the subject.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from entry_blocks import option_blocks
from fake_npm_registry import npm_tarball, serve_registry
from pyrun import interpreters_by_version, run_script_on

SLUG = "node-gyp-build-failed"
NODE = shutil.which("node")
NPM = shutil.which("npm")
SYSTEM_BIN = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
PYTHONS = r"python.*|pip.*|pydoc.*|idle.*|2to3.*"
COMPILERS = r"(?:[\w.-]+-)?(?:g\+\+|c\+\+|gcc|cc|clang|clang\+\+)(?:-[\d.]+)?"


@pytest.fixture(scope="module")
def node_headers() -> Path:
    """The folder holding include/node/common.gypi of the node on PATH (node-gyp's --nodedir)."""
    if NODE is None or NPM is None:
        pytest.fail("these tests run node and npm: make test installs Debian's nodejs and npm when missing")
    prefix = Path(os.path.realpath(NODE)).parent.parent
    if not (prefix / "include" / "node" / "common.gypi").is_file():
        pytest.fail(f"no Node headers under {prefix}/include/node: install Debian's libnode-dev")
    return prefix


@pytest.fixture(scope="module")
def node_abi(node_headers) -> str:
    """process.versions.modules of the node on PATH (its NODE_MODULE_VERSION)."""
    return subprocess.run(
        [NODE, "-p", "process.versions.modules"], capture_output=True, text=True, check=True
    ).stdout.strip()


def tool_folder(folder: Path, leave_out: str) -> Path:
    """A folder of links to the system's tools (and node, npm), without those whose name matches `leave_out`."""
    folder.mkdir()
    for directory in (str(Path(NODE).parent), str(Path(NPM).parent), *SYSTEM_BIN):
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            if re.fullmatch(leave_out, entry.name) or (folder / entry.name).exists():
                continue
            (folder / entry.name).symlink_to(entry.path)
    return folder


def tarball(folder: Path, name: str, files: dict[str, str]) -> Path:
    """An npm package tarball (package/...) holding `files`."""
    path = folder / f"{name}.tgz"
    path.write_bytes(npm_tarball(files))
    return path


NAPI_C = """
#include <node_api.h>
static napi_value Hello(napi_env env, napi_callback_info info) {
  napi_value out; napi_create_string_utf8(env, "world", NAPI_AUTO_LENGTH, &out); return out;
}
static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn; napi_create_function(env, "hello", NAPI_AUTO_LENGTH, Hello, NULL, &fn);
  napi_set_named_property(env, exports, "hello", fn); return exports;
}
NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
"""

# What node.h's NODE_MODULE macro expands to, in C: the module registers itself with the
# NODE_MODULE_VERSION of the headers it was compiled against (node_version.h), and Node's loader
# compares it with its own. Built with -DOTHER_NODE_MODULE_VERSION=N it carries another Node's number,
# as if compiled against that Node's headers (Debian's node_version.h has no NODE_EMBEDDER_MODULE_VERSION
# to override). Compiles in a blink.
REGISTERED_C = """
#include <stddef.h>
#include <node_version.h>
#ifdef OTHER_NODE_MODULE_VERSION
#define ADDON_MODULE_VERSION OTHER_NODE_MODULE_VERSION
#else
#define ADDON_MODULE_VERSION NODE_MODULE_VERSION
#endif
struct node_module {
  int nm_version; unsigned int nm_flags; void* nm_dso_handle; const char* nm_filename;
  void (*nm_register_func)(void*, void*, void*); void* nm_context_register_func;
  const char* nm_modname; void* nm_priv; struct node_module* nm_link;
};
void node_module_register(void* mod);
static void init(void* exports, void* module, void* priv) { (void)exports; (void)module; (void)priv; }
static struct node_module mod = {ADDON_MODULE_VERSION, 0, NULL, __FILE__, init, NULL, "better_sqlite3", NULL, NULL};
__attribute__((constructor)) static void registered(void) { node_module_register(&mod); }
"""


def addon(folder: Path, name: str, target: str, source: str, extra: dict | None = None) -> Path:
    """A native addon package: binding.gyp, one source file, index.js loading build/Release/<target>.node."""
    manifest = {"name": name, "version": "1.0.0", "main": "index.js", "gypfile": True, **(extra or {})}
    gyp = {"targets": [{"target_name": target, "sources": [f"{target}.c"]}]}
    return tarball(
        folder,
        name,
        {
            "package.json": json.dumps(manifest),
            "binding.gyp": json.dumps(gyp),
            f"{target}.c": source,
            "index.js": f'module.exports = require("./build/Release/{target}.node");\n',
        },
    )


def npm_env(tmp_path: Path, headers: Path, path: Path | None, **more: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith("npm_config_")}
    # run under `make test`, MAKELEVEL would make the build's make print `make[1]:` where a user's shows `make:`
    for name in (
        "PYTHON",
        "NODE_GYP_FORCE_PYTHON",
        "CXXFLAGS",
        "CFLAGS",
        "NO_COLOR",
        "MAKELEVEL",
        "MAKEFLAGS",
        "MFLAGS",
    ):
        env.pop(name, None)
    (tmp_path / "user.npmrc").write_text("", encoding="utf-8")
    env.update(
        npm_config_nodedir=str(headers),
        npm_config_cache=str(tmp_path / "npm-cache"),
        npm_config_userconfig=str(tmp_path / "user.npmrc"),
        npm_config_registry="http://127.0.0.1:9/",
        npm_config_update_notifier="false",
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_color="false",
        npm_config_foreground_scripts="false",
        HOME=str(tmp_path),
    )
    if path is not None:
        env["PATH"] = str(path)
    env.update(more)
    return env


def run(argv, cwd: Path, env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def project(folder: Path, manifest: dict | None = None) -> Path:
    folder.mkdir()
    text = json.dumps(manifest or {"name": "app", "version": "1.0.0"}, indent=2)
    (folder / "package.json").write_text(text, encoding="utf-8")
    return folder


def loads(app: Path, name: str, env: dict) -> subprocess.CompletedProcess:
    return run([NODE, "-e", f"console.log(require({name!r}).hello())"], app, env)


@pytest.fixture(scope="module")
def hello_tgz(tmp_path_factory) -> Path:
    """The one-file Node-API addon package every build test installs."""
    return addon(tmp_path_factory.mktemp("hello"), "hello-addon", "hello", NAPI_C)


@pytest.fixture(scope="module")
def why(entry):
    """Option 1's diagnose(), compiled once: log -> what the script prints (it must find a cause)."""
    namespace: dict = {"__name__": "why_gyp_failed"}
    exec(compile(entry.fixes[0].code, "why_gyp_failed.py", "exec"), namespace)

    def diagnose(log: str) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = namespace["diagnose"](log)
        assert status == 1, out.getvalue()  # a cause was found
        return out.getvalue()

    return diagnose


def signatures(entry) -> tuple[str, ...]:
    return entry.errors


def unprefixed(text: str) -> str:
    return "\n".join(re.sub(r"^npm (?:ERR!|error) ?", "", line) for line in text.splitlines())


def test_without_make_and_with_it(tmp_path, node_headers, hello_tgz, index, why, entry):
    app = project(tmp_path / "app")
    no_make = tool_folder(tmp_path / "no-make", r"make|gmake")
    failed = run([NPM, "install", "--offline", str(hello_tgz)], app, npm_env(tmp_path, node_headers, no_make))
    log = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert re.search(r"^npm (?:ERR!|error) command sh -c (?:-- )?node-gyp rebuild$", log, re.MULTILINE), log
    assert "gyp ERR! build error \ngyp ERR! stack Error: not found: make" in unprefixed(log)
    assert "gyp ERR! build error \ngyp ERR! stack Error: not found: make" in signatures(entry)
    assert_answers(index, SLUG, log)
    assert "CAUSE: no make" in why(log)

    # the toolchain Option 3 installs (make, a compiler, Python 3) is what the same install needed
    assert "build-essential python3" in option_blocks(SLUG, 3)[0][1]
    env = npm_env(tmp_path, node_headers, None)
    built = run([NPM, "install", "--offline", str(hello_tgz)], app, env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert loads(app, "hello-addon", env).stdout == "world\n"


def test_without_a_compiler(tmp_path, node_headers, hello_tgz, index, why, entry):
    app = project(tmp_path / "app")
    no_cc = tool_folder(tmp_path / "no-cc", COMPILERS)
    failed = run([NPM, "install", "--offline", str(hello_tgz)], app, npm_env(tmp_path, node_headers, no_cc))
    log = unprefixed(failed.stdout + failed.stderr)
    assert failed.returncode != 0
    assert re.search(r"^make: (?:cc|gcc|g\+\+): No such file or directory$", log, re.MULTILINE), log
    assert re.search(
        r"^make: \*\*\* \[hello\.target\.mk:\d+: Release/obj\.target/hello/hello\.o\] Error 127$",
        log,
        re.MULTILINE,
    ), log
    assert "gyp ERR! build error \ngyp ERR! stack Error: `make` failed with exit code: 2" in log
    assert any(
        s.startswith("CXX(target) Release/obj.target/hello/hello.o\nmake: g++: No such file")
        for s in signatures(entry)
    )
    assert_answers(index, SLUG, log)
    assert "CAUSE: no C/C++ compiler" in why(log)


def test_without_python_then_python_named_by_PYTHON(tmp_path, node_headers, hello_tgz, index, why, fix_code):
    app = project(tmp_path / "app")
    no_python = tool_folder(tmp_path / "no-python", PYTHONS)
    failed = run(
        [NPM, "install", "--offline", str(hello_tgz)], app, npm_env(tmp_path, node_headers, no_python)
    )
    log = unprefixed(failed.stdout + failed.stderr)
    assert failed.returncode != 0
    assert (
        "gyp ERR! configure error \ngyp ERR! stack Error: Could not find any Python installation to use"
        in log
    )
    assert re.search(
        r"^gyp ERR! find Python (?:--python was not set on the command line"
        r"|Python is not set from command line or npm configuration)$",
        log,
        re.MULTILINE,
    )
    assert_answers(index, SLUG, log)
    assert "CAUSE: node-gyp found no usable Python 3" in why(log)

    # Option 3: name the interpreter with PYTHON (npm 9+ refuses `npm config set python`)
    python = shutil.which("python3", path=os.pathsep.join(SYSTEM_BIN)) or shutil.which("python3")
    assert "export PYTHON=/path/to/python3" in fix_code(SLUG, 1)
    env = npm_env(tmp_path, node_headers, no_python, PYTHON=python)
    built = run([NPM, "install", "--offline", str(hello_tgz)], app, env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert loads(app, "hello-addon", env).stdout == "world\n"


def test_node_module_version_mismatch_and_npm_rebuild(tmp_path, node_headers, node_abi, index, why, entry):
    # the title says plainly that nothing failed to build and that `npm rebuild` fixes it
    assert "nothing failed to build" in entry.title and "`npm rebuild`" in entry.title
    pkg = addon(tmp_path, "better-sqlite3", "better_sqlite3", REGISTERED_C)
    app = project(tmp_path / "app")
    env = npm_env(tmp_path, node_headers, None)
    other = "93" if node_abi == "108" else "108"  # Node 16's or Node 18's: never this node's own
    stale = run(
        [NPM, "install", "--offline", str(pkg)],
        app,
        dict(env, CFLAGS=f"-DOTHER_NODE_MODULE_VERSION={other}"),
    )
    assert stale.returncode == 0, stale.stdout + stale.stderr
    refused = run([NODE, "-e", "require('better-sqlite3')"], app, env)
    assert refused.returncode != 0
    assert re.search(
        r"^Error: The module '.*/node_modules/better-sqlite3/build/Release/better_sqlite3\.node'\n"
        r"was compiled against a different Node\.js version using\n"
        rf"NODE_MODULE_VERSION {other}\. This version of Node\.js requires\nNODE_MODULE_VERSION {node_abi}\. ",
        refused.stderr,
        re.MULTILINE,
    ), refused.stderr
    assert "code: 'ERR_DLOPEN_FAILED'" in refused.stderr
    assert_answers(index, SLUG, refused.stderr)
    said = why(refused.stderr)
    assert f"the addon was compiled for ABI {other} (Node {'16' if other == '93' else '18'})" in said
    assert f"loaded by ABI {node_abi} (" in said and "nothing failed to build" in said
    # the package to rebuild, and npm 12's approval of its install script (it builds nothing without it)
    assert "npm rebuild better-sqlite3" in said and "npm approve-scripts better-sqlite3" in said

    # Option 2: `npm rebuild` with the node that runs the app
    (rebuild,) = [
        line.split("#")[0].strip()
        for line in option_blocks(SLUG, 2)[0][1].splitlines()
        if line.startswith("npm rebuild")
    ]
    done = run(rebuild.split(), app, env)
    assert done.returncode == 0, done.stdout + done.stderr
    loaded = run([NODE, "-e", "console.log(typeof require('better-sqlite3'))"], app, env)
    assert (loaded.returncode, loaded.stdout) == (0, "object\n"), loaded.stderr


# --- Option 4: a package that brings its own old node-gyp -----------------------------------------

OLD_GYP_OUTPUT = (
    "gyp info it worked if it ends with ok\n"
    "gyp info using node-gyp@9.4.1\n"
    'gyp info find Python using Python version 3.12.1 found at "/usr/local/bin/python3"\n'
    "Traceback (most recent call last):\n"
    '  File "{root}/node-gyp/gyp/gyp_main.py", line 42, in <module>\n'
    "    import gyp  # noqa: E402\n"
    "    ^^^^^^^^^^\n"
    '  File "{root}/node-gyp/gyp/pylib/gyp/__init__.py", line 9, in <module>\n'
    "    import gyp.input\n"
    '  File "{root}/node-gyp/gyp/pylib/gyp/input.py", line 19, in <module>\n'
    "    from distutils.version import StrictVersion\n"
    "ModuleNotFoundError: No module named 'distutils'\n"
    "gyp ERR! configure error \n"
    "gyp ERR! stack Error: `gyp` failed with exit code: 1\n"
    "gyp ERR! node-gyp -v v9.4.1\n"
    "gyp ERR! not ok \n"
)


def npm_node_gyp(env: dict, folder: Path) -> str:
    """bin/node-gyp.js of the node-gyp npm runs (its npm_config_node_gyp: npm's bundled copy, or
    Debian's /usr/share/nodejs/node-gyp for Debian's npm)."""
    project(
        folder,
        {
            "name": "probe",
            "version": "1.0.0",
            "scripts": {"where": "node -p process.env.npm_config_node_gyp"},
        },
    )
    found = run([NPM, "run", "--silent", "where"], folder, env).stdout.strip()
    assert found.endswith("node-gyp.js") and os.path.isfile(found), found
    return found


@pytest.fixture
def registry(tmp_path, node_headers):
    """A local registry: node-gyp 9.4.1 (stand-in printing the real 9.4.1's distutils failure) and
    11.5.0 (runs the node-gyp npm runs), left-pad 1.0.0 and 1.1.0, and hello-addon9, which depends on
    node-gyp 9.4.1."""
    old_bin = (
        "#!/usr/bin/env node\nprocess.stderr.write("
        + json.dumps(OLD_GYP_OUTPUT)
        + '.replaceAll("{root}", __dirname + "/../..")); process.exit(1)\n'
    )
    own = npm_node_gyp(npm_env(tmp_path, node_headers, None), tmp_path / "probe")
    new_bin = f"#!/usr/bin/env node\nrequire({own!r})\n"
    manifests = [
        (
            {"name": "node-gyp", "version": "9.4.1", "bin": {"node-gyp": "bin/node-gyp.js"}},
            {"bin/node-gyp.js": old_bin},
        ),
        (
            {"name": "node-gyp", "version": "11.5.0", "bin": {"node-gyp": "bin/node-gyp.js"}},
            {"bin/node-gyp.js": new_bin},
        ),
        ({"name": "left-pad", "version": "1.0.0", "main": "index.js"}, {"index.js": "module.exports = 1\n"}),
        ({"name": "left-pad", "version": "1.1.0", "main": "index.js"}, {"index.js": "module.exports = 2\n"}),
    ]
    addon_manifest = {
        "name": "hello-addon9",
        "version": "1.0.0",
        "main": "index.js",
        "gypfile": True,
        "dependencies": {"node-gyp": "9.4.1"},
        "scripts": {"install": "node-gyp rebuild"},
    }
    gyp = {"targets": [{"target_name": "hello", "sources": ["hello.c"]}]}
    manifests.append(
        (
            addon_manifest,
            {
                "binding.gyp": json.dumps(gyp),
                "hello.c": NAPI_C,
                "index.js": 'module.exports = require("./build/Release/hello.node");\n',
            },
        )
    )
    with serve_registry(manifests) as url:
        yield url


def locked(app: Path, name: str) -> str:
    return json.loads((app / "package-lock.json").read_text(encoding="utf-8"))["packages"][
        f"node_modules/{name}"
    ]["version"]


def test_option4_overrides_replace_a_packages_own_old_node_gyp(tmp_path, node_headers, registry, index, why):
    env = npm_env(tmp_path, node_headers, None, npm_config_registry=registry)
    app = project(tmp_path / "app")
    # a project whose lock pins left-pad 1.0.0 ("^1.0.0" allows the 1.1.0 the registry also has)
    laid_out = run([NPM, "install", "--ignore-scripts", "hello-addon9@1.0.0", "left-pad@1.0.0"], app, env)
    assert laid_out.returncode == 0, laid_out.stdout + laid_out.stderr
    assert (
        json.loads((app / "package.json").read_text(encoding="utf-8"))["dependencies"]["left-pad"] == "^1.0.0"
    )
    # Option 4's first block: `npm ls node-gyp` shows which node-gyp builds
    assert "npm ls node-gyp" in option_blocks(SLUG, 4)[0][1]
    shown = run([NPM, "ls", "node-gyp"], app, env)
    assert "hello-addon9@1.0.0" in shown.stdout and "node-gyp@9.4.1" in shown.stdout, shown.stdout
    failed = run([NPM, "rebuild", "hello-addon9"], app, env)  # its install script, as npm install runs it
    log = unprefixed(failed.stdout + failed.stderr)
    assert failed.returncode != 0
    assert "gyp info using node-gyp@9.4.1" in log  # the package's node-gyp, not npm's own
    assert (
        "from distutils.version import StrictVersion\nModuleNotFoundError: No module named 'distutils'" in log
    )
    assert "CAUSE: node-gyp 7 to 9 runs a gyp that imports distutils" in why(log)

    # Option 4's overrides, merged into the app's package.json, then Option 4's own commands
    (_, overrides), (_, commands) = option_blocks(SLUG, 4)[1:3]
    manifest = json.loads((app / "package.json").read_text(encoding="utf-8"))
    (app / "package.json").write_text(
        json.dumps({**manifest, **json.loads(overrides)}, indent=2), encoding="utf-8"
    )
    for line in commands.splitlines():
        argv = line.split("#")[0].replace("better-sqlite3", "hello-addon9").split()
        assert argv[0] == "npm" and "package-lock.json" not in line.split("#")[0], line
        done = run([NPM, *argv[1:]], app, env)
        assert done.returncode == 0, (line, done.stdout + done.stderr)
    assert locked(app, "node-gyp") == "11.5.0"
    assert locked(app, "left-pad") == "1.0.0"  # the lock kept what it pinned
    assert loads(app, "hello-addon9", env).stdout == "world\n"


# --- recorded outputs of the real releases ----------------------------------------------------------

RECORDED = {
    # node-gyp 10.0.0, Visual Studio lookup (a VS 2022 Build Tools without the C++ workload)
    "find VS": (
        "gyp info using node-gyp@10.0.0\n"
        "gyp ERR! find VS \n"
        "gyp ERR! find VS msvs_version not set from command line or npm config\n"
        "gyp ERR! find VS VCINSTALLDIR not set, not running in VS Command Prompt\n"
        "gyp ERR! find VS checking VS2022 (17.8.34330.188) found at:\n"
        'gyp ERR! find VS "C:\\Program Files (x86)\\Microsoft Visual Studio\\2022\\BuildTools"\n'
        'gyp ERR! find VS - "Visual Studio C++ core features" missing\n'
        "gyp ERR! find VS could not find a version of Visual Studio 2017 or newer to use\n"
        "gyp ERR! find VS not looking for VS2015 as it is only supported up to Node.js 18\n"
        "gyp ERR! find VS not looking for VS2013 as it is only supported up to Node.js 8\n"
        "gyp ERR! find VS \n"
        "gyp ERR! find VS **************************************************************\n"
        "gyp ERR! find VS You need to install the latest version of Visual Studio\n"
        'gyp ERR! find VS including the "Desktop development with C++" workload.\n'
        "gyp ERR! find VS For more information consult the documentation at:\n"
        "gyp ERR! find VS https://github.com/nodejs/node-gyp#on-windows\n"
        "gyp ERR! find VS **************************************************************\n"
        "gyp ERR! find VS \n"
        "gyp ERR! configure error \n"
        "gyp ERR! stack Error: Could not find any Visual Studio installation to use\n"
        "gyp ERR! node -v v20.20.2\n"
        "gyp ERR! node-gyp -v v10.0.0\n"
        "gyp ERR! not ok \n",
        "CAUSE: Windows: no Visual Studio",
    ),
    # node-gyp 12.4.0, an addon forcing -std=c++17, Node 24.11.1's headers
    "C++20": (
        "gyp info using node-gyp@12.4.0\n"
        "gyp info using node@24.11.1 | linux | x64\n"
        "  CXX(target) Release/obj.target/hello/hello.o\n"
        "In file included from /root/.cache/node-gyp/24.11.1/include/node/cppgc/common.h:8,\n"
        "                 from /root/.cache/node-gyp/24.11.1/include/node/v8.h:23,\n"
        "                 from /root/.cache/node-gyp/24.11.1/include/node/node.h:74,\n"
        "                 from ../hello.cc:1:\n"
        '/root/.cache/node-gyp/24.11.1/include/node/v8config.h:13:2: error: #error "C++20 or later required."\n'
        '   13 | #error "C++20 or later required."\n'
        "      |  ^~~~~\n"
        "/root/.cache/node-gyp/24.11.1/include/node/v8-local-handle.h:280:5: error: \u2018requires\u2019 does not name a type\n"
        "make: *** [hello.target.mk:110: Release/obj.target/hello/hello.o] Error 1\n"
        "gyp ERR! build error \n"
        "gyp ERR! stack Error: `make` failed with exit code: 2\n"
        "gyp ERR! node -v v24.11.1\n"
        "gyp ERR! node-gyp -v v12.4.0\n"
        "gyp ERR! not ok \n",
        "CAUSE: the headers of Node 23+ need C++20",
    ),
    # npm 11.19.1, better-sqlite3 12.4.1 on Node 26.3.0 (prebuild host answering 404)
    "V8 API, Node 26": (
        "npm error code 1\n"
        "npm error path /app/node_modules/better-sqlite3\n"
        "npm error command failed\n"
        "npm error command sh -c prebuild-install || node-gyp rebuild --release\n"
        "npm error prebuild-install warn install No prebuilt binaries found (target=26.3.0 runtime=node arch=x64 libc= platform=linux)\n"
        "npm error gyp info using node-gyp@12.4.0\n"
        "npm error gyp info using node@26.3.0 | linux | x64\n"
        "npm error ../src/better_sqlite3.cpp:49:41: error: \u2018class v8::Context\u2019 has no member named \u2018GetIsolate\u2019\n"
        "npm error ../src/objects/statement.cpp:381:50: error: \u2018const class v8::PropertyCallbackInfo<v8::Value>\u2019 has no member named \u2018This\u2019\n"
        "npm error gyp ERR! build error \n"
        "npm error gyp ERR! stack Error: `make` failed with exit code: 2\n"
        "npm error gyp ERR! node -v v26.3.0\n"
        "npm error gyp ERR! node-gyp -v v12.4.0\n"
        "npm error gyp ERR! $npm_package_name better-sqlite3\n"
        "npm error gyp ERR! $npm_package_version 12.4.1\n"
        "npm error gyp ERR! not ok\n",
        "this release of better-sqlite3 predates Node 26.3.0",
    ),
    # npm 11.19.1, better-sqlite3 7.6.2 on Node 20.20.2
    "V8 API, Node 20": (
        "npm error command sh -c prebuild-install || npm run build-release\n"
        "npm error ./src/util/macros.lzz:157:21: error: \u2018v8::AccessorSignature\u2019 has not been declared\n"
        "npm error ./src/util/binder.lzz:37:51: error: \u2018class v8::Object\u2019 has no member named \u2018CreationContext\u2019; did you mean \u2018GetCreationContext\u2019?\n"
        "npm error gyp ERR! build error \n"
        "npm error gyp ERR! stack Error: `make` failed with exit code: 2\n"
        "npm error gyp ERR! node -v v20.20.2\n"
        "npm error gyp ERR! $npm_package_name better-sqlite3\n"
        "npm error gyp ERR! $npm_package_version 7.6.2\n",
        "CAUSE: the addon's C++ calls V8 functions this Node no longer has",
    ),
    # @mapbox/node-pre-gyp 1.0.11 through bcrypt 5.1.1 (prebuild host answering 404), no make
    "node-pre-gyp": (
        "npm error command sh -c node-pre-gyp install --fallback-to-build\n"
        "npm error node-pre-gyp WARN Pre-built binaries not installable for bcrypt@5.1.1 and node@20.20.2 (node-v115 ABI, glibc) (falling back to source compile with node-gyp) \n"
        "npm error gyp ERR! build error \n"
        "npm error gyp ERR! stack Error: not found: make\n"
        "npm error node-pre-gyp ERR! build error \n",
        "npm found no prebuilt binary of bcrypt@5.1.1, so it compiled it on Node 20.20.2",
    ),
    # yarn 1.22.22 (`yarn add` of the addon tarball), no make on PATH
    "yarn 1": (
        "[4/4] Building fresh packages...\n"
        "error /app/node_modules/hello-addon: Command failed.\n"
        "Exit code: 1\n"
        "Command: node-gyp rebuild\n"
        "Arguments: \n"
        "Directory: /app/node_modules/hello-addon\n"
        "Output:\n"
        "gyp info it worked if it ends with ok\n"
        "gyp info using node-gyp@12.4.0\n"
        "gyp info using node@20.20.2 | linux | x64\n"
        "gyp ERR! build error \n"
        "gyp ERR! stack Error: not found: make\n"
        "gyp ERR! cwd /app/node_modules/hello-addon\n"
        "gyp ERR! node -v v20.20.2\n"
        "gyp ERR! node-gyp -v v12.4.0\n"
        "gyp ERR! $npm_package_name hello-addon\n"
        "gyp ERR! $npm_package_version 1.0.0\n"
        "gyp ERR! not ok\n",
        "CAUSE: no make",
    ),
    # node-gyp 7.1.2 on Python 3.11.7 (Node 18.20.8)
    "rU": (
        '    build_file_contents = open(build_file_path, "rU").read()\n'
        "ValueError: invalid mode: 'rU' while trying to load binding.gyp\n"
        "gyp ERR! configure error \n"
        "gyp ERR! stack Error: `gyp` failed with exit code: 1\n"
        "gyp ERR! node-gyp -v v7.1.2\n",
        "CAUSE: node-gyp 7 or older on Python 3.11+",
    ),
    # node-gyp 7.1.2 on Node 20.20.2 (`node-gyp rebuild`; the path is where npm 7 bundles it)
    "cflags": (
        "gyp ERR! UNCAUGHT EXCEPTION \n"
        "gyp ERR! stack TypeError: Cannot assign to read only property 'cflags' of object '#<Object>'\n"
        "gyp ERR! stack     at createConfigFile (/usr/lib/node_modules/npm/node_modules/node-gyp/lib/configure.js:117:21)\n"
        "gyp ERR! stack     at /usr/lib/node_modules/npm/node_modules/node-gyp/lib/configure.js:84:9\n"
        "gyp ERR! stack     at FSReqCallback.oncomplete (node:fs:187:23)\n"
        "gyp ERR! System Linux 6.18.44-fc-v1300\n"
        "gyp ERR! node -v v20.20.2\n"
        "gyp ERR! node-gyp -v v7.1.2\n"
        "gyp ERR! Node-gyp failed to build your package.\n"
        "gyp ERR! Try to update npm and/or node-gyp and if it does not help file an issue with the package author.\n",
        "CAUSE: node-gyp older than 8.2 on Node 19 or later",
    ),
}


# npm 6.14.18 (node-gyp 5.1.1) on Node 18.20.8 with Python 3.11.2, no install script: the full log
RECORDED["rU, npm 6"] = (
    "> hello-addon@1.0.0 install /app/node_modules/hello-addon\n"
    "> node-gyp rebuild\n"
    "\n"
    "(node:691) [DEP0150] DeprecationWarning: Setting process.config is deprecated. In the future the property will be read-only.\n"
    "Traceback (most recent call last):\n"
    '  File "/usr/lib/node_modules/npm/node_modules/node-gyp/gyp/gyp_main.py", line 50, in <module>\n'
    "    sys.exit(gyp.script_main())\n"
    '  File "/usr/lib/node_modules/npm/node_modules/node-gyp/gyp/pylib/gyp/input.py", line 234, in LoadOneBuildFile\n'
    "    build_file_contents = open(build_file_path, 'rU').read()\n"
    "                          ^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    "ValueError: invalid mode: 'rU' while trying to load binding.gyp\n"
    "gyp ERR! configure error \n"
    "gyp ERR! stack Error: `gyp` failed with exit code: 1\n"
    "gyp ERR! stack     at ChildProcess.onCpExit (/usr/lib/node_modules/npm/node_modules/node-gyp/lib/configure.js:351:16)\n"
    "gyp ERR! stack     at ChildProcess.emit (node:events:517:28)\n"
    "gyp ERR! stack     at ChildProcess._handle.onexit (node:internal/child_process:292:12)\n"
    "gyp ERR! System Linux 6.18.44-fc-v1300\n"
    'gyp ERR! command "/usr/bin/node" "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js" "rebuild"\n'
    "gyp ERR! cwd /app/node_modules/hello-addon\n"
    "gyp ERR! node -v v18.20.8\n"
    "gyp ERR! node-gyp -v v5.1.1\n"
    "gyp ERR! not ok \n"
    "npm WARN app@1.0.0 No description\n"
    "\n"
    "npm ERR! code ELIFECYCLE\n"
    "npm ERR! errno 1\n"
    "npm ERR! hello-addon@1.0.0 install: `node-gyp rebuild`\n"
    "npm ERR! Exit status 1\n",
    "CAUSE: node-gyp 7 or older on Python 3.11+",
)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_logs_hold_a_signature_and_option1_names_the_cause(name, entry, index, why):
    log, cause = RECORDED[name]
    text = unprefixed(log)
    assert any(unprefixed(signature) in text for signature in signatures(entry)), name
    assert_answers(index, SLUG, log)
    assert cause in why(log)


def test_option1_runs_on_every_python(fix_code, tmp_path):
    log, cause = RECORDED["V8 API, Node 26"]
    (tmp_path / "npm.log").write_text(log, encoding="utf-8")
    code = fix_code(SLUG, 1).replace(
        'if __name__ == "__main__":', 'if __name__ == "__main__":\n    sys.argv = ["x", "npm.log"]'
    )
    for version, exe in interpreters_by_version((3, 8), (3, 13)).items():
        result = run_script_on(exe, code, tmp_path)
        assert result.returncode == 1, (version, result.stderr)
        assert cause in result.stdout, version
        assert "npm view better-sqlite3@12.4.1 engines" in result.stdout, version


def test_option1_as_a_script_reads_stdin_and_powershells_utf16(fix_code, tmp_path):
    log, cause = RECORDED["yarn 1"]
    (tmp_path / "why_gyp_failed.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    python = shutil.which("python3") or "python3"
    piped = subprocess.run(
        [python, "why_gyp_failed.py", "-"], cwd=tmp_path, input=log.encode(), capture_output=True, check=False
    )
    assert piped.returncode == 1 and cause in piped.stdout.decode(), piped
    (tmp_path / "npm.log").write_bytes(log.encode("utf-16"))  # Windows PowerShell 5.1's `> npm.log`
    utf16 = run([python, "why_gyp_failed.py", "npm.log"], tmp_path, dict(os.environ))
    assert utf16.returncode == 1 and cause in utf16.stdout, utf16
    (tmp_path / "empty.log").write_text("", encoding="utf-8")
    empty = run([python, "why_gyp_failed.py", "empty.log"], tmp_path, dict(os.environ))
    assert empty.returncode == 0 and "no known cause found" in empty.stdout, empty


# `npm view npm@X engines.node`, 2026-12-07: what the npm Option 1 tells people to install runs on
NPM_ENGINES = {
    "10": "^18.17.0 || >=20.5.0",  # npm 10.9.9, bundles node-gyp 11.5.0
    "11": "^20.17.0 || >=22.9.0",  # npm 11.21.3
    "12": "^22.22.2 || ^24.15.0 || >=26.0.0",  # npm 12.2.3
    "latest": "^22.22.2 || ^24.15.0 || >=26.0.0",  # dist-tag latest: 12.2.3
}


def runs_on(node: str, engines: str) -> bool:
    """`node` satisfies an npm `engines` range made of `^a.b.c` and `>=a.b.c` alternatives."""
    have = tuple(int(x) for x in node.split("."))
    for alternative in engines.split("||"):
        op, low = re.fullmatch(r"\s*(\^|>=)(\d+\.\d+\.\d+)\s*", alternative).groups()
        floor = tuple(int(x) for x in low.split("."))
        if have >= floor and (op == ">=" or have[0] == floor[0]):
            return True
    return False


def fix_line(output: str, cause: str) -> str:
    (found,) = re.findall(rf"^CAUSE: {re.escape(cause)}.*\nFIX:   (.*)$", output, re.MULTILINE)
    return found


@pytest.mark.parametrize(
    ("log", "node", "cause"),
    [
        (
            OLD_GYP_OUTPUT + "gyp ERR! node -v v20.20.2\n",
            "20.20.2",
            "node-gyp 7 to 9 runs a gyp that imports distutils",
        ),
        (
            OLD_GYP_OUTPUT + "gyp ERR! node -v v18.20.8\n",
            "18.20.8",
            "node-gyp 7 to 9 runs a gyp that imports distutils",
        ),
        (RECORDED["rU"][0], "18.20.8", "node-gyp 7 or older on Python 3.11+"),
        (RECORDED["cflags"][0], "20.20.2", "node-gyp older than 8.2 on Node 19 or later"),
    ],
)
def test_option1_installs_an_npm_that_runs_on_the_node_of_the_log(why, log, node, cause):
    fix = fix_line(why(log), cause)
    specs = re.findall(r"npm install -g npm@(\S+?)[\s,;)]", fix + " ")
    assert specs, fix
    for spec in specs:
        assert runs_on(node, NPM_ENGINES[spec]), (spec, node, fix)


def test_option1_names_a_python_the_old_node_gyp_runs_on(why):
    # node-gyp 7.1.2 configured on Node 18.20.8: Python 3.10.13 ok, 3.11.7 'rU', 3.12.1 distutils;
    # node-gyp 9.4.1: 3.11.7 ok, 3.12.1 and 3.13.0 distutils; node-gyp 7.1.2 and 8.1.0 on Node 19.8.1
    # and 22.12.0 stop at 'cflags' with Python 3.10.13 and 3.11.7 alike
    said = {
        "rU": fix_line(why(RECORDED["rU"][0]), "node-gyp 7 or older on Python 3.11+"),
        "distutils": fix_line(why(OLD_GYP_OUTPUT), "node-gyp 7 to 9 runs a gyp that imports distutils"),
        "cflags": fix_line(why(RECORDED["cflags"][0]), "node-gyp older than 8.2 on Node 19 or later"),
    }
    newest = {"rU": 10, "distutils": 11}
    for cause, most in newest.items():
        minors = [int(m) for m in re.findall(r"python3\.(\d+)", said[cause])]
        assert minors and max(minors) <= most, (cause, said[cause])
    assert "PYTHON=" not in said["cflags"], said["cflags"]


# npm 12.2.3 on Node 26.3.0, hello-addon (binding.gyp, no install script) from a tarball: no build ran
NPM12_INSTALL = (
    "added 1 package in 1s\n"
    "npm warn install-scripts 1 package had install scripts blocked because they are not covered by allowScripts:\n"
    "npm warn install-scripts   hello-addon@1.0.0 (install: node-gyp rebuild)\n"
    "npm warn install-scripts\n"
    "npm warn install-scripts Run `npm install-scripts ls` to review, or `npm install-scripts approve <pkg>` to allow.\n"
)
NPM12_REBUILD = (
    "rebuilt dependencies successfully\n"
    "npm warn rebuild 1 package had install scripts blocked because they are not covered by allowScripts. "
    "Run `npm install-scripts ls` to review.\n"
)


def test_option1_npm12_blocked_build(why):
    said = why(NPM12_INSTALL)
    assert "CAUSE: npm 12 skipped the install script" in said
    assert "npm approve-scripts hello-addon, then npm rebuild hello-addon" in said
    assert "compiled" not in said.split("FIX:")[1]  # nothing was built: no advice about prebuilt binaries
    said = why(NPM12_REBUILD)  # names no package: the script says how to list them
    assert "npm 12 skipped the install script" in said and "npm install-scripts ls" in said


def test_look_alikes_are_not_this_entry(entry, index):
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text


# Errors that share words with the entry's signatures and are not about building an addon with
# node-gyp: a plain make, other npm lifecycle scripts, JavaScript's own frozen objects, Python
# scripts opening files with 'rU' (libretro/mame2016-libretro#63, Spanni26/pyHPSU#69), other gyp errors
NEAR_MISSES = [
    "make: g++: No such file or directory",
    "make: gcc: No such file or directory\nmake: *** [Makefile:12: all] Error 127",
    "TypeError: Cannot assign to read only property 'exports' of object '#<Object>'",
    "npm error code 1\nnpm error path /app\nnpm error command failed\nnpm error command sh -c tsc -p .",
    "npm ERR! command failed\nnpm ERR! command sh -c -- node scripts/build.js",
    "error /app/node_modules/esbuild: Command failed.\nExit code: 1\nCommand: node install.js",
    "ValueError: invalid mode: 'rU'",
    "Traceback (most recent call last):\n"
    '  File "/usr/lib/python3/dist-packages/HPSU/HPSU.py", line 53, in __init__\n'
    "    with open(commands_hpsu, 'rU',encoding='utf-8') as csvfile:\n"
    "ValueError: invalid mode: 'rU'",
    '  File "/home/u/mame2016/src/devices/cpu/tms57002/tmsmake.py", line 326, in LoadLst\n'
    '    for n, line in enumerate(open(filename, "rU")):\n'
    "ValueError: invalid mode: 'rU'\nGenerating mcs96 source file...",
    "error: no member named 'This' in 'MyWidget'",
    "gyp: binding.gyp not found (cwd: /home/whtest/node/works) while trying to load binding.gyp",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_not_this_entry(index, text):
    assert confident_answer(index, text) != SLUG, text
