"""JSON responses that cannot fail to encode (see `app.text.clean_text`)."""

from __future__ import annotations

import json

from fastapi.responses import JSONResponse

from app.text import clean_text


class SafeJSONResponse(JSONResponse):
    def render(self, content) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return clean_text(text).encode("utf-8")
