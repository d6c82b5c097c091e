"""Verified fix for solutions/gpu-compute-capability-too-old.md.

There is no GPU here, so `torch` is a fake in tmp_path whose `torch.cuda` reports the compute capability
and name given in FAKE_GPU_CC / FAKE_GPU (fake_torch_cuda.py; no FAKE_GPU_CC: no CUDA). Like torch 2.13, its `is_bf16_supported()`
answers True below 8.0 (bf16 emulation), the trap the entry warns about. Beside it, the checks of the
real releases, copied: vllm 0.34.0 `CudaPlatform.check_if_supports_dtype` (vllm/platforms/cuda.py),
transformers 4.46.3 `TrainingArguments.__post_init__`'s bf16 check (training_args.py) and flash-attn
2.8.3's `TORCH_CHECK(cc_major >= 8, ...)` (csrc/flash_attn/flash_api.cpp). The tests reproduce the
messages the entry lists, then run the entry's Option 1 on a T4, a V100, a P100, an A100 and no GPU,
and feed its choices back into the same checks.
"""

from pathlib import Path

from fake_torch_cuda import TORCH_CUDA
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "gpu-compute-capability-too-old"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

TORCH = """
float16 = "float16"
bfloat16 = "bfloat16"
float32 = "float32"
half = float16
from . import cuda
"""

TORCH_CUDA_WITH_BF16 = (
    TORCH_CUDA
    + """

def is_bf16_supported(including_emulation=True):
    # torch 2.13.0: True from 8.0 on, and below it whenever a bf16 tensor can be created (emulation);
    # FAKE_OLD_TORCH=1: an older torch that answered from the capability alone
    emulation = including_emulation and not os.environ.get("FAKE_OLD_TORCH")
    return is_available() and (get_device_capability() >= (8, 0) or emulation)
"""
)

VLLM_CUDA = """
import torch


class CudaPlatform:
    @classmethod
    def get_device_capability(cls):
        return torch.cuda.get_device_capability()

    @classmethod
    def has_device_capability(cls, capability):
        major, minor = cls.get_device_capability()
        return major * 10 + minor >= capability

    @classmethod
    def check_if_supports_dtype(cls, dtype):
        if dtype == torch.bfloat16:
            if not cls.has_device_capability(80):
                major, minor = cls.get_device_capability()
                gpu_name = torch.cuda.get_device_name()
                compute_str = f"has compute capability {major}.{minor}"
                raise ValueError(
                    "Bfloat16 is only supported on GPUs "
                    "with compute capability of at least 8.0. "
                    f"Your {gpu_name} GPU {compute_str}. "
                    "You can use float16 instead by explicitly setting the "
                    "`dtype` flag in CLI, for example: --dtype=half."
                )
"""

TRAINING_ARGS = """
import torch


class TrainingArguments:
    def __init__(self, output_dir, bf16=False, fp16=False, tf32=None):
        if bf16:
            if torch.cuda.is_available() and not torch.cuda.is_bf16_supported():
                raise ValueError(
                    "Your setup doesn't support bf16/gpu. You need torch>=1.10, using Ampere GPU with cuda>=11.0"
                )
        if fp16 and bf16:
            raise ValueError("At most one of fp16 and bf16 can be True, but not both")
"""

FLASH_ATTN = """
import torch


def flash_attn_func(q, k, v):
    if torch.cuda.get_device_capability()[0] < 8:
        raise RuntimeError("FlashAttention only supports Ampere GPUs or newer.")
    return q
"""

USE_CHOICES = """
import torch
from transformers.training_args import TrainingArguments
from vllm.platforms.cuda import CudaPlatform

{fix}

s = pick_settings()
CudaPlatform.check_if_supports_dtype(getattr(torch, s["dtype"]))
CudaPlatform.check_if_supports_dtype(getattr(torch, s["vllm_dtype"]))
TrainingArguments(output_dir="out", bf16=s["bf16"], fp16=s["fp16"])
if s["attn_implementation"] == "flash_attention_2":
    from flash_attn import flash_attn_func

    flash_attn_func(1, 2, 3)
print("accepted", s["dtype"], s["attn_implementation"])
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _site(tmp_path: Path, flash_attn: bool = True) -> Path:
    site = tmp_path / ("site" if flash_attn else "site-without-flash-attn")
    _write(site / "torch" / "__init__.py", TORCH)
    _write(site / "torch" / "cuda" / "__init__.py", TORCH_CUDA_WITH_BF16)
    _write(site / "vllm" / "__init__.py", "")
    _write(site / "vllm" / "platforms" / "__init__.py", "")
    _write(site / "vllm" / "platforms" / "cuda.py", VLLM_CUDA)
    _write(site / "transformers" / "__init__.py", "")
    _write(site / "transformers" / "training_args.py", TRAINING_ARGS)
    if flash_attn:
        _write(site / "flash_attn" / "__init__.py", FLASH_ATTN)
    return site


def _run(code, tmp_path, cc, gpu="Tesla T4", flash_attn=True, old_torch=False):
    env = {"FAKE_GPU_CC": cc, "FAKE_GPU": gpu, "FAKE_OLD_TORCH": "1" if old_torch else None}
    return run_python(code, cwd=tmp_path, path=_site(tmp_path, flash_attn), env=env)


def test_reproduces_the_listed_messages(tmp_path):
    errors = parse_entry(ENTRY).errors
    vllm = _run(
        "import torch\nfrom vllm.platforms.cuda import CudaPlatform\n"
        "CudaPlatform.check_if_supports_dtype(torch.bfloat16)\n",
        tmp_path,
        "7.0",
        gpu="Tesla V100-SXM2-32GB",
    )
    assert last_line(vllm) in errors
    trainer = _run(
        "from transformers.training_args import TrainingArguments\nTrainingArguments('out', bf16=True)\n",
        tmp_path,
        "7.5",
        old_torch=True,
    )
    assert last_line(trainer) in errors
    flash = _run("from flash_attn import flash_attn_func\nflash_attn_func(1, 2, 3)\n", tmp_path, "7.5")
    assert last_line(flash) in errors
    # the fake reports emulated bf16 on a T4, as torch 2.13 does: the check Option 1 must not trust
    emulated = _run("import torch\nprint(torch.cuda.is_bf16_supported())\n", tmp_path, "7.5")
    assert emulated.stdout.strip() == "True"


def test_option1_on_a_t4_picks_float16_and_sdpa(fix_code, tmp_path):
    result = _run(fix_code(SLUG, 1), tmp_path, "7.5", flash_attn=True)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "cuda:0: Tesla T4, compute capability 7.5 (sm_75)" in out
    assert "dtype=torch.float16, attn_implementation='sdpa'" in out
    assert "bf16=False, fp16=True, tf32=False" in out
    assert "--dtype half" in out
    assert "bfloat16" not in out and "flash_attention_2" not in out
    assert "torch.compile" not in out


def test_option1_choices_pass_the_real_checks_on_old_gpus(fix_code, tmp_path):
    for cc, gpu in (("7.5", "Tesla T4"), ("7.0", "Tesla V100-SXM2-32GB"), ("6.0", "Tesla P100-PCIE-16GB")):
        result = _run(USE_CHOICES.format(fix=fix_code(SLUG, 1)), tmp_path, cc, gpu=gpu)
        assert result.returncode == 0, (cc, result.stderr)
        assert result.stdout.splitlines()[-1] == "accepted float16 sdpa"


def test_option1_keeps_bf16_and_flash_attention_on_ampere(fix_code, tmp_path):
    result = _run(fix_code(SLUG, 1), tmp_path, "8.0", gpu="NVIDIA A100-SXM4-40GB")
    assert result.returncode == 0, result.stderr
    assert "dtype=torch.bfloat16, attn_implementation='flash_attention_2'" in result.stdout
    assert "bf16=True, fp16=False, tf32=True" in result.stdout
    assert "--dtype bfloat16" in result.stdout
    use = _run(USE_CHOICES.format(fix=fix_code(SLUG, 1)), tmp_path, "8.6", gpu="NVIDIA A10G")
    assert use.stdout.splitlines()[-1] == "accepted bfloat16 flash_attention_2", use.stderr
    no_fa = _run(fix_code(SLUG, 1), tmp_path, "8.9", gpu="NVIDIA L4", flash_attn=False)
    assert "dtype=torch.bfloat16, attn_implementation='sdpa'" in no_fa.stdout


def test_option1_on_pascal_warns_about_torch_compile(fix_code, tmp_path):
    result = _run(fix_code(SLUG, 1), tmp_path, "6.1", gpu="NVIDIA GeForce GTX 1080")
    assert result.returncode == 0, result.stderr
    assert "compute capability 6.1 (sm_61)" in result.stdout
    assert "torch.compile: triton needs compute capability >= 7.0" in result.stdout


def test_option1_without_cuda_points_elsewhere(fix_code, tmp_path):
    result = _run(fix_code(SLUG, 1), tmp_path, None)
    assert result.returncode == 0, result.stderr
    assert "no CUDA GPU visible to torch" in result.stdout
    assert "vllm serve" not in result.stdout
