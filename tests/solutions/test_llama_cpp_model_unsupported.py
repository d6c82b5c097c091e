"""Verified fix for solutions/llama-cpp-model-unsupported.md.

The project does not install llama-cpp-python (every release compiles llama.cpp from source, minutes
of C++), so the tests write a fake `llama_cpp` into tmp_path with the shape of the real releases:
`llama_cpp/llama.py` whose `Llama.__init__` builds `_internals.LlamaModel`, which checks the path
(`Model path does not exist: ...`), calls `llama_cpp.llama_load_model_from_file` inside
`_utils.suppress_stdout_stderr(disable=verbose)` (so verbose=False hides llama.cpp's log, as the real
0.3.8 does) and raises `ValueError: Failed to load model from file: <path>` when it returns None.
The fake loader reads the real GGUF header the test writes and prints llama.cpp's lines as llama.cpp
does: gguf.cpp's straight to file descriptor 2 (fprintf in 0.3.8), llama.cpp's through Python's
sys.stderr (the llama_log_set callback in _logger.py). The "0.3.8" variant knows the architectures of
the llama.cpp that llama-cpp-python 0.3.8 vendors (src/llama-arch.cpp; no qwen3) and prints the
texts reproduced with a real 0.3.8 build; the "0.3.36" variant also knows qwen3 and glm4 and prints
0.3.36's wording. The tests reproduce the error in a child interpreter and run the entry's own
Option 1 script against both.
"""

import struct
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from fake_site import fake_distribution
from pyrun import last_line, run_python

SLUG = "llama-cpp-model-unsupported"

# LLM_ARCH_NAMES of the llama.cpp vendored in llama-cpp-python 0.3.8 (src/llama-arch.cpp)
ARCHS_038 = [
    "llama",
    "deci",
    "falcon",
    "grok",
    "gpt2",
    "gptj",
    "gptneox",
    "mpt",
    "baichuan",
    "starcoder",
    "refact",
    "bert",
    "nomic-bert",
    "jina-bert-v2",
    "bloom",
    "stablelm",
    "qwen",
    "qwen2",
    "qwen2moe",
    "qwen2vl",
    "phi2",
    "phi3",
    "phimoe",
    "plamo",
    "codeshell",
    "orion",
    "internlm2",
    "minicpm",
    "minicpm3",
    "gemma",
    "gemma2",
    "gemma3",
    "starcoder2",
    "mamba",
    "xverse",
    "command-r",
    "cohere2",
    "dbrx",
    "olmo",
    "olmo2",
    "olmoe",
    "openelm",
    "arctic",
    "deepseek",
    "deepseek2",
    "chatglm",
    "bitnet",
    "t5",
    "t5encoder",
    "jais",
    "nemotron",
    "exaone",
    "rwkv6",
    "rwkv6qwen2",
    "granite",
    "granitemoe",
    "chameleon",
    "wavtokenizer-dec",
]
# a few of those added by 0.3.36 (0.3.9: qwen3, qwen3moe, llama4; 0.3.10: gemma3n; 0.3.15: gpt-oss; 0.3.20: gemma4)
ARCHS_0336 = [
    *ARCHS_038,
    "qwen3",
    "qwen3moe",
    "llama4",
    "gemma3n",
    "gpt-oss",
    "qwen3next",
    "qwen35",
    "gemma4",
]
PRE_038 = [
    "default",
    "llama3",
    "llama-bpe",
    "deepseek-llm",
    "deepseek-coder",
    "falcon",
    "gpt-2",
    "refact",
    "command-r",
    "qwen2",
    "stablelm2",
    "olmo",
]
PRE_0336 = [*PRE_038, "glm4", "qwen35"]

LOADER = """
import os
import struct
import sys

KNOWN_ARCHS = {archs!r}
KNOWN_PRE = {pres!r}
PREFIX = {prefix!r}
OLD_MAGIC = (b"lmgg", b"fmgg", b"tjgg")


def _fprintf(text):  # gguf.cpp in 0.3.8 writes with fprintf(stderr, ...): file descriptor 2
    os.write(2, text.encode())


def _log(text):  # llama.cpp's LLAMA_LOG_ERROR reaches Python's sys.stderr through _logger.llama_log_callback
    print(text, end="", file=sys.stderr, flush=True)


def _kv(path):
    with open(path, "rb") as f:
        magic = f.read(4)
        if magic != b"GGUF":
            return magic, None, {{}}
        version = struct.unpack("<I", f.read(4))[0]
        if version < 2:
            return magic, version, {{}}
        _, n_kv = struct.unpack("<QQ", f.read(16))
        out = {{}}
        for _ in range(n_kv):
            key = f.read(struct.unpack("<Q", f.read(8))[0]).decode()
            vtype = struct.unpack("<I", f.read(4))[0]
            assert vtype == 8, "the test writes string values only"
            out[key] = f.read(struct.unpack("<Q", f.read(8))[0]).decode()
        return magic, version, out


def llama_load_model_from_file(path_model: bytes, params):
    path = path_model.decode("utf-8")
    magic, version, kv = _kv(path)
    fail = None
    if magic != b"GGUF":
        c = magic.decode("latin-1")
        _fprintf(f"gguf_init_from_file_impl: invalid magic characters: '{{c}}', expected 'GGUF'\\n")
        fail = f"llama_model_loader: failed to load model from {{path}}\\n"
    elif version == 1:
        _fprintf("gguf_init_from_file_impl: GGUFv1 is no longer supported, please use a more up-to-date version\\n")
        _fprintf("gguf_init_from_file_impl: failed to read header\\n")
        fail = f"llama_model_loader: failed to load model from {{path}}\\n"
    elif kv.get("general.architecture") not in KNOWN_ARCHS:
        fail = PREFIX + "unknown model architecture: '" + kv.get("general.architecture", "") + "'"
    elif kv.get("tokenizer.ggml.pre", "default") not in KNOWN_PRE:
        fail = "error loading model vocabulary: unknown pre-tokenizer type: '" + kv["tokenizer.ggml.pre"] + "'"
    if fail is not None:
        _log(f"llama_model_load: error loading model: {{fail}}\\n")
        _log("llama_model_load_from_file_impl: failed to load model\\n")
        return None
    if params.get("vocab_only"):
        _log("llama_model_load: vocab only - skipping tensors\\n")
    return object()
"""

INTERNALS = """
import os

import llama_cpp.llama_cpp as llama_cpp
from ._utils import suppress_stdout_stderr


class LlamaModel:
    def __init__(self, *, path_model, params, verbose=True):
        self.path_model = path_model
        self.params = params
        self.verbose = verbose
        model = None

        if not os.path.exists(path_model):
            raise ValueError(f"Model path does not exist: {path_model}")

        with suppress_stdout_stderr(disable=verbose):
            model = llama_cpp.llama_load_model_from_file(self.path_model.encode("utf-8"), self.params)

        if model is None:
            raise ValueError(f"Failed to load model from file: {path_model}")
        self.model = model
"""

UTILS = """
import os
import sys


class suppress_stdout_stderr(object):
    # as llama_cpp/_utils.py: point fd 1/2 and sys.stdout/sys.stderr at os.devnull unless disabled
    sys = sys
    os = os

    def __init__(self, disable: bool = True):
        self.disable = disable

    def __enter__(self):
        if self.disable:
            return self
        self.outnull_file = open(os.devnull, "w")
        self.errnull_file = open(os.devnull, "w")
        self.old_stdout_fileno_undup = self.sys.stdout.fileno()
        self.old_stderr_fileno_undup = self.sys.stderr.fileno()
        self.old_stdout_fileno = self.os.dup(self.old_stdout_fileno_undup)
        self.old_stderr_fileno = self.os.dup(self.old_stderr_fileno_undup)
        self.old_stdout = self.sys.stdout
        self.old_stderr = self.sys.stderr
        self.os.dup2(self.outnull_file.fileno(), self.old_stdout_fileno_undup)
        self.os.dup2(self.errnull_file.fileno(), self.old_stderr_fileno_undup)
        self.sys.stdout = self.outnull_file
        self.sys.stderr = self.errnull_file
        return self

    def __exit__(self, *_):
        if self.disable:
            return
        self.sys.stdout = self.old_stdout
        self.sys.stderr = self.old_stderr
        self.os.dup2(self.old_stdout_fileno, self.old_stdout_fileno_undup)
        self.os.dup2(self.old_stderr_fileno, self.old_stderr_fileno_undup)
        self.os.close(self.old_stdout_fileno)
        self.os.close(self.old_stderr_fileno)
        self.outnull_file.close()
        self.errnull_file.close()
"""

LLAMA = """
from . import _internals as internals


class Llama:
    def __init__(self, model_path: str, *, n_ctx: int = 512, vocab_only: bool = False, verbose: bool = True, **kwargs):
        self.model_path = model_path
        self.verbose = verbose
        self.model_params = {"vocab_only": vocab_only}
        self._model = internals.LlamaModel(path_model=self.model_path, params=self.model_params, verbose=self.verbose)
"""


def fake_llama_cpp(tmp_path, version: str):
    """A site folder holding the fake llama-cpp-python `version` ("0.3.8" or "0.3.36")."""
    old = version == "0.3.8"
    site = tmp_path / f"llama-{version}" / "site-packages"
    loader = LOADER.format(
        archs=ARCHS_038 if old else ARCHS_0336,
        pres=PRE_038 if old else PRE_0336,
        prefix="error loading model architecture: " if old else "",  # the prefix is gone by 0.3.24
    )
    files = {
        "llama_cpp/__init__.py": f"from .llama_cpp import *\nfrom .llama import *\n\n__version__ = {version!r}\n",
        "llama_cpp/llama_cpp.py": loader,
        "llama_cpp/_internals.py": INTERNALS,
        "llama_cpp/_utils.py": UTILS,
        "llama_cpp/llama.py": LLAMA,
    }
    fake_distribution(site, "llama_cpp_python", version, files, top_level="llama_cpp")
    return site


def gguf_header(path, arch: str, pre: str = "qwen2", version: int = 3):
    """A GGUF file holding only its header and string keys (what llama.cpp reads before any tensor)."""
    keys = {"general.architecture": arch, "general.name": f"tiny-{arch}", "tokenizer.ggml.pre": pre}
    kv = b"".join(
        struct.pack("<Q", len(k)) + k.encode() + struct.pack("<IQ", 8, len(v.encode())) + v.encode()
        for k, v in keys.items()
    )
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", version, 0, len(keys)) + kv)
    return path


def llama_log(stderr: str) -> str:
    """llama.cpp's own lines, before Python's traceback (the part a user pastes from a server log)."""
    return stderr.split("Traceback (most recent call last):")[0]


USER_CODE = """
import sys
from llama_cpp import Llama

llm = Llama(model_path=sys.argv[1], n_ctx=64, verbose=sys.argv[2] == "verbose")
print("loaded", llm.model_path)
"""


def test_old_build_refuses_a_newer_architecture(tmp_path, index):
    model = gguf_header(tmp_path / "qwen3-0.6b-q8_0.gguf", "qwen3")
    old = fake_llama_cpp(tmp_path, "0.3.8")

    quiet = run_python(USER_CODE, path=old, args=[str(model), "quiet"])
    assert quiet.returncode == 1
    assert last_line(quiet) == f"ValueError: Failed to load model from file: {model}"
    assert "unknown model architecture" not in quiet.stderr  # verbose=False swallows the reason
    assert "site-packages/llama_cpp/_internals.py" in quiet.stderr
    assert_answers(index, SLUG, quiet.stderr)

    loud = run_python(USER_CODE, path=old, args=[str(model), "verbose"])
    assert loud.returncode == 1
    lines = loud.stderr.splitlines()
    assert lines[0] == (
        "llama_model_load: error loading model: error loading model architecture: unknown model architecture: 'qwen3'"
    )
    assert lines[1] == "llama_model_load_from_file_impl: failed to load model"
    assert_answers(index, SLUG, loud.stderr)

    new = fake_llama_cpp(tmp_path, "0.3.36")
    upgraded = run_python(USER_CODE, path=new, args=[str(model), "quiet"])
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.strip() == f"loaded {model}"


def test_option1_names_the_hidden_reason_and_the_upgrade(tmp_path, fix_code):
    script = fix_code(SLUG, 1)
    model = gguf_header(tmp_path / "qwen3.gguf", "qwen3")

    old = run_python(script, path=fake_llama_cpp(tmp_path, "0.3.8"), args=[str(model)])
    assert old.returncode == 0, old.stderr
    out = old.stdout.splitlines()
    assert out[0] == (
        f"{model}: format=GGUF, version=3, tensors=0, general.architecture=qwen3, general.name=tiny-qwen3, "
        "tokenizer.ggml.pre=qwen2"
    )
    assert out[1] == (
        "  llama-cpp-python 0.3.8: llama_model_load: error loading model: error loading model architecture: "
        "unknown model architecture: 'qwen3'"
    )
    assert "upgrade llama-cpp-python" in out[2]
    assert old.stderr == ""  # the captured log does not leak

    new = run_python(script, path=fake_llama_cpp(tmp_path, "0.3.36"), args=[str(model)])
    assert new.returncode == 0, new.stderr
    assert new.stdout.splitlines()[1:] == [
        "  llama-cpp-python 0.3.36: loads",
        "  -> this llama.cpp build reads the metadata and vocabulary (a missing tensor shows only at a full load)",
    ]


def test_option1_on_a_newer_pre_tokenizer(tmp_path, fix_code, index):
    model = gguf_header(tmp_path / "glm.gguf", "qwen2", pre="glm4")
    old = fake_llama_cpp(tmp_path, "0.3.8")
    loud = run_python(USER_CODE, path=old, args=[str(model), "verbose"])
    assert loud.stderr.splitlines()[0] == (
        "llama_model_load: error loading model: error loading model vocabulary: unknown pre-tokenizer type: 'glm4'"
    )
    assert_answers(index, SLUG, loud.stderr)
    checked = run_python(fix_code(SLUG, 1), path=old, args=[str(model)])
    assert "unknown pre-tokenizer type: 'glm4'" in checked.stdout
    assert "pre-tokenizer 'glm4'): upgrade" in checked.stdout
    fixed = run_python(fix_code(SLUG, 1), path=fake_llama_cpp(tmp_path, "0.3.36"), args=[str(model)])
    assert "llama-cpp-python 0.3.36: loads" in fixed.stdout


def test_pre_gguf_and_gguf_v1_files(tmp_path, fix_code, index):
    ggjt = tmp_path / "ggml-model-q4_0.bin"
    ggjt.write_bytes(b"tjgg" + struct.pack("<I", 3) + bytes(64))
    v1 = tmp_path / "old-v1.gguf"
    v1.write_bytes(b"GGUF" + struct.pack("<III", 1, 0, 0))
    old = fake_llama_cpp(tmp_path, "0.3.8")

    loud = run_python(USER_CODE, path=old, args=[str(ggjt), "verbose"])
    assert (
        loud.stderr.splitlines()[0]
        == "gguf_init_from_file_impl: invalid magic characters: 'tjgg', expected 'GGUF'"
    )
    assert_answers(index, SLUG, llama_log(loud.stderr))
    loud = run_python(USER_CODE, path=old, args=[str(v1), "verbose"])
    assert loud.stderr.splitlines()[0] == (
        "gguf_init_from_file_impl: GGUFv1 is no longer supported, please use a more up-to-date version"
    )
    assert_answers(index, SLUG, llama_log(loud.stderr))

    # an upgrade does not help these: the script says to replace the file (and needs no llama_cpp for it)
    checked = run_python(fix_code(SLUG, 1), args=[str(ggjt), str(v1)])
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines() == [
        f"{ggjt}: format=GGJT (pre-GGUF)",
        "  -> a GGML/GGJT file from 2023: no current llama.cpp reads it; download a .gguf of the model (Option 3)",
        f"{v1}: format=GGUF, version=1",
        "  -> GGUFv1: current llama.cpp refuses it; download a current .gguf or re-convert the original weights "
        "(Option 3)",
    ]


def test_option1_demo_runs_without_llama_cpp(tmp_path, fix_code):
    demo = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    lines = demo.stdout.splitlines()
    assert lines[0].endswith(
        "demo-qwen3.gguf: format=GGUF, version=3, tensors=0, general.architecture=qwen3, "
        "tokenizer.ggml.pre=qwen2"
    )
    assert lines[2].endswith("demo-ggjt.bin: format=GGJT (pre-GGUF)")


def test_the_path_check_is_not_this_entry(tmp_path):
    missing = run_python(
        USER_CODE, path=fake_llama_cpp(tmp_path, "0.3.8"), args=[str(tmp_path / "x.gguf"), "quiet"]
    )
    assert last_line(missing) == f"ValueError: Model path does not exist: {tmp_path / 'x.gguf'}"


def test_option1_does_not_advise_an_upgrade_for_a_file_without_architecture(tmp_path, fix_code):
    # real llama-cpp-python 0.3.36: `llama_model_load: error loading model: unknown model architecture: ''`;
    # the old script answered "this llama.cpp build is older than the model ...: upgrade"
    stub = tmp_path / "stub.gguf"
    stub.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
    for version in ("0.3.8", "0.3.36"):
        out = run_python(fix_code(SLUG, 1), path=fake_llama_cpp(tmp_path, version), args=[str(stub)])
        assert out.returncode == 0, out.stderr
        assert "older than the model" not in out.stdout
        assert "names no architecture" in out.stdout
        assert "no upgrade helps" in out.stdout


def test_option1_reports_an_unreadable_path_and_checks_the_rest(tmp_path, fix_code):
    model = gguf_header(tmp_path / "qwen3.gguf", "qwen3")
    folder = tmp_path / "models"
    folder.mkdir()
    out = run_python(fix_code(SLUG, 1), args=[str(tmp_path / "typo.gguf"), str(folder), str(model)])
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith(f"{tmp_path / 'typo.gguf'}: cannot read: ")
    assert lines[1].startswith(f"{folder}: cannot read: ")
    assert lines[2].startswith(f"{model}: format=GGUF, version=3")


def test_option1_names_a_cut_off_header(tmp_path, fix_code):
    key = b"general.architecture"
    head = b"GGUF" + struct.pack("<IQQ", 3, 0, 1)
    cut = tmp_path / "cut.gguf"  # the string value claims 5 bytes and the file ends after 2
    cut.write_bytes(head + struct.pack("<Q", len(key)) + key + struct.pack("<IQ", 8, 5) + b"qw")
    arr = tmp_path / "arr.gguf"  # an array of 1000 u64 in a file that ends right after its count
    arr.write_bytes(head + struct.pack("<Q", 3) + b"ids" + struct.pack("<IIQ", 9, 10, 1000))
    lenq = tmp_path / "lenq.gguf"  # the file ends inside a key length
    lenq.write_bytes(head + b"\x05\x00")
    out = run_python(
        fix_code(SLUG, 1), path=fake_llama_cpp(tmp_path, "0.3.36"), args=[str(cut), str(arr), str(lenq)]
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert "general.architecture=qw" not in out.stdout  # a cut value is not reported as the architecture
    assert out.stdout.count("the file is cut off") == 3
    assert "upgrade" not in out.stdout


def test_option1_says_when_llama_cpp_itself_does_not_import(tmp_path, fix_code):
    # a build whose shared library does not load raises RuntimeError on import (llama_cpp/_ctypes_extensions.py)
    site = tmp_path / "broken" / "site-packages"
    (site / "llama_cpp").mkdir(parents=True)
    (site / "llama_cpp" / "__init__.py").write_text(
        "raise RuntimeError(\"Failed to load shared library 'libllama.so': libcudart.so.12: cannot open\")\n"
    )
    model = gguf_header(tmp_path / "qwen3.gguf", "qwen3")
    out = run_python(fix_code(SLUG, 1), path=site, args=[str(model)])
    assert out.returncode == 0, out.stderr
    assert "import llama_cpp failed" in out.stdout
    assert "llama-cpp-python itself does not load" in out.stdout
    assert "older than the model" not in out.stdout


def test_option1_demo_cleans_up_its_files(tmp_path, fix_code):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    demo = run_python(fix_code(SLUG, 1), cwd=tmp_path, env={"TMPDIR": str(scratch)})
    assert demo.returncode == 0, demo.stderr
    assert list(scratch.iterdir()) == []


def test_upgrade_commands_do_not_force_reinstall_every_dependency():
    # pip 25 --dry-run: `--upgrade --force-reinstall llama-cpp-python` moves numpy 1.26.4 to 2.4.6
    text = (Path(__file__).parents[2] / "solutions" / f"{SLUG}.md").read_text()
    fix = text.split("## Fix", 1)[1].split("## Limits", 1)[0]
    commands = [line for line in fix.splitlines() if "pip install" in line and "llama-cpp-python" in line]
    assert commands
    for line in commands:
        if "--force-reinstall" in line:
            assert "--no-deps" in line, line


OLLAMA_WRAPPED = [
    "Error: llama runner process has terminated: error loading model: error loading model architecture: "
    "unknown model architecture: 'qwen3'",
    "ollama._types.ResponseError: llama runner process has terminated: error loading model: error loading model "
    "architecture: unknown model architecture: 'qwen3' (status code: 500)",
    "Error: 500 Internal Server Error: llama-server process has terminated: exit status 1: error loading model: "
    "unknown model architecture: 'mllama'",
    "Error: llama runner process has terminated: error loading model: unknown model architecture: 'qwen35moe'",
    '{"error":"llama runner process has terminated: error loading model: error loading model vocabulary: '
    "unknown pre-tokenizer type: 'qwen2'\"}",
    "ollama._types.ResponseError: llama runner process has terminated: error loading model: missing tensor "
    "'blk.0.ssm_conv1d.weight' (status code: 500)",
    "Error: llama runner process has terminated: error loading model: done_getting_tensors: wrong number of "
    "tensors; expected 292, got 291",
]


@pytest.mark.parametrize("text", OLLAMA_WRAPPED)
def test_ollama_wrapped_reasons_go_to_ollama(index, text):
    assert confident_answer(index, text) == "ollama-runner-crashed"


@pytest.mark.parametrize(
    "text",
    [
        "ValueError: Unsupported model architecture: bert",
        "ValueError: Unsupported model architecture: bert. Available: llama, mistral",
        "llama_model_load: error loading model: tensor 'blk.0.attn_q.weight' data is not within the file bounds, "
        "model is corrupted or incomplete",
        "KeyError: 'unknown model architecture'",
        "ValueError: Unknown model architecture: resnet50",
    ],
)
def test_generic_look_alikes_are_not_answered_confidently(index, text):
    assert confident_answer(index, text) != SLUG


@pytest.mark.parametrize(
    "text",
    [
        "llama_model_load: error loading model: unknown model architecture: 'qwen3next'",
        "error loading model: unknown model architecture: 'gemma4'",
        "gguf_init_from_file_ptr: invalid magic characters: 'lmgg', expected 'GGUF'",
        "gguf_init_from_file: invalid magic characters 'tjgg'",
        "Error loading gemma-3-4b-it-Q4_K_M.gguf: Unsupported model architecture: gemma3",
    ],
)
def test_llama_cpp_wordings_of_every_release_are_answered(index, text):
    assert_answers(index, SLUG, text)
