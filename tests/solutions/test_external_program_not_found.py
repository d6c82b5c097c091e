"""Verified fix for solutions/external-program-not-found.md.

The project installs none of the wrapped libraries, so three of them are fakes in tmp_path whose
raising code is copied word for word from the released packages:
- pytesseract 0.3.13 pytesseract/pytesseract.py: `tesseract_cmd = 'tesseract'`, `TesseractNotFoundError`
  and `get_tesseract_version` (`subprocess.check_output([tesseract_cmd, '--version'], ...)`, OSError ->
  TesseractNotFoundError);
- pdf2image 1.17.0 pdf2image/pdf2image.py and exceptions.py: `_get_command_path` (poppler_path joined in
  front of the name) and `pdfinfo_from_path` (Popen of pdfinfo; OSError -> PDFInfoNotInstalledError,
  no `Pages` -> PDFPageCountError);
- openai-whisper 20250625 whisper/audio.py `load_audio` (`subprocess.run(["ffmpeg", "-nostdin", ...],
  capture_output=True, check=True)`; only CalledProcessError is caught), minus the numpy conversion.
Each runs in a child interpreter whose PATH is an empty folder (the program is "not installed") and
must end with the entry's signature. Then the entry's own check code runs: Option 1's `shutil.which`
loop and Option 3's preflight script must report the missing programs, and, once small fake programs
named tesseract, pdfinfo and ffmpeg sit in a folder on PATH, find them, and the three libraries work;
Option 2's explicit paths (tesseract_cmd, poppler_path) work with PATH still empty.
"""

import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "external-program-not-found"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fake programs are POSIX shell scripts")

PYTESSERACT = {
    "pytesseract/__init__.py": (
        "from .pytesseract import TesseractNotFoundError\nfrom .pytesseract import get_tesseract_version\n"
    ),
    "pytesseract/pytesseract.py": """
        import subprocess
        from os import environ

        tesseract_cmd = 'tesseract'
        DEFAULT_ENCODING = 'utf-8'


        class TesseractNotFoundError(EnvironmentError):
            def __init__(self):
                super().__init__(
                    f"{tesseract_cmd} is not installed or it's not in your PATH."
                    f' See README file for more information.',
                )


        def get_tesseract_version():
            try:
                output = subprocess.check_output(
                    [tesseract_cmd, '--version'],
                    stderr=subprocess.STDOUT,
                    env=environ,
                    stdin=subprocess.DEVNULL,
                )
            except OSError:
                raise TesseractNotFoundError()

            return output.decode(DEFAULT_ENCODING).split()[1]
        """,
}

PDF2IMAGE = {
    "pdf2image/__init__.py": "from .pdf2image import pdfinfo_from_path\n",
    "pdf2image/exceptions.py": """
        class PopplerNotInstalledError(Exception):
            pass


        class PDFInfoNotInstalledError(PopplerNotInstalledError):
            pass


        class PDFPageCountError(Exception):
            pass
        """,
    "pdf2image/pdf2image.py": """
        import os
        import platform
        from subprocess import PIPE, Popen

        from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError

        PDFINFO_CONVERT_TO_INT = ["Pages"]


        def _get_command_path(command, poppler_path=None):
            if platform.system() == "Windows":
                command = command + ".exe"

            if poppler_path is not None:
                command = os.path.join(poppler_path, command)

            return command


        def pdfinfo_from_path(pdf_path, poppler_path=None):
            try:
                command = [_get_command_path("pdfinfo", poppler_path), pdf_path]
                env = os.environ.copy()
                if poppler_path is not None:
                    env["LD_LIBRARY_PATH"] = poppler_path + ":" + env.get("LD_LIBRARY_PATH", "")
                proc = Popen(command, env=env, stdout=PIPE, stderr=PIPE)
                out, err = proc.communicate()

                d = {}
                for field in out.decode("utf8", "ignore").split("\\n"):
                    sf = field.split(":")
                    key, value = sf[0], ":".join(sf[1:])
                    if key != "":
                        d[key] = int(value.strip()) if key in PDFINFO_CONVERT_TO_INT else value.strip()

                if "Pages" not in d:
                    raise ValueError

                return d

            except OSError:
                raise PDFInfoNotInstalledError(
                    "Unable to get page count. Is poppler installed and in PATH?"
                )
            except ValueError:
                raise PDFPageCountError(
                    f"Unable to get page count.\\n{err.decode('utf8', 'ignore')}"
                )
        """,
}

WHISPER = {
    "whisper/__init__.py": "from .audio import load_audio\n",
    "whisper/audio.py": """
        from subprocess import CalledProcessError, run

        SAMPLE_RATE = 16000


        def load_audio(file, sr=SAMPLE_RATE):
            # fmt: off
            cmd = [
                "ffmpeg",
                "-nostdin",
                "-threads", "0",
                "-i", file,
                "-f", "s16le",
                "-ac", "1",
                "-acodec", "pcm_s16le",
                "-ar", str(sr),
                "-"
            ]
            # fmt: on
            try:
                out = run(cmd, capture_output=True, check=True).stdout
            except CalledProcessError as e:
                raise RuntimeError(f"Failed to load audio: {e.stderr.decode()}") from e

            return out  # the real one converts to a float32 numpy array here
        """,
}

# Stand-ins for the installed programs, printing what the libraries parse.
PROGRAMS = {
    "tesseract": 'echo "tesseract 5.3.4"',
    "pdfinfo": 'echo "Producer:       fake"; echo "Pages:          3"',
    "ffmpeg": "printf 'abcd'",
}

CALLS = {
    "pytesseract": "import pytesseract\nprint('version', pytesseract.get_tesseract_version())\n",
    "pdf2image": "from pdf2image import pdfinfo_from_path\nprint('pages', pdfinfo_from_path('scan.pdf')['Pages'])\n",
    "whisper": "import whisper\nprint('bytes', len(whisper.load_audio('audio.mp3')))\n",
}


def _site(tmp_path):
    site = tmp_path / "site"
    for rel, text in {**PYTESSERACT, **PDF2IMAGE, **WHISPER}.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return site


def _empty(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir(exist_ok=True)
    return str(empty)


def _bin(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    for name, body in PROGRAMS.items():
        program = folder / name
        program.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def _python_block(option):
    blocks = [code for language, code in option_blocks(SLUG, option) if language == "python"]
    assert blocks, f"Option {option} has no python block"
    return blocks[0]


@pytest.mark.parametrize(
    ("library", "printed", "signature"),
    [
        (
            "pytesseract",
            "pytesseract.pytesseract.TesseractNotFoundError: tesseract is not installed or it's not in your PATH."
            " See README file for more information.",
            # the entry quotes the part 0.3.4 and 0.3.6+ share: 0.3.4 printed no README sentence
            "pytesseract.pytesseract.TesseractNotFoundError: tesseract is not installed or it's not in your PATH.",
        ),
        (
            "pdf2image",
            "pdf2image.exceptions.PDFInfoNotInstalledError: Unable to get page count. Is poppler installed and in PATH?",
            "pdf2image.exceptions.PDFInfoNotInstalledError: Unable to get page count. Is poppler installed and in PATH?",
        ),
        (
            "whisper",
            "FileNotFoundError: [Errno 2] No such file or directory: 'ffmpeg'",
            "FileNotFoundError: [Errno 2] No such file or directory: 'ffmpeg'",
        ),
    ],
)
def test_reproduces_the_error_without_the_program(tmp_path, library, printed, signature):
    site = _site(tmp_path)
    result = run_python(CALLS[library], cwd=tmp_path, path=site, env={"PATH": _empty(tmp_path)})
    assert result.returncode != 0
    assert last_line(result) == printed
    assert printed.startswith(signature)
    assert signature in parse_entry(ENTRY).errors


def test_a_program_on_path_makes_the_libraries_work(tmp_path):
    site = _site(tmp_path)
    env = {"PATH": str(_bin(tmp_path))}
    out = "".join(run_python(code, cwd=tmp_path, path=site, env=env).stdout for code in CALLS.values())
    assert out.splitlines() == ["version 5.3.4", "pages 3", "bytes 4"]


def test_option2_explicit_paths_work_with_an_empty_path(tmp_path):
    site = _site(tmp_path)
    folder = _bin(tmp_path)
    code = textwrap.dedent(
        f"""
        import pytesseract
        pytesseract.pytesseract.tesseract_cmd = {str(folder / "tesseract")!r}
        print('version', pytesseract.get_tesseract_version())
        from pdf2image import pdfinfo_from_path
        print('pages', pdfinfo_from_path('scan.pdf', poppler_path={str(folder)!r})['Pages'])
        """
    )
    result = run_python(code, cwd=tmp_path, path=site, env={"PATH": _empty(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["version 5.3.4", "pages 3"]


def test_option1_check_names_missing_programs_and_finds_installed_ones(tmp_path):
    code = _python_block(1)
    missing = run_python(code, cwd=tmp_path, env={"PATH": _empty(tmp_path)})
    assert missing.returncode == 0, missing.stderr
    lines = missing.stdout.splitlines()
    assert len(lines) == 8
    assert all(f"NOT FOUND on the PATH of {sys.executable}" in line for line in lines)

    folder = _bin(tmp_path)
    found = run_python(code, cwd=tmp_path, env={"PATH": str(folder)})
    rows = {line.split()[0]: line.split(None, 1)[1] for line in found.stdout.splitlines()}
    assert rows["tesseract"] == str(folder / "tesseract")
    assert rows["pdfinfo"] == str(folder / "pdfinfo")
    assert rows["ffmpeg"] == str(folder / "ffmpeg")
    assert rows["dot"].startswith("NOT FOUND")


def test_option3_preflight_reports_every_missing_program(tmp_path):
    (tmp_path / "check_programs.py").write_text(_python_block(3), encoding="utf-8")
    wanted = ["tesseract", "pdfinfo", "ffmpeg"]

    missing = run_python(
        "import runpy; runpy.run_path('check_programs.py', run_name='__main__')",
        cwd=tmp_path,
        env={"PATH": _empty(tmp_path)},
        args=wanted,
    )
    assert missing.returncode == 1, missing.stderr
    out = missing.stdout
    assert "tesseract  MISSING, needed by pytesseract, unstructured; install: " in out
    assert "pdfinfo    MISSING, needed by pdf2image (poppler); install: " in out
    if sys.platform.startswith("linux"):
        assert "sudo apt-get install -y tesseract-ocr  (Debian/Ubuntu)" in out
        assert "sudo apt-get install -y poppler-utils  (Debian/Ubuntu)" in out
    assert out.rstrip().endswith(f"missing on the PATH of {sys.executable}: tesseract, pdfinfo, ffmpeg")

    folder = _bin(tmp_path)
    found = run_python(
        "import runpy; runpy.run_path('check_programs.py', run_name='__main__')",
        cwd=tmp_path,
        env={"PATH": str(folder)},
        args=wanted,
    )
    assert found.returncode == 0, found.stdout + found.stderr
    assert found.stdout.splitlines() == [f"{name:10} ok {folder / name}" for name in wanted]

    # no arguments: a report of the whole table, never a failing exit
    survey = run_python(
        "import runpy; runpy.run_path('check_programs.py', run_name='__main__')",
        cwd=tmp_path,
        env={"PATH": str(folder)},
    )
    assert survey.returncode == 0, survey.stderr
    assert f"ffmpeg     ok {folder / 'ffmpeg'}" in survey.stdout
    assert "dot        MISSING, needed by graphviz" in survey.stdout
    assert "missing on the PATH of" in survey.stdout


def test_option3_check_function_is_importable(tmp_path):
    (tmp_path / "check_programs.py").write_text(_python_block(3), encoding="utf-8")
    folder = _bin(tmp_path)
    code = textwrap.dedent(
        """
        from check_programs import check
        for program, path, message in check(["ffmpeg", "ffprobe", "my-own-tool"]):
            print(program, path, message)
        """
    )
    result = run_python(code, cwd=tmp_path, path=tmp_path, env={"PATH": os.fspath(folder)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"ffmpeg {folder / 'ffmpeg'} ok"
    assert lines[1].startswith("ffprobe None MISSING, needed by pydub, yt-dlp")
    assert lines[2].startswith(
        "my-own-tool None MISSING, needed by your code; install: install it with the OS"
    )
