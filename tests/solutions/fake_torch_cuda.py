"""A fake `torch.cuda` for the verified-fix tests: there is no GPU here.

FAKE_GPU_CC is the compute capability the GPU reports ("8.0" for an A100; empty: no CUDA), FAKE_GPU its
name (by default an A100 from 8.0 on, else a T4). The calls are the ones the entries' checks make, with
torch's own signatures: `is_available()`, `get_device_capability(device=None)`, `get_device_name(device=None)`.
"""

TORCH_CUDA = """
import os

_CC = os.environ.get("FAKE_GPU_CC", "")


def is_available():
    return bool(_CC)


def get_device_capability(device=None):
    major, minor = _CC.split(".")
    return int(major), int(minor)


def get_device_name(device=None):
    return os.environ.get("FAKE_GPU") or ("NVIDIA A100-SXM4-40GB" if _CC >= "8" else "Tesla T4")
"""
