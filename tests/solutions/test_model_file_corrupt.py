"""Verified fix for solutions/model-file-corrupt.md.

Builds a valid safetensors file by hand (8-byte header length + JSON header + data), then the
broken variants found in the wild: a git-lfs pointer, a truncated copy, an empty file, an HTML
page, a zip checkpoint cut before its central directory. Reproduces pickle's `invalid load key,
'v'.` on the pointer and runs the entry's Option 1 checker on every file.
"""

import io
import json
import pickle
import struct
import zipfile

import pytest
from pyrun import run_python

SLUG = "model-file-corrupt"
POINTER = (
    b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d8a2f0c7e5b9a1c3d6e8f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c\nsize 4965799096\n"
)


def _safetensors() -> bytes:
    header = json.dumps(
        {
            "__metadata__": {"format": "pt"},
            "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
            "b": {"dtype": "F32", "shape": [4], "data_offsets": [16, 32]},
        }
    ).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + bytes(32)


@pytest.fixture
def check(fix_code):
    namespace = {"__name__": "entry_option1"}
    exec(compile(fix_code(SLUG, 1), "option1.py", "exec"), namespace)
    return namespace["inspect_model_file"]


def test_reproduces_invalid_load_key():
    with pytest.raises(pickle.UnpicklingError, match="invalid load key, 'v'"):
        pickle.loads(POINTER)
    with pytest.raises(pickle.UnpicklingError, match="invalid load key, '<'"):
        pickle.loads(b"<!DOCTYPE html><html></html>")


def test_good_safetensors_passes(check, tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(_safetensors())
    ok, message = check(str(path))
    assert ok, message
    assert "2 tensors" in message


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("pointer.safetensors", POINTER, "git-lfs POINTER"),
        ("empty.safetensors", b"", "empty file"),
        ("page.safetensors", b"<!DOCTYPE html><html><title>Hugging Face</title></html>", "HTML page"),
        ("pointer.bin", POINTER, "git-lfs POINTER"),
    ],
)
def test_broken_files_are_named(check, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    ok, message = check(str(path))
    assert not ok
    assert expected in message


def test_truncated_safetensors(check, tmp_path):
    data = _safetensors()
    path = tmp_path / "cut.safetensors"
    path.write_bytes(data[:-8])
    ok, message = check(str(path))
    assert not ok and "truncated safetensors" in message
    path.write_bytes(data[:20])
    ok, message = check(str(path))
    assert not ok and "header says" in message


def test_torch_zip_checkpoints(check, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
        z.writestr("archive/data/0", bytes(4096))
    good = tmp_path / "pytorch_model.bin"
    good.write_bytes(buffer.getvalue())
    assert check(str(good))[0]
    cut = tmp_path / "cut.bin"
    cut.write_bytes(buffer.getvalue()[:2000])  # no central directory any more
    ok, message = check(str(cut))
    assert not ok and "truncated torch zip" in message


def test_cli_exit_code(fix_code, tmp_path):
    good, bad = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    good.write_bytes(_safetensors())
    bad.write_bytes(POINTER)
    result = run_python(fix_code(SLUG, 1), args=[str(good), str(bad)])
    assert result.returncode == 1
    assert "OK  a.safetensors" in result.stdout and "BAD b.safetensors" in result.stdout


def test_demo_runs(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("BAD") == 2 and result.stdout.count("OK ") == 1


# The first bytes of a model trained with sentencepiece 0.2.0 (field 1, the pieces, comes first), and
# Llama 3's `original/tokenizer.model`, a tiktoken BPE file: a base64 token and its rank per line.
SENTENCEPIECE_HEAD = b"\n\x0e\n\x05<unk>\x15\x00\x00\x00\x00\x18\x02"
TIKTOKEN_LINES = b"IQ== 0\nIg== 1\nIw== 2\n"


@pytest.mark.parametrize(
    "content,ok,expected",
    [
        (SENTENCEPIECE_HEAD + bytes(64), True, "SentencePiece model"),
        (TIKTOKEN_LINES, False, "tiktoken BPE file"),
        (POINTER, False, "git-lfs POINTER"),
        (b"\x00\x01garbage", False, "not a SentencePiece model"),
    ],
)
def test_tokenizer_model_files(check, tmp_path, content, ok, expected):
    path = tmp_path / "tokenizer.model"
    path.write_bytes(content)
    result, message = check(str(path))
    assert result is ok, message
    assert expected in message
