"""Verified fixes for solutions/pdf-file-damaged.md: a ".pdf" that is not a whole PDF.

The project does not install a PDF library, so the tests write a small fake `pypdf` into tmp_path with
the shape of the real pypdf 7.1.1: `PdfReader.__init__` -> `_initialize_stream` -> `read` ->
`_basic_validation` (an empty file raises `EmptyFileError: Cannot read an empty file`; a file not
starting with `%PDF-` logs `invalid pdf header: b'<!DOC'` on the `pypdf._reader` logger, or with
strict=True raises `PdfReadError: PDF starts with '<!DOC', but '%PDF-' expected`) -> `_find_eof_marker`,
which walks back line by line with `_utils.read_previous_line` looking for `%%EOF`, logs `EOF marker
not found` and raises `PdfStreamError: Stream has ended unexpectedly` when it reaches the start of the
file (strict=True: `PdfReadError: EOF marker not found`). The error classes and their hierarchy
(`PdfStreamError`, `EmptyFileError`, `FileNotDecryptedError` under `PdfReadError`) are those of
pypdf/errors.py, and so is `DependencyError`, which is not a `PdfReadError`. What follows a valid header
and trailer is a toy parser (pages and `(text) Tj` strings of the simple PDFs the tests write), enough to
show that a whole PDF reads; like the real reader without the `cryptography` package it raises
`DependencyError: cryptography>=3.1 is required for AES algorithm` for an AES-256 (`/V 5`) encryption
dictionary, and like pypdf/filters.py `NotImplementedError: Unsupported filter /...` for a filter name it
does not know (a byte of a damaged file landed in it).

The bad files are what the entry is about: an HTML sign-in page, a JSON error body, a Git LFS pointer,
an empty file, a PDF cut in half, a gzip-encoded PDF. The tests reproduce the errors in a child
interpreter, give the traceback to the matcher, then run the entry's own code: Option 1 (check_pdf.py
names what each file is, and the closed temporary file holds all the bytes), Option 2 (fetch_pdf
against a local HTTP server: it saves only the whole PDFs, leaves no partial file, and the fake pypdf
reads what it saved) and Option 3 (ingest skips and reports the bad files and reads the good ones).
Option 4 needs pikepdf (a compiled qpdf); it was run by hand with pikepdf 10.18.0 (see the entry).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from entry_blocks import option_blocks
from fake_http import QuietHandler
from fake_site import write_files
from pyrun import last_line, run_args, run_python

SLUG = "pdf-file-damaged"
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"

FAKE_PYPDF = {
    "pypdf/__init__.py": """
        from ._reader import PdfReader
        from ._version import __version__

        __all__ = ["PdfReader", "__version__"]
    """,
    "pypdf/_version.py": '__version__ = "7.1.1"\n',
    "pypdf/errors.py": """
        class PyPdfError(Exception):
            pass


        class PdfReadError(PyPdfError):
            pass


        class PdfStreamError(PdfReadError):
            pass


        class FileNotDecryptedError(PdfReadError):
            pass


        class EmptyFileError(PdfReadError):
            pass


        class DependencyError(Exception):
            pass


        STREAM_TRUNCATED_PREMATURELY = "Stream has ended unexpectedly"
    """,
    "pypdf/_utils.py": """
        import logging
        from io import SEEK_CUR

        from .errors import STREAM_TRUNCATED_PREMATURELY, PdfStreamError

        DEFAULT_BUFFER_SIZE = 8192


        def logger_warning(message, *, source, **values):
            if values:
                logging.getLogger(source).warning(message, values)
            else:
                logging.getLogger(source).warning(message)


        def read_block_backwards(stream, to_read):
            if stream.tell() < to_read:
                raise PdfStreamError("Could not read malformed PDF file")
            stream.seek(-to_read, SEEK_CUR)
            read = stream.read(to_read)
            stream.seek(-to_read, SEEK_CUR)
            return read


        def read_previous_line(stream):
            line_content = []
            found_crlf = False
            if stream.tell() == 0:
                raise PdfStreamError(STREAM_TRUNCATED_PREMATURELY)
            while True:
                to_read = min(DEFAULT_BUFFER_SIZE, stream.tell())
                if to_read == 0:
                    break
                block = read_block_backwards(stream, to_read)
                idx = len(block) - 1
                if not found_crlf:
                    while idx >= 0 and block[idx] not in b"\\r\\n":
                        idx -= 1
                    if idx >= 0:
                        found_crlf = True
                if found_crlf:
                    line_content.append(block[idx + 1 :])
                    while idx >= 0 and block[idx] in b"\\r\\n":
                        idx -= 1
                else:
                    line_content.append(block)
                if idx >= 0:
                    stream.seek(idx + 1, SEEK_CUR)
                    break
            return b"".join(line_content[::-1])
    """,
    "pypdf/_reader.py": """
        import os
        import re
        from io import BytesIO
        from pathlib import Path

        from ._utils import logger_warning, read_previous_line
        from .errors import DependencyError, EmptyFileError, PdfReadError

        _OBJECT = re.compile(rb"(\\d+) 0 obj(.*?)endobj", re.DOTALL)


        class _Page:
            def __init__(self, reader, body):
                self._reader, self._body = reader, body

            def extract_text(self):
                ref = re.search(rb"/Contents (\\d+) 0 R", self._body)
                content = self._reader._objects.get(int(ref.group(1)), b"") if ref else b""
                for name in re.findall(rb"/Filter /([^\\s/>]+)", content):
                    if name != b"FlateDecode":
                        raise NotImplementedError(f"Unsupported filter /{name.decode('latin-1')}")
                return "\\n".join(s.decode("latin-1") for s in re.findall(rb"\\((.*?)\\) Tj", content))


        class PdfReader:
            def __init__(self, stream, strict=False, password=None):
                self.strict = strict
                self._initialize_stream(stream)

            def _initialize_stream(self, stream):
                if isinstance(stream, (str, Path)):
                    with open(stream, "rb") as fh:
                        stream = BytesIO(fh.read())
                self.read(stream)
                self.stream = stream

            def read(self, stream):
                self._basic_validation(stream)
                self._find_eof_marker(stream)
                # toy parser from here on: the objects of the simple PDFs the tests write
                stream.seek(0, os.SEEK_SET)
                data = stream.read()
                self._objects = {int(n): body for n, body in _OBJECT.findall(data)}
                trailer = data[data.rfind(b"trailer") :]
                if b"/Root" not in trailer:
                    raise PdfReadError('Cannot find "/Root" key in trailer')
                if re.search(rb"/Encrypt << [^>]*/V 5", trailer):  # AES-256, and no cryptography package
                    raise DependencyError("cryptography>=3.1 is required for AES algorithm")

            def _basic_validation(self, stream):
                stream.seek(0, os.SEEK_SET)
                header_byte = stream.read(5)
                if header_byte == b"":
                    raise EmptyFileError("Cannot read an empty file")
                if header_byte != b"%PDF-":
                    if self.strict:
                        raise PdfReadError(
                            f"PDF starts with '{header_byte.decode('utf8')}', but '%PDF-' expected"
                        )
                    logger_warning("invalid pdf header: %(header_byte)r", source=__name__, header_byte=header_byte)
                stream.seek(0, os.SEEK_END)

            def _find_eof_marker(self, stream):
                header_size = 8
                line = b""
                while line[:5] != b"%%EOF":
                    if stream.tell() < header_size:
                        if self.strict:
                            raise PdfReadError("EOF marker not found")
                        logger_warning("EOF marker not found", source=__name__)
                    line = read_previous_line(stream)

            @property
            def pages(self):
                kids = [n for n, body in sorted(self._objects.items()) if re.search(rb"/Type /Page\\b", body)]
                return [_Page(self, self._objects[n]) for n in kids]
    """,
}

LOGIN_PAGE = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Sign in - Example Docs</title></head>\n'
    b'<body><form method="post" action="/login"><input name="user"><input type="password" name="pw">'
    b"</form></body>\n</html>\n"
)
JSON_ERROR = b'{"error":{"code":403,"message":"Request had insufficient authentication scopes."}}'


def make_pdf(pages: int) -> bytes:
    """A small real PDF (catalog, page tree, one Helvetica text line per page, xref, trailer, %%EOF)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Count {pages} /Kids [ {kids} ] >>".encode())
    font = 3 + 2 * pages
    for i in range(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Resources << /Font << /F1 {font} 0 R >> >> "
            f"/Contents {4 + 2 * i} 0 R >>".encode()
        )
        text = f"BT /F1 18 Tf 20 100 Td (Page {i + 1}: quarterly report) Tj ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


GOOD = make_pdf(2)
BIG = make_pdf(60)
LFS_POINTER = (
    f"version https://git-lfs.github.com/spec/v1\noid sha256:{hashlib.sha256(GOOD).hexdigest()}\nsize {len(GOOD)}\n"
).encode()
BAD_FILES = {
    "login.pdf": LOGIN_PAGE,
    "error.pdf": JSON_ERROR,
    "pointer.pdf": LFS_POINTER,
    "empty.pdf": b"",
    "cut.pdf": BIG[: len(BIG) // 2],
    "gzipped.pdf": gzip.compress(GOOD),
}


@pytest.fixture
def site(tmp_path) -> Path:
    return write_files(tmp_path / "site", FAKE_PYPDF)


@pytest.fixture
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(GOOD)
    for name, data in BAD_FILES.items():
        (folder / name).write_bytes(data)
    return folder


# --- the error, reproduced ------------------------------------------------------------------------------------
READ_ALL = """
import json, logging, sys
from pathlib import Path
from pypdf import PdfReader

logging.basicConfig(format="%(message)s")
out = {}
for path in sorted(Path(sys.argv[1]).iterdir()):
    for strict in (False, True):
        try:
            reader = PdfReader(str(path), strict=strict)
            out[f"{path.name} {strict}"] = ["ok", [page.extract_text() for page in reader.pages]]
        except Exception as exc:
            out[f"{path.name} {strict}"] = [f"{type(exc).__module__}.{type(exc).__name__}", str(exc)]
print(json.dumps(out))
"""


def test_pypdf_fails_on_every_file_that_is_not_a_whole_pdf(site, docs):
    done = run_python(READ_ALL, path=site, args=[str(docs)])
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    stream_ended = ["pypdf.errors.PdfStreamError", "Stream has ended unexpectedly"]
    for name in ("login.pdf", "error.pdf", "pointer.pdf", "cut.pdf", "gzipped.pdf"):
        assert got[f"{name} False"] == stream_ended, name
    assert got["empty.pdf False"] == ["pypdf.errors.EmptyFileError", "Cannot read an empty file"]
    assert got["login.pdf True"] == [
        "pypdf.errors.PdfReadError",
        "PDF starts with '<!DOC', but '%PDF-' expected",
    ]
    assert got["error.pdf True"] == [
        "pypdf.errors.PdfReadError",
        "PDF starts with '{\"err', but '%PDF-' expected",
    ]
    assert got["cut.pdf True"] == ["pypdf.errors.PdfReadError", "EOF marker not found"]
    assert got["report.pdf False"] == ["ok", ["Page 1: quarterly report", "Page 2: quarterly report"]]
    # the log lines printed before the traceback, as users paste them
    assert "invalid pdf header: b'<!DOC'" in done.stderr and "EOF marker not found" in done.stderr


def test_the_traceback_and_the_other_libraries_wordings_are_answered_by_the_entry(site, docs, index):
    done = run_python("from pypdf import PdfReader\nPdfReader('login.pdf')\n", path=site, cwd=docs)
    assert last_line(done) == "pypdf.errors.PdfStreamError: Stream has ended unexpectedly"
    assert "in _find_eof_marker" in done.stderr and "read_previous_line" in done.stderr
    assert_answers(index, SLUG, done.stderr)
    strict = run_python(
        "from pypdf import PdfReader\nPdfReader('error.pdf', strict=True)\n", path=site, cwd=docs
    )
    assert_answers(index, SLUG, strict.stderr)
    # wordings printed by the real releases on the same kinds of files (see the entry's source)
    for text in REAL_TRACEBACKS:
        assert_answers(index, SLUG, text)


REAL_TRACEBACKS = [
    # PyMuPDF 1.28.2, a JSON error body saved as .pdf
    "Traceback (most recent call last):\n"
    '  File "/app/.venv/lib/python3.11/site-packages/pymupdf/__init__.py", line 3084, in __init__\n'
    "    doc = mupdf.fz_open_document(filename)\n"
    "pymupdf.mupdf.FzErrorFormat: code=7: no objects found\n\n"
    "The above exception was the direct cause of the following exception:\n\n"
    "Traceback (most recent call last):\n"
    '  File "/app/ingest.py", line 8, in <module>\n'
    '    doc = pymupdf.open("downloads/report.pdf")\n'
    '  File "/app/.venv/lib/python3.11/site-packages/pymupdf/__init__.py", line 3112, in __init__\n'
    "    raise FileDataError(f'Failed to open file {filename!r} as type {filetype}.') from e\n"
    "pymupdf.FileDataError: Failed to open file 'downloads/report.pdf' as type pdf.\n",
    # PyMuPDF 1.23.26
    "fitz.FileDataError: cannot open broken document",
    # PyMuPDF 2.1, pymupdf.open(stream=...) of a JSON error body
    "Traceback (most recent call last):\n"
    '  File "/app/.venv/lib/python3.11/site-packages/pymupdf/__init__.py", line 3002, in __init__\n'
    "    doc = mupdf.fz_open_document_with_stream_and_dir(filetype if filetype else '', fz_stream, archive.this)\n"
    '  File "/app/.venv/lib/python3.11/site-packages/pymupdf/mupdf.py", line 53204, in fz_open_document_with_stream_and_dir\n'
    "    return _mupdf.fz_open_document_with_stream_and_dir(magic, stream, dir)\n"
    "pymupdf.mupdf.FzErrorUnsupported: code=6: cannot find document handler for file type: ''\n\n"
    "The above exception was the direct cause of the following exception:\n\n"
    "Traceback (most recent call last):\n"
    '  File "/app/ingest.py", line 3, in <module>\n'
    "    doc = pymupdf.open(stream=data)\n"
    '  File "/app/.venv/lib/python3.11/site-packages/pymupdf/__init__.py", line 3005, in __init__\n'
    "    raise FileDataError('Failed to open stream') from e\n"
    "pymupdf.FileDataError: Failed to open stream\n",
    # PyMuPDF 1.19.5 on an HTML page (the bare `RuntimeError: no objects found` is no signature: too generic)
    "mupdf: cannot recognize version marker\n"
    "mupdf: no objects found\n"
    "Traceback (most recent call last):\n"
    '  File "/app/ingest.py", line 2, in <module>\n'
    '    doc = fitz.open("files/login.pdf")\n'
    '  File "/usr/local/lib/python3.10/site-packages/fitz/fitz.py", line 3845, in __init__\n'
    "    _fitz.new_Document(\n"
    "RuntimeError: no objects found\n",
    # pdfminer.six 20240706 and later on a PDF cut in half
    "pdfminer.psexceptions.PSEOF: Unexpected EOF",
    # pdfplumber 0.11.11 on an HTML page
    "Traceback (most recent call last):\n"
    '  File "/app/.venv/lib/python3.11/site-packages/pdfplumber/pdf.py", line 50, in __init__\n'
    '    self.doc = PDFDocument(PDFParser(stream), password=password or "")\n'
    '  File "/app/.venv/lib/python3.11/site-packages/pdfminer/pdfdocument.py", line 752, in __init__\n'
    '    raise PDFSyntaxError("No /Root object! - Is this really a PDF?")\n'
    "pdfminer.pdfparser.PDFSyntaxError: No /Root object! - Is this really a PDF?\n\n"
    "During handling of the above exception, another exception occurred:\n\n"
    "Traceback (most recent call last):\n"
    '  File "/app/load.py", line 4, in <module>\n'
    '    with pdfplumber.open("paper.pdf") as pdf:\n'
    '  File "/app/.venv/lib/python3.11/site-packages/pdfplumber/pdf.py", line 52, in __init__\n'
    "    raise PdfminerException(e)\n"
    "pdfplumber.utils.exceptions.PdfminerException: No /Root object! - Is this really a PDF?\n",
    # pdf2image 1.17.0 + poppler 22.12.0 on a PDF cut in half
    "Traceback (most recent call last):\n"
    '  File "/app/ocr.py", line 3, in <module>\n'
    '    pages = convert_from_path("scan.pdf")\n'
    '  File "/usr/local/lib/python3.11/site-packages/pdf2image/pdf2image.py", line 127, in convert_from_path\n'
    '    page_count = pdfinfo_from_path(pdf_path, userpw, ownerpw, poppler_path=poppler_path)["Pages"]\n'
    '  File "/usr/local/lib/python3.11/site-packages/pdf2image/pdf2image.py", line 607, in pdfinfo_from_path\n'
    "    raise PDFPageCountError(f\"Unable to get page count.\\n{err.decode('utf8', 'ignore')}\")\n"
    "pdf2image.exceptions.PDFPageCountError: Unable to get page count.\n"
    "Syntax Error: Couldn't find trailer dictionary\n"
    "Syntax Error: Couldn't find trailer dictionary\n"
    "Syntax Error: Couldn't read xref table\n",
    # pypdf 3.1.0-3.7.0 and PyPDF2 2.x/3.x
    "PyPDF2.errors.PdfReadError: EOF marker not found",
    # pypdfium2 5.15.2
    "pypdfium2._helpers.misc.PdfiumError: Failed to load document (PDFium: Data format error).",
    # pdfjs-dist 4.10.38 in Node
    "Uncaught (in promise) InvalidPDFException: Invalid PDF structure.",
]

LOOK_ALIKES = [
    "pypdf.errors.FileNotDecryptedError: File has not been decrypted",
    "Traceback (most recent call last):\n"
    '  File "/app/ocr.py", line 3, in <module>\n'
    '    pages = convert_from_path("scan.pdf")\n'
    "pdf2image.exceptions.PDFInfoNotInstalledError: Unable to get page count. Is poppler installed and in PATH?\n",
    "pdf2image.exceptions.PDFPageCountError: Unable to get page count.\nCommand Line Error: Incorrect password\n",
    "ValueError: document closed or encrypted",
    # the same words from other code: generic wordings the entry's signatures must not claim
    "RuntimeError: no objects found",
    "DazError: No objects found",
    "RuntimeError: Failed to open stream",
    "PHP Warning:  include(config.php): Failed to open stream: No such file or directory in /var/www/index.php",
    "cv2.error: Failed to open file 'video.mp4'.",
    "EOFError: Stream has ended unexpectedly while parsing.",
    "ValueError: Cannot read an empty file: 'notes.docx'.",
    "EOFError: Unexpected EOF",
    "SyntaxError: unexpected EOF while parsing",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_confidently_this_entry(index, text):
    assert confident_answer(index, text) != SLUG, text


# --- Option 1: what the file really is ------------------------------------------------------------------------
def test_option1_names_what_each_bad_file_really_is(fix_code, docs, tmp_path):
    script = tmp_path / "check_pdf.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    done = run_args([str(script), str(docs)])
    assert done.returncode == 1, done.stderr
    verdicts = dict(re.findall(r"^(?:OK |BAD) \S+/(\S+?)(?:: (.*))?$", done.stdout, re.MULTILINE))
    assert verdicts["report.pdf"] == ""
    assert verdicts["login.pdf"].startswith("an HTML page ('Sign in - Example Docs')")
    assert verdicts["error.pdf"].startswith("JSON, not a PDF") and '"code":403' in verdicts["error.pdf"]
    assert (
        verdicts["pointer.pdf"].startswith("a Git LFS pointer") and "git lfs pull" in verdicts["pointer.pdf"]
    )
    assert verdicts["empty.pdf"].startswith("empty file (0 bytes)")
    assert verdicts["cut.pdf"].startswith(f"a PDF cut short ({len(BIG) // 2:,} bytes, no %%EOF")
    assert verdicts["gzipped.pdf"].startswith("a gzip-compressed PDF")
    # a folder of whole PDFs passes, and so does a folder without any
    whole = tmp_path / "whole"
    whole.mkdir()
    (whole / "a.pdf").write_bytes(GOOD)
    (whole / "b.pdf").write_bytes(b"\xef\xbb\xbf" + BIG + b"\n\x00\x00\n")  # a BOM before, padding after
    assert run_args([str(script), str(whole)]).returncode == 0
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    assert run_args([str(script)], cwd=empty_dir).returncode == 0


def test_option1_reads_only_the_start_of_a_gzip_file(fix_code, tmp_path):
    """A small gzip file can inflate to gigabytes: the check must not inflate all of it (a guard on uploads)."""
    script = tmp_path / "check_pdf.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    folder = tmp_path / "uploads"
    folder.mkdir()
    member = gzip.compress(bytes(16 << 20), compresslevel=9)  # 16 MiB of zeros in about 16 KiB
    (folder / "bomb.pdf").write_bytes(member * 8)  # 128 MiB once inflated, about 130 KiB on disk
    measure = (  # the peak of Python's own allocations while check_pdf.py runs
        "import runpy, sys, tracemalloc\n"
        "sys.argv = sys.argv[1:]\n"
        "tracemalloc.start()\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "finally:\n    print('peak_bytes', tracemalloc.get_traced_memory()[1])\n"
    )
    done = run_python(measure, args=[str(script), str(folder)])
    assert done.returncode == 1, done.stderr
    assert "BAD" in done.stdout and "bomb.pdf: gzip data" in done.stdout, done.stdout
    peak_mib = int(re.search(r"peak_bytes (\d+)", done.stdout).group(1)) >> 20
    assert peak_mib < 16, peak_mib  # the old check inflated the whole file: 128 MiB and more


def test_option1_checks_upper_case_pdf_names(fix_code, tmp_path):
    """`SCAN0001.PDF` is a PDF too: a folder of them must not pass unchecked (a glob is case-sensitive)."""
    script = tmp_path / "check_pdf.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    folder = tmp_path / "scans"
    (folder / "x.pdf").mkdir(parents=True)  # a folder named like a PDF is not a file to check
    (folder / "SCAN0001.PDF").write_bytes(GOOD)
    (folder / "SCAN0002.PDF").write_bytes(LOGIN_PAGE)
    done = run_args([str(script), str(folder)])
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert re.search(r"^OK  \S+SCAN0001\.PDF$", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^BAD \S+SCAN0002\.PDF: an HTML page", done.stdout, re.MULTILINE), done.stdout


def test_option1_closed_temporary_file_holds_every_byte(fix_code, site, tmp_path):
    [(language, code)] = [block for block in option_blocks(SLUG, 1) if "NamedTemporaryFile" in block[1]]
    assert language == "python"
    temp_dir = tmp_path / "temp"
    temp_dir.mkdir()
    done = run_python(code, "-X", "dev", cwd=tmp_path, env={"TMPDIR": str(temp_dir)})
    assert done.returncode == 0 and done.stdout.strip().endswith("True"), done.stderr
    # delete=False keeps the file: the block removes it (an upload's bytes must not pile up in /tmp), and
    # it closes what it opened (the old block left the temp file behind and an unclosed file warning)
    assert list(temp_dir.iterdir()) == [] and "ResourceWarning" not in done.stderr, done.stderr
    # the failure it prevents: the same bytes read by name while still in the writer's buffer
    unflushed = (
        "import tempfile\nfrom pypdf import PdfReader\n"
        f"with tempfile.NamedTemporaryFile(suffix='.pdf') as tmp:\n    tmp.write({GOOD!r})\n    PdfReader(tmp.name)\n"
    )
    assert (
        last_line(run_python(unflushed, path=site))
        == "pypdf.errors.EmptyFileError: Cannot read an empty file"
    )


# --- Option 2: download only whole PDFs -----------------------------------------------------------------------
class PdfServer(QuietHandler):
    """HTTP/1.0: the server closes the connection after each answer, also one shorter than announced."""

    def send(self, status: int, kind: str, body: bytes, *headers: tuple[str, str], length: int | None = None):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for name, value in headers:
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        route = self.path.split("?")[0].strip("/")
        if route == "report.pdf":
            self.send(200, "application/pdf", BIG, length=len(BIG))
        elif route == "login.pdf":
            self.send(200, "text/html; charset=utf-8", LOGIN_PAGE, length=len(LOGIN_PAGE))
        elif route == "moved.pdf":
            self.send(302, "text/html", b"", ("Location", "/login.pdf"), length=0)
        elif route == "forbidden.pdf":
            self.send(403, "application/json", JSON_ERROR, length=len(JSON_ERROR))
        elif route == "mislabelled.pdf":
            self.send(200, "application/pdf", LOGIN_PAGE, length=len(LOGIN_PAGE))
        elif route == "short.pdf":  # fewer bytes than Content-Length announced
            self.send(200, "application/pdf", BIG[: len(BIG) // 2], length=len(BIG))
        elif route == "unsized.pdf":  # no Content-Length: the connection closes early
            self.send(200, "application/pdf", BIG[: len(BIG) // 2])
        elif route == "compressed.pdf":
            body = gzip.compress(BIG)
            self.send(200, "application/pdf", body, ("Content-Encoding", "gzip"), length=len(body))
        else:
            self.send(404, "text/plain", b"not found", length=9)


@pytest.fixture
def pdf_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), PdfServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


FETCH_ALL = """
import json, sys
from pathlib import Path
ns = {"__name__": "fetch_pdf"}
exec(compile(CODE, "fetch_pdf.py", "exec"), ns)
base, out_dir = sys.argv[1], Path(sys.argv[2])
result = {}
for name in sys.argv[3:]:
    try:
        saved = ns["fetch_pdf"](f"{base}/{name}", out_dir / name)
        result[name] = ["saved", saved.read_bytes()[:5].decode(), saved.stat().st_size]
    except Exception as exc:
        result[name] = [type(exc).__name__, str(exc)]
result["files"] = sorted(p.name for p in out_dir.iterdir())
print(json.dumps(result))
"""


def test_option2_saves_only_whole_pdfs(fix_code, pdf_server, site, tmp_path):
    out_dir = tmp_path / "downloads"
    out_dir.mkdir()
    names = ["report.pdf", "login.pdf", "moved.pdf", "forbidden.pdf", "mislabelled.pdf"]
    names += ["short.pdf", "unsized.pdf", "compressed.pdf"]
    code = f"CODE = {fix_code(SLUG, 2)!r}\n{FETCH_ALL}"
    done = run_python(code, args=[pdf_server, str(out_dir), *names], timeout=30)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["report.pdf"] == ["saved", "%PDF-", len(BIG)]
    assert got["compressed.pdf"] == ["saved", "%PDF-", len(BIG)]  # Content-Encoding undone
    assert got["login.pdf"][0] == "NotAPDF" and "got text/html" in got["login.pdf"][1]
    assert "Sign in" in got["login.pdf"][1]
    assert (
        got["moved.pdf"][0] == "NotAPDF" and "final URL " + pdf_server + "/login.pdf" in got["moved.pdf"][1]
    )
    assert got["forbidden.pdf"][0] == "NotAPDF" and "HTTP 403 Forbidden" in got["forbidden.pdf"][1]
    assert got["mislabelled.pdf"][0] == "NotAPDF" and "not a PDF" in got["mislabelled.pdf"][1]
    assert got["short.pdf"][0] == "ChunkedEncodingError"  # requests: IncompleteRead
    assert got["unsized.pdf"] == [
        "NotAPDF",
        f"{pdf_server}/unsized.pdf: the PDF is cut short ({len(BIG) // 2} bytes, no %%EOF at the end)",
    ]
    # nothing but the two whole PDFs was left behind: no HTML, no partial .part files
    assert got["files"] == ["compressed.pdf", "report.pdf"]
    read = run_python(
        "import sys\nfrom pypdf import PdfReader\nprint(len(PdfReader(sys.argv[1]).pages))\n",
        path=site,
        args=[str(out_dir / "compressed.pdf")],
    )
    assert read.stdout.strip() == "60", read.stderr


FETCH_WITH_SECRETS = """
import json, os, sys
from pathlib import Path
ns = {"__name__": "fetch_pdf"}
exec(compile(CODE, "fetch_pdf.py", "exec"), ns)
os.umask(0o022)
base, secret, out_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
messages = []
for name in ("login.pdf", "forbidden.pdf", "unsized.pdf"):
    try:
        ns["fetch_pdf"](f"{base}/{name}?{secret}", out_dir / name)
    except ns["NotAPDF"] as exc:
        messages.append(str(exc))
saved = ns["fetch_pdf"](f"{base}/report.pdf?{secret}", out_dir / "report.pdf")
print(json.dumps([messages, oct(saved.stat().st_mode & 0o777), sorted(os.listdir(out_dir))]))
"""


def fetch_with_secrets(code: str, server: str, out_dir: Path) -> tuple[list[str], str, list[str]]:
    """fetch_pdf over URLs that carry a presigned URL's signature, a token and user:password."""
    out_dir.mkdir()
    secret = "X-Amz-Signature=0123456789abcdef&token=hunter2"
    with_user = server.replace("http://", "http://alice:s3cr3tpw@")
    done = run_python(
        f"CODE = {code!r}\n{FETCH_WITH_SECRETS}", args=[with_user, secret, str(out_dir)], timeout=30
    )
    assert done.returncode == 0, done.stderr
    messages, mode, files = json.loads(done.stdout)
    return messages, mode, files


def test_option2_messages_leave_out_tokens_and_passwords(fix_code, pdf_server, tmp_path):
    """A presigned URL carries its signature in the query string, and a URL may carry user:password:
    neither belongs in an exception message that ends up in logs."""
    messages, _, _ = fetch_with_secrets(fix_code(SLUG, 2), pdf_server, tmp_path / "downloads")
    assert len(messages) == 3, messages
    for message in messages:
        assert "hunter2" not in message and "0123456789abcdef" not in message, message
        assert "s3cr3tpw" not in message and "alice" not in message, message
    # what the messages are for is still there: the path, the status, what came back
    assert f"{pdf_server}/login.pdf: got text/html" in messages[0], messages
    assert "HTTP 403 Forbidden" in messages[1] and "the PDF is cut short" in messages[2], messages


def test_option2_saved_pdf_gets_the_usual_permissions(fix_code, pdf_server, tmp_path):
    """The PDF gets the permissions any new file gets (umask 022: 0644), not mkstemp's 0600, which another
    user, a container with another uid or a web server serving the downloads cannot read."""
    _, mode, files = fetch_with_secrets(fix_code(SLUG, 2), pdf_server, tmp_path / "downloads")
    assert mode == "0o644" and files == ["report.pdf"], (mode, files)


def test_option2_without_arguments_prints_its_usage(fix_code, tmp_path):
    script = tmp_path / "fetch_pdf.py"
    script.write_text(fix_code(SLUG, 2), encoding="utf-8")
    done = run_args([str(script)], cwd=tmp_path)
    assert done.returncode == 0 and "Usage: python fetch_pdf.py URL DEST.pdf" in done.stdout


# --- Option 3: skip and report in a batch ---------------------------------------------------------------------
def test_option3_reads_the_whole_pdfs_and_reports_the_others(fix_code, site, docs, tmp_path):
    script = tmp_path / "ingest_pdfs.py"
    script.write_text(fix_code(SLUG, 3), encoding="utf-8")
    done = run_args([str(script), str(docs)], path=site)
    assert done.returncode == 0, done.stderr
    assert f"1 PDF(s) read, {len(BAD_FILES)} skipped" in done.stdout
    skipped = dict(re.findall(r"^SKIPPED \S+/(\S+): (.*)$", done.stdout, re.MULTILINE))
    assert set(skipped) == set(BAD_FILES)
    assert skipped["login.pdf"].startswith("ValueError: ") and "not a PDF" in skipped["login.pdf"]
    assert "<!DOCTYPE html>" in skipped["login.pdf"]
    assert "a PDF cut short" in skipped["cut.pdf"] and "(0 bytes" in skipped["empty.pdf"]
    # the texts come from the parser, from memory
    texts = run_python(
        f"_ns = {{'__name__': 'ingest'}}\nexec(compile({fix_code(SLUG, 3)!r}, 'ingest', 'exec'), _ns)\n"
        f"texts, skipped = _ns['ingest']({str(docs)!r})\nprint(list(texts.values()))\n",
        path=site,
    )
    assert texts.stdout.strip() == "[['Page 1: quarterly report', 'Page 2: quarterly report']]", texts.stderr


def test_option3_skips_files_pypdf_fails_on_with_other_errors(fix_code, site, tmp_path):
    """pypdf raises more than PdfReadError on a PDF that is whole but unreadable: an AES-256 file without the
    cryptography package (Option 3's own install) raises DependencyError, a damaged filter name
    NotImplementedError. One such file must be skipped and reported, not end the batch."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(GOOD)
    (folder / "aes.pdf").write_bytes(
        GOOD.replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt << /Filter /Standard /V 5 /R 6 >>")
    )
    (folder / "damaged.pdf").write_bytes(
        GOOD.replace(b"<< /Length", b"<< /Filter /Flat\xe9Decode /Length", 1)
    )
    script = tmp_path / "ingest_pdfs.py"
    script.write_text(fix_code(SLUG, 3), encoding="utf-8")
    done = run_args([str(script), str(folder)], path=site)
    assert done.returncode == 0, done.stderr
    assert "1 PDF(s) read, 2 skipped" in done.stdout, done.stdout
    skipped = dict(re.findall(r"^SKIPPED \S+/(\S+): (.*)$", done.stdout, re.MULTILINE))
    assert skipped["aes.pdf"] == "DependencyError: cryptography>=3.1 is required for AES algorithm"
    assert skipped["damaged.pdf"].startswith("NotImplementedError: Unsupported filter /Flat")


def test_option3_reads_upper_case_pdf_names(fix_code, site, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "SCAN0001.PDF").write_bytes(GOOD)
    (folder / "SCAN0002.PDF").write_bytes(LOGIN_PAGE)
    script = tmp_path / "ingest_pdfs.py"
    script.write_text(fix_code(SLUG, 3), encoding="utf-8")
    done = run_args([str(script), str(folder)], path=site)
    assert done.returncode == 0, done.stderr
    assert "1 PDF(s) read, 1 skipped" in done.stdout and "SCAN0002.PDF: ValueError" in done.stdout, (
        done.stdout
    )
