"""Verified fix for solutions/windows-path-in-linux.md.

On Linux a path written on Windows names no file: `\\` is an ordinary character and `C:` no drive.
The tests reproduce, in a child interpreter on this (Linux) machine, every `FileNotFoundError`
signature of the entry by opening the path it quotes, then run the entry's own Option 1 converter
(`winpath.py`, read from the Markdown) against real files in tmp_path: a drive path mapped with
PATH_MAP, a relative backslash path, WSL's /mnt/<drive>, a file whose name really holds a
backslash, and a Windows path with no mapping (a clear error, not a guess).
"""

import ast
import re
from pathlib import Path

from pyrun import last_line, run_args, run_python

from app.corpus.entries import parse_entry

SLUG = "windows-path-in-linux"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ERRNO2 = re.compile(r"^FileNotFoundError: \[Errno 2\] No such file or directory: ('.*')$")
NOT_WSL = {"WSL_DISTRO_NAME": None, "PATH_MAP": None}


def _install(fix_code, tmp_path) -> Path:
    (tmp_path / "winpath.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    return tmp_path


def _resolve(tmp_path, raw: str, env=None, then: str = "print(p)"):
    """Run `p = local_path(raw)` (and `then`) in a child interpreter with cwd tmp_path."""
    code = f"from winpath import local_path\np = local_path({raw!r})\n{then}\n"
    return run_python(code, cwd=tmp_path, path=tmp_path, env={**NOT_WSL, **(env or {})})


def test_every_python_signature_is_the_real_linux_message(tmp_path):
    signatures = [s for s in parse_entry(MD).errors if ERRNO2.match(s)]
    assert len(signatures) >= 3
    for signature in signatures:
        path = ast.literal_eval(ERRNO2.match(signature).group(1))
        assert "\\" in path or re.match(r"[A-Za-z]:", path), signature  # Windows evidence in every one
        result = run_python(f"open({path!r})", cwd=tmp_path)
        assert last_line(result) == signature


def test_backslash_joins_make_one_file_not_a_folder(tmp_path):
    result = run_python(
        "import os, pathlib\n"
        "open('out\\\\result.txt', 'w').write('x')\n"
        "print(sorted(os.listdir('.')), pathlib.Path('a\\\\b').parts)\n",
        cwd=tmp_path,
    )
    assert result.stdout.strip() == r"['out\\result.txt'] ('a\\b',)"


def test_option1_maps_a_drive_path_to_its_mount(fix_code, tmp_path):
    _install(fix_code, tmp_path)
    models = tmp_path / "mounted" / "models"
    models.mkdir(parents=True)
    (models / "llama.gguf").write_text("GGUF weights", encoding="utf-8")
    raw = r"C:\Users\me\models\llama.gguf"
    direct = run_python(f"open({raw!r})", cwd=tmp_path)
    assert (
        last_line(direct)
        == r"FileNotFoundError: [Errno 2] No such file or directory: 'C:\\Users\\me\\models\\llama.gguf'"
    )
    # PATH_MAP holds several pairs; the prefix matches whatever the case, as on Windows
    path_map = rf"D:\data=/nowhere;c:\users\ME\models={models}"
    result = _resolve(tmp_path, raw, {"PATH_MAP": path_map}, "print(open(p).read())")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "GGUF weights"
    # forward slashes after the drive are the same path
    result = _resolve(tmp_path, "C:/Users/me/models/llama.gguf", {"PATH_MAP": path_map})
    assert result.stdout.strip() == str(models / "llama.gguf")


def test_option1_longest_mapping_wins(fix_code, tmp_path):
    _install(fix_code, tmp_path)
    env = {"PATH_MAP": r"C:\work=/w;C:\work\data\big=/big"}
    assert _resolve(tmp_path, r"C:\work\data\big\x.bin", env).stdout.strip() == "/big/x.bin"
    assert _resolve(tmp_path, r"C:\work\src\app.py", env).stdout.strip() == "/w/src/app.py"


def test_option1_converts_relative_backslash_paths(fix_code, tmp_path):
    _install(fix_code, tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    direct = run_python("open('data\\\\train.csv')", cwd=tmp_path)
    assert last_line(direct) == r"FileNotFoundError: [Errno 2] No such file or directory: 'data\\train.csv'"
    for raw in (r"data\train.csv", r".\data\train.csv"):
        result = _resolve(tmp_path, raw, then="print(open(p).read().splitlines()[1])")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "1,2"


def test_option1_uses_mnt_drive_under_wsl(fix_code, tmp_path):
    _install(fix_code, tmp_path)
    result = _resolve(tmp_path, r"D:\datasets\images", {"WSL_DISTRO_NAME": "Ubuntu"})
    assert result.stdout.strip() == "/mnt/d/datasets/images"


def test_option1_refuses_to_guess_an_unmapped_windows_path(fix_code, tmp_path):
    _install(fix_code, tmp_path)
    for raw in (r"C:\Users\me\models\llama.gguf", r"\\server\share\data.csv"):
        result = _resolve(tmp_path, raw)
        assert result.returncode != 0
        error = last_line(result)
        assert error.startswith("FileNotFoundError: ") and "is a Windows path" in error
        assert "PATH_MAP=" in error and "docker run -v" in error


def test_option1_leaves_linux_paths_and_real_backslash_names_alone(fix_code, tmp_path):
    _install(fix_code, tmp_path)
    (tmp_path / "out\\result.txt").write_text("kept", encoding="utf-8")
    assert _resolve(tmp_path, "out\\result.txt", then="print(open(p).read())").stdout.strip() == "kept"
    assert _resolve(tmp_path, "/app/data/train.csv").stdout.strip() == "/app/data/train.csv"
    assert _resolve(tmp_path, "data/train.csv").stdout.strip() == "data/train.csv"


def test_option1_script_runs_as_is(fix_code, tmp_path):
    script = _install(fix_code, tmp_path) / "winpath.py"
    result = run_args([str(script)], cwd=tmp_path, env=NOT_WSL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        r"data\train.csv -> data/train.csv",
        r".\models\model.gguf -> models/model.gguf",
    ]
