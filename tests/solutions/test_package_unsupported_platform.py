"""Verified fix for solutions/package-unsupported-platform.md.

No Windows or macOS machine here and no network in the tests, so:
- uvloop's refusal is reproduced with the first lines of the real uvloop 0.23.0 sdist's setup.py (the same
  in 0.21.0; the Windows check exists since 0.4.5), executed in a child interpreter whose `sys.platform` is
  set to 'win32' before the script runs (as a Windows pip build subprocess sees it): it raises the real
  `RuntimeError: uvloop does not support Windows at the moment`; on 'linux' it gets past the check.
- uvloop is not in the project's venv, so a fake `uvloop` package in tmp_path has the shape of the real
  releases the entry's Option 1 handles: 0.18+ (`uvloop.run`, a `Loop` class of module `uvloop`) and older
  ones (`EventLoopPolicy` only). Option 1 then runs on it, and without any uvloop (a finder that hides it,
  as on Windows) it falls back to asyncio's loop. The entry's requirements line is evaluated with
  `packaging.markers` (what pip vendors) for win32, linux and darwin.
- Option 2 (the wheel-tag report) reads PEP 691 JSON from a local server that serves the real file names of
  decord 0.6.0 (no sdist, no macOS arm64 wheel), uvloop 0.23.0 (sdist, no Windows wheel) and memray's version
  list (where the simple API's order puts 1.9.1 after 1.20.0). Its platform rules are compared with
  packaging.tags (the tags pip accepts on each OS and CPU, glibc and musl versions set high), its Python
  column and `this Python` line with the wheels' own tags; a pin written as `0.23`, a release or project the
  index does not have and an index that cannot be reached each end in one line and exit status 1.
- A uvloop that is installed but broken (no `uvloop.loop`, an extension that does not load) is not hidden
  by Option 1's fallback.
- The matcher answers the entry's signatures in pasted pip logs and refuses its look-alikes.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from unittest import mock

from answers import assert_answers, confident_answer
from entry_blocks import option_blocks
from fake_http import serving
from fake_site import write_files
from packaging import _manylinux, _musllinux
from packaging import tags as packaging_tags
from packaging.requirements import Requirement
from pyrun import last_line, run_python

SLUG = "package-unsupported-platform"

# uvloop 0.23.0 sdist, setup.py lines 1-9 (0.21.0 has the same lines; 0.15.3 asks for Python 3.7)
UVLOOP_SETUP_HEAD = """import sys

vi = sys.version_info
if vi < (3, 8):
    raise RuntimeError('uvloop requires Python 3.8 or greater')

if sys.platform in ('win32', 'cygwin', 'cli'):
    raise RuntimeError('uvloop does not support Windows at the moment')

print('platform check passed on', sys.platform)
"""

AS_PLATFORM = (
    "import sys; sys.platform = {platform!r}; exec(compile(open('setup.py').read(), 'setup.py', 'exec'))"
)

FAKE_UVLOOP_NEW = {
    "uvloop/__init__.py": """
        import asyncio

        class Loop(asyncio.SelectorEventLoop):
            pass

        Loop.__module__ = "uvloop"

        def new_event_loop():
            return Loop()

        def run(main, **kwargs):
            with asyncio.Runner(loop_factory=new_event_loop) as runner:
                return runner.run(main)
    """
}

FAKE_UVLOOP_OLD = {
    "uvloop/__init__.py": """
        import asyncio

        class Loop(asyncio.SelectorEventLoop):
            pass

        Loop.__module__ = "uvloop"

        class EventLoopPolicy(asyncio.DefaultEventLoopPolicy):
            def new_event_loop(self):
                return Loop()
    """
}

# installed but broken: the compiled `uvloop.loop` missing (an interrupted install, a wheel of another
# Python copied in) or present and unloadable (`ImportError: …/loop.cpython-311-x86_64-linux-gnu.so: file too
# short`, as real uvloop 0.23.0 gave here with its .so replaced)
BROKEN_UVLOOPS = {
    "No module named 'uvloop.loop'": {"uvloop/__init__.py": "from .loop import Loop as __BaseLoop  # NOQA\n"},
    "file too short": {
        "uvloop/__init__.py": "from .loop import Loop as __BaseLoop  # NOQA\n",
        "uvloop/loop.py": "raise ImportError('/site/uvloop/loop.cpython-311-x86_64-linux-gnu.so: file too short')\n",
    },
}

HIDE_UVLOOP = """
import sys
class _NoUvloop:
    def find_spec(self, name, path=None, target=None):
        if name == "uvloop" or name.startswith("uvloop."):
            raise ModuleNotFoundError("No module named 'uvloop'", name="uvloop")
        return None
sys.meta_path.insert(0, _NoUvloop())
"""

# real file names from PyPI's simple API (2026-12-07)
DECORD_FILES = [
    "decord-0.6.0-cp36-cp36m-macosx_10_15_x86_64.whl",
    "decord-0.6.0-cp37-cp37m-macosx_10_15_x86_64.whl",
    "decord-0.6.0-cp38-cp38-macosx_10_15_x86_64.whl",
    "decord-0.6.0-py3-none-manylinux2010_x86_64.whl",
    "decord-0.6.0-py3-none-win_amd64.whl",
    "decord-0.5.2-cp38-cp38-macosx_10_15_x86_64.whl",
]
# torch 1.8.0's Apple Silicon wheel: packaging (so pip) never accepts a macOS 11+ tag with a minor version
TORCH_FILES = ["torch-1.8.0-cp38-none-macosx_11_1_arm64.whl", "torch-1.8.0-cp38-cp38-manylinux1_x86_64.whl"]
UVLOOP_FILES = [
    "uvloop-0.23.0-cp312-cp312-macosx_10_13_universal2.whl",
    "uvloop-0.23.0-cp312-cp312-macosx_10_13_x86_64.whl",
    "uvloop-0.23.0-cp312-cp312-manylinux2014_aarch64.manylinux_2_17_aarch64.manylinux_2_28_aarch64.whl",
    "uvloop-0.23.0-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
    "uvloop-0.23.0-cp312-cp312-musllinux_1_2_aarch64.whl",
    "uvloop-0.23.0-cp312-cp312-musllinux_1_2_x86_64.whl",
    "uvloop-0.23.0.tar.gz",
    "uvloop-0.22.1.tar.gz",
]
MEMRAY_FILES = ["memray-1.9.1.tar.gz", "memray-1.20.0-cp312-cp312-manylinux_2_28_x86_64.whl"]
INDEX = {
    "decord": (["0.5.2", "0.6.0"], DECORD_FILES),
    "uvloop": (["0.22.1", "0.23.0"], UVLOOP_FILES),
    "memray": (["1.20.0", "1.9.1"], MEMRAY_FILES),  # the simple API's order is not numeric
    "torch": (["1.8.0"], TORCH_FILES),
}
# platform tags of real PyPI wheels (numpy, uvloop, memray, pywin32, onnxruntime-gpu, cryptography, torch...)
REAL_PLATFORM_TAGS = [
    "win_amd64",
    "win_arm64",
    "win32",
    "macosx_10_9_x86_64",
    "macosx_10_9_universal2",
    "macosx_10_13_universal2",
    "macosx_10_15_x86_64",
    "macosx_11_0_arm64",
    "macosx_11_1_arm64",
    "macosx_14_0_arm64",
    "macosx_14_0_x86_64",
    "macosx_10_6_intel",
    "macosx_10_9_fat64",
    "macosx_10_9_universal",
    "manylinux1_x86_64",
    "manylinux2010_x86_64",
    "manylinux2014_x86_64",
    "manylinux2014_aarch64",
    "manylinux_2_17_x86_64",
    "manylinux_2_28_aarch64",
    "manylinux_2_28_x86_64",
    "manylinux2014_i686",
    "manylinux_2_17_ppc64le",
    "manylinux_2_31_armv7l",
    "musllinux_1_1_x86_64",
    "musllinux_1_2_x86_64",
    "musllinux_1_2_aarch64",
    "linux_x86_64",
    "linux_armv7l",
    "ios_13_0_arm64_iphoneos",
    "android_24_arm64_v8a",
    "pyemscripten_2025_0_wasm32",
]


@contextmanager
def simple_index():
    """A PEP 691 JSON simple index for INDEX; yields its base URL."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Accept"))
            name = self.path.strip("/").split("/")[-1]
            if name not in INDEX:
                self.send_error(404)
                return
            versions, files = INDEX[name]
            body = json.dumps({"name": name, "versions": versions, "files": [{"filename": f} for f in files]})
            self.send_response(200)
            self.send_header("content-type", "application/vnd.pypi.simple.v1+json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    with serving(Handler) as url:
        yield f"{url}/simple", seen


def test_uvloop_setup_refuses_windows(tmp_path):
    (tmp_path / "setup.py").write_text(UVLOOP_SETUP_HEAD, encoding="utf-8")
    for platform in ("win32", "cygwin"):
        result = run_python(AS_PLATFORM.format(platform=platform), cwd=tmp_path)
        assert result.returncode == 1
        assert last_line(result) == "RuntimeError: uvloop does not support Windows at the moment"
    ok = run_python(AS_PLATFORM.format(platform="linux"), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "platform check passed on linux"


def test_option1_falls_back_to_asyncio_without_uvloop(fix_code, tmp_path):
    result = run_python(HIDE_UVLOOP + fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("event loop from ")[1].strip().startswith("asyncio.")


def test_option1_uses_uvloop_where_installed(fix_code, tmp_path):
    for shape in (FAKE_UVLOOP_NEW, FAKE_UVLOOP_OLD):
        site = write_files(tmp_path / f"site{len(shape['uvloop/__init__.py'])}", shape)
        result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().endswith("event loop from uvloop"), result.stdout


def test_requirements_marker_skips_uvloop_on_windows():
    [text] = [code for language, code in option_blocks(SLUG, 1) if language == "text"]
    line = next(row for row in text.splitlines() if row.startswith("uvloop"))
    requirement = Requirement(line)
    assert requirement.name == "uvloop"
    assert requirement.marker.evaluate({"sys_platform": "win32"}) is False
    assert requirement.marker.evaluate({"sys_platform": "linux"}) is True
    assert requirement.marker.evaluate({"sys_platform": "darwin"}) is True


def test_option2_reports_wheel_platforms(fix_code, tmp_path):
    with simple_index() as (url, seen):
        result = run_python(
            fix_code(SLUG, 2),
            cwd=tmp_path,
            env={"SIMPLE_INDEX": url},
            args=["decord", "uvloop==0.23.0", "memray"],
        )
    assert result.returncode == 0, result.stderr
    assert set(seen) == {"application/vnd.pypi.simple.v1+json"}
    lines = result.stdout.splitlines()
    rows = {}
    current = None
    for row in lines[1:]:
        if not row.startswith("  "):
            current = row.split(":")[0]
            rows[current] = {}
        else:
            label = "this Python" if row.startswith("  this Python (") else row[2:30].strip()
            rows[current][label] = row[30:].strip().removesuffix("<- this machine").strip()
    assert "decord 0.6.0" in rows and "uvloop 0.23.0" in rows and "memray 1.20.0" in rows
    decord = rows["decord 0.6.0"]
    assert decord["macOS Apple Silicon (arm64)"] == "NOTHING: pip skips this release"
    assert decord["macOS Intel (x86_64)"] == "wheel for cp36 cp37 cp38"  # not for Python 3.9+
    assert decord["Windows x86-64"] == "wheel for py3"
    assert decord["Linux aarch64 (glibc)"] == "NOTHING: pip skips this release"
    assert decord["this Python"].startswith("a wheel fits (decord-0.6.0-py3-none-manylinux2010")
    uvloop = rows["uvloop 0.23.0"]
    assert uvloop["Windows x86-64"].startswith("no wheel: pip builds the sdist")
    assert uvloop["macOS Apple Silicon (arm64)"] == "wheel for cp312"  # universal2
    assert uvloop["Linux x86_64 (musl, Alpine)"] == "wheel for cp312"
    if sys.version_info[:2] != (3, 12):  # the index serves cp312 wheels only
        assert uvloop["this Python"] == "no wheel fits: pip builds the sdist"
    assert "decord 0.6.0: 5 wheels, sdist: no" in lines
    assert "uvloop 0.23.0: 6 wheels, sdist: yes" in lines


def test_option2_without_arguments_only_describes_this_machine(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path, env={"SIMPLE_INDEX": "http://127.0.0.1:9/simple"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("this machine: Linux") and len(result.stdout.splitlines()) == 1


PIP_WINDOWS_UVLOOP = r"""
Collecting uvloop==0.21.0 (from -r requirements.txt (line 12))
  Downloading uvloop-0.21.0.tar.gz (2.5 MB)
  Installing build dependencies ... done
  Getting requirements to build wheel ... error
  error: subprocess-exited-with-error

  × Getting requirements to build wheel did not run successfully.
  │ exit code: 1
  ╰─> [8 lines of output]
      Traceback (most recent call last):
        File "C:\Users\dev\AppData\Local\Temp\pip-build-env-3f1\overlay\Lib\site-packages\setuptools\build_meta.py", line 317, in run_setup
          exec(code, locals())
        File "<string>", line 8, in <module>
      RuntimeError: uvloop does not support Windows at the moment
      [end of output]

  note: This error originates from a subprocess, and is likely not a problem with pip.
"""

PIP_VLLM_MAC = r"""
Collecting vllm
  Using cached vllm-0.4.2.tar.gz (588 kB)
  Installing build dependencies ... done
  Getting requirements to build wheel ... error
  error: subprocess-exited-with-error

  × Getting requirements to build wheel did not run successfully.
  │ exit code: 1
  ╰─> [17 lines of output]
      Traceback (most recent call last):
        File "/private/var/folders/x1/T/pip-build-env-9a/overlay/lib/python3.11/site-packages/setuptools/build_meta.py", line 311, in run_setup
          exec(code, locals())
        File "<string>", line 36, in <module>
      AssertionError: vLLM only supports Linux platform (including WSL).
      [end of output]
"""


def test_matcher_answers_the_signatures(index):
    assert_answers(index, SLUG, PIP_WINDOWS_UVLOOP)
    assert_answers(index, SLUG, PIP_VLLM_MAC)
    for text in (
        "RuntimeError: memray does not support this platform (win32)",
        "(venv) ➜ pip install decord\nERROR: Could not find a version that satisfies the requirement decord "
        "(from versions: none)\nERROR: No matching distribution found for decord",
    ):
        assert_answers(index, SLUG, text)


def test_matcher_refuses_the_look_alikes(index, entry):
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text


def test_option1_does_not_hide_a_broken_uvloop(fix_code, tmp_path):
    for number, (message, shape) in enumerate(BROKEN_UVLOOPS.items()):
        site = write_files(tmp_path / f"broken{number}", shape)
        result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
        assert result.returncode == 1, result.stdout
        assert message in last_line(result), result.stderr
        assert "event loop from" not in result.stdout


def wheel_platforms_module(fix_code):
    namespace = {"__name__": "wheel_platforms"}
    exec(compile(fix_code(SLUG, 2), "wheel_platforms.py", "exec"), namespace)
    return namespace


def test_option2_platform_rules_agree_with_packaging_tags(fix_code):
    module = wheel_platforms_module(fix_code)
    with (
        mock.patch.object(_manylinux, "_get_glibc_version", lambda: (2, 99)),
        mock.patch.object(_manylinux, "_is_compatible", lambda arch, version: True),
        mock.patch.object(_manylinux, "_have_compatible_abi", lambda executable, archs: True),
        mock.patch.object(_musllinux, "_get_musl_version", lambda executable: _musllinux._MuslVersion(1, 99)),
    ):
        accepted = {
            "Windows x86-64": {"win_amd64"},
            "Windows ARM64": {"win_arm64"},
            "macOS Apple Silicon (arm64)": set(packaging_tags.mac_platforms((26, 0), "arm64")),
            "macOS Intel (x86_64)": set(packaging_tags.mac_platforms((26, 0), "x86_64")),
            "Linux x86_64 (glibc)": {*_manylinux.platform_tags(["x86_64"]), "linux_x86_64"},
            "Linux aarch64 (glibc)": {*_manylinux.platform_tags(["aarch64"]), "linux_aarch64"},
            "Linux x86_64 (musl, Alpine)": {*_musllinux.platform_tags(["x86_64"]), "linux_x86_64"},
        }
    assert set(module["PLATFORMS"]) == set(accepted)
    for label, fits in module["PLATFORMS"].items():
        for tag in REAL_PLATFORM_TAGS:
            assert fits(tag) == (tag in accepted[label]), (label, tag)
    python_label = module["python_label"]
    assert python_label("cryptography-51.0.1-cp39-abi3-macosx_11_0_arm64.whl") == "cp39-abi3"
    assert python_label("cryptography-51.0.1-cp315-abi3.abi3t-macosx_11_0_arm64.whl") == "cp315-abi3"
    assert python_label("six-1.17.0-py2.py3-none-any.whl") == "py2.py3"


def test_option2_reads_pins_as_pip_does_and_fails_in_one_line(fix_code, tmp_path):
    with simple_index() as (url, _):
        pinned = run_python(
            fix_code(SLUG, 2), cwd=tmp_path, env={"SIMPLE_INDEX": url}, args=["uvloop==0.23", "torch"]
        )
        missing = run_python(
            fix_code(SLUG, 2),
            cwd=tmp_path,
            env={"SIMPLE_INDEX": url},
            args=["uvloop==9.9", "uvlop", "decord"],
        )
    assert pinned.returncode == 0, pinned.stderr
    assert (
        "uvloop 0.23.0: 6 wheels, sdist: yes" in pinned.stdout
    )  # 0.23 is 0.23.0, not a release with no files
    assert "Linux x86_64 (glibc)         wheel for cp312" in pinned.stdout
    assert (
        "macOS Apple Silicon (arm64)  NOTHING: pip skips this release" in pinned.stdout
    )  # torch's 11_1 wheel
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr
    assert missing.stderr.splitlines() == [
        f"uvloop: no release 9.9 on {url} (newest: 0.22.1, 0.23.0)",
        f"uvlop: no such project on {url} (a typo, or an import name such as cv2 for opencv-python?)",
    ]
    assert "decord 0.6.0: 5 wheels, sdist: no" in missing.stdout  # the other names are still reported


def test_option2_says_so_when_the_index_cannot_be_reached(fix_code, tmp_path):
    with simple_index() as (url, _):
        pass  # the port is closed again: nothing listens there
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path, env={"SIMPLE_INDEX": url}, args=["decord"])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert last_line(result).startswith(f"cannot reach {url}: ")
    assert "offline or behind a proxy" in last_line(result)


# pip 26.3 with no index reachable (run here against a closed port), and the same last line for other causes:
# onnxruntime-gpu on a Python its wheels do not cover (deepbeepmeep/Wan2GP#534), a pin the Python has no wheel of
PIP_OFFLINE_UVLOOP = """Looking in indexes: http://127.0.0.1:9/simple
WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by \
'NewConnectionError("HTTPConnection(host='127.0.0.1', port=9): Failed to establish a new connection: [Errno 111] \
Connection refused")': /simple/uvloop/
ERROR: Could not find a version that satisfies the requirement uvloop (from versions: none)
ERROR: No matching distribution found for uvloop
"""
PIP_PYTHON_ONNXRUNTIME = """ERROR: Ignored the following versions that require a different python version: 1.21.2 \
Requires-Python >=3.7,<3.11; 1.21.3 Requires-Python >=3.7,<3.11
ERROR: Could not find a version that satisfies the requirement onnxruntime-gpu (from versions: none)
ERROR: No matching distribution found for onnxruntime-gpu
"""


def test_matcher_leaves_other_causes_of_the_same_pip_line(index):
    for text in (
        PIP_OFFLINE_UVLOOP,
        PIP_PYTHON_ONNXRUNTIME,
        "ERROR: Could not find a version that satisfies the requirement onnxruntime-gpu (from versions: none)",
        "ERROR: Could not find a version that satisfies the requirement pywin32==305 (from versions: 306, 307, 308)",
        "ERROR: Could not find a version that satisfies the requirement decrod (from versions: none)",
        "ERROR: Could not find a version that satisfies the requirement torch (from versions: none)",
    ):
        assert confident_answer(index, text) != SLUG, text
