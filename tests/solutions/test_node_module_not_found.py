"""Verified fix for solutions/node-module-not-found.md.

Reproduces Node's 'Cannot find module' errors with the real node (a missing package from CommonJS,
an extensionless relative import and a missing package from an ES module, a missing dist/ entry),
then runs the entry's own check (Option 1) on each and applies what it says: the suggested
'./utils.js' import makes the ES module run.
"""

import json
import shutil
import subprocess
import sys

import pytest

SLUG = "node-module-not-found"
NODE = shutil.which("node")
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
