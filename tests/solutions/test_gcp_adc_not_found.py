"""Verified fix for solutions/gcp-adc-not-found.md.

The project's .venv has the real google-auth (2.63.1) and google-genai (3.6.1), so nothing is faked:
each test runs `google.auth.default()` (or a google-genai client) in a child interpreter whose HOME is
tmp_path, with no GOOGLE_APPLICATION_CREDENTIALS, no CLOUDSDK_CONFIG, and NO_GCE_CHECK=true (google-auth
2.48+ then skips the metadata-server ping, compute_engine/_metadata.py), so no network is used:
- no source at all gives the entry's first signature, word for word, from google-auth and from
  `genai.Client(vertexai=True)` / GOOGLE_GENAI_USE_VERTEXAI=true;
- GOOGLE_APPLICATION_CREDENTIALS naming a missing file, an OAuth client secret or an empty file gives the
  `File ... was not found.`, `does not have a valid type` and `not a valid json file` signatures (with the
  entry's example path replaced by the test's);
- a user ADC file where `gcloud auth application-default login` writes it (under $CLOUDSDK_CONFIG, or
  ~/.config/gcloud) is what google-auth then finds (the mechanism of Option 1);
- Option 3's script reports the same source google-auth uses (or none) in each of these states, its
  metadata probe is tried against a local server answering `Metadata-Flavor: Google`;
- Option 2's explicit credentials (a service-account key generated here) and Option 4's API key build
  their clients without any ADC lookup.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from entry_blocks import option_blocks
from fake_http import json_server
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "gcp-adc-not-found"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")
NOT_FOUND = ENTRY.errors[0]

DEFAULT = (
    "import google.auth\ncreds, project = google.auth.default()\nprint(type(creds).__module__, project)\n"
)


def clean_env(home: Path, **extra: str | None) -> dict:
    """An environment with no ADC source: HOME is empty, no key path, no metadata ping, no Gemini keys."""
    home.mkdir(parents=True, exist_ok=True)
    env: dict[str, str | None] = {
        "HOME": str(home),
        "GOOGLE_APPLICATION_CREDENTIALS": None,
        "CLOUDSDK_CONFIG": None,
        "NO_GCE_CHECK": "true",
        "GCE_METADATA_IP": None,
        "GCE_METADATA_HOST": None,
        "GOOGLE_CLOUD_PROJECT": None,
        "GCLOUD_PROJECT": None,
        "GOOGLE_CLOUD_QUOTA_PROJECT": None,
        "GEMINI_API_KEY": None,
        "GOOGLE_API_KEY": None,
        "GOOGLE_GENAI_USE_VERTEXAI": None,
        "NO_PROXY": "*",
    }
    env.update(extra)
    return env


def user_adc(quota_project: str | None = "my-quota-project") -> dict:
    """The shape of the file `gcloud auth application-default login` writes (gcloud's own client id)."""
    info = {
        "client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
        "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",
        "refresh_token": "1//0example-refresh-token",
        "type": "authorized_user",
    }
    if quota_project:
        info["quota_project_id"] = quota_project
    return info


def test_no_source_gives_the_current_wording(tmp_path):
    result = run_python(DEFAULT, cwd=tmp_path, env=clean_env(tmp_path / "home"))
    assert result.returncode == 1
    assert "google/auth/_default.py" in result.stderr
    assert last_line(result) == NOT_FOUND


@pytest.mark.parametrize(
    "code, extra",
    [
        ("from google import genai\ngenai.Client(vertexai=True)\n", {}),
        ("from google import genai\ngenai.Client()\n", {"GOOGLE_GENAI_USE_VERTEXAI": "true"}),
    ],
    ids=["vertexai-true", "use-vertexai-env"],
)
def test_google_genai_on_vertex_raises_it_in_the_constructor(tmp_path, code, extra):
    result = run_python(code, cwd=tmp_path, env=clean_env(tmp_path / "home", **extra))
    assert result.returncode == 1
    assert "google/genai/_api_client.py" in result.stderr
    assert last_line(result) == NOT_FOUND


def _signature(start: str) -> str:
    return next(e for e in ENTRY.errors if e.startswith(start))


def test_a_key_path_that_points_nowhere(tmp_path):
    missing = tmp_path / "credentials" / "key.json"
    env = clean_env(tmp_path / "home", GOOGLE_APPLICATION_CREDENTIALS=str(missing))
    result = run_python(DEFAULT, cwd=tmp_path, env=env)
    expected = _signature("google.auth.exceptions.DefaultCredentialsError: File ").replace(
        "/app/credentials/key.json", str(missing)
    )
    assert last_line(result) == expected
    # the explicit file is not skipped: a valid gcloud file does not rescue it
    gcloud = tmp_path / "home" / ".config" / "gcloud"
    gcloud.mkdir(parents=True)
    (gcloud / "application_default_credentials.json").write_text(json.dumps(user_adc()))
    assert last_line(run_python(DEFAULT, cwd=tmp_path, env=env)) == expected


def test_a_key_path_to_the_wrong_kind_of_file(tmp_path):
    secret = tmp_path / "client_secret.json"
    secret.write_text(json.dumps({"installed": {"client_id": "x.apps.googleusercontent.com"}}))
    env = clean_env(tmp_path / "home", GOOGLE_APPLICATION_CREDENTIALS=str(secret))
    expected = _signature("google.auth.exceptions.DefaultCredentialsError: The file ").replace(
        "/app/client_secret.json", str(secret)
    )
    assert last_line(run_python(DEFAULT, cwd=tmp_path, env=env)) == expected

    empty = tmp_path / "key.json"
    empty.write_text("")
    env["GOOGLE_APPLICATION_CREDENTIALS"] = str(empty)
    expected = _signature("google.auth.exceptions.DefaultCredentialsError: ('File ").replace(
        "/app/key.json", str(empty)
    )
    assert last_line(run_python(DEFAULT, cwd=tmp_path, env=env)) == expected


@pytest.mark.parametrize("via", ["CLOUDSDK_CONFIG", "HOME"])
def test_the_gcloud_adc_file_is_found(tmp_path, via):
    """What Option 1 relies on: google-auth reads the file gcloud writes, from either location."""
    if via == "CLOUDSDK_CONFIG":
        config = tmp_path / "gcloud-config"
        extra = {"CLOUDSDK_CONFIG": str(config)}
    else:
        config = tmp_path / "home" / ".config" / "gcloud"
        extra = {}
    config.mkdir(parents=True)
    (config / "application_default_credentials.json").write_text(json.dumps(user_adc()))
    env = clean_env(tmp_path / "home", GOOGLE_CLOUD_PROJECT="my-project", PATH=os.defpath, **extra)
    code = DEFAULT + "print(creds.quota_project_id)\n"
    result = run_python(code, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["google.oauth2.credentials", "my-project", "my-quota-project"]


@pytest.fixture
def doctor(fix_code, tmp_path):
    script = tmp_path / "adc_doctor.py"
    script.write_text(fix_code(SLUG, 3), encoding="utf-8")

    def run(env, *args):
        result = run_python(script.read_text(), cwd=tmp_path, env=env, args=args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run


def test_option3_reports_no_source(doctor, tmp_path):
    home = tmp_path / "home"
    out = doctor(clean_env(home, GEMINI_API_KEY="k"))
    assert "1 GOOGLE_APPLICATION_CREDENTIALS: not set" in out
    well_known = home / ".config" / "gcloud" / "application_default_credentials.json"
    assert f"2 gcloud ADC file: {well_known}: does not exist" in out
    assert "3 metadata server: skipped: NO_GCE_CHECK=true" in out
    assert "gemini api key variables set: GEMINI_API_KEY; GOOGLE_GENAI_USE_VERTEXAI=unset" in out
    assert "verdict: NO ADC SOURCE: google.auth.default() raises DefaultCredentialsError here" in out
    # the path it prints is the one google-auth itself uses
    check = (
        "from google.auth import _cloud_sdk\nprint(_cloud_sdk.get_application_default_credentials_path())\n"
    )
    assert run_python(check, env=clean_env(home)).stdout.strip() == str(well_known)


def test_option3_reports_a_broken_key_path(doctor, tmp_path):
    home = tmp_path / "home"
    out = doctor(clean_env(home, GOOGLE_APPLICATION_CREDENTIALS=str(tmp_path / "nope.json")))
    assert f"1 GOOGLE_APPLICATION_CREDENTIALS: {tmp_path / 'nope.json'}: does not exist" in out
    assert "verdict: BROKEN: google-auth raises for GOOGLE_APPLICATION_CREDENTIALS" in out

    (tmp_path / "mounted.json").mkdir()
    out = doctor(clean_env(home, GOOGLE_APPLICATION_CREDENTIALS="mounted.json"))
    assert "mounted.json (relative: " in out and ": is a directory (a Docker -v" in out

    secret = tmp_path / "client_secret.json"
    secret.write_text(json.dumps({"web": {"client_id": "x"}}))
    out = doctor(clean_env(home, GOOGLE_APPLICATION_CREDENTIALS=str(secret)))
    assert "type is None, not a credentials file - an OAuth client secret" in out


def test_option3_finds_the_gcloud_file_where_google_auth_does(doctor, tmp_path):
    config = tmp_path / "gcloud-config"
    config.mkdir()
    (config / "application_default_credentials.json").write_text(json.dumps(user_adc()))
    env = clean_env(tmp_path / "home", CLOUDSDK_CONFIG=str(config), GOOGLE_CLOUD_PROJECT="my-project")
    out = doctor(env)
    assert "type authorized_user, quota_project_id=my-quota-project" in out
    assert "verdict: ADC comes from the gcloud ADC file" in out
    assert "project variables: GOOGLE_CLOUD_PROJECT=my-project" in out
    assert "d-FL95Q19q7MQmFpd7hHD0Ty" not in out and "refresh-token" not in out  # no secrets
    env["PATH"] = os.defpath  # no gcloud to ask for a project
    assert run_python(DEFAULT, cwd=tmp_path, env=env).returncode == 0  # google-auth agrees


def test_option3_probe_finds_a_metadata_server(doctor, tmp_path):
    def answer(request):
        assert request.headers.get("Metadata-Flavor") == "Google"
        return 200, {}, [("Metadata-Flavor", "Google")]

    with json_server(answer) as base:
        ip = base.removeprefix("http://")
        env = clean_env(tmp_path / "home", NO_GCE_CHECK=None, GCE_METADATA_IP=ip)
        out = doctor(env, "--probe-metadata")
    assert f"3 metadata server: http://{ip} answered as a metadata server" in out
    assert "verdict: ADC comes from the metadata server" in out
    # nobody listening there: unreachable, and no source
    out = doctor(env, "--probe-metadata")
    assert f"3 metadata server: http://{ip} unreachable" in out
    assert "verdict: NO ADC SOURCE" in out


def _service_account_key(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "key-project",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "agent@key-project.iam.gserviceaccount.com",
        "client_id": "123456789",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path.write_text(json.dumps(info))


def test_option2_explicit_credentials_need_no_adc(tmp_path):
    [(_, bash_docker), (language, code)] = option_blocks(SLUG, 2)
    assert language == "python" and "GOOGLE_APPLICATION_CREDENTIALS=/abs/path/key.json" in bash_docker
    key = tmp_path / "key.json"
    _service_account_key(key)
    env = clean_env(tmp_path / "home", SERVICE_ACCOUNT_KEY=str(key))
    result = run_python(code, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "using agent@key-project.iam.gserviceaccount.com in key-project"
    # and the same key through GOOGLE_APPLICATION_CREDENTIALS is what ADC returns
    env = clean_env(tmp_path / "home", GOOGLE_APPLICATION_CREDENTIALS=str(key))
    result = run_python(DEFAULT, cwd=tmp_path, env=env)
    assert result.stdout.split() == ["google.oauth2.service_account", "key-project"]


def test_option4_api_key_client_needs_no_adc(fix_code, tmp_path):
    code = fix_code(SLUG, 4).split("print(client.models")[0]
    code += "print(client._api_client.vertexai, client._api_client._http_options.base_url)\n"
    env = clean_env(tmp_path / "home", GEMINI_API_KEY="test-key", GOOGLE_GENAI_USE_VERTEXAI="true")
    result = run_python(code, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "https://generativelanguage.googleapis.com/"]
