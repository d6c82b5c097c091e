"""JSON responses that cannot fail to encode.

Queries are echoed back, and JSON text may carry lone surrogates (`"\\ud800"`) that
UTF-8 cannot encode; they become U+FFFD instead of turning a bad query into a 500.
"""

from __future__ import annotations

import json
import re

from fastapi.responses import JSONResponse

_SURROGATE = re.compile("[\ud800-\udfff]")


class SafeJSONResponse(JSONResponse):
    def render(self, content) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return clean_text(text).encode("utf-8")


def clean_text(text: str) -> str:
    """The same text with anything UTF-8 cannot carry replaced."""
    return _SURROGATE.sub("\ufffd", text)
