"""Fixtures for tests/verify: checks that need packages from PyPI at pinned versions.

Run with `make verify` (not part of `make test`). `venv("pkg==1.2.3", ...)` returns a virtual
environment holding exactly those requirements, built once and cached under
~/.cache/synapse-verify/<hash of the requirement list> (SYNAPSE_VERIFY_CACHE overrides the
folder); `Venv.run(code, timeout=...)` runs code in it in a subprocess whose whole process
group is killed on timeout. `fake_api` is a local stand-in for the OpenAI and Anthropic APIs.
"""

import pytest
from verifylib import pinned_venv, start_fake_api, stop_fake_api


@pytest.fixture(scope="session")
def venv():
    return pinned_venv


@pytest.fixture
def fake_api():
    api = start_fake_api()
    yield api
    stop_fake_api(api)
