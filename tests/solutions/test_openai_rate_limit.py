"""Verified fix for solutions/openai-rate-limit.md.

The first version of Option 1 did `float(err.response.headers["retry-after"])`, which raises
ValueError when the server sends Retry-After as an HTTP date (RFC 9110 allows both forms).
Here the entry's own parser (Option 1's first block, read from the Markdown) reads the
headers of real 429 responses from a local server, in both forms, through httpx.
"""

from __future__ import annotations

import re
import time
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest
from fake_http import json_server

SLUG = "openai-rate-limit"


def _too_many_requests(request):
    """GET /seconds -> Retry-After: 7; /date -> an HTTP date 30 s ahead; /ms -> retry-after-ms; /none."""
    headers = {
        "/seconds": [("Retry-After", "7")],
        "/decimal": [("Retry-After", "1.5")],
        "/date": [("Retry-After", formatdate(time.time() + 30, usegmt=True))],
        "/past-date": [("Retry-After", formatdate(time.time() - 30, usegmt=True))],
        "/ms": [("retry-after-ms", "644"), ("Retry-After", "1")],
        "/garbage": [("Retry-After", "soon")],
        "/none": [],
    }[request.path]
    return 429, {"error": {"code": "rate_limit_exceeded", "message": "Rate limit reached"}}, headers


@pytest.fixture(scope="module")
def server():
    with json_server(_too_many_requests) as base:
        yield base


@pytest.fixture
def retry_after_seconds(fix_code):
    namespace: dict = {"__name__": "entry_option_1"}
    exec(compile(fix_code(SLUG, 1), f"{SLUG}.md option 1", "exec"), namespace)
    return namespace["retry_after_seconds"]


def _headers(server: str, path: str) -> httpx.Headers:
    response = httpx.get(server + path, timeout=10)
    assert response.status_code == 429
    return response.headers


def test_retry_after_in_seconds(server, retry_after_seconds):
    assert retry_after_seconds(_headers(server, "/seconds")) == 7.0
    assert retry_after_seconds(_headers(server, "/decimal")) == 1.5


def test_retry_after_as_http_date(server, retry_after_seconds):
    headers = _headers(server, "/date")
    with pytest.raises(ValueError):
        float(headers["retry-after"])  # what the first version of the entry did
    delay = retry_after_seconds(headers)
    assert 25 <= delay <= 31


def test_http_date_in_the_past_means_no_wait(server, retry_after_seconds):
    assert retry_after_seconds(_headers(server, "/past-date")) == 0.0


def test_retry_after_ms_wins_and_missing_or_garbage_falls_back(server, retry_after_seconds):
    assert retry_after_seconds(_headers(server, "/ms")) == pytest.approx(0.644)
    assert retry_after_seconds(_headers(server, "/none")) is None
    assert retry_after_seconds(_headers(server, "/garbage")) is None


def test_the_entry_names_the_environment_variable_the_sdk_reads():
    # openai-python reads OPENAI_PROJECT_ID (and OPENAI_ORG_ID); a variable named OPENAI_PROJECT is ignored.
    text = (Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md").read_text(encoding="utf-8")
    assert "OPENAI_PROJECT_ID" in text
    assert not re.search(r"OPENAI_PROJECT(?!_ID)\b(?! is ignored)", text)
