"""Verified fix for solutions/torch-cuda-not-available.md: Option 1's `explain_cuda` on each kind of build.

No GPU and no torch here, so a minimal stand-in `torch` package (what `explain_cuda` reads: `__version__`,
`torch.version.cuda` / `torch.version.hip`, `torch.cuda.is_available`, `device_count`, `get_device_name`)
is put on the path of a real child interpreter. The case that matters: a ROCm build has
`torch.version.cuda is None` like a CPU-only build, but `torch.version.hip` set, and must not be told
to reinstall a CUDA build.
"""

from __future__ import annotations

import pytest
from fake_site import write_file
from pyrun import run_python

SLUG = "torch-cuda-not-available"

FAKE_TORCH = """
import os

__version__ = os.environ["FAKE_TORCH_VERSION"]


class version:
    cuda = os.environ.get("FAKE_CUDA") or None
    hip = os.environ.get("FAKE_HIP") or None


class cuda:
    @staticmethod
    def is_available():
        return os.environ.get("FAKE_GPU") == "1"

    @staticmethod
    def device_count():
        return 1

    @staticmethod
    def get_device_name(index=0):
        return "Fake GPU"


class backends:
    mps = None


def device(name):
    return name
"""


@pytest.mark.parametrize(
    ("build", "env", "expected"),
    [
        ("cpu", {"FAKE_TORCH_VERSION": "2.15.0+cpu"}, "is a CPU-only build"),
        (
            "cuda, no GPU",
            {"FAKE_TORCH_VERSION": "2.15.0+cu128", "FAKE_CUDA": "12.8"},
            "built for CUDA/ROCm 12.8",
        ),
        (
            "cuda, GPU",
            {"FAKE_TORCH_VERSION": "2.15.0", "FAKE_CUDA": "13.2", "FAKE_GPU": "1"},
            "CUDA OK: 1 GPU(s)",
        ),
        (
            "rocm, no GPU",
            {"FAKE_TORCH_VERSION": "2.15.0+rocm7.0", "FAKE_HIP": "7.0"},
            "built for CUDA/ROCm 7.0",
        ),
        (
            "rocm, GPU",
            {"FAKE_TORCH_VERSION": "2.15.0+rocm7.0", "FAKE_HIP": "7.0", "FAKE_GPU": "1"},
            "CUDA OK",
        ),
    ],
)
def test_explain_cuda_names_the_build(tmp_path, fix_code, build, env, expected):
    write_file(tmp_path / "site" / "torch" / "__init__.py", FAKE_TORCH)
    write_file(tmp_path / "code" / "option1.py", fix_code(SLUG, 1))
    result = run_python(
        "import option1; print(option1.explain_cuda())",
        path=[tmp_path / "site", tmp_path / "code"],
        env={"CUDA_VISIBLE_DEVICES": None, **env},
    )
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout, (build, result.stdout)
    if build.startswith("rocm"):
        assert "CPU-only" not in result.stdout
