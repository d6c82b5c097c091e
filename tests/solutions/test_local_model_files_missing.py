"""Verified fixes for solutions/local-model-files-missing.md, without network.

The project does not install transformers (it needs torch), so the tests write a fake `transformers` into
tmp_path with the shape and the messages of transformers 4.46.3: `utils/hub.py` `cached_file` (a folder
that exists is read from disk; any other string goes to the REAL `huggingface_hub.hf_hub_download`, whose
`validate_repo_id` raises the real HFValidationError, wrapped as `Incorrect path_or_model_id`),
`configuration_utils.py` (no config.json in a folder -> `Unrecognized model in ...`), `modeling_utils.py`
(the folder checks of `PreTrainedModel.from_pretrained`: `Error no file named pytorch_model.bin,
model.safetensors, ...`, and a shard index whose shards are missing) and `tokenization_utils_base.py`
(`Can't load tokenizer for ...`). Reproduced: a relative path run from another working directory, a
partial download, a shard missing, the cache's models--org--name folder. Run: Option 1 (the checker as a
script and its functions, then loading the folder it returns), Option 3 (the real huggingface_hub
`snapshot_download(local_files_only=True)` on a cache laid out in tmp_path) and Option 4.
Second audit: the checker on training leftovers, empty files, git-lfs pointers, a cut index, '~' and cache repo
folder paths and a diffusers pipeline; Option 2's allow_patterns through the real `filter_repo_objects`; Option 4
with an empty MODEL_DIR. Not run: Option 2's download (it needs the Hub).
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import huggingface_hub  # noqa: F401  (the real one: its validate_repo_id raises the error under test)
import pytest
from answers import assert_answers, confident_answer
from fake_site import write_files
from pyrun import last_line, run_args, run_python

SLUG = "local-model-files-missing"
COMMIT = "a" * 40

FAKE_TRANSFORMERS = {
    "transformers/__init__.py": """
        __version__ = "4.46.3"
        from .configuration_utils import AutoConfig
        from .modeling_utils import AutoModel
        from .tokenization_utils_base import AutoTokenizer
    """,
    "transformers/utils/__init__.py": "",
    "transformers/utils/hub.py": """
        import os

        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import HFValidationError


        def cached_file(path_or_repo_id, filename, revision=None, local_files_only=False,
                        _raise_exceptions_for_missing_entries=True):
            path_or_repo_id = str(path_or_repo_id)
            if os.path.isdir(path_or_repo_id):
                resolved_file = os.path.join(path_or_repo_id, filename)
                if not os.path.isfile(resolved_file):
                    if _raise_exceptions_for_missing_entries and filename != "config.json":
                        raise EnvironmentError(
                            f"{path_or_repo_id} does not appear to have a file named {filename}. Checkout "
                            f"'https://huggingface.co/{path_or_repo_id}/tree/{revision}' for available files."
                        )
                    return None
                return resolved_file
            try:
                return hf_hub_download(path_or_repo_id, filename, revision=revision, local_files_only=local_files_only)
            except HFValidationError as e:
                raise EnvironmentError(
                    f"Incorrect path_or_model_id: '{path_or_repo_id}'. Please provide either the path to a local "
                    "folder or the repo_id of a model on the Hub."
                ) from e
    """,
    "transformers/configuration_utils.py": """
        import json

        from .utils.hub import cached_file


        class AutoConfig:
            @classmethod
            def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
                resolved = cached_file(pretrained_model_name_or_path, "config.json", **kwargs)
                config = json.load(open(resolved)) if resolved else {}
                if "model_type" not in config:
                    raise ValueError(
                        f"Unrecognized model in {pretrained_model_name_or_path}. "
                        "Should have a `model_type` key in its config.json, or contain one of the following strings "
                        "in its name: albert, align, altclip, audio-spectrogram-transformer, autoformer, bark, bart, "
                        "beit, bert"
                    )
                return config
    """,
    "transformers/modeling_utils.py": """
        import json
        import os

        from .configuration_utils import AutoConfig

        WEIGHTS = ("pytorch_model.bin", "model.safetensors", "tf_model.h5", "model.ckpt.index", "flax_model.msgpack")
        INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")


        class AutoModel:
            @classmethod
            def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
                config = AutoConfig.from_pretrained(pretrained_model_name_or_path, **kwargs)
                path = str(pretrained_model_name_or_path)
                if os.path.isdir(path):
                    for name in WEIGHTS:
                        if os.path.isfile(os.path.join(path, name)):
                            return {"config": config, "weights": [name]}
                    for index in INDEXES:
                        if os.path.isfile(os.path.join(path, index)):
                            shards = sorted(set(json.load(open(os.path.join(path, index)))["weight_map"].values()))
                            for shard in shards:
                                if not os.path.isfile(os.path.join(path, shard)):
                                    raise FileNotFoundError(f"No such file or directory: {os.path.join(path, shard)}")
                            return {"config": config, "weights": shards}
                    raise EnvironmentError(
                        "Error no file named pytorch_model.bin, model.safetensors, tf_model.h5, model.ckpt.index or "
                        f"flax_model.msgpack found in directory {pretrained_model_name_or_path}."
                    )
                raise EnvironmentError(f"fake transformers: only local folders ({path})")
    """,
    "transformers/tokenization_utils_base.py": """
        import os

        from .configuration_utils import AutoConfig

        VOCAB_FILES = ("tokenizer.json", "tokenizer.model", "vocab.txt", "vocab.json")


        class AutoTokenizer:
            @classmethod
            def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
                AutoConfig.from_pretrained(pretrained_model_name_or_path, **kwargs)
                path = str(pretrained_model_name_or_path)
                found = [f for f in VOCAB_FILES if os.path.isfile(os.path.join(path, f))]
                if not found:
                    raise EnvironmentError(
                        f"Can't load tokenizer for '{pretrained_model_name_or_path}'. If you were trying to load it from "
                        "'https://huggingface.co/models', make sure you don't have a local directory with the same name. "
                        f"Otherwise, make sure '{pretrained_model_name_or_path}' is the correct path to a directory "
                        "containing all relevant files for a LlamaTokenizerFast tokenizer."
                    )
                return {"files": found}
    """,
}

CONFIG = {"model_type": "llama", "architectures": ["LlamaForCausalLM"]}

LOAD = """
import sys
from transformers import AutoModel, AutoTokenizer
path = sys.argv[1]
print(AutoModel.from_pretrained(path, local_files_only=True)["weights"])
print(AutoTokenizer.from_pretrained(path, local_files_only=True)["files"])
"""


def model_folder(folder: Path, *files: str) -> Path:
    """A model folder holding config.json and `files` (weights, tokenizer files: a few bytes each)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(CONFIG))
    for name in files:
        (folder / name).write_text("x")
    return folder


@pytest.fixture
def site(tmp_path) -> Path:
    return write_files(tmp_path / "site", FAKE_TRANSFORMERS)


@pytest.fixture
def hf_env(tmp_path, silent_port) -> dict:
    """No token, an empty cache, an endpoint nobody answers on: nothing can reach the Hub."""
    env = {k: None for k in os.environ if k.startswith(("HF_", "TRANSFORMERS_")) or "proxy" in k.lower()}
    env.update(
        HF_HOME=str(tmp_path / "hf_home"), HF_ENDPOINT=f"http://127.0.0.1:{silent_port}", HF_HUB_OFFLINE="1"
    )
    return env


def test_relative_path_from_another_working_directory(fix_code, index, tmp_path, site, hf_env):
    app = tmp_path / "app"
    model_folder(app / "models" / "x", "model.safetensors", "tokenizer.json")
    (app / "check_model_dir.py").write_text(fix_code(SLUG, 1))
    (app / "run_wrong.py").write_text(LOAD)
    # started from the project root, not from app/: ./models/x is not a folder here, so it is a "repo id"
    wrong = run_args(["app/run_wrong.py", "./models/x"], path=site, cwd=tmp_path, env=hf_env)
    assert wrong.returncode == 1
    assert last_line(wrong) == (
        "OSError: Incorrect path_or_model_id: './models/x'. Please provide either the path to a local folder or "
        "the repo_id of a model on the Hub."
    )
    assert (
        "huggingface_hub.errors.HFValidationError: Repo id must be in the form 'repo_name' or "
        "'namespace/repo_name': './models/x'. Use `repo_type` argument if needed." in wrong.stderr
    )
    assert_answers(index, SLUG, wrong.stderr)

    # Option 1 as a script from the same directory: ./models/x is found next to the script; a path that is
    # nowhere is MISSING (exit 1), with the places tried
    check = run_args(["app/check_model_dir.py", "./models/x", "~/no-such-model"], cwd=tmp_path, env=hf_env)
    assert check.returncode == 1, check.stdout + check.stderr
    # found, but only next to the script: the loaders would not find './models/x' from here, so not OK
    assert check.stdout.splitlines()[0] == f"WRONG PATH {app / 'models' / 'x'}"
    assert (
        f"  - './models/x' as written is not there from {tmp_path}: pass {app / 'models' / 'x'}"
        in check.stdout
    )
    assert "MISSING '~/no-such-model' does not exist; tried: " in check.stdout
    assert "~" not in check.stdout.split("tried: ")[1].splitlines()[0]  # ~ was expanded before trying

    # Option 1 in code: the path it returns loads from any working directory
    fixed_code = (
        "import sys\nfrom pathlib import Path\nfrom check_model_dir import problems, resolve_model_path\n"
        "from transformers import AutoModel, AutoTokenizer\n"
        "folder = resolve_model_path('./models/x', script_dir=Path(__file__).resolve().parent)\n"
        "assert not problems(folder), problems(folder)\n"
        "print(AutoModel.from_pretrained(str(folder), local_files_only=True)['weights'])\n"
        "print(AutoTokenizer.from_pretrained(str(folder), local_files_only=True)['files'])\n"
    )
    (app / "run_fixed.py").write_text(fixed_code)
    for cwd in (tmp_path, app, tmp_path / "hf_home"):
        cwd.mkdir(exist_ok=True)
        fixed = run_args([str(app / "run_fixed.py")], path=site, cwd=cwd, env=hf_env)
        assert fixed.returncode == 0, fixed.stderr
        assert fixed.stdout.splitlines() == ["['model.safetensors']", "['tokenizer.json']"]


def test_partial_download_is_named_by_the_check(fix_code, index, tmp_path, site, hf_env):
    only_config = model_folder(tmp_path / "models" / "x")
    wrong = run_python(LOAD, path=site, cwd=tmp_path, env=hf_env, args=["./models/x"])
    assert last_line(wrong) == (
        "OSError: Error no file named pytorch_model.bin, model.safetensors, tf_model.h5, model.ckpt.index or "
        "flax_model.msgpack found in directory ./models/x."
    )
    assert_answers(index, SLUG, wrong.stderr)

    sharded = model_folder(tmp_path / "models" / "sh", "model-00001-of-00002.safetensors", "tokenizer.model")
    weight_map = {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}
    (sharded / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": weight_map})
    )
    shard = run_python(LOAD, path=site, cwd=tmp_path, env=hf_env, args=["./models/sh"])
    assert (
        last_line(shard)
        == "FileNotFoundError: No such file or directory: ./models/sh/model-00002-of-00002.safetensors"
    )
    assert_answers(index, SLUG, shard.stderr)

    no_tokenizer = model_folder(tmp_path / "models" / "nt", "model.safetensors")
    tok = run_python(LOAD, path=site, cwd=tmp_path, env=hf_env, args=["./models/nt"])
    assert last_line(tok).startswith("OSError: Can't load tokenizer for './models/nt'.")
    assert_answers(index, SLUG, tok.stderr)

    (tmp_path / "check_model_dir.py").write_text(fix_code(SLUG, 1))
    check = run_args(
        ["check_model_dir.py", "./models/x", "./models/sh", "./models/nt"], cwd=tmp_path, env=hf_env
    )
    assert check.returncode == 1
    lines = check.stdout.splitlines()
    assert f"INCOMPLETE {only_config}" in lines
    assert f"INCOMPLETE {no_tokenizer}" in lines
    assert (
        "  - no weights file (model.safetensors, pytorch_model.bin, ...): the download stopped early" in lines
    )
    assert (
        "  - model.safetensors.index.json lists 1 shard(s) that are not here: model-00002-of-00002.safetensors"
        in lines
    )
    assert (
        "  - no tokenizer files (tokenizer.json, tokenizer.model, vocab.txt, ...): AutoTokenizer will fail"
        in lines
    )
    assert sum(line.startswith("INCOMPLETE ") for line in lines) == 3

    # completing the folder (what Option 2's download does) makes both the check and the load pass
    (sharded / "model-00002-of-00002.safetensors").write_text("x")
    assert run_args(["check_model_dir.py", "./models/sh"], cwd=tmp_path, env=hf_env).returncode == 0
    done = run_python(LOAD, path=site, cwd=tmp_path, env=hf_env, args=["./models/sh"])
    assert done.returncode == 0, done.stderr
    assert "model-00002-of-00002.safetensors" in done.stdout


def cache_repo(hub: Path, repo: str) -> Path:
    """A Hugging Face cache entry laid out as huggingface_hub writes it: blobs/, refs/main, snapshots/<commit>/."""
    root = hub / f"models--{repo.replace('/', '--')}"
    snapshot = model_folder(root / "snapshots" / COMMIT, "model.safetensors", "tokenizer.json")
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text(COMMIT)
    (root / "blobs").mkdir()
    return snapshot


def test_cache_repo_folder_is_not_the_model_folder(fix_code, index, tmp_path, site, hf_env):
    hub = tmp_path / "hf_home" / "hub"
    snapshot = cache_repo(hub, "acme/tiny-encoder")
    root = hub / "models--acme--tiny-encoder"
    wrong = run_python(LOAD, path=site, cwd=tmp_path, env=hf_env, args=[str(root)])
    assert last_line(wrong).startswith(
        f"ValueError: Unrecognized model in {root}. Should have a `model_type` key"
    )
    assert_answers(index, SLUG, wrong.stderr)

    # Option 1: the repo folder resolves to its snapshot
    names = {"__name__": "check_model_dir"}
    exec(compile(fix_code(SLUG, 1), "check_model_dir.py", "exec"), names)
    assert names["resolve_model_path"](root) == snapshot
    assert names["problems"](snapshot) == []

    # Option 3 with the real huggingface_hub: the snapshot folder, offline, from the repo id
    code = fix_code(SLUG, 3).replace('"org/name"', '"acme/tiny-encoder"')
    found = run_python(code, cwd=tmp_path, env=hf_env)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(snapshot)
    fixed = run_python(LOAD, path=site, cwd=tmp_path, env=hf_env, args=[found.stdout.strip()])
    assert fixed.returncode == 0, fixed.stderr
    # and a repo that is not in this cache says so without going online
    missing = run_python(
        fix_code(SLUG, 3).replace('"org/name"', '"acme/not-cached"'), cwd=tmp_path, env=hf_env
    )
    assert missing.returncode == 1
    assert "LocalEntryNotFoundError" in last_line(missing)


def test_option1_without_arguments_prints_usage_and_option4_runs(fix_code, tmp_path):
    usage = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert usage.returncode == 0, usage.stderr
    assert usage.stdout.startswith("Where is the model folder, and is it complete?")

    (tmp_path / "service.py").write_text(fix_code(SLUG, 4))
    model_folder(tmp_path / "models" / "x")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ran = run_args([str(tmp_path / "service.py")], cwd=elsewhere, env={"MODEL_DIR": None})
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == f"model folder: {tmp_path / 'models' / 'x'} exists"
    override = run_args([str(tmp_path / "service.py")], cwd=elsewhere, env={"MODEL_DIR": "~/no-such-dir"})
    assert override.stdout.splitlines()[0] == f"model folder: {Path.home() / 'no-such-dir'} MISSING"


@pytest.mark.parametrize(
    "text",
    [
        "OSError: Error no file named model.safetensors, or pytorch_model.bin, found in directory /srv/models/qwen.",
        "huggingface_hub.errors.HFValidationError: Repo id must be in the form 'repo_name' or 'namespace/repo_name': "
        "'/home/u/models/llama-3-8b'. Use `repo_type` argument if needed.",
        "ValueError: Model path does not exist: ./models/mistral-7b-instruct.Q4_K_M.gguf",
        "RuntimeError: Unable to open file 'model.bin' in model '/models/whisper-large-v3-ct2'",
        "OSError: Can't load the configuration of './checkpoints/bert'. If you were trying to load it from "
        "'https://huggingface.co/models', make sure you don't have a local directory with the same name. Otherwise, "
        "make sure './checkpoints/bert' is the correct path to a directory containing a config.json file",
    ],
)
def test_matcher_answers_other_wordings(index, text):
    assert_answers(index, SLUG, text)


def test_matcher_refuses_the_look_alikes(entry, index):
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text


def run_check(fix_code, folder: Path, *args: str):
    (folder / "check_model_dir.py").write_text(fix_code(SLUG, 1))
    return run_args(["check_model_dir.py", *args], cwd=folder, env={"HOME": str(folder)})


def test_option1_training_leftovers_are_not_weights(fix_code, tmp_path):
    # a DeepSpeed/Trainer checkpoint without model weights: transformers raises "Error no file named ...";
    # the check used to count training_args.bin / optimizer.pt / rng_state_0.pth as weights and said OK
    ckpt = model_folder(
        tmp_path / "checkpoint-564", "training_args.bin", "optimizer.pt", "rng_state_0.pth", "vocab.txt"
    )
    (ckpt / "global_step564").mkdir()
    plain = model_folder(tmp_path / "run", "training_args.bin", "scheduler.pt", "tokenizer.json")
    check = run_check(fix_code, tmp_path, "./checkpoint-564", "./run")
    assert check.returncode == 1, check.stdout
    assert check.stdout.count("INCOMPLETE ") == 2, check.stdout
    assert (
        "  - a DeepSpeed checkpoint without model weights: run its zero_to_fp32.py to write them"
        in check.stdout
    )
    assert f"INCOMPLETE {plain}\n" in check.stdout
    # real weight names, a variant and shards still count
    for name in ("model.fp16.safetensors", "pytorch_model-00001-of-00001.bin", "model.bin"):
        folder = model_folder(tmp_path / name.replace(".", "_"), name, "tokenizer.json")
        ok = run_check(fix_code, tmp_path, str(folder))
        assert ok.returncode == 0, ok.stdout
        assert ok.stdout.startswith(f"OK {folder}\n")


def test_option1_names_empty_files_pointers_and_a_cut_index(fix_code, tmp_path):
    empty = model_folder(tmp_path / "empty", "tokenizer.json")
    (empty / "model.safetensors").write_bytes(b"")
    pointer = model_folder(tmp_path / "lfs", "tokenizer.json")
    (pointer / "model.safetensors").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 269060552\n"
    )
    cut = model_folder(tmp_path / "cut", "tokenizer.json")
    (cut / "model.safetensors.index.json").write_text(
        '{"metadata": {}, "weight_'
    )  # the download stopped here
    (tmp_path / "x.gguf").write_bytes(b"")
    check = run_check(fix_code, tmp_path, "./empty", "./lfs", "./cut", "./x.gguf")
    assert check.returncode == 1
    assert check.stderr == ""  # no traceback: the cut index used to end the run with JSONDecodeError
    assert "  - model.safetensors is empty (0 bytes): an interrupted copy or download" in check.stdout
    assert "  - model.safetensors is a git-lfs pointer, not the weights" in check.stdout
    assert "  - model.safetensors.index.json is cut short or not an index: download it again" in check.stdout
    assert "  - x.gguf is empty (0 bytes)" in check.stdout
    assert check.stdout.count("INCOMPLETE ") == 4, check.stdout


def test_option1_a_path_the_loaders_would_not_take_is_not_ok(fix_code, tmp_path):
    # '~' is not expanded by transformers (it becomes a repo id), and the cache repo folder is not a model folder
    model_folder(tmp_path / "models" / "x", "model.safetensors", "tokenizer.json")
    snapshot = cache_repo(tmp_path / "hub", "acme/tiny")
    check = run_check(
        fix_code, tmp_path, "~/models/x", "./hub/models--acme--tiny", str(tmp_path / "models" / "x")
    )
    assert check.returncode == 1, check.stdout
    lines = check.stdout.splitlines()
    assert f"WRONG PATH {tmp_path / 'models' / 'x'}" in lines
    assert (
        f"  - '~/models/x' as written is not there from {tmp_path}: pass {tmp_path / 'models' / 'x'}" in lines
    )
    assert f"WRONG PATH {snapshot}" in lines
    assert f"  - './hub/models--acme--tiny' is a cache repo folder: pass its snapshot {snapshot}" in lines
    assert f"OK {tmp_path / 'models' / 'x'}" in lines  # the absolute path is fine


def test_option1_checks_a_diffusers_pipeline_by_its_parts(fix_code, tmp_path):
    pipe = tmp_path / "sd"
    index = {
        "_class_name": "StableDiffusionPipeline",
        "_diffusers_version": "0.30.0",
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
        "safety_checker": [None, None],
    }
    for part in ("unet", "vae"):
        (pipe / part).mkdir(parents=True)
        (pipe / part / "config.json").write_text("{}")
    (pipe / "model_index.json").write_text(json.dumps(index))
    ok = run_check(fix_code, tmp_path, "./sd")
    assert ok.returncode == 0, ok.stdout  # used to say: no config.json, no weights, no tokenizer files
    assert ok.stdout.startswith(f"OK {pipe}\n")
    for name in list((pipe / "vae").iterdir()):
        name.unlink()
    broken = run_check(fix_code, tmp_path, "./sd")
    assert broken.returncode == 1
    assert "  - vae/ is missing or empty (model_index.json lists it)" in broken.stdout


def test_option2_patterns_keep_every_sentencepiece_tokenizer(fix_code):
    from huggingface_hub.utils import filter_repo_objects

    call = next(
        node
        for node in ast.walk(ast.parse(fix_code(SLUG, 2)))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "snapshot_download"
    )
    patterns = ast.literal_eval(next(k.value for k in call.keywords if k.arg == "allow_patterns"))
    repo = [
        "config.json",
        "model.safetensors",
        "model-00001-of-00002.safetensors",
        "model.safetensors.index.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "tokenizer.model",
        "spiece.model",
        "sentencepiece.bpe.model",
        "vocab.txt",
        "merges.txt",
        "vocab.json",
        "qwen.tiktoken",
        "pytorch_model.bin",
    ]
    kept = set(filter_repo_objects(repo, allow_patterns=patterns))
    assert kept == set(repo) - {
        "pytorch_model.bin"
    }  # T5's spiece.model and XLM-R's sentencepiece.bpe.model too


def test_option4_an_empty_model_dir_variable_is_not_the_working_directory(fix_code, tmp_path):
    (tmp_path / "service.py").write_text(fix_code(SLUG, 4))
    model_folder(tmp_path / "models" / "x")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ran = run_args([str(tmp_path / "service.py")], cwd=elsewhere, env={"MODEL_DIR": ""})
    assert ran.returncode == 0, ran.stderr
    assert (
        ran.stdout.splitlines()[0] == f"model folder: {tmp_path / 'models' / 'x'} exists"
    )  # was: ". exists"
