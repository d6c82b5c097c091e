"""solutions/numpy-abi-mismatch.md: which NumPy 1.x releases read pickles written by NumPy 2.

The first version of the entry said NumPy 1.x cannot load them at all. NumPy 1.26.1 added a
`numpy._core` alias, so 1.26.1 and later 1.26.x read them; 1.26.0 and older fail with
`No module named 'numpy._core'`.
"""

import pytest

WRITE = r"""
import pickle
import numpy as np
obj = {"weights": np.arange(6, dtype=np.float32).reshape(2, 3), "scalar": np.float64(1.5), "dtype": np.dtype("int16")}
with open(PATH, "wb") as f:
    pickle.dump(obj, f)
print(np.__version__)
"""

READ = r"""
import pickle
import numpy as np
with open(PATH, "rb") as f:
    obj = pickle.load(f)
print(np.__version__, float(obj["weights"].sum()), float(obj["scalar"]), str(obj["dtype"]))
"""


@pytest.fixture(scope="module")
def numpy2_pickle(tmp_path_factory):
    from verifylib import pinned_venv

    path = tmp_path_factory.mktemp("pickles") / "written_by_numpy2.pkl"
    run = pinned_venv("numpy==2.4.6").run(f"PATH = {str(path)!r}\n" + WRITE, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("2.")
    return path


@pytest.mark.parametrize("version", ["1.26.1", "1.26.4"])
def test_numpy_1_26_1_and_later_read_numpy_2_pickles(venv, numpy2_pickle, version):
    run = venv(f"numpy=={version}").run(f"PATH = {str(numpy2_pickle)!r}\n" + READ, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [version, "15.0", "1.5", "int16"]


def test_numpy_1_26_0_cannot(venv, numpy2_pickle):
    run = venv("numpy==1.26.0").run(f"PATH = {str(numpy2_pickle)!r}\n" + READ, timeout=120)
    assert run.returncode != 0
    assert "ModuleNotFoundError: No module named 'numpy._core'" in run.stderr
