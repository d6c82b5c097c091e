"""Verified fix for solutions/optional-dependency-missing.md.

The project does not install these libraries with their extras missing, so each case is a fake
site-packages in tmp_path: the raising function is copied from the real release (httpx 0.29.0
_transports/default.py, pydantic 2.14.4 networks.import_email_validator, fastapi 0.165.0
dependencies/utils.ensure_multipart_is_installed) and the dist-info carries the real Requires-Dist
extras. Each test reproduces the library's own message in a child interpreter started with -S (only
the fake site is visible), runs the entry's Option 1 script on that text, installs the fake missing
distribution, and checks that the script then reports it installed.
"""

from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args

SLUG = "optional-dependency-missing"

HTTPX_INIT = """
class Client:
    def __init__(self, proxy=None, http2=False):
        if proxy and proxy.split("://")[0] in ("socks5", "socks5h"):
            try:
                import socksio  # noqa
            except ImportError:  # pragma: no cover
                raise ImportError(
                    "Using SOCKS proxy, but the 'socksio' package is not installed. "
                    "Make sure to install httpx using `pip install httpx[socks]`."
                ) from None
"""
HTTPX_REQUIRES = [
    "anyio",
    "httpcore==1.*",
    "brotli; (platform_python_implementation == 'CPython') and extra == 'brotli'",
    "h2<5,>=3; extra == 'http2'",
    "socksio==1.*; extra == 'socks'",
]
PYDANTIC_NETWORKS = """
from importlib.metadata import version


def import_email_validator() -> None:
    global email_validator
    try:
        import email_validator
    except ImportError as e:
        raise ImportError("email-validator is not installed, run `pip install 'pydantic[email]'`") from e
    if not version('email-validator').partition('.')[0] == '2':
        raise ImportError('email-validator version >= 2.0 required, run pip install -U email-validator')
"""
FASTAPI_UTILS = """
multipart_not_installed_error = (
    'Form data requires "python-multipart" to be installed. \\n'
    'You can install "python-multipart" with: \\n\\n'
    "pip install python-multipart\\n"
)
multipart_incorrect_install_error = (
    'Form data requires "python-multipart" to be installed. '
    'It seems you installed "multipart" instead. \\n'
    'You can remove "multipart" with: \\n\\n'
    "pip uninstall multipart\\n\\n"
    'And then install "python-multipart" with: \\n\\n'
    "pip install python-multipart\\n"
)


def ensure_multipart_is_installed() -> None:
    try:
        from python_multipart import __version__

        assert __version__ > "0.0.12"
    except (ImportError, AssertionError):
        try:
            from multipart import __version__

            assert __version__
            try:
                from multipart.multipart import parse_options_header

                assert parse_options_header
            except ImportError:
                raise RuntimeError(multipart_incorrect_install_error) from None
        except ImportError:
            raise RuntimeError(multipart_not_installed_error) from None
"""


def _run(code: str, site, tmp_path, *args: str):
    return run_args(["-S", "-c", code, *args], site, tmp_path)


def _check(fix_code, site, tmp_path, text: str):
    return _run(fix_code(SLUG, 1), site, tmp_path, text)


def test_httpx_socks_extra(fix_code, tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "httpx", "0.29.0", {"httpx/__init__.py": HTTPX_INIT}, requires=HTTPX_REQUIRES)
    use = "import httpx; httpx.Client(proxy='socks5://127.0.0.1:1080'); print('client ok')"
    repro = _run(use, site, tmp_path)
    message = last_line(repro)
    assert message == (
        "ImportError: Using SOCKS proxy, but the 'socksio' package is not installed. "
        "Make sure to install httpx using `pip install httpx[socks]`."
    )
    result = _check(fix_code, site, tmp_path, message)
    assert result.returncode == 1, result.stderr
    assert "httpx 0.29.0: installed" in result.stdout
    assert "socksio==1.* (extra 'socks' of httpx): NOT INSTALLED" in result.stdout
    assert "-m pip install 'httpx[socks]'" in result.stdout
    assert "brotli" not in result.stdout  # other extras are not asked for

    fake_distribution(site, "socksio", "1.0.0", {"socksio/__init__.py": ""})
    assert _run(use, site, tmp_path).stdout.strip() == "client ok"
    result = _check(fix_code, site, tmp_path, message)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "socksio 1.0.0 (extra 'socks' of httpx): installed, satisfies ==1.*" in result.stdout


def test_pydantic_email_validator_missing_then_too_old(fix_code, tmp_path):
    site = tmp_path / "site"
    fake_distribution(
        site,
        "pydantic",
        "2.14.4",
        {"pydantic/__init__.py": "", "pydantic/networks.py": PYDANTIC_NETWORKS},
        requires=['email-validator>=2.0.0; extra == "email"'],
    )
    use = "from pydantic.networks import import_email_validator; import_email_validator(); print('email ok')"
    missing = last_line(_run(use, site, tmp_path))
    assert missing == "ImportError: email-validator is not installed, run `pip install 'pydantic[email]'`"
    result = _check(fix_code, site, tmp_path, missing)
    assert result.returncode == 1
    assert "email-validator>=2.0.0 (extra 'email' of pydantic): NOT INSTALLED" in result.stdout
    assert "-m pip install 'pydantic[email]'" in result.stdout

    old = fake_distribution(site, "email-validator", "1.3.1", {"email_validator/__init__.py": ""})
    too_old = last_line(_run(use, site, tmp_path))
    assert (
        too_old == "ImportError: email-validator version >= 2.0 required, run pip install -U email-validator"
    )
    result = _check(fix_code, site, tmp_path, too_old)
    assert result.returncode == 1
    assert "email-validator 1.3.1: TOO OLD/NEW, the error asks for email-validator>=2.0" in result.stdout
    assert "-m pip install 'email-validator>=2.0'" in result.stdout

    for path in sorted(old.iterdir()):
        path.unlink()
    old.rmdir()
    fake_distribution(site, "email-validator", "2.2.0")
    assert _run(use, site, tmp_path).stdout.strip() == "email ok"
    result = _check(fix_code, site, tmp_path, too_old)
    assert result.returncode == 0
    assert "email-validator 2.2.0: installed, satisfies >=2.0" in result.stdout


def test_fastapi_multipart_clash(fix_code, tmp_path):
    site = tmp_path / "site"
    write_file(site / "fastapi" / "__init__.py")
    write_file(site / "fastapi" / "dependencies" / "__init__.py")
    write_file(site / "fastapi" / "dependencies" / "utils.py", FASTAPI_UTILS)
    use = "from fastapi.dependencies.utils import ensure_multipart_is_installed as e; e(); print('form ok')"
    repro = _run(use, site, tmp_path)
    assert 'RuntimeError: Form data requires "python-multipart" to be installed. \n' in repro.stderr
    result = _check(fix_code, site, tmp_path, repro.stderr)
    assert result.returncode == 1
    assert "python-multipart: NOT INSTALLED" in result.stdout
    assert "-m pip install python-multipart" in result.stdout

    # the other PyPI project "multipart" (multipart.py, no multipart.multipart) gives the clash message
    fake_distribution(site, "multipart", "2.0.1", {"multipart.py": "__version__ = '2.0.1'\n"})
    clash = _run(use, site, tmp_path).stderr
    assert 'It seems you installed "multipart" instead.' in clash
    result = _check(fix_code, site, tmp_path, clash)
    assert result.returncode == 1
    assert "multipart: NOT INSTALLED" in result.stdout  # "pip uninstall multipart" is not read as a wish
    assert 'the distribution "multipart" (another project, same import name) is installed' in result.stdout

    fake_distribution(
        site, "python-multipart", "0.0.34", {"python_multipart/__init__.py": "__version__ = '0.0.34'\n"}
    )
    assert _run(use, site, tmp_path).stdout.strip() == "form ok"  # fixed, although multipart is still there


def test_messages_without_an_extra(fix_code, tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "tabulate", "0.8.10")
    fake_distribution(site, "accelerate", "0.20.3")
    fake_distribution(site, "flash_attn", "2.7.4.post1")
    fake_distribution(site, "transformers", "4.46.3", requires=['accelerate>=0.26.0; extra == "torch"'])

    floor = "ImportError: Pandas requires version '0.9.0' or newer of 'tabulate' (version '0.8.10' currently installed)."
    result = _check(fix_code, site, tmp_path, floor)
    assert result.returncode == 1
    assert "tabulate 0.8.10: TOO OLD/NEW, the error asks for tabulate>=0.9.0" in result.stdout

    pandas2 = "ImportError: Missing optional dependency 'openpyxl'.  Use pip or conda to install openpyxl."
    assert "openpyxl: NOT INSTALLED" in _check(fix_code, site, tmp_path, pandas2).stdout

    torch5 = "ImportError: \nAutoModel requires PyTorch >= 2.6, but PyTorch was not found or an older version is installed."
    result = _check(fix_code, site, tmp_path, torch5)
    assert "torch>=2.6: NOT INSTALLED" in result.stdout
    assert "-m pip install 'torch>=2.6'" in result.stdout

    remote = (
        "ImportError: This modeling file requires the following packages that were not found in your "
        "environment: flash_attn. Run `pip install flash_attn`"
    )
    result = _check(fix_code, site, tmp_path, remote)
    assert result.returncode == 0
    assert "flash_attn 2.7.4.post1: installed" in result.stdout
    assert "another interpreter" in result.stdout

    trainer = (
        "ImportError: Using the `Trainer` with `PyTorch` requires `accelerate>=0.26.0`: Please run "
        "`pip install transformers[torch]` or `pip install 'accelerate>=0.26.0'`"
    )
    result = _check(fix_code, site, tmp_path, trainer)
    assert result.returncode == 1
    assert "accelerate 0.20.3: TOO OLD/NEW, the error asks for accelerate>=0.26.0" in result.stdout
    assert "'transformers[torch]'   OR   " in result.stdout
    assert result.stdout.rstrip().splitlines()[-2].endswith("-m pip install 'accelerate>=0.26.0'")

    faiss = (
        "ImportError: Could not import faiss python package. Please install it with `pip install faiss-gpu` "
        "(for CUDA supported GPU) or `pip install faiss-cpu` (depending on Python version)."
    )
    fake_distribution(site, "faiss-cpu", "1.9.0")
    result = _check(fix_code, site, tmp_path, faiss)
    assert result.returncode == 0  # one of the alternatives is installed
    assert "faiss-cpu 1.9.0: installed" in result.stdout


def test_not_an_optional_dependency_message(fix_code, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    for text in (
        "ModuleNotFoundError: No module named 'openpyxl'",
        "ImportError: cannot import name 'EmailStr' from 'pydantic' (/srv/venv/lib/python3.11/site-packages/pydantic/__init__.py)",
    ):
        result = _check(fix_code, site, tmp_path, text)
        assert result.returncode == 2, result.stdout
        assert "not an optional-dependency message" in result.stdout
    usage = _run(fix_code(SLUG, 1), site, tmp_path)
    assert usage.returncode == 0 and "check_optional.py" in usage.stdout
