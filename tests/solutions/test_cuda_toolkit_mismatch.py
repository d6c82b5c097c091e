"""Verified fix for solutions/cuda-toolkit-mismatch.md.

The project does not install torch (a CUDA build is gigabytes) and there is no toolkit to rely on, so the
tests write a fake `torch` into tmp_path whose `torch/utils/cpp_extension.py` holds the code of the real
torch 2.14.1 release (copied from the manylinux wheel): `_find_cuda_home` (CUDA_HOME, CUDA_PATH, the folder
above `nvcc` on PATH, then /usr/local/cuda: that last guess is read from FAKE_DEFAULT_CUDA_HOME here, because
the test machine may have a real /usr/local/cuda), `_join_cuda_home`, `library_paths` (its Linux CUDA branch),
`CUDAExtension` and `_check_cuda_version` with the real CUDA_MISMATCH_MESSAGE / CUDA_MISMATCH_WARN texts (the
g++ bounds part is left out). `BuildExtension().build_extensions()` calls the check as the real one does
before compiling. A toolkit is a folder with a `bin/nvcc` script printing NVIDIA's real version banner and,
for a complete one, `include/cuda_runtime.h`.

Reproduced in a child interpreter: no toolkit -> `OSError: CUDA_HOME environment variable is not set...`;
CUDA_HOME at CUDA 11.8 with a torch built for 13.0 -> torch 2.8+'s tuple RuntimeError; a 13.2 toolkit ->
only the minor-mismatch warning. Then the entry's Option 1 runs with the same environment, names the
toolkit that matches, and the build passes with its exports.
"""

import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

from answers import assert_answers
from fake_site import fake_distribution, write_files
from pyrun import last_line, run_python

SLUG = "cuda-toolkit-mismatch"

TORCH = {
    "torch/__init__.py": """
        import os
        __version__ = os.environ.get("FAKE_TORCH", "2.14.1+cu130")
        from . import version, cuda
        from . import utils
    """,
    "torch/version.py": """
        import os
        cuda = os.environ.get("FAKE_TORCH_CUDA", "13.0") or None
        hip = None
    """,
    "torch/cuda.py": """
        import torch


        def _is_compiled():
            return torch.version.cuda is not None


        def is_available():
            return False  # no GPU on the build machine
    """,
    "torch/utils/__init__.py": "",
    # torch 2.14.1 torch/utils/cpp_extension.py, the parts on the way of these errors (logger -> logging)
    "torch/utils/cpp_extension.py": """
        import logging
        import os
        import re
        import shutil
        import subprocess
        import sys

        from packaging.version import Version

        import torch

        logger = logging.getLogger(__name__)
        IS_WINDOWS = sys.platform == "win32"
        SUBPROCESS_DECODE_ARGS = ()


        def _find_cuda_home():
            \"\"\"Find the CUDA install path.\"\"\"
            # Guess #1
            cuda_home = os.environ.get('CUDA_HOME') or os.environ.get('CUDA_PATH')
            if cuda_home is None:
                # Guess #2
                nvcc_path = shutil.which("nvcc")
                if nvcc_path is not None:
                    cuda_home = os.path.dirname(os.path.dirname(nvcc_path))
                else:
                    # Guess #3
                    cuda_home = os.environ.get("FAKE_DEFAULT_CUDA_HOME", '/usr/local/cuda')
                    if not os.path.exists(cuda_home):
                        cuda_home = None
            if cuda_home and not torch.cuda.is_available():
                logger.warning("No CUDA runtime is found, using CUDA_HOME='%s'", cuda_home)
            return cuda_home


        CUDA_MISMATCH_MESSAGE = (
            "The detected CUDA version (%s) mismatches the version that was used to compile"
            "PyTorch (%s). Please make sure to use the same CUDA versions."
        )
        CUDA_MISMATCH_WARN = (
            "The detected CUDA version (%s) has a minor version mismatch with the version that was used to compile PyTorch (%s). Most likely this shouldn't be a problem."
        )
        CUDA_NOT_FOUND_MESSAGE = (
            "CUDA was not found on the system, please set the CUDA_HOME or the CUDA_PATH"
            "environment variable or add NVCC to your system PATH. The extension compilation will fail."
        )
        CUDA_HOME = _find_cuda_home() if (torch.cuda._is_compiled() and torch.version.cuda) else None


        def _join_cuda_home(*paths):
            if CUDA_HOME is None:
                raise OSError('CUDA_HOME environment variable is not set. '
                              'Please set it to your CUDA install root.')
            return os.path.join(CUDA_HOME, *paths)


        def library_paths(device_type="cpu"):
            paths = [os.path.join(os.path.dirname(torch.__file__), 'lib')]
            if device_type == "cuda":
                lib_dir = 'lib64'
                if (not os.path.exists(_join_cuda_home(lib_dir)) and
                        os.path.exists(_join_cuda_home('lib'))):
                    lib_dir = 'lib'
                paths.append(_join_cuda_home(lib_dir))
            return paths


        def CUDAExtension(name, sources, *args, **kwargs):
            library_dirs = kwargs.get('library_dirs', [])
            library_dirs += library_paths(device_type="cuda")
            kwargs['library_dirs'] = library_dirs
            return (name, sources, kwargs)


        def _check_cuda_version(compiler_name, compiler_version):
            if not CUDA_HOME:
                raise RuntimeError(CUDA_NOT_FOUND_MESSAGE)

            nvcc = os.path.join(CUDA_HOME, 'bin', 'nvcc.exe' if IS_WINDOWS else 'nvcc')
            if not os.path.exists(nvcc):
                raise FileNotFoundError(f"nvcc not found at '{nvcc}'. Ensure CUDA path '{CUDA_HOME}' is correct.")

            cuda_version_str = subprocess.check_output([nvcc, '--version']).strip().decode(*SUBPROCESS_DECODE_ARGS)
            cuda_version = re.search(r'release (\\d+[.]\\d+)', cuda_version_str)
            if cuda_version is None:
                return

            cuda_str_version = cuda_version.group(1)
            cuda_ver = Version(cuda_str_version)
            if torch.version.cuda is None:
                return

            torch_cuda_version = Version(torch.version.cuda)
            if cuda_ver != torch_cuda_version:
                if cuda_ver.major != torch_cuda_version.major:
                    raise RuntimeError(CUDA_MISMATCH_MESSAGE, cuda_str_version, torch.version.cuda)
                logger.warning(CUDA_MISMATCH_WARN, cuda_str_version, torch.version.cuda)


        class BuildExtension:
            def build_extensions(self):
                _check_cuda_version("c++", "12.2.0")
                if not os.path.isfile(_join_cuda_home("include", "cuda_runtime.h")):
                    raise RuntimeError("<command-line>: fatal error: cuda_runtime.h: No such file or directory")
                # the link step: g++ ... -L<library_paths> -lcudart
                if not os.path.exists(os.path.join(library_paths("cuda")[-1], "libcudart.so")):
                    raise RuntimeError("/usr/bin/ld: cannot find -lcudart: No such file or directory")
                print(f"built add_kernel with CUDA_HOME={CUDA_HOME}")
    """,
}

# a setup.py of a CUDA extension, the two calls where the real build fails
SETUP = """
import logging
logging.basicConfig(format="W %(name)s] %(message)s")
from torch.utils.cpp_extension import BuildExtension, CUDAExtension

ext = CUDAExtension("add_kernel", ["add_kernel.cu"])
BuildExtension().build_extensions()
"""

BANNERS = {
    # nvcc --version of CUDA 11.8 (as quoted in IDEA-Research/GroundingDINO#165) and 13.0.88 (/usr/local/cuda-13.0)
    # 11.7.99 as many READMEs quote it (nvcc --version of /usr/local/cuda-11.7)
    "11.7": "Copyright (c) 2005-2022 NVIDIA Corporation\nBuilt on Wed_Jun__8_16:49:14_PDT_2022\n"
    "Cuda compilation tools, release 11.7, V11.7.99\nBuild cuda_11.7.r11.7/compiler.31442593_0",
    "11.8": "Copyright (c) 2005-2022 NVIDIA Corporation\nBuilt on Wed_Sep_21_10:33:58_PDT_2022\n"
    "Cuda compilation tools, release 11.8, V11.8.89\nBuild cuda_11.8.r11.8/compiler.31833905_0",
    "13.0": "Copyright (c) 2005-2025 NVIDIA Corporation\nBuilt on Wed_Aug_20_01:58:59_PM_PDT_2025\n"
    "Cuda compilation tools, release 13.0, V13.0.88\nBuild cuda_13.0.r13.0/compiler.36424714_0",
    "13.2": "Copyright (c) 2005-2026 NVIDIA Corporation\n"
    "Cuda compilation tools, release 13.2, V13.2.78\nBuild cuda_13.2.r13.2/compiler.37668154_0",
}


def toolkit(
    root: Path, version: str, complete: bool = True, pip_wheels: bool = False, name: str = ""
) -> Path:
    """A CUDA toolkit folder: bin/nvcc printing the real banner of `version`, lib64/libcudart.so, and the headers.

    pip_wheels: laid out like site-packages/nvidia/cu13 after `pip install cuda-toolkit[nvcc,cccl]`: lib/ holds
    only libcudart.so.13, no unversioned libcudart.so (read in nvidia-cuda-runtime 13.0.96).
    """
    home = root / (name or f"cuda-{version}")
    nvcc = home / "bin" / "nvcc"
    nvcc.parent.mkdir(parents=True)
    nvcc.write_text(
        "#!/bin/sh\ncat <<'EOF'\nnvcc: NVIDIA (R) Cuda compiler driver\n" + BANNERS[version] + "\nEOF\n"
    )
    nvcc.chmod(nvcc.stat().st_mode | stat.S_IEXEC)
    if pip_wheels:
        (home / "lib").mkdir()
        (home / "lib" / f"libcudart.so.{version.split('.')[0]}").write_text("ELF")
    else:
        (home / "lib64").mkdir()
        (home / "lib64" / "libcudart.so").write_text("ELF")
    if complete:
        (home / "include").mkdir()
        (home / "include" / "cuda_runtime.h").write_text("/* CUDA runtime API */\n")
    return home


def env_for(tmp_path: Path, cuda_home: Path | None, *path_dirs: Path, torch_cuda: str = "13.0") -> dict:
    """A build environment: CUDA_HOME (or none), PATH with only `path_dirs` and the system's /usr/bin:/bin."""
    return {
        "CUDA_HOME": str(cuda_home) if cuda_home else None,
        "CUDA_PATH": None,
        "PATH": os.pathsep.join([*map(str, path_dirs), "/usr/bin", "/bin"]),
        "FAKE_DEFAULT_CUDA_HOME": str(tmp_path / "usr-local-cuda"),  # absent: torch's guess #3 finds nothing
        "FAKE_TORCH_CUDA": torch_cuda,
        "FIND_CUDA_PLACES": str(
            tmp_path / "usr-local-cuda*"
        ),  # Option 1's install places: none of this machine's
    }


def build(tmp_path: Path, env: dict):
    site = write_files(tmp_path / "site", TORCH)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return run_python(SETUP, cwd=work, path=site, env=env)


def option1(fix_code, tmp_path: Path, env: dict):
    site = write_files(tmp_path / "site", TORCH)
    work = tmp_path / "opt1"
    work.mkdir(exist_ok=True)
    result = run_python(fix_code(SLUG, 1), cwd=work, path=site, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def exports(stdout: str) -> dict:
    """The NAME=value of Option 1's `export` lines, as the shell reads them."""
    found = {}
    for line in stdout.splitlines():
        if line.startswith("export "):
            name, _, value = shlex.split(line, comments=True)[1].partition("=")
            found[name] = value
    assert "CUDA_HOME" in found, stdout
    return found


def test_no_toolkit_is_the_cuda_home_oserror_and_option1_finds_the_one_installed(fix_code, index, tmp_path):
    wrong = build(tmp_path, env_for(tmp_path, None))
    assert wrong.returncode != 0
    assert "torch/utils/cpp_extension.py" in wrong.stderr and "in _join_cuda_home" in wrong.stderr
    assert last_line(wrong) == (
        "OSError: CUDA_HOME environment variable is not set. Please set it to your CUDA install root."
    )
    assert_answers(index, SLUG, wrong.stderr)

    # nothing to find yet: Option 1 says so, and prints no export
    out = option1(fix_code, tmp_path, env_for(tmp_path, None))
    assert "torch 2.14.1+cu130 was built for CUDA 13.0" in out
    assert "No complete CUDA 13.x toolkit found" in out
    assert "export CUDA_HOME" not in out

    # a toolkit installed elsewhere (a conda env, /opt/cuda-13.0...) whose bin is on PATH
    home = toolkit(tmp_path / "opt", "13.0")
    out = option1(fix_code, tmp_path, env_for(tmp_path, None, home / "bin"))
    assert f"{home}  (nvcc on PATH): nvcc 13.0 -> matches" in out
    fixed = build(tmp_path, env_for(tmp_path, Path(exports(out)["CUDA_HOME"])))
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == f"built add_kernel with CUDA_HOME={home}"
    assert "No CUDA runtime is found, using CUDA_HOME=" in fixed.stderr  # no GPU here: only informative


def test_major_mismatch_is_torch_28s_tuple_error_and_option1_picks_the_matching_toolkit(
    fix_code, index, tmp_path
):
    old = toolkit(tmp_path / "usr-local", "11.8")
    new = toolkit(tmp_path / "opt", "13.0")
    env = env_for(tmp_path, old, new / "bin")  # CUDA_HOME still names the old toolkit
    wrong = build(tmp_path, env)
    assert wrong.returncode != 0
    assert "in _check_cuda_version" in wrong.stderr
    assert last_line(wrong) == (
        "RuntimeError: ('The detected CUDA version (%s) mismatches the version that was used to compilePyTorch "
        "(%s). Please make sure to use the same CUDA versions.', '11.8', '13.0')"
    )
    assert_answers(index, SLUG, wrong.stderr)

    out = option1(fix_code, tmp_path, env)
    assert f"{old}  ($CUDA_HOME): nvcc 11.8 -> torch refuses it (major 11 != 13)" in out
    found = exports(out)
    assert found["CUDA_HOME"] == str(new)
    assert found["PATH"].startswith(f"{new}/bin:")
    fixed = build(tmp_path, {**env, "CUDA_HOME": found["CUDA_HOME"]})
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == f"built add_kernel with CUDA_HOME={new}"


def test_same_major_only_warns_and_an_incomplete_toolkit_is_flagged(fix_code, index, tmp_path):
    minor = toolkit(tmp_path / "a", "13.2")
    result = build(tmp_path, env_for(tmp_path, minor))
    assert result.returncode == 0, result.stderr
    assert (
        "The detected CUDA version (13.2) has a minor version mismatch with the version that was used to compile "
        "PyTorch (13.0). Most likely this shouldn't be a problem." in result.stderr
    )
    # nvcc alone (a bare nvcc wheel) is no toolkit: Option 1 does not offer it
    bare = toolkit(tmp_path / "b", "13.0", complete=False)
    out = option1(fix_code, tmp_path, env_for(tmp_path, bare, minor / "bin"))
    assert "include/cuda_runtime.h is missing: not a complete toolkit" in out
    assert exports(out)["CUDA_HOME"] == str(minor)
    assert "accepted (same major; torch warns about the minor version)" in out


def test_option1_on_a_torch_without_cuda_says_so(fix_code, tmp_path):
    out = option1(
        fix_code, tmp_path, {**env_for(tmp_path, None), "FAKE_TORCH": "2.14.1+cpu", "FAKE_TORCH_CUDA": ""}
    )
    assert "was built for CUDA None" in out
    assert "This torch has no CUDA" in out


def test_other_wordings_are_this_entry(entry, index):
    for text in entry.errors:
        assert_answers(index, SLUG, text)


def test_option1_prefers_a_toolkit_that_links_over_pip_wheels_without_libcudart(fix_code, tmp_path):
    # `pip install cuda-toolkit[nvcc,cccl]` put nvcc and the headers in site-packages/nvidia/cu13, whose lib/ has
    # only libcudart.so.13: torch links with -lcudart, so a build with that CUDA_HOME stops at the link step
    # (real torch 2.14.1: `/usr/bin/ld: cannot find -lcudart: No such file or directory`)
    pip_home = toolkit(tmp_path / "site-packages" / "nvidia", "13.0", pip_wheels=True, name="cu13")
    full = toolkit(tmp_path / "opt", "13.0")
    env = {**env_for(tmp_path, pip_home), "FIND_CUDA_PLACES": str(tmp_path / "opt" / "cuda-*")}
    wrong = build(tmp_path, env)
    assert last_line(wrong) == "RuntimeError: /usr/bin/ld: cannot find -lcudart: No such file or directory"

    out = option1(fix_code, tmp_path, env)
    assert f"{pip_home}  ($CUDA_HOME): nvcc 13.0 -> matches, but libcudart.so is missing" in out
    found = exports(out)
    assert found["CUDA_HOME"] == str(full)
    fixed = build(tmp_path, {**env, "CUDA_HOME": found["CUDA_HOME"]})
    assert fixed.returncode == 0, fixed.stderr


def test_option1_prints_the_libcudart_link_when_the_pip_wheels_are_the_only_toolkit(fix_code, tmp_path):
    pip_home = toolkit(tmp_path / "site-packages" / "nvidia", "13.0", pip_wheels=True, name="cu13")
    env = env_for(tmp_path, None, pip_home / "bin")
    out = option1(fix_code, tmp_path, env)
    assert exports(out)["CUDA_HOME"] == str(pip_home)
    (link,) = [line for line in out.splitlines() if line.startswith("ln -sf ")]
    subprocess.run(["bash", "-c", link], check=True)
    assert os.path.realpath(pip_home / "lib" / "libcudart.so") == str(pip_home / "lib" / "libcudart.so.13")
    fixed = build(tmp_path, {**env, "CUDA_HOME": str(pip_home)})
    assert fixed.returncode == 0, fixed.stderr
    # run twice (the user pastes it again): same answer, the link is not printed again
    again = option1(fix_code, tmp_path, env)
    assert exports(again)["CUDA_HOME"] == str(pip_home) and "ln -sf" not in again


def test_option1_arch_list_is_one_the_toolkit_knows(fix_code, tmp_path):
    # nvcc 11.7 knows sm_35..sm_87 (ptxas --help of nvidia-cuda-nvcc-cu11 11.7.99); 8.9 and 9.0 came with 11.8,
    # and torch 1.13.1's own list stops at 8.6 (`Unknown CUDA arch (8.9) or GPU not supported`)
    old = toolkit(tmp_path / "opt", "11.7")
    for torch_version in ("2.0.1+cu117", "1.13.1+cu117"):
        env = {**env_for(tmp_path, old, torch_cuda="11.7"), "FAKE_TORCH": torch_version}
        arch = exports(option1(fix_code, tmp_path, env))["TORCH_CUDA_ARCH_LIST"].split(";")
        assert arch and not {"8.9", "9.0"} & set(arch), (torch_version, arch)
    new = toolkit(tmp_path / "opt", "13.0")
    out = option1(fix_code, tmp_path, env_for(tmp_path, new))
    assert exports(out)["TORCH_CUDA_ARCH_LIST"] == "8.0;8.6;8.9;9.0"  # CUDA 13 dropped 7.0/7.2, knows these


def test_option1_export_lines_never_run_a_path_as_code(fix_code, tmp_path):
    home = toolkit(tmp_path / "opt", "13.0", name="cuda 13.0 $(touch PWNED)")
    out = option1(fix_code, tmp_path, env_for(tmp_path, home))
    lines = "\n".join(line for line in out.splitlines() if line.startswith("export "))
    shell = subprocess.run(
        ["bash", "-c", lines + '\nprintf %s "$CUDA_HOME"'],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert not (tmp_path / "PWNED").exists()
    assert shell.stdout == str(home)


def test_option1_prints_powershell_lines_on_windows(fix_code, tmp_path):
    site = write_files(tmp_path / "site", TORCH)
    call = (
        "import sys\nns = {'__name__': 'find_cuda_home'}\nexec(compile(sys.argv[1], 'find_cuda_home.py', 'exec'), ns)\n"
        "print('\\n'.join(ns['export_lines'](r\"C:\\CUDA\\v13.0\", (13, 0), windows=True)))"
    )
    result = run_python(call, path=site, args=[fix_code(SLUG, 1)])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "$env:CUDA_HOME = 'C:\\CUDA\\v13.0'"
    assert lines[1].startswith("$env:PATH = 'C:\\CUDA\\v13.0") and lines[1].endswith("bin;' + $env:PATH")
    assert not any(line.startswith("export ") for line in lines)


def test_option1_names_a_cuda_home_without_nvcc(fix_code, tmp_path):
    out = option1(fix_code, tmp_path, env_for(tmp_path, tmp_path / "opt" / "cuda-12.1"))
    assert f"{tmp_path / 'opt' / 'cuda-12.1'}  ($CUDA_HOME): no working bin/nvcc" in out


def test_option2_pip_toolkit_is_the_version_torch_pins(fix_code, tmp_path):
    # torch 2.15.0 from PyPI requires cuda-toolkit[...]==13.2.2 (2.14.1: 13.0.3): a fixed pin would move torch's
    # own CUDA wheels to another release
    site = tmp_path / "site"
    fake_distribution(
        site,
        "torch",
        "2.15.0",
        requires=[
            "cuda-toolkit[cublas,cudart,cufft,cufile,cupti,cusolver,cusparse,nvjitlink,nvrtc,nvtx]==13.2.2; "
            'platform_system == "Linux"',
            "filelock",
        ],
    )
    (site / "nvidia" / "cu13" / "lib").mkdir(parents=True)
    (site / "nvidia" / "cu13" / "lib" / "libcudart.so.13").write_text("ELF")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    (bin_dir / "pip").write_text('#!/bin/sh\necho "$@" >> "$PIP_LOG"\n')
    (bin_dir / "pip").chmod(0o755)
    block = fix_code(SLUG, 2).splitlines()
    start = next(
        i for i, line in enumerate(block) if line.startswith("# torch built for CUDA 13.x from PyPI")
    )
    end = next(i for i, line in enumerate(block) if line.startswith("ln -sf "))
    script = "\n".join(block[start : end + 1]) + '\nprintf %s "$CUDA_HOME"'
    env = dict(
        os.environ, PATH=f"{bin_dir}:/usr/bin:/bin", PYTHONPATH=str(site), PIP_LOG=str(tmp_path / "pip.log")
    )
    env.pop("PYTHONHOME", None)
    shell = subprocess.run(["bash", "-ec", script], capture_output=True, text=True, env=env, check=False)
    assert shell.returncode == 0, shell.stderr
    assert (tmp_path / "pip.log").read_text().split() == ["install", "cuda-toolkit[nvcc,cccl]==13.2.2"]
    assert shell.stdout == str(site / "nvidia" / "cu13")
    assert (site / "nvidia" / "cu13" / "lib" / "libcudart.so").resolve().name == "libcudart.so.13"
