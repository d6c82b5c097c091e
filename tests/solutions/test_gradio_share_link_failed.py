"""Verified fix for solutions/gradio-share-link-failed.md.

The project does not install Gradio, so the installs are fakes in tmp_path shaped like the real
releases (read in the wheels and run in throwaway venvs): `gradio/tunneling.py` with the constants
gradio 6.31.0 has (frpc 0.3 in `$HF_HOME/gradio/frpc`, CHECKSUMS by URL) or gradio 4.44.1 has (frpc 0.2
inside the gradio package), and a `launch(share=True)` that prints, word for word, what the real
`Blocks.launch` prints when the tunnel fails. The checksum table of the fake lists the sha256 of the
stand-in binary under the real URL. No network: Option 1 gets the binary with `--file`.
"""

import hashlib
import stat
from pathlib import Path

from fake_site import fake_distribution
from pyrun import run_args, run_python, script_names

SLUG = "gradio-share-link-failed"
FAKE_FRPC = b"\x7fELF\x02\x01\x01 stand-in for frpc"

TUNNELING = """\
import os
import platform
from pathlib import Path

VERSION = "{version}"
machine = platform.machine()
if machine == "x86_64":
    machine = "amd64"
elif machine == "aarch64":
    machine = "arm64"
BINARY_REMOTE_NAME = f"frpc_{{platform.system().lower()}}_{{machine.lower()}}"
EXTENSION = ".exe" if os.name == "nt" else ""
BINARY_URL = f"https://cdn-media.huggingface.co/frpc-gradio-{{VERSION}}/{{BINARY_REMOTE_NAME}}{{EXTENSION}}"
CHECKSUMS = {{BINARY_URL: "{sha}"}}
BINARY_FILENAME = f"{{BINARY_REMOTE_NAME}}_v{{VERSION}}"
BINARY_FOLDER = {folder}
BINARY_PATH = str(BINARY_FOLDER / BINARY_FILENAME)
"""
HF_CACHE = 'Path(os.environ["HF_HOME"]) / "gradio" / "frpc"'  # 5.24+: huggingface_hub HF_HOME
IN_PACKAGE = "Path(__file__).parent"  # up to 5.23

# the except branch of Blocks.launch in gradio 6.31.0 (the download failed: offline, proxy, antivirus)
BLOCKS = """\
from pathlib import Path

from gradio.tunneling import BINARY_FILENAME, BINARY_FOLDER, BINARY_PATH, BINARY_URL


def launch(share=False):
    print("* Running on local URL:  http://127.0.0.1:7860")
    if share:
        if Path(BINARY_PATH).exists() and Path(BINARY_PATH).read_bytes().startswith(b"\\x7fELF"):
            print("* Running on public URL: https://0123456789abcdef.gradio.live")
        elif Path(BINARY_PATH).exists():
            print(
                "\\nCould not create share link. Please check your internet connection or our status page: https://status.gradio.app."
            )
        else:
            print(
                f"\\nCould not create share link. Missing file: {BINARY_PATH}. \\n\\nPlease check your internet connection. This can happen if your antivirus software blocks the download of this file. You can install manually by following these steps: \\n\\n1. Download this file: {BINARY_URL}\\n2. Rename the downloaded file to: {BINARY_FILENAME}\\n3. Move the file to this location: {BINARY_FOLDER}"
            )
"""
APP = "import gradio.blocks\n\ngradio.blocks.launch(share=True)\n"


def _gradio(tmp_path, version: str, frpc: str, folder: str) -> Path:
    site = tmp_path / "site"
    sha = hashlib.sha256(FAKE_FRPC).hexdigest()
    fake_distribution(
        site,
        "gradio",
        version,
        {
            "gradio/__init__.py": f"__version__ = '{version}'\n",
            "gradio/tunneling.py": TUNNELING.format(version=frpc, sha=sha, folder=folder),
            "gradio/blocks.py": BLOCKS,
        },
        top_level="gradio",
    )
    return site


def _constants(site, env) -> dict:
    code = "import gradio.tunneling as t; print(t.BINARY_PATH); print(t.BINARY_URL); print(t.BINARY_FOLDER)"
    path, url, folder = run_python(code, path=site, env=env).stdout.split("\n")[:3]
    return {"path": path, "url": url, "folder": folder}


def _fix(fix_code, tmp_path, site, env, *args):
    script = tmp_path / "frpc_fix.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return run_args([str(script), *args], site, tmp_path, env=env)


def test_missing_file_message_then_option1_installs_binary_in_hf_cache(fix_code, tmp_path):
    site = _gradio(tmp_path, "6.31.0", "0.3", HF_CACHE)
    env = {"HF_HOME": str(tmp_path / "hf")}
    where = _constants(site, env)
    assert where["path"] == str(tmp_path / "hf" / "gradio" / "frpc" / Path(where["path"]).name)
    assert Path(where["path"]).name.endswith("_v0.3")

    before = run_python(APP, path=site, env=env)
    assert f"Could not create share link. Missing file: {where['path']}. \n" in before.stdout
    assert f"1. Download this file: {where['url']}\n" in before.stdout
    assert f"3. Move the file to this location: {where['folder']}" in before.stdout
    message = tmp_path / "msg.txt"
    message.write_text(before.stdout, encoding="utf-8")
    downloaded = tmp_path / "Downloads" / "frpc_download"
    downloaded.parent.mkdir()
    downloaded.write_bytes(FAKE_FRPC)

    result = _fix(fix_code, tmp_path, site, env, "--file", str(downloaded), str(message))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"installed {where['path']}" in result.stdout
    binary = Path(where["path"])
    assert binary.read_bytes() == FAKE_FRPC
    assert binary.stat().st_mode & stat.S_IXUSR
    assert [p.name for p in binary.parent.iterdir()] == [binary.name]  # no temp file left

    after = run_python(APP, path=site, env=env)
    assert "Missing file" not in after.stdout
    assert "Running on public URL" in after.stdout


def test_without_message_uses_the_installed_gradio_package_folder(fix_code, tmp_path):
    site = _gradio(tmp_path, "4.44.1", "0.2", IN_PACKAGE)
    where = _constants(site, None)
    assert Path(where["path"]).parent == site / "gradio"
    assert "Missing file" in run_python(APP, path=site).stdout
    downloaded = tmp_path / "frpc_linux_amd64"
    downloaded.write_bytes(FAKE_FRPC)

    result = _fix(fix_code, tmp_path, site, None, "--file", str(downloaded))
    assert result.returncode == 0, result.stdout + result.stderr
    assert Path(where["path"]).read_bytes() == FAKE_FRPC
    assert "Running on public URL" in run_python(APP, path=site).stdout


def test_refuses_a_tampered_binary_and_a_proxy_page(fix_code, tmp_path):
    site = _gradio(tmp_path, "6.31.0", "0.3", HF_CACHE)
    env = {"HF_HOME": str(tmp_path / "hf")}
    target = Path(_constants(site, env)["path"])
    tampered = tmp_path / "tampered"
    tampered.write_bytes(FAKE_FRPC + b" changed")
    page = tmp_path / "page.html"
    page.write_bytes(b"<html>Blocked by your administrator</html>")

    result = _fix(fix_code, tmp_path, site, env, "--file", str(tampered))
    assert result.returncode == 1
    assert "REFUSED: sha256" in result.stdout
    result = _fix(fix_code, tmp_path, site, env, "--file", str(page))
    assert result.returncode == 1
    assert "is not a program" in result.stdout
    assert not target.exists()


def test_parses_windows_and_gradio_3_35_wordings(fix_code):
    from_message = script_names(fix_code(SLUG, 1))["from_message"]
    windows = (
        "Could not create share link. Missing file: C:\\Users\\Me\\OneDrive - Work\\venv\\lib\\site-packages\\"
        "gradio\\frpc_windows_amd64_v0.2. \n\nPlease check your internet connection. ...\n\n"
        "1. Download this file: https://cdn-media.huggingface.co/frpc-gradio-0.2/frpc_windows_amd64.exe\n"
        "2. Rename the downloaded file to: frpc_windows_amd64_v0.2\n"
        "3. Move the file to this location: C:\\Users\\Me\\OneDrive - Work\\venv\\lib\\site-packages\\gradio"
    )
    assert from_message(windows) == (
        "C:\\Users\\Me\\OneDrive - Work\\venv\\lib\\site-packages\\gradio\\frpc_windows_amd64_v0.2",
        "https://cdn-media.huggingface.co/frpc-gradio-0.2/frpc_windows_amd64.exe",
    )
    old = (
        "Could not create share link. Please check your internet connection or our status page: "
        "https://status.gradio.app. \n\nAlso please ensure that your antivirus or firewall is not blocking "
        "the binary file located at: /root/miniconda3/lib/python3.7/site-packages/gradio/frpc_linux_amd64_v0.2"
    )
    assert from_message(old) == (
        "/root/miniconda3/lib/python3.7/site-packages/gradio/frpc_linux_amd64_v0.2",
        "https://cdn-media.huggingface.co/frpc-gradio-0.2/frpc_linux_amd64",
    )
    logged = "2023-11-09 18:13:21 | INFO | stdout | Could not create share link. Missing file: /x/gradio/frpc_linux_amd64_v0.2."
    assert from_message(logged)[0] == "/x/gradio/frpc_linux_amd64_v0.2"


def test_message_without_missing_file_points_to_option_2(fix_code, tmp_path):
    message = tmp_path / "msg.txt"
    message.write_text(
        "Could not create share link. Please check your internet connection or our status page: https://status.gradio.app.\n",
        encoding="utf-8",
    )
    result = _fix(fix_code, tmp_path, tmp_path, {"HF_HOME": str(tmp_path / "hf")}, str(message))
    assert result.returncode != 0
    assert "see Option 2" in result.stderr
    assert not (tmp_path / "hf").exists()
