"""Verified fix for solutions/quantized-model-cpu-offload.md.

The project installs neither transformers nor torch, so transformers is a fake in tmp_path. Its
`quantizers/quantizer_bnb_8bit.py` / `quantizer_bnb_4bit.py` copy `validate_environment`'s device-map check
from transformers 5.25.0 word for word (flag `llm_int8_enable_fp32_cpu_offload` skips it; an all-"cpu" map
passes; any "cpu"/"disk" value otherwise raises the ValueError), with `quantized_element_size` (8-bit 1,
4-bit 0.5) and `adjust_max_memory` (x0.90) as in that release; the accelerate/bitsandbytes availability checks
are left out. `from_pretrained` stands in for 5.25.0's `_get_device_map`: the GPU budget is the free memory
times 0.90, layers fill GPU 0 in order and the rest go to "cpu", then `validate_environment(device_map=...)`.
The tests reproduce the error in a child interpreter, then run the entry's Option 1 script: offline example,
with arguments, and its verdict against the fake loader (it says "does NOT fit" exactly when the load raises).
"""

import textwrap
from pathlib import Path

from fake_site import write_files
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "quantized-model-cpu-offload"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

# transformers 5.25.0 quantizers/quantizer_bnb_8bit.py (quantizer_bnb_4bit.py differs in the names and 0.5).
QUANTIZER = """
class Bnb{bits}BitHfQuantizer:
    def __init__(self, quantization_config):
        self.quantization_config = quantization_config

    @property
    def quantized_element_size(self) -> float:
        return {size}

    def validate_environment(self, *args, **kwargs):
        device_map = kwargs.get("device_map")
        if not self.quantization_config.llm_int8_enable_fp32_cpu_offload and isinstance(device_map, dict):
            values = set(device_map.values())
            if values != {{"cpu"}} and ("cpu" in values or "disk" in values):
                raise ValueError(
                    "Some modules are dispatched on the CPU or the disk. Make sure you have enough GPU RAM to fit the "
                    "quantized model. If you want to dispatch the model on the CPU or the disk while keeping these modules "
                    "in 32-bit, you need to set `llm_int8_enable_fp32_cpu_offload=True` and pass a custom `device_map` to "
                    "`from_pretrained`. Check "
                    "https://huggingface.co/docs/transformers/main/en/main_classes/quantization#offload-between-cpu-and-gpu "
                    "for more details. "
                )

    def adjust_max_memory(self, max_memory):
        # need more space for buffers that are created during quantization
        max_memory = {{key: val * 0.90 for key, val in max_memory.items()}}
        return max_memory
"""

CONFIG = """
class BitsAndBytesConfig:
    def __init__(self, load_in_8bit=False, load_in_4bit=False, llm_int8_enable_fp32_cpu_offload=False):
        self.load_in_8bit = load_in_8bit
        self.load_in_4bit = load_in_4bit
        self.llm_int8_enable_fp32_cpu_offload = llm_int8_enable_fp32_cpu_offload
"""

# A model of n_layers equal decoder layers; device_map="auto" as 5.25.0's _get_device_map builds it.
MODELING = """
from .quantizers.quantizer_bnb_4bit import Bnb4BitHfQuantizer
from .quantizers.quantizer_bnb_8bit import Bnb8BitHfQuantizer


def from_pretrained(n_params, quantization_config, device_map="auto", free_gpu_bytes=0, n_layers=32):
    cls = Bnb8BitHfQuantizer if quantization_config.load_in_8bit else Bnb4BitHfQuantizer
    hf_quantizer = cls(quantization_config)
    hf_quantizer.validate_environment(device_map=device_map)  # quantizers/auto.py get_hf_quantizer
    if isinstance(device_map, str):
        budget = hf_quantizer.adjust_max_memory({0: free_gpu_bytes, "cpu": 10**12})[0]
        layer = n_params / n_layers * hf_quantizer.quantized_element_size
        device_map, used = {}, 0.0
        for i in range(n_layers):
            if used + layer <= budget:
                device_map[f"model.layers.{i}"] = 0
                used += layer
            else:
                device_map[f"model.layers.{i}"] = "cpu"
        hf_quantizer.validate_environment(device_map=device_map)  # integrations/accelerate.py _get_device_map
    return device_map
"""

GIB = 1024**3


def _site(tmp_path):
    files = {
        "transformers/__init__.py": (
            "__version__ = '5.25.0'\n"
            "from .utils.quantization_config import BitsAndBytesConfig\n"
            "from .modeling_utils import from_pretrained\n"
        ),
        "transformers/utils/__init__.py": "",
        "transformers/utils/quantization_config.py": CONFIG,
        "transformers/quantizers/__init__.py": "",
        "transformers/quantizers/quantizer_bnb_8bit.py": QUANTIZER.format(bits=8, size=1),
        "transformers/quantizers/quantizer_bnb_4bit.py": QUANTIZER.format(bits=4, size=0.5),
        "transformers/modeling_utils.py": MODELING,
    }
    return write_files(tmp_path / "site", files)


def test_reproduces_the_dispatched_on_cpu_error(tmp_path):
    site = _site(tmp_path)
    load = (
        "from transformers import BitsAndBytesConfig, from_pretrained\n"
        f"from_pretrained(7e9, BitsAndBytesConfig(load_in_8bit=True), 'auto', free_gpu_bytes=6 * {GIB})\n"
    )
    result = run_python(load, cwd=tmp_path, path=site)
    assert result.returncode != 0
    assert "transformers/quantizers/quantizer_bnb_8bit.py" in result.stderr
    entry = parse_entry(ENTRY)
    assert last_line(result) == entry.errors[0]

    checks = textwrap.dedent(
        f"""
        from transformers import BitsAndBytesConfig, from_pretrained

        # same GPU, 4-bit: everything on GPU 0, no error
        dm = from_pretrained(7e9, BitsAndBytesConfig(load_in_4bit=True), "auto", free_gpu_bytes=6 * {GIB})
        assert set(dm.values()) == {{0}}, dm
        # 4-bit is checked as well: a custom map with a "disk" entry raises
        try:
            from_pretrained(7e9, BitsAndBytesConfig(load_in_4bit=True), {{"model.layers.0": 0, "lm_head": "disk"}})
        except ValueError as exc:
            assert str(exc).startswith("Some modules are dispatched on the CPU or the disk."), exc
        else:
            raise AssertionError("4-bit map with disk did not raise")
        # the flag skips the check (dict map), and an all-cpu map passes
        flag = BitsAndBytesConfig(load_in_8bit=True, llm_int8_enable_fp32_cpu_offload=True)
        from_pretrained(7e9, flag, {{"model.layers.0": 0, "lm_head": "cpu"}})
        from_pretrained(7e9, BitsAndBytesConfig(load_in_8bit=True), {{"model.layers.0": "cpu", "lm_head": "cpu"}})
        print("ok")
        """
    )
    result = run_python(checks, cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_option1_offline_example(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "example: 7e9 parameters, 6 GiB free"
    assert lines[1].startswith(
        "8-bit: weights need ~6.5 GiB; budget 5.4 GiB (90% of 6.0 GiB free) -> does NOT fit"
    )
    assert lines[2].startswith("4-bit: weights need ~3.3 GiB; budget 5.4 GiB (90% of 6.0 GiB free) -> fits")


def test_option1_arguments_and_exit_codes(fix_code, tmp_path):
    script = tmp_path / "fits.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    fits = run_python(script.read_text(), cwd=tmp_path, args=["8e9", "8", "--free-gib", "10"])
    assert fits.returncode == 0, fits.stderr
    assert "-> fits" in fits.stdout
    tight = run_python(script.read_text(), cwd=tmp_path, args=["8e9", "8", "--free-gib", "6"])
    assert tight.returncode == 2, tight.stderr
    assert "8-bit: weights need ~7.5 GiB" in tight.stdout and "does NOT fit" in tight.stdout
    assert "4-bit: weights need ~3.7 GiB" in tight.stdout and "-> fits" in tight.stdout
    # embeddings kept in 16-bit count twice as much as quantized weights
    emb = run_python(
        script.read_text(), cwd=tmp_path, args=["8e9", "4", "--free-gib", "10", "--unquantized", "1e9"]
    )
    assert "4-bit: weights need ~5.1 GiB" in emb.stdout, emb.stdout
    # no torch in the project venv and no --free-gib: it says so instead of guessing
    nogpu = run_python(script.read_text(), cwd=tmp_path, args=["8e9", "4"])
    assert nogpu.returncode == 1
    assert nogpu.stdout.startswith("no CUDA GPU visible to torch")


def test_option1_verdict_agrees_with_the_loader(fix_code, tmp_path):
    site = _site(tmp_path)
    (tmp_path / "fits.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    check = textwrap.dedent(
        f"""
        from fits import verdict
        from transformers import BitsAndBytesConfig, from_pretrained

        seen = set()
        for n_params in (3e9, 7e9, 13e9):
            for bits in (8, 4):
                for free in (4.0, 6.0, 8.0, 12.0, 24.0):
                    ok, _ = verdict(n_params, bits, free)
                    cfg = BitsAndBytesConfig(load_in_8bit=bits == 8, load_in_4bit=bits == 4)
                    try:
                        from_pretrained(n_params, cfg, "auto", free_gpu_bytes=free * {GIB})
                        loaded = True
                    except ValueError:
                        loaded = False
                    assert ok == loaded, (n_params, bits, free, ok, loaded)
                    seen.add(ok)
        assert seen == {{True, False}}
        print("agree")
        """
    )
    result = run_python(check, cwd=tmp_path, path=[site, tmp_path])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "agree"
