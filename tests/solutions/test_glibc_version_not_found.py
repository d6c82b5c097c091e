"""Verified fix for solutions/glibc-version-not-found.md.

No second, older glibc or libstdc++ is installed here, so the tests make the real loader (glibc's ld.so, which
prints `version `%s' not found (required by %s)` from elf/dl-version.c) meet a binary that needs more than the
library it finds: they copy real ELF files into tmp_path and rename version names in them, the way a newer
toolchain would have written them.

- An extension module of this Python, whose `.gnu.version_r` entry for a `GLIBC_2.NN` of libc.so.6 is renamed
  to `GLIBC_2.99` (hash updated): importing it gives the ImportError, loading it with ctypes the OSError.
- A copy of `true` whose GLIBC need is renamed the same way, started as `node`: the program-start wording.
- A g++-built shared library run against a copy of the system libstdc++.so.6 whose `.gnu.version_d`
  definitions from GLIBCXX_3.4.21 and CXXABI_1.3.9 up are hidden (an older GCC's libstdc++, as an old conda env
  or CentOS 7 has): the OSError naming that copy.

Then the entry's own Option 1 script reads each error text and must say what the entry says: the C library is
the OS's own (with this machine's glibc and manylinux tag), or a copy of libstdc++ that has every needed version,
whose LD_PRELOAD makes the library load; and the conda branch for an env's own old copy.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from pyrun import run_args, run_python

from app.corpus.entries import parse_entry

SLUG = "glibc-version-not-found"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
LOADER = re.compile(r"(\S+): version `([A-Z_]+[0-9.]+)' not found \(required by ([^)]+)\)$")
VERNEED, VERDEF = 0x6FFFFFFE, 0x6FFFFFFD


@pytest.fixture(autouse=True)
def _linux_with_glibc():
    """The loader's own messages are glibc's: these tests run where the project runs (Debian)."""
    if not sys.platform.startswith("linux") or not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith(
        "glibc"
    ):
        pytest.fail("these tests need Linux with glibc (the Debian machines make test runs on)")


def elf_hash(name: bytes) -> int:
    h = 0
    for c in name:
        h = ((h << 4) + c) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h


def _sections(data):
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    size, count = struct.unpack_from("<HH", data, 0x3A)
    return [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * size) for i in range(count)]


def _name_at(data, offset):
    return bytes(data[offset : data.index(b"\0", offset)])


def needed_names(data, library: bytes) -> list[tuple[int, int]]:
    """(name offset, vernaux offset) of each version the file needs from `library`."""
    found = []
    for _n, kind, _f, _a, offset, _s, link, count, _al, _e in _sections(data):
        if kind != VERNEED:
            continue
        strings = _sections(data)[link][4]
        for _ in range(count):
            _v, cnt, file_, aux, nxt = struct.unpack_from("<HHIII", data, offset)
            at = offset + aux
            for _ in range(cnt):
                _h, _fl, _o, name, anext = struct.unpack_from("<IHHII", data, at)
                if _name_at(data, strings + file_) == library:
                    found.append((strings + name, at))
                at += anext
            offset += nxt
    return found


def require_newer_glibc(path: Path) -> str | None:
    """Rename one GLIBC_2.NN the file needs from libc.so.6 to GLIBC_2.99 (same length, hash updated)."""
    data = bytearray(path.read_bytes())
    for name_at, _ in needed_names(data, b"libc.so.6"):
        name = _name_at(data, name_at)
        if re.fullmatch(rb"GLIBC_2\.\d\d", name):
            data[name_at : name_at + len(name)] = b"GLIBC_2.99"
            for other_at, aux_at in needed_names(data, b"libc.so.6"):
                if other_at == name_at:
                    struct.pack_into("<I", data, aux_at, elf_hash(b"GLIBC_2.99"))
            path.write_bytes(bytes(data))
            return name.decode()
    return None


def hide_definitions(path: Path, pattern: bytes) -> int:
    """Rename the version definitions matching `pattern` (first letter to X): an older build of the library."""
    data = bytearray(path.read_bytes())
    hidden = 0
    sections = _sections(data)
    for _n, kind, _f, _a, offset, _s, link, count, _al, _e in sections:
        if kind != VERDEF:
            continue
        strings = sections[link][4]
        for _ in range(count):
            _v, _fl, _ndx, cnt, _h, aux, nxt = struct.unpack_from("<HHHHIII", data, offset)
            if cnt:
                at = strings + struct.unpack_from("<I", data, offset + aux)[0]
                name = _name_at(data, at)
                if re.fullmatch(pattern, name):
                    new = b"X" + name[1:]
                    data[at : at + len(name)] = new
                    struct.pack_into("<I", data, offset + 8, elf_hash(new))
                    hidden += 1
            offset += nxt
    path.write_bytes(bytes(data))
    return hidden


def extension_needing_newer_glibc(tmp_path: Path) -> tuple[Path, str]:
    folders = {
        Path(sysconfig.get_config_var("DESTSHARED") or os.devnull),
        Path(os.__file__).parent / "lib-dynload",
    }
    for source in sorted(so for folder in folders if folder.is_dir() for so in folder.glob("*.so")):
        copy = tmp_path / source.name
        shutil.copyfile(source, copy)
        if require_newer_glibc(copy):
            return copy, source.name.split(".")[0]
        copy.unlink()
    pytest.fail("no extension module of this Python needs a GLIBC_2.NN version: its lib-dynload should")


def load_extension(name: str, path: Path) -> str:
    return (
        "import importlib.machinery as m, importlib.util as u\n"
        f"loader = m.ExtensionFileLoader({name!r}, {str(path)!r})\n"
        f"u.module_from_spec(u.spec_from_loader({name!r}, loader))\n"
    )


def check(fix_code, tmp_path, text: str, env=None):
    script = tmp_path / "glibc_check.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return run_args([str(script), text], cwd=tmp_path, env=env)


def this_glibc() -> str:
    return "GLIBC_" + os.confstr("CS_GNU_LIBC_VERSION").split()[1]


def test_python_extension_importerror_and_oserror_have_the_entry_s_shape(fix_code, tmp_path):
    module, name = extension_needing_newer_glibc(tmp_path)
    imported = run_python(load_extension(name, module), cwd=tmp_path)
    assert imported.returncode != 0
    last = imported.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: ") and last.endswith(f"(required by {module})")
    lib, version, by = LOADER.search(last).groups()
    assert (os.path.basename(lib), version, by) == ("libc.so.6", "GLIBC_2.99", str(module))
    via_ctypes = run_python(f"import ctypes; ctypes.CDLL({str(module)!r})", cwd=tmp_path)
    assert via_ctypes.stderr.strip().splitlines()[-1] == "OSError: " + last.removeprefix("ImportError: ")
    # the entry's signatures are these same loader texts
    shapes = [LOADER.search(sig) for sig in parse_entry(ENTRY).errors]
    assert any(s and s.group(0).startswith("/lib64/libc.so.6: version `GLIBC_2.") for s in shapes)
    assert any(sig.startswith("ImportError: ") and LOADER.search(sig) for sig in parse_entry(ENTRY).errors)
    assert any(sig.startswith("OSError: ") and LOADER.search(sig) for sig in parse_entry(ENTRY).errors)

    result = check(fix_code, tmp_path, last)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"{module} needs GLIBC_2.99 from libc.so.6" in out
    assert f"{lib} has GLIBC up to {this_glibc()}" in out
    assert f"the C library (glibc) is too old. It is the OS's own: never replace {lib}" in out
    assert "pip takes wheels up to manylinux_" + this_glibc()[6:].replace(".", "_") in out
    assert "LD_PRELOAD" not in out  # never a second C library


def test_a_program_start_prints_argv0_first_and_option1_reads_it(fix_code, tmp_path):
    true = shutil.which("true")
    if true is None:
        pytest.fail("no `true` program (coreutils) on PATH")
    node = tmp_path / "node"
    shutil.copyfile(true, node)
    node.chmod(0o755)
    if require_newer_glibc(node) is None:
        pytest.fail("`true` needs no GLIBC_2.NN version: a glibc build of coreutils does")
    started = subprocess.run(
        ["node"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}"),
    )
    assert started.returncode != 0
    line = started.stderr.strip().splitlines()[0]
    assert re.fullmatch(r"node: \S+/libc\.so\.6: version `GLIBC_2\.99' not found \(required by node\)", line)
    assert any(
        re.fullmatch(r"node: \S+/libc\.so\.6: version `GLIBC_2\.\d+' not found \(required by node\)", s)
        for s in parse_entry(ENTRY).errors
    )
    result = check(fix_code, tmp_path, line, env={"PATH": f"{tmp_path}:{os.environ['PATH']}"})
    assert result.returncode == 0, result.stderr
    assert "node needs GLIBC_2.99 from libc.so.6" in result.stdout
    assert "program: a build made for this glibc, a container, or a newer OS (Option 4)" in result.stdout


@pytest.fixture
def old_libstdcxx(tmp_path):
    """A g++-built library and an older-looking copy of the system libstdc++ (no GLIBCXX_3.4.21+, CXXABI_1.3.9+)."""
    if shutil.which("g++") is None:
        pytest.fail("needs g++: make test installs it (the toolchain target)")
    source = tmp_path / "demo.cpp"
    source.write_text(
        "#include <string>\n#include <stdexcept>\n"
        'extern "C" int demo_len(const char *s) { std::string t(s);'
        ' if (t.empty()) throw std::runtime_error("empty"); return (int)t.size(); }\n',
        encoding="utf-8",
    )
    demo = tmp_path / "libdemo.so"
    subprocess.run(["g++", "-shared", "-fPIC", "-O2", "-o", str(demo), str(source)], check=True)
    system = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import ctypes; ctypes.CDLL({str(demo)!r}); print(open('/proc/self/maps').read())",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    real = next(line.split()[-1] for line in system.splitlines() if "libstdc++.so.6" in line)
    old = tmp_path / "old"
    old.mkdir()
    shutil.copyfile(real, old / "libstdc++.so.6")
    assert (
        hide_definitions(old / "libstdc++.so.6", rb"GLIBCXX_3\.4\.(2[1-9]|[3-9]\d)|CXXABI_1\.3\.(9|[1-9]\d)")
        > 0
    )
    return demo, old


def test_libstdcxx_too_old_then_option1_finds_a_copy_whose_preload_works(fix_code, tmp_path, old_libstdcxx):
    demo, old = old_libstdcxx
    env = {"LD_LIBRARY_PATH": str(old)}
    load = f"import ctypes; print(ctypes.CDLL({str(demo)!r}).demo_len(b'abcd'))"
    failed = run_python(load, cwd=tmp_path, env=env)
    last = failed.stderr.strip().splitlines()[-1]
    lib, version, by = LOADER.search(last).groups()
    assert last.startswith("OSError: ") and lib == str(old / "libstdc++.so.6") and by == str(demo)
    assert version in ("CXXABI_1.3.9", "GLIBCXX_3.4.21")

    result = check(fix_code, tmp_path, last, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"{demo} needs CXXABI_1.3.9, GLIBCXX_3.4.21 from libstdc++.so.6" in out
    assert f"{lib} has {version.split('_')[0]} up to " in out
    fixes = re.findall(r"-> (\S+) has all of them: LD_PRELOAD=(\S+) ", out)
    assert fixes and all(path != lib for path, _ in fixes)
    works = run_python(load, cwd=tmp_path, env={**env, "LD_PRELOAD": fixes[0][1]})
    assert works.returncode == 0, works.stderr
    assert works.stdout.strip() == "4"


def test_an_old_copy_inside_a_conda_env_is_updated_there(fix_code, tmp_path, old_libstdcxx):
    demo, old = old_libstdcxx
    env_root = tmp_path / "envs" / "myenv"
    (env_root / "conda-meta").mkdir(parents=True)
    (env_root / "lib").mkdir()
    shutil.copyfile(old / "libstdc++.so.6", env_root / "lib" / "libstdc++.so.6")
    failed = run_python(
        f"import ctypes; ctypes.CDLL({str(demo)!r})",
        cwd=tmp_path,
        env={"LD_LIBRARY_PATH": str(env_root / "lib")},
    )
    last = failed.stderr.strip().splitlines()[-1]
    assert LOADER.search(last).group(1) == str(env_root / "lib" / "libstdc++.so.6")
    out = check(fix_code, tmp_path, last).stdout
    assert (
        f"is a conda env's own copy: update it: conda install -p {env_root} -c conda-forge libstdcxx-ng"
        in out
    )


def test_option1_without_arguments_lists_this_machine(fix_code, tmp_path):
    result = check(fix_code, tmp_path, "")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("C library: " + os.confstr("CS_GNU_LIBC_VERSION"))
    unrelated = check(
        fix_code,
        tmp_path,
        "ImportError: libGL.so.1: cannot open shared object file: No such file or directory",
    )
    assert unrelated.returncode == 1


def test_option1_never_preloads_a_c_library_and_names_two_glibc_builds_mixed(fix_code, tmp_path):
    """The loader itself named (a copied glibc's libc asking this machine's loader for a newer version):
    the advice is to take the copy out of the library path, never to preload or replace the C library."""
    loader = next(
        (p for p in ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1") if Path(p).exists()),
        "/lib64/ld-linux-x86-64.so.2",
    )
    text = f"{loader}: version `GLIBC_2.99' not found (required by /home/me/glibc-2.99/lib/libc.so.6)"
    result = check(fix_code, tmp_path, text)
    assert result.returncode == 0, result.stderr
    assert "LD_PRELOAD=" not in result.stdout
    assert "two different glibc builds are mixed" in result.stdout
