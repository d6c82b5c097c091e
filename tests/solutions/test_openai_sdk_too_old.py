"""Verified fix for solutions/openai-sdk-too-old.md.

The project does not install openai, so the old SDKs are fakes written to tmp_path with the same
shape as the real releases (0.28: no OpenAI class; 1.39: a client whose Beta has no `chat` and whose
Completions has no `parse`; 1.65: `beta.chat.completions.parse` only), each with a dist-info so
importlib.metadata reports its version. The tests reproduce the import/attribute errors, then run
the entry's own Option 1 (version report) and Option 2 (feature detection) code against them.
"""

import os
import subprocess
import sys

SLUG = "openai-sdk-too-old"

OPENAI_028 = "__version__ = '0.28.1'\nclass ChatCompletion:\n    pass\n"

CLIENT_1X = """
__version__ = "{version}"


class Completions:
    def create(self, *, model, messages, max_tokens=None):
        return None
{parse}

class Chat:
    def __init__(self):
        self.completions = Completions()


class Beta:
    def __init__(self):
{beta_chat}
        self.assistants = object()


class OpenAI:
    def __init__(self, api_key=None):
        self.api_key = api_key
        self.chat = Chat()
        self.beta = Beta()
"""

BETA_PARSE = """

class BetaCompletions:
    def parse(self, **kwargs):
        return None


class BetaChat:
    def __init__(self):
        self.completions = BetaCompletions()
"""


def _fake_openai(root, version: str, body: str) -> None:
    pkg = root / "openai"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(body, encoding="utf-8")
    meta = root / f"openai-{version}.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: openai\nVersion: {version}\n", encoding="utf-8"
    )


def _client_body(version: str, beta_chat: bool) -> str:
    body = CLIENT_1X.format(
        version=version,
        parse="",
        beta_chat="        self.chat = BetaChat()" if beta_chat else "        pass",
    )
    return (BETA_PARSE + body) if beta_chat else body


def _run(code: str, site, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )


def test_reproduces_cannot_import_openai_on_028_and_option1_flags_it(fix_code, tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    _fake_openai(site, "0.28.1", OPENAI_028)
    pin = site / "oldagent-0.3.dist-info"
    pin.mkdir()
    (pin / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: oldagent\nVersion: 0.3\nRequires-Dist: openai<1,>=0.27\n",
        encoding="utf-8",
    )

    wrong = _run("from openai import OpenAI", site, work)
    assert "ImportError: cannot import name 'OpenAI' from 'openai'" in wrong.stderr

    result = _run(fix_code(SLUG, 1), site, work)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "openai: 0.28.1" in out
    assert "MISSING from openai import OpenAI" in out
    assert "requires oldagent 0.3: openai<1,>=0.27" in out
    assert '-m pip install -U "openai>=1.92"' in out


def test_option1_on_a_current_release_reports_nothing_missing(fix_code, tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    _fake_openai(site, "3.63.0", _client_body("3.63.0", beta_chat=True))
    result = _run(fix_code(SLUG, 1), site, work)
    assert result.returncode == 0, result.stderr
    assert "MISSING" not in result.stdout
    assert "upgrade:" not in result.stdout


def test_option1_on_139_lists_the_later_features(fix_code, tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    _fake_openai(site, "1.39.0", _client_body("1.39.0", beta_chat=False))
    result = _run(fix_code(SLUG, 1), site, work)
    assert result.returncode == 0, result.stderr
    assert "ok      from openai import OpenAI" in result.stdout
    assert "MISSING client.beta.chat.completions.parse" in result.stdout
    assert "MISSING client.responses" in result.stdout


def test_option2_fails_clearly_on_139_and_finds_beta_parse_on_165(fix_code, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    old_site = tmp_path / "old"
    _fake_openai(old_site, "1.39.0", _client_body("1.39.0", beta_chat=False))
    wrong = _run("from openai import OpenAI\nOpenAI().beta.chat.completions.parse", old_site, work)
    assert "AttributeError: 'Beta' object has no attribute 'chat'" in wrong.stderr

    result = _run(fix_code(SLUG, 2), old_site, work)
    assert result.returncode != 0
    assert "RuntimeError: openai 1.39.0 has no structured-output parse()" in result.stderr
    assert "AttributeError" not in result.stderr

    mid_site = tmp_path / "mid"
    _fake_openai(mid_site, "1.65.0", _client_body("1.65.0", beta_chat=True))
    result = _run(fix_code(SLUG, 2), mid_site, work)
    assert result.returncode == 0, result.stderr
    assert "openai 1.65.0: parse = BetaCompletions.parse, responses API: False" in result.stdout
