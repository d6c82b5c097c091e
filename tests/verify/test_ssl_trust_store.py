"""solutions/ssl-certificate-verify-failed.md: which trust store the OpenAI/Anthropic SDKs use.

The first version of the entry said the SDKs trust certifi. That holds for the releases built
on httpx 0.x (openai <= 2.x, anthropic 0.x); openai 3.x and anthropic >= 1.0 are built on
httpx2, whose default context reads SSL_CERT_FILE / SSL_CERT_DIR, else the OS store (truststore
on macOS/Windows) or OpenSSL's system CA paths on Linux, and never certifi.

A throwaway CA signs a certificate for 127.0.0.1; a local TLS server presents it. A fake
`certifi` package first on PYTHONPATH makes "trusts certifi" observable without touching any
real trust store.
"""

import json
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

CLIENTS = {
    "openai==2.34.0": "openai",  # httpx 0.x: certifi
    "openai==3.63.0": "openai",  # httpx2
    "anthropic==0.125.0": "anthropic",  # httpx 0.x: certifi
    "anthropic==2.17.0": "anthropic",  # httpx2
}
USES_CERTIFI = {"openai==2.34.0", "anthropic==0.125.0"}

CLIENT_CODE = r"""
import json, sys
import {module}
client = {module}.DefaultHttpxClient(timeout=10)
try:
    response = client.get(sys.argv[1] if len(sys.argv) > 1 else "{url}")
    print(json.dumps(["ok", response.status_code]))
except Exception as err:
    print(json.dumps(["error", type(err).__name__, str(err)[:300]]))
"""


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Synapse Verify Test Root",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
        cwd=d,
    )
    (d / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid,issuer\nsubjectKeyIdentifier=hash\n"
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        cwd=d,
    )

    class Ok(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "server.pem", d / "server.key")
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    fake = d / "fake_certifi" / "certifi"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        f"def where():\n    return {str(d / 'ca.pem')!r}\n\ndef contents():\n    return open(where()).read()\n"
    )
    yield {
        "url": f"https://127.0.0.1:{server.server_address[1]}/",
        "ca": d / "ca.pem",
        "fake_certifi": d / "fake_certifi",
    }
    server.shutdown()
    server.server_close()


def _get(venv, requirement, tls_server, env):
    code = CLIENT_CODE.format(module=CLIENTS[requirement], url=tls_server["url"])
    unset = ["SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "PYTHONPATH"]
    run = venv(requirement).run(code, timeout=60, env=env, unset=unset)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("requirement", sorted(CLIENTS))
def test_ssl_cert_file_is_honoured(venv, tls_server, requirement):
    assert _get(venv, requirement, tls_server, {"SSL_CERT_FILE": str(tls_server["ca"])}) == ["ok", 200]


@pytest.mark.parametrize("requirement", sorted(CLIENTS))
def test_without_the_root_verification_fails(venv, tls_server, requirement):
    result = _get(venv, requirement, tls_server, {})
    assert result[0] == "error" and "CERTIFICATE_VERIFY_FAILED" in result[2]


@pytest.mark.parametrize("requirement", sorted(CLIENTS))
def test_who_trusts_certifi(venv, tls_server, requirement):
    result = _get(venv, requirement, tls_server, {"PYTHONPATH": str(tls_server["fake_certifi"])})
    if requirement in USES_CERTIFI:
        assert result == ["ok", 200]
    else:
        assert result[0] == "error" and "CERTIFICATE_VERIFY_FAILED" in result[2]
