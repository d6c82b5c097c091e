"""Text that can always be encoded: what every layer applies to input it echoes or stores.

Queries are echoed back, and JSON text may carry lone surrogates (`"\\ud800"`) that UTF-8
cannot encode; they become U+FFFD instead of turning a bad query into a 500.
"""

from __future__ import annotations

import json
import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """The same text with anything UTF-8 cannot carry replaced."""
    return _SURROGATE.sub("\ufffd", text)


def encode_json(content) -> bytes:
    """Compact UTF-8 JSON of `content` that cannot fail to encode (see `clean_text`); the text is
    scanned for lone surrogates only when encoding finds one (the scan was half the cost)."""
    text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return clean_text(text).encode("utf-8")
