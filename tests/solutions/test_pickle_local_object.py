"""pickle-local-object: reproduce the pickling failures for real, then run Option 1 and Option 2 from the entry
(as files, because spawn workers re-import the main module by path)."""

import pickle
import re
import subprocess
import sys
import threading
import types

import pytest

SLUG = "pickle-local-object"

WRONG_LOCAL_WORKER = """
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor


def main():
    weight = 2

    def worker(t):
        return len(t) * weight

    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        print(list(pool.map(worker, ["a"])))


if __name__ == "__main__":
    main()
"""

LOCAL_OBJECT = re.compile(r"Can't (pickle|get) local object '?(<function )?main\.<locals>\.worker")


def _run_file(tmp_path, name, code):
    path = tmp_path / name
    path.write_text(code, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )


def test_local_function_and_lock_fail_to_pickle():
    def worker():
        return 1

    with pytest.raises((AttributeError, pickle.PicklingError), match=r"Can't (pickle|get) local object"):
        pickle.dumps(worker)
    with pytest.raises(TypeError, match=r"cannot pickle '_thread.lock' object"):
        pickle.dumps(threading.Lock())


def test_process_pool_with_local_worker_reproduces(tmp_path):
    result = _run_file(tmp_path, "wrong.py", WRONG_LOCAL_WORKER)
    assert result.returncode != 0
    assert LOCAL_OBJECT.search(result.stderr), result.stderr


def test_option1_runs_under_spawn(tmp_path, fix_code):
    result = _run_file(tmp_path, "option1.py", fix_code(SLUG))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[2, 4, 6]"
    assert "pickle" not in result.stderr


def test_option2_per_worker_resources_and_lock_state(tmp_path, fix_code, monkeypatch):
    result = _run_file(tmp_path, "option2.py", fix_code(SLUG, option=2))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[10, 20, 30]", "1"]

    # Load the code as an importable module so pickle can find the Counter class by name.
    module = types.ModuleType("pickle_fix_under_test")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(fix_code(SLUG, option=2), "<option2>", "exec"), module.__dict__)
    counter = module.Counter()
    counter.total = 41
    clone = pickle.loads(
        pickle.dumps(counter)
    )  # would raise "cannot pickle '_thread.lock' object" without the fix
    assert clone.total == 41 and clone.lock is not counter.lock
