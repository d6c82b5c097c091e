"""Verified fix for solutions/cuda-device-side-assert.md.

No GPU here, and torch is not a dependency of this project, so the kernel asserts themselves are
not reproduced. What is run: the entry's Option 1 checks on the shapes a batch really comes in
(nested lists, NumPy arrays, a tensor-like object with detach/cpu/tolist), on the three cases
behind most device-side asserts (token id >= embedding rows, label >= num_classes or 1-based,
BCE input outside [0, 1]), with -100 ignored like CrossEntropyLoss's default ignore_index.
When torch is installed, the same batches are also run through PyTorch on the CPU, where the bug
is the Python error the entry lists (`index out of range in self`, `Target N is out of bounds.`).
"""

from __future__ import annotations

import numpy as np
import pytest
from pyrun import run_python

SLUG = "cuda-device-side-assert"


@pytest.fixture
def checks(fix_code):
    namespace: dict = {"__name__": "entry_option1"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    return namespace


class TensorLike:
    """What the checks use of a torch tensor: detach(), cpu(), tolist()."""

    def __init__(self, array):
        self.array = np.asarray(array)
        self.calls: list[str] = []

    def detach(self):
        self.calls.append("detach")
        return self

    def cpu(self):
        self.calls.append("cpu")
        return self

    def tolist(self):
        return self.array.tolist()


def test_demo_runs(fix_code):
    result = run_python(fix_code(SLUG, 1))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("caught:") == 4


def test_token_ids_against_embedding_rows(checks):
    check = checks["check_token_ids"]
    check(np.array([[101, 2023, 102, 0]]), num_embeddings=30522)
    check([[0, 30521]], num_embeddings=30522)  # the last row is valid
    with pytest.raises(
        ValueError, match=r"ids \[30522\] outside 0\.\.30521.*resize_token_embeddings\(len\(tokenizer\)\)"
    ):
        check(np.array([[101, 30522]], dtype=np.int64), num_embeddings=30522)
    with pytest.raises(ValueError, match=r"ids \[-1\]"):
        check([[5, -1]], num_embeddings=10)
    tensor = TensorLike([[1, 2], [3, 12]])
    with pytest.raises(ValueError, match=r"ids \[12\] outside 0\.\.9"):
        check(tensor, num_embeddings=10)
    assert tensor.calls == ["detach", "cpu"]  # copied off the device before reading


def test_class_targets(checks):
    check = checks["check_class_targets"]
    check(np.array([0, 1, 2, -100, -100]), num_classes=3)  # -100 is CrossEntropyLoss's default ignore_index
    with pytest.raises(ValueError, match="1-based: subtract 1"):
        check([1, 2, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"labels \[255\].*ignore_index=-100"):
        check(
            np.array([[0, 1], [2, 255]], dtype=np.uint8), num_classes=3
        )  # segmentation mask with a void class
    with pytest.raises(ValueError, match=r"labels \[-1\]"):
        check([0, -1, 2], num_classes=3)  # padding with -1 instead of -100
    check([0, -1], num_classes=3, ignore_index=-1)  # a loss configured with ignore_index=-1


def test_probabilities_for_bce(checks):
    check = checks["check_probabilities"]
    check(np.array([0.0, 0.5, 1.0], dtype=np.float32))
    with pytest.raises(ValueError, match="BCEWithLogitsLoss"):
        check([0.2, 1.7])
    with pytest.raises(ValueError, match="outside"):
        check(np.array([0.2, np.nan]))  # NaN fails the kernel's `input_val >= zero && input_val <= one` too
