"""Verified fix for solutions/db-client-server-version-mismatch.md.

The project does not install elasticsearch-py or qdrant-client, so the tests write small fakes of them into tmp_path,
with the real releases' shape and texts, and run them in a child interpreter against local stand-in servers
(tests/solutions/fake_http.py) that answer what the real servers answer:
- `elasticsearch` copies elasticsearch 9.5.1 / 8.19.3 (elastic-transport 9.4.2 / 8.19.1): `_sync/client/_base.py`
  rewrites every API call's `accept`/`content-type` to `application/vnd.elasticsearch+json; compatible-with=<client
  major>` (_COMPAT_MIMETYPE_TEMPLATE, per-call headers over the client's own), raises HTTP_EXCEPTIONS[status] with
  the error type as message, then UnsupportedProductError on a 2xx without `X-Elastic-Product: Elasticsearch`;
  `exceptions.py` has the real ApiError.__str__. The stand-in Elasticsearch 8.17.5 refuses `compatible-with=9` with
  the 400 body an 8.x server sends (elastic/elasticsearch-py#2923, apache/airflow#66064); the OpenSearch one answers
  GET / as OpenSearch 2.11.0 does, without the product header.
- `qdrant_client` copies qdrant-client 1.20.0's QdrantClient(url, check_compatibility=True): GET / for the server
  version, common/version_check.py is_compatible, and the real UserWarning text.
The entry's Option 1 script (stdlib only) and Option 3 block run unchanged against the same stand-ins.

Second audit (2026-12-07): Option 1 against a secured Elasticsearch (401 without credentials, HTTPS with a self-signed CA
as Elasticsearch 8+ starts), an oss 6.x build, a Weaviate pre-release, a port where no known server answers and one that
refuses; Option 3 against a qdrant-client older than 1.13 (1.12.1 and older hand unknown keywords to httpx's Client);
Option 2's block backs up before it pulls a new image.
"""

from __future__ import annotations

import datetime
import ipaddress
import re

import pytest
from answers import assert_answers, confident_answer
from fake_http import json_server
from fake_site import fake_distribution
from pyrun import last_line, run_python

SLUG = "db-client-server-version-mismatch"

ES_EXCEPTIONS = """
class ApiError(Exception):
    def __init__(self, message, meta, body):
        super().__init__(message)
        self.message, self.meta, self.body = message, meta, body

    @property
    def status_code(self):
        return self.meta["status"]

    @property
    def error(self):
        return self.message

    def __str__(self):  # elasticsearch/exceptions.py ApiError.__str__ (8.19.3, 9.5.1)
        cause = ""
        try:
            if self.body and isinstance(self.body, dict) and "error" in self.body:
                if isinstance(self.body["error"], dict):
                    root_cause = self.body["error"]["root_cause"][0]
                    caused_by = self.body["error"].get("caused_by", {})
                    cause = ", ".join(filter(None, [repr(root_cause["reason"]), root_cause.get("resource.id"),
                                                    root_cause.get("resource.type"), caused_by.get("reason")]))
                else:
                    cause = repr(self.body["error"])
        except LookupError:
            pass
        msg = ", ".join(filter(None, [str(self.status_code), repr(self.error), cause]))
        return f"{self.__class__.__name__}({msg})"


class UnsupportedProductError(ApiError):
    def __str__(self):
        return self.message


class NotFoundError(ApiError):
    pass


class BadRequestError(ApiError):
    pass


HTTP_EXCEPTIONS = {400: BadRequestError, 404: NotFoundError}
for _cls in (ApiError, UnsupportedProductError, NotFoundError, BadRequestError):
    _cls.__module__ = "elasticsearch"  # as elasticsearch/_utils.py fixup_module_metadata does
"""

ES_BASE = """
import json
import re
import urllib.error
import urllib.request

from elasticsearch._version import __versionstr__
from elasticsearch.exceptions import HTTP_EXCEPTIONS, ApiError, UnsupportedProductError

_COMPAT_MIMETYPE_TEMPLATE = "application/vnd.elasticsearch+%s; compatible-with=" + str(__versionstr__.partition(".")[0])
_COMPAT_MIMETYPE_RE = re.compile(r"application/(json|x-ndjson|vnd\\.mapbox-vector-tile)")
_COMPAT_MIMETYPE_SUB = _COMPAT_MIMETYPE_TEMPLATE % (r"\\g<1>",)


class BaseClient:
    def __init__(self, hosts, headers=None):
        self._url = hosts.rstrip("/")
        self._headers = {k.lower(): v for k, v in (headers or {}).items()}
        self._verified_elasticsearch = False

    def options(self, headers=None):
        self._headers.update({k.lower(): v for k, v in (headers or {}).items()})
        return self

    def perform_request(self, method, path, *, headers=None, body=None):
        request_headers = dict(self._headers)
        request_headers.update({k.lower(): v for k, v in (headers or {}).items()})
        for header in ("accept", "content-type"):
            if request_headers.get(header):
                request_headers[header] = _COMPAT_MIMETYPE_RE.sub(_COMPAT_MIMETYPE_SUB, request_headers[header])
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self._url + path, data=data, headers=request_headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, resp_headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as err:
            status, resp_headers, raw = err.code, err.headers, err.read()
        resp_body = json.loads(raw) if raw else None
        meta = {"status": status}
        if not 200 <= status < 299:
            message = str(resp_body)
            if isinstance(resp_body, dict):
                error = resp_body.get("error", message)
                if isinstance(error, dict) and "type" in error:
                    error = error["type"]
                message = error
            raise HTTP_EXCEPTIONS.get(status, ApiError)(message=message, meta=meta, body=resp_body)
        if not self._verified_elasticsearch:
            if resp_headers.get("x-elastic-product", "") == "Elasticsearch":
                self._verified_elasticsearch = True
            else:
                raise UnsupportedProductError(
                    message=(
                        "The client noticed that the server is not Elasticsearch "
                        "and we do not support this unknown product"
                    ),
                    meta=meta,
                    body=resp_body,
                )
        return resp_body
"""

ES_CLIENT = """
from elasticsearch._sync.client._base import BaseClient


class Elasticsearch(BaseClient):
    def info(self):
        return self.perform_request("GET", "/", headers={"accept": "application/json"})

    def search(self, index, query):
        headers = {"accept": "application/json", "content-type": "application/json"}
        return self.perform_request("POST", f"/{index}/_search", headers=headers, body={"query": query})
"""

QDRANT_CLIENT = """
import importlib.metadata
import json
import urllib.request
import warnings


def is_compatible(client_version, server_version):  # qdrant_client/common/version_check.py (1.20.0)
    if not client_version or not server_version:
        return False
    if client_version == server_version:
        return True
    client, server = ([int(p) for p in v.split(".")[:2]] for v in (client_version, server_version))
    if abs(server[0] - client[0]) >= 1:
        return False
    return abs(server[1] - client[1]) <= 1


class QdrantClient:
    def __init__(self, url, check_compatibility=True):
        self._url = url.rstrip("/")
        if check_compatibility:  # qdrant_remote.py _check_compatibility
            client_version = importlib.metadata.version("qdrant-client")
            server_version = self._get("/").get("version")
            if not is_compatible(client_version, server_version):
                warnings.warn(
                    f"Qdrant client version {client_version} is incompatible with server "
                    f"version {server_version}. Major versions should match and minor version difference "
                    "must not exceed 1. Set check_compatibility=False to skip version check.",
                    UserWarning,
                    stacklevel=2,
                )

    def _get(self, path):
        with urllib.request.urlopen(self._url + path, timeout=10) as response:
            return json.load(response)

    def get_collections(self):
        return "collections=" + repr(self._get("/collections")["result"]["collections"])
"""


def es_site(tmp_path, version: str):
    site = tmp_path / f"es-{version}"
    fake_distribution(
        site,
        "elasticsearch",
        version,
        {
            "elasticsearch/__init__.py": (
                "from ._version import __versionstr__\n"
                "from ._sync.client import Elasticsearch\n"
                "from .exceptions import ApiError, BadRequestError, UnsupportedProductError\n"
            ),
            "elasticsearch/_version.py": f"__versionstr__ = {version!r}\n",
            "elasticsearch/exceptions.py": ES_EXCEPTIONS,
            "elasticsearch/_sync/__init__.py": "",
            "elasticsearch/_sync/client/__init__.py": ES_CLIENT,
            "elasticsearch/_sync/client/_base.py": ES_BASE,
        },
    )
    return site


def qdrant_site(tmp_path, version: str):
    site = tmp_path / f"qdrant-{version}"
    fake_distribution(site, "qdrant-client", version, {"qdrant_client/__init__.py": QDRANT_CLIENT})
    return site


MEDIA_TYPE_REASON = "Invalid media-type value on headers [Content-Type, Accept]"


def elasticsearch_8(request):
    """What an Elasticsearch 8.17.5 node answers: it accepts compatible-with 7 or 8 only."""
    product = [("X-Elastic-Product", "Elasticsearch")]
    found = re.findall(r"compatible-with=(\d+)", request.headers.get("accept") or "")
    if found and found[0] not in ("7", "8"):
        error = {
            "root_cause": [{"type": "media_type_header_exception", "reason": MEDIA_TYPE_REASON}],
            "type": "media_type_header_exception",
            "reason": MEDIA_TYPE_REASON,
            "caused_by": {
                "type": "status_exception",
                "reason": f"Accept version must be either version 8 or 7, but found {found[0]}. "
                f"Accept={request.headers['accept']}",
            },
        }
        return 400, {"error": error, "status": 400}, product
    if request.path.endswith("/_search"):
        return (
            200,
            {"took": 1, "timed_out": False, "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}},
            product,
        )
    version = {"number": "8.17.5", "build_flavor": "default"}
    return 200, {"name": "es01", "version": version, "tagline": "You Know, for Search"}, product


def opensearch(request):
    version = {"distribution": "opensearch", "number": "2.11.0"}
    return 200, {
        "name": "os01",
        "version": version,
        "tagline": "The OpenSearch Project: https://opensearch.org/",
    }


def qdrant_19(request):
    if request.path == "/collections":
        return 200, {"result": {"collections": []}, "status": "ok", "time": 0.0}
    return 200, {"title": "qdrant - vector search engine", "version": "1.9.0", "commit": "x"}


def weaviate_1223(request):
    if request.path == "/v1/meta":
        return 200, {"hostname": "http://[::]:8080", "modules": {}, "version": "1.22.3"}
    return 404, {}


APP = """
import sys
from elasticsearch import Elasticsearch

es = Elasticsearch(sys.argv[1])
print(es.search(index="docs", query={"match_all": {}})["hits"]["total"])
"""

NO_PROXY = {"NO_PROXY": "*", "no_proxy": "*"}


def run_app(code, site, url):
    return run_python(code, path=site, args=[url], env=NO_PROXY, timeout=30)


def test_client_9_against_server_8_is_refused_and_the_pinned_client_works(tmp_path, index, fix_code):
    with json_server(elasticsearch_8) as url:
        wrong = run_app(APP, es_site(tmp_path, "9.5.1"), url)
        assert wrong.returncode != 0
        assert last_line(wrong) == (
            "elasticsearch.BadRequestError: BadRequestError(400, 'media_type_header_exception', "
            "'Invalid media-type value on headers [Content-Type, Accept]', Accept version must be either version 8 "
            "or 7, but found 9. Accept=application/vnd.elasticsearch+json; compatible-with=9)"
        )
        assert "site-packages" not in wrong.stderr and "elasticsearch/_sync/client/_base.py" in wrong.stderr
        assert_answers(index, SLUG, wrong.stderr)

        # the entry's Option 1 script names the pin; a release inside it works against the same server
        script = run_python(fix_code(SLUG, 1), args=[url], env=NO_PROXY, timeout=30)
        assert script.returncode == 0, script.stderr
        assert script.stdout.splitlines()[:2] == [
            "server: Elasticsearch 8.17.5",
            'pip install "elasticsearch>=8,<9"',
        ]
        fixed = run_app(APP, es_site(tmp_path, "8.19.3"), url)
        assert fixed.returncode == 0, fixed.stderr
        assert fixed.stdout.strip() == "{'value': 0, 'relation': 'eq'}"


def test_overriding_the_accept_header_does_not_reach_the_wire(tmp_path):
    """What the entry says about header overrides on a 9.x client: each API call sets its own accept."""
    override = APP.replace(
        "es = Elasticsearch(sys.argv[1])",
        'es = Elasticsearch(sys.argv[1], headers={"accept": "application/vnd.elasticsearch+json; compatible-with=8"})',
    )
    with json_server(elasticsearch_8) as url:
        result = run_app(override, es_site(tmp_path, "9.5.1"), url)
    assert result.returncode != 0
    assert "but found 9" in last_line(result)


def test_elasticsearch_client_against_opensearch(tmp_path, index, fix_code):
    with json_server(opensearch) as url:
        wrong = run_app(
            APP.replace('es.search(index="docs", query={"match_all": {}})["hits"]["total"]', "es.info()"),
            es_site(tmp_path, "8.19.3"),
            url,
        )
        assert last_line(wrong) == (
            "elasticsearch.UnsupportedProductError: The client noticed that the server is not Elasticsearch "
            "and we do not support this unknown product"
        )
        assert_answers(index, SLUG, wrong.stderr)
        script = run_python(fix_code(SLUG, 1), args=[url], env=NO_PROXY, timeout=30)
    assert script.returncode == 0, script.stderr
    assert script.stdout.splitlines()[:2] == ["server: OpenSearch 2.11.0", 'pip install "opensearch-py"']


def test_qdrant_warning_option1_pin_and_option3_stopgap(tmp_path, index, fix_code):
    site = qdrant_site(tmp_path, "1.20.0")
    use = "import sys\nfrom qdrant_client import QdrantClient\nprint(QdrantClient(url=sys.argv[1]).get_collections())\n"
    with json_server(qdrant_19) as url:
        wrong = run_app(use, site, url)
        assert wrong.returncode == 0, wrong.stderr  # only a warning: the call still ran
        warning = next(line for line in wrong.stderr.splitlines() if "UserWarning" in line)
        assert warning.endswith(
            "UserWarning: Qdrant client version 1.20.0 is incompatible with server version 1.9.0. Major versions "
            "should match and minor version difference must not exceed 1. Set check_compatibility=False to skip "
            "version check."
        )
        assert_answers(index, SLUG, wrong.stderr)

        script = run_python(fix_code(SLUG, 1), args=[url], env=NO_PROXY, timeout=30)
        assert script.stdout.splitlines()[:2] == [
            "server: Qdrant 1.9.0",
            'pip install "qdrant-client~=1.9.0"',
        ]

        stopgap = run_python(fix_code(SLUG, 3), path=site, env={**NO_PROXY, "QDRANT_URL": url}, timeout=30)
    assert stopgap.returncode == 0, stopgap.stderr
    assert stopgap.stdout.strip() == "collections=[]"
    assert "incompatible" not in stopgap.stderr


def test_option1_tells_an_unsupported_weaviate_to_upgrade(fix_code):
    with json_server(weaviate_1223) as url:
        script = run_python(fix_code(SLUG, 1), args=[url], env=NO_PROXY, timeout=30)
    assert script.returncode == 0, script.stderr
    assert script.stdout.splitlines() == [
        "server: Weaviate 1.22.3",
        "note: no v4 client supports it: upgrade the server (Option 2)",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "pymongo.errors.ConfigurationError: Server at 127.0.0.1:28017 reports wire version 6, but this version of "
        "PyMongo requires at least 9 (MongoDB 4.4).",
        "weaviate.exceptions.WeaviateStartUpError: Weaviate version 1.24.0 is not supported. Please use Weaviate "
        "version 1.27.0 or higher.",
        "elasticsearch.exceptions.UnsupportedProductError: The client noticed that the server is not a supported "
        "distribution of Elasticsearch",
        # the handshake check of the Node driver 4.x-6.x (lib/cmap/connect.js), carried by MongoServerSelectionError
        "MongoServerSelectionError: Server at localhost:27017 reports maximum wire version 7, but this version of the "
        "Node.js Driver requires at least 8 (MongoDB 4.2)",
        # pymilvus 2.6.11+ (decorators.py upgrade_reminder)
        "pymilvus.exceptions.MilvusException: <MilvusException: (code=1, message=Received UNIMPLEMENTED from server. "
        "Please first verify that your uri points to a Milvus gRPC port (default: 19530) instead of an HTTP/proxy port. "
        "If the port is correct, your SDK may be incompatible with the server; upgrade Milvus server or use a matching "
        "pymilvus version.)>",
    ],
)
def test_other_reproduced_wordings_come_here(index, text):
    assert_answers(index, SLUG, text)


def test_look_alikes_are_not_this_entry(index, entry):
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text


# Second audit: each test below fails on the entry as first written and passes on the corrected one.

QDRANT_CLIENT_112 = """
import json
import urllib.request


class Client:  # httpx.Client: an argument it does not know is a TypeError
    def __init__(self, headers=None, http2=False, timeout=None):
        pass


class QdrantClient:
    def __init__(self, location=None, url=None, **kwargs):  # qdrant-client 1.12.1: no version check, the rest to httpx
        self._url = url.rstrip("/")
        self._http = Client(**kwargs)

    def get_collections(self):
        with urllib.request.urlopen(self._url + "/collections", timeout=10) as response:
            return "collections=" + repr(json.load(response)["result"]["collections"])
"""


def secured_elasticsearch(request):
    """Elasticsearch 8 with security on: 401 to a request without credentials."""
    product = [("X-Elastic-Product", "Elasticsearch")]
    if request.headers.get("authorization") != "Basic ZWxhc3RpYzpzM2NyZXQtcGFzcw==":  # elastic:s3cret-pass
        reason = "missing authentication credentials for REST request [/]"
        error = {
            "root_cause": [{"type": "security_exception", "reason": reason}],
            "type": "security_exception",
        }
        return 401, {"error": {**error, "reason": reason}, "status": 401}, product
    return elasticsearch_8(request)


def test_option1_asks_a_secured_elasticsearch_with_credentials_from_the_environment(fix_code):
    """The first version swallowed the 401, asked /v1/meta and died in a traceback about Weaviate's path."""
    with json_server(secured_elasticsearch) as url:
        bare = run_python(fix_code(SLUG, 1), args=[url], env={**NO_PROXY, "SERVER_USER": None}, timeout=30)
        creds = {**NO_PROXY, "SERVER_USER": "elastic", "SERVER_PASSWORD": "s3cret-pass"}
        script = run_python(fix_code(SLUG, 1), args=[url], env=creds, timeout=30)
    assert bare.returncode == 1 and "Traceback" not in bare.stderr, bare.stderr
    assert (
        bare.stderr.strip()
        == "error: GET / answered 401: set SERVER_USER/SERVER_PASSWORD or SERVER_AUTH_HEADER"
    )
    assert script.returncode == 0, script.stderr
    assert script.stdout.splitlines()[:2] == [
        "server: Elasticsearch 8.17.5",
        'pip install "elasticsearch>=8,<9"',
    ]
    assert "s3cret" not in script.stdout + script.stderr + bare.stdout + bare.stderr


def self_signed_certificate(folder):
    """A certificate for 127.0.0.1 that is its own CA, as Elasticsearch 8+ makes at first start: (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(ski, False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "http_ca.crt", folder / "http.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_option1_trusts_a_self_signed_elasticsearch_through_server_ca(tmp_path, fix_code):
    """Elasticsearch 8+ starts on HTTPS with its own CA: the first version could only die in CERTIFICATE_VERIFY_FAILED."""
    cert, key = self_signed_certificate(tmp_path)
    creds = {**NO_PROXY, "SERVER_USER": "elastic", "SERVER_PASSWORD": "s3cret-pass"}
    with json_server(secured_elasticsearch, tls=(cert, key)) as url:
        untrusted = run_python(fix_code(SLUG, 1), args=[url], env={**creds, "SERVER_CA": None}, timeout=30)
        trusted = run_python(fix_code(SLUG, 1), args=[url], env={**creds, "SERVER_CA": str(cert)}, timeout=30)
    assert untrusted.returncode == 1 and "Traceback" not in untrusted.stderr, untrusted.stderr
    assert untrusted.stderr.startswith("error: HTTPS certificate not trusted (")
    assert untrusted.stderr.strip().endswith("set SERVER_CA to the server's CA file")
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout.splitlines()[:2] == [
        "server: Elasticsearch 8.17.5",
        'pip install "elasticsearch>=8,<9"',
    ]


def elasticsearch_oss_6(request):
    version = {"number": "6.8.23", "build_flavor": "oss"}
    return 200, {"name": "es6", "version": version, "tagline": "You Know, for Search"}


def test_option1_pins_an_oss_6x_server_to_its_own_major(fix_code):
    """6.x has oss builds too; the first version told them `elasticsearch<7.14`, a 7.x client for a 6.x server."""
    with json_server(elasticsearch_oss_6) as url:
        script = run_python(fix_code(SLUG, 1), args=[url], env=NO_PROXY, timeout=30)
    assert script.returncode == 0, script.stderr
    assert script.stdout.splitlines()[:2] == [
        "server: Elasticsearch 6.8.23",
        'pip install "elasticsearch>=6,<7"',
    ]


def weaviate_rc(request):
    if request.path == "/v1/meta":
        return 200, {"hostname": "http://[::]:8080", "modules": {}, "version": "1.26.0-rc.1"}
    return 404, {}


def test_option1_reads_a_weaviate_prerelease_version(fix_code):
    """`int("0-rc")` was a ValueError in the first version."""
    with json_server(weaviate_rc) as url:
        script = run_python(fix_code(SLUG, 1), args=[url], env=NO_PROXY, timeout=30)
    assert script.returncode == 0, script.stderr
    assert script.stdout.splitlines()[:2] == [
        "server: Weaviate 1.26.0-rc.1",
        'pip install "weaviate-client>=4,<4.17"',
    ]


def test_option1_says_when_no_known_server_answers(fix_code, silent_port):
    """A wrong port (Milvus's 9091, a web app) or a stopped server: a sentence and exit 1, not a traceback."""
    with json_server(lambda request: (404, {"detail": "Not Found"})) as url:
        nothing = run_python(fix_code(SLUG, 1), args=[url], env=NO_PROXY, timeout=30)
    refused = run_python(
        fix_code(SLUG, 1), args=[f"http://127.0.0.1:{silent_port}"], env=NO_PROXY, timeout=30
    )
    assert nothing.returncode == 1 and "Traceback" not in nothing.stderr, nothing.stderr
    assert nothing.stderr.strip() == (
        "error: no Elasticsearch, OpenSearch, Qdrant or Weaviate answered at that URL (wrong port?)"
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert refused.stderr.startswith("error: cannot reach the server: ")


def test_option3_runs_on_a_qdrant_client_older_than_the_check(tmp_path, fix_code):
    """After Option 1's `qdrant-client~=1.9.0`, `check_compatibility=False` was a TypeError (run with 1.9.2)."""
    site = tmp_path / "qdrant-1.12.1"
    fake_distribution(site, "qdrant-client", "1.12.1", {"qdrant_client/__init__.py": QDRANT_CLIENT_112})
    with json_server(qdrant_19) as url:
        stopgap = run_python(fix_code(SLUG, 3), path=site, env={**NO_PROXY, "QDRANT_URL": url}, timeout=30)
    assert stopgap.returncode == 0, stopgap.stderr
    assert stopgap.stdout.strip() == "collections=[]"


def test_option2_backs_up_before_it_pulls_a_new_image(fix_code):
    """A server upgrade rewrites its data files and cannot be undone: the block's first step is a copy of them."""
    block = fix_code(SLUG, 2)
    assert "tar czf" in block and "docker compose pull" in block
    assert block.index("tar czf") < block.index("docker compose pull")
    assert ":/data:ro" in block  # the backup only reads the volume
