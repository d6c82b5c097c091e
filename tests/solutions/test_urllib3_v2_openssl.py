"""Verified fix for solutions/urllib3-v2-openssl.md.

Uses the real urllib3 2.x installed in the project environment. The old-OpenSSL and LibreSSL
interpreters are simulated the way urllib3 sees them: by setting ssl.OPENSSL_VERSION /
OPENSSL_VERSION_INFO before urllib3 is imported (its check reads only those two values).
Then runs the entry's diagnostic (Option 1) and its urllib3-2-compatible session code (Option 2).
"""

from pyrun import run_python

SLUG = "urllib3-v2-openssl"
OLD_OPENSSL = "import ssl\nssl.OPENSSL_VERSION = 'OpenSSL 1.0.2k-fips  26 Jan 2017'\nssl.OPENSSL_VERSION_INFO = (1, 0, 2, 11, 15)\n"
LIBRESSL = "import ssl\nssl.OPENSSL_VERSION = 'LibreSSL 2.8.3'\nssl.OPENSSL_VERSION_INFO = (2, 8, 3, 0, 0)\n"


def _run(code, cwd, extra_path=None):
    return run_python(code, "-W", "always", cwd=cwd, path=extra_path)


def test_reproduces_importerror_with_openssl_102(tmp_path):
    r = _run(OLD_OPENSSL + "import urllib3\n", tmp_path)
    assert r.returncode != 0
    assert (
        "ImportError: urllib3 v2 only supports OpenSSL 1.1.1+, currently the 'ssl' module is compiled with 'OpenSSL 1.0.2k-fips  26 Jan 2017'"
        in r.stderr
    )


def test_reproduces_warning_with_libressl(tmp_path):
    r = _run(LIBRESSL + "import urllib3\nprint('imported')\n", tmp_path)
    assert r.returncode == 0 and "imported" in r.stdout
    assert "NotOpenSSLWarning: urllib3 v2 only supports OpenSSL 1.1.1+" in r.stderr


def test_reproduces_removed_1x_names(tmp_path):
    r = _run("from urllib3.util.ssl_ import DEFAULT_CIPHERS\n", tmp_path)
    assert "ImportError: cannot import name 'DEFAULT_CIPHERS' from 'urllib3.util.ssl_'" in r.stderr
    r = _run("from urllib3.util.retry import Retry\nRetry(total=3, method_whitelist=['GET'])\n", tmp_path)
    assert "got an unexpected keyword argument 'method_whitelist'" in r.stderr
    r = _run("import urllib3.packages.six\n", tmp_path)
    assert "No module named 'urllib3.packages'" in r.stderr


def test_option1_ok_on_this_interpreter(fix_code, tmp_path):
    r = _run(fix_code(SLUG, 1), tmp_path)
    assert r.returncode == 0, r.stderr
    assert "OK: this combination is supported" in r.stdout


def test_option1_flags_old_openssl_with_urllib3_2_and_prints_the_pin(fix_code, tmp_path):
    r = _run(OLD_OPENSSL + fix_code(SLUG, 1), tmp_path)
    assert r.returncode == 1
    assert "urllib3 2." in r.stdout
    assert '-m pip install "urllib3<2"' in r.stdout
    r = _run(LIBRESSL + fix_code(SLUG, 1), tmp_path)
    assert r.returncode == 1 and "LibreSSL is not OpenSSL" in r.stdout


def test_option1_accepts_old_openssl_once_urllib3_126_is_first_on_the_path(fix_code, tmp_path):
    site = tmp_path / "site"
    (site / "urllib3-1.26.20.dist-info").mkdir(parents=True)
    r = _run(OLD_OPENSSL + fix_code(SLUG, 1), tmp_path, extra_path=site)
    assert r.returncode == 0, r.stdout
    assert "urllib3 1.26" in r.stdout and "OK" in r.stdout


def test_option2_session_builds_on_urllib3_2_with_verification_on(fix_code, tmp_path):
    r = _run(fix_code(SLUG, 2), tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok CipherAdapter True 200")
    assert "DeprecationWarning" not in r.stderr
