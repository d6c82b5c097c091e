"""Verified fix for solutions/tiktoken-model-unknown.md.

tiktoken is not a project dependency and its encoding files need a download, so each test builds fake
`tiktoken` packages in tmp_path, one per release, shaped like the real wheels (tiktoken 0.4.0-0.14.0 from
PyPI, read 2026-12-06):

- `tiktoken/model.py` holds that release's MODEL_TO_ENCODING / MODEL_PREFIX_TO_ENCODING (the current and
  embedding models, as extracted from the wheel; the retired GPT-3 names are left out except
  text-davinci-003) and its lookup code word for word: `encoding_for_model` with the `tiktok.get_encoding`
  typo (0.4.0), the same with `_MODEL_TO_ENCODING` and `tiktoken.get_encoding` (0.5.0),
  `encoding_name_for_model` + `encoding_for_model` (0.5.1-0.13.0, here 0.6.0's text), and 0.14.0's version;
- `tiktoken/registry.py` knows the encodings of that release's tiktoken_ext/openai_public.py (o200k_base
  from 0.7.0, o200k_harmony from 0.10.0) and raises its `Unknown encoding` ValueError; the Encoding it returns
  encodes without vocabulary files (what is checked is which encoding is chosen, not token ids);
- a `tiktoken-X.dist-info` so `importlib.metadata.version("tiktoken")` reports the release.

The tests reproduce the KeyError texts the entry quotes, run the entry's Option 1 script against every fake
release and check that what it says (mapped, or "tiktoken X+ maps it") agrees with what that release's
`encoding_for_model` really does, and run Option 2's fallback. The same scripts were run against the real
wheels with the real cl100k_base/o200k_base files (see the entry's source field).
"""

import textwrap
from pathlib import Path

import pytest
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "tiktoken-model-unknown"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

# tiktoken/model.py of each wheel: every model name with its encoding and the release that added it (lookups
# by exact name are a dict; prefixes are tried in this order, which every release kept)
RELEASES = ["0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "0.9.0", "0.10.0", "0.11.0", "0.12.0", "0.14.0"]
EXACT = {
    "gpt-4": ("cl100k_base", "0.4.0"),
    "gpt-3.5-turbo": ("cl100k_base", "0.4.0"),
    "text-davinci-003": ("p50k_base", "0.4.0"),
    "text-embedding-ada-002": ("cl100k_base", "0.4.0"),
    "gpt2": ("gpt2", "0.4.0"),
    "gpt-35-turbo": ("cl100k_base", "0.5.0"),
    "davinci-002": ("cl100k_base", "0.5.0"),
    "babbage-002": ("cl100k_base", "0.5.0"),
    "gpt-3.5": ("cl100k_base", "0.6.0"),
    "text-embedding-3-small": ("cl100k_base", "0.6.0"),
    "text-embedding-3-large": ("cl100k_base", "0.6.0"),
    "gpt-2": ("gpt2", "0.6.0"),
    "gpt-4o": ("o200k_base", "0.7.0"),
    "o1": ("o200k_base", "0.9.0"),
    "o3": ("o200k_base", "0.9.0"),
    "o4-mini": ("o200k_base", "0.10.0"),
    "gpt-4.1": ("o200k_base", "0.10.0"),
    "gpt-5": ("o200k_base", "0.12.0"),
}
# prefix -> (encoding, first release with it, first release without it again)
PREFIXES = {
    "o1-": ("o200k_base", "0.8.0", None),
    "o3-": ("o200k_base", "0.9.0", None),
    "o4-mini-": ("o200k_base", "0.10.0", None),
    "gpt-5": ("o200k_base", "0.14.0", None),
    "gpt-5-": ("o200k_base", "0.11.0", "0.14.0"),
    "gpt-4.5-": ("o200k_base", "0.10.0", None),
    "gpt-4.1-": ("o200k_base", "0.10.0", None),
    "chatgpt-4o-": ("o200k_base", "0.8.0", None),
    "gpt-4o-": ("o200k_base", "0.7.0", None),
    "gpt-4-": ("cl100k_base", "0.4.0", None),
    "gpt-3.5-turbo-": ("cl100k_base", "0.4.0", None),
    "gpt-35-turbo-": ("cl100k_base", "0.5.0", None),
    "gpt-oss-": ("o200k_harmony", "0.10.0", None),
    "ft:gpt-4o": ("o200k_base", "0.9.0", None),
    "ft:gpt-4": ("cl100k_base", "0.5.0", None),
    "ft:gpt-3.5-turbo": ("cl100k_base", "0.5.0", None),
    "ft:davinci-002": ("cl100k_base", "0.5.0", None),
    "ft:babbage-002": ("cl100k_base", "0.5.0", None),
}


def _release(version):
    return tuple(int(part) for part in version.split("."))


def _tables(version):
    """That release's (MODEL_TO_ENCODING, MODEL_PREFIX_TO_ENCODING), in its own order."""
    v = _release(version)
    exact = {m: enc for m, (enc, since) in EXACT.items() if _release(since) <= v}
    prefixes = {
        p: enc
        for p, (enc, since, until) in PREFIXES.items()
        if _release(since) <= v and (until is None or v < _release(until))
    }
    return exact, prefixes


TABLES = {version: _tables(version) for version in RELEASES}

ENCODINGS = ["gpt2", "r50k_base", "p50k_base", "p50k_edit", "cl100k_base"]


def _encodings(version):
    release = tuple(int(p) for p in version.split("."))
    return ENCODINGS + ["o200k_base"] * (release >= (0, 7, 0)) + ["o200k_harmony"] * (release >= (0, 10, 0))


# tiktoken 0.3.0-0.4.0 model.py (the KeyError says `tiktok.get_encoding`)
LOOKUP_040 = """
def encoding_for_model(model_name: str) -> Encoding:
    encoding_name = None
    if model_name in MODEL_TO_ENCODING:
        encoding_name = MODEL_TO_ENCODING[model_name]
    else:
        for model_prefix, model_encoding_name in MODEL_PREFIX_TO_ENCODING.items():
            if model_name.startswith(model_prefix):
                return get_encoding(model_encoding_name)

    if encoding_name is None:
        raise KeyError(
            f"Could not automatically map {model_name} to a tokeniser. "
            "Please use `tiktok.get_encoding` to explicitly get the tokeniser you expect."
        ) from None

    return get_encoding(encoding_name)
"""

# tiktoken 0.5.0 model.py (underscored tables, no encoding_name_for_model yet)
LOOKUP_050 = (
    LOOKUP_040.replace("MODEL_TO_ENCODING", "_MODEL_TO_ENCODING")
    .replace("MODEL_PREFIX_TO_ENCODING", "_MODEL_PREFIX_TO_ENCODING")
    .replace("`tiktok.get_encoding`", "`tiktoken.get_encoding`")
)

# tiktoken 0.5.1-0.13.0 model.py (text of 0.6.0)
LOOKUP_060 = """
def encoding_name_for_model(model_name: str) -> str:
    encoding_name = None
    if model_name in MODEL_TO_ENCODING:
        encoding_name = MODEL_TO_ENCODING[model_name]
    else:
        for model_prefix, model_encoding_name in MODEL_PREFIX_TO_ENCODING.items():
            if model_name.startswith(model_prefix):
                return model_encoding_name

    if encoding_name is None:
        raise KeyError(
            f"Could not automatically map {model_name} to a tokeniser. "
            "Please use `tiktoken.get_encoding` to explicitly get the tokeniser you expect."
        ) from None

    return encoding_name


def encoding_for_model(model_name: str) -> Encoding:
    return get_encoding(encoding_name_for_model(model_name))
"""

# tiktoken 0.14.0 model.py
LOOKUP_0140 = """
def encoding_name_for_model(model_name: str) -> str:
    if model_name in MODEL_TO_ENCODING:
        return MODEL_TO_ENCODING[model_name]

    for model_prefix, encoding_name in MODEL_PREFIX_TO_ENCODING.items():
        if model_name.startswith(model_prefix):
            return encoding_name

    raise KeyError(
        f"Could not automatically map {model_name} to a tokeniser. "
        "Please use `tiktoken.get_encoding` to explicitly get the tokeniser you expect."
    ) from None


def encoding_for_model(model_name: str) -> Encoding:
    return get_encoding(encoding_name_for_model(model_name))
"""

REGISTRY = """
from .core import Encoding

ENCODING_CONSTRUCTORS = {names!r}


def list_encoding_names():
    return list(ENCODING_CONSTRUCTORS)


def get_encoding(encoding_name):
    if encoding_name not in ENCODING_CONSTRUCTORS:
        raise ValueError({unknown})
    return Encoding(encoding_name)
"""

CORE = """
class Encoding:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<Encoding {self.name!r}>"

    def encode(self, text):
        return list(text.encode("utf-8"))
"""


def _site(tmp_path, version):
    release = tuple(int(p) for p in version.split("."))
    exact, prefixes = TABLES[version]
    if release <= (0, 4, 0):
        lookup, names = LOOKUP_040, ("MODEL_TO_ENCODING", "MODEL_PREFIX_TO_ENCODING")
    elif release == (0, 5, 0):
        lookup, names = LOOKUP_050, ("_MODEL_TO_ENCODING", "_MODEL_PREFIX_TO_ENCODING")
    else:
        lookup = LOOKUP_0140 if release >= (0, 14, 0) else LOOKUP_060
        names = ("MODEL_TO_ENCODING", "MODEL_PREFIX_TO_ENCODING")
    model = (
        "from .core import Encoding\nfrom .registry import get_encoding\n\n"
        f"{names[1]} = {prefixes!r}\n{names[0]} = {exact!r}\n" + lookup
    )
    if release >= (0, 8, 0):
        unknown = (
            'f"Unknown encoding {encoding_name}.\\\\n" f"Plugins found: [\'tiktoken_ext.openai_public\']\\\\n" '
            f'f"tiktoken version: {version} (are you on latest?)"'
        )
    else:
        unknown = "f\"Unknown encoding {encoding_name}. Plugins found: ['tiktoken_ext.openai_public']\""
    init = "from .core import Encoding\nfrom .model import encoding_for_model\n"
    if release > (0, 5, 0):
        init += "from .model import encoding_name_for_model\n"
    init += "from .registry import get_encoding, list_encoding_names\n"
    site = tmp_path / f"tiktoken-{version}"
    files = {
        "tiktoken/__init__.py": init,
        "tiktoken/core.py": CORE,
        "tiktoken/model.py": model,
        "tiktoken/registry.py": REGISTRY.format(names=_encodings(version), unknown=unknown),
        f"tiktoken-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: tiktoken\nVersion: {version}\n",
    }
    for rel, text in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return site


REAL = """
import sys
import tiktoken

for model in sys.argv[1:]:
    try:
        print(tiktoken.encoding_for_model(model).name)
    except KeyError as exc:
        print(f"KeyError: {exc}")  # the line Python prints for it
"""


def _real(site, tmp_path, *models):
    """What that fake release's encoding_for_model does with each name: the encoding, or the KeyError line."""
    result = run_python(REAL, cwd=tmp_path, path=site, args=models)
    assert result.returncode == 0, result.stderr
    found = result.stdout.splitlines()
    assert len(found) == len(models)
    return found[0] if len(models) == 1 else dict(zip(models, found, strict=True))


@pytest.mark.parametrize(
    ("version", "model", "index"),
    [
        ("0.6.0", "gpt-4o", 0),
        ("0.8.0", "o3-mini", 1),
        ("0.12.0", "gpt-5.1", 2),
        ("0.14.0", "openai/gpt-4o", 3),
        ("0.14.0", "llama3", 4),
        ("0.4.0", "gpt-4o", 5),
    ],
)
def test_reproduces_the_keyerror_texts(tmp_path, version, model, index):
    site = _site(tmp_path, version)
    result = run_python(f"import tiktoken\ntiktoken.encoding_for_model({model!r})", cwd=tmp_path, path=site)
    assert result.returncode != 0
    assert "tiktoken/model.py" in result.stderr
    assert last_line(result) == parse_entry(ENTRY).errors[index]


def test_old_tiktoken_has_no_o200k_base(tmp_path):
    site = _site(tmp_path, "0.6.0")
    result = run_python("import tiktoken\ntiktoken.get_encoding('o200k_base')", cwd=tmp_path, path=site)
    # described in the entry's Symptom, not a signature: the same words follow a misspelt encoding name
    assert f"`{last_line(result)}`" in ENTRY.read_text(encoding="utf-8")
    assert last_line(result) not in parse_entry(ENTRY).errors
    assert _real(_site(tmp_path, "0.7.0"), tmp_path, "gpt-4o") == "o200k_base"


MODELS = [
    "gpt-4o",
    "gpt-4o-mini",
    "o1",
    "o1-mini",
    "o3",
    "o3-mini",
    "o4-mini",
    "gpt-4.1",
    "gpt-4.1-nano",
    "gpt-4.5-preview",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5.1",
    "gpt-4-turbo",
    "gpt-35-turbo",
    "text-embedding-3-small",
    "gpt-oss-20b",
    "ft:gpt-4o-mini-2024-07-18:acme::abc123",
]


def test_option1_script_agrees_with_each_release(fix_code, tmp_path):
    (tmp_path / "check.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    sites = {version: _site(tmp_path, version) for version in TABLES}
    real = {version: _real(site, tmp_path, *MODELS) for version, site in sites.items()}
    # the table really changes over these releases (else the checks below prove nothing)
    assert real["0.6.0"]["gpt-4o"].startswith("KeyError") and real["0.7.0"]["gpt-4o"] == "o200k_base"
    for version, site in sites.items():
        result = run_python(
            "import runpy; runpy.run_path('check.py', run_name='__main__')",
            cwd=tmp_path,
            path=site,
            args=MODELS,
        )
        assert result.returncode == 0, result.stderr
        said = dict(line.split(": ", 1) for line in result.stdout.splitlines())
        for model in MODELS:
            now = real[version][model]
            if said[model].endswith(f"(tiktoken {version} maps it)"):
                assert said[model] == f"{now} (tiktoken {version} maps it)", (version, model)
                continue
            # "unknown to tiktoken X; tiktoken Y+ maps it to ENC: ..." / "tiktoken X maps it to A, tiktoken Y+ to ENC: ..."
            since = said[model].split("tiktoken ")[-1].split("+")[0]
            newer = said[model].split(" to ")[-1].split(":")[0]
            assert _release(since) > _release(version), (version, model, said[model])
            assert now != newer, (version, model, said[model])
            # the first fake release at or after Y gives that encoding, the one before it does not
            after = [v for v in TABLES if _release(v) >= _release(since)]
            before = [v for v in TABLES if _release(v) < _release(since)]
            assert real[after[0]][model] == newer, (model, after[0])
            assert real[before[-1]][model] != newer, (model, before[-1])


def test_option1_script_on_old_and_new_tiktoken(fix_code, tmp_path):
    (tmp_path / "check.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    names = ["gpt-4o", "openai/gpt-4o", "GPT-4o", "llama3", "gpt-4.5"]

    def run(version):
        result = run_python(
            "import runpy; runpy.run_path('check.py', run_name='__main__')",
            cwd=tmp_path,
            path=_site(tmp_path, version),
            args=names,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    old = run("0.6.0")
    assert (
        old[0]
        == 'gpt-4o: unknown to tiktoken 0.6.0; tiktoken 0.7.0+ maps it to o200k_base: pip install -U "tiktoken>=0.7.0"'
    )
    assert old[1].startswith(
        "openai/gpt-4o: no tiktoken release knows a provider-prefixed name; pass 'gpt-4o' -> gpt-4o: unknown to tiktoken 0.6.0"
    )
    assert old[2].startswith("GPT-4o: tiktoken names are lower case; pass 'gpt-4o'")
    assert old[3].startswith("llama3: not in tiktoken's table of current OpenAI models")
    assert old[4].startswith("gpt-4.5: not in tiktoken's table")
    new = run("0.14.0")
    assert new[0] == "gpt-4o: o200k_base (tiktoken 0.14.0 maps it)"
    assert new[1].endswith("-> gpt-4o: o200k_base (tiktoken 0.14.0 maps it)")
    assert new[3].startswith("llama3: not in tiktoken's table")
    # the bare gpt-4.5 really is unknown even to 0.14.0, as the script says
    assert _real(_site(tmp_path, "0.14.0"), tmp_path, "gpt-4.5").startswith(
        "KeyError: 'Could not automatically map gpt-4.5"
    )
    # without arguments (as the code-block runner calls it) it prints its examples and exits 0
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=_site(tmp_path, "0.14.0"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "gpt-4o: o200k_base (tiktoken 0.14.0 maps it)"


def test_option2_falls_back_instead_of_raising(fix_code, tmp_path):
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 2), encoding="utf-8")
    check = textwrap.dedent(
        """
        import tiktoken
        from fix import encoding_for
        for model in ["gpt-4o", "openai/gpt-4o", "GPT-4o", "gpt-4.5", "gpt-5.1", "llama3", "gpt-4-turbo", "my-deployment"]:
            print(model, encoding_for(model).name)
        print("default", encoding_for("qwen2.5", default="cl100k_base").name)
        """
    )

    def run(version):
        result = run_python(check, cwd=tmp_path, path=[_site(tmp_path, version), tmp_path])
        assert result.returncode == 0, result.stderr
        return dict(line.split(" ", 1) for line in result.stdout.splitlines())

    new = run("0.14.0")
    assert new == {
        "gpt-4o": "o200k_base",
        "openai/gpt-4o": "o200k_base",
        "GPT-4o": "o200k_base",
        "gpt-4.5": "o200k_base",
        "gpt-5.1": "o200k_base",
        "llama3": "o200k_base",
        "gpt-4-turbo": "cl100k_base",
        "my-deployment": "o200k_base",
        "default": "cl100k_base",
    }
    # the same names raise the KeyError in tiktoken itself
    raised = _real(_site(tmp_path, "0.14.0"), tmp_path, "openai/gpt-4o", "GPT-4o", "gpt-4.5", "llama3")
    assert all(line.startswith("KeyError: 'Could not automatically map") for line in raised.values()), raised
    # tiktoken 0.6.0 has no o200k_base: everything falls back to cl100k_base instead of a ValueError
    old = run("0.6.0")
    assert set(old.values()) == {"cl100k_base"}
    # its demo prints the fallback names without loading any encoding
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path, path=_site(tmp_path, "0.14.0"))
    assert result.returncode == 0, result.stderr
    assert "openai/gpt-5.2: tiktoken name 'gpt-5.2', fallback encoding o200k_base" in result.stdout
    assert "gpt-4-turbo: tiktoken name 'gpt-4-turbo', fallback encoding cl100k_base" in result.stdout
