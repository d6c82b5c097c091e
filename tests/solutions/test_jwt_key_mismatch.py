"""Verified fixes for solutions/jwt-key-mismatch.md: a JWT verified or signed with the wrong key.

Uses the real PyJWT and cryptography of the project's venv (PyJWT 2.15.1, cryptography 51.0.1 when written):
each failure is raised in a child interpreter (no network), its last line must be one of the entry's
signatures and its full traceback must get the entry as the matcher's confident answer; the look-alikes
(expired, audience, not a JWT) must not. Then the entry's own Option 1-4 blocks run in a child: the key
pair check and round trip, the PEM rebuilt from an env var with literal \\n / lost newlines / base64, the
HS256 secret used as text vs base64-decoded, and PyJWKClient picking the key by kid from a JWKS served on
127.0.0.1 (and refusing an unknown kid).
"""

from __future__ import annotations

import json

import pytest
from answers import assert_answers, confident_answer
from pyrun import run_python

SLUG = "jwt-key-mismatch"

CASES = r"""
import json, sys, traceback
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    return private_pem, public_pem


private_pem, public_pem = pair()
_, other_public = pair()
secret = b"s" * 32
rs_token = jwt.encode({"sub": "42"}, private_pem, algorithm="RS256")
hs_token = jwt.encode({"sub": "42"}, secret, algorithm="HS256")
CASES = {
    "other_secret": lambda: jwt.decode(hs_token, b"t" * 32, algorithms=["HS256"]),
    "other_pair": lambda: jwt.decode(rs_token, other_public, algorithms=["RS256"]),
    "pem_as_hmac": lambda: jwt.encode({"sub": "42"}, public_pem, algorithm="HS256"),
    "alg_not_allowed": lambda: jwt.decode(rs_token, secret, algorithms=["HS256"]),
    "no_algorithms": lambda: jwt.decode(rs_token, public_pem),
    "literal_newlines": lambda: jwt.decode(rs_token, public_pem.replace(b"\n", b"\\n"), algorithms=["RS256"]),
    "sign_with_public": lambda: jwt.encode({"sub": "42"}, public_pem, algorithm="RS256"),
    "empty_secret": lambda: jwt.decode(hs_token, "", algorithms=["HS256"]),
    # look-alikes: another fix
    "expired": lambda: jwt.decode(jwt.encode({"exp": 1}, secret, algorithm="HS256"), secret, algorithms=["HS256"]),
    "audience": lambda: jwt.decode(jwt.encode({"aud": "a"}, secret, algorithm="HS256"), secret,
                                   algorithms=["HS256"], audience="b"),
    "not_a_jwt": lambda: jwt.decode("abc", secret, algorithms=["HS256"]),
}
out = {}
for name, case in CASES.items():
    try:
        case()
        out[name] = None
    except Exception:
        out[name] = traceback.format_exc()
print(json.dumps(out))
"""

KEY_ERRORS = {
    "other_secret": "jwt.exceptions.InvalidSignatureError: Signature verification failed",
    "other_pair": "jwt.exceptions.InvalidSignatureError: Signature verification failed",
    "pem_as_hmac": "jwt.exceptions.InvalidKeyError: The specified key is an asymmetric key or x509 certificate "
    "and should not be used as an HMAC secret.",
    "alg_not_allowed": "jwt.exceptions.InvalidAlgorithmError: The specified alg value is not allowed",
    "no_algorithms": 'jwt.exceptions.DecodeError: It is required that you pass in a value for the "algorithms" '
    "argument when calling decode().",
    "literal_newlines": "jwt.exceptions.InvalidKeyError: Could not parse the provided public key.",
    "sign_with_public": "AttributeError: 'cryptography.hazmat.bindings._rust.openssl.rsa.RSA' object has no "
    "attribute 'sign'",
    "empty_secret": "jwt.exceptions.InvalidKeyError: HMAC key must not be empty.",
}
LOOK_ALIKES = {
    "expired": "jwt.exceptions.ExpiredSignatureError: Signature has expired",
    "audience": "jwt.exceptions.InvalidAudienceError: Audience doesn't match",
    "not_a_jwt": "jwt.exceptions.DecodeError: Not enough segments",
}


@pytest.fixture(scope="module")
def raised(tmp_path_factory) -> dict:
    result = run_python(CASES, "-W", "ignore", cwd=tmp_path_factory.mktemp("jwt"))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("case", sorted(KEY_ERRORS))
def test_key_errors_are_the_entrys(raised, entry, index, case):
    trace = raised[case]
    assert trace is not None, f"{case} did not fail"
    last = trace.strip().splitlines()[-1]
    assert last == KEY_ERRORS[case]
    assert last in entry.errors
    assert "site-packages/jwt/" in trace  # raised by the real PyJWT
    assert_answers(index, SLUG, trace)


@pytest.mark.parametrize("case", sorted(LOOK_ALIKES))
def test_look_alikes_are_not_this_entry(raised, entry, index, case):
    trace = raised[case]
    last = trace.strip().splitlines()[-1]
    assert last == LOOK_ALIKES[case]
    assert last in entry.not_errors
    assert confident_answer(index, trace) != SLUG


def _run_option(fix_code, option: int, tmp_path) -> str:
    result = run_python(fix_code(SLUG, option), "-W", "error::DeprecationWarning", cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_option1_checks_the_pair_and_round_trips(fix_code, tmp_path):
    out = _run_option(fix_code, 1, tmp_path)
    assert "same pair: True | other pair: False" in out
    assert "claims: {'sub': '42'}" in out
    assert "'alg': 'RS256'" in out
    assert "with another pair's public key: Signature verification failed" in out


def test_option2_rebuilds_pem_from_env(fix_code, tmp_path):
    out = _run_option(fix_code, 2, tmp_path)
    # the raw env value (literal \n) is the entry's error; the rebuilt PEM signs and verifies
    assert "raw env value: InvalidKeyError Could not parse the provided public key." in out
    assert "claims: {'sub': '42'}" in out
    assert "base64 env: {'sub': '42'}" in out


def test_option3_finds_the_secret_form(fix_code, tmp_path):
    out = _run_option(fix_code, 3, tmp_path)
    assert "the token verifies with the secret base64-decoded" in out
    assert "claims: {'sub': '42'}" in out


def test_option4_selects_key_by_kid(fix_code, entry, tmp_path):
    out = _run_option(fix_code, 4, tmp_path)
    assert "claims: {'sub': '42'}" in out
    assert 'unknown kid: Unable to find a signing key that matches: "2025-01"' in out
    assert (
        'jwt.exceptions.PyJWKClientError: Unable to find a signing key that matches: "2025-01"'
        in entry.errors
    )


# Edge cases of the fix blocks, found in the second audit: each child imports the entry's own block as a module
# (its demo sits behind `if __name__ == "__main__"`) and prints what the helper did.

KEYS = r"""
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

PEM, TRAD, PKCS8 = serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8
rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
# what `openssl ecparam -name prime256v1 -genkey` writes: an EC PARAMETERS block, then the key
ec_file = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + ec.generate_private_key(
    ec.SECP256R1()
).private_bytes(PEM, TRAD, serialization.NoEncryption()).decode()
# what `openssl genrsa -aes256 -traditional` writes: Proc-Type and DEK-Info header lines before the body
encrypted = rsa_key.private_bytes(PEM, TRAD, serialization.BestAvailableEncryption(b"pw")).decode()
"""


def _run_with_block(fix_code, option: int, tmp_path, script: str) -> str:
    (tmp_path / f"option{option}.py").write_text(fix_code(SLUG, option))
    result = run_python(script, "-W", "ignore", cwd=tmp_path, path=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_option2_keeps_every_block_of_a_correct_pem(fix_code, tmp_path):
    # the first audit's helper kept only the first BEGIN/END block: an `openssl ecparam -genkey` file came back
    # as its EC PARAMETERS alone, and the key was gone
    out = _run_with_block(
        fix_code,
        2,
        tmp_path,
        KEYS
        + r"""
import os
import jwt
from option2 import pem_from_env

for name, value in {"as is": ec_file, "escaped": ec_file.replace("\n", "\\n"), "spaces": ec_file.replace("\n", " ")}.items():
    os.environ["JWT_PRIVATE_KEY"] = value
    pem = pem_from_env("JWT_PRIVATE_KEY")
    print(name, "unchanged" if pem.decode() == ec_file else "changed", len(jwt.encode({"a": 1}, pem, algorithm="ES256")) > 0)
""",
    )
    assert out.splitlines() == ["as is unchanged True", "escaped unchanged True", "spaces unchanged True"]


def test_option2_keeps_the_header_lines_of_an_encrypted_key(fix_code, tmp_path):
    # the first audit's helper merged "Proc-Type: 4,ENCRYPTED" and "DEK-Info: ..." into the base64 body
    out = _run_with_block(
        fix_code,
        2,
        tmp_path,
        KEYS
        + r"""
import os
from option2 import pem_from_env

for name, value in {"as is": encrypted, "escaped": encrypted.replace("\n", "\\n"), "spaces": encrypted.replace("\n", " ")}.items():
    os.environ["JWT_PRIVATE_KEY"] = value
    pem = pem_from_env("JWT_PRIVATE_KEY")
    key = serialization.load_pem_private_key(pem, password=b"pw")
    print(name, pem.decode() == encrypted, key.private_numbers() == rsa_key.private_numbers())
""",
    )
    assert out.splitlines() == ["as is True True", "escaped True True", "spaces True True"]


def test_option2_refuses_a_bare_key_body_with_its_own_message(fix_code, tmp_path):
    # the first audit's helper base64-decoded the body and died in .decode("ascii") with a UnicodeDecodeError
    out = _run_with_block(
        fix_code,
        2,
        tmp_path,
        KEYS
        + r"""
import os
from option2 import pem_from_env

public_pem = rsa_key.public_key().public_bytes(PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
for value in ("".join(public_pem.splitlines()[1:-1]), "my-hmac-secret"):
    os.environ["JWT_PUBLIC_KEY"] = value
    try:
        pem_from_env("JWT_PUBLIC_KEY")
    except Exception as exc:
        print(type(exc).__name__, value not in str(exc))
""",
    )
    assert out.splitlines() == ["RuntimeError True", "RuntimeError True"]


def test_option3_which_form_checks_the_signature_only(fix_code, tmp_path):
    # the first audit's which_form ran the claim checks too: a non-string sub (PyJWT >= 2.10), a future nbf/iat
    # (clock skew) raised instead of naming the secret's form; a secret file's trailing newline was not tried
    out = _run_with_block(
        fix_code,
        3,
        tmp_path,
        r"""
import base64, time
import jwt
from option3 import which_form

value = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
decoded = base64.b64decode(value)
later = int(time.time()) + 3600
for claims in ({"sub": 42}, {"sub": "42", "nbf": later}, {"sub": "42", "iat": later}, {"sub": "42", "exp": 1}):
    print(which_form(jwt.encode(claims, decoded, algorithm="HS256"), value))
print(which_form(jwt.encode({"sub": "42"}, value.encode() + b"\n", algorithm="HS256"), value))
print(which_form(jwt.encode({"sub": "42"}, b"another secret of 32 bytes......", algorithm="HS256"), value))
""",
    )
    assert out.splitlines() == ["base64-decoded"] * 4 + ["with a trailing newline", "None"]


def test_option3_a_base64_secret_that_is_not_base64_is_an_error(fix_code, tmp_path):
    # the first audit's secret_from_env(base64_encoded=True) decoded "not base64!" to a few silent garbage bytes
    out = _run_with_block(
        fix_code,
        3,
        tmp_path,
        r"""
import os
from option3 import secret_from_env

os.environ["JWT_SECRET"] = "plain text secret, not base64!"
try:
    print("returned", secret_from_env(base64_encoded=True))
except ValueError as exc:
    print("ValueError")
""",
    )
    assert out.strip() == "ValueError"


def test_option1_same_pair_works_for_ed25519(fix_code, tmp_path):
    # the first audit's same_pair compared public_numbers(), which Ed25519 keys do not have (AttributeError)
    out = _run_with_block(
        fix_code,
        1,
        tmp_path,
        KEYS
        + r"""
from option1 import same_pair

def pems(key):
    private = key.private_bytes(PEM, PKCS8, serialization.NoEncryption())
    return private, key.public_key().public_bytes(PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

a, b = pems(ed25519.Ed25519PrivateKey.generate()), pems(ed25519.Ed25519PrivateKey.generate())
e = pems(ec.generate_private_key(ec.SECP256R1()))
print(same_pair(a[0], a[1]), same_pair(a[0], b[1]), same_pair(e[0], e[1]), same_pair(e[0], a[1]))
""",
    )
    assert out.strip() == "True False True False"


def test_option4_fetches_the_key_set_once_and_closes_its_server(fix_code, tmp_path):
    # the first audit's verify() built a new PyJWKClient per call: every request downloaded the JWKS again;
    # the demo also left its listening socket open (ResourceWarning under -X dev)
    code = fix_code(SLUG, 4)
    out = _run_with_block(
        fix_code,
        4,
        tmp_path,
        r"""
import json, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from option4 import verify

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
jwk.update(kid="k1", use="sig", alg="RS256")
body = json.dumps({"keys": [jwk]}).encode()
hits = []

class JWKS(BaseHTTPRequestHandler):
    def do_GET(self):
        hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = HTTPServer(("127.0.0.1", 0), JWKS)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_port}/jwks.json"
for n in range(3):
    verify(jwt.encode({"sub": str(n)}, key, algorithm="RS256", headers={"kid": "k1"}), url)
server.shutdown()
server.server_close()
print("fetches:", len(hits))
""",
    )
    assert out.strip() == "fetches: 1"
    demo = run_python(code, "-X", "dev", cwd=tmp_path, timeout=30)
    assert demo.returncode == 0, demo.stderr
    assert "ResourceWarning" not in demo.stderr
