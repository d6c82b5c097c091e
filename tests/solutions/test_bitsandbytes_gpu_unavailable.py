"""Verified fix for solutions/bitsandbytes-gpu-unavailable.md.

The project installs neither torch, bitsandbytes nor transformers (CUDA libraries, hundreds of MB), so the
tests write fakes into tmp_path with the real releases' shape and texts:

- `torch`: `torch.cuda.is_available()`, `torch.version.cuda` (None for the `+cpu` build, "12.8" or "10.2"
  for a CUDA build; a CUDA build may also see no GPU, as in a container started without one) and the
  distribution's version, which is all bitsandbytes and the entry's code read. A CUDA build ships
  `torch/lib/libcudart.so.<major>`, standing for the CUDA runtime that torch's pip wheels bring, unless a
  test leaves it out.
- `bitsandbytes` 0.42.0: `cextension.py` copied from the 0.42.0 wheel (the `lib is None and
  torch.cuda.is_available()` RuntimeError, the `lib.cadam32bit_grad_fp32` probe whose AttributeError becomes
  the "compiled without GPU support" UserWarning and is printed), a `cuda_setup/main.py` that picks
  `libbitsandbytes_cuda<XYZ>.so` for torch's CUDA like 0.42.0's `run_cuda_setup` (same log texts; the
  package ships placeholders for the CUDA versions of the real wheel, 11.0-12.3, and a CPU library without
  the CUDA symbols), and `functional.py` whose optimizer tables exist only `if COMPILED_WITH_CUDA`.
- `bitsandbytes` 0.50.2: `cextension.py` shaped like 0.50.2's (a CUDA library for torch's CUDA from the real
  wheel's list, or the one `BNB_CUDA_VERSION` names; the `No compatible CUDA binary found at` error; the
  `libcudart.so.12: cannot open shared object file` OSError of `ct.cdll.LoadLibrary` when that CUDA
  runtime is missing; `ErrorHandlerMockBNBNativeLibrary` keeping `error_msg` and raising at the first
  native call), `features = {"multi_backend"}` and `supported_torch_devices` with "cpu".
- `transformers` 4.57.6: `BitsAndBytesConfig.post_init` (reads the bitsandbytes version: PackageNotFoundError
  without it), `Bnb4BitHfQuantizer.validate_environment`, `validate_bnb_backend_availability` and
  `is_bitsandbytes_available` copied from 4.57.6; `from_pretrained` runs `validate_environment` as the real
  one does before loading a weight. A "4.51.3" variant drops a lone "cpu" device as 4.51.3 does without IPEX;
  a "5.25.0" one refuses bitsandbytes older than 0.46.1 as 5.x's `is_bitsandbytes_available()` does.

The tests reproduce the errors in a child interpreter, check the matcher answers them with this entry, then
run the entry's Option 1 check and Option 3 loader against the broken and the fixed installs.
"""

import subprocess

from answers import assert_answers, confident_answer
from fake_site import fake_distribution, write_files
from pyrun import last_line, run_args, run_python

SLUG = "bitsandbytes-gpu-unavailable"

TORCH = {
    "torch/__init__.py": """
        from . import cuda, version

        bfloat16 = "torch.bfloat16"
        float16 = "torch.float16"
    """,
    "torch/version.py": "cuda = {cuda!r}\n",
    "torch/cuda/__init__.py": """
        from .. import version

        _GPU = version.cuda is not None


        def is_available():
            return _GPU


        def device_count():
            return 1 if _GPU else 0


        def get_device_capability(device=None):
            return (8, 6)
    """,
}

# bitsandbytes 0.42.0 -------------------------------------------------------------------------------------
BNB_042_CEXTENSION = """
import ctypes as ct
import os
import torch

from pathlib import Path
from warnings import warn

from bitsandbytes.cuda_setup.main import CUDASetup


setup = CUDASetup.get_instance()
if setup.initialized != True:
    setup.run_cuda_setup()

lib = setup.lib
try:
    if lib is None and torch.cuda.is_available():
        CUDASetup.get_instance().generate_instructions()
        CUDASetup.get_instance().print_log_stack()
        raise RuntimeError(\'\'\'
        CUDA Setup failed despite GPU being available. Please run the following command to get more information:

        python -m bitsandbytes

        Inspect the output of the command and see if you can locate CUDA libraries. You might need to add them
        to your LD_LIBRARY_PATH. If you suspect a bug, please take the information from python -m bitsandbytes
        and open an issue at: https://github.com/TimDettmers/bitsandbytes/issues\'\'\')
    lib.cadam32bit_grad_fp32 # runs on an error if the library could not be found -> COMPILED_WITH_CUDA=False
    lib.get_context.restype = ct.c_void_p
    lib.get_cusparse.restype = ct.c_void_p
    lib.cget_managed_ptr.restype = ct.c_void_p
    COMPILED_WITH_CUDA = True
except AttributeError as ex:
    warn("The installed version of bitsandbytes was compiled without GPU support. "
        "8-bit optimizers, 8-bit multiplication, and GPU quantization are unavailable.")
    COMPILED_WITH_CUDA = False
    print(str(ex))
"""

# 0.42.0 cuda_setup/main.py, reduced to the library choice (evaluate_cuda_setup + run_cuda_setup).
BNB_042_CUDA_SETUP = """
from pathlib import Path

import torch


class _Function:
    restype = None


class FakeCDLL:
    \"\"\"A loaded library: the CPU build lacks the CUDA symbols, like the real libbitsandbytes_cpu.so.\"\"\"

    def __init__(self, path):
        self._path = path
        self._cuda = "_cuda" in Path(path).name

    def __getattr__(self, name):
        if not self._cuda:
            raise AttributeError(f"{self._path}: undefined symbol: {name}")
        return _Function()


class CUDASetup:
    _instance = None

    @classmethod
    def get_instance(cls):
        if cls._instance is None:
            cls._instance = cls()
            cls._instance.initialized = False
            cls._instance.lib = None
            cls._instance.cuda_setup_log = []
        return cls._instance

    def add_log_entry(self, msg):
        self.cuda_setup_log.append(msg)

    def print_log_stack(self):
        for msg in self.cuda_setup_log:
            print(msg)

    def generate_instructions(self):
        self.add_log_entry("CUDA SETUP: Something unexpected happened. Please compile from source:")

    def run_cuda_setup(self):
        self.initialized = True
        if torch.cuda.is_available():
            major, minor = torch.version.cuda.split(".")
            binary_name = f"libbitsandbytes_cuda{major}{minor}.so"
        else:
            binary_name = "libbitsandbytes_cpu.so"
        package_dir = Path(__file__).parent.parent
        binary_path = package_dir / binary_name
        try:
            if not binary_path.exists():
                self.add_log_entry(f"CUDA SETUP: Required library version not found: {binary_name}. Maybe you need to compile it from source?")
                legacy_binary_name = "libbitsandbytes_cpu.so"
                self.add_log_entry(f"CUDA SETUP: Defaulting to {legacy_binary_name}...")
                binary_path = package_dir / legacy_binary_name
                if not binary_path.exists() or torch.cuda.is_available():
                    self.add_log_entry("CUDA SETUP: CUDA detection failed! Possible reasons:")
                    self.generate_instructions()
                    raise Exception("CUDA SETUP: Setup Failed!")
                self.lib = FakeCDLL(binary_path)
            else:
                self.add_log_entry(f"CUDA SETUP: Loading binary {binary_path}...")
                self.lib = FakeCDLL(binary_path)
        except Exception as ex:
            self.add_log_entry(str(ex))
"""

BNB_042_FUNCTIONAL = """
from .cextension import COMPILED_WITH_CUDA, lib

if COMPILED_WITH_CUDA:
    str2optimizer32bit = {"adam": (lib.cadam32bit_grad_fp32, lib.cadam32bit_grad_fp16)}


def optimizer_update_32bit(optimizer_name, g, p):
    optim_func = str2optimizer32bit[optimizer_name][0]
    return optim_func
"""

BNB_042_OPTIM = """
from bitsandbytes import functional as F


class AdamW8bit:
    \"\"\"Tensors with fewer than 4096 elements keep 32-bit state: optimizer_update_32bit, as in 0.42.0.\"\"\"

    def __init__(self, params):
        self.params = list(params)

    def step(self):
        for p in self.params:
            F.optimizer_update_32bit("adam", None, p)
"""

BNB_042_LIBS = ["cpu"] + [
    f"cuda{v}" for v in ("110", "111", "114", "115", "117", "118", "120", "121", "122", "123")
]

# bitsandbytes 0.50.2 -------------------------------------------------------------------------------------
BNB_050_CEXTENSION = """
import logging
import os
from pathlib import Path

import torch

logger = logging.getLogger(__name__)
PACKAGE_DIR = Path(__file__).parent


class BNBNativeLibrary:
    compiled_with_cuda = False

    def __init__(self, path):
        self._path = path


class CudaBNBNativeLibrary(BNBNativeLibrary):
    compiled_with_cuda = True


class ErrorHandlerMockBNBNativeLibrary(BNBNativeLibrary):
    def __init__(self, error_msg):
        self.error_msg = error_msg
        self.formatted_error = (
            "Attempted to use bitsandbytes native library functionality but it's not available.\\n\\n"
            f"Original error: {error_msg}\\n\\n"
        )

    def __getattr__(self, name):
        def throw_on_call(*args, **kwargs):
            raise RuntimeError(f"{self.formatted_error}Native code method attempted to call: lib.{name}()")

        return throw_on_call


def get_native_library():
    binary_path = PACKAGE_DIR / "libbitsandbytes_cpu.so"
    if torch.cuda.is_available():
        version = os.environ.get("BNB_CUDA_VERSION") or torch.version.cuda.replace(".", "")
        cuda_binary_path = PACKAGE_DIR / f"libbitsandbytes_cuda{version}.so"
        if not cuda_binary_path.exists():
            raise RuntimeError(f"No compatible CUDA binary found at {cuda_binary_path}")
        # ct.cdll.LoadLibrary: the library links to the CUDA runtime of its own major version
        runtime = "libcudart.so.11.0" if version.startswith("11") else f"libcudart.so.{version[:2]}"
        if not (Path(torch.__file__).parent / "lib" / runtime).exists():
            raise OSError(f"{runtime}: cannot open shared object file: No such file or directory")
        return CudaBNBNativeLibrary(cuda_binary_path)
    return BNBNativeLibrary(binary_path)


try:
    lib = get_native_library()
except Exception as e:
    error_msg = str(e)
    logger.error(f"bitsandbytes library load error: {error_msg}")
    lib = ErrorHandlerMockBNBNativeLibrary(error_msg)
"""

BNB_050_INIT = """
from .cextension import lib

features = {"multi_backend"}
supported_torch_devices = {"cpu", "cuda", "xpu", "hpu", "npu", "mps"}
__version__ = "0.50.2"
"""

BNB_050_LIBS = ["cpu"] + [f"cuda{v}" for v in ("118", "121", "124", "126", "128", "130", "132")]

# transformers 4.57.6 -------------------------------------------------------------------------------------
TF_INIT = """
__version__ = "{version}"

from .utils.quantization_config import BitsAndBytesConfig
from .modeling_utils import AutoModelForCausalLM
"""

TF_IMPORT_UTILS = """
import importlib.metadata
import importlib.util

_bitsandbytes_available = importlib.util.find_spec("bitsandbytes") is not None
ACCELERATE_MIN_VERSION = "0.26.0"


def release(text):
    return tuple(int(part) for part in text.split("+")[0].split(".")[:3])


def is_accelerate_available():
    return importlib.util.find_spec("accelerate") is not None


def is_torch_available():
    return importlib.util.find_spec("torch") is not None


def is_bitsandbytes_available(check_library_only=False):
    if not _bitsandbytes_available:
        return False

    if check_library_only:
        return True

    if not is_torch_available():
        return False

    import torch

    # `bitsandbytes` versions older than 0.43.1 eagerly require CUDA at import time,
    # so those versions of the library are practically only available when CUDA is too.
    if release(importlib.metadata.version("bitsandbytes")) < (0, 43, 1):
        return torch.cuda.is_available()

    # Newer versions of `bitsandbytes` can be imported on systems without CUDA.
    return True


def is_bitsandbytes_multi_backend_available():
    if not is_bitsandbytes_available():
        return False

    import bitsandbytes as bnb

    return "multi_backend" in getattr(bnb, "features", set())


def get_available_devices():
    import torch

    devices = {"cpu"}
    if torch.cuda.is_available():
        devices.add("cuda")
    return frozenset(devices)
"""

TF_QUANTIZATION_CONFIG = """
import importlib.metadata

from .import_utils import release


class BitsAndBytesConfig:
    def __init__(self, load_in_8bit=False, load_in_4bit=False, bnb_4bit_quant_type="fp4", bnb_4bit_compute_dtype=None,
                 llm_int8_enable_fp32_cpu_offload=False, **kwargs):
        self.load_in_8bit = load_in_8bit
        self.load_in_4bit = load_in_4bit
        self.bnb_4bit_quant_type = bnb_4bit_quant_type
        self.bnb_4bit_compute_dtype = bnb_4bit_compute_dtype
        self.llm_int8_enable_fp32_cpu_offload = llm_int8_enable_fp32_cpu_offload
        self.post_init()

    def post_init(self):
        if self.load_in_4bit and not release(importlib.metadata.version("bitsandbytes")) >= (0, 39, 0):
            raise ValueError(
                "4 bit quantization requires bitsandbytes>=0.39.0 - please upgrade your bitsandbytes version"
            )
"""

TF_INTEGRATION = """
import importlib.metadata
import importlib.util
import logging

import transformers

from ..utils.import_utils import (
    get_available_devices,
    is_bitsandbytes_available,
    is_bitsandbytes_multi_backend_available,
    is_torch_available,
    release,
)

logger = logging.getLogger(__name__)


def _validate_bnb_multi_backend_availability(raise_exception):
    import bitsandbytes as bnb

    bnb_supported_devices = getattr(bnb, "supported_torch_devices", set())
    available_devices = set(get_available_devices())
    if release(transformers.__version__) < (4, 53, 0) and available_devices == {"cpu"}:
        available_devices = frozenset(
            [device for device in available_devices if device != "cpu"]
        )  # Only Intel CPU is supported by BNB at the moment (4.51.3 without intel_extension_for_pytorch)

    if not available_devices.intersection(bnb_supported_devices):
        if raise_exception:
            err_msg = (
                f"None of the available devices `available_devices = {available_devices or None}` are supported by the bitsandbytes version you have installed: `bnb_supported_devices = {bnb_supported_devices}`. "
                "Please check the docs to see if the backend you intend to use is available and how to install it: https://huggingface.co/docs/bitsandbytes/main/en/installation"
            )

            logger.error(err_msg)
            raise RuntimeError(err_msg)

        logger.warning("No supported devices found for bitsandbytes multi-backend.")
        return False

    logger.debug("Multi-backend validation successful.")
    return True


def _validate_bnb_cuda_backend_availability(raise_exception):
    if not is_torch_available():
        return False

    import torch

    if not torch.cuda.is_available():
        log_msg = (
            "CUDA is required but not available for bitsandbytes. Please consider installing the multi-platform enabled version of bitsandbytes, which is currently a work in progress. "
            "Please check currently supported platforms and installation instructions at https://huggingface.co/docs/bitsandbytes/main/en/installation#multi-backend"
        )
        if raise_exception:
            logger.error(log_msg)
            raise RuntimeError(log_msg)

        logger.warning(log_msg)
        return False

    logger.debug("CUDA backend validation successful.")
    return True


def validate_bnb_backend_availability(raise_exception=False):
    if not is_bitsandbytes_available():
        if importlib.util.find_spec("bitsandbytes") and release(importlib.metadata.version("bitsandbytes")) < (0, 43, 1):
            return _validate_bnb_cuda_backend_availability(raise_exception)
        return False

    if is_bitsandbytes_multi_backend_available():
        return _validate_bnb_multi_backend_availability(raise_exception)
    return _validate_bnb_cuda_backend_availability(raise_exception)
"""

TF_QUANTIZER = """
import importlib.metadata

import torch
import transformers

from ..utils.import_utils import (
    ACCELERATE_MIN_VERSION,
    is_accelerate_available,
    is_bitsandbytes_available,
    is_torch_available,
    release,
)


class Bnb4BitHfQuantizer:
    def __init__(self, quantization_config):
        self.quantization_config = quantization_config

    def validate_environment(self, *args, **kwargs):
        if not is_accelerate_available():
            raise ImportError(
                f"Using `bitsandbytes` 4-bit quantization requires Accelerate: `pip install 'accelerate>={ACCELERATE_MIN_VERSION}'`"
            )
        if release(transformers.__version__) >= (5, 0, 0) and (
            not is_bitsandbytes_available(check_library_only=True)
            or release(importlib.metadata.version("bitsandbytes")) < (0, 46, 1)
        ):
            raise ImportError(
                "Using `bitsandbytes` 4-bit quantization requires bitsandbytes: `pip install -U bitsandbytes>=0.46.1`"
            )
        if not is_bitsandbytes_available(check_library_only=True):
            raise ImportError(
                "Using `bitsandbytes` 4-bit quantization requires the latest version of bitsandbytes: `pip install -U bitsandbytes`"
            )
        if not is_torch_available():
            raise ImportError(
                "The bitsandbytes library requires PyTorch but it was not found in your environment. "
                "You can install it with `pip install torch`."
            )
        # `bitsandbytes` versions older than 0.43.1 eagerly require CUDA at import time,
        # so those versions of the library are practically only available when CUDA is too.
        if release(importlib.metadata.version("bitsandbytes")) < (0, 43, 1):
            if not torch.cuda.is_available():
                raise ImportError(
                    "The installed version of bitsandbytes (<0.43.1) requires CUDA, but CUDA is not available. "
                    "You may need to install PyTorch with CUDA support or upgrade bitsandbytes to >=0.43.1."
                )

        from ..integrations.bitsandbytes import validate_bnb_backend_availability

        validate_bnb_backend_availability(raise_exception=True)
"""

TF_MODELING = """
import torch

from .quantizers.quantizer_bnb_4bit import Bnb4BitHfQuantizer


class LlamaForCausalLM:
    def __init__(self, device, quantized):
        self.device = device
        self.quantized = quantized


class AutoModelForCausalLM:
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, quantization_config=None, device_map=None, **kwargs):
        if quantization_config is not None:
            Bnb4BitHfQuantizer(quantization_config).validate_environment(device_map=device_map)
        device = "cuda:0" if device_map == "auto" and torch.cuda.is_available() else "cpu"
        return LlamaForCausalLM(device, quantized=quantization_config is not None)
"""


def _site(
    tmp_path,
    name,
    *,
    cuda=None,
    gpu=None,
    cudart=True,
    bnb="0.42.0",
    transformers="4.57.6",
    accelerate=True,
):
    """A site folder: torch (a CUDA build when `cuda` names its version, seeing a GPU unless `gpu` is False,
    with its CUDA runtime unless `cudart` is False), bitsandbytes `bnb` (or none), transformers and
    accelerate (unless False)."""
    site = tmp_path / name / "lib" / "python3.11" / "site-packages"  # frames read as installed packages
    files = dict(TORCH, **{"torch/version.py": f"cuda = {cuda!r}\n"})
    if gpu is not None:
        files["torch/cuda/__init__.py"] = TORCH["torch/cuda/__init__.py"].replace(
            "_GPU = version.cuda is not None", f"_GPU = {gpu!r}"
        )
    if cuda and cudart:
        files[f"torch/lib/libcudart.so.{cuda.split('.')[0]}"] = ""
    fake_distribution(site, "torch", "2.13.0" if cuda else "2.13.0+cpu")
    if bnb == "0.42.0":
        files["bitsandbytes/__init__.py"] = (
            "from . import cextension, functional, optim\n__version__ = '0.42.0'\n"
        )
        files["bitsandbytes/cextension.py"] = BNB_042_CEXTENSION.lstrip(
            "\n"
        )  # line 34 warns, as in the wheel
        files["bitsandbytes/cuda_setup/__init__.py"] = ""
        files["bitsandbytes/cuda_setup/main.py"] = BNB_042_CUDA_SETUP
        files["bitsandbytes/functional.py"] = BNB_042_FUNCTIONAL
        files["bitsandbytes/optim/__init__.py"] = BNB_042_OPTIM
        files.update({f"bitsandbytes/libbitsandbytes_{lib}.so": "" for lib in BNB_042_LIBS})
    elif bnb == "0.50.2":
        files["bitsandbytes/__init__.py"] = BNB_050_INIT
        files["bitsandbytes/cextension.py"] = BNB_050_CEXTENSION
        files.update({f"bitsandbytes/libbitsandbytes_{lib}.so": "" for lib in BNB_050_LIBS})
    if bnb:
        fake_distribution(site, "bitsandbytes", bnb)
    files.update(
        {
            "transformers/__init__.py": TF_INIT.format(version=transformers),
            "transformers/utils/__init__.py": "",
            "transformers/utils/import_utils.py": TF_IMPORT_UTILS,
            "transformers/utils/quantization_config.py": TF_QUANTIZATION_CONFIG,
            "transformers/integrations/__init__.py": "",
            "transformers/integrations/bitsandbytes.py": TF_INTEGRATION,
            "transformers/quantizers/__init__.py": "",
            "transformers/quantizers/quantizer_bnb_4bit.py": TF_QUANTIZER,
            "transformers/modeling_utils.py": TF_MODELING,
        }
    )
    fake_distribution(site, "transformers", transformers)
    if accelerate:
        files["accelerate/__init__.py"] = "__version__ = '1.10.1'\n"
        fake_distribution(site, "accelerate", "1.10.1")
    return write_files(site, files)


LOAD_4BIT = """
from transformers import AutoModelForCausalLM, BitsAndBytesConfig

AutoModelForCausalLM.from_pretrained("ORG/MODEL", quantization_config=BitsAndBytesConfig(load_in_4bit=True))
print("loaded")
"""

OPTIMIZER_STEP = "import bitsandbytes as bnb\nbnb.optim.AdamW8bit([object()]).step()\n"


def _doctor(fix_code, site, tmp_path, *, nvidia_smi=False, env=None) -> subprocess.CompletedProcess:
    """Option 1's check on `site`, with a PATH that holds `nvidia-smi` only when asked, and none of the
    variables it reads (NVIDIA_VISIBLE_DEVICES, BNB_CUDA_VERSION) unless `env` sets them."""
    script = tmp_path / "bnb_doctor.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    bin_dir = tmp_path / ("bin-smi" if nvidia_smi else "bin")
    bin_dir.mkdir(exist_ok=True)
    if nvidia_smi:
        smi = bin_dir / "nvidia-smi"
        smi.write_text(
            "#!/bin/sh\necho 'NVIDIA-SMI 550.54.15  Driver Version: 550.54.15  CUDA Version: 12.4'\n"
        )
        smi.chmod(0o755)
    child = {"PATH": str(bin_dir), "NVIDIA_VISIBLE_DEVICES": None, "BNB_CUDA_VERSION": None}
    return run_args([str(script)], site, tmp_path, env={**child, **(env or {})})


def test_cpu_machine_with_old_bitsandbytes_then_option1_upgrade(fix_code, index, entry, tmp_path):
    old = _site(tmp_path, "old")
    imported = run_python("import bitsandbytes", cwd=tmp_path, path=old)
    assert imported.returncode == 0, imported.stderr
    warning = (
        "UserWarning: The installed version of bitsandbytes was compiled without GPU support. "
        "8-bit optimizers, 8-bit multiplication, and GPU quantization are unavailable."
    )
    assert f"bitsandbytes/cextension.py:34: {warning}" in imported.stderr
    assert warning in entry.errors
    assert imported.stdout.strip().endswith("libbitsandbytes_cpu.so: undefined symbol: cadam32bit_grad_fp32")
    assert_answers(index, SLUG, imported.stderr + imported.stdout)

    load = run_python(LOAD_4BIT, cwd=tmp_path, path=old)
    assert "transformers/quantizers/quantizer_bnb_4bit.py" in load.stderr
    assert last_line(load) == (
        "ImportError: The installed version of bitsandbytes (<0.43.1) requires CUDA, but CUDA is not available. "
        "You may need to install PyTorch with CUDA support or upgrade bitsandbytes to >=0.43.1."
    )
    assert last_line(load) in entry.errors
    assert_answers(index, SLUG, load.stderr)

    step = run_python(OPTIMIZER_STEP, cwd=tmp_path, path=old)
    assert last_line(step) == "NameError: name 'str2optimizer32bit' is not defined"
    assert_answers(index, SLUG, step.stderr)

    # Option 1 names the fix on the broken install ...
    before = _doctor(fix_code, old, tmp_path)
    assert before.returncode == 1, before.stdout + before.stderr
    assert "torch 2.13.0+cpu, bitsandbytes 0.42.0, transformers 4.57.6, accelerate 1.10.1" in before.stdout
    assert (
        "FIX: no CUDA GPU, and bitsandbytes 0.42.0 cannot quantize on the CPU (NF4 and 8-bit need 0.46+, "
        'the default FP4 0.47+): pip install -U "bitsandbytes>=0.47", or load the model without quantization'
    ) in before.stdout

    # ... and passes once that upgrade is in: the same load then goes through
    new = _site(tmp_path, "new", bnb="0.50.2")
    after = _doctor(fix_code, new, tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr
    assert (
        "OK: bitsandbytes 0.50.2 can quantize here, on the CPU (slow: no CUDA GPU is visible)" in after.stdout
    )
    assert "FIX:" not in after.stdout
    loaded = run_python(LOAD_4BIT, cwd=tmp_path, path=new)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "loaded"


def test_cpu_machine_with_old_transformers_is_named_too(fix_code, index, tmp_path):
    site = _site(tmp_path, "tf451", bnb="0.50.2", transformers="4.51.3")
    load = run_python(LOAD_4BIT, cwd=tmp_path, path=site)
    assert last_line(load).startswith(
        "RuntimeError: None of the available devices `available_devices = None` are supported by the bitsandbytes "
        "version you have installed"
    ), last_line(load)
    assert_answers(index, SLUG, load.stderr)
    doctor = _doctor(fix_code, site, tmp_path)
    assert doctor.returncode == 1
    assert "FIX: no CUDA GPU, and transformers 4.51.3 refuses bitsandbytes without one" in doctor.stdout
    assert 'pip install -U "transformers>=4.53"' in doctor.stdout


def test_gpu_machine_whose_torch_cuda_has_no_bitsandbytes_build(fix_code, index, entry, tmp_path):
    old = _site(tmp_path, "old", cuda="12.8")
    imported = run_python("import bitsandbytes", cwd=tmp_path, path=old)
    assert imported.returncode != 0
    assert "bitsandbytes/cextension.py" in imported.stderr
    assert "CUDA SETUP: Required library version not found: libbitsandbytes_cuda128.so." in imported.stdout
    assert "CUDA SETUP: Setup Failed!" in imported.stdout
    assert "RuntimeError: \n        CUDA Setup failed despite GPU being available." in imported.stderr
    flat = " ".join(imported.stderr[imported.stderr.index("RuntimeError:") :].split())
    assert flat in entry.errors
    assert_answers(index, SLUG, imported.stderr)

    before = _doctor(fix_code, old, tmp_path)
    assert before.returncode == 1
    assert "torch sees a CUDA GPU: True (torch.version.cuda = 12.8)" in before.stdout
    assert (
        "FIX: bitsandbytes 0.42.0 could not load a CUDA library for torch's CUDA 12.8 "
        "(import failed: CUDA Setup failed despite GPU being available."
    ) in before.stdout
    assert "pip install -U bitsandbytes (newer releases ship newer CUDA builds)" in before.stdout

    # the upgrade ships a library for CUDA 12.8
    new = _site(tmp_path, "new", cuda="12.8", bnb="0.50.2")
    after = _doctor(fix_code, new, tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "bitsandbytes native library: cuda" in after.stdout
    assert "OK: bitsandbytes 0.50.2 can quantize here, on the GPU" in after.stdout

    # a CUDA version the new wheel does not ship either: the check still sees it (0.46+ fail only when called)
    odd = _site(tmp_path, "odd", cuda="10.2", bnb="0.50.2")
    called = run_python(
        "from bitsandbytes.cextension import lib\nlib.cquantize_blockwise_fp16_nf4()", cwd=tmp_path, path=odd
    )
    assert "bitsandbytes library load error: No compatible CUDA binary found at" in called.stderr
    assert (
        "Attempted to use bitsandbytes native library functionality but it's not available." in called.stderr
    )
    assert_answers(index, SLUG, called.stderr)
    doctor = _doctor(fix_code, odd, tmp_path)
    assert doctor.returncode == 1
    assert "bitsandbytes native library: none" in doctor.stdout


def _loader(fix_code, site, tmp_path, *args):
    script = tmp_path / "load_model.py"
    script.write_text(fix_code(SLUG, 3), encoding="utf-8")
    return run_args([str(script), *args], site, tmp_path)


def test_option3_loads_unquantized_where_bitsandbytes_cannot_run(fix_code, index, tmp_path):
    old = _site(tmp_path, "old")
    wrong = run_python(LOAD_4BIT, cwd=tmp_path, path=old)
    assert wrong.returncode != 0  # the unconditional BitsAndBytesConfig

    fixed = _loader(fix_code, old, tmp_path, "ORG/MODEL")
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines() == [
        "loading ORG/MODEL: no CUDA GPU, and bitsandbytes before 0.46 cannot quantize on the CPU -> unquantized",
        "LlamaForCausalLM on cpu",
    ]

    # no bitsandbytes at all: BitsAndBytesConfig itself fails, the loader does not build one
    bare = _site(tmp_path, "bare", bnb=None)
    missing = run_python(LOAD_4BIT, cwd=tmp_path, path=bare)
    assert (
        last_line(missing)
        == "importlib.metadata.PackageNotFoundError: No package metadata was found for bitsandbytes"
    )
    assert_answers(index, SLUG, missing.stderr)
    plan = _loader(fix_code, bare, tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.strip() == "plan: no quantization (bitsandbytes is not installed)"

    # current releases: 4-bit on the CPU, and on the GPU where there is one
    cpu = _loader(fix_code, _site(tmp_path, "cpu", bnb="0.50.2"), tmp_path, "ORG/MODEL")
    assert cpu.returncode == 0, cpu.stderr
    assert cpu.stdout.splitlines()[0] == "loading ORG/MODEL: 4-bit bitsandbytes on the CPU (slow)"
    gpu = _loader(fix_code, _site(tmp_path, "gpu", cuda="12.8", bnb="0.50.2"), tmp_path, "ORG/MODEL")
    assert gpu.returncode == 0, gpu.stderr
    assert gpu.stdout.splitlines() == [
        "loading ORG/MODEL: 4-bit bitsandbytes on the GPU",
        "LlamaForCausalLM on cuda:0",
    ]


def test_option1_names_a_missing_accelerate(fix_code, tmp_path):
    # transformers refuses bitsandbytes without accelerate, GPU or not: the check must not say OK
    for name, cuda in (("gpu", "12.8"), ("cpu", None)):
        site = _site(tmp_path, name, cuda=cuda, bnb="0.50.2", accelerate=False)
        load = run_python(LOAD_4BIT, cwd=tmp_path, path=site)
        assert last_line(load) == (
            "ImportError: Using `bitsandbytes` 4-bit quantization requires Accelerate: `pip install 'accelerate>=0.26.0'`"
        )
        doctor = _doctor(fix_code, site, tmp_path)
        assert doctor.returncode == 1, doctor.stdout + doctor.stderr
        assert "accelerate None" in doctor.stdout
        assert "FIX: accelerate is not installed" in doctor.stdout
        assert "pip install -U accelerate" in doctor.stdout
        assert "OK:" not in doctor.stdout


def test_option1_keeps_the_reason_bitsandbytes_could_not_load(fix_code, index, tmp_path):
    # 0.50.2 ships a library for CUDA 12.8, but the CUDA runtime it links to is missing: upgrading changes nothing
    site = _site(tmp_path, "noruntime", cuda="12.8", cudart=False, bnb="0.50.2")
    called = run_python(
        "from bitsandbytes.cextension import lib\nlib.cquantize_blockwise_fp16_nf4()", cwd=tmp_path, path=site
    )
    assert (
        "bitsandbytes library load error: libcudart.so.12: cannot open shared object file: No such file or directory"
        in called.stderr
    )
    assert_answers(index, SLUG, called.stderr)
    doctor = _doctor(fix_code, site, tmp_path)
    assert doctor.returncode == 1
    assert (
        "bitsandbytes native library: none (libcudart.so.12: cannot open shared object file" in doctor.stdout
    )
    assert (
        "FIX: bitsandbytes 0.50.2 has a library for torch's CUDA 12.8 but not the CUDA runtime"
        in doctor.stdout
    )
    assert "upgrading bitsandbytes does not change this" in doctor.stdout
    assert "newer releases ship newer CUDA builds" not in doctor.stdout

    # a BNB_CUDA_VERSION override is named as the cause, not the bitsandbytes release
    fine = _site(tmp_path, "pinned", cuda="12.8", bnb="0.50.2")
    assert _doctor(fix_code, fine, tmp_path).returncode == 0
    pinned = _doctor(fix_code, fine, tmp_path, env={"BNB_CUDA_VERSION": "118"})
    assert pinned.returncode == 1
    assert (
        "bitsandbytes native library: none (libcudart.so.11.0: cannot open shared object file"
        in pinned.stdout
    )
    assert "FIX: BNB_CUDA_VERSION=118 makes bitsandbytes load libbitsandbytes_cuda118" in pinned.stdout
    assert "unset it" in pinned.stdout


def test_option1_says_when_a_gpu_is_there_but_torch_cannot_see_it(fix_code, tmp_path):
    # bitsandbytes 0.50.2 and transformers 4.57.6 quantize on the CPU, but this machine has an NVIDIA driver
    cpu_build = _site(tmp_path, "cpubuild", bnb="0.50.2")
    assert _doctor(fix_code, cpu_build, tmp_path).returncode == 0  # a machine without any GPU: OK, on the CPU
    driver = _doctor(fix_code, cpu_build, tmp_path, nvidia_smi=True)
    assert driver.returncode == 1, driver.stdout
    assert (
        "FIX: nvidia-smi is installed here (an NVIDIA driver is), but torch 2.13.0+cpu is a CPU-only build: "
        "install a CUDA build of torch (Option 2)"
    ) in driver.stdout

    # a CUDA build of torch in a CUDA image started without a GPU: the container, not bitsandbytes
    hidden = _site(tmp_path, "hidden", cuda="12.8", gpu=False, bnb="0.50.2")
    container = _doctor(fix_code, hidden, tmp_path, env={"NVIDIA_VISIBLE_DEVICES": "all"})
    assert container.returncode == 1, container.stdout
    assert "torch sees a CUDA GPU: False (torch.version.cuda = 12.8)" in container.stdout
    assert (
        "FIX: NVIDIA_VISIBLE_DEVICES=all is set (a CUDA container image), but torch (built for CUDA 12.8)"
        in (container.stdout)
    )
    assert "torch-cuda-not-available, docker-gpu-unavailable" in container.stdout
    assert "OK:" not in container.stdout


def test_option3_loads_unquantized_without_accelerate(fix_code, tmp_path):
    # no accelerate: transformers refuses the config, so the loader must not build one
    no_accelerate = _site(tmp_path, "noacc", bnb="0.50.2", accelerate=False)
    loaded = _loader(fix_code, no_accelerate, tmp_path, "ORG/MODEL")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.splitlines() == [
        "loading ORG/MODEL: accelerate is not installed (transformers needs it to load a bitsandbytes model) -> unquantized",
        "LlamaForCausalLM on cpu",
    ]


def test_option3_loads_unquantized_when_transformers_5_refuses_the_bitsandbytes(fix_code, index, tmp_path):
    # transformers 5 with bitsandbytes 0.42.0 on a GPU: refused whatever the device
    tf5 = _site(tmp_path, "tf5", cuda="12.1", transformers="5.25.0")
    refused = run_python(LOAD_4BIT, cwd=tmp_path, path=tf5)
    assert last_line(refused) == (
        "ImportError: Using `bitsandbytes` 4-bit quantization requires bitsandbytes: `pip install -U bitsandbytes>=0.46.1`"
    )
    assert_answers(index, SLUG, refused.stderr)
    loaded = _loader(fix_code, tf5, tmp_path, "ORG/MODEL")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.splitlines() == [
        "loading ORG/MODEL: transformers 5 needs bitsandbytes 0.46.1 or newer -> unquantized",
        "LlamaForCausalLM on cuda:0",
    ]


def test_lookalikes_are_not_this_entry(entry, index):
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text
