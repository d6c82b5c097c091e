"""Verified fix for solutions/tiktoken-encoding-offline.md.

tiktoken is not a project dependency and its encoding files cannot be fetched here, so this test
checks the entry's Option 1 script against tiktoken's cache contract (tiktoken/load.py 0.14.0):
a download of URL is cached as TIKTOKEN_CACHE_DIR/sha1(URL) and must match the expected sha256.
It runs the script with no arguments (it prints the file names to fetch), installs a file whose
hash matches into a new cache folder under the name tiktoken reads, and refuses a file whose hash
does not match (a proxy's HTML error page) without a traceback. The end-to-end run with the real
cl100k_base file and tiktoken is recorded in the entry's source field.
"""

import hashlib
import subprocess
import sys

SLUG = "tiktoken-encoding-offline"
URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"


def _run(args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "tiktoken_offline.py", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def _write_script(tmp_path, fix_code):
    (tmp_path / "tiktoken_offline.py").write_text(fix_code(SLUG, 1), encoding="utf-8")


def test_lists_the_cache_names_tiktoken_reads(fix_code, tmp_path):
    _write_script(tmp_path, fix_code)
    result = _run([], tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("o200k_base", "cl100k_base"):
        expected = hashlib.sha1(URL.format(name).encode()).hexdigest()
        assert f"{name}: download {URL.format(name)} -> cache file {expected}" in result.stdout
    # the names tiktoken itself would use (and litellm ships): cl100k_base is 9b5ad71b...
    assert "9b5ad71b2ce5302211f9c61530b329a4922fc6a4" in result.stdout


def test_installs_a_verified_file_under_the_sha1_name(fix_code, tmp_path):
    _write_script(tmp_path, fix_code)
    payload = b"IQ== 0\nIg== 1\n"  # the .tiktoken format: base64 token, rank
    (tmp_path / "enc.tiktoken").write_bytes(payload)
    code = (
        "import tiktoken_offline as t\n"
        f"p = t.install('enc.tiktoken', 'cl100k_base', 'cache', expected_sha256={hashlib.sha256(payload).hexdigest()!r})\n"
        "print(p)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    target = tmp_path / "cache" / hashlib.sha1(URL.format("cl100k_base").encode()).hexdigest()
    assert target.read_bytes() == payload


def test_rejects_a_proxy_error_page(fix_code, tmp_path):
    _write_script(tmp_path, fix_code)
    (tmp_path / "cl100k_base.tiktoken").write_text("<html>Access denied by proxy</html>", encoding="utf-8")
    result = _run(["cl100k_base.tiktoken", "cl100k_base", "cache"], tmp_path)
    assert result.returncode == 1
    assert "is not the real cl100k_base.tiktoken (sha256 mismatch)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "cache").exists()
