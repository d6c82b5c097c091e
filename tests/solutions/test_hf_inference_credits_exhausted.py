"""Verified fix for solutions/hf-inference-credits-exhausted.md.

The real huggingface_hub 2.4.0 InferenceClient (base_url=) talks to a local server that answers as
router.huggingface.co does when credits are gone (402 with the Hub's JSON `error` and an
x-request-id), when rate limited (429 with Retry-After) and while a model loads (503 with
`estimated_time`). The exception text is the entry's 2.x signatures, no request is retried, the
entry's Option 1 classifies the real exceptions (and the texts of older releases and wrappers),
Option 2 waits the server's delay on 429/503 and stops at once on 402, and Option 4's whoami
check reads a local /api/whoami-v2 (HF_ENDPOINT) without calling any inference route.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from fake_http import chat_completion, json_server, scripted_servers
from pyrun import run_python

SLUG = "hf-inference-credits-exhausted"
RID = "Root=1-688b8386-259e81a24556b80a163e3d17;5ec89b2d-e0da-4255-90b6-f0c7e9577b38"
EXCEEDED = (
    "You have exceeded your monthly included credits for Inference Providers. "
    "Subscribe to PRO to get 20x more monthly included credits."
)
DEPLETED = (
    "You have depleted your monthly included credits. Purchase pre-paid credits to continue using "
    "Inference Providers. Alternatively, subscribe to PRO to get 20x more included credits."
)
RATE = (
    "Rate limit reached. You reached free usage limit (reset hourly). Please subscribe to a plan at "
    "https://huggingface.co/pricing to use the API at this rate"
)
LOADING = {"error": "Model meta-llama/Llama-3.2-1B-Instruct is currently loading", "estimated_time": 20.0}
REPLY = chat_completion("OK")
CREDITS_402 = (402, {"error": EXCEEDED}, [("x-request-id", RID)])
RATE_429 = (429, {"error": RATE}, [("x-request-id", RID), ("retry-after", "7")])
LOADING_503 = (503, LOADING, [("x-request-id", RID)])


@pytest.fixture
def router():
    """`router(*answers)` -> (base URL, script): a fresh local stand-in for router.huggingface.co."""
    with scripted_servers() as start:
        yield start


def _chat(base: str):
    from huggingface_hub import InferenceClient

    client = InferenceClient(base_url=base, api_key="hf_test")
    return client.chat_completion([{"role": "user", "content": "hi"}], max_tokens=5)


def _raise(base: str) -> BaseException:
    with pytest.raises(Exception) as info:
        _chat(base)
    return info.value


@pytest.fixture(scope="module")
def option1() -> dict:
    (language, code), *_ = option_blocks(SLUG, 1)
    assert language == "python"
    namespace: dict = {"__name__": "entry_option_1"}
    exec(compile(code, f"{SLUG}.md option 1", "exec"), namespace)
    return namespace


def test_402_text_is_the_entry_s_2x_signature_and_is_not_retried(router):
    from huggingface_hub.errors import HfHubHTTPError

    base, script = router(CREDITS_402)
    err = _raise(base)
    assert type(err) is HfHubHTTPError and isinstance(err, OSError)
    url = f"{base}/v1/chat/completions"
    assert str(err) == (
        f"Client error '402 Payment Required' for url '{url}' (Request ID: {RID})\n"
        "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/402\n\n"
        f"{EXCEEDED}"
    )
    assert err.server_message == EXCEEDED and err.request_id == RID
    assert script.paths == ["/v1/chat/completions"]  # one request: huggingface_hub never retries a 402


def test_429_and_503_texts_and_no_retry(router):
    base, script = router(RATE_429)
    err = _raise(base)
    url = f"{base}/v1/chat/completions"
    # 1.2.0+: a dedicated 429 branch whose message starts with "\n\n", so the request id comes first
    assert str(err) == f"(Request ID: {RID})\n\n429 Too Many Requests for url: {url}.\n{RATE}"
    assert len(script.paths) == 1

    base, script = router(LOADING_503)
    err = _raise(base)
    url = f"{base}/v1/chat/completions"
    assert str(err) == (
        f"Server error '503 Service Unavailable' for url '{url}' (Request ID: {RID})\n"
        "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/503\n\n"
        "Model meta-llama/Llama-3.2-1B-Instruct is currently loading"
    )
    assert len(script.paths) == 1  # 0.29.0+ no longer waits for a loading model


def test_option1_classifies_the_real_exceptions(router, option1):
    refusal = option1["hf_refusal"]
    base, _ = router(CREDITS_402)
    err = _raise(base)
    assert refusal(err)["kind"] == "credits" and refusal(err)["status"] == 402
    # a wrapper that keeps the error as __cause__ (smolagents' AgentGenerationError does)
    try:
        try:
            _chat(base)
        except Exception as inner:
            raise RuntimeError(f"Error in generating model output:\n{inner}") from inner
    except RuntimeError as wrapped:
        assert refusal(wrapped)["kind"] == "credits" and refusal(wrapped)["status"] == 402

    base, _ = router(RATE_429)
    report = refusal(_raise(base))
    assert report == {**report, "kind": "rate_limit", "status": 429, "retry_after": 7.0}

    base, _ = router(LOADING_503)
    report = refusal(_raise(base))
    assert report == {**report, "kind": "loading", "status": 503, "retry_after": 20.0}

    # a 402 without the known words is still credits; a 401 is not this entry
    base, _ = router((402, {"error": "Payment required"}))
    assert refusal(_raise(base))["kind"] == "credits"
    base, _ = router((401, {"error": "Invalid credentials in Authorization header"}))
    assert refusal(_raise(base))["kind"] == "other"


def _front_matter_list(name: str) -> list[str]:
    from app.corpus.entries import parse_entry

    solutions = Path(__file__).resolve().parents[2] / "solutions"
    return list(getattr(parse_entry(solutions / f"{SLUG}.md"), name))


def test_option1_on_every_signature_and_look_alike(option1):
    refusal = option1["hf_refusal"]
    expected = []
    for text in _front_matter_list("errors"):
        report = refusal(text)
        if "credits" in text:
            kind = "credits"
        elif "GPU quota" in text:
            kind = "zerogpu"
        elif "429" in text or "Rate limit" in text:
            kind = "rate_limit"
        else:
            kind = "loading"
        expected.append((text[:60], kind))
        assert (text[:60], report["kind"]) == (text[:60], kind)
    assert {kind for _, kind in expected} == {"credits", "rate_limit", "loading", "zerogpu"}
    assert (
        refusal("You have exceeded your free GPU quota (60s requested vs. 37s left). Try again in 0:12:34")[
            "retry_after"
        ]
        == 754.0
    )
    for text in _front_matter_list("not_errors"):
        # the Hub's own API rate-limits dataset listings too: a rate limit to back off from, but not
        # the inference quota this entry is about (its look-alike for the matcher, not for Option 1)
        expected = "rate_limit" if "/api/datasets/" in text else "other"
        assert refusal(text)["kind"] == expected, text


def test_option1_runs_as_published(tmp_path):
    (_, code), *_ = option_blocks(SLUG, 1)
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:4] == [
        "credits 402 None",
        "rate_limit 429 None",
        "loading None 20.0",
        "zerogpu None 754.0",
    ]


def _option2(tmp_path, base: str) -> str:
    """Option 2 with Option 1 saved as hf_refusal.py beside it, the client pointed at `base`, sleeps recorded."""
    (_, option1_code), *_ = option_blocks(SLUG, 1)
    (tmp_path / "hf_refusal.py").write_text(option1_code + "\n", encoding="utf-8")
    (_, code), *_ = option_blocks(SLUG, 2)
    body = code.split('if __name__ == "__main__":')[0]
    return (
        body
        + f"""
sleeps = []
time.sleep = lambda s: sleeps.append(round(s, 1))
client = InferenceClient(base_url="{base}", api_key="hf_test")
try:
    reply = call(client.chat_completion, [{{"role": "user", "content": "hi"}}], max_tokens=5)
    print("TEXT", reply.choices[0].message.content)
except Exception as err:
    print("RAISED", type(err).__name__, type(err.__cause__).__name__ if err.__cause__ else None)
print("SLEEPS", sleeps)
"""
    )


def _sleeps(stdout: str) -> list[float]:
    return [float(x) for x in re.findall(r"[\d.]+", stdout.split("SLEEPS", 1)[1])]


def test_option2_waits_the_server_delay_then_succeeds(router, tmp_path):
    base, script = router(RATE_429, LOADING_503, (200, REPLY))
    result = run_python(_option2(tmp_path, base), cwd=tmp_path, env={"NO_PROXY": "*"})
    assert result.returncode == 0, result.stderr
    assert "TEXT OK" in result.stdout and len(script.paths) == 3
    first, second = _sleeps(result.stdout)
    assert 7.0 <= first <= 8.0  # Retry-After: 7, plus up to 1 s of jitter
    assert 20.0 <= second <= 21.0  # estimated_time: 20


def test_option2_stops_at_once_on_credits(router, tmp_path):
    base, script = router(CREDITS_402)
    result = run_python(_option2(tmp_path, base), cwd=tmp_path, env={"NO_PROXY": "*"})
    assert "RAISED OutOfCredits HfHubHTTPError" in result.stdout, result.stderr
    assert len(script.paths) == 1 and _sleeps(result.stdout) == []


def test_option2_is_bounded(router, tmp_path):
    base, script = router(RATE_429)
    result = run_python(_option2(tmp_path, base), cwd=tmp_path, env={"NO_PROXY": "*"})
    assert "RAISED HfHubHTTPError" in result.stdout, result.stderr
    assert len(script.paths) == 4 and len(_sleeps(result.stdout)) == 3


def test_option4_reads_whoami_and_calls_no_inference_route(tmp_path):
    whoami = {
        "type": "user",
        "name": "alice",
        "isPro": False,
        "canPay": False,
        "orgs": [{"name": "acme"}],
        "auth": {"type": "access_token", "accessToken": {"displayName": "t", "role": "read"}},
    }
    quota = {"base": 210, "current": 0, "resetsAt": None}

    def answer(request):
        if request.path.startswith("/api/whoami-v2"):
            return 200, whoami
        if request.path.startswith("/api/spaces/zero-gpu/quota"):
            return 200, quota
        return 404, {"error": "not found"}

    paths: list[str] = []

    def recording(request):
        paths.append(request.path)
        return answer(request)

    with json_server(recording) as hub:
        (_, code), *_ = option_blocks(SLUG, 4)
        env = {"HF_ENDPOINT": hub, "HF_TOKEN": "hf_test", "HF_HOME": str(tmp_path / "hf"), "NO_PROXY": "*"}
        result = run_python(code, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "account: alice  PRO: False  can pay: False  token: read" in result.stdout
    assert "member of acme" in result.stdout
    assert "ZeroGPU: 0s of 210s left" in result.stdout
    assert "/api/whoami-v2" in paths and "/api/spaces/zero-gpu/quota" in paths
    # Hub API routes only (2.4.0 also fetches /api/agent-harnesses): no inference route, nothing billed
    assert all(p.startswith("/api/") and "completions" not in p for p in paths), paths
