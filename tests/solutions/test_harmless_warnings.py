"""Verified fix for solutions/harmless-warnings.md.

Produces real warnings (DeprecationWarning, UserWarning, RuntimeWarning) in a child process that
then fails with a real exception, and one that only warns and exits 0. Runs the entry's Option 1
code on the captured stderr: it must report the real exception line, not a warning, and say so
when there is no failure. Then checks Option 2 filters only the targeted warning, and that
faiss's loader lines (its logged ModuleNotFoundError for a missing AVX2 build) are not taken
for the failure.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from answers import confident_answer
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "harmless-warnings"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"

NOISY_CRASH = """
import warnings
warnings.warn("datetime.datetime.utcnow() is deprecated and scheduled for removal", DeprecationWarning)
warnings.warn("pkg_resources is deprecated as an API", UserWarning)
warnings.warn("invalid value encountered in divide", RuntimeWarning)
config = {"model": "x"}
print(config["question"])
"""

NOISY_OK = """
import warnings
warnings.warn("TypedStorage is deprecated", UserWarning)
warnings.warn("something will change", FutureWarning)
print("done")
"""


def _real_error(fix_code, tmp_path, stderr: str) -> subprocess.CompletedProcess:
    """Option 1 as a script reading a captured stderr: `python real_error.py - < log`."""
    script = tmp_path / "real_error.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), "-"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        input=stderr,
    )


def test_warnings_are_printed_and_do_not_stop_the_program(tmp_path):
    result = run_python(NOISY_OK, "-W", "always", cwd=tmp_path)
    assert result.returncode == 0
    assert "UserWarning: TypedStorage is deprecated" in result.stderr
    assert "FutureWarning: something will change" in result.stderr
    assert "done" in result.stdout


def test_option1_finds_the_real_exception_under_warnings(fix_code, tmp_path):
    crash = run_python(NOISY_CRASH, "-W", "always", cwd=tmp_path)
    assert crash.returncode == 1
    assert crash.stderr.splitlines()[0].endswith(
        "DeprecationWarning: datetime.datetime.utcnow() is deprecated and scheduled for removal"
    )
    result = _real_error(fix_code, tmp_path, crash.stderr)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("real error: KeyError: 'question'")
    assert "Warning" not in result.stdout.split("(last frame")[0]


def test_option1_says_when_there_is_no_failure(fix_code, tmp_path):
    ok = run_python(NOISY_OK, "-W", "always", cwd=tmp_path)
    result = _real_error(fix_code, tmp_path, ok.stderr)
    assert result.returncode == 0, result.stderr
    assert "the warnings are not the failure" in result.stdout


def test_option1_demo_runs(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "real error: KeyError: 'question'" in result.stdout


def test_option2_filters_only_the_targeted_warning(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['something new']"


# faiss-cpu 1.8.0 faiss/loader.py, the AVX2 branch and the fallback, word for word (the AVX512 branch is
# the same with its own names); `swigfaiss` is a stub here, the compiled library in the real wheel.
FAISS_LOADER = """
import logging

logger = logging.getLogger(__name__)

loaded = False
try:
    logger.info("Loading faiss with AVX2 support.")
    from .swigfaiss_avx2 import *
    logger.info("Successfully loaded faiss with AVX2 support.")
    loaded = True
except ImportError as e:
    logger.info(f"Could not load library with AVX2 support due to:\\n{e!r}")
    loaded = False

if not loaded:
    logger.info("Loading faiss.")
    from .swigfaiss import *
    logger.info("Successfully loaded faiss.")
"""


def _fake_faiss(tmp_path):
    package = tmp_path / "faiss"
    package.mkdir()
    (package / "__init__.py").write_text("from .loader import *\n", encoding="utf-8")
    (package / "loader.py").write_text(FAISS_LOADER, encoding="utf-8")
    (package / "swigfaiss.py").write_text("IndexFlatL2 = object\n", encoding="utf-8")


@pytest.mark.parametrize("then", ["", "{}['question']"])
def test_faiss_loader_lines_are_not_the_failure(fix_code, tmp_path, then):
    _fake_faiss(tmp_path)
    app = f"import logging\nlogging.basicConfig(level=logging.INFO)\nimport faiss\n{then}\n"
    run = run_python(app, cwd=tmp_path)
    assert "Could not load library with AVX2 support due to:\n" in run.stderr
    assert "ModuleNotFoundError(\"No module named 'faiss.swigfaiss_avx2'\")" in run.stderr
    assert "INFO:faiss.loader:Successfully loaded faiss." in run.stderr
    signature = "INFO:faiss.loader:Could not load library with AVX2 support due to:\n" + (
        "ModuleNotFoundError(\"No module named 'faiss.swigfaiss_avx2'\")"
    )
    assert signature in run.stderr
    assert signature in parse_entry(SOLUTIONS / f"{SLUG}.md").errors
    result = _real_error(fix_code, tmp_path, run.stderr)
    assert result.returncode == 0, result.stderr
    if then:
        assert result.stdout.startswith("real error: KeyError: 'question'")
    else:
        assert "the warnings are not the failure" in result.stdout


# transformers 5.25.0 tokenization_utils_base.py `_eventual_warn_about_too_long_sequence`, word for word, then
# what a model with 512 learned positions (GPT-2 here) does with those 1500 ids: torch's embedding lookup fails.
TOO_LONG = """
import logging

logger = logging.getLogger("transformers.tokenization_utils_base")
logging.basicConfig(format="%(message)s")
ids, model_max_length = list(range(1500)), 512
logger.warning(
    "Token indices sequence length is longer than the specified maximum sequence length "
    f"for this model ({len(ids)} > {model_max_length}). Running this sequence through the model "
    "will result in indexing errors"
)
position_embeddings = [[0.0] * 4 for _ in range(model_max_length)]

def embedding(rows, positions):
    for p in positions:
        if p >= len(rows):
            raise IndexError("index out of range in self")  # torch's TORCH_CHECK_INDEX text
        yield rows[p]

hidden = list(embedding(position_embeddings, range(len(ids))))
"""


def test_too_long_sequence_warning_is_not_this_entry(fix_code, tmp_path):
    run = run_python(TOO_LONG, cwd=tmp_path)
    warning = run.stderr.splitlines()[0]
    entry = parse_entry(SOLUTIONS / f"{SLUG}.md")
    assert warning in entry.not_errors
    assert warning not in entry.errors
    assert run.returncode == 1  # the warning announced the failure that followed
    result = _real_error(fix_code, tmp_path, run.stderr)
    assert result.stdout.startswith("real error: IndexError: index out of range in self")


# ChromeDriver's start-up, as it prints it on a host without IPv6 (the IPv6 half of its localhost
# listener is refused; it serves on IPv4), then the program's own failure.
CHROMEDRIVER_THEN_CRASH = """
import sys
sys.stderr.write(
    "Starting ChromeDriver 120.0.6099.109 on port 9515\\n"
    "Only local connections are allowed.\\n"
    "[1702980000.123][SEVERE]: bind() failed: Cannot assign requested address (99)\\n"
    "ChromeDriver was started successfully.\\n"
)
sys.stderr.flush()
pages = {}
print(pages["login"])
"""


def test_chromedriver_ipv6_bind_line_is_not_the_failure(fix_code, tmp_path, index):
    run = run_python(CHROMEDRIVER_THEN_CRASH, cwd=tmp_path)
    assert run.returncode == 1
    bind_line = next(line for line in run.stderr.splitlines() if "bind() failed" in line)
    assert confident_answer(index, bind_line) == SLUG
    # a program's own bind() on an address the host lacks is the errno-99 entry, not noise
    assert confident_answer(index, "OSError: [Errno 99] Cannot assign requested address") == (
        "cannot-assign-requested-address"
    )
    result = _real_error(fix_code, tmp_path, run.stderr)
    assert result.stdout.startswith("real error: KeyError: 'login'"), result.stdout
