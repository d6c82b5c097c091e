"""torch-weights-only-load: torch.load's weights_only=True default refusing numpy / argparse globals.

torch is not in the project's venv, so the tests run a small fake `torch` (fake_torch_weights_only_load.py)
whose load / unpickler / allow-list code and messages are copied word for word from torch 2.13.0+cpu
torch/serialization.py and torch/_weights_only_unpickler.py (the same as 2.7.0 - 2.15.0 for every
message used here; the defaultdict SETITEM check from 2.10.0), with the real numpy of the venv. The tests reproduce the refusal for a checkpoint
holding an argparse.Namespace and numpy values, the follow-up errors after a partial allow-list, the
TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD switch, then run the entry's own Option 1 script: its demo, a checkpoint
written with numpy 1.x names loaded under numpy 2, and its refusal of code (a class, getattr).
"""

import re
import textwrap
import zipfile
from pathlib import Path

from fake_torch_weights_only_load import fake_torch_site
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "torch-weights-only-load"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

SAVE = """
import argparse, collections
import numpy as np
import torch

torch.save({"args": argparse.Namespace(lr=0.1), "history": np.arange(3)}, "ckpt.pt")
torch.save({"counts": collections.defaultdict(int, {"cat": 2})}, "counts.pt")
"""


def _signature(stderr: str) -> str:
    """The raised UnpicklingError as one line: colours stripped, whitespace collapsed (as signatures are)."""
    text = ANSI.sub("", stderr)
    start = text.rindex("_pickle.UnpicklingError: ")
    return " ".join(text[start:].split())


def _errors() -> list[str]:
    return parse_entry(ENTRY).errors


def test_default_load_refuses_a_namespace_the_way_the_entry_says(tmp_path):
    site = fake_torch_site(tmp_path)
    assert run_python(SAVE, cwd=tmp_path, path=site).returncode == 0
    refused = run_python("import torch\ntorch.load('ckpt.pt')\n", cwd=tmp_path, path=site)
    assert refused.returncode != 0
    assert "torch/serialization.py" in refused.stderr
    message = _signature(refused.stderr)
    assert "GLOBAL argparse.Namespace was not an allowed global by default" in message
    assert message in _errors()

    trusted = run_python(
        "import torch\nprint(torch.load('ckpt.pt', weights_only=False)['args'].lr)\n", cwd=tmp_path, path=site
    )
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout.strip() == "0.1"

    forced = run_python(
        "import torch\nprint(torch.load('ckpt.pt')['args'].lr)\n",
        cwd=tmp_path,
        path=site,
        env={"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"},
    )
    assert forced.returncode == 0, forced.stderr
    assert "UserWarning: Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected" in forced.stderr
    explicit = run_python(
        "import torch\ntorch.load('ckpt.pt', weights_only=True)\n",
        cwd=tmp_path,
        path=site,
        env={"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"},
    )
    assert explicit.returncode != 0  # the switch does not override an explicit weights_only=True
    assert "Weights only load failed" in explicit.stderr


def test_allow_listing_only_the_named_globals_fails_as_the_entry_says(tmp_path):
    site = fake_torch_site(tmp_path)
    assert run_python(SAVE, cwd=tmp_path, path=site).returncode == 0
    partial = textwrap.dedent(
        """
        import argparse
        import numpy as np
        import torch
        from numpy._core.multiarray import _reconstruct

        with torch.serialization.safe_globals([argparse.Namespace, np.ndarray, np.dtype, _reconstruct]):
            torch.load("ckpt.pt")
        """
    )
    dtype = run_python(partial, cwd=tmp_path, path=site)
    assert dtype.returncode != 0
    assert _signature(dtype.stderr) in _errors()
    assert "but got <class 'numpy.dtypes.Int64DType'>" in _signature(dtype.stderr)

    counts = run_python(
        "import collections, torch\n"
        "with torch.serialization.safe_globals([collections.defaultdict, int]):\n"
        "    torch.load('counts.pt')\n",
        cwd=tmp_path,
        path=site,
    )
    assert counts.returncode != 0
    assert _signature(counts.stderr) in _errors()
    assert "Can only SETITEM for dict" in counts.stderr


def test_option1_demo_loads_data_and_refuses_a_class(fix_code, tmp_path):
    site = fake_torch_site(tmp_path)
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == "default torch.load: UnpicklingError Unsupported global: GLOBAL numpy._core.multiarray.scalar"
    )
    assert lines[1] == (
        "globals: argparse.Namespace, numpy._core.multiarray._reconstruct, "
        "numpy._core.multiarray.scalar, numpy.dtype, numpy.ndarray"
    )
    assert lines[2] == "safe_load: 3 0.91 [0, 1, 2] 0.01 ['cat', 'dog']"
    assert lines[3].startswith("refused: ")
    assert "not on the data allow-list: __main__.TinyNet." in lines[3]


def test_option1_loads_numpy1_names_under_numpy2_and_refuses_code(fix_code, tmp_path):
    site = fake_torch_site(tmp_path)
    (tmp_path / "safe_load.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    (tmp_path / "mylib.py").write_text(
        "class Config:\n    def __init__(self, size):\n        self.size = size\n", encoding="utf-8"
    )
    make = textwrap.dedent(
        """
        import argparse
        import numpy as np
        import torch
        from mylib import Config

        torch.save({"hist": np.arange(3), "best": np.float64(0.5), "args": argparse.Namespace(lr=0.1)}, "np2.pt")
        torch.save({"append": [].append}, "method.pt")
        torch.save({"cfg": Config(4)}, "cfg.pt")
        """
    )
    assert run_python(make, cwd=tmp_path, path=[site, tmp_path]).returncode == 0
    # the same checkpoint as numpy 1.x writes it: numpy.core.multiarray instead of numpy._core.multiarray
    with zipfile.ZipFile(tmp_path / "np2.pt") as src:
        data = src.read("archive/data.pkl")
    assert b"numpy._core.multiarray\n" in data
    with zipfile.ZipFile(tmp_path / "np1.pt", "w") as dst:
        dst.writestr(
            "archive/data.pkl", data.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
        )

    check = textwrap.dedent(
        """
        import numpy as np
        import torch
        from numpy._core.multiarray import _reconstruct, scalar
        from safe_load import safe_load

        plain = [np.ndarray, np.dtype, _reconstruct, scalar, __import__("argparse").Namespace]
        plain += [type(np.dtype(c)) for c in np.typecodes["All"]]
        try:
            with torch.serialization.safe_globals(plain):  # numpy 2 objects do not match numpy 1.x names
                torch.load("np1.pt")
        except Exception as exc:
            print("plain:", "GLOBAL numpy.core.multiarray._reconstruct was not an allowed" in str(exc))
        data = safe_load("np1.pt")
        print("np1:", data["hist"].tolist(), float(data["best"]), data["args"].lr)
        for name in ("method.pt", "cfg.pt"):
            try:
                safe_load(name)
            except ValueError as exc:
                print("refused:", str(exc).split(": ")[1].split(". ")[0])
        print("cfg allowed:", safe_load("cfg.pt", ["mylib.Config"])["cfg"].size)
        print("left:", torch.serialization.get_safe_globals())
        """
    )
    result = run_python(check, cwd=tmp_path, path=[site, tmp_path])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "plain: True",
        "np1: [0, 1, 2] 0.5 0.1",
        "refused: builtins.getattr",
        "refused: mylib.Config",
        "cfg allowed: 4",
        "left: []",
    ]

    cli = run_python(
        "import runpy, sys\nsys.argv = ['safe_load.py', 'np1.pt']\nrunpy.run_path('safe_load.py', run_name='__main__')\n",
        cwd=tmp_path,
        path=[site, tmp_path],
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.strip() == "dict ['args', 'best', 'hist']"
