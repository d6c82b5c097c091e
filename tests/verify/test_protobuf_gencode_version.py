"""solutions/protobuf-gencode-version.md against the real protobuf releases.

Imports the real generated code kept in tests/solutions/test_protobuf_gencode_version.py under each
runtime of its OBSERVED matrix (one pinned venv per release), checks the error each one raises (the
wordings the entry quotes, e.g. the `cannot not` typo of 4.21-4.24), and runs the entry's Option 1
inside the same venv: it must predict FAILS exactly for the files that failed to import.
"""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from verifylib import python_blocks, run_command

SLUG = "protobuf-gencode-version"
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "solutions"))  # the fixtures module imports pyrun from there
_spec = importlib.util.spec_from_file_location(
    "pb_fixtures", HERE.parent / "solutions" / "test_protobuf_gencode_version.py"
)
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

IMPORT_ONE = r"""
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
try:
    importlib.import_module(sys.argv[2])
    print(json.dumps("loads"))
except BaseException as exc:
    print(json.dumps(f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"))
"""


@pytest.mark.parametrize(("runtime", "backend"), list(fixtures.OBSERVED), ids=lambda v: str(v))
def test_matrix(venv, tmp_path, runtime, backend):
    observed = fixtures.OBSERVED[(runtime, backend)]
    modules = {}
    for name in observed:
        module = "g_" + name.replace("-", "_").replace(".", "_") + "_pb2"
        text = fixtures.gencode_text(name).replace("'ping_pb2'", repr(module))
        (tmp_path / f"{module}.py").write_text(text, encoding="utf-8")
        modules[module] = name
    env = {"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"} if backend == "python" else {}
    python = str(venv(f"protobuf=={runtime}").python)
    # one interpreter per file: they all register ping.proto in the default descriptor pool
    for module, name in modules.items():
        run = run_command([python, "-c", IMPORT_ONE, str(tmp_path), module], timeout=120, env=env)
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout.strip().splitlines()[-1])
        if observed[name] == "loads":
            assert result == "loads", (runtime, name, result)
        else:
            assert observed[name] in result, (runtime, name, result)
    script = tmp_path / "diag.py"
    script.write_text(python_blocks(SLUG)[0][1], encoding="utf-8")
    diag = run_command([python, str(script), str(tmp_path)], timeout=120, env=env)
    assert diag.returncode == 0, diag.stderr
    assert f"protobuf {runtime} (backend {backend})" in diag.stdout
    for module, name in modules.items():
        line = next(x for x in diag.stdout.splitlines() if f"{module}.py:" in x)
        assert ("FAILS" in line) == (observed[name] != "loads"), line
