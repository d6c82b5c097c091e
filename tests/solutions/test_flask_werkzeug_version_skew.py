"""Verified fix for solutions/flask-werkzeug-version-skew.md.

The project does not install Flask, so each test writes dist-info metadata with the versions of a real
environment to tmp_path (the entry's Option 2 reads only installed versions) and runs the entry's own
check against it. The cut-offs come from the Flask wheels: 2.0.3-2.2.3 import `url_quote` from
`werkzeug.urls` (removed in Werkzeug 3.0), 2.2.4 and 2.2.5 do not, and every Flask before 2.3 reads
`werkzeug.__version__` in its test client, which Werkzeug 3.1 removed (checked on the Werkzeug installed here).
"""

import pytest
from fake_site import fake_distribution
from pyrun import run_python

SLUG = "flask-werkzeug-version-skew"


def _site(tmp_path, **versions):
    site = tmp_path / "site"
    for dist, version in versions.items():
        fake_distribution(site, dist, version)
    return site


@pytest.mark.parametrize(
    ("flask", "werkzeug", "expected"),
    [
        ("2.2.3", "3.0.6", "imports werkzeug.urls.url_quote"),
        ("2.2.4", "3.0.6", None),  # 2.2.4 switched to urllib.parse.quote: imports and serves on Werkzeug 3.0
        ("2.2.5", "3.1.9", "reads werkzeug.__version__"),
        ("2.3.3", "3.1.9", None),
        ("3.1.3", "3.1.9", None),
    ],
)
def test_option2_names_the_real_mismatch(fix_code, tmp_path, flask, werkzeug, expected):
    site = _site(
        tmp_path, flask=flask, werkzeug=werkzeug, jinja2="3.1.6", markupsafe="3.0.4", itsdangerous="2.2.0"
    )
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert f"'flask': '{flask}'" in result.stdout and f"'werkzeug': '{werkzeug}'" in result.stdout
    if expected is None:
        assert "no known Flask/Werkzeug/Jinja2/MarkupSafe mismatch" in result.stdout, result.stdout
    else:
        assert "MISMATCH" in result.stdout and expected in result.stdout, result.stdout
        assert 'pip install -U "flask>=2.3"' in result.stdout


def test_werkzeug_3_1_has_no_version_attribute_that_old_flask_test_clients_read(tmp_path):
    import werkzeug  # the dev extra's Flask 3.1 requires Werkzeug 3.1+

    result = run_python('import werkzeug; print(f"werkzeug/{werkzeug.__version__}")', cwd=tmp_path)
    assert "AttributeError: module 'werkzeug' has no attribute '__version__'" in result.stderr
    assert werkzeug.__name__ == "werkzeug"
