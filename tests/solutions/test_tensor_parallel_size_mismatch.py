"""Verified fix for solutions/tensor-parallel-size-mismatch.md.

vLLM is not installed here (it needs CUDA and pulls torch), so a stand-in `vllm` package is written into
tmp_path with the shape of the real releases, read from their wheels:
- vllm 0.19.1: `vllm/config/model.py` ModelConfig.verify_with_parallel_config raises `Total number of
  attention heads (H) must be divisible by tensor parallel size (T).`, counting `num_attention_heads` of
  the text config; it runs in VllmConfig.__post_init__ (`vllm/config/vllm.py`), and VllmConfig and
  ParallelConfig are pydantic dataclasses (`vllm/config/utils.py` `config`), so pydantic prints the
  ValueError as `Value error, ...` of a ValidationError; ParallelConfig.__post_init__
  (`vllm/config/parallel.py`) raises `World size (W) is larger than the number of available GPUs (G) in
  this node. ...` when cuda_device_count_stateless() is smaller than TP x PP;
  `vllm/model_executor/models/qwen2.py` Qwen2Attention asserts `total_num_kv_heads % tp_size == 0` when
  there are at least as many KV heads as ranks, else `tp_size % total_num_kv_heads == 0`; the model's
  VocabParallelEmbedding (built first) divides the vocabulary padded to a multiple of 64 by TP
  (`vocab_parallel_embedding.py`, `divide()` -> `AssertionError: 152064 is not divisible by 28`), and its
  MLP's MergedColumnParallelLinear asserts `all(output_size % self.tp_size == 0 ...)` on the intermediate
  size (`layers/linear.py`);
- vllm 0.8.5: the same check in `vllm/config.py`, VllmConfig a plain dataclass: a bare ValueError.
The GPU count is the length of CUDA_VISIBLE_DEVICES (what cuda_device_count_stateless reports there).
Each model is a real config.json file with the published shape of Qwen2-7B (28 heads, 4 KV heads,
28 layers) or LLaMA-30B (52 heads, 60 layers). The tests reproduce the errors in a child interpreter,
feed them to the matcher, then run the entry's own Option 1 script on the same config.json and launch the
stand-in with the size it prints; every size it calls valid must start, every other size must fail.
"""

from __future__ import annotations

import json
import re

import pytest
from answers import assert_answers, confident_answer
from fake_site import fake_distribution
from pyrun import last_line, run_args, run_python

SLUG = "tensor-parallel-size-mismatch"

QWEN2_7B = {  # Qwen/Qwen2-7B config.json (the fields that matter)
    "architectures": ["Qwen2ForCausalLM"],
    "model_type": "qwen2",
    "hidden_size": 3584,
    "num_attention_heads": 28,
    "num_hidden_layers": 28,
    "num_key_value_heads": 4,
    "intermediate_size": 18944,
    "vocab_size": 152064,
}
LLAMA_30B = {  # huggyllama/llama-30b config.json
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 6656,
    "num_attention_heads": 52,
    "num_hidden_layers": 60,
    "intermediate_size": 17920,
    "vocab_size": 32000,
}

DATACLASS_IMPORT = {
    "0.19.1": "from pydantic.dataclasses import dataclass",
    "0.8.5": "from dataclasses import dataclass",
}

UTILS = """
import os


def divide(numerator, denominator):
    assert numerator % denominator == 0, "{} is not divisible by {}".format(numerator, denominator)
    return numerator // denominator


def cuda_device_count_stateless():
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    return len([d for d in visible.split(",") if d.strip()])
"""

MODEL_CONFIG = """
import json
from pathlib import Path
from types import SimpleNamespace


class ModelConfig:
    def __init__(self, model):
        raw = json.loads((Path(model) / "config.json").read_text())
        self.hf_config = SimpleNamespace(**raw)
        self.hf_text_config = SimpleNamespace(**raw["text_config"]) if "text_config" in raw else self.hf_config
        self.architectures = raw.get("architectures", [])

    def get_total_num_kv_heads(self):
        for name in ("n_head_kv", "num_kv_heads", "num_key_value_heads", "multi_query_group_num"):
            value = getattr(self.hf_text_config, name, None)
            if value is not None:
                return value
        return self.hf_text_config.num_attention_heads

    def verify_with_parallel_config(self, parallel_config):
        total_num_attention_heads = getattr(self.hf_text_config, "num_attention_heads", 0)
        tensor_parallel_size = parallel_config.tensor_parallel_size
        if total_num_attention_heads % tensor_parallel_size != 0:
            raise ValueError(
                f"Total number of attention heads ({total_num_attention_heads})"
                " must be divisible by tensor parallel size "
                f"({tensor_parallel_size})."
            )
"""

PARALLEL_CONFIG = """
{dataclass_import}

from vllm.utils import cuda_device_count_stateless


@dataclass
class ParallelConfig:
    tensor_parallel_size: int = 1
    pipeline_parallel_size: int = 1

    def __post_init__(self) -> None:
        self.world_size = self.pipeline_parallel_size * self.tensor_parallel_size
        if self.world_size > 1 and cuda_device_count_stateless() < self.world_size:
            gpu_count = cuda_device_count_stateless()
            raise ValueError(
                f"World size ({{self.world_size}}) is larger than the number of "
                f"available GPUs ({{gpu_count}}) in this node. If this is "
                "intentional and you are using:\\n"
                "- ray, set '--distributed-executor-backend ray'.\\n"
                "- multiprocessing, set '--nnodes' appropriately."
            )
"""

VLLM_CONFIG = """
from typing import Any

from pydantic import ConfigDict

{dataclass_import}

from vllm.config.parallel import ParallelConfig


@dataclass{dataclass_args}
class VllmConfig:
    model_config: Any = None
    parallel_config: Any = None

    def __post_init__(self):
        if self.model_config is not None:
            self.model_config.verify_with_parallel_config(self.parallel_config)
"""

QWEN2 = """
from vllm.utils import divide


class Qwen2Attention:
    def __init__(self, num_heads, num_kv_heads, tp_size):
        self.total_num_heads = num_heads
        assert self.total_num_heads % tp_size == 0
        self.num_heads = self.total_num_heads // tp_size
        self.total_num_kv_heads = num_kv_heads
        if self.total_num_kv_heads >= tp_size:
            # Number of KV heads is greater than TP size, so we partition
            # the KV heads across multiple tensor parallel GPUs.
            assert self.total_num_kv_heads % tp_size == 0
        else:
            # Number of KV heads is less than TP size, so we replicate
            # the KV heads across multiple tensor parallel GPUs.
            assert tp_size % self.total_num_kv_heads == 0
        self.num_kv_heads = max(1, self.total_num_kv_heads // tp_size)


class VocabParallelEmbedding:
    def __init__(self, vocab_size, tp_size):
        padded = ((vocab_size + 63) // 64) * 64
        self.num_embeddings_per_partition = divide(padded, tp_size)


class MergedColumnParallelLinear:
    def __init__(self, output_sizes, tp_size):
        assert all(output_size % tp_size == 0 for output_size in output_sizes)


class Qwen2Model:
    def __init__(self, text, num_kv_heads, tp_size):
        self.embed_tokens = VocabParallelEmbedding(text.vocab_size, tp_size)
        self.self_attn = Qwen2Attention(text.num_attention_heads, num_kv_heads, tp_size)
        self.gate_up_proj = MergedColumnParallelLinear([text.intermediate_size] * 2, tp_size)
"""

LLM = """
from vllm.config.model import ModelConfig
from vllm.config.parallel import ParallelConfig
from vllm.config.vllm import VllmConfig
from vllm.model_executor.models.qwen2 import Qwen2Model


class LLM:
    def __init__(self, model, tensor_parallel_size=1, pipeline_parallel_size=1):
        model_config = ModelConfig(model)
        parallel_config = ParallelConfig(
            tensor_parallel_size=tensor_parallel_size, pipeline_parallel_size=pipeline_parallel_size
        )
        self.config = VllmConfig(model_config=model_config, parallel_config=parallel_config)
        text = model_config.hf_text_config
        # each worker builds its shard of the embedding, the attention and the MLP
        self.model = Qwen2Model(text, model_config.get_total_num_kv_heads(), tensor_parallel_size)
        self.attention = self.model.self_attn
"""


def _vllm_site(tmp_path, version: str = "0.19.1"):
    site = tmp_path / f"vllm-{version}" / "site-packages"  # frames read as an installed vllm
    fmt = {
        "dataclass_import": DATACLASS_IMPORT[version],
        "dataclass_args": "(config=ConfigDict(arbitrary_types_allowed=True))" if version == "0.19.1" else "",
    }
    fake_distribution(
        site,
        "vllm",
        version,
        {
            "vllm/__init__.py": f'__version__ = "{version}"\nfrom vllm.entrypoints.llm import LLM\n',
            "vllm/utils/__init__.py": UTILS,
            "vllm/config/__init__.py": "",
            "vllm/config/model.py": MODEL_CONFIG,
            "vllm/config/parallel.py": PARALLEL_CONFIG.format(**fmt),
            "vllm/config/vllm.py": VLLM_CONFIG.format(**fmt),
            "vllm/model_executor/__init__.py": "",
            "vllm/model_executor/models/__init__.py": "",
            "vllm/model_executor/models/qwen2.py": QWEN2,
            "vllm/entrypoints/__init__.py": "",
            "vllm/entrypoints/llm.py": LLM,
        },
    )
    return site


def _model(tmp_path, name: str, config: dict):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return folder


def _gpus(n: int) -> dict:
    return {"CUDA_VISIBLE_DEVICES": ",".join(str(i) for i in range(n))}


def _launch(site, model, tp: int, pp: int = 1, gpus: int = 8):
    code = f"""
import vllm
llm = vllm.LLM(model={str(model)!r}, tensor_parallel_size={tp}, pipeline_parallel_size={pp})
print("started", llm.config.parallel_config.world_size, "kv heads per rank", llm.attention.num_kv_heads)
"""
    return run_python(code, path=site, env=_gpus(gpus))


def _helper(fix_code, tmp_path, model, *args, env=None):
    script = tmp_path / "tp_sizes.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return run_args([str(script), str(model), *args], cwd=tmp_path, env=env)


def test_vllm_rejects_28_heads_on_8_gpus_and_option1_picks_a_size_that_starts(fix_code, index, tmp_path):
    site = _vllm_site(tmp_path)
    model = _model(tmp_path, "Qwen2-7B", QWEN2_7B)

    wrong = _launch(site, model, tp=8)
    assert wrong.returncode != 0
    # pydantic calls __post_init__ from its core: the innermost frames shown are vLLM's LLM and pydantic's
    assert "vllm-0.19.1/site-packages/vllm/entrypoints/llm.py" in wrong.stderr
    assert "pydantic_core._pydantic_core.ValidationError: 1 validation error for VllmConfig" in wrong.stderr
    assert (
        "  Value error, Total number of attention heads (28) must be divisible by tensor parallel size (8)."
        in (wrong.stderr)
    )
    assert_answers(index, SLUG, wrong.stderr)

    helped = _helper(fix_code, tmp_path, model, env=_gpus(8))
    assert helped.returncode == 0, helped.stderr
    lines = helped.stdout.splitlines()
    assert lines[0] == "attention heads=28 kv heads=4 layers=28 mlp/vocab=18944 152064 visible GPUs=8"
    assert lines[1] == "valid tensor-parallel sizes: 1 2 4"
    assert lines[2] == "largest on 8 GPU(s): --tensor-parallel-size 4"
    assert "all 8 GPUs: --tensor-parallel-size 4 --pipeline-parallel-size 2" in lines

    tp = int(lines[2].rsplit(" ", 1)[1])
    fixed = _launch(site, model, tp=tp)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == "started 4 kv heads per rank 1"
    both = _launch(site, model, tp=4, pp=2)
    assert both.returncode == 0, both.stderr
    assert both.stdout.startswith("started 8 ")


def test_option1_sizes_are_exactly_the_ones_that_start(fix_code, tmp_path):
    """7, 14 and 28 divide the 28 heads, but the vocabulary (152064, built first) does not split 7 ways and
    the MLP (18944) not 28 ways: the audit found the first version of Option 1 calling 28 valid."""
    site = _vllm_site(tmp_path)
    model = _model(tmp_path, "Qwen2-7B", QWEN2_7B)
    helped = _helper(fix_code, tmp_path, model, "--gpus", "28")
    assert helped.returncode == 0, helped.stderr
    valid = {int(t) for t in helped.stdout.splitlines()[1].split(":")[1].split()}
    code = f"""
import traceback, vllm
for tp in range(1, 29):
    try:
        vllm.LLM(model={str(model)!r}, tensor_parallel_size=tp)
        print(tp, "started")
    except Exception as exc:
        line = traceback.extract_tb(exc.__traceback__)[-1].line
        print(tp, type(exc).__name__, line)
"""
    result = run_python(code, path=site, env=_gpus(28))
    assert result.returncode == 0, result.stderr
    outcome = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert {int(tp) for tp, what in outcome.items() if what == "started"} == valid
    assert valid == {1, 2, 4}
    for tp in (7, 14, 28):  # vLLM's divide(): `AssertionError: 152064 is not divisible by 7`
        assert outcome[str(tp)].startswith("AssertionError assert numerator % denominator == 0")
    assert outcome["8"].startswith("ValidationError")


def test_option1_follows_vllms_kv_head_split_and_replication(fix_code, tmp_path):
    """24 heads, 4 KV heads: TP 8, 12 and 24 replicate the KV heads (TP a multiple of 4), TP 3 cannot split
    them (4 % 3), TP 6 cannot replicate them (6 % 4): the two bare asserts of vLLM's llama.py/qwen2.py."""
    site = _vllm_site(tmp_path)
    config = dict(
        QWEN2_7B, num_attention_heads=24, num_key_value_heads=4, intermediate_size=12288, vocab_size=32256
    )
    model = _model(tmp_path, "gqa-24-4", config)
    helped = _helper(fix_code, tmp_path, model, "--gpus", "24")
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.splitlines()[1] == "valid tensor-parallel sizes: 1 2 4 8 12 24"
    code = f"""
import traceback, vllm
for tp in range(1, 25):
    try:
        llm = vllm.LLM(model={str(model)!r}, tensor_parallel_size=tp)
        print(tp, "started", llm.attention.num_kv_heads)
    except Exception as exc:
        print(tp, type(exc).__name__, traceback.extract_tb(exc.__traceback__)[-1].line)
"""
    result = run_python(code, path=site, env=_gpus(24))
    assert result.returncode == 0, result.stderr
    outcome = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert {tp: what for tp, what in outcome.items() if what.startswith("started")} == {
        "1": "started 4",
        "2": "started 2",
        "4": "started 1",
        "8": "started 1",
        "12": "started 1",
        "24": "started 1",
    }
    assert outcome["3"] == "AssertionError assert self.total_num_kv_heads % tp_size == 0"
    assert outcome["6"] == "AssertionError assert tp_size % self.total_num_kv_heads == 0"


def test_option1_checks_the_mlp_width_too(fix_code, tmp_path):
    """Heads 32 / KV 8 / vocab 32000 all split 16 ways; an MLP of 11000 does not (the vLLM linear assert)."""
    site = _vllm_site(tmp_path)
    config = dict(
        QWEN2_7B, num_attention_heads=32, num_key_value_heads=8, intermediate_size=11000, vocab_size=32000
    )
    model = _model(tmp_path, "odd-mlp", config)
    helped = _helper(fix_code, tmp_path, model, "--gpus", "16")
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.splitlines()[1:3] == [
        "valid tensor-parallel sizes: 1 2 4 8",
        "largest on 16 GPU(s): --tensor-parallel-size 8",
    ]
    wrong = _launch(site, model, tp=16, gpus=16)
    assert last_line(wrong) == "AssertionError"
    assert "assert all(output_size % tp_size == 0 for output_size in output_sizes)" in wrong.stderr
    fixed = _launch(site, model, tp=8, gpus=16)
    assert fixed.returncode == 0, fixed.stderr


def test_option1_rejects_a_negative_gpu_count(fix_code, tmp_path):
    model = _model(tmp_path, "Qwen2-7B", QWEN2_7B)
    helped = _helper(fix_code, tmp_path, model, "--gpus", "-1")
    assert helped.returncode == 2
    assert "--gpus must be 0 or more" in helped.stderr
    assert "Traceback" not in helped.stderr


def test_plain_valueerror_before_pydantic_configs(index, tmp_path):
    site = _vllm_site(tmp_path, "0.8.5")
    model = _model(tmp_path, "llama-30b", LLAMA_30B)
    wrong = _launch(site, model, tp=8)
    assert (
        last_line(wrong)
        == "ValueError: Total number of attention heads (52) must be divisible by tensor parallel size (8)."
    )
    assert_answers(index, SLUG, wrong.stderr)


def test_world_size_larger_than_visible_gpus(fix_code, index, tmp_path):
    site = _vllm_site(tmp_path)
    model = _model(tmp_path, "llama-30b", LLAMA_30B)
    wrong = _launch(site, model, tp=4, pp=2, gpus=4)
    assert wrong.returncode != 0
    assert (
        "  Value error, World size (8) is larger than the number of available GPUs (4) in this node. "
        "If this is intentional and you are using:\n"
        "- ray, set '--distributed-executor-backend ray'.\n"
        "- multiprocessing, set '--nnodes' appropriately." in wrong.stderr
    )
    assert "vllm-0.19.1/site-packages/vllm/entrypoints/llm.py" in wrong.stderr
    assert_answers(index, SLUG, wrong.stderr)

    helped = _helper(fix_code, tmp_path, model, env=_gpus(4))
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.splitlines()[1:3] == [
        "valid tensor-parallel sizes: 1 2 4",
        "largest on 4 GPU(s): --tensor-parallel-size 4",
    ]
    fixed = _launch(site, model, tp=4, gpus=4)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.startswith("started 4 ")


def test_option1_reads_the_text_config_of_a_multimodal_model_and_visible_devices(fix_code, tmp_path):
    config = {
        "architectures": ["LlavaForConditionalGeneration"],
        "vision_config": {"num_attention_heads": 16},
    }
    config["text_config"] = {"num_attention_heads": 40, "num_key_value_heads": 8, "num_hidden_layers": 40}
    model = _model(tmp_path, "vlm", config)
    helped = _helper(fix_code, tmp_path, model / "config.json", env={"CUDA_VISIBLE_DEVICES": "2,3,5"})
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.splitlines()[:3] == [
        "attention heads=40 kv heads=8 layers=40 mlp/vocab=- visible GPUs=3",
        "valid tensor-parallel sizes: 1 2 4 8 40",
        "largest on 3 GPU(s): --tensor-parallel-size 2",
    ]
    # no argument: the demo with LLaMA-30B's shape, as the entry says
    demo = run_args([str(tmp_path / "tp_sizes.py")], cwd=tmp_path, env={"CUDA_VISIBLE_DEVICES": None})
    assert demo.returncode == 0, demo.stderr
    assert "valid tensor-parallel sizes: 1 2 4\n" in demo.stdout
    assert "all 8 GPUs: --tensor-parallel-size 4 --pipeline-parallel-size 2" in demo.stdout


def test_option4_megatron_check_prints_megatrons_own_messages(fix_code, entry):
    result = run_python(fix_code(SLUG, 4))
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0].startswith(
        "TP=8 PP=2: num_attention_heads (52) must be a multiple of tensor_model_parallel_size (8);"
    )
    assert out[1:] == [
        "TP=4 PP=2: ok: data parallel size 2",
        "TP=4 PP=3: world_size (16) is not divisible by 12",
    ]
    # the wordings are megatron-core 0.16.1's (transformer_config.py, parallel_state.py), as the entry lists them
    assert (
        "ValueError: num_attention_heads (52) must be a multiple of tensor_model_parallel_size (8)."
        in entry.errors
    )
    assert "RuntimeError: world_size (6) is not divisible by 4" in entry.errors


@pytest.mark.parametrize(
    "text",
    [
        "RuntimeError: CUDA error: invalid device ordinal",
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.10 GiB",
        "ValueError: embed_dim must be divisible by num_heads (got `embed_dim`: 768 and `num_heads`: 10).",
        # a model definition whose own shapes disagree: the audit found these answered with this entry
        "AssertionError: hidden_size must be divisible by num_attention_heads",
        "AssertionError: hidden size 4096 must be divisible by num_attention_heads 12",
        "AssertionError: The number of attention heads must be divisible by the number of key value heads.",
        "ValueError: num_attention_heads (12) must be divisible by num_key_value_heads (5).",
    ],
)
def test_look_alikes_are_not_this_entry(index, text):
    assert confident_answer(index, text) != SLUG
    assert re.search(r"tensor parallel|world size", text, re.I) is None
