"""Verified fix for solutions/openai-sdk-too-old.md.

The project does not install openai, so the old SDKs are fakes written to tmp_path with the same
shape as the real releases (0.28: no OpenAI class; 1.39: a client whose Beta has no `chat` and whose
Completions has no `parse`; 1.65: `beta.chat.completions.parse` only), each with a dist-info so
importlib.metadata reports its version. The tests reproduce the import/attribute errors, then run
the entry's own Option 1 (version report) and Option 2 (feature detection) code against them.
"""

from fake_site import fake_distribution
from pyrun import run_python

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


def _client_body(version: str, beta_chat: bool) -> str:
    body = CLIENT_1X.format(
        version=version,
        parse="",
        beta_chat="        self.chat = BetaChat()" if beta_chat else "        pass",
    )
    return (BETA_PARSE + body) if beta_chat else body


def test_reproduces_cannot_import_openai_on_028_and_option1_flags_it(fix_code, tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    fake_distribution(site, "openai", "0.28.1", {"openai/__init__.py": OPENAI_028})
    fake_distribution(site, "oldagent", "0.3", requires=["openai<1,>=0.27"])

    wrong = run_python("from openai import OpenAI", cwd=work, path=site)
    assert "ImportError: cannot import name 'OpenAI' from 'openai'" in wrong.stderr

    result = run_python(fix_code(SLUG, 1), cwd=work, path=site)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "openai: 0.28.1" in out
    assert "MISSING from openai import OpenAI" in out
    assert "requires oldagent 0.3: openai<1,>=0.27" in out
    assert '-m pip install -U "openai>=1.92"' in out


def test_option1_on_a_current_release_reports_nothing_missing(fix_code, tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    fake_distribution(
        site, "openai", "3.63.0", {"openai/__init__.py": _client_body("3.63.0", beta_chat=True)}
    )
    result = run_python(fix_code(SLUG, 1), cwd=work, path=site)
    assert result.returncode == 0, result.stderr
    assert "MISSING" not in result.stdout
    assert "upgrade:" not in result.stdout


def test_option1_on_139_lists_the_later_features(fix_code, tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    fake_distribution(
        site, "openai", "1.39.0", {"openai/__init__.py": _client_body("1.39.0", beta_chat=False)}
    )
    result = run_python(fix_code(SLUG, 1), cwd=work, path=site)
    assert result.returncode == 0, result.stderr
    assert "ok      from openai import OpenAI" in result.stdout
    assert "MISSING client.beta.chat.completions.parse" in result.stdout
    assert "MISSING client.responses" in result.stdout


def test_option2_fails_clearly_on_139_and_finds_beta_parse_on_165(fix_code, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    old_site = tmp_path / "old"
    fake_distribution(
        old_site, "openai", "1.39.0", {"openai/__init__.py": _client_body("1.39.0", beta_chat=False)}
    )
    wrong = run_python(
        "from openai import OpenAI\nOpenAI().beta.chat.completions.parse", cwd=work, path=old_site
    )
    assert "AttributeError: 'Beta' object has no attribute 'chat'" in wrong.stderr

    result = run_python(fix_code(SLUG, 2), cwd=work, path=old_site)
    assert result.returncode != 0
    assert "RuntimeError: openai 1.39.0 has no structured-output parse()" in result.stderr
    assert "AttributeError" not in result.stderr

    mid_site = tmp_path / "mid"
    fake_distribution(
        mid_site, "openai", "1.65.0", {"openai/__init__.py": _client_body("1.65.0", beta_chat=True)}
    )
    result = run_python(fix_code(SLUG, 2), cwd=work, path=mid_site)
    assert result.returncode == 0, result.stderr
    assert "openai 1.65.0: parse = BetaCompletions.parse, responses API: False" in result.stdout
