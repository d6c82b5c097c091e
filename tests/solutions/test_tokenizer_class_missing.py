"""Verified fix for solutions/tokenizer-class-missing.md.

The project installs neither transformers nor sentencepiece nor protobuf, so all three are fakes in tmp_path,
shaped like the real releases the entry was checked on:
- `transformers/models/auto/tokenization_auto.py`: `tokenizer_class_from_name` (mapping, then the main module's
  names, dummies included) and the `config_tokenizer_class` branch of `AutoTokenizer.from_pretrained` that raises
  `Tokenizer class {tokenizer_class_candidate} does not exist or is not currently imported.`, as in 4.26.1-4.57.6;
- `transformers/tokenization_utils_fast.py`: `PreTrainedTokenizerFast.__init__` of 4.30.2 (tokenizer.json, else the
  slow class converted, else `Couldn't instantiate the backend tokenizer ...`, word for word);
- `transformers/convert_slow_tokenizer.py`: `SpmConverter.__init__` calling `requires_backends(self, "protobuf")`;
- `transformers/utils/import_utils.py`: `requires_backends`, `DummyObject` and the SENTENCEPIECE / PROTOBUF
  messages of 4.30.2 (`Checkout the instructions`);
- `transformers/models/llama`: LlamaTokenizer only when sentencepiece is importable (else the dummy in the main
  module), LlamaTokenizerFast with `slow_tokenizer_class = LlamaTokenizer`.
A "4.26.1" fake has no llama module at all (LlamaTokenizer first shipped in 4.28.0). The tests reproduce the
errors in a child interpreter, then run the entry's own Option 1 script on the same folders and check what it
prints, and that its --fix-class-name rewrite makes the fake AutoTokenizer load the old LLaMA checkpoint.
"""

import json
from pathlib import Path

from fake_site import write_files
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "tokenizer-class-missing"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

IMPORT_UTILS = '''
import importlib.util


def is_sentencepiece_available():
    return importlib.util.find_spec("sentencepiece") is not None


def is_protobuf_available():
    if importlib.util.find_spec("google") is None:
        return False
    return importlib.util.find_spec("google.protobuf") is not None


SENTENCEPIECE_IMPORT_ERROR = """
{0} requires the SentencePiece library but it was not found in your environment. Checkout the instructions on the
installation page of its repo: https://github.com/google/sentencepiece#installation and follow the ones
that match your environment. Please note that you may need to restart your runtime after installation.
"""

PROTOBUF_IMPORT_ERROR = """
{0} requires the protobuf library but it was not found in your environment. Checkout the instructions on the
installation page of its repo: https://github.com/protocolbuffers/protobuf/tree/master/python#installation and follow the ones
that match your environment. Please note that you may need to restart your runtime after installation.
"""

BACKENDS_MAPPING = {
    "sentencepiece": (is_sentencepiece_available, SENTENCEPIECE_IMPORT_ERROR),
    "protobuf": (is_protobuf_available, PROTOBUF_IMPORT_ERROR),
}


def requires_backends(obj, backends):
    if not isinstance(backends, (list, tuple)):
        backends = [backends]

    name = obj.__name__ if hasattr(obj, "__name__") else obj.__class__.__name__

    checks = (BACKENDS_MAPPING[backend] for backend in backends)
    failed = [msg.format(name) for available, msg in checks if not available()]
    if failed:
        raise ImportError("".join(failed))


class DummyObject(type):
    def __getattribute__(cls, key):
        if key.startswith("_") and key != "_from_config":
            return super().__getattribute__(key)
        requires_backends(cls, cls._backends)
'''

BASE = """
import json
import os


class PreTrainedTokenizerBase:
    vocab_files_names = {"vocab_file": "tokenizer.model", "tokenizer_file": "tokenizer.json"}

    @classmethod
    def from_pretrained(cls, path, *inputs, **kwargs):
        kwargs.pop("use_fast", None)
        files = {}
        for key, name in cls.vocab_files_names.items():
            if os.path.isfile(os.path.join(path, name)):
                files[key] = os.path.join(path, name)
        with open(os.path.join(path, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        config.pop("tokenizer_class", None)
        return cls(**files, **config, **kwargs)
"""

FAST = """
from .convert_slow_tokenizer import convert_slow_tokenizer
from .tokenization_utils_base import PreTrainedTokenizerBase


class PreTrainedTokenizerFast(PreTrainedTokenizerBase):
    slow_tokenizer_class = None

    def __init__(self, *args, **kwargs):
        tokenizer_object = kwargs.pop("tokenizer_object", None)
        slow_tokenizer = kwargs.pop("__slow_tokenizer", None)
        fast_tokenizer_file = kwargs.pop("tokenizer_file", None)
        from_slow = kwargs.pop("from_slow", False)

        if from_slow and slow_tokenizer is None and self.slow_tokenizer_class is None:
            raise ValueError(
                "Cannot instantiate this tokenizer from a slow version. If it's based on sentencepiece, make sure you "
                "have sentencepiece installed."
            )

        if tokenizer_object is not None:
            fast_tokenizer = tokenizer_object
        elif fast_tokenizer_file is not None and not from_slow:
            # We have a serialization from tokenizers which let us directly build the backend
            fast_tokenizer = ("tokenizers", fast_tokenizer_file)
        elif slow_tokenizer is not None:
            # We need to convert a slow tokenizer to build the backend
            fast_tokenizer = convert_slow_tokenizer(slow_tokenizer)
        elif self.slow_tokenizer_class is not None:
            # We need to create and convert a slow tokenizer to build the backend
            slow_tokenizer = self.slow_tokenizer_class(*args, **kwargs)
            fast_tokenizer = convert_slow_tokenizer(slow_tokenizer)
        else:
            raise ValueError(
                "Couldn't instantiate the backend tokenizer from one of: \\n"
                "(1) a `tokenizers` library serialization file, \\n"
                "(2) a slow tokenizer instance to convert or \\n"
                "(3) an equivalent slow tokenizer class to instantiate and convert. \\n"
                "You need to have sentencepiece installed to convert a slow tokenizer to a fast one."
            )

        self._tokenizer = fast_tokenizer
"""

CONVERT = """
from .utils.import_utils import requires_backends


class SpmConverter:
    def __init__(self, original_tokenizer):
        requires_backends(self, "protobuf")
        self.original_tokenizer = original_tokenizer

    def converted(self):
        return ("spm", self.original_tokenizer.vocab_file)


class LlamaConverter(SpmConverter):
    pass


SLOW_TO_FAST_CONVERTERS = {"LlamaTokenizer": LlamaConverter}


def convert_slow_tokenizer(transformer_tokenizer):
    converter_class = SLOW_TO_FAST_CONVERTERS[transformer_tokenizer.__class__.__name__]
    return converter_class(transformer_tokenizer).converted()
"""

LLAMA_SLOW = """
from ...tokenization_utils_base import PreTrainedTokenizerBase


class LlamaTokenizer(PreTrainedTokenizerBase):
    def __init__(self, vocab_file=None, **kwargs):
        import sentencepiece  # noqa: F401  (the real class loads the model with it)

        self.vocab_file = vocab_file
"""

LLAMA_FAST = """
from ...tokenization_utils_fast import PreTrainedTokenizerFast
from ...utils.import_utils import is_sentencepiece_available

if is_sentencepiece_available():
    from .tokenization_llama import LlamaTokenizer
else:
    LlamaTokenizer = None


class LlamaTokenizerFast(PreTrainedTokenizerFast):
    slow_tokenizer_class = LlamaTokenizer
"""

LLAMA_INIT = """
from ...utils.import_utils import is_sentencepiece_available
from .tokenization_llama_fast import LlamaTokenizerFast

if is_sentencepiece_available():
    from .tokenization_llama import LlamaTokenizer
"""

DUMMY_SPM = """
from .utils.import_utils import DummyObject, requires_backends


class LlamaTokenizer(metaclass=DummyObject):
    _backends = ["sentencepiece"]

    def __init__(self, *args, **kwargs):
        requires_backends(self, ["sentencepiece"])
"""

# The lookup and the raise of models/auto/tokenization_auto.py (4.57.6; the same raise since 3.5.1).
AUTO = """
import importlib
import json
import os

from ...tokenization_utils_fast import PreTrainedTokenizerFast
from ...utils.import_utils import is_sentencepiece_available

TOKENIZER_MAPPING_NAMES = {}
if HAS_LLAMA:
    TOKENIZER_MAPPING_NAMES["llama"] = (
        "LlamaTokenizer" if is_sentencepiece_available() else None,
        "LlamaTokenizerFast",
    )


def tokenizer_class_from_name(class_name):
    if class_name == "PreTrainedTokenizerFast":
        return PreTrainedTokenizerFast

    for module_name, tokenizers in TOKENIZER_MAPPING_NAMES.items():
        if class_name in tokenizers:
            module = importlib.import_module(f".{module_name}", "transformers.models")
            try:
                return getattr(module, class_name)
            except AttributeError:
                continue

    # We did not fine the class, but maybe it's because a dep is missing. In that case, the class will be in the main
    # init and we return the proper dummy to get an appropriate error message.
    main_module = importlib.import_module("transformers")
    if hasattr(main_module, class_name):
        return getattr(main_module, class_name)

    return None


class AutoTokenizer:
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *inputs, **kwargs):
        use_fast = kwargs.pop("use_fast", True)
        with open(os.path.join(pretrained_model_name_or_path, "tokenizer_config.json"), encoding="utf-8") as f:
            tokenizer_config = json.load(f)
        config_tokenizer_class = tokenizer_config.get("tokenizer_class")
        if config_tokenizer_class is not None:
            tokenizer_class = None
            if use_fast and not config_tokenizer_class.endswith("Fast"):
                tokenizer_class_candidate = f"{config_tokenizer_class}Fast"
                tokenizer_class = tokenizer_class_from_name(tokenizer_class_candidate)
            if tokenizer_class is None:
                tokenizer_class_candidate = config_tokenizer_class
                tokenizer_class = tokenizer_class_from_name(tokenizer_class_candidate)
            if tokenizer_class is None:
                raise ValueError(
                    f"Tokenizer class {tokenizer_class_candidate} does not exist or is not currently imported."
                )
            return tokenizer_class.from_pretrained(pretrained_model_name_or_path, *inputs, **kwargs)
        raise ValueError("no tokenizer_class (not modelled by this fake)")
"""


def _transformers(tmp_path, version):
    """A fake transformers: "4.30.2" has the llama tokenizers, "4.26.1" predates them."""
    has_llama = version != "4.26.1"
    site = tmp_path / f"site-{version}"
    init = f"__version__ = {version!r}\n"
    init += "from .utils.import_utils import is_sentencepiece_available\n"
    init += "from .tokenization_utils_fast import PreTrainedTokenizerFast\n"
    init += "from .models.auto.tokenization_auto import AutoTokenizer\n"
    if has_llama:
        init += "from .models.llama import LlamaTokenizerFast\n"
        init += "if is_sentencepiece_available():\n    from .models.llama import LlamaTokenizer\n"
        init += "else:\n    from .dummy_sentencepiece_objects import LlamaTokenizer\n"
    files = {
        "transformers/__init__.py": init,
        "transformers/utils/__init__.py": "",
        "transformers/utils/import_utils.py": IMPORT_UTILS,
        "transformers/tokenization_utils_base.py": BASE,
        "transformers/tokenization_utils_fast.py": FAST,
        "transformers/convert_slow_tokenizer.py": CONVERT,
        "transformers/dummy_sentencepiece_objects.py": DUMMY_SPM,
        "transformers/models/__init__.py": "",
        "transformers/models/auto/__init__.py": "",
        "transformers/models/auto/tokenization_auto.py": f"HAS_LLAMA = {has_llama}\n" + AUTO,
        f"transformers-{version}.dist-info/METADATA": (
            f"Metadata-Version: 2.1\nName: transformers\nVersion: {version}\n"
        ),
    }
    if has_llama:
        files["transformers/models/llama/__init__.py"] = LLAMA_INIT
        files["transformers/models/llama/tokenization_llama.py"] = LLAMA_SLOW
        files["transformers/models/llama/tokenization_llama_fast.py"] = LLAMA_FAST
    return write_files(site, files)


def _backends(tmp_path, *names):
    """A folder holding fake `sentencepiece` and/or `google.protobuf` packages (importable, nothing more)."""
    site = tmp_path / ("backends-" + "-".join(names))
    for name in names:
        package = site / ("google/protobuf" if name == "protobuf" else name)
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text("", encoding="utf-8")
    return site


def _checkpoint(tmp_path, name, tokenizer_class, files=("tokenizer.model",), **config):
    """A LLaMA-style checkpoint folder: tokenizer_config.json, config.json and the tokenizer files."""
    folder = tmp_path / name
    folder.mkdir()
    tok_config = {"tokenizer_class": tokenizer_class, "bos_token": "<s>", "eos_token": "</s>"}
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_config), encoding="utf-8")
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", **config}), encoding="utf-8")
    for file in files:
        (folder / file).write_bytes(b"\x0a\x0b<unk>")
    return folder


LOAD = "from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained({folder!r}{extra})\nprint('loaded', type(tok).__name__)\n"


def _load(folder, path, extra=""):
    return run_python(LOAD.format(folder=str(folder), extra=extra), cwd=folder.parent, path=path)


def _raised(result):
    """The raised error as `Type: message`, multi-line messages included (pyrun.last_line keeps one line)."""
    stderr = result.stderr.rstrip("\n")
    start = max(stderr.rfind("\nValueError: "), stderr.rfind("\nImportError: "))
    return stderr[start + 1 :]


def test_reproduces_the_class_errors(tmp_path):
    errors = parse_entry(ENTRY).errors
    old, new = _transformers(tmp_path, "4.26.1"), _transformers(tmp_path, "4.30.2")
    llama = _checkpoint(tmp_path, "llama-7b", "LlamaTokenizer", files=("tokenizer.model", "tokenizer.json"))
    legacy = _checkpoint(
        tmp_path, "llama-7b-hf", "CodeLLaMATokenizer", files=("tokenizer.model", "tokenizer.json")
    )

    result = _load(llama, old)  # too old: no LlamaTokenizer anywhere
    assert result.returncode != 0
    assert "transformers/models/auto/tokenization_auto.py" in result.stderr
    assert last_line(result) == errors[0]

    result = _load(legacy, new)  # new enough, but no release has the old name
    assert last_line(result) == errors[1]
    assert _load(llama, new).stdout.strip() == "loaded LlamaTokenizerFast"  # tokenizer.json: tokenizers only


def test_reproduces_the_backend_errors(tmp_path):
    errors = parse_entry(ENTRY).errors
    new = _transformers(tmp_path, "4.30.2")
    spm_only = _checkpoint(tmp_path, "llama-spm", "LlamaTokenizer")

    result = _load(spm_only, new)  # no tokenizer.json, no sentencepiece
    assert result.returncode != 0
    assert "transformers/tokenization_utils_fast.py" in result.stderr
    assert _raised(result) == errors[3]

    result = _load(spm_only, [new, _backends(tmp_path, "sentencepiece")])  # sentencepiece, no protobuf
    # it names the missing package itself: optional-dependency-missing holds that wording
    assert _raised(result) in parse_entry(ENTRY.with_name("optional-dependency-missing.md")).errors
    assert _raised(result) not in errors
    assert "LlamaConverter requires the protobuf library" in result.stderr

    result = _load(spm_only, new, extra=", use_fast=False")  # the slow class is the dummy
    assert "LlamaTokenizer requires the SentencePiece library but it was not found" in result.stderr
    assert "Checkout the instructions" in result.stderr

    both = _backends(tmp_path, "sentencepiece", "protobuf")
    assert _load(spm_only, [new, both]).stdout.strip() == "loaded LlamaTokenizerFast"


def _option1(fix_code, tmp_path, folder, path, *flags):
    script = tmp_path / "tok_check.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    code = "import runpy, sys\nsys.argv = ['tok_check.py', *sys.argv[1:]]\nrunpy.run_path('tok_check.py', run_name='__main__')\n"
    return run_python(code, cwd=tmp_path, path=path, args=[str(folder), *flags])


def test_option1_names_the_release_for_a_too_old_transformers(fix_code, tmp_path):
    old = _transformers(tmp_path, "4.26.1")
    llama = _checkpoint(
        tmp_path,
        "llama-7b",
        "LlamaTokenizer",
        files=("tokenizer.model", "tokenizer.json"),
        transformers_version="4.28.0.dev0",
    )
    result = _option1(fix_code, tmp_path, llama, old)
    assert result.returncode == 1, result.stderr
    assert "transformers 4.26.1" in result.stdout
    assert '-m pip install -U "transformers>=4.28.0"' in result.stdout
    assert "MISSING BACKEND" not in result.stdout  # tokenizer.json is there: no sentencepiece needed


def test_option1_names_the_missing_backends(fix_code, tmp_path):
    new = _transformers(tmp_path, "4.30.2")
    spm_only = _checkpoint(tmp_path, "llama-spm", "LlamaTokenizer")
    result = _option1(fix_code, tmp_path, spm_only, new)
    assert result.returncode == 1, result.stderr
    assert "MISSING BACKEND" in result.stdout
    assert "-m pip install sentencepiece protobuf" in result.stdout

    result = _option1(fix_code, tmp_path, spm_only, [new, _backends(tmp_path, "sentencepiece")])
    assert "-m pip install protobuf" in result.stdout
    assert "install sentencepiece" not in result.stdout

    both = _backends(tmp_path, "sentencepiece", "protobuf")
    result = _option1(fix_code, tmp_path, spm_only, [new, both])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not this entry's error" in result.stdout


def test_option1_fixes_an_old_class_name_so_autotokenizer_loads(fix_code, tmp_path):
    new = _transformers(tmp_path, "4.30.2")
    legacy = _checkpoint(
        tmp_path, "llama-7b-hf", "LLaMATokenizer", files=("tokenizer.model", "tokenizer.json")
    )
    assert "Tokenizer class LLaMATokenizer does not exist" in _load(legacy, new).stderr

    result = _option1(fix_code, tmp_path, legacy, new)
    assert result.returncode == 1, result.stderr
    assert "OLD CLASS NAME" in result.stdout
    assert "from transformers import LlamaTokenizer" in result.stdout
    assert json.loads((legacy / "tokenizer_config.json").read_text())["tokenizer_class"] == "LLaMATokenizer"

    result = _option1(fix_code, tmp_path, legacy, new, "--fix-class-name")
    assert "FIXED" in result.stdout, result.stdout + result.stderr
    assert json.loads((legacy / "tokenizer_config.json").read_text())["tokenizer_class"] == "LlamaTokenizer"
    backup = json.loads((legacy / "tokenizer_config.json.bak").read_text())
    assert backup["tokenizer_class"] == "LLaMATokenizer"
    assert _load(legacy, new).stdout.strip() == "loaded LlamaTokenizerFast"

    # on a release older than the class, renaming alone is not enough: it says to upgrade as well
    old = _transformers(tmp_path, "4.26.1")
    again = _checkpoint(tmp_path, "llama-7b-hf-2", "LLaMATokenizer", files=("tokenizer.json",))
    result = _option1(fix_code, tmp_path, again, old)
    assert "predates it" in result.stdout
    assert '"transformers>=4.28.0"' in result.stdout


def test_option1_sends_custom_code_to_trust_remote_code(fix_code, tmp_path):
    new = _transformers(tmp_path, "4.30.2")
    remote = _checkpoint(tmp_path, "internlm2", "InternLM2Tokenizer", files=("tokenizer.model",))
    config = json.loads((remote / "tokenizer_config.json").read_text())
    config["auto_map"] = {"AutoTokenizer": ["tokenization_internlm2.InternLM2Tokenizer", None]}
    (remote / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    result = _option1(fix_code, tmp_path, remote, [new, _backends(tmp_path, "sentencepiece", "protobuf")])
    assert result.returncode == 1, result.stderr
    assert "CUSTOM CODE" in result.stdout
    assert "trust_remote_code=True" in result.stdout
    assert "OLD CLASS NAME" not in result.stdout and "pip install -U" not in result.stdout
