"""Verified fix for solutions/cpu-instruction-unsupported.md.

No CPU on this machine lacks AVX, so the tests make a binary that needs an instruction set this CPU does not
have, the way a build machine's `-march=native` does for an older CPU: a C kernel with a ggml-style
compile-time path (`#if defined(__XOP__)`), built by gcc with `-mxop`. XOP (AMD's Bulldozer family) is in no
Intel CPU and no AMD Zen, so this CPU meets it as an old CPU meets AVX2: an invalid-opcode fault, SIGILL. On a
Bulldozer-family CPU, which has XOP but no AVX-512, the kernel's AVX-512F path (`-mavx512f`) stands in instead.
Loaded through ctypes in a child interpreter it kills the interpreter: `Fatal Python error: Illegal
instruction` with faulthandler on, returncode -4; `bash -c` prints `bash: line 1: PID Illegal instruction ...`
and status 132; `subprocess.run(check=True)` raises `died with <Signals.SIGILL: 4>.`. The matcher must answer
each with this entry.

Then the entry's own Option 1 script runs here: it names `xop` (or `avx512f`) as missing, explains the exit statuses, agrees
with glibc's `ld.so --help` on this CPU's x86-64 level and reports the crash through `--run`; the same kernel
rebuilt with the `-march=x86-64-vN` it prints runs and returns the right sum. Flag lines taken under QEMU 7.2's
qemu64, Nehalem and SandyBridge CPU models (CPUID bits written with /proc/cpuinfo's names; the qemu64 model
name is the one a qemu64 guest kernel prints) check the verdicts the entry states: numpy 2.4 needs x86-64-v2,
TensorFlow AVX, and the llama-cpp-python CMAKE_ARGS for a Sandy Bridge.
"""

from __future__ import annotations

import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from answers import assert_answers
from pyrun import run_args, run_python

SLUG = "cpu-instruction-unsupported"
LD_SO = Path("/lib64/ld-linux-x86-64.so.2")

KERNEL_C = """
#include <x86intrin.h>

/* sum of w * x[i]; the XOP path is what a build for an AMD Bulldozer-family CPU compiles in, the AVX-512F path
   one for a recent server */
long kern_dot(const int *x, long n, int w) {
    long total = 0, i = 0;
#if defined(__AVX512F__)
    __m512i acc = _mm512_setzero_si512(), weight = _mm512_set1_epi32(w);
    for (; i + 16 <= n; i += 16)
        acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(_mm512_loadu_si512(x + i), weight));
    total = _mm512_reduce_add_epi32(acc);
#elif defined(__XOP__)
    __m128i acc = _mm_setzero_si128(), weight = _mm_set1_epi32(w);
    for (; i + 4 <= n; i += 4)
        acc = _mm_macc_epi32(_mm_loadu_si128((const __m128i *)(x + i)), weight, acc);
    int lanes[4];
    _mm_storeu_si128((__m128i *)lanes, acc);
    total = (long)lanes[0] + lanes[1] + lanes[2] + lanes[3];
#endif
    for (; i < n; i++)
        total += (long)w * x[i];
    return total;
}
"""

RUN_KERNEL = """
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.kern_dot.restype = ctypes.c_long
data = (ctypes.c_int * 1000)(*range(1000))
print(lib.kern_dot(data, 1000, 3))
"""
EXPECTED = str(3 * sum(range(1000)))

# CPUID of QEMU 7.2 user-mode CPU models, in /proc/cpuinfo's flag names (see the entry's source)
QEMU64 = "model name\t: QEMU Virtual CPU version 2.5+\nflags\t\t: fpu sse sse2 pni cx16 lahf_lm\n"
NEHALEM = "flags\t\t: fpu sse sse2 pni ssse3 cx16 sse4_1 sse4_2 popcnt lahf_lm\n"
SANDYBRIDGE = "flags\t\t: fpu sse sse2 pni ssse3 cx16 sse4_1 sse4_2 popcnt xsave avx lahf_lm\n"
ARM64 = "processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp\n"


def _cpu_flags() -> set[str]:
    text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    return set(re.search(r"^flags\s*:\s*(.*)$", text, re.M).group(1).split())


def _missing_set() -> tuple[str, str]:
    """(/proc/cpuinfo name, gcc flag) of an instruction set this CPU lacks: XOP, or AVX-512F on a CPU with XOP."""
    flags = _cpu_flags()
    for name in ("xop", "avx512f"):
        if name not in flags:
            return name, f"-m{name}"
    raise AssertionError(
        f"this CPU has both XOP and AVX-512F: no stand-in for a missing instruction set {flags}"
    )


MISSING, MISSING_GCC = _missing_set()


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """build(*gcc_flags) -> a shared library of KERNEL_C compiled with those flags."""
    assert shutil.which("gcc"), "these tests compile a small C kernel with gcc"
    folder = tmp_path_factory.mktemp("kernel")
    (folder / "kern.c").write_text(KERNEL_C, encoding="utf-8")
    (folder / "run_kernel.py").write_text(RUN_KERNEL, encoding="utf-8")

    def compile_with(*flags: str) -> Path:
        suffix = "".join(flag.replace("=", "_") for flag in flags)
        lib = folder / f"libkern{suffix}.so"
        if not lib.exists():
            subprocess.run(
                ["gcc", "-O2", "-shared", "-fPIC", *flags, "-o", str(lib), str(folder / "kern.c")],
                check=True,
                timeout=60,
            )
        return lib

    return compile_with


@pytest.fixture
def cpu_check(fix_code, tmp_path):
    script = tmp_path / "cpu_check.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return run_args([str(script), *args], cwd=cwd or tmp_path, timeout=60)

    return run


def test_a_binary_built_for_another_cpu_dies_with_sigill(build, index, tmp_path):
    lib = build(MISSING_GCC)
    runner = lib.parent / "run_kernel.py"

    crashed = run_python(RUN_KERNEL, "-X", "faulthandler", args=[str(lib)], timeout=60)
    assert crashed.returncode == -4, (
        crashed.returncode,
        crashed.stderr,
    )  # SIGILL: no Python exception at all
    assert crashed.stdout == ""
    assert crashed.stderr.startswith("Fatal Python error: Illegal instruction\n"), crashed.stderr
    assert "Traceback" not in crashed.stderr
    assert_answers(index, SLUG, crashed.stderr)

    shell = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" "{runner}" "{lib}"; echo "status=$?"'],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shell.stdout.strip() == "status=132"  # 128 + 4
    line = shell.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        r"bash: line 1: +\d+ Illegal instruction +(\(core dumped\) )?.*run_kernel\.py.*", line
    ), line
    assert_answers(index, SLUG, line)

    checked = run_python(
        "import subprocess, sys\nsubprocess.run([sys.executable, sys.argv[1], sys.argv[2]], check=True)\n",
        args=[str(runner), str(lib)],
        timeout=60,
    )
    last = checked.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        r"subprocess\.CalledProcessError: Command '\[.*\]' died with <Signals\.SIGILL: 4>\.", last
    )
    assert_answers(index, SLUG, checked.stderr)


def test_option1_names_what_the_cpu_lacks_and_the_rebuild_runs(build, cpu_check, tmp_path):
    lacks = cpu_check(MISSING, "sse2")
    assert lacks.returncode == 1, lacks.stderr
    assert lacks.stdout.strip() == f"lacks: {MISSING}"
    has = cpu_check("sse2", "x86-64-v2")
    assert (has.returncode, has.stdout.strip()) == (0, "lacks: none of sse2 x86-64-v2")

    statuses = cpu_check("132", "-4", "134", "0xC000001D", "-1073741795", "139", "137", "1")
    assert statuses.returncode == 0, statuses.stderr
    said = dict(line.split(": ", 1) for line in statuses.stdout.splitlines())
    assert said["132"].startswith("killed by SIGILL (128+4)")
    assert said["-4"].startswith("killed by SIGILL (signal 4")
    assert said["0xC000001D"] == said["-1073741795"]
    assert "STATUS_ILLEGAL_INSTRUCTION" in said["-1073741795"]
    assert "TensorFlow" in said["134"] and "SIGABRT" in said["134"]
    assert "segmentation fault" in said["139"] and "out-of-memory" in said["137"]
    assert said["1"].startswith("exit status 1 is not a signal")

    # the crash seen through --run, then this CPU's level: the same glibc's ld.so must agree with it
    lib = build(MISSING_GCC)
    report = cpu_check("--run", sys.executable, str(lib.parent / "run_kernel.py"), str(lib))
    assert report.returncode == 1
    assert (
        f"SIGILL: {sys.executable} died on an invalid instruction: one this CPU does not have"
        in report.stdout
    )
    assert "deliberate trap (ud2" in report.stdout
    assert re.search(r"^kernel: ", report.stdout, re.M)  # the trap line, or how to read it
    level = re.search(r"^level: (\S+)", report.stdout, re.M).group(1)
    supported = re.findall(r"^\s+(x86-64-v\d) \(supported", run_args_ld_help(), re.M)
    assert level == (max(supported) if supported else "x86-64"), (level, supported)

    march = re.search(r"gcc/clang -march=(\S+)", report.stdout).group(1)
    rebuilt = build(f"-march={march}")
    fixed = run_python(RUN_KERNEL, "-X", "faulthandler", args=[str(rebuilt)], timeout=60)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == EXPECTED
    assert (
        cpu_check("--run", sys.executable, "-c", "pass").stdout.strip() == "exit status 0: it exited normally"
    )


def run_args_ld_help() -> str:
    """glibc's own verdict (2.33+): `x86-64-vN (supported, searched)` for each level this CPU has."""
    return subprocess.run(
        [str(LD_SO), "--help"], capture_output=True, text=True, timeout=30, check=True
    ).stdout


@pytest.mark.parametrize(
    ("cpuinfo", "level", "verdicts", "cmake"),
    [
        (
            QEMU64,
            "x86-64 (baseline)",
            {
                "numpy >= 2.4 wheels": "NO: lacks popcnt ssse3 sse4_1 sse4_2",
                "numpy 1.26 - 2.3 wheels": "ok",
                "tensorflow pip wheels": "NO: lacks avx",
            },
            "-DGGML_NATIVE=OFF -DGGML_SSE42=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF "
            "-DGGML_BMI2=OFF",
        ),
        (
            NEHALEM,
            "x86-64-v2",
            {
                "numpy >= 2.4 wheels": "ok",
                "tensorflow pip wheels": "NO: lacks avx",
                "mongod 5.0+ (mongo:5 and later images)": "NO: lacks avx",
            },
            "-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF "
            "-DGGML_BMI2=OFF",
        ),
        (
            SANDYBRIDGE,
            "x86-64-v2",
            {
                "tensorflow pip wheels": "ok",
                "llama-cpp-python built with -DGGML_NATIVE=OFF": "NO: lacks avx2 fma f16c bmi2",
            },
            "-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF "
            "-DGGML_BMI2=OFF",
        ),
    ],
    ids=["qemu64", "nehalem", "sandybridge"],
)
def test_option1_judges_another_machines_cpuinfo(cpu_check, tmp_path, cpuinfo, level, verdicts, cmake):
    copy = tmp_path / "cpuinfo.txt"
    copy.write_text(cpuinfo, encoding="utf-8")
    report = cpu_check("--cpuinfo", str(copy))
    assert report.returncode == 0, report.stderr
    assert re.search(rf"^level: {re.escape(level)}$", report.stdout, re.M), report.stdout
    for what, verdict in verdicts.items():
        assert re.search(rf"^  {re.escape(what)} +{re.escape(verdict)}$", report.stdout, re.M), (
            what,
            report.stdout,
        )
    assert f'llama-cpp-python for this CPU: CMAKE_ARGS="{cmake}"' in report.stdout
    if cpuinfo is QEMU64:
        assert report.stdout.startswith("CPU: QEMU Virtual CPU version 2.5+ |")
        assert "-march=x86-64 " in report.stdout
    assert "emulator" not in report.stdout


PI4 = (
    "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\n"
)


def _main(fix_code, tmp_path):
    """The entry's script loaded as a module: main(argv, path) with `path` standing for this machine's cpuinfo."""
    script = tmp_path / "cpu_check_module.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return runpy.run_path(str(script))["main"]


def test_option1_spots_an_x86_program_under_emulation(fix_code, tmp_path, capsys):
    copy = tmp_path / "cpuinfo.txt"
    copy.write_text(ARM64, encoding="utf-8")  # what an x86_64 container under QEMU on an ARM host reads
    assert _main(fix_code, tmp_path)([], str(copy)) == 0
    out = capsys.readouterr().out
    assert "these are not x86 flags: this x86_64 program runs under an emulator" in out
    assert "level:" not in out and "lacks avx" not in out  # x86 verdicts mean nothing there


def test_option1_judges_an_arm_machines_copy_as_arm(cpu_check, tmp_path):
    """A copy of an arm64 server's /proc/cpuinfo is no emulator, and x86 levels/AVX verdicts do not apply to it."""
    for text, verdict in ((ARM64, "ok"), (PI4, "NO: none of asimddp dcpop fphp sha3 sha512 sm3 sm4 sve")):
        copy = tmp_path / "cpuinfo.txt"
        copy.write_text(text, encoding="utf-8")
        report = cpu_check("--cpuinfo", str(copy))
        assert report.returncode == 0, report.stderr
        assert "emulator" not in report.stdout
        assert "not an x86 CPU" in report.stdout
        assert "level:" not in report.stdout and "lacks avx" not in report.stdout
        assert re.search(
            rf"^  mongod 5\.0\+ on arm64 \(ARMv8\.2-A\) +{re.escape(verdict)}$", report.stdout, re.M
        )


def test_option1_works_without_cpuinfo_and_refuses_a_bad_copy(cpu_check, fix_code, tmp_path, capsys):
    """macOS/Windows (no /proc/cpuinfo): statuses and --run still work; a missing or empty copy is an error."""
    explained = cpu_check("--cpuinfo", str(tmp_path / "missing"), "0xC000001D", "-1073741819")
    assert explained.returncode == 0, explained.stdout
    assert "0xC000001D: Windows STATUS_ILLEGAL_INSTRUCTION" in explained.stdout
    assert "-1073741819: Windows STATUS_ACCESS_VIOLATION" in explained.stdout
    assert cpu_check("--cpuinfo", str(tmp_path / "missing")).returncode == 2
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    empty = cpu_check("--cpuinfo", str(tmp_path / "empty.txt"))
    assert empty.returncode == 2 and "level:" not in empty.stdout
    assert cpu_check("--cpuinfo").returncode == 2  # no FILE: a usage error, not a flag named --cpuinfo

    marker = tmp_path / "ran"
    main = _main(fix_code, tmp_path)
    code = main(
        ["--run", sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"], str(tmp_path / "missing")
    )
    assert code == 0 and marker.exists(), (
        capsys.readouterr().out
    )  # the command ran although cpuinfo is missing

    gone = cpu_check("--run", str(tmp_path / "no-such-program"))
    assert gone.returncode == 127 and "Traceback" not in gone.stderr, gone.stderr


def test_option1_run_finds_the_trap_line_of_a_child_and_a_deliberate_trap(build, cpu_check, tmp_path):
    """--run through a wrapper (a shell script, docker run) still shows the child's trap line; ud2 is SIGILL too."""
    lib = build(MISSING_GCC)
    runner = lib.parent / "run_kernel.py"
    direct = cpu_check("--run", sys.executable, str(runner), str(lib))
    wrapped = cpu_check("--run", "bash", "-c", f'"{sys.executable}" "{runner}" "{lib}"; exit $?')
    assert wrapped.returncode == 1
    assert "SIGILL: bash died on an invalid instruction" in wrapped.stdout
    if (
        "trap invalid opcode" in direct.stdout
    ):  # dmesg readable here: the wrapper's report must show it as well
        assert re.search(
            rf"^kernel: .*trap invalid opcode.* in {re.escape(lib.name)}\[", wrapped.stdout, re.M
        ), wrapped.stdout

    (tmp_path / "trap.c").write_text("int main(void) { __builtin_trap(); }\n", encoding="utf-8")
    subprocess.run(
        ["gcc", "-O2", "-o", str(tmp_path / "trap"), str(tmp_path / "trap.c")], check=True, timeout=60
    )
    trapped = cpu_check("--run", str(tmp_path / "trap"))
    assert trapped.returncode == 1
    assert "or a deliberate trap (ud2" in trapped.stdout  # not blamed on the CPU alone


def test_the_avx512_stand_in_kernel_is_right(build):
    """The kernel's AVX-512F path (the stand-in on a CPU with XOP) sums right where AVX-512F exists."""
    lib = build("-mavx512f")
    ran = run_python(RUN_KERNEL, args=[str(lib)], timeout=60)
    if "avx512f" in _cpu_flags():
        assert (ran.returncode, ran.stdout.strip()) == (0, EXPECTED), ran.stderr
    else:
        assert ran.returncode == -4, ran.stderr
