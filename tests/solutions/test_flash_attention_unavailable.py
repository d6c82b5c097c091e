"""Verified fix for solutions/flash-attention-unavailable.md.

Neither torch nor transformers is installed in this venv (torch is hundreds of MB, there is no GPU), so the tests
write stand-ins into tmp_path:

- `torch`: the build (`FAKE_TORCH_CUDA`: empty for a CPU or Apple build, "12.4" for a CUDA build), the GPU
  (`FAKE_GPU_CC`: empty for none, "8.0" for an A100), `torch.__version__` and `torch._C._GLIBCXX_USE_CXX11_ABI`
  from the environment, and numpy-backed tensors with `torch.nn.functional.scaled_dot_product_attention` computed
  as torch's documentation defines it (a boolean mask's False is -inf; key/value heads must equal query heads).
- `transformers` in the shape of the released 4.57.6 or 5.25.0 (`FAKE_TRANSFORMERS`): `from_pretrained` builds
  the model with `cls(config, *model_args, **model_kwargs)` (so a removed keyword is Python's own TypeError), and
  `PreTrainedModel.__init__` runs the attention check. The checks are copied from the wheels' modeling_utils.py
  (4.57.6 `_flash_attn_2_can_dispatch`; 5.25.0 `_flash_attn_can_dispatch` and `_flash_attn_import_error` with
  FLASH_ATTENTION_COMPATIBILITY_MATRIX[2]) and utils/import_utils.py (`is_flash_attn_2_available` of each), with
  their messages verbatim; the Ascend NPU, XPU, MLU and MUSA branches are left out (always false here), and so is
  5.25.0's Hub-kernel fallback, which needs the `kernels` package and the network and ends in the same error.
- `flash_attn`: the package as flash-attn 2.8.3.post2 installs it (`flash_attn/__init__.py` imports
  `flash_attn_interface`, which imports the compiled `flash_attn_2_cuda`); installed with or without that
  extension, or as a distribution reporting an older version.

The tests reproduce the entry's signatures in a child interpreter and check that the matcher answers them with
this entry, then run the entry's own Option 1 on each kind of machine, Option 2 against flash-attn 2.8.3.post2's
own `get_wheel_url` (copied from its setup.py), and Option 3 against flash_attn_func's documented semantics.
"""

import json
import re
import textwrap

import pytest
from answers import assert_answers, confident_answer
from fake_site import fake_distribution, write_files
from fake_torch_cuda import TORCH_CUDA
from pyrun import last_line, run_python

SLUG = "flash-attention-unavailable"

PREFACE = "FlashAttention2 has been toggled on, but it cannot be used due to the following error:"
INSTALL = (
    "Please refer to the documentation of https://huggingface.co/docs/transformers/perf_infer_gpu_one"
    "#flashattention-2 to install Flash Attention 2."
)

FAKE_TORCH = {
    "torch/__init__.py": '''
        """Stand-in for torch: build, GPU and version from the environment; numpy-backed tensors."""
        import os

        import numpy as np

        __version__ = os.environ.get("FAKE_TORCH_VERSION", "2.6.0+cu124")


        class version:
            cuda = os.environ.get("FAKE_TORCH_CUDA") or None
            hip = None


        class _C:
            _GLIBCXX_USE_CXX11_ABI = os.environ.get("FAKE_CXX11_ABI", "0") == "1"


        class dtype:
            def __init__(self, name, np_dtype):
                self.name, self.np = name, np_dtype

            def __repr__(self):
                return "torch." + self.name


        float32 = dtype("float32", np.float64)
        float16 = dtype("float16", np.float64)
        bfloat16 = dtype("bfloat16", np.float64)
        bool = dtype("bool", np.bool_)


        class device:
            def __init__(self, spec):
                self.type = str(spec).split(":")[0]

            def __str__(self):
                return self.type


        class Tensor:
            def __init__(self, array, where="cpu", kind=None):
                self.a = np.asarray(array)
                self.device = where if isinstance(where, device) else device(where)
                self.dtype = kind or (bool if self.a.dtype == np.bool_ else float32)

            @property
            def shape(self):
                return tuple(self.a.shape)

            @property
            def is_cuda(self):
                return self.device.type == "cuda"

            def _new(self, array, kind=None):
                return Tensor(array, self.device, kind or self.dtype)

            def transpose(self, dim0, dim1):
                return self._new(np.swapaxes(self.a, dim0, dim1))

            def repeat_interleave(self, repeats, dim):
                return self._new(np.repeat(self.a, repeats, axis=dim))

            def tril(self, diagonal=0):
                return self._new(np.tril(self.a, k=diagonal))

            def any(self, dim):
                return self._new(self.a.any(axis=dim), bool)

            def __invert__(self):
                return self._new(~self.a)

            def __or__(self, other):
                return self._new(self.a | other.a, bool)

            def __getitem__(self, index):
                return self._new(self.a[index])

            def masked_fill(self, mask, value):
                return self._new(np.where(mask.a, value, self.a))

            def contiguous(self):
                return self._new(np.ascontiguousarray(self.a))

            def to(self, *args, **kwargs):
                for arg in args:
                    if isinstance(arg, dtype):
                        return self._new(self.a, arg)
                return Tensor(self.a, args[0] if args else kwargs.get("device", self.device), self.dtype)


        def tensor(data, device="cpu", dtype=None):
            return Tensor(np.array(data), device, dtype)


        def ones(*shape, dtype=None, device="cpu"):
            return Tensor(np.ones(shape, dtype=(dtype or float32).np), device, dtype)


        def zeros(*shape, dtype=None, device="cpu"):
            return Tensor(np.zeros(shape), device, dtype)


        def randn(*shape, dtype=None, device="cpu"):
            return Tensor(np.random.default_rng(0).standard_normal(shape), device, dtype)


        from . import cuda, nn  # noqa: E402
    ''',
    "torch/cuda/__init__.py": TORCH_CUDA,
    "torch/nn/__init__.py": "from . import functional\n",
    "torch/nn/functional.py": '''
        import numpy as np

        import torch


        def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
            """torch's documented reference: softmax(q @ k.T * scale + bias) @ v, a boolean mask's False -> -inf."""
            if key.shape[-3] != query.shape[-3] or value.shape[-3] != query.shape[-3]:
                raise RuntimeError("The size of tensor a must match the size of tensor b at non-singleton dimension 1")
            if dropout_p:
                raise NotImplementedError("dropout")
            q, k, v = query.a, key.a, value.a
            seq_q, seq_k = q.shape[-2], k.shape[-2]
            bias = np.zeros((seq_q, seq_k))
            if is_causal:
                bias[~np.tril(np.ones((seq_q, seq_k), dtype=np.bool_))] = -np.inf
            if attn_mask is not None:
                bias = np.where(attn_mask.a, bias, -np.inf)
            scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
            with np.errstate(invalid="ignore"):
                weights = q @ np.swapaxes(k, -1, -2) * scale + bias
                weights = np.exp(weights - weights.max(-1, keepdims=True))
                weights = weights / weights.sum(-1, keepdims=True)  # a row with no key left is NaN, as in torch
            return torch.Tensor(weights @ v, query.device, query.dtype)
    ''',
}

TRANSFORMERS_COMMON = {
    "transformers/__init__.py": """
        import os

        __version__ = os.environ["FAKE_TRANSFORMERS"]

        from .modeling_utils import PretrainedConfig, PreTrainedModel
        from .models.auto import AutoModelForCausalLM
        from .models.llama import LlamaConfig, LlamaForCausalLM
    """,
    "transformers/models/__init__.py": "",
    "transformers/models/llama/__init__.py": """
        import torch

        from ...modeling_utils import PretrainedConfig, PreTrainedModel


        class LlamaConfig(PretrainedConfig):
            model_type = "llama"


        class Output:
            def __init__(self, logits):
                self.logits = logits


        class LlamaForCausalLM(PreTrainedModel):
            config_class = LlamaConfig

            def __init__(self, config):
                super().__init__(config)

            def __call__(self, input_ids):
                batch, length = input_ids.shape
                return Output(torch.zeros(batch, length, self.config.vocab_size, device=self.device))
    """,
    "transformers/models/auto/__init__.py": """
        import json
        import os

        from ..llama import LlamaForCausalLM

        MAPPING = {"llama": LlamaForCausalLM}


        class AutoModelForCausalLM:
            @classmethod
            def from_pretrained(cls, path, *model_args, **kwargs):
                with open(os.path.join(path, "config.json"), encoding="utf-8") as f:
                    model_class = MAPPING[json.load(f)["model_type"]]
                return model_class.from_pretrained(path, *model_args, **kwargs)
    """,
    "transformers/utils/__init__.py": "from .import_utils import is_flash_attn_2_available  # noqa: F401\n",
}

MODELING_SKELETON = """
import importlib.metadata
import importlib.util
import json
import os

import torch
from packaging import version

from .utils.import_utils import is_flash_attn_2_available, is_flash_attn_greater_or_equal, is_torch_cuda_available


class PretrainedConfig:
    model_type = ""

    def __init__(self, vocab_size=32000, **kwargs):
        self.vocab_size = vocab_size
        self._name_or_path = ""
        self._attn_implementation_internal = None
        self.dtype = None
        self.__dict__.update(kwargs)

    @property
    def _attn_implementation(self):
        return self._attn_implementation_internal


class PreTrainedModel:
    config_class = PretrainedConfig
    _supports_flash_attn = True
    _supports_sdpa = True

    def __init__(self, config, *inputs, **kwargs):
        self.config = config
        self.device = torch.device("cpu")
        requested = getattr(config, "_attn_implementation_requested", None)
        self.config._attn_implementation_internal = self._check_and_adjust_attn_implementation(
            requested, is_init_check=True
        )

    def to(self, where):
        self.device = torch.device(where)
        return self

    def save_pretrained(self, path):
        os.makedirs(path, exist_ok=True)
        config = {"model_type": self.config.model_type, "vocab_size": self.config.vocab_size}
        with open(os.path.join(path, "config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f)

    @classmethod
    def from_pretrained(cls, path, *model_args, attn_implementation=None, dtype=None, torch_dtype=None, **model_kwargs):
        with open(os.path.join(path, "config.json"), encoding="utf-8") as f:
            values = json.load(f)
        values.pop("model_type")
        config = cls.config_class(**values)
        config._name_or_path = path
        config._attn_implementation_requested = attn_implementation
        config.dtype = dtype or torch_dtype
        model = cls(config, *model_args, **model_kwargs)
        return model

    def _check_and_adjust_attn_implementation(self, attn_implementation, is_init_check=False):
        applicable_attn_implementation = self.get_correct_attn_implementation(attn_implementation, is_init_check)
        if applicable_attn_implementation.startswith("flash_attention"):
            from flash_attn import flash_attn_func  # noqa: F401  (lazy_import_flash_attention)
        return applicable_attn_implementation

    def _sdpa_can_dispatch(self, is_init_check=False):
        return True
"""

# transformers 4.57.6 modeling_utils.py, PreTrainedModel (NPU branch and the warnings after the checks left out)
MODELING_4 = """
    def get_correct_attn_implementation(self, requested_attention, is_init_check=False):
        applicable_attention = "sdpa" if requested_attention is None else requested_attention
        if applicable_attention == "flash_attention_2":
            self._flash_attn_2_can_dispatch(is_init_check)
        elif "sdpa" in applicable_attention:
            try:
                self._sdpa_can_dispatch(is_init_check)
            except (ValueError, ImportError) as e:
                if requested_attention is not None and "sdpa" in requested_attention:
                    raise e
                applicable_attention = "eager"
        return applicable_attention

    def _flash_attn_2_can_dispatch(self, is_init_check: bool = False) -> bool:
        dtype = self.config.dtype

        # check `supports_flash_attn_2` for BC with custom code. TODO: remove after a few releases
        if not (self._supports_flash_attn or getattr(self, "_supports_flash_attn_2", False)):
            raise ValueError(
                f"{self.__class__.__name__} does not support Flash Attention 2.0 yet. Please request to add support where"
                f" the model is hosted, on its model hub page: https://huggingface.co/{self.config._name_or_path}/discussions/new"
                " or in the Transformers GitHub repo: https://github.com/huggingface/transformers/issues/new"
            )

        if not is_flash_attn_2_available():
            preface = "FlashAttention2 has been toggled on, but it cannot be used due to the following error:"
            install_message = "Please refer to the documentation of https://huggingface.co/docs/transformers/perf_infer_gpu_one#flashattention-2 to install Flash Attention 2."

            if importlib.util.find_spec("flash_attn") is None:
                raise ImportError(f"{preface} the package flash_attn seems to be not installed. {install_message}")
            else:
                # Check FA2 installed version compatibility
                flash_attention_version = version.parse(importlib.metadata.version("flash_attn"))
                if torch.version.cuda:
                    if flash_attention_version < version.parse("2.1.0"):
                        raise ImportError(
                            f"{preface} you need flash_attn package version to be greater or equal than 2.1.0. Detected version {flash_attention_version}. {install_message}"
                        )
                    elif not torch.cuda.is_available():
                        raise ValueError(
                            f"{preface} Flash Attention 2 is not available on CPU. Please make sure torch can access a CUDA device."
                        )
                    else:
                        raise ImportError(f"{preface} Flash Attention 2 is not available. {install_message}")
        return True
"""

# transformers 5.25.0 modeling_utils.py and modeling_flash_attention_utils.py (NPU/XPU/MLU/MUSA and FA3/FA4 left out)
MODELING_5 = """
    def get_correct_attn_implementation(self, requested_attention, is_init_check=False):
        applicable_attention = "sdpa" if requested_attention is None else requested_attention
        if applicable_attention == "flash_attention_2":
            self._flash_attn_can_dispatch(flash_attn_version=2, is_init_check=is_init_check)
        elif "sdpa" in applicable_attention:
            try:
                self._sdpa_can_dispatch(is_init_check)
            except (ValueError, ImportError) as e:
                if requested_attention is not None and "sdpa" in requested_attention:
                    raise e
                applicable_attention = "eager"
        return applicable_attention

    def _flash_attn_import_error(
        self,
        flash_attn_version,
        general_availability_check,
        pkg_availability_check,
        supported_devices,
        custom_supported_devices=(),
        cuda_min_major_version=None,
    ):
        for device_availability_check, info_message in custom_supported_devices:
            if device_availability_check():
                return

        if not general_availability_check():
            preface = f"FlashAttention{flash_attn_version} has been toggled on, but it cannot be used due to the following error:"

            # Can the package be seen in the import structure
            if not pkg_availability_check():
                raise ImportError(
                    f"{preface} the package for FlashAttention{flash_attn_version} doesn't seem to be installed."
                )
            # Minimum version (FA2 only)
            elif flash_attn_version == 2 and not is_flash_attn_greater_or_equal("2.3.3"):
                raise ImportError(f"{preface} FlashAttention{flash_attn_version} requires at least version `2.3.3`.")
            else:
                # Supported devices availability
                device_availability_checks, device_names = zip(*supported_devices)
                if not any(device_availability_check() for device_availability_check in device_availability_checks):
                    raise ImportError(
                        f"{preface} FlashAttention{flash_attn_version} is not available on CPU. Please make sure you are on any of the supported devices: {device_names}."
                    )

    def _flash_attn_can_dispatch(self, flash_attn_version: int, is_init_check: bool = False) -> bool:
        if not self._supports_flash_attn:
            raise ValueError(
                f"{self.__class__.__name__} does not support Flash Attention {flash_attn_version} yet. Please request to add support where"
                f" the model is hosted, on its model hub page: https://huggingface.co/{self.config._name_or_path}/discussions/new"
                " or in the Transformers GitHub repo: https://github.com/huggingface/transformers/issues/new"
            )
        self._flash_attn_import_error(**FLASH_ATTENTION_COMPATIBILITY_MATRIX[flash_attn_version])
        return True


def _false():
    return False


FLASH_ATTENTION_COMPATIBILITY_MATRIX = {
    2: {
        "flash_attn_version": 2,
        "general_availability_check": is_flash_attn_2_available,
        "pkg_availability_check": lambda *args, **kwargs: (
            importlib.util.find_spec("flash_attn") is not None
            and "flash-attn"
            in [pkg.replace("_", "-") for pkg in importlib.metadata.packages_distributions().get("flash_attn", [])]
        ),
        "supported_devices": (
            (is_torch_cuda_available, "cuda"),
            (_false, "mlu"),
            (_false, "musa"),
            (_false, "npu"),
            (_false, "xpu"),
        ),
        "custom_supported_devices": ((_false, "Detect using FlashAttention2 on Ascend NPU."),),
    },
}
"""

# utils/import_utils.py: 4.57.6 and 5.25.0 is_flash_attn_2_available (MLU/MUSA and kernels fallback left out)
IMPORT_UTILS = """
import importlib.metadata
import importlib.util

import torch
from packaging import version

import transformers


def is_torch_cuda_available():
    return torch.cuda.is_available()


def is_flash_attn_greater_or_equal(library_version):
    if importlib.util.find_spec("flash_attn") is None:
        return False
    return version.parse(importlib.metadata.version("flash_attn")) >= version.parse(library_version)


def is_flash_attn_2_available():
    if transformers.__version__.startswith("5."):
        is_available = importlib.util.find_spec("flash_attn") is not None
        is_available = is_available and "flash-attn" in [
            pkg.replace("_", "-") for pkg in importlib.metadata.packages_distributions().get("flash_attn", [])
        ]
        if is_available and is_torch_cuda_available():
            return version.parse(importlib.metadata.version("flash_attn")) >= version.parse("2.3.3")
        return False
    if importlib.util.find_spec("flash_attn") is None:
        return False
    if not torch.cuda.is_available():
        return False
    if torch.version.cuda:
        return version.parse(importlib.metadata.version("flash_attn")) >= version.parse("2.1.0")
    return False
"""

# flash-attn 2.8.3.post2 as installed: the Python package imports its compiled extension at import time.
FLASH_ATTN_FILES = {
    "flash_attn/__init__.py": (
        '__version__ = "{version}"\n\nfrom flash_attn.flash_attn_interface import (\n    flash_attn_func,\n)\n'
    ),
    "flash_attn/flash_attn_interface.py": (
        "import torch\n\n# We need to import the CUDA kernels after importing torch\n"
        "import flash_attn_2_cuda as flash_attn_gpu\n\n\n"
        "def flash_attn_func(q, k, v, dropout_p=0.0, softmax_scale=None, causal=False, **kwargs):\n"
        "    return flash_attn_gpu.fwd(q, k, v, causal)\n"
    ),
}
# csrc/flash_attn/flash_api.cpp mha_fwd: TORCH_CHECK(is_sm8x_min, "FlashAttention only supports Ampere GPUs or newer.")
FLASH_ATTN_EXTENSION = {
    "flash_attn_2_cuda.py": (
        "import torch\n\n\ndef fwd(q, k, v, causal):\n"
        "    if torch.cuda.get_device_capability() < (8, 0):\n"
        "        raise RuntimeError('FlashAttention only supports Ampere GPUs or newer.')\n"
        "    return 'flash_attn_2_cuda'\n"
    )
}

WRONG = """
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

LlamaForCausalLM(LlamaConfig(vocab_size=64)).save_pretrained("tiny-llama")
AutoModelForCausalLM.from_pretrained("tiny-llama", attn_implementation="flash_attention_2")
"""

# What a CUDA machine, a CPU/Apple machine and a GPU box lacking a GPU in this process look like to torch.
NO_GPU_CPU_TORCH = {"FAKE_TORCH_VERSION": "2.6.0", "FAKE_TORCH_CUDA": "", "FAKE_GPU_CC": ""}
NO_GPU_CUDA_TORCH = {"FAKE_TORCH_VERSION": "2.6.0+cu124", "FAKE_TORCH_CUDA": "12.4", "FAKE_GPU_CC": ""}
A100 = {"FAKE_TORCH_VERSION": "2.6.0+cu124", "FAKE_TORCH_CUDA": "12.4", "FAKE_GPU_CC": "8.0"}
T4 = {"FAKE_TORCH_VERSION": "2.6.0+cu124", "FAKE_TORCH_CUDA": "12.4", "FAKE_GPU_CC": "7.5"}


def _site(tmp_path, transformers="5.25.0", flash_attn=None, extension=False):
    """A site folder: torch, transformers `transformers`, and flash_attn `flash_attn` (a version, or None)."""
    site = tmp_path / f"site-{transformers}-{flash_attn}-{extension}"
    if site.exists():
        return site
    write_files(site, FAKE_TORCH)
    write_files(site, TRANSFORMERS_COMMON)
    modeling = MODELING_SKELETON + (MODELING_5 if transformers.startswith("5.") else MODELING_4)
    write_files(site, {"transformers/modeling_utils.py": modeling}, dedent=False)
    write_files(site, {"transformers/utils/import_utils.py": IMPORT_UTILS})
    if flash_attn:
        files = {path: text.format(version=flash_attn) for path, text in FLASH_ATTN_FILES.items()}
        if extension:
            files.update(FLASH_ATTN_EXTENSION)
        fake_distribution(site, "flash_attn", flash_attn, files, requires=["torch", "einops"])
    return site


def _run(code, tmp_path, machine, transformers="5.25.0", flash_attn=None, extension=False, args=()):
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    site = _site(tmp_path, transformers, flash_attn, extension)
    env = {**machine, "FAKE_TRANSFORMERS": transformers}
    return run_python(code, cwd=work, path=[work, site], env=env, args=args)


@pytest.mark.parametrize(
    ("transformers", "machine", "flash_attn", "raised"),
    [
        # a Mac, a CPU box, a fresh venv: flash-attn was never installed
        (
            "4.57.6",
            NO_GPU_CPU_TORCH,
            None,
            f"ImportError: {PREFACE} the package flash_attn seems to be not installed. {INSTALL}",
        ),
        (
            "5.25.0",
            NO_GPU_CPU_TORCH,
            None,
            f"ImportError: {PREFACE} the package for FlashAttention2 doesn't seem to be installed.",
        ),
        (
            "4.57.6",
            A100,
            None,
            f"ImportError: {PREFACE} the package flash_attn seems to be not installed. {INSTALL}",
        ),
        # flash-attn installed, the CUDA build of torch sees no GPU (a build container, CUDA_VISIBLE_DEVICES="")
        (
            "4.57.6",
            NO_GPU_CUDA_TORCH,
            "2.8.3.post2",
            f"ValueError: {PREFACE} Flash Attention 2 is not available on CPU. Please make sure torch can access a CUDA device.",
        ),
        (
            "5.25.0",
            NO_GPU_CUDA_TORCH,
            "2.8.3.post2",
            f"ImportError: {PREFACE} FlashAttention2 is not available on CPU. Please make sure you are on any of the "
            "supported devices: ('cuda', 'mlu', 'musa', 'npu', 'xpu').",
        ),
        # an old flash-attn
        (
            "4.57.6",
            NO_GPU_CUDA_TORCH,
            "2.0.9",
            f"ImportError: {PREFACE} you need flash_attn package version to be greater or equal than 2.1.0. "
            f"Detected version 2.0.9. {INSTALL}",
        ),
        (
            "5.25.0",
            A100,
            "2.3.2",
            f"ImportError: {PREFACE} FlashAttention2 requires at least version `2.3.3`.",
        ),
    ],
)
def test_flash_attention_2_refused(entry, index, tmp_path, transformers, machine, flash_attn, raised):
    wrong = _run(WRONG, tmp_path, machine, transformers, flash_attn)
    assert wrong.returncode == 1, wrong.stdout
    assert last_line(wrong) == raised
    assert raised in entry.errors
    assert "modeling_utils.py" in wrong.stderr  # raised by transformers while it builds the model
    assert_answers(index, SLUG, wrong.stderr)


def test_removed_use_flash_attention_2_is_a_type_error(entry, index, tmp_path):
    old_call = WRONG.replace('attn_implementation="flash_attention_2"', "use_flash_attention_2=True")
    wrong = _run(old_call, tmp_path, A100, "4.57.6", "2.8.3.post2", extension=True)
    raised = (
        "TypeError: LlamaForCausalLM.__init__() got an unexpected keyword argument 'use_flash_attention_2'"
    )
    assert last_line(wrong) == raised
    assert raised in entry.errors
    assert_answers(index, SLUG, wrong.stderr)


def test_unsupported_model_is_refused_before_the_package_check(entry, tmp_path):
    custom = WRONG.replace(
        "LlamaForCausalLM(LlamaConfig",
        "LlamaForCausalLM._supports_flash_attn = False  # remote code without FA2\nLlamaForCausalLM(LlamaConfig",
    )
    for transformers, words in (("4.57.6", "Flash Attention 2.0 yet"), ("5.25.0", "Flash Attention 2 yet")):
        wrong = _run(custom, tmp_path, A100, transformers, None)
        assert last_line(wrong).startswith(
            f"ValueError: LlamaForCausalLM does not support {words}. Please request"
        )
        # the entry lists both wordings
        assert any(
            f"does not support {words}. Please request to add support" in error for error in entry.errors
        )


# --- Option 1 ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("transformers", ["4.57.6", "5.25.0"])
@pytest.mark.parametrize(
    ("machine", "flash_attn", "extension", "attention", "load_fails"),
    [
        (NO_GPU_CPU_TORCH, None, False, "sdpa", True),  # a Mac or CPU box
        (NO_GPU_CUDA_TORCH, "2.8.3.post2", False, "sdpa", True),  # flash-attn installed, no GPU visible
        (A100, None, False, "sdpa", True),  # a GPU box without flash-attn
        (A100, "2.8.3.post2", False, "sdpa", True),  # installed, but its compiled extension does not load
        # a T4 loads with flash_attention_2 and fails at the first forward pass (gpu-compute-capability-too-old)
        (T4, "2.8.3.post2", True, "sdpa", False),
        (A100, "2.8.3.post2", True, "flash_attention_2", False),  # where flash-attn runs, it is still used
    ],
)
def test_option1_picks_an_attention_the_machine_can_run(
    fix_code, tmp_path, transformers, machine, flash_attn, extension, attention, load_fails
):
    fixed = _run(fix_code(SLUG, 1), tmp_path, machine, transformers, flash_attn, extension)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == f"attention: {attention} - logits (1, 3, 64)"
    # the same machine with the flag the script replaces
    wrong = _run(WRONG, tmp_path, machine, transformers, flash_attn, extension)
    assert (wrong.returncode != 0) == load_fails, wrong.stderr


def test_option1_passes_dtype_by_the_releases_name(fix_code, tmp_path):
    probe = fix_code(SLUG, 1).split('if __name__ == "__main__":')[0] + "print(dtype_kwarg(torch.float16))\n"
    for transformers, key in (("4.55.4", "torch_dtype"), ("4.56.0", "dtype"), ("5.25.0", "dtype")):
        shown = _run(probe, tmp_path, A100, transformers)
        assert shown.stdout.strip() == f"{{'{key}': torch.float16}}", shown.stderr


@pytest.mark.parametrize(("transformers", "too_old"), [("4.57.6", "2.0.9"), ("5.25.0", "2.3.2")])
def test_option1_leaves_out_a_flash_attn_this_transformers_refuses(fix_code, tmp_path, transformers, too_old):
    # an A100 with an old flash-attn whose kernels load: transformers wants 2.1.0 (2.3.3 from 5.4)
    wrong = _run(WRONG, tmp_path, A100, transformers, too_old, extension=True)
    assert "FlashAttention2 has been toggled on" in last_line(wrong)
    fixed = _run(fix_code(SLUG, 1), tmp_path, A100, transformers, too_old, extension=True)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == "attention: sdpa - logits (1, 3, 64)"


def test_option1_never_overwrites_the_users_model(fix_code, tmp_path):
    """The user puts their folder or hub id into model_id; the demo's random stand-in must not replace it."""
    work = tmp_path / "work"
    (work / "my-model").mkdir(parents=True)
    saved = json.dumps({"model_type": "llama", "vocab_size": 99})
    (work / "my-model" / "config.json").write_text(saved, encoding="utf-8")
    code = fix_code(SLUG, 1)
    assert len(re.findall(r"model_id = [^#\n]+#", code)) == 1
    for transformers in ("4.57.6", "5.25.0"):
        mine = re.sub(r"model_id = [^#\n]+#", 'model_id = "my-model"  #', code)
        run = _run(mine, tmp_path, NO_GPU_CPU_TORCH, transformers)
        assert run.returncode == 0, run.stderr
        assert (
            run.stdout.strip() == "attention: sdpa - logits (1, 3, 99)"
        )  # the user's model, not a random one
        assert (work / "my-model" / "config.json").read_text(encoding="utf-8") == saved
        # a hub id is not a folder here: nothing may be saved under its name and loaded instead of it
        hub = re.sub(r"model_id = [^#\n]+#", 'model_id = "meta-llama/Llama-3.2-1B"  #', code)
        _run(hub, tmp_path, NO_GPU_CPU_TORCH, transformers)
        assert not (work / "meta-llama").exists()


# --- Option 2 ----------------------------------------------------------------------------------------------------
# flash-attn 2.8.3.post2 setup.py: get_platform and get_wheel_url, verbatim (ROCm branch left out);
# get_package_version() reads flash_attn/__init__.py there.
SETUP_PY_WHEEL_URL = '''
import platform
import sys

import torch
from packaging.version import parse

PACKAGE_NAME = "flash_attn"
BASE_WHEEL_URL = (
    "https://github.com/Dao-AILab/flash-attention/releases/download/{tag_name}/{wheel_name}"
)


def get_package_version():
    return "2.8.3.post2"


def get_platform():
    """
    Returns the platform name as used in wheel filenames.
    """
    if sys.platform.startswith("linux"):
        return f'linux_{platform.uname().machine}'
    elif sys.platform == "darwin":
        mac_version = ".".join(platform.mac_ver()[0].split(".")[:2])
        return f"macosx_{mac_version}_x86_64"
    elif sys.platform == "win32":
        return "win_amd64"
    else:
        raise ValueError("Unsupported platform: {}".format(sys.platform))


def get_wheel_url():
    torch_version_raw = parse(torch.__version__)
    python_version = f"cp{sys.version_info.major}{sys.version_info.minor}"
    platform_name = get_platform()
    flash_version = get_package_version()
    torch_version = f"{torch_version_raw.major}.{torch_version_raw.minor}"
    cxx11_abi = str(torch._C._GLIBCXX_USE_CXX11_ABI).upper()

    # Determine the version numbers that will be used to determine the correct wheel
    # We're using the CUDA version used to build torch, not the one currently installed
    # _, cuda_version_raw = get_cuda_bare_metal_version(CUDA_HOME)
    torch_cuda_version = parse(torch.version.cuda)
    # For CUDA 11 we compile for 11.8, for CUDA 12 for 12.3, and for CUDA 13 for 13.0
    # to save CI time. Minor versions should be compatible.
    if torch_cuda_version.major == 11:
        torch_cuda_version = parse("11.8")
    elif torch_cuda_version.major == 12:
        torch_cuda_version = parse("12.3")
    else:
        torch_cuda_version = parse("13.0")
    # cuda_version = f"{cuda_version_raw.major}{cuda_version_raw.minor}"
    cuda_version = f"{torch_cuda_version.major}"

    # Determine wheel URL based on CUDA version, torch version, python version and OS
    wheel_filename = f"{PACKAGE_NAME}-{flash_version}+cu{cuda_version}torch{torch_version}cxx11abi{cxx11_abi}-{python_version}-{python_version}-{platform_name}.whl"

    wheel_url = BASE_WHEEL_URL.format(tag_name=f"v{flash_version}", wheel_name=wheel_filename)

    return wheel_url, wheel_filename


print(*get_wheel_url())
'''


@pytest.mark.parametrize(
    ("torch_version", "cuda", "abi", "gpu"),
    [
        ("2.6.0+cu124", "12.4", "0", "8.0"),
        ("2.4.1+cu118", "11.8", "0", "8.6"),
        (
            "2.14.1+cu130",
            "13.0",
            "1",
            "",
        ),  # the pair flash-attn's setup.py printed for torch 2.14.1 (checked)
        ("2.8.0a0+5228986c39.nv25.05", "12.9", "1", "9.0"),  # an NGC container's torch
    ],
)
def test_option2_names_the_wheel_flash_attn_setup_looks_for(
    fix_code, tmp_path, torch_version, cuda, abi, gpu
):
    machine = {
        "FAKE_TORCH_VERSION": torch_version,
        "FAKE_TORCH_CUDA": cuda,
        "FAKE_CXX11_ABI": abi,
        "FAKE_GPU_CC": gpu,
    }
    url, name = _run(SETUP_PY_WHEEL_URL, tmp_path, machine).stdout.split()
    printed = _run(fix_code(SLUG, 2), tmp_path, machine)
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert lines[-2:] == [name, f'python -m pip install "{url}"']
    assert ("sees no GPU" in printed.stdout) == (not gpu)


def test_option2_on_a_cpu_or_apple_torch_points_to_option1(fix_code, tmp_path):
    printed = _run(fix_code(SLUG, 2), tmp_path, NO_GPU_CPU_TORCH)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("torch 2.6.0 is not a CUDA build")
    assert ".whl" not in printed.stdout


def test_option2_warns_on_a_gpu_older_than_ampere(fix_code, tmp_path):
    printed = _run(fix_code(SLUG, 2), tmp_path, T4)
    assert printed.stdout.splitlines()[0].startswith("warning: this GPU is older than Ampere")


# --- Option 3 ----------------------------------------------------------------------------------------------------
# flash_attn_func as its docstring (flash-attn 2.8.3.post2 flash_attn_interface.py) defines it, written with numpy:
# query head i reads key/value head i // (nheads // nheads_k); the causal mask keeps key j for query i when
# j <= i + seqlen_k - seqlen_q (bottom-right aligned); a query row with no key left gives 0.
CHECK_SHIM = """
import json
import sys

import numpy as np
import torch
from flash_attn_compat import flash_attn_func


def reference(q, k, v, causal, scale):
    batch, seq_q, heads, dim = q.shape
    seq_k, heads_k = k.shape[1], k.shape[2]
    scale = scale or 1 / np.sqrt(dim)
    out = np.zeros_like(q)
    for h in range(heads):
        kh = h // (heads // heads_k)
        scores = np.einsum("bqd,bkd->bqk", q[:, :, h], k[:, :, kh]) * scale
        keep = np.array([[j <= i + seq_k - seq_q for j in range(seq_k)] for i in range(seq_q)])
        if not causal:
            keep[:] = True
        for i in range(seq_q):
            if keep[i].any():
                w = np.exp(np.where(keep[i], scores[:, i], -np.inf) - scores[:, i][:, keep[i]].max(-1, keepdims=True))
                out[:, i, h] = np.einsum("bk,bkd->bd", w / w.sum(-1, keepdims=True), v[:, :, kh])
    return out


rng = np.random.default_rng(1)
errors = []
for seq_q, seq_k, heads, heads_k, causal, scale in json.loads(sys.argv[1]):
    q = rng.standard_normal((2, seq_q, heads, 8))
    k, v = rng.standard_normal((2, seq_k, heads_k, 8)), rng.standard_normal((2, seq_k, heads_k, 8))
    got = flash_attn_func(torch.Tensor(q), torch.Tensor(k), torch.Tensor(v), causal=causal, softmax_scale=scale)
    assert got.shape == q.shape, got.shape
    errors.append(float(np.abs(got.a - reference(q, k, v, causal, scale)).max()))
print(max(errors))
"""

SHIM_CASES = [
    (5, 5, 4, 4, True, None),
    (2, 5, 6, 2, True, None),  # decoding with a KV cache: seqlen_q < seqlen_k, grouped-query heads
    (5, 2, 4, 1, True, 0.3),  # seqlen_q > seqlen_k: the first rows see no key
    (3, 7, 4, 2, False, None),
    (1, 9, 8, 8, True, None),
]


def _shim(tmp_path, fix_code):
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    (work / "flash_attn_compat.py").write_text(fix_code(SLUG, 3), encoding="utf-8")


def test_option3_falls_back_to_sdpa_with_flash_attn_semantics(fix_code, index, tmp_path):
    user_code = "from flash_attn import flash_attn_func\n"
    wrong = _run(user_code, tmp_path, NO_GPU_CPU_TORCH)
    assert last_line(wrong) == "ModuleNotFoundError: No module named 'flash_attn'"
    assert confident_answer(index, wrong.stderr) == SLUG

    _shim(tmp_path, fix_code)
    for machine, flash_attn in (
        (NO_GPU_CPU_TORCH, None),
        (A100, "2.8.3.post2"),
    ):  # none, or without its extension
        checked = _run(CHECK_SHIM, tmp_path, machine, flash_attn=flash_attn, args=[json.dumps(SHIM_CASES)])
        assert checked.returncode == 0, checked.stderr
        assert float(checked.stdout) < 1e-12
    demo = _run("import runpy\nrunpy.run_module('flash_attn_compat', run_name='__main__')\n", tmp_path, A100)
    assert demo.stdout.strip() == "(1, 4, 8, 64) via PyTorch SDPA", demo.stderr


def test_option3_keeps_the_real_kernel_on_a_gpu(fix_code, tmp_path):
    _shim(tmp_path, fix_code)
    call = textwrap.dedent(
        """
        import torch
        from flash_attn_compat import flash_attn_func

        q = torch.ones(1, 4, 8, 64, dtype=torch.float16, device="cuda")
        print(flash_attn_func(q, q, q, causal=True))
        cpu = torch.ones(1, 4, 8, 64)
        print(flash_attn_func(cpu, cpu, cpu, causal=True).shape)
        """
    )
    used = _run(call, tmp_path, A100, flash_attn="2.8.3.post2", extension=True)
    assert used.stdout.splitlines() == ["flash_attn_2_cuda", "(1, 4, 8, 64)"], used.stderr


def test_option3_falls_back_on_a_gpu_older_than_ampere(fix_code, tmp_path):
    """flash-attn installs on a T4 (Colab) but its kernel refuses it; the shim's docstring promises SDPA there."""
    _shim(tmp_path, fix_code)
    call = textwrap.dedent(
        """
        import torch
        from flash_attn_compat import flash_attn_func

        q = torch.ones(1, 4, 8, 64, dtype=torch.float16, device="cuda")
        out = flash_attn_func(q, q, q, causal=True)
        print(out.shape, out.device)
        """
    )
    used = _run(call, tmp_path, T4, flash_attn="2.8.3.post2", extension=True)
    assert used.returncode == 0, used.stderr
    assert used.stdout.strip() == "(1, 4, 8, 64) cuda"


@pytest.mark.parametrize(
    ("arguments", "raised"),
    [
        ("window_size=(2, 0)", "NotImplementedError"),
        ("softcap=30.0", "NotImplementedError"),
        ("alibi_slopes=torch.ones(2)", "NotImplementedError"),
        # flash-attn returns (out, softmax_lse, S_dmask): unpacking a bare tensor would split the batch
        ("return_attn_probs=True", "NotImplementedError"),
        ("casual=True", "TypeError"),  # a typo flash-attn rejects must not silently drop the causal mask
    ],
)
def test_option3_refuses_what_it_does_not_implement(fix_code, tmp_path, arguments, raised):
    _shim(tmp_path, fix_code)
    call = "import torch\nfrom flash_attn_compat import flash_attn_func\nq = torch.ones(3, 4, 2, 8)\n"
    call += f"out = flash_attn_func(q, q, q, causal=True, {arguments})\nprint(type(out).__name__)\n"
    refused = _run(call, tmp_path, NO_GPU_CPU_TORCH)
    assert refused.returncode == 1, refused.stdout
    assert last_line(refused).startswith(f"{raised}: "), refused.stderr
    if raised == "NotImplementedError":
        assert last_line(refused) == (
            "NotImplementedError: the SDPA fallback has no window_size, softcap, alibi_slopes or return_attn_probs"
        )


def test_option3_never_hands_sdpa_a_query_without_keys(fix_code, tmp_path):
    """seqlen_q > seqlen_k with causal=True leaves the first queries no key. torch before 2.5 (no _safe_softmax,
    read in the 2.4.0 wheel) returns NaN for such a row, and masked_fill afterwards does not keep that NaN out of
    the backward pass; the shim must give SDPA a row it can compute and zero the output itself."""
    _shim(tmp_path, fix_code)
    call = textwrap.dedent(
        """
        import numpy as np
        import torch
        import torch.nn.functional as F
        from flash_attn_compat import flash_attn_func

        sdpa = F.scaled_dot_product_attention


        def checked(query, key, value, attn_mask=None, **kwargs):
            assert attn_mask is None or attn_mask.a.any(-1).all(), "a query with no key reaches SDPA"
            return sdpa(query, key, value, attn_mask=attn_mask, **kwargs)


        F.scaled_dot_product_attention = checked
        q, kv = torch.randn(2, 5, 4, 8), torch.randn(2, 2, 1, 8)
        out = flash_attn_func(q, kv, kv, causal=True).a
        print(np.abs(out[:, :3]).max(), bool(np.isfinite(out).all()), bool(np.abs(out[:, 3:]).min() > 0))
        """
    )
    checked = _run(call, tmp_path, NO_GPU_CPU_TORCH)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.split() == ["0.0", "True", "True"]


# --- the matcher ---------------------------------------------------------------------------------------------------
# transformers 4.57.6 with torch 2.14.1+cu130 and flash-attn 2.8.3.post2 installed, no GPU (run 2026-12-07; paths rewritten)
REAL_4_57_6 = """Traceback (most recent call last):
  File "/app/load.py", line 7, in <module>
    m = AutoModelForCausalLM.from_pretrained(sys.argv[1], **kw)
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/transformers/models/auto/auto_factory.py", line 604, in from_pretrained
    return model_class.from_pretrained(
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/transformers/modeling_utils.py", line 277, in _wrapper
    return func(*args, **kwargs)
           ^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/transformers/modeling_utils.py", line 4971, in from_pretrained
    model = cls(config, *model_args, **model_kwargs)
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/transformers/models/llama/modeling_llama.py", line 419, in __init__
    super().__init__(config)
  File "/usr/local/lib/python3.11/site-packages/transformers/modeling_utils.py", line 2076, in __init__
    self.config._attn_implementation_internal = self._check_and_adjust_attn_implementation(
                                                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/transformers/modeling_utils.py", line 2686, in _check_and_adjust_attn_implementation
    applicable_attn_implementation = self.get_correct_attn_implementation(
                                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/transformers/modeling_utils.py", line 2714, in get_correct_attn_implementation
    self._flash_attn_2_can_dispatch(is_init_check)
  File "/usr/local/lib/python3.11/site-packages/transformers/modeling_utils.py", line 2432, in _flash_attn_2_can_dispatch
    raise ValueError(
ValueError: FlashAttention2 has been toggled on, but it cannot be used due to the following error: Flash Attention 2 is not available on CPU. Please make sure torch can access a CUDA device.
"""

# flash-attn 2.8.3.post2 `pip download --no-build-isolation` beside torch 2.13.0+cpu (run 2026-12-07; trimmed, venv path shortened)
REAL_PIP_LOG = """  × python setup.py egg_info did not run successfully.
  │ exit code: 1
  ╰─> [23 lines of output]
      torch.__version__  = 2.13.0+cpu
      /tmp/pip-download-nkglpkny/flash-attn_45688ac15ebd4de5b24179dc2f8d6f50/setup.py:106: UserWarning: flash_attn was requested, but nvcc was not found.  Are you sure your environment has nvcc available?  If you're installing within a container from https://hub.docker.com/r/pytorch/pytorch, only images whose names contain 'devel' will provide nvcc.
        warnings.warn(
      Traceback (most recent call last):
        File "<string>", line 2, in <module>
        File "/tmp/pip-download-nkglpkny/flash-attn_45688ac15ebd4de5b24179dc2f8d6f50/setup.py", line 227, in <module>
          CUDAExtension(
        File "/app/.venv/lib/python3.11/site-packages/torch/utils/cpp_extension.py", line 1568, in CUDAExtension
          library_dirs += library_paths(device_type="cuda")
        File "/app/.venv/lib/python3.11/site-packages/torch/utils/cpp_extension.py", line 3302, in _join_cuda_home
          raise OSError('CUDA_HOME environment variable is not set. '
      OSError: CUDA_HOME environment variable is not set. Please set it to your CUDA install root.
      [end of output]
"""


# The warning is a template that causal-conv1d 1.7.0, mamba-ssm 2.3.2.post1 and NVIDIA apex print with their own names.
NVCC_WARNING = (
    " was requested, but nvcc was not found.  Are you sure your environment has nvcc available?  If you're "
    "installing within a container from https://hub.docker.com/r/pytorch/pytorch, only images whose names contain "
    "'devel' will provide nvcc."
)


def test_real_outputs_are_answered_and_look_alikes_are_not(entry, index):
    assert_answers(index, SLUG, REAL_4_57_6)
    assert re.search(r"^ValueError: .*not available on CPU", REAL_4_57_6, re.M)
    # flash-attn's own warning line is this entry's; in the whole pip log the primary error is the OSError, which
    # every CUDA extension's build prints: a source build without a CUDA toolkit, cuda-toolkit-mismatch's cause
    warning = next(line.strip() for line in REAL_PIP_LOG.splitlines() if "UserWarning" in line)
    assert_answers(index, SLUG, warning)
    assert confident_answer(index, REAL_PIP_LOG) == "cuda-toolkit-mismatch"
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text


@pytest.mark.parametrize(
    "text",
    [
        f"UserWarning: causal_conv1d{NVCC_WARNING}",
        f"UserWarning: mamba_ssm{NVCC_WARNING}",
        f"RuntimeError: --cuda_ext{NVCC_WARNING}",
        REAL_PIP_LOG.replace("flash_attn was requested", "causal_conv1d was requested"),
        # transformers' own refusals of SDPA and flex attention (fix: attn_implementation="eager")
        "ValueError: Phi3VForCausalLM does not support an attention implementation through "
        "torch.nn.functional.scaled_dot_product_attention yet. Please open an issue on GitHub to request support "
        "for this architecture: https://github.com/huggingface/transformers/issues/new",
        "ValueError: MllamaForCausalLM does not support an attention implementation through torch's flex_attention. "
        "Please request the support for this architecture: https://github.com/huggingface/transformers/issues/34809.",
    ],
)
def test_other_packages_and_other_attentions_are_not_this_entry(index, text):
    assert confident_answer(index, text) != SLUG
