"""Verified fix for solutions/build-isolation-missing-module.md.

Reproduces the failure with the real pip, offline: a local project whose in-tree PEP 517 backend
(`backend-path = ["."]`, `requires = []`, so the isolated build env needs no index) imports `torch` in
`get_requires_for_build_wheel`, as flash-attn's setup.py does. A stand-in `torch` is importable in the
outer interpreter (PYTHONPATH) but not in pip's isolated build environment, so pip fails with the
entry's signature. Then the entry's own Option 1 script diagnoses the saved log, and with `--retry`
reruns pip with `--no-build-isolation`, which installs the project (into a --target folder, so the
project's venv is untouched).
"""

import os
import subprocess
import sys
import textwrap

from in_tree_backend import in_tree_project

SLUG = "build-isolation-missing-module"

BACKEND = textwrap.dedent(
    """
    import base64, hashlib, os, zipfile

    def _metadata():
        import torch  # a build-time import that [build-system] requires does not declare
        return "Metadata-Version: 2.1\\nName: flashy-attn\\nVersion: 0.1\\n"

    def get_requires_for_build_wheel(config_settings=None):
        _metadata()
        return []

    def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
        files = {
            "flashy_attn.py": "OK = True\\n",
            "flashy_attn-0.1.dist-info/METADATA": _metadata(),
            "flashy_attn-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
        }
        name = "flashy_attn-0.1-py3-none-any.whl"
        record = []
        with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
            for path, text in files.items():
                data = text.encode()
                zf.writestr(path, data)
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                record.append(f"{path},sha256={digest},{len(data)}")
            record.append("flashy_attn-0.1.dist-info/RECORD,,")
            zf.writestr("flashy_attn-0.1.dist-info/RECORD", "\\n".join(record) + "\\n")
        return name
    """
)


def _setup(tmp_path):
    project = in_tree_project(tmp_path / "flashy", "flashy-attn", BACKEND)
    stub = tmp_path / "stub"
    (stub / "torch").mkdir(parents=True)
    (stub / "torch" / "__init__.py").write_text('__version__ = "2.13.0"\n', encoding="utf-8")
    script = tmp_path / "build_isolation_fix.py"
    return project, stub, script


def _env(*path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHONPATH"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
    if path:
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in path)
    return env


def _run(argv, env, cwd):
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, timeout=120, check=False, env=env, cwd=cwd
    )


def test_isolated_build_cannot_see_torch_and_option1_rebuilds_without_isolation(fix_code, tmp_path):
    project, stub, script = _setup(tmp_path)
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    target = tmp_path / "target"
    env = _env(stub)
    pip_args = ["--no-index", "--target", str(target), str(project)]

    # torch is importable in this interpreter ...
    assert _run(["-c", "import torch; print(torch.__version__)"], env, tmp_path).stdout.strip() == "2.13.0"
    # ... but not in pip's isolated build environment
    failed = _run(["-m", "pip", "install", *pip_args], env, tmp_path)
    log = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert "× Getting requirements to build wheel did not run successfully." in log
    assert "      ModuleNotFoundError: No module named 'torch'\n      [end of output]" in log
    assert "note: This error originates from a subprocess, and is likely not a problem with pip." in log
    assert "when getting requirements to build wheel" in log or "╰─> See above for output." in log
    assert not target.exists()

    # Option 1 on the saved log: names the module, sees it is installed here, prints the command
    (tmp_path / "pip.log").write_text(log, encoding="utf-8")
    diagnosis = _run([str(script), "pip.log"], env, tmp_path)
    assert diagnosis.returncode == 1, diagnosis.stderr
    assert "imports 'torch', which its [build-system] requires does not declare" in diagnosis.stdout
    assert f"'torch' IS importable here ({stub / 'torch' / '__init__.py'})" in diagnosis.stdout
    assert "-m pip install --no-build-isolation " in diagnosis.stdout

    # Option 1 --retry: the same pip install fails, then succeeds without isolation
    fixed = _run([str(script), "--retry", *pip_args], env, tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "RETRY: " in fixed.stdout and "--no-build-isolation" in fixed.stdout
    assert "Successfully installed flashy-attn-0.1" in fixed.stdout
    assert (target / "flashy_attn.py").is_file()


def test_module_missing_from_the_interpreter_too_is_not_retried(fix_code, tmp_path):
    project, _, script = _setup(tmp_path)
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    target = tmp_path / "target"
    env = _env()  # no stand-in torch: it is missing here as well
    result = _run(
        [str(script), "--retry", "--no-index", "--target", str(target), str(project)], env, tmp_path
    )
    assert result.returncode != 0
    assert "'torch' is not importable in this interpreter either" in result.stdout
    assert "-m pip install torch" in result.stdout
    assert "RETRY:" not in result.stdout
    assert not target.exists()


def test_other_build_failures_are_not_claimed(fix_code, tmp_path):
    script = tmp_path / "build_isolation_fix.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    cases = {
        "compiler.log": "  × Building wheel for fastvec (pyproject.toml) did not run successfully.\n"
        "      fastvec.c:1:10: fatal error: Python.h: No such file or directory\n",
        "bare.log": 'Traceback (most recent call last):\n  File "app.py", line 1, in <module>\n'
        "ModuleNotFoundError: No module named 'torch'\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        result = _run([str(script), name], _env(), tmp_path)
        assert result.returncode == 2, (name, result.stdout)
        assert "not this failure" in result.stdout
    (tmp_path / "distutils.log").write_text(
        "  × Getting requirements to build wheel did not run successfully.\n"
        "      ModuleNotFoundError: No module named 'distutils'\n      [end of output]\n",
        encoding="utf-8",
    )
    result = _run([str(script), "distutils.log"], _env(), tmp_path)
    assert "'distutils' was removed from Python 3.12" in result.stdout
    assert "--no-build-isolation" not in result.stdout
