"""Verified fix for solutions/gemini-empty-response.md.

google-genai 3.6.1 (installed in the project) runs for real against a local server that answers as the
Gemini API does when a reply carries no text (MAX_TOKENS after thinking, a SAFETY block, a blocked
prompt): `.text` is None, with no exception and no warning. The deprecated google-generativeai is not
installed, so a fake in tmp_path stands in for it: `BaseGenerateContentResponse.parts` / `.text` and
`ChatSession._check_response` are copied word for word from google-generativeai 0.8.6
(google/generativeai/types/generation_types.py, generative_models.py), on proto-like stand-ins whose
enum numbers are google-ai-generativelanguage 0.6.15's and whose str() is protobuf's text format, as
the real proto-plus messages print. The tests reproduce the entry's signatures, then run the entry's
own Option 1 on both SDKs' responses and assert it names the reason instead of failing.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from fake_gemini import MODEL, run_client
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "gemini-empty-response"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"

# --- the Gemini API's answers (REST JSON, camelCase) ------------------------------------------------
MAX_TOKENS = {
    "candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS", "index": 0}],
    "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 107, "thoughtsTokenCount": 99},
    "modelVersion": MODEL,
}
SAFETY = {
    "candidates": [
        {
            "finishReason": "SAFETY",
            "index": 0,
            "safetyRatings": [
                {"category": "HARM_CATEGORY_HARASSMENT", "probability": "MEDIUM", "blocked": True}
            ],
        }
    ]
}
PROMPT_BLOCKED = {
    "promptFeedback": {
        "blockReason": "SAFETY",
        "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}],
    }
}
TEXT = {"candidates": [{"content": {"role": "model", "parts": [{"text": "OK"}]}, "finishReason": "STOP"}]}


def _option1_module(fix_code, tmp_path) -> None:
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")


GENAI_DRIVER = f"""
from google import genai
from fix import EmptyGeminiResponse, response_text, why_no_text

client = genai.Client()
response = client.models.generate_content(model="{MODEL}", contents="hi")
print("TEXT", repr(response.text))
try:
    print("GOT", response_text(response))
except EmptyGeminiResponse as err:
    print("REASON", err)
"""


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (MAX_TOKENS, "MAX_TOKENS: the output budget ran out before any text (99 tokens went to thinking)"),
        (SAFETY, "SAFETY: the answer was blocked by the safety filters ['HARM_CATEGORY_HARASSMENT']"),
        (PROMPT_BLOCKED, "prompt blocked (SAFETY): the input was refused"),
    ],
)
def test_google_genai_returns_none_and_option1_names_the_reason(gemini, fix_code, tmp_path, body, reason):
    _option1_module(fix_code, tmp_path)
    base, script = gemini((200, body))
    result = run_client(base, GENAI_DRIVER, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "TEXT None" in result.stdout  # the SDK's own accessor: None, silently
    assert "Warning" not in result.stderr and script.requests == 1
    assert f"REASON {reason}" in result.stdout


def test_option1_passes_text_through(gemini, fix_code, tmp_path):
    _option1_module(fix_code, tmp_path)
    base, _ = gemini((200, TEXT))
    result = run_client(base, GENAI_DRIVER, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "TEXT 'OK'" in result.stdout and "GOT OK" in result.stdout and "REASON" not in result.stdout


def test_option1_runs_as_published(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "thinking used the budget: .text=None -> MAX_TOKENS:" in out
    assert "(99 tokens went to thinking); see Option 2" in out
    assert "answer blocked: .text=None -> SAFETY:" in out and "see Option 3" in out
    assert "prompt blocked: .text=None -> prompt blocked (SAFETY)" in out
    assert "ok: .text='Hi!' -> Hi!" in out


# --- google-generativeai 0.8.6, faked ----------------------------------------------------------------
# Enum numbers of google-ai-generativelanguage 0.6.15 (the release google-generativeai 0.8.6 pins).
PROTOS = r'''
import enum


class _Enum(enum.IntEnum):
    pass


class FinishReason(_Enum):
    FINISH_REASON_UNSPECIFIED = 0
    STOP = 1
    MAX_TOKENS = 2
    SAFETY = 3
    RECITATION = 4
    OTHER = 5
    LANGUAGE = 6
    BLOCKLIST = 7
    PROHIBITED_CONTENT = 8
    SPII = 9
    MALFORMED_FUNCTION_CALL = 10
    IMAGE_SAFETY = 11


class BlockReason(_Enum):
    BLOCK_REASON_UNSPECIFIED = 0
    SAFETY = 1
    OTHER = 2
    BLOCKLIST = 3
    PROHIBITED_CONTENT = 4
    IMAGE_SAFETY = 5


class _Message:
    """Fields printed in protobuf text format, as proto-plus messages print (unset fields omitted)."""

    _fields = ()

    def __init__(self, **kw):
        for name in self._fields:
            setattr(self, name, kw.get(name, self._default(name)))

    def _default(self, name):
        return None

    def __str__(self):
        out = []
        for name in self._fields:
            value = getattr(self, name)
            if isinstance(value, list):
                for item in value:
                    out.append(name + " {\n" + _indent(item) + "}\n")
            elif isinstance(value, bool):
                if value:
                    out.append(f"{name}: true\n")
            elif isinstance(value, enum.IntEnum):
                if value:
                    out.append(f"{name}: {value.name}\n")
            elif value:
                out.append(f"{name}: {value}\n")
        return "".join(out)

    __repr__ = __str__

    def __bool__(self):
        return bool(str(self))


def _indent(message):
    return "".join("  " + line + "\n" for line in str(message).splitlines())


class SafetyRating(_Message):
    _fields = ("category", "probability", "blocked")

    def __str__(self):
        text = f"category: {self.category}\nprobability: {self.probability}\n"
        return text + ("blocked: true\n" if self.blocked else "")

    __repr__ = __str__


class Part(_Message):
    _fields = ("text",)

    def __contains__(self, name):
        return getattr(self, name, None) is not None


class Content(_Message):
    _fields = ("parts", "role")

    def _default(self, name):
        return [] if name == "parts" else ""


class Candidate(_Message):
    FinishReason = FinishReason
    _fields = ("content", "finish_reason", "index", "safety_ratings")

    def _default(self, name):
        return {"content": Content(), "finish_reason": FinishReason(0), "index": 0, "safety_ratings": []}[name]

    def __str__(self):
        out = ""
        if self.content.parts or self.content.role:
            out += "content {\n" + _indent(self.content) + "}\n"
        if self.finish_reason:
            out += f"finish_reason: {self.finish_reason.name}\n"
        out += f"index: {self.index}\n"
        for rating in self.safety_ratings:
            out += "safety_ratings {\n" + _indent(rating) + "}\n"
        return out

    __repr__ = __str__


class PromptFeedback(_Message):
    BlockReason = BlockReason
    _fields = ("block_reason", "safety_ratings")

    def _default(self, name):
        return BlockReason(0) if name == "block_reason" else []


class GenerateContentResponse(_Message):
    PromptFeedback = PromptFeedback
    _fields = ("candidates", "prompt_feedback", "usage_metadata")

    def _default(self, name):
        return {"candidates": [], "prompt_feedback": PromptFeedback(), "usage_metadata": None}[name]


def response(body):
    """A GenerateContentResponse from a REST-style dict (snake_case keys)."""
    feedback = body.get("prompt_feedback", {})
    candidates = []
    for c in body.get("candidates", []):
        content = Content(parts=[Part(text=p["text"]) for p in c.get("content", {}).get("parts", [])],
                          role=c.get("content", {}).get("role", ""))
        candidates.append(Candidate(
            content=content,
            finish_reason=FinishReason[c.get("finish_reason", "FINISH_REASON_UNSPECIFIED")],
            index=c.get("index", 0),
            safety_ratings=[SafetyRating(**r) for r in c.get("safety_ratings", [])],
        ))
    return GenerateContentResponse(
        candidates=candidates,
        prompt_feedback=PromptFeedback(
            block_reason=BlockReason[feedback.get("block_reason", "BLOCK_REASON_UNSPECIFIED")],
            safety_ratings=[SafetyRating(**r) for r in feedback.get("safety_ratings", [])],
        ),
    )
'''

# Copied from google-generativeai 0.8.6 google/generativeai/types/generation_types.py (the exceptions,
# BaseGenerateContentResponse.__init__/candidates/parts/text/prompt_feedback), text branch for plain
# text parts only.
GENERATION_TYPES = r"""
from google.generativeai import protos


class BlockedPromptException(Exception):
    pass


class StopCandidateException(Exception):
    pass


class BaseGenerateContentResponse:
    def __init__(self, done, iterator, result, chunks=None):
        self._done = done
        self._iterator = iterator
        self._result = result
        if result.prompt_feedback.block_reason:
            self._error = BlockedPromptException(result)
        else:
            self._error = None

    @property
    def candidates(self):
        return self._result.candidates

    @property
    def parts(self):
        candidates = self.candidates
        if not candidates:
            msg = (
                "Invalid operation: The `response.parts` quick accessor requires a single candidate, "
                "but but `response.candidates` is empty."
            )
            if self.prompt_feedback:
                raise ValueError(
                    msg + "\nThis appears to be caused by a blocked prompt, "
                    f"see `response.prompt_feedback`: {self.prompt_feedback}"
                )
            else:
                raise ValueError(msg)

        if len(candidates) > 1:
            raise ValueError(
                "Invalid operation: The `response.parts` quick accessor retrieves the parts for a single candidate. "
                "This response contains multiple candidates, please use `result.candidates[index].text`."
            )
        parts = candidates[0].content.parts
        return parts

    @property
    def text(self):
        parts = self.parts
        if not parts:
            candidate = self.candidates[0]

            fr = candidate.finish_reason
            FinishReason = protos.Candidate.FinishReason

            msg = (
                "Invalid operation: The `response.text` quick accessor requires the response to contain a valid "
                "`Part`, but none were returned. The candidate's "
                f"[finish_reason](https://ai.google.dev/api/generate-content#finishreason) is {fr}."
            )

            if fr is FinishReason.FINISH_REASON_UNSPECIFIED:
                raise ValueError(msg)
            elif fr is FinishReason.STOP:
                raise ValueError(msg)
            elif fr is FinishReason.MAX_TOKENS:
                raise ValueError(msg)
            elif fr is FinishReason.SAFETY:
                raise ValueError(
                    msg + f" The candidate's safety_ratings are: {candidate.safety_ratings}.",
                    candidate.safety_ratings,
                )
            elif fr is FinishReason.RECITATION:
                raise ValueError(
                    msg + " Meaning that the model was reciting from copyrighted material."
                )
            else:
                raise ValueError(msg)

        return "\n".join(part.text for part in parts)

    @property
    def prompt_feedback(self):
        return self._result.prompt_feedback

    @property
    def usage_metadata(self):
        return self._result.usage_metadata


class GenerateContentResponse(BaseGenerateContentResponse):
    @classmethod
    def from_response(cls, response):
        return cls(done=True, iterator=None, result=response)
"""

# ChatSession._check_response, copied from google-generativeai 0.8.6 generative_models.py.
GENERATIVE_MODELS = """
from google.generativeai import protos
from google.generativeai.types import generation_types


class ChatSession:
    def _check_response(self, *, response, stream):
        if response.prompt_feedback.block_reason:
            raise generation_types.BlockedPromptException(response.prompt_feedback)

        if not stream:
            if response.candidates[0].finish_reason not in (
                protos.Candidate.FinishReason.FINISH_REASON_UNSPECIFIED,
                protos.Candidate.FinishReason.STOP,
                protos.Candidate.FinishReason.MAX_TOKENS,
            ):
                raise generation_types.StopCandidateException(response.candidates[0])
"""

LEGACY = {
    "google/generativeai/__init__.py": "__version__ = '0.8.6'\n",
    "google/generativeai/protos.py": PROTOS,
    "google/generativeai/types/__init__.py": "",
    "google/generativeai/types/generation_types.py": GENERATION_TYPES,
    "google/generativeai/generative_models.py": GENERATIVE_MODELS,
}

RATINGS = [
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE", "blocked": False},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE", "blocked": False},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "MEDIUM", "blocked": True},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "NEGLIGIBLE", "blocked": False},
]
LEGACY_BODIES = {
    "max_tokens": {"candidates": [{"content": {"role": "model"}, "finish_reason": "MAX_TOKENS"}]},
    "safety": {"candidates": [{"finish_reason": "SAFETY", "safety_ratings": RATINGS}]},
    "recitation": {"candidates": [{"finish_reason": "RECITATION"}]},
    "blocked": {"prompt_feedback": {"block_reason": "SAFETY", "safety_ratings": RATINGS}},
    "text": {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "hello"}]}, "finish_reason": "STOP"}]
    },
}


def _legacy_site(tmp_path):
    site = tmp_path / "site"
    for rel, text in LEGACY.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return site


def _legacy(tmp_path, case: str, action: str):
    """Run `action` on the legacy SDK's response for LEGACY_BODIES[case] in a child interpreter."""
    site = _legacy_site(tmp_path)
    code = (
        "import json\n"
        "from google.generativeai import protos\n"
        "from google.generativeai.types import generation_types\n"
        "from google.generativeai.generative_models import ChatSession\n"
        f"raw = protos.response(json.loads({json.dumps(json.dumps(LEGACY_BODIES[case]))}))\n"
        "response = generation_types.GenerateContentResponse.from_response(raw)\n" + action
    )
    return run_python(code, cwd=tmp_path, path=[site, tmp_path])


def test_legacy_sdk_text_accessor_raises_the_entry_s_signatures(tmp_path):
    errors = parse_entry(SOLUTIONS / f"{SLUG}.md").errors
    result = _legacy(tmp_path, "max_tokens", "response.text\n")
    assert result.returncode == 1 and last_line(result) == errors[0]
    assert last_line(result).endswith("finishreason) is 2.")

    result = _legacy(tmp_path, "safety", "response.text\n")
    first = next(line for line in result.stderr.splitlines() if line.startswith("ValueError: "))
    assert first == errors[3]  # the message and the ratings, printed as a tuple

    result = _legacy(tmp_path, "recitation", "response.text\n")
    assert last_line(result) in errors and last_line(result).endswith("reciting from copyrighted material.")

    result = _legacy(tmp_path, "blocked", "response.text\n")
    lines = result.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ValueError: "))
    assert lines[start] in errors and lines[start + 1] in errors


def test_legacy_chat_raises_stop_candidate_and_blocked_prompt(tmp_path):
    errors = parse_entry(SOLUTIONS / f"{SLUG}.md").errors

    def raised(case):
        result = _legacy(tmp_path, case, "ChatSession()._check_response(response=raw, stream=False)\n")
        lines = result.stderr.splitlines()
        return next(line for line in lines if line.startswith("google.generativeai."))

    assert raised("safety") in errors
    assert raised("recitation") in errors
    assert raised("blocked") in errors
    ok = _legacy(tmp_path, "max_tokens", "ChatSession()._check_response(response=raw, stream=False)\n")
    assert ok.returncode == 0  # MAX_TOKENS passes the chat check: only .text fails


def test_option1_names_the_reason_on_legacy_responses(fix_code, tmp_path):
    _option1_module(fix_code, tmp_path)
    driver = (
        "from fix import EmptyGeminiResponse, response_text, why_no_text\n"
        "print('WHY', why_no_text(response))\n"
        "try:\n"
        "    print('GOT', response_text(response))\n"
        "except EmptyGeminiResponse as err:\n"
        "    print('RAISED', err)\n"
    )
    expected = {
        "max_tokens": "WHY MAX_TOKENS: the output budget ran out before any text (the answer did not start)",
        "safety": "WHY SAFETY: the answer was blocked by the safety filters ['HARM_CATEGORY_HARASSMENT']",
        "recitation": "WHY RECITATION: the answer was withheld because it quoted a source too closely",
        "blocked": "WHY prompt blocked (SAFETY): the input was refused",
    }
    for case, line in expected.items():
        result = _legacy(tmp_path, case, driver)
        assert result.returncode == 0, result.stderr
        assert line in result.stdout, (case, result.stdout)
        assert "RAISED " in result.stdout  # a named reason, not the SDK's ValueError
    result = _legacy(tmp_path, "text", driver)
    assert result.returncode == 0, result.stderr
    assert "WHY None" in result.stdout and "GOT hello" in result.stdout
