"""hf-trust-remote-code: a repo with its own Python code refuses to load until trust_remote_code=True.

transformers is not installed in this venv, so the tests build a small fake `transformers` in tmp_path whose
`dynamic_module_utils.resolve_trust_remote_code` and `_raise_timeout_error` are copied word for word (docstring
left out) from the released wheels: transformers 5.25.0 (same code in 4.53.3-5.25.0) and 4.36.2 (same in
4.35.0-4.51.3), both read in transformers/dynamic_module_utils.py. `AutoConfig.from_pretrained` mirrors
transformers/models/auto/configuration_auto.py of the same releases (has_remote_code = "AutoConfig" in the
config's auto_map, has_local_code = model_type in CONFIG_MAPPING, upstream repo from a "repo--module.Class"
reference, the repo class imported only when trusted) and `get_class_from_dynamic_module` mirrors the real
revision rule (code in another repo follows code_revision, not revision). A Hub id resolves to a fake cache folder
$HF_HUB_CACHE/models--org--name/snapshots/<revision or main>, standing in for huggingface_hub.

The tests reproduce the ValueErrors in a child interpreter with no terminal (stdin at end of file, as in Docker or
CI: the y/N prompt is printed, input() fails, the error follows) and compare them with the entry's signatures, then
run the entry's own Option 1 code: as a script (its offline demo) and as functions against a Hub repo whose
`main` branch received new code after the reviewed commit.
"""

import json
import textwrap
from pathlib import Path

from fake_site import write_files
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "hf-trust-remote-code"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

REPO = "internlm/internlm2-chat-7b"
FORK = "my-org/nomic-embed-finetuned"
UPSTREAM = "nomic-ai/nomic-bert-2048"
REVIEWED = "3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"
UPSTREAM_REVIEWED = "0123456789abcdef0123456789abcdef01234567"

# transformers 5.25.0 dynamic_module_utils.py, verbatim (4.53.3-5.25.0 identical).
RESOLVE_5 = r"""
def _raise_timeout_error(signum, frame):
    raise ValueError(
        "Loading this model requires you to execute custom code contained in the model repository on your local "
        "machine. Please set the option `trust_remote_code=True` to permit loading of this model."
    )


TIME_OUT_REMOTE_CODE = 15


def resolve_trust_remote_code(
    trust_remote_code, model_name, has_local_code, has_remote_code, error_message=None, upstream_repo=None
):
    if error_message is None:
        if upstream_repo is not None:
            error_message = (
                f"The repository {model_name} references custom code contained in {upstream_repo} which "
                f"must be executed to correctly load the model. You can inspect the repository "
                f"content at https://hf.co/{upstream_repo} .\n"
            )
        elif os.path.isdir(model_name):
            error_message = (
                f"The repository {model_name} contains custom code which must be executed "
                f"to correctly load the model. You can inspect the repository "
                f"content at {os.path.abspath(model_name)} .\n"
            )
        else:
            error_message = (
                f"The repository {model_name} contains custom code which must be executed "
                f"to correctly load the model. You can inspect the repository "
                f"content at https://hf.co/{model_name} .\n"
            )

    if trust_remote_code is None:
        if has_local_code:
            trust_remote_code = False
        elif has_remote_code and TIME_OUT_REMOTE_CODE > 0:
            prev_sig_handler = None
            try:
                prev_sig_handler = signal.signal(signal.SIGALRM, _raise_timeout_error)
                signal.alarm(TIME_OUT_REMOTE_CODE)
                while trust_remote_code is None:
                    answer = input(
                        f"{error_message} You can inspect the repository content at https://hf.co/{model_name}.\n"
                        f"You can avoid this prompt in future by passing the argument `trust_remote_code=True`.\n\n"
                        f"Do you wish to run the custom code? [y/N] "
                    )
                    if answer.lower() in ["yes", "y", "1"]:
                        trust_remote_code = True
                    elif answer.lower() in ["no", "n", "0", ""]:
                        trust_remote_code = False
                signal.alarm(0)
            except Exception:
                # OS which does not support signal.SIGALRM
                raise ValueError(
                    f"{error_message} You can inspect the repository content at https://hf.co/{model_name}.\n"
                    f"Please pass the argument `trust_remote_code=True` to allow custom code to be run."
                )
            finally:
                if prev_sig_handler is not None:
                    signal.signal(signal.SIGALRM, prev_sig_handler)
                    signal.alarm(0)
        elif has_remote_code:
            # For the CI which puts the timeout at 0
            _raise_timeout_error(None, None)

    if has_remote_code and not has_local_code and not trust_remote_code:
        raise ValueError(
            f"{error_message} You can inspect the repository content at https://hf.co/{model_name}.\n"
            f"Please pass the argument `trust_remote_code=True` to allow custom code to be run."
        )

    return trust_remote_code
"""

# transformers 4.36.2 dynamic_module_utils.py, verbatim (4.35.0-4.37.2 identical; 4.40.2-4.51.3 add only a `finally`
# that restores the previous SIGALRM handler, same messages).
RESOLVE_4 = r"""
def _raise_timeout_error(signum, frame):
    raise ValueError(
        "Loading this model requires you to execute custom code contained in the model repository on your local "
        "machine. Please set the option `trust_remote_code=True` to permit loading of this model."
    )


TIME_OUT_REMOTE_CODE = 15


def resolve_trust_remote_code(trust_remote_code, model_name, has_local_code, has_remote_code):
    if trust_remote_code is None:
        if has_local_code:
            trust_remote_code = False
        elif has_remote_code and TIME_OUT_REMOTE_CODE > 0:
            try:
                signal.signal(signal.SIGALRM, _raise_timeout_error)
                signal.alarm(TIME_OUT_REMOTE_CODE)
                while trust_remote_code is None:
                    answer = input(
                        f"The repository for {model_name} contains custom code which must be executed to correctly "
                        f"load the model. You can inspect the repository content at https://hf.co/{model_name}.\n"
                        f"You can avoid this prompt in future by passing the argument `trust_remote_code=True`.\n\n"
                        f"Do you wish to run the custom code? [y/N] "
                    )
                    if answer.lower() in ["yes", "y", "1"]:
                        trust_remote_code = True
                    elif answer.lower() in ["no", "n", "0", ""]:
                        trust_remote_code = False
                signal.alarm(0)
            except Exception:
                # OS which does not support signal.SIGALRM
                raise ValueError(
                    f"The repository for {model_name} contains custom code which must be executed to correctly "
                    f"load the model. You can inspect the repository content at https://hf.co/{model_name}.\n"
                    f"Please pass the argument `trust_remote_code=True` to allow custom code to be run."
                )
        elif has_remote_code:
            # For the CI which puts the timeout at 0
            _raise_timeout_error(None, None)

    if has_remote_code and not has_local_code and not trust_remote_code:
        raise ValueError(
            f"Loading {model_name} requires you to execute the configuration file in that"
            " repo on your local machine. Make sure you have read the code there to avoid malicious use, then"
            " set the option `trust_remote_code=True` to remove this error."
        )

    return trust_remote_code
"""

HUB = '''
import os


def snapshot_folder(name, revision=None):
    """Stand-in for huggingface_hub's cache: a local folder is itself, a Hub id is one snapshot per revision."""
    if os.path.isdir(name):
        return name
    cache = os.environ["HF_HUB_CACHE"]
    folder = os.path.join(cache, "models--" + name.replace("/", "--"), "snapshots", revision or "main")
    if not os.path.isdir(folder):
        raise OSError(f"{name} does not appear to have a file named config.json at revision {revision or 'main'}")
    return folder
'''

CONFIGURATION_UTILS = """
import json
import os

from .utils.hub import snapshot_folder


class PretrainedConfig:
    model_type = ""

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            setattr(self, key, value)

    @classmethod
    def get_config_dict(cls, pretrained_model_name_or_path, revision=None, **kwargs):
        folder = snapshot_folder(pretrained_model_name_or_path, revision)
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
            return json.load(f), kwargs

    @classmethod
    def from_dict(cls, config_dict, **kwargs):
        return cls(**{k: v for k, v in config_dict.items() if k != "model_type"})

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        config_dict, kwargs = cls.get_config_dict(pretrained_model_name_or_path, **kwargs)
        return cls.from_dict(config_dict, **kwargs)
"""

DYNAMIC_TAIL = """

def get_class_from_dynamic_module(class_reference, pretrained_model_name_or_path, revision=None, code_revision=None, **kwargs):
    # The revision rule of the real function; the download and import are a plain file import here.
    if "--" in class_reference:
        repo_id, class_reference = class_reference.split("--")
    else:
        repo_id = pretrained_model_name_or_path
    if code_revision is None and pretrained_model_name_or_path == repo_id:
        code_revision = revision
    folder = snapshot_folder(repo_id, code_revision)
    module_file, class_name = class_reference.split(".")
    spec = importlib.util.spec_from_file_location(module_file, os.path.join(folder, module_file + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, class_name)
"""

# configuration_auto.py AutoConfig.from_pretrained, the remote-code part, as in each release.
AUTO_5 = """
        has_remote_code = "auto_map" in config_dict and "AutoConfig" in config_dict["auto_map"]
        has_local_code = "model_type" in config_dict and config_dict["model_type"] in CONFIG_MAPPING
        explicit_local_code = has_local_code and not CONFIG_MAPPING[config_dict["model_type"]].__module__.startswith(
            "transformers."
        )
        if has_remote_code:
            class_ref = config_dict["auto_map"]["AutoConfig"]
            if "--" in class_ref:
                upstream_repo = class_ref.split("--")[0]
            else:
                upstream_repo = None
            trust_remote_code = resolve_trust_remote_code(
                trust_remote_code, pretrained_model_name_or_path, has_local_code, has_remote_code, upstream_repo
            )

        if has_remote_code and trust_remote_code and not explicit_local_code:
            config_class = get_class_from_dynamic_module(
                class_ref, pretrained_model_name_or_path, code_revision=code_revision, **kwargs
            )
            return config_class.from_pretrained(pretrained_model_name_or_path, **kwargs)
"""

AUTO_4 = """
        has_remote_code = "auto_map" in config_dict and "AutoConfig" in config_dict["auto_map"]
        has_local_code = "model_type" in config_dict and config_dict["model_type"] in CONFIG_MAPPING
        trust_remote_code = resolve_trust_remote_code(
            trust_remote_code, pretrained_model_name_or_path, has_local_code, has_remote_code
        )

        if has_remote_code and trust_remote_code:
            class_ref = config_dict["auto_map"]["AutoConfig"]
            config_class = get_class_from_dynamic_module(
                class_ref, pretrained_model_name_or_path, code_revision=code_revision, **kwargs
            )
            return config_class.from_pretrained(pretrained_model_name_or_path, **kwargs)
"""

AUTO_HEAD = """
from ...configuration_utils import PretrainedConfig
from ...dynamic_module_utils import get_class_from_dynamic_module, resolve_trust_remote_code


class BertConfig(PretrainedConfig):
    model_type = "bert"


class LlamaConfig(PretrainedConfig):
    model_type = "llama"


BertConfig.__module__ = "transformers.models.bert.configuration_bert"
LlamaConfig.__module__ = "transformers.models.llama.configuration_llama"
CONFIG_MAPPING = {"bert": BertConfig, "llama": LlamaConfig}


class AutoConfig:
    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        trust_remote_code = kwargs.pop("trust_remote_code", None)
        code_revision = kwargs.pop("code_revision", None)
        config_dict, unused_kwargs = PretrainedConfig.get_config_dict(pretrained_model_name_or_path, **kwargs)
"""

AUTO_TAIL = """
        if "model_type" in config_dict:
            try:
                config_class = CONFIG_MAPPING[config_dict["model_type"]]
            except KeyError:
                raise ValueError(
                    f"The checkpoint you are trying to load has model type `{config_dict['model_type']}` "
                    "but Transformers does not recognize this architecture. This could be because of an "
                    "issue with the checkpoint, or because your version of Transformers is out of date."
                )
            return config_class.from_dict(config_dict, **unused_kwargs)
        raise ValueError(f"Unrecognized model in {pretrained_model_name_or_path}.")
"""


def _site(tmp_path, version="5.25.0"):
    """A fake transformers of that release in tmp_path/site-<version>."""
    new = version.startswith("5.")
    files = {
        "transformers/__init__.py": (
            f"__version__ = {version!r}\n"
            "from .configuration_utils import PretrainedConfig\n"
            "from .models.auto.configuration_auto import CONFIG_MAPPING, AutoConfig\n"
        ),
        "transformers/utils/__init__.py": "",
        "transformers/utils/hub.py": HUB,
        "transformers/configuration_utils.py": CONFIGURATION_UTILS,
        "transformers/dynamic_module_utils.py": (
            "import importlib.util\nimport os\nimport signal\n\nfrom .utils.hub import snapshot_folder\n\n\n"
            + (RESOLVE_5 if new else RESOLVE_4)
            + DYNAMIC_TAIL
        ),
        "transformers/models/__init__.py": "",
        "transformers/models/auto/__init__.py": "",
        "transformers/models/auto/configuration_auto.py": AUTO_HEAD + (AUTO_5 if new else AUTO_4) + AUTO_TAIL,
    }
    return write_files(tmp_path / f"site-{version}", files, dedent=False)


def _config_code(class_name, model_type, marker):
    return (
        "from transformers import PretrainedConfig\n\n\n"
        f"class {class_name}(PretrainedConfig):\n"
        f"    model_type = {model_type!r}\n"
        f"    CODE = {marker!r}\n"
    )


def _snapshot(hub, repo, revision, config, files=()):
    folder = hub / ("models--" + repo.replace("/", "--")) / "snapshots" / revision
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    for name, text in files:
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _hub(tmp_path):
    """The fake Hub cache: REPO at the reviewed commit and at `main` (new code pushed since), a fork whose code
    lives in UPSTREAM, and a repo whose model_type is built into transformers but which also ships code."""
    hub = tmp_path / "hub"
    auto_map = {"AutoConfig": "configuration_internlm2.InternLM2Config"}
    for revision, marker, size in ((REVIEWED, "reviewed", 4096), ("main", "pushed after review", 1)):
        _snapshot(
            hub,
            REPO,
            revision,
            {"model_type": "internlm2", "hidden_size": size, "auto_map": auto_map},
            [("configuration_internlm2.py", _config_code("InternLM2Config", "internlm2", marker))],
        )
    fork = {"AutoConfig": f"{UPSTREAM}--configuration_hf_nomic_bert.NomicBertConfig"}
    for revision in (REVIEWED, "main"):
        _snapshot(hub, FORK, revision, {"model_type": "nomic_bert", "hidden_size": 768, "auto_map": fork})
    for revision, marker in ((UPSTREAM_REVIEWED, "reviewed"), ("main", "pushed after review")):
        code = _config_code("NomicBertConfig", "nomic_bert", marker)
        _snapshot(
            hub, UPSTREAM, revision, {"model_type": "nomic_bert"}, [("configuration_hf_nomic_bert.py", code)]
        )
    llama = {"AutoConfig": "configuration_llama_custom.LlamaCustomConfig"}
    _snapshot(
        hub,
        "my-org/llama-with-code",
        "main",
        {"model_type": "llama", "hidden_size": 64, "auto_map": llama},
        [("configuration_llama_custom.py", _config_code("LlamaCustomConfig", "llama", "repo code"))],
    )
    return hub


# No terminal: input() reads end of file at once, as in Docker, CI or a pipe.
NO_TTY = "import io, sys\nsys.stdin = io.StringIO('')\n"


def _run(code, tmp_path, version="5.25.0", extra_path=()):
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return run_python(
        NO_TTY + textwrap.dedent(code),
        cwd=work,
        path=[_site(tmp_path, version), *extra_path],
        env={"HF_HUB_CACHE": str(tmp_path / "hub" if (tmp_path / "hub").exists() else _hub(tmp_path))},
    )


def _raised(result):
    """The final exception of the child's traceback, with the lines of a multi-line message."""
    text = result.stderr.rstrip("\n")
    start = text.rfind("\nValueError: ")
    assert start >= 0, result.stderr
    return text[start + 1 :]


def _signature(start):
    found = [sig for sig in parse_entry(ENTRY).errors if sig.startswith(start)]
    assert len(found) == 1, start
    return found[0]


def test_transformers_5_refuses_with_the_entry_s_wording(tmp_path):
    load = f"from transformers import AutoConfig\nAutoConfig.from_pretrained({REPO!r})\n"
    result = _run(load, tmp_path)
    assert result.returncode != 0
    assert "Do you wish to run the custom code? [y/N]" in result.stdout  # the prompt came first
    assert _raised(result) == _signature(f"ValueError: The repository {REPO} contains")
    # passing False (sentence-transformers, vLLM) skips the prompt, same error
    refused = _run(load.replace(")\n", ", trust_remote_code=False)\n"), tmp_path)
    assert "[y/N]" not in refused.stdout
    assert _raised(refused) == _signature(f"ValueError: The repository {REPO} contains")
    # code that lives in another repo: AutoConfig passes the upstream repo where the message goes (4.53+)
    fork = _run(f"from transformers import AutoConfig\nAutoConfig.from_pretrained({FORK!r})\n", tmp_path)
    assert _raised(fork) == _signature(f"ValueError: {UPSTREAM} You can inspect the repository content")


def test_transformers_4_36_has_two_wordings(tmp_path):
    load = f"from transformers import AutoConfig\nAutoConfig.from_pretrained({REPO!r}{{}})\n"
    no_answer = _run(load.format(""), tmp_path, "4.36.2")
    assert "Do you wish to run the custom code? [y/N]" in no_answer.stdout
    assert _raised(no_answer) == _signature(f"ValueError: The repository for {REPO} contains")
    refused = _run(load.format(", trust_remote_code=False"), tmp_path, "4.36.2")
    assert _raised(refused) == _signature(
        f"ValueError: Loading {REPO} requires you to execute the configuration"
    )
    answered = _run(
        "sys.stdin = io.StringIO('y\\n')\n"
        + load.format("").replace("AutoConfig.from_pretrained", "config = AutoConfig.from_pretrained")
        + "print(type(config).__name__, config.CODE)\n",
        tmp_path,
        "4.36.2",
    )
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.rstrip().endswith(
        "InternLM2Config pushed after review"
    )  # 'y' ran whatever main holds


def test_builtin_model_type_needs_no_flag_and_the_flag_prefers_repo_code(tmp_path):
    check = """
        from transformers import AutoConfig
        print(type(AutoConfig.from_pretrained("my-org/llama-with-code")).__name__)
        print(type(AutoConfig.from_pretrained("my-org/llama-with-code", trust_remote_code=False)).__name__)
        print(type(AutoConfig.from_pretrained("my-org/llama-with-code", trust_remote_code=True)).__name__)
    """
    for version in ("5.25.0", "4.36.2"):
        result = _run(check, tmp_path, version)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["LlamaConfig", "LlamaConfig", "LlamaCustomConfig"]


def test_option1_script_lists_the_code_refuses_an_unpinned_repo_and_loads(fix_code, tmp_path):
    result = _run(fix_code(SLUG, 1), tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "code it will run: {'config.json AutoConfig': 'configuration_demo.DemoConfig'}"
    assert lines[1].startswith(f"refused: pin {REPO} to the 40-hex commit whose code you read (not 'main'")
    assert lines[2] == "loaded: DemoConfig hidden_size = 8"


def test_option1_functions_load_only_the_reviewed_commit(fix_code, tmp_path):
    (tmp_path / "fix").mkdir()
    (tmp_path / "fix" / "fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    check = f"""
        import os
        from transformers import AutoConfig
        from fix import load_trusted, remote_code

        try:
            AutoConfig.from_pretrained({REPO!r}, trust_remote_code=False)  # the failing call, no prompt
        except ValueError as exc:
            print("before:", str(exc).splitlines()[0][:60])
        for revision in (None, "main", "v1.0", {REVIEWED[:7]!r}):
            try:
                load_trusted(AutoConfig, {REPO!r}, revision)
                print("loaded unpinned", revision)
            except ValueError:
                print("refused", revision)
        config = load_trusted(AutoConfig, {REPO!r}, {REVIEWED!r})
        print("pinned:", type(config).__name__, config.CODE, config.hidden_size)
        latest = AutoConfig.from_pretrained({REPO!r}, trust_remote_code=True)
        print("unpinned main:", latest.CODE)
        fork = load_trusted(AutoConfig, {FORK!r}, {REVIEWED!r})
        print("fork without code_revision:", fork.CODE)
        fork = load_trusted(AutoConfig, {FORK!r}, {REVIEWED!r}, code_revision={UPSTREAM_REVIEWED!r})
        print("fork with code_revision:", fork.CODE)
        snapshot = os.path.join(os.environ["HF_HUB_CACHE"], "models--my-org--nomic-embed-finetuned", "snapshots", "main")
        print("lists:", remote_code(snapshot))
    """
    result = _run(check, tmp_path, extra_path=[tmp_path / "fix"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"before: The repository {REPO} contains custom co",
        "refused None",
        "refused main",
        "refused v1.0",
        f"refused {REVIEWED[:7]}",
        "pinned: InternLM2Config reviewed 4096",
        "unpinned main: pushed after review",
        "fork without code_revision: pushed after review",
        "fork with code_revision: reviewed",
        f"lists: {{'config.json AutoConfig': '{UPSTREAM}--configuration_hf_nomic_bert.NomicBertConfig'}}",
    ]
