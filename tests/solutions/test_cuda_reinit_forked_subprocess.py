"""Verified fix for solutions/cuda-reinit-forked-subprocess.md.

No GPU here, and torch is not a dependency of this project, so a small fake `torch` is written into
tmp_path with the shape of the real torch 2.14.1 (CUDA build) parts the error comes from:
- `torch/_C.py` stands in for the CUDA part of the C extension (torch/csrc/cuda/Module.cpp):
  `_cuda_getDeviceCount()` and `_cuda_init()` "poison fork" (register, once, a fork handler that marks
  the child as a bad fork, here with os.register_at_fork), `_cuda_isInBadFork()` reports it, and
  `_cuda_setDevice()` goes through `torch.cuda._lazy_init` as the real one does;
- `torch/cuda/__init__.py` copies the real `_lazy_init` (double-checked lock, then
  `if _is_in_bad_fork(): raise RuntimeError(...)` with the real message), `is_available()` (which
  calls `_cuda_getDeviceCount()`, so it poisons fork even when it answers False), `device_count()`,
  `is_initialized()`;
- tensors made on a "cuda" device call `torch.cuda._lazy_init()` first.
FAKE_CUDA_DEVICES sets how many GPUs the fake driver reports (0: `_cuda_init` raises the real
"Found no NVIDIA driver" error, as torch 2.14.1 does on this machine).

The behaviour the fake copies was observed with the real torch 2.14.1+cu130 wheel on this machine
(no GPU): is_available()/device_count() in the parent, then a fork child's first CUDA call raises the
error from torch/cuda/__init__.py `_lazy_init`; spawn and forkserver children do not.

The tests run the entry's own Option 1 and Option 2 scripts under real multiprocessing (fork, spawn,
forkserver) in child interpreters: the wrong variant (fork after the parent touched CUDA) raises the
error, the entry's code runs on the fake GPU; the tracebacks are fed to the matcher.
"""

from __future__ import annotations

import sys
import threading
import time
import types
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from fake_site import write_files
from pyrun import last_line, run_args

from app.corpus.entries import code_blocks

SLUG = "cuda-reinit-forked-subprocess"

MESSAGE = (
    "Cannot re-initialize CUDA in forked subprocess. To use CUDA with multiprocessing, "
    "you must use the 'spawn' start method"
)

FAKE_TORCH = {
    "torch/__init__.py": '''
        """Fake torch 2.14.1: only what the entry's scripts use."""
        from . import _C, cuda

        __version__ = "2.14.1"


        class Tensor:
            def __init__(self, values, device="cpu"):
                device = str(device)
                if device.startswith("cuda"):
                    cuda._lazy_init()  # the first CUDA tensor initialises CUDA
                self._values = [float(v) for v in values]
                self.device = device

            def __mul__(self, k):
                return Tensor([v * k for v in self._values], self.device)

            def sum(self):
                return Tensor([sum(self._values)], self.device)

            def item(self):
                return self._values[0]

            def to(self, device):
                return Tensor(self._values, device)

            def cuda(self):
                return self.to("cuda")


        def ones(n, device="cpu"):
            return Tensor([1.0] * n, device)


        def zeros(n, device="cpu"):
            return Tensor([0.0] * n, device)


        def tensor(data, device="cpu"):
            return Tensor(data, device)
    ''',
    "torch/_C.py": '''
        """The CUDA part of torch._C (torch/csrc/cuda/Module.cpp): calls that reach the CUDA runtime
        poison fork, i.e. a child forked after them is in a bad fork."""
        import os

        _in_bad_fork = False
        _poisoned = False


        def _forked_child():
            global _in_bad_fork
            _in_bad_fork = True


        def _poison_fork():
            global _poisoned
            if not _poisoned:
                _poisoned = True
                os.register_at_fork(after_in_child=_forked_child)


        def _cuda_isInBadFork():
            return _in_bad_fork


        def _cuda_getDeviceCount():
            _poison_fork()
            return int(os.environ.get("FAKE_CUDA_DEVICES", "0"))


        def _cuda_init():
            _poison_fork()
            if _cuda_getDeviceCount() == 0:
                raise RuntimeError(
                    "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU "
                    "and installed a driver from http://www.nvidia.com/Download/index.aspx"
                )


        def _cuda_setDevice(device):
            from torch.cuda import _lazy_init

            _lazy_init()
    ''',
    "torch/cuda/__init__.py": '''
        """torch/cuda/__init__.py of torch 2.14.1, cut down to the lazy initialisation."""
        import threading

        import torch

        _initialized = False
        _tls = threading.local()
        _initialization_lock = threading.Lock()
        _queued_calls = []
        _is_in_bad_fork = getattr(torch._C, "_cuda_isInBadFork", lambda: False)


        def _is_compiled():
            return hasattr(torch._C, "_cuda_getDeviceCount")


        def is_available():
            if not _is_compiled():
                return False
            return torch._C._cuda_getDeviceCount() > 0


        def device_count():
            if not _is_compiled():
                return 0
            return torch._C._cuda_getDeviceCount()


        def is_initialized():
            return _initialized and not _is_in_bad_fork()


        def init():
            _lazy_init()


        def _lazy_init():
            global _initialized, _queued_calls
            if is_initialized() or hasattr(_tls, "is_initializing"):
                return
            with _initialization_lock:
                if is_initialized():
                    return
                if _is_in_bad_fork():
                    raise RuntimeError(
                        "Cannot re-initialize CUDA in forked subprocess. To use CUDA with "
                        "multiprocessing, you must use the 'spawn' start method"
                    )
                if not hasattr(torch._C, "_cuda_getDeviceCount"):
                    raise AssertionError("Torch not compiled with CUDA enabled")
                torch._C._cuda_init()
                _initialized = True


        def set_device(device):
            torch._C._cuda_setDevice(device)
    ''',
}

SPAWN_LINE = '    mp.set_start_method("spawn")'
FORK_LINE = '    with mp.get_context("fork").Pool(workers) as pool:'


@pytest.fixture
def site(tmp_path) -> Path:
    return write_files(tmp_path / "site", FAKE_TORCH)


def run_script(code: str, folder: Path, site: Path, gpus: int = 2):
    """`python block.py` in `folder` with the fake torch on the path (spawned children inherit it)."""
    folder.mkdir(exist_ok=True)
    (folder / "block.py").write_text(code, encoding="utf-8")
    return run_args(["block.py"], path=site, cwd=folder, env={"FAKE_CUDA_DEVICES": str(gpus)}, timeout=30)


def test_the_entry_lists_the_message_the_fake_copies(entry):
    assert MESSAGE in entry.errors
    assert f"RuntimeError: {MESSAGE}" in entry.errors
    assert MESSAGE in FAKE_TORCH["torch/cuda/__init__.py"].replace('"\n                        "', "")


def test_fork_after_the_parent_asked_is_available_fails(fix_code, index, site, tmp_path):
    code = fix_code(SLUG, 1)
    assert SPAWN_LINE in code
    wrong = run_script(code.replace(SPAWN_LINE, '    mp.set_start_method("fork")'), tmp_path / "w", site)
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert wrong.stdout.splitlines() == ["parent sees CUDA: True"]
    assert last_line(wrong) == f"RuntimeError: {MESSAGE}"
    assert "multiprocessing.pool.RemoteTraceback" in wrong.stderr
    assert "torch/cuda/__init__.py" in wrong.stderr and "in _lazy_init" in wrong.stderr
    assert_answers(index, SLUG, wrong.stderr)


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_option_1_spawned_children_initialise_cuda_themselves(fix_code, site, tmp_path, method):
    code = fix_code(SLUG, 1).replace(SPAWN_LINE, f'    mp.set_start_method("{method}")')
    fixed = run_script(code, tmp_path, site)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines() == [
        "parent sees CUDA: True",
        "[('cuda:1', 3.0), ('cuda:0', 6.0)]",
    ]


def test_option_1_without_a_gpu_falls_back_to_the_cpu(fix_code, site, tmp_path):
    fixed = run_script(fix_code(SLUG, 1), tmp_path, site, gpus=0)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines() == ["parent sees CUDA: False", "[('cpu', 3.0), ('cpu', 6.0)]"]


def test_option_2_fork_works_while_the_parent_keeps_off_cuda(fix_code, index, site, tmp_path):
    code = fix_code(SLUG, 2)
    assert FORK_LINE in code
    fixed = run_script(code, tmp_path / "ok", site)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines() == [
        "[('cuda:1', 3.0), ('cuda:0', 6.0)]",
        "parent may use CUDA after the pool: True",
    ]

    # WRONG: one is_available() in the parent before the pool poisons every child (device_count() too where
    # NVML cannot answer, as in this fake)
    poisoned = code.replace(FORK_LINE, "    torch.cuda.is_available()\n" + FORK_LINE)
    wrong = run_script(poisoned, tmp_path / "wrong", site)
    assert wrong.returncode == 1
    assert last_line(wrong) == f"RuntimeError: {MESSAGE}"
    assert_answers(index, SLUG, wrong.stderr)


def test_a_bare_os_fork_and_set_device_raise_it_too(index, site, tmp_path):
    code = (
        "import os\nimport torch\n\n"
        "torch.cuda.is_available()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    torch.cuda.set_device(0)\n"
        "    os._exit(0)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print('child exit', os.waitstatus_to_exitcode(status))\n"
    )
    result = run_script(code, tmp_path, site)
    assert "child exit 1" in result.stdout
    assert "in set_device" in result.stderr
    assert last_line(result) == f"RuntimeError: {MESSAGE}"
    assert_answers(index, SLUG, result.stderr)


@pytest.mark.parametrize(
    "text",
    [
        MESSAGE,
        "RuntimeError: Caught RuntimeError in DataLoader worker process 0.\nOriginal Traceback (most recent call last):\n"
        '  File "/opt/venv/lib/python3.11/site-packages/torch/utils/data/_utils/worker.py", line 375, in _worker_loop\n'
        "    data = fetcher.fetch(index)\n"
        '  File "/opt/venv/lib/python3.11/site-packages/torch/cuda/__init__.py", line 579, in _lazy_init\n'
        "    raise RuntimeError(\n"
        f"RuntimeError: {MESSAGE}",
        "(VllmWorkerProcess pid=307) ERROR 01-19 03:55:24 multiproc_worker_utils.py:233] Exception in worker "
        f"VllmWorkerProcess while processing method init_device: {MESSAGE}, Traceback (most recent call last):",
    ],
)
def test_the_matcher_answers_pasted_wordings(index, text):
    assert confident_answer(index, text) == SLUG


def test_the_look_alikes_are_not_this_entry(entry, index):
    assert entry.not_errors
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text


def test_option_3_threads_of_one_worker_load_the_model_once(entry, monkeypatch):
    """gunicorn gthread / celery --pool=threads: threads asking at once must share one model load.

    The entry's first version cached with functools.lru_cache, which does not lock: 4 threads made 4 models."""
    (block,) = [b for b in code_blocks(entry.markdown) if "def get_model" in b.code]
    loads = []

    class Linear:
        def __init__(self, *shape):
            loads.append(shape)
            time.sleep(0.3)  # a model load takes a while: the other threads ask meanwhile

        def to(self, device):
            self.device = device
            return self

    fake = types.ModuleType("torch")
    fake.cuda = types.SimpleNamespace(is_available=lambda: True)
    fake.nn = types.SimpleNamespace(Linear=Linear)
    monkeypatch.setitem(sys.modules, "torch", fake)
    namespace: dict = {}
    exec(compile(block.code, "option3.py", "exec"), namespace)

    start = threading.Barrier(4)
    models = []

    def request():
        start.wait()
        models.append(namespace["get_model"]())

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(models) == 4
    assert len(loads) == 1, f"the model was loaded {len(loads)} times"
    assert len({id(model) for model in models}) == 1
    assert models[0].device == "cuda"
    assert namespace["get_model"]() is models[0]
