"""Verified fix for solutions/checkpoint-state-dict-mismatch.md.

The project does not install torch (a multi-GB wheel), so the tests write a small fake `torch` into tmp_path.
Its `nn.Module.load_state_dict` and `_load_from_state_dict` are torch 2.14.1's (torch/nn/modules/module.py,
read in the PyPI wheel) with the hooks, meta, lazy and swap-tensor branches left out: the same key walk and the
same message building, word for word ("Error(s) in loading state_dict for {class}:", "Missing key(s) in
state_dict: ... ", "Unexpected key(s) in state_dict: ... ", "size mismatch for {key}: copying a param with shape
... from checkpoint, the shape in current model is ...", recorded whatever `strict` is). `torch.Size` prints as
`torch.Size([5, 8])`, `save`/`load` pickle the object, `nn.Linear`/`nn.ReLU`/`nn.Sequential` name their
parameters as torch does. The tests reproduce the errors in a child interpreter, run the entry's Option 1
block as a script and its helpers on plain dicts of shapes, and run Option 3's block. Option 1 is also run on
checkpoints that hold tensors beside the weights (the tutorial's `loss`) and on .safetensors files (a fake
`safetensors.torch` that writes and reads the real header layout).
"""

from pathlib import Path

from fake_site import write_files
from pyrun import run_python, script_names

SLUG = "checkpoint-state-dict-mismatch"

TORCH_INIT = """
__version__ = "2.14.1"

import pickle
import random


class Size(tuple):
    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__


class Tensor:
    def __init__(self, *shape):
        self.shape = Size(shape)
        count = 1
        for dim in shape:
            count *= dim
        self.data = [random.random() for _ in range(count)]

    def size(self):
        return self.shape

    def copy_(self, other):
        self.data = list(other.data)
        return self


def zeros(*shape):
    t = Tensor(*shape)
    t.data = [0.0] * len(t.data)
    return t


def equal(a, b):
    return a.shape == b.shape and a.data == b.data


class no_grad:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def save(obj, path):
    with open(path, "wb") as f:
        pickle.dump(obj, f)


def load(path, map_location=None, weights_only=True):
    with open(path, "rb") as f:
        return pickle.load(f)


from . import nn, overrides  # noqa: E402  (as torch: the submodules need the names above)
"""

TORCH_OVERRIDES = """
def is_tensor_like(inp):
    import torch

    return isinstance(inp, torch.Tensor)
"""

TORCH_NN = """
import itertools
from collections import OrderedDict, namedtuple
from typing import Any, Mapping

import torch

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Parameter(torch.Tensor):
    pass


class Module:
    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def __setattr__(self, name, value):
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def state_dict(self, prefix=""):
        out = OrderedDict()
        for name, p in self._parameters.items():
            out[prefix + name] = p
        for name, child in self._modules.items():
            out.update(child.state_dict(prefix + name + "."))
        return out

    # torch 2.14.1 torch/nn/modules/module.py, hooks/meta/lazy/swap branches left out
    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        persistent_buffers = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        local_name_params = itertools.chain(self._parameters.items(), persistent_buffers.items())
        local_state = {k: v for k, v in local_name_params if v is not None}

        for name, param in local_state.items():
            key = prefix + name
            if key in state_dict:
                input_param = state_dict[key]
                if not torch.overrides.is_tensor_like(input_param):
                    error_msgs.append(
                        f'While copying the parameter named "{key}", '
                        "expected torch.Tensor or Tensor-like object from checkpoint but "
                        f"received {type(input_param)}"
                    )
                    continue
                if input_param.shape != param.shape:
                    # local shape should match the one in checkpoint
                    error_msgs.append(
                        f"size mismatch for {key}: copying a param with shape {input_param.shape} from checkpoint, "
                        f"the shape in current model is {param.shape}."
                    )
                    continue
                with torch.no_grad():
                    param.copy_(input_param)
            elif strict:
                missing_keys.append(key)

        if strict:
            for key in state_dict:
                if key.startswith(prefix):
                    input_name = key[len(prefix) :].split(".", 1)
                    # Must be Module if it has attributes
                    if len(input_name) > 1:
                        if input_name[0] not in self._modules:
                            unexpected_keys.append(key)
                    elif input_name[0] not in local_state:
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False):
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")

        missing_keys = []
        unexpected_keys = []
        error_msgs = []

        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)

        def load(module, local_state_dict, prefix=""):
            local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
            module._load_from_state_dict(
                local_state_dict, prefix, local_metadata, True, missing_keys, unexpected_keys, error_msgs
            )
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_state_dict = {k: v for k, v in local_state_dict.items() if k.startswith(child_prefix)}
                    load(child, child_state_dict, child_prefix)  # noqa: F821

        load(self, state_dict)
        del load

        if strict:
            if len(unexpected_keys) > 0:
                error_msgs.insert(
                    0,
                    "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected_keys)),
                )
            if len(missing_keys) > 0:
                error_msgs.insert(
                    0,
                    "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing_keys)),
                )

        if len(error_msgs) > 0:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\\n\\t{}".format(
                    self.__class__.__name__, "\\n\\t".join(error_msgs)
                )
            )
        return _IncompatibleKeys(missing_keys, unexpected_keys)


class Linear(Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = Parameter(out_features, in_features)
        self.bias = Parameter(out_features)


class ReLU(Module):
    pass


class Sequential(Module):
    def __init__(self, *mods):
        super().__init__()
        for i, m in enumerate(mods):
            setattr(self, str(i), m)

    def __getitem__(self, i):
        return self._modules[str(i)]


class DataParallel(Module):
    def __init__(self, module):
        super().__init__()
        self.module = module
"""

NET = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, n=10):
        super().__init__()
        self.encoder = nn.Linear(4, 8)
        self.head = nn.Linear(8, n)


def attempt(model, state, **kw):
    try:
        print("OK", model.load_state_dict(state, **kw))
    except RuntimeError as exc:
        print("RuntimeError: " + str(exc))
"""


def _site(tmp_path: Path) -> Path:
    return write_files(
        tmp_path / "site",
        {
            "torch/__init__.py": TORCH_INIT,
            "torch/overrides.py": TORCH_OVERRIDES,
            "torch/nn/__init__.py": TORCH_NN,
            "net.py": NET,
        },
    )


def test_reproduces_torch_messages(tmp_path):
    site = _site(tmp_path)
    code = """
from net import Net, attempt
from torch import nn
attempt(Net(), nn.DataParallel(Net()).state_dict())
attempt(Net(), Net(5).state_dict(), strict=False)
attempt(Net(), {"epoch": 3, "state_dict": Net().state_dict()})
"""
    result = run_python(code, path=site, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert (
        "RuntimeError: Error(s) in loading state_dict for Net:\n"
        '\tMissing key(s) in state_dict: "encoder.weight", "encoder.bias", "head.weight", "head.bias". \n'
        '\tUnexpected key(s) in state_dict: "module.encoder.weight", "module.encoder.bias", '
        '"module.head.weight", "module.head.bias". \n'
    ) in out
    # strict=False does not skip a shape mismatch
    assert (
        "\tsize mismatch for head.weight: copying a param with shape torch.Size([5, 8]) from checkpoint, "
        "the shape in current model is torch.Size([10, 8]).\n"
    ) in out
    assert 'Unexpected key(s) in state_dict: "epoch", "state_dict". ' in out
    assert "OK" not in out


def test_option1_script_loads_wrapped_checkpoints_and_explains_a_variant(fix_code, tmp_path):
    site = _site(tmp_path)
    result = run_python(fix_code(SLUG, 1), path=site, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["loaded ddp.pt", "loaded lit.ckpt"]
    assert "five.pt does not fit Sequential:" in result.stdout
    assert "shape 2.weight: checkpoint (5, 8) != model (10, 8)" in result.stdout
    assert "build the model it was made for (Option 2)" in result.stdout
    # the inventory mode prints the checkpoint's shapes
    listing = run_python(fix_code(SLUG, 1), path=site, cwd=tmp_path, args=["lit.ckpt"])
    assert listing.returncode == 0, listing.stderr
    assert "top-level keys: ['epoch', 'state_dict']" in listing.stdout
    assert "model._orig_mod.2.weight\t(10, 8)" in listing.stdout


def _beside_option1(fix_code, tmp_path: Path, code: str, site: Path | None = None):
    """Run `code` with the entry's Option 1 importable as fit_checkpoint (and the fake torch's site)."""
    site = site or _site(tmp_path)
    (tmp_path / "fit_checkpoint.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    return run_python(code, path=[site, tmp_path], cwd=tmp_path)


def test_option1_loaded_weights_are_the_checkpoints(fix_code, tmp_path):
    code = """
import torch
from torch import nn
from net import Net
from fit_checkpoint import load_checkpoint

trained = Net()
torch.save({"model": {"module._orig_mod." + k: v for k, v in trained.state_dict().items()}, "optimizer": {}}, "a.pt")
fresh = load_checkpoint(Net(), "a.pt")
assert torch.equal(fresh.head.weight, trained.head.weight)
plain = Net()
torch.save(plain.state_dict(), "plain.pt")
wrapped = load_checkpoint(nn.DataParallel(Net()), "plain.pt")  # module. added for a wrapped model
assert torch.equal(wrapped.module.encoder.weight, plain.encoder.weight)
torch.save({"state_dict": {"model." + k: v for k, v in Net(5).state_dict().items()}}, "five.ckpt")
try:
    load_checkpoint(Net(), "five.ckpt")
except RuntimeError as exc:
    print(exc)
else:
    raise AssertionError("a 5-class checkpoint loaded into a 10-class model")
print("ok")
"""
    result = _beside_option1(fix_code, tmp_path, code)
    assert result.returncode == 0, result.stderr
    assert "shape head.weight: checkpoint (5, 8) != model (10, 8)" in result.stdout
    assert result.stdout.rstrip().endswith("ok")


def test_option1_helpers_on_plain_shapes(fix_code):
    ns = script_names(fix_code(SLUG, 1))
    model = {"encoder.weight": (8, 4), "head.weight": (10, 8)}
    weights, (missing, unexpected, mismatched) = ns["fit"](
        {
            "epoch": 1,
            "state_dict": {"model.module.encoder.weight": (8, 4), "model.module.head.weight": (5, 8)},
        },
        model,
    )
    assert sorted(weights) == sorted(model)
    assert (missing, unexpected) == ([], [])
    assert mismatched == {"head.weight": ((5, 8), (10, 8))}
    lora = {"base_model.model.q_proj.lora_A.weight": (2, 16)}
    _, problems = ns["fit"](lora, {"q_proj.weight": (16, 16)})
    assert "adapter (LoRA/PEFT)" in ns["explain"](*problems)


def test_option3_skips_only_the_head(fix_code, tmp_path):
    site = _site(tmp_path)
    result = run_python(fix_code(SLUG, 3), path=site, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "re-initialised (train these): ['2.weight', '2.bias']"
    broken = fix_code(SLUG, 3).replace('head_prefixes=("2.",)', 'head_prefixes=("9.",)')
    result = run_python(broken, path=site, cwd=tmp_path)
    assert result.returncode != 0
    assert "size mismatch for 2.weight" in result.stderr


def test_option1_unwraps_checkpoints_that_hold_tensors_of_their_own(fix_code, tmp_path):
    # The PyTorch tutorial's general checkpoint saves `loss` (a tensor) beside model_state_dict, and
    # pytorch/examples' ImageNet script saves `best_acc1` (a tensor) beside a DataParallel state_dict.
    # The old weights_of() stopped at the top level as soon as one value had a .shape.
    code = """
import torch
from torch import nn
from net import Net
from fit_checkpoint import load_checkpoint

trained = Net()
torch.save(
    {"epoch": 5, "model_state_dict": trained.state_dict(), "optimizer_state_dict": {"state": {}}, "loss": torch.Tensor()},
    "tutorial.pt",
)
assert torch.equal(load_checkpoint(Net(), "tutorial.pt").head.weight, trained.head.weight)
torch.save(
    {"epoch": 90, "arch": "net", "state_dict": nn.DataParallel(trained).state_dict(), "best_acc1": torch.Tensor()},
    "model_best.pth.tar",
)
assert torch.equal(load_checkpoint(Net(), "model_best.pth.tar").encoder.weight, trained.encoder.weight)
print("ok")
"""
    result = _beside_option1(fix_code, tmp_path, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


SAFETENSORS_TORCH = """
import json
import struct

import torch


def save_file(tensors, path):
    header = json.dumps({k: {"dtype": "F32", "shape": list(v.shape)} for k, v in tensors.items()}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)


def load_file(filename, device="cpu"):
    with open(filename, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
    return {k: torch.zeros(*v["shape"]) for k, v in header.items() if k != "__metadata__"}
"""


def test_option1_reads_safetensors_files(fix_code, tmp_path):
    # A .safetensors file is an 8-byte header length + JSON header, not a pickle: torch.load up to 2.12
    # cannot read it (the safetensors branch of torch/serialization.py first ships in 2.13.0); the fake
    # torch.load here unpickles like those releases did. Adapters and HF weights are .safetensors.
    site = _site(tmp_path)
    write_files(site, {"safetensors/__init__.py": "", "safetensors/torch.py": SAFETENSORS_TORCH})
    code = """
from net import Net
from safetensors.torch import save_file
from fit_checkpoint import load_checkpoint

save_file(Net().state_dict(), "model.safetensors")
load_checkpoint(Net(), "model.safetensors")
save_file({"base_model.model.head.lora_A.weight": Net().head.weight}, "adapter_model.safetensors")
try:
    load_checkpoint(Net(), "adapter_model.safetensors")
except RuntimeError as exc:
    print(exc)
print("ok")
"""
    result = _beside_option1(fix_code, tmp_path, code, site)
    assert result.returncode == 0, result.stderr
    assert "-> an adapter (LoRA/PEFT) checkpoint" in result.stdout
    assert "another architecture" not in result.stdout  # the adapter hint is the answer, not a second guess
    assert result.stdout.rstrip().endswith("ok")
    listing = run_python(fix_code(SLUG, 1), path=site, cwd=tmp_path, args=["model.safetensors"])
    assert listing.returncode == 0, listing.stderr
    assert "head.weight\t(10, 8)" in listing.stdout
