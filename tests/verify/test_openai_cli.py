"""solutions/openai-v1-migration.md: which openai releases still have `openai migrate`.

The first version of the entry told readers to run `openai migrate`. The legacy CLI, and the
command with it, was removed in openai 2.35.0: current releases install no `openai` command.
"""

import pytest
from verifylib import run_command

WITH_CLI = ["1.109.1", "2.34.0"]
WITHOUT_CLI = ["2.35.0", "3.63.0"]


@pytest.mark.parametrize("version", WITH_CLI)
def test_old_releases_have_openai_migrate(venv, version):
    env = venv(f"openai=={version}")
    assert env.bin("openai").exists()
    run = run_command([str(env.bin("openai")), "migrate", "--help"], timeout=60)
    assert run.returncode == 0, run.stderr
    assert "usage: openai migrate" in run.stdout
    source = env.run("import inspect, openai.cli._tools.migrate as m; print(inspect.getsource(m))").stdout
    assert '"apply", "openai"' in source and "github.com/getgrit" in source  # what the command ran


@pytest.mark.parametrize("version", WITHOUT_CLI)
def test_current_releases_have_no_openai_command(venv, version):
    env = venv(f"openai=={version}")
    assert not env.bin("openai").exists()
    assert env.run("import openai.cli").returncode != 0
    assert env.run("import runpy; runpy.run_module('openai', run_name='__main__')").returncode != 0


@pytest.mark.parametrize("version", WITHOUT_CLI)
def test_the_removed_api_message_still_names_the_removed_command(venv, version):
    code = (
        "import openai\n"
        "try:\n"
        "    openai.ChatCompletion.create(model='x', messages=[])\n"
        "except Exception as err:\n"
        "    print(type(err).__name__); print(err)\n"
    )
    run = venv(f"openai=={version}").run(code, timeout=60)
    assert run.stdout.startswith("APIRemovedInV1")
    assert (
        "You tried to access openai.ChatCompletion, but this is no longer supported in openai>=1.0.0"
        in run.stdout
    )
    assert "openai migrate" in run.stdout  # a stale hint: see the entry's Symptom
