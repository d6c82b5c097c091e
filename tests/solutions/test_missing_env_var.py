"""Verified fix for solutions/missing-env-var.md.

Reproduces `KeyError: 'OPENAI_API_KEY'` from a real `os.environ[...]` lookup in a clean child
process, then runs the entry's own Option 1 code in the same conditions: with a `.env` file it
finds the value; without one it stops with a clear message instead of a KeyError.
"""

from pyrun import run_python

SLUG = "missing-env-var"
FAKE_KEY = "sk-test-not-a-real-key-0123456789"


def _run(code: str, cwd):
    return run_python(code, cwd=cwd, env={"OPENAI_API_KEY": None})


def test_reproduces_keyerror_for_unset_variable(tmp_path):
    # WRONG: direct lookup, with the key only present in a .env file nobody loads
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={FAKE_KEY}\n", encoding="utf-8")
    result = _run('import os\nkey = os.environ["OPENAI_API_KEY"]\n', tmp_path)
    assert result.returncode != 0
    assert "KeyError: 'OPENAI_API_KEY'" in result.stderr


def test_reproduces_typeerror_when_assigning_none(tmp_path):
    result = _run('import os\nos.environ["OPENAI_API_KEY"] = os.getenv("MY_OPENAI_KEY")\n', tmp_path)
    assert result.returncode != 0
    assert "TypeError: str expected, not NoneType" in result.stderr


def test_option1_loads_dotenv_from_cwd(fix_code, tmp_path):
    (tmp_path / ".env").write_text(
        f'# comment\nexport OTHER=1\nOPENAI_API_KEY="{FAKE_KEY}"\n', encoding="utf-8"
    )
    result = _run(fix_code(SLUG), tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"OPENAI_API_KEY is set ({len(FAKE_KEY)} characters)" in result.stdout
    assert FAKE_KEY not in result.stdout  # the secret itself is never printed
    assert "KeyError" not in result.stderr


def test_option1_finds_dotenv_in_a_parent_directory(fix_code, tmp_path):
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={FAKE_KEY}\n", encoding="utf-8")
    nested = tmp_path / "src" / "agent"
    nested.mkdir(parents=True)
    result = _run(fix_code(SLUG), nested)
    assert result.returncode == 0, result.stderr
    assert "OPENAI_API_KEY is set" in result.stdout


def test_option1_real_environment_wins_over_dotenv(fix_code, tmp_path):
    (tmp_path / ".env").write_text("OPENAI_API_KEY=short\n", encoding="utf-8")
    result = run_python(fix_code(SLUG), cwd=tmp_path, env={"OPENAI_API_KEY": FAKE_KEY})
    assert result.returncode == 0, result.stderr
    assert f"({len(FAKE_KEY)} characters)" in result.stdout


def test_option1_without_any_source_gives_a_clear_message_not_a_keyerror(fix_code, tmp_path):
    result = _run(fix_code(SLUG), tmp_path)
    assert result.returncode == 1
    assert "Missing environment variable OPENAI_API_KEY (no .env file was found)" in result.stderr
    assert "export OPENAI_API_KEY=" in result.stderr
    assert "KeyError" not in result.stderr
