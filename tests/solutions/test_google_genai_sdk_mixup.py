"""Verified fix for solutions/google-genai-sdk-mixup.md.

The project installs neither Gemini SDK, so each is a fake in tmp_path shaped like the real wheels:
`google/` is a namespace package (no `__init__.py`) holding only `generativeai/` (google-generativeai
0.8.6) or only `genai/` (google-genai 3.6.1, beside google-auth's `google/auth/`), each with its
dist-info. Children run with `-S`, so only the fake site is searched for modules and metadata. The
tests reproduce the real messages, then run the entry's own Option 1 diagnostic on project files.
"""

from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args

SLUG = "google-genai-sdk-mixup"

OLD_SDK = {
    "google/generativeai/__init__.py": (
        "from google.generativeai import types\n"
        "def configure(*, api_key=None):\n    pass\n"
        "class GenerativeModel:\n    def __init__(self, model_name='gemini-1.5-flash-002'):\n"
        "        self.model_name = model_name\n"
    ),
    "google/generativeai/types/__init__.py": "class GenerationConfig:\n    pass\n",
}
NEW_SDK = {
    "google/genai/__init__.py": "from google.genai import types\nclass Client:\n    pass\n",
    "google/genai/types.py": "class GenerateContentConfig:\n    pass\n",
}
NEW_CODE = (
    "from google import genai\n\nclient = genai.Client()\n"
    "print(client.models.generate_content(model='gemini-2.5-flash', contents='hi').text)\n"
)
OLD_CODE = (
    "import os\nimport google.generativeai as genai\n\n"
    "genai.configure(api_key=os.environ['GEMINI_API_KEY'])\nmodel = genai.GenerativeModel('gemini-1.5-flash')\n"
)
MIXED_CODE = "from google import genai\n\ngenai.configure(api_key='x')\n"


def _old_site(tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "google-generativeai", "0.8.6", OLD_SDK)
    return site


def _new_site(tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "google-auth", "2.63.1", {"google/auth/__init__.py": ""})
    fake_distribution(site, "google-genai", "3.6.1", NEW_SDK)
    return site


def _project(tmp_path, **files):
    project = tmp_path / "project"
    for name, text in files.items():
        write_file(project / f"{name}.py", text)
    return project


def _py(site, cwd, *argv):
    return run_args(["-S", *argv], site, cwd)


def _check(fix_code, site, cwd, *args):
    result = _py(site, cwd, "-c", fix_code(SLUG, 1), *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_new_code_on_the_old_sdk_reproduces_and_is_diagnosed(fix_code, tmp_path):
    site = _old_site(tmp_path)
    result = _py(site, tmp_path, "-c", "from google import genai")
    assert last_line(result) == "ImportError: cannot import name 'genai' from 'google' (unknown location)"
    result = _py(site, tmp_path, "-c", "from google.genai import types")
    assert last_line(result) == "ModuleNotFoundError: No module named 'google.genai'"
    result = _py(site, tmp_path, "-c", "import google.generativeai as genai; genai.Client()")
    assert last_line(result) == "AttributeError: module 'google.generativeai' has no attribute 'Client'"

    out = _check(fix_code, site, tmp_path, str(_project(tmp_path, app=NEW_CODE)))
    assert "google-generativeai  0.8.6" in out
    assert "google-genai         not installed" in out
    assert "app.py: imports google.genai (new SDK)" in out
    assert "MISSING: google-genai is not installed here:" in out
    assert "-m pip install google-genai" in out
    assert "MIXED" not in out
    assert out.rstrip().endswith("diagnosis: 1 problem(s)")


def test_old_code_on_the_new_sdk_reproduces_and_is_diagnosed(fix_code, tmp_path):
    site = _new_site(tmp_path)
    result = _py(site, tmp_path, "-c", "import google.generativeai as genai")
    assert last_line(result) == "ModuleNotFoundError: No module named 'google.generativeai'"
    result = _py(site, tmp_path, "-c", "from google import generativeai")
    assert (
        last_line(result) == "ImportError: cannot import name 'generativeai' from 'google' (unknown location)"
    )

    out = _check(fix_code, site, tmp_path, str(_project(tmp_path, bot=OLD_CODE)))
    assert "google-genai         3.6.1" in out
    assert "google-generativeai  not installed" in out
    assert "bot.py: imports google.generativeai (old SDK)" in out
    assert "MISSING: google-generativeai (the old, deprecated SDK) is not installed here" in out
    assert "google-generativeai==0.8.6" in out
    assert out.rstrip().endswith("diagnosis: 1 problem(s)")


def test_new_import_with_old_calls_is_reported_as_mixed(fix_code, tmp_path):
    site = _new_site(tmp_path)
    project = _project(tmp_path, mixed=MIXED_CODE, good=NEW_CODE)
    result = _py(site, tmp_path, str(project / "mixed.py"))
    assert last_line(result) == "AttributeError: module 'google.genai' has no attribute 'configure'"

    out = _check(fix_code, site, tmp_path, str(project))
    assert (
        "mixed.py: imports google.genai (new SDK)\n  MIXED: imports the new SDK but calls the old API" in out
    )
    assert "good.py: imports google.genai (new SDK)\n" in out
    assert "MISSING" not in out  # google-genai is installed: only the calls are wrong
    assert out.rstrip().endswith("diagnosis: 1 problem(s)")


def test_matching_sdk_and_an_empty_folder_say_so(fix_code, tmp_path):
    site = _new_site(tmp_path)
    out = _check(fix_code, site, tmp_path, str(_project(tmp_path, app=NEW_CODE)))
    assert out.rstrip().endswith("diagnosis: the installed SDK matches the code found")
    empty = tmp_path / "empty"
    empty.mkdir()
    out = _check(fix_code, site, empty)  # no argument: the current folder
    assert "diagnosis: no file here imports either SDK" in out


def test_metadata_without_module_files_is_flagged(fix_code, tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "google-genai", "3.6.1")  # dist-info left behind, google/genai/ gone
    out = _check(fix_code, site, tmp_path, str(_project(tmp_path, app=NEW_CODE)))
    assert "google-genai         3.6.1 (metadata only: module files missing, reinstall it)" in out
