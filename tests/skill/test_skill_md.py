"""SKILL.md follows the Agent Skills specification (agentskills.io/specification).

The rules checked are the spec's and its reference validators' (skills-ref, the
skill-creator's quick_validate): the six allowed keys, the name and description rules,
no flow-style YAML (skills-ref parses with strictyaml, which refuses it), metadata keys
and values. `name` must equal the folder name: the repository folder is `skill/`, the
installed folder is `synapse-ai/`, so the test validates an install copy.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SKILL_DIR = Path(__file__).resolve().parents[2] / "skill" / "synapse-ai"
ALLOWED_KEYS = {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def split_front_matter(text: str) -> tuple[str, str]:
    assert text.startswith("---\n"), "SKILL.md must start with a YAML front matter block"
    end = text.index("\n---\n", 4)
    return text[4:end], text[end + 5 :]


def validate_skill(folder: Path) -> list[str]:
    """Every rule the spec and its reference validators apply; returns the violations."""
    problems = []
    raw, body = split_front_matter((folder / "SKILL.md").read_text(encoding="utf-8"))
    meta = yaml.safe_load(raw)
    if not isinstance(meta, dict):
        return ["front matter is not a mapping"]
    if unexpected := set(meta) - ALLOWED_KEYS:
        problems.append(f"unexpected fields in frontmatter: {sorted(unexpected)}")
    if re.search(r"^\s*[^#\n]*:\s*[\[{]", raw, re.MULTILINE):
        problems.append("flow-style YAML ({…} or […]) is refused by strictyaml-based validators")

    name = meta.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 64 or not NAME_RE.match(name):
        problems.append(f"bad name {name!r}: 1-64 chars of a-z, 0-9 and single inner hyphens")
    elif name != folder.name:
        problems.append(f"name {name!r} does not match the folder name {folder.name!r}")
    elif "anthropic" in name or "claude" in name:
        problems.append("name uses a reserved word")

    description = meta.get("description")
    if not isinstance(description, str) or not 1 <= len(description.strip()) <= 1024:
        problems.append("description must be 1-1024 characters")
    elif "<" in description or ">" in description:
        problems.append("description must not contain < or >")

    compatibility = meta.get("compatibility")
    if compatibility is not None and (
        not isinstance(compatibility, str) or not 1 <= len(compatibility) <= 500
    ):
        problems.append("compatibility must be 1-500 characters")
    if "license" in meta and not isinstance(meta["license"], str):
        problems.append("license must be a string")

    metadata = meta.get("metadata", {})
    if not isinstance(metadata, dict) or not all(isinstance(k, str) for k in metadata):
        problems.append("metadata must map string keys to values")
    else:
        for key, value in metadata.items():
            # The spec asks for string values; OpenClaw reads its runtime data only from a
            # nested `metadata.openclaw` map (a JSON string there is ignored), so that one
            # namespace is a map. skills-ref stringifies it and accepts it.
            if key != "openclaw" and not isinstance(value, str):
                problems.append(f"metadata.{key} must be a string")
    if len(body.splitlines()) >= 500:
        problems.append("body must stay under 500 lines")
    return problems


@pytest.fixture
def installed(tmp_path) -> Path:
    """The skill folder as `clawhub install` leaves it: copied alone, named synapse-ai."""
    dest = tmp_path / "skills" / "synapse-ai"
    shutil.copytree(SKILL_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_installed_copy_named_synapse_ai_is_valid(installed):
    assert validate_skill(installed) == []


def test_the_repository_folder_is_valid_under_its_own_name():
    assert SKILL_DIR.name == "synapse-ai"
    assert validate_skill(SKILL_DIR) == []


def test_validator_catches_broken_front_matter(installed):
    skill_md = installed / "SKILL.md"
    text = skill_md.read_text()
    skill_md.write_text(
        text.replace("name: synapse-ai", "name: Synapse--AI\nversion: 1", 1).replace(
            "description: Finds", "description: Finds <b>", 1
        )
    )
    problems = validate_skill(installed)
    assert any("unexpected fields" in p for p in problems)
    assert any("bad name" in p for p in problems)
    assert any("< or >" in p for p in problems)


def test_description_tells_agents_to_use_it_on_any_error():
    meta = yaml.safe_load(split_front_matter((SKILL_DIR / "SKILL.md").read_text())[0])
    description = meta["description"]
    for trigger in ("ANY error", "exception", "traceback", "failed command", "non-zero exit"):
        assert trigger in description


def test_openclaw_metadata_declares_what_the_skill_needs_and_reads():
    meta = yaml.safe_load(split_front_matter((SKILL_DIR / "SKILL.md").read_text())[0])
    openclaw = meta["metadata"]["openclaw"]
    assert set(openclaw["requires"]["anyBins"]) == {"python3", "python"}
    declared = {v["name"] for v in openclaw["envVars"]}
    package = SKILL_DIR / "synapse_skill"
    used = set(re.findall(r"SYNAPSE_[A-Z_]+", "".join(p.read_text() for p in package.glob("*.py"))))
    assert used <= declared, f"ClawHub flags env vars used but not declared: {sorted(used - declared)}"
    assert all(v["required"] is False for v in openclaw["envVars"])


def test_body_documents_every_cli_command_and_the_privacy_flag():
    from synapse_skill.cli import build_parser

    body = split_front_matter((SKILL_DIR / "SKILL.md").read_text())[1]
    commands = build_parser()._subparsers._group_actions[0].choices
    for command in commands:
        assert f"synapse_skill.py {command}" in body or f"synapse-skill {command}" in body, command
    assert "--show-query" in body
    for script in re.findall(r"scripts/[\w.]+", body):
        assert (SKILL_DIR / script).is_file(), script


def test_the_agent_skills_validator_accepts_the_folder_and_refuses_a_renamed_copy(tmp_path):
    """The real validator (`agentskills validate`, PyPI skills-ref), as ClawHub and others run it."""
    validator = Path(sys.executable).with_name("agentskills")
    ok = subprocess.run([validator, "validate", SKILL_DIR], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    renamed = tmp_path / "skill"
    shutil.copytree(SKILL_DIR, renamed, ignore=shutil.ignore_patterns("__pycache__"))
    bad = subprocess.run([validator, "validate", renamed], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
    assert "must match skill name" in bad.stdout + bad.stderr


def test_skill_md_fits_the_security_review_window():
    """ClawHub's security review reads only the first 6,000 characters."""
    text = (SKILL_DIR / "SKILL.md").read_text(encoding="utf-8")
    assert len(text) <= 6000, len(text)
    meta = yaml.safe_load(split_front_matter(text)[0])
    description = meta["description"]
    assert len(description) <= 300, len(description)
    assert "SYNAPSE_URL" in description and "redacted" in description and "offline" in description


def test_safety_and_privacy_come_first_after_the_title():
    body = split_front_matter((SKILL_DIR / "SKILL.md").read_text(encoding="utf-8"))[1]
    headings = [line for line in body.splitlines() if line.startswith("#")]
    assert headings[0].startswith("# ")
    assert headings[1] == "## Safety"
    assert headings[2].startswith("## Privacy") and "what leaves the machine" in headings[2]
    when = body.index("## When to use it")
    assert body.index("## Safety") < when and body.index("## Privacy") < when
    safety = body[body.index("## Safety") : body.index("## Privacy")]
    assert "untrusted" in safety and "never run it blindly" in safety
    privacy = body[body.index("## Privacy") : when]
    for sent in ("redacted error lines", "site-packages/requests/models.py", "versions of the distributions"):
        assert sent in " ".join(privacy.split()), sent


def test_no_advice_that_cannot_work():
    """There is no `synapse-ai` distribution on PyPI; commands use the absolute script path."""
    root = SKILL_DIR.parents[1]
    texts = [SKILL_DIR / "SKILL.md", root / "README.md", *(SKILL_DIR / "synapse_skill").glob("*.py")]
    for path in texts:
        assert "synapse-ai[mcp]" not in path.read_text(encoding="utf-8"), path
    body = split_front_matter((SKILL_DIR / "SKILL.md").read_text(encoding="utf-8"))[1]
    assert "pip install mcp" in body
    assert "run from this skill's folder" not in body.lower()
    assert re.findall(r"python3 scripts/", body) == []
    assert "python3 <skill-folder>/scripts/synapse_skill.py run -- pytest" in body
