"""solutions/autogen-package-split.md, Option 2: the OpenAI model client for a current model id.

autogen-ext 0.7.5 only knows the model names in its own table (it stops at gpt-5), so
`OpenAIChatCompletionClient(model=<any newer id>)` raises `ValueError: model_info is required when
model name is not a valid OpenAI model` before any request. The entry's first version built the
client for gpt-4o-mini (shut down 2027-01-14); its current one reads OPENAI_MODEL (default
gpt-6-luna) and passes model_info. Building the client makes no request, so no key or network is
needed beyond the install.
"""

from verifylib import entry_program, python_blocks

AUTOGEN = ("autogen-agentchat==0.7.5", "autogen-ext[openai]==0.7.5")


def _option2() -> str:
    return python_blocks("autogen-package-split")[1][1]


def test_the_entry_builds_a_client_for_a_model_autogen_does_not_know(venv, tmp_path):
    env = venv(*AUTOGEN)
    driver = (
        "client = make_model_client()\n"
        "print(type(client).__name__, client._create_args['model'], client.model_info['family'])\n"
    )
    code, extra = entry_program(tmp_path, _option2(), driver)
    for model in ("gpt-6-luna", "gpt-6-sol"):
        run = env.run(code, env={**extra, "OPENAI_API_KEY": "sk-test", "OPENAI_MODEL": model}, timeout=120)
        assert run.returncode == 0, run.stderr
        assert run.stdout.split() == ["OpenAIChatCompletionClient", model, "unknown"]


def test_without_model_info_autogen_refuses_the_same_model(venv):
    env = venv(*AUTOGEN)
    run = env.run(
        "from autogen_ext.models.openai import OpenAIChatCompletionClient\n"
        "OpenAIChatCompletionClient(model='gpt-6-luna', api_key='sk-test')\n",
        timeout=120,
    )
    assert run.returncode != 0
    assert "ValueError: model_info is required when model name is not a valid OpenAI model" in run.stderr


def test_the_offline_demo_still_runs(venv, tmp_path):
    env = venv(*AUTOGEN)
    run = env.run(_option2(), unset=("OPENAI_API_KEY",), timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "assistant: Paris." in run.stdout
