"""Verified fix for solutions/gcp-api-not-enabled.md.

No network: a local stand-in answers as Google's front end does for `generateContent`, with Google's
own error bodies (ErrorInfo reason SERVICE_DISABLED / BILLING_DISABLED, domain googleapis.com, metadata
consumer, service, serviceTitle, containerInfo, activationUrl, then LocalizedMessage and Help, the shape
of the bodies quoted in google-gemini/gemini-cli#1343 and lbjlaq/Antigravity-Manager#3058). It checks the
API in one project per request, the consumer: the API key's project for the Gemini API, the
`x-goog-user-project` header (the credentials' quota project) for Vertex AI; a Vertex request without
that header stands for user credentials with no quota project, answered with the "requires a quota
project" body (consumer projects/764086051850, as in GoogleCloudPlatform/dlp-pdf-redaction#25).

The project's .venv has the real google-genai (3.6.1) and google-auth (2.63.1), so the errors come from
them, in child interpreters:
- a Gemini API key whose project lacks generativelanguage.googleapis.com, and Vertex AI through an ADC
  file whose quota project is another project, or none (google-auth's UserWarning), or a project without
  billing: each last line is the entry's signature (the stand-in's body with two more details at most);
- the user ADC file is read by google-auth as `gcloud auth application-default login` writes it; only its
  token endpoint is redirected to the stand-in (a sitecustomize sets
  google.oauth2.credentials._GOOGLE_OAUTH2_TOKEN_ENDPOINT, which the ADC loader otherwise forces);
- Option 4 reads the service, the project and the reason off those real errors (their text and a
  google-genai ClientError object), off every signature of the entry, and names the command Options 1-3 show; Option 1's `gcloud services enable`,
  Option 2's set-quota-project / GOOGLE_CLOUD_QUOTA_PROJECT / Python block and Option 3's billing link
  then make the same call succeed (the gcloud commands' effect on the stand-in, or on the ADC file, is
  what Google Cloud SDK 528.0.0 did against stand-ins when the entry was written).
google-api-core is not in the .venv: a small fake `google.api_core.exceptions` in tmp_path copies
google-api-core 2.44.0's GoogleAPICallError.__str__, Forbidden/PermissionDenied and
format_http_response_error/from_http_response, and is raised the way the Vertex AI REST transport does
(google-cloud-aiplatform 2.7.0 transports/rest.py: `if response.status_code >= 400: raise
core_exceptions.from_http_response(response)`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from entry_blocks import option_blocks
from fake_http import json_server
from fake_site import write_files
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "gcp-api-not-enabled"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")
KEY_PROJECT = "123456789"  # the project the Gemini API key belongs to
MODEL = "gemini-2.5-flash"
REPLY = {"candidates": [{"content": {"role": "model", "parts": [{"text": "OK"}]}, "finishReason": "STOP"}]}
TITLES = {
    "aiplatform.googleapis.com": "Vertex AI API",
    "generativelanguage.googleapis.com": "Generative Language API",
}
GCLOUD_ADC_CLIENT = "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com"


def service_disabled(service: str, project: str) -> dict:
    url = f"https://console.developers.google.com/apis/api/{service}/overview?project={project}"
    message = (
        f"{TITLES[service]} has not been used in project {project} before or it is disabled. Enable it by "
        f"visiting {url} then retry. If you enabled this API recently, wait a few minutes for the action to "
        "propagate to our systems and retry."
    )
    metadata = {
        "consumer": f"projects/{project}",
        "service": service,
        "serviceTitle": TITLES[service],
        "containerInfo": project,
        "activationUrl": url,
    }
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "SERVICE_DISABLED",
            "domain": "googleapis.com",
            "metadata": metadata,
        },
        {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message},
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [{"description": "Google developers console API activation", "url": url}],
        },
    ]
    return {"error": {"code": 403, "message": message, "status": "PERMISSION_DENIED", "details": details}}


def no_quota_project(service: str) -> dict:
    message = (
        f"Your application is authenticating by using local Application Default Credentials. The {service} API "
        "requires a quota project, which is not set by default. To learn how to set your quota project, see "
        "https://cloud.google.com/docs/authentication/adc-troubleshooting/user-creds ."
    )
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "SERVICE_DISABLED",
            "domain": "googleapis.com",
            "metadata": {"consumer": "projects/764086051850", "service": service},
        },
        {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message},
    ]
    return {"error": {"code": 403, "message": message, "status": "PERMISSION_DENIED", "details": details}}


def billing_disabled(service: str, project: str) -> dict:
    message = (
        f"This API method requires billing to be enabled. Please enable billing on project #{project} by visiting "
        f"https://console.developers.google.com/billing/enable?project={project} then retry. If you enabled billing "
        "for this project recently, wait a few minutes for the action to propagate to our systems and retry."
    )
    info = {"consumer": f"projects/{project}", "service": service}
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "BILLING_DISABLED",
            "domain": "googleapis.com",
            "metadata": info,
        }
    ]
    return {"error": {"code": 403, "message": message, "status": "PERMISSION_DENIED", "details": details}}


class GoogleStandIn:
    """Google's answer to generateContent, by the consumer project of each request."""

    def __init__(self) -> None:
        self.enabled: set[tuple[str, str]] = set()  # (service, project) switched on
        self.billing_off: set[str] = set()
        self.calls: list[tuple[str, str | None]] = []  # (path, x-goog-user-project) of each API request
        self.answer: tuple[int, dict] | None = None  # what every API request gets instead, when set

    def __call__(self, request):
        if request.path.startswith("/token"):  # google-auth refreshing the user ADC
            return 200, {"access_token": "ya29.local", "expires_in": 3600, "token_type": "Bearer"}
        user_project = request.headers.get("x-goog-user-project")
        self.calls.append((request.path, user_project))
        if self.answer is not None:
            return self.answer
        if "/projects/" in request.path:  # Vertex AI: the quota project the credentials send
            service, consumer = "aiplatform.googleapis.com", user_project
            if consumer is None:
                return 403, no_quota_project(service)
        else:  # the Gemini API: the project of the API key
            service, consumer = "generativelanguage.googleapis.com", KEY_PROJECT
        if consumer in self.billing_off:
            return 403, billing_disabled(service, consumer)
        if (service, consumer) not in self.enabled:
            return 403, service_disabled(service, consumer)
        return 200, REPLY


@pytest.fixture
def google():
    stand_in = GoogleStandIn()
    with json_server(stand_in) as base:
        yield base, stand_in


SITECUSTOMIZE = """
import os
if os.environ.get("TEST_TOKEN_ENDPOINT"):
    import google.oauth2.credentials
    google.oauth2.credentials._GOOGLE_OAUTH2_TOKEN_ENDPOINT = os.environ["TEST_TOKEN_ENDPOINT"]
"""


def write_adc(home: Path, quota_project: str | None) -> Path:
    """The user ADC file as `gcloud auth application-default login` writes it (gcloud's ADC client)."""
    info = {
        "client_id": GCLOUD_ADC_CLIENT,
        "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",
        "refresh_token": "1//0example",
        "type": "authorized_user",
    }
    if quota_project:
        info["quota_project_id"] = quota_project
    path = home / ".config" / "gcloud" / "application_default_credentials.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


def run(code: str, tmp_path: Path, base: str, **extra: str | None):
    """`code` in a child with only the stand-in to talk to: no gcloud on PATH, HOME in tmp_path."""
    site = write_files(tmp_path / "site", {"sitecustomize.py": SITECUSTOMIZE})
    (tmp_path / "nobin").mkdir(exist_ok=True)
    env: dict[str, str | None] = {
        "HOME": str(tmp_path / "home"),
        "PATH": str(tmp_path / "nobin"),
        "GOOGLE_APPLICATION_CREDENTIALS": None,
        "CLOUDSDK_CONFIG": None,
        "NO_GCE_CHECK": "true",
        "GOOGLE_CLOUD_PROJECT": "my-project",
        "GOOGLE_CLOUD_LOCATION": "us-central1",
        "GOOGLE_CLOUD_QUOTA_PROJECT": None,
        "GOOGLE_GENAI_USE_VERTEXAI": None,
        "GEMINI_API_KEY": None,
        "GOOGLE_API_KEY": None,
        "GOOGLE_VERTEX_BASE_URL": base,
        "GOOGLE_GEMINI_BASE_URL": base,
        "TEST_TOKEN_ENDPOINT": base + "/token",
        "NO_PROXY": "*",
        "no_proxy": "*",
    }
    env.update(extra)
    return run_python(code, cwd=tmp_path, path=site, env=env, timeout=120)


GEMINI_CALL = f"""
from google import genai
client = genai.Client()
print(client.models.generate_content(model="{MODEL}", contents="hi").text)
"""
# What people write for Vertex AI: the project in the client, the credentials from ADC.
VERTEX_CALL = f"""
import os
from google import genai
client = genai.Client(vertexai=True, project=os.environ["GOOGLE_CLOUD_PROJECT"], location="us-central1")
print(client.models.generate_content(model="{MODEL}", contents="hi").text)
"""


def signature(start: str, contains: str) -> str:
    (found,) = [e for e in ENTRY.errors if e.startswith(start) and contains in e]
    return found


def assert_signature(line: str, sig: str) -> None:
    """The raised line is the signature, or the signature with the stand-in's further details after it."""
    assert line == sig or line.startswith(sig.rstrip("]}") + "}}, {'@type'"), (line, sig)


@pytest.fixture(scope="module")
def hint():
    namespace: dict = {"__name__": "gcp_api_hint"}
    code = dict(option_blocks(SLUG, 4))["python"]
    exec(compile(code, f"{SLUG}.md option 4", "exec"), namespace)
    return namespace["diagnose"]


def test_gemini_key_of_a_project_without_the_api(google, tmp_path, hint, index):
    base, stand_in = google
    result = run(GEMINI_CALL, tmp_path, base, GEMINI_API_KEY="test-key")
    assert result.returncode == 1 and "google/genai/errors.py" in result.stderr
    gemini = signature(
        "google.genai.errors.ClientError", "{'error': {'code': 403, 'message': 'Generative Language"
    )
    assert_signature(last_line(result), gemini)
    assert len(stand_in.calls) == 1  # a 403 is not retried
    assert_answers(index, SLUG, result.stderr)

    advice = hint(last_line(result))
    command = "gcloud services enable generativelanguage.googleapis.com --project=123456789"
    assert advice == {
        "reason": "SERVICE_DISABLED",
        "service": "generativelanguage.googleapis.com",
        "project": KEY_PROJECT,
        "commands": [command],
    }
    assert command in option_blocks(SLUG, 1)[0][1]  # Option 1 shows that very command
    stand_in.enabled.add(("generativelanguage.googleapis.com", KEY_PROJECT))  # what it does
    fixed = run(GEMINI_CALL, tmp_path, base, GEMINI_API_KEY="test-key")
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == "OK"


def test_adc_quota_project_of_another_project(google, tmp_path, hint, index):
    """Vertex AI is on in my-project, but the ADC file still names old-project: that one is checked."""
    base, stand_in = google
    stand_in.enabled.add(("aiplatform.googleapis.com", "my-project"))
    adc = write_adc(tmp_path / "home", quota_project="old-project")
    result = run(VERTEX_CALL, tmp_path, base)
    assert result.returncode == 1
    vertex = signature("google.genai.errors.ClientError", "{'error': {'code': 403, 'message': 'Vertex AI API")
    assert_signature(last_line(result), vertex.replace("123456789", "old-project"))
    path, user_project = stand_in.calls[-1]
    assert "/projects/my-project/locations/us-central1/" in path and user_project == "old-project"
    assert_answers(index, SLUG, result.stderr)
    advice = hint(last_line(result), code_project="my-project")
    assert advice["project"] == "old-project" and "not my-project" in advice["advice"]
    assert advice["commands"][-1] == "gcloud auth application-default set-quota-project my-project"

    [(shell, commands), (language, code)] = option_blocks(SLUG, 2)
    assert (shell, language) == ("bash", "python")
    assert "gcloud auth application-default set-quota-project my-project" in commands
    assert "export GOOGLE_CLOUD_QUOTA_PROJECT=my-project" in commands
    # One child (google-genai is slow to import) runs the three ways of Option 2, in turn, against the
    # stale ADC file: the Python block unchanged; the variable with the code that failed; the ADC file
    # as `set-quota-project my-project` rewrites it (gcloud 528.0.0 set quota_project_id, and added
    # "account": "" and "universe_domain", which google-auth does not need here).
    fixes = (
        f"import json, os\nOPTION2 = {code!r}\nCALL = {VERTEX_CALL!r}\nADC = {str(adc)!r}\n"
        "exec(OPTION2, {'__name__': '__main__'})\n"
        "os.environ['GOOGLE_CLOUD_QUOTA_PROJECT'] = 'my-project'\n"
        "exec(CALL, {'__name__': '__main__'})\n"
        "del os.environ['GOOGLE_CLOUD_QUOTA_PROJECT']\n"
        "info = json.load(open(ADC))\ninfo['quota_project_id'] = 'my-project'\njson.dump(info, open(ADC, 'w'))\n"
        "exec(CALL, {'__name__': '__main__'})\n"
    )
    before = len(stand_in.calls)
    fixed = run(fixes, tmp_path, base)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.split() == ["OK", "OK", "OK"]
    assert [user_project for _, user_project in stand_in.calls[before:]] == ["my-project"] * 3
    assert json.loads(adc.read_text())["quota_project_id"] == "my-project"


def test_adc_without_a_quota_project(google, tmp_path, hint, index):
    base, stand_in = google
    stand_in.enabled.add(("aiplatform.googleapis.com", "my-project"))
    write_adc(tmp_path / "home", quota_project=None)
    result = run(VERTEX_CALL, tmp_path, base)
    assert result.returncode == 1 and stand_in.calls[-1][1] is None  # no x-goog-user-project sent
    warning = signature("UserWarning: Your application has authenticated", "See the following page")
    assert "google/auth/_default.py:" in result.stderr and f": {warning}" in result.stderr  # 2.17+ wording
    quota = signature("google.genai.errors.ClientError", "requires a quota project")
    assert_signature(last_line(result), quota)
    assert_answers(index, SLUG, result.stderr)
    advice = hint(last_line(result), code_project="my-project")
    assert advice["project"] == "764086051850" and "gcloud's ADC login client" in advice["advice"]
    assert advice["commands"][0] == "gcloud auth application-default set-quota-project my-project"

    fixed = run(option_blocks(SLUG, 2)[1][1], tmp_path, base)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.strip() == "OK" and stand_in.calls[-1][1] == "my-project"
    assert "without a quota project" not in fixed.stderr


def test_billing_disabled(google, tmp_path, hint):
    base, stand_in = google
    stand_in.billing_off.add("123456789")
    stand_in.enabled.add(("aiplatform.googleapis.com", "123456789"))
    write_adc(tmp_path / "home", quota_project="123456789")
    result = run(VERTEX_CALL, tmp_path, base, GOOGLE_CLOUD_PROJECT="123456789")
    assert result.returncode == 1
    assert last_line(result) == signature("google.genai.errors.ClientError", "BILLING_DISABLED")
    advice = hint(last_line(result))
    assert advice["reason"] == "BILLING_DISABLED" and advice["project"] == "123456789"
    assert "gcloud billing projects link 123456789 --billing-account=BILLING_ACCOUNT_ID" in advice["commands"]
    option3 = option_blocks(SLUG, 3)[0][1]
    assert "gcloud billing projects link my-project --billing-account=" in option3
    stand_in.billing_off.discard("123456789")  # what linking a billing account does
    fixed = run(VERTEX_CALL, tmp_path, base, GOOGLE_CLOUD_PROJECT="123456789")
    assert fixed.stdout.strip() == "OK", fixed.stderr


# google-api-core 2.44.0, google/api_core/exceptions.py: the parts a REST transport's 403 goes through.
API_CORE = """
import http.client

_HTTP_CODE_TO_EXCEPTION = {}


class GoogleAPIError(Exception):
    pass


class _GoogleAPICallErrorMeta(type):
    def __new__(mcs, name, bases, class_dict):
        cls = type.__new__(mcs, name, bases, class_dict)
        if cls.code is not None:
            _HTTP_CODE_TO_EXCEPTION.setdefault(cls.code, cls)
        return cls


class GoogleAPICallError(GoogleAPIError, metaclass=_GoogleAPICallErrorMeta):
    code = None
    grpc_status_code = None

    def __init__(self, message, errors=(), details=(), response=None, error_info=None):
        super(GoogleAPICallError, self).__init__(message)
        self.message = message
        self._errors = errors
        self._details = details
        self._response = response
        self._error_info = error_info

    def __str__(self):
        error_msg = "{} {}".format(self.code, self.message)
        if self.details:
            error_msg = "{} {}".format(error_msg, self.details)
        else:
            if self.errors:
                errors = [
                    f"{error.code}: {error.message}"
                    for error in self.errors
                    if hasattr(error, "code") and hasattr(error, "message")
                ]
                if errors:
                    error_msg = "{} {}".format(error_msg, "\\n".join(errors))
        return error_msg

    @property
    def reason(self):
        if not self._error_info:
            return None
        if isinstance(self._error_info, dict):
            return self._error_info.get("reason")
        return self._error_info.reason

    @property
    def metadata(self):
        if not self._error_info:
            return None
        if isinstance(self._error_info, dict):
            return self._error_info.get("metadata")
        return self._error_info.metadata

    @property
    def errors(self):
        return list(self._errors)

    @property
    def details(self):
        return list(self._details)

    @property
    def response(self):
        return self._response


class ClientError(GoogleAPICallError):
    pass


class Forbidden(ClientError):
    code = http.client.FORBIDDEN


class PermissionDenied(Forbidden):
    grpc_status_code = "PERMISSION_DENIED"  # grpc.StatusCode.PERMISSION_DENIED in the real module


def exception_class_for_http_status(status_code):
    return _HTTP_CODE_TO_EXCEPTION.get(status_code, GoogleAPICallError)


def from_http_status(status_code, message, **kwargs):
    error_class = exception_class_for_http_status(status_code)
    error = error_class(message, **kwargs)
    if error.code is None:
        error.code = status_code
    return error


def _format_rest_error_message(error, method, url):
    method = method.upper() if method else None
    message = "{method} {url}: {error}".format(method=method, url=url, error=error)
    return message


def format_http_response_error(response, method, url, payload=None):
    if isinstance(payload, list):
        payload = next((item for item in payload if isinstance(item, dict)), {})
    payload = {} if not payload else payload
    error_message = payload.get("error", {}).get("message", "unknown error")
    errors = payload.get("error", {}).get("errors", ())
    details = payload.get("error", {}).get("details", ())
    error_info_list = list(
        filter(lambda detail: detail.get("@type", "") == "type.googleapis.com/google.rpc.ErrorInfo", details)
    )
    error_info = error_info_list[0] if error_info_list else None
    message = _format_rest_error_message(error_message, method, url)
    exception = from_http_status(
        response.status_code, message, errors=errors, details=details, response=response, error_info=error_info
    )
    return exception


def from_http_response(response):
    try:
        payload = response.json()
    except ValueError:
        payload = {"error": {"message": response.text or "unknown error"}}
    return format_http_response_error(response, response.request.method, response.request.url, payload)
"""

REST_CALL = """
import os
import requests
from google.api_core import exceptions as core_exceptions

url = os.environ["GOOGLE_VERTEX_BASE_URL"] + (
    "/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent"
    "?%24alt=json%3Benum-encoding%3Dint"
)
response = requests.post(url, json={"contents": []}, headers={"x-goog-user-project": "123456789"})
try:
    # google-cloud-aiplatform 2.7.0, aiplatform_v1/services/prediction_service/transports/rest.py
    if response.status_code >= 400:
        raise core_exceptions.from_http_response(response)
except core_exceptions.GoogleAPICallError as error:
    print(type(error).__name__, error.reason, error.metadata["consumer"])
    raise
"""


def test_vertex_rest_transport_error_through_google_api_core(google, tmp_path, hint, index):
    base, _ = google
    fake = write_files(
        tmp_path / "fake", {"google/api_core/__init__.py": "", "google/api_core/exceptions.py": API_CORE}
    )
    env = {"GOOGLE_VERTEX_BASE_URL": base, "NO_PROXY": "*", "no_proxy": "*"}
    result = run_python(REST_CALL, cwd=tmp_path, path=fake, env=env)
    assert result.returncode == 1
    # the exception object: Option 4 reads .details; .reason is the ErrorInfo's (google-api-core 2.4+)
    assert result.stdout.split() == ["Forbidden", "SERVICE_DISABLED", "projects/123456789"], result.stderr
    sig = signature("google.api_core.exceptions.Forbidden", "SERVICE_DISABLED")
    assert_signature(last_line(result), sig.replace("https://us-central1-aiplatform.googleapis.com", base))
    assert_answers(index, SLUG, result.stderr)
    assert hint(last_line(result))["commands"] == [
        "gcloud services enable aiplatform.googleapis.com --project=123456789"
    ]


# Printed by google-cloud-aiplatform 2.7.0 + google-api-core 2.44.0 over gRPC (grpcio 1.85.4, grpcio-status
# 1.85.3) against a TLS stand-in that aborted with this rich status: the metadata map's order is arbitrary.
GRPC_TEXT = """google.api_core.exceptions.PermissionDenied: 403 Vertex AI API has not been used in project 123456789 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=123456789 then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry. [reason: "SERVICE_DISABLED"
domain: "googleapis.com"
metadata {
  key: "service"
  value: "aiplatform.googleapis.com"
}
metadata {
  key: "serviceTitle"
  value: "Vertex AI API"
}
metadata {
  key: "containerInfo"
  value: "123456789"
}
metadata {
  key: "consumer"
  value: "projects/123456789"
}
metadata {
  key: "activationUrl"
  value: "https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=123456789"
}
, locale: "en-US"
message: "Vertex AI API has not been used in project 123456789 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=123456789 then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry."
, links {
  description: "Google developers console API activation"
  url: "https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=123456789"
}
]"""


def test_option4_reads_every_signature_and_refuses_the_look_alikes(hint, index):
    for text in ENTRY.errors:
        advice = hint(text)
        assert advice["reason"] in ("SERVICE_DISABLED", "BILLING_DISABLED"), text
        if "/apis/api/" in text:
            service = text.split("/apis/api/")[1].split("/")[0]
            assert advice["service"] == service, text
            assert any(
                c.startswith(f"gcloud services enable {service} --project=") for c in advice["commands"]
            ), text
    for text in ENTRY.not_errors:
        assert hint(text)["reason"] is None, text
        assert confident_answer(index, text) != SLUG, text
    # a real google-genai exception object: the helper reads its .details (the response body) too
    from google.genai import errors

    exc = errors.ClientError(403, service_disabled("aiplatform.googleapis.com", "old-project"))
    assert hint(exc, code_project="my-project")["commands"] == [
        "gcloud services enable aiplatform.googleapis.com --project=old-project",
        "gcloud auth application-default set-quota-project my-project",
    ]
    exc = errors.ClientError(403, billing_disabled("aiplatform.googleapis.com", "123456789"))
    assert hint(exc)["reason"] == "BILLING_DISABLED"
    grpc = hint(GRPC_TEXT)
    assert (grpc["service"], grpc["project"]) == ("aiplatform.googleapis.com", "123456789")
    assert_answers(index, SLUG, GRPC_TEXT)


def test_option4_runs_as_a_script(tmp_path):
    script = tmp_path / "gcp_api_hint.py"
    script.write_text(dict(option_blocks(SLUG, 4))["python"], encoding="utf-8")
    bare = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60
    )
    assert bare.returncode == 0 and bare.stdout.startswith("usage: python gcp_api_hint.py")
    piped = subprocess.run(
        [sys.executable, str(script), "-"],
        input=GRPC_TEXT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert piped.stdout.splitlines() == [
        "reason: SERVICE_DISABLED",
        "service: aiplatform.googleapis.com",
        "project: 123456789",
        "commands: gcloud services enable aiplatform.googleapis.com --project=123456789",
    ]
    prompt = signature("API [aiplatform.googleapis.com]", "not enabled")
    argv = subprocess.run([sys.executable, str(script), prompt], capture_output=True, text=True, timeout=60)
    assert "commands: gcloud services enable aiplatform.googleapis.com --project=my-project" in argv.stdout


NOT_FOUND = {
    "error": {
        "code": 404,
        "message": f"Publisher Model `projects/my-project/locations/us-central1/publishers/google/models/{MODEL}` "
        "was not found or your project does not have access to it.",
        "status": "NOT_FOUND",
    }
}


def test_option4_reads_the_error_not_google_auths_warning(google, tmp_path, hint):
    """google-auth warns about a missing quota project when it loads user ADC, before any call: pasted
    with the whole stderr, the warning must not turn another error into this one (the old Option 4
    answered a 404 with set-quota-project YOUR_PROJECT)."""
    base, stand_in = google
    write_adc(tmp_path / "home", quota_project=None)
    stand_in.answer = (404, NOT_FOUND)
    result = run(VERTEX_CALL, tmp_path, base)
    assert result.returncode == 1 and "without a quota project" in result.stderr
    assert last_line(result).startswith("google.genai.errors.ClientError: 404 NOT_FOUND.")
    assert hint(result.stderr)["reason"] is None


def test_option4_keeps_the_project_the_error_names_beside_the_warning(google, tmp_path, hint):
    """The API off in a project the error names, pasted with google-auth's warning: enable it there (the
    old Option 4 dropped the project for set-quota-project YOUR_PROJECT and "no project of yours")."""
    base, stand_in = google
    write_adc(tmp_path / "home", quota_project=None)
    stand_in.answer = (403, service_disabled("aiplatform.googleapis.com", "123456789"))
    result = run(VERTEX_CALL, tmp_path, base)
    assert result.returncode == 1 and "without a quota project" in result.stderr
    advice = hint(result.stderr)
    assert (advice["reason"], advice["project"]) == ("SERVICE_DISABLED", "123456789")
    assert advice["commands"] == ["gcloud services enable aiplatform.googleapis.com --project=123456789"]
    assert "no quota project" in advice["advice"]
    # the warning alone (no error pasted) still points to the quota project
    (warning,) = [line for line in result.stderr.splitlines() if "UserWarning" in line]
    assert hint(warning, code_project="my-project")["commands"][0] == (
        "gcloud auth application-default set-quota-project my-project"
    )


def test_option4_never_enables_an_api_in_gclouds_own_project(hint):
    """google.com:cloudsdktool is the ID of project 32555940559, the gcloud CLI's OAuth client
    (googleapis/google-cloud-ruby#706); gcloud's own api_enablement.py never offers to enable there."""
    text = (
        "Gcloud::Vision::ApiError: Google Cloud Vision API has not been used in project google.com:cloudsdktool "
        "before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/"
        "vision.googleapis.com/overview?project=google.com:cloudsdktool then retry. If you enabled this API "
        "recently, wait a few minutes for the action to propagate to our systems and retry."
    )
    advice = hint(text, code_project="my-project")
    assert advice["commands"] == [
        "gcloud auth application-default set-quota-project my-project",
        "gcloud services enable vision.googleapis.com --project=my-project",
    ]
    assert "gcloud CLI client" in advice["advice"]
