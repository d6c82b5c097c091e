"""Verified fix for solutions/meta-tensor-no-data.md.

The project installs neither torch nor accelerate, so both are small fakes in tmp_path, shaped like the
releases the entry was checked on (torch 2.13.0, accelerate 1.16.0):
- torch: `Tensor.to` raises `NotImplementedError("Cannot copy out of meta tensor; no data!")` for a meta
  source (aten/src/ATen/native/Copy.cpp), `Tensor.item` raises the message of torch/_meta_registrations.py
  `meta_local_scalar_dense`, and `nn.Module.to`'s `convert` re-raises the copy error with the to_empty() hint
  word for word as torch/nn/modules/module.py does; `Module.to_empty` is `_apply(empty_like(t, device=...))`.
- accelerate: `big_modeling.dispatch_model` keeps offloaded ("disk", or "cpu" when the main device is not the
  CPU) parameters on meta, sets `model.hf_device_map`, and wraps `model.to` / `model.cuda` with 1.16.0's
  `add_warning` (the log line, then the RuntimeError when any parameter is on meta), word for word.
The tests reproduce the errors in a child interpreter, then run the entry's own Option 1 code: as a script,
and as functions on a dispatched model, a model with a never-loaded weight and a plain model.
"""

import textwrap
from pathlib import Path

from fake_site import write_files
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "meta-tensor-no-data"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

TORCH = """
__version__ = "2.13.0+cpu"


class device:
    def __init__(self, spec):
        spec = str(spec)
        self.type, _, index = spec.partition(":")
        self.index = int(index) if index else None

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    __repr__ = __str__

    def __eq__(self, other):
        return str(self) == str(device(other))

    def __hash__(self):
        return hash(str(self))


class Tensor:
    def __init__(self, shape, device_="cpu"):
        self.shape = tuple(shape)
        self.device = device(device_)

    @property
    def is_meta(self):
        return self.device.type == "meta"

    def to(self, dev=None, *args, **kwargs):
        if dev is None or device(dev) == self.device:
            return self
        if self.is_meta:
            # aten/src/ATen/native/Copy.cpp copy_impl
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        return type(self)(self.shape, dev)

    def cpu(self):
        return self.to("cpu")

    def item(self):
        if self.is_meta:
            # torch/_meta_registrations.py meta_local_scalar_dense
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        return 0.0


def empty(*shape, device="cpu"):
    return Tensor(shape, device)


def empty_like(t, device=None):
    return type(t)(t.shape, device or t.device)


from . import nn  # noqa: E402
"""

NN = """
import torch


class Parameter(torch.Tensor):
    pass


class Module:
    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})

    def __setattr__(self, name, value):
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        for table in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(table, {}):
                return self.__dict__[table][name]
        raise AttributeError(name)

    def named_parameters(self, prefix=""):
        for name, p in self._parameters.items():
            yield prefix + name, p
        for mname, m in self._modules.items():
            yield from m.named_parameters(prefix + mname + ".")

    def named_buffers(self, prefix=""):
        for name, b in self._buffers.items():
            yield prefix + name, b
        for mname, m in self._modules.items():
            yield from m.named_buffers(prefix + mname + ".")

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def _apply(self, fn):
        for m in self._modules.values():
            m._apply(fn)
        for name, p in list(self._parameters.items()):
            new = fn(p)
            self._parameters[name] = Parameter(new.shape, new.device)
        return self

    def to_empty(self, *, device, recurse=True):
        return self._apply(lambda t: torch.empty_like(t, device=device))

    def cpu(self):
        return self._apply(lambda t: t.cpu())

    def to(self, device=None, *args, **kwargs):
        # torch/nn/modules/module.py Module.to (2.13.0)
        def convert(t):
            try:
                return t.to(device)
            except NotImplementedError as e:
                if str(e) == "Cannot copy out of meta tensor; no data!":
                    raise NotImplementedError(
                        f"{e} Please use torch.nn.Module.to_empty() instead of torch.nn.Module.to() "
                        f"when moving module from meta to a different device."
                    ) from None
                else:
                    raise

        return self._apply(convert)


class Linear(Module):
    def __init__(self, in_features, out_features, device=None):
        super().__init__()
        self.weight = Parameter((out_features, in_features), device or "cpu")
        self.bias = Parameter((out_features,), device or "cpu")


class Sequential(Module):
    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            self._modules[str(i)] = m

    def __getitem__(self, i):
        return self._modules[str(i)]
"""

ACCELERATE = """
import logging
from functools import wraps

import torch

logger = logging.getLogger("accelerate.big_modeling")


def dispatch_model(model, device_map, main_device=None):
    if len(set(device_map.values())) > 1:
        if main_device is None:
            if set(device_map.values()) in ({"cpu"}, {"cpu", "disk"}):
                main_device = "cpu"
            else:
                main_device = [d for d in device_map.values() if d not in ["cpu", "disk"]][0]
        offloaded_devices = ["disk"] if main_device == "cpu" else ["cpu", "disk"]
        for name, where in device_map.items():
            if where in offloaded_devices:
                model[int(name)].to_empty(device="meta")  # the weights live in the offload folder

        # accelerate 1.16.0 big_modeling.py dispatch_model
        def add_warning(fn, model):
            @wraps(fn)
            def wrapper(*args, **kwargs):
                warning_msg = "You shouldn't move a model that is dispatched using accelerate hooks."
                logger.warning(warning_msg)
                for param in model.parameters():
                    if param.device == torch.device("meta"):
                        raise RuntimeError("You can't move a model that has some modules offloaded to cpu or disk.")
                return fn(*args, **kwargs)

            wrapper._accelerate_added_attribute = True
            return wrapper

        model.to = add_warning(model.to, model)
        model.cuda = add_warning(getattr(model, "cuda", model.cpu), model)
    model.hf_device_map = dict(device_map)
    return model
"""

FILES = {
    "torch/__init__.py": TORCH,
    "torch/nn/__init__.py": NN,
    "accelerate/__init__.py": "__version__ = '1.16.0'\nfrom .big_modeling import dispatch_model\n",
    "accelerate/big_modeling.py": ACCELERATE,
}

DISPATCHED = """
import torch
from accelerate import dispatch_model

model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
model = dispatch_model(model, {"0": "cpu", "1": "disk"})
"""


def _site(tmp_path):
    return write_files(tmp_path / "site", FILES)


def _fails_with(code, tmp_path, site):
    result = run_python(code, cwd=tmp_path, path=site)
    assert result.returncode != 0, result.stdout
    return last_line(result), result


def test_reproduces_the_meta_tensor_errors(tmp_path):
    site = _site(tmp_path)
    errors = parse_entry(ENTRY).errors
    bare, _ = _fails_with('import torch\ntorch.empty(2, device="meta").to("cpu")\n', tmp_path, site)
    assert bare == errors[0]
    module, _ = _fails_with('import torch\ntorch.nn.Linear(2, 2, device="meta").to("cpu")\n', tmp_path, site)
    assert module == errors[1]
    item, _ = _fails_with('import torch\ntorch.empty(1, device="meta").item()\n', tmp_path, site)
    assert item == errors[2]
    moved, result = _fails_with(DISPATCHED + 'model.to("cpu")\n', tmp_path, site)
    assert moved == errors[3]
    assert "You shouldn't move a model that is dispatched using accelerate hooks." in result.stderr
    # a submodule's .to() goes around accelerate's guard and hits torch's own message
    layer, _ = _fails_with(DISPATCHED + 'model[1].to("cpu")\n', tmp_path, site)
    assert layer == errors[1]
    # a model with nothing on meta moves fine
    plain = run_python('import torch\ntorch.nn.Linear(2, 2).to("cpu")\n', cwd=tmp_path, path=site)
    assert plain.returncode == 0, plain.stderr


def test_option1_script(fix_code, tmp_path):
    site = _site(tmp_path)
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "moved: cpu"
    assert lines[1].startswith("dispatched by accelerate over ['cpu', 'disk']: not moved")
    assert lines[2].startswith("2 tensors were never loaded (still on meta), e.g. ['1.weight', '1.bias']")


def test_option1_functions_on_dispatched_unloaded_and_plain_models(fix_code, tmp_path):
    site = _site(tmp_path)
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    check = DISPATCHED + textwrap.dedent(
        """
        from fix import meta_tensors, place

        # dispatched with disk offload: left alone, no exception, weights untouched
        assert meta_tensors(model) == ["1.weight", "1.bias"]
        assert place(model, "cpu") is model
        assert meta_tensors(model) == ["1.weight", "1.bias"]

        # a weight never loaded and no device map: a clear error naming it, not torch's
        broken = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2, device="meta"))
        try:
            place(broken, "cpu")
        except RuntimeError as exc:
            assert "['1.weight', '1.bias']" in str(exc), exc
        else:
            raise AssertionError("place() moved a model with meta weights")

        # one device in the map, nothing on meta: moved as usual
        single = torch.nn.Sequential(torch.nn.Linear(4, 4))
        single.hf_device_map = {"": "cpu"}
        assert place(single, "meta") is single
        assert meta_tensors(single) == ["0.weight", "0.bias"]
        print("ok")
        """
    )
    result = run_python(check, cwd=tmp_path, path=[site, tmp_path])
    assert result.returncode == 0, result.stderr
    assert "dispatched by accelerate over ['cpu', 'disk']: not moved" in result.stdout
    assert result.stdout.rstrip().endswith("ok")
