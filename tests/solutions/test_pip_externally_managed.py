"""Verified fixes for solutions/pip-externally-managed.md, with the real pip and no network.

Reproduced: a throwaway "system" Python (this CPython started with PYTHONHOME pointing at a temp folder whose
lib/python3.X links to the real standard library and also holds Debian's EXTERNALLY-MANAGED marker; the
real installation is never touched) makes pip refuse `pip install`, also with `--user`, with the entry's
wording. PIP_BREAK_SYSTEM_PACKAGES=1 (Option 4's last resort) gets past the refusal (into the temp folder).
Run: Option 6's ensure_venv (from the Markdown) builds a venv with pip and installs a local wheel into it
with --no-index; the venv's interpreter imports it.
Not run here: Options 1-5 are shell / Dockerfile recipes (apt-get, uv, pipx) that need root on a Debian
system or network access.
"""

import base64
import hashlib
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pip
import pytest
from pyrun import run_python

SLUG = "pip-externally-managed"
MARKER = """[externally-managed]
Error=To install Python packages system-wide, try apt install
 python3-xyz, where xyz is the package you are trying to
 install.

 If you wish to install a non-Debian-packaged Python package,
 create a virtual environment using python3 -m venv path/to/venv.
 Then use path/to/venv/bin/python and path/to/venv/bin/pip. Make
 sure you have python3-full installed.
"""


def make_wheel(folder: Path) -> Path:
    """A minimal pure-Python wheel, built by hand so no build backend or index is needed."""
    name, version = "synapse_pep668_demo", "1.0"
    files = {
        f"{name}.py": "VALUE = 668\n",
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel


@pytest.fixture
def marked_python(tmp_path):
    """(argv prefix, env) of a non-venv Python whose stdlib folder holds EXTERNALLY-MANAGED."""
    real_stdlib = Path(
        sysconfig.get_paths(vars={"base": sys.base_prefix, "installed_base": sys.base_prefix})["stdlib"]
    )
    home = tmp_path / "system_python"
    stdlib = home / real_stdlib.relative_to(sys.base_prefix)
    stdlib.mkdir(parents=True)
    for entry in real_stdlib.iterdir():
        if entry.name != "site-packages":
            (stdlib / entry.name).symlink_to(entry)
    (stdlib / "EXTERNALLY-MANAGED").write_text(MARKER)
    pip_home = Path(pip.__file__).parent.parent  # the venv's site-packages, for pip only
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(
        PYTHONHOME=str(home), PYTHONPATH=str(pip_home), PYTHONDONTWRITEBYTECODE="1", HOME=str(tmp_path)
    )
    return [sys._base_executable, "-m", "pip"], env, stdlib


def pip_run(marked, *args, **extra_env):
    argv, env, _ = marked
    return subprocess.run(
        [*argv, "install", "--no-index", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, **extra_env},
        check=False,
    )


def test_marked_python_refuses_install(marked_python, tmp_path):
    wheel = make_wheel(tmp_path)
    _, _, stdlib = marked_python
    result = pip_run(marked_python, str(wheel))
    assert result.returncode != 0
    err = " ".join(result.stderr.split())
    assert "error: externally-managed-environment" in err
    assert "× This environment is externally managed" in err
    assert (
        "To install Python packages system-wide, try apt install python3-xyz, where xyz is the package you are trying to install."
        in err
    )
    assert (
        "If you wish to install a non-Debian-packaged Python package, create a virtual environment using python3 -m venv path/to/venv."
        in err
    )
    assert (
        "note: If you believe this is a mistake, please contact your Python installation or OS distribution "
        "provider. You can override this, at the risk of breaking your Python installation or OS, by passing "
        "--break-system-packages." in err
    )
    assert "hint: See PEP 668 for the detailed specification." in err
    assert not (stdlib.parent / "site-packages").exists()


def test_user_install_is_refused_too(marked_python, tmp_path):
    result = pip_run(marked_python, "--user", str(make_wheel(tmp_path)))
    assert result.returncode != 0
    assert "externally-managed-environment" in result.stderr


def test_break_system_packages_opt_out_gets_past_the_check(marked_python, tmp_path):
    _, _, stdlib = marked_python
    result = pip_run(marked_python, str(make_wheel(tmp_path)), PIP_BREAK_SYSTEM_PACKAGES="1")
    assert result.returncode == 0, result.stderr
    assert (stdlib / "site-packages" / "synapse_pep668_demo.py").is_file()


def test_option6_venv_installs_and_runs(fix_code, tmp_path):
    """ensure_venv on an existing venv: pip installs into it and its interpreter imports the package.

    The venv is made beforehand without ensurepip (which alone takes ~7 s) and sees this venv's pip through a
    .pth file; ensure_venv's own creation branch (EnvBuilder(with_pip=True)) was run once by hand and passed.
    """
    import venv

    wheel = make_wheel(tmp_path)
    venv.EnvBuilder(with_pip=False).create(tmp_path / "venv")
    pip_only = tmp_path / "pip_only"
    pip_only.mkdir()
    (pip_only / "pip").symlink_to(Path(pip.__file__).parent)
    site = next((tmp_path / "venv").glob("lib/python3*/site-packages"))
    (site / "pip_from_outside.pth").write_text(str(pip_only) + "\n")
    code = (
        fix_code(SLUG, 6)
        + f"""
py = ensure_venv({str(tmp_path / "venv")!r}, ("--no-index", {str(wheel)!r}))
import subprocess
print(subprocess.run([str(py), "-c", "import sys, synapse_pep668_demo as m; print(m.VALUE, sys.prefix != sys.base_prefix)"],
                     check=True, capture_output=True, text=True).stdout.strip())
"""
    )
    code = code.replace('if __name__ == "__main__":', "if False:")
    result = run_python(code, cwd=tmp_path, env={"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "668 True"
