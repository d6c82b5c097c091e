"""Fixtures for the verified-fix tests: they run the code that the entries themselves publish."""

import shutil
import socket
import sysconfig
import tempfile
from pathlib import Path

import pytest
from fake_http import scripted_servers

from app.corpus.entries import parse_entry
from app.search.evaluation import memory_index

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


@pytest.fixture(scope="session")
def index():
    """The published entries in a private in-memory matcher index, built once for the tests that
    check what the matcher answers."""
    return memory_index(SOLUTIONS)


@pytest.fixture(scope="module")
def entry(request):
    """The entry of the test module (its `SLUG`), parsed."""
    return parse_entry(SOLUTIONS / f"{request.module.SLUG}.md")


@pytest.fixture
def fix_code():
    """Return the first code block of fix option N of an entry, read from its Markdown file."""

    def get(slug: str, option: int = 1) -> str:
        entry = parse_entry(SOLUTIONS / f"{slug}.md")
        return entry.fixes[option - 1].code

    return get


@pytest.fixture
def gemini():
    """`gemini(*answers)` starts a fake Gemini API answering those (status, body) in turn: (URL, script)."""
    with scripted_servers() as start:
        yield start


@pytest.fixture
def silent_port():
    """A local port that is bound but not listening: connecting to it is refused, and nobody else can take it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def python_include() -> str:
    """The folder holding Python.h, for tests that compile a real extension module with gcc."""
    include = sysconfig.get_paths()["include"]
    if shutil.which("gcc") is None or not Path(include, "Python.h").is_file():
        pytest.skip("needs gcc and the Python headers")
    return include


@pytest.fixture
def open_base():
    """A root-owned 0755 folder that uid 65534 can reach (pytest's own tmp folders are 0700 to root)."""
    base = Path(tempfile.mkdtemp(prefix="synapse-open-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)
