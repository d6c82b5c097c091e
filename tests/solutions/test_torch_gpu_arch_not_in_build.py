"""Verified fix for solutions/torch-gpu-arch-not-in-build.md.

There is no GPU here, so `torch` is a fake in tmp_path: `torch.version.cuda`, `torch.cuda.get_arch_list()`,
`get_device_capability()` and `get_device_name()` answer from FAKE_* variables. Its `torch.cuda` holds the
warning code of the real releases, copied: `_check_cubins` (identical in torch 2.1.2, 2.7.1 and 2.13.0
torch/cuda/__init__.py) and the `_check_capability` of 2.1.2/2.7.1 (the `old_gpu_warn`). The tests reproduce
the warnings the entry lists, then run the entry's Option 1 on an RTX 5090 (12.0) with a cu126-style arch list,
an RTX 3090 (8.6) with sm_86 in the list, a K80 (3.7), an RTX 4090 (8.9, covered by sm_80/sm_86) and a CPU build.
"""

import re
from pathlib import Path

from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "torch-gpu-arch-not-in-build"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
CU126 = "sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90"

TORCH = """
import os
__version__ = os.environ.get("FAKE_TORCH", "2.5.1+cu124")
from . import version, cuda
"""

VERSION = """
import os
cuda = os.environ.get("FAKE_CUDA", "12.4") or None
hip = os.environ.get("FAKE_HIP") or None
"""

# The fake device answers from the environment; the two checks below are the real releases' code.
TORCH_CUDA = '''
import os
import warnings

import torch


def _is_compiled():
    return torch.version.cuda is not None


def is_available():
    return _is_compiled() and bool(os.environ.get("FAKE_CC"))


def device_count():
    return 1 if is_available() else 0


def get_device_capability(device=None):
    major, minor = os.environ["FAKE_CC"].split(".")
    return int(major), int(minor)


def get_device_name(device=None):
    return os.environ.get("FAKE_GPU", "NVIDIA GeForce RTX 5090")


def get_arch_list():
    if not _is_compiled():
        return []
    return os.environ.get("FAKE_ARCHS", "").split()


# torch 2.1.2 / 2.7.1 torch/cuda/__init__.py (2.7.1 parses with _extract_arch_version: same numbers)
def _check_capability():
    old_gpu_warn = """
    Found GPU%d %s which is of cuda capability %d.%d.
    PyTorch no longer supports this GPU because it is too old.
    The minimum cuda capability supported by this library is %d.%d.
    """

    if torch.version.cuda is not None:  # on ROCm we don't want this check
        for d in range(device_count()):
            capability = get_device_capability(d)
            major = capability[0]
            minor = capability[1]
            name = get_device_name(d)
            current_arch = major * 10 + minor
            min_arch = min(
                (int(arch.split("_")[1]) for arch in torch.cuda.get_arch_list()),
                default=35,
            )
            if current_arch < min_arch:
                warnings.warn(
                    old_gpu_warn
                    % (d, name, major, minor, min_arch // 10, min_arch % 10)
                )


# torch 2.1.2, 2.7.1 and 2.13.0 torch/cuda/__init__.py
def _check_cubins():
    incompatible_device_warn = """
{} with CUDA capability sm_{} is not compatible with the current PyTorch installation.
The current PyTorch install supports CUDA capabilities {}.
If you want to use the {} GPU with PyTorch, please check the instructions at https://pytorch.org/get-started/locally/
"""
    if torch.version.cuda is None:  # on ROCm we don't want this check
        return
    arch_list = get_arch_list()
    if len(arch_list) == 0:
        return
    supported_sm = [int(arch.split("_")[1]) for arch in arch_list if "sm_" in arch]
    for idx in range(device_count()):
        cap_major, cap_minor = get_device_capability(idx)
        # NVIDIA GPU compute architectures are backward compatible within major version
        supported = any(sm // 10 == cap_major for sm in supported_sm)
        if not supported:
            device_name = get_device_name(idx)
            capability = cap_major * 10 + cap_minor
            warnings.warn(
                incompatible_device_warn.format(
                    device_name, capability, " ".join(arch_list), device_name
                )
            )
'''


def _fake_torch(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "torch" / "cuda").mkdir(parents=True, exist_ok=True)
    (site / "torch" / "__init__.py").write_text(TORCH, encoding="utf-8")
    (site / "torch" / "version.py").write_text(VERSION, encoding="utf-8")
    (site / "torch" / "cuda" / "__init__.py").write_text(TORCH_CUDA, encoding="utf-8")
    return site


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _gpu(cc: str, name: str, archs: str = CU126, cuda: str = "12.4") -> dict:
    return {"FAKE_CC": cc, "FAKE_GPU": name, "FAKE_ARCHS": archs, "FAKE_CUDA": cuda}


def _run_option1(fix_code, tmp_path: Path, env: dict) -> str:
    site = _fake_torch(tmp_path)
    script = tmp_path / "check_arch.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = run_python(script.read_text(encoding="utf-8"), cwd=tmp_path, path=site, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_reproduces_the_warnings_the_entry_lists(tmp_path):
    site = _fake_torch(tmp_path)
    signatures = [_flat(s) for s in parse_entry(ENTRY).errors]
    code = (
        "import warnings, torch\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        "    torch.cuda._check_capability()\n"
        "    torch.cuda._check_cubins()\n"
        "print('%%'.join(f'{w.category.__name__}: {w.message}' for w in seen))\n"
    )
    expected = {"12.0": 1, "3.7": 2}  # the K80 gets both warnings
    for cc, name in (("12.0", "NVIDIA GeForce RTX 5090"), ("3.7", "Tesla K80")):
        result = run_python(code, cwd=tmp_path, path=site, env=_gpu(cc, name))
        assert result.returncode == 0, result.stderr
        warnings = [_flat(w) for w in result.stdout.split("%%")]
        assert len(warnings) == expected[cc], warnings
        for text in warnings:
            assert text in signatures, text
    result = run_python(code, cwd=tmp_path, path=site, env=_gpu("8.6", "NVIDIA GeForce RTX 3090"))
    assert result.stdout.strip() == ""  # a covered GPU: no warning


def test_option1_says_the_build_lacks_sm_120(fix_code, tmp_path):
    out = _run_option1(fix_code, tmp_path, _gpu("12.0", "NVIDIA GeForce RTX 5090"))
    assert f"build arch list: {CU126}" in out
    assert "GPU0 NVIDIA GeForce RTX 5090: compute capability 12.0 (sm_120)" in out
    assert "this torch build lacks sm_120" in out
    assert "newer than the build" in out
    assert "--index-url https://download.pytorch.org/whl/cu129" in out
    assert "covers this GPU" not in out


def test_option1_says_the_build_covers_sm_86(fix_code, tmp_path):
    out = _run_option1(fix_code, tmp_path, _gpu("8.6", "NVIDIA GeForce RTX 3090"))
    assert "compute capability 8.6 (sm_86): this torch build covers this GPU (sm_80, sm_86)" in out
    assert "lacks" not in out
    assert "extension" in out


def test_option1_follows_binary_compatibility_within_a_major_version(fix_code, tmp_path):
    out = _run_option1(fix_code, tmp_path, _gpu("8.9", "NVIDIA GeForce RTX 4090"))
    assert "covers this GPU (sm_80, sm_86)" in out  # no sm_89 cubin, but 8.x cubins run on 8.9
    out = _run_option1(fix_code, tmp_path, _gpu("10.0", "NVIDIA B200", "sm_80 sm_90 compute_90"))
    assert "covers this GPU (compute_90)" in out  # PTX only: JIT-compiled by the driver
    out = _run_option1(fix_code, tmp_path, _gpu("9.0", "NVIDIA H100", "sm_80 sm_100a"))
    assert "this torch build lacks sm_90" in out


def test_option1_says_an_old_gpu_is_below_the_build(fix_code, tmp_path):
    out = _run_option1(fix_code, tmp_path, _gpu("3.7", "Tesla K80"))
    assert "this torch build lacks sm_37; the GPU is older than the build" in out


def test_option1_sends_a_cpu_build_elsewhere(fix_code, tmp_path):
    out = _run_option1(fix_code, tmp_path, {"FAKE_CUDA": "", "FAKE_CC": "", "FAKE_TORCH": "2.13.0+cpu"})
    assert "torch 2.13.0+cpu, built for CUDA None" in out
    assert "CPU-only build" in out
    assert "GPU0" not in out
