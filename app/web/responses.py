"""JSON responses that cannot fail to encode (see `app.text.encode_json`)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from app.text import encode_json


class SafeJSONResponse(JSONResponse):
    def render(self, content) -> bytes:
        return encode_json(content)
