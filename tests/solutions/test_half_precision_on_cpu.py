"""Verified fix for solutions/half-precision-on-cpu.md.

torch is not installed in the project (and no GPU is here), so a small stand-in `torch` package goes on the path of
a child interpreter. Its kernels dispatch on (device, dtype) the way ATen's `AT_DISPATCH_SWITCH` does: the default
case of the switch raises `'"' + name + '" not implemented for \\'' + toString(dtype) + "'"`, word for word as
include/ATen/Dispatch.h builds it; as `AT_ERROR` (a RuntimeError in Python) in torch 1.13.1-2.5.1, `TORCH_CHECK`
(RuntimeError) in 2.6-2.7, and `TORCH_CHECK_NOT_IMPLEMENTED` / `CHECK_NOT_IMPLEMENTED` (NotImplementedError) from
2.8.0 (include/torch/headeronly/core/Dispatch.h from 2.10.0). The CPU dtype lists mirror the releases' OpInfo tables
(torch/testing/_internal/common_methods_invocations.py): `addmm_impl_cpu_` (nn.Linear) gains float16 in 2.2,
`LayerNormKernelImpl` in 2.3; bfloat16 is there for both in 2.0.1. On "cuda" every floating dtype has a kernel.

The tests reproduce the entry's first two signatures (fake torch 2.1.2), check the 2.8+ NotImplementedError form,
then run the entry's own Option 1 script: CPU-only it must switch to float32 and cast the fp16 model, with a GPU it
must keep float16 and not cast.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fake_site import write_file
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "half-precision-on-cpu"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

FAKE_TORCH = r'''
import os
from itertools import count

__version__ = os.environ.get("FAKE_TORCH_VERSION", "2.1.2")
_VERSION = tuple(int(part) for part in __version__.split("+")[0].split(".")[:2])


class dtype:
    def __init__(self, name, aten_name, is_floating_point=True):
        self._name, self._aten, self.is_floating_point = name, aten_name, is_floating_point

    def __repr__(self):
        return "torch." + self._name


float32 = float = dtype("float32", "Float")
float64 = double = dtype("float64", "Double")
float16 = half = dtype("float16", "Half")
bfloat16 = dtype("bfloat16", "BFloat16")


class device:
    def __init__(self, name):
        self.type = str(name).split(":")[0]

    def __eq__(self, other):
        return isinstance(other, device) and other.type == self.type

    def __repr__(self):
        return f"device(type='{self.type}')"

    __str__ = lambda self: self.type


def _device(value):
    return value if isinstance(value, device) else device(value or "cpu")


# CPU dtypes of each dispatch switch, by release (OpInfo `dtypes=` of addmm / nn.functional.layer_norm).
_CPU_KERNELS = {
    "addmm_impl_cpu_": (float32, float64, bfloat16) + ((float16,) if _VERSION >= (2, 2) else ()),
    "LayerNormKernelImpl": (float32, float64, bfloat16) + ((float16,) if _VERSION >= (2, 3) else ()),
    "lu_cpu": (float32, float64),
}


def _dispatch(name, dev, st):
    """AT_DISPATCH_SWITCH: the default case of the switch over the scalar type."""
    if dev.type != "cpu":
        return
    if st not in _CPU_KERNELS[name]:
        error = NotImplementedError if _VERSION >= (2, 8) else RuntimeError
        raise error('"' + name + "\" not implemented for '" + st._aten + "'")


class Tensor:
    def __init__(self, shape, dtype=None, device=None):
        self.shape, self.dtype, self.device = tuple(shape), dtype or float32, _device(device)

    def to(self, *args, dtype=None, device=None):
        for arg in args:
            if isinstance(arg, globals()["dtype"]):
                dtype = arg
            else:
                device = arg
        return Tensor(self.shape, dtype or self.dtype, device or self.device)

    def float(self):
        return self.to(float32)

    def half(self):
        return self.to(float16)

    def cpu(self):
        return self.to("cpu")


def _check_same(a, b):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {a.dtype._aten} and {b.dtype._aten}")
    if a.device != b.device:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!")


def randn(*shape, dtype=None, device=None):
    return Tensor(shape, dtype, device)


def ones(*shape, dtype=None, device=None):
    return Tensor(shape, dtype, device)


def det(t):
    _dispatch("lu_cpu", t.device, t.dtype)
    return Tensor(t.shape[:-2], t.dtype, t.device)


class Parameter(Tensor):
    pass


class _Cuda:
    @staticmethod
    def is_available():
        return os.environ.get("FAKE_GPU") == "1"


cuda = _Cuda()


class backends:
    mps = None


class nn:
    class Module:
        def __init__(self):
            object.__setattr__(self, "_params", {})
            object.__setattr__(self, "_children", {})

        def __setattr__(self, key, value):
            if isinstance(value, Parameter):
                self._params[key] = value
            elif isinstance(value, nn.Module):
                self._children[key] = value
            object.__setattr__(self, key, value)

        def named_parameters(self, prefix=""):
            for key, value in self._params.items():
                yield prefix + key, value
            for key, child in self._children.items():
                yield from child.named_parameters(prefix + key + ".")

        def parameters(self):
            for _, value in self.named_parameters():
                yield value

        def _apply(self, fn):
            for key, value in list(self._params.items()):
                setattr(self, key, Parameter(**vars(fn(value))))
            for child in self._children.values():
                child._apply(fn)
            return self

        def to(self, *args, **kwargs):
            return self._apply(lambda t: t.to(*args, **kwargs))

        def half(self):
            return self._apply(lambda t: t.to(float16) if t.dtype.is_floating_point else t)

        def float(self):
            return self._apply(lambda t: t.to(float32) if t.dtype.is_floating_point else t)

        def __call__(self, *args):
            return self.forward(*args)

    class Linear(Module):
        def __init__(self, fan_in, fan_out, dtype=None, device=None):
            super().__init__()
            self.weight = Parameter((fan_out, fan_in), dtype, device)
            self.bias = Parameter((fan_out,), dtype, device)

        def forward(self, x):  # F.linear -> addmm on CPU
            _check_same(x, self.weight)
            _dispatch("addmm_impl_cpu_", x.device, x.dtype)
            return Tensor(x.shape[:-1] + (self.weight.shape[0],), x.dtype, x.device)

    class LayerNorm(Module):
        def __init__(self, size, dtype=None, device=None):
            super().__init__()
            self.weight = Parameter((size,), dtype, device)
            self.bias = Parameter((size,), dtype, device)

        def forward(self, x):  # layer_norm_cpu -> LayerNormKernelImpl (mixed fp16 input / fp32 weight is allowed)
            _dispatch("LayerNormKernelImpl", x.device, x.dtype)
            return Tensor(x.shape, x.dtype, x.device)

    class Sequential(Module):
        def __init__(self, *modules):
            super().__init__()
            for index, module in enumerate(modules):
                setattr(self, str(index), module)

        def forward(self, x):
            for module in self._children.values():
                x = module(x)
            return x
'''


def _site(tmp_path):
    write_file(tmp_path / "site" / "torch" / "__init__.py", FAKE_TORCH)
    return tmp_path / "site"


def _errors():
    return parse_entry(ENTRY).errors


@pytest.mark.parametrize(
    ("code", "index"),
    [
        (
            "import torch\nm = torch.nn.Linear(4, 2).half()\nm(torch.randn(3, 4, dtype=torch.float16))\n",
            0,
        ),
        (
            "import torch\nm = torch.nn.LayerNorm(4).half()\nm(torch.randn(3, 4, dtype=torch.float16))\n",
            1,
        ),
    ],
    ids=["linear", "layer_norm"],
)
def test_reproduces_the_signature_on_torch_2_1(tmp_path, code, index):
    site = _site(tmp_path)
    result = run_python(code, path=site, env={"FAKE_TORCH_VERSION": "2.1.2", "FAKE_GPU": None})
    assert result.returncode != 0
    assert last_line(result) == _errors()[index]
    # the same code in float32, or in bfloat16, has a CPU kernel: no error
    for cast in ("float()", "to(torch.bfloat16)"):
        fixed = code.replace(".half()", "." + cast).replace("torch.float16", "next(m.parameters()).dtype")
        ok = run_python(fixed, path=site, env={"FAKE_TORCH_VERSION": "2.1.2", "FAKE_GPU": None})
        assert ok.returncode == 0, ok.stderr


def test_versions_where_the_kernels_exist_and_the_2_8_exception(tmp_path):
    site = _site(tmp_path)
    linear = "import torch\nm = torch.nn.Linear(4, 2).half()\nm(torch.randn(3, 4, dtype=torch.float16))\n"
    norm = "import torch\nm = torch.nn.LayerNorm(4).half()\nm(torch.randn(3, 4, dtype=torch.float16))\n"
    assert run_python(linear, path=site, env={"FAKE_TORCH_VERSION": "2.2.2"}).returncode == 0
    assert run_python(norm, path=site, env={"FAKE_TORCH_VERSION": "2.2.2"}).returncode != 0
    assert run_python(norm, path=site, env={"FAKE_TORCH_VERSION": "2.3.1"}).returncode == 0
    det = "import torch\ntorch.det(torch.randn(3, 3, dtype=torch.float16))\n"
    newer = run_python(det, path=site, env={"FAKE_TORCH_VERSION": "2.13.0"})
    assert last_line(newer) in _errors()
    assert last_line(newer).startswith("NotImplementedError: ")
    older = run_python(det, path=site, env={"FAKE_TORCH_VERSION": "2.7.1"})
    assert last_line(older) == "RuntimeError: \"lu_cpu\" not implemented for 'Half'"


def test_every_kernel_signature_has_the_dispatch_format():
    shape = re.compile(
        r"""^(RuntimeError|NotImplementedError): "\w+" not implemented for '(Half|BFloat16)'$"""
    )
    kernel = [e for e in _errors() if "not implemented for" in e]
    assert len(kernel) >= 10
    assert all(shape.match(e) for e in kernel), [e for e in kernel if not shape.match(e)]


def test_option1_on_a_cpu_only_machine_casts_the_fp16_model_to_float32(tmp_path, fix_code):
    site = _site(tmp_path)
    code = fix_code(SLUG, 1)
    # without the fix the entry's demo model fails exactly as the signature says
    broken = code.replace("make_cpu_safe(model) if", "model if")
    failed = run_python(broken, path=site, env={"FAKE_TORCH_VERSION": "2.1.2", "FAKE_GPU": None})
    assert failed.returncode != 0
    assert last_line(failed) == _errors()[0]

    result = run_python(code, path=site, env={"FAKE_TORCH_VERSION": "2.1.2", "FAKE_GPU": None})
    assert result.returncode == 0, result.stderr
    assert "device: cpu dtype: torch.float32" in result.stdout
    assert "4 float16 tensors on the CPU (first: 0.weight): casting the model to float32" in result.stdout
    assert "output dtype: torch.float32" in result.stdout


def test_option1_with_a_gpu_keeps_float16_and_does_not_cast(tmp_path, fix_code):
    site = _site(tmp_path)
    result = run_python(fix_code(SLUG, 1), path=site, env={"FAKE_TORCH_VERSION": "2.1.2", "FAKE_GPU": "1"})
    assert result.returncode == 0, result.stderr
    assert "device: cuda dtype: torch.float16" in result.stdout
    assert "casting" not in result.stdout
    assert "output dtype: torch.float16" in result.stdout


def test_make_cpu_safe_leaves_float32_and_bfloat16_models_alone(tmp_path, fix_code):
    site = _site(tmp_path)
    write_file(tmp_path / "code" / "option1.py", fix_code(SLUG, 1))
    check = (
        "import torch\nfrom option1 import make_cpu_safe\n"
        "for m in (torch.nn.Linear(4, 2), torch.nn.Linear(4, 2).to(torch.bfloat16)):\n"
        "    before = next(m.parameters()).dtype\n"
        "    assert next(make_cpu_safe(m).parameters()).dtype is before\n"
        "gpu = torch.nn.Linear(4, 2).half().to('cuda')\n"
        "assert next(make_cpu_safe(gpu).parameters()).dtype is torch.float16\n"
        "print('ok')\n"
    )
    result = run_python(check, path=[site, tmp_path / "code"], env={"FAKE_TORCH_VERSION": "2.1.2"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
