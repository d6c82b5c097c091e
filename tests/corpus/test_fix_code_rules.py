"""Fix code is run, judged by safety rules, and tracked for staleness (app.corpus.verify/safety/staleness)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from app.corpus import safety, staleness
from app.corpus import verify as verify_module
from app.corpus.entries import CodeBlock, code_blocks, parse_text
from app.corpus.verify import requirements, run_block, runnable_here


def entry_with(*blocks: str, front: str = "") -> str:
    body = "\n".join(f"### Option {i}: o{i}\n{block}\n" for i, block in enumerate(blocks, start=1))
    return f"---\ntitle: T\nerrors: ['ValueError: x']\ntags: [t]\n{front}---\n## Symptom\ns\n## Root cause\nr\n## Fix\n{body}"


def test_blocks_run_and_are_judged_by_their_attributes():
    text = entry_with(
        "```python\nprint('fixed')\n```",
        "```python\nraise SystemExit(3)\n```",
        '```python raises="ModuleNotFoundError"\nimport not_a_module_anywhere\n```',
        '```python norun="needs a CUDA GPU"\nimport torch\n```',
    )
    entry = parse_text(text, slug="blocks")
    statuses = [run_block(entry, block) for block in code_blocks(text)]
    assert [r.status for r in statuses] == ["passed", "failed", "passed", "skipped"]
    assert "exit 3" in statuses[1].detail and statuses[3].detail == "needs a CUDA GPU"


def test_a_block_that_reaches_for_the_network_fails_fast():
    text = entry_with(
        "```python\nimport urllib.request\nurllib.request.urlopen('http://example.com', timeout=30)\n```"
    )
    entry = parse_text(text, slug="net")
    [result] = [run_block(entry, b) for b in code_blocks(text)]
    assert result.status == "failed" and "refused" in result.detail.lower()


def test_requirements_come_from_imports_or_deps():
    plain = CodeBlock("python", {}, "import yaml, json\nfrom cv2 import imread\n", 1)
    assert requirements(plain) == ["opencv-python", "pyyaml"]
    pinned = CodeBlock("python", {"deps": "openai==2.8.0 httpx"}, "import openai\n", 1)
    assert requirements(pinned) == ["httpx", "openai==2.8.0"]
    assert runnable_here(CodeBlock("python", {}, "import json\n", 1))
    assert not runnable_here(CodeBlock("python", {}, "import not_a_module_anywhere\n", 1))


@pytest.mark.parametrize(
    ("code", "language", "flagged"),
    [
        ("python -m pip uninstall -y numpy", "bash", True),
        ("pip show jwt >/dev/null && pip uninstall -y jwt", "bash", False),
        ("docker system prune -f  # destructive: removes stopped containers", "bash", False),
        ("rm -rf /var/lib/apt/lists/*", "dockerfile", False),
        ("rm -rf ~/project", "bash", True),
        ("requests.get(url, verify=False)", "python", True),
        ("requests.get(url, verify=False)  # insecure: a throwaway local test server only", "python", False),
        ("curl -k https://example.com", "bash", True),
        ("import tenacity\n@tenacity.retry(wait=tenacity.wait_fixed(1))\ndef f(): pass", "python", True),
        (
            "import tenacity\n@tenacity.retry(stop=tenacity.stop_after_attempt(3))\ndef f(): pass",
            "python",
            False,
        ),
        (
            "from openai import OpenAI\nclient = OpenAI(max_retries=5)\nfor attempt in range(6):\n    pass",
            "python",
            True,
        ),
        (
            "from openai import OpenAI\nclient = OpenAI(max_retries=0)\nfor attempt in range(6):\n    pass",
            "python",
            False,
        ),
    ],
)
def test_safety_rules(code, language, flagged):
    assert bool(safety.findings(CodeBlock(language, {}, code, 10))) is flagged


def test_staleness_names_newer_releases_retired_models_and_unchecked_entries():
    today = dt.date(2026, 12, 5)
    old = parse_text(
        entry_with(
            "```python\nprint(1)\n```", front="checked: {date: 2026-01-01, packages: {openai: '1.40.0'}}\n"
        ),
        slug="old",
    )
    assert staleness.stale_reasons(old, {"openai": "2.8.0"}, {}, today) == [
        "openai checked at 1.40.0, 2.8.0 is out"
    ]
    assert staleness.stale_reasons(old, {"openai": "1.40.9"}, {}, today) == []  # a patch release is not news
    model = parse_text(
        entry_with(
            "```python\nmodel = 'claude-3-opus-20240229'\n```",
            front="checked: {date: 2026-01-01, packages: {}}\n",
        ),
        slug="model",
    )
    assert staleness.stale_reasons(model, {}, {"claude-3-opus-20240229": "2026-01-05"}, today) == [
        "names claude-3-opus-20240229, retired on 2026-01-05"
    ]
    never = parse_text(entry_with("```python\nprint(1)\n```"), slug="never")
    assert staleness.stale_reasons(never, {}, {}, today)[0].startswith("never checked")


def test_a_failed_install_fails_its_blocks_and_the_run_goes_on(tmp_path, monkeypatch):
    text = entry_with(
        "```python\nimport not_on_pypi_xyz\n```",
        "```python\nimport not_on_pypi_xyz\nprint(1)\n```",
        "```python\nprint('fixed')\n```",
    )
    entry = parse_text(text, slug="install")
    real_run, pip_calls = subprocess.run, []

    def fake_run(argv, *args, **kwargs):
        if list(argv[1:3]) == ["-m", "pip"]:
            pip_calls.append(argv)
            stderr = "WARNING: Location 'file:///x' is ignored\nERROR: No matching distribution found for not_on_pypi_xyz\n"
            raise subprocess.CalledProcessError(1, argv, "", stderr)
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(verify_module, "CACHE", tmp_path)
    monkeypatch.setattr(verify_module.venv, "create", lambda *args, **kwargs: None)
    monkeypatch.setattr(verify_module.subprocess, "run", fake_run)
    results = verify_module.verify([entry], full=True)
    assert [r.status for r in results] == ["failed", "failed", "passed"]
    assert results[0].detail == (
        "cannot install not_on_pypi_xyz: ERROR: No matching distribution found for not_on_pypi_xyz"
    )
    assert len(pip_calls) == 1  # pip is not asked again for the same requirements in one run
    assert not list(tmp_path.glob("*/.ready"))  # nothing half-built is cached as ready


def test_replacements_swap_a_distribution_and_say_so(monkeypatch):
    assert verify_module.distribution("Flask_SQLAlchemy[async]>=3") == "flask-sqlalchemy"
    assert verify_module.replaced(["numpy", "torch==2.15.0"], "torch==2.13.0+cpu") == [
        "numpy",
        "torch==2.13.0+cpu",
    ]
    assert verify_module.replaced(["numpy"], "torch==2.13.0+cpu") == ["numpy"]
    text = entry_with('```python deps="torch==2.15.0"\nprint(1)\n```', "```python\nprint(2)\n```")
    installed = []

    def python_for(reqs):
        installed.append(reqs)
        return Path(sys.executable)

    monkeypatch.setattr(verify_module, "python_for", python_for)
    monkeypatch.setenv("SYNAPSE_VERIFY_REPLACE", "torch==2.13.0+cpu")
    results = verify_module.verify([parse_text(text, slug="swap")], full=True)
    assert installed == [["torch==2.13.0+cpu"], []]
    assert [(r.status, r.detail) for r in results] == [
        ("passed", "with torch==2.13.0+cpu instead of torch==2.15.0"),
        ("passed", ""),
    ]
