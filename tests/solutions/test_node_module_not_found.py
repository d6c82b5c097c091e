"""Verified fix for solutions/node-module-not-found.md.

Reproduces Node's 'Cannot find module' errors with the real node (a missing package from CommonJS,
an extensionless relative import and a missing package from an ES module, a missing dist/ entry),
then runs the entry's own check (Option 1) on each and applies what it says: the suggested
'./utils.js' import makes the ES module run.

The npx-cache cause is reproduced offline with the real npm: `npx --yes --offline file:<tarball>` installs
a packed demo package into `<cache>/_npx/<hash>/`, a file deleted there makes every later run fail with
ERR_MODULE_NOT_FOUND (ESM) or MODULE_NOT_FOUND (CommonJS), `npm cache clean --force` leaves it broken,
and the entry's Option 4 (run with bash) removes `_npx` so that the next npx run installs it again.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

SLUG = "node-module-not-found"
NODE = shutil.which("node")
NPM = shutil.which("npm")
NPX = shutil.which("npx")
BASH = shutil.which("bash")
needs_npm = pytest.mark.skipif(
    NPM is None or NPX is None or BASH is None, reason="needs npm, npx and bash on PATH"
)
pytestmark = pytest.mark.skipif(NODE is None, reason="needs node on PATH")


def _project(root):
    (root / "src").mkdir()
    (root / "package.json").write_text(
        json.dumps({"name": "app", "version": "1.0.0", "type": "module", "dependencies": {"zod": "^3.0.0"}}),
        encoding="utf-8",
    )
    (root / "src" / "utils.js").write_text("export const u = 41;\n", encoding="utf-8")
    (root / "src" / "index.js").write_text(
        'import { u } from "./utils";\nconsole.log(u + 1);\n', encoding="utf-8"
    )
    (root / "src" / "schema.js").write_text('import z from "zod";\n', encoding="utf-8")
    (root / "server.cjs").write_text('require("express");\n', encoding="utf-8")


def _node(root, *args):
    return subprocess.run([NODE, *args], cwd=root, capture_output=True, text=True, timeout=60, check=False)


def _check(fix_code, root, *args):
    script = root / "node_module_check.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_extension_found_and_fixed(fix_code, tmp_path):
    _project(tmp_path)
    failed = _node(tmp_path, "src/index.js")
    assert failed.returncode != 0
    assert "ERR_MODULE_NOT_FOUND" in failed.stderr and "imported from" in failed.stderr

    report = _check(fix_code, tmp_path, "./utils", "src/index.js")
    assert report.returncode == 1
    assert 'import from "./utils.js"' in report.stdout

    (tmp_path / "src" / "index.js").write_text(
        'import { u } from "./utils.js";\nconsole.log(u + 1);\n', encoding="utf-8"
    )
    fixed = _node(tmp_path, "src/index.js")
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == "42"


def test_declared_but_not_installed_package(fix_code, tmp_path):
    _project(tmp_path)
    failed = _node(tmp_path, "src/schema.js")
    assert "Cannot find package 'zod' imported from" in failed.stderr
    report = _check(fix_code, tmp_path, "zod", "src/schema.js")
    assert "zod is declared in dependencies but not installed" in report.stdout
    assert "npm ci" in report.stdout


def test_undeclared_package_from_commonjs(fix_code, tmp_path):
    _project(tmp_path)
    failed = _node(tmp_path, "server.cjs")
    assert "Error: Cannot find module 'express'" in failed.stderr and "Require stack" in failed.stderr
    report = _check(fix_code, tmp_path, "express", "server.cjs")
    assert "express is not in package.json: `npm install express`" in report.stdout


def test_missing_build_output(fix_code, tmp_path):
    _project(tmp_path)
    failed = _node(tmp_path, "dist/index.js")
    assert "Cannot find module" in failed.stderr and "dist" in failed.stderr
    report = _check(fix_code, tmp_path, str(tmp_path / "dist" / "index.js"))
    assert "run the build first" in report.stdout


def test_installed_package_is_reported(fix_code, tmp_path):
    _project(tmp_path)
    pkg = tmp_path / "node_modules" / "zod"
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text(json.dumps({"name": "zod", "version": "3.23.8"}), encoding="utf-8")
    report = _check(fix_code, tmp_path, "zod", "src/schema.js")
    assert report.returncode == 0
    assert "zod 3.23.8 is installed at" in report.stdout


def _npm_env(root):
    """npm with a scratch cache and config, no registry: everything it installs comes from local tarballs."""
    (root / "npmrc").write_text("", encoding="utf-8")
    return {
        **os.environ,
        "npm_config_cache": str(root / "npm-cache"),
        "npm_config_userconfig": str(root / "npmrc"),
        "npm_config_registry": "http://127.0.0.1:9/",
        "npm_config_offline": "true",
        "npm_config_update_notifier": "false",
        "npm_config_audit": "false",
        "npm_config_fund": "false",
    }


def _run(args, cwd, env):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def _packed_tool(root, env, name, files, module_type):
    """npm pack a tiny package with a bin into root/<name>-1.0.0.tgz."""
    src = root / "src" / name
    (src / "dist").mkdir(parents=True)
    manifest = {"name": name, "version": "1.0.0", "bin": {name: "dist/index.js"}}
    if module_type == "module":
        manifest["type"] = "module"
    (src / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    for rel, text in files.items():
        (src / rel).write_text(text, encoding="utf-8")
    packed = _run([NPM, "pack", str(src), "--pack-destination", str(root)], root, env)
    assert packed.returncode == 0, packed.stderr
    return root / f"{name}-1.0.0.tgz"


def _npx(root, env, tarball):
    (root / "run").mkdir(exist_ok=True)
    return _run([NPX, "--yes", "--offline", f"file:{tarball}"], root / "run", env)


def _cached_file(root, name, rel):
    """The file of the package inside npx's cache: <cache>/_npx/<hash>/node_modules/<name>/<rel>."""
    (hit,) = (root / "npm-cache" / "_npx").glob(f"*/node_modules/{name}/{rel}")
    return hit


def _option4(fix_code, root, env):
    script = root / "clear_npx.sh"
    script.write_text(fix_code(SLUG, 4), encoding="utf-8")
    return _run([BASH, str(script)], root, env)


@needs_npm
def test_broken_npx_cache_esm_cleared_by_option4(fix_code, tmp_path):
    env = _npm_env(tmp_path)
    tarball = _packed_tool(
        tmp_path,
        env,
        "demo-mcp-server",
        {
            "dist/index.js": '#!/usr/bin/env node\nimport { start } from "./server.js";\nstart();\n',
            "dist/server.js": 'export function start() { console.log("demo server ok"); }\n',
        },
        "module",
    )
    first = _npx(tmp_path, env, tarball)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "demo server ok"

    missing = _cached_file(tmp_path, "demo-mcp-server", "dist/server.js")
    importer = missing.with_name("index.js")
    assert missing.parent.parent.parent.parent.parent.name == "_npx"
    missing.unlink()  # what an interrupted or concurrent install leaves behind
    message = f"Error [ERR_MODULE_NOT_FOUND]: Cannot find module '{missing}' imported from {importer}"
    for _ in range(2):  # npx reuses the broken entry: it checks the package, not its files
        broken = _npx(tmp_path, env, tarball)
        assert broken.returncode != 0
        assert message in broken.stderr, broken.stderr

    cleaned = _run([NPM, "cache", "clean", "--force"], tmp_path / "run", env)
    assert cleaned.returncode == 0, cleaned.stderr
    assert not (tmp_path / "npm-cache" / "_cacache").exists()
    assert (tmp_path / "npm-cache" / "_npx").is_dir()  # clean --force leaves npx's installs alone
    assert message in _npx(tmp_path, env, tarball).stderr

    report = _check(fix_code, tmp_path, str(missing), str(importer))
    assert report.returncode == 1
    assert "runs from npx's cache" in report.stdout and "Option 4" in report.stdout

    cleared = _option4(fix_code, tmp_path, env)
    assert cleared.returncode == 0, cleared.stderr
    assert not (tmp_path / "npm-cache" / "_npx").exists()

    # the entry's warm-up: `npx -y -p PKG true` installs into the same _npx/<hash> the client's `npx -y PKG` uses
    warmed = _run([NPX, "--yes", "--offline", "-p", f"file:{tarball}", "true"], tmp_path / "run", env)
    assert warmed.returncode == 0, warmed.stderr
    assert _cached_file(tmp_path, "demo-mcp-server", "dist/server.js") == missing

    fixed = _npx(tmp_path, env, tarball)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == "demo server ok"
    assert len(list((tmp_path / "npm-cache" / "_npx").iterdir())) == 1


@needs_npm
def test_broken_npx_cache_commonjs_cleared_by_option4(fix_code, tmp_path):
    env = _npm_env(tmp_path)
    tarball = _packed_tool(
        tmp_path,
        env,
        "demo-cjs-tool",
        {
            "dist/index.js": '#!/usr/bin/env node\nrequire("./lib.js").start();\n',
            "dist/lib.js": 'exports.start = () => console.log("cjs tool ok");\n',
        },
        "commonjs",
    )
    assert _npx(tmp_path, env, tarball).stdout.strip() == "cjs tool ok"
    lib = _cached_file(tmp_path, "demo-cjs-tool", "dist/lib.js")
    lib.unlink()

    broken = _npx(tmp_path, env, tarball)
    assert broken.returncode != 0
    assert (
        f"Error: Cannot find module './lib.js'\nRequire stack:\n- {lib.with_name('index.js')}"
        in broken.stderr
    )
    assert "code: 'MODULE_NOT_FOUND'" in broken.stderr

    report = _check(fix_code, tmp_path, "./lib.js", str(lib.with_name("index.js")))
    assert "runs from npx's cache" in report.stdout

    assert _option4(fix_code, tmp_path, env).returncode == 0
    fixed = _npx(tmp_path, env, tarball)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == "cjs tool ok"
