"""http-read-timeout: the SDK timeout objects the entry publishes must be ones the SDKs accept.

Current openai/anthropic releases are built on httpx2, whose clients refuse an `httpx.Timeout` with a TypeError;
the entry used to publish `OpenAI(timeout=httpx.Timeout(...))`. The SDKs are not installed here, so the test checks
the mechanism on httpx2 itself and that no published fix passes an `httpx.Timeout` to an SDK client.
"""

import ast

import httpx
import httpx2
import pytest

SLUG = "http-read-timeout"
SDK_CLIENTS = {"OpenAI", "AsyncOpenAI", "Anthropic", "AsyncAnthropic", "AzureOpenAI"}


def test_httpx2_client_refuses_an_httpx_timeout():
    with pytest.raises(TypeError, match="Invalid timeout"):
        httpx2.Client(timeout=httpx.Timeout(60.0, connect=10.0))
    httpx2.Client(timeout=httpx2.Timeout(60.0, connect=10.0)).close()  # its own Timeout class is fine


def _sdk_calls_with_httpx_timeout(code: str) -> list[str]:
    bad = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in SDK_CLIENTS:
            continue
        for kw in node.keywords:
            if kw.arg == "timeout" and "httpx.Timeout" in ast.unparse(kw.value):
                bad.append(ast.unparse(node))
    return bad


@pytest.mark.parametrize("option", [1, 2])
def test_published_sdk_clients_do_not_get_an_httpx_timeout(fix_code, option):
    assert _sdk_calls_with_httpx_timeout(fix_code(SLUG, option)) == []


def test_the_check_catches_the_old_form():
    assert _sdk_calls_with_httpx_timeout("client = OpenAI(timeout=httpx.Timeout(900.0, connect=10.0))")
