"""A local stand-in for the Gemini API: scripted answers in the API's own error format, for the
verified-fix tests that run the real google-genai SDK against it (GOOGLE_GEMINI_BASE_URL)."""

from __future__ import annotations

from pyrun import run_python

MODEL = "gemini-2.5-flash"
REPLY = {"candidates": [{"content": {"role": "model", "parts": [{"text": "OK"}]}, "finishReason": "STOP"}]}


def error_body(code: int, status: str, message: str, details: list[dict] | None = None) -> dict:
    body: dict = {"code": code, "message": message, "status": status}
    if details is not None:
        body["details"] = details
    return {"error": body}


OVERLOADED = error_body(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
INTERNAL = error_body(
    500,
    "INTERNAL",
    "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
)


def run_client(base: str, code: str, cwd):
    """Run `code` with the SDK pointed at `base`, a test key, and no proxy in the way."""
    env = {
        "GEMINI_API_KEY": "test-key",
        "GOOGLE_API_KEY": None,
        "GOOGLE_GEMINI_BASE_URL": base,
        "NO_PROXY": "*",
    }
    return run_python(code, cwd=cwd, env=env, timeout=120)


# a Client nobody holds closes its HTTP client before the request: keep it in a name
CALL = f"""
from google import genai
client = genai.Client()
print(client.models.generate_content(model="{MODEL}", contents="hi").text)
"""
