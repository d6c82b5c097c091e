"""Verified fix for solutions/spacy-model-missing.md.

spaCy is not a project dependency, so it is a small fake in tmp_path, shaped like spaCy 3.8.11 (the same
code in 3.8.18): `spacy/errors.py` has the `ErrorsWithCodes` metaclass that prefixes `[E050]`, the E050,
E053 and E941 format strings and `OLD_MODEL_SHORTCUTS`, word for word; `spacy/util.py` has `is_package`
(an `importlib.metadata.distribution` lookup) and `load_model` with the real order of checks (`blank:`,
installed package, existing path, shortcut -> E941, else E050, raised as `IOError`), and
`load_model_from_path` raising E053 when `config.cfg` is missing. `python -m spacy download NAME` is
`spacy/cli/download.py` reduced to what the entry relies on: v2 shortcuts mapped to the full name, the
compatibility table (a local dict instead of raw.githubusercontent.com; unreachable when
FAKE_SPACY_OFFLINE is set, raising the `requests` ConnectionError text seen with real spaCy 3.8.11
offline), `No compatible package found for ... (spaCy v...)` with exit 1 for a name not in it, and an
install into the site folder of the interpreter that ran it (it logs `sys.executable`), as `pip install`
would. The tests reproduce E050 and E941, then run the entry's Option 1 script (report, install into the
running interpreter, shortcut, offline failure) and Option 3 helper (install command naming the running
interpreter, a missing path, other errors passed through).
"""

import sys
from pathlib import Path

from fake_site import write_files
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "spacy-model-missing"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

# spacy/errors.py of spaCy 3.8.11 / 3.8.18: the metaclass and the messages, word for word.
ERRORS = """
class ErrorsWithCodes(type):
    def __getattribute__(self, code):
        msg = super().__getattribute__(code)
        if code.startswith("__"):  # python system attributes like __class__
            return msg
        else:
            return "[{code}] {msg}".format(code=code, msg=msg)


class Errors(metaclass=ErrorsWithCodes):
    E050 = ("Can't find model '{name}'. It doesn't seem to be a Python "
            "package or a valid path to a data directory.")
    E053 = ("Could not read {name} from {path}")
    E941 = ("Can't find model '{name}'. It looks like you're trying to load a "
            "model from a shortcut, which is obsolete as of spaCy v3.0. To "
            "load the model, use its full name instead:\\n\\n"
            "nlp = spacy.load(\\"{full}\\")\\n\\nFor more details on the available "
            "models, see the models directory: https://spacy.io/models and if "
            "you want to create a blank model, use spacy.blank: "
            "nlp = spacy.blank(\\"{name}\\")")


OLD_MODEL_SHORTCUTS = {
    "en": "en_core_web_sm", "de": "de_core_news_sm", "es": "es_core_news_sm",
    "pt": "pt_core_news_sm", "fr": "fr_core_news_sm", "it": "it_core_news_sm",
    "nl": "nl_core_news_sm", "el": "el_core_news_sm", "nb": "nb_core_news_sm",
    "lt": "lt_core_news_sm", "xx": "xx_ent_wiki_sm"
}
"""

# spacy/util.py: is_package and load_model as in 3.8.11 (kwargs and the blank-language branch trimmed).
UTIL = """
import importlib
import importlib.metadata as importlib_metadata
import json
from pathlib import Path

from .errors import OLD_MODEL_SHORTCUTS, Errors
from .language import Language


def is_package(name):
    try:
        importlib_metadata.distribution(name)
        return True
    except:  # noqa: E722
        return False


def load_model(name, **kwargs):
    if isinstance(name, str):  # name or string path
        if name.startswith("blank:"):  # shortcut for blank model
            return Language({"lang": name.replace("blank:", ""), "name": "blank", "version": "0.0.0"}, [])
        if is_package(name):  # installed as package
            return load_model_from_package(name, **kwargs)
        if Path(name).exists():  # path to model data directory
            return load_model_from_path(Path(name), **kwargs)
    elif hasattr(name, "exists"):  # Path or Path-like to model data
        return load_model_from_path(name, **kwargs)
    if name in OLD_MODEL_SHORTCUTS:
        raise IOError(Errors.E941.format(name=name, full=OLD_MODEL_SHORTCUTS[name]))
    raise IOError(Errors.E050.format(name=name))


def load_model_from_package(name, **kwargs):
    cls = importlib.import_module(name)
    return cls.load(**kwargs)


def load_model_from_path(model_path, **kwargs):
    config_path = Path(model_path) / "config.cfg"
    if not config_path.exists() or not config_path.is_file():
        raise IOError(Errors.E053.format(path=config_path, name="config file"))
    meta = json.loads((Path(model_path) / "meta.json").read_text())
    return Language(meta, meta.get("pipeline", []))
"""

LANGUAGE = """
class Language:
    def __init__(self, meta, pipe_names):
        self.meta = dict(meta)
        self.pipe_names = list(pipe_names)
"""

INIT = """
from . import util
from .about import __version__


def load(name, **kwargs):
    return util.load_model(name, **kwargs)
"""

ABOUT = """
__title__ = "spacy"
__version__ = "3.8.11"
__download_url__ = "https://github.com/explosion/spacy-models/releases/download"
__compatibility__ = "https://raw.githubusercontent.com/explosion/spacy-models/master/compatibility.json"
"""

# `python -m spacy download NAME`: spacy/cli/download.py's steps, with pip replaced by a local install.
MAIN = """
import os
import sys
from pathlib import Path

import requests.exceptions

from . import about
from .errors import OLD_MODEL_SHORTCUTS

COMPATIBILITY = {"3.8": {"en_core_web_sm": ["3.8.0"], "en_core_web_md": ["3.8.0"], "de_core_news_sm": ["3.8.0"]}}
PIPES = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"]


def download(model):
    model_name = model
    if model in OLD_MODEL_SHORTCUTS:
        print(f"As of spaCy v3.0, shortcuts like '{model}' are deprecated. Please use the full pipeline "
              f"package name '{OLD_MODEL_SHORTCUTS[model]}' instead.")
        model_name = OLD_MODEL_SHORTCUTS[model]
    if os.environ.get("FAKE_SPACY_OFFLINE"):
        raise requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='raw.githubusercontent.com', port=443): Max retries exceeded with url: "
            "/explosion/spacy-models/master/compatibility.json (Caused by NameResolutionError(\\"HTTPSConnection("
            "host='raw.githubusercontent.com', port=443): Failed to resolve 'raw.githubusercontent.com' "
            "([Errno -2] Name or service not known)\\"))"
        )
    comp = COMPATIBILITY["3.8"]
    if model_name not in comp:
        print(f"\\u2718 No compatible package found for '{model_name}' (spaCy v{about.__version__})")
        sys.exit(1)
    version = comp[model_name][0]
    with open(os.environ["FAKE_SPACY_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{sys.executable} installs {model_name}-{version}\\n")
    site = Path(__file__).resolve().parent.parent  # pip installs into the site-packages of sys.executable
    lang, name = model_name.split("_", 1)
    meta = {"lang": lang, "name": name, "version": version}
    (site / model_name).mkdir()
    (site / model_name / "__init__.py").write_text(
        "from spacy.language import Language\\n\\n\\n"
        f"def load(**overrides):\\n    return Language({meta!r}, {PIPES!r})\\n"
    )
    info = site / f"{model_name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\\nName: {model_name}\\nVersion: {version}\\n")
    print("\\u2714 Download and installation successful")
    print(f"You can now load the package via spacy.load('{model_name}')")


if __name__ == "__main__":
    if sys.argv[1:2] != ["download"] or len(sys.argv) != 3:
        sys.exit("usage: python -m spacy download MODEL")
    download(sys.argv[2])
"""

SPACY = {
    "spacy/__init__.py": INIT,
    "spacy/about.py": ABOUT,
    "spacy/errors.py": ERRORS,
    "spacy/util.py": UTIL,
    "spacy/language.py": LANGUAGE,
    "spacy/__main__.py": MAIN,
    "requests/__init__.py": "",
    "requests/exceptions.py": "class ConnectionError(OSError):\n    pass\n",  # requests' own subclasses IOError
}


def _site(tmp_path):
    return write_files(tmp_path / "site", SPACY)


def _env(tmp_path, **more):
    return {"FAKE_SPACY_LOG": str(tmp_path / "installs.log"), "FAKE_SPACY_OFFLINE": None, **more}


def _flat(text):
    return " ".join(text.split())


def test_reproduces_e050_and_e941(tmp_path):
    site = _site(tmp_path)
    errors = parse_entry(ENTRY).errors
    result = run_python('import spacy\nspacy.load("en_core_web_sm")\n', cwd=tmp_path, path=site)
    assert result.returncode != 0
    assert "spacy/util.py" in result.stderr
    assert last_line(result) == errors[0]

    result = run_python('import spacy\nspacy.load("en")\n', cwd=tmp_path, path=site)
    assert result.returncode != 0
    message = result.stderr[result.stderr.index("OSError: [E941]") :]
    assert 'nlp = spacy.load("en_core_web_sm")' in message.splitlines()  # on a line of its own
    assert _flat(message) == _flat(errors[5])

    result = run_python("import en_core_web_sm\n", cwd=tmp_path, path=site)
    assert last_line(result) in errors


def test_option1_reports_without_installing(fix_code, tmp_path):
    site = _site(tmp_path)
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site, env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert f"interpreter: {sys.executable}" in result.stdout
    assert "spaCy: 3.8.11" in result.stdout
    assert f"en_core_web_sm: missing: {sys.executable} -m spacy download en_core_web_sm" in result.stdout
    assert not (tmp_path / "installs.log").exists()


def test_option1_installs_into_the_running_interpreter_and_loads(fix_code, tmp_path):
    site = _site(tmp_path)
    (tmp_path / "ensure_spacy_model.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = run_python(
        "import runpy, sys\nsys.argv = ['ensure_spacy_model.py', 'en_core_web_sm']\n"
        "runpy.run_path('ensure_spacy_model.py', run_name='__main__')\n",
        cwd=tmp_path,
        path=site,
        env=_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert f"installing en_core_web_sm into {sys.executable} (spaCy 3.8.11)" in result.stdout
    assert "loaded en_core_web_sm 3.8.0 with ['tok2vec', 'tagger', 'parser'" in result.stdout
    log = (tmp_path / "installs.log").read_text(encoding="utf-8")
    assert log == f"{sys.executable} installs en_core_web_sm-3.8.0\n"

    # a fresh process of the same interpreter now loads it; a second run installs nothing
    loaded = run_python(
        'import spacy\nprint(spacy.load("en_core_web_sm").meta["version"])\n', cwd=tmp_path, path=site
    )
    assert loaded.stdout.strip() == "3.8.0", loaded.stderr
    again = run_python(
        "import runpy, sys\nsys.argv = ['x', 'en_core_web_sm']\nrunpy.run_path('ensure_spacy_model.py', run_name='__main__')\n",
        cwd=tmp_path,
        path=site,
        env=_env(tmp_path),
    )
    assert again.returncode == 0, again.stderr
    assert "installing" not in again.stdout
    assert (tmp_path / "installs.log").read_text(encoding="utf-8") == log


def test_option1_maps_the_v2_shortcut(fix_code, tmp_path):
    site = _site(tmp_path)
    (tmp_path / "ensure_spacy_model.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    check = (
        "from ensure_spacy_model import ensure, install_command\n"
        "import sys\n"
        "assert install_command('en') == [sys.executable, '-m', 'spacy', 'download', 'en_core_web_sm']\n"
        "nlp = ensure('en')\n"
        "print(nlp.meta['lang'], nlp.meta['name'])\n"
    )
    result = run_python(check, cwd=tmp_path, path=[site, tmp_path], env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("en core_web_sm")
    assert "installs en_core_web_sm-3.8.0" in (tmp_path / "installs.log").read_text(encoding="utf-8")


def test_option1_offline_or_unknown_model_fails_with_advice(fix_code, tmp_path):
    site = _site(tmp_path)
    (tmp_path / "ensure_spacy_model.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    run = "import runpy, sys\nsys.argv = ['x', {name!r}]\nrunpy.run_path('ensure_spacy_model.py', run_name='__main__')\n"

    offline = run_python(
        run.format(name="en_core_web_sm"), cwd=tmp_path, path=site, env=_env(tmp_path, FAKE_SPACY_OFFLINE="1")
    )
    assert offline.returncode == 1
    errors = parse_entry(ENTRY).errors
    raised = [line for line in offline.stderr.splitlines() if line.startswith("requests.exceptions.")]
    assert raised and raised[0] in errors  # what real spaCy 3.8.11 raised offline
    assert f"`{sys.executable} -m spacy download en_core_web_sm` failed (exit 1)" in offline.stderr
    assert "Option 4" in offline.stderr
    assert not (site / "en_core_web_sm").exists()

    unknown = run_python(run.format(name="en_core_sci_sm"), cwd=tmp_path, path=site, env=_env(tmp_path))
    assert unknown.returncode == 1
    assert "\u2718 No compatible package found for 'en_core_sci_sm' (spaCy v3.8.11)" in unknown.stdout
    assert f"{sys.executable} -m pip install URL" in unknown.stderr


def test_option3_explains_with_the_running_interpreter(fix_code, tmp_path):
    site = _site(tmp_path)
    helper = fix_code(SLUG, 3)
    (tmp_path / "spacy_helper.py").write_text(helper, encoding="utf-8")

    missing = run_python(helper, cwd=tmp_path, path=site)
    assert missing.returncode == 0, missing.stderr
    assert (
        f"spaCy pipeline 'en_core_web_sm' is not installed in {sys.executable} (spaCy 3.8.11). "
        f"Install it into this interpreter: {sys.executable} -m spacy download en_core_web_sm "
    ) in missing.stdout

    (tmp_path / "v2_model").mkdir()  # a folder without config.cfg: E053, not a missing package
    check = (
        "from spacy_helper import SpacyModelMissing, load_spacy_model\n"
        "try:\n    load_spacy_model('en')\nexcept SpacyModelMissing as exc:\n    print('E941 ->', exc)\n"
        "try:\n    load_spacy_model('models/ner')\nexcept SpacyModelMissing as exc:\n    print('path ->', exc)\n"
        "try:\n    load_spacy_model('v2_model')\nexcept SpacyModelMissing:\n    print('wrongly explained')\n"
        "except OSError as exc:\n    print('passed through ->', exc)\n"
    )
    result = run_python(check, cwd=tmp_path, path=[site, tmp_path])
    assert result.returncode == 0, result.stderr
    assert f"E941 -> spaCy pipeline 'en_core_web_sm' is not installed in {sys.executable}" in result.stdout
    assert (
        f"path -> spaCy pipeline folder {str(tmp_path / 'models' / 'ner')!r} does not exist" in result.stdout
    )
    assert "passed through -> [E053] Could not read config file from" in result.stdout
    assert "wrongly explained" not in result.stdout

    # once Option 1 installed the pipeline, the helper just loads it
    (tmp_path / "ensure_spacy_model.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    run_python(
        "from ensure_spacy_model import ensure\nensure('en_core_web_sm')\n",
        cwd=tmp_path,
        path=[site, tmp_path],
        env=_env(tmp_path),
    )
    loaded = run_python(helper, cwd=tmp_path, path=site)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith("loaded en_core_web_sm 3.8.0 with ['tok2vec'")
