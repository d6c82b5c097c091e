"""Verified fix for solutions/transformers-unknown-architecture.md.

The project does not install transformers or vLLM, so both are fakes in tmp_path shaped like the real
releases (checked on transformers 4.36.2, 4.57.6 and 5.25.0, vLLM 0.2.7, 0.6.3 and 0.34.0): the model
types live in `CONFIG_MAPPING_NAMES` of `transformers/models/auto/configuration_auto.py`, whose
`_LazyConfigMapping.__getitem__` raises `KeyError(key)`; up to 4.36 that KeyError reaches the caller,
from 4.37 `AutoConfig.from_pretrained` turns it into the ValueError (4.48+ with the upgrade paragraph);
vLLM's architectures are the keys of dicts in `vllm/model_executor/models/registry.py`. The tests
reproduce the real error texts in a child interpreter, then run the entry's own Option 1 script
(read from the Markdown) against each install and checkpoint.
"""

import json
import re
from pathlib import Path

from entry_tables import table_rows
from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args, script_names

SLUG = "transformers-unknown-architecture"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ROW = re.compile(r"^\| `(\w+)` \| (\d+\.\d+\.\d+) \|$")

CONFIG_AUTO = """from collections import OrderedDict

CONFIG_MAPPING_NAMES = OrderedDict([{names}])


class _LazyConfigMapping(OrderedDict):
    def __init__(self, mapping):
        self._mapping = mapping
        self._extra_content = {{}}

    def __getitem__(self, key):
        if key in self._extra_content:
            return self._extra_content[key]
        if key not in self._mapping:
            raise KeyError(key)
        return self._mapping[key]


CONFIG_MAPPING = _LazyConfigMapping(CONFIG_MAPPING_NAMES)


class AutoConfig:
    @classmethod
    def from_pretrained(cls, path, **kwargs):
        import json
        import os

        config_dict = json.load(open(os.path.join(path, "config.json")))
        {lookup}
        return config_class
"""
OLD_LOOKUP = 'config_class = CONFIG_MAPPING[config_dict["model_type"]]'
NEW_LOOKUP = """try:
            config_class = CONFIG_MAPPING[config_dict["model_type"]]
        except KeyError:
            raise ValueError(
                f"The checkpoint you are trying to load has model type `{config_dict['model_type']}` "
                "but Transformers does not recognize this architecture. This could be because of an "
                "issue with the checkpoint, or because your version of Transformers is out of date.\\n\\n"
                "You can update Transformers with the command `pip install --upgrade transformers`. If this "
                "does not work, and the checkpoint is very new, then there may not be a release version "
                "that supports this model yet. In this case, you can get the most up-to-date code by installing "
                "Transformers from source with the command "
                "`pip install git+https://github.com/huggingface/transformers.git`"
            )"""
REPRO = "import sys\nfrom transformers import AutoConfig\nAutoConfig.from_pretrained(sys.argv[1])\n"


def _transformers(site: Path, version: str, types: list[str]) -> None:
    """A transformers install that knows `types`; 4.36 and older raise the bare KeyError."""
    old = tuple(int(p) for p in version.split(".")[:2]) < (4, 37)
    names = ", ".join(f'("{t}", "{t.title()}Config")' for t in types)
    write_file(
        site / "transformers" / "__init__.py",
        f"__version__ = '{version}'\nfrom .models.auto.configuration_auto import AutoConfig\n",
    )
    write_file(site / "transformers" / "models" / "__init__.py")
    write_file(site / "transformers" / "models" / "auto" / "__init__.py")
    write_file(
        site / "transformers" / "models" / "auto" / "configuration_auto.py",
        CONFIG_AUTO.format(names=names, lookup=OLD_LOOKUP if old else NEW_LOOKUP),
    )
    write_file(
        site / "transformers" / "models" / "auto" / "modeling_auto.py",
        "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES = {'t5': 'T5ForConditionalGeneration'}\n"
        "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES = {'llama': 'LlamaForCausalLM'}\n",
    )
    fake_distribution(site, "transformers", version, top_level="transformers")


def _checkpoint(tmp_path: Path, name: str, **config) -> Path:
    folder = tmp_path / name
    write_file(folder / "config.json", json.dumps(config))
    return folder


def _check(fix_code, site: Path, model: Path, tmp_path: Path) -> str:
    result = run_args(["-c", fix_code(SLUG, 1), str(model)], site, tmp_path)
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def test_script_table_matches_markdown(fix_code):
    table = dict(table_rows(MD, ROW))
    assert script_names(fix_code(SLUG, 1))["FIRST_RELEASE"] == table
    assert table["qwen2"] == "4.37.0" and table["qwen3"] == "4.51.0" and table["gemma3"] == "4.50.0"


def test_old_transformers_keyerror_names_the_release(fix_code, tmp_path):
    site = tmp_path / "site"
    _transformers(site, "4.36.2", ["llama", "mistral", "mixtral", "t5"])
    model = _checkpoint(
        tmp_path,
        "qwen",
        model_type="qwen2",
        architectures=["Qwen2ForCausalLM"],
        transformers_version="4.37.0",
    )
    repro = run_args(["-c", REPRO, str(model)], site, tmp_path)
    assert last_line(repro) == "KeyError: 'qwen2'"
    assert "configuration_auto.py" in repro.stderr and "raise KeyError(key)" in repro.stderr
    out = _check(fix_code, site, model, tmp_path)
    assert "transformers 4.36.2 does NOT know model_type 'qwen2'" in out
    assert 'FIX: pip install -U "transformers>=4.37.0"   (qwen2 was added in transformers 4.37.0)' in out


def test_new_wording_and_saved_version_fallback(fix_code, tmp_path):
    site = tmp_path / "site"
    _transformers(site, "4.57.6", ["llama", "qwen2", "qwen3"])
    model = _checkpoint(tmp_path, "q35", model_type="qwen3_5", transformers_version="5.2.0.dev0")
    repro = run_args(["-c", REPRO, str(model)], site, tmp_path)
    assert (
        "ValueError: The checkpoint you are trying to load has model type `qwen3_5` but Transformers does not "
        "recognize this architecture." in repro.stderr
    )
    assert last_line(repro).endswith("`pip install git+https://github.com/huggingface/transformers.git`")
    out = _check(fix_code, site, model, tmp_path)
    assert 'FIX: pip install -U "transformers>=5.2.0"' in out
    # a type missing from the entry's table: the release that saved config.json is the bound
    model = _checkpoint(tmp_path, "new", model_type="hy_v4", transformers_version="5.20.0")
    out = _check(fix_code, site, model, tmp_path)
    assert 'FIX: pip install -U "transformers>=5.20.0"   (the release that saved this config)' in out


def test_custom_code_repo_needs_trust_remote_code(fix_code, tmp_path):
    site = tmp_path / "site"
    _transformers(site, "5.25.0", ["llama", "qwen2"])
    model = _checkpoint(
        tmp_path,
        "internlm2",
        model_type="internlm2",
        auto_map={"AutoConfig": "configuration_internlm2.InternLM2Config"},
        transformers_version="4.41.0",
    )
    out = _check(fix_code, site, model, tmp_path)
    assert "FIX: this repo ships its own code (auto_map: AutoConfig)" in out
    assert "trust_remote_code=True" in out
    assert "pip install -U" not in out


def test_known_type_and_missing_model_type_are_not_blamed(fix_code, tmp_path):
    site = tmp_path / "site"
    _transformers(site, "5.25.0", ["llama", "t5"])
    model = _checkpoint(tmp_path, "t5", model_type="t5", architectures=["T5ForConditionalGeneration"])
    out = _check(fix_code, site, model, tmp_path)
    assert "knows model_type 't5': the checkpoint's type is not the problem" in out
    assert "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES" in out
    assert "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES" not in out
    assert "FIX" not in out
    out = _check(fix_code, site, _checkpoint(tmp_path, "bare", architectures=["Foo"]), tmp_path)
    assert "config.json has no model_type" in out and "FIX" not in out
    out = _check(fix_code, site, tmp_path / "nowhere" / "x" / "y", tmp_path)
    assert out.startswith("no config.json:")
    typo = _checkpoint(tmp_path, "typo", model_type="qwen-2")
    assert "Also check the spelling of model_type 'qwen-2'" in _check(fix_code, site, typo, tmp_path)


def test_vllm_registry_is_read_without_importing_vllm(fix_code, tmp_path):
    site = tmp_path / "site"
    _transformers(site, "4.57.6", ["llama", "qwen2"])
    write_file(site / "vllm" / "__init__.py", "raise ImportError('vllm needs torch and a GPU')\n")
    write_file(
        site / "vllm" / "model_executor" / "models" / "registry.py",
        '_TEXT_GENERATION_MODELS = {\n    "LlamaForCausalLM": ("llama", "LlamaForCausalLM"),\n}\n'
        '_PREVIOUSLY_SUPPORTED_MODELS = {\n    "Qwen2ForCausalLM": "0.1.0",\n}\n',
    )
    fake_distribution(site, "vllm", "0.2.7", top_level="vllm")
    model = _checkpoint(tmp_path, "qwen", model_type="qwen2", architectures=["Qwen2ForCausalLM"])
    out = _check(fix_code, site, model, tmp_path)
    assert "transformers 4.57.6 knows model_type 'qwen2'" in out
    assert "vllm 0.2.7: Qwen2ForCausalLM is NOT in its model registry -> pip install -U vllm" in out
    model = _checkpoint(tmp_path, "llama", model_type="llama", architectures=["LlamaForCausalLM"])
    assert "vllm 0.2.7: LlamaForCausalLM is in its model registry" in _check(fix_code, site, model, tmp_path)
