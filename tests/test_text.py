"""Text every layer can always encode: what the API sends never fails on a lone surrogate."""

from __future__ import annotations

import json

from app.text import encode_json


def test_json_with_a_lone_surrogate_is_sent_with_a_replacement_character():
    sent = encode_json({"query": "locked \ud800 database", "n": 1})
    assert json.loads(sent.decode("utf-8")) == {"query": "locked \ufffd database", "n": 1}


def test_json_is_compact_utf8_and_keeps_non_ascii_text_as_it_is():
    content = {"title": "Überlauf — «database is locked»", "scores": [1.5, 2]}
    sent = encode_json(content)
    assert sent == json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert "Überlauf".encode() in sent
