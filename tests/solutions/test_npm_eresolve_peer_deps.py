"""Verified fix for solutions/npm-eresolve-peer-deps.md.

The npm on PATH (Debian's 9.2.0 under `make test`; checked with npm 9.2.0 and 11.19.1 here) installs
from a local registry started by the test: packuments and tarballs built in memory, with the peer
ranges the real releases declare (npm view on 2026-12-06: next 14.2.30 `react ^18.2.0`, next 15.1.0
`^18.2.0 || 19.0.0-rc-de68d2f4-20241204 || ^19.0.0`, react-dom 18.3.1/19.0.0, @langchain/community
0.3.57 `@langchain/core >=0.3.58 <0.4.0`, @langchain/openai 1.0.0 `@langchain/core ^1.0.0`; next's
optional peers are left out). Nothing is fetched from the internet.

Real npm prints the entry's signatures: `ERESOLVE unable to resolve dependency tree` for React 19 with
Next.js 14, `ERESOLVE could not resolve` with `Conflicting peer dependency` for the two langchain peer
sets, the "Fix the upstream dependency conflict" sentence in this npm's wording, and `overriding peer
dependency` warnings with --force. Then the entry's own code runs: Option 1's commands (npm view, one
npm install of the agreeing versions, npm ls exiting 0), Option 2's package.json with `overrides`,
Option 3's --legacy-peer-deps plus `.npmrc` (npm ci passes with it and fails with ERESOLVE without it;
no peers are installed; npm ls exits 1).
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
from fake_npm_registry import serve_registry

from app.corpus.entries import parse_entry

SLUG = "npm-eresolve-peer-deps"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
NPM = shutil.which("npm")
BASH = shutil.which("bash")


@pytest.fixture(autouse=True)
def _npm_and_bash():
    if NPM is None or BASH is None:
        pytest.fail("these tests run npm and bash: make test installs Debian's nodejs and npm when missing")


NEXT15_RANGE = "^18.2.0 || 19.0.0-rc-de68d2f4-20241204 || ^19.0.0"
PACKAGES = [
    {"name": "react", "version": "18.3.1"},
    {"name": "react", "version": "19.0.0"},
    {"name": "react-dom", "version": "18.3.1", "peerDependencies": {"react": "^18.3.1"}},
    {"name": "react-dom", "version": "19.0.0", "peerDependencies": {"react": "^19.0.0"}},
    {"name": "next", "version": "14.2.30", "peerDependencies": {"react": "^18.2.0", "react-dom": "^18.2.0"}},
    {
        "name": "next",
        "version": "15.1.0",
        "peerDependencies": {"react": NEXT15_RANGE, "react-dom": NEXT15_RANGE},
    },
    {"name": "@langchain/core", "version": "0.3.80"},
    {"name": "@langchain/core", "version": "1.0.0"},
    {
        "name": "@langchain/community",
        "version": "0.3.57",
        "peerDependencies": {"@langchain/core": ">=0.3.58 <0.4.0"},
    },
    {"name": "@langchain/openai", "version": "1.0.0", "peerDependencies": {"@langchain/core": "^1.0.0"}},
]

NEXT14_REACT19 = {"next": "14.2.30", "react": "^19.0.0", "react-dom": "^19.0.0"}


@pytest.fixture(scope="module")
def registry():
    """A local npm registry serving PACKAGES (the last version listed is `latest`): its URL."""
    packages = [
        (manifest, {"index.js": f"module.exports = {json.dumps(manifest['version'])};\n"})
        for manifest in PACKAGES
    ]
    with serve_registry(packages) as url:
        yield url


@pytest.fixture
def npm_env(registry, tmp_path):
    (tmp_path / "user.npmrc").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith("npm_config_")}
    env.pop("NO_COLOR", None)
    env.update(
        npm_config_registry=registry,
        npm_config_cache=str(tmp_path / "npm-cache"),
        npm_config_userconfig=str(tmp_path / "user.npmrc"),
        npm_config_update_notifier="false",
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_color="false",
    )
    return env


def npm(args, cwd, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NPM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def project(folder: Path, dependencies: dict) -> Path:
    folder.mkdir(parents=True)
    manifest = {"name": "my-app", "version": "0.1.0", "dependencies": dependencies}
    (folder / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def unprefixed(text: str) -> str:
    """npm's log lines without their `npm ERR!` / `npm error` / `npm WARN` / `npm warn` prefix."""
    return "\n".join(
        re.sub(r"^npm (ERR!|error|WARN|warn) ?", "", line).rstrip() for line in text.splitlines()
    )


def signatures() -> tuple[str, ...]:
    return parse_entry(ENTRY).errors


def signature_containing(text: str) -> str:
    return next(s for s in signatures() if text in s)


def installed(folder: Path, name: str) -> str | None:
    manifest = folder / "node_modules" / name / "package.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["version"] if manifest.exists() else None


def fix_sentence(output: str) -> str:
    """The 'Fix the upstream dependency conflict' lines exactly as npm printed them."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "Fix the upstream dependency conflict" in line)
    end = next(i for i in range(start, len(lines)) if "dependency resolution." in lines[i])
    return "\n".join(lines[start : end + 1])


def test_react19_with_next14_is_eresolve_unable_to_resolve(tmp_path, npm_env):
    app = project(tmp_path / "app", NEXT14_REACT19)
    result = npm(["install"], app, npm_env)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(r"^npm (ERR!|error) code ERESOLVE$", out, re.MULTILINE)
    block = signature_containing('peer react@"^18.2.0" from next@14.2.30')
    assert unprefixed(block) in unprefixed(out)
    assert fix_sentence(out) in signatures()  # this npm's wording of the advice, word for word
    assert installed(app, "react") is None  # nothing was installed


def test_two_langchain_peer_sets_is_could_not_resolve(tmp_path, npm_env):
    app = project(tmp_path / "app", {"@langchain/community": "^0.3.57", "@langchain/openai": "^1.0.0"})
    result = npm(["install"], app, npm_env)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    block = signature_containing("Conflicting peer dependency: @langchain/core@1.0.0")
    assert unprefixed(block) in unprefixed(out)
    assert re.search(r"^npm (ERR!|error) ERESOLVE could not resolve$", out, re.MULTILINE)


def test_force_installs_with_overriding_peer_dependency_warnings(tmp_path, npm_env):
    app = project(tmp_path / "app", NEXT14_REACT19)
    result = npm(["install", "--force"], app, npm_env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    warning = re.search(r"^npm (WARN|warn) ERESOLVE overriding peer dependency$", out, re.MULTILINE)
    assert warning and warning.group(0) in {s.splitlines()[0] for s in signatures()}
    assert "While resolving: next@14.2.30\nFound: react@19.0.0" in unprefixed(out)


def test_option1_installs_agreeing_versions(tmp_path, npm_env):
    app = project(tmp_path / "app", NEXT14_REACT19)
    assert npm(["install"], app, npm_env).returncode != 0
    script = tmp_path / "option1.sh"
    script.write_text("set -e\n" + option_blocks(SLUG, 1)[0][1] + "\n", encoding="utf-8")
    result = subprocess.run(
        [BASH, str(script)], cwd=app, env=npm_env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr  # the closing `npm ls` exits 0 too
    assert "react: '^18.2.0'" in result.stdout  # what next@14.2.30 accepts
    assert f"react: '{NEXT15_RANGE}'" in result.stdout  # what the newest next accepts
    manifest = json.loads((app / "package.json").read_text(encoding="utf-8"))
    assert manifest["dependencies"]["next"] == "^15.1.0"
    assert (installed(app, "next"), installed(app, "react"), installed(app, "react-dom")) == (
        "15.1.0",
        "19.0.0",
        "19.0.0",
    )


def test_option2_overrides_let_next14_use_react19(tmp_path, npm_env):
    manifest = json.loads(option_blocks(SLUG, 2)[0][1])
    assert manifest["overrides"]["next"] == {"react": "$react", "react-dom": "$react-dom"}
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    result = npm(["install"], app, npm_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERESOLVE" not in result.stdout + result.stderr
    assert (installed(app, "next"), installed(app, "react"), installed(app, "react-dom")) == (
        "14.2.30",
        "19.0.0",
        "19.0.0",
    )
    listed = npm(["ls", "--all"], app, npm_env)
    assert listed.returncode == 0, listed.stdout + listed.stderr

    # the same manifest without its overrides is the entry's ERESOLVE
    del manifest["overrides"]
    plain = project(tmp_path / "plain", manifest["dependencies"])
    assert npm(["install"], plain, npm_env).returncode != 0


def test_option3_legacy_peer_deps_needs_the_npmrc_for_npm_ci(tmp_path, npm_env):
    app = project(tmp_path / "app", NEXT14_REACT19)
    script = tmp_path / "option3.sh"
    script.write_text("set -e\n" + option_blocks(SLUG, 3)[0][1] + "\n", encoding="utf-8")
    result = subprocess.run(
        [BASH, str(script)], cwd=app, env=npm_env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (app / ".npmrc").read_text(encoding="utf-8") == "legacy-peer-deps=true\n"
    assert (installed(app, "next"), installed(app, "react")) == ("14.2.30", "19.0.0")

    # the tree is "incorrect": npm ls says so
    listed = npm(["ls", "--all"], app, npm_env)
    assert listed.returncode == 1
    assert "invalid" in listed.stdout + listed.stderr

    # npm ci reads the committed .npmrc; without it, the same lockfile is ERESOLVE could not resolve
    shutil.rmtree(app / "node_modules")
    ci = npm(["ci"], app, npm_env)
    assert ci.returncode == 0, ci.stdout + ci.stderr
    (app / ".npmrc").rename(tmp_path / "npmrc.saved")
    strict = npm(["ci"], app, npm_env)
    out = strict.stdout + strict.stderr
    assert strict.returncode != 0
    assert re.search(r"^npm (ERR!|error) ERESOLVE could not resolve$", out, re.MULTILINE)
    assert "While resolving: next@14.2.30\nFound: react@19.0.0" in unprefixed(out)


def test_legacy_peer_deps_installs_no_peers(tmp_path, npm_env):
    app = project(tmp_path / "app", {"next": "14.2.30", "react-dom": "^19.0.0"})
    result = npm(["install", "--legacy-peer-deps"], app, npm_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert installed(app, "next") == "14.2.30" and installed(app, "react-dom") == "19.0.0"
    assert installed(app, "react") is None  # nobody's peer react was installed
    listed = npm(["ls", "--all"], app, npm_env)
    assert listed.returncode == 1 and "UNMET DEPENDENCY" in listed.stdout + listed.stderr
