"""Verified fixes for solutions/tesseract-language-data-missing.md: Tesseract runs but cannot load a language.

Neither the tesseract program nor pytesseract is part of the project's setup, so the tests write both into tmp_path:
- a fake `tesseract` executable that resolves its data folder the way Tesseract 5 does (`--tessdata-dir`, else
  TESSDATA_PREFIX taken as the tessdata folder itself, else the folder built in) and prints the stderr lines the real
  tesseract 5.3.0 (Debian 12, tesseract-ocr 5.3.0-2) printed for a missing `<code>.traineddata`, for `--oem 0` on
  LSTM-only data, and the `--list-langs` listing with its folder; a language file has the real file's table of
  contents (a count, then one offset per component, -1 for an absent one; `_traineddata`), and the legacy
  components 1 and 3 only where the real file has them (not in the Debian, Homebrew and tessdata_fast files); a
  file without that table (HTML, empty) fails with `Error opening data file`, as a 45-byte HTML file did in 5.3.0;
- a fake `pytesseract` with the shape of pytesseract 0.3.13 (`pytesseract.pytesseract.tesseract_cmd`,
  TesseractError/TesseractNotFoundError, get_errors, run_tesseract building `tesseract IMAGE OUTBASE -l LANG
  <config> txt` and raising TesseractError(returncode, stderr lines joined by spaces), get_languages from
  `--list-langs`), so the error is raised from the same code path.
Each error is reproduced in a child interpreter and matched against the entry's signatures and the matcher; then the
entry's own Option 1-4 code runs against the same fakes and fixes it (Option 3 downloads from a local HTTP server).
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from answers import assert_answers
from entry_blocks import option_blocks
from fake_http import QuietHandler, serving
from fake_site import write_files
from pyrun import last_line, run_args, run_python, script_names

SLUG = "tesseract-language-data-missing"
REAL_DIR = "/usr/share/tesseract-ocr/5/tessdata/"  # where the real run looked (Debian 12)

FAKE_TESSERACT = r'''#!{python}
"""A stand-in for tesseract 5.3.0: the data folder rules and the messages of the real program."""
import os
import sys

BUILT_IN = {built_in!r}
args = sys.argv[1:]


def option(name, default=None):
    if name in args:
        i = args.index(name)
        value = args[i + 1]
        del args[i : i + 2]
        return value
    return default


def loadable(path):
    """What tesseract 5.3.0 does with a file: None when it cannot read it, else its component numbers."""
    with open(path, "rb") as f:
        data = f.read()
    count = int.from_bytes(data[:4], "little")
    if not 0 < count <= 1000 or len(data) <= 4 + 8 * count:
        return None
    offsets = [int.from_bytes(data[4 + 8 * i : 12 + 8 * i], "little", signed=True) for i in range(count)]
    return {{i for i, offset in enumerate(offsets) if offset != -1}}


datadir = option("--tessdata-dir") or os.environ.get("TESSDATA_PREFIX") or BUILT_IN
if not datadir.endswith(("/", "\\")):
    datadir += "/"
if args == ["--version"]:
    version = os.environ.get("FAKE_TESSERACT_VERSION", "5.3.0")
    # 3.x printed its version on stderr
    print(f"tesseract {{version}}\n leptonica-1.82.0", file=sys.stderr if version.startswith("3.") else sys.stdout)
    sys.exit(0)
if args == ["--list-langs"]:
    langs = sorted(n[: -len(".traineddata")] for n in os.listdir(datadir) if n.endswith(".traineddata")) if os.path.isdir(datadir) else []
    print(f'List of available languages in "{{datadir}}" ({{len(langs)}}):')
    print("\n".join(langs))
    sys.exit(0)
image, outbase = args[0], args[1]
lang = option("-l", "eng")
oem = option("--oem", "3")
option("--psm")
loaded = []
for code in lang.split("+"):
    path = datadir + code + ".traineddata"
    parts = loadable(path) if os.path.isfile(path) else None
    if parts is None:
        sys.stderr.write(f"Error opening data file {{path}}\n")
        sys.stderr.write('Please make sure the TESSDATA_PREFIX environment variable is set to your "tessdata" directory.\n')
        sys.stderr.write(f"Failed loading language '{{code}}'\n")
    elif oem in ("0", "2") and not {{1, 3}} <= parts:
        sys.stderr.write(f"Error: Tesseract (legacy) engine requested, but components are not present in {{path}}!!\n")
        sys.stderr.write(f"Failed loading language '{{code}}'\n")
    else:
        loaded.append(code)
if not loaded:
    sys.stderr.write("Tesseract couldn't load any languages!\nCould not initialize tesseract.\n")
    sys.exit(1)
text = "Hello World 123 [" + "+".join(loaded) + "]\n"
if outbase == "-":
    sys.stdout.write(text)
else:
    with open(outbase + ".txt", "w") as out:
        out.write(text)
'''


def _traineddata(legacy: bool = False, lstm: bool = True) -> bytes:
    """A file with the layout of a real .traineddata: a count of 24, 24 offsets (-1: component absent), the parts.
    Legacy models are components 1 (unicharset) and 3 (inttemp), the LSTM model 17 (tessdatamanager.h)."""
    present = ([1, 3] if legacy else []) + ([17, 21] if lstm else [])
    offsets, body, start = [-1] * 24, b"", 4 + 8 * 24
    for number in present:
        offsets[number] = start + len(body)
        body += b"legacy model " if number in (1, 3) else b"lstm model "
    return (24).to_bytes(4, "little") + b"".join(o.to_bytes(8, "little", signed=True) for o in offsets) + body


# pytesseract 0.3.13's code path, trimmed to what the tests call
PYTESSERACT = {
    "pytesseract/__init__.py": """
        from .pytesseract import TesseractError, TesseractNotFoundError, get_languages
        from .pytesseract import get_tesseract_version, image_to_string

        __version__ = "0.3.13"
    """,
    "pytesseract/pytesseract.py": """
        import shlex
        import subprocess
        import sys
        import tempfile
        from errno import ENOENT
        from os import extsep, remove
        from pathlib import Path

        tesseract_cmd = "tesseract"
        DEFAULT_ENCODING = "utf-8"


        class TesseractError(RuntimeError):
            def __init__(self, status, message):
                self.status = status
                self.message = message
                self.args = (status, message)


        class TesseractNotFoundError(EnvironmentError):
            def __init__(self):
                super().__init__(
                    f"{tesseract_cmd} is not installed or it's not in your PATH. See README file for more information."
                )


        def get_errors(error_string):
            return " ".join(line for line in error_string.decode(DEFAULT_ENCODING).splitlines()).strip()


        def run_tesseract(input_filename, output_filename_base, extension, lang, config="", nice=0, timeout=0):
            not_windows = not (sys.platform == "win32")
            cmd_args = [tesseract_cmd, input_filename, output_filename_base]
            if lang is not None:
                cmd_args += ("-l", lang)
            if config:
                cmd_args += shlex.split(config, posix=not_windows)
            for _extension in extension.split():
                if _extension not in {"box", "osd", "tsv", "xml"}:
                    cmd_args.append(_extension)
            try:
                proc = subprocess.Popen(cmd_args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            except OSError as e:
                if e.errno != ENOENT:
                    raise
                raise TesseractNotFoundError()
            error_string = proc.communicate(timeout=timeout or None)[1]
            if proc.returncode:
                raise TesseractError(proc.returncode, get_errors(error_string))


        def image_to_string(image, lang=None, config="", nice=0, output_type="string", timeout=0):
            with tempfile.TemporaryDirectory() as tmp:
                if isinstance(image, (str, Path)):
                    input_filename = str(image)
                else:
                    input_filename = str(Path(tmp, "input.PNG"))
                    image.save(input_filename)
                temp_name = str(Path(tmp, "out"))
                run_tesseract(input_filename, temp_name, "txt", lang, config, nice, timeout)
                return Path(f"{temp_name}{extsep}txt").read_text()


        def get_languages(config=""):
            cmd_args = [tesseract_cmd, "--list-langs"]
            if config:
                cmd_args += shlex.split(config)
            try:
                result = subprocess.run(cmd_args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            except OSError:
                raise TesseractNotFoundError()
            if result.returncode not in (0, 1):
                raise TesseractNotFoundError()
            return [
                line.strip()
                for line in result.stdout.decode(DEFAULT_ENCODING).splitlines()
                if line.strip() and " " not in line.strip()
            ]


        def get_tesseract_version():
            out = subprocess.run([tesseract_cmd, "--version"], stdout=subprocess.PIPE).stdout.decode()
            return out.split()[1]
    """,
}


@pytest.fixture
def ocr(tmp_path):
    """(site with pytesseract, env with the fake tesseract first on PATH, its built-in tessdata folder)."""
    tessdata = tmp_path / "share" / "tesseract-ocr" / "5" / "tessdata"
    tessdata.mkdir(parents=True)
    (tessdata / "eng.traineddata").write_bytes(_traineddata())  # `apt-get install tesseract-ocr`: LSTM only
    (tessdata / "osd.traineddata").write_bytes(_traineddata(legacy=True, lstm=False))  # osd: legacy only
    (tessdata / "configs").mkdir()
    (tessdata / "configs" / "txt").write_text("tessedit_create_txt 1\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "tesseract"
    exe.write_text(FAKE_TESSERACT.format(python=sys.executable, built_in=str(tessdata)))
    exe.chmod(0o755)
    site = write_files(tmp_path / "site", PYTESSERACT)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "TESSDATA_PREFIX": None}
    return site, env, tessdata


def _ocr_call(lang: str, config: str = "") -> str:
    return textwrap.dedent(
        f"""
        import pytesseract
        from PIL import Image

        print(pytesseract.image_to_string(Image.new("RGB", (40, 20), "white"), lang={lang!r}, config={config!r}))
        """
    )


def _as_real(text: str, tessdata: Path) -> str:
    return text.replace(f"{tessdata}/", REAL_DIR)


def test_reproduces_the_errors_as_pytesseract_raises_them(ocr, entry, index, tmp_path):
    site, env, tessdata = ocr
    ok = run_python(_ocr_call("eng"), path=site, env=env, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "Hello World 123 [eng]" in ok.stdout

    missing = run_python(_ocr_call("chi_sim"), path=site, env=env, cwd=tmp_path)
    assert "pytesseract/pytesseract.py" in missing.stderr
    line = _as_real(last_line(missing), tessdata)
    assert line == (
        "pytesseract.pytesseract.TesseractError: (1, 'Error opening data file "
        "/usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata Please make sure the TESSDATA_PREFIX environment "
        "variable is set to your \"tessdata\" directory. Failed loading language \\'chi_sim\\' Tesseract couldn\\'t "
        "load any languages! Could not initialize tesseract.')"
    )
    assert line in entry.errors
    assert_answers(index, SLUG, _as_real(missing.stderr, tessdata))

    # TESSDATA_PREFIX set to the parent of tessdata (the 3.x rule): the path in the message lacks tessdata
    parent = run_python(
        _ocr_call("eng"), path=site, env={**env, "TESSDATA_PREFIX": str(tessdata.parent)}, cwd=tmp_path
    )
    assert f"Error opening data file {tessdata.parent}/eng.traineddata" in last_line(parent)
    assert_answers(index, SLUG, parent.stderr)

    # the legacy engine on LSTM-only data
    legacy = run_python(_ocr_call("eng", "--oem 0"), path=site, env=env, cwd=tmp_path)
    line = _as_real(last_line(legacy), tessdata)
    assert line in entry.errors
    assert_answers(index, SLUG, legacy.stderr)

    # one of two languages missing: tesseract goes on, pytesseract raises nothing
    partial = run_python(_ocr_call("eng+deu"), path=site, env=env, cwd=tmp_path)
    assert partial.returncode == 0, partial.stderr
    assert "[eng]" in partial.stdout


def test_option1_names_the_missing_packs_and_the_right_codes(ocr, tmp_path):
    site, env, tessdata = ocr
    (shell, install), (python, code) = option_blocks(SLUG, 1)
    assert (shell, python) == ("bash", "python")
    assert "sudo apt-get install -y tesseract-ocr-chi-sim" in install
    script = tmp_path / "tess_langs.py"
    script.write_text(code, encoding="utf-8")

    before = run_args([str(script), "zh+en+de"], site, tmp_path, env=env)
    assert before.returncode == 1, before.stderr
    assert f"tesseract reads {tessdata}/ and has: eng, osd" in before.stdout
    assert "missing chi_sim: sudo apt-get install -y tesseract-ocr-chi-sim" in before.stdout
    assert "missing deu: sudo apt-get install -y tesseract-ocr-deu" in before.stdout
    assert "use lang='chi_sim+eng+deu'" in before.stdout

    # what `apt-get install tesseract-ocr-chi-sim` does: one more file in the same folder
    (tessdata / "chi_sim.traineddata").write_bytes(_traineddata())
    after = run_args([str(script), "zh+en"], site, tmp_path, env=env)
    assert after.returncode == 0, after.stdout + after.stderr
    assert not [line for line in after.stdout.splitlines() if line.startswith("missing ")]

    use = "import tess_langs, pytesseract\nprint(pytesseract.image_to_string('x.png', lang=tess_langs.tesseract_lang('zh+en')))\n"
    done = run_python(use, path=[site, tmp_path], env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Hello World 123 [chi_sim+eng]" in done.stdout

    # a wrong folder shows up as no language at all; no program at all is not this entry
    wrong = run_args(
        [str(script), "eng"], site, tmp_path, env={**env, "TESSDATA_PREFIX": str(tessdata.parent)}
    )
    assert "has: NOTHING" in wrong.stdout and "the folder is wrong" in wrong.stdout
    gone = run_args([str(script)], site, tmp_path, env={**env, "PATH": str(tmp_path / "nowhere")})
    assert gone.returncode == 0 and "tesseract program itself is not found" in gone.stdout


def test_option2_points_tesseract_at_the_folder_itself(ocr, fix_code, tmp_path):
    site, env, _tessdata = ocr
    own = tmp_path / "data" / "tessdata"
    own.mkdir(parents=True)
    for code in ("eng", "chi_sim"):
        (own / f"{code}.traineddata").write_bytes(_traineddata())
    script = tmp_path / "use_tessdata.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")

    # the parent folder in TESSDATA_PREFIX is what fails; the helper skips it and sets the folder itself
    broken = {**env, "TESSDATA_PREFIX": str(own.parent)}
    assert run_python(_ocr_call("chi_sim+eng"), path=site, env=broken, cwd=tmp_path).returncode == 1
    fixed = run_args([str(script), "chi_sim+eng", str(own)], site, tmp_path, env=broken)
    assert fixed.returncode == 0, fixed.stderr
    assert f"TESSDATA_PREFIX={own}" in fixed.stdout
    assert "tesseract loaded chi_sim+eng" in fixed.stdout

    none = run_args([str(script), "deu", str(own)], site, tmp_path, env=env)
    assert none.returncode == 1 and "no folder holds all of deu" in none.stdout

    # the same folder per call, as the entry shows it
    per_call = run_python(_ocr_call("chi_sim", f'--tessdata-dir "{own}"'), path=site, env=env, cwd=tmp_path)
    assert "Hello World 123 [chi_sim]" in per_call.stdout, per_call.stderr


class _Traineddata(QuietHandler):
    def do_GET(self):
        if self.path.endswith("/chi_sim.traineddata"):
            self.reply(_traineddata())
        else:
            self.send_error(404)


def test_option3_builds_a_folder_of_its_own(ocr, fix_code, tmp_path, monkeypatch):
    site, env, tessdata = ocr
    monkeypatch.setenv("PATH", env["PATH"])  # system_tessdata() asks the (fake) tesseract where its data is
    with serving(_Traineddata) as url:
        base = f"{url}/tessdata_fast/raw/4.1.0"
        build = script_names(fix_code(SLUG, 3))["build_tessdata"]
        folder = build("chi_sim+eng", str(tmp_path / "mine"), base_url=base)
        with pytest.raises(Exception, match="404"):
            build("zh", str(tmp_path / "mine"), base_url=base)
    names = sorted(p.name for p in Path(folder).iterdir())
    assert names == ["chi_sim.traineddata", "configs", "eng.traineddata", "osd.traineddata"]
    assert not (tessdata / "chi_sim.traineddata").exists()  # the system folder is left alone
    fixed = run_python(
        _ocr_call("chi_sim+eng"), path=site, env={**env, "TESSDATA_PREFIX": folder}, cwd=tmp_path
    )
    assert fixed.returncode == 0, fixed.stderr
    assert "Hello World 123 [chi_sim+eng]" in fixed.stdout


def test_option4_uses_the_lstm_engine(ocr, fix_code, tmp_path):
    site, env, _tessdata = ocr
    (tmp_path / "scan.png").write_bytes(b"")
    code = fix_code(SLUG, 4)
    assert "--oem 1" in code
    wrong = run_python(code.replace("--oem 1", "--oem 0"), path=site, env=env, cwd=tmp_path)
    assert "Tesseract (legacy) engine requested" in last_line(wrong)
    fixed = run_python(code + "print(text)\n", path=site, env=env, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert "Hello World 123 [eng]" in fixed.stdout


def test_option1_empty_lang_and_a_wrong_folder_give_no_bogus_install_command(ocr, tmp_path):
    """The old script printed `missing : sudo apt-get install -y tesseract-ocr-` for an empty LANG, and install
    commands for eng (which is installed) right after saying the folder is wrong."""
    site, env, _tessdata = ocr
    script = tmp_path / "tess_langs.py"
    script.write_text(option_blocks(SLUG, 1)[1][1], encoding="utf-8")
    empty = run_args([str(script), ""], site, tmp_path, env=env)
    assert "missing " not in empty.stdout and "use lang='eng'" in empty.stdout, empty.stdout
    assert empty.returncode == 0, empty.stdout + empty.stderr
    wrong = run_args(
        [str(script), "eng"], site, tmp_path, env={**env, "TESSDATA_PREFIX": str(tmp_path / "nowhere")}
    )
    assert "the folder is wrong" in wrong.stdout
    assert "apt-get" not in wrong.stdout, wrong.stdout
    assert wrong.returncode == 1


def test_option2_checks_that_tesseract_loads_the_folder_and_says_why_not(ocr, fix_code, tmp_path):
    """The old helper took the first folder with a file of each name: a 0-byte or HTML file (a failed download)
    won over a good folder further down, it set a relative TESSDATA_PREFIX, took '' as a language, and told
    Tesseract 3.x (whose TESSDATA_PREFIX is the parent folder) to use the tessdata folder itself."""
    site, env, _tessdata = ocr
    script = tmp_path / "use_tessdata.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")
    broken = tmp_path / "broken" / "tessdata"
    broken.mkdir(parents=True)
    (broken / "eng.traineddata").write_bytes(_traineddata())
    (broken / "chi_sim.traineddata").write_bytes(b"<!DOCTYPE html><html>GitHub</html>\n")
    good = tmp_path / "good" / "tessdata"
    good.mkdir(parents=True)
    for code in ("eng", "chi_sim"):
        (good / f"{code}.traineddata").write_bytes(_traineddata())
    work = tmp_path / "work"
    work.mkdir()
    picked = run_args(
        [str(script), "chi_sim+eng", "../broken/tessdata", "../good/tessdata"], site, work, env=env
    )
    assert picked.returncode == 0, picked.stdout + picked.stderr
    assert f"TESSDATA_PREFIX={good}" in picked.stdout  # absolute, and not the folder with the HTML file
    assert "tesseract loaded chi_sim+eng" in picked.stdout

    # a code no folder of this machine holds (the real /usr/share/tesseract-ocr/5/tessdata is a candidate too)
    (broken / "qaa.traineddata").write_bytes(b"")  # a download that stopped before the first byte
    only_broken = run_args([str(script), "qaa", str(broken)], site, tmp_path, env=env)
    assert only_broken.returncode == 1
    assert f"{broken}: tesseract cannot load it: Error opening data file" in only_broken.stdout, (
        only_broken.stdout
    )
    assert "lacks qaa" in only_broken.stdout  # the built-in folder, named with its reason

    empty = run_args([str(script), ""], site, tmp_path, env=env)
    assert "tesseract loaded eng" in empty.stdout, empty.stdout + empty.stderr

    old = run_args(
        [str(script), "eng", str(good)], site, tmp_path, env={**env, "FAKE_TESSERACT_VERSION": "3.05.02"}
    )
    assert old.returncode == 1 and "PARENT of tessdata" in old.stdout, old.stdout
    assert "TESSDATA_PREFIX=" not in old.stdout


class _Packs(QuietHandler):
    """tessdata_fast (LSTM only), tessdata (legacy too, but not for Indic scripts), an HTML page, a cut file."""

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        if "/html/" in self.path:
            self.reply(b"<!DOCTYPE html><html><body>Sign in to continue</body></html>\n")
        elif "/cut/" in self.path:
            body = _traineddata()
            self.send_response(200)
            self.send_header("content-length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body)  # then the connection closes: 1000 bytes short
            self.close_connection = True
        elif "/tessdata/" in self.path and name in ("eng.traineddata", "chi_sim.traineddata"):
            self.reply(_traineddata(legacy=True))
        elif name in (
            "eng.traineddata",
            "chi_sim.traineddata",
            "deu.traineddata",
            "hin.traineddata",
            "Latin.traineddata",
        ):
            self.reply(_traineddata())
        else:
            self.send_error(404)


@pytest.fixture
def packs():
    with serving(_Packs) as url:
        yield url


def test_option3_never_overwrites_and_keeps_only_whole_valid_files(
    ocr, fix_code, tmp_path, monkeypatch, packs
):
    """The old script copied the whole system folder over the target (the user's own eng.traineddata replaced
    without a word), crashed on a wrong TESSDATA_PREFIX (the very case of this entry) and when the target was the
    folder tesseract reads, saved any 200 answer (an HTML page) as a .traineddata, and wrote through a shared
    `<code>.part` name that a second run at the same time truncated and renamed away."""
    _site, env, tessdata = ocr
    monkeypatch.setenv("PATH", env["PATH"])
    build = script_names(fix_code(SLUG, 3))["build_tessdata"]
    fast = f"{packs}/tessdata_fast/raw/4.1.0"

    mine = tmp_path / "mine"
    mine.mkdir()
    own_model = _traineddata(legacy=True) + b"my fine-tuned eng"
    (mine / "eng.traineddata").write_bytes(own_model)
    (mine / "chi_sim.part").write_bytes(b"another run is writing this")
    build("chi_sim+eng", str(mine), base_url=fast)
    assert (mine / "eng.traineddata").read_bytes() == own_model  # not replaced by the system's copy
    assert (mine / "chi_sim.part").read_bytes() == b"another run is writing this"
    assert (mine / "chi_sim.traineddata").read_bytes() == _traineddata()
    assert (
        mine / "chi_sim.traineddata"
    ).stat().st_mode & 0o044 == 0o044  # readable by others, as a package's

    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path / "nowhere"))  # a wrong folder: this entry's case
    assert build("deu", str(tmp_path / "second"), base_url=fast)
    monkeypatch.delenv("TESSDATA_PREFIX")
    build("deu", str(tessdata), base_url=fast)  # into the folder tesseract reads itself
    assert (tessdata / "deu.traineddata").read_bytes() == _traineddata()

    # a script model lives in a subfolder (-l script/Latin); a code is never a path out of the folder
    build("script/Latin", str(mine), base_url=fast)
    assert (mine / "script" / "Latin.traineddata").read_bytes() == _traineddata()
    with pytest.raises(ValueError, match="not a Tesseract language code"):
        build("../../evil", str(mine), base_url=fast)

    for bad in ("html", "cut"):
        target = tmp_path / bad
        with pytest.raises(Exception, match=r"not a \.traineddata file|IncompleteRead"):
            build("chi_sim", str(target), base_url=f"{packs}/{bad}")
        assert not [p.name for p in target.iterdir() if p.name.startswith(("chi_sim", ".chi_sim"))]


def test_option3_legacy_fetches_legacy_data_and_option4_runs_on_it(ocr, fix_code, tmp_path, packs):
    """Option 4 sends a user who needs --oem 0 to Option 3 for the tessdata files. The old script copied the
    system's LSTM-only eng.traineddata first and then skipped the download, so --oem 0 still failed."""
    site, env, _tessdata = ocr
    code = (
        fix_code(SLUG, 3)
        .replace(
            "https://github.com/tesseract-ocr/tessdata_fast/raw/4.1.0", f"{packs}/tessdata_fast/raw/4.1.0"
        )
        .replace("https://github.com/tesseract-ocr/tessdata/raw/4.1.0", f"{packs}/tessdata/raw/4.1.0")
    )
    script = tmp_path / "get_tessdata.py"
    script.write_text(code, encoding="utf-8")
    folder = tmp_path / "legacy"
    done = run_args([str(script), "eng", str(folder), "--legacy"], site, tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    ocr_oem0 = run_python(_ocr_call("eng", "--oem 0"), path=site, env={**env, "TESSDATA_PREFIX": str(folder)})
    assert ocr_oem0.returncode == 0, ocr_oem0.stderr
    assert "Hello World 123 [eng]" in ocr_oem0.stdout
    assert f"export TESSDATA_PREFIX={folder}" in done.stdout  # shlex.quote: a plain path stays as it is

    # no legacy models upstream (Indic and Arabic scripts in tessdata): said, not saved
    hin = run_args([str(script), "hin", str(folder), "--legacy"], site, tmp_path, env=env)
    assert hin.returncode == 1 and "has no legacy-engine models" in hin.stderr, hin.stderr
    assert not (folder / "hin.traineddata").exists()
