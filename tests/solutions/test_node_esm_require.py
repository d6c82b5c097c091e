"""Verified fix for solutions/node-esm-require.md.

Builds a CommonJS project with an ESM-only package in node_modules, reproduces ERR_REQUIRE_ESM with
the real node (`--no-experimental-require-module`, the behaviour of Node < 20.19 / 22.12) and
'Cannot use import statement outside a module', then runs the entry's own check (Option 1) on it
and shows that the dynamic import() from Option 2 loads the package from CommonJS.
"""

import json
import shutil
import subprocess
import sys

import pytest

SLUG = "node-esm-require"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs node on PATH")


def _project(root, exports="./index.js"):
    pkg = root / "node_modules" / "esm-only"
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text(
        json.dumps({"name": "esm-only", "version": "3.0.0", "type": "module", "exports": exports}),
        encoding="utf-8",
    )
    (pkg / "index.js").write_text('export default function hi() { return "hi"; }\n', encoding="utf-8")
    (root / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0"}), encoding="utf-8")


def _node(root, *args):
    return subprocess.run([NODE, *args], cwd=root, capture_output=True, text=True, timeout=60, check=False)


def _supports(flag: str) -> bool:
    return _node(".", flag, "-e", "0").returncode == 0


def test_reproduces_err_require_esm(tmp_path):
    if not _supports("--no-experimental-require-module"):
        pytest.skip("this node has no --no-experimental-require-module flag (it never had require(esm))")
    _project(tmp_path)
    (tmp_path / "index.js").write_text('const hi = require("esm-only");\n', encoding="utf-8")
    result = _node(tmp_path, "--no-experimental-require-module", "index.js")
    assert result.returncode != 0
    assert "ERR_REQUIRE_ESM" in result.stderr


def test_reproduces_import_outside_a_module(tmp_path):
    _project(tmp_path)
    (tmp_path / "index.js").write_text('import hi from "esm-only";\nconsole.log(hi());\n', encoding="utf-8")
    args = ["--no-experimental-detect-module"] if _supports("--no-experimental-detect-module") else []
    result = _node(tmp_path, *args, "index.js")
    assert result.returncode != 0
    assert "Cannot use import statement outside a module" in result.stderr


def test_option1_explains_and_option2_import_works(fix_code, tmp_path):
    _project(tmp_path)
    script = tmp_path / "esm_check.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    report = subprocess.run(
        [sys.executable, str(script), "esm-only", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert report.returncode == 0, report.stderr
    assert "your project: .js files are CommonJS" in report.stdout
    assert "esm-only 3.0.0: ESM-only" in report.stdout
    assert "=> require('esm-only')" in report.stdout

    (tmp_path / "index.js").write_text(
        'async function main() {\n  const { default: hi } = await import("esm-only");\n  console.log(hi());\n}\nmain();\n',
        encoding="utf-8",
    )
    args = ["--no-experimental-require-module"] if _supports("--no-experimental-require-module") else []
    result = _node(tmp_path, *args, "index.js")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hi"


def test_import_only_exports_cannot_be_required(fix_code, tmp_path):
    _project(tmp_path, exports={".": {"import": "./index.js"}})
    (tmp_path / "index.js").write_text('require("esm-only");\n', encoding="utf-8")
    result = _node(tmp_path, "index.js")
    assert result.returncode != 0
    assert "ERR_PACKAGE_PATH_NOT_EXPORTED" in result.stderr and 'No "exports" main defined' in result.stderr

    script = tmp_path / "esm_check.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    report = subprocess.run(
        [sys.executable, str(script), "esm-only", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "cannot resolve it on any Node (ERR_PACKAGE_PATH_NOT_EXPORTED" in report.stdout
