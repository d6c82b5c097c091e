"""bench/ as its users run it: `python bench/soak.py`, `python -m bench` (real subprocesses).

The benchmarks themselves are never run here (minutes each); these tests check the ways in.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def test_no_bench_module_shadows_the_standard_library():
    # `python bench/soak.py` puts bench/ first on sys.path: a bench/http.py was imported as `http`.
    shadowing = sorted(p.name for p in BENCH.glob("*.py") if p.stem in sys.stdlib_module_names)

    assert shadowing == []


def test_soak_starts_as_documented():
    result = subprocess.run(
        [sys.executable, "bench/soak.py", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: soak.py")


# Runs `python -m bench` in a subprocess with one benchmark swapped for an instant fake, and the
# page it would rewrite pointed at a temporary copy.
RUN_WITH_A_FAKE_BENCHMARK = textwrap.dedent(
    """
    import sys, types
    from pathlib import Path
    import bench.common as common
    import bench.__main__ as entry
    common.DOC = Path(sys.argv[1])
    fake = types.ModuleType("bench.fake")
    fake.run = lambda quick: common.Section("Fake", [common.Row("fake benchmark", "1 ms")], "fake detail")
    sys.modules["bench.fake"] = fake
    entry.MODULES["match"] = "bench.fake"
    entry.main(["--only", "match", *sys.argv[2:]])
    """
)


def _bench(doc: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", RUN_WITH_A_FAKE_BENCHMARK, str(doc), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bench_prints_and_leaves_the_docs_alone_by_default(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n<!-- bench:begin -->\nold figures\n<!-- bench:end -->\n")
    before = doc.read_text()

    result = _bench(doc)

    assert result.returncode == 0, result.stderr
    assert "| fake benchmark | 1 ms |" in result.stdout
    assert "left unchanged" in result.stdout
    assert doc.read_text() == before


def test_bench_rewrites_the_docs_only_with_write_docs(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n<!-- bench:begin -->\nold figures\n<!-- bench:end -->\n")

    result = _bench(doc, "--write-docs")

    assert result.returncode == 0, result.stderr
    text = doc.read_text()
    assert "old figures" not in text
    assert "| fake benchmark | 1 ms |" in text
    assert "wrote docs/performance.md" in result.stdout


def test_the_make_target_passes_no_write_flag_by_default():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nbench: setup\n", 1)[1].splitlines()[0]

    assert "-m bench" in recipe
    assert "--write-docs" not in recipe
