"""Verified fix for solutions/max-retries-exceeded.md, Option 2 (a requests Session with a urllib3 Retry).

The first version of the entry said `backoff_factor=0.5` waits 0.5 s, 1 s, 2 s between attempts.
urllib3 (1.26 and 2.x, `Retry.get_backoff_time`) does not wait before the first retry and then
waits factor * 2**(n-1): 0 s, 1 s, 2 s, 4 s. Checked on the entry's own Retry object, and timed
against a local server that answers 503.
"""

from __future__ import annotations

import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

SLUG = "max-retries-exceeded"


@pytest.fixture
def entry(fix_code):
    code = fix_code(SLUG, 2)
    definitions = code.split("\nresponse = session.get(")[0]  # everything but the live call
    namespace: dict = {"__name__": "entry_option_2"}
    exec(compile(definitions, f"{SLUG}.md option 2", "exec"), namespace)
    return namespace


def test_backoff_sequence_of_the_entry_retry(entry):
    import urllib3

    retry = entry["retry"]
    sleeps = []
    for _ in range(3):  # connect=3 in the entry
        retry = retry.increment(
            method="GET", url="/", error=urllib3.exceptions.ConnectTimeoutError("timed out")
        )
        sleeps.append(retry.get_backoff_time())
    assert sleeps == [0, 1.0, 2.0]  # not 0.5, 1, 2


class _Unavailable(BaseHTTPRequestHandler):
    arrivals: ClassVar[list[float]] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).arrivals.append(time.monotonic())
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_waits_between_real_retries(entry):
    import requests

    _Unavailable.arrivals = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(requests.exceptions.RetryError):
            entry["session"].get(f"http://127.0.0.1:{server.server_address[1]}/v1/models", timeout=(5, 10))
    finally:
        server.shutdown()
        server.server_close()
    arrivals = _Unavailable.arrivals
    assert len(arrivals) == 4  # the first try and status=3 retries
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert gaps[0] < 0.4  # no wait before the first retry (not 0.5 s)
    assert 0.8 <= gaps[1] <= 1.6
    assert 1.8 <= gaps[2] <= 2.8
