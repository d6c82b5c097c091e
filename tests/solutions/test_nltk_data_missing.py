"""Verified fix for solutions/nltk-data-missing.md.

nltk is not a project dependency, so it is a small fake in tmp_path. Its `nltk/data.py` builds
`nltk.data.path` as the real module does (NLTK_DATA, read once at import, then ~/nltk_data and the
system folders) and its `find()` raises the LookupError whose message is copied word for word from
nltk 3.10.4 `nltk/data.py` `find()` (the "Resource 'X' not found." branch, the "Refused, writable by
other accounts" section with its RuntimeWarning, and the "Searched in:" list; the search itself is
reduced to plain folders). `sent_tokenize` asks for `tokenizers/punkt_tab/{language}/` and `pos_tag`
for `taggers/averaged_perceptron_tagger_eng/`, as nltk 3.9+ `tokenize/punkt.py` and `tag/perceptron.py`
do. `nltk.downloader.Downloader.download` copies a package from a local folder (FAKE_NLTK_SERVER) or,
without one, prints the `[nltk_data] Error loading X: <urlopen error ...>` line and returns False, as
the real downloader does offline. The older message formats (nltk 3.8.1 with ANSI colours, nltk 3.2.4
with a resource path) are built by their own copied code. The tests reproduce the error, then run the
entry's Option 1 script: as a command, from a pasted error, and as `call_with_nltk_data` in code.
"""

import os
import stat
import textwrap
from pathlib import Path

from fake_site import write_files
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "nltk-data-missing"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

DATA = """
import os
import sys
import textwrap
import warnings

path = []
_paths_from_env = os.environ.get("NLTK_DATA", "").split(os.pathsep)
path += [os.path.expanduser(d) for d in _paths_from_env if d]
if os.path.expanduser("~/") != "~/":
    path.append(os.path.expanduser("~/nltk_data"))
path += [
    os.path.join(sys.prefix, "nltk_data"),
    "/usr/share/nltk_data",
    "/usr/local/share/nltk_data",
]


def textwrap_indent(text, prefix="  "):
    return textwrap.indent(text, prefix)


def find(resource_name, paths=None):
    if paths is None:
        paths = path
    _refused_writable = []

    def _note_refused(where):
        if where not in _refused_writable:
            _refused_writable.append(where)
            warnings.warn(
                "NLTK will not read data from %r: it is writable by, or owned "
                "by, another account, so a planted or rewritten file would be "
                "loaded as trusted data. Make it private to its owner "
                "(chmod go-w)." % (where,),
                RuntimeWarning,
                stacklevel=3,
            )

    for path_ in paths:
        if path_ and os.path.isdir(path_):
            if os.stat(path_).st_mode & 0o022:
                _note_refused(path_)
                continue
            p = os.path.join(path_, resource_name)
            if os.path.exists(p):
                return p

    # Identify the package (i.e. the .zip file) to download.
    parts = resource_name.split("/")
    resource_zipname = parts[1] if len(parts) > 1 else parts[0]
    if resource_zipname.endswith(".zip"):
        resource_zipname = resource_zipname.rpartition(".")[0]

    msg = (
        f"Resource '{resource_zipname}' not found.\\n"
        "Please use the NLTK Downloader to obtain the resource:\\n\\n"
        ">>> import nltk\\n"
        f">>> nltk.download('{resource_zipname}')\\n"
    )
    msg = textwrap_indent(msg)

    msg += "\\n  For more information see: https://www.nltk.org/data.html\\n"

    msg += f"\\n  Attempted to load '{resource_name}'\\n"

    if _refused_writable:
        msg += (
            "\\n  Refused, writable by other accounts (a file planted or"
            + ("\\n  rewritten there would be loaded as trusted data):")
            + "".join("\\n    - %r" % d for d in _refused_writable)
        )
        msg += (
            "\\n  Make each one private to its owner, e.g.:"
            + "".join("\\n    chmod go-w %r" % d for d in _refused_writable)
            + "\\n  then download the packages it holds again (force=True): a"
            + "\\n  file changed while it was writable keeps the change.\\n"
        )

    msg += "\\n  Searched in:" + "".join("\\n    - %r" % d for d in paths)
    sep = "*" * 70
    resource_not_found = f"\\n{sep}\\n{msg}\\n{sep}\\n"
    raise LookupError(resource_not_found)
"""

DOWNLOADER = """
import os
import shutil
import sys


class Downloader:
    def download(self, info_or_id=None, download_dir=None, quiet=False, force=False,
                 prefix="[nltk_data] ", halt_on_error=True, raise_on_error=False, print_error_to=sys.stderr):
        server = os.environ.get("FAKE_NLTK_SERVER")
        if not server:
            print(f"{prefix}Error loading {info_or_id}: <urlopen error [Errno -3] Temporary failure in name"
                  " resolution>", file=print_error_to)
            return False
        for subdir in ("tokenizers", "taggers", "corpora"):
            src = os.path.join(server, subdir, info_or_id)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(download_dir, subdir, info_or_id), dirs_exist_ok=True)
                return True
        print(f"{prefix}Error loading {info_or_id}: Package {info_or_id!r} not found in index", file=print_error_to)
        return False


_downloader = Downloader()
download = _downloader.download
"""

INIT = """
__version__ = "3.10.4"
from . import data, downloader
from .downloader import download


def sent_tokenize(text, language="english"):
    data.find(f"tokenizers/punkt_tab/{language}/")
    return [part for part in text.split(". ") if part]


def pos_tag(tokens, lang="eng"):
    data.find(f"taggers/averaged_perceptron_tagger_{lang}/")
    return [(token, "NN") for token in tokens]
"""

# nltk 3.8.1 data.py find(), the message part, word for word (ANSI colours included).
MESSAGE_3_8_1 = """
import textwrap
resource_name = "tokenizers/punkt/PY3/english.pickle"
resource_zipname = resource_name.split("/")[1]
paths = ["/root/nltk_data", "/usr/share/nltk_data"]
msg = str(
    "Resource \\33[93m{resource}\\033[0m not found.\\n"
    "Please use the NLTK Downloader to obtain the resource:\\n\\n"
    "\\33[31m"  # To display red text in terminal.
    ">>> import nltk\\n"
    ">>> nltk.download('{resource}')\\n"
    "\\033[0m"
).format(resource=resource_zipname)
msg = textwrap.indent(msg, "  ")
msg += "\\n  For more information see: https://www.nltk.org/data.html\\n"
msg += "\\n  Attempted to load \\33[93m{resource_name}\\033[0m\\n".format(resource_name=resource_name)
msg += "\\n  Searched in:" + "".join("\\n    - %r" % d for d in paths)
sep = "*" * 70
print("LookupError: " + f"\\n{sep}\\n{msg}\\n{sep}\\n")
"""

# nltk 3.2.4 data.py find(), the message part, word for word: a resource path, no package name.
MESSAGE_3_2_4 = """
import textwrap
resource_name = "tokenizers/punkt/PY3/english.pickle"
paths = ["/root/nltk_data"]
msg = textwrap.fill(
    'Resource %r not found.  Please use the NLTK Downloader to '
    'obtain the resource:  >>> nltk.download()' %
    (resource_name,), initial_indent='  ', subsequent_indent='  ',
    width=66)
msg += '\\n  Searched in:' + ''.join('\\n    - %r' % d for d in paths)
sep = '*' * 70
print("LookupError: " + '\\n%s\\n%s\\n%s' % (sep, msg, sep))
"""


def _site(tmp_path):
    files = {"nltk/__init__.py": INIT, "nltk/data.py": DATA, "nltk/downloader.py": DOWNLOADER}
    return write_files(tmp_path / "site", files)


def _server(tmp_path):
    """The packages the fake downloader can fetch, laid out as they unpack."""
    server = tmp_path / "server"
    for rel in (
        "tokenizers/punkt_tab/english/abbrev_types.txt",
        "tokenizers/punkt/PY3/english.pickle",
        "taggers/averaged_perceptron_tagger_eng/averaged_perceptron_tagger_eng.classes.json",
    ):
        (server / rel).parent.mkdir(parents=True, exist_ok=True)
        (server / rel).write_text("x\n", encoding="utf-8")
    return server


def _setup(tmp_path, fix_code):
    (tmp_path / "home").mkdir()
    (tmp_path / "nltk_data_fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    return _site(tmp_path)


def _env(tmp_path, **extra):
    env = {"HOME": str(tmp_path / "home"), "NLTK_DATA": None, "FAKE_NLTK_SERVER": None}
    env.update(extra)
    return env


def _flat(message: str) -> str:
    """The boxed message as one line, up to the 'Attempted to load' line (what the signatures quote)."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip() and not ln.startswith("*")]
    end = next(i for i, ln in enumerate(lines) if ln.startswith("Attempted to load"))
    return " ".join(lines[: end + 1])


def test_reproduces_the_lookup_error_the_entry_quotes(fix_code, tmp_path):
    site = _setup(tmp_path, fix_code)
    result = run_python(
        "import nltk\nnltk.sent_tokenize('Hello there. Bye.')\n", cwd=tmp_path, path=site, env=_env(tmp_path)
    )
    assert result.returncode != 0
    assert "nltk/data.py" in result.stderr
    message = result.stderr.split("LookupError:", 1)[1]
    assert f"    - '{tmp_path / 'home' / 'nltk_data'}'" in message
    entry = parse_entry(ENTRY)
    assert "LookupError: " + _flat(message) in entry.errors
    # the same error text for pos_tag, under the package name of nltk 3.9+
    tagged = run_python("import nltk\nnltk.pos_tag(['hello'])\n", cwd=tmp_path, path=site, env=_env(tmp_path))
    assert "LookupError: " + _flat(tagged.stderr.split("LookupError:", 1)[1]) in entry.errors


def test_option1_call_with_nltk_data_downloads_what_the_error_names(fix_code, tmp_path):
    site = _setup(tmp_path, fix_code)
    data = tmp_path / "data"  # NLTK_DATA names a folder that does not exist yet
    code = textwrap.dedent(
        """
        import os

        import nltk
        from nltk_data_fix import call_with_nltk_data


        def disabled(*args, **kwargs):  # what unstructured 0.15 does to nltk.download
            raise ValueError("NLTK download disabled. See CVE-2024-39705")


        nltk.download = disabled
        tags = call_with_nltk_data(lambda: nltk.pos_tag(nltk.sent_tokenize("Hello there. Bye.")))
        print("tags:", tags)
        print("on path:", nltk.data.path.count(os.environ["NLTK_DATA"]))
        """
    )
    env = _env(tmp_path, NLTK_DATA=str(data), FAKE_NLTK_SERVER=str(_server(tmp_path)))
    result = run_python(code, cwd=tmp_path, path=[site, tmp_path], env=env)
    assert result.returncode == 0, result.stderr
    assert "tags: [('Hello there', 'NN'), ('Bye.', 'NN')]" in result.stdout
    assert "on path: 1" in result.stdout
    assert (data / "tokenizers/punkt_tab/english/abbrev_types.txt").is_file()
    assert (data / "taggers/averaged_perceptron_tagger_eng").is_dir()
    assert not (data / "tokenizers/punkt").exists()  # only what the errors named
    assert stat.S_IMODE(os.stat(data).st_mode) & 0o022 == 0


def test_option1_reads_the_package_from_older_error_texts(fix_code, tmp_path):
    site = _setup(tmp_path, fix_code)
    server = _server(tmp_path)
    for n, maker in enumerate((MESSAGE_3_8_1, MESSAGE_3_2_4)):
        text = run_python(maker).stdout
        assert "not found" in text
        (tmp_path / f"error{n}.txt").write_text(text, encoding="utf-8")
        data = tmp_path / f"data{n}"
        result = run_python(
            "import runpy, sys\n"
            f"sys.argv = ['nltk_data_fix.py', '--from-error', 'error{n}.txt']\n"
            "runpy.run_path('nltk_data_fix.py', run_name='__main__')\n",
            cwd=tmp_path,
            path=site,
            env=_env(tmp_path, NLTK_DATA=str(data), FAKE_NLTK_SERVER=str(server)),
        )
        assert result.returncode == 0, result.stderr
        assert f"installed punkt into {data}" in result.stdout
        assert (data / "tokenizers/punkt/PY3/english.pickle").is_file()


def test_option1_fails_loudly_offline(fix_code, tmp_path):
    site = _setup(tmp_path, fix_code)
    command = run_python(
        "import runpy, sys\n"
        "sys.argv = ['nltk_data_fix.py', 'punkt_tab']\n"
        "runpy.run_path('nltk_data_fix.py', run_name='__main__')\n",
        cwd=tmp_path,
        path=site,
        env=_env(tmp_path),
    )
    assert command.returncode == 1
    assert "[nltk_data] Error loading punkt_tab: <urlopen error" in command.stderr
    assert "could not download NLTK package 'punkt_tab'" in command.stderr
    assert "Traceback" not in command.stderr
    in_code = run_python(
        "import nltk\nfrom nltk_data_fix import call_with_nltk_data\n"
        "call_with_nltk_data(nltk.sent_tokenize, 'Hi. Bye.')\n",
        cwd=tmp_path,
        path=[site, tmp_path],
        env=_env(tmp_path),
    )
    assert in_code.returncode != 0
    assert (
        in_code.stderr.strip()
        .splitlines()[-1]
        .startswith("RuntimeError: could not download NLTK package 'punkt_tab'")
    )


def test_option1_leaves_other_lookup_errors_and_refused_folders_alone(fix_code, tmp_path):
    site = _setup(tmp_path, fix_code)
    server = _server(tmp_path)
    data = tmp_path / "data"
    codec = run_python(
        "import codecs\nfrom nltk_data_fix import call_with_nltk_data\n"
        "call_with_nltk_data(codecs.lookup, 'xyz')\n",
        cwd=tmp_path,
        path=[site, tmp_path],
        env=_env(tmp_path, NLTK_DATA=str(data), FAKE_NLTK_SERVER=str(server)),
    )
    assert codec.stderr.strip().splitlines()[-1] == "LookupError: unknown encoding: xyz"
    assert not data.exists()

    # nltk 3.10.4: the data is there, in a folder other accounts can write to
    shared = tmp_path / "shared"
    (shared / "tokenizers/punkt_tab/english").mkdir(parents=True)
    shared.chmod(0o777)
    refused = run_python(
        "import nltk\nfrom nltk_data_fix import call_with_nltk_data\n"
        "call_with_nltk_data(nltk.sent_tokenize, 'Hi. Bye.')\n",
        cwd=tmp_path,
        path=[site, tmp_path],
        env=_env(tmp_path, NLTK_DATA=str(shared)),
    )
    assert "RuntimeWarning: NLTK will not read data from" in refused.stderr
    assert "Refused, writable by other accounts" in refused.stderr
    assert (
        refused.stderr.strip()
        .splitlines()[-1]
        .startswith("RuntimeError: NLTK found the data but will not read it")
    )
    assert "[nltk_data]" not in refused.stderr  # no download was tried


def test_option1_without_arguments_only_reports(fix_code, tmp_path):
    site = _setup(tmp_path, fix_code)
    result = run_python(
        "import runpy, sys\nsys.argv = ['nltk_data_fix.py']\n"
        "runpy.run_path('nltk_data_fix.py', run_name='__main__')\n",
        cwd=tmp_path,
        path=site,
        env=_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "punkt_tab: missing" in result.stdout
    assert f"search path: ['{tmp_path / 'home' / 'nltk_data'}'" in result.stdout
