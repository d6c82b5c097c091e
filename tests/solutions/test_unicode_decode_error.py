"""unicode-decode-error: reproduce the real decode failures, then show Option 1's helper reads the same files."""

import os
import subprocess
import sys

import pytest

SLUG = "unicode-decode-error"


@pytest.fixture
def option1(fix_code):
    namespace = {"__name__": "fix_under_test"}
    exec(compile(fix_code(SLUG), "<option1>", "exec"), namespace)
    return namespace


def test_errors_reproduce_for_real(tmp_path):
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("hello".encode("utf-16"))  # BOM 0xff 0xfe on little-endian machines
    with pytest.raises(UnicodeDecodeError) as info:
        utf16.read_text(encoding="utf-8")
    assert str(info.value) == "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"

    legacy = tmp_path / "cp1252.csv"
    legacy.write_bytes("café – 5€".encode("cp1252"))
    with pytest.raises(UnicodeDecodeError, match="invalid continuation byte"):
        legacy.read_text(encoding="utf-8")

    with pytest.raises(UnicodeDecodeError, match="'charmap' codec can't decode byte 0x9d"):
        b"quote\x9d".decode("cp1252")


def test_wrong_variant_fails_in_a_subprocess(tmp_path):
    target = tmp_path / "utf16.txt"
    target.write_bytes("hello".encode("utf-16"))
    wrong = f"open({str(target)!r}, encoding='utf-8').read()"
    result = subprocess.run([sys.executable, "-c", wrong], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert (
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"
        in result.stderr
    )


def test_option1_demo_runs_clean(fix_code):
    result = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 0, result.stderr
    assert "utf16.txt: utf-16: hello from PowerShell" in result.stdout
    assert "cp1252.csv: cp1252: café – 5€" in result.stdout
    assert "utf8.txt: utf-8: naïve ✓" in result.stdout


def test_option1_reads_the_files_that_failed(option1, tmp_path):
    read_text_any = option1["read_text_any"]
    decode_best = option1["decode_best"]

    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("hello".encode("utf-16"))
    assert read_text_any(utf16) == ("hello", "utf-16")

    legacy = tmp_path / "cp1252.csv"
    legacy.write_bytes("café – 5€".encode("cp1252"))
    assert read_text_any(legacy) == ("café – 5€", "cp1252")

    # BOM-less UTF-16 and UTF-8 with a BOM
    assert decode_best("plain ascii text".encode("utf-16-le")) == ("plain ascii text", "utf-16-le")
    assert decode_best("plain ascii text".encode("utf-16-be")) == ("plain ascii text", "utf-16-be")
    assert decode_best(b"\xef\xbb\xbfid,name") == ("id,name", "utf-8-sig")
    # bytes undefined in cp1252 still decode (latin-1 never fails)
    text, used = decode_best(b"quote\x9d")
    assert used == "latin-1" and text.startswith("quote")
    # East Asian data with the right fallback
    assert decode_best("中文".encode("gbk"), fallbacks=("gbk",)) == ("中文", "gbk")
