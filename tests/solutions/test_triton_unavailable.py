"""Verified fix for solutions/triton-unavailable.md.

torch is not installed in the project (and the tests have no GPU), so the tests write a small fake
`torch` into tmp_path with the shape of the real torch 2.14.1 code path: `torch.compile` ->
`torch/_dynamo/eval_frame.py` (TORCHDYNAMO_DISABLE=1 returns the model untouched; `eager` and
`aot_eager` run it as is) -> `torch/_inductor/scheduler.py` `Scheduler.create_backend`, which asks
`torch/utils/_triton.py` `has_triton()` (triton importable and a CUDA device of capability >= 7) and
raises `torch/_inductor/exc.py` `TritonMissing` with the real 2.7.0-2.14.1 text for a GPU device,
while the cpu device never needs triton. The fake's distribution metadata carries the real
`Requires-Dist: triton~=3.8.0; platform_system == "Linux" ...` line of torch 2.14.1, a fake
triton 3.8.0 is a `triton/__init__.py` with its version, and the fake `pytorch-triton` 0.0.1 is
PyPI's real placeholder (`raise RuntimeError("Should never be installed")`). FAKE_CUDA=1 makes the
fake report one CUDA device of capability 8.0. The tests reproduce the error in a child interpreter,
then run the entry's own Option 1 (the pin check) and Option 3 (a backend without Triton) code.
"""

from answers import assert_answers, confident_answer
from fake_site import fake_distribution
from pyrun import last_line, run_python

SLUG = "triton-unavailable"

TRITON_MISSING = (
    "Cannot find a working triton installation. Either the package is not installed or it is too old. "
    "More information on installing Triton can be found at: https://github.com/triton-lang/triton"
)

TORCH_FILES = {
    "torch/__init__.py": """
import os

__version__ = "2.14.1"


class device:
    def __init__(self, spec):
        self.type = getattr(spec, "type", str(spec).split(":")[0])
        self.index = 0 if self.type == "cuda" else None


class Tensor:
    def __init__(self, shape, device_):
        self.shape = tuple(shape)
        self.device = device(device_)

    def to(self, device_):
        return Tensor(self.shape, device_)


_device = device


def ones(*shape, device="cpu"):
    if _device(device).type == "cuda" and not cuda.is_available():
        raise AssertionError("Torch not compiled with CUDA enabled")
    return Tensor(shape, device)


def compile(model=None, *, backend="inductor", **kwargs):
    from torch._dynamo.eval_frame import optimize

    return optimize(backend)(model)


from torch import cuda, nn  # noqa: E402
""",
    "torch/cuda/__init__.py": """
import os


def is_available():
    return os.environ.get("FAKE_CUDA") == "1"


def get_device_capability(device=None):
    return (8, 0)
""",
    "torch/nn/__init__.py": """
import torch


class Linear:
    def __init__(self, in_features, out_features):
        self.out_features = out_features
        self.device = torch.device("cpu")

    def to(self, device):
        self.device = torch.device(device)
        return self

    def __call__(self, x):
        return torch.Tensor(x.shape[:-1] + (self.out_features,), x.device.type)
""",
    "torch/utils/__init__.py": "",
    "torch/utils/_triton.py": """
import functools


@functools.lru_cache(None)
def has_triton_package():
    try:
        import triton  # noqa: F401

        return True
    except ImportError:
        return False


@functools.lru_cache(None)
def has_triton():
    if not has_triton_package():
        return False
    import torch

    return torch.cuda.is_available() and torch.cuda.get_device_capability() >= (7, 0)
""",
    "torch/_dynamo/__init__.py": "from torch._dynamo import config  # noqa: F401\n",
    "torch/_dynamo/config.py": "suppress_errors = False\n",
    "torch/_dynamo/exc.py": """
class TorchDynamoException(RuntimeError):
    pass


class ShortenTraceback(TorchDynamoException):
    def __init__(self, *args, first_useful_frame=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.first_useful_frame = first_useful_frame
""",
    "torch/_dynamo/eval_frame.py": """
import os


def optimize(backend):
    def wrap(model):
        if os.environ.get("TORCHDYNAMO_DISABLE") == "1":
            return model
        if backend in ("eager", "aot_eager"):
            return model

        def compiled(*args):
            from torch._inductor.scheduler import Scheduler

            Scheduler().get_backend(args[0].device)
            return model(*args)

        return compiled

    return wrap
""",
    "torch/_inductor/__init__.py": "",
    "torch/_inductor/exc.py": f"""
from torch._dynamo.exc import ShortenTraceback


class TritonMissing(ShortenTraceback):
    def __init__(self, first_useful_frame):
        super().__init__({TRITON_MISSING!r}, first_useful_frame=first_useful_frame)
""",
    "torch/_inductor/scheduler.py": """
import inspect

from torch._inductor.exc import TritonMissing
from torch.utils._triton import has_triton


def is_gpu(device_type):
    return device_type in ("cuda", "xpu", "mtia")


class Scheduler:
    def __init__(self):
        self.backends = {}

    def create_backend(self, device):
        if not has_triton():
            if is_gpu(device.type):
                raise TritonMissing(inspect.currentframe())
        return "triton" if is_gpu(device.type) else "cpp"

    def get_backend(self, device):
        if device.type not in self.backends:
            self.backends[device.type] = self.create_backend(device)
        return self.backends[device.type]
""",
}

TORCH_REQUIRES = ['triton~=3.8.0; platform_system == "Linux" and python_version < "3.15"']

COMPILE_ON = """
import sys
import torch

device = sys.argv[1]
model = torch.compile(torch.nn.Linear(4, 2).to(device))
print(model(torch.ones(3, 4, device=device)).shape)
"""


def _torch_site(tmp_path, requires=TORCH_REQUIRES, version="2.14.1"):
    site = tmp_path / "site"
    fake_distribution(site, "torch", version, TORCH_FILES, requires=requires, top_level="torch")
    return site


def _add_triton(site):
    fake_distribution(site, "triton", "3.8.0", {"triton/__init__.py": '__version__ = "3.8.0"\n'})


def _add_placeholder(site):
    # PyPI's pytorch-triton 0.0.1, as published: a wheel whose only module is this
    files = {"triton/__init__.py": 'raise RuntimeError("Should never be installed")\n'}
    fake_distribution(site, "pytorch-triton", "0.0.1", files, top_level="triton")


def test_compile_on_a_gpu_without_triton_raises_triton_missing(tmp_path, index):
    site = _torch_site(tmp_path)
    wrong = run_python(COMPILE_ON, path=site, env={"FAKE_CUDA": "1"}, args=["cuda"])
    assert wrong.returncode != 0
    assert last_line(wrong) == f"torch._inductor.exc.TritonMissing: {TRITON_MISSING}"
    assert "torch/_inductor/scheduler.py" in wrong.stderr
    assert_answers(index, SLUG, wrong.stderr)
    # the cpu device never asks for triton
    cpu = run_python(COMPILE_ON, path=site, args=["cpu"])
    assert cpu.returncode == 0, cpu.stderr
    assert cpu.stdout.strip() == "(3, 2)"
    # installing the pinned triton is what makes the GPU compile work
    _add_triton(site)
    fixed = run_python(COMPILE_ON, path=site, env={"FAKE_CUDA": "1"}, args=["cuda"])
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == "(3, 2)"


def test_option1_prints_the_pin_and_sees_it_installed(fix_code, tmp_path):
    site = _torch_site(tmp_path)
    missing = run_python(fix_code(SLUG, 1), path=site)
    assert missing.returncode == 0, missing.stderr
    lines = missing.stdout.splitlines()
    assert lines[0] == "torch 2.14.1 | pins: triton~=3.8.0 | installed: {}"
    assert lines[1] == "import triton: no: ModuleNotFoundError: No module named 'triton'"
    assert lines[-1].endswith(' -m pip install "triton~=3.8.0"'), lines

    _add_triton(site)
    ok = run_python(fix_code(SLUG, 1), path=site)
    assert ok.returncode == 0, ok.stderr
    assert (
        ok.stdout.splitlines()[-1]
        == "triton 3.8.0 matches torch's pin triton~=3.8.0: if compile still fails, see Limits"
    )


def test_option1_names_the_pypi_placeholder(fix_code, tmp_path, index):
    site = _torch_site(tmp_path)
    _add_placeholder(site)
    wrong = run_python(COMPILE_ON, path=site, env={"FAKE_CUDA": "1"}, args=["cuda"])
    assert last_line(wrong) == "RuntimeError: Should never be installed"
    assert_answers(index, SLUG, wrong.stderr)

    found = run_python(fix_code(SLUG, 1), path=site)
    assert found.returncode == 0, found.stderr
    out = found.stdout.splitlines()
    assert out[1] == "import triton: no: RuntimeError: Should never be installed"
    assert out[-1].startswith("pytorch-triton 0.0.1 is PyPI's placeholder: remove it")


def test_option1_on_a_cpu_build(fix_code, tmp_path):
    site = _torch_site(tmp_path, requires=(), version="2.13.0+cpu")
    result = run_python(fix_code(SLUG, 1), path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("this torch build declares no triton (a +cpu build?)")


def test_option3_falls_back_to_aot_eager_and_dynamo_disable(fix_code, tmp_path):
    site = _torch_site(tmp_path)
    on_gpu = run_python(fix_code(SLUG, 3), path=site, env={"FAKE_CUDA": "1"})
    assert on_gpu.returncode == 0, on_gpu.stderr
    assert on_gpu.stdout.splitlines() == [
        "no usable triton: compiling with backend='aot_eager' (no generated kernels)",
        "(3, 2)",
    ]
    disabled = run_python(
        COMPILE_ON, path=site, env={"FAKE_CUDA": "1", "TORCHDYNAMO_DISABLE": "1"}, args=["cuda"]
    )
    assert disabled.returncode == 0, disabled.stderr
    assert disabled.stdout.strip() == "(3, 2)"


ON_WINDOWS = "import platform\n\nplatform.system = lambda: 'Windows'\n"


def test_option1_wants_the_exact_release_of_an_exact_pin(fix_code, tmp_path):
    # torch 2.13.0 pins triton==3.7.1: triton 3.7.0 is not it (the old check compared only '3.7')
    site = _torch_site(tmp_path, requires=['triton==3.7.1; platform_system == "Linux"'], version="2.13.0")
    fake_distribution(site, "triton", "3.7.0", {"triton/__init__.py": '__version__ = "3.7.0"\n'})
    result = run_python(fix_code(SLUG, 1), path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith(' -m pip install "triton==3.7.1"'), result.stdout


def test_option1_on_windows_never_offers_the_linux_triton(fix_code, tmp_path):
    # triton-windows installed, but its triton/__init__.py is gone: reinstall triton-windows, not `triton`
    site = _torch_site(tmp_path)
    fake_distribution(site, "triton-windows", "3.8.0.post29", {"triton/language/__init__.py": ""})
    broken = run_python(ON_WINDOWS + fix_code(SLUG, 1), path=site)
    assert broken.returncode == 0, broken.stderr
    assert "__init__.py" in broken.stdout.splitlines()[1]
    assert broken.stdout.splitlines()[-1].endswith(
        ' install --force-reinstall --no-deps "triton-windows<3.9"'
    )

    (site / "triton" / "__init__.py").write_text('__version__ = "3.8.0"\n', encoding="utf-8")
    ok = run_python(ON_WINDOWS + fix_code(SLUG, 1), path=site)
    assert ok.stdout.splitlines()[-1].startswith("triton 3.8.0.post29 matches torch's pin triton~=3.8.0")

    # torch 2.4 pins triton 3.0.0: PyPI's triton-windows starts at 3.1 ('triton-windows<3.1' finds nothing)
    old = _torch_site(
        tmp_path / "old", requires=['triton (==3.0.0) ; platform_system == "Linux"'], version="2.4.0"
    )
    too_old = run_python(ON_WINDOWS + fix_code(SLUG, 1), path=old)
    assert too_old.stdout.splitlines()[-1].startswith("no triton-windows is built for triton 3.0.0"), (
        too_old.stdout
    )


def test_option1_counts_a_pytorch_triton_build_from_pytorchs_index(fix_code, tmp_path):
    # nightly torch pins pytorch-triton==3.5.0+git7416ffcb (triton-lang/triton#8562): installed, it matches
    pinned = "pytorch-triton==3.5.0+git7416ffcb"
    site = _torch_site(
        tmp_path, requires=[pinned + '; platform_system == "Linux"'], version="2.10.0.dev20251026"
    )
    missing = run_python(fix_code(SLUG, 1), path=site)
    assert missing.stdout.splitlines()[-1].endswith(
        f'install "{pinned}" --index-url <the PyTorch index torch came from>'
    )

    files = {"triton/__init__.py": '__version__ = "3.5.0"\n'}
    fake_distribution(site, "pytorch-triton", "3.5.0+git7416ffcb", files, top_level="triton")
    ok = run_python(fix_code(SLUG, 1), path=site)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[-1] == (
        f"pytorch-triton 3.5.0+git7416ffcb matches torch's pin {pinned}: if compile still fails, see Limits"
    )


PASTED = [
    # torch 2.3 on Python 3.12 (pytorch/pytorch#125093)
    """  File "/home/u/.venv/lib/python3.12/site-packages/torch/_inductor/scheduler.py", line 2428, in create_backend
    raise RuntimeError(
torch._dynamo.exc.BackendCompilerFailed: backend='inductor' raised:
RuntimeError: Cannot find a working triton installation. More information on installing Triton can be found at https://github.com/openai/triton

Set TORCH_LOGS="+dynamo" and TORCHDYNAMO_VERBOSE=1 for more information
""",
    # torch 2.5/2.6 on Windows
    """backend='inductor' raised:
RuntimeError: Cannot find a working triton installation. Either the package is not installed or it is too old. More information on installing Triton can be found at https://github.com/openai/triton
""",
    # torch 2.13 with the FX graph cache bypassed
    f"""  File "C:\\\\ComfyUI\\\\python_embeded\\\\Lib\\\\site-packages\\\\torch\\\\_inductor\\\\scheduler.py", line 8499, in create_backend
    raise TritonMissing(inspect.currentframe())
torch._inductor.exc.InductorError: TritonMissing: {TRITON_MISSING}
""",
]


def test_matcher_answers_pasted_tracebacks(index):
    for text in PASTED:
        assert_answers(index, SLUG, text)


def test_matcher_refuses_the_look_alikes(entry, index):
    assert entry.not_errors
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text
