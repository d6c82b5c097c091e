"""Verified fix for solutions/wrong-pypi-distribution.md.

Installs (by hand, into a folder on PYTHONPATH) a same-named impostor distribution `jwt` whose module
has no `encode`, the situation `pip install jwt` creates; reproduces the AttributeError, then runs the
entry's own Option 1 script: it must name the impostor and the right distribution (pyjwt).
"""

import os
import subprocess
import sys

from fake_site import fake_distribution

SLUG = "wrong-pypi-distribution"


def _site(tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "jwt", "1.4.0", {"jwt/__init__.py": "class JWT:\n    pass\n"}, top_level="jwt")
    return site


def _run(args, site, cwd):
    env = dict(os.environ, PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )


def test_reproduces_impostor_attribute_error(tmp_path):
    site = _site(tmp_path)
    result = _run(["-S", "-c", "import jwt\njwt.encode({'a': 1}, 'secret')"], site, tmp_path)
    assert result.returncode != 0
    assert "AttributeError: module 'jwt' has no attribute 'encode'" in result.stderr


def test_option1_flags_impostor_and_names_the_right_distribution(fix_code, tmp_path):
    site = _site(tmp_path)
    script = tmp_path / "pypi_name.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _run(["-S", str(script), "jwt", "cv2", "json"], site, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "import jwt: provided by jwt" in out
    assert "WRONG: jwt is an unrelated project" in out
    assert "-m pip uninstall jwt" in out
    assert "-m pip install pyjwt" in out
    assert "-m pip install opencv-python" in out
    assert "standard library: nothing to install" in out


def test_option1_accepts_the_right_distribution(fix_code, tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "PyYAML", "6.0", {"yaml/__init__.py": ""}, top_level="yaml")
    script = tmp_path / "pypi_name.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _run(["-S", str(script), "yaml"], site, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok: pyyaml is installed" in result.stdout
    assert "WRONG" not in result.stdout


def test_option1_names_the_module_when_the_distribution_s_name_was_imported(fix_code, tmp_path):
    site = tmp_path / "site"
    fake_distribution(
        site, "mem0ai", "2.2.1", {"mem0/__init__.py": "class Memory:\n    pass\n"}, top_level="mem0"
    )
    reproduced = _run(["-S", "-c", "import mem0ai"], site, tmp_path)
    assert "ModuleNotFoundError: No module named 'mem0ai'" in reproduced.stderr
    script = tmp_path / "pypi_name.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    result = _run(["-S", str(script), "mem0ai"], site, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "mem0ai is the distribution's name, not a module: write `import mem0`" in result.stdout
    assert _run(["-S", "-c", "import mem0; mem0.Memory()"], site, tmp_path).returncode == 0
