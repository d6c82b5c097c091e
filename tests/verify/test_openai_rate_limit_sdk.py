"""solutions/openai-rate-limit.md, Option 1, run with the real openai SDK against a local 429 server.

Checks what the entry claims: Retry-After is honoured in both forms (seconds and HTTP date),
insufficient_quota is not retried, and there is one retry layer only (client max_retries=0),
so N attempts send exactly N requests.
"""

import json

import pytest
from verifylib import python_blocks

SLUG = "openai-rate-limit"

DRIVER = r"""
import json, time
import openai
results = {}
for model in ("m-429-secs", "m-429-date", "m-429-quota", "m-429-always"):
    start = time.monotonic()
    try:
        create_with_backoff(max_attempts=3, model=model, messages=[{"role": "user", "content": "hi"}])
        outcome = "ok"
    except openai.RateLimitError as err:
        outcome = "RateLimitError:" + str(err.code)
    results[model] = [outcome, round(time.monotonic() - start, 2)]
print(json.dumps(results))
"""


def option_1_code() -> str:
    blocks = [code for info, code in python_blocks(SLUG)]
    parser, loop = blocks[0], blocks[1]
    loop = loop.split("\nresponse = create_with_backoff(")[0]  # the definitions, not the live call
    return parser + "\n" + loop + "\n" + DRIVER


@pytest.mark.parametrize("openai_version", ["3.63.0", "2.34.0"])
def test_option_1_against_a_local_429_server(venv, fake_api, openai_version):
    env = venv(f"openai=={openai_version}")
    run = env.run(
        option_1_code(),
        timeout=120,
        env={"OPENAI_API_KEY": "test", "OPENAI_BASE_URL": fake_api.url + "/v1"},
    )
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout.strip().splitlines()[-1])

    assert results["m-429-secs"][0] == "ok" and results["m-429-secs"][1] >= 1.0
    assert fake_api.count("m-429-secs") == 2
    assert results["m-429-date"][0] == "ok"  # float("<HTTP date>") crashed the first version here
    assert fake_api.count("m-429-date") == 2
    assert results["m-429-quota"][0] == "RateLimitError:insufficient_quota"
    assert fake_api.count("m-429-quota") == 1  # not retried
    assert results["m-429-always"][0] == "RateLimitError:rate_limit_exceeded"
    assert fake_api.count("m-429-always") == 3  # 3 attempts = 3 requests: no SDK retries nested inside


@pytest.mark.parametrize(
    ("openai_version", "shape"),
    [
        ("1.109.1", "body"),
        ("2.34.0", "body"),
        ("3.37.0", "body"),
        ("3.38.0", "message"),
        ("3.63.0", "message"),
    ],
)
def test_what_the_sdk_prints_for_a_429(venv, fake_api, openai_version, shape):
    """No version prints `Error code: 429 - rate_limit_exceeded`: up to 3.37 the body dict, from 3.38 the message."""
    env = venv(f"openai=={openai_version}")
    code = (
        "import openai, os\n"
        "c = openai.OpenAI(max_retries=0)\n"
        "try:\n"
        "    c.chat.completions.create(model='m-429-always', messages=[{'role': 'user', 'content': 'hi'}])\n"
        "except openai.RateLimitError as err:\n"
        "    print(err.code); print(str(err))\n"
    )
    run = env.run(code, timeout=60, env={"OPENAI_API_KEY": "test", "OPENAI_BASE_URL": fake_api.url + "/v1"})
    assert run.returncode == 0, run.stderr
    code_line, text = run.stdout.splitlines()[:2]
    assert code_line == "rate_limit_exceeded"
    assert text != "Error code: 429 - rate_limit_exceeded"
    if shape == "body":
        assert text.startswith("Error code: 429 - {'error': {'message': 'Rate limit reached")
    else:
        assert text == "Error code: 429 - Rate limit reached for requests per min (RPM)"


@pytest.mark.parametrize("openai_version", ["1.109.1", "3.63.0"])
def test_the_sdk_reads_openai_project_id_not_openai_project(venv, openai_version):
    env = venv(f"openai=={openai_version}")
    code = "import openai; c = openai.OpenAI(api_key='x'); print(c.project)"
    assert (
        env.run(code, env={"OPENAI_PROJECT_ID": "proj_a"}, unset=["OPENAI_PROJECT"]).stdout.strip()
        == "proj_a"
    )
    assert (
        env.run(code, env={"OPENAI_PROJECT": "proj_b"}, unset=["OPENAI_PROJECT_ID"]).stdout.strip() == "None"
    )
